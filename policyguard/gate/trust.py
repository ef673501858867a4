"""The trust model: which configuration may change the gate, and how much.

Two sources of configuration exist. *Trusted* configuration is chosen by whoever runs the gate:
``--org-config`` / ``POLICYGUARD_ORG_CONFIG`` and ``--config`` (plus command-line options, which
are applied after this module). The *repository* configuration is the ``.policyguard.yaml``
found upward from the first scan path: in CI on a pull request it is written by the author of
the change under review.

In *local* mode (a developer's own runs, pre-commit) the repository config applies over the
trusted one as it always did, except that it can never make the gate import Python: rule
directories it names load Rego only. In *untrusted* mode (``--untrusted-repo``,
``POLICYGUARD_UNTRUSTED_REPO=1``, or ``repo_config: {trust: untrusted}`` in a trusted config)
the repository config may tighten anything, while each setting that loosens the gate is
honoured only when the trusted config lists its category in ``repo_config.may_loosen`` and is
otherwise dropped with a ``rejected`` notice. A trusted config file that lies inside the scanned
repository is itself repository content in untrusted mode (a pull request can edit it).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from policyguard.gate.config import Config, ConfigError, ConfigNotice, SuppressionPolicy, find_config, load_config
from policyguard.roots import inside, repository_roots

CATEGORIES = ("exclude", "rules", "rule_dirs", "severity", "gate", "suppressions", "baseline", "helm")
ORG_CONFIG_ENV = "POLICYGUARD_ORG_CONFIG"
UNTRUSTED_ENV = "POLICYGUARD_UNTRUSTED_REPO"

_SEVERITY_ORDER = ("info", "low", "medium", "high", "critical")
_UNKNOWN_STRICTNESS = {"pass": 0, "report": 1, "fail": 2}
_STALE_STRICTNESS = {"ignore": 0, "warn": 1, "fail": 2}
DEFAULT_FAIL_ON = "high"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _load(path_text: str, what: str) -> Config:
    p = Path(path_text)
    if not p.is_file():
        raise ConfigError(f"{path_text}: {what} not found")
    return load_config(p)


def resolve(
    explicit: str | None,
    scan_paths: list[str],
    *,
    org_config: str | None = None,
    untrusted: bool = False,
) -> tuple[Config, bool]:
    """The effective config for a scan and whether the repository is treated as untrusted.

    ``explicit`` is ``--config``; ``org_config`` is ``--org-config`` (else the environment);
    ``untrusted`` is ``--untrusted-repo`` (or the environment). Raises ``ConfigError``."""
    org_path = org_config or os.environ.get(ORG_CONFIG_ENV) or None
    trusted_files = [(org_path, "organisation config")] if org_path else []
    if explicit:
        trusted_files.append((explicit, "config file"))
    trusted = [_load(path, what) for path, what in trusted_files]
    untrusted = untrusted or env_flag(UNTRUSTED_ENV) or any(c.repo_trust == "untrusted" for c in trusted)

    repo_files: list[Config] = []
    notices: list[ConfigNotice] = []
    if untrusted:
        roots = repository_roots(scan_paths)
        kept = []
        for cfg in trusted:
            assert cfg.path is not None
            if inside(cfg.path, roots):  # the change under review can edit this file
                notices.append(ConfigNotice(
                    "rejected", str(cfg.path), 1,
                    "this config file is inside the scanned repository, so in untrusted mode it counts as "
                    "repository configuration (it may tighten the gate, not loosen it); keep trusted "
                    "configuration outside the checkout"))
                repo_files.append(cfg)
            else:
                kept.append(cfg)
        trusted = kept
    if not explicit:
        start = Path(scan_paths[0]) if scan_paths else Path.cwd()
        found = find_config(start)
        if found is not None and not any(c.path is not None and c.path.resolve() == found.resolve() for c in trusted):
            repo_files.append(load_config(found))

    base = Config()
    for cfg in trusted:
        base = _overlay(base, cfg)
    base.trusted_path = base.path
    if not untrusted and any(c.repo_trust == "untrusted" for c in repo_files):
        untrusted = True  # a repository may ask to be treated as untrusted: that only tightens
    allowed = set(base.may_loosen) if untrusted else set(CATEGORIES)
    effective = base
    for repo in repo_files:
        effective = _merge_repository(effective, repo, allowed, untrusted, notices)
    effective.notices = notices + effective.notices
    effective.sources = [*trusted, *repo_files]
    if untrusted and "suppressions" not in allowed:
        effective.policy = replace(effective.policy, forbid_inline_globs=True)
    return effective, untrusted


def _overlay(base: Config, cfg: Config) -> Config:
    """A trusted config over another trusted one (``--config`` over the organisation's)."""
    out = replace(cfg)
    out.rule_dirs = base.rule_dirs + cfg.rule_dirs
    out.excludes = base.excludes + cfg.excludes
    out.disabled_rules = base.disabled_rules + cfg.disabled_rules
    out.enabled_rules = cfg.enabled_rules or base.enabled_rules
    out.frameworks = cfg.frameworks or base.frameworks
    out.profile = cfg.profile or base.profile
    out.severity_overrides = {**base.severity_overrides, **cfg.severity_overrides}
    out.rule_params, out.params_at = merge_params(base, cfg)
    out.builtin_rules = base.builtin_rules and cfg.builtin_rules
    out.fail_on = cfg.fail_on or base.fail_on
    out.soft_fail = cfg.soft_fail if cfg.soft_fail is not None else base.soft_fail
    out.soft_fail_on = base.soft_fail_on + cfg.soft_fail_on
    out.unknown_as = cfg.unknown_as or base.unknown_as
    out.docs_url = cfg.docs_url if cfg.docs_url is not None else base.docs_url
    out.suppressions = base.suppressions + cfg.suppressions
    out.repo_trust = cfg.repo_trust or base.repo_trust
    out.may_loosen = sorted(set(base.may_loosen) | set(cfg.may_loosen))
    out.fix_allow_behaviour_changing = base.fix_allow_behaviour_changing + cfg.fix_allow_behaviour_changing
    if "terraform_modules" not in cfg.data:
        out.download_modules, out.module_cache = base.download_modules, base.module_cache
    out.helm_charts = base.helm_charts + cfg.helm_charts
    if "suppression_policy" not in cfg.data:
        out.policy = base.policy
    return out


def _merge_repository(
    eff: Config, repo: Config, allowed: set[str], untrusted: bool, notices: list[ConfigNotice]
) -> Config:
    """``repo`` over the effective trusted config ``eff``: everything in local mode; in
    untrusted mode what tightens, and what loosens only in an ``allowed`` category."""
    out = replace(eff)
    out.path = repo.path
    file = str(repo.path)
    data = repo.data
    rules = data.get("rules") or {}
    gate = data.get("gate") or {}

    def reject(keys: tuple[str | int, ...], what: str, category: str) -> None:
        notices.append(ConfigNotice(
            "rejected", file, repo.line_of(*keys),
            f"{what}: loosens the gate and the repository is untrusted, so it is ignored "
            f"(a trusted config can allow it: repo_config: {{may_loosen: [{category}]}})"))

    def may(category: str) -> bool:
        return category in allowed

    if "repo_config" in data and untrusted:
        notices.append(ConfigNotice("rejected", file, repo.line_of("repo_config"),
                                    "repo_config: only a trusted config (--config, --org-config) decides how "
                                    "the repository is trusted; ignored"))
    if repo.excludes:
        if may("exclude"):
            out.excludes = out.excludes + repo.excludes
        else:
            reject(("exclude",), f"exclude {repo.excludes}", "exclude")
    if repo.helm_charts:
        # the values a chart is rendered with decide what is judged: a repository choosing values
        # that render a safe chart while it deploys others would fool the gate
        if may("helm"):
            roots = repository_roots([str(repo.path.parent)]) if repo.path else ()
            kept = []
            for directory, opts in repo.helm_charts:
                outside = [v for v in opts.values_files if not inside(Path(v), roots)]
                if outside:
                    reject(("helm", "charts"), f"helm.charts values {outside} outside the repository", "helm")
                else:
                    kept.append((directory, opts))
            out.helm_charts = tuple(kept) + out.helm_charts  # a trusted config's settings win (the last)
        else:
            reject(("helm", "charts"), "helm.charts (the values charts are rendered with)", "helm")
    if repo.rule_dirs:
        if may("rule_dirs"):
            out.rule_dirs = out.rule_dirs + repo.rule_dirs
            out.rego_only_rule_dirs = out.rego_only_rule_dirs + repo.rule_dirs
        else:
            reject(("rules", "dirs"), "rules.dirs (extra rule directories)", "rule_dirs")
    if "builtin" in rules and not repo.builtin_rules:
        if may("rules"):
            out.builtin_rules = False
        else:
            reject(("rules", "builtin"), "rules.builtin: false", "rules")
    for key, attr in (("enable", "enabled_rules"), ("frameworks", "frameworks")):
        value = getattr(repo, attr)
        if value:
            if may("rules"):
                setattr(out, attr, list(value))
            else:
                reject(("rules", key), f"rules.{key} (evaluates only a subset of the rules)", "rules")
    if repo.profile is not None and repo.profile != out.profile:
        if repo.profile == "strict" or out.profile in (None, "baseline") or may("rules"):
            out.profile = repo.profile  # strict only adds rules; baseline under strict loosens
        else:
            reject(("rules", "profile"), f"rules.profile: {repo.profile} (the trusted config runs {out.profile})", "rules")
    if repo.disabled_rules:
        if may("rules"):
            out.disabled_rules = out.disabled_rules + repo.disabled_rules
        else:
            reject(("rules", "disable"), f"rules.disable {repo.disabled_rules}", "rules")
    if repo.rule_params:
        if may("rules"):
            # a trusted config's parameters win: the repository only fills what they leave unset
            out.rule_params, out.params_at = merge_params(repo, eff)
        else:
            reject(("rules", "params"), f"rules.params for {', '.join(sorted(repo.rule_params))} "
                   "(parameters can widen what a rule accepts)", "rules")
    if repo.severity_overrides:
        out.severity_overrides = {**out.severity_overrides, **repo.severity_overrides}
        if not may("severity"):
            # checked against each rule's severity once rules are loaded: raising is honoured,
            # lowering is rejected there (policyguard.gate)
            out.severity_raise_only = {
                **out.severity_raise_only,
                **{rid: (file, repo.line_of("rules", "severity", rid)) for rid in repo.severity_overrides},
            }

    if repo.fix_allow_behaviour_changing:
        if untrusted:  # `fix` is not the gate, but nothing the change under review asks for runs unasked
            notices.append(ConfigNotice("rejected", file, repo.line_of("fix"),
                                        "fix.allow_behaviour_changing: the repository is untrusted, so it is ignored "
                                        "(name the rules with --unsafe or in a trusted config)"))
        else:
            out.fix_allow_behaviour_changing = out.fix_allow_behaviour_changing + repo.fix_allow_behaviour_changing
    if "terraform_modules" in data:
        # downloading is network access and git runs at addresses the scanned files choose: only
        # whoever runs the gate may ask for it, in any mode (like --kustomize-binary)
        notices.append(ConfigNotice("rejected", file, repo.line_of("terraform_modules"),
                                    "terraform_modules: only a trusted config (--config, --org-config) or the command "
                                    "line (--download-modules) may turn on module downloads; ignored"))
    if repo.docs_url is not None:
        if untrusted:  # the links every report shows (SARIF helpUri, annotations) are not the change's to choose
            notices.append(ConfigNotice("rejected", file, repo.line_of("docs_url"),
                                        "docs_url: the repository is untrusted, so the reports keep the trusted "
                                        "documentation links; ignored"))
        else:
            out.docs_url = repo.docs_url
    _merge_gate(out, repo, gate, may("gate"), reject)
    if repo.suppressions:
        if may("suppressions"):
            out.suppressions = out.suppressions + repo.suppressions
        else:
            reject(("suppressions",), f"{len(repo.suppressions)} config suppression(s)", "suppressions")
    if "suppression_policy" in data:
        out.policy = _merge_policy(out.policy, repo, may("suppressions"), reject)
    return out


def merge_params(low: Config, high: Config) -> tuple[dict[str, dict[str, object]], dict[tuple[str, ...], str]]:
    """``rules.params`` of ``high`` over those of ``low``, parameter by parameter, with the
    location of each setting kept (a message about a value names the file that set it)."""
    params = {rid: dict(values) for rid, values in low.rule_params.items()}
    at = dict(low.params_at)
    for rid, values in high.rule_params.items():
        params.setdefault(rid, {}).update(values)
        at[(rid,)] = high.param_where(rid)
        for name in values:
            at[(rid, name)] = high.param_where(rid, name)
    return params, at


def _merge_gate(out: Config, repo: Config, gate: dict[str, object], allowed: bool, reject) -> None:  # type: ignore[no-untyped-def]
    if "fail_on" in gate and repo.fail_on:
        current = out.fail_on or DEFAULT_FAIL_ON
        if allowed or _SEVERITY_ORDER.index(repo.fail_on) <= _SEVERITY_ORDER.index(current):
            out.fail_on = repo.fail_on
        else:
            reject(("gate", "fail_on"), f"gate.fail_on: {repo.fail_on} (the trusted threshold is {current})", "gate")
    if "soft_fail" in gate and repo.soft_fail is not None:
        if allowed or not repo.soft_fail or out.soft_fail:
            out.soft_fail = repo.soft_fail
        else:
            reject(("gate", "soft_fail"), "gate.soft_fail: true", "gate")
    if repo.soft_fail_on:  # only ever loosens: which failures stop failing the gate
        if allowed:
            out.soft_fail_on = out.soft_fail_on + repo.soft_fail_on
        else:
            reject(("gate", "soft_fail_on"), f"gate.soft_fail_on: {', '.join(repo.soft_fail_on)}", "gate")
    if "unknown_as" in gate and repo.unknown_as:
        current = out.unknown_as or "report"
        if allowed or _UNKNOWN_STRICTNESS[repo.unknown_as] >= _UNKNOWN_STRICTNESS[current]:
            out.unknown_as = repo.unknown_as
        else:
            reject(("gate", "unknown_as"), f"gate.unknown_as: {repo.unknown_as} (the trusted setting is {current})", "gate")


def _merge_policy(cur: SuppressionPolicy, repo: Config, allowed: bool, reject) -> SuppressionPolicy:  # type: ignore[no-untyped-def]
    """Per key: a stricter suppression policy always applies; a looser one needs ``suppressions``."""
    set_keys = repo.data.get("suppression_policy") or {}
    new = repo.policy
    out = replace(cur)

    def take(key: str, stricter: bool, value: object, attr: str) -> None:
        if key not in set_keys:
            return
        if allowed or stricter:
            setattr(out, attr, value)
        else:
            reject(("suppression_policy", key), f"suppression_policy.{key}: {value}", "suppressions")

    take("require_reason", new.require_reason or not cur.require_reason, new.require_reason, "require_reason")
    take("require_expiry", new.require_expiry or not cur.require_expiry, new.require_expiry, "require_expiry")
    take("max_expiry_days",
         cur.max_expiry_days is None or (new.max_expiry_days is not None and new.max_expiry_days <= cur.max_expiry_days),
         new.max_expiry_days, "max_expiry_days")
    take("stale", _STALE_STRICTNESS[new.stale] >= _STALE_STRICTNESS[cur.stale], new.stale, "stale")
    if "forbid_inline" in set_keys:  # adding bans only tightens; the trusted ones stay
        out.forbid_inline_rules = sorted(set(cur.forbid_inline_rules) | set(new.forbid_inline_rules))
        out.forbid_inline_severities = sorted(set(cur.forbid_inline_severities) | set(new.forbid_inline_severities))
    return out


def baseline_allowed(baseline: str, scan_paths: list[str], config: Config, untrusted: bool) -> ConfigNotice | None:
    """A baseline file inside the repository is the pull request's to edit: in untrusted mode
    it is honoured only with ``may_loosen: [baseline]``. Returns the rejection, or None."""
    if not untrusted or "baseline" in config.may_loosen:
        return None
    if not inside(Path(baseline), repository_roots(scan_paths)):
        return None
    return baseline_rejection(baseline)


def baseline_rejection(baseline: str) -> ConfigNotice:
    """The notice for a baseline inside an untrusted repository (also judged by ``merge``)."""
    return ConfigNotice(
        "rejected", baseline, 1,
        "baseline file inside the scanned repository: in untrusted mode the change under review could "
        "rewrite it, so it is ignored and every finding counts (use a baseline from outside the checkout, "
        "e.g. the target branch's, or allow it: repo_config: {may_loosen: [baseline]})")

