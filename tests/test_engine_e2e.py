"""End to end through the real Terraform parser: cross-resource encryption, unknown from a
variable without value, and the `policyguard test` / `rules` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_engine_helpers import REPO, TEST_RULES

from policyguard.model import Status
from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
from policyguard.scan import scan

pytest.importorskip("policyguard.parsers.terraform")
DATA = REPO / "tests" / "data" / "engine_tf"


def _scan(case: str, engine: str = "embedded"):
    opts = ScanOptions(read=ReadOptions(paths=[str(DATA / case)]), rules=RuleOptions(rule_dirs=[str(TEST_RULES / "s3_encrypted"), str(TEST_RULES / "ebs_encrypted")], builtin_rules=False), evaluation=EvalOptions(jobs=1, rego_engine=engine))
    import policyguard.scan as scan_mod

    scan_mod.forget_scanners()  # the scan core caches one evaluator per process
    res = scan(opts)
    scan_mod.forget_scanners()
    assert res.errors == [], res.errors
    return {(f.rule_id, f.resource_id): f for f in res.findings}


@pytest.mark.parametrize("engine", ["embedded", "opa-golib"])
def test_bucket_with_separate_encryption_resource_passes(engine):
    f = _scan("separate_resource", engine)
    assert f[("TEST-S3-001", "aws_s3_bucket.logs")].status is Status.PASS


@pytest.mark.parametrize("engine", ["embedded", "opa-golib"])
def test_bucket_without_encryption_fails_with_span_and_fix(engine):
    f = _scan("no_encryption", engine)
    b = f[("TEST-S3-001", "aws_s3_bucket.plain")]
    assert b.status is Status.FAIL
    assert b.span.file.endswith("no_encryption/main.tf") and b.span.start_line == 1
    assert b.fix is not None and b.fix.ops[0].op == "add_resource"
    v = f[("TEST-EBS-001", "aws_ebs_volume.data")]
    assert v.status is Status.FAIL and v.path == "encrypted"


@pytest.mark.parametrize("engine", ["embedded", "opa-golib"])
def test_flag_from_variable_without_value_is_unknown_naming_it(engine):
    f = _scan("var_unknown", engine)
    v = f[("TEST-EBS-001", "aws_ebs_volume.data")]
    assert v.status is Status.UNKNOWN
    assert v.unknowns == ("var.x",)
    b = f[("TEST-S3-001", "aws_s3_bucket.b")]
    assert b.status is Status.UNKNOWN and b.unknowns == ("var.alg",)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policyguard", *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=REPO)


def test_policyguard_test_on_user_rules(tmp_path):
    # a user rule dir with one good rule and fixtures (copied from the test rule)
    rule = tmp_path / "ebs"
    (rule / "fixtures" / "pass" / "terraform").mkdir(parents=True)
    (rule / "fixtures" / "fail" / "terraform").mkdir(parents=True)
    (rule / "rule.rego").write_text((TEST_RULES / "ebs_encrypted" / "rule.rego").read_text())
    (rule / "fixtures" / "pass" / "terraform" / "main.tf").write_text(
        'resource "aws_ebs_volume" "a" {\n  availability_zone = "x"\n  encrypted = true\n}\n')
    (rule / "fixtures" / "fail" / "terraform" / "main.tf").write_text(
        'resource "aws_ebs_volume" "a" {\n  availability_zone = "x"\n}\n')
    ok = _cli("test", str(tmp_path), "-v")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1/1 rules passed" in ok.stdout and "ok   pass/terraform" in ok.stdout
    # a pass fixture that fails -> exit 1 naming the case
    (rule / "fixtures" / "pass" / "terraform" / "main.tf").write_text(
        'resource "aws_ebs_volume" "a" {\n  availability_zone = "x"\n  encrypted = false\n}\n')
    bad = _cli("test", str(tmp_path))
    assert bad.returncode == 1
    assert "FAIL pass/terraform" in bad.stdout and "expected no fail verdict" in bad.stdout


def test_policyguard_test_bad_metadata_exits_2():
    proc = _cli("test", str(TEST_RULES / "bad_meta"))
    assert proc.returncode == 2
    assert "bad_meta/rule.rego:5" in proc.stderr and "catastrophic" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_rules_list_and_show():
    lst = _cli("rules", "list", "--no-builtin-rules", "--rules", str(TEST_RULES / "s3_encrypted"),
               "--rules", str(TEST_RULES / "py_k8s"), "--format", "json")
    assert lst.returncode == 0, lst.stderr
    doc = json.loads(lst.stdout)
    assert [r["id"] for r in doc["rules"]] == ["TEST-PY-PRIV", "TEST-S3-001"]
    fw = _cli("rules", "list", "--no-builtin-rules", "--rules", str(TEST_RULES / "s3_encrypted"),
              "--rules", str(TEST_RULES / "py_k8s"), "--framework", "cis-aws")
    assert fw.returncode == 0 and "TEST-S3-001" in fw.stdout and "TEST-PY-PRIV" not in fw.stdout
    show = _cli("rules", "show", "TEST-S3-001", "--rules", str(TEST_RULES / "s3_encrypted"))
    assert show.returncode == 0 and "package policyguard.test.s3_encrypted" in show.stdout
    missing = _cli("rules", "show", "NOPE-1")
    assert missing.returncode == 2 and "no rule 'NOPE-1'" in missing.stderr
