"""One self-contained HTML page for people who would rather look than read: the gate verdict and
the counts per severity, a chart of the compliance frameworks the scanned rules map to (inline
SVG, from ``report.compliance``), and the findings, filterable by severity, status, rule and text.

Nothing is fetched: styles, script and chart are inline and a Content-Security-Policy forbids any
other source, so the file opens the same offline, from a CI artifact or a mail attachment. Every
value that comes from the scanned files (resource ids, messages, file names, attribute paths) is
HTML-escaped, and the script reads only ``data-`` attributes and never builds markup."""

from __future__ import annotations

import base64
import hashlib
import html
from typing import TYPE_CHECKING, Any

from policyguard.gate.report import Report
from policyguard.model import Finding, Severity, Status
from policyguard.report.shared import doc_url

if TYPE_CHECKING:
    from policyguard.report.compliance import ComplianceReport

_E = html.escape
_SEVERITIES = sorted(Severity, reverse=True)
_STATUSES = ("fail", "unknown", "error", "suppressed", "pass")
# compliance control states drawn in the chart, worst first, with their colours
_CHART = (("fail", "#cf222e"), ("error", "#8250df"), ("unknown", "#bf8700"), ("pass", "#1a7f37"),
          ("not-applicable", "#afb8c1"))

_CSS = """
:root{--fail:#cf222e;--pass:#1a7f37;--unknown:#bf8700;--error:#8250df;--muted:#57606a;--line:#d0d7de}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:78rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.verdict{display:inline-block;padding:.25rem .7rem;border-radius:.4rem;color:#fff;font-weight:700}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}.verdict.error{background:var(--error)}
.reason{color:var(--muted);margin:.4rem 0 1rem}
table{border-collapse:collapse;font-size:.88rem}th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
#findings{width:100%;table-layout:fixed}#findings td{overflow-wrap:anywhere}#findings th:nth-child(1){width:7%}#findings th:nth-child(2){width:8%}#findings th:nth-child(3){width:15%}#findings th:nth-child(4){width:19%}#findings th:nth-child(5){width:15%}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}
.sev.critical{color:#8c1d18}.sev.high{color:var(--fail)}.sev.medium{color:var(--unknown)}.sev.low{color:#0969da}.sev.info{color:var(--muted)}
.st.fail,.st.error{color:var(--fail);font-weight:600}.st.unknown{color:var(--unknown)}.st.suppressed{color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin:.5rem 0;font-size:.9rem}
.chart text{font-size:12px;fill:#1f2328}.chart .lbl{font-size:11px;fill:var(--muted)}
.legend span{display:inline-block;margin-right:1rem;font-size:.8rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
code{font-size:.85em}.muted{color:var(--muted)}
"""

# filters rows by data- attributes only: no markup is built from the report's values
_JS = """
(function(){
  var form=document.getElementById('filters');
  function apply(){
    var sev={},st={};
    form.querySelectorAll('input[name=sev]').forEach(function(b){sev[b.value]=b.checked;});
    form.querySelectorAll('input[name=st]').forEach(function(b){st[b.value]=b.checked;});
    var rule=form.querySelector('select[name=rule]').value;
    var q=form.querySelector('input[name=q]').value.toLowerCase();
    var shown=0;
    document.querySelectorAll('#findings tbody tr').forEach(function(tr){
      var d=tr.dataset;
      var ok=sev[d.severity]&&st[d.status]&&(!rule||d.rule===rule)&&(!q||tr.textContent.toLowerCase().indexOf(q)>=0);
      tr.hidden=!ok; if(ok){shown++;}
    });
    document.getElementById('shown').textContent=String(shown);
  }
  form.addEventListener('submit',function(e){e.preventDefault();});
  form.addEventListener('input',apply);form.addEventListener('change',apply);apply();
})();
"""

# the CSP lets exactly this script run: markup injected from a scanned value could not run any
_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()


