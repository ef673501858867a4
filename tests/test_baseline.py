"""Fingerprints (stable across line moves and unrelated edits) and baselines."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyguard.gate import baseline
from policyguard.gate.fingerprint import assign_fingerprints, fingerprint, normalise_value
from policyguard.model import Status, unknown

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

BASE = (sup.DATA / "terraform" / "main.tf").read_text()


def _fps(path: Path) -> dict[tuple[str, str], str]:
    res = sup.run_scan(path)
    assign_fingerprints(res.findings, res.resources, str(path.parent))
    return {(f.rule_id, f.resource_id): f.fingerprint for f in res.findings}


@pytest.fixture(scope="module")
def ready() -> None:
    why = sup.pipeline_ready()
    if why:
        pytest.skip(why)


def test_normalised_value() -> None:
    assert normalise_value({"b": 1, "a": [1, 2]}) == normalise_value({"a": [1, 2], "b": 1})
    assert normalise_value("  x ") == normalise_value("x")
    assert normalise_value(None) == "<absent>"
    assert normalise_value(unknown("var.x")) == "unknown:var.x"
    assert normalise_value({"__unknown__": "var.x"}) != "unknown:var.x"  # data that looks like one is not one
    assert normalise_value(1) != normalise_value("1")


def test_fingerprint_ignores_lines_but_not_values(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "a" {\n  acl = "public-read"\n}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.a", "resource", {"acl": "public-read"}, {"acl": "acl"})])
    fd = sup.finding(r, "PG-1", "acl")
    before = fingerprint(fd, r, str(tmp_path))
    f.write_text("\n" * 20 + f.read_text())
    (r2,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.a", "resource", {"acl": "public-read"}, {"acl": "acl"})])
    fd2 = sup.finding(r2, "PG-1", "acl")
    assert fd2.span.start_line == fd.span.start_line + 20
    assert fingerprint(fd2, r2, str(tmp_path)) == before
    r2.attributes["acl"] = "public-read-write"
    assert fingerprint(fd2, r2, str(tmp_path)) != before


def test_duplicate_keys_get_distinct_fingerprints(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "a" {\n}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.a", "resource", {})])
    fs = [sup.finding(r, "PG-1"), sup.finding(r, "PG-1")]
    assign_fingerprints(fs, [r])
    assert fs[0].fingerprint != fs[1].fingerprint and fs[1].fingerprint.endswith(":1")


def test_assigned_fingerprints_are_the_fingerprint_of_each_finding(tmp_path: Path) -> None:
    """``assign_fingerprints`` hashes a finding without a path inline: the same digest as
    ``fingerprint``, which every other reader of a fingerprint (baselines, merge) computes."""
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "a" {\n  acl = "public-read"\n}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.a", "resource", {"acl": "public-read"}, {"acl": "acl"})])
    fs = [sup.finding(r, "PG-1"), sup.finding(r, "PG-2", "acl"), sup.finding(r, "PG-3", "missing")]
    for root in (None, str(tmp_path), str(tmp_path.parent)):
        assign_fingerprints(fs, [r], root)
        assert [x.fingerprint for x in fs] == [fingerprint(x, r, root) for x in fs]
        assert len({x.fingerprint for x in fs}) == 3


def test_fingerprints_survive_moves_and_unrelated_edits(ready: None, tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text(BASE)
    base = _fps(f)
    assert len(base) >= 6 and len(set(base.values())) == len(base)
    # move the failing resource 20 lines down (the passing one goes first)
    first, _, second = BASE.partition("\n\n")
    f.write_text(second + "\n" + "\n" * 20 + first + "\n")
    assert _fps(f) == base
    # edit another resource
    f.write_text(BASE.replace('identifier                          = "orders"', 'identifier = "orders-v2"  # renamed'))
    assert _fps(f) == base
    # change the offending value: only that finding's fingerprint changes
    f.write_text(BASE.replace("backup_retention_period = 1", "backup_retention_period = 3"))
    changed = _fps(f)
    diff = {k for k in base if changed.get(k) != base[k]}
    assert diff == {("PG-AWS-RDS-003", "aws_db_instance.reporting")}


def _pg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policyguard", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_baseline_create_then_only_new_findings_fail(ready: None, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    f = tmp_path / "main.tf"
    f.write_text(BASE)
    p = _pg("baseline", "create", "main.tf", "-o", "bl.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    doc = json.loads((tmp_path / "bl.json").read_text())
    assert doc["policyguard_baseline"] == 1 and len(doc["findings"]) >= 3
    assert all(e["file"] == "main.tf" for e in doc["findings"])
    # unchanged input, moved down: passes against the baseline
    f.write_text("\n" * 20 + BASE)
    p = _pg("scan", "main.tf", "--baseline", "bl.json", "--fail-on", "low", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "suppressed" in p.stdout
    # a new failure fails the gate, and only it counts
    f.write_text(BASE.replace("publicly_accessible                 = false", "publicly_accessible                 = true"))
    p = _pg("scan", "main.tf", "--baseline", "bl.json", "-f", "json", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    rep = json.loads(p.stdout)
    failing = [x for x in rep["findings"] if x["counts_against_gate"]]
    assert [(x["rule_id"], x["resource_id"]) for x in failing] == [("PG-AWS-RDS-002", "aws_db_instance.orders")]
    assert rep["baseline"]["new"] == 1


def test_baseline_apply_and_absent(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "a" {\n  acl = "x"\n}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.a", "resource", {"acl": "x"}, {"acl": "acl"})])
    fs = [sup.finding(r, "PG-1", "acl"), sup.finding(r, "PG-2"), sup.finding(r, "PG-3", status=Status.PASS)]
    assign_fingerprints(fs, [r])
    out = tmp_path / "b.json"
    assert baseline.write(str(out), fs[:1]) == 1
    doc = json.loads(out.read_text())
    doc["findings"].append({"fingerprint": "gone", "rule_id": "PG-9"})
    out.write_text(json.dumps(doc))
    res = baseline.apply(fs, baseline.load(str(out)))
    assert [f.status for f in fs] == [Status.SUPPRESSED, Status.FAIL, Status.PASS]
    assert fs[0].suppression is not None and fs[0].suppression.source == "baseline"
    assert (res.matched, res.new, [a["fingerprint"] for a in res.absent]) == (1, 1, ["gone"])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "baseline is not valid JSON"),
        ("[]", "not a policyguard baseline"),
        ('{"policyguard_baseline": 7, "findings": []}', "unsupported baseline version 7"),
        ('{"policyguard_baseline": 1, "findings": [{"rule_id": "x"}]}', "findings[0]"),
    ],
)
def test_bad_baseline_is_a_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "b.json"
    p.write_text(text)
    with pytest.raises(baseline.BaselineError, match=None) as info:
        baseline.load(str(p))
    assert needle in str(info.value) and str(p) in str(info.value)


def test_cli_bad_baseline_exits_2(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "empty.yaml").write_text("a: 1\n")
    p = _pg("scan", "empty.yaml", "--baseline", "b.json", cwd=tmp_path)
    assert p.returncode == 2 and "not a policyguard baseline" in p.stderr and "Traceback" not in p.stderr


def test_baseline_from_a_parent_directory_matches_inside_the_repository(ready: None, tmp_path: Path) -> None:
    """Report paths start at the repository of the scanned path, not at the current directory:
    a baseline created from outside the work tree matches scans from its top and from below."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text(BASE)
    p = _pg("baseline", "create", "repo", "-o", "repo/bl.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    doc = json.loads((repo / "bl.json").read_text())
    assert {e["file"] for e in doc["findings"]} == {"infra/main.tf"}
    for cwd, target, bl in ((repo, ".", "bl.json"), (repo / "infra", ".", "../bl.json"), (tmp_path, "repo", "repo/bl.json")):
        p = _pg("scan", target, "--baseline", bl, "--fail-on", "low", "-f", "json", cwd=cwd)
        assert p.returncode == 0, (cwd, p.stdout[-2000:], p.stderr)
        rep = json.loads(p.stdout)
        assert rep["baseline"]["new"] == 0 and rep["baseline"]["path"] == "bl.json"  # named from the root too
        assert {f["location"]["file"] for f in rep["findings"]} == {"infra/main.tf"}
    p = _pg("scan", "repo", "-f", "sarif", cwd=tmp_path)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(p.stdout)["runs"][0]["results"]}
    assert uris == {"infra/main.tf"}


def test_baseline_from_a_subdirectory_without_git_or_config(ready: None, tmp_path: Path) -> None:
    """No work tree and no config file: paths start at the scanned directory, so the same tree
    scanned from inside a subdirectory and from its top gives the same fingerprints."""
    proj = tmp_path / "proj"
    (proj / "docs").mkdir(parents=True)
    (proj / "main.tf").write_text(BASE)
    p = _pg("baseline", "create", "..", "-o", "../bl.json", cwd=proj / "docs")
    assert p.returncode == 0, p.stderr
    doc = json.loads((proj / "bl.json").read_text())
    assert {e["file"] for e in doc["findings"]} == {"main.tf"}
    p = _pg("scan", ".", "--baseline", "bl.json", "--fail-on", "low", cwd=proj)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
