"""HCL native syntax -> a small expression AST, on top of tree-sitter-hcl.

tree-sitter gives an error-tolerant concrete syntax tree with exact positions and is implemented
in C (see the "HCL parser" measurement in BENCHMARKS.md). This module walks that tree once per
file and builds plain Python objects the evaluator works on: ``Body`` (attributes and blocks)
and ``Expr`` subclasses. Syntax errors (tree-sitter ``ERROR``/``MISSING`` nodes) become a
located ``HclSyntaxError``; nothing here evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policyguard.model import ErrorKind, Span
from policyguard.parsers import numbers

from .functions import FuncError, parse_number

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 256


def _kids(node: Any) -> list[Any]:
    """A node's children without comments: tree-sitter puts a ``comment`` node wherever one
    was written, and HCL allows comments anywhere whitespace may go (between an attribute
    name and ``=``, around block labels, inside expressions)."""
    return [c for c in node.children if c.type != "comment"]


def _named(node: Any) -> list[Any]:
    """Named children without comments (see ``_kids``)."""
    return [c for c in node.named_children if c.type != "comment"]



def literal_number(text: str) -> int | float:
    """An HCL or ``.tf.json`` number literal as Terraform reads it, exactly (``1e3`` and ``1.0``
    are the whole numbers 1000 and 1), within the float64 range the Rego engines hold: beyond
    it a ``NumberError`` (a located ``limit-exceeded`` error; parsers/numbers.py)."""
    if text.isdigit():
        return numbers.to_int(text)
    try:
        value = parse_number(text)
    except FuncError as exc:
        raise numbers.NumberError(text, f"number {text[:24]!r}: {exc}") from None
    if abs(value) > numbers.FLOAT_MAX:
        raise numbers.NumberError(text, f"number {text[:24]!r} is outside the float64 range of the Rego engines")
    return value

class HclSyntaxError(Exception):
    """A located problem in an HCL file (syntax error, limit exceeded, unreadable)."""

    def __init__(self, file: str, line: int, column: int, message: str, kind: ErrorKind = ErrorKind.PARSE):
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.kind = kind


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


class Source:
    """One file's bytes plus position helpers (tree-sitter columns are bytes; ours are characters)."""

    __slots__ = ("path", "data", "ascii", "_line_starts")

    def __init__(self, path: str, data: bytes):
        self.path = path
        self.data = data
        self.ascii = data.isascii()
        self._line_starts: list[int] | None = None

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "replace")

    def col(self, row: int, byte_col: int) -> int:
        """1-based character column for a 0-based row and byte column."""
        if self.ascii:
            return byte_col + 1
        if self._line_starts is None:
            starts = [0]
            find = self.data.find
            i = find(b"\n")
            while i >= 0:
                starts.append(i + 1)
                i = find(b"\n", i + 1)
            self._line_starts = starts
        ls = self._line_starts[row] if row < len(self._line_starts) else 0
        return len(self.data[ls : ls + byte_col].decode("utf-8", "replace")) + 1

    def span(self, node: Any) -> Span:
        s = node.start_point
        e = node.end_point
        return Span(self.path, s[0] + 1, self.col(s[0], s[1]), e[0] + 1, self.col(e[0], e[1]))


# --------------------------------------------------------------------------- AST
class Expr:
    __slots__ = ("src", "s", "e", "row", "bcol", "erow", "ebcol")

    def init(self, src: Source, node: Any) -> Expr:
        self.src = src
        self.s = node.start_byte
        self.e = node.end_byte
        self.row, self.bcol = node.start_point
        self.erow, self.ebcol = node.end_point
        return self

    def span(self) -> Span:
        src = self.src
        return Span(src.path, self.row + 1, src.col(self.row, self.bcol), self.erow + 1, src.col(self.erow, self.ebcol))

    @property
    def text(self) -> str:
        return " ".join(self.src.text(self.s, self.e).split())

    @property
    def line(self) -> int:
        return int(self.row) + 1


