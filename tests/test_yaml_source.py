"""yaml_source: values, spans, CloudFormation tags, merge keys, errors, limits, round-trip properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyguard.limits import Limits
from policyguard.model import ErrorKind, format_path, iter_values
from policyguard.parsers import yaml_source
from policyguard.parsers.yaml_source import child_path, load_file, load_json, load_yaml


def _one(text: str) -> Any:
    docs, err = load_yaml(text, "t.yaml")
    assert err is None, err
    assert len(docs) == 1
    return docs[0]


def _pos(doc: Any, path: str) -> tuple[int, int, int, int]:
    s = doc.spans[path]
    return (s.start_line, s.start_col, s.end_line, s.end_col)


# --------------------------------------------------------------------------- values and spans
def test_scalars_resolve_like_yaml_1_1() -> None:
    doc = _one("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 0x10\ng: 2024-01-02\nh: yes\n1: one\non: x\n")
    assert doc.value == {
        "a": 1, "b": 1.5, "c": True, "d": None, "e": "1", "f": 16,
        "g": "2024-01-02",  # timestamps stay text: the model is JSON
        "h": True,
        "1": "one",  # keys are the key's text
        "on": "x",
    }  # fmt: skip


def test_spans_of_mapping_entries_run_from_key_to_value_end() -> None:
    doc = _one("top:\n  name: web\n  list:\n    - a\n    - {k: v}\n")
    assert _pos(doc, "") == (1, 1, 5, 13)
    assert _pos(doc, "top") == (1, 1, 5, 13)
    assert _pos(doc, "top.name") == (2, 3, 2, 12)
    assert _pos(doc, "top.list") == (3, 3, 5, 13)
    assert _pos(doc, "top.list[0]") == (4, 7, 4, 8)
    assert _pos(doc, "top.list[1]") == (5, 7, 5, 13)
    assert _pos(doc, "top.list[1].k") == (5, 8, 5, 12)


def test_block_scalar_span_ends_on_its_last_line() -> None:
    doc = _one("script: |\n  echo 1\n  echo 22\n\n\nnext: 1\n")
    assert doc.value["script"] == "echo 1\necho 22\n"
    assert _pos(doc, "script") == (1, 1, 3, 10)


def test_quoted_keys_in_paths() -> None:
    doc = _one('metadata:\n  annotations:\n    policyguard.dev/ignore: "PG-1"\n    "a b": 1\n')
    assert _pos(doc, 'metadata.annotations["policyguard.dev/ignore"]') == (3, 5, 3, 35)
    assert doc.spans['metadata.annotations["a b"]'].start_line == 4


def test_anchor_alias_and_merge_keys() -> None:
    doc = _one("base: &b\n  x: 1\n  y: [a]\nuse: *b\nm:\n  <<: *b\n  y: over\n")
    assert doc.value["use"] == {"x": 1, "y": ["a"]}
    assert doc.value["m"] == {"x": 1, "y": "over"}
    assert doc.spans["use"].start_line == 4
    assert doc.spans["use.y[0]"].start_line == 3  # paths below an alias reuse the anchored spans
    assert doc.spans["m.x"].start_line == 2  # merged key: where it is written
    assert doc.spans["m.y"].start_line == 7


def test_multi_document_and_empty_documents() -> None:
    docs, err = load_yaml("a: 1\n---\n---\n# only a comment\n---\nb: 2\n", "t.yaml")
    assert err is None
    assert [d.value for d in docs] == [{"a": 1}, None, None, {"b": 2}]
    assert [d.index for d in docs] == [0, 1, 2, 3]
    assert docs[3].spans["b"].start_line == 6


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("!Ref Bucket", {"Ref": "Bucket"}),
        ('!Sub "${AWS::StackName}-x"', {"Fn::Sub": "${AWS::StackName}-x"}),
        ("!Sub ['a-${X}', {X: !Ref Y}]", {"Fn::Sub": ["a-${X}", {"X": {"Ref": "Y"}}]}),
        ("!GetAtt Bucket.Arn", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!GetAtt Stack.Outputs.VpcId", {"Fn::GetAtt": ["Stack", "Outputs.VpcId"]}),
        ("!GetAtt [Bucket, Arn]", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!If [C, a, b]", {"Fn::If": ["C", "a", "b"]}),
        ("!Join ['', [a, b]]", {"Fn::Join": ["", ["a", "b"]]}),
        ("!Select [0, [a]]", {"Fn::Select": [0, ["a"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!FindInMap [M, k1, k2]", {"Fn::FindInMap": ["M", "k1", "k2"]}),
        ("!ImportValue shared", {"Fn::ImportValue": "shared"}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Equals [x, y]]", {"Fn::Or": [{"Condition": "A"}, {"Fn::Equals": ["x", "y"]}]}),
        ("!Not [!Condition A]", {"Fn::Not": [{"Condition": "A"}]}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!Transform {Name: M}", {"Fn::Transform": {"Name": "M"}}),
    ],
)
def test_cloudformation_short_form_tags(source: str, expected: Any) -> None:
    doc = _one(f"v: {source}\n")
    assert doc.value == {"v": expected}
    assert doc.spans["v"].start_line == 1
    (key,) = expected
    inner = child_path("v", key)
    assert inner in doc.spans
    assert doc.spans[inner].start_col == 4  # the tag's own position


def test_tagged_sequence_children_live_under_the_long_form_key() -> None:
    doc = _one("v: !If\n  - C\n  - !Ref A\n  - b\n")
    assert doc.spans['v["Fn::If"][1]'].start_line == 3
    assert doc.spans['v["Fn::If"][1].Ref'].start_line == 3
    assert doc.spans['v["Fn::If"][2]'].start_line == 4


# --------------------------------------------------------------------------- JSON
def test_json_values_and_positions() -> None:
    text = '{\n  "a": {"b": [1, 2.5e3, "x\\/y"]},\n  "c": null\n}\n'
    docs, err = load_json(text, "f.json")
    assert err is None
    (doc,) = docs
    assert doc.value == {"a": {"b": [1, 2500.0, "x/y"]}, "c": None}  # JSON semantics (1e3 is a float)
    assert _pos(doc, "a") == (2, 3, 2, 33)
    assert _pos(doc, "a.b[1]") == (2, 18, 2, 23)
    assert _pos(doc, "c") == (3, 3, 3, 12)


def test_json_positions_survive_duplicates_and_odd_characters() -> None:
    docs, _ = load_json('{"a": 1,\n "a": {"b": 2},\n "\\ud800": 3, "?": 5, "\x7f": 6}', "d.json")
    (doc,) = docs
    assert doc.value == {"a": {"b": 2}, "\ud800": 3, "?": 5, "\x7f": 6}
    assert doc.spans["a"].start_line == 2  # the value JSON keeps is the last one
    assert doc.spans["a.b"].start_line == 2
    assert [doc.spans[format_path((k,))].start_col for k in ("\ud800", "?", "\x7f")] == [2, 15, 23]
    # stand-ins never collide with real keys: "\ud800" is read as U+E000 but both keep their spans
    docs, _ = load_json('{"\\ud800": 1, "\\ue000": 2, "?": 3, "\x7f": 4}', "c.json")
    assert len(docs[0].spans) == 5


def test_json_error_location() -> None:
    docs, err = load_json('{\n  "a": 1,\n}\n', "bad.json")
    assert docs == []
    assert err is not None
    assert (err.line, err.column, err.kind) == (3, 1, ErrorKind.PARSE)
    assert err.message.startswith("JSON: ")


# --------------------------------------------------------------------------- errors and limits
@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("a:\n  b: 1\n\tc: 2\n", 3, 1, "tab"),
        ("a: 1\n b: 2\n", 2, 3, "mapping values are not allowed"),
        ("a: [1, 2\n", 2, 1, "did not find expected ',' or ']'"),
        ("a: *nope\n", 1, 4, "unknown alias *nope"),
        ("a: !!int abc\n", 1, 4, "cannot read 'abc'"),
        ("{{ x }}: 1\n", 1, 1, "mapping key is not a scalar"),
    ],
)
def test_yaml_errors_are_located(text: str, line: int, col: int, fragment: str) -> None:
    docs, err = load_yaml(text, "e.yaml")
    assert err is not None
    assert (err.file, err.line, err.column) == ("e.yaml", line, col)
    assert fragment in err.message


def test_documents_before_an_error_are_kept() -> None:
    docs, err = load_yaml("a: 1\n---\nb: [\n", "e.yaml")
    assert [d.value for d in docs] == [{"a": 1}]
    assert err is not None and err.line == 4


def test_limits() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8)
    )
    _, err = load_yaml(bomb, "bomb.yaml")
    assert err is not None and err.kind == ErrorKind.LIMIT and "alias" in err.message

    _, err = load_yaml("a: " + "[" * 300 + "]" * 300, "deep.yaml")
    assert err is not None and (err.kind, err.line, err.column) == (ErrorKind.LIMIT, 1, 203)

    _, err = load_yaml("a: 1\n---\nb: 1\n---\nc: 1\n", "docs.yaml", Limits(max_documents=2))
    assert err is not None and err.kind == ErrorKind.LIMIT and err.line == 4

    _, err = load_yaml("[" + ",".join(["1"] * 50) + "]", "nodes.yaml", Limits(max_nodes=20))
    assert err is not None and err.kind == ErrorKind.LIMIT

    _, err = load_json("[" * 150 + "]" * 150, "deep.json", Limits(max_depth=100))
    assert err is not None and err.kind == ErrorKind.LIMIT


def test_load_file_errors(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    (err,) = load_file(big, limits=Limits(max_file_bytes=100)).errors
    assert err.kind == ErrorKind.LIMIT and err.file == str(big)

    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nb: caf\xe9\n")
    (err,) = load_file(latin).errors
    assert (err.kind, err.line, err.column) == (ErrorKind.UNREADABLE, 2, 7)

    missing = tmp_path / "missing.yaml"
    (err,) = load_file(missing).errors
    assert err.kind == ErrorKind.UNREADABLE

    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    result = load_file(bom)
    assert result.errors == [] and result.documents[0].value == {"a": 1}


# --------------------------------------------------------------------------- properties
def _values_with(chars: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**63)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(chars, max_size=20)
    )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(chars, max_size=12), children, max_size=4),
        max_leaves=25,
    )


# YAML cannot carry lone surrogates at all, and PyYAML's *dumper* (not the loader under test)
# writes U+0085 raw inside quotes with allow_unicode, where it reads back as a line break.
_yaml_values = _values_with(st.characters(exclude_characters="\x85", exclude_categories=("Cs",)))
_json_values = _values_with(st.characters())


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_yaml_values, flow=st.booleans(), unicode=st.booleans())
def test_yaml_round_trip_and_every_path_has_a_span(value: Any, flow: bool, unicode: bool) -> None:
    text = yaml.dump(value, Dumper=_NoAliases, default_flow_style=flow, allow_unicode=unicode)
    docs, err = load_yaml(text, "h.yaml")
    assert err is None, (text, err)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.value == value
    for path, _ in iter_values(value):
        assert format_path(path) in doc.spans, (text, path)


@settings(max_examples=200, deadline=None)
@given(value=_json_values, indent=st.sampled_from([None, 0, 2]), ascii=st.booleans())
def test_json_round_trip_and_every_path_has_a_span(value: Any, indent: int | None, ascii: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii)
    docs, err = load_json(text, "h.json")
    assert err is None
    (doc,) = docs
    assert doc.value == value
    for path, _ in iter_values(value):
        assert format_path(path) in doc.spans, (text, path)


@settings(deadline=None)
@given(st.lists(st.one_of(st.integers(0, 50), st.text(max_size=8)), max_size=6))
def test_child_path_matches_format_path(segments: list[str | int]) -> None:
    built = ""
    for seg in segments:
        built = child_path(built, seg)
    assert built == format_path(tuple(segments))


def _event_walk_spans(text: str) -> dict[str, Any]:
    """The JSON spans as the libyaml event walk gives them (``load_json`` before its fast path)."""
    limits = Limits()
    docs, err = yaml_source._Composer(yaml_source._json_for_yaml(text), "h.json", limits, positions_only=True).compose()
    assert err is None and len(docs) == 1, err
    (doc,) = docs
    value = json.loads(text)
    if doc.value == value:
        return doc.spans
    out: dict[str, Any] = {}
    assert yaml_source._remap(doc.spans, doc.value, value, "", "", out)
    return out


_LAYOUTS = st.sampled_from([(None, (", ", ": ")), (None, (",", ":")), (0, (",", ": ")), (2, (",", ": ")), ("\t", (" ,", " :  "))])


@settings(max_examples=300, deadline=None)
@given(value=_json_values, layout=_LAYOUTS, ascii=st.booleans())
def test_json_fast_spans_equal_the_event_walk(value: Any, layout: Any, ascii: bool) -> None:
    """The single-pass JSON position reader gives every path the span, and the paths the
    order, the event walk gives them, whatever the layout (one line, indented, tabs, spaces
    around separators) and characters (escapes, astral, lone surrogates)."""
    indent, seps = layout
    text = " \n" + json.dumps(value, indent=indent, separators=seps, ensure_ascii=ascii) + "\n"
    fast = yaml_source._json_spans(text, "h.json", Limits())
    assert fast is not None
    assert list(fast.items()) == list(_event_walk_spans(text).items())


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": {"b": 2}}',  # a duplicate key: the event walk's reading
    '{\r\n "a": [1,\r\n 2]\r\n}',  # CR LF: YAML line breaks
])
def test_json_fast_spans_leave_the_odd_cases_to_the_event_walk(text: str) -> None:
    assert yaml_source._json_spans(text, "h.json", Limits()) is None
    (doc,), err = load_json(text, "h.json")
    assert err is None and "" in doc.spans


def test_json_fast_spans_leave_limits_to_the_event_walk() -> None:
    deep = "[" * 30 + "]" * 30
    assert yaml_source._json_spans(deep, "h.json", Limits(max_depth=20)) is None
    docs, err = load_json(deep, "h.json", Limits(max_depth=20))
    assert docs == [] and err is not None and err.kind == ErrorKind.LIMIT
    wide = json.dumps(list(range(50)))
    assert yaml_source._json_spans(wide, "h.json", Limits(max_nodes=10)) is None
    docs, err = load_json(wide, "h.json", Limits(max_nodes=10))
    assert docs == [] and err is not None and err.kind == ErrorKind.LIMIT and "nodes" in err.message


def _plan_text(resources: int, depth: int = 0) -> str:
    nested: Any = "v"
    for _ in range(depth):
        nested = {"n": nested}
    body = [{"address": f"aws_s3_bucket.b{i}", "mode": "managed", "type": "aws_s3_bucket", "name": f"b{i}",
             "values": {"bucket": f"b{i}", "tags": nested}} for i in range(resources)]
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": body}}})


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_plan_json_is_parsed_without_node_positions_and_the_same(layout: str) -> None:
    # a plan locates its resources by their "address" entries: the node positions are not
    # computed for it, and the resources come out as with them
    from policyguard.parsers.documents import parse_document_text
    from policyguard.parsers.terraform.plan import parse_plan_document

    text = _plan_text(5)
    if layout == "indented":
        text = json.dumps(json.loads(text), indent=2)
    value, err = yaml_source.decode_json(text, "p.json")
    assert err is None
    doc = yaml_source.json_unplaced(text, "p.json", value)
    assert doc is not None and list(doc.spans) == [""] and doc.span == yaml_source.load_json(text, "p.json")[0][0].span
    got = parse_document_text(text, "p.json", Path("p.json"))
    want = parse_plan_document(value, Path("p.json"), text)
    assert [(r.id, r.span, r.attributes) for r in got.resources] == [(r.id, r.span, r.attributes) for r in want.resources]
    assert len(got.resources) == 5 and not got.errors


@pytest.mark.parametrize("limits,word", [(Limits(max_nodes=30), "nodes"), (Limits(max_depth=8), "nesting")])
def test_plan_json_over_a_limit_is_still_a_located_limit_error(limits: Limits, word: str) -> None:
    from policyguard.parsers.documents import parse_document_text

    text = _plan_text(4, depth=10)
    value, _ = yaml_source.decode_json(text, "p.json")
    assert yaml_source.json_unplaced(text, "p.json", value, limits) is None
    got = parse_document_text(text, "p.json", Path("p.json"), limits=limits)
    assert not got.resources and len(got.errors) == 1
    assert got.errors[0].kind == ErrorKind.LIMIT and word in got.errors[0].message and got.errors[0].file == "p.json"


def _size_and_depth(value: Any, depth: int = 1) -> tuple[int, int]:
    """Nodes (every value, keys not counted) and the depth of the deepest one, root at 1."""
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    nodes, deepest = 1, depth
    for c in children:
        n, d = _size_and_depth(c, depth + 1)
        nodes, deepest = nodes + n, max(deepest, d)
    return nodes, deepest


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet=',[]{}"\\ab', max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet=",[{a", max_size=3), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES, max_depth=st.integers(1, 7), max_nodes=st.integers(1, 40), indent=st.sampled_from([None, 1]))
def test_json_unplaced_refuses_exactly_the_values_over_the_limits(value: Any, max_depth: int, max_nodes: int,
                                                                   indent: int | None) -> None:
    """A plan's JSON is read without positions only when it is within the node and depth limits
    (decided on the text when it can be, by walking the value otherwise): the same answer as
    counting the value's nodes and levels, whatever commas and brackets its strings hold."""
    text = json.dumps(value, indent=indent)
    limits = Limits(max_depth=max_depth, max_nodes=max_nodes)
    nodes, depth = _size_and_depth(value)
    got = yaml_source.json_unplaced(text, "plan.json", value, limits)
    assert (got is None) == (nodes > max_nodes or depth > max_depth)
    if got is not None:
        assert got.value is value and set(got.spans) == {""}
