"""Human report, read in a terminal, a CI log or a pre-commit run.

Failures are grouped by rule: one header per rule (severity, id, title, remediation, the rule's
page), then one line per location ``file:line:col  resource  what is wrong``, so a remediation
is read once, not once per finding. With snippets (``Report.snippets``: the default on a
terminal) each location is followed by the offending lines, the judged line marked; in compact
form (pipes, CI logs, the pre-commit hook) the findings of one rule on one resource share a
line. Unknowns, rule errors and suppressions are grouped the same way, file errors by file; a
summary table (per severity and per rule) and the gate verdict come last.

Colour (click's ``style``) only when asked for (a TTY without ``NO_COLOR``, decided by the
command). Scanned text (snippets, messages quoting values) has its control characters replaced,
so a file cannot drive the reader's terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from policyguard.gate.report import Report
from policyguard.model import Finding, ParseError, RuleMeta, Severity, Status

_SEV_COLOR = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.INFO: "white",
}
SNIPPET_CONTEXT = 1  # lines shown before and after a one-line span
SNIPPET_MAX = 4  # lines of a multi-line span shown (a whole resource block: its first lines)
LINE_WIDTH = 160  # characters of one source line shown
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# a rule that withholds the value it judged says so; its snippet withholds it too
_WITHHELD = ("****#", "redacted", "value not shown")

Style = Callable[..., str]


def _styler(color: bool) -> Style:
    if not color:
        return lambda text, **_: text
    import click

    return lambda text, **kw: click.style(text, **kw)


def clean(text: str) -> str:
    """Scanned text made safe to print: tabs as spaces, other control characters (escape
    sequences, carriage returns) as U+FFFD."""
    return _CONTROL.sub("\ufffd", text.replace("\t", "    "))


@dataclass(slots=True)
class _Group:
    """One rule's findings of one kind (failed, unknown, rule error, suppressed)."""

    rule_id: str
    meta: RuleMeta | None
    severity: Severity
    findings: list[Finding] = field(default_factory=list)


def _visible(f: Finding, report: Report) -> bool:
    if f.status == Status.PASS:
        return False
    if f.status == Status.UNKNOWN and report.verdict.unknown_as == "pass":
        return False
    if report.quiet:
        return f.status == Status.ERROR or report.counts_against(f)
    if f.status == Status.SUPPRESSED and f.suppression is not None and f.suppression.source == "baseline":
        return report.verbose  # a baseline's known findings are counted; --verbose lists them
    return True


_LISTED = (Status.FAIL, Status.UNKNOWN, Status.ERROR, Status.SUPPRESSED)


@dataclass(slots=True)
class _Read:
    """What the text report needs of the findings, read in one pass (a large scan's findings
    are read back from disk each time they are iterated): the listed ones by status, and the
    summary's counts."""

    listed: dict[Status, list[Finding]]
    sev_counts: dict[Severity, dict[str, int]]
    rule_counts: dict[str, dict[str, int]]
    rule_sev: dict[str, Severity]
    rule_errors: int


_COLS = ("fail", "unknown", "suppressed", "pass")


def _read(report: Report) -> _Read:
    listed: dict[Status, list[Finding]] = {s: [] for s in _LISTED}
    sev_counts = {s: dict.fromkeys(_COLS, 0) for s in Severity}
    rule_counts: dict[str, dict[str, int]] = {}
    rule_sev: dict[str, Severity] = {}
    rule_errors = 0
    for f in report.findings:
        status = f.status
        if status != Status.PASS and _visible(f, report):
            listed[status].append(f)
        if status == Status.ERROR:
            rule_errors += 1
            continue
        key = str(status)
        sev_counts[f.severity][key] += 1
        rule_counts.setdefault(f.rule_id, dict.fromkeys(_COLS, 0))[key] += 1
        rule_sev[f.rule_id] = max(rule_sev.get(f.rule_id, Severity.INFO), f.severity)
    return _Read(listed, sev_counts, rule_counts, rule_sev, rule_errors)


