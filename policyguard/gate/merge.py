"""Sharded scans joined into one: the ``partial`` block a ``scan --shard I/N`` JSON report
carries, and ``merge`` turning N such reports back into the ``Report`` one unsharded scan gives.

What is decided per unit is decided in the shard and read back as it is: a finding's status and
its inline, annotation, Metadata or config suppression (every directive that can cover a finding
lives in the finding's unit, or in the config every shard reads). What needs the whole scan is
redone on the union here:

- order: findings and unit errors follow the discovery order of all units (``units``);
- what every shard sees once (discovery and rule-pack errors, skipped files, config notices) is
  taken once, from shard 1;
- fingerprints repeated across units get their ``:n`` suffix in the merged order;
- the baseline: the shard's baseline statuses are undone (``baselined``) and the merge's
  ``--baseline`` applied to the union (matched, new, absent counted once);
- stale suppressions: stale in some shard and used in none (``used_suppressions``); other
  suppression notices once per identity;
- the notice about other tools' suppressions from the per-file counts (``foreign``);
- the verdict, from the union and the gate settings.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.gate.fingerprint import renumber
from policyguard.gate.partial import PARTIAL_VERSION
from policyguard.gate.report import DEFAULT_DOCS_URL, LAZY_FIELDS, Report, ShardFinding
from policyguard.gate.suppress import Notice
from policyguard.gate.verdict import GateSettings, compute_verdict
from policyguard.model import (
    CallSite,
    ErrorKind,
    Finding,
    Fix,
    FixOp,
    ParseError,
    RuleMeta,
    Severity,
    Span,
    Status,
    Suppression,
    TextEdit,
)

if TYPE_CHECKING:
    pass



class MergeError(Exception):
    """A shard report that cannot be merged (exit 2); the message names the file."""


# --------------------------------------------------------------------------- reading shard reports
@dataclass(slots=True)
class ShardReport:
    """One shard's JSON report as read (``doc``) and its ``partial`` block. ``rows``: its
    findings when ``_read_compact`` read it (``doc["findings"]`` is then empty); None: the rows
    are ``doc["findings"]``."""

    path: str
    doc: dict[str, Any]
    rows: _Rows | None = None

    @property
    def partial(self) -> dict[str, Any]:
        value: dict[str, Any] = self.doc["partial"]
        return value

    @property
    def index(self) -> int:
        return int(self.partial["shard"]["index"])

    @property
    def total(self) -> int:
        return int(self.partial["shard"]["total"])


def load(path: str, tool_version: str) -> ShardReport:
    """Read one shard report (compact or indented JSON); a file that is not one written by
    ``scan --shard`` of this policyguard version is a MergeError naming it."""
    from policyguard import jsonfast

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MergeError(f"{path}: cannot read shard report: {exc}") from None
    compact = _read_compact(data)
    rows: _Rows | None = None
    if compact is not None:
        doc, rows = compact
    else:
        try:
            doc = jsonfast.loads(data)  # orjson when installed: a whole corpus is ~100 MB of reports
        except jsonfast.DECODE_ERRORS:
            doc = _load_located(path, data)
    if not isinstance(doc, dict) or (doc.get("tool") or {}).get("name") != "policyguard":
        raise MergeError(f"{path}:1: not a policyguard JSON report")
    partial = doc.get("partial")
    if not isinstance(partial, dict):
        raise MergeError(f"{path}:1: not a shard report (no 'partial' block): write each shard with "
                         "`policyguard scan --shard I/N --format json`")
    if partial.get("version") != PARTIAL_VERSION:
        raise MergeError(f"{path}:1: shard report format {partial.get('version')!r}, this policyguard merges "
                         f"format {PARTIAL_VERSION}")
    version = doc["tool"].get("version")
    if version != tool_version:
        raise MergeError(f"{path}:1: written by policyguard {version}, this is {tool_version}: scan every "
                         "shard and merge with the same version")
    for key in ("findings", "errors", "suppression_notices", "files", "rules", "verdict"):
        if key not in doc:
            raise MergeError(f"{path}:1: the report has no {key!r}")
    shard = partial.get("shard")
    if not (isinstance(shard, dict) and isinstance(shard.get("index"), int) and isinstance(shard.get("total"), int)
            and 1 <= shard["index"] <= shard["total"]):
        raise MergeError(f"{path}:1: partial.shard must be {{index, total}} with 1 <= index <= total")
    units = partial.get("units")
    found = len(doc["findings"]) if rows is None else len(rows.items)
    if not isinstance(units, list) or sum(int(u[1]) for u in units) != found \
            or sum(int(u[2]) for u in units) > len(doc["errors"]):
        raise MergeError(f"{path}:1: partial.units does not account for the report's findings and errors "
                         "(was the report edited, or written with --severity?)")
    return ShardReport(path, doc, rows)


# ``scan --shard``'s JSON report as ``json_report`` writes it (compact, ASCII): the findings array
# follows the rules, each row opens with its rule id, and the errors follow the findings
_FINDINGS_KEY = ',"findings":['
_ROW_SEP = '},{"rule_id":"'
_ROWS_END = '}],"errors":['
# a row as ``json_report`` writes a finding without a fix, a suppression or edits (keys in
# ``Finding.to_dict``'s order): rule id, status, severity, fingerprint (without escapes) and the
# gate flag captured. Only valid JSON matches (strings, escapes, integers as JSON has them)
# (the text is ASCII: a string's characters are space to DEL but for the quote and the backslash)
_STR = r'"[ !#-\[\]-\x7f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[ !#-\[\]-\x7f]*+)*+"'
_PLAIN = r'"([ !#-\[\]-\x7f]*+)"'
_INT = r'-?+(?:0|[1-9][0-9]*+)'
_CALL = r'\{"address":%S,"file":%S,"line":%I,"column":%I,"source":%S(?:,"version":%S)?+(?:,"downloaded":true)?+\}'
_ROW = re.compile(
    (r'\{"rule_id":%P,"status":%P,"severity":%P,"resource_id":%S,"resource_type":%S,"platform":%S,'
     r'"location":\{"file":%S,"start_line":%I,"start_col":%I,"end_line":%I,"end_col":%I\},"message":%S,"path":%S,'
     r'"unknowns":\[(?:%S(?:,%S)*+)?+\],"fingerprint":%P(?:,"construct_path":%S)?+'
     r'(?:,"called_from":\[%C(?:,%C)*+\])?+(?:,"origin":%S)?+,"counts_against_gate":(true|false)(?:,"doc_url":%S)?+\}')
    .replace("%C", _CALL).replace("%S", _STR).replace("%P", _PLAIN).replace("%I", _INT))


@dataclass(slots=True)
class _Rows:
    """A shard's findings as ``_read_compact`` read them: ``items`` in order, each a
    ``ShardFinding`` or, at the indexes ``decoded``, the row decoded (a dict)."""

    items: list[Any]
    decoded: list[int]
    reader: _RowReader


class _RowReader:
    """Sets the fields a ``ShardFinding`` of one shard has not read yet from its row, paths made
    absolute by ``absf`` (set by ``merge``), equal spans shared."""

    __slots__ = ("absf", "spans")

    def __init__(self) -> None:
        self.absf: Any = _absolute("")  # until merge sets the root: paths as the report has them
        self.spans: dict[tuple[Any, ...], Span] = {}

    def __call__(self, f: ShardFinding) -> None:
        whole = _finding(f.row_value(), self.absf, self.spans)
        for name in LAZY_FIELDS:
            try:
                object.__getattribute__(f, name)
            except AttributeError:  # not set since the finding was made: the row's
                object.__setattr__(f, name, getattr(whole, name))


def _read_compact(data: bytes) -> tuple[dict[str, Any], _Rows] | None:
    """The report read without decoding the findings rows that match ``_ROW`` (nearly all: a
    pass is one): each becomes a ``ShardFinding`` holding its text; the other rows are decoded
    one by one, then the report around the findings. None when the text is not in the layout
    ``json_report`` writes (indented, not ASCII) or is not valid JSON: ``load`` then decodes the
    whole report and locates what is wrong."""
    from policyguard import jsonfast

    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return None
    if text.count(_FINDINGS_KEY) != 1:  # the report's own key, and no value that spells it
        return None
    start = pos = text.index(_FINDINGS_KEY) + len(_FINDINGS_KEY)
    reader = _RowReader()
    items: list[Any] = []
    decoded: list[int] = []
    append = items.append
    match = _ROW.match
    status_of, severity_of = _STATUS.get, _SEVERITY.get
    ends: list[int] | None = None
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            m = match(text, pos)
            status = severity = None
            if m is not None:
                rule_id, status_text, severity_text, fingerprint, counts = m.groups()
                status, severity = status_of(status_text), severity_of(severity_text)
            if status is not None and severity is not None:
                append(ShardFinding(rule_id, status, severity, fingerprint, m[0], counts == "true", reader))  # type: ignore[index]
                pos = m.end()  # type: ignore[union-attr]
            else:
                if ends is None:
                    ends = _positions(text, _ROWS_END, start)
                got = _decode_row(text, pos, ends)
                if got is None:
                    return None
                pos, row = got
                decoded.append(len(items))
                append(row)
            sep = text[pos:pos + 1]
            pos += 1
            if sep == "]":
                break
            if sep != ",":
                return None
    try:
        doc = jsonfast.loads(text[:start - 1] + "[]" + text[pos:])
    except jsonfast.DECODE_ERRORS:
        return None
    if not isinstance(doc, dict) or doc.get("findings") != []:
        return None
    return doc, _Rows(items, decoded, reader)


def _positions(text: str, needle: str, at: int) -> list[int]:
    out = []
    at = text.find(needle, at)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def _decode_row(text: str, pos: int, ends: list[int]) -> tuple[int, dict[str, Any]] | None:
    """(end, row) of the findings row that starts at ``pos``: the text up to the next row
    separator or end of the findings (``ends``: where those are), decoded. None when that is not
    one JSON object: a broken row, or one holding a separator's text in a value (``load`` then
    decodes the whole report, as it would be without this reader)."""
    import bisect

    from policyguard import jsonfast

    sep = text.find(_ROW_SEP, pos)
    i = bisect.bisect_left(ends, pos)
    last = ends[i] if i < len(ends) else -1
    if sep < 0 or 0 <= last < sep:
        sep = last
    if sep < 0:
        return None
    try:
        row = jsonfast.loads(text[pos:sep + 1])
    except jsonfast.DECODE_ERRORS:
        return None
    return (sep + 1, row) if isinstance(row, dict) else None


def _load_located(path: str, data: bytes) -> Any:
    """The standard library's decoder on a text the fast one refused: it decodes what orjson
    cannot hold (integers beyond 64 bits) and locates what is wrong (line, column)."""
    from policyguard.limits import DEFAULT_LIMITS, depth_message, json_too_deep

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MergeError(f"{path}: shard report is not UTF-8: {exc}") from None
    deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
    if deep is not None:
        raise MergeError(f"{path}:{deep[0]}:{deep[1]}: shard report JSON {depth_message(DEFAULT_LIMITS.max_depth)}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MergeError(f"{path}:{exc.lineno}:{exc.colno}: shard report is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise MergeError(f"{path}:1: shard report JSON {depth_message(DEFAULT_LIMITS.max_depth)}") from None


# the parts of a shard report that must be the same in every shard of one scan. Not the root:
# CI jobs may check out into different directories (report paths are relative to it), and the
# merged report is shard 1's root's; not the rule files' paths either (``_rule_set``)
_SAME = (("partial", "paths"), ("partial", "discovered"), ("partial", "settings"), ("partial", "docs_url"),
         ("partial", "config"),
         ("partial", "baseline_policy", "honoured_in_repository"), ("partial", "unconfigured"),
         ("partial", "global_skipped"), ("schema_version",))


def check_set(shards: list[ShardReport]) -> list[ShardReport]:
    """The shards ordered 1..N, or a MergeError: mixed N, a missing or repeated shard, shards of
    different scans (rule sets, settings, roots, paths)."""
    if not shards:
        raise MergeError("no shard reports given")
    first = shards[0]
    by_index: dict[int, ShardReport] = {}
    for s in shards:
        if s.total != first.total:
            raise MergeError(f"{s.path}: shard {s.index}/{s.total}, but {first.path} is shard "
                             f"{first.index}/{first.total}: every report must come from the same --shard I/N count")
        if s.index in by_index:
            raise MergeError(f"{s.path}: shard {s.index}/{s.total} given twice (also {by_index[s.index].path})")
        by_index[s.index] = s
        for key in (*_SAME, ("rules",)):
            a, b = (_get(first.doc, key), _get(s.doc, key)) if key != ("rules",) else (_rule_set(first), _rule_set(s))
            if a != b:
                raise MergeError(f"{s.path}: {'.'.join(key)} differs from {first.path}'s: shards of one scan share "
                                 "the policyguard version, rules, configuration, gate settings and scanned paths")
    missing = [str(i) for i in range(1, first.total + 1) if i not in by_index]
    if missing:
        raise MergeError(f"shard(s) {', '.join(missing)} of {first.total} missing: merge needs every shard's report")
    return [by_index[i] for i in range(1, first.total + 1)]


def _rule_set(s: ShardReport) -> Any:
    rules = s.doc.get("rules")
    if not isinstance(rules, dict):
        return rules
    return {rid: {k: v for k, v in meta.items() if k != "source"} if isinstance(meta, dict) else meta
            for rid, meta in rules.items()}


def _get(doc: dict[str, Any], key: tuple[str, ...]) -> Any:
    cur: Any = doc
    for k in key:
        cur = cur.get(k) if isinstance(cur, dict) else None
    return cur


# --------------------------------------------------------------------------- the merge
@dataclass(slots=True)
class MergeSettings:
    """The merge command's gate options over what the shards recorded (None: as recorded)."""

    fail_on: str | None = None
    soft_fail: bool = False
    soft_fail_on: tuple[str, ...] = ()
    unknown_as: str | None = None
    allow_empty: bool = False
    baseline: str | None = None


