"""Findings inside a Terraform module name the module block that called it (issue 14, 4 (d)):
two roots calling one module give two findings, each naming its caller's file, line and module
address, with fingerprints that tell them apart whichever roots a scan covers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main

MODULE = 'variable "acl" {}\n\nresource "aws_s3_bucket_acl" "b" {\n  bucket = "x"\n  acl    = var.acl\n}\n'
CALLER = '# {env}\n\nmodule "data" {{\n  source = "../../modules/bucket"\n  acl    = "public-read"\n}}\n'
NESTED = 'module "inner" {\n  source = "../bucket"\n  acl    = "public-read-write"\n}\n'


def _run(*args: str) -> tuple[int, str]:
    runner = cli_runner()
    r = runner.invoke(main, ["scan", *args], catch_exceptions=False)
    return r.exit_code, r.stdout


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "modules" / "bucket" / "main.tf").write_text(MODULE)
    for env in ("prod", "dev"):
        (tmp_path / "envs" / env).mkdir(parents=True)
        (tmp_path / "envs" / env / "main.tf").write_text(CALLER.format(env=env))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fails(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003" and f["status"] == "fail"]


def test_two_callers_give_two_findings_naming_each_caller(repo: Path) -> None:
    code, out = _run("envs", "-f", "json")
    assert code == 1
    fails = _fails(json.loads(out))
    assert len(fails) == 2
    sites = sorted((f["called_from"][0]["file"], f["called_from"][0]["line"], f["called_from"][0]["address"]) for f in fails)
    assert sites == [("envs/dev/main.tf", 3, "module.data"), ("envs/prod/main.tf", 3, "module.data")]
    assert all(f["location"]["file"] == "modules/bucket/main.tf" and f["location"]["start_line"] == 5 for f in fails)
    assert len({f["fingerprint"] for f in fails}) == 2
    assert all(":" not in f["fingerprint"] for f in fails)  # told apart by caller, not by order


def test_fingerprint_does_not_depend_on_which_roots_are_scanned(repo: Path) -> None:
    both = {f["called_from"][0]["file"]: f["fingerprint"] for f in _fails(json.loads(_run("envs", "-f", "json")[1]))}
    prod = _fails(json.loads(_run("envs/prod", "-f", "json")[1]))
    assert [f["fingerprint"] for f in prod] == [both["envs/prod/main.tf"]]


def test_text_and_sarif_name_the_call_site(repo: Path) -> None:
    _, text = _run("envs", "-f", "text")
    assert "in module.data called from envs/prod/main.tf:3" in text
    assert "in module.data called from envs/dev/main.tf:3" in text
    _, sarif = _run("envs", "-f", "sarif")
    results = [r for r in json.loads(sarif)["runs"][0]["results"] if r["ruleId"] == "PG-AWS-S3-003"]
    related = sorted(r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert related == ["envs/dev/main.tf", "envs/prod/main.tf"]
    assert all("called from" in r["message"]["text"] for r in results)


def test_nested_call_chain_lists_every_module_block(repo: Path) -> None:
    (repo / "modules" / "wrap").mkdir()
    (repo / "modules" / "wrap" / "main.tf").write_text(NESTED)
    (repo / "envs" / "prod" / "main.tf").write_text('module "app" {\n  source = "../../modules/wrap"\n}\n')
    doc = json.loads(_run("envs/prod", "-f", "json")[1])
    fails = _fails(doc)
    assert [f["resource_id"] for f in fails] == ["module.app.module.inner.aws_s3_bucket_acl.b"]
    chain = [(c["address"], c["file"], c["line"]) for c in fails[0]["called_from"]]
    assert chain == [("module.app", "envs/prod/main.tf", 1), ("module.app.module.inner", "modules/wrap/main.tf", 1)]


def test_baseline_written_before_call_sites_still_matches(repo: Path) -> None:
    """A baseline entry holding the fingerprint a module finding had before callers were hashed
    in still suppresses it (an upgrade must not turn every module finding into a new one)."""
    from policyguard.gate.fingerprint import assign_fingerprints
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    result = scan(ScanOptions(read=ReadOptions(paths=["envs/prod"]), evaluation=EvalOptions(jobs=1)))
    fails = [f for f in result.findings if f.rule_id == "PG-AWS-S3-003" and str(f.status) == "fail"]
    assign_fingerprints(fails, result.resources, str(repo))
    assert fails[0].legacy_fingerprint and fails[0].legacy_fingerprint != fails[0].fingerprint
    base = repo / "old-baseline.json"
    base.write_text(json.dumps({"policyguard_baseline": 1, "findings": [
        {"fingerprint": fails[0].legacy_fingerprint, "rule_id": "PG-AWS-S3-003",
         "resource_id": fails[0].resource_id, "file": "modules/bucket/main.tf"}]}))
    code, out = _run("envs/prod", "-f", "json", "--baseline", str(base))
    doc = json.loads(out)
    assert code == 0, doc["verdict"]
    (match,) = [f for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003"]
    assert match["status"] == "suppressed" and match["suppression"]["source"] == "baseline"
