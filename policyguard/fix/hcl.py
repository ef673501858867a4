"""Formatting-preserving edits of Terraform HCL.

The file is parsed with tree-sitter-hcl (the parser the Terraform front end uses); an op is
applied by splicing the original text at node boundaries, so comments, blank lines and the
author's layout survive. New attributes are indented like their siblings and padded so that
``=`` lines up with an aligned neighbouring run (re-aligning the run the way ``terraform fmt``
would when the new key is longer). New nested blocks go at the end of the enclosing body,
companion resources right after the resource.
"""

from __future__ import annotations

import json
import re
from typing import Any

from policyguard.fix.common import (
    TF_EXPR,
    FixError,
    Splice,
    apply_splices,
    detect_indent_unit,
    expected_here,
    line_end,
    line_start,
    split_path,
)
from policyguard.model import FixOp, get_path

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    return _PARSER


class _Doc:
    """Parsed text with byte->character offset conversion (tree-sitter counts bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.src = text.encode("utf-8")
        self.tree = _parser().parse(self.src)
        self.ascii = len(self.src) == len(text)

    def off(self, byte: int) -> int:
        return byte if self.ascii else len(self.src[:byte].decode("utf-8", "replace"))

    def start(self, node: Any) -> int:
        return self.off(node.start_byte)

    def end(self, node: Any) -> int:
        return self.off(node.end_byte)

    def node_text(self, node: Any) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")


# --------------------------------------------------------------------------- node helpers
def _label_text(doc: _Doc, node: Any) -> str:
    if node.type == "string_lit":
        return "".join(doc.node_text(c) for c in node.children if c.type == "template_literal")
    return doc.node_text(node)


def _block_head(doc: _Doc, block: Any) -> tuple[str, list[str]]:
    ident = ""
    labels: list[str] = []
    for c in block.children:
        if c.type == "identifier" and not ident:
            ident = doc.node_text(c)
        elif c.type in ("string_lit", "identifier"):
            labels.append(_label_text(doc, c))
        elif c.type == "block_start":
            break
    return ident, labels


def _body(block: Any) -> Any:
    for c in block.children:
        if c.type == "body":
            return c
    return None


def _child(node: Any, type_: str) -> Any:
    for c in node.children:
        if c.type == type_:
            return c
    return None


def _attr_name(doc: _Doc, attr: Any) -> str:
    ident = _child(attr, "identifier")
    return doc.node_text(ident) if ident is not None else ""


def _attr_expr(attr: Any) -> Any:
    return _child(attr, "expression")


def _members(body: Any) -> list[Any]:
    return [c for c in body.children if c.type in ("attribute", "block")] if body is not None else []


def find_resource_block(doc: _Doc, rtype: str, rname: str, near_line: int | None = None) -> Any:
    root_body = _child(doc.tree.root_node, "body")
    hits = []
    for b in _members(root_body):
        if b.type != "block":
            continue
        ident, labels = _block_head(doc, b)
        if ident == "resource" and labels[:2] == [rtype, rname]:
            hits.append(b)
    if not hits:
        raise FixError(f'resource "{rtype}" "{rname}" not found in the file')
    if near_line is not None and len(hits) > 1:
        hits.sort(key=lambda b: abs(b.start_point[0] + 1 - near_line))
    return hits[0]


# --------------------------------------------------------------------------- value rendering
def _quote(s: str) -> str:
    body = json.dumps(s, ensure_ascii=False)[1:-1]
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def _key(k: str) -> str:
    return k if _IDENT.match(k) else _quote(k)


def render_value(value: Any, indent: str, unit: str) -> str:
    """An HCL expression for a JSON value; ``"${expr}"`` strings become bare expressions."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        m = TF_EXPR.match(value)
        return m.group(1).strip() if m else _quote(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return "[" + ", ".join(render_value(v, indent, unit) for v in value) + "]"
        inner = indent + unit
        return "[\n" + "".join(f"{inner}{render_value(v, inner, unit)},\n" for v in value) + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = _render_assignments([(_key(str(k)), v) for k, v in value.items()], indent + unit, unit)
        return "{\n" + lines + indent + "}"
    raise FixError(f"cannot render {type(value).__name__} as HCL")


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _render_assignments(pairs: list[tuple[str, Any]], indent: str, unit: str) -> str:
    """``key = value`` lines aligned the way terraform fmt aligns a run (a multi-line value
    closes its run)."""
    out: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in group), default=0)
        out.extend(f"{indent}{k.ljust(width)} = {v}\n" for k, v in group)
        group.clear()

    for k, v in pairs:
        rendered = render_value(v, indent, unit)
        group.append((k, rendered))
        if "\n" in rendered:
            flush()
    flush()
    return "".join(out)