def merge(shards: list[ShardReport], options: MergeSettings | None = None) -> Report:
    """The report of the scan the shards split (``check_set`` first). BaselineError from a bad
    ``--baseline`` propagates."""
    from policyguard.gate import baseline as baseline_mod
    from policyguard.gate.evaluate import empty_scan_reason
    from policyguard.gate.foreign import foreign_summary_notice

    options = options or MergeSettings()
    shards = check_set(shards)
    head = shards[0].partial
    root = str(head["root"])
    absf = _absolute(root)

    # findings and unit errors in the discovery order of all units
    per_unit: list[_Unit] = []
    fetch_errors: list[ParseError] = []
    global_errors: list[ParseError] = []
    notices_by_shard: list[list[tuple[Notice, int]]] = []
    rows: dict[int, dict[str, Any]] = {}
    for k, s in enumerate(shards):
        try:
            _read_shard(k, s, absf, per_unit, fetch_errors, global_errors, notices_by_shard, rows)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise MergeError(f"{s.path}: malformed shard report ({type(exc).__name__}: {exc})") from None
    per_unit.sort(key=lambda t: (t[0], t[1]))
    findings = [f for u in per_unit for f in u[2]]
    errors = global_errors + fetch_errors + [e for u in per_unit for e in u[3]]
    renumber(findings, {})  # fingerprints repeated across the union: ``:n`` in merged order, as one scan numbers them

    files = sorted({absf(f) for s in shards for f in s.doc["files"]})
    skipped = [(absf(f), why) for f, why in head["global_skipped"]]
    skipped += [(absf(f), why) for s in shards for f, why in s.partial["skipped"]]
    skipped.sort()

    rules = {rid: _rule(d) for rid, d in shards[0].doc["rules"].items()}
    settings = _gate_settings(head["settings"], options)
    paths = [str(p) for p in head["paths"]]

    # notices: the config's once, the suppressions' once per identity (stale only when used nowhere)
    from policyguard.gate import trust

    rejection = trust.baseline_rejection("").message  # the shard's own baseline: the merge judges its own
    config_notices = [n for n, _ in notices_by_shard[0] if n.subject == "config"
                      and not (n.kind == "rejected" and n.message == rejection)]
    used = {(absf(f), int(line), pat) for s in shards for f, line, pat in s.partial.get("used_suppressions", ())}
    counts: Counter[tuple[Any, ...]] = Counter()
    first_seen: dict[tuple[Any, ...], tuple[Notice, int, int]] = {}
    for k, notes in enumerate(notices_by_shard):
        here: Counter[tuple[Any, ...]] = Counter()
        for n, unit in notes:
            if n.subject in ("config", "foreign-suppressions"):
                continue
            if n.kind == "stale" and (n.file, n.line, n.rule_id) in used:
                continue
            ident = (n.kind, n.file, n.line, n.message, n.rule_id, n.resource_id, n.subject)
            here[ident] += 1
            first_seen.setdefault(ident, (n, unit, k))
        for ident, c in here.items():
            counts[ident] = max(counts[ident], c)
    ordered = sorted(first_seen.items(), key=lambda kv: (kv[1][0].file, kv[1][0].line, kv[1][0].kind,
                                                          kv[1][0].rule_id, kv[1][1], kv[1][2]))
    sup_notices = [n for ident, (n, _, _) in ordered for _ in range(counts[ident])]

    baseline_path = options.baseline
    if baseline_path:
        policy = head["baseline_policy"]
        if not policy["honoured_in_repository"]:
            from policyguard.roots import inside

            if inside(Path(baseline_path), [Path(r) for r in policy["repositories"]]):
                rejected = trust.baseline_rejection(baseline_path)
                config_notices.append(Notice(rejected.kind, rejected.file, rejected.line, rejected.message,
                                             subject="config"))
                baseline_path = None
    notices = config_notices + sup_notices
    foreign = _foreign(shards, absf)
    if foreign is not None:
        notices.append(foreign_summary_notice(foreign[0], foreign[1], foreign[2], paths))

    base_info: dict[str, Any] | None = None
    if baseline_path:
        bl = baseline_mod.load(baseline_path, root)
        outcome = baseline_mod.apply(findings, bl)
        base_info = {"path": bl.path, "matched": outcome.matched, "new": outcome.new, "absent": outcome.absent}
    unselected = sum(1 for _, why in skipped if "not a selected input kind" in why)
    empty = empty_scan_reason(paths, len(skipped), unselected) if not files else ""
    verdict = compute_verdict(findings, errors, notices, settings, empty=empty)
    report = Report(findings=findings, rules=rules, errors=errors, verdict=verdict, notices=notices, files=files,
                    root=root, baseline=base_info, tool_version=str(shards[0].doc["tool"]["version"]),
                    skipped=skipped, unconfigured={rid: tuple(v) for rid, v in head["unconfigured"].items()})
    docs_url = head.get("docs_url")
    report.docs_url = DEFAULT_DOCS_URL if docs_url is None else str(docs_url)
    report.source_rows = rows
    times = [(s.partial.get("started_at"), s.partial.get("finished_at")) for s in shards]
    starts = [_time(a) for a, _ in times if a]
    ends = [_time(b) for _, b in times if b]
    report.started_at = min(starts) if starts else None
    report.finished_at = max(ends) if ends else None
    return report



