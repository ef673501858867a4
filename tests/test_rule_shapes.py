"""Rules never crash on real shapes: every built-in rule, fed its own fixture resources mutated
at any depth (null, the parser's unknown marker, wrong types, empty and null-holding lists,
removed keys, deep nests, long strings; ``rule_shapes.shapes``) plus a bare resource of every
type it reads, gives pass / fail / unknown and never ``error``.

The resources come from the real parsers, the verdicts from ``Evaluator.evaluate`` as ``scan``
calls it: Rego rules on the embedded engine (regorus, in its guard helper) in one batch per
unit, Python rules under their watchdog. Three tests per rule: a systematic one (each path the
rule names given each kind of odd value, each object given the keys it reads as null), a
hypothesis one (mutations stacked), and one that runs hypothesis examples on real OPA
(opa-golib) too and asks for the same verdicts.

Reproducible in CI: hypothesis derandomised, no example database, a fixed number of examples
per rule (``PG_HYPOTHESIS_EXAMPLES``, default 12; the OPA comparison uses a third of them, on
every 4th rule). ``PG_RULE_SHAPES_FULL=1``: every shape in the systematic test and OPA on every
rule. ``python tests/rule_shapes.py [RULE-ID...]`` is the exhaustive sweep (every shape,
every fill; minutes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rule_shapes import (
    FILL,
    RULES,
    Case,
    attribute_words,
    fill,
    get_at,
    load_cases,
    mutate,
    paths,
    relevant,
    rule_words,
    set_at,
    shapes,
    synthetic_cases,
)
from test_engine_helpers import have_golib

from policyguard.model import Resource, Status, format_path
from policyguard.ruletest import find_rule_dirs

RULE_DIRS = find_rule_dirs([RULES])
EXAMPLES = int(os.environ.get("PG_HYPOTHESIS_EXAMPLES", "12"))
FULL = os.environ.get("PG_RULE_SHAPES_FULL") == "1"


def _id(p: Path) -> str:
    return str(p.relative_to(RULES))


def _settings(n: int) -> settings:
    return settings(max_examples=max(1, n), derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)


@st.composite
def _mutated(draw: st.DrawFn, cases: list[Case], words: frozenset[str], keys: list[str]) -> tuple[str, list[str], list[Resource]]:
    """A fixture unit with one to three mutations, each of any resource at any depth (a later
    mutation can reach into what an earlier one put there): one time in four a key the rule
    reads added to an object with an odd value (a plan writes unset attributes as null), else a
    value replaced, three times in four at a path whose key the rule's source names."""
    case = draw(st.sampled_from(cases))
    units = list(case.resources)
    labels: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(units) - 1))
        res = units[i]
        if keys and draw(st.integers(0, 3)) == 0:
            objects = [(), *(p for p in paths(res.attributes) if type(get_at(res.attributes, p)) is dict)]
            at, key = draw(st.sampled_from(objects)), draw(st.sampled_from(keys))
            name, value = draw(st.sampled_from(FILL))
            units[i] = mutate(res, fill(res.attributes, at, [key], value))
            labels.append(f"{res.id}: {format_path((*at, key))} added <- {name}")
            continue
        where = paths(res.attributes)
        named = relevant(where, words)
        if named and draw(st.integers(0, 3)):
            where = named
        if not where:
            continue
        path = draw(st.sampled_from(where))
        name, new = draw(st.sampled_from(shapes(get_at(res.attributes, path))))
        units[i] = mutate(res, set_at(res.attributes, path, new))
        labels.append(f"{res.id}: {format_path(path)} <- {name}")
    return case.name, labels, units


def _rule(rule_dir: Path) -> tuple[set[str], list[Case], frozenset[str], list[str]]:
    from rule_shapes import built_in_ruleset

    metas = [m for m in built_in_ruleset().metas if Path(m.source).resolve().parent == rule_dir.resolve()]
    assert metas, f"{rule_dir}: no rule loaded"
    cases = load_cases(rule_dir) + [c for m in metas for c in synthetic_cases(m)]
    assert cases, f"{rule_dir}: no fixture resources"
    return {m.id for m in metas}, cases, rule_words(metas), attribute_words(metas)


def _verdicts(findings: list[Any], ids: set[str]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f in findings:
        if f.rule_id in ids:
            out.setdefault((f.rule_id, f.resource_id), []).append((str(f.status), f.path))
    return {k: sorted(v) for k, v in out.items()}


def _describe(case: str, labels: list[str]) -> str:
    return f"fixture {case}, mutations: {'; '.join(labels) or '(none)'}"


def _errors(ev: Any, ids: set[str], units: list[Resource]) -> list[str]:
    return [f"{f.resource_id}: {f.message}" for f in ev.evaluate(units) if f.rule_id in ids and f.status is Status.ERROR]


@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
def test_no_error_on_single_mutations(rule_dir: Path) -> None:
    """Systematic: the fixtures as they are, a bare resource of every type, then every path
    the rule names replaced by each ``CORE`` shape and every object given the keys the rule
    reads as null (``PG_RULE_SHAPES_FULL=1``: every shape)."""
    from rule_shapes import evaluator, single_mutations

    ids, cases, words, keys = _rule(rule_dir)
    ev = evaluator(frozenset(ids))
    bad: list[str] = []
    for case in cases:
        bad += [f"{case.name}: {e}" for e in _errors(ev, ids, case.resources)]
        for label, units in single_mutations(case, words, keys, core=not FULL):
            bad += [f"{case.name}: {label}: {e}" for e in _errors(ev, ids, units)]
            if len(bad) >= 5:
                break
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
def test_no_error_on_compound_mutations(rule_dir: Path) -> None:
    """Hypothesis: one to three mutations stacked, any shape, any depth."""
    from rule_shapes import evaluator

    ids, cases, words, keys = _rule(rule_dir)
    ev = evaluator(frozenset(ids))

    @_settings(EXAMPLES)
    @given(_mutated(cases, words, keys))
    def prop(example: tuple[str, list[str], list[Resource]]) -> None:
        case, labels, units = example
        bad = _errors(ev, ids, units)
        assert not bad, _describe(case, labels) + "\n" + "\n".join(bad)

    prop()


@pytest.mark.skipif(not have_golib(), reason="opa-golib-python-bindings not installed")
@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL else RULE_DIRS[::4], ids=_id)
def test_opa_agrees_on_shapes(rule_dir: Path) -> None:
    """The reference engine gives the same verdicts (status and path per rule x resource), on
    every 4th rule (every rule with ``PG_RULE_SHAPES_FULL=1``): building an OPA engine per rule
    costs seconds."""
    from rule_shapes import evaluator

    ids, cases, words, keys = _rule(rule_dir)
    embedded, opa = evaluator(frozenset(ids)), evaluator(frozenset(ids), "opa-golib")

    @_settings(EXAMPLES // 3)
    @given(_mutated(cases, words, keys))
    def prop(example: tuple[str, list[str], list[Resource]]) -> None:
        case, labels, units = example
        ours, ref = _verdicts(embedded.evaluate(units), ids), _verdicts(opa.evaluate(units), ids)
        assert ours == ref, f"{_describe(case, labels)}\nembedded: {ours}\nopa:      {ref}"

    prop()
