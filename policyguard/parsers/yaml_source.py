"""YAML and JSON loading with a source span for every node path.

Why not ``yaml.load``: it gives values without positions, and PyYAML's C composer recurses
(a 100k-deep flow sequence segfaults the interpreter). Here libyaml's C *parser* produces
events and a small iterative composer in this module builds plain Python values and, in
the same pass, a ``dict[path, Span]`` keyed by ``model.format_path`` text. That is also
where the limits are enforced (depth, alias expansion, node and document counts).

Conventions:

* Values are plain JSON-like Python (dict with ``str`` keys, list, str, int, float, bool,
  None). Mapping keys are the key's source text (``on:`` stays ``"on"``, ``1:`` is ``"1"``);
  timestamps and ``!!binary`` stay strings. Merge keys (``<<``) are applied.
* CloudFormation short-form tags become their long form: ``!Ref X`` -> ``{"Ref": "X"}``,
  ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Condition C`` -> ``{"Condition": "C"}``,
  every other ``!Name v`` -> ``{"Fn::Name": v}``; Rain directives (``!Rain::Module p``) ->
  ``{"Rain::Module": p}`` so the CloudFormation parser can report them. Other local tags are
  ignored (the value is kept as written).
* The span of a mapping entry runs from its key to the end of its value (that is the line a
  user looks at); a sequence item's span is the item itself; ``""`` is the document root.
  Paths below a tagged intrinsic (``BucketName.Ref``) share the tag's span. Paths below an
  alias reuse the anchored node's spans. Values reached through an alias are shared
  objects (bounded by ``Limits.max_alias_nodes``): treat loaded values as read-only.
* JSON is decoded with ``json`` (exact JSON semantics and error positions) and positioned
  with the same event walk (JSON is YAML flow syntax).

With ``native/yaml`` installed, the composer below is the reference and the error path: the
same walk in Rust (``NATIVE``) reads every file that loads cleanly.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from policyguard import lazyre
from policyguard.limits import DEFAULT_LIMITS, Limits, depth_message, json_too_deep
from policyguard.model import ErrorKind, ParseError, Span
from policyguard.parsers import numbers

CFN_TAGS = frozenset(
    {
        "Ref", "Sub", "GetAtt", "If", "Join", "Select", "Split", "FindInMap", "ImportValue",
        "Base64", "Cidr", "GetAZs", "Equals", "And", "Or", "Not", "Condition", "Transform",
        "Length", "ToJsonString",
    }
)  # fmt: skip

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")  # must match model.format_path
_PLAIN_KEYS: dict[str, bool] = {}  # key -> written without quotes (keys repeat a lot)
_YAML_TAG = "tag:yaml.org,2002:"


class SourceError(Exception):
    """A located problem that stops loading a file; ``error`` is the ParseError to report."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(slots=True)
class Document:
    """One YAML document (or a whole JSON file) with the spans of all its node paths."""

    value: Any
    spans: dict[str, Span]
    span: Span
    index: int = 0
    yn: bool = False  # holds ``YN`` scalars (``yn_marker`` loads): see ``resolve_yn``


@dataclass(slots=True)
class LoadResult:
    """The documents of a YAML stream and its errors."""

    documents: list[Document] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)


# --------------------------------------------------------------------------- paths
def child_path(parent: str, seg: str | int) -> str:
    """``format_path(parent_segments + (seg,))`` computed incrementally from the parent text."""
    if isinstance(seg, int):
        return f"{parent}[{seg}]"
    plain = _PLAIN_KEYS.get(seg)
    if plain is None:
        plain = _IDENT.match(seg) is not None
        if len(_PLAIN_KEYS) < 65536:
            _PLAIN_KEYS[seg] = plain
    if plain:
        return f"{parent}.{seg}" if parent else seg
    escaped = seg.replace("\\", "\\\\").replace('"', '\\"')
    return f'{parent}["{escaped}"]'


def _rebase(path: str, old: str, new: str) -> str:
    """Move ``path`` (which starts with ``old``) under ``new``."""
    rest = path[len(old) :]
    if not new:
        return rest[1:] if rest.startswith(".") else rest
    if not old and rest and not rest.startswith("["):
        return f"{new}.{rest}"
    return new + rest


