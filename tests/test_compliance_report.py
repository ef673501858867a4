"""The compliance report: a scan's findings control by control of a framework catalogue."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands.common import gate_settings
from policyguard.frameworks import CatalogueError, parse
from policyguard.gate.config import Config
from policyguard.gate.evaluate import evaluate_gate
from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
from policyguard.report.compliance import build, coverage_table, render
from policyguard.scan import scan

CATALOGUE = {
    "id": "demo-1.0", "title": "Demo benchmark", "version": "1.0", "rule_tags": ["cis-kubernetes"],
    "controls": [
        {"id": "5.2.2", "title": "No privileged containers", "section": "Pods"},
        {"id": "5.2.3", "title": "No host PID", "section": "Pods"},
        {"id": "5.9.9", "title": "Something no rule checks"},
        {"id": "5.9.8", "title": "A process control", "assessable": "manual"},
        {"id": "5.1.1", "title": "cluster-admin only where needed", "section": "RBAC"},
    ],
}

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: "bad<img src=x onerror=alert(1)>|`x`", namespace: team}
spec:
  containers:
    - name: c
      image: registry.example.com/a:1.0
      securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: team}
spec:
  containers:
    - name: c
      image: registry.example.com/a:1.0
"""


@pytest.fixture()
def report(tmp_path: Path):
    (tmp_path / "pods.yaml").write_text(PODS)
    options = ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), rules=RuleOptions(frameworks=["cis-kubernetes"], profile="strict"), evaluation=EvalOptions(jobs=1))
    result = scan(options)
    cfg = Config()
    return evaluate_gate(result, cfg, gate_settings({}, cfg), root=str(tmp_path))


def _rules_for(report, control: str) -> set[str]:
    return {m.id for m in report.rules.values() if control in m.frameworks.get("cis-kubernetes", ())}


def test_controls_are_counted_from_the_findings_of_their_rules(report) -> None:
    fw = parse(CATALOGUE, "demo.yaml")
    cr = build(report, fw)
    by = {c.control.id: c for c in cr.controls}
    priv = by["5.2.2"]
    assert set(priv.rules) == _rules_for(report, "5.2.2") and priv.rules
    assert priv.status == "fail" and priv.counts["fail"] >= 1 and priv.counts["pass"] >= 1
    assert [f["resource"] for f in priv.failing] == ["v1/Pod/team/bad<img src=x onerror=alert(1)>|`x`"]
    assert priv.failing[0]["file"] == "pods.yaml" and priv.failing[0]["line"] == 8  # the privileged flag
    assert priv.pass_pct is not None and 0 < priv.pass_pct < 100
    assert by["5.2.3"].status == "pass" and by["5.2.3"].pass_pct == 100.0
    assert by["5.9.9"].status == "not-covered" and by["5.9.8"].status == "manual"
    assert by["5.1.1"].status == "not-applicable"  # covered, but no binding in the scanned files
    s = cr.summary()
    assert s["controls"] == 5 and s["code_checkable"] == 4 and s["covered"] == 3
    assert s["coverage_percent"] == 75.0 and s["by_status"]["fail"] == 1 and s["evaluated"] == 2


def test_every_format_renders_and_escapes_scanned_values(report) -> None:
    fw = parse(CATALOGUE, "demo.yaml")
    doc = json.loads(render("compliance-json", report, fw))
    assert doc["framework"]["id"] == "demo-1.0" and len(doc["controls"]) == 5
    md = render("compliance-md", report, fw)
    assert "| 5.2.2 |" in md and "not-covered" in md
    # markup, pipes and backticks from the scanned file are backslash-escaped: shown, never rendered
    assert not re.search(r"(?<!\\)[<|`]", next(line for line in md.splitlines() if "onerror" in line))
    page = render("compliance-html", report, fw)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page

    class Strict(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.tags: set[str] = set()

        def handle_starttag(self, tag, attrs):  # noqa: ANN001
            self.tags.add(tag)
            if tag not in ("meta", "br", "link"):
                self.stack.append(tag)

        def handle_endtag(self, tag):  # noqa: ANN001
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()

    p = Strict()
    p.feed(page.replace("<!DOCTYPE html>", ""))
    assert not p.stack and {"script", "img"}.isdisjoint(p.tags) and "table" in p.tags


def test_invalid_catalogues_name_the_file_and_the_problem() -> None:
    bad = {**CATALOGUE, "controls": [{"id": "1", "title": "x"}, {"id": "1", "title": "y"}]}
    with pytest.raises(CatalogueError, match=r"(?s)bad.yaml.*duplicate control cis-kubernetes/1"):
        parse(bad, "bad.yaml")
    with pytest.raises(CatalogueError, match=r"(?s)bad.yaml.*rule_tags"):
        parse({k: v for k, v in CATALOGUE.items() if k != "rule_tags"}, "bad.yaml")
    two = {**CATALOGUE, "rule_tags": ["pss-baseline", "pss-restricted"], "controls": [{"id": "Seccomp", "title": "x"}]}
    with pytest.raises(CatalogueError, match="tag"):
        parse(two, "bad.yaml")


def test_coverage_table_counts_checkable_controls(report) -> None:
    fw = parse(CATALOGUE, "demo.yaml")
    table = coverage_table([fw], report.rules)
    assert "| Demo benchmark 1.0 (`demo-1.0`) | 5 | 4 | 3 | 75% |" in table


def _cli(*args: str) -> tuple[int, str, str]:

    from policyguard.commands import main

    runner = cli_runner()
    r = runner.invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_compliance_command_uses_every_mapped_rule_and_bundled_catalogues(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(PODS)
    code, out, _ = _cli("compliance", str(tmp_path), "--framework", "pss", "-f", "compliance-json")
    assert code == 0
    doc = json.loads(out)
    by = {(c["tag"], c["id"]): c for c in doc["controls"]}
    assert by[("pss-baseline", "Privileged Containers")]["status"] == "fail"
    # restricted controls run although their rules are in the strict profile
    assert by[("pss-restricted", "Running as Non-root")]["status"] == "fail"
    assert doc["summary"]["coverage_percent"] == 100.0


def test_compliance_command_errors(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(PODS)
    code, _, err = _cli("compliance", str(tmp_path), "--framework", "cis-aws-30")
    assert code == 2 and "did you mean cis-aws-3.0" in err
    code, _, err = _cli("compliance", str(tmp_path))
    assert code == 2 and "exactly one --framework" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    code, _, err = _cli("compliance", str(empty), "--framework", "pss")
    assert code == 3
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    report = tmp_path / "out" / "c.json"
    code, _, err = _cli("compliance", str(tmp_path), "--framework", "pss", "-f", "compliance-json", "-o", str(report))
    assert code == 2 and "broken.yaml" in err
    assert json.loads(report.read_text())["errors"][0]["file"].endswith("broken.yaml")


def test_coverage_listing(tmp_path: Path) -> None:
    code, out, _ = _cli("compliance", "--coverage")
    assert code == 0 and "`cis-kubernetes-1.10`" in out
    code, out, _ = _cli("compliance", "--coverage", "--framework", "pss")
    assert code == 0 and "| pss-baseline/Privileged Containers |" in out and "PG-K8S-POD-004" in out