def render_block_body(content: dict[str, Any], indent: str, unit: str) -> str:
    """Lines of a block body: attributes first (aligned), then nested blocks."""
    attrs = [(_key(str(k)), v) for k, v in content.items() if not _is_block_list(v)]
    blocks = [(str(k), v) for k, v in content.items() if _is_block_list(v)]
    text = _render_assignments(attrs, indent, unit)
    for name, items in blocks:
        for item in items:
            if text:
                text += "\n"
            text += render_block(name, item, indent, unit)
    return text


def render_block(name: str, content: dict[str, Any], indent: str, unit: str, labels: tuple[str, ...] = ()) -> str:
    head = " ".join([name, *(_quote(lbl) for lbl in labels)])
    if not content:
        return f"{indent}{head} {{}}\n"
    return f"{indent}{head} {{\n" + render_block_body(content, indent + unit, unit) + f"{indent}}}\n"


def _nest(segs: tuple[str | int, ...], value: Any) -> Any:
    """The structure that puts ``value`` at ``segs`` (ints become one-item block lists)."""
    for seg in reversed(segs):
        value = [value] if isinstance(seg, int) else {seg: value}
    return value


# --------------------------------------------------------------------------- the editor
class _Expand(Exception):
    """Raised to split a merge into per-key set ops applied one after another."""

    def __init__(self, ops: list[tuple[tuple[str | int, ...], Any]]) -> None:
        super().__init__("expand")
        self.ops = ops


