"""Suppressions with governance.

Sources (``Suppression.source``):

- ``inline``: a comment in the source file, in the comment block right above a resource or
  anywhere inside it::

      # policyguard:ignore PG-AWS-S3-001 reason="public website" expires=2027-03-31 owner=team-web
      // policyguard:ignore PG-AWS-S3-001,PG-AWS-S3-002 reason=legacy
      "//": "policyguard:ignore PG-AWS-S3-001 reason=legacy"      (Terraform JSON / JSON comment keys)

- ``annotation``: Kubernetes ``metadata.annotations["policyguard.dev/ignore"]`` holding one
  directive per line (or ``;``-separated), same syntax without the ``policyguard:ignore`` prefix.
- ``metadata``: CloudFormation resource ``Metadata: {policyguard: {ignore: [{id, reason,
  expires, owner}]}}`` (a string item uses the inline syntax).
- ``config``: ``suppressions:`` in ``.policyguard.yaml`` scoped by rule, path glob and resource.
- ``exception``: a ``PolicyException`` document (``gate.exceptions``), scoped by its ``match``.

Policy (``suppression_policy``): a suppression without a required reason or expiry, with an
expiry too far out, in the past, or inline for a rule/severity that forbids inline suppressions
is *rejected*: the finding keeps failing and a notice says why. A suppression that matches no
failing finding is *stale*.

Near misses are *invalid*, never ignored: a comment that names policyguard (or a close
misspelling such as ``policygaurd``) followed by ``:``/``-``/``=`` and a suppression-like verb
(``ignore``, ``skip``, ``disable``, ``suppress``, ``exclude``...) but is not exactly
``policyguard:ignore RULE ...``; a Kubernetes annotation or label whose key looks like ours but is
not ``policyguard.dev/ignore``; a CloudFormation ``Metadata`` key that looks like ``policyguard``.
Someone meant to suppress something there, so the report must say it suppresses nothing.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policyguard.model import Finding, Resource, Severity, Status, Suppression

if TYPE_CHECKING:
    from policyguard.gate.config import Config, SuppressionPolicy

MARKER = "policyguard:ignore"
ANNOTATION = "policyguard.dev/ignore"
SUPPRESSIBLE = (Status.FAIL, Status.UNKNOWN)
KEYS = ("reason", "expires", "owner")
# sources scoped by their own criteria rather than attached to one resource; written in
# configuration or exception documents, never inline, so ``forbid_inline`` does not apply
SCOPED = ("config", "exception")

_COMMENT_MARK = re.compile(r'(#|//|/\*|"(?://|\$comment)"\s*:\s*(?="))')
_KV = re.compile(r"""([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)""")
_COMMENT_LINE = re.compile(r"\s*(#|//|/\*|\*)")

# Near misses of the inline marker: <name like policyguard> [:=-] <suppression-like verb>.
_VERBS = r"(?:ignor|skip|disabl|suppress|exclud|exempt|waiv|allow|nocheck|no-check|nolint|mute|silenc)[a-z_-]*"
_LOOKALIKE = re.compile(rf"(?i)(?<![\w.])([a-z][a-z_-]{{4,18}}?)[ \t]*[:=-][ \t]*{_VERBS}")
_LOOKALIKE_PREFILTER = re.compile(rf"(?i)[:=-][ \t]*{_VERBS}")
_RULE_ID = re.compile(r"\bPG-[A-Za-z0-9*?_-]+")
NAME = "policyguard"
# policyguard's own annotations that are not suppressions (written by the webhook)
OTHER_ANNOTATIONS = frozenset({"policyguard.dev/audit"})
SYNTAX = 'policyguard:ignore RULE-ID reason="..." expires=YYYY-MM-DD'


def looks_like_name(word: str) -> bool:
    """``policyguard`` or a close misspelling (``policygaurd``, ``policy-guard``, ``PolicyGuard``)."""
    w = re.sub(r"[-_ ]", "", word.lower())
    if NAME in w:
        return True
    import difflib

    return len(w) >= 8 and difflib.SequenceMatcher(None, w, NAME).ratio() >= 0.8


def looks_like_key(key: str) -> bool:
    """An annotation / Metadata key with a part named like policyguard (``policyguard.io/ignore``)."""
    return any(looks_like_name(part) for part in re.split(r"[./:]", key) if part)


def _lookalike(line: str, near: list[int]) -> str | None:
    """The text of a comment on ``line`` that looks like a suppression but is not the exact
    ``policyguard:ignore <space>`` form, else None. ``near``: offsets of name hints in ``line``;
    only a window around each is searched (minified JSON lines can be megabytes long)."""
    for hint in near:
        lo, hi = max(0, hint - 20), hint + 60
        if not _LOOKALIKE_PREFILTER.search(line, lo, hi):
            continue
        for m in _LOOKALIKE.finditer(line, lo, hi):
            if not looks_like_name(m.group(1)):
                continue
            if (line.startswith(MARKER, m.start()) and m.end() == m.start() + len(MARKER)
                    and line[m.end() : m.end() + 1] in ("", " ", "\t", '"')):
                continue  # the real marker
            if not any(True for _ in _COMMENT_MARK.finditer(line, 0, m.start())):
                continue  # inside a plain value, not a comment
            tail = re.match(r"\S*", line[m.end() :])
            return m.group(0) + (tail.group(0).rstrip('"*/') if tail else "")
    return None


# A near miss must resemble "policyguard" closely (looks_like_name), so it keeps "polic" or
# "guard" (as the marker does): only lines with a hint are examined. str.find is C-speed; a regex
# (even an alternation of literals) over every file cost several times more on the corpus.
_HINTS = ("polic", "guard")


def _hinted_lines(text: str) -> list[tuple[int, str, list[int]]]:
    """(1-based line number, line, hint offsets in the line) of every line of ``text`` that holds
    a hint, in order."""
    low = text.lower()
    positions: list[int] = []
    for h in _HINTS:
        i = low.find(h)
        while i >= 0:
            positions.append(i)
            i = low.find(h, i + 1)
    if not positions:
        return []
    import bisect
    import itertools

    lines = text.splitlines(keepends=True)
    ends = list(itertools.accumulate(map(len, lines)))
    by_line: dict[int, list[int]] = {}
    for pos in sorted(positions):
        i = bisect.bisect_right(ends, pos)
        if i < len(lines):
            by_line.setdefault(i, []).append(pos - (ends[i] - len(lines[i])))
    return [(i + 1, lines[i].rstrip("\r\n"), offs) for i, offs in sorted(by_line.items())]


def may_hold_directive(text: str) -> bool:
    """Cheap test before the per-line scan: the marker or something that could be a near miss."""
    low = text.lower()
    return any(h in low for h in _HINTS)


@dataclass(slots=True)
class Directive:
    """One suppression, wherever it was written: the rules it names, where and why."""

    rules: list[str]
    source: str  # inline | annotation | metadata | config | exception
    file: str
    line: int
    reason: str = ""
    expires: str = ""
    owner: str = ""
    resource_id: str | None = None  # attached resource (inline, annotation, metadata)
    # every resource the directive covers: one block in a module file is one resource per module
    # instance (module.a.aws_x.y and module.b.aws_x.y share the span)
    also: tuple[str, ...] = ()
    path_glob: str = ""  # config scope
    resource_glob: str = ""  # config scope
    problems: list[str] = field(default_factory=list)  # why it can never apply
    used_rules: set[str] = field(default_factory=set)
    name: str = ""  # a PolicyException's name
    scope: Callable[[Resource], bool] | None = None  # a PolicyException's match

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_suppression(self) -> Suppression:
        return Suppression(
            source=self.source, reason=self.reason, owner=self.owner, expires=self.expires, location=self.location,
            name=self.name,
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """A problem shown in every report: a suppression that is stale, expired, rejected or
    invalid, or (``subject`` ``config``) a repository setting the trust model rejected."""

    kind: str
    file: str
    line: int
    message: str
    rule_id: str = ""
    resource_id: str = ""
    subject: str = "suppression"  # suppression | config

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "rule_id": self.rule_id,
            "resource_id": self.resource_id,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.subject} {self.kind}: {self.message}"


@dataclass(slots=True)
class SuppressOutcome:
    """What the suppression stage did: the directives it read, its notices and how many findings it suppressed."""

    directives: list[Directive] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    suppressed: int = 0

    @property
    def stale(self) -> list[Notice]:
        return [n for n in self.notices if n.kind == "stale"]


# --------------------------------------------------------------------------- parsing
def parse_directive_body(body: str, source: str, file: str, line: int) -> Directive:
    """``RULE[,RULE...] key=value ...`` -> Directive (problems recorded, never raised)."""
    body = body.strip()
    if body.endswith("*/"):
        body = body[:-2].strip()
    first_kv = _KV.search(body)
    head = body[: first_kv.start()] if first_kv else body
    rules = [r for r in re.split(r"[,\s]+", head) if r]
    d = Directive(rules=rules, source=source, file=file, line=line)
    if first_kv:
        rest = body[first_kv.start() :]
        pos = 0
        for m in _KV.finditer(rest):
            gap = rest[pos : m.start()].strip()
            if gap:
                d.problems.append(f"cannot parse {gap!r} (expected key=value)")
            pos = m.end()
            key, raw = m.group(1).lower(), m.group(2)
            if raw[:1] == '"':
                value = re.sub(r"\\(.)", r"\1", raw[1:-1])
            elif raw[:1] == "'":
                value = raw[1:-1]
            else:
                value = raw
            if key not in KEYS:
                d.problems.append(f"unknown key {key!r} (allowed: {', '.join(KEYS)})")
            else:
                setattr(d, key, value)
        tail = rest[pos:].strip()
        if tail:
            d.problems.append(f"cannot parse {tail!r} (expected key=value)")
    if not rules:
        d.problems.append("names no rule id (suppressions are rule-scoped: policyguard:ignore RULE-ID ...)")
    if d.expires:
        try:
            _dt.date.fromisoformat(d.expires)
        except ValueError:
            d.problems.append(f"expires={d.expires!r} is not a date (YYYY-MM-DD)")
    return d


def scan_text(text: str, file: str) -> list[Directive]:
    """Every inline directive in a file's text."""
    out: list[Directive] = []
    for lineno, line, offsets in _hinted_lines(text):
        near = _lookalike(line, offsets)
        if near is not None:
            d = Directive(rules=_RULE_ID.findall(line[line.find(near) :]), source="inline", file=file, line=lineno)
            d.problems.append(f"{near!r} does not parse, so it suppresses nothing (the syntax is {SYNTAX})")
            out.append(d)
            continue
        idx = line.find(MARKER)
        if idx < 0:
            continue
        mark = None
        for m in _COMMENT_MARK.finditer(line, 0, idx):
            mark = m
        if mark is None:
            continue  # the marker inside a plain value is not a directive
        if mark.group(1).startswith('"'):
            try:
                body, _ = json.JSONDecoder().raw_decode(line, mark.end())
            except json.JSONDecodeError:
                body = line[mark.end() :]
            body = str(body)
            at = body.find(MARKER)
            body = body[at + len(MARKER) :] if at >= 0 else ""
        else:
            body = line[idx + len(MARKER) :]
        if body[:1] not in ("", " ", "\t"):
            continue  # e.g. policyguard:ignore-file, not ours
        out.append(parse_directive_body(body, "inline", file, lineno))
    return out


def _comment_block_above(lines: list[str], start_line: int) -> range:
    """1-based line numbers of the contiguous comment lines right above ``start_line``."""
    first = start_line
    i = start_line - 1
    while i >= 1 and _COMMENT_LINE.match(lines[i - 1]):
        first = i
        i -= 1
    return range(first, start_line)


def _read(file: str, cache: dict[str, str | None]) -> str | None:
    if file not in cache:
        from policyguard.fsread import read_text
        from policyguard.limits import DEFAULT_LIMITS

        cache[file] = read_text(file, DEFAULT_LIMITS.max_file_bytes)
    return cache[file]


def collect_inline(resources: list[Resource], cache: dict[str, str | None] | None = None) -> list[Directive]:
    """Inline comment directives, each attached to exactly one resource of its file."""
    cache = {} if cache is None else cache
    by_file: dict[str, list[Resource]] = {}
    for r in resources:
        by_file.setdefault(r.span.file, []).append(r)
    out: list[Directive] = []
    for file, res in by_file.items():
        text = _read(file, cache)
        if not text or not may_hold_directive(text):
            continue
        lines = text.splitlines()
        above: dict[int, Resource] = {}
        for r in res:
            for ln in _comment_block_above(lines, r.span.start_line):
                above.setdefault(ln, r)
        for d in scan_text(text, file):
            owner = above.get(d.line)
            if owner is None:
                inside = [r for r in res if r.span.start_line <= d.line <= r.span.end_line]
                if inside:  # the innermost (latest starting) span wins
                    owner = max(inside, key=lambda r: (r.span.start_line, -r.span.end_line))
            if owner is None:
                d.problems.append("is not attached to any resource (put it above or inside the resource)")
            else:
                d.resource_id = owner.id
                d.also = tuple(r.id for r in res if r.span == owner.span and r.id != owner.id)
            out.append(d)
    return out


def collect_annotations(resources: list[Resource]) -> list[Directive]:
    out: list[Directive] = []
    for r in resources:
        if r.platform != "kubernetes":
            continue
        meta = r.attributes.get("metadata")
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        out.extend(_near_miss_keys(r, meta))
        if not isinstance(ann, dict) or ANNOTATION not in ann:
            continue
        span = r.span_for(f'metadata.annotations["{ANNOTATION}"]')
        value = ann[ANNOTATION]
        if not isinstance(value, str):
            d = Directive(rules=[], source="annotation", file=span.file, line=span.start_line, resource_id=r.id)
            d.problems.append(f"annotation {ANNOTATION} must be a string")
            out.append(d)
            continue
        for part in re.split(r"[;\n]", value):
            part = part.strip()
            if part.startswith(MARKER):
                part = part[len(MARKER) :]
            if part:
                d = parse_directive_body(part, "annotation", span.file, span.start_line)
                d.resource_id = r.id
                out.append(d)
    return out


def _near_miss_keys(r: Resource, meta: object) -> list[Directive]:
    """Annotations whose key looks like ours but is not ``policyguard.dev/ignore``, and the
    suppression key put under ``labels``: each an invalid directive at its key."""
    out: list[Directive] = []
    if not isinstance(meta, dict):
        return out
    for section in ("annotations", "labels"):
        values = meta.get(section)
        if not isinstance(values, dict):
            continue
        for key in values:
            key = str(key)
            if section == "annotations" and (key == ANNOTATION or key in OTHER_ANNOTATIONS):
                continue
            if not looks_like_key(key):
                continue
            span = r.span_for(f"metadata.{section}[{json.dumps(key)}]")
            d = Directive(rules=_RULE_ID.findall(str(values[key])), source="annotation", file=span.file,
                          line=span.start_line, resource_id=r.id)
            why = ("a label is not read: suppressions are the annotation" if key == ANNOTATION
                   else f"{section[:-1]} {key!r} is not read: the suppression annotation is")
            d.problems.append(f"{why} {ANNOTATION}: \"RULE-ID reason=...\"; this suppresses nothing")
            out.append(d)
    return out


def collect_metadata(resources: list[Resource]) -> list[Directive]:
    out: list[Directive] = []
    for r in resources:
        if r.platform != "cloudformation":
            continue
        md = r.meta.get("Metadata")
        file, line = r.span.file, r.span.start_line
        for key, value in md.items() if isinstance(md, dict) else ():
            if key != "policyguard" and looks_like_key(str(key)):
                d = Directive(rules=_RULE_ID.findall(json.dumps(value, default=str)), source="metadata", file=file,
                              line=line, resource_id=r.id)
                d.problems.append(f"Metadata key {str(key)!r} is not read: suppressions go under "
                                  "Metadata: {policyguard: {ignore: [{id, reason, expires, owner}]}}; this suppresses nothing")
                out.append(d)
        pg = md.get("policyguard") if isinstance(md, dict) else None
        if pg is None:
            continue
        for key in pg if isinstance(pg, dict) else ():
            if key != "ignore":
                d = Directive(rules=[], source="metadata", file=file, line=line, resource_id=r.id)
                d.problems.append(f"Metadata.policyguard: unknown key {str(key)!r} (allowed: ignore); it suppresses nothing")
                out.append(d)
        items = pg.get("ignore") if isinstance(pg, dict) else None
        if not isinstance(items, list):
            d = Directive(rules=[], source="metadata", file=file, line=line, resource_id=r.id)
            d.problems.append("Metadata.policyguard must be {ignore: [{id, reason, expires, owner}, ...]}")
            out.append(d)
            continue
        for i, item in enumerate(items):
            if isinstance(item, str):
                d = parse_directive_body(item, "metadata", file, line)
            elif isinstance(item, dict):
                rid = item.get("id", item.get("rule"))
                rules = [str(x) for x in rid] if isinstance(rid, list) else ([str(rid)] if rid else [])
                d = Directive(rules=rules, source="metadata", file=file, line=line)
                for k, v in item.items():
                    if k in ("id", "rule"):
                        continue
                    if k not in KEYS:
                        d.problems.append(f"Metadata.policyguard.ignore[{i}]: unknown key {k!r} (allowed: id, {', '.join(KEYS)})")
                    else:
                        setattr(d, k, v.isoformat() if isinstance(v, _dt.date) else str(v))
                if not rules:
                    d.problems.append(f"Metadata.policyguard.ignore[{i}] names no rule id")
                if d.expires:
                    try:
                        _dt.date.fromisoformat(d.expires)
                    except ValueError:
                        d.problems.append(f"expires={d.expires!r} is not a date (YYYY-MM-DD)")
            else:
                d = Directive(rules=[], source="metadata", file=file, line=line)
                d.problems.append(f"Metadata.policyguard.ignore[{i}] must be a mapping or a string")
            d.resource_id = r.id
            out.append(d)
    return out


def collect_config(config: Config) -> list[Directive]:
    out = []
    default_file = str(config.path) if config.path else ".policyguard.yaml"
    for s in config.suppressions:
        out.append(
            Directive(
                rules=[s.rule], source="config", file=s.file or default_file, line=s.line, reason=s.reason, expires=s.expires,
                owner=s.owner, path_glob=s.path, resource_glob=s.resource,
            )
        )
    return out


# --------------------------------------------------------------------------- policy
def policy_problems(d: Directive, policy: SuppressionPolicy, today: _dt.date) -> list[str]:
    """Why ``d`` may not apply (besides parse problems and per-finding inline bans)."""
    probs: list[str] = []
    if policy.require_reason and not d.reason.strip():
        probs.append("has no reason (suppression_policy.require_reason)")
    exp: _dt.date | None = None
    if d.expires:
        try:
            exp = _dt.date.fromisoformat(d.expires)
        except ValueError:
            exp = None
    if policy.require_expiry and not d.expires:
        probs.append("has no expiry (suppression_policy.require_expiry)")
    if exp is not None and policy.max_expiry_days is not None and (exp - today).days > policy.max_expiry_days:
        probs.append(
            f"expires {d.expires}, more than {policy.max_expiry_days} days out (suppression_policy.max_expiry_days)"
        )
    return probs


def is_expired(d: Directive, today: _dt.date) -> bool:
    try:
        return bool(d.expires) and _dt.date.fromisoformat(d.expires) < today
    except ValueError:
        return False


def inline_forbidden(rule_id: str, severity: Severity, policy: SuppressionPolicy) -> bool:
    if any(fnmatch.fnmatchcase(rule_id, pat) for pat in policy.forbid_inline_rules):
        return True
    return severity.label in policy.forbid_inline_severities


def _rule_match(d: Directive, rule_id: str) -> str | None:
    for pat in d.rules:
        if pat == rule_id or fnmatch.fnmatchcase(rule_id, pat):
            return pat
    return None


def _names_rule(pat: str, rules: Iterable[str]) -> bool:
    """Does the rule id or glob ``pat`` name one of ``rules``?"""
    return any(pat == r or fnmatch.fnmatchcase(r, pat) for r in rules)


def _home_files(f: Finding, by_id: dict[str, list[Resource]]) -> set[str]:
    """The files that declare the resource a finding judged, when the finding is located in
    another file of that resource (a rendered kustomize object: a field set by a patch), so a
    suppression at the resource's own document applies. Ids repeat across units (two Terraform
    directories), so only the resources whose spans include the finding's file count."""
    homes: set[str] = set()
    for r in by_id.get(f.resource_id, ()):
        if f.span.file == r.span.file or any(s.file == f.span.file for s in r.attribute_spans.values()):
            homes.add(r.span.file)
    return homes


def _rel(file: str, root: str | None) -> str:
    if not root:
        return os.path.normpath(file).replace(os.sep, "/")
    try:
        return os.path.relpath(os.path.abspath(file), root).replace(os.sep, "/")
    except ValueError:
        return file


def _path_match(glob: str, rel: str) -> bool:
    glob = glob.rstrip("/")
    return fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob + "/*") or rel.startswith(glob + "/")


