"""Rule selection checks: every selector on the command line or in the configuration must
select a rule, and the selection must leave something to evaluate (a gate that evaluates
nothing must not pass)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyguard.exitcodes import UsageError

if TYPE_CHECKING:
    from policyguard.engine.rules import Selector
    from policyguard.gate.config import Config
    from policyguard.options import RuleOptions


def config_selectors(config: Config) -> tuple[list[Selector], list[Selector]]:
    """The config file's rule-id selectors (``rules.enable``/``disable``/``severity`` keys) and
    framework selectors, each located (``file:line: rules.disable[1]``) for error messages."""
    from policyguard.engine.rules import Selector

    rules: list[Selector] = []
    frameworks: list[Selector] = []
    for source in config.sources or [config]:  # each file names its own lines (policyguard.gate.trust merges them)
        rules += [Selector(source.where("rules", key, i), str(v))
                  for key, values in (("enable", source.enabled_rules), ("disable", source.disabled_rules))
                  for i, v in enumerate(values)]
        rules += [Selector(source.where("rules", "severity", rid), rid) for rid in source.severity_overrides]
        frameworks += [Selector(source.where("rules", "frameworks", i), str(v)) for i, v in enumerate(source.frameworks)]
    return rules, frameworks


def check_rule_selection(config: Config, options: RuleOptions, kw: dict[str, Any]) -> None:
    """Every rule selector must select something: a ``--rule``/``--skip-rule``/``--framework``
    (UsageError) or config ``rules.enable``/``disable``/``frameworks``/``severity`` entry
    (ConfigError, located) that matches no rule, or a combination that leaves no rule at all,
    would otherwise make a gate that evaluates nothing and passes. The unfiltered rule set comes
    from the per-process cache the scan itself loads from, so this costs no extra load."""
    from policyguard.engine.rules import Selector, filter_ruleset, load_all, param_problems, selector_problems
    from policyguard.gate.config import ConfigError

    rs = load_all(options.rule_dirs, options.builtin_rules, options.rego_only_rule_dirs)
    cfg_rules, cfg_fw = config_selectors(config)
    problems = selector_problems(rs, cfg_rules, cfg_fw)
    # a rule that failed to load is no "no such rule" (the scan reports the load error)
    problems += [pp.located(config.param_where(pp.rule_id, pp.name))
                 for pp in param_problems(rs, config.rule_params, unknown_ids=not rs.errors)]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    cli_rules = [Selector(opt, str(v)) for opt, key in (("--rule", "only_rules"), ("--check", "checks"),
                                                         ("--skip-rule", "skip_rules"), ("--skip-check", "skip_checks"))
                 for v in kw.get(key) or ()]
    from policyguard.formats import cli_kinds, input_kinds
    from policyguard.model import Severity

    kinds = input_kinds()
    cli_fw = [Selector("--framework", str(v)) for v in kw.get("frameworks") or () if str(v).lower() not in kinds]
    problems = selector_problems(rs, cli_rules, cli_fw, kinds=cli_kinds())
    # --soft-fail-on: a severity, or rule ids / globs that must match a rule like --rule's
    severities = {s.label for s in Severity}
    soft = [Selector("--soft-fail-on", str(v)) for v in kw.get("soft_fail_on") or () if str(v).lower() not in severities]
    problems += selector_problems(rs, soft, [])
    cfg_soft = [Selector(source.where("gate", "soft_fail_on", i), v) for source in config.sources or [config]
                for i, v in enumerate(source.soft_fail_on) if v.lower() not in severities]
    cfg_problems = selector_problems(rs, cfg_soft, [])
    if cfg_problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(cfg_problems))
    if problems:
        raise UsageError("\n".join(problems) if len(problems) == 1 else "bad rule selection:\n  " + "\n  ".join(problems))
    if rs.errors:
        return  # the scan reports the load errors (exit 2); an empty selection is explained by them
    if not rs.metas:
        raise UsageError("no rules to evaluate: --no-builtin-rules (or rules.builtin: false) and no --rules "
                         "directory holding rules")
    kept = filter_ruleset(rs, options)
    if not kept.metas:
        given = [f"{s.origin} {s.value}" for s in cli_rules + cli_fw]
        given += [f"{s.origin} {s.value}" for s in cfg_rules[: len(config.enabled_rules) + len(config.disabled_rules)]
                  + cfg_fw]
        hint = (f" (profile {options.profile} leaves out {len(kept.profile_skipped)} strict rule(s) it would select:"
                " --profile strict runs them)") if kept.profile_skipped else ""
        if kept.params_skipped:
            needs = [f"rules.params.{rid}.{n}" for rid, names in sorted(kept.params_skipped.items()) for n in names]
            hint += f" ({len(kept.params_skipped)} rule(s) need configuration first: {', '.join(needs)})"
        raise UsageError("the rule selection leaves no rule to evaluate: " + "; ".join(given) + hint)
