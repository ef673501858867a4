"""Fix classes: ``fix_safety`` in rule metadata (required when fixable, schema-validated), a
result's override (more cautious only), the built-in pack's classification, and the class in
the SARIF and JSON reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policyguard.commands import main
from policyguard.engine.rules import load_dirs
from policyguard.model import BEHAVIOUR_CHANGING, SAFE, Fix, FixOp, more_cautious
from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
from policyguard.scan import scan

REPO = Path(__file__).resolve().parent.parent

REGO = """\
# METADATA
# title: Queues keep their encryption
# custom:
#   id: PG-TEST-FIX-001
#   severity: high
#   resource_types:
#     terraform: [aws_sqs_queue]
#   fixable: true
{extra}package policyguard.rules.test.fixsafety

import rego.v1

fail contains result if {{
	input.resource.attributes.sqs_managed_sse_enabled == false
	result := {{
		"msg": "encryption off",
		"path": "sqs_managed_sse_enabled",
		"fix": {{"description": "turn it on", "ops": [{{"op": "set", "path": "sqs_managed_sse_enabled", "value": true}}]{override}}},
	}}
}}
"""

PY = """\
from policyguard.engine.python_rules import rule, fail


@rule(id="PG-TEST-FIX-002", title="t", severity="high", resource_types={{"terraform": ["aws_sqs_queue"]}}, fixable=True{extra})
def check(resource, resources):
    if resource["attributes"].get("sqs_managed_sse_enabled") is False:
        yield fail("encryption off", path="sqs_managed_sse_enabled",
                   fix={{"description": "turn it on", "ops": [{{"op": "set", "path": "sqs_managed_sse_enabled", "value": True}}]{override}}})