def _glob_root(d: Directive, default: str | None) -> str | None:
    """A config suppression's path glob starts at its own config file's directory (a scan may
    merge a trusted config with the repository's)."""
    if d.source == "config" and d.file and os.path.isabs(d.file):
        return os.path.dirname(d.file)
    return default


def _judged_in_scope(d: Directive, pat: str, judged: list[tuple[str, str, str]], glob_root: str | None,
                     by_id: dict[str, list[Resource]]) -> bool:
    root = _glob_root(d, glob_root)
    for rule_id, resource_id, file in judged:
        if not (pat == rule_id or fnmatch.fnmatchcase(rule_id, pat)):
            continue
        if d.scope is not None:
            if any(d.scope(r) for r in by_id.get(resource_id, ())):
                return True
            continue
        if d.resource_id is not None and d.source != "config":
            if resource_id == d.resource_id or resource_id in d.also:
                return True
            continue
        if d.path_glob and not _path_match(d.path_glob, _rel(file, root)):
            continue
        if d.resource_glob and not fnmatch.fnmatchcase(resource_id, d.resource_glob):
            continue
        return True
    return False


def _judged_resources(f: Finding, by_id: dict[str, list[Resource]]) -> list[Resource]:
    """The resource a finding judged (ids repeat across units: the one in the finding's file,
    else every resource of that id)."""
    same = by_id.get(f.resource_id, [])
    here = [r for r in same if r.span.file == f.span.file]
    return here or same