_Unit = tuple[int, int, list[Finding], list[ParseError]]


def _read_shard(k: int, s: ShardReport, absf: Any, per_unit: list[_Unit], fetch_errors: list[ParseError],
                global_errors: list[ParseError], notices_by_shard: list[list[tuple[Notice, int]]],
                rows: dict[int, dict[str, Any]]) -> None:
    """Shard ``k``'s findings and errors by unit, its fetch errors, its notices (with the unit
    that orders them); the errors before the units from shard 1 only."""
    p = s.partial
    spans: dict[tuple[Any, ...], Span] = {}
    findings: list[Finding]
    if s.rows is None:
        findings = [_finding(d, absf, spans) for d in s.doc["findings"]]
        rows.update(zip(map(id, findings), s.doc["findings"], strict=True))
    else:  # ShardFindings, and the rows read whole
        findings = s.rows.items
        s.rows.reader.absf, s.rows.reader.spans = absf, spans
        for i in s.rows.decoded:
            d = findings[i]
            findings[i] = f = _finding(d, absf, spans)  # type: ignore[arg-type]
            rows[id(f)] = d  # type: ignore[assignment]
    for i, status in p.get("baselined", ()):
        findings[i].status = Status(status)
        findings[i].suppression = None
    for i, legacy in p.get("legacy_fingerprints", {}).items():
        findings[int(i)].legacy_fingerprint = legacy
    errors = [_error(d, absf) for d in s.doc["errors"]]
    g, fetch = int(p["errors"]["global"]), int(p["errors"]["fetch"])
    if k == 0:
        global_errors[:] = errors[:g]
    fetch_errors += errors[g:g + fetch]
    at_f, at_e = 0, g + fetch
    for unit, nf, ne in p["units"]:
        per_unit.append((int(unit), k, findings[at_f:at_f + nf], errors[at_e:at_e + ne]))
        at_f += nf
        at_e += ne
    units_of = p.get("notice_units") or [-1] * len(s.doc["suppression_notices"])
    notices_by_shard.append([(_notice(d, absf), int(u)) for d, u in zip(s.doc["suppression_notices"], units_of,
                                                                       strict=False)])