class HclEditor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.unit = detect_indent_unit(text)

    # ---- public
    def apply(self, rtype: str, rname: str, op: FixOp, attrs: dict[str, Any], near_line: int | None) -> str:
        """The text after ``op``; unchanged text when the model already holds the result."""
        if op.op != "set":
            return self._apply_one(rtype, rname, op, attrs, near_line)
        queue: list[tuple[tuple[str | int, ...], Any]] = [(split_path(op.path), op.value)]
        while queue:
            segs, value = queue.pop(0)
            try:
                self.text = self._apply_one(rtype, rname, FixOp("set", _fmt(segs), value), attrs, near_line)
            except _Expand as exp:
                queue[:0] = exp.ops
        return self.text

    def _apply_one(self, rtype: str, rname: str, op: FixOp, attrs: dict[str, Any], near_line: int | None) -> str:
        segs = split_path(op.path) if op.op != "add_resource" else ()
        current = get_path(attrs, segs) if segs else None
        if op.op == "set" and segs and current == op.value:
            return self.text
        if op.op == "add" and isinstance(current, list) and op.value in current:
            return self.text
        if op.op == "remove" and segs and (current is None or not expected_here(op.value, current)):
            return self.text
        doc = _Doc(self.text)
        if doc.tree.root_node.has_error:
            raise FixError("the file does not parse as HCL")
        block = find_resource_block(doc, rtype, rname, near_line)
        if op.op == "add_resource":
            splices = self._add_resource(doc, block, op.value)
        elif not segs:
            raise FixError(f"{op.op} needs an attribute path")
        elif op.op == "set":
            splices = self._set(doc, block, segs, op.value, ())
        elif op.op == "add":
            splices = self._add(doc, block, segs, op.value)
        elif op.op == "remove":
            splices = self._remove(doc, block, segs)
        else:
            raise FixError(f"unknown fix op {op.op!r}")
        return apply_splices(self.text, splices)

    # ---- navigation
    def _indent_in(self, doc: _Doc, block: Any) -> str:
        """Indentation for members of ``block``'s body."""
        body = _body(block)
        members = _members(body)
        if members:
            return self._line_indent(doc.start(members[0]))
        return self._line_indent(doc.start(block)) + self.unit

    def _line_indent(self, offset: int) -> str:
        s = line_start(self.text, offset)
        m = re.match(r"[ \t]*", self.text[s:offset])
        return m.group(0) if m else ""

    def _find(self, doc: _Doc, body: Any, name: str) -> tuple[Any, list[Any], bool]:
        """(attribute node or None, static blocks named ``name``, dynamic block present)."""
        attr, blocks, dynamic = None, [], False
        for m in _members(body):
            if m.type == "attribute" and _attr_name(doc, m) == name:
                attr = m
            elif m.type == "block":
                ident, labels = _block_head(doc, m)
                if ident == name and not labels:
                    blocks.append(m)
                elif ident == "dynamic" and labels[:1] == [name]:
                    dynamic = True
        return attr, blocks, dynamic

    def _set(
        self, doc: _Doc, block: Any, segs: tuple[str | int, ...], value: Any, prefix: tuple[str | int, ...]
    ) -> list[Splice]:
        body = _body(block)
        name = segs[0]
        if not isinstance(name, str):
            raise FixError("a path inside a block must start with a name")
        attr, blocks, dynamic = self._find(doc, body, name)
        rest = segs[1:]
        if dynamic:
            raise FixError(f'"{name}" is generated by a dynamic block; change its for_each source instead')
        if attr is not None:
            return self._set_in_attr(doc, attr, rest, value)
        if not rest and isinstance(value, dict) and blocks:
            return self._set_block(doc, block, name, blocks, (0,), value, prefix + (name,))
        if blocks or (rest and isinstance(rest[0], int)) or (not rest and _is_block_list(value)):
            return self._set_block(doc, block, name, blocks, rest, value, prefix + (name,))
        # a new attribute (or map) in this body
        return self._insert_attribute(doc, block, name, _nest(rest, value))

    def _set_block(
        self,
        doc: _Doc,
        parent: Any,
        name: str,
        blocks: list[Any],
        rest: tuple[str | int, ...],
        value: Any,
        here: tuple[str | int, ...],
    ) -> list[Splice]:
        if not rest:
            if not _is_block_list(value):
                raise FixError(f'"{name}" is a nested block; expected a list of objects')
            if len(value) < len(blocks):
                raise FixError(f'setting "{name}" would drop existing blocks; use remove')
            if not blocks:
                return self._insert_blocks(doc, parent, name, value, after=None)
            sub: list[tuple[tuple[str | int, ...], Any]] = []
            for i, item in enumerate(value):
                if i < len(blocks):
                    sub += [(here + (i, k), v) for k, v in item.items()]
                else:
                    sub.append((here + (i,), item))
            raise _Expand(sub)
        index = rest[0]
        if not isinstance(index, int):
            raise FixError(f'"{name}" is a nested block: expected an index after it')
        if index < len(blocks):
            target = blocks[index]
            if len(rest) == 1:
                if not isinstance(value, dict):
                    raise FixError(f'"{name}[{index}]" is a block; expected an object')
                raise _Expand([(here + (index, k), v) for k, v in value.items()])
            return self._set(doc, target, rest[1:], value, here + (index,))
        if index == len(blocks):
            content = _nest(rest[1:], value)
            if not isinstance(content, dict):
                raise FixError(f'"{name}[{index}]" is a block; expected an object')
            return self._insert_blocks(doc, parent, name, [content], after=blocks[-1] if blocks else None)
        raise FixError(f'"{name}" has {len(blocks)} block(s); index {index} is out of range')

    def _set_in_attr(self, doc: _Doc, attr: Any, rest: tuple[str | int, ...], value: Any) -> list[Splice]:
        expr = _attr_expr(attr)
        if expr is None:
            raise FixError("attribute without a value")
        if not rest:
            return [self._replace_expr(doc, expr, value)]
        obj = _object_of(expr)
        if obj is None or not isinstance(rest[0], str):
            raise FixError(f'"{_attr_name(doc, attr)}" is computed by `{doc.node_text(expr)}`; change it at its source')
        return self._set_in_object(doc, obj, rest, value)

    def _replace_expr(self, doc: _Doc, expr: Any, value: Any) -> Splice:
        if not _is_literal(expr):
            raise FixError(f"the value is computed by `{doc.node_text(expr)}`; change it at its source")
        indent = self._line_indent(doc.start(expr))
        rendered = render_value(value, indent, self.unit)
        if isinstance(value, bool | int | float) and doc.node_text(expr).startswith('"'):
            rendered = f'"{rendered}"'  # keep the author's quoting: Terraform converts the string
        return Splice(doc.start(expr), doc.end(expr), rendered)

    def _set_in_object(self, doc: _Doc, obj: Any, rest: tuple[str | int, ...], value: Any) -> list[Splice]:
        key = rest[0]
        elems = [c for c in obj.children if c.type == "object_elem"]
        for el in elems:
            exprs = [c for c in el.children if c.type == "expression"]
            if len(exprs) == 2 and _object_key(doc, exprs[0]) == key:
                if len(rest) == 1:
                    return [self._replace_expr(doc, exprs[1], value)]
                inner = _object_of(exprs[1])
                if inner is None:
                    raise FixError(f'"{key}" is computed by `{doc.node_text(exprs[1])}`')
                return self._set_in_object(doc, inner, rest[1:], value)
        new_value = _nest(rest[1:], value)
        k = _key(str(key))
        start, end = doc.start(obj), doc.end(obj)
        single_line = "\n" not in self.text[start:end]
        if elems and single_line:
            last = elems[-1]
            pos = doc.end(last)
            return [Splice(pos, pos, f", {k} = {render_value(new_value, '', self.unit)}")]
        if elems:
            last = elems[-1]
            indent = self._line_indent(doc.start(last))
            pos = line_end(self.text, doc.end(last))
            run = _eq_column_run(self, doc, elems, last)
            return _aligned_insert(indent, k, render_value(new_value, indent, self.unit), run, pos)
        indent = self._line_indent(start)
        inner = indent + self.unit
        text = "{\n" + f"{inner}{k} = {render_value(new_value, inner, self.unit)}\n" + indent + "}"
        return [Splice(start, end, text)]

    def _insert_attribute(self, doc: _Doc, block: Any, name: str, value: Any) -> list[Splice]:
        body = _body(block)
        members = _members(body)
        indent = self._indent_in(doc, block)
        rendered = render_value(value, indent, self.unit)
        anchor = None
        for m in members:
            if m.type == "block":
                break
            anchor = m
        if anchor is not None:
            run = _eq_column_run(self, doc, [m for m in members if m.type == "attribute"], anchor)
            pos = line_end(self.text, doc.end(anchor))
            return _aligned_insert(indent, _key(name), rendered, run, pos)
        line = f"{indent}{_key(name)} = {rendered}\n"
        if members:  # body starts with a block: new attribute on top, separated by a blank line
            pos = line_start(self.text, doc.start(members[0]))
            return [Splice(pos, pos, line + "\n")]
        return self._fill_empty(doc, block, line)

    def _insert_blocks(self, doc: _Doc, parent: Any, name: str, items: list[dict[str, Any]], after: Any) -> list[Splice]:
        indent = self._indent_in(doc, parent)
        text = "".join(render_block(name, item, indent, self.unit) for item in items)
        members = _members(_body(parent))
        last = after if after is not None else (members[-1] if members else None)
        if last is None:
            return self._fill_empty(doc, parent, text)
        pos = line_end(self.text, doc.end(last))
        # a new block is separated from what precedes it by a blank line, like terraform style
        return [Splice(pos, pos, "\n\n" + text.rstrip("\n"))]

    def _fill_empty(self, doc: _Doc, block: Any, lines: str) -> list[Splice]:
        """Put ``lines`` into a block whose body is empty (``{}`` or ``{\\n}``)."""
        start_tok = _child(block, "block_start")
        end_tok = _child(block, "block_end")
        if start_tok is None or end_tok is None:
            raise FixError("block without braces")
        outer = self._line_indent(doc.start(block))
        return [Splice(doc.end(start_tok), doc.start(end_tok), "\n" + lines + outer)]

    def _add(self, doc: _Doc, block: Any, segs: tuple[str | int, ...], value: Any) -> list[Splice]:
        # walk to the parent body/block of the last name
        *head, last = segs
        parent = block
        walked: list[str | int] = []
        i = 0
        while i < len(head):
            seg = head[i]
            if not isinstance(seg, str):
                raise FixError("unexpected index in path")
            attr, blocks, dynamic = self._find(doc, _body(parent), seg)
            if dynamic:
                raise FixError(f'"{seg}" is generated by a dynamic block')
            nxt = head[i + 1] if i + 1 < len(head) else None
            if attr is not None or not isinstance(nxt, int) or nxt >= len(blocks):
                # the container does not exist as a plain block: fall back to a set of the list
                return self._set(doc, block, segs, [value], ()) if attr is None else self._add_to_attr(doc, attr, segs[i + 1 :], value)
            parent = blocks[nxt]
            walked += [seg, nxt]
            i += 2
        if not isinstance(last, str):
            raise FixError("add needs a list name at the end of its path")
        attr, blocks, dynamic = self._find(doc, _body(parent), last)
        if dynamic:
            raise FixError(f'"{last}" is generated by a dynamic block')
        if attr is not None:
            return self._add_to_attr(doc, attr, (), value)
        if isinstance(value, dict):
            return self._insert_blocks(doc, parent, last, [value], after=blocks[-1] if blocks else None)
        return self._insert_attribute(doc, parent, last, [value])

    def _add_to_attr(self, doc: _Doc, attr: Any, rest: tuple[str | int, ...], value: Any) -> list[Splice]:
        expr = _attr_expr(attr)
        tup = _tuple_of(expr) if expr is not None and not rest else None
        if tup is None:
            raise FixError(f'"{_attr_name(doc, attr)}" is not a literal list; change it at its source')
        elems = [c for c in tup.children if c.type == "expression"]
        end_tok = _child(tup, "tuple_end")
        if end_tok is None:
            raise FixError("list without closing bracket")
        if not elems:
            return [Splice(doc.start(tup), doc.end(tup), render_value([value], self._line_indent(doc.start(expr)), self.unit))]
        last = elems[-1]
        multi = "\n" in self.text[doc.start(tup) : doc.end(tup)]
        if multi:
            indent = self._line_indent(doc.start(last))
            after_last = self.text[doc.end(last) : doc.start(end_tok)]
            comma = "" if after_last.lstrip().startswith(",") else ","
            pos = line_end(self.text, doc.end(last))
            splices = [Splice(pos, pos, "\n" + indent + render_value(value, indent, self.unit) + ",")]
            if comma:
                splices.append(Splice(doc.end(last), doc.end(last), comma))
            return splices
        return [Splice(doc.end(last), doc.end(last), ", " + render_value(value, "", self.unit))]

    def _remove(self, doc: _Doc, block: Any, segs: tuple[str | int, ...]) -> list[Splice]:
        parent = block
        i = 0
        while i < len(segs):
            name = segs[i]
            if not isinstance(name, str):
                raise FixError(f"cannot remove {_fmt(segs)}: unexpected index")
            attr, blocks, dynamic = self._find(doc, _body(parent), name)
            if dynamic:
                raise FixError(f'"{name}" is generated by a dynamic block')
            rest = segs[i + 1 :]
            if not rest:
                return [self._delete_lines(doc, n) for n in ([attr] if attr is not None else blocks)]
            index = rest[0]
            if attr is not None:
                if len(rest) == 1 and isinstance(index, int):
                    return self._remove_tuple_item(doc, attr, index)
                raise FixError(f"cannot remove {_fmt(segs)}: only list items, attributes and blocks can be removed")
            if not isinstance(index, int) or index >= len(blocks):
                return []
            if len(rest) == 1:
                return [self._delete_lines(doc, blocks[index])]
            parent = blocks[index]
            i += 2
        return []

    def _remove_tuple_item(self, doc: _Doc, attr: Any, index: int) -> list[Splice]:
        expr = _attr_expr(attr)
        tup = _tuple_of(expr) if expr is not None else None
        if tup is None or not _is_literal(expr):
            raise FixError(f'"{_attr_name(doc, attr)}" is not a literal list; change it at its source')
        elems = [c for c in tup.children if c.type == "expression"]
        if index >= len(elems):
            return []
        el = elems[index]
        if len(elems) == 1:
            start_tok, end_tok = _child(tup, "tuple_start"), _child(tup, "tuple_end")
            return [Splice(doc.end(start_tok), doc.start(end_tok), "")]
        if "\n" in self.text[doc.start(tup) : doc.end(tup)]:
            # one item per line: drop the item's line(s) including its comma
            start = line_start(self.text, doc.start(el))
            if not self.text[start : doc.start(el)].strip():
                end = line_end(self.text, doc.end(el))
                return [Splice(start, min(end + 1, len(self.text)), "")]
        if index > 0:  # from the end of the previous item: takes the separating comma
            return [Splice(doc.end(elems[index - 1]), doc.end(el), "")]
        return [Splice(doc.start(el), doc.start(elems[1]), "")]

    def _delete_lines(self, doc: _Doc, node: Any) -> Splice:
        """Delete ``node``'s lines and one blank line that would be left doubled or dangling:
        the blank after it when one follows, else the blank before it when the body closes."""
        start = line_start(self.text, doc.start(node))
        if self.text[start : doc.start(node)].strip():
            raise FixError("the element shares its line with other code")
        end = min(line_end(self.text, doc.end(node)) + 1, len(self.text))
        nxt_end = line_end(self.text, end)
        next_line = self.text[end:nxt_end]
        if end < len(self.text) and not next_line.strip():
            return Splice(start, min(nxt_end + 1, len(self.text)), "")
        if start > 0:
            prev_start = line_start(self.text, start - 1)
            if not self.text[prev_start : start - 1].strip() and next_line.strip().startswith("}"):
                return Splice(prev_start, end, "")
        return Splice(start, end, "")

    def _add_resource(self, doc: _Doc, block: Any, value: Any) -> list[Splice]:
        if not isinstance(value, dict) or "type" not in value or "name" not in value:
            raise FixError("add_resource needs {type, name, attributes}")
        rtype, rname = str(value["type"]), str(value["name"])
        root_body = _child(doc.tree.root_node, "body")
        for b in _members(root_body):
            if b.type == "block" and _block_head(doc, b) == ("resource", [rtype, rname]):
                return []  # already there: applying twice is a no-op
        indent = self._line_indent(doc.start(block))
        attrs = dict(value.get("attributes") or {})
        # references (the link to the resource being fixed) first, as people write them
        refs = {k: v for k, v in attrs.items() if isinstance(v, str) and TF_EXPR.match(v)}
        attrs = {**refs, **{k: v for k, v in attrs.items() if k not in refs}}
        text = render_block("resource", attrs, indent, self.unit, (rtype, rname))
        pos = line_end(self.text, doc.end(block))
        return [Splice(pos, pos, "\n\n" + text.rstrip("\n"))]


