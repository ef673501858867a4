"""A builtin or operator that fails is an error on the compiled VM, as on the interpreter and
OPA, never an undefined value (issue 16).

regorus's VM turns a failing builtin (``to_number("lots")``) or operator (``"a" + 1``,
``1 / 0``) into an undefined value, even with its strict mode: a silent pass, and under
``not`` a rule that fires. policyguard_rvm guards every builtin and policyguard rewrites every
operator that can fail (engine/rego/compiled.py ``arith_source``), so the execution goes to the
interpreter, which reports the error on the rule where it happened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import s3_unit
from test_rego_vm_scan import _by, _evaluator, _own_cache, _rule  # noqa: F401 - _own_cache: autouse (VM on, own cache)
from vm_support import need_vm, rvm_installed  # noqa: F401 - the fixture below

from policyguard.engine.rego.compiled import (
    ARITH_FILE,
    ARITH_MODULE,
    ARITH_PACKAGE,
    CompiledRegorusBackend,
    arith_source,
    vm_source,
)
from policyguard.model import Status

H = "package t\nimport rego.v1\n"

# (rule body, input): each fails on the interpreter
FAILING = [
    ('fail contains "x" if { to_number(input.s) > 1 }', {"s": "lots"}),
    ('fail contains "x" if { not to_number(input.s) }', {"s": "lots"}),
    ('fail contains "x" if { lower(input.n) == "a" }', {"n": 5}),
    ('fail contains "x" if { not lower(input.n) == "a" }', {"n": 5}),
    ('fail contains "x" if { count(input.n) > 0 }', {"n": 5}),
    ('fail contains "x" if { json.unmarshal(input.s).a }', {"s": "{"}),
    ('fail contains "x" if { base64.decode(input.s) == "a" }', {"s": "!!"}),
    ('fail contains "x" if { regex.match(input.s, "a") }', {"s": "["}),
    ('fail contains "x" if { startswith(input.n, "a") }', {"n": 5}),
    ('fail contains "x" if { units.parse(input.s) > 1 }', {"s": "lots"}),
    ('fail contains "x" if { time.parse_rfc3339_ns(input.s) > 1 }', {"s": "x"}),
    ('fail contains "x" if { object.get(input.n, "a", 1) == 1 }', {"n": 5}),
    ('fail contains "x" if { semver.compare(input.s, "1.0.0") > 0 }', {"s": "x"}),
    ('fail contains "x" if { net.cidr_contains(input.s, "10.0.0.1") }', {"s": "x"}),
    ('fail contains "x" if { 1 / input.z > 0 }', {"z": 0}),
    ('fail contains "x" if { not 1 / input.z > 0 }', {"z": 0}),
    ('fail contains "x" if { input.s + 1 > 0 }', {"s": "a"}),
    ('fail contains "x" if { not input.s * 2 }', {"s": "a"}),
    ('fail contains "x" if { input.a % input.b == 0 }', {"a": 3, "b": 0}),
    ('fail contains "x" if { count(input.s - {1}) > 0 }', {"s": 2}),
    ('fail contains "x" if { count(input.s | {1}) > 0 }', {"s": "a"}),
    ('f(x) := lower(x)\nfail contains "x" if { not f(input.n) == "a" }', {"n": 5}),
]

pytestmark = pytest.mark.usefixtures("rvm_installed")  # skip (fail under PG_CI=1) without policyguard_rvm


def _interpreter(src: str, doc: dict[str, Any]) -> Any:
    import regorus

    eng = regorus.Engine()
    eng.add_policy("t.rego", src)
    eng.set_input_json(json.dumps(doc))
    return json.loads(eng.eval_rule_as_json("data.t.fail"))


def _vm(src: str, doc: dict[str, Any]) -> Any:
    rvm = need_vm()
    new, why = vm_source("t.rego", src)
    assert why is None, why
    mods = [("t.rego", new)] + ([(ARITH_FILE, ARITH_MODULE)] if ARITH_PACKAGE in new else [])
    vm = rvm.Rvm()
    vm.load_program(rvm.Program.compile_from_modules("{}", mods, ["data.t.fail"]))
    vm.set_input_json(json.dumps(doc))
    return json.loads(vm.execute_entry_point("data.t.fail"))


@pytest.mark.parametrize(("body", "doc"), FAILING)
def test_a_failure_the_interpreter_reports_raises_on_the_vm(body: str, doc: dict[str, Any]) -> None:
    src = H + body + "\n"
    with pytest.raises(Exception):  # noqa: B017, PT011 - the interpreter's own error type varies
        _interpreter(src, doc)
    rvm = need_vm()
    with pytest.raises(rvm.BuiltinError):
        _vm(src, doc)


# the same operations on valid operands: the rewritten VM agrees with the interpreter
VALID = [
    ('fail contains x if { x := input.a + input.b * 2 - 1 }', {"a": 3, "b": 4}),
    ('fail contains x if { x := input.a / input.b }', {"a": 3, "b": 4}),
    ('fail contains x if { x := input.a % input.b }', {"a": 7, "b": 4}),
    ('fail contains x if { x := {y | some y in input.s} - {1} }', {"s": [1, 2]}),
    ('fail contains x if { x := {y | some y in input.s} | {9} }', {"s": [1, 2]}),
    ('fail contains x if { x := {y | some y in input.s} & {2} }', {"s": [1, 2]}),
    ('fail contains x if { x := (input.a + 1) * (input.b - (2 / 4)) }', {"a": 1, "b": 3}),
    ('fail contains "x" if { not input.missing + 1 }', {}),  # undefined operand: undefined on both
    ('fail contains x if { x := [1 - 2, 4 % 3, -3, 2 * 3] }', {}),
]


def _as_judged(src: str, doc: dict[str, Any]) -> Any:
    """What the backend answers: the VM's value, or the interpreter's where the VM raised."""
    rvm = need_vm()
    try:
        return _vm(src, doc)
    except rvm.BuiltinError:
        return _interpreter(src, doc)


@pytest.mark.parametrize(("body", "doc"), VALID)
def test_operators_on_valid_operands_agree(body: str, doc: dict[str, Any]) -> None:
    src = H + body + "\n"
    assert _as_judged(src, doc) == _interpreter(src, doc)


OPERANDS = st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False), st.text("ab", max_size=2), st.none(),
                     st.booleans(), st.lists(st.integers(0, 3), max_size=3))


@settings(max_examples=150, deadline=None)
@given(op=st.sampled_from(["+", "-", "*", "/", "%"]), a=OPERANDS, b=OPERANDS, as_set=st.booleans())
def test_every_operator_on_generated_operands_errs_or_agrees(op: str, a: Any, b: Any, as_set: bool) -> None:
    """Whatever the operands' types: the interpreter's error is an error on the VM, and
    its value the answer (the VM's, or the interpreter's where the VM handed it over: regorus's
    VM leaves some mixed operations undefined that the interpreter evaluates, array - set)."""
    conv = "{v | some v in input.%s}" if as_set else "input.%s"
    left = conv % "a" if isinstance(a, list) else "input.a"
    right = conv % "b" if isinstance(b, list) else "input.b"
    src = H + f"fail contains x if {{ x := {left} {op} {right} }}\nfail contains \"neg\" if {{ not {left} {op} {right} }}\n"
    doc = {"a": a, "b": b}
    need_vm()
    try:
        want = _interpreter(src, doc)
    except Exception:  # noqa: BLE001
        # the VM errs too: a failed builtin (BuiltinError), or an instruction that fails (an
        # overflow of 2 / 1e-308: RuntimeError): either way the scan hands it to the interpreter
        with pytest.raises(RuntimeError):  # BuiltinError is a RuntimeError
            _vm(src, doc)
        return
    assert _as_judged(src, doc) == want


def test_unary_minus_on_a_reference_errs_on_the_interpreter_and_does_not_compile_for_the_vm() -> None:
    src = H + 'fail contains "x" if { -input.a < 0 }\n'
    with pytest.raises(Exception):  # noqa: B017, PT011
        _interpreter(src, {"a": 1})
    with pytest.raises(RuntimeError, match="unary -"):
        _vm(src, {"a": 1})


def test_arith_source_leaves_literals_and_comments_alone() -> None:
    src = H + "# a - b in a comment\nx := 1 + 2\ny := \"a - b\"\nz := input.a - 1\n"
    out = arith_source("t.rego", src)
    assert "x := 1 + 2" in out and 'y := "a - b"' in out and "# a - b in a comment" in out
    assert f"z := data.{ARITH_PACKAGE}.sub(input.a, 1)" in out


def test_a_scan_on_the_vm_reports_the_error_not_a_pass(tmp_path: Path) -> None:
    """End to end: the rule errs on the resource whose attribute does not convert, as on the
    interpreter, and is judged on the VM for the others."""
    need_vm()
    body = 'fail contains "small" if to_number(input.resource.attributes.size) < 10\n'
    ev = _evaluator([_rule(tmp_path, "T-VM-FAULT", body)])
    unit = s3_unit()
    for r in unit:
        if r.name == "w":
            r.attributes["size"] = "lots"
        else:
            r.attributes["size"] = 5
    assert isinstance(ev.backend, CompiledRegorusBackend)
    got = _by(ev.evaluate(unit), "T-VM-FAULT")
    assert got["aws_ebs_volume.w"].status is Status.ERROR
    assert got["aws_ebs_volume.e"].status is Status.FAIL
    assert ev.vm_status()[1] >= 1  # the failing execution went to the interpreter
    ev.close()
