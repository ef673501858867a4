"""The address-range helpers of lib.rego (cidr, covers_family, exposure, large_public) against
Python's ipaddress module, on regorus and, when installed, on real OPA: rules that judge
"open to the world" must agree with the arithmetic of the ranges, whatever the spelling, and
both engines must give the same answer (regorus lacks net.cidr_merge, and its "%08b" ignores
the width for small numbers, so the helpers use neither)."""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import REPO, have_golib

LIB = (REPO / "policyguard" / "engine" / "rego" / "lib.rego").read_text()
PROBE = """package t
import rego.v1
import data.policyguard.lib
parsed := {c: r | some c in input.values; r := lib.cidr(c)}
covers := {f | some f in [4, 6]; lib.covers_family([r | some c in input.values; r := lib.cidr(c)], f)}
exposure := lib.exposure(input.values, {"internet", "*"}, input.strict)
non_public := lib._non_public
well_known := {c: r | some c, _ in lib._well_known; r := lib._cidr_range(lib._cidr_address(split(c, "/")[0]), to_number(split(c, "/")[1]))}
"""
ENGINES = ["regorus"] + (["opa"] if have_golib() else [])


@cache
def _regorus() -> Any:
    import regorus

    eng = regorus.Engine()
    eng.add_policy("lib.rego", LIB)
    eng.add_policy("t.rego", PROBE)
    return eng


@cache
def _opa() -> Any:
    import opa_bindings

    eng = opa_bindings.OpaEngine()
    eng.add_policy("lib.rego", LIB)
    eng.add_policy("t.rego", PROBE)
    return eng


def ask(engine: str, rule: str, values: list[Any], strict: bool = True) -> Any:
    doc = {"values": values, "strict": strict}
    if engine == "regorus":
        eng = _regorus()
        eng.set_input_json(json.dumps(doc))
        out = json.loads(eng.eval_rule_as_json(f"data.t.{rule}"))
    else:
        out = _opa().eval_document(f"t.{rule}", doc)
    return json.loads(json.dumps(out, sort_keys=True))  # sets as sorted lists on both engines


def expected(text: str) -> dict[str, Any]:
    """What cidr() must give, from ipaddress (IPv4-mapped IPv6 ranges as their IPv4 range)."""
    net = ipaddress.ip_network(text.strip(), strict=False)
    if net.version == 6 and net.prefixlen >= 96 and net.network_address.ipv4_mapped is not None:
        net = ipaddress.ip_network(f"{net.network_address.ipv4_mapped}/{net.prefixlen - 96}", strict=False)
    bits = format(int(net.network_address), f"0{net.max_prefixlen}b")[: net.prefixlen]
    return {"family": net.version, "len": net.prefixlen, "bits": bits}


WELL_FORMED = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.1/8", "192.168.1.0/0", "203.0.113.7", "255.255.255.255/32",
               "::/0", "0::/0", "::0/0", "::", "2001:db8::/32", "2001:0DB8:0:0:0:0:0:1/128", "fe80::1/64",
               "1:2:3:4:5:6:7::/112", "::ffff:0.0.0.0/96", "::ffff:0:0/96", "::ffff:1.2.3.4/120",
               "::ffff:10.0.0.0/104", "64:ff9b::/96", " 0.0.0.0/0 "]
# what a reader means, where ipaddress is stricter than the providers' parsers
LENIENT = {"0.0.0.0/00": {"family": 4, "len": 0, "bits": ""},
           "10.0.0.0/008": {"family": 4, "len": 8, "bits": "00001010"}}
MALFORMED = ["0.0.0.0/33", "::/129", "256.0.0.0/8", "010.0.0.0/8", "1.2.3/8", "1.2.3.4.5/8", "1::2::3/64",
             "12345::/16", "fe80::1%eth0/64", "0.0.0.0/0/0", "0.0.0.0/-1", "0.0.0.0/1e1", "0.0.0.0/0000",
             "1:2:3:4:5:6:7:8:9", ":::/0", "", "abc", "0x0.0.0.0/0"]