# --------------------------------------------------------------------------- small helpers
def _fmt(segs: tuple[str | int, ...]) -> str:
    from policyguard.model import format_path

    return format_path(segs)


def _merge_inserts(splices: list[Splice]) -> list[Splice]:
    """Several insertions at one point (e.g. two new attributes after the same anchor) become
    one splice so that they keep their order."""
    merged: dict[tuple[int, int], str] = {}
    order: list[tuple[int, int]] = []
    for s in splices:
        key = (s.start, s.end)
        if key in merged and s.start == s.end:
            merged[key] += s.new
        elif key in merged:
            raise FixError("two edits replace the same text")
        else:
            merged[key] = s.new
            order.append(key)
    return [Splice(k[0], k[1], merged[k]) for k in order]


def _object_of(expr: Any) -> Any:
    node = expr
    while node is not None and node.type in ("expression", "collection_value"):
        node = node.children[0] if node.children else None
    return node if node is not None and node.type == "object" else None


def _tuple_of(expr: Any) -> Any:
    node = expr
    while node is not None and node.type in ("expression", "collection_value"):
        node = node.children[0] if node.children else None
    return node if node is not None and node.type == "tuple" else None


def _object_key(doc: _Doc, key_expr: Any) -> str:
    text = doc.node_text(key_expr).strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            return str(json.loads(text))
        except ValueError:
            return text[1:-1]
    return text


