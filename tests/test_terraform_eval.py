"""Faithful evaluation of known values: Terraform numbers, built-in functions (values from
Terraform's documentation examples), RE2 regular expressions, splats, and end-to-end scans
where a wrong or unknown evaluation used to let a misconfiguration pass the gate."""

from __future__ import annotations

import json
import textwrap
import time
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from cli_support import runner as cli_runner
from hypothesis import given, settings
from hypothesis import strategies as st

from policyguard.commands import main
from policyguard.model import is_unknown
from policyguard.parsers.terraform import functions as fn
from policyguard.parsers.terraform import parse_directory


def _attrs(tmp_path: Path, body: str, extra: str = "") -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(extra + '\nresource "t_r" "x" {\n' + textwrap.dedent(body) + "\n}\n")
    result = parse_directory(tmp_path, files=None, var_files=[], variables={})
    assert not result.errors, result.errors
    return {r.id: r for r in result.resources}["t_r.x"].attributes


def _v(tmp_path: Path, expr: str, extra: str = "") -> Any:
    return _attrs(tmp_path, f"v = {expr}", extra)["v"]


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("-7 % 3", -1),  # truncates toward zero (cty), Python's % gives 2
        ("7 % -3", 1),
        ("-7.5 % 2", -1.5),
        ("7 % 0", 7),  # cty's Modulo returns the dividend for a zero divisor
        ("0.1 + 0.2", 0.3),
        ("1.1 * 3", 3.3),
        ("7 / 2", 3.5),
        ("6 / 3", 2),
        ("1.0e3", 1000),  # (tree-sitter-hcl needs the fraction before an exponent)
        ("1.5e300 > 1.0e299", True),  # exact decimals (beyond float64 a literal is a limit error: test_numbers.py)
        ("1.0", 1),
        ('"v${1.0}"', "v1"),
        ('"v${1.0e21}"', "v1000000000000000000000"),
        ('"v${0.0000001}"', "v0.0000001"),
        ('"v${5 / 2}"', "v2.5"),
        ("100000000000000000000000 + 1", 100000000000000000000001),
        ('tonumber("1e2")', 100),
        ("pow(3, 2)", 9),
        ("pow(4, 0.5)", 2),
        ("pow(10, 300) > 1.0e299", True),
        ("log(50, 10)", 1.6989700043360185),
        ("log(16, 2)", 4),
        ("log(1, 10)", 0),
        ("floor(-1.5)", -2),
        ("ceil(-1.5)", -1),
        ("signum(-13)", -1),
        ("signum(0)", 0),
        ('parseint("100", 10)', 100),
        ('parseint("FF", 16)', 255),
        ('parseint("-10", 16)', -16),
        ('parseint("1011111011101111", 2)', 48879),
        ('parseint("aA", 62)', 656),  # above base 36, upper case letters are 36-61
        ('parseint("12", 2)', None),  # error
        ('parseint("1_000", 10)', None),  # Python's int() accepts it; Go does not
        ('parseint(" 12", 10)', None),
        ('tonumber("1_000")', None),
        ('tonumber("nan")', None),
        ('tonumber(" 5")', None),
        ("range(4, 1)", [4, 3, 2]),
        ("range(-3)", [0, -1, -2]),
        ("range(1, 4, 0.5)", [1, 1.5, 2, 2.5, 3, 3.5]),
        ("range(0, 1, 0.1)[3]", 0.3),
        ("range(1, 4, -1)", None),  # end must be below start for a negative step
        ("length(range(1024))", 1024),
        ("range(1025)", None),  # Terraform's cap
        ("sum([0.1, 0.2])", 0.3),
    ],
)
def test_number_semantics(tmp_path: Path, expr: str, expected: Any) -> None:
    got = _v(tmp_path, expr)
    if expected is None:
        assert is_unknown(got) and "evaluation error" in got.get("reason", ""), got
    else:
        assert got == expected and type(got) is type(expected), got


@pytest.mark.parametrize(
    "expr",
    ["1 / 0", "pow(10, 400)", "pow(10, 600) * pow(10, 600)", "log(0, 10)"],  # literals beyond float64: test_numbers.py
)
def test_infinite_or_out_of_range_numbers_are_unknown_not_wrong(tmp_path: Path, expr: str) -> None:
    attrs = _attrs(tmp_path, f'v = {expr}\nw = try({expr}, "fallback")\nc = can({expr})')
    assert is_unknown(attrs["v"]), attrs
    # Terraform has a value there (an infinity): not an error for try/can either
    assert is_unknown(attrs["w"]) and is_unknown(attrs["c"]), attrs