def _absolute(root: str) -> Any:
    """A report path (relative to ``root``, or absolute outside it) as the scan held it."""
    cache: dict[str, str] = {}

    def absf(path: str) -> str:
        hit = cache.get(path)
        if hit is None:
            hit = cache[path] = path if os.path.isabs(path) or not root else os.path.join(root, path)
        return hit

    return absf


def _time(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text)


def _gate_settings(recorded: dict[str, Any], o: MergeSettings) -> GateSettings:
    return GateSettings(
        fail_on=Severity.parse(o.fail_on or recorded["fail_on"]),
        soft_fail=o.soft_fail or bool(recorded["soft_fail"]),
        unknown_as=o.unknown_as or str(recorded["unknown_as"]),
        stale=str(recorded["stale"]),
        allow_empty=o.allow_empty or bool(recorded["allow_empty"]),
        soft_fail_on=tuple(dict.fromkeys([*o.soft_fail_on, *recorded["soft_fail_on"]])),
    )


def _foreign(shards: list[ShardReport], absf: Any) -> tuple[dict[str, int], str, int] | None:
    """(counts by kind, first file, first line) of other tools' suppressions over the union:
    every scanned file once, then the ignore files (the same in every shard)."""
    per_file: dict[str, tuple[int, dict[str, int]]] = {}
    for s in shards:
        for file, line, counts in s.partial["foreign"]["files"]:
            per_file.setdefault(absf(file), (int(line), counts))
    counts_all: Counter[str] = Counter()
    first: tuple[str, int] | None = None
    for file in sorted(per_file):
        line, counts = per_file[file]
        counts_all.update(counts)
        first = first or (file, line)
    ignore = shards[0].partial["foreign"]["ignore_files"]
    if ignore is not None:
        counts_all.update(ignore[2])
        first = first or (absf(ignore[0]), int(ignore[1]))
    if first is None:
        return None
    return dict(counts_all), first[0], first[1]


