"""JUnit (against the Jenkins xUnit XSD), GitLab SAST (against GitLab's published 15.2.1 schema)
and GitLab Code Quality (against a schema written from GitLab's documented fields)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from policyguard.report import REPORTERS, render

DATA = Path(__file__).parent / "data" / "report"
_spec = importlib.util.spec_from_file_location("report_support", DATA / "reports.py")
assert _spec and _spec.loader
rs = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("report_support", rs)
_spec.loader.exec_module(rs)
sup = rs.sup


def _xsd_errors(xml: str, tmp_path: Path) -> str:
    """xmllint's verdict on ``xml`` against the vendored Jenkins xUnit ``junit-10.xsd``."""
    xmllint = shutil.which("xmllint")
    if xmllint is None:  # skipped locally, a failure in CI (.ci/run installs it)
        assert not os.environ.get("CI"), "xmllint (Debian libxml2-utils) not installed"
        pytest.skip("xmllint (Debian libxml2-utils) not installed")
    doc = tmp_path / "junit.xml"
    doc.write_text(xml, encoding="utf-8")
    p = subprocess.run([xmllint, "--noout", "--schema", str(DATA / "junit-10.xsd"), str(doc)],
                       capture_output=True, text=True, timeout=60)
    return "" if p.returncode == 0 else p.stderr


def test_xsd_check_rejects_what_the_schema_forbids(tmp_path: Path) -> None:
    """The validator is live: attributes junit-10.xsd does not define (file/line on a testcase,
    skipped on testsuites, as the JUnit report wrote before) are refused."""
    bad = ('<?xml version="1.0"?><testsuites skipped="1"><testsuite name="s" tests="1" failures="0" errors="0">'
           '<testcase name="c" file="a.tf" line="2"/></testsuite></testsuites>')
    errors = _xsd_errors(bad, tmp_path)
    assert "file" in errors and "skipped" in errors


@pytest.mark.parametrize("which", ["sample", "deployment", "hostile"])
def test_junit_validates_against_jenkins_xsd(tmp_path: Path, which: str) -> None:
    report = {"sample": lambda: sup.sample_report(tmp_path),
              "deployment": lambda: rs.linked(rs.deployment_report(tmp_path)),
              "hostile": lambda: rs.deployment_report(tmp_path, hostile=True)}[which]()
    assert _xsd_errors(render("junit", report), tmp_path) == ""


def _cases(xml: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(xml)
    cases = root.findall("testsuite/testcase")
    keyed = {(c.get("classname", ""), c.get("name", "")): c for c in cases}
    assert len(keyed) == len(cases), "testcase names repeat"
    return keyed


def test_junit_one_testcase_per_rule_and_resource_with_stable_unique_names(tmp_path: Path) -> None:
    report = rs.linked(rs.deployment_report(tmp_path))
    xml = render("junit", report)
    cases = _cases(xml)
    name = "Deployment/default/web in k8s/deploy.yaml"
    assert set(cases) == {("PG-K-001", name), ("PG-K-002", name), ("PG-K-003", name), ("PG-K-004", name)}
    # two privileged containers: one failing test that names both locations, the worst first
    failure = cases[("PG-K-001", name)].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.get("message") == "container a is privileged (+1 more)"
    text = failure.text or ""
    assert "k8s/deploy.yaml:10:11 Deployment/default/web spec.template.spec.containers[0]" in text
    assert "k8s/deploy.yaml:12:11" in text and "container b is privileged" in text
    assert "remediation: Fix PG-K-001." in text
    assert "documentation: https://policyguard.dev/rules/PG-K-001.html" in text
    assert cases[("PG-K-003", name)].find("*") is None  # passed
    skipped = cases[("PG-K-004", name)].find("skipped")  # unknown, reported only
    assert skipped is not None and skipped.get("message") == "unknown: depends on values.image"
    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "0")
    suite = next(s for s in root.findall("testsuite") if s.get("name", "").startswith("PG-K-001"))
    props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert props == {"severity": "high", "documentation": "https://policyguard.dev/rules/PG-K-001.html"}
    # moving every line keeps every test's identity (CI history, GitLab's new/fixed comparison)
    moved = rs.deployment_report(tmp_path / "moved", lead=7)
    assert set(_cases(render("junit", moved))) == set(cases)