"""

TF = 'resource "aws_sqs_queue" "q" {\n  sqs_managed_sse_enabled = false\n}\n'


def _rego(tmp_path: Path, extra: str = "", override: str = "") -> Path:
    d = tmp_path / "rules" / "r1"
    d.mkdir(parents=True)
    (d / "rule.rego").write_text(REGO.format(extra=extra, override=override))
    return tmp_path / "rules"


def _py(tmp_path: Path, extra: str = "", override: str = "") -> Path:
    d = tmp_path / "rules" / "r2"
    d.mkdir(parents=True)
    (d / "rule.py").write_text(PY.format(extra=extra, override=override))
    return tmp_path / "rules"


def test_fixable_rego_rule_without_class_is_a_located_load_error(tmp_path: Path) -> None:
    rs = load_dirs([_rego(tmp_path)])
    assert not rs.metas
    (err,) = rs.errors
    assert err.line == 8 and "fixable: true needs fix_safety" in err.message and err.file.endswith("rule.rego")


def test_fixable_python_rule_without_class_is_a_load_error(tmp_path: Path) -> None:
    rs = load_dirs([_py(tmp_path)])
    assert not rs.metas and rs.errors and "fix_safety" in rs.errors[0].message


def test_unknown_class_is_rejected(tmp_path: Path) -> None:
    rs = load_dirs([_rego(tmp_path, extra="#   fix_safety: harmless\n")])
    assert not rs.metas and "fix_safety" in rs.errors[0].message and "harmless" in rs.errors[0].message


@pytest.mark.parametrize(
    ("declared", "override", "expected"),
    [
        ("safe", "", SAFE),
        ("safe", ', "safety": "behaviour-changing"', BEHAVIOUR_CHANGING),  # more cautious: taken
        ("behaviour-changing", ', "safety": "safe"', BEHAVIOUR_CHANGING),  # less cautious: ignored
        ("safe", ', "safety": "whatever"', BEHAVIOUR_CHANGING),  # unrecognised: the cautious class
    ],
)
def test_result_override_only_towards_caution(tmp_path: Path, declared: str, override: str, expected: str) -> None:
    rules = _rego(tmp_path, extra=f"#   fix_safety: {declared}\n", override=override)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TF)
    res = scan(ScanOptions(read=ReadOptions(paths=[str(tmp_path / "tf")]), rules=RuleOptions(rule_dirs=[str(rules)], builtin_rules=False), evaluation=EvalOptions(jobs=1)))
    (f,) = [f for f in res.findings if f.status == "fail"]
    assert f.fix is not None and f.fix.safety == expected
    assert res.rules["PG-TEST-FIX-001"].fix_safety == declared


def test_python_rule_class_and_override(tmp_path: Path) -> None:
    rules = _py(tmp_path, extra=', fix_safety="safe"', override=', "safety": "behaviour-changing"')
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TF)
    res = scan(ScanOptions(read=ReadOptions(paths=[str(tmp_path / "tf")]), rules=RuleOptions(rule_dirs=[str(rules)], builtin_rules=False), evaluation=EvalOptions(jobs=1)))
    (f,) = [f for f in res.findings if f.status == "fail"]
    assert res.rules["PG-TEST-FIX-002"].fix_safety == SAFE and f.fix is not None and f.fix.safety == BEHAVIOUR_CHANGING


def test_more_cautious() -> None:
    assert more_cautious(SAFE, None) == SAFE
    assert more_cautious(SAFE, BEHAVIOUR_CHANGING) == more_cautious(BEHAVIOUR_CHANGING, SAFE) == BEHAVIOUR_CHANGING
    assert more_cautious("typo", None) == BEHAVIOUR_CHANGING
    assert Fix("d", (FixOp("set", "a", 1),)).safety == BEHAVIOUR_CHANGING  # no rule said it is safe


def test_builtin_pack_is_classified_and_documented() -> None:
    rs = load_dirs([REPO / "rules"])
    fixable = [m for m in rs.metas if m.fixable]
    assert fixable and all(m.fix_safety in (SAFE, BEHAVIOUR_CHANGING) for m in fixable)
    assert all(m.fix_safety is None for m in rs.metas if not m.fixable)
    safe = sorted(m.id for m in fixable if m.fix_safety == SAFE)
    # every pod-security, network, exposure and IAM-like fix can break a working deployment
    assert not [i for i in safe if i.startswith(("PG-K8S-", "PG-AWS-EC2-", "PG-AWS-IAM-", "PG-AWS-ELB-"))], safe
    doc = (REPO / "rules" / "README.md").read_text()
    for m in fixable:  # rules/README.md lists every fixable rule under its class
        assert f"`{m.id}`" in doc, m.id
    section = doc.split("### Safe fixes", 1)[1].split("### Behaviour-changing fixes", 1)
    assert sorted(set(__import__("re").findall(r"`(PG-[A-Z0-9-]+)`", section[0]))) == safe


def test_sarif_and_json_reports_carry_the_class(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n"
        "    - name: c\n      image: r.example.com/c@sha256:" + "a" * 64 + "\n      securityContext:\n        privileged: true\n"
    )
    sarif_out, json_out = tmp_path / "out.sarif", tmp_path / "out.json"
    res = CliRunner().invoke(main, ["scan", "-j", "1", "--rule", "PG-AWS-SQS-001", "--rule", "PG-K8S-POD-004",
                                    "-f", "sarif", "-o", str(sarif_out), "-f", "json", "-o", str(json_out), str(tmp_path)])
    assert res.exit_code in (0, 1), res.output
    sarif = json.loads(sarif_out.read_text())
    classes = {r["ruleId"]: [fx["properties"]["safety"] for fx in r.get("fixes", [])] for r in sarif["runs"][0]["results"]}
    assert classes["PG-AWS-SQS-001"] == ["safe"] and classes["PG-K8S-POD-004"] == ["behaviour-changing"]
    report = json.loads(json_out.read_text())
    fixes = {f["rule_id"]: f["fix"]["safety"] for f in report["findings"] if f.get("fix")}
    assert fixes == {"PG-AWS-SQS-001": "safe", "PG-K8S-POD-004": "behaviour-changing"}
    assert report["rules"]["PG-AWS-SQS-001"]["fix_safety"] == "safe"
