"""Machine-readable report, versioned and described by ``policyguard/schemas/report.schema.json``."""

from __future__ import annotations

from typing import Any

from policyguard.gate.report import Report
from policyguard.model import RuleMeta
from policyguard.report import jsontext

SCHEMA_VERSION = "1.1"
SCHEMA_ID = "https://policyguard.dev/schemas/report.schema.json"


def build(report: Report) -> dict[str, Any]:
    findings = []
    for f in report.findings:
        d = f.to_dict()
        d["location"]["file"] = report.rel(f.span.file)
        d["counts_against_gate"] = report.counts_against(f)
        url = report.doc_url(f.rule_id)
        if url:
            d["doc_url"] = url
        if "suppression" in d and d["suppression"]["source"] != "baseline":
            d["suppression"]["location"] = report.rel_location(d["suppression"]["location"])
        if f.edits:
            d["edits"] = [dict(e.to_dict(), file=report.rel(e.file)) for e in f.edits]
        for site in d.get("called_from", ()):
            site["file"] = report.rel(site["file"])
        findings.append(d)
    errors = []
    for e in report.errors:
        d = e.to_dict()
        d["file"] = report.rel(e.file)
        errors.append(d)
    notices = []
    for n in report.notices:
        nd = n.to_dict()
        nd["file"] = report.rel(n.file)
        notices.append(nd)
    doc: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "policyguard", "version": report.tool_version},
        "verdict": report.verdict.to_dict(),
        "summary": report.counts(),
        "files": [report.rel(f) for f in report.files],
        "rules": {rid: _rule(report, m) for rid, m in sorted(report.rules.items())},
        "findings": findings,
        "errors": errors,
        "suppression_notices": notices,
    }
    if report.display_filter is not None:
        doc["display_filter"] = dict(report.display_filter)
    if report.verbose:
        doc["skipped"] = [{"file": report.rel(f), "reason": why} for f, why in report.skipped]
    if report.partial is not None:  # --shard: the inputs of `policyguard merge` (gate.merge)
        doc["partial"] = report.partial
    if report.baseline is not None:
        b = report.baseline
        doc["baseline"] = {"path": b["path"], "matched": b["matched"], "new": b["new"], "absent": b["absent"]}
    return doc


def _rule(report: Report, meta: RuleMeta) -> dict[str, Any]:
    d = meta.to_dict()
    url = report.doc_url(meta.id)
    if url:
        d["doc_url"] = url
    return d


def render(report: Report, *, color: bool = False) -> str:
    return jsontext.dumps(build(report), rows=("findings", "errors", "suppression_notices"))