def test_zero_divided_by_zero_is_an_error(tmp_path: Path) -> None:
    attrs = _attrs(tmp_path, 'v = try(0 / 0, "fallback")')
    assert attrs["v"] == "fallback"


def test_pow_overflow_is_bounded(tmp_path: Path) -> None:
    start = time.perf_counter()
    attrs = _attrs(tmp_path, "a = pow(2, 100000000)\nb = pow(-8, 0.5)\nc = 9999999999 * 9999999999")
    assert time.perf_counter() - start < 5
    assert is_unknown(attrs["a"]) and is_unknown(attrs["b"])
    assert attrs["c"] == 9999999999 * 9999999999


def _ref_mod(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 200
        q = (a / b).to_integral_value(rounding=ROUND_DOWN)
        return a - q * b


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(-(10**30), 10**30).filter(lambda b: b != 0))
def test_integer_arithmetic_matches_the_decimal_reference(a: int, b: int) -> None:
    assert fn.arith("+", a, b) == a + b
    assert fn.arith("-", a, b) == a - b
    assert fn.arith("*", a, b) == a * b
    r = fn.arith("%", a, b)
    assert r == _ref_mod(Decimal(a), Decimal(b))
    assert abs(r) < abs(b) and (r == 0 or (r < 0) == (a < 0))  # sign of the dividend
    q = fn.arith("/", a, b)
    if a % b == 0:
        assert q == a // b and isinstance(q, int)
    else:
        assert abs(Decimal(repr(q)) - Decimal(a) / Decimal(b)) <= abs(Decimal(a) / Decimal(b)) * Decimal("1e-15")


@settings(max_examples=300, deadline=None)
@given(st.decimals(-(10**6), 10**6, places=3, allow_nan=False, allow_infinity=False), st.decimals(-(10**6), 10**6, places=3, allow_nan=False, allow_infinity=False))
def test_decimal_arithmetic_is_exact(a: Decimal, b: Decimal) -> None:
    x, y = fn.parse_number(str(a)), fn.parse_number(str(b))
    assert Decimal(repr(fn.arith("+", x, y))) == a + b
    assert Decimal(repr(fn.arith("-", x, y))) == a - b
    if b != 0:
        assert Decimal(repr(fn.arith("%", x, y))) == _ref_mod(a, b)
    # rendering never uses an exponent and round-trips
    assert fn.parse_number(fn.number_text(x)) == x


