"""``scan --shard I/N`` + ``policyguard merge``: the merged report is the unsharded scan's, byte
for byte (JSON, SARIF, text) with the same exit code, for N = 1, 3 and 8 over a repository with
findings in several formats, inline and config suppressions (one used in a single shard, some
stale), a baseline (entries matched in one shard only, one absent), a parse error, a skipped
file, a discovery error, a rule-pack error and other tools' suppressions; and every bad shard
value or shard set is a located usage error (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from cli_support import runner as _runner

from policyguard import sharding
from policyguard.commands import main
from policyguard.exitcodes import UsageError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))


def _cli(*args: str) -> tuple[int, str, str]:
    result = _runner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _insert_above(path: Path, anchor: str, line: str) -> None:
    text = path.read_text()
    assert anchor in text
    path.write_text(text.replace(anchor, line + "\n" + anchor, 1))


def _make_repo(root: Path) -> Path:
    """A repository of many units in every format, with suppressions of every kind."""
    repo = root / "repo"
    for i in range(1, 5):
        shutil.copytree(FIXTURES / "terraform", repo / "tf" / f"app{i}")
    _insert_above(repo / "tf/app1/main.tf", 'resource "aws_s3_bucket" "reports"',
                  '# policyguard:ignore PG-AWS-S3-009 reason="shard test" expires=2027-12-31')
    _insert_above(repo / "tf/app2/main.tf", 'resource "aws_s3_bucket" "reports"',
                  '# policyguard:ignore PG-AWS-S3-008 reason="nothing to suppress: stale"')
    for name in ("stack1", "stack2", "stack3"):
        (repo / "cfn").mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "cloudformation/template.yaml", repo / "cfn" / f"{name}.yaml")
    _insert_above(repo / "cfn/stack1.yaml", "Resources:", "# checkov:skip=CKV_AWS_18: legacy logging")
    k8s = repo / "k8s"
    k8s.mkdir()
    deploy = (FIXTURES / "kubernetes/deployment.yaml").read_text()
    (k8s / "web-latest.yaml").write_text(deploy)
    (k8s / "web-pinned.yaml").write_text(deploy.replace("nginx:latest", "nginx:1.27.3"))
    (k8s / "annotated.yaml").write_text(deploy.replace(
        "  labels:\n    app: web\nspec:",
        "  labels:\n    app: web\n  annotations:\n    policyguard.dev/ignore: \"PG-K8S-POD-004 reason='shard test'\"\nspec:", 1))
    shutil.copy(FIXTURES / "kubernetes/cronjob.yaml", k8s / "cronjob.yaml")
    (repo / "plan").mkdir()
    shutil.copy(FIXTURES / "terraform_plan/plan.json", repo / "plan/plan.json")
    (repo / "broken").mkdir()
    (repo / "broken/pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n")
    (repo / "docs").mkdir()
    (repo / "docs/notes.yaml").write_text("title: not infrastructure\n")
    (repo / ".trivyignore").write_text("AVD-AWS-0086\n")
    (repo / ".policyguard.yaml").write_text(
        "suppressions:\n"
        "  - rule: PG-K8S-IMAGE-001\n    path: k8s\n    reason: images pinned elsewhere\n"
        "  - rule: PG-AWS-S3-010\n    resource: aws_s3_bucket.uploads\n    reason: config suppression\n"
        "  - rule: PG-AWS-S3-003\n    path: tf\n    resource: aws_s3_bucket.reports\n    reason: stale in every shard\n"
        "  - rule: PG-AWS-RDS-*\n    path: nowhere\n    reason: scope holds nothing, so never stale\n")
    try:
        os.symlink(root / "outside.yaml", k8s / "outside.yaml")  # a discovery error (external symlink)
        (root / "outside.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    except OSError:
        pass
    return repo


def _baseline(root: Path, repo: Path) -> Path:
    """Entries for the findings of two units (each in one shard) and one fixed long ago."""
    code, _, err = _cli("scan", str(repo), "-j", "1", "-f", "json", "-o", str(root / "pre.json"))
    assert code in (1, 2), err
    doc = json.loads((root / "pre.json").read_text())
    entries = [{"fingerprint": f["fingerprint"]} for f in doc["findings"]
               if f["status"] in ("fail", "unknown") and f["location"]["file"] in ("cfn/stack2.yaml", "tf/app3/main.tf")]
    assert entries
    entries.append({"fingerprint": "0" * 32})
    path = root / "baseline.json"
    path.write_text(json.dumps({"policyguard_baseline": 1, "findings": entries}))
    return path


def _rules_dir(root: Path) -> Path:
    bad = root / "extra-rules"
    bad.mkdir()
    (bad / "broken.rego").write_text("package policyguard.rules.broken\n\ndeny contains msg if {\n")
    return bad


FORMATS = ("json", "sarif", "text")


def _outputs(out: Path) -> list[str]:
    args: list[str] = []
    for fmt in FORMATS:
        args += ["-f", fmt, "-o", str(out / f"report.{fmt}")]
    return args


def _without_baseline(scene: dict[str, object]) -> list[str]:
    """The scene's scan arguments without its --baseline (shards whose gate merge recomputes)."""
    return [c for c in scene["common"] if c not in ("--baseline", str(scene["baseline"]))]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("shard")
    repo = _make_repo(root)
    baseline = _baseline(root, repo)
    common = [str(repo), "-j", "1", "--baseline", str(baseline), "--rules", str(_rules_dir(root))]
    full = root / "full"
    full.mkdir()
    code, _, err = _cli("scan", *common, *_outputs(full))
    return {"root": root, "repo": repo, "baseline": baseline, "common": common, "full": full, "code": code}


