"""JUnit XML (GitLab, Jenkins, Azure DevOps test views), valid against the Jenkins xUnit
plugin's ``junit-10.xsd`` (the strictest reader: it refuses attributes outside the schema, so
locations go into the test name and the failure text, not ``file``/``line`` attributes).

One testsuite per rule; one testcase per rule x resource (``classname`` the rule id, ``name``
``<resource> in <file>``): unique by construction and free of line numbers, so CI test history
and GitLab's "new failures / fixed" comparison follow a resource across edits. The findings of
one rule on one resource (several containers, several attributes) are one test:

- a rule crash on it -> ``<error>``;
- else a fail (or an unknown counted as fail) -> ``<failure>`` (``type`` the severity), every
  failing location in its text with the remediation and the rule's documentation link;
- else suppressed or reported-only unknown -> ``<skipped>`` with the reason;
- else it passed (an unknown the gate counts as a pass is a pass).

Parse errors are ``<error>`` testcases of a ``parse-error`` suite (one per file); suppression
notices (stale, expired, rejected, invalid) are ``<skipped>`` testcases of a
``suppression-notice`` suite, so a suppression that does nothing is visible in CI test views too."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from policyguard.gate.report import Report
from policyguard.model import Finding, ParseError, Status
from policyguard.report.shared import doc_url

_COUNTS = ("tests", "failures", "errors", "skipped")


@dataclass(slots=True)
class _Suite:
    el: ET.Element
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))


class _Names:
    """(classname, name) pairs already used: a repeat (two notices on one line) gets `` (2)``."""

    def __init__(self) -> None:
        self.used: set[tuple[str, str]] = set()

    def unique(self, classname: str, name: str) -> str:
        out, n = name, 1
        while (classname, out) in self.used:
            n += 1
            out = f"{name} ({n})"
        self.used.add((classname, out))
        return out


def _case(suite: _Suite, names: _Names, classname: str, name: str) -> ET.Element:
    suite.counts["tests"] += 1
    return ET.SubElement(suite.el, "testcase", name=names.unique(classname, name), classname=classname, time="0")


def _where(report: Report, f: Finding) -> str:
    at = f"{report.rel(f.span.file)}:{f.span.start_line}:{f.span.start_col}"
    return f"{at} {f.resource_id}" + (f" {f.path}" if f.path else "")


def _fails(report: Report, f: Finding) -> bool:
    return f.status == Status.FAIL or (f.status == Status.UNKNOWN and report.verdict.unknown_as == "fail")


def _rule_case(report: Report, suite: _Suite, names: _Names, fs: list[Finding]) -> None:
    first = fs[0]
    meta = report.rule(first.rule_id)
    case = _case(suite, names, first.rule_id, f"{first.resource_id} in {report.rel(first.span.file)}")
    errors = [f for f in fs if f.status == Status.ERROR]
    failing = [f for f in fs if _fails(report, f)]
    if errors or failing:
        lines = []
        for f in errors + failing:
            line = f"{_where(report, f)}: [{f.severity.label}] {f.message or f.rule_id}"
            if f.status == Status.UNKNOWN:
                line += f" (unknown: depends on {', '.join(f.unknowns) or 'an unresolved value'}; counted as fail)"
            lines.append(line)
            if f.construct_path:
                lines.append(f"  construct: {f.construct_path}")
        others = [f for f in fs if f.status == Status.SUPPRESSED]
        lines += [f"{_where(report, f)}: suppressed" for f in others]
        if meta and meta.remediation:
            lines.append(f"remediation: {meta.remediation}")
        url = doc_url(report, first.rule_id)
        if url:
            lines.append(f"documentation: {url}")
        if errors:
            el = ET.SubElement(case, "error", message=errors[0].message or "rule error", type="rule-error")
            suite.counts["errors"] += 1
        else:
            worst = max(failing, key=lambda f: f.severity)
            extra = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
            el = ET.SubElement(case, "failure", message=(worst.message or worst.rule_id) + extra, type=worst.severity.label)
            suite.counts["failures"] += 1
        el.text = "\n".join(lines)
        return
    held = [f for f in fs if f.status == Status.SUPPRESSED or (f.status == Status.UNKNOWN and report.verdict.unknown_as == "report")]
    if held:
        reasons = []
        for f in held:
            if f.status == Status.SUPPRESSED and f.suppression is not None:
                s = f.suppression
                where = s.location if s.source == "baseline" else report.rel_location(s.location)
                reasons.append(f"suppressed ({s.source} {where}): {s.reason or 'no reason given'}")
            elif f.status == Status.SUPPRESSED:
                reasons.append("suppressed")
            else:
                reasons.append(f"unknown: depends on {', '.join(f.unknowns) or 'an unresolved value'}")
        el = ET.SubElement(case, "skipped", message=reasons[0])
        el.text = "\n".join(f"{_where(report, f)}: {r}" for f, r in zip(held, reasons, strict=True))
        suite.counts["skipped"] += 1


def _suite(root: ET.Element, name: str) -> _Suite:
    return _Suite(ET.SubElement(root, "testsuite", name=name))


def render(report: Report, *, color: bool = False) -> str:
    root = ET.Element("testsuites", name="policyguard")
    names = _Names()
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in sorted(report.findings, key=lambda f: (f.rule_id, report.rel(f.span.file), f.resource_id,
                                                    f.span.start_line, f.span.start_col, f.path)):
        groups.setdefault((f.rule_id, report.rel(f.span.file), f.resource_id), []).append(f)
    suites: list[_Suite] = []
    current: _Suite | None = None
    current_rule = ""
    for (rule_id, _, _), fs in groups.items():
        if current is None or current_rule != rule_id:
            meta = report.rule(rule_id)
            current, current_rule = _suite(root, f"{rule_id}: {meta.title}" if meta else rule_id), rule_id
            suites.append(current)
            props = ET.SubElement(current.el, "properties")
            ET.SubElement(props, "property", name="severity", value=(meta.severity.label if meta else fs[0].severity.label))
            url = doc_url(report, rule_id)
            if url:
                ET.SubElement(props, "property", name="documentation", value=url)
        _rule_case(report, current, names, fs)
    if report.errors:
        suite = _suite(root, "parse-error")
        suites.append(suite)
        by_file: dict[str, list[ParseError]] = {}
        for e in report.errors:
            by_file.setdefault(report.rel(e.file), []).append(e)
        for rel, errs in by_file.items():
            case = _case(suite, names, "parse-error", rel)
            el = ET.SubElement(case, "error", message=errs[0].message, type=str(errs[0].kind))
            el.text = "\n".join(f"{rel}:{e.line}:{e.column}: {e.kind}: {e.message}" for e in errs)
            suite.counts["errors"] += 1
    if report.notices:
        suite = _suite(root, "suppression-notice")
        suites.append(suite)
        for notice in report.notices:
            rel = report.rel(notice.file)
            subject = " ".join(x for x in (notice.rule_id, notice.resource_id) if x)
            case = _case(suite, names, "suppression-notice",
                         f"{rel}:{notice.line} {notice.subject} {notice.kind}" + (f" {subject}" if subject else ""))
            ET.SubElement(case, "skipped", message=f"{notice.subject} {notice.kind}: {notice.message}")
            suite.counts["skipped"] += 1
    totals = dict.fromkeys(_COUNTS, 0)
    for s in suites:
        for k in _COUNTS:
            s.el.set(k, str(s.counts[k]))
            totals[k] += s.counts[k]
    for k in ("tests", "failures", "errors"):  # the schema has no ``skipped`` on <testsuites>
        root.set(k, str(totals[k]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
