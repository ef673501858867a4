"""regorus's compiled VM (engine/rego/compiled.py) against the interpreter.

The webhook evaluates on the VM; the CI gate on the interpreter (and OPA agrees with the
interpreter: test_rule_pack.py). These tests hold the VM to the interpreter's verdicts: the
assignment rewrite on the cases where the unrewritten VM is wrong, the refusals where the rewrite
would not be faithful, and whole-pipeline findings on every rule fixture, the Kubernetes corpus,
the shared AdmissionReview objects and generated pods."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vm_support import need_vm, rvm_installed  # noqa: F401 - the fixture below

from policyguard import engine
from policyguard.discover import discover
from policyguard.engine.evaluator import EvalMode
from policyguard.engine.rego import compiled as compiled_mod
from policyguard.engine.rego.compiled import (
    ARITH_FILE,
    ARITH_MODULE,
    ARITH_PACKAGE,
    UNIT_RESOURCES,
    CompiledRegorusBackend,
    unit_source,
    vm_source,
)
from policyguard.engine.rego.driver import Driver, RegoPolicy
from policyguard.model import Finding, Resource
from policyguard.options import RuleOptions, ScanOptions
from policyguard.parsers import parse_unit
from policyguard.parsers.kubernetes import resource_from_object
from policyguard.scan import link_references

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))
SHARED = Path(os.environ.get("POLICYGUARD_SHARED", REPO.parent / "shared"))

H = "package t\nimport rego.v1\n"

pytestmark = pytest.mark.usefixtures("rvm_installed")  # skip (fail under PG_CI=1) without policyguard_rvm


def _run_both(src: str, doc: dict[str, Any]) -> tuple[Any, Any]:
    """(VM on the rewritten module, interpreter on the original) for data.t.fail."""
    import regorus

    rvm = need_vm()
    new, why = vm_source("t.rego", src)
    assert why is None, why
    mods = [("t.rego", new)] + ([(ARITH_FILE, ARITH_MODULE)] if ARITH_PACKAGE in new else [])
    program = rvm.Program.compile_from_modules("{}", mods, ["data.t.fail"])
    vm = rvm.Rvm()
    vm.load_program(program)
    vm.set_input_json(json.dumps(doc))
    interp = regorus.Engine()
    interp.add_policy("t.rego", src)
    interp.set_input_json(json.dumps(doc))
    return json.loads(vm.execute_entry_point("data.t.fail")), json.loads(interp.eval_rule_as_json("data.t.fail"))


@pytest.mark.parametrize("body", [
    'fail contains {"v": v} if { v := input.x }',
    'fail contains "bad" if { v := input.x; not v }',
    'fail contains "bad" if { v := input.a.b; not v == true }',
    'f(o) := o.x\nfail contains "bad" if { v := f(input); not v }',
    'fail contains c.name if { some c in input.cs; v := c.sc.priv; v == true }',
    'fail contains n if { [n, _] := [input.cs[0].name, input.missing] }',
    'fail contains x if { x := [y | some c in input.cs; y := c.sc.priv] }',
    'r0 := "one" if { v := input.x\n  v == 1 } else := "other" if { w := input.y; not w }\nfail contains x if { x := r0 }',
])
@pytest.mark.parametrize("doc", [{}, {"x": 1}, {"x": False, "a": {}}, {"cs": [{"name": "a"}, {"name": "b", "sc": {"priv": True}}]}])
def test_rewritten_assignments_match_the_interpreter(body: str, doc: dict[str, Any]) -> None:
    vm, interp = _run_both(H + body + "\n", doc)
    assert vm == interp


def _vm_unrewritten(src: str, doc: dict[str, Any]) -> Any:
    rvm = need_vm()
    program = rvm.Program.compile_from_modules("{}", [("t.rego", src)], ["data.t.fail"])
    vm = rvm.Rvm()
    vm.load_program(program)
    vm.set_input_json(json.dumps(doc))
    return json.loads(vm.execute_entry_point("data.t.fail"))


# Sentinels, one per VM divergence the engine works around: if one starts failing, regorus fixed
# that bug and its workaround (compiled.py) can go. In comments: what OPA and the interpreter give.
@pytest.mark.parametrize("src,doc,vm_gives", [
    (H + 'fail contains "bad" if { v := input.x; not v }\n', {}, ["bad"]),  # []: undefined assignment
    (H + "fail contains y if { some e in input.o; y = [f | f = e.nope] }\n", {"o": [{"p": 1}]}, []),  # [[]]
    (H + 'f(k) := v if { some a in input.l; a.K == k; v = a.V } else := null\nfail contains x if { x = [f("z")] }\n',
     {"l": [{"K": "a", "V": 1}]}, []),  # [[null]]: else not taken
    (H + 'fail := [{"fix": f | f = v.none} | some v in input.a]\n', {"a": [1, 2]}, []),  # [{}, {}]: elements dropped
    (H + 'v := 1 if input.a\nv := 2 if input.a\nfail contains "x" if v == 3\n', {"a": True}, []),  # eval_conflict_error
    (H + 'f(x) := 1 if x\nf(x) := 2 if x\nfail contains "x" if f(input.a) == 3\n', {"a": True}, []),  # eval_conflict_error
    # a comprehension iterating nothing whose body fails: the rule's next definition adds the input ([[]])
    (H + 'fail contains r if { r = [c | c = 1; input.p == "q"] }\nfail contains r if { input.p == "x"; r = 1 }\n',
     {"p": "y"}, [[], {"p": "y"}]),
])
def test_the_vm_divergences_still_exist(src: str, doc: dict[str, Any], vm_gives: Any) -> None:
    assert _vm_unrewritten(src, doc) == vm_gives


@pytest.mark.parametrize("body", [
    "h(e) := [f | f := e.nope]\nfail contains y if { some e in input.o; y := h(e) }",
    "fail contains y if { y := [f | some e in input.o; f := e.nope] }",
    "fail contains y if { e := input.o[0]; y := {f | f := e.nope} }",
    "fail := [{k: 1 | some k in v.nope} | some v in input.o]",
    "g(v) := {\"f\": f | f := v.nope}\nfail := [g(v) | some v in input.o]",
    # refused before every comprehension got an iteration of its own (compr_source)
    "fail contains y if { some e in input.o; y := [f | f := e.nope] }",
    "fail contains e.p if { e := input.o[_]; count({f | f := e.nope}) == 0 }",
    "fail contains [f | f := e.nope] if { some e in input.o }",
    'fail := [{"fix": f | f := v.nope} | some v in input.o]',
    "fail := [x | some v in input.o; x := [v, {f | f := v.nope}]]",
])
@pytest.mark.parametrize("doc", [{"o": [{"p": 1}]}, {"o": [{"p": 1}, {"nope": [2], "p": 3}]}, {"o": []}, {}])
def test_comprehensions_the_vm_gets_right_are_accepted(body: str, doc: dict[str, Any]) -> None:
    vm, interp = _run_both(H + body + "\n", doc)
    assert vm == interp


# A comprehension whose body iterates nothing, failing (an absent attribute, a false filter),
# followed by more of the same rule: definitions of a partial set or object, else branches,
# function definitions. Without the rewrite the VM adds the input as a value or loops.
_LOOP_FREE = [
    'fail contains r if { r := [c | c := 1; input.p == "q"] }\nfail contains r if { input.p == "x"; r := 1 }',
    'fail contains r if { r := [v | v := input.a] }\nfail contains r if { input.p == "x"; r := 2 }',
    'fail contains r if { count({v | v := input.a}) == 0; r := 3 }\nfail contains r if { input.p == "x"; r := 1 }',
    'fail[k] := r if { r := {v: 1 | v := input.a}; k := "a" }\nfail[k] := r if { input.p == "x"; r := 1; k := "b" }',
    'fail := r if { r := [c | c := 1; not input.p]; input.p == "z" } else := 7 if { input.p == "x" }',
    'f(x) := r if { r := [c | c := x; input.p == "q"]; input.p == "z" }\nf(x) := 9 if { input.p == "x" }\nfail := f(1)',
    'fail contains r if { r := [x | some x in [1]; y := [c | c := 1; c > 5]] }\nfail contains r if { input.p == "x"; r := 1 }',
    'd(vs) := "not set" if count(vs) == 0\nd(vs) := sprintf("found %v", [vs[0]]) if count(vs) > 0\n'
    'fail contains r if { input.p == "y"; r := {"m": d([v | v := input.a])} }\nfail contains r if { input.p == "x"; r := 1 }',
]


@pytest.mark.parametrize("body", _LOOP_FREE)
@pytest.mark.parametrize("doc", [{"p": "y"}, {"p": "x"}, {"p": "q", "a": 5}, {"p": "z"}, {}])
def test_failing_comprehensions_that_iterate_nothing_match_the_interpreter(body: str, doc: dict[str, Any]) -> None:
    vm, interp = _run_both(H + body + "\n", doc)
    assert vm == interp


def test_rewrite_keeps_byte_offsets_and_comments() -> None:
    src = H + "# keep := this comment\nfail contains v if {\n\tv := \"é:=\"\n}\n"
    new, why = vm_source("t.rego", src)
    assert why is None
    assert len(new.encode()) == len(src.encode())
    assert "# keep := this comment" in new and '\tv  = "é:="' in new


@pytest.mark.parametrize("src,reason", [
    (H + "v := 1\nfail contains v if { v := input.x }\n", "'v', a name the rule also sees"),
    (H + "import data.lib\nfail contains 1 if { lib := input.x }\n", "'lib', a name the rule also sees"),
    (H + "f(o) := y if { o := 1; y := 2 }\n", "'o', a name the rule also sees"),
    (H + "fail contains x if { x := 1; y := [x | x := 2] }\n", "'x' is assigned twice"),
    (H + 'f(k) := v if { some a in input.l; a.K == k; v := a.V } else := null\nfail contains x if { x := [f("z")] }\n',
     "an else after a rule body that iterates"),
])
def test_rewrite_refuses_where_unification_would_change_meaning(src: str, reason: str) -> None:
    new, why = vm_source("t.rego", src)
    assert new == src
    assert why is not None and reason in why


def test_a_group_with_an_unsafe_module_runs_on_the_interpreter() -> None:
    modules = (
        ("a.rego", "package r.a\nimport rego.v1\nfail contains 1 if { v := input.resource.x; not v }\n"),
        ("b.rego", "package r.b\nimport rego.v1\nv := 2\nfail contains 2 if { v := input.resource.x; not v }\n"),
    )
    driver = Driver.build([("A", "r.a", False), ("B", "r.b", False)], {"g0": ["A"], "g1": ["B"]})
    backend = CompiledRegorusBackend(RegoPolicy(modules, driver), eager=True)
    assert set(backend.interpreted) == {"g1"} and "'v'" in backend.interpreted["g1"]
    doc = {"resources": {"x": {"id": "x"}}, "batch": [{"id": "x", "group": "g0"}, {"id": "x", "group": "g1"}]}
    out = backend.eval_batch(doc, json.dumps(doc), 5.0, ["g0", "g1"])
    assert out == [{"id": "x", "out": {"A": {"fail": []}}}, {"id": "x", "out": {"B": {"fail": []}}}]


def test_a_rule_reading_input_resources_gets_them_on_the_vm() -> None:
    """A module that reads ``input.resources`` sees the unit on the VM, for a unit of any size:
    the unit is the VM's data (``unit_source``), set once per unit, not shipped in every
    resource's input. A ``#`` inside a string must not hide such a read (it is no comment)."""
    rule = 'package r.c\nimport rego.v1\nfail contains msg if { msg := sprintf("#%v %v", [count(input.resources), input.resources[input.resource.id].id]) }\n'
    backend = CompiledRegorusBackend(RegoPolicy((("c.rego", rule),), Driver.build([("C", "r.c", False)], {"g0": ["C"]})), eager=True)
    assert backend.interpreted == {}
    assert "input.resources" not in dict(backend.modules)["c.rego"]
    one = {"resources": {"x": {"id": "x"}}, "batch": [{"id": "x", "group": "g0"}]}
    assert backend.eval_batch(one, "", 5.0, ["g0"]) == [{"id": "x", "out": {"C": {"fail": ["#1 x"]}}}]
    assert backend.fallbacks == 0
    two = {"resources": {"x": {"id": "x"}, "y": {"id": "y"}}, "batch": [{"id": "x", "group": "g0"}]}
    assert backend.eval_batch(two, "", 5.0, ["g0"]) == [{"id": "x", "out": {"C": {"fail": ["#2 x"]}}}]
    both = {**two, "batch": [{"id": "x", "group": "g0"}, {"id": "y", "group": "g0"}]}
    assert backend.eval_batch(both, "", 5.0, ["g0"]) == [{"id": "x", "out": {"C": {"fail": ["#2 x"]}}},
                                                         {"id": "y", "out": {"C": {"fail": ["#2 y"]}}}]
    assert backend.fallbacks == 0