@pytest.mark.parametrize("total", [1, 3, 8])
def test_merged_shards_are_the_unsharded_report(scene: dict[str, object], total: int) -> None:
    root, full = Path(str(scene["root"])), Path(str(scene["full"]))
    common = list(scene["common"])  # type: ignore[call-overload]
    shards = []
    for i in range(1, total + 1):
        path = root / f"n{total}-shard{i}.json"
        # a shard writing SARIF renders fixes as edits (a re-scan), and its JSON carries them to merge
        code, _, err = _cli("scan", *common, "--shard", f"{i}/{total}", "-f", "json", "-o", str(path),
                            "-f", "sarif", "-o", str(path.with_suffix(".sarif")))
        assert code in (0, 1, 2), err
        shards.append(path)
    merged = root / f"merged{total}"
    merged.mkdir()
    code, _, err = _cli("merge", *map(str, reversed(shards)), "--baseline", str(scene["baseline"]), *_outputs(merged))
    assert code == scene["code"], err
    for fmt in FORMATS:
        assert (merged / f"report.{fmt}").read_bytes() == (full / f"report.{fmt}").read_bytes(), fmt
    doc = json.loads((full / "report.json").read_text())
    # the scene holds what the merge must get right, so byte identity proves something
    kinds = {e["kind"] for e in doc["errors"]}
    assert {"parse-error", "rule-load-error"} <= kinds
    assert sum(1 for e in doc["errors"] if e["kind"] == "rule-load-error") == 1
    assert doc["baseline"]["matched"] > 0 and len(doc["baseline"]["absent"]) == 1
    stale = [n for n in doc["suppression_notices"] if n["kind"] == "stale"]
    assert sorted(n["rule_id"] for n in stale) == ["PG-AWS-S3-003", "PG-AWS-S3-008"]
    assert sum(1 for n in doc["suppression_notices"] if n["subject"] == "foreign-suppressions") == 1
    assert any(f["status"] == "suppressed" and f["suppression"]["source"] == s
               for s in ("inline", "annotation", "config", "baseline") for f in doc["findings"])
    assert doc["summary"]["skipped_files"] >= 1
    if total > 1:  # the config suppression used in one shard is stale in another on its own
        per_shard = [json.loads(p.read_text()) for p in shards]
        schema = json.loads((REPO / "policyguard/schemas/report.schema.json").read_text())
        for d in per_shard:
            jsonschema.Draft202012Validator(schema).validate(d)
        assert any(n["rule_id"] == "PG-K8S-IMAGE-001" and n["kind"] == "stale"
                   for d in per_shard for n in d["suppression_notices"])
        if total == 8:  # 14 units in 8 shards: a shard with no unit merges too
            assert any(not d["partial"]["units"] for d in per_shard)


