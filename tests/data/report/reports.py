"""Reports for the CI and HTML reporter tests (loaded by path): a Kubernetes Deployment where one
rule fails on two containers and another reports twice at the same line (the JUnit duplicate-name
case), a file name and a message carrying markup, and a report that links rule documentation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

from policyguard.gate.report import Report

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parents[1] / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

HOSTILE_FILE = "<svg onload=window.pwned=1><script>window.pwned=2;.yaml"
HOSTILE_MESSAGE = ("image tag <script>window.pwned=3</script> and <img src=http://127.0.0.1:9/x.png> are not pinned "
                   "![t](http://127.0.0.1:9/t.png) [link](http://127.0.0.1:9/)")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: a
          securityContext: {privileged: true}   # a
        - name: b
          securityContext: {privileged: true}   # b
"""


def deployment_report(tmp_path: Path, *, lead: int = 0, hostile: bool = False, **verdict_kw: Any) -> Report:
    """``lead`` blank lines move everything down (names and ids must not change)."""
    from policyguard.gate.config import Config
    from policyguard.gate.evaluate import evaluate_gate
    from policyguard.gate.verdict import GateSettings
    from policyguard.model import Severity, Status

    f = tmp_path / "k8s" / (HOSTILE_FILE if hostile else "deploy.yaml")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text("\n" * lead + DEPLOY)
    c0, c1 = "spec.template.spec.containers[0].securityContext.privileged", "spec.template.spec.containers[1].securityContext.privileged"
    (web,) = sup.build_resources(f, [sup.Spec(
        "Deployment/default/web", "kind: Deployment",
        {"spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": True}},
                                                      {"name": "b", "securityContext": {"privileged": True}}]}}}},
        {c0: "# a", c1: "# b"}, platform="kubernetes", type="Deployment")])
    fs = [
        sup.finding(web, "PG-K-001", c0, message="container a is privileged"),
        sup.finding(web, "PG-K-001", c1, message="container b is privileged"),
        sup.finding(web, "PG-K-002", "", severity=Severity.MEDIUM, message=HOSTILE_MESSAGE if hostile else "image not pinned"),
        sup.finding(web, "PG-K-002", "", severity=Severity.MEDIUM, message=HOSTILE_MESSAGE if hostile else "image not pinned"),
        sup.finding(web, "PG-K-003", "", status=Status.PASS, severity=Severity.LOW),
        sup.finding(web, "PG-K-004", "", status=Status.UNKNOWN, severity=Severity.CRITICAL, message="depends on a value"),
    ]
    fs[-1].unknowns = ("values.image",)
    k8s = {"kubernetes": ("Deployment",)}
    metas = [sup.meta("PG-K-001", resource_types=k8s, frameworks={"cis-kubernetes": ("5.2.2",), "pss-baseline": ("Privileged Containers",)}),
             sup.meta("PG-K-002", Severity.MEDIUM, resource_types=k8s, frameworks={}),
             sup.meta("PG-K-003", Severity.LOW, resource_types=k8s, frameworks={"pss-baseline": ("Host Namespaces",)}),
             sup.meta("PG-K-004", Severity.CRITICAL, resource_types=k8s, frameworks={})]
    res = sup.result([web], fs, metas)
    report: Report = evaluate_gate(res, Config(), GateSettings(**verdict_kw), root=str(tmp_path),
                                   today=dt.date(2026, 12, 6), tool_version="0.1.0")
    report.started_at = dt.datetime(2026, 12, 6, 17, 0, 0, tzinfo=dt.UTC)
    report.finished_at = dt.datetime(2026, 12, 6, 17, 0, 4, tzinfo=dt.UTC)
    return report


@dataclasses.dataclass(slots=True)
class LinkedReport(Report):
    """A report whose rules have documentation pages (the field the rule-docs work adds)."""

    def doc_url(self, rule_id: str) -> str:
        return f"https://policyguard.dev/rules/{rule_id}.html"


def linked(report: Report) -> LinkedReport:
    return LinkedReport(**{f.name: getattr(report, f.name) for f in dataclasses.fields(report)})
