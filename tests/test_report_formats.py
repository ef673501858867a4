"""JSON (schema), JUnit, GitHub annotations and text reports on a hand-built report."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from policyguard.report import render

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

REPORT_SCHEMA = Path(__file__).resolve().parents[1] / "policyguard" / "schemas" / "report.schema.json"


def test_json_report_validates_against_published_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    doc = json.loads(render("json", sup.sample_report(tmp_path)))
    schema = json.loads(REPORT_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    assert [e.message for e in Draft202012Validator(schema).iter_errors(doc)] == []
    assert doc["schema_version"] == "1.1"
    assert doc["verdict"] == {"exit_code": 2, "passed": False, "fail_on": "high", "soft_fail": False,
                              "unknown_as": "report", "reason": doc["verdict"]["reason"], "failing": 1}
    assert doc["summary"]["suppressed"] == 1 and doc["summary"]["stale_suppressions"] == 1
    f = next(x for x in doc["findings"] if x["rule_id"] == "PG-T-002")
    assert f["status"] == "suppressed" and f["suppression"]["reason"] == "migrating, ticket OPS-1"
    assert f["location"]["file"] == "infra/main.tf" and f["location"]["start_line"] == 3
    assert all(x["fingerprint"] for x in doc["findings"])
    assert doc["errors"][0]["file"] == "infra/broken.yaml"
    f1 = next(x for x in doc["findings"] if x["rule_id"] == "PG-T-001" and x["status"] == "fail")
    assert f1["counts_against_gate"] is True and f1["edits"][0]["text"] == "false"


def test_junit_one_testcase_per_rule_and_resource(tmp_path: Path) -> None:
    root = ET.fromstring(render("junit", sup.sample_report(tmp_path)))
    assert root.tag == "testsuites"
    suites = {s.get("name", "").split(":")[0]: s for s in root.findall("testsuite")}
    assert set(suites) == {"PG-T-001", "PG-T-002", "PG-T-003", "PG-T-004", "parse-error", "suppression-notice"}
    s1 = suites["PG-T-001"]
    cases = s1.findall("testcase")
    assert len(cases) == 2 and s1.get("tests") == "2" and s1.get("failures") == "1"
    failed = next(c for c in cases if c.find("failure") is not None)
    assert failed.get("classname") == "PG-T-001" and failed.get("name") == "aws_db_instance.a in infra/main.tf"
    assert "remediation: Fix PG-T-001." in (failed.find("failure").text or "")  # type: ignore[union-attr]
    assert suites["PG-T-002"].find("testcase/skipped") is not None
    assert "suppressed" in suites["PG-T-002"].find("testcase/skipped").get("message", "")  # type: ignore[union-attr]
    assert suites["PG-T-003"].find("testcase/skipped") is not None  # unknown, reported only
    assert suites["parse-error"].find("testcase/error") is not None
    notices = suites["suppression-notice"].findall("testcase")  # every suppression notice, visible in CI
    assert notices and all(c.find("skipped") is not None for c in notices)
    assert all(c.find("skipped").get("message", "").startswith("suppression ") for c in notices)  # type: ignore[union-attr]
    assert root.get("tests") == str(6 + len(notices)) and root.get("errors") == "1" and root.get("failures") == "2"
    # special characters survive XML escaping
    low = suites["PG-T-004"].find("testcase/failure")
    assert low is not None and low.get("message") == 'low <thing> & "quotes"'


def test_junit_unknown_as_fail_is_a_failure(tmp_path: Path) -> None:
    root = ET.fromstring(render("junit", sup.sample_report(tmp_path, unknown_as="fail")))
    s3 = next(s for s in root.findall("testsuite") if s.get("name", "").startswith("PG-T-003"))
    assert s3.find("testcase/failure") is not None


def test_github_annotations(tmp_path: Path) -> None:
    lines = render("github", sup.sample_report(tmp_path)).splitlines()
    assert lines[0].startswith("::error file=infra/broken.yaml,line=3,col=7,")
    fail = next(x for x in lines if "PG-T-001" in x)
    assert fail.startswith("::error file=infra/main.tf,line=2,col=3,endLine=2,")
    assert "title=PG-T-001 (high)::aws_db_instance.a%3A" not in fail  # ':' is escaped only in properties
    assert "::aws_db_instance.a: instance is publicly accessible%0ARemediation: Fix PG-T-001." in fail
    assert any(x.startswith("::warning ") and "PG-T-004" in x for x in lines)  # below the threshold
    assert any(x.startswith("::notice ") and "PG-T-003" in x for x in lines)  # unknown, reported only
    assert not any("PG-T-002" in x and x.startswith("::error") for x in lines)  # suppressed
    assert any(x.startswith("::notice ") and "suppression stale" in x for x in lines)
    assert lines[-1].startswith("policyguard: exit 2")


def test_text_report_grouped_plain_and_coloured(tmp_path: Path) -> None:
    """Grouped by rule (tests/test_report_text.py has the goldens and the details)."""
    report = sup.sample_report(tmp_path)
    plain = render("text", report, color=False)
    assert "\x1b[" not in plain
    assert plain.index("HIGH  PG-T-001") < plain.index("LOW  PG-T-004") < plain.index("infra/broken.yaml")
    assert "  infra/main.tf:2:3  aws_db_instance.a  instance is publicly accessible" in plain
    assert plain.count("fix:  Fix PG-T-001.") == 1
    assert "suppressed by inline (infra/main.tf:3)" in plain and "migrating, ticket OPS-1 owner=dba expires=2099-01-01" in plain
    assert "depends on var.kms" in plain
    assert "infra/broken.yaml:3:7  parse-error  mapping values are not allowed here" in plain
    assert "STALE" in plain
    assert plain.rstrip().splitlines()[-1].startswith("Gate: FAIL (exit 2)")
    assert "Failed (2 in 2 rules)" in plain
    coloured = render("text", report, color=True)
    assert "\x1b[" in coloured and "PG-T-001" in coloured
    report.quiet = True
    quiet = render("text", report)
    assert "PG-T-004" not in quiet.split("Summary")[0] and "PG-T-001" in quiet and "parse-error" in quiet