def _groups(report: Report, findings: list[Finding]) -> list[_Group]:
    """``findings`` (of one status, all visible) grouped by rule."""
    by_rule: dict[str, _Group] = {}
    for f in findings:
        g = by_rule.get(f.rule_id)
        if g is None:
            meta = report.rule(f.rule_id)
            g = by_rule[f.rule_id] = _Group(f.rule_id, meta, meta.severity if meta else f.severity)
        g.findings.append(f)
        g.severity = max(g.severity, f.severity)
    for g in by_rule.values():
        g.findings.sort(key=lambda f: (report.rel(f.span.file), f.span.start_line, f.span.start_col, f.resource_id))
    return sorted(by_rule.values(), key=lambda g: (-g.severity, g.rule_id))


def _location(report: Report, f: Finding) -> str:
    at = report.anchor(f)  # a module downloaded into the cache: shown at the call in the repository
    return f"{report.rel(at.file)}:{at.start_line}:{at.start_col}"


def _notes(report: Report, f: Finding) -> list[str]:
    """Per-location lines under the location: where the resource comes from and why it is not
    judged: its CDK construct, the chart it was rendered from, the module calls that made it."""
    out = []
    if f.construct_path:
        out.append(f"construct: {f.construct_path}")
    if f.origin:
        out.append(f"from: {f.origin}")
    if f.call_chain:
        out.append(f"in {report.called_from(f)}")
        if report.anchor(f) is not f.span:
            out.append(f"defined at {report.rel(f.span.file)}:{f.span.start_line}")
    note = report.unknown_note(f)
    if note and f.status == Status.UNKNOWN:
        out.append(note.replace("unknown: ", "", 1))
    s = f.suppression
    if f.status == Status.SUPPRESSED and s is not None:
        where = s.location if s.source == "baseline" else report.rel_location(s.location)
        extra = "".join(f" {k}={v}" for k, v in (("owner", s.owner), ("expires", s.expires)) if v)
        by = f"PolicyException {s.name}" if s.name else s.source
        out.append(f"suppressed by {by} ({where}): {s.reason or 'no reason given'}{extra}")
    return [clean(n) for n in out]


def _snippet(report: Report, f: Finding, st: Style) -> list[str]:
    """The offending lines of ``f``'s span, the judged line marked (and its span highlighted)."""
    if report.sources is None:
        return []
    lines = report.sources.lines(f.span.file)
    if not lines:
        return []
    s = f.span
    first = max(s.start_line, 1)
    if first > len(lines):
        return []
    last = min(max(s.end_line, first), len(lines))
    if last == first:
        lo, hi = max(first - SNIPPET_CONTEXT, 1), min(first + SNIPPET_CONTEXT, len(lines))
    else:
        lo, hi = first, min(last, first + SNIPPET_MAX - 1)
    one_line = s.end_line == first and s.end_col > s.start_col
    # a value the rule withheld ("redacted") is withheld here too, whatever the masking found
    withheld = one_line and any(w in f.message for w in _WITHHELD)
    width = len(str(hi))
    out = []
    for n in range(lo, hi + 1):
        text = lines[n - 1]
        marked = n == first  # the judged attribute's line, or a block's first line
        if marked and withheld:
            head, mid, tail = clean(report.sources.line_withholding(s.file, n, s.start_col, s.end_col) or ""), "", ""
        elif marked and one_line and not report.sources.masked_at(s.file, n):  # columns still fit
            a, b = s.start_col - 1, s.end_col - 1
            head, mid, tail = clean(text[:a]), clean(text[a:b]), clean(text[b:])
        else:
            head, mid, tail = clean(text), "", ""
        if len(head) + len(mid) + len(tail) > LINE_WIDTH:
            keep = LINE_WIDTH
            head, mid, tail = head[:keep], mid[: max(keep - len(head), 0)], ""
            tail = "…"
        body = head + (st(mid, fg="red", bold=True, underline=True) if mid else "") + tail
        gutter = f"{'>' if marked else ' '} {n:>{width}} | "
        out.append(("    " + (st(gutter, fg="red", bold=True) if marked else st(gutter, dim=True)) + body).rstrip())
    return out