# --------------------------------------------------------------------------- apply
def apply(
    findings: list[Finding],
    resources: list[Resource],
    config: Config,
    *,
    root: str | None = None,
    today: _dt.date | None = None,
    cache: dict[str, str | None] | None = None,
    evaluated_rules: set[str] | None = None,
    complete_rule_set: bool = True,
    unrun_rules: set[str] | frozenset[str] = frozenset(),
) -> SuppressOutcome:
    """Mark suppressible findings ``suppressed`` where a valid directive covers them; report the rest.

    Staleness needs evidence, so partial scans (pre-commit on a few files, ``--rule``) do not
    flag suppressions for code or rules they never looked at: with ``evaluated_rules`` given, a
    directive is stale only when its rule judged something in the directive's scope and nothing
    there needed suppressing, or when it names no rule at all (``complete_rule_set``: no
    ``--rule``/``--skip-rule``/``--framework`` filter hid the others, and it names no rule
    the profile left out, ``unrun_rules``). Without
    ``evaluated_rules`` every unused directive is stale. One call is one unit of a
    ``Suppressor``."""
    sup = Suppressor(config, root=root, today=today, evaluated_rules=evaluated_rules,
                     complete_rule_set=complete_rule_set, unrun_rules=unrun_rules)
    sup.unit(0, findings, resources, cache)
    return sup.finish()