_STATUS = {str(s): s for s in Status}
_SEVERITY = {s.label: s for s in Severity}


def _finding(d: dict[str, Any], absf: Any, spans: dict[tuple[Any, ...], Span]) -> Finding:
    """A finding as ``Finding.to_dict`` wrote it (paths made absolute again). On the merge's hot
    path: ~150,000 findings for a whole corpus, so the keys every finding has are read directly,
    and equal spans (a resource's rules judged at its own span) are one frozen ``Span``."""
    loc = d["location"]
    key = (loc["file"], loc["start_line"], loc["start_col"], loc["end_line"], loc["end_col"])
    span = spans.get(key)
    if span is None:
        span = spans[key] = Span(absf(key[0]), *key[1:])
    f = Finding(d["rule_id"], _STATUS[d["status"]], _SEVERITY[d["severity"]], d["resource_id"], d["resource_type"],
                d["platform"], span, d["message"], d["path"], tuple(d["unknowns"]) if d["unknowns"] else (), None, None,
                d["fingerprint"])
    if len(d) > _PLAIN_KEYS - ("doc_url" not in d):  # a fix, a suppression, edits, a module call chain, a construct, an origin
        _extras(f, d, absf)
    return f


# what every JSON finding holds: Finding.to_dict's 11 keys, counts_against_gate and maybe doc_url
_PLAIN_KEYS = 13


