"""Input limits: what a single file may cost before the gate refuses it with a LIMIT error.

The values guard the parsers against hostile or accidental inputs (YAML alias bombs, a
10 MB single-line JSON blob, a 100k-deep flow sequence that would overflow a C stack). They
are far above anything real IaC needs: the largest CloudFormation template in the shared
corpus is under 1 MiB and nests fewer than 30 levels.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    """Files above this size are not read (LIMIT error)."""
    max_depth: int = 200
    """Deepest collection nesting (mappings and sequences) in one YAML/JSON document."""
    max_nodes: int = 2_000_000
    """Nodes per file after alias expansion (counts every node an alias copies)."""
    max_alias_nodes: int = 100_000
    """Nodes that aliases may add on top of the written ones (billion-laughs guard)."""
    max_documents: int = 10_000
    """YAML documents (``---``) per file."""
    sniff_bytes: int = 8192
    """How much of a file discovery reads to decide its format."""


DEFAULT_LIMITS = Limits()


def depth_message(max_depth: int) -> str:
    """The one wording of a nesting error, whichever reader or layer found it."""
    return f"nesting deeper than {max_depth} levels"


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')  # an unterminated string runs to the end
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 +1 -1 -1
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]|[\]}]')


def json_too_deep(text: str, max_depth: int) -> tuple[int, int] | None:
    """Line and column (1-based) of the bracket that opens level ``max_depth + 1`` of a JSON
    text, or None when it nests no deeper (brackets inside strings do not count).

    Independent of any decoder, so a nesting bomb is located the same way whether the decoder
    stopped it (``RecursionError``, or a decoder's own limit in its own wording) or decoded it
    and only our depth limit refuses it. Works on invalid JSON too. The common case runs at C
    speed: strings are dropped, the brackets left become +1/-1 steps whose running sum is the
    depth; only a text that does nest too deep is walked token by token for the position.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return None
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if max(accumulate(array("b", skeleton.translate(_STEPS))), default=0) <= max_depth:
        return None
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = text[m.start()]
        if c == "[" or c == "{":
            depth += 1
            if depth > max_depth:
                pos = m.start()
                return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
        elif c == "]" or c == "}":
            depth = max(depth - 1, 0)
    return None
