"""The native YAML composer (``native/yaml``, ``policyguard_yaml``) against the Python one.

``yaml_source`` composes with the native one when it is installed and hands a file to the Python
one whenever the native one stops (a syntax error, a limit, a scalar it cannot construct). So
the two must agree on everything the native one returns: values (types included: ``True`` is
not ``1``), every node path's span in the same order, the documents' spans, and the errors
that come back. Checked on the repository's YAML, the corpus, hand-picked cases and generated
YAML (block and flow styles, tags, anchors, aliases, merge keys, block scalars, line breaks,
mutations that break the syntax)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policyguard.limits import Limits
from policyguard.parsers import yaml_source

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))
MODES: list[dict[str, bool]] = [{}, {"yn_marker": True}, {"kubectl_booleans": True}]


@pytest.fixture(autouse=True)
def native() -> Any:
    """The native composer, or skip / fail (``PG_CI=1``) naming what is missing."""
    from vm_support import require

    return require(yaml_source._native(),
                   "policyguard_yaml is not installed (`pip install ./native/yaml`, which needs cargo; .ci/run does it)")


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (list(a) == list(b) and all(type(x) is type(y) for x, y in zip(a, b, strict=True))
                and all(_same(a[k], b[k]) for k in a))  # fmt: skip
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def compare(text: str, limits: Limits = yaml_source.DEFAULT_LIMITS, **mode: bool) -> bool:
    """Assert both composers read ``text`` alike; True when the native one read it itself."""
    native = yaml_source._native()
    handled = native.compose(text, "f.yaml", limits.max_documents, limits.max_nodes, limits.max_depth,
                             limits.max_alias_nodes, mode.get("kubectl_booleans", False) or mode.get("yn_marker", False),
                             mode.get("yn_marker", False)) is not None  # fmt: skip
    got_docs, got_err = yaml_source.load_yaml(text, "f.yaml", limits, **mode)
    try:
        yaml_source.NATIVE = False
        want_docs, want_err = yaml_source.load_yaml(text, "f.yaml", limits, **mode)
    finally:
        yaml_source.NATIVE = True
    assert got_err == want_err, text
    assert len(got_docs) == len(want_docs), text
    for got, want in zip(got_docs, want_docs, strict=True):
        assert _same(got.value, want.value), (text, got.value, want.value)
        assert list(got.spans.items()) == list(want.spans.items()), text
        assert (got.span, got.index, got.yn) == (want.span, want.index, want.yn), text
    return handled


# --------------------------------------------------------------------------- hand-picked
CLEAN = {
    "scalars": "a: 1\nb: 0x1F\nc: 0o17\nd: 017\ne: 1:30\nf: 1.5e3\ng: .inf\nh: -.Inf\ni: .NaN\nj: yes\nk: Off\n"
               "l: ~\nm: null\nn:\no: 2001-12-14\np: '1'\nq: \"tab\\there\"\nr: y\ns: N\nt: =\nu: 0b1_0\nv: +12_000\n",
    "loose int patterns": "a: 0x_\nb: 0b_\nc: -0x_\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\nf: ! 12\ng: !Custom v\n"
                     "h: !!binary aGk=\ni: !!timestamp 2001-12-14\n",
    "cloudformation tags": "R:\n  A: !Ref X\n  B: !GetAtt Bucket.Arn\n  C: !GetAtt Bucket\n  D: !Sub 'x-${A}'\n"
                           "  E: !If [Cond, !Ref A, !Ref AWS::NoValue]\n  F: !Join\n    - ''\n    - [a, !Ref B]\n"
                           "  G: !Condition C\n  H: !Rain::Module ./m.yaml\n  I: !GetAZs ''\n  J: !Equals {a: b}\n",
    "anchors, aliases, merges": "base: &b {x: 1, y: [1, 2]}\nother: &o\n  z: 3\nm:\n  <<: *b\n  y: 9\n"
                                "n:\n  <<: [*o, *b]\n  w: 1\nk: &k key\n*k : aliased key\nl: *b\n",
    "block scalars": "a: |\n  one\n  two\n\nb: >-\n  folded\n  text\n\n\nc: |+\n  keep\n\n"
                     "d: |2\n    indented\ne: last\n",
    "block scalar at the end without a newline": "a: x\nb: |\n  one\n  two",
    "multiple documents": "---\na: 1\n...\n---\n- x\n- y\n---\nplain\n--- |\n  text\n",
    "crlf": "a: 1\r\nb:\r\n  - x\r\n  - |\r\n    lit\r\n    eral\r\nc: end\r\n",
    "unicode": "ключ: значение\n\"é\": [ü, '日本']\nemoji: \"\\U0001F600\"\n",
    "byte order mark": "\ufeffa: 1\nb: 2\n",
    "keys that need quoting": "\"a.b\": 1\n\"x y\": 2\n'q\"': 3\n1: one\non: yes\n\"\": empty\n",
    "duplicate keys": "a: 1\nb: 2\na: 3\n",
    "empty": "",
    "comments only": "# nothing\n",
    "flow in block": "a: {b: [1, {c: d}], e: []}\nf: [{}, [], '']\n",
    "deep but within the limit": "a: " + "[" * 150 + "]" * 150 + "\n",
    "kubernetes": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostProcess: y\n  containers:\n"
                  "  - name: c\n    image: nginx\n    ports:\n    - containerPort: 80\n",
}

BROKEN = {
    "syntax error": "a: [1, 2\nb: 3\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "collection key": "? [a, b]\n: c\n",
    "unknown alias": "a: *nope\n",
    "bad explicit int": "a: !!int zz\n",
    "number too big": "a: " + "9" * 5000 + "\n",
    "float overflow": "a: !!float 1e400\n",
    "merge of a scalar": "a:\n  <<: 1\n",
    "tab indentation": "a:\n\tb: 1\n",
    "error in a later document": "a: 1\n---\nb: [\n",
    "too deep": "a: " + "[" * 300 + "]" * 300 + "\n",
    "alias bomb": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                  + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                            for p, c in zip("abcdef", "bcdefg", strict=True)),
    "control character": "a: \x07\n",
    "a next-line character (a YAML line break)": "nel: a\u0085b\n",
}


@pytest.mark.parametrize("mode", MODES, ids=["plain", "yn marker", "kubectl"])
@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_yaml_is_read_natively_and_alike(name: str, mode: dict[str, bool]) -> None:
    assert compare(CLEAN[name], **mode), "the native composer handed a clean text to the Python one"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_yaml_gets_the_python_composers_error(name: str) -> None:
    assert not compare(BROKEN[name])
    assert yaml_source.load_yaml(BROKEN[name], "f.yaml")[1] is not None


def test_limits_stop_the_native_composer_at_the_same_place() -> None:
    text = "---\na: [1, 2, 3]\n" * 5
    for limits in (Limits(max_documents=3), Limits(max_nodes=7), Limits(max_depth=1), Limits(max_alias_nodes=2)):
        compare(text + "b: &x [1, 2]\nc: *x\n", limits)


def test_a_loose_int_pattern_is_text_not_a_crash() -> None:
    """PyYAML's implicit int pattern takes ``0x_``, whose construction raises ValueError (its own
    loader crashes); YAML readers (kubectl's go-yaml, CloudFormation) read it as a string."""
    docs, err = yaml_source.load_yaml("a: 0x_\nb: 0b_\nc: 0x1_0\n", "f.yaml")
    assert err is None and docs[0].value == {"a": "0x_", "b": "0b_", "c": 16}


# --------------------------------------------------------------------------- files
def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".yaml", ".yml", ".template") and p.is_file())