def _extras(f: Finding, d: dict[str, Any], absf: Any) -> None:
    fix = d.get("fix")
    if fix is not None:
        f.fix = Fix(fix["description"], tuple(FixOp(o["op"], o["path"], o.get("value")) for o in fix["ops"]),
                    fix["safety"])
    sup = d.get("suppression")
    if sup is not None:
        location = sup.get("location", "")
        if sup["source"] != "baseline":
            file, sep, line = location.rpartition(":")
            if sep and line.isdigit():
                location = f"{absf(file)}:{line}"
        f.suppression = Suppression(sup["source"], sup.get("reason", ""), sup.get("owner", ""),
                                    sup.get("expires", ""), location)
    if "edits" in d:
        f.edits = tuple(TextEdit(absf(e["file"]), e["start_line"], e["start_col"], e["end_line"], e["end_col"],
                                 e["text"]) for e in d["edits"])
    f.construct_path = d.get("construct_path", "")
    if "called_from" in d:
        f.call_chain = tuple(CallSite(c["address"], absf(c["file"]), c["line"], c.get("column", 1),
                                      c.get("source", ""), c.get("version", ""), bool(c.get("downloaded", False)))
                             for c in d["called_from"])
    f.origin = d.get("origin", "")


def _error(d: dict[str, Any], absf: Any) -> ParseError:
    return ParseError(absf(d["file"]), d["line"], d["column"], d["message"], ErrorKind(d["kind"]))


def _notice(d: dict[str, Any], absf: Any) -> Notice:
    return Notice(d["kind"], absf(d["file"]), d["line"], d["message"], d.get("rule_id", ""), d.get("resource_id", ""),
                  d.get("subject", "suppression"))


def _rule(d: dict[str, Any]) -> RuleMeta:
    return RuleMeta(
        id=d["id"], title=d["title"], severity=Severity.parse(d["severity"]), description=d.get("description", ""),
        remediation=d.get("remediation", ""),
        resource_types={k: tuple(v) for k, v in d.get("resource_types", {}).items()},
        frameworks={k: tuple(v) for k, v in d.get("frameworks", {}).items()}, tags=tuple(d.get("tags", ())),
        fixable=bool(d.get("fixable")), fix_safety=d.get("fix_safety"), source=d.get("source", ""),
        language=d.get("language", "rego"), profile=d.get("profile", "baseline"),
        confidence=d.get("confidence", "high"), params=d.get("params", {}),
    )