# --------------------------------------------------------------------------- functions
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('sensitive("public-read")', "public-read"),
        ('nonsensitive(sensitive("x"))', "x"),
        ('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")', "02 Jan 2018 23:12 UTC"),
        ('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")', "Tuesday, 02-Jan-18 23:12:01 UTC"),
        ('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")', "Tue, 02 Jan 2018 23:12:01 -0800"),
        ('formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")', "Jan 02, 2018"),
        ('formatdate("HH:mmaa", "2018-01-02T23:12:01Z")', "11:12pm"),
        ("formatdate(\"h'h'mm\", \"2018-01-02T23:12:01-08:00\")", "23h12"),
        ('formatdate("YYYY", "not a time")', None),
        ('formatdate("QQ", "2018-01-02T23:12:01Z")', None),
        ('timeadd("2017-11-22T00:00:00Z", "10m")', "2017-11-22T00:10:00Z"),
        ('timeadd("2017-11-22T00:00:00Z", "-1h30m")', "2017-11-21T22:30:00Z"),
        ('timeadd("2017-11-22T00:00:00Z", "1d")', None),
        ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")', 0),
        ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")', -1),
        ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")', 0),
        ('csvdecode("a,b,c\\n1,2,3\\n4,5,6")', [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
        ('csvdecode("a,b\\n\\"x,\\"\\"y\\"\\"\\",2")', [{"a": 'x,"y"', "b": "2"}]),
        ('csvdecode("a,b\\n1")', None),
        ('csvdecode("a\\nx\\"y")', None),
        ('textencodebase64("Hello World", "UTF-16LE")', "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
        ('textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")', "Hello World"),
        ('textencodebase64("x", "no-such-encoding")', None),
        ('urlencode("Hello World!")', "Hello+World%21"),
        ('urlencode("foo:bar@localhost?foo=bar&bar=baz")', "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
        ('jsonencode({ "hello" = "world" })', '{"hello":"world"}'),
        ('jsonencode({ b = "<x>", a = [1, 0.5, null, true] })', '{"a":[1,0.5,null,true],"b":"\\u003cx\\u003e"}'),
        ('yamlencode({ "a" = "b", "c" = "d" })', '"a": "b"\n"c": "d"\n'),
        ('yamlencode({ "foo" = [1, 2, 3], "bar" = "baz" })', '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
        ('yamlencode({ "foo" = [1, { "a" = "b", "c" = "d" }, 3], "bar" = "baz" })', '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n'),
        ('title("hello world")', "Hello World"),
        ('title("foo-bar_baz")', "Foo-Bar_baz"),
        ('trimspace("\\u001c x \\n")', "\x1c x"),
        ('element(["a", "b", "c"], 3)', "a"),
        ('element(["a", "b", "c"], -1)', None),
        ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
        ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
        ('format("There are %d lights", 4)', "There are 4 lights"),
        ('format("%v", 1000000)', "1e+06"),  # Go's shortest %g; str() gave "1000000"
        ('format("arn:aws:iam::%v:root", 123456789012)', "arn:aws:iam::1.23456789012e+11:root"),
        ('format("%v|%v|%v", 123456, 0.5, true)', "123456|0.5|true"),
        ('format("%#v", "x")', '"x"'),
        ('format("%v", [1, "a"])', '[1,"a"]'),
        ('format("%[2]s-%[1]s", "a", "b")', "b-a"),
        ('format("%#o|%#08x|%.3d|%+d|%-4d|", 8, 255, 7, 5, 1)', "010|0x0000ff|007|+5|1   |"),  # big.Int pads sign+prefix+digits to the width
        ('format("%.2f|%e|%g|%08.2f", 3.14159, 1234.5678, 1234567, -3.14159)', "3.14|1.234568e+03|1.234567e+06|-0003.14"),
        ('format("%f", 12345678901234567890)', "12345678901234567890.000000"),  # exact, not via float
        ('format("%.1s|%5s|%q", "hello", "hi", "<a>")', 'h|   hi|"\\u003ca\\u003e"'),
        ('format("%s", "a", "b")', None),  # an unused argument is an error
        ('format("%s %s", "a")', None),
        ('format("%d", 1.5)', None),
        ('format("%s", null)', None),
        ('format("%z", 1)', None),
        ('substr("hello world", 1, 4)', "ello"),
        ('substr("🤔🤷", 0, 1)', "🤔"),
        ('substr("hello world", -5, 3)', "wor"),
        ('substr("abc", -1, 0)', "c"),  # cty: a zero length after a negative offset takes the rest
        ('substr("abc", 0, 0)', ""),
        ('strrev("hello")', "olleh"),
        ('strrev("a ☃")', "☃ a"),
        ('length("a\\r\\nb")', 3),  # CR LF is one character
        ('upper("straße")', "STRAßE"),  # Go's simple case mapping; Python gives STRASSE
        ('lower("İ")', "i"),
        ('tolist(["a", 1, true])', ["a", "1", "true"]),  # unified to list(string)
        ('tomap({ a = 1, b = "x" })', {"a": "1", "b": "x"}),
        ('coalesce(1, "a")', "1"),
        ("tolist([1, true])", None),  # number and bool have no common type
        ('true ? 1 : "a"', "1"),  # the conditional's result type is the unified one
        ('false ? "a" : 22', "22"),
        ("true ? 1 : false", None),
        ("true ? 1 : 2", 1),
        ("toset([3, 1, 2, 1])", [1, 2, 3]),
        ('toset(["a", 1])', ["1", "a"]),
        ('jsondecode("{\\"a\\": 1.0, \\"b\\": [0.1, 100000000000000000000000]}")', {"a": 1, "b": [0.1, 100000000000000000000000]}),
        ('jsondecode("NaN")', None),  # Python's json accepts it, Go's does not
        ('jsondecode("[Infinity]")', None),
        ('yamldecode("hello: world")', {"hello": "world"}),
        ('yamldecode("a: y\\nb: off\\nc: \\"yes\\"")', {"a": True, "b": False, "c": "yes"}),  # PyYAML: "y" stays a string
        ('yamldecode("a: 0777\\nb: 0x1F\\nc: 1:20\\nd: 1e3\\ne: 1_000")', {"a": 777, "b": "0x1F", "c": "1:20", "d": 1000, "e": 1000}),
        ('yamldecode("d: 2001-12-14\\nt: 2001-12-14 21:59:43.10")', {"d": "2001-12-14T00:00:00Z", "t": "2001-12-14T21:59:43Z"}),
        ('yamldecode("1: a\\ntrue: b\\nn: c")', {"1": "a", "true": "b", "false": "c"}),
        ('yamldecode("a: .nan")', None),
        ('yamldecode("~: 1")', None),
        ('yamldecode("a: !!bool maybe")', None),
    ],
)
def test_functions_match_terraform(tmp_path: Path, expr: str, expected: Any) -> None:
    got = _v(tmp_path, expr)
    if expected is None:
        assert is_unknown(got) and "evaluation error" in got.get("reason", ""), got
    else:
        assert got == expected, got


def test_file_hash_functions_and_templatestring(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hello")
    attrs = _attrs(
        tmp_path,
        'a = filemd5("hello.txt")\nb = filesha256("hello.txt")\nc = filebase64sha256("hello.txt")\n'
        'd = filesha1("hello.txt")\ne = templatestring(local.t, { name = "n" })\nf = templatestring("${x}", {})',
        extra='locals {\n  t = "hi $${name}"\n}\n',
    )
    assert attrs["a"] == "5d41402abc4b2a76b9719d911017c592"
    assert attrs["b"] == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert attrs["c"] == "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    assert attrs["d"] == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    assert attrs["e"] == "hi n"
    assert is_unknown(attrs["f"]) and "reference" in attrs["f"]["reason"]


@pytest.mark.parametrize("expr", ['length("e\\u0301")', 'strrev("e\\u0301x")', 'yamldecode("a: .inf")', 'jsondecode("1.0e99999")', 'issensitive("x")', 'ephemeralasnull("x")', 'base64gzip("x")', "timestamp()", "uuid()", 'bcrypt("x")', "plantimestamp()"])
def test_untracked_or_impure_functions_stay_unknown(tmp_path: Path, expr: str) -> None:
    got = _v(tmp_path, expr)
    assert is_unknown(got) and "evaluation error" not in got.get("reason", ""), got


def test_every_terraform_builtin_is_known_to_the_evaluator() -> None:
    builtins = """abs ceil floor log max min parseint pow signum chomp endswith format formatlist indent join
    lower regex regexall replace split startswith strcontains strrev substr templatestring title trim trimprefix
    trimspace trimsuffix upper alltrue anytrue chunklist coalesce coalescelist compact concat contains distinct
    element flatten index keys length lookup matchkeys merge one range reverse setintersection setproduct
    setsubtract setunion slice sort sum transpose values zipmap base64decode base64encode base64gzip csvdecode
    jsondecode jsonencode textdecodebase64 textencodebase64 urlencode yamldecode yamlencode abspath dirname
    pathexpand basename file fileexists fileset filebase64 templatefile formatdate plantimestamp timeadd timecmp
    timestamp base64sha256 base64sha512 bcrypt filebase64sha256 filebase64sha512 filemd5 filesha1 filesha256
    filesha512 md5 rsadecrypt sha1 sha256 sha512 uuid uuidv5 cidrhost cidrnetmask cidrsubnet cidrsubnets can
    ephemeralasnull issensitive nonsensitive sensitive tobool tolist tomap tonumber toset tostring try""".split()
    from policyguard.parsers.terraform.evaluate import _FILE_FUNCS

    special = {"can", "try", "templatestring", *_FILE_FUNCS}
    missing = [f for f in builtins if f not in fn.FUNCTIONS and f not in fn.IMPURE and f not in special]
    assert missing == []


# --------------------------------------------------------------------------- regular expressions (RE2)
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
        ('regex("(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)", "2019-02-01")', ["2019", "02", "01"]),
        (
            'regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
            {"authority": "terraform.io", "scheme": "https"},
        ),
        ('regex("(a)|(b)", "b")', [None, "b"]),  # a group that did not take part is null
        ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
        ('length(regexall("[a-z]+", "1234abcd5678efgh9"))', 2),
        ('regexall("a*", "baaac")', ["", "aaa", ""]),  # Go skips an empty match right after a match
        ('replace("baaac", "/a*/", "-")', "-b-c-"),
        ('replace("hello world", "/(\\\\w+) (\\\\w+)/", "$2 $1")', "world hello"),
        ('replace("hello world", "/(?P<a>\\\\w+) (?P<b>\\\\w+)/", "$${b}-$${a}")', "world-hello"),
        ('replace("hello world", "/(\\\\w+) (\\\\w+)/", "$1x $$ \\\\1")', " $ \\1"),  # $1x is ${1x}; \\1 is literal
        ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
        ('regex("a$", "a\\n")', None),  # RE2: $ is the end of text only (Python matched before "\n")
        ('regex("(?<=a)b", "ab")', None),  # lookbehind is not RE2 syntax
        ('regex("(?P<x>a)(b)", "ab")', None),  # named and unnamed groups cannot be mixed
        ('regex("(", "x")', None),
        ('can(regex("(?<=a)b", "ab"))', False),
        ('can(regex("^a", "abc"))', True),
    ],
)
def test_regex_functions_follow_go_re2(tmp_path: Path, expr: str, expected: Any) -> None:
    got = _v(tmp_path, expr)
    if expected is None:
        assert is_unknown(got) and "evaluation error" in got.get("reason", ""), got
    else:
        assert got == expected, got


def test_catastrophic_patterns_run_in_linear_time(tmp_path: Path) -> None:
    start = time.perf_counter()
    attrs = _attrs(
        tmp_path,
        'a = can(regex("(a+)+$", "${local.s}b"))\nb = length(regexall("(x+x+)+y", local.t))\n'
        'c = replace("${local.s}b", "/(a|aa)+$/", "z")',
        extra=f'locals {{\n  s = "{"a" * 5000}"\n  t = "{"x" * 5000}"\n}}\n',
    )
    assert time.perf_counter() - start < 60  # seconds even on a loaded machine; Python's re: > 700 s
    assert attrs["a"] is False and attrs["b"] == 0 and attrs["c"] == "a" * 5000 + "b"


def test_invalid_pattern_does_not_write_to_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _v(tmp_path, 'can(regex("(?<=x)", "x"))')
    assert capfd.readouterr().err == ""


# --------------------------------------------------------------------------- splats
def test_legacy_splat_indexes_the_resulting_list(tmp_path: Path) -> None:
    attrs = _attrs(
        tmp_path,
        "a = local.l.*.ids[0]\nb = local.l[*].ids[0]\nc = local.o[*].ids\nd = local.n[*].id\ne = local.o.*.ids[1]",
        extra='locals {\n  l = [{ ids = ["x", "y"] }, { ids = ["z", "w"] }]\n  o = { ids = ["p", "q"] }\n  n = null\n}\n',
    )
    assert attrs["a"] == ["x", "y"]  # [for v in l : v.ids][0]
    assert attrs["b"] == ["x", "z"]  # [for v in l : v.ids[0]]
    assert attrs["c"] == [["p", "q"]]  # a single object is a one-element list
    assert attrs["d"] == []  # null is an empty list
    assert is_unknown(attrs["e"])  # [o.ids][1]: out of range, an error as in Terraform


# --------------------------------------------------------------------------- end to end
def _gate(tmp_path: Path, files: dict[str, str]) -> tuple[int, dict[str, Any]]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    runner = cli_runner()
    result = runner.invoke(main, ["scan", str(tmp_path), "-f", "json", "--rule", "PG-AWS-S3-003"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def _acl_status(doc: dict[str, Any]) -> set[str]:
    return {f["status"] for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003"}


@pytest.mark.parametrize(
    "acl",
    [
        'sensitive("public-read")',  # was: unsupported function -> unknown -> passed
        "local.acls[-7 % 3 + 2]",  # was: Python % -> index 4 -> out of range -> unknown
        'regex("^(public-read)$", "public-read")[0]',
        'replace("private-read", "/^pri(v)ate/", "public")',
        "local.buckets.*.acl[0]",  # was: legacy splat indexed each element
        'formatdate("\'public-read\'", "2024-01-01T00:00:00Z")',
        'var.unset ? "public-read" : "public-read"',  # was: unknown condition -> unknown
        'local.acls[1] != "" || var.unset ? "public-read" : "private"',  # true || unknown is true
    ],
)
def test_public_acl_computed_by_terraform_semantics_fails_the_gate(tmp_path: Path, acl: str) -> None:
    code, doc = _gate(
        tmp_path,
        {
            "main.tf": f"""
            variable "unset" {{}}
            locals {{
              acls    = ["private", "public-read", "log-delivery-write"]
              buckets = [{{ acl = "public-read" }}, {{ acl = "private" }}]
            }}
            resource "aws_s3_bucket" "b" {{
              bucket = "b"
              acl    = {acl}
            }}
            """
        },
    )
    assert _acl_status(doc) == {"fail"}, doc["findings"]
    assert code == 1


def test_huge_integer_does_not_crash_the_scan(tmp_path: Path) -> None:
    code, doc = _gate(
        tmp_path,
        {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl = "public-read"\n  tags = { n = 100000000000000000000000 }\n}\n'},
    )
    assert code == 1 and _acl_status(doc) == {"fail"}


def test_cloudformation_select_over_a_list_with_a_pseudo_parameter_fails_the_gate(tmp_path: Path) -> None:
    code, doc = _gate(
        tmp_path,
        {
            "t.yaml": """
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              B:
                Type: AWS::S3::Bucket
                Properties:
                  AccessControl: !Select [0, [PublicRead, !Ref "AWS::Region"]]
            """
        },
    )
    assert _acl_status(doc) == {"fail"}, doc["findings"]
    assert code == 1


# --------------------------------------------------------------------------- operators and conditionals
def test_boolean_operators_short_circuit_both_ways(tmp_path: Path) -> None:
    attrs = _attrs(
        tmp_path,
        "a = false && local.nope.x\nb = local.nope.x && false\nc = var.u || true\nd = true || var.u\n"
        "e = var.u && true\nf = local.nope.x || false\ng = var.u || local.nope.x",
        extra='variable "u" {}\n',
    )
    assert attrs["a"] is False and attrs["b"] is False  # the error on the other side is dropped
    assert attrs["c"] is True and attrs["d"] is True  # an unknown does not matter when true decides
    assert is_unknown(attrs["e"])
    assert is_unknown(attrs["f"]) and "evaluation error" in attrs["f"]["reason"]
    assert is_unknown(attrs["g"])


def test_conditional_with_unknown_condition_and_equal_branches_is_known(tmp_path: Path) -> None:
    attrs = _attrs(
        tmp_path,
        'a = var.u ? "public-read" : "public-read"\nb = var.u ? "public-read" : "private"\n'
        'c = var.u ? { x = [1] } : { x = [1] }\nd = var.u ? 1 : local.nope.x',
        extra='variable "u" {}\n',
    )
    assert attrs["a"] == "public-read"
    assert is_unknown(attrs["b"])
    assert attrs["c"] == {"x": [1]}
    assert is_unknown(attrs["d"])


def test_nested_conditionals_are_right_associative(tmp_path: Path) -> None:
    """HCL reads ``a ? b : c ? d : e`` as ``a ? b : (c ? d : e)`` (tree-sitter-hcl groups it to
    the left, which turned a known result into an error or a different value)."""
    attrs = _attrs(
        tmp_path,
        'a = local.env == "prod" ? "private" : local.env == "dev" ? "public-read" : "x"\n'
        'b = false ? 1 : false ? 2 : true ? 3 : 4\n'
        'c = (true ? false : true) ? "yes" : "no"\n'
        'd = true ? 1 : 2 > 1 ? 3 : 4',
        extra='locals {\n  env = "prod"\n}\n',
    )
    assert attrs == {"a": "private", "b": 3, "c": "no", "d": 1}


# --------------------------------------------------------------------------- partly known jsonencode
def test_jsonencode_with_unresolved_leaves_keeps_the_known_document(tmp_path: Path) -> None:
    """A policy written as jsonencode({... Resource = "${aws_s3_bucket.b.arn}/*"}) is unknown as a
    string, but its statements are known: the marker carries them, with a marker at the hole."""
    v = _v(tmp_path, 'jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Resource = "${var.arn}/*" }] })',
           'variable "arn" {}')
    assert is_unknown(v)
    st = v["partial"]["Statement"][0]
    assert st["Effect"] == "Allow" and st["Principal"] == "*"
    assert is_unknown(st["Resource"]) and "var.arn" in st["Resource"]["__unknown__"]


def test_jsonencode_partial_escapes_forged_markers(tmp_path: Path) -> None:
    """A scanned object spelling the marker key inside the known part stays data, so it cannot
    turn a known Action into an unknown one."""
    v = _v(tmp_path, 'jsonencode({ Statement = [{ Action = { "__unknown__" = "x" }, Resource = var.arn }] })',
           'variable "arn" {}')
    action = v["partial"]["Statement"][0]["Action"]
    assert not is_unknown(action) and "__unknown__" not in action


def test_jsonencode_of_an_unknown_value_has_no_partial(tmp_path: Path) -> None:
    v = _v(tmp_path, "jsonencode(var.doc)", 'variable "doc" {}')
    assert is_unknown(v) and "partial" not in v