class Lit(Expr):
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class Tmpl(Expr):
    """A string template: parts are str, Expr, TIf or TFor."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any]):
        self.parts = parts


@dataclass(slots=True)
class TIf:
    """A template ``%{ if }`` directive."""

    cond: Expr
    then: list[Any]
    other: list[Any]


@dataclass(slots=True)
class TFor:
    """A template ``%{ for }`` directive."""

    kname: str | None
    vname: str
    coll: Expr
    body: list[Any]


class Scope(Expr):
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class GetAttr(Expr):
    __slots__ = ("obj", "name")

    def __init__(self, obj: Expr, name: str):
        self.obj = obj
        self.name = name


class Index(Expr):
    __slots__ = ("obj", "key")

    def __init__(self, obj: Expr, key: Expr):
        self.obj = obj
        self.key = key


class Splat(Expr):
    """``obj[*].a.b`` / ``obj.*.a``: ``steps`` (("attr", name) | ("index", Expr)) apply per element."""

    __slots__ = ("obj", "steps", "full")

    def __init__(self, obj: Expr, steps: list[tuple[str, Any]], full: bool):
        self.obj = obj
        self.steps = steps
        self.full = full


class Call(Expr):
    __slots__ = ("name", "args", "expand")

    def __init__(self, name: str, args: list[Expr], expand: bool):
        self.name = name
        self.args = args
        self.expand = expand


class TupleE(Expr):
    __slots__ = ("items",)

    def __init__(self, items: list[Expr]):
        self.items = items


class ObjectE(Expr):
    """items: (key expression, value expression, static key name or None, elem node span)."""

    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Expr, Expr, str | None, Span]]):
        self.items = items


class ForE(Expr):
    __slots__ = ("is_obj", "kname", "vname", "coll", "kexpr", "vexpr", "cond", "group")

    def __init__(self) -> None:
        self.is_obj = False
        self.kname: str | None = None
        self.vname = ""
        self.coll: Expr | None = None
        self.kexpr: Expr | None = None
        self.vexpr: Expr | None = None
        self.cond: Expr | None = None
        self.group = False


class CondE(Expr):
    __slots__ = ("cond", "then", "other", "regrouped")

    def __init__(self, cond: Expr, then: Expr, other: Expr):
        self.cond = cond
        self.then = then
        self.other = other
        self.regrouped = False  # made by _conditional's rotation, not written in parentheses


def _conditional(cond: Expr, then: Expr, other: Expr, bare: bool) -> CondE:
    """``cond ? then : other``. tree-sitter-hcl groups ``a ? b : c ? d : e`` as
    ``(a ? b : c) ? d : e``; HCL's conditional is right-associative, so an unparenthesized
    conditional as the condition is rotated into ``a ? b : (c ? d : e)``."""
    if bare and isinstance(cond, CondE):
        inner = cond.other
        rest = _conditional(inner, then, other, isinstance(inner, CondE) and inner.regrouped)
        rest.regrouped = True
        out = CondE(cond.cond, cond.then, rest)
    else:
        out = CondE(cond, then, other)
    first, last = out.cond, out.other
    out.src = first.src
    out.s, out.row, out.bcol = first.s, first.row, first.bcol
    out.e, out.erow, out.ebcol = last.e, last.erow, last.ebcol
    return out


class BinOp(Expr):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Expr, right: Expr):
        self.op = op
        self.left = left
        self.right = right


class UnOp(Expr):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Expr):
        self.op = op
        self.operand = operand


@dataclass(slots=True)
class Attribute:
    """``name = expression`` in a body."""

    name: str
    expr: Expr
    span: Span


@dataclass(slots=True)
class Block:
    """A block: its type, labels and body."""

    type: str
    labels: list[str]
    body: Body
    span: Span
    src: Source
    construct_path: str = ""  # Terraform JSON from CDK for Terraform: the "//" metadata's construct path


@dataclass(slots=True)
class Body:
    """The attributes and nested blocks of a file or block."""

    attrs: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


# --------------------------------------------------------------------------- conversion
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.S)
_SIMPLE_ESC = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(s: str, quoted: bool) -> str:
    if "\\" not in s and "$${" not in s and "%%{" not in s:
        return s

    def rep(m: re.Match[str]) -> str:
        t = m.group(0)
        if t == "$${":
            return "${"
        if t == "%%{":
            return "%{"
        if not quoted:
            return t
        c = m.group(1)
        if c[0] in "uU" and len(c) > 1:
            return chr(int(c[1:], 16))
        return _SIMPLE_ESC.get(c, t)

    return _ESCAPE.sub(rep, s)


_BINARY_OPS = frozenset({"&&", "||", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"})
_STRIP_L = object()  # strip whitespace at the end of the previous literal
_STRIP_R = object()  # strip whitespace at the start of the next literal


def _apply_strip(parts: list[Any]) -> list[Any]:
    if not any(p is _STRIP_L or p is _STRIP_R for p in parts):
        return parts
    out: list[Any] = []
    strip_next = False
    for p in parts:
        if p is _STRIP_L:
            if out and isinstance(out[-1], str):
                out[-1] = out[-1].rstrip()
            continue
        if p is _STRIP_R:
            strip_next = True
            continue
        if isinstance(p, str) and strip_next:
            p = p.lstrip()
        strip_next = False
        out.append(p)
    return [p for p in out if not (isinstance(p, str) and p == "")]


class _Converter:
    def __init__(self, src: Source):
        self.src = src
        self.depth = 0

    # -- errors
    def limit(self, node: Any) -> HclSyntaxError:
        r, c = node.start_point
        return HclSyntaxError(
            self.src.path, r + 1, self.src.col(r, c), f"expression nested too deeply (over {MAX_DEPTH} syntax levels)", ErrorKind.LIMIT
        )

    # -- bodies
    def body(self, node: Any) -> Body:
        body = Body()
        if node is None:
            return body
        for child in _named(node):
            t = child.type
            if t == "attribute":
                name_node = _named(child)[0]
                name = self.src.text(name_node.start_byte, name_node.end_byte)
                expr_node = _named(child)[1]
                if name in body.attrs:
                    r, c = child.start_point
                    prev = body.attrs[name].span.start_line
                    raise HclSyntaxError(
                        self.src.path,
                        r + 1,
                        self.src.col(r, c),
                        f"attribute {name!r} redefined (first defined on line {prev})",
                    )
                body.attrs[name] = Attribute(name, self.expr(expr_node), self.src.span(child))
            elif t == "block":
                body.blocks.append(self.block(child))
        return body

    def block(self, node: Any) -> Block:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.limit(node)
        btype = ""
        labels: list[str] = []
        inner = None
        for child in _named(node):
            t = child.type
            if t == "identifier":
                if not btype:
                    btype = self.src.text(child.start_byte, child.end_byte)
                else:
                    labels.append(self.src.text(child.start_byte, child.end_byte))
            elif t == "string_lit":
                labels.append(_unescape(self.src.text(child.start_byte + 1, child.end_byte - 1), True))
            elif t == "body":
                inner = child
        blk = Block(btype, labels, self.body(inner), self.src.span(node), self.src)
        self.depth -= 1
        return blk

    # -- expressions
    def expr(self, node: Any) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.limit(node)
        e = self._expr(node)
        self.depth -= 1
        return e

    def _expr(self, node: Any) -> Expr:
        t = node.type
        if t == "expression":
            return self.seq(_kids(node), node)
        if t == "literal_value":
            return self.literal(_kids(node)[0]).init(self.src, node)
        if t == "variable_expr":
            return Scope(self.src.text(node.start_byte, node.end_byte)).init(self.src, node)
        if t == "template_expr":
            return self.expr(_kids(node)[0])
        if t == "quoted_template":
            return Tmpl(self.template(_kids(node), node.start_byte + 1, node.end_byte - 1, True)).init(self.src, node)
        if t == "heredoc_template":
            return self.heredoc(node)
        if t == "collection_value":
            return self.expr(_kids(node)[0])
        if t == "tuple":
            return TupleE([self.expr(c) for c in _named(node) if c.type == "expression"]).init(self.src, node)
        if t == "object":
            items = []
            for c in _named(node):
                if c.type != "object_elem":
                    continue
                k = c.child_by_field_name("key")
                v = c.child_by_field_name("val")
                kexpr = self.expr(k)
                static: str | None = None
                if isinstance(kexpr, Scope):
                    static = kexpr.name
                    kexpr = Lit(static).init(self.src, k)
                elif isinstance(kexpr, Lit) and isinstance(kexpr.value, str):
                    static = kexpr.value
                elif isinstance(kexpr, Tmpl) and all(isinstance(p, str) for p in kexpr.parts):
                    static = "".join(kexpr.parts)
                items.append((kexpr, self.expr(v), static, self.src.span(c)))
            return ObjectE(items).init(self.src, node)
        if t == "function_call":
            name = ""
            args: list[Expr] = []
            expand = False
            for c in _named(node):
                if c.type == "identifier":
                    name = self.src.text(c.start_byte, c.end_byte)
                elif c.type == "function_arguments":
                    for a in _named(c):
                        if a.type == "expression":
                            args.append(self.expr(a))
                        elif a.type == "ellipsis":
                            expand = True
            return Call(name, args, expand).init(self.src, node)
        if t == "conditional":
            es = [c for c in _named(node) if c.type == "expression"]
            cond, then, other = self.expr(es[0]), self.expr(es[1]), self.expr(es[2])
            bare = es[0].child_count == 1 and es[0].children[0].type == "conditional"
            return _conditional(cond, then, other, bare)
        if t == "operation":
            return self.expr(_kids(node)[0])
        if t == "unary_operation":
            children = _kids(node)
            return UnOp(children[0].type, self.seq(children[1:], None)).init(self.src, node)
        if t == "binary_operation":
            children = [c for c in _kids(node) if c.type != "comment"]
            # operands are term sequences (``local.a``, ``(x)[0]``): split at the operator token
            depth = 0
            for i, c in enumerate(children):
                ct = c.type
                if ct == "(":
                    depth += 1
                elif ct == ")":
                    depth -= 1
                elif depth == 0 and i > 0 and not c.is_named and ct in _BINARY_OPS:
                    left = self.seq(children[:i], None)
                    right = self.seq(children[i + 1 :], None)
                    return BinOp(ct, left, right).init(self.src, node)
        if t == "for_expr":
            return self.for_expr(_kids(node)[0])
        if t == "string_lit":
            return Lit(self.string_lit(node)).init(self.src, node)
        raise HclSyntaxError(
            self.src.path,
            node.start_point[0] + 1,
            self.src.col(*node.start_point),
            f"unsupported expression syntax {t!r}",
        )

    def seq(self, children: list[Any], whole: Any) -> Expr:
        """A term followed by postfix traversals; ``( expr )`` counts as a term."""
        children = [c for c in children if c.type != "comment"]
        first = children[0]
        if first.type == "(":
            base: Expr = self.expr(children[1])
            close = next((i for i in range(2, len(children)) if children[i].type == ")"), len(children) - 1)
            base.s = first.start_byte
            base.row, base.bcol = first.start_point
            base.e = children[close].end_byte
            base.erow, base.ebcol = children[close].end_point
            rest = children[close + 1 :]
        else:
            base = self.expr(first)
            rest = children[1:]
        for post in rest:
            base = self.postfix(base, post, whole)
        return base

    def postfix(self, base: Expr, post: Any, whole: Any) -> Expr:
        t = post.type
        if t == "get_attr":
            ident = _named(post)[0]
            return self._wrap(GetAttr(base, self.src.text(ident.start_byte, ident.end_byte)), base, post)
        if t == "index":
            inner = _kids(post)[0]
            if inner.type == "legacy_index":
                txt = self.src.text(inner.start_byte + 1, inner.end_byte)
                key: Expr = Lit(int(txt) if txt.isdigit() else txt).init(self.src, inner)
            else:
                key = self.expr(next(c for c in _named(inner) if c.type == "expression"))
            return self._wrap(Index(base, key), base, post)
        if t == "splat":
            inner = _kids(post)[0]
            steps: list[tuple[str, Any]] = []
            for c in _named(inner):
                if c.type == "get_attr":
                    ident = _named(c)[0]
                    steps.append(("attr", self.src.text(ident.start_byte, ident.end_byte)))
                elif c.type == "index":
                    ii = _kids(c)[0]
                    if ii.type == "legacy_index":
                        txt = self.src.text(ii.start_byte + 1, ii.end_byte)
                        steps.append(("index", Lit(int(txt) if txt.isdigit() else txt).init(self.src, ii)))
                    else:
                        steps.append(("index", self.expr(next(x for x in _named(ii) if x.type == "expression"))))
            return self._wrap(Splat(base, steps, inner.type == "full_splat"), base, post)
        raise HclSyntaxError(
            self.src.path, post.start_point[0] + 1, self.src.col(*post.start_point), f"unsupported syntax {t!r}"
        )

    @staticmethod
    def _wrap(e: Expr, base: Expr, post: Any) -> Expr:
        e.src = base.src
        e.s = base.s
        e.e = post.end_byte
        e.row = base.row
        e.bcol = base.bcol
        e.erow, e.ebcol = post.end_point
        return e

    def literal(self, node: Any) -> Lit:
        t = node.type
        if t == "numeric_lit":
            txt = self.src.text(node.start_byte, node.end_byte)
            try:
                return Lit(literal_number(txt))
            except numbers.NumberError as exc:
                raise HclSyntaxError(self.src.path, node.start_point[0] + 1, self.src.col(*node.start_point),
                                     exc.message, ErrorKind.LIMIT) from None
        if t == "bool_lit":
            return Lit(self.src.text(node.start_byte, node.end_byte) == "true")
        if t == "null_lit":
            return Lit(None)
        if t == "string_lit":
            return Lit(self.string_lit(node))
        raise HclSyntaxError(
            self.src.path, node.start_point[0] + 1, self.src.col(*node.start_point), f"unsupported literal {t!r}"
        )

    def string_lit(self, node: Any) -> str:
        return _unescape(self.src.text(node.start_byte + 1, node.end_byte - 1), True)

    # -- templates
    def template(self, children: list[Any], start: int, end: int, quoted: bool, dedent: int = 0) -> list[Any]:
        parts: list[Any] = []
        pos = start
        for c in children:
            t = c.type
            if t in ("template_interpolation", "template_directive"):
                if c.start_byte > pos:
                    parts.append(self.lit_text(pos, c.start_byte, quoted, dedent))
                if t == "template_interpolation":
                    raw = self.src.data[c.start_byte : c.end_byte]
                    if raw.startswith(b"${~"):
                        parts.append(_STRIP_L)
                    inner = next((x for x in _named(c) if x.type == "expression"), None)
                    if inner is not None:
                        parts.append(self.expr(inner))
                    if raw.endswith(b"~}"):
                        parts.append(_STRIP_R)
                else:
                    parts.extend(self.directive(_kids(c)[0], quoted, dedent))
                pos = c.end_byte
        if end > pos:
            parts.append(self.lit_text(pos, end, quoted, dedent))
        return _apply_strip(parts)

    def lit_text(self, s: int, e: int, quoted: bool, dedent: int) -> str:
        txt = self.src.text(s, e)
        if dedent:
            lines = txt.split("\n")
            start_of_line = s == 0 or self.src.data[s - 1 : s] == b"\n"
            out = []
            for i, ln in enumerate(lines):
                if i > 0 or start_of_line:
                    n = 0
                    while n < dedent and n < len(ln) and ln[n] in " \t":
                        n += 1
                    ln = ln[n:]
                out.append(ln)
            txt = "\n".join(out)
        return _unescape(txt, quoted)

    def _marks(self, node: Any) -> tuple[bool, bool]:
        raw = self.src.data[node.start_byte : node.end_byte]
        return raw.startswith(b"%{~"), raw.endswith(b"~}")

    def directive(self, node: Any, quoted: bool, dedent: int) -> list[Any]:
        kids = _kids(node)
        out: list[Any] = []
        if node.type == "template_if":
            intro = kids[0]
            cond = self.expr(next(x for x in _named(intro) if x.type == "expression"))
            else_i = next((i for i, k in enumerate(kids) if k.type == "template_else_intro"), None)
            end_node = kids[-1]
            sl, sr = self._marks(intro)
            if sl:
                out.append(_STRIP_L)
            then_kids = kids[1 : else_i if else_i is not None else len(kids) - 1]
            then_end = kids[else_i].start_byte if else_i is not None else end_node.start_byte
            then_parts = ([_STRIP_R] if sr else []) + self.template(then_kids, intro.end_byte, then_end, quoted, dedent)
            other_parts: list[Any] = []
            el, er = self._marks(end_node)
            if else_i is not None:
                else_node = kids[else_i]
                xl, xr = self._marks(else_node)
                if xl:
                    then_parts.append(_STRIP_L)
                other_parts = ([_STRIP_R] if xr else []) + self.template(
                    kids[else_i + 1 : -1], else_node.end_byte, end_node.start_byte, quoted, dedent
                )
                if el:
                    other_parts.append(_STRIP_L)
            elif el:
                then_parts.append(_STRIP_L)
            out.append(TIf(cond, _apply_strip(then_parts), _apply_strip(other_parts)))
            if er:
                out.append(_STRIP_R)
            return out
        if node.type == "template_for":
            intro = kids[0]
            names = [self.src.text(x.start_byte, x.end_byte) for x in _named(intro) if x.type == "identifier"]
            coll = self.expr(next(x for x in _named(intro) if x.type == "expression"))
            end_node = kids[-1]
            sl, sr = self._marks(intro)
            el, er = self._marks(end_node)
            if sl:
                out.append(_STRIP_L)
            body = ([_STRIP_R] if sr else []) + self.template(kids[1:-1], intro.end_byte, end_node.start_byte, quoted, dedent)
            if el:
                body.append(_STRIP_L)
            kname, vname = (names[0], names[1]) if len(names) > 1 else (None, names[0])
            out.append(TFor(kname, vname, coll, _apply_strip(body)))
            if er:
                out.append(_STRIP_R)
            return out
        raise HclSyntaxError(
            self.src.path, node.start_point[0] + 1, self.src.col(*node.start_point), f"unsupported directive {node.type!r}"
        )

    def heredoc(self, node: Any) -> Expr:
        kids = _kids(node)
        strip = self.src.data[kids[0].start_byte : kids[0].end_byte] == b"<<-"
        ident_open = kids[1]
        ident_close = kids[-1]
        data = self.src.data
        nl = data.find(b"\n", ident_open.end_byte)
        start = nl + 1 if nl >= 0 else ident_open.end_byte
        end = data.rfind(b"\n", 0, ident_close.start_byte) + 1
        if end < start:
            end = start
        dedent = 0
        if strip:
            indents = [len(ln) - len(ln.lstrip(b" \t")) for ln in data[start:end].split(b"\n") if ln.strip()]
            dedent = min(indents) if indents else 0
        parts = self.template(kids[2:-1], start, end, False, dedent)
        return Tmpl(parts).init(self.src, node)

    def for_expr(self, node: Any) -> Expr:
        fe = ForE()
        fe.is_obj = node.type == "for_object_expr"
        exprs: list[Any] = []
        for c in _kids(node):
            t = c.type
            if t == "for_intro":
                names = [self.src.text(x.start_byte, x.end_byte) for x in _named(c) if x.type == "identifier"]
                if len(names) > 1:
                    fe.kname, fe.vname = names[0], names[1]
                else:
                    fe.vname = names[0]
                fe.coll = self.expr(next(x for x in _named(c) if x.type == "expression"))
            elif t == "expression":
                exprs.append(c)
            elif t == "for_cond":
                fe.cond = self.expr(next(x for x in _named(c) if x.type == "expression"))
            elif t == "ellipsis":
                fe.group = True
        if fe.is_obj:
            fe.kexpr = self.expr(exprs[0])
            fe.vexpr = self.expr(exprs[1])
        else:
            fe.vexpr = self.expr(exprs[0])
        return fe.init(self.src, node)


# --------------------------------------------------------------------------- syntax errors
def _first_error(root: Any) -> Any:
    """The first ERROR or MISSING node in document order (iterative, no recursion)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_missing or node.type == "ERROR":
            return node
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None


