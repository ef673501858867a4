"""Comments, annotations and Metadata keys that look like a suppression but are not one are
`invalid` suppression notices at their file and line in every report, and suppress nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main

DB = 'resource "aws_db_instance" "db" {\n  engine              = "postgres"\n  publicly_accessible = true\n}\n'


def _scan(path: Path, *args: str) -> tuple[int, str]:
    runner = cli_runner()
    r = runner.invoke(main, ["scan", str(path), *args], catch_exceptions=False)
    return r.exit_code, r.stdout


def _json(path: Path, *args: str) -> dict:
    return json.loads(_scan(path, "-f", "json", *args)[1])


@pytest.mark.parametrize(
    "comment",
    [
        "# policyguard:ignore=PG-AWS-RDS-002",
        "# policyguard:skip PG-AWS-RDS-002",
        "#policyguard: ignore PG-AWS-RDS-002",
        "// policyguard-ignore PG-AWS-RDS-002 reason=legacy",
        "# policyguard:disable PG-AWS-RDS-002",
        "# policygaurd:ignore PG-AWS-RDS-002 reason=x",
        "# PolicyGuard:Ignore PG-AWS-RDS-002 reason=x",
        "/* policyguard:suppress PG-AWS-RDS-002 */",
        "# policyguard:ignore-file",
    ],
)
def test_inline_near_miss_is_invalid_and_suppresses_nothing(tmp_path: Path, comment: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("# database\n" + comment + "\n" + DB)
    doc = _json(tmp_path, "--rule", "PG-AWS-RDS-002")
    [f] = [f for f in doc["findings"] if f["rule_id"] == "PG-AWS-RDS-002"]
    assert f["status"] == "fail"
    [n] = doc["suppression_notices"]
    assert (n["kind"], n["file"].endswith("main.tf"), n["line"]) == ("invalid", True, 2)
    assert "does not parse" in n["message"] and "policyguard:ignore RULE-ID" in n["message"]
    assert n["resource_id"] == "aws_db_instance.db"
    assert doc["summary"]["suppression_problems"] == 1


def test_lookalikes_of_other_tools_and_prose_are_not_notices(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    comments = ["# checkov:skip=CKV_AWS_17", "# tfsec:ignore:aws-rds-no-public-db-access", "# NOTE: ignore for now",
                "# the policyguard gate skips nothing here", "# policyguard:ignore PG-AWS-RDS-002 reason=legacy"]
    (tmp_path / "main.tf").write_text("\n".join(comments) + "\n" + DB)
    doc = _json(tmp_path, "--rule", "PG-AWS-RDS-002")
    # other tools' markers are no near miss of ours (no suppression notice, nothing suppressed or
    # broken); they get their own informational notice, which says how to migrate them
    assert [n for n in doc["suppression_notices"] if n["subject"] != "foreign-suppressions"] == []
    [foreign] = [n for n in doc["suppression_notices"] if n["subject"] == "foreign-suppressions"]
    assert foreign["line"] == 1 and "checkov:skip 1, tfsec:ignore 1" in foreign["message"]
    assert "policyguard migrate-suppressions" in foreign["message"]
    assert doc["summary"]["suppression_problems"] == 0
    assert [f["status"] for f in doc["findings"]] == ["suppressed"]


def test_terraform_json_comment_key_near_miss(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_db_instance": {"db": {
        "//": "policyguard-ignore PG-AWS-RDS-002 reason=legacy", "engine": "postgres", "publicly_accessible": True}}}},
        indent=2))
    doc = _json(tmp_path, "--rule", "PG-AWS-RDS-002")
    assert [f["status"] for f in doc["findings"]] == ["fail"]
    assert [(n["kind"], n["line"]) for n in doc["suppression_notices"]] == [("invalid", 5)]


MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
  annotations:
{annotations}
  labels:
{labels}
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000
"""


@pytest.mark.parametrize(
    ("annotations", "labels", "line", "text"),
    [
        ('    policyguard.dev/ignored: "PG-K8S-POD-001 reason=x"', "    app: web", 7,
         "annotation 'policyguard.dev/ignored' is not read"),
        ('    policyguard.io/ignore: "PG-K8S-POD-001 reason=x"', "    app: web", 7, "'policyguard.io/ignore'"),
        ('    policygaurd.dev/ignore: "PG-K8S-POD-001 reason=x"', "    app: web", 7, "'policygaurd.dev/ignore'"),
        ("    team: web", '    policyguard.dev/ignore: "PG-K8S-POD-001"', 9, "a label is not read"),
    ],
)
def test_kubernetes_near_miss_keys(tmp_path: Path, annotations: str, labels: str, line: int, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(MANIFEST.format(annotations=annotations, labels=labels))
    doc = _json(tmp_path, "--rule", "PG-K8S-POD-001")
    assert [f["status"] for f in doc["findings"]] == ["fail"]
    [n] = doc["suppression_notices"]
    assert (n["kind"], n["line"]) == ("invalid", line)
    assert text in n["message"] and "policyguard.dev/ignore" in n["message"]


def test_webhook_audit_annotation_is_not_a_near_miss(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(MANIFEST.format(annotations="    policyguard.dev/audit: PG-K8S-POD-001",
                                                       labels="    app: web"))
    assert _json(tmp_path, "--rule", "PG-K8S-POD-001")["suppression_notices"] == []


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Metadata:
{metadata}
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      PubliclyAccessible: true
"""


@pytest.mark.parametrize(
    ("metadata", "text"),
    [
        ("      PolicyGuard:\n        ignore: [{id: PG-AWS-RDS-002, reason: legacy}]", "Metadata key 'PolicyGuard' is not read"),
        ("      policy-guard:\n        ignore: [{id: PG-AWS-RDS-002, reason: legacy}]", "'policy-guard'"),
        ("      policyguard:\n        ignore: [{id: PG-AWS-RDS-001, reason: x}]\n        skip: [PG-AWS-RDS-002]",
         "Metadata.policyguard: unknown key 'skip'"),
    ],
)
def test_cloudformation_metadata_near_miss(tmp_path: Path, metadata: str, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(metadata=metadata))
    doc = _json(tmp_path, "--rule", "PG-AWS-RDS-002")
    assert [f["status"] for f in doc["findings"]] == ["fail"]
    invalid = [n for n in doc["suppression_notices"] if n["kind"] == "invalid"]
    assert len(invalid) == 1 and invalid[0]["line"] == 3 and text in invalid[0]["message"]


def test_invalid_notice_is_in_every_report(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("# policyguard:skip PG-AWS-RDS-002\n" + DB)
    out = tmp_path / "out"
    code, text = _scan(tmp_path, "--rule", "PG-AWS-RDS-002", "-f", "text", "-f", "json", "-f", "sarif", "-f", "junit",
                       "-f", "github", "-o", "-", "-o", str(out / "r.json"), "-o", str(out / "r.sarif"),
                       "-o", str(out / "r.xml"), "-o", str(out / "r.github"))
    assert code == 1
    assert "main.tf:1  INVALID" in text
    assert json.loads((out / "r.json").read_text())["suppression_notices"][0]["kind"] == "invalid"
    sarif = json.loads((out / "r.sarif").read_text())
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["message"]["text"].startswith("suppression invalid:") for n in notes)
    assert "main.tf:1 suppression invalid" in (out / "r.xml").read_text()
    assert "policyguard suppression invalid" in (out / "r.github").read_text()
