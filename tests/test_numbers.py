"""Numbers in every format: exact while within the float64 range the Rego engines accept, a
located ``limit-exceeded`` error beyond it, never an unlocated internal error (a 5,000-digit
integer used to hit Python's int-to-str digit limit; a 20-digit one crashed orjson)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_helpers import REPO

from policyguard.model import ErrorKind
from policyguard.parsers import numbers

BIG = "1" + "0" * 5000
FLOAT_MAX_INT = int(numbers.FLOAT_MAX)

# (file name, text with {n} where the number goes, line of the number)
FORMATS = {
    "hcl": ("main.tf", 'resource "aws_s3_bucket" "b" {{\n  bucket = "x"\n  n      = {n}\n}}\n', 3),
    "tf.json": ("main.tf.json", '{{"resource": {{"aws_s3_bucket": {{"b": {{\n  "bucket": "x",\n  "n": {n}}}}}}}}}\n', 3),
    "cfn-yaml": ("stack.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
                 "    Properties:\n      BucketName: x\n      N: {n}\n", 7),
    "cfn-json": ("stack.json", '{{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {{"B": {{\n'
                 '  "Type": "AWS::S3::Bucket", "Properties": {{\n  "N": {n}}}}}}}}}\n', 3),
    "k8s-yaml": ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                 "  terminationGracePeriodSeconds: {n}\n  containers:\n  - name: c\n    image: nginx:1.27\n", 6),
    "plan": ("plan.json", '{{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {{"root_module": '
             '{{"resources": [{{"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",\n'
             '"provider_name": "registry.terraform.io/hashicorp/aws", "values": {{"bucket": "x",\n"n": {n}}}}}]}}}}, '
             '"resource_changes": []}}\n', 3),
}


def _parse(tmp_path: Path, fmt: str, n: str):
    from policyguard import discover, parsers

    name, template, _ = FORMATS[fmt]
    d = tmp_path / fmt
    d.mkdir(exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    (d / name).write_text(template.format(n=n))
    found = discover.discover([d / name] if fmt != "hcl" and fmt != "tf.json" else [d], excludes=[])
    assert len(found.units) == 1, (found.errors, found.skipped)
    return parsers.parse_unit(found.units[0], var_files=[], variables={})


def _value(res, fmt: str):
    (r,) = res.resources
    a = r.attributes
    if fmt.startswith("k8s"):
        return a["spec"]["terminationGracePeriodSeconds"]
    if fmt.startswith("cfn"):
        return a["Properties"]["N"] if "Properties" in a else a["N"]
    return a["n"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_5000_digit_integer_is_a_located_limit_error(tmp_path, fmt):
    res = _parse(tmp_path, fmt, BIG)
    assert res.resources == []
    (err,) = res.errors
    assert err.kind == ErrorKind.LIMIT, err
    assert err.line == FORMATS[fmt][2], err
    assert err.file.endswith(FORMATS[fmt][0])
    assert "5001 digits" in err.message and "internal" not in err.message


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_integers_beyond_64_bits_stay_exact(tmp_path, fmt):
    n = 2**64 * 12345 + 7
    res = _parse(tmp_path, fmt, str(n))
    assert res.errors == []
    assert _value(res, fmt) == n and isinstance(_value(res, fmt), int)


# tree-sitter-hcl reads an exponent only after a fraction (1.0e400; 1e400 is its parse error),
# and YAML 1.1 floats need the dot and an exponent sign (1e400 is a string there)
@pytest.mark.parametrize(("fmt", "text"), [("hcl", "1.0e400"), ("cfn-json", "1e400"), ("cfn-yaml", "1.0e+400"),
                                           ("k8s-yaml", "-1.0e+400"), ("plan", "1E400"), ("tf.json", "-1e400")])
def test_float_overflow_is_a_located_limit_error(tmp_path, fmt, text):
    res = _parse(tmp_path, fmt, text)
    (err,) = res.errors
    assert err.kind == ErrorKind.LIMIT and err.line == FORMATS[fmt][2], err


@pytest.mark.parametrize("fmt", ["cfn-json", "plan", "tf.json"])
def test_json_nan_and_infinity_are_syntax_errors(tmp_path, fmt):
    for const in ("NaN", "Infinity", "-Infinity"):
        res = _parse(tmp_path, fmt, const)
        if fmt in ("cfn-json", "plan") and not res.errors:
            # a template that is not JSON is read as YAML, as CloudFormation and kubectl read
            # files by content (parsers/documents.py): there NaN is the string "NaN", never a float
            assert _value(res, fmt) == const
            continue
        (err,) = res.errors
        assert err.kind == ErrorKind.PARSE and "NaN or Infinity" in err.message, err
        assert err.line == FORMATS[fmt][2], err


def test_yaml_inf_spelling_is_yaml_infinity(tmp_path):
    res = _parse(tmp_path, "cfn-yaml", ".inf")
    assert res.errors == [] and _value(res, "cfn-yaml") == float("inf")


def test_tfvars_files_big_numbers(tmp_path):
    from policyguard.parsers.terraform import parse_directory

    (tmp_path / "main.tf").write_text('variable "n" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "b-${var.n}"\n}\n')
    for name, text, line in (("terraform.tfvars", f"\nn = {BIG}\n", 2), ("x.auto.tfvars.json", f'{{\n"n": {BIG}}}', 2)):
        (tmp_path / name).write_text(text)
        res = parse_directory(tmp_path, files=None, var_files=[], variables={})
        errs = [e for e in res.errors if e.file.endswith(name)]
        assert errs and errs[0].kind == ErrorKind.LIMIT and errs[0].line == line, res.errors
        (tmp_path / name).unlink()
    big = 10**40 + 3
    (tmp_path / "terraform.tfvars").write_text(f"n = {big}\n")
    res = parse_directory(tmp_path, files=None, var_files=[], variables={})
    assert res.errors == [] and res.resources[0].attributes["bucket"] == f"b-{big}"  # interpolation is exact


def test_cli_reports_big_integers_exactly_and_a_5000_digit_one_as_located_error(tmp_path):
    """End to end with the Rego engine and every report: no internal error, exit codes hold."""
    n = 2**70 + 1
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "pod.yaml").write_text(FORMATS["k8s-yaml"][1].format(n=n))
    out = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-f", "json", "--parse-only", str(tmp_path / "ok")],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert f'"terminationGracePeriodSeconds": {n}' in out.stdout
    for fmt in ("json", "sarif", "text"):
        out = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-f", fmt, str(tmp_path / "ok")],
                             capture_output=True, text=True, cwd=REPO)
        assert out.returncode in (0, 1), out.stderr
        assert "internal error" not in out.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "pod.yaml").write_text(FORMATS["k8s-yaml"][1].format(n=BIG))
    out = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-f", "json", str(tmp_path / "bad")],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 2, out.stderr
    (err,) = json.loads(out.stdout)["errors"]
    assert err["kind"] == "limit-exceeded" and err["line"] == 6 and err["file"].endswith("pod.yaml")


# ------------------------------------------------------------------ properties, one per parser
_INTS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.integers(min_value=FLOAT_MAX_INT - 10**300, max_value=FLOAT_MAX_INT + 10**300).map(str),
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.integers(min_value=300, max_value=6000).map(lambda k: "9" * k),  # up to past Python's 4,300-digit limit
)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_property_any_integer_is_exact_or_a_located_limit_error(tmp_path, fmt):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=_INTS)
    def check(text: str) -> None:
        res = _parse(tmp_path, fmt, text)
        digits = len(text.lstrip("-"))
        if digits <= numbers.MAX_INT_DIGITS and abs(int(text)) <= numbers.FLOAT_MAX:
            assert res.errors == [], (text[:40], res.errors)
            got = _value(res, fmt)
            assert got == int(text) and isinstance(got, int)
        else:
            (err,) = res.errors
            assert err.kind == ErrorKind.LIMIT and err.line == FORMATS[fmt][2], err

    check()


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=200, deadline=None)
def test_property_finite_floats_round_trip_through_json_loads(x):
    assert numbers.json_loads(json.dumps(x)) == x