def _rule_header(report: Report, g: _Group, st: Style, label: str, count: str) -> list[str]:
    sev = g.severity
    title = g.meta.title if g.meta else ""
    head = f"{st(sev.label.upper(), fg=_SEV_COLOR[sev], bold=True)}  {st(g.rule_id, bold=True)}"
    if title:
        head += f"  {title}"
    head += st(f"  [{count}]", dim=True)
    out = [head]
    if g.meta is not None and g.meta.remediation and label != "suppressed":
        fix = g.meta.remediation
        if g.meta.fixable:
            fix += " (policyguard fix" + (" --unsafe" if g.meta.fix_safety != "safe" else "") + " can apply it)"
        out.append(f"  {st('fix:', bold=True)}  {clean(fix)}")
    url = report.doc_url(g.rule_id)
    if url:
        out.append(f"  {st('docs:', bold=True)} {url}")
    return out


def _group_lines(report: Report, g: _Group, st: Style, label: str) -> list[str]:
    title = g.meta.title if g.meta else ""
    out: list[str] = []
    if report.snippets:
        out += _rule_header(report, g, st, label, f"{len(g.findings)} {label}")
        for f in g.findings:  # what is wrong on a line of its own: a terminal is narrower than a log
            text = report.text(f)
            out.append(f"  {st(_location(report, f), bold=True)}  {f.resource_id}")
            out += [f"      {n}" for n in ([clean(text)] if text != title else []) + _notes(report, f)]
            out += _snippet(report, f, st)
        return out
    # compact: a rule's findings on one resource id share a line that names every location
    # (several containers or values of one object; the same object defined in several files)
    by_res: dict[str, list[Finding]] = {}
    for f in g.findings:
        by_res.setdefault(f.resource_id, []).append(f)
    count = f"{len(g.findings)} {label}"
    if len(by_res) != len(g.findings):
        count += f" on {len(by_res)} resource{'s' if len(by_res) != 1 else ''}"
    out += _rule_header(report, g, st, label, count)
    for rid, fs in by_res.items():
        f = fs[0]
        text = report.text(f)
        line = f"  {st(_location(report, f), bold=True)}  {rid}" + (f"  {clean(text)}" if text != title else "")
        if len(fs) > 1:
            home = report.rel(f.span.file)
            more = ", ".join(f"{x.span.start_line}:{x.span.start_col}" if report.rel(x.span.file) == home
                             else _location(report, x) for x in fs[1:])
            line += st(f"  (+{len(fs) - 1} more at {more})", dim=True)
        out.append(line)
        notes = list(dict.fromkeys(n for x in fs for n in _notes(report, x)))
        out += [f"      {n}" for n in notes]
    return out


def _section(title: str, st: Style) -> str:
    return st(title, bold=True, underline=True)


def _errors(report: Report, st: Style) -> list[str]:
    by_file: dict[str, list[ParseError]] = {}
    for e in report.errors:
        by_file.setdefault(report.rel(e.file), []).append(e)
    out = [_section(f"File errors ({len(report.errors)}): these files were not judged", st)]
    for file in sorted(by_file):
        for e in sorted(by_file[file], key=lambda e: (e.line, e.column)):
            out.append(f"  {st(f'{file}:{e.line}:{e.column}', bold=True)}  {st(str(e.kind), fg='red', bold=True)}  "
                       f"{clean(e.message)}")
    return out


