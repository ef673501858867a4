"""Terraform JSON configuration syntax (``*.tf.json``) -> the same Body/Block AST as HCL.

Strings are parsed as HCL templates (``"${var.x}"`` works as in Terraform); other JSON values
are literals. Without provider schemas a JSON object is an attribute (map) and a list of
objects stays a list, which is also how nested blocks are shaped in the resource model.
Positions: each block's span starts at the line of its name key (found by scanning the text).

Comments: a property named ``"//"`` at the root or in an object that represents a block body
(or a label level) is ignored, as Terraform does; inside an attribute's value (a map) it stays a
key. CDK for Terraform writes its construct metadata there
(``"//": {"metadata": {"path": "stack/bucket", "uniqueId": ...}}``): a resource's or data
source's ``path`` becomes ``Block.construct_path``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from policyguard.limits import DEFAULT_LIMITS, depth_message, json_too_deep
from policyguard.model import ErrorKind, Span
from policyguard.parsers import numbers

from .hcl import Attribute, Block, Body, Expr, HclSyntaxError, Lit, Source, literal_number, parse_source

COMMENT = "//"  # Terraform JSON's comment property (module docstring)
_BLOCK_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}


class _Pos:
    """Line lookup of a key in the raw text, searched forward from a cursor."""

    def __init__(self, text: str):
        self.text = text
        self.cursor = 0

    def skip(self, key: str, value: Any) -> None:
        """Move the cursor past a property that is not read (a ``"//"`` comment), so the keys
        inside it are not taken for later ones (the document's depth is bounded before this)."""
        self.find(key)
        self._keys(value)

    def _keys(self, value: Any) -> None:
        if isinstance(value, dict):
            for k, x in value.items():
                self.find(k)
                self._keys(x)
        elif isinstance(value, list):
            for x in value:
                self._keys(x)

    def find(self, key: str) -> tuple[int, int]:
        m = re.compile(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:').search(self.text, self.cursor)
        if m is None:
            return 1, 1
        self.cursor = m.end()
        line = self.text.count("\n", 0, m.start()) + 1
        col = m.start() - (self.text.rfind("\n", 0, m.start()) + 1) + 1
        return line, col


def _json_number(text: str) -> Any:
    """A JSON number as Terraform reads it: exact (``1e3`` is 1000); beyond the float64 range
    (``1e400``) a ``NumberError`` that the caller locates, never a wrong value."""
    return literal_number(text)


def _lit(value: Any, src: Source) -> Expr:
    e = Lit(value)
    text = json.dumps(value)
    e.src = Source(src.path, text.encode())
    e.s, e.e, e.row, e.bcol, e.erow, e.ebcol = 0, len(text), 0, 0, 0, len(text)
    return e


def _value_expr(value: Any, src: Source) -> Expr:
    if isinstance(value, str) and ("${" in value or "%{" in value):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        try:
            return parse_source(src.path, f'v = "{escaped}"\n'.encode()).attrs["v"].expr
        except HclSyntaxError:
            return _lit(value, src)
    if isinstance(value, (dict, list)) and "${" in json.dumps(value):
        # containers holding templates: evaluate element-wise through an object/tuple expression
        from .hcl import ObjectE, TupleE

        if isinstance(value, list):
            t = TupleE([_value_expr(x, src) for x in value])
            base = _lit(value, src)
            t.src, t.s, t.e, t.row, t.bcol, t.erow, t.ebcol = base.src, base.s, base.e, 0, 0, 0, base.ebcol
            return t
        span = Span(src.path, 1, 1, 1, 1)
        o = ObjectE([(_lit(k, src), _value_expr(v, src), k, span) for k, v in value.items()])
        base = _lit(value, src)
        o.src, o.s, o.e, o.row, o.bcol, o.erow, o.ebcol = base.src, base.s, base.e, 0, 0, 0, base.ebcol
        return o
    return _lit(value, src)


def _body(obj: dict[str, Any], src: Source, pos: _Pos, nested_blocks: bool) -> Body:
    body = Body()
    for k, v in obj.items():
        if k == COMMENT:
            pos.skip(k, v)
            continue
        line, col = pos.find(k)
        span = Span(src.path, line, col, line, col + len(k) + 2)
        if nested_blocks and k in ("dynamic", "lifecycle", "provisioner", "content") and isinstance(v, dict):
            body.blocks.append(Block(k, [], _body(v, src, pos, True), span, src))
        else:
            body.attrs[k] = Attribute(k, _value_expr(v, src), span)
    return body


def parse_tf_json(path: str, data: bytes) -> Body:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise HclSyntaxError(path, 1, 1, "file is not valid UTF-8") from None
    try:
        doc = json.loads(text, parse_float=_json_number, parse_int=_json_number, parse_constant=numbers.no_constant)
    except numbers.NumberError as exc:
        raise HclSyntaxError(path, *numbers.locate(text, exc.text), exc.message,
                             ErrorKind.LIMIT if exc.limit else ErrorKind.PARSE) from None
    except (json.JSONDecodeError, RecursionError) as exc:  # RecursionError: the decoder stopped a nesting bomb
        deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
        if deep is not None or not isinstance(exc, json.JSONDecodeError):
            line, col = deep or (1, 1)
            raise HclSyntaxError(path, line, col, depth_message(DEFAULT_LIMITS.max_depth), ErrorKind.LIMIT) from None
        raise HclSyntaxError(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}") from None
    deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
    if deep is not None:
        raise HclSyntaxError(path, deep[0], deep[1], depth_message(DEFAULT_LIMITS.max_depth), ErrorKind.LIMIT)
    if not isinstance(doc, dict):
        raise HclSyntaxError(path, 1, 1, "a .tf.json file must hold a JSON object")
    src = Source(path, data)
    pos = _Pos(text)
    root = Body()
    for btype, content in doc.items():
        if btype.startswith(COMMENT):
            pos.skip(btype, content)
            continue
        items = content if isinstance(content, list) else [content]
        nlabels = _BLOCK_LABELS.get(btype, 0)
        for item in items:
            if not isinstance(item, dict):
                line, col = pos.find(btype)
                raise HclSyntaxError(path, line, col, f"{btype!r} must be a JSON object")
            _labelled(root, btype, item, nlabels, [], src, pos)
    return root


def _labelled(root: Body, btype: str, obj: dict[str, Any], nlabels: int, labels: list[str], src: Source, pos: _Pos) -> None:
    if len(labels) == nlabels:
        if btype == "locals":
            for k, v in obj.items():
                if k == COMMENT:
                    pos.skip(k, v)
                    continue
                line, col = pos.find(k)
                root.blocks.append(Block("locals", [], Body({k: Attribute(k, _value_expr(v, src), Span(src.path, line, col, line, col))}), Span(src.path, line, col, line, col), src))
            return
        line = pos.text.count("\n", 0, pos.cursor) + 1
        body = _body(obj, src, pos, btype in ("resource", "data"))
        block = Block(btype, list(labels), body, Span(src.path, line, 1, pos.text.count("\n", 0, pos.cursor) + 1, 1), src)
        if btype in ("resource", "data"):
            block.construct_path = construct_path(obj.get(COMMENT))
        root.blocks.append(block)
        return
    for label, inner in obj.items():
        if label == COMMENT:
            pos.skip(label, inner)
            continue
        pos.find(label)
        for item in inner if isinstance(inner, list) else [inner]:
            if isinstance(item, dict):
                _labelled(root, btype, item, nlabels, labels + [label], src, pos)


def construct_path(comment: Any) -> str:
    """The construct path CDK for Terraform writes into a block's ``"//"`` comment ("" if none)."""
    metadata = comment.get("metadata") if isinstance(comment, dict) else None
    path = metadata.get("path") if isinstance(metadata, dict) else None
    return path if isinstance(path, str) else ""
