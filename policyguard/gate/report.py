"""The report the gate hands to the reporters: findings (with their gate outcome), rule metas,
errors, notices and the verdict. Reporters read this and nothing else of the gate."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import operator
import os
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.model import Finding, ParseError, RuleMeta, Severity, Span, Status

if TYPE_CHECKING:
    from policyguard.gate.suppress import Notice

_STATUS_OF = operator.attrgetter("status")

# where a rule's page is when the config sets no ``docs_url``: the pages ``policyguard rules docs``
# generates into the repository (docs/rules/), as GitHub shows them
DEFAULT_DOCS_URL = "https://github.com/policyguard/policyguard/blob/main/docs/rules/{id}.md"


def counts_against(f: Finding, fail_on: Severity, unknown_as: str, soft_fail_on: tuple[str, ...] = ()) -> bool:
    """The gate's rule for one finding (before ``--soft-fail``): a ``fail`` at or above
    ``fail_on``, or an ``unknown`` at or above it when unknowns count as failures, unless
    ``--soft-fail-on`` names its rule or a severity at or above its own."""
    status = f.status  # first: most findings pass (every finding of a report is asked)
    if status != _FAIL and (status != _UNKNOWN or unknown_as != "fail"):
        return False
    if f.severity < fail_on:
        return False
    return not soft_failed(f, soft_fail_on)


_FAIL, _UNKNOWN = Status.FAIL, Status.UNKNOWN


def soft_failed(f: Finding, patterns: tuple[str, ...]) -> bool:
    """Does ``--soft-fail-on`` (rule ids, globs, or severities meaning that level and below) cover
    this finding?"""
    for p in patterns:
        sev = _SEVERITIES.get(p.lower())
        if sev is not None:
            if f.severity <= sev:
                return True
        elif f.rule_id == p or fnmatch.fnmatchcase(f.rule_id, p):
            return True
    return False


_SEVERITIES = {s.label: s for s in Severity}


def finding_text(f: Finding, title: str = "") -> str:
    """What a finding says about its resource, said once. Rule messages often open with the
    resource id (``AssetsBucket: no bucket policy``) and the engine appends what an unknown
    depends on; every reporter names the resource and the unknown itself, so both are taken off
    here, the one place that words a finding for all reporters."""
    msg = f.message or title or f.rule_id
    rid = f.resource_id
    if rid and msg.startswith(rid):
        rest = msg[len(rid):]
        for sep in (": ", " - "):
            if rest.startswith(sep) and rest[len(sep):].strip():
                msg = rest[len(sep):]
                break
    if f.unknowns:
        suffix = f" (depends on unresolved {', '.join(f.unknowns)})"
        if msg.endswith(suffix) and len(msg) > len(suffix):
            msg = msg[: -len(suffix)]
    return msg


@dataclass(slots=True)
class SourceReader:
    """Source text for code snippets, read the way the scan read it: only the files a finding or
    an error of this scan names, only inside the scanned repositories (``roots``), regular files
    within the file size limit (``policyguard.fsread``), secrets masked. A stream scanned from
    stdin is served from memory. Reporters never open a file themselves: they ask this."""

    roots: tuple[str, ...] = ()
    memory: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, tuple[list[str], list[str]] | None] = field(default_factory=dict, repr=False)

    def lines(self, file: str) -> list[str] | None:
        """The masked lines of ``file`` (None: not readable or not ours to read)."""
        got = self._get(file)
        return got[0] if got is not None else None

    def line_withholding(self, file: str, line: int, start_col: int, end_col: int) -> str | None:
        """Line ``line`` with the value at the columns masked whatever it looks like (a value a
        rule judged secret and withheld), then masked as usual. The columns are those of the
        file, so the value is cut from the unmasked line, where masking moved nothing."""
        from policyguard.redact import mask, mask_text

        got = self._get(file)
        if got is None or not 1 <= line <= len(got[1]):
            return None
        raw = got[1][line - 1]
        a, b = start_col - 1, end_col - 1
        value = raw[a:b]
        if not value or a < 0:
            return got[0][line - 1]
        return mask_text(raw[:a] + mask(value) + raw[b:])

    def masked_at(self, file: str, line: int) -> bool:
        """Did masking change line ``line`` (so the file's columns no longer fit it)?"""
        got = self._get(file)
        return got is not None and 1 <= line <= len(got[0]) and got[0][line - 1] != got[1][line - 1]

    def _get(self, file: str) -> tuple[list[str], list[str]] | None:
        if file not in self._cache:
            self._cache[file] = self._read(file)
        return self._cache[file]

    def _read(self, file: str) -> tuple[list[str], list[str]] | None:
        from policyguard.redact import mask_text

        text = self.memory.get(file)
        if text is None:
            text = self._read_file(file)
        if text is None:
            return None
        masked, raw = mask_text(text).splitlines(), text.splitlines()
        if len(masked) != len(raw):  # masking never joins or splits lines; if it did, show nothing
            return None
        return masked, raw

    def _read_file(self, file: str) -> str | None:
        from policyguard.fsread import ReadError, decode_text, read_regular
        from policyguard.limits import DEFAULT_LIMITS
        from policyguard.roots import inside

        if not self.roots or not inside(Path(file), [Path(r) for r in self.roots]):
            return None
        try:
            return decode_text(read_regular(file, DEFAULT_LIMITS.max_file_bytes))
        except (ReadError, OSError, ValueError):
            return None


class ShardFinding(Finding):
    """A finding ``policyguard merge`` read back from a shard's JSON report (``gate.merge``)
    without decoding its row: made with what the gate reads of every finding (rule, status,
    severity, fingerprint) and holding ``row``, the row's JSON text as the shard wrote it
    (compact). Only rows without a fix, a suppression or edits are read so, so those are set
    too (None, None, ()). The other fields are read from ``row`` (by ``reader``) the first time
    any of them is asked: a merge that writes JSON never asks for most, and writes ``row``
    itself for a finding the merge left as it was (``row_fingerprint``, ``row_counts``: the
    fingerprint and gate flag the row holds)."""

    __slots__ = ("row", "row_status", "row_fingerprint", "row_counts", "reader")

    row: str
    row_status: Status
    row_fingerprint: str
    row_counts: bool
    reader: Any  # (ShardFinding) -> None: sets every field still unset from ``row``

    def __init__(self, rule_id: str, status: Status, severity: Severity, fingerprint: str, row: str,
                 row_counts: bool, reader: Any) -> None:
        self.rule_id = rule_id
        self.status = self.row_status = status
        self.severity = severity
        self.fingerprint = self.row_fingerprint = fingerprint
        self.row = row
        self.row_counts = row_counts
        self.reader = reader
        self.fix = None
        self.suppression = None
        self.edits = ()
        self.legacy_fingerprint = ""

    def row_value(self) -> dict[str, Any]:
        """The row decoded (orjson refuses some valid JSON the standard library reads: a lone
        surrogate escape, an integer beyond 64 bits)."""
        import json

        from policyguard import jsonfast

        try:
            value = jsonfast.loads(self.row)
        except jsonfast.DECODE_ERRORS:
            value = json.loads(self.row)
        return value  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:  # only for a field not set yet (slots)
        if name not in LAZY_FIELDS:
            raise AttributeError(name)
        object.__getattribute__(self, "reader")(self)
        return object.__getattribute__(self, name)


# what a ShardFinding reads from its row when first asked
LAZY_FIELDS = frozenset({"resource_id", "resource_type", "platform", "span", "message", "path", "unknowns",
                         "construct_path", "call_chain", "origin"})


@dataclass(slots=True)
class Verdict:
    """The gate's decision: the exit code, the settings that made it and why."""

    exit_code: int
    fail_on: Severity
    soft_fail: bool
    unknown_as: str
    reason: str  # one line: why this exit code
    failing: int = 0  # findings that count against the gate
    soft_fail_on: tuple[str, ...] = ()  # --soft-fail-on: reported, not failing the gate
    soft_failed: int = 0  # failures --soft-fail-on kept from failing the gate

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "passed": self.exit_code == 0,
            "fail_on": self.fail_on.label,
            "soft_fail": self.soft_fail,
            "unknown_as": self.unknown_as,
            "reason": self.reason,
            "failing": self.failing,
            **({"soft_fail_on": list(self.soft_fail_on), "soft_failed": self.soft_failed} if self.soft_fail_on else {}),
        }


