"""Machine-readable report, versioned and described by ``policyguard/schemas/report.schema.json``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from policyguard.gate.report import Report, ShardFinding, Verdict, counts_against
from policyguard.model import CallSite, Finding, ParseError, RuleMeta, Severity, Span
from policyguard.report import jsontext

if TYPE_CHECKING:
    from policyguard.gate.suppress import Notice

SCHEMA_VERSION = "1.1"
SCHEMA_ID = "https://policyguard.dev/schemas/report.schema.json"


def build(report: Report) -> dict[str, Any]:
    """The whole report as one JSON value (``write`` streams the same value)."""
    doc = document(report)
    for key, value in doc.items():
        if isinstance(value, jsontext.Rows):
            doc[key] = [json.loads(v) if value.raw and type(v) is str else v for v in value.items]
    return doc


def write(report: Report, out: TextIO) -> None:
    """Write the report to ``out``, each finding encoded and written as it is produced: the
    report's memory is that of one finding, whatever their number."""
    jsontext.write(document(report), out, pretty=report.pretty)


def document(report: Report) -> dict[str, Any]:
    """The report with its findings, errors and notices as ``jsontext.Rows`` (made when written)."""
    doc: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "policyguard", "version": report.tool_version},
        "verdict": report.verdict.to_dict(),
        "summary": report.counts(),
        "files": [report.rel(f) for f in report.files],
        "rules": {rid: _rule(report, m) for rid, m in sorted(report.rules.items())},
        "findings": jsontext.Rows(_findings(report), raw=True),
        "errors": jsontext.Rows(_error(report, e) for e in report.errors),
        "suppression_notices": jsontext.Rows(_notice(report, n) for n in report.notices),
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


def row_renderer(rules: dict[str, RuleMeta], *, root: str, docs_url: str, fail_on: Severity, unknown_as: str,
                 soft_fail_on: tuple[str, ...]) -> tuple[Callable[[list[Finding]], list[str]], tuple[Any, ...]]:
    """Render findings to the compact rows ``write`` would give them in a report with these
    settings, before the report exists (a scan renders each unit as it is judged, while the
    workers judge the next ones); returns the renderer and the settings' key, which the report
    must match for ``write`` to copy the rows (``Report.rows``)."""
    ctx = Report(findings=[], rules=rules, errors=[], verdict=Verdict(0, fail_on, False, unknown_as, "", soft_fail_on=soft_fail_on),
                 root=root, docs_url=docs_url)
    encode = jsontext.compact_encoder()
    from json.encoder import encode_basestring_ascii as q  # type: ignore[attr-defined]

    heads: dict[tuple[str, Any, Severity], str] = {}  # (rule, status, severity) -> the row's opening
    tails: dict[str, str] = {}  # rule -> the row's close (its doc_url)
    # what a resource adds after the fingerprint (construct path, module calls, origin), by those
    extras: dict[tuple[str, tuple[CallSite, ...], str], str] = {}

    def extra(f: Finding) -> str:
        key = (f.construct_path, f.call_chain, f.origin)
        text = extras.get(key)
        if text is None:
            parts = [f',"construct_path":{q(f.construct_path)}' if f.construct_path else ""]
            if f.call_chain:
                parts.append(f',"called_from":{encode(_called_from(ctx, f.call_chain))}')
            if f.origin:
                parts.append(f',"origin":{q(f.origin)}')
            text = extras[key] = "".join(parts)
        return text

    def render(findings: list[Finding]) -> list[str]:
        """Most findings (a pass, a plain fail, one in a module) hold no fix, suppression or
        edit: their row is written from parts, the parts a rule and a resource share made once,
        the same text ``encode(_encoded(ctx, f))`` gives (a test holds them equal); the others
        take that path."""
        out = []
        places: dict[tuple[str, str, str, Span], str] = {}  # a unit's resources: their middle part
        for f in findings:
            if (f.fix is not None or f.suppression is not None or f.edits
                    or (f.unknowns and not all(type(u) is str for u in f.unknowns))):
                out.append(encode(_encoded(ctx, f)))
                continue
            key = (f.rule_id, f.status, f.severity)
            head = heads.get(key)
            if head is None:
                head = heads[key] = (f'{{"rule_id":{q(f.rule_id)},"status":{q(str(f.status))},'
                                     f'"severity":{q(f.severity.label)},"resource_id":')
            span = f.span
            where = (f.resource_id, f.resource_type, f.platform, span)
            middle = places.get(where)
            if middle is None:
                middle = places[where] = (
                    f'{q(f.resource_id)},"resource_type":{q(f.resource_type)},"platform":{q(f.platform)},'
                    f'"location":{{"file":{q(ctx.rel(span.file))},"start_line":{int(span.start_line)},'
                    f'"start_col":{int(span.start_col)},"end_line":{int(span.end_line)},"end_col":{int(span.end_col)}}},'
                    '"message":')
            tail = tails.get(f.rule_id)
            if tail is None:
                url = ctx.doc_url(f.rule_id)
                tail = tails[f.rule_id] = f',"doc_url":{q(url)}}}' if url else "}"
            unknowns = ",".join([q(u) for u in f.unknowns]) if f.unknowns else ""
            more = extra(f) if (f.construct_path or f.call_chain or f.origin) else ""
            out.append(f'{head}{middle}{q(f.message)},"path":{q(f.path)},"unknowns":[{unknowns}],'
                       f'"fingerprint":{q(f.fingerprint)}{more},"counts_against_gate":'
                       f'{"true" if ctx.counts_against(f) else "false"}{tail}')
        return out

    return render, _rows_key(ctx)