def _compare_files(files: list[Path]) -> tuple[int, int]:
    handled = total = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for mode in MODES[:2]:
            total += 1
            handled += compare(text, **mode)
    return handled, total


@pytest.mark.parametrize("folder", ["fixtures", "rules", "tests"])
def test_repository_yaml_reads_alike(folder: str) -> None:
    handled, total = _compare_files(_yaml_files(REPO / folder))
    assert total and handled >= 0.9 * total, (handled, total)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")
@pytest.mark.parametrize("folder", ["cloudformation", "kubernetes"])
def test_corpus_yaml_reads_alike(folder: str) -> None:
    files = _yaml_files(CORPUS / folder)
    if not files:
        pytest.skip(f"no YAML under {CORPUS / folder}")
    handled, total = _compare_files(files)
    assert handled >= 0.95 * total, (handled, total)


# --------------------------------------------------------------------------- generated
PLAIN = ["1", "-7", "0x1F", "0x_", "0b101", "017", "1:30", "1.5", "1e3", "1.0e+3", ".inf", "-.inf", ".nan",
         "yes", "No", "on", "OFF", "y", "N", "true", "False", "~", "null", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
         "=", "<<", "+1_000", "foo", "a b", "é", "nginx:1.25", "x.y", "-", "0.", "._1"]  # fmt: skip
