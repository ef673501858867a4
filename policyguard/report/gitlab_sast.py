"""GitLab Security report, ``sast`` type (security-report-schemas 15.2.1): the merge request's
security widget and the vulnerability report. ``artifacts: reports: sast: gl-sast-report.json``.

Each failing (and each unknown the gate does not pass) finding is one vulnerability: its id is a
UUID derived from the finding's fingerprint (so GitLab sees the same vulnerability again after
lines move), its primary identifier is the rule id, compliance tags follow as more identifiers.
Suppressed and passing findings are left out (GitLab would list them as open). Parse errors and
rule errors are ``scan.messages``; a scan the gate ends with exit 2 has ``status: failure``."""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from typing import Any

from policyguard.gate.report import Report
from policyguard.model import Finding, Status
from policyguard.report.shared import doc_url, shown, stable_id

SCHEMA_VERSION = "15.2.1"
SCHEMA_URL = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/sast-report-format.json")
_SOLUTION_MAX = 7000  # the schema's maxLength for ``solution``
_NAME_MAX = 255


_MD_SPECIAL = frozenset("\\`*_{}[]()<>#!|~&")


def _md(text: str) -> str:
    """Scanned text (messages quote values, ids come from files) as literal GitLab Markdown: a value
    like ``![x](https://tracker/)`` must not become an image or a link in the vulnerability page."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in " ".join(text.split()))


def _time(t: _dt.datetime | None) -> str:
    """``yyyy-mm-ddThh:mm:ss`` in UTC, as the schema's pattern wants (no zone, no fraction)."""
    return (t or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _tool(report: Report) -> dict[str, Any]:
    return {"id": "policyguard", "name": "policyguard", "version": report.tool_version or "0",
            "vendor": {"name": "policyguard"}}


def vulnerability(report: Report, f: Finding) -> dict[str, Any]:
    meta = report.rule(f.rule_id)
    url = doc_url(report, f.rule_id)
    primary: dict[str, Any] = {"type": "policyguard_rule_id", "name": f"policyguard {f.rule_id}", "value": f.rule_id}
    if url:
        primary["url"] = url
    identifiers = [primary]
    for fw, ids in sorted((meta.frameworks if meta else {}).items()):
        identifiers += [{"type": fw, "name": f"{fw} {cid}", "value": str(cid)} for cid in ids]
    file = report.rel(f.span.file)
    lines = [_md(f.message) if f.message else (meta.title if meta else f.rule_id), "",
             f"Resource: {_md(f.resource_id)} ({_md(f.resource_type)})"]
    if f.path:
        lines.append(f"Attribute: {_md(f.path)}")
    if f.status == Status.UNKNOWN:
        lines.append(f"policyguard could not decide: the result depends on {_md(', '.join(f.unknowns)) or 'an unresolved value'}.")
    if meta and meta.description:
        lines += ["", meta.description]
    v: dict[str, Any] = {
        # derived from the fingerprint, which is stable across line moves: GitLab wants a UUID
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "policyguard:" + (f.fingerprint or stable_id(
            f.rule_id, file, f.resource_id, f.path)))),
        "name": ((meta.title if meta else "") or f.rule_id)[:_NAME_MAX],
        "description": "\n".join(lines),
        "severity": f.severity.label.capitalize(),
        "identifiers": identifiers,
        "location": {"file": file, "start_line": f.span.start_line, "end_line": max(f.span.end_line, f.span.start_line)},
        "details": {
            "resource": {"type": "text", "name": "Resource", "value": f.resource_id},
            "status": {"type": "text", "name": "policyguard status", "value": str(f.status)},
            "fingerprint": {"type": "text", "name": "Fingerprint", "value": f.fingerprint},
        },
    }
    if meta and meta.remediation:
        v["solution"] = meta.remediation[:_SOLUTION_MAX]
    if url:
        v["links"] = [{"name": f"{f.rule_id} documentation", "url": url}]
        v["details"]["documentation"] = {"type": "url", "name": "Documentation", "href": url, "text": f.rule_id}
    return v


def build(report: Report) -> dict[str, Any]:
    findings = sorted((f for f in report.findings if shown(report, f)),
                      key=lambda f: (report.rel(f.span.file), f.span.start_line, f.rule_id, f.fingerprint))
    messages = [{"level": "warn", "value": f"{report.rel(e.file)}:{e.line}:{e.column}: {e.kind}: {e.message}"}
                for e in report.errors]
    messages += [{"level": "warn", "value": f"{report.rel(f.span.file)}:{f.span.start_line}: rule {f.rule_id} failed "
                  f"on {f.resource_id}: {f.message or 'rule error'}"} for f in report.findings if f.status == Status.ERROR]
    scan: dict[str, Any] = {
        "analyzer": _tool(report),
        "scanner": _tool(report),
        "type": "sast",
        "start_time": _time(report.started_at),
        "end_time": _time(report.finished_at or report.started_at),
        "status": "failure" if report.verdict.exit_code == 2 else "success",  # 2: errors, the scan is incomplete
    }
    if messages:
        scan["messages"] = messages
    return {"version": SCHEMA_VERSION, "schema": SCHEMA_URL, "scan": scan,
            "vulnerabilities": [vulnerability(report, f) for f in findings]}


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
