"""GitLab Code Quality report (the Code Climate issue format GitLab reads): the merge request's
code quality widget and the diff annotations. ``artifacts: reports: codequality: gl-code-quality.json``.

One issue per failing finding (and per unknown the gate does not pass, as ``info``: it may be
fine), keyed by the finding's fingerprint, which GitLab uses to tell new issues from old ones, so
it must be unique and survive line moves; parse errors are issues of the check ``parse-error``.
Suppressed and passing findings are left out."""

from __future__ import annotations

import json
from typing import Any

from policyguard.gate.report import Report
from policyguard.model import Finding, Severity, Status
from policyguard.report.shared import doc_url, shown, stable_id

# GitLab's scale has five steps like ours: info, minor, major, critical, blocker
SEVERITY = {Severity.INFO: "info", Severity.LOW: "minor", Severity.MEDIUM: "major", Severity.HIGH: "critical",
            Severity.CRITICAL: "blocker"}


def issue(report: Report, f: Finding) -> dict[str, Any]:
    meta = report.rule(f.rule_id)
    file = report.rel(f.span.file)
    what = f.message or (meta.title if meta else f.rule_id)
    unknown = f.status == Status.UNKNOWN
    if unknown:
        what += f" (undecided: depends on {', '.join(f.unknowns) or 'an unresolved value'})"
    body = [x for x in (meta.remediation if meta else "", doc_url(report, f.rule_id)) if x]
    out: dict[str, Any] = {
        "type": "issue",
        "check_name": f.rule_id,
        "description": f"{f.rule_id}: {what} [{f.resource_id}{'.' + f.path if f.path else ''}]",
        "categories": ["Security"],
        "fingerprint": f.fingerprint or stable_id(f.rule_id, file, f.resource_id, f.path),
        "severity": "info" if unknown and report.verdict.unknown_as != "fail" else SEVERITY[f.severity],
        "location": {"path": file, "lines": {"begin": f.span.start_line, "end": max(f.span.end_line, f.span.start_line)}},
    }
    if body:
        out["content"] = {"body": "\n\n".join(body)}
    return out


def build(report: Report) -> list[dict[str, Any]]:
    findings = sorted((f for f in report.findings if shown(report, f) or f.status == Status.ERROR),
                      key=lambda f: (report.rel(f.span.file), f.span.start_line, f.rule_id, f.fingerprint))
    issues = []
    for f in findings:
        i = issue(report, f)
        if f.status == Status.ERROR:  # the rule crashed: the resource was not judged
            i["description"] = f"{f.rule_id}: rule error, {f.resource_id} was not judged: {f.message or 'rule error'}"
            i["severity"] = "critical"
        issues.append(i)
    for e in report.errors:  # a file that could not be read is judged by nothing: the gate fails (exit 2)
        rel = report.rel(e.file)
        issues.append({
            "type": "issue", "check_name": "parse-error", "description": f"{e.kind}: {e.message} (nothing in this file was judged)",
            "categories": ["Bug Risk"], "fingerprint": stable_id("parse-error", rel, str(e.kind), e.message),
            "severity": "critical", "location": {"path": rel, "lines": {"begin": max(e.line, 1)}},
        })
    seen: dict[str, int] = {}
    for i in issues:  # GitLab keeps only the first issue of a fingerprint
        n = seen.get(i["fingerprint"], 0)
        seen[i["fingerprint"]] = n + 1
        if n:
            i["fingerprint"] += f":{n}"
    return issues


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
