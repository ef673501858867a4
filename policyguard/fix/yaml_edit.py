"""Formatting-preserving edits of YAML (Kubernetes manifests, CloudFormation templates).

The text is composed with PyYAML (libyaml when available) into nodes that carry character
offsets; an op splices the original text at those offsets. Untouched nodes keep their comments,
quoting, key order and tags (CloudFormation short forms such as ``!Ref`` are never rewritten).
New keys go after the last key of their mapping at its indentation; new sequence items follow
the sequence's own style (block ``- item`` at the same dash column, or flow ``[a, b]``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from policyguard.fix.common import (
    FixError,
    Splice,
    apply_splices,
    detect_indent_unit,
    expected_here,
    line_end,
    line_start,
    split_path,
)
from policyguard.model import FixOp, format_path, get_path

Seg = str | int
_INTRINSIC_KEYS = re.compile(r"\A(Ref|Condition|Fn::[A-Za-z0-9]+)\Z")
_STD_TAG = "tag:yaml.org,2002:"


def compose_all(text: str) -> list[Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise FixError(f"the file does not parse as YAML{where}") from None


def _is_map(n: Any) -> bool:
    return type(n).__name__ == "MappingNode"


def _is_seq(n: Any) -> bool:
    return type(n).__name__ == "SequenceNode"


def _is_scalar(n: Any) -> bool:
    return type(n).__name__ == "ScalarNode"


def is_intrinsic(n: Any) -> bool:
    """A CloudFormation intrinsic (short-form tag or ``{Ref: x}`` / ``{Fn::X: ...}``)."""
    if not str(n.tag).startswith(_STD_TAG):
        return True
    if _is_map(n) and len(n.value) == 1 and _is_scalar(n.value[0][0]):
        return bool(_INTRINSIC_KEYS.match(str(n.value[0][0].value)))
    return False


def _is_null(n: Any) -> bool:
    return _is_scalar(n) and n.tag == _STD_TAG + "null"


def _content_end(n: Any) -> int:
    """Offset just past the last character of ``n``'s own content (block collections end at
    their last descendant, not at the next token, so comments that follow stay put)."""
    while (_is_map(n) or _is_seq(n)) and not n.flow_style and n.value:
        last = n.value[-1]
        n = last[1] if isinstance(last, tuple) else last
    return int(n.end_mark.index)


def _is_block_scalar(n: Any) -> bool:
    return _is_scalar(n) and n.style in ("|", ">")


def _last_leaf(n: Any) -> Any:
    while (_is_map(n) or _is_seq(n)) and not n.flow_style and n.value:
        last = n.value[-1]
        n = last[1] if isinstance(last, tuple) else last
    return n


# --------------------------------------------------------------------------- scalar rendering
_PLAIN_UNSAFE = re.compile(r"""\A[\s\-?:,\[\]{}#&*!|>'"%@`]|[:#]\s|\s#|:\Z|\s\Z|\n""")


def render_scalar(value: Any, quote: str = '"', force_quote: str | None = None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    s = str(value)
    if force_quote == "'":
        return "'" + s.replace("'", "''") + "'"
    if force_quote == '"':
        return json.dumps(s, ensure_ascii=False)
    if s and not _PLAIN_UNSAFE.search(s):
        import yaml

        try:
            if yaml.safe_load(s) == s:
                return s
        except (yaml.YAMLError, ValueError):  # ValueError: `0x_` matches PyYAML's int pattern
            pass
    if quote == "'" and "\n" not in s:
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s, ensure_ascii=False)


def render_flow(value: Any, quote: str) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_scalar(str(k), quote)}: {render_flow(v, quote)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_flow(v, quote) for v in value) + "]"
    return render_scalar(value, quote)