def _rows_key(report: Report) -> tuple[Any, ...]:
    v = report.verdict
    return (report.root, report.docs_url, v.fail_on, v.unknown_as, v.soft_fail_on)


def _findings(report: Report) -> Iterator[dict[str, Any] | str]:
    """Each finding's row: a dict, or (``policyguard merge``) the row's JSON text as its shard
    wrote it, when the merge left the finding and the row as they were (a ShardFinding: one
    whose row merge did not decode, with no fix, suppression or edits; nearly every pass), or
    (a scan) the rows rendered as its units were judged, when this report's settings are the
    ones they were rendered with."""
    if (report.rows is not None and report.source_rows is None and not report.pretty and report.display_filter is None
            and report.rows_key == _rows_key(report)):
        yield from report.rows
        return
    if report.source_rows is None:  # a scan
        for f in report.findings:
            yield _finding(report, f)
        return
    v = report.verdict
    fail_on, unknown_as, soft_fail_on, compact = v.fail_on, v.unknown_as, v.soft_fail_on, not report.pretty
    for f in report.findings:
        if type(f) is ShardFinding and f.status is f.row_status and f.suppression is None and not f.edits:
            counts = counts_against(f, fail_on, unknown_as, soft_fail_on)
            if compact and counts == f.row_counts and f.fingerprint == f.row_fingerprint:
                yield f.row  # compact, as _finding wrote it in the shard
                continue
            d = f.row_value()
            d["fingerprint"] = f.fingerprint
            d["counts_against_gate"] = counts
            yield d
        else:
            yield _finding(report, f)


def _finding(report: Report, f: Finding) -> dict[str, Any]:
    row = report.source_rows.get(id(f)) if report.source_rows is not None and type(f) is not ShardFinding else None
    if (row is not None and row["status"] == str(f.status) and ("suppression" in row) == (f.suppression is not None)
            and ("edits" in row) == bool(f.edits)):  # a JSON-only merge drops the edits a SARIF shard carried
        d = dict(row)  # the shard's row, key for key what this function wrote there
        d["fingerprint"] = f.fingerprint
        d["counts_against_gate"] = report.counts_against(f)
        return d
    return _encoded(report, f)


def _encoded(report: Report, f: Finding) -> dict[str, Any]:
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
    if f.call_chain:
        d["called_from"] = _called_from(report, f.call_chain)
    return d


def _called_from(report: Report, chain: tuple[CallSite, ...]) -> list[dict[str, Any]]:
    """A finding's module calls as its row writes them: each file relative like ``report.rel``."""
    return [dict(c.to_dict(), file=report.rel(c.file)) for c in chain]


def _error(report: Report, e: ParseError) -> dict[str, Any]:
    d = e.to_dict()
    d["file"] = report.rel(e.file)
    return d


def _notice(report: Report, n: Notice) -> dict[str, Any]:
    nd = n.to_dict()
    nd["file"] = report.rel(n.file)
    return nd


def _rule(report: Report, meta: RuleMeta) -> dict[str, Any]:
    d = meta.to_dict()
    url = report.doc_url(meta.id)
    if url:
        d["doc_url"] = url
    return d


def render(report: Report, *, color: bool = False) -> str:
    """Compact JSON on one line (tools read it; a third of the indented size), or indented with
    one finding per line when ``report.pretty`` (``--pretty``): the same value either way."""
    buf = io.StringIO()
    write(report, buf)
    return buf.getvalue()