# --------------------------------------------------------------------------- reading
def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The file's text (UTF-8, or UTF-16/32 with a BOM; BOM stripped) or a SourceError
    (UNREADABLE / LIMIT). Only regular files are opened, and reads are bounded (``fsread``)."""
    from policyguard.fsread import ReadError, decode_text, read_regular

    try:
        return decode_text(read_regular(path, limits.max_file_bytes))
    except ReadError as exc:
        raise SourceError(ParseError(str(path), exc.line, exc.column, exc.message, exc.kind)) from None


# --------------------------------------------------------------------------- scalar construction
_constructor: Any = None
_resolvers: dict[str | None, list[tuple[str, Any]]] | None = None


_kubectl_resolvers: dict[str | None, list[tuple[str, Any]]] | None = None
# kubectl reads YAML with go-yaml v2 (YAML 1.1), which also takes a plain y/Y/n/N for a boolean;
# PyYAML's resolvers do not. A manifest must be judged as the cluster will read it
# (`hostProcess: y` is true there), so the Kubernetes parser adds them (see load_yaml).
YN_BOOL = "policyguard:yn-bool"


class YN(str):
    """A plain y/Y/n/N scalar read before the format is known (``load_yaml(yn_marker=True)``):
    ``resolve_yn`` makes it a boolean for Kubernetes and a plain string for everything else."""

    __slots__ = ()


def resolve_yn(value: Any, as_bool: bool) -> Any:
    """``value`` with every ``YN`` scalar replaced (in place: a document is read-only after)."""
    if isinstance(value, YN):
        return value in ("y", "Y") if as_bool else str(value)
    seen: set[int] = set()
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in list(items):
            if isinstance(v, YN):
                node[k] = v in ("y", "Y") if as_bool else str(v)
            elif isinstance(v, dict | list):
                stack.append(v)
    return value


def _setup(kubectl_booleans: bool = False) -> tuple[Any, dict[str | None, list[tuple[str, Any]]]]:
    global _constructor, _resolvers, _kubectl_resolvers
    if _constructor is None or _resolvers is None or _kubectl_resolvers is None:
        import yaml

        _constructor = yaml.constructor.SafeConstructor()
        _resolvers = dict(yaml.resolver.Resolver.yaml_implicit_resolvers)
        yn = re.compile(r"^[yYnN]$")
        _kubectl_resolvers = {k: list(v) for k, v in _resolvers.items()}
        for first in "yYnN":
            _kubectl_resolvers[first] = [(YN_BOOL, yn), *_kubectl_resolvers.get(first, [])]
    return _constructor, (_kubectl_resolvers if kubectl_booleans else _resolvers)


_INF = float("inf")


def _construct_scalar(tag: str, value: str, cons: Any) -> Any:
    from yaml.nodes import ScalarNode

    short = tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag
    if short == "null":
        return None
    if short == "bool":
        return value.lower() in ("yes", "true", "on", "y")
    if short == "int":
        if sum(c.isdigit() for c in value) > numbers.MAX_INT_DIGITS + 2:  # before int(): quadratic
            return numbers.to_int(value.replace(",", ""))  # raises the located limit error
        return numbers.check(cons.construct_yaml_int(ScalarNode(tag, value)), value)
    if short == "float":
        f = cons.construct_yaml_float(ScalarNode(tag, value))
        if f != f or f in (_INF, -_INF):
            if value.lstrip("+-").lower() not in (".inf", ".nan"):  # YAML's own spellings stay what they say
                return numbers.to_float(value)  # 1e400: raises the located limit error
        return f
    return value  # str, timestamp, binary, merge marker handled by caller, anything else


def _construct_implicit(tag: str, raw: str, cons: Any) -> Any:
    """A plain scalar a resolver matched: PyYAML's int pattern is loose (``0x_``, ``0b_``), and
    what it cannot construct is text, as YAML readers (kubectl's go-yaml, CloudFormation) read
    it. ``numbers.NumberError`` (a number the model cannot hold) still raises."""
    try:
        return _construct_scalar(tag, raw, cons)
    except numbers.NumberError:
        raise
    except ValueError:
        return raw


# --------------------------------------------------------------------------- the composer
_PLACEHOLDER = Span("", 0, 0, 0, 0)  # a collection's span until its end


class _Frame:
    __slots__ = ("kind", "value", "path", "start", "flow", "anchor", "key", "key_start", "index",
                 "span_from", "last_end", "merges", "explicit", "size", "tag", "child_base", "node_start")  # fmt: skip

    def __init__(self, kind: str, value: Any, path: str, start: tuple[int, int], flow: bool, anchor: str | None,
                 span_from: int, tag: str | None) -> None:  # fmt: skip
        self.kind = kind
        self.value = value
        self.path = path
        self.start = start
        self.flow = flow
        self.anchor = anchor
        self.key: str | None = None
        self.key_start: tuple[int, int] = start
        self.index = 0
        self.span_from = span_from
        self.last_end = start
        self.merges: list[tuple[Any, tuple[int, int], tuple[int, int], int, int]] = []
        self.explicit: set[str] = set()
        self.size = 1
        self.tag = tag
        # children of a tagged intrinsic live under its long-form key: X["Fn::If"][0]
        self.child_base = child_path(path, _cfn_key(tag)) if tag else path
        self.node_start = start  # where the collection itself (or its tag) starts


EVENT_LOADER = "c"
"""Which PyYAML parser produces the events: ``"c"`` (libyaml's, when PyYAML was built with it)
or ``"python"`` (PyYAML's pure-Python parser, also the fallback without libyaml). Both are
iterative; the tests run the limits against each."""


NATIVE = True
"""Compose with ``policyguard_yaml`` (``native/yaml``: the same walk in Rust over libyaml's
parser translated to Rust, and ``_json_spans`` in Rust) when it is installed. It covers the
documents that load cleanly and hands everything else (a syntax error, a limit, a scalar it
cannot construct) back to the composer below, which then reads the file from the start and
reports what it always reports."""


@functools.cache
def _native() -> Any:
    """The native composer, configured with this module's resolvers and tags; None without it."""
    try:
        import policyguard_yaml
    except ImportError:
        return None
    from policyguard.model import Span as span_class

    cons, plain = _setup(False)
    _, kubectl = _setup(True)

    def construct(tag: str, raw: str, implicit: bool) -> Any:
        # raising hands the file to the Python composer, which reports the error
        return (_construct_implicit if implicit else _construct_scalar)(tag, raw, cons)

    patterns: dict[re.Pattern[str], int] = {}  # each distinct pattern once (PyYAML files one under many first characters)
    rows = [_rust_rows(plain, patterns), _rust_rows(kubectl, patterns)]
    return policyguard_yaml.Composer([_rust_pattern(rx) for rx in patterns], *rows, YN_BOOL, set(CFN_TAGS),
                                     construct, span_class, YN)  # fmt: skip


def _rust_rows(resolvers: dict[str | None, list[tuple[str, Any]]],
               patterns: dict[re.Pattern[str], int]) -> list[tuple[str, str, int]]:
    """The resolver table as (first character, tag, index of the pattern in ``patterns``), in
    order. Only string keys: ``_run`` looks resolvers up by a scalar's first character."""
    return [(first, tag, patterns.setdefault(rx, len(patterns)))
            for first, rows in resolvers.items() if isinstance(first, str) for tag, rx in rows]  # fmt: skip


def _rust_pattern(rx: re.Pattern[str]) -> str:
    """``rx`` for Rust's ``regex``, matching what ``rx.match`` matches: verbose whitespace is
    dropped outside classes (Rust's verbose mode drops it inside them too), and the closing
    ``$`` (which in Python also matches before a final newline) is spelled out."""
    pattern = rx.pattern
    if rx.flags & re.VERBOSE:
        out: list[str] = []
        in_class = escaped = False
        for c in pattern:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif in_class:
                in_class = c != "]"
            elif c == "[":
                in_class = True
            elif c.isspace():
                continue
            elif c == "#":
                raise ValueError(f"comment in resolver pattern {pattern!r}")
            out.append(c)
        pattern = "".join(out)
    if not pattern.startswith("^") or not pattern.endswith("$") or pattern.endswith("\\$"):
        raise ValueError(f"resolver pattern {pattern!r} is not anchored at both ends")
    return pattern[:-1] + r"\n?\z"


def _event_loader_class(name: str) -> tuple[Any, bool]:
    """The loader class for ``name`` and whether it is libyaml's."""
    import yaml

    c_loader = getattr(yaml, "CSafeLoader", None) if name == "c" else None
    return (c_loader, True) if c_loader is not None else (yaml.SafeLoader, False)


class _Composer:
    """Builds documents from libyaml events, iteratively (no recursion, so no depth crash)."""

    def __init__(self, text: str, file: str, limits: Limits, *, positions_only: bool = False,
                 kubectl_booleans: bool = False, loader: str | None = None, yn_marker: bool = False) -> None:
        self.loader = loader or EVENT_LOADER
        self.libyaml = False  # set by compose(): whether the events come from libyaml
        self.kubectl_booleans = kubectl_booleans or yn_marker
        self.yn_marker = yn_marker
        self.yn_seen = False
        self.text = text
        self.file = file
        self.limits = limits
        self.positions_only = positions_only
        self._lines: list[str] | None = None
        self.nodes = 0
        self.alias_nodes = 0

    # ---- helpers
    def _err(self, mark: Any, message: str, kind: ErrorKind = ErrorKind.PARSE) -> SourceError:
        return SourceError(ParseError(self.file, mark.line + 1, mark.column + 1, message, kind))

    def _span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        return Span(self.file, start[0], start[1], end[0], end[1])

    def _scalar_end(self, ev: Any) -> tuple[int, int]:
        end = (ev.end_mark.line + 1, ev.end_mark.column + 1)
        if ev.style in ("|", ">") and ev.end_mark.line > ev.start_mark.line:
            # block scalars end where the next token starts: pull the end back to the last
            # non-blank character of the scalar's own lines
            if self._lines is None:
                self._lines = self.text.split("\n")
            line = ev.end_mark.line  # 0-based index of the line holding the end mark
            col = ev.end_mark.column
            while line > ev.start_mark.line:
                chunk = self._lines[line][:col] if line < len(self._lines) else ""
                if chunk.strip():
                    break
                line -= 1
                col = len(self._lines[line]) if line < len(self._lines) else 0
            text_line = self._lines[line] if line < len(self._lines) else ""
            end = (line + 1, len(text_line[:col].rstrip()) + 1)
        return end

    # ---- main loop
    def compose(self) -> tuple[list[Document], ParseError | None]:
        import yaml

        if NATIVE and not self.positions_only:
            native = _native()
            if native is not None:
                lim = self.limits
                rows = native.compose(self.text, self.file, lim.max_documents, lim.max_nodes, lim.max_depth,
                                      lim.max_alias_nodes, self.kubectl_booleans, self.yn_marker)  # fmt: skip
                if rows is not None:
                    file = self.file
                    return [Document(value, spans, Span(file, a, b, c, d), i, yn)
                            for i, (value, spans, a, b, c, d, yn) in enumerate(rows)], None  # fmt: skip
        cons, resolvers = _setup(self.kubectl_booleans)
        loader_cls, self.libyaml = _event_loader_class(self.loader)
        loader = loader_cls(self.text)
        docs: list[Document] = []
        try:
            self._run(loader, docs, cons, resolvers)
        except SourceError as exc:
            return docs, exc.error
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            msg = exc.problem or exc.context or "invalid YAML"
            if exc.context and exc.problem:
                ctx_mark = exc.context_mark
                where = ""
                if ctx_mark is not None and (ctx_mark.line + 1, ctx_mark.column + 1) != (line, col):
                    where = f" (line {ctx_mark.line + 1}, column {ctx_mark.column + 1})"
                msg = f"{exc.problem} {exc.context}{where}"
            return docs, ParseError(self.file, line, col, f"YAML: {msg}")
        except yaml.YAMLError as exc:
            return docs, ParseError(self.file, 1, 1, f"YAML: {exc}")
        finally:
            loader.dispose()
        return docs, None

    def _run(self, loader: Any, docs: list[Document], cons: Any, resolvers: dict[str | None, list[tuple[str, Any]]]) -> None:
        import yaml
        from yaml import events as E

        limits = self.limits
        stack: list[_Frame] = []
        spans: list[tuple[str, Span]] = []
        anchors: dict[str, tuple[Any, str, int, int, int]] = {}  # value, path, span range, size
        doc_start = (1, 1)
        root: list[Any] = []
        value: Any = None

        ev: Any = None
        while True:
            try:
                ev = loader.get_event()
            except yaml.MarkedYAMLError as exc:
                self._check_read_ahead(exc, len(stack), ev.end_mark.index if ev is not None else 0)
                raise
            if ev is None:
                break
            cls = type(ev)

            if cls is E.DocumentStartEvent:
                if len(docs) >= limits.max_documents:
                    raise self._err(ev.start_mark, f"more than {limits.max_documents} YAML documents", ErrorKind.LIMIT)
                spans = []
                anchors = {}
                root = []
                doc_start = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                continue
            if cls is E.DocumentEndEvent:
                value = root[0] if root else None
                end = (ev.end_mark.line + 1, ev.end_mark.column + 1)
                if root and spans:
                    end = spans[0][1].end_line, spans[0][1].end_col
                    doc_start = spans[0][1].start_line, spans[0][1].start_col
                table = {p: s for p, s in spans if not p.startswith("\0")}
                docs.append(Document(value, table, self._span(doc_start, end), len(docs), self.yn_seen))
                self.yn_seen = False
                continue
            if cls is E.StreamStartEvent or cls is E.StreamEndEvent:
                continue

            # ---- a node (scalar, alias, collection start) or a collection end
            if cls is E.MappingEndEvent or cls is E.SequenceEndEvent:
                frame = stack.pop()
                end = (ev.end_mark.line + 1, ev.end_mark.column + 1) if frame.flow else frame.last_end
                value = frame.value
                if frame.kind == "map" and frame.merges:
                    value = self._apply_merges(frame, spans)
                if frame.tag is not None:
                    value = self._cfn(frame.tag, value, None)
                    spans.append((frame.child_base, self._span(frame.node_start, end)))
                size = frame.size
                self._finish(stack, root, spans, value, frame.path, frame.start, end, size, frame.span_from,
                             frame.anchor, anchors, is_collection=True)  # fmt: skip
                continue

            # value-position bookkeeping: is this event a mapping key?
            parent = stack[-1] if stack else None
            if parent is not None and parent.kind == "map" and parent.key is None:
                # this event is a key
                if cls is not E.ScalarEvent:
                    if cls is E.AliasEvent:
                        akey = anchors.get(ev.anchor)
                        if akey is not None and isinstance(akey[0], str):
                            parent.key = akey[0]
                            parent.key_start = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                            continue
                    raise self._err(ev.start_mark, "mapping key is not a scalar (a template placeholder like {{ }}?)")
                parent.key = ev.value
                if ev.tag is None and ev.implicit[0] and ev.value == "<<":
                    parent.key = "<<\0merge"
                elif self.positions_only and ev.value in parent.explicit:
                    parent.key = f"{ev.value}\0dup{len(parent.explicit)}"  # keep both: shapes must match
                parent.key_start = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                if ev.anchor:
                    anchors[ev.anchor] = (ev.value, "", len(spans), len(spans), 1)
                continue

            if parent is None:
                path = ""
                start = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            elif parent.kind == "map":
                assert parent.key is not None
                if parent.key == "<<\0merge":
                    path = "\0" + parent.child_base  # dropped or re-based by _apply_merges
                else:
                    path = child_path(parent.child_base, parent.key)
                start = parent.key_start
            else:
                path = child_path(parent.child_base, parent.index)
                start = (ev.start_mark.line + 1, ev.start_mark.column + 1)

            self.nodes += 1
            if self.nodes > limits.max_nodes:
                raise self._err(ev.start_mark, f"more than {limits.max_nodes} YAML nodes in one file", ErrorKind.LIMIT)

            if cls is E.ScalarEvent:
                tag = ev.tag
                raw = ev.value
                cfn: str | None = None
                if tag is None or tag == "!":
                    if ev.implicit[0] and tag is None:
                        value = raw
                        for rtag, regexp in resolvers.get(raw[:1] if raw else "", ()):
                            if regexp.match(raw):
                                try:
                                    if rtag != YN_BOOL:
                                        value = _construct_implicit(rtag, raw, cons)
                                    elif self.yn_marker:
                                        value = YN(raw)
                                        self.yn_seen = True
                                    else:
                                        value = raw in ("y", "Y")
                                except numbers.NumberError as exc:
                                    raise self._err(ev.start_mark, exc.message, ErrorKind.LIMIT) from None
                                break
                    else:
                        value = raw
                elif tag.startswith(_YAML_TAG):
                    try:
                        value = _construct_scalar(tag, raw, cons)
                    except numbers.NumberError as exc:
                        raise self._err(ev.start_mark, exc.message, ErrorKind.LIMIT) from None
                    except Exception:
                        raise self._err(ev.start_mark, f"cannot read {raw!r} as {tag}") from None
                elif tag.startswith("!") and (tag[1:] in CFN_TAGS or tag.startswith("!Rain::")):
                    cfn = tag[1:]
                    value = raw
                else:
                    value = raw
                if cfn is not None:
                    value = self._cfn(cfn, value, ev)
                end = self._scalar_end(ev)
                self._finish(stack, root, spans, value, path, start, end, 1, len(spans), ev.anchor, anchors,
                             is_collection=False)  # fmt: skip
                if cfn is not None:
                    inner = self._span((ev.start_mark.line + 1, ev.start_mark.column + 1), end)
                    for sub in _cfn_subpaths(path, dict(value)):
                        spans.append((sub, inner))
                continue

            if cls is E.AliasEvent:
                target = anchors.get(ev.anchor)
                if target is None:
                    raise self._err(ev.start_mark, f"unknown alias *{ev.anchor}")
                value, apath, lo, hi, size = target
                self.alias_nodes += size
                self.nodes += size - 1
                if self.alias_nodes > limits.max_alias_nodes:
                    raise self._err(
                        ev.start_mark,
                        f"aliases expand to more than {limits.max_alias_nodes} nodes (YAML alias bomb?)",
                        ErrorKind.LIMIT,
                    )
                end = (ev.end_mark.line + 1, ev.end_mark.column + 1)
                from_idx = len(spans)
                copied = [(_rebase(p, apath, path), s) for p, s in spans[lo + 1 : hi]] if hi > lo + 1 else []
                self._finish(stack, root, spans, value, path, start, end, size, from_idx, None, anchors,
                             is_collection=False, extra=copied)  # fmt: skip
                continue

            # collection start
            if len(stack) >= limits.max_depth:
                raise self._err(ev.start_mark, depth_message(limits.max_depth), ErrorKind.LIMIT)
            tag = ev.tag
            cfn_tag = tag[1:] if tag and tag.startswith("!") and (tag[1:] in CFN_TAGS or tag.startswith("!Rain::")) else None
            kind = "map" if cls is E.MappingStartEvent else "seq"
            container: Any = {} if kind == "map" else []
            frame = _Frame(kind, container, path, start, bool(ev.flow_style), ev.anchor, len(spans), cfn_tag)
            frame.node_start = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            spans.append((path, _PLACEHOLDER))  # replaced in _finish, before anything reads it
            stack.append(frame)

    def _check_read_ahead(self, exc: Any, depth: int, seen: int) -> None:
        """Raise the LIMIT error when nesting beyond ``Limits.max_depth`` explains a parser error.

        libyaml's scanner reads up to 1024 characters of a line ahead of the events it has
        handed out (to decide whether a token starts a simple key), and libyaml (as bundled
        with PyYAML >= 6.0.4) stops deep nesting itself, with a syntax error, before our depth
        check sees the events: ``[[[[...`` on one line never reaches level 200 here. So when
        libyaml fails after text that could hold enough collection starts to pass the limit
        (a cheap, generous count of indicators between the last event and the error), that
        text is read again by PyYAML's pure-Python parser, which has no nesting limit of its
        own and, at the end of the cut text, hands out every pending event: our check then
        decides, at the exact line and column. Otherwise the syntax error stands.
        """
        mark = getattr(exc, "problem_mark", None)
        if not self.libyaml or mark is None:
            return
        stop = min(max(mark.index, 0), len(self.text))
        region = self.text[min(seen, stop) : stop + 1]
        bound = sum(region.count(c) for c in "[{-?:\n")
        if depth + bound <= self.limits.max_depth:
            return
        again = _Composer(self.text[: stop + 1], self.file, self.limits, positions_only=True, loader="python")
        _, err = again.compose()
        if err is not None and err.kind == ErrorKind.LIMIT:
            raise SourceError(err)

    def _finish(
        self,
        stack: list[_Frame],
        root: list[Any],
        spans: list[tuple[str, Span]],
        value: Any,
        path: str,
        start: tuple[int, int],
        end: tuple[int, int],
        size: int,
        span_from: int,
        anchor: str | None,
        anchors: dict[str, tuple[Any, str, int, int, int]],
        *,
        is_collection: bool,
        extra: list[tuple[str, Span]] | None = None,
    ) -> None:
        span = self._span(start, end)
        if is_collection:
            spans[span_from] = (path, span)
        else:
            spans.append((path, span))
        if extra:
            spans.extend(extra)
        if anchor:
            anchors[anchor] = (value, path, span_from, len(spans), size)
        parent = stack[-1] if stack else None
        if parent is None:
            root.append(value)
            return
        parent.size += size
        parent.last_end = end
        if parent.kind == "map":
            key = parent.key
            assert key is not None
            if key == "<<\0merge":
                parent.merges.append((value, start, end, span_from, len(spans)))
            else:
                parent.value[key] = value
                parent.explicit.add(key)
            parent.key = None
        else:
            parent.value.append(value)
            parent.index += 1

    def _apply_merges(self, frame: _Frame, spans: list[tuple[str, Span]]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        base = frame.child_base
        mpath = "\0" + base
        for value, start, end, lo, hi in frame.merges:
            sources = value if isinstance(value, list) else [value]
            taken: dict[str, str] = {}
            for i, src in enumerate(sources):
                if not isinstance(src, dict):
                    raise SourceError(
                        ParseError(self.file, start[0], start[1], "merge key '<<' needs a mapping or a list of mappings")
                    )
                src_base = child_path(mpath, i) if isinstance(value, list) else mpath
                for k, v in src.items():
                    if k not in merged and k not in frame.explicit:
                        merged[k] = v
                        taken[child_path(src_base, k)] = child_path(base, k)
                        spans.append((child_path(base, k), self._span(start, end)))
            for j in range(lo, hi):  # nested spans of the merged entries move under this mapping
                p, s = spans[j]
                for old, new in taken.items():
                    if p.startswith(old) and (len(p) == len(old) or p[len(old)] in ".["):
                        spans.append((_rebase(p, old, new), s))
                        break
        merged.update(frame.value)
        return merged

    def _cfn(self, tag: str, value: Any, ev: Any) -> Any:
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            res, dot, attr = value.partition(".")
            return {"Fn::GetAtt": [res, attr] if dot else [res]}
        return {_cfn_key(tag): value}


def _cfn_key(tag: str) -> str:
    return tag if tag in ("Ref", "Condition") or tag.startswith("Rain::") else f"Fn::{tag}"


def _cfn_subpaths(path: str, value: dict[str, Any]) -> list[str]:
    """Paths inside a scalar-tag intrinsic's long form (``X.Ref``, ``X["Fn::GetAtt"][0]``)."""
    (key, inner), = value.items()
    base = child_path(path, key)
    out = [base]
    if isinstance(inner, list):
        out.extend(child_path(base, i) for i in range(len(inner)))
    return out


# --------------------------------------------------------------------------- public API
def load_yaml(text: str, file: str, limits: Limits = DEFAULT_LIMITS, *,
              kubectl_booleans: bool = False, yn_marker: bool = False) -> tuple[list[Document], ParseError | None]:
    """Every document of a YAML stream; on a syntax error, the documents before it and the error.
    ``kubectl_booleans``: read a plain y/Y/n/N as a boolean, as kubectl does (``YN_BOOL``).
    ``yn_marker``: read them as ``YN`` strings, to be resolved once the format is known."""
    return _Composer(text, file, limits, kubectl_booleans=kubectl_booleans, yn_marker=yn_marker).compose()


# JSON text that libyaml would read differently, replaced by same-length stand-ins so every
# position stays put: "\/" (no such YAML escape), surrogate escapes, characters YAML does not
# allow, and U+0085/U+2028/U+2029 (line breaks to YAML, not to JSON). Keys read this way can
# differ from the JSON keys: ``_remap`` carries the spans over by shape.
_JSON_ESCAPES = re.compile(r"\\(?:[\\/]|u[dD][89a-fA-F][0-9a-fA-F]{2})")


# compiled on first use: a class over most of Unicode takes ~10 ms to compile, and only JSON
# that the one-pass scanner leaves to the event walk (_json_for_yaml) needs it
_json_not_yaml = lazyre.lazy("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape_stand_in(m: re.Match[str]) -> str:
    esc = m.group()
    if len(esc) == 2:
        return "\\\\"
    return f"\\u{0xE000 + int(esc[2:], 16) - 0xD800:04X}"  # surrogate -> private use, still distinct


def _json_for_yaml(text: str) -> str:
    text = _JSON_ESCAPES.sub(_escape_stand_in, text)
    # one character for one character, distinct ones staying distinct (plane-15 private use)
    return _json_not_yaml().sub(lambda m: chr(0xF0000 + ord(m.group())), text)


def _remap(spans: dict[str, Span], yv: Any, jv: Any, ypath: str, jpath: str, out: dict[str, Span]) -> bool:
    """Carry spans from the YAML reading's paths to the JSON value's paths (same shape)."""
    if ypath in spans:
        out[jpath] = spans[ypath]
    if isinstance(jv, dict):
        if not isinstance(yv, dict):
            return False
        items = list(yv.items())
        if len(items) != len(jv):  # duplicate keys: JSON keeps the first position, the last value
            last: dict[str, tuple[str, Any]] = {}
            for yk, yval in items:
                base = yk.split("\0dup", 1)[0]
                last[base] = (yk, yval)  # dict order stays that of the first occurrence
            items = list(last.values())
            if len(items) != len(jv):
                return False
        return all(
            _remap(spans, yval, jval, child_path(ypath, yk), child_path(jpath, jk), out)
            for (yk, yval), (jk, jval) in zip(items, jv.items(), strict=True)
        )
    if isinstance(jv, list):
        if not isinstance(yv, list) or len(yv) != len(jv):
            return False
        return all(
            _remap(spans, y, j, child_path(ypath, i), child_path(jpath, i), out) for i, (y, j) in enumerate(zip(yv, jv, strict=True))
        )
    return not isinstance(yv, dict | list)


_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")


def _json_spans(text: str, file: str, limits: Limits) -> dict[str, Span] | None:
    """The spans of every node path of ``text``, a JSON document ``json`` has already decoded,
    exactly as the event walk below would give them (a mapping entry from its key to the end of
    its value, a sequence item or the root the node itself; columns in characters), read in
    one forward pass with the C string scanner: about twice as fast as the event walk (libyaml
    builds a Python object per event and mark). None where it would not be the same: a
    duplicate key, a carriage return (a YAML line break, not a JSON one), or a node or depth
    limit reached, which the event walk reports with its own located error."""
    from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner, not in typeshed

    if "\r" in text:
        return None
    # _JSON_WS matches everywhere (it may match nothing): never None
    ws = cast("Callable[[str, int], re.Match[str]]", _JSON_WS.match)
    scalar, child, span_of = _JSON_SCALAR.match, child_path, Span
    count, rfind = text.count, text.rfind
    line, seen, nl = 1, 0, -1  # positions are asked for in increasing order: lines counted as they pass

    def at(pos: int) -> tuple[int, int]:
        nonlocal line, seen, nl
        n = count("\n", seen, pos)
        if n:
            line += n
            nl = rfind("\n", seen, pos)
        seen = pos
        return line, pos - nl

    spans: dict[str, Span] = {}
    # one frame per open collection: [is_map, path, start (line, col), keys seen or next index]
    stack: list[list[Any]] = []
    nodes, max_nodes, max_depth = 0, limits.max_nodes, limits.max_depth
    i = ws(text, 0).end()
    path, start = "", at(i)
    while True:
        # a value starts at i; its path and start (its key's, in a mapping) are known
        nodes += 1
        if nodes > max_nodes:
            return None
        c = text[i]
        if c == "{" or c == "[":
            if len(stack) >= max_depth:
                return None
            j = ws(text, i + 1).end()
            if text[j] in "}]":
                i = j + 1  # an empty collection: it ends here
            else:
                spans[path] = None  # type: ignore[assignment]  # holds its place: pre-order, as the event walk
                if c == "{":
                    key, k = scanstring(text, j + 1)
                    stack.append([True, path, start, {key}])
                    path, start = child(path, key), at(j)
                    i = ws(text, ws(text, k).end() + 1).end()  # past the ':'
                else:
                    stack.append([False, path, start, 1])
                    path, start, i = child(path, 0), at(j), j
                continue
        elif c == '"':
            i = scanstring(text, i + 1)[1]
        else:
            m = scalar(text, i)
            if m is None:
                return None
            i = m.end()
        # the value that started at ``start`` ends at i; close what ends with it
        end = at(i)
        spans[path] = span_of(file, start[0], start[1], end[0], end[1])
        while True:
            if not stack:
                return spans
            i = ws(text, i).end()
            frame = stack[-1]
            if text[i] == ",":
                i = ws(text, i + 1).end()
                if frame[0]:
                    key, j = scanstring(text, i + 1)
                    if key in frame[3]:
                        return None
                    frame[3].add(key)
                    path, start = child(frame[1], key), at(i)
                    i = ws(text, ws(text, j).end() + 1).end()
                else:
                    path, start = child(frame[1], frame[3]), at(i)
                    frame[3] += 1
                break
            stack.pop()  # "}" or "]"
            i += 1
            end = at(i)
            path, start = frame[1], frame[2]
            spans[path] = span_of(file, start[0], start[1], end[0], end[1])


def load_json(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Document], ParseError | None]:
    """A JSON file as one document: values from ``json`` (exact semantics), spans from the event walk."""
    value, err = decode_json(text, file, limits)
    if err is not None:
        return [], err
    return json_document(text, file, value, limits)


def decode_json(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, ParseError | None]:
    """The value of a JSON text, or the located error (``json``'s own, or a limit's)."""
    try:
        return numbers.json_loads(text), None
    except (json.JSONDecodeError, RecursionError) as exc:
        # the decoder may stop a nesting bomb itself (RecursionError): locate it independently
        deep = json_too_deep(text, limits.max_depth)
        if deep is not None:
            return None, ParseError(file, deep[0], deep[1], depth_message(limits.max_depth), ErrorKind.LIMIT)
        if isinstance(exc, json.JSONDecodeError):
            return None, ParseError(file, exc.lineno, exc.colno, f"JSON: {exc.msg}")
        return None, ParseError(file, 1, 1, "JSON nesting too deep for the decoder", ErrorKind.LIMIT)
    except numbers.NumberError as exc:
        return None, ParseError(file, *numbers.locate(text, exc.text), exc.message,
                                ErrorKind.LIMIT if exc.limit else ErrorKind.PARSE)


def json_unplaced(text: str, file: str, value: Any, limits: Limits = DEFAULT_LIMITS) -> Document | None:
    """``value`` (decoded from ``text``) as a document with only the whole text's span, for a
    format that never reads node positions (a Terraform plan locates resources by their
    ``address`` entries): most of a JSON load's time is the positions. None when ``value`` is
    over the node or depth limits, which ``json_document`` reports with their location."""
    if (text.count(",") + text.count("[") + text.count("{") + 1 <= limits.max_nodes
            and json_too_deep(text, limits.max_depth - 1) is None):
        # within both limits, shown on the text at C speed: a JSON text has at most one value
        # more than its commas and non-empty collections, and a value lies one level below the
        # brackets around it (commas and brackets in strings only raise these bounds)
        whole = _whole_span(text, file)
        return Document(value, {"": whole}, whole, 0)
    nodes, stack = 0, [(value, 1)]
    while stack:
        v, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes or depth > limits.max_depth:
            return None
        if type(v) is dict:
            stack.extend((c, depth + 1) for c in v.values())
        elif type(v) is list:
            stack.extend((c, depth + 1) for c in v)
    whole = _whole_span(text, file)
    return Document(value, {"": whole}, whole, 0)


def _whole_span(text: str, file: str) -> Span:
    return Span(file, 1, 1, text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1)


def json_document(text: str, file: str, value: Any, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Document], ParseError | None]:
    """``value`` (decoded from ``text``) with the spans of its node paths; a limit's error."""
    native = _native() if NATIVE else None
    fast = native.json_spans(text, file, limits.max_nodes, limits.max_depth) if native is not None else None
    if fast is None:  # the Python pass also takes what Rust cannot hold (a lone surrogate)
        fast = _json_spans(text, file, limits)
    if fast is not None:
        return [Document(value, fast, fast[""], 0)], None
    docs, err = _Composer(_json_for_yaml(text), file, limits, positions_only=True).compose()
    if err is not None and err.kind == ErrorKind.LIMIT:
        return [], err
    whole = _whole_span(text, file)
    if err is not None or len(docs) != 1:
        return [Document(value, {"": whole}, whole, 0)], None
    doc = docs[0]
    spans = doc.spans
    if doc.value != value:  # keys read differently (escapes, stand-ins) or duplicate keys
        spans = {}
        if not _remap(doc.spans, doc.value, value, "", "", spans):
            spans = {"": doc.span}
    return [Document(value, spans, doc.span, 0)], None


def yaml_limit_error(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> ParseError | None:
    """The located LIMIT error (nesting, aliases, nodes, documents) of a YAML text, else None.

    For readers that build their values with ``yaml.load`` (config files, test expectations,
    ``yamldecode``): PyYAML's composer recurses, and without libyaml a deep document is a
    ``RecursionError``. Syntax errors are left to the caller's own loader and wording."""
    _, err = load_yaml(text, file, limits)
    return err if err is not None and err.kind == ErrorKind.LIMIT else None


def load_file(path: Path, *, json_file: bool | None = None, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Read and load ``path`` (JSON if ``json_file`` or, when None, if it ends with ``.json``)."""
    result = LoadResult()
    try:
        text = read_text(path, limits)
    except SourceError as exc:
        result.errors.append(exc.error)
        return result
    is_json = path.suffix.lower() == ".json" if json_file is None else json_file
    docs, err = (load_json if is_json else load_yaml)(text, str(path), limits)
    result.documents = docs
    if err is not None:
        result.errors.append(err)
    return result