class _Style:
    def __init__(self, text: str, docs: list[Any], doc_index: int = 0) -> None:
        unit = detect_indent_unit(text)
        self.unit = len(unit) if unit != "\t" else 2
        self.quote = "'" if text.count("'") > text.count('"') else '"'
        # the edited document's own habit first, then the file's
        local = self._seq_offset(docs[doc_index : doc_index + 1], None) if doc_index < len(docs) else None
        whole = self._seq_offset(docs, self.unit)
        self.seq_offset: int = local if local is not None else (whole if whole is not None else self.unit)

    def _seq_offset(self, docs: list[Any], default: int | None) -> int | None:
        """How far a block sequence under a key is indented past the key (0 or the unit)."""
        votes: dict[int, int] = {}
        stack = list(docs)
        while stack and sum(votes.values()) < 50:
            n = stack.pop()
            if _is_map(n):
                for k, v in n.value:
                    if _is_seq(v) and not v.flow_style and v.value and v.start_mark.line > k.start_mark.line:
                        off = v.start_mark.column - k.start_mark.column
                        votes[off] = votes.get(off, 0) + 1
                    stack.append(v)
            elif _is_seq(n):
                stack.extend(n.value)
        if not votes:
            return default
        return max(votes.items(), key=lambda kv: kv[1])[0]


def render_block_lines(value: Any, col: int, st: _Style) -> list[str]:
    """Lines (no newline) rendering a mapping or sequence whose entries start at ``col``."""
    pad = " " * col
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in _scalars_first(value):
            key = render_scalar(str(k), st.quote)
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{key}:")
                lines += render_block_lines(v, col + st.unit, st)
            elif isinstance(v, list) and v:
                lines.append(f"{pad}{key}:")
                lines += render_block_lines(v, col + st.seq_offset, st)
            else:
                lines.append(f"{pad}{key}: {render_flow(v, st.quote)}")
        return lines
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                sub = render_block_lines(item, col + 2, st)
                lines.append(f"{pad}- {sub[0][col + 2 :]}")
                lines += sub[1:]
            else:
                lines.append(f"{pad}- {render_flow(item, st.quote)}")
        return lines
    return [pad + render_scalar(value, st.quote)]


def _scalars_first(value: dict[str, Any]) -> list[tuple[str, Any]]:
    """New mappings list plain values before nested ones (``Type: redirect`` above its
    ``RedirectConfig``), as people write them; Rego hands objects over sorted by key."""
    items = list(value.items())
    return [kv for kv in items if not isinstance(kv[1], dict | list)] + [kv for kv in items if isinstance(kv[1], dict | list)]


def _value_text(value: Any, key_col: int, st: _Style) -> str:
    """What follows ``key:`` for a value of a block mapping whose keys are at ``key_col``."""
    if isinstance(value, dict) and value:
        return "\n" + "\n".join(render_block_lines(value, key_col + st.unit, st))
    if isinstance(value, list) and value:
        return "\n" + "\n".join(render_block_lines(value, key_col + st.seq_offset, st))
    return " " + render_flow(value, st.quote)


def _nest(segs: tuple[Seg, ...], value: Any) -> Any:
    for seg in reversed(segs):
        value = [value] if isinstance(seg, int) else {seg: value}
    return value


class _Expand(Exception):
    def __init__(self, ops: list[tuple[tuple[Seg, ...], Any]]) -> None:
        super().__init__("expand")
        self.ops = ops


# --------------------------------------------------------------------------- locating roots
class Root:
    """Where the resource's attributes live in the file."""

    def __init__(self, doc_index: int = 0, keys: tuple[str, ...] = (), prefix: tuple[Seg, ...] = ()) -> None:
        self.doc_index = doc_index
        self.keys = keys  # mapping keys from the document root to the anchor node
        self.prefix = prefix  # path prefix from the anchor to ``attributes`` (CFN: Properties)


def kubernetes_root(text: str, start_line: int) -> Root:
    """The document holding a resource whose span starts at ``start_line`` (1-based)."""
    docs = compose_all(text)
    for i, d in enumerate(docs):
        if d.start_mark.line + 1 <= start_line <= d.end_mark.line + 1:
            return Root(i)
    best = min(range(len(docs)), key=lambda i: abs(docs[i].start_mark.line + 1 - start_line), default=None)
    if best is None:
        raise FixError("no YAML document found")
    return Root(best)


def cloudformation_root(logical_id: str) -> Root:
    return Root(0, ("Resources", logical_id), ("Properties",))