class Suppressor:
    """The suppression stage unit by unit (``unit``), then the notices over the whole scan
    (``finish``), so a scan need not hold every unit's findings at once.

    A unit's inline, annotation and metadata directives are collected from that unit's
    resources and cover that unit's findings; the config's suppressions and the exception
    documents cover every unit. A file that belongs to two units (a base two kustomize overlays
    render) yields its directives in both: they are one directive (keyed by source, file, line
    and place among that line's directives), used when either unit uses it, attached first to
    the resource of the earliest unit. A directive is stale only with evidence from a unit it
    belongs to (its rule judged something in its scope there)."""

    def __init__(self, config: Config, *, root: str | None = None, today: _dt.date | None = None,
                 evaluated_rules: set[str] | None = None, complete_rule_set: bool = True,
                 unrun_rules: set[str] | frozenset[str] = frozenset()) -> None:
        self.today = today or _dt.datetime.now(_dt.UTC).date()
        self.policy = config.policy
        self.glob_root = str(config.root.resolve()) if config.root is not None else root  # config path globs
        self.evaluated_rules = evaluated_rules
        self.complete_rule_set = complete_rule_set
        self.unrun_rules = unrun_rules
        self.scoped = [*collect_config(config), *(e.directive() for e in config.exceptions)]
        # unit-collected directives by key, each with the unit order it was first attached in
        self.collected: dict[tuple[str, str, int, int], tuple[int, Directive]] = {}
        self.evidence: set[tuple[int, str]] = set()  # (id(directive), pattern) judged in scope
        self.notices: list[tuple[Notice, int, int]] = []  # rejected, expired: (notice, unit, place)
        self.suppressed = 0
        self._policy_probs: dict[int, list[str]] = {}
        self._reported: set[tuple[int, str, str]] = set()
        self._stale_wanted = self.policy.stale != "ignore" and evaluated_rules is not None
        self._names: dict[str, bool] = {}  # pattern -> names an evaluated rule

    def _canonical(self, found: list[Directive], order: int) -> list[Directive]:
        """The scan's directive for each of a unit's (``found``, in collection order)."""
        out: list[Directive] = []
        ordinal: dict[tuple[str, str, int], int] = {}
        for d in found:
            at = (d.source, d.file, d.line)
            n = ordinal[at] = ordinal.get(at, -1) + 1
            key = (*at, n)
            held = self.collected.get(key)
            if held is None:
                self.collected[key] = (order, d)
                out.append(d)
                continue
            first, c = held
            ids = (d.resource_id, *d.also, c.resource_id, *c.also) if order < first else \
                (c.resource_id, *c.also, d.resource_id, *d.also)
            unique = [i for i in dict.fromkeys(ids) if i is not None]
            if unique:
                c.resource_id, c.also = unique[0], tuple(unique[1:])
            if order < first:
                self.collected[key] = (order, c)
            out.append(c)
        return out

    def _note(self, kind: str, d: Directive, f: Finding, msg: str, order: int) -> None:
        key = (id(d), f.rule_id, f.resource_id + kind)
        if key not in self._reported:
            self._reported.add(key)
            self.notices.append((Notice(kind, d.file, d.line, msg, f.rule_id, f.resource_id), order, len(self.notices)))

    def unit(self, order: int, findings: list[Finding], resources: list[Resource],
             cache: dict[str, str | None] | None = None) -> None:
        """Suppress the findings of one unit (``order``: its place in the scan) with its
        resources' directives and the scan-wide ones. ``cache``: file texts already read."""
        local = collect_inline(resources, cache) + collect_annotations(resources) + collect_metadata(resources)
        mine: list[tuple[Directive, Directive]] = list(zip(local, self._canonical(local, order), strict=True))
        attached: dict[str, list[Directive]] = {}
        for d, c in mine:
            if d.resource_id is not None:
                for rid in (d.resource_id, *d.also):
                    attached.setdefault(rid, []).append(c)
        by_id: dict[str, list[Resource]] = {}
        for r in resources:
            by_id.setdefault(r.id, []).append(r)
        policy, today, scoped, glob_root = self.policy, self.today, self.scoped, self.glob_root
        probs = self._policy_probs
        for f in findings:
            if f.status not in SUPPRESSIBLE:
                continue
            candidates: list[tuple[Directive, str]] = []
            for d in attached.get(f.resource_id, ()):
                if d.file != f.span.file and d.file not in _home_files(f, by_id):
                    continue
                pat = _rule_match(d, f.rule_id)
                if pat is not None:
                    candidates.append((d, pat))
            for d in scoped:
                pat = _rule_match(d, f.rule_id)
                if pat is None:
                    continue
                if d.path_glob and not _path_match(d.path_glob, _rel(f.span.file, _glob_root(d, glob_root))):
                    continue
                if d.resource_glob and not fnmatch.fnmatchcase(f.resource_id, d.resource_glob):
                    continue
                if d.scope is not None and not any(d.scope(r) for r in _judged_resources(f, by_id)):
                    continue
                candidates.append((d, pat))
            applied = None
            for d, pat in candidates:
                d.used_rules.add(pat)
                if d.problems:
                    continue
                if d.source not in SCOPED and policy.forbid_inline_globs and pat != f.rule_id:
                    self._note("rejected", d, f, f"{d.source} suppression pattern {pat!r} covers {f.rule_id} on {f.resource_id}: "
                               "the repository is untrusted, so an inline suppression must name one rule id "
                               "(a trusted config can allow patterns: repo_config: {may_loosen: [suppressions]})", order)
                    continue
                if d.source not in SCOPED and inline_forbidden(f.rule_id, f.severity, policy):
                    self._note("rejected", d, f, f"{d.source} suppression of {f.rule_id} ({f.severity.label}) on {f.resource_id} "
                               "is forbidden by suppression_policy.forbid_inline; suppress it in the config file", order)
                    continue
                why = probs.get(id(d))
                if why is None:
                    why = probs[id(d)] = policy_problems(d, policy, today)
                if why:
                    self._note("rejected", d, f, f"{d.source} suppression of {f.rule_id} on {f.resource_id} " + "; ".join(why), order)
                    continue
                if is_expired(d, today):
                    self._note("expired", d, f, f"{d.source} suppression of {f.rule_id} on {f.resource_id} expired on "
                               f"{d.expires}: the finding counts again", order)
                    continue
                applied = d
                break
            if applied is not None:
                f.status = Status.SUPPRESSED
                f.suppression = applied.to_suppression()
                self.suppressed += 1
        if self._stale_wanted:
            self._gather_evidence(findings, [c for _, c in mine] + scoped, by_id)

    def _gather_evidence(self, findings: list[Finding], directives: list[Directive],
                         by_id: dict[str, list[Resource]]) -> None:
        """For each pattern not used yet: did its rule judge something in the directive's scope
        in this unit (evidence that an unused suppression is stale)?"""
        judged: list[tuple[str, str, str]] | None = None
        for d in directives:
            if d.problems:
                continue
            for pat in d.rules:
                if pat in d.used_rules or (id(d), pat) in self.evidence:
                    continue
                if not self._evaluated(pat):
                    continue  # decided without evidence (finish)
                if judged is None:
                    judged = [(f.rule_id, f.resource_id, f.span.file) for f in findings]
                if _judged_in_scope(d, pat, judged, self.glob_root, by_id):
                    self.evidence.add((id(d), pat))

    def _evaluated(self, pat: str) -> bool:
        """Does ``pat`` name a rule this scan evaluated? Once per pattern: every unit asks."""
        hit = self._names.get(pat)
        if hit is None:
            hit = self._names[pat] = _names_rule(pat, self.evaluated_rules or ())
        return hit

    def directives(self) -> list[Directive]:
        """Every directive of the scan: the units' in the order of their first unit, then the
        config's and the exception documents'."""
        units = sorted(self.collected.values(), key=lambda held: held[0])
        return [d for _, d in units] + self.scoped

    def finish(self) -> SuppressOutcome:
        """The outcome over every unit: invalid, rejected, expired and stale notices."""
        directives = self.directives()
        out = SuppressOutcome(directives=directives, suppressed=self.suppressed)
        # ties (same place, kind and rule) in the order one scan of the units in order gives:
        # directives in their order, rejections in the order of the findings they concern
        ranked: list[tuple[Notice, tuple[int, ...]]] = []
        for i, d in enumerate(directives):
            if d.problems:
                ranked.append((Notice("invalid", d.file, d.line, f"{d.source} suppression {'; '.join(d.problems)}",
                                      ",".join(d.rules), d.resource_id or ""), (i,)))
        ranked += [(n, (order, seq)) for n, order, seq in self.notices]
        if self.policy.stale != "ignore":
            ranked += [(n, (i,)) for i, n in enumerate(self._stale(directives))]
        ranked.sort(key=lambda t: (t[0].file, t[0].line, t[0].kind, t[0].rule_id, t[1]))
        out.notices = [n for n, _ in ranked]
        return out

    def _stale(self, directives: list[Directive]) -> list[Notice]:
        evaluated_rules, unrun_rules = self.evaluated_rules, self.unrun_rules
        out: list[Notice] = []
        for d in directives:
            if d.problems:
                continue
            for pat in d.rules:
                if pat in d.used_rules:
                    continue
                where = f" on {d.resource_id}" if d.resource_id else ""
                if evaluated_rules is None:
                    msg = "matches no failing finding"
                elif not self._evaluated(pat):
                    if not self.complete_rule_set or _names_rule(pat, unrun_rules):
                        continue  # the rule may exist but was filtered out of this scan
                    msg = "names no rule of the loaded rule set"
                elif (id(d), pat) in self.evidence:
                    msg = "matches no failing finding"
                else:
                    continue  # nothing in its scope was scanned: no evidence either way
                out.append(Notice("stale", d.file, d.line, f"{d.source} suppression of {pat}{where} {msg}; remove it",
                                  pat, d.resource_id or ""))
        return out