def test_shards_without_sarif_merge_to_the_json_of_a_scan_without_sarif(scene: dict[str, object]) -> None:
    """Fix edits are rendered for SARIF only (a re-scan per fix): a JSON-only shard carries none,
    and a JSON-only merge drops any, as a JSON-only scan has none."""
    root = Path(str(scene["root"]))
    common = list(scene["common"])  # type: ignore[call-overload]
    full_code, full, _ = _cli("scan", *common, "-f", "json")
    assert '"edits"' not in full
    shards = [str(root / f"plain{i}.json") for i in (1, 2)]
    for i, path in enumerate(shards, 1):
        _cli("scan", *common, "--shard", f"{i}/2", "-f", "json", "-o", path)
    code, merged, err = _cli("merge", *shards, "--baseline", str(scene["baseline"]), "-f", "json")
    assert (code, merged) == (full_code, full), err
    with_edits = [str(p) for p in sorted(root.glob("n3-shard*.json"))]
    if with_edits:  # written with SARIF by the N=3 test: edits in the shards, none in a JSON-only merge
        assert any('"edits"' in Path(p).read_text() for p in with_edits)
        _, merged3, _ = _cli("merge", *with_edits, "--baseline", str(scene["baseline"]), "-f", "json")
        assert merged3 == full


def test_merge_recomputes_the_gate_with_its_own_options(scene: dict[str, object]) -> None:
    root = Path(str(scene["root"]))
    common = _without_baseline(scene)
    shards = []
    for i in (1, 2):
        path = root / f"soft{i}.json"
        _cli("scan", *common, "--shard", f"{i}/2", "-f", "json", "-o", str(path))
        shards.append(str(path))
    code, out, _ = _cli("merge", *shards, "-f", "json", "--fail-on", "critical", "--soft-fail-on", "PG-*")
    doc = json.loads(out)
    assert doc["verdict"]["fail_on"] == "critical" and doc["verdict"]["soft_fail_on"] == ["PG-*"]
    assert "baseline" not in doc and "partial" not in doc
    assert code == 2  # the parse error still fails the gate, whatever the thresholds


def test_merge_writes_pretty_json_like_a_pretty_scan(scene: dict[str, object], two_shards: list[Path]) -> None:
    """`merge` ends as `scan` does (commands.common.present), --pretty included."""
    common = _without_baseline(scene)
    scan_code, scanned, _ = _cli("scan", *common, "-f", "json", "--pretty")
    code, merged, err = _cli("merge", *map(str, two_shards), "-f", "json", "--pretty")
    assert (code, merged) == (scan_code, scanned), err
    assert merged.startswith("{\n  ")