def _row(report: Report, f: Finding) -> str:
    meta = report.rule(f.rule_id)
    url = doc_url(report, f.rule_id)
    rule = f'<a href="{_E(url)}">{_E(f.rule_id)}</a>' if url else _E(f.rule_id)
    title = _E(meta.title) if meta else ""
    msg = _E(f.message or (meta.title if meta else ""))
    if f.status == Status.UNKNOWN:
        msg += f'<br><span class="muted">depends on {_E(", ".join(f.unknowns) or "an unresolved value")}</span>'
    if f.status == Status.SUPPRESSED and f.suppression is not None:
        msg += f'<br><span class="muted">suppressed ({_E(f.suppression.source)}): {_E(f.suppression.reason or "no reason given")}</span>'
    elif meta and meta.remediation and f.status in (Status.FAIL, Status.UNKNOWN):
        msg += f'<br><span class="muted">fix: {_E(meta.remediation)}</span>'
    where = f"{report.rel(f.span.file)}:{f.span.start_line}"
    attr = f"<br><code>{_E(f.path)}</code>" if f.path else ""
    return (f'<tr data-severity="{f.severity.label}" data-status="{f.status}" data-rule="{_E(f.rule_id)}">'
            f'<td class="sev {f.severity.label}">{f.severity.label}</td><td class="st {f.status}">{f.status}</td>'
            f'<td>{rule}<br><span class="muted">{title}</span></td><td><code>{_E(f.resource_id)}</code>{attr}</td>'
            f"<td><code>{_E(where)}</code></td><td class=\"msg\">{msg}</td></tr>")


def _severity_table(report: Report) -> str:
    counts = {s: dict.fromkeys(_STATUSES, 0) for s in _SEVERITIES}
    for f in report.findings:
        counts[f.severity][str(f.status)] += 1
    head = "".join(f"<th>{s}</th>" for s in _STATUSES)
    rows = "".join(
        f'<tr data-severity="{s.label}"><td class="sev {s.label}">{s.label}</td>'
        + "".join(f'<td class="n">{counts[s][st]}</td>' for st in _STATUSES) + "</tr>"
        for s in _SEVERITIES)
    total = "".join(f'<td class="n">{sum(counts[s][st] for s in _SEVERITIES)}</td>' for st in _STATUSES)
    return (f'<table id="severity-summary"><thead><tr><th>severity</th>{head}</tr></thead><tbody>{rows}'
            f"<tr><th>total</th>{total}</tr></tbody></table>")


def compliance(report: Report) -> list[ComplianceReport]:
    """The framework catalogues the report's rules map to, each with at least one control
    evaluated on the scanned files (a chart of frameworks nothing was judged against says nothing)."""
    from policyguard.frameworks import load_all
    from policyguard.report.compliance import build

    tags = {t for m in report.rules.values() for t, ids in m.frameworks.items() if ids}
    out = []
    for fw in load_all():
        if tags.intersection(fw.rule_tags):
            cr = build(report, fw)
            if cr.summary()["evaluated"]:
                out.append(cr)
    return out


