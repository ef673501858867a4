"""Attribute shapes a rule must survive: real resources from every rule's fixtures, mutated.

Used by ``test_rule_shapes.py`` (hypothesis draws from these) and runnable on its own as an
exhaustive sweep (``python tests/rule_shapes.py``: every single mutation of every fixture
resource, every rule; minutes, not CI). The resources come from the real parsers, the verdicts
from the engine's ``Evaluator.evaluate`` exactly as ``scan`` calls it.
"""

from __future__ import annotations

import copy
import functools
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from policyguard.model import AttrPath, Resource, RuleMeta, Status, format_path, is_unknown, unknown

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
LONG = "x" * 20_000
MISSING = object()  # the "delete this key / item" shape


def _deep(depth: int, leaf: Any) -> Any:
    out = leaf
    for i in range(depth):
        out = {"a": out} if i % 2 else [out]
    return out


def shapes(value: Any) -> list[tuple[str, Any]]:
    """(name, replacement) for a value: null, the parser's unknown marker, a wrong type for
    what is there, empty containers, lists with null items, a deep nest, a long string, and
    ``MISSING`` (the key or item removed)."""
    out: list[tuple[str, Any]] = [
        ("null", None),
        ("unknown", unknown("var.shape")),
        ("missing", MISSING),
        ("empty_list", []),
        ("empty_object", {}),
        ("list_of_null", [None]),
        ("deep", _deep(40, "x")),
        ("long_string", LONG),
    ]
    if isinstance(value, list):
        out += [("string_for_list", "a"), ("object_for_list", {"a": "b"}), ("number_for_list", 1),
                ("null_items", [None, *value[:2]]), ("unknown_items", [unknown("var.item"), *value[:2]]),
                ("first_item", value[0] if value else "a")]
    elif isinstance(value, dict):
        out += [("list_for_object", [value]), ("string_for_object", "a"), ("number_for_object", 0)]
    elif isinstance(value, bool):
        out += [("number_for_bool", 1), ("string_for_bool", "true"), ("list_for_bool", [True])]
    elif isinstance(value, (int, float)):
        out += [("string_for_number", str(value)), ("bool_for_number", True), ("list_for_number", [value]),
                ("negative", -1), ("float", 1.5)]
    elif isinstance(value, str):
        out += [("object_for_string", {"a": value}), ("list_for_string", [value]), ("number_for_string", 7),
                ("bool_for_string", False), ("empty_string", "")]
    elif value is None:
        out += [("string_for_null", "a"), ("bool_for_null", True), ("object_for_null", {"a": None})]
    return out


def paths(value: Any, prefix: AttrPath = (), limit: int = 400) -> list[AttrPath]:
    """Every path below ``value`` (not the root), breadth first, at most ``limit``; markers are
    leaves."""
    found: list[AttrPath] = []
    queue: list[tuple[AttrPath, Any]] = [(prefix, value)]
    while queue and len(found) < limit:
        p, v = queue.pop(0)
        if is_unknown(v):
            continue
        if isinstance(v, dict):
            items: Any = v.items()
        elif isinstance(v, list):
            items = enumerate(v)
        else:
            continue
        for k, child in items:
            found.append(p + (k,))
            queue.append((p + (k,), child))
    return found[:limit]


def rule_words(metas: list[RuleMeta]) -> frozenset[str]:
    """Every identifier and quoted word of the rules' source files: the attribute names a rule
    reads are among them."""
    words: set[str] = set()
    for m in metas:
        try:
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_\-]*", Path(m.source).read_text(encoding="utf-8")))
        except OSError:
            pass
    return frozenset(words)


def attribute_words(metas: list[RuleMeta]) -> list[str]:
    """Keys a rule may read: names after a dot and quoted names in its source (``.Status``,
    ``"enabled_cluster_log_types"``), minus Rego's own words."""
    found: set[str] = set()
    for m in metas:
        try:
            text = Path(m.source).read_text(encoding="utf-8")
        except OSError:
            continue
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        found.update(re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)", body))
        found.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_.\-/]*)"', body))
    return sorted(found - _NOT_KEYS)


_NOT_KEYS = {"resource", "resources", "attributes", "lib", "rego", "v1", "get", "policyguard", "rules", "py",
             "json", "object", "msg", "fix", "ops", "op", "description", "set", "add", "remove", "expr",
             "terraform", "cloudformation", "kubernetes"}

# what a plan or template writes for an attribute the fixture leaves out
FILL = [("null", None), ("unknown", unknown("var.fill")), ("string", "a"), ("number", 1), ("bool", True),
        ("empty_list", []), ("empty_object", {}), ("list_of_null", [None]), ("object_of_null", {"a": None})]


