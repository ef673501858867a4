"""The shared security-group helpers (policyguard/engine/rego/net_exposure.rego) against the
pool computation: PG-AWS-EC2-001..004 (through net_exposure's sg_judge) take the
exposure of a resource's own sources (sg_solo, once per resource) instead of lib.exposure of each
entry's pool whenever the group's narrower ranges cover no address family (sg_combinable). That
shortcut must give the very same fail/unknown results as the pool for any group: random security
groups (inline entries plus separate rule resources, split ranges, /0s, private, large, invalid
and unresolved sources, unresolved protocols and ports) are judged both ways on regorus, the
rules reading the library as shipped and a copy of it without the shortcut."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import REPO

from policyguard.engine.rules import LIBRARY_FILES, library_modules, load_rego_file

RULES = ["ssh_open_to_internet", "rdp_open_to_internet", "admin_ports_open_to_internet", "all_traffic_open_to_internet"]
SHORTCUT = "_pool_exposures(ports) := {} if count(sg_combinable) == 0\n"
POOLED = "_pool_exposures(ports) := {e.entry: lib.exposure(_pool(e, ports), set(), true) | some e in sg_entries} if count(sg_combinable) > 0\n"
NET_EXPOSURE = "package policyguard.net_exposure\n"
UNKNOWN = {"__unknown__": "var.cidr", "reason": "variable"}


def _pooled_library(text: str) -> str:
    """net_exposure.rego as package pooled.net_exposure, always pooling per entry."""
    assert SHORTCUT in text and POOLED in text and NET_EXPOSURE in text
    text = text.replace(SHORTCUT, "").replace(POOLED, POOLED.removesuffix(" if count(sg_combinable) > 0\n") + "\n")
    return text.replace(NET_EXPOSURE, "package pooled.net_exposure\n")


def _source(rule: str, pooled: bool) -> str:
    text = (REPO / "rules" / "aws" / "ec2" / rule / "rule.rego").read_text()
    assert "import data.policyguard.net_exposure as net\n" in text
    if pooled:
        text = text.replace("import data.policyguard.net_exposure as net\n", "import data.pooled.net_exposure as net\n")
        text = text.replace(f"package policyguard.rules.aws.ec2.{rule}", f"package pooled.{rule}")
    return text


@cache
def _engine() -> Any:
    import regorus

    eng = regorus.Engine()
    for name, text in library_modules():
        eng.add_policy(name, text)
        if name.endswith("net_exposure.rego"):
            eng.add_policy("pooled_net_exposure.rego", _pooled_library(text))
    for rule in RULES:
        eng.add_policy(f"{rule}.rego", _source(rule, False))
        eng.add_policy(f"pooled_{rule}.rego", _source(rule, True))
    lines = ["package probe", "import rego.v1"]
    for r in RULES:
        lines.append(f"{r} := [data.policyguard.rules.aws.ec2.{r}.fail, data.policyguard.rules.aws.ec2.{r}.unknown,")
        lines.append(f"\tdata.pooled.{r}.fail, data.pooled.{r}.unknown]")
    refs = ", ".join(f'"{r}": {r}' for r in RULES)
    lines.append(f"out := {{id: o | some id, res in input.resources; o := {{{refs}}} with input.resource as res}}")
    eng.add_policy("probe.rego", "\n".join(lines) + "\n")
    return eng


def judge(resources: dict[str, Any]) -> dict[str, Any]:
    eng = _engine()
    eng.set_input_json(json.dumps({"resources": resources}))
    return json.loads(eng.eval_rule_as_json("data.probe.out"))


CIDRS = ["0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2",
         "10.0.0.0/8", "8.0.0.0/7", "203.0.113.0/24", "::/1", "8000::/1", "2001:db8::/32", "not-a-cidr", "10.0.0.300/8"]
source = st.one_of(st.sampled_from(CIDRS), st.just(UNKNOWN))
port = st.one_of(st.sampled_from([0, 20, 22, 80, 443, 3389, 5432, 65535]), st.sampled_from(["22", "x"]), st.just(UNKNOWN))
protocol = st.one_of(st.sampled_from(["tcp", "TCP", "udp", "-1", "all", "6", "17", "icmp"]), st.just(-1), st.just(UNKNOWN))
entry = st.fixed_dictionaries({
    "protocol": protocol, "from_port": port, "to_port": port,
    "cidr_blocks": st.lists(source, max_size=3), "ipv6_cidr_blocks": st.lists(source, max_size=1),
})


def _group(inline: list[dict[str, Any]], separate: list[dict[str, Any]], literal: bool) -> dict[str, Any]:
    """A security group with inline entries and separate aws_security_group_rule resources, tied
    to it by reference or (literal) by the same literal group id."""
    sg = "aws_security_group.g"
    out: dict[str, Any] = {sg: {"id": sg, "type": "aws_security_group", "attributes": {"ingress": inline},
                                "references": [], "referenced_by": []}}
    for i, e in enumerate(separate):
        rid = f"aws_security_group_rule.r{i}"
        gid: Any = "sg-0123" if literal else {"__unknown__": f"{sg}.id", "reason": "after apply"}
        out[rid] = {"id": rid, "type": "aws_security_group_rule", "attributes": {**e, "type": "ingress", "security_group_id": gid},
                    "references": [] if literal else [{"path": "security_group_id", "target": sg, "expression": f"{sg}.id"}],
                    "referenced_by": []}
        if not literal:
            # as the evaluator hands references to Rego: the referring resource also as "source"
            out[sg]["referenced_by"].append({"path": "security_group_id", "target": rid, "source": rid, "expression": f"{sg}.id"})
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(entry, max_size=3), st.lists(entry, max_size=3), st.booleans())
def test_the_shortcut_judges_like_the_pool(inline: list[dict[str, Any]], separate: list[dict[str, Any]], literal: bool) -> None:
    for rid, by_rule in judge(_group(inline, separate, literal)).items():
        for rule, (fail, unknown, pooled_fail, pooled_unknown) in by_rule.items():
            assert (fail, unknown) == (pooled_fail, pooled_unknown), (rid, rule)


def test_split_ranges_across_rule_resources_are_still_combined() -> None:
    """0.0.0.0/1 and 128.0.0.0/1 in two rule resources of one group (literal id): the pool path."""
    ssh = {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr_blocks": []}
    out = judge(_group([], [{**ssh, "cidr_blocks": ["0.0.0.0/1"]}, {**ssh, "cidr_blocks": ["128.0.0.0/1"]}], True))
    for rid in ("aws_security_group_rule.r0", "aws_security_group_rule.r1"):
        fail = out[rid]["ssh_open_to_internet"][0]
        assert len(fail) == 1 and "every IPv4 address" in fail[0]["msg"], fail


@pytest.mark.parametrize("module", LIBRARY_FILES, ids=lambda p: p.name)
def test_library_packages_are_reserved(tmp_path: Any, module: Any) -> None:
    """A user rule may not take the package of a library module (it would replace its helpers)."""
    package = next(ln.split()[1] for ln in module.read_text().splitlines() if ln.startswith("package "))
    path = tmp_path / "r.rego"
    path.write_text(f"package {package}\n\nimport rego.v1\n\nfail contains 1 if false\n")
    meta, rule, _, errors = load_rego_file(path)
    assert meta is None and rule is None
    assert [e.message for e in errors] == [f"package {package} is reserved by policyguard"]
