"""Formatting-preserving edits of JSON (CloudFormation templates, Kubernetes manifests).

A small position-tracking JSON reader gives the character span of every value; an op splices
the original text there, so key order, indentation and untouched members stay byte-for-byte.
New members follow the indentation and ``": "`` spacing of their siblings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from policyguard.fix.common import (
    FixError,
    Splice,
    apply_splices,
    detect_indent_unit,
    expected_here,
    line_start,
    split_path,
)
from policyguard.fix.yaml_edit import Root
from policyguard.model import FixOp, format_path, get_path

Seg = str | int
_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_INTRINSIC = re.compile(r"\A(Ref|Condition|Fn::[A-Za-z0-9]+)\Z")


@dataclass
class JNode:
    kind: str  # object | array | scalar
    start: int
    end: int
    value: Any = None
    members: list[tuple[str, int, JNode]] = field(default_factory=list)  # (key, key start, value)
    items: list[JNode] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> FixError:
        line = self.text.count("\n", 0, self.pos) + 1
        return FixError(f"the file does not parse as JSON: {what} at line {line}")

    def ws(self) -> None:
        m = _WS.match(self.text, self.pos)
        self.pos = m.end() if m else self.pos

    def value(self, depth: int = 0) -> JNode:
        if depth > 500:
            raise self.fail("nesting too deep")
        self.ws()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end")
        c = self.text[self.pos]
        start = self.pos
        if c == "{":
            node = JNode("object", start, start)
            self.pos += 1
            self.ws()
            if self.text.startswith("}", self.pos):
                self.pos += 1
            else:
                while True:
                    self.ws()
                    m = _STRING.match(self.text, self.pos)
                    if not m:
                        raise self.fail("expected a string key")
                    key, kstart = json.loads(m.group(0)), self.pos
                    self.pos = m.end()
                    self.ws()
                    if not self.text.startswith(":", self.pos):
                        raise self.fail("expected ':'")
                    self.pos += 1
                    node.members.append((key, kstart, self.value(depth + 1)))
                    self.ws()
                    if self.text.startswith(",", self.pos):
                        self.pos += 1
                        continue
                    if self.text.startswith("}", self.pos):
                        self.pos += 1
                        break
                    raise self.fail("expected ',' or '}'")
            node.end = self.pos
            return node
        if c == "[":
            node = JNode("array", start, start)
            self.pos += 1
            self.ws()
            if self.text.startswith("]", self.pos):
                self.pos += 1
            else:
                while True:
                    node.items.append(self.value(depth + 1))
                    self.ws()
                    if self.text.startswith(",", self.pos):
                        self.pos += 1
                        continue
                    if self.text.startswith("]", self.pos):
                        self.pos += 1
                        break
                    raise self.fail("expected ',' or ']'")
            node.end = self.pos
            return node
        for lit, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(lit, self.pos):
                self.pos += len(lit)
                return JNode("scalar", start, self.pos, val)
        m = _STRING.match(self.text, self.pos) or _NUMBER.match(self.text, self.pos)
        if not m:
            raise self.fail("unexpected character")
        self.pos = m.end()
        return JNode("scalar", start, self.pos, json.loads(m.group(0)))


def parse(text: str) -> JNode:
    r = _Reader(text)
    if text.startswith("\ufeff"):
        r.pos = 1
    node = r.value()
    r.ws()
    if r.pos != len(text):
        raise r.fail("trailing content")
    return node


def _is_intrinsic(n: JNode) -> bool:
    return n.kind == "object" and len(n.members) == 1 and bool(_INTRINSIC.match(n.members[0][0]))


def _find(obj: JNode, key: str) -> JNode | None:
    for k, _, v in obj.members:
        if k == key:
            return v
    return None


def _nest(segs: tuple[Seg, ...], value: Any) -> Any:
    for seg in reversed(segs):
        value = [value] if isinstance(seg, int) else {seg: value}
    return value


def kubernetes_json_root(text: str, start_line: int) -> Root:
    node = parse(text)
    if node.kind == "object" and _find(node, "items") is not None and (_find(node, "kind") or JNode("", 0, 0)).value == "List":
        items = _find(node, "items")
        assert items is not None
        for i, it in enumerate(items.items):
            if text.count("\n", 0, it.start) + 1 <= start_line <= text.count("\n", 0, it.end) + 1:
                return Root(0, ("items", str(i)))
    return Root(0)


class JsonEditor:
    def __init__(self, text: str) -> None:
        self.text = text
        unit = detect_indent_unit(text)
        self.unit = unit
        self.colon = ": " if text.count('": ') >= text.count('":') - text.count('": ') else ":"

    def apply(self, root: Root, op: FixOp, attrs: dict[str, Any]) -> str:
        if op.op == "add_resource":
            return self._add_resource(root, op.value)
        segs = split_path(op.path)
        if not segs:
            raise FixError(f"{op.op} needs an attribute path")
        current = get_path(attrs, segs)
        if op.op == "set" and current == op.value and op.value is not None:
            return self.text
        if op.op == "add" and isinstance(current, list) and op.value in current:
            return self.text
        if op.op == "remove" and (current is None or not expected_here(op.value, current)):
            return self.text
        anchor = self._anchor(parse(self.text), root)
        splices = self._op(op.op, anchor, root.prefix + segs, op.value, len(root.prefix))
        self.text = apply_splices(self.text, splices)
        return self.text

    def _anchor(self, node: JNode, root: Root) -> JNode:
        for k in root.keys:
            if node.kind == "object":
                nxt = _find(node, k)
            elif node.kind == "array" and k.isdigit() and int(k) < len(node.items):
                nxt = node.items[int(k)]
            else:
                nxt = None
            if nxt is None:
                raise FixError(f"{'/'.join(root.keys)} is not written literally in the file (generated, e.g. by Fn::ForEach)")
            node = nxt
        if node.kind != "object":
            raise FixError("the resource is not an object")
        return node

    def _indent(self, offset: int) -> str:
        s = line_start(self.text, offset)
        m = re.match(r"[ \t]*", self.text[s:offset])
        return m.group(0) if m else ""

    def _render(self, value: Any, indent: str) -> str:
        text = json.dumps(_ordered(value), indent=self.unit, ensure_ascii=False, separators=(",", self.colon))
        return text.replace("\n", "\n" + indent)

    def _op(self, kind: str, node: JNode, segs: tuple[Seg, ...], value: Any, skip: int) -> list[Splice]:
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            rest = segs[i + 1 :]
            if i >= skip and _is_intrinsic(node):
                raise FixError(f"{format_path(segs[:i])} is a CloudFormation intrinsic; change it at its source")
            if node.kind == "object" and isinstance(seg, str):
                child = _find(node, seg)
                if child is None:
                    if kind == "remove":
                        return []
                    return [self._insert_member(node, seg, _nest(rest, value if kind == "set" else [value]))]
                if last:
                    if kind == "remove":
                        return [self._delete_member(node, seg)]
                    if kind == "add":
                        return [self._append(child, value)]
                    if i >= skip and _is_intrinsic(child):
                        raise FixError(f"{format_path(segs)} is a CloudFormation intrinsic; change it at its source")
                    if isinstance(value, dict) and child.kind == "object" and child.members:
                        out: list[Splice] = []
                        for k, v in value.items():  # merge: one key at a time, bottom-up safe
                            sub = self._op("set", child, (k,), v, 0)
                            out += sub
                        return _one_insert(out)
                    return [Splice(child.start, child.end, self._render(value, self._indent(child.start)))]
                node = child
            elif node.kind == "array" and isinstance(seg, int):
                if seg < len(node.items):
                    if last:
                        if kind == "remove":
                            return [self._delete_item(node, seg)]
                        item = node.items[seg]
                        return [Splice(item.start, item.end, self._render(value, self._indent(item.start)))]
                    node = node.items[seg]
                elif seg == len(node.items) and kind != "remove":
                    return [self._append(node, _nest(rest, value if kind == "set" else [value]))]
                else:
                    raise FixError(f"index {seg} is out of range in {format_path(segs[:i])}")
            elif node.kind == "scalar" and node.value is None and kind != "remove":
                return [Splice(node.start, node.end, self._render(_nest(segs[i:], value if kind == "set" else [value]), self._indent(node.start)))]
            else:
                raise FixError(f"{format_path(segs[: i + 1])} does not match the file's structure")
        raise FixError("empty path")

    def _insert_member(self, obj: JNode, key: str, value: Any) -> Splice:
        key_text = json.dumps(key, ensure_ascii=False)
        if not obj.members:  # `{}` opens onto its own lines
            ind = self._indent(obj.start)
            body = ind + self.unit
            return Splice(obj.start, obj.end, "{\n" + body + key_text + self.colon + self._render(value, body) + "\n" + ind + "}")
        _, kstart, last = obj.members[-1]
        if "\n" in self.text[obj.start : obj.end]:
            ind = self._indent(kstart)
            return Splice(last.end, last.end, ",\n" + ind + key_text + self.colon + self._render(value, ind))
        return Splice(last.end, last.end, ", " + key_text + self.colon + json.dumps(value, ensure_ascii=False))

    def _append(self, arr: JNode, item: Any) -> Splice:
        if arr.kind == "scalar" and arr.value is None:
            return Splice(arr.start, arr.end, self._render([item], self._indent(arr.start)))
        if arr.kind != "array":
            raise FixError("not a list")
        if not arr.items:
            ind = self._indent(arr.start)
            if isinstance(item, dict | list):
                return Splice(arr.start, arr.end, "[\n" + ind + self.unit + self._render(item, ind + self.unit) + "\n" + ind + "]")
            return Splice(arr.start, arr.end, "[" + json.dumps(item, ensure_ascii=False) + "]")
        last = arr.items[-1]
        if "\n" in self.text[arr.start : arr.end]:
            ind = self._indent(last.start)
            return Splice(last.end, last.end, ",\n" + ind + self._render(item, ind))
        return Splice(last.end, last.end, ", " + json.dumps(item, ensure_ascii=False))

    def _delete_member(self, obj: JNode, key: str) -> Splice:
        idx = next(i for i, m in enumerate(obj.members) if m[0] == key)
        _, kstart, v = obj.members[idx]
        if idx > 0:  # remove from the end of the previous member (takes its comma)
            return Splice(obj.members[idx - 1][2].end, v.end, "")
        if len(obj.members) > 1:
            return Splice(kstart, obj.members[1][1], "")
        inner_start = obj.start + 1
        return Splice(inner_start, obj.end - 1, "")

    def _delete_item(self, arr: JNode, index: int) -> Splice:
        item = arr.items[index]
        if index > 0:
            return Splice(arr.items[index - 1].end, item.end, "")
        if len(arr.items) > 1:
            return Splice(item.start, arr.items[1].start, "")
        return Splice(arr.start + 1, arr.end - 1, "")

    def _add_resource(self, root: Root, value: Any) -> str:
        if not root.keys or root.keys[0] != "Resources":
            raise FixError("companion resources can only be added to CloudFormation templates")
        if not isinstance(value, dict) or "type" not in value or "name" not in value:
            raise FixError("add_resource needs {type, name, attributes}")
        doc = parse(self.text)
        resources = self._anchor(doc, Root(0, ("Resources",)))
        if _find(resources, str(value["name"])) is not None:
            return self.text
        idx = next((i for i, m in enumerate(resources.members) if m[0] == root.keys[1]), None)
        if idx is None:
            raise FixError("resource not found")
        _, kstart, me = resources.members[idx]
        body: dict[str, Any] = {"Type": value["type"]}
        if value.get("attributes"):
            body["Properties"] = value["attributes"]
        ind = self._indent(kstart)
        text = ",\n" + ind + json.dumps(str(value["name"])) + self.colon + self._render(body, ind)
        self.text = apply_splices(self.text, [Splice(me.end, me.end, text)])
        return self.text


def _one_insert(splices: list[Splice]) -> list[Splice]:
    """Merge insertions at one offset (several new members after the same last member)."""
    merged: dict[tuple[int, int], str] = {}
    for s in splices:
        key = (s.start, s.end)
        if key in merged and s.start != s.end:
            raise FixError("two edits replace the same text")
        merged[key] = merged.get(key, "") + s.new
    return [Splice(a, b, t) for (a, b), t in merged.items()]


def _ordered(value: Any) -> Any:
    """Plain members before nested ones in new objects (Rego sorts object keys)."""
    if isinstance(value, dict):
        plain = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        return {**plain, **{k: _ordered(v) for k, v in value.items() if k not in plain}}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value
