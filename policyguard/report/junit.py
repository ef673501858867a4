"""JUnit XML (GitLab, Jenkins, Azure DevOps): one testsuite per rule, one testcase per
rule x resource. fail -> <failure>, rule crash -> <error>, suppressed / reported-only unknown ->
<skipped> with the reason; parse errors are testcases of a ``parse-error`` suite; suppression
notices (stale, expired, rejected, invalid) are <skipped> testcases of a ``suppression-notice``
suite, so a suppression that does nothing is visible in CI test views too."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from policyguard.gate.report import Report
from policyguard.model import Finding, Status


def _case(report: Report, suite: ET.Element, f: Finding) -> tuple[str, str]:
    loc = f"{report.rel(f.span.file)}:{f.span.start_line}"
    case = ET.SubElement(
        suite, "testcase", name=f"{f.resource_id} ({loc})", classname=f.rule_id, file=report.rel(f.span.file),
        line=str(f.span.start_line),
    )
    meta = report.rule(f.rule_id)
    detail = [f"{loc}: {f.rule_id} [{f.severity.label}] {f.resource_id}"]
    if f.path:
        detail.append(f"attribute: {f.path}")
    if f.message:
        detail.append(f.message)
    if meta and meta.remediation:
        detail.append(f"remediation: {meta.remediation}")
    if f.status == Status.FAIL or (f.status == Status.UNKNOWN and report.verdict.unknown_as == "fail"):
        el = ET.SubElement(case, "failure", message=f.message or f.rule_id, type=f.severity.label)
        if f.status == Status.UNKNOWN:
            detail.append(f"unknown: depends on {', '.join(f.unknowns)} (counted as fail)")
        el.text = "\n".join(detail)
        return "failures", ""
    if f.status == Status.ERROR:
        el = ET.SubElement(case, "error", message=f.message or "rule error", type="rule-error")
        el.text = "\n".join(detail)
        return "errors", ""
    if f.status == Status.SUPPRESSED and f.suppression is not None:
        s = f.suppression
        ET.SubElement(case, "skipped", message=f"suppressed ({s.source} {s.location}): {s.reason or 'no reason given'}")
        return "skipped", ""
    if f.status == Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=f"unknown: depends on {', '.join(f.unknowns) or 'an unresolved value'}")
        return "skipped", ""
    return "", ""


def render(report: Report, *, color: bool = False) -> str:
    root = ET.Element("testsuites", name="policyguard")
    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.status == Status.UNKNOWN and report.verdict.unknown_as == "pass":
            continue
        by_rule.setdefault(f.rule_id, []).append(f)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for rule_id in sorted(by_rule):
        meta = report.rule(rule_id)
        suite = ET.SubElement(root, "testsuite", name=f"{rule_id}: {meta.title}" if meta else rule_id)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for f in sorted(by_rule[rule_id], key=lambda f: (f.span.file, f.span.start_line, f.resource_id)):
            kind, _ = _case(report, suite, f)
            counts["tests"] += 1
            if kind:
                counts[kind] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name="parse-error")
        for e in report.errors:
            rel = report.rel(e.file)
            case = ET.SubElement(suite, "testcase", name=f"{rel}:{e.line}:{e.column}", classname="parse-error",
                                 file=rel, line=str(e.line))
            el = ET.SubElement(case, "error", message=e.message, type=str(e.kind))
            el.text = f"{rel}:{e.line}:{e.column}: {e.kind}: {e.message}"
        n = len(report.errors)
        for k, v in {"tests": n, "failures": 0, "errors": n, "skipped": 0}.items():
            suite.set(k, str(v))
            totals[k] += v
    if report.notices:
        suite = ET.SubElement(root, "testsuite", name="suppression-notice")
        for notice in report.notices:
            rel = report.rel(notice.file)
            case = ET.SubElement(suite, "testcase", name=f"{rel}:{notice.line} {notice.subject} {notice.kind}",
                                 classname="suppression-notice", file=rel, line=str(notice.line))
            ET.SubElement(case, "skipped", message=f"{notice.subject} {notice.kind}: {notice.message}")
        n_notices = len(report.notices)
        for k, v in {"tests": n_notices, "failures": 0, "errors": 0, "skipped": n_notices}.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