# --------------------------------------------------------------------------- the editor
class YamlEditor:
    def __init__(self, text: str) -> None:
        self.text = text

    def apply(self, root: Root, op: FixOp, attrs: dict[str, Any]) -> str:
        if op.op == "add_resource":
            return self._add_resource(root, op.value)
        segs = split_path(op.path)
        if not segs:
            raise FixError(f"{op.op} needs an attribute path")
        queue: list[tuple[str, tuple[Seg, ...], Any]] = [(op.op, segs, op.value)]
        while queue:
            kind, path, value = queue.pop(0)
            current = get_path(attrs, path)
            if kind == "set" and current == value and value is not None:
                continue
            if kind == "add" and isinstance(current, list) and value in current:
                continue
            if kind == "remove" and (current is None or not expected_here(value, current)):
                continue
            docs = compose_all(self.text)
            st = _Style(self.text, docs, root.doc_index)
            anchor = self._anchor(docs, root)
            try:
                splices = self._op(kind, anchor, root.prefix + path, value, st, len(root.prefix))
            except _Expand as exp:
                queue[:0] = [("set", p[len(root.prefix) :], v) for p, v in exp.ops]
                continue
            self.text = apply_splices(self.text, splices)
        return self.text

    def _anchor(self, docs: list[Any], root: Root) -> Any:
        if root.doc_index >= len(docs):
            raise FixError("the YAML document of the resource is gone")
        node = docs[root.doc_index]
        for k in root.keys:
            pair = _find_pair(node, k) if _is_map(node) else None
            if pair is None:
                raise FixError(f"{'/'.join(root.keys)} is not written literally in the file (generated, e.g. by Fn::ForEach)")
            node = pair[1]
        if not _is_map(node):
            raise FixError("the resource is not a mapping")
        return node

    def _op(self, kind: str, node: Any, segs: tuple[Seg, ...], value: Any, st: _Style, skip: int) -> list[Splice]:
        """Walk ``segs`` from ``node``; ``skip`` leading segments are structural (not
        intrinsic-checked)."""
        key_node: Any = None
        parent: Any = None
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            rest = segs[i + 1 :]
            if i >= skip and node is not None and is_intrinsic(node):
                raise FixError(f"{format_path(segs[: i])} is a CloudFormation intrinsic; change it at its source")
            if _is_map(node) and isinstance(seg, str):
                pair = _find_pair(node, seg)
                if pair is None:
                    if kind == "remove":
                        return []
                    new_value = _nest(rest, value) if kind == "set" else _nest(rest, [value])
                    return self._insert_key(node, key_node, seg, new_value, st)
                k, v = pair
                if v.start_mark.index < k.end_mark.index:
                    raise FixError(f"{seg!r} is a YAML alias; edit its anchor instead")
                if last:
                    if kind == "remove":
                        if len(node.value) == 1 and parent is not None and key_node is not None and not node.flow_style:
                            # the last key goes: drop the now empty mapping with its key
                            return [self._delete_pair(parent, key_node, node)]
                        return [self._delete_pair(node, k, v)]
                    if kind == "add":
                        return self._append(k, v, value, st)
                    if i >= skip and is_intrinsic(v):
                        raise FixError(f"{format_path(segs)} is a CloudFormation intrinsic; change it at its source")
                    return self._replace(node, k, v, value, st, segs)
                parent = node if i >= skip else None
                key_node, node = k, v
            elif _is_seq(node) and isinstance(seg, int):
                if seg < len(node.value):
                    if last:
                        if kind == "remove":
                            if len(node.value) == 1 and parent is not None and key_node is not None and not node.flow_style:
                                # the last item goes: drop the now empty list with its key
                                return [self._delete_pair(parent, key_node, node)]
                            return [self._delete_item(node, seg)]
                        if kind == "set" and isinstance(value, dict) and _is_map(node.value[seg]) and not node.value[seg].flow_style:
                            raise _Expand([(segs + (k,), v) for k, v in value.items()])
                        return [self._replace_node(node.value[seg], value, st, None)]
                    key_node, node, parent = None, node.value[seg], None
                elif seg == len(node.value) and kind != "remove":
                    item = _nest(rest, value) if kind == "set" else _nest(rest, [value])
                    return self._append(key_node, node, item, st)
                else:
                    raise FixError(f"index {seg} is out of range in {format_path(segs[:i])}")
            elif _is_null(node) and key_node is not None and kind != "remove":
                return [self._replace_node(node, _nest(segs[i:], value if kind == "set" else [value]), st, key_node)]
            else:
                raise FixError(f"{format_path(segs[: i + 1])} does not match the file's structure")
        raise FixError("empty path")

    # ---- mappings
    def _insert_key(self, mapping: Any, key_node: Any, key: str, value: Any, st: _Style) -> list[Splice]:
        if mapping.flow_style:
            start, end = mapping.start_mark.index, mapping.end_mark.index
            if not mapping.value and key_node is not None:
                # `key: {}` becomes a block mapping under its key
                col = key_node.start_mark.column
                return [Splice(key_node.end_mark.index, end, ":" + _value_text({key: value}, col, st))]
            if not mapping.value:
                return [Splice(start, end, "{" + f"{render_scalar(key, st.quote)}: {render_flow(value, st.quote)}" + "}")]
            last = mapping.value[-1][1]
            pos = _content_end(last)
            return [Splice(pos, pos, f", {render_scalar(key, st.quote)}: {render_flow(value, st.quote)}")]
        if not mapping.value:
            raise FixError("empty block mapping")
        col = mapping.value[0][0].start_mark.column
        text = " " * col + render_scalar(key, st.quote) + ":" + _value_text(value, col, st)
        return [self._insert_after(mapping.value[-1][1], text)]

    def _insert_after(self, node: Any, text: str) -> Splice:
        """Insert ``text`` (lines, no trailing newline) on new lines after ``node``'s content."""
        leaf = _last_leaf(node)
        if _is_block_scalar(leaf):
            header = self.text[leaf.start_mark.index : line_end(self.text, leaf.start_mark.index)]
            if "+" not in header.split("#")[0]:
                # clip/strip chomping: trailing blank lines are not content; insert before them
                end = len(self.text[: leaf.end_mark.index].rstrip())
                pos = line_end(self.text, end)
                return Splice(pos, pos, "\n" + text)
            pos = leaf.end_mark.index
            if pos > 0 and self.text[pos - 1] == "\n":
                return Splice(pos, pos, text + "\n")
        pos = line_end(self.text, _content_end(node))
        return Splice(pos, pos, "\n" + text)

    def _replace(self, mapping: Any, k: Any, v: Any, value: Any, st: _Style, segs: tuple[Seg, ...]) -> list[Splice]:
        if isinstance(value, dict) and _is_map(v) and not v.flow_style and v.value:
            raise _Expand([(segs + (kk,), vv) for kk, vv in value.items()])
        return [self._replace_node(v, value, st, k)]

    def _replace_node(self, v: Any, value: Any, st: _Style, key_node: Any) -> Splice:
        block_old = (_is_map(v) or _is_seq(v)) and not v.flow_style and v.value
        if not isinstance(value, dict | list) or not value:
            force = v.style if _is_scalar(v) and v.style in ("'", '"') and isinstance(value, str) else None
            rendered = render_flow(value, st.quote) if isinstance(value, dict | list) else render_scalar(value, st.quote, force)
            if block_old and key_node is not None:
                return Splice(key_node.end_mark.index, _content_end(v), ": " + rendered)
            return Splice(v.start_mark.index, _content_end(v), rendered)
        if key_node is not None:
            col = key_node.start_mark.column
            return Splice(key_node.end_mark.index, _content_end(v), ":" + _value_text(value, col, st))
        # a sequence item: block content starts right after "- "
        col = v.start_mark.column
        lines = render_block_lines(value, col, st)
        return Splice(v.start_mark.index, _content_end(v), lines[0][col:] + "".join("\n" + ln for ln in lines[1:]))

    def _delete_pair(self, mapping: Any, k: Any, v: Any) -> Splice:
        if mapping.flow_style:
            raise FixError("removing a key from a flow mapping is not supported")
        start = line_start(self.text, k.start_mark.index)
        if self.text[start : k.start_mark.index].strip():
            if len(mapping.value) == 1:
                raise FixError("the key shares its line with a list dash; remove the list item instead")
            idx = next(i for i, (kk, _) in enumerate(mapping.value) if kk is k)
            if idx == 0 and self.text[start : k.start_mark.index].strip() == "-":
                # `- Key: a` followed by more keys: the next key moves up onto the dash line
                nxt = mapping.value[1][0]
                return Splice(k.start_mark.index, nxt.start_mark.index, "")
            raise FixError("the key shares its line with other content")
        end = line_end(self.text, _content_end(v))
        return Splice(start, min(end + 1, len(self.text)), "")

    # ---- sequences
    def _append(self, key_node: Any, seq: Any, item: Any, st: _Style) -> list[Splice]:
        if _is_null(seq) and key_node is not None:
            return [self._replace_node(seq, [item], st, key_node)]
        if not _is_seq(seq):
            raise FixError("not a list")
        if seq.flow_style:
            if seq.value:
                last = seq.value[-1]
                pos = _content_end(last)
                if isinstance(item, str) and _is_scalar(last) and last.style in ("'", '"'):
                    return [Splice(pos, pos, ", " + render_scalar(item, st.quote, last.style))]
                return [Splice(pos, pos, ", " + render_flow(item, st.quote))]
            if not isinstance(item, dict | list) or key_node is None:
                return [Splice(seq.start_mark.index, seq.end_mark.index, "[" + render_flow(item, st.quote) + "]")]
            return [self._replace_node(seq, [item], st, key_node)]
        col = seq.start_mark.column
        lines = render_block_lines([item], col, st)
        return [self._insert_after(seq, "\n".join(lines))]

    def _delete_item(self, seq: Any, index: int) -> Splice:
        if seq.flow_style:
            raise FixError("removing an item from a flow list is not supported")
        item = seq.value[index]
        dash = self.text.rfind("-", 0, item.start_mark.index)
        start = line_start(self.text, dash)
        if self.text[start:dash].strip():
            raise FixError("the list item shares its line with other content")
        end = line_end(self.text, _content_end(item))
        return Splice(start, min(end + 1, len(self.text)), "")

    # ---- companion resources
    def _add_document(self, root: Root, value: Any) -> str:
        """Kubernetes: the companion object becomes a new document after the resource's."""
        obj = value.get("attributes") if isinstance(value, dict) else None
        if not isinstance(obj, dict) or not obj.get("kind"):
            raise FixError("add_resource for Kubernetes needs the whole object in attributes")
        docs = compose_all(self.text)
        if any(_same_object(_plain(d), obj) for d in docs):
            return self.text
        if root.doc_index >= len(docs):
            raise FixError("the YAML document of the resource is gone")
        st = _Style(self.text, docs, root.doc_index)
        lines = render_block_lines(obj, 0, st)
        pos = line_end(self.text, _content_end(docs[root.doc_index]))
        return apply_splices(self.text, [Splice(pos, pos, "\n---\n" + "\n".join(lines))])

    def _add_resource(self, root: Root, value: Any) -> str:
        if not root.keys:
            return self._add_document(root, value)
        if root.keys[0] != "Resources":
            raise FixError("companion resources can only be added to CloudFormation templates")
        if not isinstance(value, dict) or "type" not in value or "name" not in value:
            raise FixError("add_resource needs {type, name, attributes}")
        docs = compose_all(self.text)
        st = _Style(self.text, docs, root.doc_index)
        resources = self._anchor(docs, Root(root.doc_index, root.keys[:1]))
        if _find_pair(resources, str(value["name"])) is not None:
            return self.text
        me = _find_pair(resources, root.keys[1])
        if me is None or resources.flow_style:
            raise FixError("resource not found in a block Resources mapping")
        col = me[0].start_mark.column
        body: dict[str, Any] = {"Type": value["type"]}
        if value.get("attributes"):
            body["Properties"] = value["attributes"]
        text = " " * col + render_scalar(str(value["name"]), st.quote) + ":" + _value_text(body, col, st)
        return apply_splices(self.text, [self._insert_after(me[1], text)])


def _same_object(a: Any, b: dict[str, Any]) -> bool:
    if not isinstance(a, dict):
        return False
    ma, mb = a.get("metadata") or {}, b.get("metadata") or {}
    return (
        a.get("kind") == b.get("kind")
        and isinstance(ma, dict)
        and isinstance(mb, dict)
        and ma.get("name") == mb.get("name")
        and ma.get("namespace") == mb.get("namespace")
    )


def _find_pair(mapping: Any, key: str) -> tuple[Any, Any] | None:
    for k, v in mapping.value:
        if _is_scalar(k) and str(k.value) == key:
            return k, v
    return None


def _plain(node: Any) -> Any:
    """Scalars of a composed node as text (enough to compare kinds and names)."""
    if _is_map(node):
        return {str(k.value): _plain(v) for k, v in node.value if _is_scalar(k)}
    if _is_seq(node):
        return [_plain(v) for v in node.value]
    return node.value
