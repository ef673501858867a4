"""The rule engine: loading rules (Rego and Python) and evaluating them over resources.

``load_ruleset(options)`` finds, validates and filters rules; ``make_evaluator(ruleset, options)``
returns an object whose ``evaluate(resources)`` gives one ``Finding`` per applicable
rule x resource. Heavy imports (regorus, jsonschema) happen inside these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.engine.evaluator import EvalMode, Evaluator
    from policyguard.engine.rules import RuleSet
    from policyguard.options import ScanOptions

__all__ = ["builtin_rules_dir", "load_ruleset", "make_evaluator"]


def builtin_rules_dir() -> Any:
    from policyguard.engine.rules import builtin_rules_dir as _b

    return _b()


def load_ruleset(options: ScanOptions) -> RuleSet:
    from policyguard.engine.rego.backends import check_available
    from policyguard.engine.rules import load_ruleset as _load

    if options.evaluate:
        check_available(options.rego_engine, options.opa_path, options.opa_url)
    return _load(options)


def make_evaluator(ruleset: RuleSet, options: ScanOptions, mode: EvalMode | None = None) -> Evaluator:
    from policyguard.engine.evaluator import Evaluator as _Evaluator

    return _Evaluator(ruleset, options, mode)