@pytest.mark.parametrize("engine", ENGINES)
def test_cidr_reads_every_spelling_as_its_range_and_rejects_the_malformed(engine: str) -> None:
    got = ask(engine, "parsed", WELL_FORMED + list(LENIENT) + MALFORMED)
    want = {c: expected(c) for c in WELL_FORMED} | LENIENT
    assert got == want


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("values", "families"), [
    (["0.0.0.0/1", "128.0.0.0/1"], [4]),
    (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"], [4]),
    (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2"], []),
    (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/3", "10.0.0.0/8"], [4]),
    (["192.168.1.0/0"], [4]),
    (["::/1", "8000::/1", "10.0.0.0/8"], [6]),
    (["::ffff:0.0.0.0/97", "128.0.0.0/1"], [4]),
    (["0.0.0.0/1", "::/1", "8000::/1"], [6]),
    (["0.0.0.0/1", "128.0.0.0/1", "::/0"], [4, 6]),
    (["10.0.0.0/8", "172.16.0.0/12"], []),
])
def test_covers_family_is_the_union_of_the_ranges(engine: str, values: list[str], families: list[int]) -> None:
    assert ask(engine, "covers", values) == families


ranges = st.one_of(
    st.tuples(st.just(4), st.integers(0, 2**32 - 1), st.integers(0, 4)),
    st.tuples(st.just(6), st.integers(0, 2**128 - 1), st.integers(0, 3)),
)


def _text(family: int, address: int, length: int) -> str:
    net = ipaddress.ip_network(f"{ipaddress.ip_address(address) if family == 4 else ipaddress.IPv6Address(address)}/{length}", strict=False)
    return str(net)


@settings(max_examples=60, deadline=None)
@given(st.lists(ranges, min_size=1, max_size=12))
def test_covers_family_matches_ipaddress_on_generated_sets(items: list[tuple[int, int, int]]) -> None:
    """Short prefixes, so that a good share of the sets cover a family (or just fail to)."""
    values = [_text(*i) for i in items]
    want = sorted(f for f in (4, 6) if [str(n) for n in ipaddress.collapse_addresses(
        ipaddress.ip_network(v) for v in values if ipaddress.ip_network(v).version == f)] == [("0.0.0.0/0" if f == 4 else "::/0")])
    for engine in ENGINES:
        assert ask(engine, "covers", values) == want, engine


@pytest.mark.parametrize("engine", ENGINES)
def test_exposure_kinds(engine: str) -> None:
    values = ["0.0.0.0/00", "0.0.0.0/1", "128.0.0.0/1", "3.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10",
              "224.0.0.0/4", "2600::/16", "fd00::/8", "2001:db8::/32", "Internet", "VirtualNetwork", "1.2.3/8", None]
    got = {v: x["kind"] for v, x in ask(engine, "exposure", values, strict=False).items()}
    # 0.0.0.0/1 and 128.0.0.0/1 lie inside 0.0.0.0/00 here: large public ranges, not the covering set
    assert got == {"0.0.0.0/00": "all", "0.0.0.0/1": "large", "128.0.0.0/1": "large", "3.0.0.0/8": "large",
                   "2600::/16": "large", "Internet": "all", "1.2.3/8": "invalid"}
    strict = {v: x["kind"] for v, x in ask(engine, "exposure", ["0.0.0.0/1", "128.0.0.0/1", "VirtualNetwork"]).items()}
    assert strict == {"0.0.0.0/1": "combined", "128.0.0.0/1": "combined", "VirtualNetwork": "invalid"}


@pytest.mark.parametrize("engine", ENGINES)
def test_non_public_constants_are_the_ranges_they_name(engine: str) -> None:
    names = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
             "192.168.0.0/16", "224.0.0.0/3", "fc00::/7", "fe80::/10", "ff00::/8"]
    assert ask(engine, "non_public", []) == [expected(n) for n in names]
    known = ask(engine, "well_known", [])
    assert known == {c: expected(c) for c in known} and "0.0.0.0/0" in known


@st.composite
def split_covers(draw: st.DrawFn) -> list[str]:
    """Every address of a family split into a random set of disjoint prefixes (at most /20),
    then perhaps one piece dropped, one nested range added and the order shuffled."""
    family = draw(st.sampled_from([4, 6]))
    width = 32 if family == 4 else 128
    pieces = [(0, 0)]  # (network as int, prefix length)
    for _ in range(draw(st.integers(0, 10))):
        i = draw(st.integers(0, len(pieces) - 1))
        net, length = pieces[i]
        if length < 20:
            half = 1 << (width - length - 1)
            pieces[i: i + 1] = [(net, length + 1), (net + half, length + 1)]
    if draw(st.booleans()) and len(pieces) > 1:
        pieces.pop(draw(st.integers(0, len(pieces) - 1)))
    texts = [_text(family, net, length) for net, length in pieces]
    if draw(st.booleans()):
        net, length = pieces[0]
        texts.append(_text(family, net, min(width, length + 3)))
    return draw(st.permutations(texts))


@settings(max_examples=60, deadline=None)
@given(split_covers())
def test_covers_family_matches_ipaddress_on_split_covers(values: list[str]) -> None:
    nets = [ipaddress.ip_network(v) for v in values]
    want = sorted({n.version for n in nets if [str(c) for c in ipaddress.collapse_addresses(
        m for m in nets if m.version == n.version)] == [("0.0.0.0/0" if n.version == 4 else "::/0")]})
    for engine in ENGINES:
        assert ask(engine, "covers", values) == want, (engine, values)
