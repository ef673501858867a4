"""Compliance reports: a scan's findings seen control by control of one framework.

For each control of the catalogue (``policyguard.frameworks``): the rules that cover it, the
pass / fail / unknown / error / suppressed counts of their findings, the share that passes and
the failing resources. A control no rule covers is ``not-covered`` (``manual`` when no file can
show it); a covered control with nothing to judge in the scanned files is ``not-applicable``.
Reads only the report (findings, rule metadata, errors) and the catalogue.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policyguard.model import Status
from policyguard.report import COMPLIANCE_FORMATS

if TYPE_CHECKING:
    from policyguard.frameworks import Control, Framework
    from policyguard.gate.report import Report

FORMATS = COMPLIANCE_FORMATS
MAX_LISTED = 200  # failing resources listed per control (the counts stay exact)

# control status, worst first: what a control shows when its findings disagree
_ORDER = ("fail", "error", "unknown", "pass", "not-applicable", "not-covered", "manual")


@dataclass(slots=True)
class ControlResult:
    control: Control
    rules: list[str]
    counts: dict[str, int] = field(default_factory=lambda: {str(s): 0 for s in Status})
    failing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return sum(self.counts[s] for s in ("pass", "fail", "unknown", "error"))

    @property
    def status(self) -> str:
        if not self.rules:
            return "manual" if self.control.assessable == "manual" else "not-covered"
        for s in ("fail", "error", "unknown", "pass"):
            if self.counts[s]:
                return s
        return "not-applicable" if not self.counts["suppressed"] else "pass"

    @property
    def pass_pct(self) -> float | None:
        return round(100.0 * self.counts["pass"] / self.judged, 1) if self.judged else None

    def to_dict(self) -> dict[str, Any]:
        c = self.control
        return {
            "id": c.id, "tag": c.tag, "title": c.title, "section": c.section, "assessable": c.assessable,
            "status": self.status, "rules": self.rules, "counts": dict(self.counts),
            "pass_percent": self.pass_pct, "failing": self.failing,
            "failing_listed": len(self.failing), "failing_total": self.counts["fail"],
        }


@dataclass(slots=True)
class ComplianceReport:
    framework: Framework
    controls: list[ControlResult]
    files: int
    errors: list[dict[str, Any]]
    # rules.params.<id>.<name> settings that rules of this framework wait for: those rules judged
    # nothing, so the controls they cover are judged without them
    needs_params: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        code = [c for c in self.controls if c.control.assessable == "code"]
        covered = [c for c in self.controls if c.rules]
        by_status = {s: sum(1 for c in self.controls if c.status == s) for s in _ORDER}
        evaluated = by_status["pass"] + by_status["fail"] + by_status["unknown"] + by_status["error"]
        return {
            "controls": len(self.controls),
            "code_checkable": len(code),
            "covered": len(covered),
            "coverage_percent": round(100.0 * sum(1 for c in code if c.rules) / len(code), 1) if code else None,
            "by_status": by_status,
            "evaluated": evaluated,
            "passing_percent": round(100.0 * by_status["pass"] / evaluated, 1) if evaluated else None,
            "files": self.files,
            "errors": len(self.errors),
        }


def build(report: Report, fw: Framework) -> ComplianceReport:
    by_key: dict[tuple[str, str], ControlResult] = {c.key: ControlResult(c, []) for c in fw.controls}
    rule_keys: dict[str, list[tuple[str, str]]] = {}
    for meta in sorted(report.rules.values(), key=lambda m: m.id):
        for tag in fw.rule_tags:
            for cid in meta.frameworks.get(tag, ()):
                res = by_key.get((tag, str(cid)))
                if res is not None:  # a tag outside the catalogue: the catalogue test catches it
                    res.rules.append(meta.id)
                    rule_keys.setdefault(meta.id, []).append((tag, str(cid)))
    for f in report.findings:
        for key in rule_keys.get(f.rule_id, ()):
            res = by_key[key]
            res.counts[str(f.status)] += 1
            if f.status == Status.FAIL and len(res.failing) < MAX_LISTED:
                res.failing.append({
                    "resource": f.resource_id, "rule": f.rule_id, "severity": f.severity.label,
                    "file": report.rel(f.span.file), "line": f.span.start_line, "message": f.message,
                })
    errors = [{"file": report.rel(e.file), "line": e.line, "kind": str(e.kind), "message": e.message} for e in report.errors]
    return ComplianceReport(fw, list(by_key.values()), len(report.files), errors, report.needs_text())


def render(fmt: str, report: Report, fw: Framework) -> str:
    cr = build(report, fw)
    if fmt == "compliance-json":
        return render_json(cr)
    if fmt == "compliance-md":
        return render_md(cr)
    if fmt == "compliance-html":
        return render_html(cr)
    raise ValueError(f"unknown compliance format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def render_json(cr: ComplianceReport) -> str:
    fw = cr.framework
    doc = {
        "framework": {"id": fw.id, "title": fw.title, "version": fw.version, "publisher": fw.publisher,
                      "url": fw.url, "scope": fw.scope},
        "summary": cr.summary(),
        "controls": [c.to_dict() for c in cr.controls],
        "errors": cr.errors,
        "needs_params": cr.needs_params,
    }
    return json.dumps(doc, indent=2) + "\n"


def _md(text: str) -> str:
    """Table-cell safe: no pipes or line breaks, and nothing Markdown would render as markup
    (rule messages quote scanned values)."""
    out = " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")
    for ch in "`*_[]<>#!":
        out = out.replace(ch, "\\" + ch)
    return out


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:g}%"


def _cid(c: ControlResult, multi_tag: bool) -> str:
    return f"{c.control.tag}/{c.control.id}" if multi_tag else c.control.id


def render_md(cr: ComplianceReport) -> str:
    fw, s = cr.framework, cr.summary()
    multi = len(fw.rule_tags) > 1
    lines = [f"# {_md(fw.title)} {_md(fw.version)}: compliance", ""]
    if fw.scope:
        lines += [f"Scope: {_md(fw.scope)}", ""]
    lines += [
        f"- Controls: {s['controls']} ({s['code_checkable']} checkable from code, {s['covered']} covered by policyguard rules: "
        f"{_pct(s['coverage_percent'])} of the checkable ones)",
        f"- Evaluated on {s['files']} file(s): {s['by_status']['pass']} pass, {s['by_status']['fail']} fail, "
        f"{s['by_status']['unknown']} unknown, {s['by_status']['error']} error, {s['by_status']['not-applicable']} not applicable; "
        f"{_pct(s['passing_percent'])} of the evaluated controls pass",
    ]
    if cr.errors:
        lines.append(f"- **{len(cr.errors)} file error(s)**: the figures are incomplete (see the end)")
    if cr.needs_params:
        lines.append(f"- **Rules not evaluated for want of configuration** (their controls are judged without them): "
                     f"{_md(', '.join(cr.needs_params))}")
    lines += ["", "| Control | Title | Status | Pass | Fail | Unknown | Suppressed | Passing | Rules |",
              "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for c in cr.controls:
        k = c.counts
        lines.append(f"| {_md(_cid(c, multi))} | {_md(c.control.title)} | {c.status} | {k['pass']} | {k['fail']} | "
                     f"{k['unknown']} | {k['suppressed']} | {_pct(c.pass_pct)} | {_md(', '.join(c.rules)) or '-'} |")
    failing = [c for c in cr.controls if c.failing]
    if failing:
        lines += ["", "## Failing resources", ""]
        for c in failing:
            lines += [f"### {_md(_cid(c, multi))} {_md(c.control.title)}", ""]
            for f in c.failing:
                lines.append(f"- {_md(f['resource'])} ({_md(f['file'])}:{f['line']}, {_md(f['rule'])}): {_md(f['message'])}")
            if c.counts["fail"] > len(c.failing):
                lines.append(f"- ... and {c.counts['fail'] - len(c.failing)} more")
            lines.append("")
    if cr.errors:
        lines += ["", "## File errors", ""]
        lines += [f"- {_md(e['file'])}:{e['line']}: {_md(e['message'])}" for e in cr.errors]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1f24;max-width:80rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}.s{font-weight:600;white-space:nowrap}
.fail,.error{color:#b3261e}.pass{color:#1a7f37}.unknown{color:#9a6700}.not-covered,.manual,.not-applicable{color:#57606a}
details{margin:.2rem 0}code{font-size:.85rem}
"""