def fill(attributes: dict[str, Any], path: AttrPath, keys: list[str], value: Any) -> dict[str, Any]:
    """A copy with every key of ``keys`` absent from the object at ``path`` set to ``value``
    (a plan writes each unset attribute as null)."""
    out = copy.deepcopy(attributes)
    target = get_at(out, path)
    for k in keys:
        if k not in target:
            target[k] = copy.deepcopy(value)
    return out


def relevant(found: list[AttrPath], words: frozenset[str]) -> list[AttrPath]:
    """The paths whose last key the rule names (their values are what it reads)."""
    return [p for p in found if isinstance(p[-1], str) and p[-1] in words
            or isinstance(p[-1], int) and len(p) > 1 and isinstance(p[-2], str) and p[-2] in words]


def get_at(value: Any, path: AttrPath) -> Any:
    for seg in path:
        value = value[seg]
    return value


def set_at(attributes: dict[str, Any], path: AttrPath, new: Any) -> dict[str, Any]:
    """A deep copy of ``attributes`` with the value at ``path`` replaced (or removed for
    ``MISSING``)."""
    out = copy.deepcopy(attributes)
    parent = get_at(out, path[:-1])
    if new is MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(new)
    return out


def mutate(resource: Resource, attributes: dict[str, Any]) -> Resource:
    """``resource`` with other attributes, built like a parser builds one (``__post_init__``)."""
    return replace(resource, attributes=attributes, references=list(resource.references),
                   referenced_by=list(resource.referenced_by), attribute_spans={})


@dataclass(slots=True)
class Case:
    """One fixture scan unit: its resources, as the parsers made them."""

    name: str
    resources: list[Resource]


@functools.lru_cache(maxsize=8)
def load_cases(rule_dir: Path) -> list[Case]:
    """Every unit of every pass/fail fixture case of one rule, parsed (cached: the tests of one
    rule share them; mutations copy, never change them)."""
    from policyguard import discover
    from policyguard.options import EvalOptions, ScanOptions
    from policyguard.scan import parse_unit

    opts = ScanOptions(evaluation=EvalOptions(evaluate=False))
    cases: list[Case] = []
    for kind in ("pass", "fail"):
        kdir = rule_dir / "fixtures" / kind
        if not kdir.is_dir():
            continue
        for case in sorted(p for p in kdir.iterdir() if p.is_dir()):
            found = discover.discover([case], excludes=[])
            for unit in found.units:
                parsed = parse_unit(unit, opts.read, opts.evaluation.unit_limits)
                if parsed.resources:
                    cases.append(Case(f"{kind}/{case.name}", parsed.resources))
    return cases


def synthetic_cases(meta: RuleMeta) -> list[Case]:
    """A resource with no attributes at all for every concrete type the rule reads (a plan or
    template can be that bare), on every platform it names."""
    from policyguard.model import Span

    out: list[Case] = []
    for platform, types in sorted(meta.resource_types.items()):
        for typ in types:
            if typ == "*":
                continue
            attrs: dict[str, Any] = {}
            if platform == "kubernetes":
                api, _, kind = typ.rpartition("/")
                attrs = {"apiVersion": api, "kind": kind, "metadata": {"name": "bare"}}
            rid = f"{typ}.bare" if platform != "cloudformation" else "Bare"
            res = Resource(id=rid, platform=platform, type=typ, name="bare", attributes=attrs,
                           span=Span("synthetic", 1, 1, 1, 1), source_format=platform)
            out.append(Case(f"synthetic/{platform}/{typ}", [res]))
    return out


def rule_dirs_with_ids() -> list[tuple[Path, list[RuleMeta]]]:
    """(rule directory, its rules) for the built-in pack."""
    from policyguard.ruletest import find_rule_dirs

    rs = built_in_ruleset()
    by_dir: dict[Path, list[RuleMeta]] = {}
    for m in rs.metas:
        by_dir.setdefault(Path(m.source).resolve().parent, []).append(m)
    return [(d, by_dir[d.resolve()]) for d in find_rule_dirs([RULES]) if d.resolve() in by_dir]


_STATE: dict[str, Any] = {}


def built_in_ruleset() -> Any:
    if "ruleset" not in _STATE:
        from policyguard import engine
        from policyguard.options import EvalOptions, RuleOptions

        _STATE["ruleset"] = engine.load_ruleset(RuleOptions(rule_params=fixture_rule_params()), EvalOptions())
    return _STATE["ruleset"]