KEYS = ["a", "b", "on", "1", "a.b", "x y", "Ref", "Fn::If", "<<", "-k", "é"]
TAGS = ["!Ref", "!GetAtt", "!Sub", "!If", "!Join", "!Condition", "!Custom", "!!str", "!!int", "!!float", "!", "!Rain::M"]


class _Emitter:
    """Draws a YAML text node by node (so aliases only name anchors already written)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.anchors: list[str] = []

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def props(self) -> str:
        out = []
        if self.draw(st.integers(0, 5)) == 0:
            out.append(self.draw(st.sampled_from(TAGS)))
        if self.draw(st.integers(0, 5)) == 0:
            name = f"a{len(self.anchors)}"
            self.anchors.append(name)
            out.append("&" + name)
        return " ".join(out)

    def scalar(self, flow: bool) -> str:
        kind = self.draw(st.integers(0, 9))
        if kind == 0 and self.anchors:
            return "*" + self.draw(st.sampled_from(self.anchors)) + " "
        if kind == 1:
            return "'" + self.draw(st.text("ab' :#\"é\\", max_size=6)).replace("'", "''") + "'"
        if kind == 2:
            body = self.draw(st.text("ab\\\" :u0", max_size=6)).replace("\\", "\\\\").replace('"', '\\"')
            return f'"{body}"'
        props = self.props()
        value = self.draw(st.sampled_from(PLAIN))
        if flow and value in ("-", "<<"):
            value = "x"
        return f"{props} {value}".strip() if props else value

    def flow(self, depth: int) -> str:
        if depth > 2 or self.draw(st.booleans()):
            return self.scalar(flow=True)
        props = self.props()
        n = self.draw(st.integers(0, 3))
        if self.draw(st.booleans()):
            body = "[" + ", ".join(self.flow(depth + 1) for _ in range(n)) + "]"
        else:
            keys = [self.draw(st.sampled_from(KEYS[:8])) for _ in range(n)]
            body = "{" + ", ".join(f"{json_key(k)}: {self.flow(depth + 1)}" for k in keys) + "}"
        return f"{props} {body}" if props else body

    def block(self, indent: int, depth: int) -> list[str]:
        """Lines of a block collection at ``indent``."""
        pad = " " * indent
        lines: list[str] = []
        seq = self.draw(st.booleans())
        for _ in range(self.draw(st.integers(1, 3))):
            head = f"{pad}- " if seq else f"{pad}{json_key(self.draw(st.sampled_from(KEYS)))}: "
            choice = self.draw(st.integers(0, 4)) if depth < 3 else 0
            if choice <= 1:
                lines.append(head + self.flow(depth + 1) if choice else head + self.scalar(flow=False))
            elif choice == 2:
                style = self.draw(st.sampled_from(["|", ">", "|-", ">+", "|2"]))
                lines.append(head + style)
                body = self.draw(st.lists(st.sampled_from(["text", "", "  more", "x: y", "# not a comment"]), min_size=1, max_size=3))
                lines.extend(f"{pad}  {b}" if b else "" for b in body)
            else:
                props = self.props()
                lines.append((head + props).rstrip())
                lines.extend(self.block(indent + 2, depth + 1))
        return lines


def json_key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() or key in ("<<", "Fn::If") else f'"{key}"'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_yaml_reads_alike(data: st.DataObject) -> None:
    emitter = _Emitter(data)
    docs = []
    for _ in range(data.draw(st.integers(1, 3))):
        docs.append("\n".join(emitter.block(0, 0)) + "\n")
    text = "---\n".join(docs)
    if data.draw(st.booleans()):
        text = text.replace("\n", data.draw(st.sampled_from(["\r\n", "\n\n", "\n# c\n"])))
    if data.draw(st.integers(0, 3)) == 0 and text:
        at = data.draw(st.integers(0, len(text) - 1))
        if data.draw(st.booleans()):
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + data.draw(st.sampled_from(list(":-[]{}&*!|>'\"#\t ?,\n"))) + text[at:]
    if data.draw(st.integers(0, 3)) == 0:
        text = text.rstrip("\n")
    mode = data.draw(st.sampled_from(MODES))
    event("native" if compare(text, **mode) else "handed to the Python composer")


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("0123456789._:-+xobeEtTzZyYnN ~=<!&*")), max_size=12))
def test_generated_plain_scalars_resolve_alike(raw: str) -> None:
    """PyYAML's resolver patterns, carried to Rust's regex, decide every plain scalar as in Python."""
    compare(f"k: {raw}\n", yn_marker=True)
    compare(f"- {raw}\n", kubectl_booleans=True)


# --------------------------------------------------------------------------- JSON positions
def compare_json(text: str, limits: Limits = yaml_source.DEFAULT_LIMITS) -> bool:
    """Assert the native ``json_spans`` gives what ``_json_spans`` gives; True when it gave spans."""
    native = yaml_source._native().json_spans(text, "f.json", limits.max_nodes, limits.max_depth)
    python = yaml_source._json_spans(text, "f.json", limits)
    if native is not None:
        assert python is not None and list(native.items()) == list(python.items()), text
    else:
        # the native pass also stops at a lone surrogate, escaped or not (a Rust string cannot hold it)
        assert python is None or "\\ud" in text.lower() or any("\ud800" <= c <= "\udfff" for c in text), text
    return native is not None


JSON_KEYS = st.text(st.sampled_from(list('ab."\\ /é日\U0001f600\n\t') + ["\ud800"]), max_size=4)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False),
              st.text(st.sampled_from(list('x"\\/é\n\u2028') + ["\udc00"]), max_size=4)),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(JSON_KEYS, c, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
def test_generated_json_is_positioned_alike(value: Any, indent: Any, ascii_only: bool, separators: tuple[str, str]) -> None:
    import json

    compare_json(json.dumps(value, indent=indent, ensure_ascii=ascii_only, separators=separators))


def test_json_positions_stop_where_the_python_pass_stops() -> None:
    assert compare_json('{"a": [1, 2.5e3, -0, true, null, "x"], "b": {"c": {}}, "d": []}\n')
    for text in ('{"a": 1, "a": 2}', '{"a":\r\n1}', '["\\ud800"]', '{"\\udc00": 1}', "[" * 300 + "]" * 300):
        compare_json(text)
    assert not compare_json('{"a": 1, "a": 2}')
    for limits in (Limits(max_nodes=3), Limits(max_depth=2)):
        compare_json('{"a": [1, [2, [3]]], "b": 4}', limits)


def test_spans_are_model_spans_however_they_are_made() -> None:
    """The native composer makes ``Span`` instances directly (not through ``__init__``) when the
    class allows it: they must be the same objects to everything that reads them."""
    import pickle

    from policyguard.model import Span

    docs, _ = yaml_source.load_yaml("a: [1, 2]\n", "f.yaml")
    span = docs[0].spans["a[1]"]
    assert type(span) is Span and span == Span("f.yaml", 1, 8, 1, 9) and hash(span) == hash(Span("f.yaml", 1, 8, 1, 9))
    assert pickle.loads(pickle.dumps(span)) == span and span.to_dict()["end_col"] == 9

    class Plain:  # no slots: made through its constructor
        def __init__(self, *args: Any) -> None:
            self.args = args

    import policyguard_yaml

    composer = policyguard_yaml.Composer([], [], [], "x", set(), lambda tag, raw, implicit: raw, Plain, str)
    rows = composer.compose("a: b\n", "f.yaml", 10, 100, 10, 10, False, False)
    assert rows is not None and rows[0][1]["a"].args == ("f.yaml", 1, 1, 1, 5)


# --------------------------------------------------------------------------- JSON nesting
def _python_too_deep(text: str, max_depth: int) -> tuple[int, int] | None:
    from policyguard import limits

    saved = limits._native_too_deep
    limits._native_too_deep = lambda: None  # type: ignore[assignment]
    try:
        return limits.json_too_deep(text, max_depth)
    finally:
        limits._native_too_deep = saved


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list('[]{}"\\\n x,:é') + ["\U0001f600"]), max_size=40), st.integers(0, 6))
def test_json_nesting_is_located_alike(text: str, max_depth: int) -> None:
    """Valid or not (strings left open, escapes before line breaks, closers before openers)."""
    import policyguard_yaml

    assert policyguard_yaml.json_too_deep(text, max_depth) == _python_too_deep(text, max_depth), text


def test_json_nesting_of_a_bomb_is_located_alike() -> None:
    from policyguard.limits import json_too_deep

    text = '{"a": "[[[", "b":\n  ' + "[" * 250 + "1" + "]" * 250 + "}"
    assert json_too_deep(text, 200) == _python_too_deep(text, 200) == (2, 3 + 199)