_LITERAL_TYPES = {"literal_value", "string_lit", "numeric_lit", "bool_lit", "null_lit", "template_literal",
                  "quoted_template_start", "quoted_template_end", "true", "false", "null", "expression",
                  "collection_value", "tuple", "object", "tuple_start", "tuple_end", "object_start", "object_end",
                  "object_elem", "=", ",", ":", "comment", "[", "]", "{", "}", "variable_expr", "identifier", "heredoc_template",
                  "heredoc_start", "heredoc_identifier"}


def _is_literal(expr: Any) -> bool:
    """True when ``expr`` is a constant (literals, tuples/objects of literals; bare identifiers
    only as object keys). Anything that reads a variable, resource or function is not."""

    def walk(node: Any, as_key: bool) -> bool:
        if node.type == "variable_expr":
            return as_key
        if node.type == "object_elem":
            exprs = [c for c in node.children if c.type == "expression"]
            return len(exprs) == 2 and walk(exprs[0], True) and walk(exprs[1], False)
        if node.type == "template_interpolation" or node.type not in _LITERAL_TYPES:
            return False
        return all(walk(c, as_key) for c in node.children)

    return walk(expr, False)


class _Run:
    """An fmt-aligned run of ``key = value`` lines an insertion joins."""

    def __init__(self, col: int, members: list[tuple[int, int]]) -> None:
        self.col = col  # 0-based column of '=' in the run
        self.members = members  # (end of key, start of '=') offsets per member