def fixture_rule_params() -> dict[str, Any]:
    """The parameters the pack's fixtures run with (each rule directory's fixtures/params.yaml):
    a rule that needs configuration is judged too, not set aside."""
    if "params" not in _STATE:
        from policyguard.options import RuleOptions
        from policyguard.ruletest import find_rule_dirs, fixture_params

        params, errors = fixture_params(find_rule_dirs([RULES]), RuleOptions())
        assert not errors, errors
        _STATE["params"] = params
    return _STATE["params"]


def evaluator(ids: frozenset[str], rego_engine: str = "embedded") -> Any:
    """An evaluator over just these rules of the built-in pack (a resource is judged by only the
    rules under test: the Kubernetes group alone is dozens), built as ``scan`` builds one, with
    the default backend (the embedded engine runs in its forked guard helper). The previous
    one of the same engine is closed."""
    key = f"evaluator-{rego_engine}"
    cached = _STATE.get(key)
    if cached is not None and cached[0] == ids:
        return cached[1]
    if cached is not None and cached[1].has_rego:
        close = getattr(cached[1].backend, "close", None)
        if close is not None:
            close()
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions, ScanOptions

    # generous time budgets: a shared CI machine must not turn a slow evaluation into an error
    opts = ScanOptions(rules=RuleOptions(enabled_rules=sorted(ids), rule_params=fixture_rule_params()), evaluation=EvalOptions(rego_engine=rego_engine, rule_timeout=60.0, scan_timeout=1e9))
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    _STATE[key] = (ids, ev)
    return ev


def errors_of(findings: list[Any], rule_ids: set[str]) -> list[Any]:
    return [f for f in findings if f.status is Status.ERROR and f.rule_id in rule_ids]


# one of each kind, enough to find every crash the full set found in the built-in pack
CORE = frozenset({"null", "unknown", "empty_list", "null_items", "string_for_list", "number_for_object",
                  "list_for_string", "list_for_bool", "list_for_number", "object_for_null"})


def single_mutations(case: Case, words: frozenset[str], keys: list[str],
                     core: bool = False) -> Iterator[tuple[str, list[Resource]]]:
    """Every unit made from ``case`` by one mutation of one resource at a path the rule names,
    or by adding the keys it reads to an object: (label, resources). ``core``: only the
    ``CORE`` shapes and null fills (the CI sweep)."""
    for i, res in enumerate(case.resources):
        for path in relevant(paths(res.attributes), words):
            old = get_at(res.attributes, path)
            for name, new in shapes(old):
                if core and name not in CORE:
                    continue
                units = list(case.resources)
                units[i] = mutate(res, set_at(res.attributes, path, new))
                yield f"{res.id} {format_path(path)} <- {name}", units
        for path in [(), *(p for p in paths(res.attributes) if type(get_at(res.attributes, p)) is dict)]:
            for name, value in FILL:
                if core and name != "null":
                    continue
                units = list(case.resources)
                units[i] = mutate(res, fill(res.attributes, path, keys, value))
                yield f"{res.id} {format_path(path) or 'attributes'} <- fill_{name}", units
        for name, new in shapes({}):
            if name in ("missing", "list_for_object") or core:
                continue
            units = list(case.resources)
            units[i] = mutate(res, {} if not isinstance(new, dict) or is_unknown(new) else new)
            yield f"{res.id} attributes <- {name}", units


def sweep(selected: set[str] | None = None) -> dict[str, set[str]]:
    """Every single mutation of every fixture resource of every rule: rule id -> shapes that
    gave an ``error`` finding."""
    broken: dict[str, set[str]] = {}
    for rule_dir, metas in rule_dirs_with_ids():
        ids = frozenset(m.id for m in metas)
        if selected and not ids & selected:
            continue
        ev = evaluator(ids)
        cases = load_cases(rule_dir) + [c for m in metas for c in synthetic_cases(m)]
        words, keys = rule_words(metas), attribute_words(metas)
        for case in cases:
            for label, units in single_mutations(case, words, keys):
                shape = label.rsplit(" <- ", 1)[1]
                for f in errors_of(ev.evaluate(units), ids):
                    if shape not in broken.setdefault(f.rule_id, set()):
                        print(f"{f.rule_id} [{shape}] {case.name}: {label}: {f.message[:300]}", flush=True)
                    broken[f.rule_id].add(shape)
    return broken


if __name__ == "__main__":  # pragma: no cover - a manual, exhaustive run
    started = time.monotonic()
    result = sweep(set(sys.argv[1:]) or None)
    print(f"{time.monotonic() - started:.0f}s")
    print(f"{len(result)} rules gave error verdicts: {', '.join(sorted(result))}")