def test_shards_checked_out_in_different_directories_merge(scene: dict[str, object], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Each CI job has its own checkout directory: units are keyed and reported relative to it."""
    here, there = tmp_path / "a" / "repo", tmp_path / "b" / "elsewhere" / "repo"
    shutil.copytree(Path(str(scene["repo"])), here, symlinks=True)
    shutil.copytree(Path(str(scene["repo"])), there, symlinks=True)
    monkeypatch.chdir(here)
    full_code, full, _ = _cli("scan", ".", "-j", "1", "-f", "sarif")
    _cli("scan", ".", "-j", "1", "--shard", "1/2", "-f", "json", "-o", str(tmp_path / "s1.json"), "-f", "sarif",
         "-o", os.devnull)
    monkeypatch.chdir(there)
    _cli("scan", ".", "-j", "1", "--shard", "2/2", "-f", "json", "-o", str(tmp_path / "s2.json"), "-f", "sarif",
         "-o", os.devnull)
    monkeypatch.chdir(here)
    code, merged, err = _cli("merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"), "-f", "sarif")
    assert (code, merged) == (full_code, full), err


@pytest.mark.parametrize("value", ["0/3", "4/3", "x/y", "3", "1/0", "-1/3", "auto"])
def test_bad_shard_values_are_usage_errors(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sharding.ENV_INDEX, raising=False)
    monkeypatch.delenv(sharding.ENV_TOTAL, raising=False)
    code, _, err = _cli("scan", str(FIXTURES / "kubernetes"), "--shard", value, "-f", "json")
    assert code == 2
    assert "--shard" in err and "Traceback" not in err


def test_shard_auto_reads_gitlab_variables() -> None:
    assert sharding.parse("auto", {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "5"}) == (2, 5)
    with pytest.raises(UsageError, match="CI_NODE_INDEX=7"):
        sharding.parse("auto", {"CI_NODE_INDEX": "7", "CI_NODE_TOTAL": "5"})


def test_a_stream_cannot_be_split() -> None:
    result = _runner().invoke(main, ["scan", "-", "--shard", "2/3"], input="apiVersion: v1\nkind: Pod\n")
    assert result.exit_code == 2 and "stdin" in result.stderr


def test_shards_cover_every_unit_once_whatever_the_checkout_directory(tmp_path: Path) -> None:
    keys = [f"tf/app{i}" for i in range(40)]
    owners = [sharding.shard_of(k, 3) for k in keys]
    assert set(owners) == {1, 2, 3}
    assert sharding.unit_key("/a/b/tf/app1", "/a/b") == sharding.unit_key("/x/tf/app1", "/x") == "tf/app1"


@pytest.fixture(scope="module")
def two_shards(scene: dict[str, object]) -> list[Path]:
    root = Path(str(scene["root"]))
    common = _without_baseline(scene)
    out = []
    for i in (1, 2):
        path = root / f"bad-base{i}.json"
        _cli("scan", *common, "--shard", f"{i}/2", "-f", "json", "-o", str(path))
        out.append(path)
    return out


def _edited(src: Path, dest: Path, edit: object) -> str:
    doc = json.loads(src.read_text())
    edit(doc)  # type: ignore[operator]
    dest.write_text(json.dumps(doc))
    return str(dest)


def test_merge_refuses_bad_shard_sets(two_shards: list[Path], tmp_path: Path) -> None:
    a, b = map(str, two_shards)

    def refused(*args: str) -> str:
        code, _, err = _cli("merge", *args, "-f", "json")
        assert code == 2, err
        assert "Traceback" not in err
        return err

    assert "shard(s) 2 of 2 missing" in refused(a)
    assert "given twice" in refused(a, a, b)
    three = _edited(two_shards[1], tmp_path / "three.json", lambda d: d["partial"]["shard"].update(index=2, total=3))
    assert "three.json" in refused(a, three) and "same --shard I/N count" in refused(a, three)
    other_rules = _edited(two_shards[1], tmp_path / "rules.json", lambda d: d["rules"].popitem())
    assert "rules.json: rules differs" in refused(a, other_rules)
    other_config = _edited(two_shards[1], tmp_path / "config.json", lambda d: d["partial"].update(config="0" * 64))
    assert "config.json: partial.config differs" in refused(a, other_config)
    old = _edited(two_shards[1], tmp_path / "old.json", lambda d: d["tool"].update(version="0.0.1"))
    assert "old.json:1: written by policyguard 0.0.1" in refused(a, old)
    plain = _edited(two_shards[1], tmp_path / "plain.json", lambda d: d.pop("partial"))
    assert "plain.json:1: not a shard report" in refused(a, plain)
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(json.loads(Path(b).read_text()))[:5000])  # compact: one line
    assert f"{cut}:1:" in refused(a, str(cut)) and "shard report is not valid JSON" in refused(a, str(cut))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    assert f"{deep}:1:" in refused(a, str(deep)) and "nest" in refused(a, str(deep))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    assert "binary.json" in refused(a, str(binary))
    lost = _edited(two_shards[1], tmp_path / "lost.json", lambda d: d["findings"].pop())
    assert "lost.json:1: partial.units does not account" in refused(a, lost)
    weird = _edited(two_shards[1], tmp_path / "weird.json", lambda d: d["partial"].update(units=[["x", 0, 0]]))
    assert "weird.json" in refused(a, weird)
    assert "no such file" in refused(a, str(tmp_path / "absent.json")).lower()


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")
def test_corpus_in_three_shards_merges_to_the_unsharded_scan(tmp_path: Path) -> None:
    """The whole corpus (every format, parse errors, skipped files): JSON only, so no scan renders
    fix edits (the SARIF and text reports were compared by hand: BENCHMARKS.md)."""
    args = [str(CORPUS), "-j", "2", "-f", "json"]
    code, full, err = _cli("scan", *args)
    shards = []
    for i in (1, 2, 3):
        path = tmp_path / f"s{i}.json"
        _cli("scan", *args, "-o", str(path), "--shard", f"{i}/3")
        shards.append(str(path))
    mcode, merged, merr = _cli("merge", *shards, "-f", "json")
    assert mcode == code, merr
    assert merged == full



def _rewritten(src: Path, dest: Path, *, layout: str = "compact", edit: object = None) -> str:
    """``src`` decoded and written again after ``edit``: ``compact`` as a scan writes it,
    ``utf-8`` the same without escaping non-ASCII text, or ``pretty`` (indented)."""
    doc = json.loads(src.read_text())
    if edit is not None:
        edit(doc)  # type: ignore[operator]
    if layout == "pretty":
        text = json.dumps(doc, indent=2)
    else:
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=layout == "compact")
    dest.write_text(text + "\n", encoding="utf-8")
    return str(dest)


@pytest.mark.parametrize("args", [["-f", "json"], ["-f", "json", "--pretty"], ["-f", "sarif"], ["-f", "text"],
                                  ["-f", "json", "--fail-on", "low", "--soft-fail-on", "PG-K8S-*"]])
def test_shards_merge_alike_however_they_are_laid_out(scene: dict[str, object], two_shards: list[Path],
                                                       tmp_path: Path, args: list[str]) -> None:
    """Merge reads a compact shard's rows without decoding most (and writes them back as they
    are where the merge left them so); an indented or non-ASCII one is decoded whole: either
    way the merged reports are the same, and the unsharded scan's with the same options."""
    a, b = two_shards
    assert Path(_rewritten(a, tmp_path / "a.json")).read_bytes() == a.read_bytes()  # as the scan writes it

    def odd(doc: dict[str, object]) -> None:  # escapes and non-ASCII text
        for i, f in enumerate(doc["findings"]):  # type: ignore[attr-defined]
            f["message"] += ' "quoted" \\ tab\t' if i % 2 else " caf\u00e9 \u2603 \U0001f600"
    odd_a = Path(_rewritten(a, tmp_path / "odd-a.json", edit=odd))
    odd_b = Path(_rewritten(b, tmp_path / "odd-b.json", edit=odd))
    outputs = [_cli("merge", *shards, *args)
               for shards in ([str(odd_a), str(odd_b)],
                              [_rewritten(odd_a, tmp_path / "pa.json", layout="pretty"), str(odd_b)],
                              [_rewritten(odd_a, tmp_path / "ua.json", layout="utf-8"),
                               _rewritten(odd_b, tmp_path / "pb.json", layout="pretty")])]
    assert outputs[0][0] in (1, 2) and outputs[0][1], outputs[0][2]
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    if "sarif" not in args:  # SARIF: a scan renders fixes the JSON-only shards do not carry
        code, merged, err = _cli("merge", str(a), str(b), *args)
        assert (code, merged) == _cli("scan", *_without_baseline(scene), *args)[:2], err


@pytest.mark.parametrize("bad", ["\x01", "\\x", "\\u12", '"', "\u00e9"])
def test_a_shard_with_a_broken_row_is_refused_where_it_breaks(two_shards: list[Path], tmp_path: Path,
                                                               bad: str) -> None:
    text = two_shards[1].read_text()
    at = text.index('"message":"', text.index('"status":"pass"')) + len('"message":"')
    broken = tmp_path / "broken.json"
    broken.write_text(text[:at] + bad + text[at:], encoding="latin-1")  # a byte that is not UTF-8 too
    code, _, err = _cli("merge", str(two_shards[0]), str(broken), "-f", "json")
    assert code == 2 and "broken.json" in err and "Traceback" not in err, err
    assert f"{broken}:1:" in err and "not valid JSON" in err or "not UTF-8" in err, err