def _chart(reports: list[ComplianceReport]) -> str:
    """Horizontal stacked bars: per framework, its evaluated controls by state (the numbers are
    drawn beside each bar, so the chart reads without colour too)."""
    if not reports:
        return '<p id="compliance-none" class="muted">No compliance framework control was evaluated on these files.</p>'
    label_w, bar_w, row_h = 150, 520, 30
    height = row_h * len(reports) + 10
    parts = [f'<svg class="chart" id="compliance-chart" role="img" aria-label="Compliance controls by state" '
             f'xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 190}" height="{height}">']
    for i, cr in enumerate(reports):
        s: dict[str, Any] = cr.summary()
        by = s["by_status"]
        total = sum(by[k] for k, _ in _CHART) or 1
        y = 5 + i * row_h
        name = f"{cr.framework.title} {cr.framework.version}"
        parts.append(f'<g class="bar" data-framework="{_E(cr.framework.id)}">'
                     f'<text x="0" y="{y + 16}">{_E(cr.framework.id)}<title>{_E(name)}</title></text>')
        x = float(label_w)
        for key, colour in _CHART:
            if by[key]:
                w = bar_w * by[key] / total
                parts.append(f'<rect class="seg {key}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" fill="{colour}">'
                             f"<title>{_E(name)}: {by[key]} {key}</title></rect>")
                x += w
        pct = "-" if s["passing_percent"] is None else f"{s['passing_percent']:g}%"
        parts.append(f'<text class="lbl" x="{label_w + bar_w + 8}" y="{y + 15}">{by["pass"]}/{s["evaluated"]} pass ({pct}), '
                     f'{by["fail"]} fail</text></g>')
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{c}"></i>{k}</span>' for k, c in _CHART)
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def render(report: Report, *, color: bool = False) -> str:
    v = report.verdict
    state = "pass" if v.exit_code == 0 else ("error" if v.exit_code == 2 else "fail")
    c = report.counts()
    findings = sorted((f for f in report.findings if f.status != Status.PASS),
                      key=lambda f: (-f.severity, _STATUSES.index(str(f.status)), report.rel(f.span.file), f.span.start_line))
    rules = sorted({f.rule_id for f in findings})
    sev_boxes = "".join(f'<label><input type="checkbox" name="sev" value="{s.label}" checked> {s.label}</label>' for s in _SEVERITIES)
    st_boxes = "".join(f'<label><input type="checkbox" name="st" value="{s}"{"" if s == "pass" else " checked"}> {s}</label>'
                       for s in _STATUSES if s != "pass")
    options = "".join(f'<option value="{_E(r)}">{_E(r)}</option>' for r in rules)
    rows = "".join(_row(report, f) for f in findings)
    errors = ""
    if report.errors:
        errors = "<h2>Files that could not be scanned</h2><ul id=\"errors\">" + "".join(
            f"<li><code>{_E(report.rel(e.file))}:{e.line}:{e.column}</code> {_E(str(e.kind))}: {_E(e.message)}</li>"
            for e in report.errors) + "</ul>"
    notices = ""
    if report.notices:
        notices = "<h2>Suppression notices</h2><ul id=\"notices\">" + "".join(
            f"<li><code>{_E(report.rel(n.file))}:{n.line}</code> {_E(n.subject)} {_E(n.kind)}: {_E(n.message)}</li>"
            for n in report.notices) + "</ul>"
    files = f"{len(report.files)} file(s) scanned, {c['errors']} could not be scanned, {c['skipped_files']} skipped as not IaC"
    version = f" {_E(report.tool_version)}" if report.tool_version else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src '{_SCRIPT_HASH}'\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>policyguard report: {state.upper()}</title><style>{_CSS}</style></head><body>"
        f"<h1>policyguard report{version}</h1>"
        f'<p><span id="verdict" class="verdict {state}" data-exit-code="{v.exit_code}">{state.upper()} (exit {v.exit_code})</span> '
        f'<span class="muted">gate: fail on {v.fail_on.label} and above{", soft-fail" if v.soft_fail else ""}; unknown counts as {_E(v.unknown_as)}</span></p>'
        f'<p class="reason">{_E(v.reason)}</p>'
        f'<h2>Summary</h2><p id="files">{files}</p>{_severity_table(report)}'
        f"<h2>Compliance</h2>{_chart(compliance(report))}"
        f'<h2>Findings (<span id="shown">{len(findings)}</span> of {len(findings)} shown)</h2>'
        f'<form id="filters" class="filters">{sev_boxes}<span>|</span>{st_boxes}'
        f'<label>rule <select name="rule"><option value="">all</option>{options}</select></label>'
        f'<label>text <input type="search" name="q" placeholder="resource, file, message"></label></form>'
        '<table id="findings"><thead><tr><th>severity</th><th>status</th><th>rule</th><th>resource</th><th>location</th>'
        f"<th>message</th></tr></thead><tbody>{rows}</tbody></table>{errors}{notices}"
        f"<script>{_JS}</script></body></html>\n"
    )
