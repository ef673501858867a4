"""A Terraform root that calls modules which are not on disk never passes in silence: each
unresolved call is an `unknown` of PG-TF-MODULE-001 at its `module` block (README "Unresolved
modules"), while the resources that are on disk are still judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main
from policyguard.exitcodes import EXIT_FAIL, EXIT_OK

ROOT = """\
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.0"
  name    = "main"
}

module "local_missing" {
  source = "./modules/gone"
}

module "present" {
  source = "./modules/present"
}

resource "aws_db_instance" "db" {
  engine              = "postgres"
  publicly_accessible = true
}
"""


def _scan(*args: str) -> tuple[int, dict]:
    runner = cli_runner()
    r = runner.invoke(main, ["scan", "-f", "json", *args], catch_exceptions=False)
    return r.exit_code, json.loads(r.stdout)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    d = tmp_path / "infra"
    (d / "modules" / "present").mkdir(parents=True)
    (d / "main.tf").write_text(ROOT)
    (d / "modules" / "present" / "main.tf").write_text('resource "aws_s3_bucket" "inner" {\n  bucket = "x"\n}\n')
    return d


def _module_findings(doc: dict) -> dict[str, dict]:
    return {f["resource_id"]: f for f in doc["findings"] if f["rule_id"] == "PG-TF-MODULE-001"}


def test_each_unresolved_call_is_an_unknown_at_its_module_block(root: Path) -> None:
    _, doc = _scan(str(root), "--rule", "PG-TF-MODULE-001", "--rule", "PG-AWS-RDS-002", "--rule", "PG-AWS-S3-002")
    mods = _module_findings(doc)
    assert mods["module.vpc"]["status"] == "unknown" and mods["module.local_missing"]["status"] == "unknown"
    assert mods["module.present"]["status"] == "pass"
    vpc = mods["module.vpc"]
    assert (vpc["location"]["start_line"], vpc["location"]["end_line"]) == (1, 5)  # the module block
    assert mods["module.local_missing"]["location"]["start_line"] == 7
    assert "terraform-aws-modules/vpc/aws" in vpc["message"] and "5.1.0" in vpc["message"]
    assert "terraform init" in vpc["message"]
    assert "./modules/gone" in mods["module.local_missing"]["message"]
    assert doc["summary"]["unknown"] == 2
    # what is on disk is still judged: the root's database and the local module's bucket
    judged = {(f["rule_id"], f["resource_id"]): f["status"] for f in doc["findings"]}
    db = next(f for f in doc["findings"] if (f["rule_id"], f["resource_id"]) == ("PG-AWS-RDS-002", "aws_db_instance.db"))
    assert db["status"] == "fail", db["message"]
    assert ("PG-AWS-S3-002", "module.present.aws_s3_bucket.inner") in judged


def test_unknown_as_fail_gates_on_unresolved_modules(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('module "vpc" {\n  source = "git::https://example.com/vpc.git?ref=v1"\n}\n')
    code, doc = _scan(str(tmp_path))
    assert code == EXIT_OK and doc["summary"]["unknown"] == 1  # reported, never silent
    code, doc = _scan(str(tmp_path), "--unknown-as", "fail")
    assert code == EXIT_FAIL and doc["verdict"]["failing"] == 1


def test_downloaded_module_is_read_from_modules_json(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.1.0"\n}\n')
    mod = tmp_path / ".terraform" / "modules" / "vpc"
    mod.mkdir(parents=True)
    (mod / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Dir": "."}, {"Key": "vpc", "Dir": ".terraform/modules/vpc"}]}))
    _, doc = _scan(str(tmp_path), "--rule", "PG-TF-MODULE-001", "--rule", "PG-AWS-S3-002")
    assert _module_findings(doc)["module.vpc"]["status"] == "pass"
    assert any(f["resource_id"] == "module.vpc.aws_s3_bucket.b" for f in doc["findings"])


def test_unresolved_module_can_be_suppressed_inline(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        '# policyguard:ignore PG-TF-MODULE-001 reason="scanned in its own repository"\n'
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n')
    code, doc = _scan(str(tmp_path), "--unknown-as", "fail")
    assert code == EXIT_OK
    f = _module_findings(doc)["module.vpc"]
    assert f["status"] == "suppressed" and f["suppression"]["reason"] == "scanned in its own repository"
