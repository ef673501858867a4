"""Python rules: the ``@rule`` decorator and the ``fail()`` / ``unknown()`` result helpers.

A Python rule is a function of the same JSON envelope a Rego rule sees::

    @rule(id="PG-K8S-100", title="...", severity="high", resource_types={"kubernetes": ["*"]})
    def check(resource: dict, resources: dict):
        if resource["attributes"].get("spec", {}).get("hostNetwork") is True:
            yield fail("pod shares the host network", path="spec.hostNetwork")

It may ``yield`` or ``return`` results (one, a list, or ``None`` for a pass). The function may
also take a single ``resource`` parameter, or a third one, the ``RuleContext`` (``ctx.params``:
the rule's parameters, declared with ``params={...}`` as in Rego metadata). Metadata is validated by the loader with the same
JSON Schema as Rego ``# METADATA`` (``policyguard/schemas/rule-metadata.schema.json``).
This module is imported by rule files, so it stays free of heavy imports.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import GeneratorType
from typing import Any

RULE_ATTR = "__policyguard_rule__"


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One result of a Python rule: the same shape as a Rego ``fail``/``unknown`` result."""

    kind: str  # "fail" | "unknown"
    msg: str
    path: str = ""
    fix: dict[str, Any] | None = None
    expr: str = ""  # unknown results: the unresolved expression the decision depends on

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"msg": self.msg, "path": self.path}
        if self.fix is not None:
            out["fix"] = self.fix
        if self.kind == "unknown":
            out["expr"] = self.expr
        return out


def fail(msg: str, path: str = "", fix: dict[str, Any] | None = None) -> RuleResult:
    """A failing result. ``path`` is the attribute path judged (``pod_spec...`` allowed);
    ``fix`` is ``{"description": str, "ops": [{"op", "path", "value"}]}``."""
    return RuleResult("fail", str(msg), str(path or ""), fix)


def unknown(msg: str, expr: str, path: str = "") -> RuleResult:
    """The decision depends on an unresolved value (``expr`` names it, e.g. ``var.x``)."""
    return RuleResult("unknown", str(msg), str(path or ""), None, str(expr))


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule is evaluated with besides the resources, passed as a third argument to a
    rule function that takes one: ``params``, the rule's parameters from the trusted
    configuration (``rules.params.<id>``) with declared defaults filled in (read-only)."""

    params: Mapping[str, Any]


EMPTY_CONTEXT = RuleContext({})


@dataclass(frozen=True, slots=True)
class PythonRule:
    """A decorated function plus its raw metadata (validated and turned into RuleMeta by the loader)."""

    func: Callable[..., Any]
    metadata: dict[str, Any]
    line: int
    arity: int

    def run(self, resource: Mapping[str, Any], resources: Mapping[str, Any], ctx: RuleContext = EMPTY_CONTEXT) -> list[RuleResult]:
        if self.arity >= 3:
            out = self.func(resource, resources, ctx)
        else:
            out = self.func(resource, resources) if self.arity >= 2 else self.func(resource)
        return normalise_results(out)


def normalise_results(out: Any) -> list[RuleResult]:
    """Accept None, a RuleResult, a message string, or an iterable of those."""
    if out is None or out is True:
        return []
    if isinstance(out, RuleResult):
        return [out]
    if isinstance(out, str):
        return [fail(out)]
    if out is False:
        return [fail("rule returned False")]
    if isinstance(out, (list, tuple, GeneratorType)) or isinstance(out, Iterable):  # ABC check last: slow
        results: list[RuleResult] = []
        for item in out:
            if isinstance(item, RuleResult):
                results.append(item)
            elif isinstance(item, str):
                results.append(fail(item))
            elif item is not None:
                raise TypeError(f"rule yielded {type(item).__name__}; expected fail(...) or unknown(...)")
        return results
    raise TypeError(f"rule returned {type(out).__name__}; expected fail(...), unknown(...), a list of them or None")


def rule(
    *,
    id: str,
    title: str,
    severity: str,
    resource_types: Mapping[str, Iterable[str]],
    description: str = "",
    remediation: str = "",
    frameworks: Mapping[str, Iterable[str]] | None = None,
    tags: Iterable[str] = (),
    fixable: bool = False,
    fix_safety: str | None = None,
    profile: str | None = None,
    confidence: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    **extra: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a Python rule. Unknown keyword arguments are kept so the loader can reject them
    with a located schema error instead of a TypeError at import time."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            positional = [
                p
                for p in inspect.signature(func).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            arity = len(positional)
        except (TypeError, ValueError):
            arity = 2
        # the first decorator line (what inspect.getsourcelines reports, without tokenizing the
        # file: that cost ~3 ms per rule on every scan)
        line = getattr(getattr(func, "__code__", None), "co_firstlineno", None)
        if not isinstance(line, int):
            try:
                line = inspect.getsourcelines(func)[1]
            except (OSError, TypeError):
                line = 1
        meta: dict[str, Any] = {
            "id": id,
            "title": title,
            "severity": severity,
            "description": description,
            "remediation": remediation,
            "resource_types": {k: list(v) if not isinstance(v, str) else v for k, v in dict(resource_types).items()}
            if isinstance(resource_types, Mapping)
            else resource_types,
            "frameworks": {k: list(v) if not isinstance(v, str) else v for k, v in dict(frameworks or {}).items()}
            if isinstance(frameworks or {}, Mapping)
            else frameworks,
            "tags": list(tags) if not isinstance(tags, str) else tags,
            "fixable": fixable,
            **({"fix_safety": fix_safety} if fix_safety is not None else {}),
            **({"profile": profile} if profile is not None else {}),
            **({"confidence": confidence} if confidence is not None else {}),
            **({"params": {k: dict(v) if isinstance(v, Mapping) else v for k, v in params.items()}
                if isinstance(params, Mapping) else params} if params is not None else {}),
            **extra,
        }
        setattr(func, RULE_ATTR, PythonRule(func, meta, line, arity))
        return func

    return wrap