@pytest.mark.parametrize("shared", [True, False])
def test_groups_reading_the_unit_share_one_parse_of_it(shared: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every VM that reads the unit as data takes the one ``policyguard_rvm.Data`` parsed for
    the batch (not the unit's text once per group), and is emptied after it; a VM module
    without ``Data`` (built before it) is given the text: the same verdicts either way."""
    from types import SimpleNamespace

    real = compiled_mod.vm_module()
    parsed: list[str] = []
    if shared:
        class Data:  # counts the parses, hands out the real thing
            @staticmethod
            def from_json(text: str) -> object:
                parsed.append(text)
                return real.Data.from_json(text)

        module = SimpleNamespace(Program=real.Program, Rvm=real.Rvm, BuiltinError=real.BuiltinError, Data=Data)
    else:
        module = SimpleNamespace(Program=real.Program, Rvm=real.Rvm, BuiltinError=real.BuiltinError)
    monkeypatch.setattr(compiled_mod, "vm_module", lambda: module)
    rules = [(f"r.u{i}", f'package r.u{i}\nimport rego.v1\nfail contains msg if {{ msg := sprintf("{i} %v", [count(input.resources)]) }}\n')
             for i in range(3)]
    driver = Driver.build([(f"U{i}", pkg, False) for i, (pkg, _) in enumerate(rules)], {f"g{i}": [f"U{i}"] for i in range(3)})
    backend = CompiledRegorusBackend(RegoPolicy(tuple((f"u{i}.rego", src) for i, (_, src) in enumerate(rules)), driver), eager=True)
    doc = {"resources": {"x": {"id": "x"}, "y": {"id": "y"}},
           "batch": [{"id": r, "group": f"g{i}"} for r in ("x", "y") for i in range(3)]}
    out = backend.eval_batch(doc, "", 5.0, ["g0", "g1", "g2"])
    assert out == [{"id": r, "out": {f"U{i}": {"fail": [f"{i} 2"]}}} for r in ("x", "y") for i in range(3)]
    assert backend.fallbacks == 0
    if shared:
        # the unit once for three VMs; the empty data they are given after it is made once a process
        assert parsed[0] != "{}" and parsed.count(parsed[0]) == 1 and set(parsed[1:]) <= {"{}"}
    one = {"resources": {"z": {"id": "z"}}, "batch": [{"id": "z", "group": "g1"}]}  # the next unit: its own data
    assert backend.eval_batch(one, "", 5.0, ["g1"]) == [{"id": "z", "out": {"U1": {"fail": ["1 1"]}}}]


def test_a_function_reading_the_unit_after_an_empty_comprehension_gets_it_on_the_vm() -> None:
    """The VM loads a data root where a function body first reads it: first read inside a
    comprehension that does not run, the unit is undefined for the rest of the body (the
    CIS monitoring rules' cross-resource checks answered ``unknown``). A module reading the
    unit from data has every function body read it first."""
    rule = ("package r.d\nimport rego.v1\n"
            "f(l) := n if { a := {x | some x in l; input.resources[x]}; n := count(input.resources) }\n"
            'fail contains msg if { msg := sprintf("%d", [f([])]) }\n')
    backend = CompiledRegorusBackend(RegoPolicy((("d.rego", rule),), Driver.build([("D", "r.d", False)], {"g0": ["D"]})), eager=True)
    assert backend.interpreted == {}
    doc = {"resources": {"x": {"id": "x"}, "y": {"id": "y"}}, "batch": [{"id": "x", "group": "g0"}]}
    assert backend.eval_batch(doc, "", 5.0, ["g0"]) == [{"id": "x", "out": {"D": {"fail": ["2"]}}}]
    assert backend.fallbacks == 0


def test_unit_source_leaves_other_input_uses_alone() -> None:
    assert unit_source('package p\nx := input["resources"]\n') is None
    assert unit_source("package p\nimport input.resources\nx := resources\n") is None
    src = 'package p\n# input.resources here is a comment\nx := "input.resources" if count(input . resources) > 0\n'
    assert unit_source(src) == src.replace("input . resources", UNIT_RESOURCES)


# --------------------------------------------------------------------------- whole pipeline
@cache
def _evaluators() -> tuple[Any, Any]:
    options = ScanOptions()
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    pair = []
    for compiled in (False, True):
        ev = engine.make_evaluator(ruleset, options.evaluation, EvalMode(rego_guard=False, rego_compiled=compiled))
        pair.append(ev)
    return pair[0], pair[1]


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.resource_id, f.rule_id, f.status.value, f.path, f.message, f.unknowns, repr(f.fix))


def _assert_same(resources: list[Resource], where: str) -> int:
    interp, vm = _evaluators()
    for ev in (interp, vm):  # cached for the module: a scan-wide 600 s budget ran out mid-module
        ev.restart_budget()  # on a busy machine and turned later verdicts into errors
    a = sorted(map(_key, interp.evaluate(resources)))
    b = sorted(map(_key, vm.evaluate(resources)))
    assert a == b, f"{where}: VM and interpreter differ:\n only interpreter: {sorted(set(a) - set(b))[:5]}\n only VM: {sorted(set(b) - set(a))[:5]}"
    return len(a)


def test_builtin_rules_run_on_the_vm() -> None:
    """Every Kubernetes group (what the webhook evaluates) runs on the VM; the rewrite accepts
    every built-in module but the few with a comprehension in an iterating body; the groups that
    fall back do so for that, because the VM lacks a feature (partial object rules with
    constant keys) or because a module reads data dynamically (203 of 210 groups on the VM)."""
    _, vm = _evaluators()
    backend = vm.backend
    assert isinstance(backend, CompiledRegorusBackend)
    backend.prepare()
    k8s = {g for g, ids in vm._groups.items() if any(i.startswith("PG-K8S-") for i in ids)}
    assert k8s and not k8s & set(backend.interpreted)
    for why in backend.interpreted.values():
        assert (why.startswith(("does not compile for the VM", "a module of the group reads data dynamically"))
                or "a rule body that iterates" in why), why
    assert len(backend.interpreted) < len(vm._groups) // 2


def _units(root: Path) -> list[list[Resource]]:
    out = []
    for unit in discover([root], excludes=[]).units:
        result = parse_unit(unit, var_files=[], variables={})
        link_references(result.resources)
        if result.resources:
            out.append(result.resources)
    return out


FIXTURE_DIRS = sorted(p for p in (REPO / "rules").glob("**/fixtures/*/*") if p.is_dir())


@pytest.mark.parametrize("platform", ["aws", "azure", "gcp", "kubernetes"])
def test_vm_matches_interpreter_on_every_rule_fixture(platform: str) -> None:
    cases = [d for d in FIXTURE_DIRS if d.relative_to(REPO / "rules").parts[0] == platform]
    assert cases
    findings = sum(_assert_same(res, str(d)) for d in cases for res in _units(d))
    assert findings > len(cases)  # fail fixtures produce findings: the comparison is not vacuous


@pytest.mark.skipif(not (CORPUS / "kubernetes").is_dir(), reason=f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")
def test_vm_matches_interpreter_on_the_kubernetes_corpus() -> None:
    units = _units(CORPUS / "kubernetes")
    assert len(units) > 100
    assert sum(_assert_same(res, "corpus unit") for res in units) > 1000


@pytest.mark.skipif(not (SHARED / "admission").is_dir(), reason="shared admission requests not found")
def test_vm_matches_interpreter_on_the_admission_samples() -> None:
    n = 0
    for path in sorted((SHARED / "admission").glob("*.json")):
        doc = json.loads(path.read_text())
        request = doc.get("request", doc)
        for key in ("object", "oldObject"):
            obj = request.get(key)
            if isinstance(obj, dict) and obj.get("kind"):
                n += 1
                _assert_same([resource_from_object(obj)], f"{path.name} {key}")
    assert n >= 10


_sc = st.fixed_dictionaries({}, optional={
    "privileged": st.sampled_from([True, False, None, "true", 1]),
    "runAsUser": st.sampled_from([0, 1000, None, "0"]),
    "runAsNonRoot": st.booleans(),
    "allowPrivilegeEscalation": st.sampled_from([True, False, None]),
    "readOnlyRootFilesystem": st.booleans(),
    "capabilities": st.fixed_dictionaries({}, optional={
        "add": st.lists(st.sampled_from(["NET_ADMIN", "SYS_ADMIN", "CHOWN", "NET_BIND_SERVICE"]), max_size=2),
        "drop": st.lists(st.sampled_from(["ALL", "NET_RAW"]), max_size=2)}),
    "seccompProfile": st.fixed_dictionaries({"type": st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])}),
    "seLinuxOptions": st.fixed_dictionaries({}, optional={"type": st.sampled_from(["container_t", "spc_t"])}),
    "procMount": st.sampled_from(["Default", "Unmasked"]),
})
_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["app", "side"]), "image": st.sampled_from(["nginx", "nginx:latest", "r.io/a:1.2", "r.io/a@sha256:" + "0" * 64])},
    optional={
        "securityContext": st.one_of(st.none(), _sc),
        "ports": st.lists(st.fixed_dictionaries({"containerPort": st.just(80)}, optional={"hostPort": st.sampled_from([0, 80])}), max_size=1),
        "resources": st.fixed_dictionaries({}, optional={"limits": st.just({"cpu": "1", "memory": "1Gi"}), "requests": st.just({"cpu": "1"})}),
        "livenessProbe": st.just({"tcpSocket": {"port": 80}}),
    },
)
_pod_spec = st.fixed_dictionaries(
    {"containers": st.lists(_container, min_size=1, max_size=2)},
    optional={
        "initContainers": st.lists(_container, max_size=1),
        "hostNetwork": st.booleans(), "hostPID": st.booleans(), "hostIPC": st.booleans(),
        "securityContext": st.one_of(st.none(), _sc, st.just({"sysctls": [{"name": "kernel.msgmax", "value": "1"}]})),
        "volumes": st.lists(st.sampled_from([{"name": "h", "hostPath": {"path": "/"}}, {"name": "e", "emptyDir": {}}]), max_size=2),
        "automountServiceAccountToken": st.booleans(),
        "serviceAccountName": st.sampled_from(["default", "app"]),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_pod_spec, kind=st.sampled_from(["Pod", "Deployment", "CronJob"]), ns=st.sampled_from(["default", "team"]))
def test_vm_matches_interpreter_on_generated_workloads(spec: dict[str, Any], kind: str, ns: str) -> None:
    if kind == "Pod":
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns}, "spec": spec}
    elif kind == "Deployment":
        obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": ns},
               "spec": {"selector": {}, "template": {"metadata": {}, "spec": spec}}}
    else:
        obj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": ns},
               "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}
    _assert_same([resource_from_object(obj)], json.dumps(obj))


_MANY_RULE = """# METADATA
# title: test rule {i}
# description: one of a pack larger than a single VM program may hold
# custom:
#   id: PG-TEST-MANY-{i:03d}
#   severity: low
#   resource_types:
#     terraform: [test_thing_{i}]
#   remediation: none
#   fixable: false
package policyguard.rules.test.many_{i}

import data.policyguard.lib
import rego.v1

fail contains {{"msg": "flag set", "path": "flag"}} if lib.truthy(lib.attr("flag"))
"""


def test_a_pack_beyond_the_vm_source_limit_is_split_over_programs(tmp_path: Path) -> None:
    """regorus refuses a program of more than 256 modules ("Program exceeds max sources"); the
    built-in pack passed that size with the AWS rules of issue 12 and every group fell back to
    the interpreter. A pack that large is compiled into several programs instead."""
    rules = tmp_path / "rules"
    for i in range(300):
        (rules / f"r{i}").mkdir(parents=True)
        (rules / f"r{i}" / "rule.rego").write_text(_MANY_RULE.format(i=i))
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_text('resource "test_thing_7" "on" {\n  flag = true\n}\n\n'
                                 'resource "test_thing_299" "off" {\n  flag = false\n}\n')
    options = ScanOptions(rules=RuleOptions(rule_dirs=[str(rules)], builtin_rules=False))
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    assert not ruleset.errors
    evs = []
    for compiled in (False, True):
        ev = engine.make_evaluator(ruleset, options.evaluation, EvalMode(rego_guard=False, rego_compiled=compiled))
        evs.append(ev)
    (resources,) = _units(src)
    interp = sorted(map(_key, evs[0].evaluate(resources)))
    vm = sorted(map(_key, evs[1].evaluate(resources)))
    assert vm == interp
    assert {(k[1], k[2]) for k in vm} == {("PG-TEST-MANY-007", "fail"), ("PG-TEST-MANY-299", "pass")}
    backend = evs[1].backend
    assert isinstance(backend, CompiledRegorusBackend)
    backend.prepare()
    assert backend.interpreted == {}
    assert backend.fallbacks == 0
