"""Shared pieces of the text editors: the error type, offset/line arithmetic, indentation
detection and turning a before/after pair into minimal line-level ``TextEdit`` records."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from policyguard.model import TextEdit, parse_path

TF_EXPR = re.compile(r"\A\$\{([^{}]*)\}\Z")


class FixError(Exception):
    """A fix that cannot be rendered safely as a text edit (the reason is shown to the user)."""


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace ``text[start:end]`` (character offsets) with ``new``."""

    start: int
    end: int
    new: str


def apply_splices(text: str, splices: list[Splice], *, match_newlines: bool = True) -> str:
    """Apply non-overlapping splices (any order; applied bottom-up).

    The editors render new fragments with ``\n``; in a file whose lines mostly end in CRLF
    (``match_newlines``) the fragment's line breaks become CRLF too, and an insertion placed at
    a line end (between its ``\r`` and ``\n``) moves before the ``\r``, so no line ends up
    with a bare LF or a doubled CR."""
    if match_newlines and newline_style(text) == "\r\n":
        splices = [_crlf(text, s) for s in splices]
    out = text
    last = len(text) + 1
    for s in sorted(splices, key=lambda s: (s.start, s.end), reverse=True):
        if s.end > last:
            raise FixError("internal: overlapping edits")
        out = out[: s.start] + s.new + out[s.end :]
        last = s.start
    return out


def _crlf(text: str, s: Splice) -> Splice:
    def between(i: int) -> bool:
        return 0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n"

    start, end = s.start, s.end
    if between(start) and (end == start or between(end)):
        start, end = start - 1, end - 1
    return Splice(start, end, re.sub(r"(?<!\r)\n", "\r\n", s.new))


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the newline ending the line holding ``offset`` (or len(text))."""
    i = text.find("\n", offset)
    return len(text) if i < 0 else i


def indent_of_line(text: str, offset: int) -> str:
    start = line_start(text, offset)
    m = re.match(r"[ \t]*", text[start:])
    return m.group(0) if m else ""


def newline_style(text: str) -> str:
    """The line ending most lines use (a stray CRLF line does not make new lines CRLF)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def detect_indent_unit(text: str, default: str = "  ") -> str:
    """The indentation step the file uses: a tab, or the most common positive increase of
    leading spaces between consecutive non-blank lines."""
    counts: dict[int, int] = {}
    prev = 0
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith(("#", "//")):
            continue
        lead = line[: len(line) - len(stripped)]
        if lead.startswith("\t"):
            return "\t"
        n = len(lead)
        if n > prev:
            counts[n - prev] = counts.get(n - prev, 0) + 1
        prev = n
    if not counts:
        return default
    best = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return " " * best if 1 < best <= 8 else default


def diff_edits(file: str, before: str, after: str) -> list[TextEdit]:
    """Minimal whole-line replacements turning ``before`` into ``after`` (1-based positions,
    end exclusive; a replacement of lines i..j runs from (i, 1) to (j + 1, 1))."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    edits: list[TextEdit] = []
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        new = "".join(b[j1:j2])
        if i2 > len(a) - 1 and a and not a[-1].endswith(("\n", "\r")) and i2 == len(a):
            # the last line has no newline: end at its last column instead of a line past it
            end_line, end_col = len(a), len(a[-1]) + 1
        else:
            end_line, end_col = i2 + 1, 1
        edits.append(TextEdit(file, i1 + 1, 1, end_line, end_col, new))
    return edits


def apply_text_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply ``TextEdit`` records (1-based line/column, end exclusive) to ``text``."""
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())

    def offset(line: int, col: int) -> int:
        if line - 1 >= len(starts):
            return len(text)
        return min(starts[line - 1] + col - 1, len(text))

    splices = [Splice(offset(e.start_line, e.start_col), offset(e.end_line, e.end_col), e.text) for e in edits]
    return apply_splices(text, splices, match_newlines=False)  # the edits carry their own line endings


def split_path(path: str) -> tuple[str | int, ...]:
    try:
        return parse_path(path) if path else ()
    except ValueError as exc:
        raise FixError(str(exc)) from None


EXPECT_KEY = "__expect__"


def expected_here(pinned: object, current: object) -> bool:
    """A pinned ``remove`` (value ``{"__expect__": v}``) applies only while ``v`` is still at
    its path: removing list item 0 twice must not remove the next item."""
    if isinstance(pinned, dict) and EXPECT_KEY in pinned:
        return bool(pinned[EXPECT_KEY] == current)
    return True
