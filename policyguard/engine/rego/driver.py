"""The driver every Rego backend evaluates, built as data.

The driver (``package policyguard.driver``) has ``batch`` / ``batch_<group>`` rules that judge
each batch item with the rules that apply to it. ``Driver`` holds it as parts, each with the
rules and groups it names, the data paths it reads and the driver rules it defines, and renders
each part's Rego text from that data. A backend that loads one module takes ``text()``; the
embedded engine's load plan takes ``parts()`` and loads only the parts an evaluation needs; the
compiled VM renders its own driver from the same data. Nothing reads the generated text back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

DRIVER_PACKAGE = "policyguard.driver"


DRIVER_PATH = tuple(DRIVER_PACKAGE.split("."))


DRIVER_FILE = "policyguard/driver.rego"  # the name the driver module is loaded under


DRIVER_QUERY = "data.policyguard.driver.batch"


DRIVER_DATA_PATH = "policyguard/driver/batch"


DRIVER_HEADER = f"package {DRIVER_PACKAGE}\n\nimport rego.v1\n\n"


PARAM_OUT = "param_out_"  # driver rules that evaluate one parameterised rule under its params


def group_path(group: str | None) -> str:
    return DRIVER_DATA_PATH if group is None else f"{DRIVER_DATA_PATH}_{group}"


@dataclass(frozen=True)
class RuleOutput:
    """How the driver reads one rule: its ``fail`` (and ``unknown``) sets, directly or, for a rule
    with parameters, through the driver rule ``param_rule`` that evaluates it under them. Built
    by ``of``, which renders the texts once (a rule is named once per group it is in)."""

    rule_id: str
    package: str
    has_unknown: bool
    param_rule: str | None
    quoted_id: str  # the rule id as a Rego string
    value: str  # the output object: ``{"fail": data.<package>.fail[, "unknown": ...]}``
    ref: str  # what ``out`` and the group objects name: ``value``, or the param rule
    ref_path: tuple[str, ...]  # the data path ``ref`` reads

    @classmethod
    def of(cls, rule_id: str, package: str, has_unknown: bool, param_rule: str | None = None) -> RuleOutput:
        data = "data." + package
        value = f'{{"fail": {data}.fail, "unknown": {data}.unknown}}' if has_unknown else f'{{"fail": {data}.fail}}'
        if param_rule is None:
            return cls(rule_id, package, has_unknown, None, json.dumps(rule_id), value, value, tuple(package.split(".")))
        return cls(rule_id, package, has_unknown, param_rule, json.dumps(rule_id), value,
                   f"data.{DRIVER_PACKAGE}.{param_rule}", (*DRIVER_PATH, param_rule))

    @property
    def package_path(self) -> tuple[str, ...]:
        return tuple(self.package.split("."))

    @property
    def entry(self) -> str:
        """Its line in a group object."""
        return f"\t{self.quoted_id}: {self.ref},\n"


@dataclass(frozen=True)
class DriverPart:
    """One independently loadable piece of the driver: ``core`` (``batch``), ``param:<rule>``,
    ``out:<rule id>`` or ``group:<name>``. Rego merges a package's rules across modules, so the
    parts loaded together define exactly what the whole driver defines for them."""

    key: str
    defines: tuple[str, ...]  # the driver rules it defines (``out`` is shared by every out part)
    rules: tuple[str, ...]  # the rule ids it names
    groups: tuple[str, ...]  # the groups it names
    refs: tuple[tuple[str, ...], ...]  # the data paths it reads (rule packages, param rules)
    body: str  # its text within the single driver module

    @property
    def provides(self) -> tuple[tuple[str, ...], ...]:
        """The data paths it defines."""
        return tuple((*DRIVER_PATH, name) for name in self.defines)

    def text(self) -> str:
        """The part as a module of its own."""
        return DRIVER_HEADER + self.body


@dataclass(frozen=True)
class Driver:
    """The driver of a rule set. Two entry points, same results:

    - ``batch_<group>``: every batch item of that group (``{"id", "group"}``) judged by all the
      group's rules; ``input.resource`` is rebound with ``with`` so ``input.resources`` is shared,
      not copied. One definition per group means a resource pays only for its applicable rules.
    - ``batch``: items ``{"id", "rules": {id: true}}`` judged by any subset of rules (used to
      isolate a failing rule x resource pair), through one ``out[<rule id>]`` entry per rule.

    A rule that declares parameters is evaluated by a driver rule of its own, ``param_out_<n>``,
    which rebinds ``input.params`` to that rule's entry of the batch document's ``rule_params``
    (``with``), so a rule sees its own parameters and no other's, however it reads ``input``;
    rules without parameters are evaluated directly."""

    outputs: tuple[RuleOutput, ...]  # in rule order
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (name, rule ids), sorted by name

    @classmethod
    def build(cls, rules: list[tuple[str, str, bool]], groups: dict[str, list[str]] | None = None,
              with_params: frozenset[str] | set[str] = frozenset()) -> Driver:
        """``rules``: (rule id, package, defines ``unknown``); ``groups``: group name -> the rule
        ids that apply to one resource type (ids of no rule here are left out); ``with_params``:
        the rule ids that declare parameters."""
        outputs: list[RuleOutput] = []
        n_params = 0
        for rid, package, has_unknown in rules:
            param = None
            if rid in with_params:
                param, n_params = f"{PARAM_OUT}{n_params}", n_params + 1
            outputs.append(RuleOutput.of(rid, package, has_unknown, param))
        known = {o.rule_id for o in outputs}
        members = tuple((name, tuple(r for r in ids if r in known)) for name, ids in sorted((groups or {}).items()))
        return cls(tuple(outputs), members)

    @cached_property
    def by_id(self) -> dict[str, RuleOutput]:
        return {o.rule_id: o for o in self.outputs}

    @cached_property
    def entries(self) -> dict[str, str]:
        """Rule id -> its line in a group object (rendered once: the built-in pack's groups name
        ~1,400 rule entries)."""
        return {o.rule_id: o.entry for o in self.outputs}

    @property
    def packages(self) -> dict[str, str]:
        """Rule id -> package."""
        return {o.rule_id: o.package for o in self.outputs}

    @property
    def group_rules(self) -> dict[str, list[str]]:
        """Group name -> its rule ids."""
        return {name: list(ids) for name, ids in self.groups}

    @cached_property
    def _parts(self) -> tuple[DriverPart, ...]:
        parts: list[DriverPart] = []
        for o in self.outputs:
            rid = o.quoted_id
            if o.param_rule is not None:
                parts.append(DriverPart(
                    f"param:{o.param_rule}", (o.param_rule,), (o.rule_id,), (), (o.package_path,),
                    f"{o.param_rule} := o if {{ o := {o.value} with input.params as input.rule_params[{rid}] }}\n"))
            parts.append(DriverPart(f"out:{o.rule_id}", ("out",), (o.rule_id,), (), (o.ref_path,),
                                    f"out[{rid}] := {o.ref} if input.rules[{rid}]\n"))
        parts.append(DriverPart("core", ("batch",), (), (), (), _batch("batch", "out with input.resource as res with input.rules as b.rules")))
        by_id, lines = self.by_id, self.entries
        for name, ids in self.groups:
            outs = [by_id[r] for r in ids]
            entries = "".join(lines[r] for r in ids)
            body = (f"\ngroup_{name} := {{\n{entries}}}\n"
                    + _batch(f"batch_{name}", f"group_{name} with input.resource as res", f"\tb.group == {json.dumps(name)}\n"))
            parts.append(DriverPart(f"group:{name}", (f"group_{name}", f"batch_{name}"), ids, (name,),
                                    tuple(dict.fromkeys(o.ref_path for o in outs)), body))
        return tuple(parts)

    def parts(self) -> tuple[DriverPart, ...]:
        """The parts in the order of the single module (``text()`` is their concatenation)."""
        return self._parts

    def text(self) -> str:
        """The driver as one module (what OPA loads)."""
        return DRIVER_HEADER + "".join(p.body for p in self._parts)


def _batch(name: str, judged: str, select: str = "") -> str:
    """A ``batch`` entry point: each item's resource judged by ``judged`` (after ``select``)."""
    return (f"\n{name} := [r |\n\tsome b in input.batch\n{select}\tres := input.resources[b.id]\n"
            f"\to := {judged}\n\tr := {{\"id\": b.id, \"out\": o}}\n]\n")


@dataclass(frozen=True)
class RegoPolicy:
    """Everything a Rego backend evaluates: the library, rule and helper modules (``(file,
    source)``) and the driver of the rules."""

    modules: tuple[tuple[str, str], ...]
    driver: Driver
    # files of ``modules`` that a scanned repository supplied (engine.rules.RuleSet.untrusted_files):
    # an in-process engine must not run them (compiled.py sends their groups to the guarded helper)
    untrusted: frozenset[str] = frozenset()

    def sources(self) -> list[tuple[str, str]]:
        """Every module as text, the driver as one module (backends that load it whole)."""
        return [*self.modules, (DRIVER_FILE, self.driver.text())]