def _describe(src: Source, node: Any) -> tuple[int, int, str]:
    r, c = node.start_point
    if node.is_missing:
        what = node.type
        opened = node.parent
        while opened is not None and opened.type not in ("block", "tuple", "object", "ERROR", "config_file"):
            opened = opened.parent
        where = ""
        if opened is not None and opened.type in ("block", "tuple", "object"):
            where = f" (opened on line {opened.start_point[0] + 1})"
        if what in ("}", "block_end"):
            msg = f"unclosed block: missing '}}'{where}"
        elif what in ("]", "tuple_end"):
            msg = f"unclosed list: missing ']'{where}"
        elif what == "object_end":
            msg = f"unclosed object: missing '}}'{where}"
        elif what == "quoted_template_end":
            msg = "unterminated string: missing '\"'"
        elif what == "heredoc_identifier":
            msg = "unterminated heredoc: closing marker not found"
        elif what == "template_interpolation_end":
            msg = "unterminated interpolation: missing '}' after '${'"
        else:
            tok = _token_at(src.data, node.start_byte)
            msg = f"unexpected {tok!r}" if tok else "unexpected end of file"
        return r + 1, src.col(r, c), msg
    # ERROR: use the innermost ERROR node, then find where its valid prefix ends
    inner = node
    while True:
        nxt = next((ch for ch in inner.children if ch.type == "ERROR"), None)
        if nxt is None:
            break
        inner = nxt
    kids = [ch for ch in inner.children if ch.end_byte > ch.start_byte]
    data = src.data
    if len(kids) <= 1:
        pos = inner.start_byte
    else:
        pos = kids[-1].end_byte
        if pos >= len(data.rstrip()):
            pos = kids[-1].start_byte
    while pos < len(data) and data[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
        pos += 1
    if pos >= len(data):
        line = data.count(b"\n") + 1
        col = len(data) - (data.rfind(b"\n") + 1) + 1
        return line, col, "unexpected end of file (unclosed block, string or bracket?)"
    line = data.count(b"\n", 0, pos) + 1
    line_start = data.rfind(b"\n", 0, pos) + 1
    col = len(data[line_start:pos].decode("utf-8", "replace")) + 1
    return line, col, f"unexpected {_token_at(data, pos)!r}"


_CLOSER = {"{": "}", "[": "]", "(": ")", "${": "}"}
_HEREDOC = re.compile(rb"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


@dataclass(slots=True)
class _Open:
    """A bracket or quote the recovery scan saw opened and not yet closed."""

    char: str  # { [ ( ${ or " (a quoted string)
    pos: int
    line: int
    col: int
    label: str = ""  # what the line says before a '{' (``versioning``, ``resource "a" "b"``)
    block_style: bool = False  # the last thing on its line: its '}' is expected at its line's indentation
    indent: int = 0


def _bracket_problem(src: Source) -> tuple[int, int, str] | None:
    """Brackets that do not balance, in words: the unclosed ``{``/``[``/``(`` and the line that
    opened it (for nested blocks the one whose ``}`` is missing, judged by indentation when a
    later ``}`` at a shallower indentation closed an outer block instead), a closer that closes
    nothing, or one of the wrong kind. None when the brackets balance or the text cannot be
    followed (an unterminated string or heredoc: tree-sitter's description is kept)."""
    data = src.data
    n = len(data)
    stack: list[_Open] = []
    suspect: _Open | None = None  # an opener a shallower '}' seems to have skipped
    line, line_start, i = 1, 0, 0

    def opened(ch: str, at: int) -> _Open:
        head = data[line_start:at]
        rest = data[at + len(ch): data.find(b"\n", at) if data.find(b"\n", at) >= 0 else n]
        return _Open(ch, at, line, src.col(line - 1, len(head)), head.decode("utf-8", "replace").strip(),
                     not rest.strip() or rest.strip().startswith((b"#", b"//")),
                     len(head) - len(head.lstrip()))

    while i < n:
        c = data[i : i + 1]
        top = stack[-1].char if stack else ""
        if c == b"\n":
            if top == '"':
                return None  # a string left open: tree-sitter says where
            line, line_start = line + 1, i + 1
            i += 1
            continue
        if top == '"':
            if c == b"\\":
                i += 2
            elif data[i : i + 3] in (b"$${", b"%%{"):
                i += 3
            elif data[i : i + 2] in (b"${", b"%{"):
                stack.append(opened("${", i))
                i += 2
            else:
                if c == b'"':
                    stack.pop()
                i += 1
            continue
        if c == b"#" or data[i : i + 2] == b"//":
            end = data.find(b"\n", i)
            i = n if end < 0 else end
            continue
        if data[i : i + 2] == b"/*":
            end = data.find(b"*/", i + 2)
            if end < 0:
                return None
            line += data.count(b"\n", i, end)
            if data.rfind(b"\n", i, end) >= 0:
                line_start = data.rfind(b"\n", i, end) + 1
            i = end + 2
            continue
        m = _HEREDOC.match(data, i) if c == b"<" else None
        if m:
            marker = m.group(1)
            j = m.end()
            line, line_start = line + 1, j
            while True:
                end = data.find(b"\n", j)
                text = data[j : n if end < 0 else end]
                if text.strip() == marker:
                    i = j + len(text)
                    break
                if end < 0:
                    return None  # unterminated heredoc: tree-sitter says so
                j = end + 1
                line, line_start = line + 1, j
            continue
        if c == b'"':
            stack.append(opened('"', i))
        elif c in (b"{", b"[", b"("):
            stack.append(opened(c.decode(), i))
        elif c in (b"}", b"]", b")"):
            col = src.col(line - 1, i - line_start)
            closer = c.decode()
            if not stack:
                return line, col, f"'{closer}' closes nothing: no '{{', '[' or '(' is open here"
            if _CLOSER[top] != closer:
                o = stack[-1]
                return line, col, (f"'{closer}' does not close the '{o.char}' opened on line {o.line}, column "
                                   f"{o.col}: missing '{_CLOSER[o.char]}' before it")
            o = stack.pop()
            first_on_line = not data[line_start:i].strip()
            if suspect is None and o.char == "{" and o.block_style and first_on_line and i - line_start < o.indent:
                suspect = o  # this '}' sits left of its block's indentation: it closes an outer block
        i += 1
    if not stack:
        return None
    o = suspect or stack[-1]
    if o.char in ('"', "${"):
        return None
    what = f" ({o.label.rstrip('= ').strip()})" if o.label.rstrip("= ").strip() else ""
    kind = "block" if o.char == "{" and o.block_style and not o.label.endswith("=") else \
        {"{": "object", "[": "list", "(": "parentheses"}[o.char]
    return o.line, o.col, f"unclosed '{o.char}' opened on line {o.line}{what}: the {kind} is missing its '{_CLOSER[o.char]}'"


_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|\d+(?:\.\d+)?|\$\{|%\{|<<-?|==|!=|<=|>=|&&|\|\||=>|\.\.\.|\S")


def _token_at(data: bytes, pos: int) -> str:
    tok = data[pos : pos + 40].decode("utf-8", "replace").split("\n")[0].strip()
    m = _TOKEN_RE.match(tok)
    return m.group(0) if m else tok


def parse_source(path: str, data: bytes) -> Body:
    """Parse HCL ``data`` into a Body; raises HclSyntaxError with line/column on bad input."""
    if len(data) > MAX_FILE_BYTES:
        raise HclSyntaxError(path, 1, 1, f"file is {len(data)} bytes, over the {MAX_FILE_BYTES} byte limit", ErrorKind.LIMIT)
    if b"\x00" in data:
        raise HclSyntaxError(path, 1, 1, "binary file (NUL bytes), not HCL text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise HclSyntaxError(path, line, col, "file is not valid UTF-8") from None
    src = Source(path, data)
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        if bad is None:
            bad = root
        line, col, msg = _bracket_problem(src) or _describe(src, bad)
        stripped = data.strip()
        if b"\n" not in stripped and re.fullmatch(rb"[\w./-]+\.tf(?:\.json)?", stripped):
            msg = f"the file holds only the path {stripped.decode()!r} (a symbolic link checked out as text?)"
            line, col = 1, 1
        raise HclSyntaxError(path, line, col, msg)
    conv = _Converter(src)
    body_node = next((c for c in root.named_children if c.type == "body"), None)
    try:
        return conv.body(body_node)
    except RecursionError:
        raise HclSyntaxError(path, 1, 1, "nesting too deep to evaluate", ErrorKind.LIMIT) from None


def parse_expression(text: str, name: str = "<expr>") -> Expr:
    """Parse a standalone expression (``-var`` values); raises HclSyntaxError."""
    body = parse_source(name, f"v = {text}\n".encode())
    return body.attrs["v"].expr
