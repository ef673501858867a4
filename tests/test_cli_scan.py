"""`policyguard scan` on the demo fixtures and on bad input, through the real CLI."""

from __future__ import annotations

import importlib.util
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_support import runner as _runner

from policyguard.commands import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
DATA = Path(__file__).parent / "data"
HAS_TERRAFORM = importlib.util.find_spec("policyguard.parsers.terraform") is not None


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((REPO / "policyguard" / "schemas" / "resource.schema.json").read_text()))


def _scan(*args: str) -> tuple[int, str, str]:
    result = _runner().invoke(main, ["scan", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _parse_only(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = _scan("--parse-only", "--format", "json", *args)
    return code, json.loads(out), err


def test_parse_only_json_on_fixtures_validates_against_the_schema() -> None:
    code, doc, err = _parse_only(str(FIXTURES))
    assert code == 0, err
    assert doc["errors"] == []
    ids = {r["id"] for r in doc["resources"]}
    assert {
        "AssetsBucket",
        "ArchiveBucket",
        "DatabaseSecurityGroup",
        "apps/v1/Deployment/shop/web",
        "batch/v1/CronJob/shop/report",
        "v1/ServiceAccount/shop/web",
    } <= ids
    if HAS_TERRAFORM:
        assert {"aws_s3_bucket.reports", "aws_security_group.admin", "aws_s3_bucket.flow_logs"} <= ids
        plan = {r["id"]: r for r in doc["resources"] if r["source_format"] == "terraform_plan"}
        assert {"aws_s3_bucket.uploads", "aws_db_instance.orders"} <= set(plan)
        assert plan["aws_db_instance.orders"]["platform"] == "terraform"
    for res in doc["resources"]:
        errors = [e.message for e in _validator().iter_errors(res)]
        assert errors == [], (res["id"], errors)
    # references are linked both ways across one manifest file
    by_id = {r["id"]: r for r in doc["resources"]}
    sa = by_id["v1/ServiceAccount/shop/web"]
    assert sa["referenced_by"] == [
        {"path": "spec.template.spec.serviceAccountName", "target": "apps/v1/Deployment/shop/web", "expression": "serviceAccountName: web"}
    ]
    deploy = by_id["apps/v1/Deployment/shop/web"]
    assert deploy["pod_spec_path"] == "spec.template.spec"
    assert deploy["attribute_spans"]["spec.template.spec.containers[0].image"]["start_line"] == 30


def test_broken_yaml_exits_2_with_file_line_col() -> None:
    broken = DATA / "cloudformation" / "broken.yaml"
    code, doc, err = _parse_only(str(broken))
    assert code == 2
    assert doc["resources"] == []
    assert [(e["file"], e["line"], e["column"], e["kind"]) for e in doc["errors"]] == [(str(broken), 7, 1, "parse-error")]
    assert f"{broken}:7:1: parse-error: YAML: found a tab character" in err


def test_full_scan_of_broken_yaml_exits_2_and_names_the_location() -> None:
    broken = DATA / "kubernetes" / "tabs.yaml"
    code, out, err = _scan(str(broken), "--rule", "PG-K8S-POD-001")  # zero rules would be a usage error
    assert code == 2
    text = out + err
    assert "tests/data/kubernetes/tabs.yaml" in text  # the text report prints paths relative to the project
    assert "6:1" in text
    assert "found character that cannot start any token" in text


def test_helm_template_is_an_error_not_a_pass() -> None:
    code, doc, _ = _parse_only(str(DATA / "kubernetes" / "helm-deployment.yaml"))
    assert code == 2
    assert [e["kind"] for e in doc["errors"]] == ["template-not-rendered"]


def test_exclude(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "kubernetes", tmp_path / "kubernetes")
    shutil.copytree(FIXTURES / "cloudformation", tmp_path / "cloudformation")
    code, doc, _ = _parse_only(str(tmp_path), "--exclude", "kubernetes/**")
    assert code == 0
    assert {r["platform"] for r in doc["resources"]} == {"cloudformation"}
    code, doc, _ = _parse_only(str(tmp_path), "--exclude", "template.yaml", "--exclude", "cronjob.yaml")
    assert code == 0
    assert {r["type"] for r in doc["resources"]} == {"v1/ServiceAccount", "apps/v1/Deployment", "v1/ConfigMap"}
    # excluding the broken file makes the scan clean again
    (tmp_path / "kubernetes" / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    assert _parse_only(str(tmp_path))[0] == 2
    assert _parse_only(str(tmp_path), "--exclude", "broken.yaml")[0] == 0


def test_not_iac_files_do_not_fail_the_scan(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (tmp_path / "README.md").write_text("# x\n")
    code, doc, _ = _parse_only(str(tmp_path))
    assert code == 0
    assert doc["resources"] == [] and doc["errors"] == []


@pytest.mark.skipif(not HAS_TERRAFORM, reason="Terraform parser not built yet")
def test_single_tf_file_scans_its_directory() -> None:
    code, doc, err = _parse_only(str(FIXTURES / "terraform" / "main.tf"))
    assert code == 0, err
    ids = {r["id"] for r in doc["resources"]}
    assert "aws_vpc.main" in ids  # defined in network.tf, next to the file given
