"""The Rego driver built as data (engine/rego/driver.py ``Driver``): the one module the OPA
backends load, the parts the embedded engine loads lazily, and the compiled VM's driver, all
rendered from the same parts, never parsed back."""

from __future__ import annotations

import json

import pytest
from test_engine_helpers import REPO

from policyguard.engine.evaluator import Evaluator
from policyguard.engine.rego.compiled import vm_driver
from policyguard.engine.rego.driver import DRIVER_FILE, DRIVER_HEADER, Driver, RegoPolicy
from policyguard.engine.rego.embedded import LoadPlan, RegorusBackend
from policyguard.engine.rules import load_dirs
from policyguard.options import EvalOptions

RULES = [("A", "p.a", False), ("B", "p.b", True)]
GROUPS = {"g0": ["A", "B"], "g1": ["B"]}

# the module the OPA backends load for RULES/GROUPS with B parameterised: the format before the
# driver was built as data, byte for byte (a bundle a user built from it keeps working)
DRIVER_TEXT = '''package policyguard.driver

import rego.v1

out["A"] := {"fail": data.p.a.fail} if input.rules["A"]
param_out_0 := o if { o := {"fail": data.p.b.fail, "unknown": data.p.b.unknown} with input.params as input.rule_params["B"] }
out["B"] := data.policyguard.driver.param_out_0 if input.rules["B"]

batch := [r |
\tsome b in input.batch
\tres := input.resources[b.id]
\to := out with input.resource as res with input.rules as b.rules
\tr := {"id": b.id, "out": o}
]

group_g0 := {
\t"A": {"fail": data.p.a.fail},
\t"B": data.policyguard.driver.param_out_0,
}

batch_g0 := [r |
\tsome b in input.batch
\tb.group == "g0"
\tres := input.resources[b.id]
\to := group_g0 with input.resource as res
\tr := {"id": b.id, "out": o}
]

group_g1 := {
\t"B": data.policyguard.driver.param_out_0,
}

batch_g1 := [r |
\tsome b in input.batch
\tb.group == "g1"
\tres := input.resources[b.id]
\to := group_g1 with input.resource as res
\tr := {"id": b.id, "out": o}
]
'''

VM_DRIVER_TEXT = '''package policyguard.driver

import rego.v1

group_g0 := {
\t"A": {"fail": data.p.a.fail},
}

group_g1 := {
}

param_out_0 := {"fail": data.p.b.fail, "unknown": data.p.b.unknown}
'''


def test_driver_text_is_the_generated_module() -> None:
    driver = Driver.build(RULES, GROUPS, {"B"})
    assert driver.text() == DRIVER_TEXT
    assert vm_driver(driver) == VM_DRIVER_TEXT
    assert RegoPolicy((("lib.rego", "package policyguard.lib\n"),), driver).sources()[-1] == (DRIVER_FILE, DRIVER_TEXT)


@pytest.mark.parametrize("pack", ["rules", "rules/kubernetes"])
def test_the_lazily_loaded_parts_make_the_single_module(pack: str) -> None:
    """The parts the embedded engine loads one by one are, concatenated, exactly the module the
    OPA backends load; each part is a module of its own and the keys are unique."""
    ev = Evaluator(load_dirs([REPO / pack]), EvalOptions())
    driver = ev.policy().driver
    parts = driver.parts()
    assert DRIVER_HEADER + "".join(p.body for p in parts) == driver.text()
    assert all(p.text() == DRIVER_HEADER + p.body for p in parts)
    assert len({p.key for p in parts}) == len(parts)
    assert sum(p.key.startswith("out:") for p in parts) == len(ev.ruleset.rego)
    for extra in (Driver.build(RULES, GROUPS, {"B"}), Driver.build([], {}), Driver.build(RULES, {"g": ["A", "nope"]}, {"A", "B"})):
        assert DRIVER_HEADER + "".join(p.body for p in extra.parts()) == extra.text()


def test_parts_carry_what_they_name_and_read() -> None:
    driver = Driver.build(RULES, GROUPS, {"B"})
    parts = {p.key: p for p in driver.parts()}
    assert list(parts) == ["out:A", "param:param_out_0", "out:B", "core", "group:g0", "group:g1"]
    assert parts["out:A"].refs == (("p", "a"),) and parts["out:A"].defines == ("out",)
    assert parts["param:param_out_0"].refs == (("p", "b"),) and parts["param:param_out_0"].rules == ("B",)
    assert parts["param:param_out_0"].provides == (("policyguard", "driver", "param_out_0"),)
    assert parts["out:B"].refs == (("policyguard", "driver", "param_out_0"),)
    assert parts["core"].refs == () and parts["core"].defines == ("batch",)
    g0 = parts["group:g0"]
    assert (g0.rules, g0.groups, g0.defines) == (("A", "B"), ("g0",), ("group_g0", "batch_g0"))
    assert g0.refs == (("p", "a"), ("policyguard", "driver", "param_out_0"))
    # a group names only rules of the driver (as the generated module always did)
    assert Driver.build(RULES, {"g": ["A", "nope"]}).group_rules == {"g": ["A"]}


def test_lazy_plan_follows_only_the_parameterised_rule_a_group_reads() -> None:
    """The load plan takes each driver part's references from the driver's data: a group with
    one parameterised rule loads that rule's ``param_out_<n>`` part and module, not those of
    every parameterised rule (reading the package of the text back matched them all)."""
    lib = ("lib.rego", "package policyguard.lib\n")
    a = ("a.rego", 'package p.a\nimport rego.v1\nfail contains "a" if input.params.on\n')
    b = ("b.rego", 'package p.b\nimport rego.v1\nfail contains "b" if input.params.on\n')
    driver = Driver.build([("A", "p.a", False), ("B", "p.b", False)], {"g0": ["A"], "g1": ["B"]}, {"A", "B"})
    plan = LoadPlan(RegoPolicy((lib, a, b), driver))
    need = plan.for_groups(["g0"])
    assert need is not None
    assert {plan.units[k][0] for k in need} == {
        "lib.rego", "a.rego", f"{DRIVER_FILE}#core", f"{DRIVER_FILE}#group:g0", f"{DRIVER_FILE}#param:param_out_0"}
    batch = plan.for_batch(json.dumps({"batch": [{"id": "x", "rules": {"B": True}}]}))
    assert batch is not None
    assert {plan.units[k][0] for k in batch} == {
        "lib.rego", "b.rego", f"{DRIVER_FILE}#core", f"{DRIVER_FILE}#out:B", f"{DRIVER_FILE}#param:param_out_1"}
    # and the engine built from that plan judges with each rule's own parameters
    backend = RegorusBackend(RegoPolicy((lib, a, b), driver), lazy=True)
    doc = {"resources": {"x": {"id": "x"}}, "batch": [{"id": "x", "group": "g0"}],
           "rule_params": {"A": {"on": True}, "B": {"on": False}}}
    assert backend.eval_batch(doc, json.dumps(doc), 10.0, ["g0"]) == [{"id": "x", "out": {"A": {"fail": ["a"]}}}]