# a report's findings: a list, or (a large scan) a ``gate.spool.FindingSpool`` that reads them
# back from disk unit by unit, in the same order, each time it is iterated
Findings = Collection[Finding]


@dataclass(slots=True)
class Report:
    """Everything a reporter reads: the findings, the rules they name, the errors and the verdict."""

    findings: Findings
    rules: dict[str, RuleMeta]
    errors: list[ParseError]
    verdict: Verdict
    notices: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    root: str = ""  # absolute source root: URIs are relative to it
    baseline: dict[str, Any] | None = None  # {"path", "matched", "new", "absent"} when --baseline
    quiet: bool = False
    automation_id: str = ""  # SARIF runAutomationDetails.id
    tool_version: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): candidate files that are not IaC
    verbose: bool = False  # list the skipped files, not only count them
    # rules set aside for want of configuration: id -> the parameters (rules.params) not configured
    unconfigured: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # when the scan ran (UTC; set by the scan command): reports that carry scan times (GitLab SAST)
    started_at: _dt.datetime | None = None
    finished_at: _dt.datetime | None = None
    # how the text report is laid out: snippets of the offending lines (False: --compact)
    snippets: bool = False
    sources: SourceReader | None = None  # where snippets come from (None: no snippets)
    docs_url: str = DEFAULT_DOCS_URL  # a rule's page, ``{id}`` replaced ("" : no links)
    layout_note: str = ""  # why the text report looks as it does, when the reader did not choose it
    pretty: bool = False  # JSON and SARIF indented for people (--pretty); compact by default
    # --severity: {"severities": [...], "hidden": n, "hidden_failing": n} when findings of other
    # severities are left out of the report (the verdict was computed before, on all of them)
    display_filter: dict[str, Any] | None = None
    # ``scan --shard``: what ``policyguard merge`` needs beyond the report (gate.merge.partial_block)
    partial: dict[str, Any] | None = None
    # ``policyguard merge``: each finding's JSON row as its shard wrote it, by ``id(finding)``; the
    # JSON reporter reuses a row whose finding the merge left as it was (only its fingerprint
    # and gate flag are written afresh), instead of encoding the finding again. Findings read
    # without decoding their row are ``ShardFinding``s and carry their row text instead
    source_rows: dict[int, dict[str, Any]] | None = None
    # findings of each status, counted as the gate judged them (a spooled report: ``counts``
    # need not read every finding back); None: counted from ``findings``
    status_counts: dict[Status, int] | None = None
    # a scan's findings already rendered as JSON report rows, in order, as their units were
    # judged (``report.json_report.row_renderer``), with the settings they were rendered with
    rows: Iterable[str] | None = None
    rows_key: tuple[Any, ...] | None = None
    _rel_cache: dict[str, str] = field(default_factory=dict, repr=False)
    _doc_cache: dict[tuple[str, str, str | None], str] = field(default_factory=dict, repr=False)

    def rel(self, file: str) -> str:
        """``file`` relative to the source root (posix), or absolute when outside it."""
        hit = self._rel_cache.get(file)
        if hit is None:
            hit = self._rel_cache[file] = self._rel(file)
        return hit

    def called_from(self, f: Finding) -> str:
        """Where a finding inside a Terraform module was called from, root first, for people:
        ``module.vpc called from envs/prod/main.tf:12`` ("" outside modules)."""
        return "; ".join(f"{c.address} called from {self.rel(c.file)}:{c.line}" for c in f.call_chain)

    def anchor(self, f: Finding) -> Span:
        """Where to show ``f`` in a repository view (code scanning, annotations, text): its own
        span, unless its module was downloaded into the cache (a path outside the repository):
        then the module block in the repository that called the download."""
        site = next((c for c in f.call_chain if c.downloaded), None)
        if site is None:
            return f.span
        return Span(site.file, site.line, site.column, site.line, site.column + 1)

    def rel_location(self, location: str) -> str:
        """``file:line`` with the file made relative like ``rel``."""
        file, sep, line = location.rpartition(":")
        return f"{self.rel(file)}:{line}" if sep and line.isdigit() else location

    def _rel(self, file: str) -> str:
        if not self.root:
            return file.replace(os.sep, "/")
        from policyguard.roots import relative

        try:
            rel = relative(file, self.root)
        except ValueError:
            return os.path.abspath(file)
        if rel.startswith(".."):
            return os.path.abspath(file).replace(os.sep, "/")
        return rel.replace(os.sep, "/")

    def counts(self) -> dict[str, int]:
        by_status = Counter(self.status_counts) if self.status_counts is not None else Counter(map(_STATUS_OF, self.findings))
        by_status = +by_status  # statuses counted to zero are not there
        c = {str(s): by_status.pop(s, 0) for s in Status}
        if by_status:  # not a Status: as indexing ``c`` with it always did
            raise KeyError(str(next(iter(by_status))))
        c["errors"] = len(self.errors)
        c["stale_suppressions"] = sum(1 for n in self.notices if n.kind == "stale")
        c["suppression_problems"] = sum(1 for n in self.notices if n.kind != "stale" and n.subject in ("suppression", "config"))
        c["foreign_suppressions"] = sum(1 for n in self.notices if n.subject == "foreign-suppressions")
        c["skipped_files"] = len(self.skipped)
        c["rules_needing_params"] = len(self.unconfigured)
        return c

    def needs_text(self) -> list[str]:
        """``rules.params.<id>.<name>`` of every parameter an unconfigured rule waits for."""
        return [f"rules.params.{rid}.{n}" for rid, names in sorted(self.unconfigured.items()) for n in names]

    def counts_against(self, f: Finding) -> bool:
        """Does this finding make the gate fail (before --soft-fail)?"""
        return counts_against(f, self.verdict.fail_on, self.verdict.unknown_as, self.verdict.soft_fail_on)

    def show_only(self, severities: tuple[Severity, ...]) -> None:
        """Leave findings of other severities out of the report (``--severity``): what is shown,
        never what fails; the filter and what it hides (failures included) are recorded so every
        report can say so."""
        hidden = failing = 0
        shown: Counter[Status] = Counter()
        for f in self.findings:
            if f.severity in severities:
                shown[f.status] += 1
            else:
                hidden += 1
                failing += self.counts_against(f)
        self.display_filter = {
            "severities": [s.label for s in sorted(severities, reverse=True)],
            "hidden": hidden,
            "hidden_failing": failing,
        }
        if isinstance(self.findings, list):
            self.findings = [f for f in self.findings if f.severity in severities]
        else:  # spooled: filtered as it is read
            from policyguard.gate.spool import FindingsView

            self.findings = FindingsView(self.findings, lambda f: f.severity in severities)
        if self.status_counts is not None:
            self.status_counts = dict(shown)

    def filter_text(self) -> str:
        """One line about an active ``--severity`` filter ("" when none)."""
        d = self.display_filter
        if d is None:
            return ""
        text = f"Showing only {', '.join(d['severities'])} findings (--severity): {d['hidden']} hidden"
        if d["hidden_failing"]:
            text += f", {d['hidden_failing']} of them failing the gate"
        return text

    def rule(self, rule_id: str) -> RuleMeta | None:
        return self.rules.get(rule_id)

    def doc_url(self, rule_id: str) -> str:
        """The page documenting ``rule_id`` ("" when there is none). The default template points
        at the built-in pack's generated pages, so it links built-in rules only; a configured
        template is the organisation's own and links every rule. Computed once per rule (every
        finding of a report asks: resolving the rule's file took most of writing a report)."""
        meta = self.rules.get(rule_id)
        key = (rule_id, self.docs_url, meta.source if meta is not None else None)  # a replaced rule is asked afresh
        hit = self._doc_cache.get(key)
        if hit is None:
            hit = self._doc_cache[key] = self._doc_url(rule_id)
        return hit

    def _doc_url(self, rule_id: str) -> str:
        meta = self.rules.get(rule_id)
        if meta is None or not self.docs_url:
            return ""
        if self.docs_url == DEFAULT_DOCS_URL and not is_builtin(meta):
            return ""
        return self.docs_url.replace("{id}", rule_id)

    def text(self, f: Finding) -> str:
        """The finding's message without the resource id or the unknown note (``finding_text``)."""
        meta = self.rules.get(f.rule_id)
        return finding_text(f, meta.title if meta else "")

    def unknown_note(self, f: Finding) -> str:
        """``unknown: depends on X`` for an unknown verdict ("" otherwise)."""
        if f.status != Status.UNKNOWN and not (f.status == Status.SUPPRESSED and f.unknowns):
            return ""
        note = f"unknown: depends on {', '.join(f.unknowns) or 'an unresolved value'}"
        if f.status == Status.UNKNOWN and self.verdict.unknown_as == "fail":
            note += "; counted as fail"
        return note

    def message(self, f: Finding) -> str:
        """One line naming the resource and what is wrong, the same in every report:
        ``<resource id>: <what the rule says> (unknown: depends on X)``."""
        note = self.unknown_note(f)
        return f"{f.resource_id}: {self.text(f)}" + (f" ({note})" if note else "")


def is_builtin(meta: RuleMeta) -> bool:
    """Is this rule from the built-in pack (the one whose pages the default docs URL serves)?"""
    return bool(meta.source) and _builtin_source(meta.source)


@lru_cache(maxsize=4096)
def _builtin_source(source: str) -> bool:
    """Once per rule file: the reports asked per finding (two realpath calls each: 56% of a
    Kubernetes corpus scan's CPU under a profiler). A file named under the pack's directory as
    the loader names it is decided without resolving it (a realpath is an lstat per component:
    the pack's 546 rules cost 50 ms of every JSON report's rules block); others are resolved."""
    plain, real = _builtin_roots()
    if os.path.normpath(source).startswith(plain + os.sep):
        return True
    return os.path.realpath(source).startswith(real + os.sep)


@lru_cache(maxsize=1)
def _builtin_roots() -> tuple[str, str]:
    from policyguard.engine.rules import builtin_rules_dir

    plain = os.path.normpath(os.path.abspath(builtin_rules_dir()))
    return plain, os.path.realpath(plain)