def render_html(cr: ComplianceReport) -> str:
    """One self-contained page (no script, no external resource); every scanned value escaped."""
    fw, s = cr.framework, cr.summary()
    multi = len(fw.rule_tags) > 1
    e = html.escape
    rows = []
    for c in cr.controls:
        k = c.counts
        fails = ""
        if c.failing:
            items = "".join(f"<li><code>{e(f['resource'])}</code> {e(f['file'])}:{f['line']} ({e(f['rule'])}): {e(f['message'])}</li>"
                            for f in c.failing)
            more = f"<li>... and {k['fail'] - len(c.failing)} more</li>" if k["fail"] > len(c.failing) else ""
            fails = f"<details><summary>{k['fail']} failing</summary><ul>{items}{more}</ul></details>"
        rows.append(
            f"<tr id=\"{e(_cid(c, multi))}\"><td>{e(_cid(c, multi))}</td><td>{e(c.control.title)}{fails}</td>"
            f"<td class=\"s {c.status}\">{c.status}</td><td class=n>{k['pass']}</td><td class=n>{k['fail']}</td>"
            f"<td class=n>{k['unknown']}</td><td class=n>{k['suppressed']}</td><td class=n>{_pct(c.pass_pct)}</td>"
            f"<td>{e(', '.join(c.rules)) or '-'}</td></tr>")
    errs = ""
    if cr.errors:
        errs = "<h2>File errors</h2><ul>" + "".join(
            f"<li>{e(x['file'])}:{x['line']}: {e(x['message'])}</li>" for x in cr.errors) + "</ul>"
    if cr.needs_params:
        errs = (f"<p><strong>Rules not evaluated for want of configuration</strong> (their controls are judged "
                f"without them): {e(', '.join(cr.needs_params))}</p>") + errs
    scope = f"<p>Scope: {e(fw.scope)}</p>" if fw.scope else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{e(fw.title)} {e(fw.version)}: compliance</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(fw.title)} {e(fw.version)}</h1>{scope}"
        f"<p>{s['controls']} controls, {s['code_checkable']} checkable from code, {s['covered']} covered "
        f"({_pct(s['coverage_percent'])} of the checkable ones). Evaluated on {s['files']} file(s): "
        f"<span class=pass>{s['by_status']['pass']} pass</span>, <span class=fail>{s['by_status']['fail']} fail</span>, "
        f"<span class=unknown>{s['by_status']['unknown']} unknown</span>, {s['by_status']['error']} error; "
        f"{_pct(s['passing_percent'])} of the evaluated controls pass.</p>"
        "<table><thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Pass</th><th>Fail</th><th>Unknown</th>"
        "<th>Suppressed</th><th>Passing</th><th>Rules</th></tr></thead><tbody>"
        + "".join(rows) + f"</tbody></table>{errs}</body></html>\n"
    )


