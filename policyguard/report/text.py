"""Human report: grouped by file, coloured when writing to a TTY, plain otherwise."""

from __future__ import annotations

from collections.abc import Callable

from policyguard.gate.report import Report
from policyguard.model import Finding, Severity, Status

_SEV_COLOR = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.INFO: "white",
}
_STATUS_COLOR = {"FAIL": "red", "UNKNOWN": "yellow", "SUPPRESSED": "cyan", "ERROR": "red", "PASS": "green"}


def _styler(color: bool) -> Callable[..., str]:
    if not color:
        return lambda text, **_: text
    import click

    return lambda text, **kw: click.style(text, **kw)


def _shown(f: Finding, report: Report) -> bool:
    if f.status == Status.PASS:
        return False
    if f.status == Status.UNKNOWN and report.verdict.unknown_as == "pass":
        return False
    if report.quiet:
        return f.status == Status.ERROR or report.counts_against(f)
    return True


def render(report: Report, *, color: bool = False) -> str:
    st = _styler(color)
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for e in report.errors:
        line = f"  {e.line}:{e.column}  {st('ERROR', fg='red', bold=True)}  {e.kind}: {e.message}"
        by_file.setdefault(report.rel(e.file), []).append((e.line, e.column, line))
    for f in report.findings:
        if not _shown(f, report):
            continue
        label = str(f.status).upper()
        meta = report.rule(f.rule_id)
        sev = f.severity
        head = (
            f"  {f.span.start_line}:{f.span.start_col}  {st(label, fg=_STATUS_COLOR.get(label), bold=True)}  "
            f"{st(sev.label, fg=_SEV_COLOR[sev])}  {st(f.rule_id, bold=True)}  {f.resource_id}"
        )
        if f.path:
            head += f" ({f.path})"
        body = [head, f"      {f.message or (meta.title if meta else '')}"]
        if f.status == Status.UNKNOWN and f.unknowns:
            body.append(f"      unknown: depends on {', '.join(f.unknowns)}")
        if f.suppression is not None:
            s = f.suppression
            extra = "".join(f" {k}={v}" for k, v in (("owner", s.owner), ("expires", s.expires)) if v)
            body.append(f"      suppressed ({s.source} at {report.rel_location(s.location) if s.source != 'baseline' else s.location}): {s.reason or 'no reason given'}{extra}")
        elif meta is not None and meta.remediation and f.status in (Status.FAIL, Status.UNKNOWN):
            body.append(f"      fix: {meta.remediation}")
        by_file.setdefault(report.rel(f.span.file), []).append((f.span.start_line, f.span.start_col, "\n".join(body)))

    out: list[str] = []
    for file in sorted(by_file):
        out.append(st(file, bold=True, underline=True))
        for _, _, text in sorted(by_file[file], key=lambda t: (t[0], t[1])):
            out.append(text)
        out.append("")

    if report.notices:
        out.append(st("Suppressions" if all(n.subject == "suppression" for n in report.notices) else "Notices", bold=True))
        for n in report.notices:
            label = n.kind.upper() if n.subject == "suppression" else f"{n.subject.upper()} {n.kind.upper()}"
            kind = st(label, fg="yellow" if n.kind == "stale" else "red")
            out.append(f"  {report.rel(n.file)}:{n.line}  {kind}  {n.message}")
        out.append("")

    if report.baseline is not None:
        b = report.baseline
        out.append(
            f"Baseline {b['path']}: {b['matched']} known finding(s) suppressed, {b['new']} new, "
            f"{len(b['absent'])} fixed since the baseline"
        )

    if report.verbose and report.skipped:
        out.append(st("Skipped (not scanned)", bold=True))
        out.extend(f"  {report.rel(file)}: {why}" for file, why in report.skipped)
        out.append("")

    c = report.counts()
    failing = sum(1 for f in report.findings if report.counts_against(f))
    parts = [
        f"{c['fail']} failed ({failing} at or above {report.verdict.fail_on.label})",
        f"{c['unknown']} unknown" + (" (counted as fail)" if report.verdict.unknown_as == "fail" else
                                     " (counted as pass)" if report.verdict.unknown_as == "pass" else " (reported only)"),
        f"{c['suppressed']} suppressed",
        f"{c['pass']} passed",
    ]
    if c["error"]:
        parts.append(f"{c['error']} rule errors")
    if report.errors:
        parts.append(f"{len(report.errors)} file errors")
    skipped = f" ({len(report.skipped)} skipped{'' if report.verbose else ', --verbose lists them'})" if report.skipped else ""
    out.append(f"{len(report.files)} files{skipped}, {len(report.rules)} rules: " + ", ".join(parts))
    if report.unconfigured:  # not a pass: these rules judged nothing
        out.append(f"{len(report.unconfigured)} rule(s) not evaluated for want of configuration (needs: "
                   + ", ".join(report.needs_text()) + " in .policyguard.yaml)")
    if report.display_filter is not None:  # a hidden failure must not read as a pass
        out.append(st(report.filter_text(), fg="yellow", bold=True))
    v = report.verdict
    status = st("PASS", fg="green", bold=True) if v.exit_code == 0 else st("FAIL", fg="red", bold=True)
    out.append(f"Gate: {status} (exit {v.exit_code}): {v.reason}")
    return "\n".join(out) + "\n"
