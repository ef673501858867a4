"""The helpers shared inside the rule pack (rules/README.md "Shared helpers").

- policyguard/engine/rego/net.rego (data.policyguard.net): port_range and friends against a
  Python model of the port texts Azure and GCP accept, on regorus and, when installed, on OPA.
- policyguard/engine/rulelib.py: the workload helpers of the Python rules on hostile shapes
  (a scanned manifest is untrusted input: lists that are strings, containers that are null).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import have_golib, probe_engine

from policyguard.engine import rulelib
from policyguard.model import unknown

PROBE = """package t
import rego.v1
import data.policyguard.net
ranges := [[x, r] | some x in input.values; r := net.port_range(x)]
has := [[x, p] | some x in input.values; r := net.port_range(x); some p in input.ports; net.range_has(r, p)]
every_port := [x | some x in input.values; r := net.port_range(x); net.range_every_port(r)]
listed := net.port_ranges(input.values)
integers := [[x, n] | some x in input.values; n := net.integer(x)]
"""
ENGINES = ["regorus"] + (["opa"] if have_golib() else [])
NUMBER = re.compile(r"^\s*[0-9]+\s*$")


@cache
def _engine(kind: str) -> Any:
    return probe_engine(kind, PROBE)


def ask(kind: str, rule: str, values: list[Any], ports: list[int] | None = None) -> Any:
    doc = {"values": values, "ports": ports or []}
    eng = _engine(kind)
    if kind == "regorus":
        eng.set_input_json(json.dumps(doc))
        return json.loads(eng.eval_rule_as_json(f"data.t.{rule}"))
    return json.loads(json.dumps(eng.eval_document(f"t.{rule}", doc)))


def model(x: Any) -> dict[str, int] | None:
    """What port_range must give: "*", "n" or "a-b" (blanks around the numbers allowed), or a
    whole number (HCL lets 22 stand where the provider's schema says string)."""
    if x == "*":
        return {"lo": 0, "hi": 65535}
    if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
        return {"lo": x, "hi": x}
    if not isinstance(x, str):
        return None
    if NUMBER.match(x):
        return {"lo": int(x), "hi": int(x)}
    parts = x.split("-")
    if len(parts) == 2 and all(NUMBER.match(p) for p in parts):
        return {"lo": int(parts[0]), "hi": int(parts[1])}
    return None


SPELLINGS = ["*", "22", " 22 ", "0022", "000", " 020 - 023 ", "1000-2000", " 1 - 65535 ", "0-65535", "3389-3389", "22,80", "22-", "-22",
             "1-2-3", "ssh", "", " * ", "２２", "22\n", 22, 22.5, -1, None, True, ["22"], {"__unknown__": "var.port"}]


@pytest.mark.parametrize("kind", ENGINES)
def test_port_range_reads_what_the_providers_write(kind: str) -> None:
    got = {json.dumps(x): r for x, r in ask(kind, "ranges", SPELLINGS)}
    want = {json.dumps(x): model(x) for x in SPELLINGS if model(x) is not None}
    assert got == want
    # the list form keeps the order and leaves out what is not a port text
    assert ask(kind, "listed", SPELLINGS) == [model(x) for x in SPELLINGS if model(x) is not None]


@pytest.mark.parametrize("kind", ENGINES)
def test_range_has_and_every_port(kind: str) -> None:
    ports = [0, 1, 22, 80, 443, 3389, 65535]
    got = {(json.dumps(x), p) for x, p in ask(kind, "has", SPELLINGS, ports)}
    want = {(json.dumps(x), p) for x in SPELLINGS if (r := model(x)) for p in ports if r["lo"] <= p <= r["hi"]}
    assert got == want
    assert sorted(ask(kind, "every_port", SPELLINGS), key=json.dumps) == sorted(["*", " 1 - 65535 ", "0-65535"], key=json.dumps)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 70000).map(str),
                          st.tuples(st.integers(0, 70000), st.integers(0, 70000)).map(lambda t: f"{t[0]}-{t[1]}"),
                          st.text(alphabet="0123456789- *", max_size=7)), max_size=6),
       st.lists(st.integers(0, 70000), max_size=4))
def test_range_has_matches_the_model(values: list[str], ports: list[int]) -> None:
    got = {(x, p) for x, p in ask("regorus", "has", values, ports)}
    assert got == {(x, p) for x in values if (r := model(x)) for p in ports if r["lo"] <= p <= r["hi"]}


def test_containers_skip_what_is_not_a_container_and_keep_paths() -> None:
    spec = {"containers": [{"name": "app"}, None, "x", {"name": True}], "initContainers": "not a list",
            "ephemeralContainers": [{"name": "debug"}]}
    got = [(c.kind, c.index, c.path, c.name) for c in rulelib.containers(spec)]
    assert got == [("containers", 0, "pod_spec.containers[0]", "app"), ("containers", 3, "pod_spec.containers[3]", True),
                   ("ephemeralContainers", 0, "pod_spec.ephemeralContainers[0]", "debug")]


def test_security_contexts_are_the_pods_then_each_containers() -> None:
    spec = {"securityContext": {"runAsNonRoot": True}, "containers": [{"name": True, "securityContext": "odd"}, {"name": "b"}]}
    got = [(s.path, s.who, s.value) for s in rulelib.security_contexts(spec)]
    assert got == [("pod_spec.securityContext", "the pod", {"runAsNonRoot": True}),
                   ("pod_spec.containers[0].securityContext", 'container "true"', "odd"),
                   ("pod_spec.containers[1].securityContext", 'container "b"', None)]
    assert [s.get("runAsNonRoot") for s in rulelib.security_contexts(spec)] == [True, None, None]


def test_pod_spec_quoted_and_unknown_expr() -> None:
    assert rulelib.pod_spec({"pod_spec": []}) is None
    assert rulelib.pod_spec({}) is None
    assert rulelib.pod_spec({"pod_spec": {"containers": []}}) == {"containers": []}
    assert [rulelib.quoted(v) for v in (False, "app", None, 3)] == ['"false"', '"app"', '"None"', '"3"']
    assert rulelib.unknown_expr(unknown("var.user", "variable")) == "var.user"
    assert rulelib.unknown_expr({"__unknown__ (literal)": "x"}) is None
    assert rulelib.unknown_expr("var.user") is None


@pytest.mark.parametrize("kind", ENGINES)
def test_integer_reads_leading_zeros(kind: str) -> None:
    """to_number("022") is an evaluation error on both engines; Terraform and CloudFormation read 22."""
    values = ["022", "-007", "0", "000", "-0", "22", "65535", "2.5", " 22", "x", "", "-", 22, None]
    got = {json.dumps(x): n for x, n in ask(kind, "integers", values)}
    want = {json.dumps(x): int(x) for x in values if isinstance(x, str) and re.fullmatch(r"-?[0-9]+", x)}
    assert got == want