def coverage_table(frameworks: list[Framework], rules: dict[str, Any]) -> str:
    """The README's coverage table: per framework, checkable controls and how many rules cover."""
    lines = ["| Framework | Controls | Checkable from code | Covered | Coverage | Rules mapped |",
             "|---|---:|---:|---:|---:|---:|"]
    for fw in frameworks:
        covered_keys = {(tag, str(cid)) for m in rules.values() for tag in fw.rule_tags for cid in m.frameworks.get(tag, ())}
        code = [c for c in fw.controls if c.assessable == "code"]
        cov = sum(1 for c in code if c.key in covered_keys)
        n_rules = sum(1 for m in rules.values() if any(m.frameworks.get(t) for t in fw.rule_tags))
        pct = f"{100.0 * cov / len(code):.0f}%" if code else "-"
        lines.append(f"| {fw.title} {fw.version} (`{fw.id}`) | {len(fw.controls)} | {len(code)} | {cov} | {pct} | {n_rules} |")
    return "\n".join(lines) + "\n"


def control_table(fw: Framework, rules: dict[str, Any]) -> str:
    """Per control of ``fw``: whether it is checkable from code and which rules cover it."""
    multi = len(fw.rule_tags) > 1
    by_key: dict[tuple[str, str], list[str]] = {}
    for m in sorted(rules.values(), key=lambda m: m.id):
        for tag in fw.rule_tags:
            for cid in m.frameworks.get(tag, ()):
                by_key.setdefault((tag, str(cid)), []).append(m.id)
    lines = ["| Control | Title | Checkable | Rules |", "|---|---|---|---|"]
    for c in fw.controls:
        ids = by_key.get(c.key, [])
        cid = f"{c.tag}/{c.id}" if multi else c.id
        check = "code" if c.assessable == "code" else "manual"
        lines.append(f"| {_md(cid)} | {_md(c.title)} | {check} | {', '.join(ids) if ids else ('-' if check == 'manual' else '**not covered**')} |")
    return "\n".join(lines) + "\n"


README_DETAILED = ("cis-aws-3.0", "cis-kubernetes-1.10", "pss", "nsa-k8s")


def readme_coverage(frameworks: list[Framework], rules: dict[str, Any]) -> str:
    """The README's coverage block: the summary table, then each control of the frameworks in
    ``README_DETAILED`` (folded), generated from the catalogues and the rules' tags."""
    parts = [coverage_table(frameworks, rules)]
    for fw in frameworks:
        if fw.id in README_DETAILED:
            parts.append(f"\n<details><summary>{html.escape(fw.title)} {html.escape(fw.version)}: every control</summary>\n\n"
                         + control_table(fw, rules) + "\n</details>\n")
    return "".join(parts)
