"""SARIF 2.1.0: schema-valid, full rule metadata, exact regions, suppressions, fixes, parse errors."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policyguard.report import render

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

SHARED = Path(os.environ.get("POLICYGUARD_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SCHEMA = SHARED / "schemas" / "sarif-2.1.0.json"


def _validate(doc: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (set POLICYGUARD_SHARED)")
    from jsonschema import Draft4Validator

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in Draft4Validator(json.loads(SCHEMA.read_text())).iter_errors(doc)]
    assert errors == []


def _region_line(root: Path, result: dict) -> str:
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    lines = (root / loc["artifactLocation"]["uri"]).read_text().splitlines()
    return lines[loc["region"]["startLine"] - 1]


def test_sarif_validates_and_carries_everything(tmp_path: Path) -> None:
    report = sup.sample_report(tmp_path)
    report.automation_id = "policyguard/infra"
    doc = json.loads(render("sarif", report))
    _validate(doc)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["automationDetails"]["id"] == "policyguard/infra/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    r1 = rules["PG-T-001"]
    assert r1["shortDescription"]["text"] == "PG-T-001 title"
    assert r1["fullDescription"]["text"] == "PG-T-001 description."
    assert "Fix PG-T-001." in r1["help"]["text"] and "| cis-aws | 2.1.1 |" in r1["help"]["markdown"]
    assert r1["properties"]["security-severity"] == "8.0"
    assert {"cis-aws/2.1.1", "nist-800-53/SC-28", "security"} <= set(r1["properties"]["tags"])
    assert rules["PG-T-004"]["properties"]["security-severity"] == "3.0"
    assert "parse-error" in rules

    results = run["results"]
    by_rule = {(r["ruleId"], r["message"]["text"].split(":")[0]): r for r in results}
    # every result indexes its rule
    for r in results:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"]["primaryLocationLineHash"]
    fail = by_rule[("PG-T-001", "aws_db_instance.a")]
    assert fail["level"] == "error"
    assert _region_line(tmp_path, fail).strip().startswith("publicly_accessible")
    reg = fail["locations"][0]["physicalLocation"]["region"]
    assert (reg["startLine"], reg["startColumn"], reg["endLine"]) == (2, 3, 2)
    # a fix rendered from Finding.edits
    (fx,) = fail["fixes"]
    (change,) = fx["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "infra/main.tf"
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 2, "startColumn": 25, "endLine": 2, "endColumn": 29},
        "insertedContent": {"text": "false"},
    }
    # suppressed inline, still present, with justification; region refined from the resource span
    sup_res = by_rule[("PG-T-002", "aws_db_instance.a")]
    (s,) = sup_res["suppressions"]
    assert s["kind"] == "inSource" and s["status"] == "accepted"
    assert "migrating, ticket OPS-1" in s["justification"] and "dba" in s["justification"]
    assert _region_line(tmp_path, sup_res).strip().startswith("storage_encrypted")
    # unknown, reported only: a review result
    unk = by_rule[("PG-T-003", "aws_db_instance.a")]
    assert unk["kind"] == "review" and unk["level"] == "none" and "var.kms" in unk["message"]["text"]
    assert _region_line(tmp_path, unk).strip().startswith("kms_key_id")
    # parse error is a result (GitHub alerts) and a notification
    perr = [r for r in results if r["ruleId"] == "parse-error"]
    assert len(perr) == 1 and perr[0]["level"] == "error"
    assert perr[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("mapping values" in n["message"]["text"] for n in notes)
    assert any("stale" in n["message"]["text"] for n in notes)
    assert run["invocations"][0]["exitCode"] == 2
    # passes are not results
    assert ("PG-T-001", "aws_db_instance.b") not in by_rule


def test_sarif_unknown_as_fail_and_baseline_state(tmp_path: Path) -> None:
    report = sup.sample_report(tmp_path, unknown_as="fail")
    report.baseline = {"path": "b.json", "matched": 0, "new": 3, "absent": []}
    doc = json.loads(render("sarif", report))
    _validate(doc)
    results = doc["runs"][0]["results"]
    unk = next(r for r in results if r["ruleId"] == "PG-T-003")
    assert unk["kind"] == "fail" and unk["level"] == "warning" and "counted as fail" in unk["message"]["text"]
    assert all(r.get("baselineState") == "new" for r in results if r["ruleId"] not in ("parse-error", "PG-T-002"))


@pytest.fixture(scope="module")
def ready() -> None:
    why = sup.pipeline_ready()
    if why:
        pytest.skip(why)


def test_sarif_end_to_end_regions_point_at_the_attribute(ready: None, tmp_path: Path) -> None:
    """Real pipeline: each result's startLine is the line of the offending attribute, or the
    resource's first line when the attribute is absent."""
    (tmp_path / ".git").mkdir()
    for sub in ("terraform", "kubernetes", "cloudformation"):
        (tmp_path / sub).mkdir()
        for f in (sup.DATA / sub).iterdir():
            (tmp_path / sub / f.name).write_text(f.read_text())
    out = tmp_path / "out.sarif"
    p = subprocess.run([sys.executable, "-m", "policyguard", "scan", "terraform", "kubernetes", "cloudformation", "-f", "sarif", "-o",
                        str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    doc = json.loads(out.read_text())
    _validate(doc)
    results = doc["runs"][0]["results"]
    assert len(results) >= 8
    # the parser's own spans, from an in-process scan of the same files
    scanned = sup.run_scan(tmp_path / "terraform", tmp_path / "kubernetes", tmp_path / "cloudformation")
    res_by_id = {r.id: r for r in scanned.resources}
    present = 0
    for r in results:
        line_text = _region_line(tmp_path, r)
        path = r["properties"].get("attribute_path", "")
        rid = r["logicalLocations"][0]["fullyQualifiedName"] if r.get("logicalLocations") else \
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        resource = res_by_id[rid]
        expected = resource.span_for(path) if path else resource.span
        region = r["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (expected.start_line, expected.start_col), (r["ruleId"], path)
        if path and path in resource.attribute_spans:
            present += 1
            leaf = path.split(".")[-1].split("[")[0]
            assert leaf in line_text, (r["ruleId"], path, line_text)
    assert present >= 4
    if importlib.util.find_spec("policyguard.fix.plan") is not None:  # the fix stage is installed
        fixed = [r for r in results if r.get("fixes")]
        assert fixed, "no SARIF fixes although policyguard.fix is installed"
        for r in fixed:
            for change in r["fixes"][0]["artifactChanges"]:
                assert change["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
                lines = (tmp_path / change["artifactLocation"]["uri"]).read_text().splitlines()
                for rep in change["replacements"]:
                    assert 1 <= rep["deletedRegion"]["startLine"] <= len(lines) + 1
    supp = {r["ruleId"]: r["suppressions"][0] for r in results if r.get("suppressions")}
    assert set(supp) == {"PG-K8S-POD-001", "PG-AWS-RDS-001", "PG-AWS-RDS-002"}
    assert supp["PG-K8S-POD-001"]["justification"].startswith("node exporter needs the host network")
    assert supp["PG-AWS-RDS-002"]["kind"] == "inSource" and supp["PG-AWS-RDS-002"]["properties"]["source"] == "metadata"
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "cloudformation/template.yaml"
               for r in results)


def test_sarif_shared_validator_accepts_it(ready: None, tmp_path: Path) -> None:
    tool = SHARED / "tools" / "validate-sarif"
    if not tool.is_file():
        pytest.skip("shared validate-sarif tool not found")
    out = tmp_path / "x.sarif"
    out.write_text(render("sarif", sup.sample_report(tmp_path)))
    p = subprocess.run([sys.executable, str(tool), str(out)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