def _eq_column_run(ed: HclEditor, doc: _Doc, attrs: list[Any], anchor: Any) -> _Run | None:
    """The aligned run ending at ``anchor``, or None when it is ragged or ``anchor`` spans
    several lines (a multi-line value closes its run); then the new line uses one space."""
    if "\n" in ed.text[doc.start(anchor) : doc.end(anchor)]:
        return None
    run = [anchor]
    idx = attrs.index(anchor)
    for prev in reversed(attrs[:idx]):
        if prev.end_point[0] + 1 != run[0].start_point[0] or prev.start_point[0] != prev.end_point[0]:
            break
        run.insert(0, prev)
    cols: list[tuple[int, int]] = []
    members: list[tuple[int, int]] = []
    for a in run:
        eq_tok = _child(a, "=") or _child(a, ":")
        key = _child(a, "identifier") or _child(a, "expression")
        if eq_tok is None or key is None:
            return None
        ls = line_start(ed.text, doc.start(a))
        cols.append((doc.start(eq_tok) - ls, doc.end(key) - ls))
        members.append((doc.end(key), doc.start(eq_tok)))
    eq_cols = {c[0] for c in cols}
    widest = max(c[1] for c in cols)
    # aligned: every '=' in one column (a lone attribute only with a single space)
    if len(eq_cols) != 1 or (len(run) == 1 and next(iter(eq_cols)) != widest + 1):
        return None
    return _Run(next(iter(eq_cols)), members)


def _aligned_insert(indent: str, key: str, rendered: str, run: _Run | None, pos: int) -> list[Splice]:
    """Splices inserting ``key = rendered`` as a new line at ``pos`` (a line end), padded to
    the run's ``=`` column; a longer key re-aligns the run as terraform fmt would."""
    if run is None:
        return [Splice(pos, pos, f"\n{indent}{key} = {rendered}")]
    pad = run.col - len(indent) - len(key)
    if pad >= 1:
        return [Splice(pos, pos, f"\n{indent}{key}{' ' * pad}= {rendered}")]
    new_col = len(indent) + len(key) + 1
    splices = [Splice(pos, pos, f"\n{indent}{key} = {rendered}")]
    for key_end, eq_start in run.members:
        width = new_col - run.col + (eq_start - key_end)
        splices.append(Splice(key_end, eq_start, " " * width))
    return splices
