"""The rule engine: loading rules (Rego and Python) and evaluating them over resources.

``load_ruleset(rules, evaluation)`` finds, validates and filters rules; ``make_evaluator(ruleset, evaluation)``
returns an object whose ``evaluate(resources)`` gives one ``Finding`` per applicable
rule x resource. Heavy imports (regorus, jsonschema) happen inside these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.engine.evaluator import EvalMode, Evaluator
    from policyguard.engine.rules import RuleSet
    from policyguard.options import EvalOptions, RuleOptions

__all__ = ["builtin_rules_dir", "load_ruleset", "make_evaluator", "preload"]


def builtin_rules_dir() -> Any:
    from policyguard.engine.rules import builtin_rules_dir as _b

    return _b()


def load_ruleset(rules: RuleOptions, evaluation: EvalOptions) -> RuleSet:
    """The rules ``rules`` selects; first checks that ``evaluation``'s Rego engine can run."""
    from policyguard.engine.rego.backends import check_available
    from policyguard.engine.rules import load_ruleset as _load

    if evaluation.evaluate:
        check_available(evaluation.rego_engine, evaluation.opa_path, evaluation.opa_url)
    return _load(rules)


def make_evaluator(ruleset: RuleSet, evaluation: EvalOptions, mode: EvalMode | None = None) -> Evaluator:
    from policyguard.engine.evaluator import Evaluator as _Evaluator

    return _Evaluator(ruleset, evaluation, mode)


def preload(evaluation: EvalOptions) -> None:
    """Import what an evaluator for ``evaluation`` imports on first use (its modules, the
    compiled VM's library, the JSON codec), without making one: a scan calls it before forking
    its workers, so each worker does not import them again (~50 ms of CPU a worker)."""
    from policyguard.engine import evaluator  # noqa: F401
    from policyguard.engine.rego import guard  # noqa: F401
    from policyguard.engine.rego.backends import VM_ENGINE

    if evaluation.rego_engine in ("", "embedded", VM_ENGINE):  # the engines make_backend may run on the VM
        from policyguard.engine.rego.compiled import vm_module

        vm_module()