def _table(rows: list[list[str]], st: Style, numeric_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        cells = [c.rjust(widths[i]) if i >= numeric_from else c.ljust(widths[i]) for i, c in enumerate(r)]
        line = "  " + "  ".join(cells).rstrip()
        out.append(st(line, bold=True) if k == 0 else line)
    return out


def _summary(report: Report, st: Style, read: _Read) -> list[str]:
    cols = _COLS
    sev_counts, rule_counts, rule_sev, rule_errors = read.sev_counts, read.rule_counts, read.rule_sev, read.rule_errors
    header = ["failed", "unknown", "suppressed", "passed"]
    out = [_section("Summary", st)]
    rows = [["severity", *header]]
    for s in sorted(Severity, reverse=True):
        c = sev_counts[s]
        if any(c.values()):
            rows.append([s.label, *(str(c[k]) for k in cols)])
    total = {k: sum(c[k] for c in sev_counts.values()) for k in cols}
    rows.append(["total", *(str(total[k]) for k in cols)])
    out += _table(rows, st, 1)
    shown = sorted((rid for rid, c in rule_counts.items() if c["fail"] or c["unknown"] or c["suppressed"]),
                   key=lambda rid: (-rule_sev[rid], -rule_counts[rid]["fail"], rid))
    if shown:
        out.append("")
        rows = [["rule", "severity", *header]]
        rows += [[rid, rule_sev[rid].label, *(str(rule_counts[rid][k]) for k in cols)] for rid in shown]
        out += _table(rows, st, 2)
    clean_rules = len(rule_counts) - len(shown)
    unused = len(report.rules) - len(rule_counts)
    if clean_rules or unused:
        parts = [f"{clean_rules} other rule(s) passed everywhere they applied"] if clean_rules else []
        if unused:
            parts.append(f"{unused} found nothing to judge")
        out.append("  " + "; ".join(parts))
    out.append("")
    skipped = ""
    if report.skipped:
        skipped = f", {len(report.skipped)} skipped" + ("" if report.verbose else " (--verbose lists them)")
    errored = len({e.file for e in report.errors})
    out.append(f"Files: {len(report.files)} scanned{skipped}"
               + (f", {errored} not judged (errors above)" if errored else ", none with errors"))
    unknown_how = {"fail": "counted as fail", "pass": "counted as pass"}.get(report.verdict.unknown_as, "reported only")
    rules_line = f"Rules: {len(report.rules)} evaluated; unknowns {unknown_how}"
    if rule_errors:
        rules_line += f"; {rule_errors} rule error(s)"
    out.append(rules_line)
    if report.unconfigured:  # not a pass: these rules judged nothing
        out.append(f"{len(report.unconfigured)} rule(s) not evaluated for want of configuration (needs: "
                   + ", ".join(report.needs_text()) + " in .policyguard.yaml)")
    return out


def render(report: Report, *, color: bool = False) -> str:
    st = _styler(color)
    out: list[str] = []
    sections = (
        (Status.FAIL, "Failed", "", "failed"),
        (Status.UNKNOWN, "Unknown", ": not decidable from the files, "
         + ("counted as fail" if report.verdict.unknown_as == "fail" else "reported, not failing"), "unknown"),
        (Status.ERROR, "Rule errors", ": these rules crashed on these resources", "errors"),
        (Status.SUPPRESSED, "Suppressed", "", "suppressed"),
    )
    read = _read(report)
    for status, title, why, label in sections:
        groups = _groups(report, read.listed[status])
        if not groups:
            continue
        count = sum(len(g.findings) for g in groups)
        out.append(_section(f"{title} ({count} in {len(groups)} rule{'s' if len(groups) != 1 else ''}){why}", st))
        for g in groups:
            out += _group_lines(report, g, st, label)
            out.append("")
    if report.errors:
        out += _errors(report, st)
        out.append("")

    if report.notices:
        title = "Suppressions" if all(n.subject == "suppression" for n in report.notices) else "Notices"
        out.append(_section(title, st))
        for n in report.notices:
            label = n.kind.upper() if n.subject == "suppression" else f"{n.subject.upper()} {n.kind.upper()}"
            kind = st(label, fg="yellow" if n.kind == "stale" else "red")
            out.append(f"  {report.rel(n.file)}:{n.line}  {kind}  {clean(n.message)}")
        out.append("")

    if report.verbose and report.skipped:
        out.append(_section(f"Skipped (not scanned): {len(report.skipped)} file(s)", st))
        out.extend(f"  {report.rel(file)}: {why}" for file, why in report.skipped)
        out.append("")

    if report.layout_note:
        out += [st(report.layout_note, dim=True), ""]
    out += _summary(report, st, read)
    if report.display_filter is not None:  # a hidden failure must not read as a pass
        out.append(st(report.filter_text(), fg="yellow", bold=True))
    if report.baseline is not None:
        b = report.baseline
        out.append(f"Baseline {b['path']}: {b['matched']} known finding(s) suppressed, {b['new']} new, "
                   f"{len(b['absent'])} fixed since the baseline")
    v = report.verdict
    gate = st("PASS", fg="green", bold=True) if v.exit_code == 0 else st("FAIL", fg="red", bold=True)
    out.append(f"Gate: {gate} (exit {v.exit_code}): {v.reason}")
    return "\n".join(out) + "\n"