def test_junit_unknown_counted_as_fail_and_rule_error(tmp_path: Path) -> None:
    from policyguard.model import Status

    report = rs.deployment_report(tmp_path, unknown_as="fail")
    cases = _cases(render("junit", report))
    name = "Deployment/default/web in k8s/deploy.yaml"
    failure = cases[("PG-K-004", name)].find("failure")
    assert failure is not None and "counted as fail" in (failure.text or "")
    report = rs.deployment_report(tmp_path)
    report.findings[2].status = Status.ERROR
    case = _cases(render("junit", report))[("PG-K-002", name)]
    assert case.find("error") is not None and case.find("failure") is None


def _sast(report: Any) -> dict[str, Any]:
    from jsonschema import Draft7Validator

    doc: dict[str, Any] = json.loads(render("gitlab-sast", report))
    schema = json.loads((DATA / "gitlab-sast-report-format-15.2.1.json").read_text())
    assert [f"{list(e.path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(doc)] == []
    return doc


def test_gitlab_sast_validates_against_published_schema(tmp_path: Path) -> None:
    doc = _sast(rs.linked(rs.deployment_report(tmp_path)))
    assert doc["version"] == "15.2.1" and doc["schema"].endswith("/v15.2.1/dist/sast-report-format.json")
    scan = doc["scan"]
    assert (scan["type"], scan["status"], scan["start_time"], scan["end_time"]) == (
        "sast", "success", "2026-12-06T17:00:00", "2026-12-06T17:00:04")
    assert scan["scanner"]["id"] == scan["analyzer"]["id"] == "policyguard" and scan["scanner"]["version"] == "0.1.0"
    vulns = doc["vulnerabilities"]
    # fails and the reported unknown; the pass is left out; both PG-K-002 results stay distinct
    assert sorted(v["identifiers"][0]["value"] for v in vulns) == ["PG-K-001", "PG-K-001", "PG-K-002", "PG-K-002", "PG-K-004"]
    assert len({v["id"] for v in vulns}) == len(vulns)
    v = next(v for v in vulns if v["identifiers"][0]["value"] == "PG-K-001")
    assert v["severity"] == "High" and v["name"] == "PG-K-001 title" and v["solution"] == "Fix PG-K-001."
    assert v["location"] == {"file": "k8s/deploy.yaml", "start_line": 10, "end_line": 10}
    assert v["identifiers"][0]["url"] == v["links"][0]["url"] == "https://policyguard.dev/rules/PG-K-001.html"
    assert {"type": "cis-kubernetes", "name": "cis-kubernetes 5.2.2", "value": "5.2.2"} in v["identifiers"]
    assert next(x for x in vulns if x["identifiers"][0]["value"] == "PG-K-004")["severity"] == "Critical"
    # ids come from fingerprints: moving lines keeps them
    moved = _sast(rs.linked(rs.deployment_report(tmp_path / "moved", lead=5)))
    assert {x["id"] for x in moved["vulnerabilities"]} == {x["id"] for x in vulns}


def test_gitlab_sast_errors_and_suppressions(tmp_path: Path) -> None:
    doc = _sast(sup.sample_report(tmp_path))
    assert doc["scan"]["status"] == "failure"  # a parse error: the gate exits 2, the scan is incomplete
    assert doc["scan"]["messages"] == [{"level": "warn", "value": "infra/broken.yaml:3:7: parse-error: mapping values are not allowed here"}]
    rules = sorted(v["identifiers"][0]["value"] for v in doc["vulnerabilities"])
    assert rules == ["PG-T-001", "PG-T-003", "PG-T-004"]  # PG-T-002 is suppressed
    quiet = _sast(sup.sample_report(tmp_path, unknown_as="pass"))
    assert "PG-T-003" not in {v["identifiers"][0]["value"] for v in quiet["vulnerabilities"]}


def test_gitlab_sast_description_keeps_scanned_text_literal(tmp_path: Path) -> None:
    """GitLab renders a description as Markdown: a scanned value must not become markup there."""
    doc = _sast(rs.deployment_report(tmp_path, hostile=True))
    text = next(v["description"] for v in doc["vulnerabilities"] if v["identifiers"][0]["value"] == "PG-K-002")
    assert "\\<script\\>window.pwned=3\\</script\\>" in text
    assert "\\!\\[t\\]\\(http://127.0.0.1:9/t.png\\)" in text and "](" not in text.replace("\\](", "")


def _codequality(report: Any) -> list[dict[str, Any]]:
    from jsonschema import Draft202012Validator

    doc: list[dict[str, Any]] = json.loads(render("gitlab-codequality", report))
    schema = json.loads((DATA / "gitlab-codequality.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert [f"{list(e.path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(doc)] == []
    return doc


def test_gitlab_codequality_validates_and_reuses_fingerprints(tmp_path: Path) -> None:
    report = rs.linked(rs.deployment_report(tmp_path))
    issues = _codequality(report)
    shown = [f for f in report.findings if str(f.status) in ("fail", "unknown")]
    assert sorted(i["fingerprint"] for i in issues) == sorted(f.fingerprint for f in shown)
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab keeps only one per fingerprint
    by_rule: dict[str, dict[str, Any]] = {}
    for i in issues:
        by_rule.setdefault(i["check_name"], i)
    assert by_rule["PG-K-001"]["severity"] == "critical" and by_rule["PG-K-002"]["severity"] == "major"
    assert by_rule["PG-K-004"]["severity"] == "info"  # unknown, reported only: it may be fine
    assert by_rule["PG-K-001"]["location"] == {"path": "k8s/deploy.yaml", "lines": {"begin": 10, "end": 10}}
    assert "https://policyguard.dev/rules/PG-K-001.html" in by_rule["PG-K-001"]["content"]["body"]
    moved = _codequality(rs.deployment_report(tmp_path / "moved", lead=3))
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in issues}
    counted = {i["check_name"]: i for i in _codequality(rs.deployment_report(tmp_path / "f", unknown_as="fail"))}
    assert counted["PG-K-004"]["severity"] == "blocker"


def test_gitlab_codequality_parse_errors_and_suppressions(tmp_path: Path) -> None:
    issues = _codequality(sup.sample_report(tmp_path))
    assert [i["check_name"] for i in issues] == ["PG-T-001", "PG-T-003", "PG-T-004", "parse-error"]
    err = issues[-1]
    assert err["location"] == {"path": "infra/broken.yaml", "lines": {"begin": 3}} and err["severity"] == "critical"


def test_new_formats_are_registered_for_the_command_line() -> None:
    from click.testing import CliRunner

    from policyguard.commands.scan import scan

    assert {"gitlab-sast", "gitlab-codequality", "html", "junit"} <= set(REPORTERS)
    out = CliRunner().invoke(scan, ["--help"]).output
    assert "gitlab-sast" in out and "gitlab-codequality" in out and "html" in out


def test_cli_writes_every_ci_format(tmp_path: Path) -> None:
    if sup.pipeline_ready():
        pytest.skip(str(sup.pipeline_ready()))
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text((sup.DATA / "terraform" / "main.tf").read_text())
    outs = {"junit": "r/junit.xml", "gitlab-sast": "r/sast.json", "gitlab-codequality": "r/cq.json", "html": "r/report.html"}
    args = [sys.executable, "-m", "policyguard", "scan", "main.tf"]
    for fmt, out in outs.items():
        args += ["-f", fmt, "-o", out]
    p = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr
    doc = json.loads((tmp_path / outs["gitlab-sast"]).read_text())
    assert doc["vulnerabilities"] and all(v["location"]["file"] == "main.tf" for v in doc["vulnerabilities"])
    assert doc["scan"]["start_time"] <= doc["scan"]["end_time"]
    cq = json.loads((tmp_path / outs["gitlab-codequality"]).read_text())
    assert len(cq) == len(doc["vulnerabilities"])
    assert _xsd_errors((tmp_path / outs["junit"]).read_text(), tmp_path) == ""
    assert (tmp_path / outs["html"]).read_text().startswith("<!DOCTYPE html>")
