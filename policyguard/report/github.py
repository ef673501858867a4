"""GitHub Actions workflow commands (``::error file=...,line=...::message``): annotations on the
pull request diff without uploading SARIF. Findings that fail the gate are errors, other
failures warnings, reported-only unknowns and suppression notices notices."""

from __future__ import annotations

from policyguard.gate.report import Report
from policyguard.model import Status


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _cmd(level: str, file: str, line: int, col: int, end_line: int, end_col: int, title: str, message: str) -> str:
    props = [f"file={_prop(file)}", f"line={line}", f"col={col}"]
    if end_line:
        props.append(f"endLine={end_line}")
        if end_line == line and end_col > col:
            props.append(f"endColumn={end_col}")
    props.append(f"title={_prop(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def render(report: Report, *, color: bool = False) -> str:
    out: list[str] = []
    for e in report.errors:
        out.append(_cmd("error", report.rel(e.file), e.line, e.column, 0, 0, f"policyguard {e.kind}", e.message))
    for f in report.findings:
        if f.status in (Status.PASS, Status.SUPPRESSED):
            continue
        if f.status == Status.UNKNOWN and report.verdict.unknown_as == "pass":
            continue
        if f.status == Status.ERROR:
            level = "error"
        elif report.counts_against(f):
            level = "error"
        elif f.status == Status.UNKNOWN:
            level = "notice"
        else:
            level = "warning"
        meta = report.rule(f.rule_id)
        msg = report.message(f)
        if f.construct_path:
            msg += f"\nConstruct: {f.construct_path}"
        if meta and meta.remediation and f.status != Status.ERROR:
            msg += f"\nRemediation: {meta.remediation}"
        url = report.doc_url(f.rule_id)
        if url:
            msg += f"\nDocs: {url}"
        title = f"{f.rule_id} ({f.severity.label})" + (" rule error" if f.status == Status.ERROR else "")
        if f.call_chain:
            msg += f"\nIn {report.called_from(f)}"
        s = report.anchor(f)
        out.append(_cmd(level, report.rel(s.file), s.start_line, s.start_col, s.end_line, s.end_col, title, msg))
    for n in report.notices:
        out.append(_cmd("warning" if n.kind != "stale" else "notice", report.rel(n.file), n.line, 1, 0, 0,
                        f"policyguard {n.subject} {n.kind}", n.message))
    v = report.verdict
    if report.display_filter is not None:
        out.append(f"::warning title=policyguard --severity::{report.filter_text()}")
    out.append(f"policyguard: exit {v.exit_code}: {v.reason}")
    return "\n".join(out) + "\n"
