"""JSON text for large reports, streamed: compact (the default) or indented (``--pretty``).

A report's big arrays (findings, SARIF results) are ``Rows``: produced, encoded and written a
batch at a time, so writing a report never holds all its elements as dicts, nor the whole text.
``json.dumps(..., indent=2)`` runs the pure-Python encoder (CPython's C encoder has no
indentation), which cost 7 s of a 22 s whole-corpus scan writing 144,000 findings: compact text
is the C encoder throughout, and the indented JSON report keeps its two-space layout with the
elements of the big arrays one per line, written by the C encoder (one finding per line greps
and diffs well).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO


def dumps(doc: dict[str, Any], rows: Iterable[str] = (), *, pretty: bool = True) -> str:
    """``doc`` as text (``write``'s layout), its top-level arrays named in ``rows`` laid out as
    ``Rows`` (one element per line when ``pretty``): for a report already held whole."""
    import io

    shell = {k: Rows(v) if k in set(rows) and isinstance(v, list) else v for k, v in doc.items()}
    buf = io.StringIO()
    write(shell, buf, pretty=pretty)
    return buf.getvalue()


def _row_encoder() -> Callable[[Any], str]:
    """``json.JSONEncoder().encode`` (no indent, ", " and ": " separators) for many small
    values: the C encoder built once, not once per call as ``encode`` does (144,814 findings:
    0.72 -> 0.54 s of CPU). Without the C extension, ``encode`` itself."""
    from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

    plain = json.JSONEncoder()
    if c_make_encoder is None:
        return plain.encode
    # the arguments JSONEncoder.iterencode passes for its defaults (check_circular: a markers dict)
    chunks = c_make_encoder({}, plain.default, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return lambda value: "".join(chunks(value, 0))


@dataclass(slots=True)
class Rows:
    """An array of a document written as its elements are produced (``write``): a report's
    findings are encoded and written one by one, never held as one list of dicts and one
    string. ``layout`` is how ``write(pretty=True)`` lays it out: ``"lines"`` one compact
    element per line (the JSON report), ``"indent"`` every element indented (SARIF). ``raw``:
    an element that is a ``str`` is JSON text already, written as it is (its producer lays it
    out as this array's elements are)."""

    items: Iterable[Any]
    layout: str = "lines"
    raw: bool = False


BATCH = 512  # elements encoded between two writes


def write(doc: dict[str, Any], out: TextIO, *, pretty: bool) -> None:
    """Write ``doc`` as JSON to ``out``, streaming the ``Rows`` anywhere in it. The text is the
    one ``compact(doc)`` gives (``pretty``: ``dumps``'s layout for ``"lines"`` rows, ``json.dumps(
    indent=2)``'s for ``"indent"`` rows) with every ``Rows`` replaced by the list of its items."""
    nonce = secrets.token_hex(16)  # no value from a scanned file can spell the placeholder
    rows: dict[str, Rows] = {}

    def shell(value: Any) -> Any:
        if isinstance(value, Rows):
            token = f"\x00rows:{nonce}:{len(rows)}\x00"
            rows[json.dumps(token)] = value
            return token
        if isinstance(value, dict):
            return {k: shell(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shell(v) for v in value]
        return value

    text = json.dumps(shell(doc), indent=2) if pretty else json.dumps(shell(doc), separators=(",", ":"))
    pos = 0
    while True:
        hits = [(text.find(token, pos), token) for token in rows]
        hits = [(at, token) for at, token in hits if at >= 0]
        if not hits:
            break
        at, token = min(hits)
        out.write(text[pos:at])
        line = text[text.rfind("\n", 0, at) + 1:at]  # the array's key: its rows go one level deeper
        indent = len(line) - len(line.lstrip(" "))
        _write_rows(rows.pop(token), out, pretty, indent)
        pos = at + len(token)
    out.write(text[pos:] + "\n")


def _write_rows(rows: Rows, out: TextIO, pretty: bool, indent: int) -> None:
    items = iter(rows.items)
    first = next(items, _END)
    if first is _END:
        out.write("[]")
        return
    if not pretty:
        encode, sep, head, tail = compact_encoder(), ",", "[", "]"
    elif rows.layout == "lines":
        encode, pad = _row_encoder(), " " * (indent + 2)
        sep, head, tail = ",\n" + pad, "[\n" + pad, "\n" + " " * indent + "]"
    else:
        pad = " " * (indent + 2)

        def encode(value: Any) -> str:
            return json.dumps(value, indent=2).replace("\n", "\n" + pad)

        sep, head, tail = ",\n" + pad, "[\n" + pad, "\n" + " " * indent + "]"
    out.write(head)
    if rows.raw:  # a str is JSON text already
        out.write(first if type(first) is str else encode(first))
        for batch in _batches(items):
            out.write(sep + sep.join([v if type(v) is str else encode(v) for v in batch]))
    else:
        out.write(encode(first))
        for batch in _batches(items):
            out.write(sep + sep.join([encode(v) for v in batch]))
    out.write(tail)


_END = object()


def _batches(items: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(items, BATCH)):
        yield batch


def compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, separators=(",", ":"))`` with the C encoder built once."""
    from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

    if c_make_encoder is None:
        return lambda value: json.dumps(value, separators=(",", ":"))
    chunks = c_make_encoder({}, json.JSONEncoder().default, encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda value: "".join(chunks(value, 0))
