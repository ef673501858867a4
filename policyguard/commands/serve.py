"""``policyguard serve``: the Kubernetes admission webhook. Reads its configuration (the config
file's ``webhook`` section and the gate's rule settings, then the command line), loads and checks
the rules once before forking its workers, and exits 2 with a located message on any mistake."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from policyguard.commands.common import error
from policyguard.commands.options import PROFILES
from policyguard.exitcodes import EXIT_ERROR

if TYPE_CHECKING:
    from policyguard.options import RuleOptions


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8443, show_default=True, type=int)
@click.option("--tls-cert", type=click.Path(), help="Serving certificate (PEM); reloaded when it changes.")
@click.option("--tls-key", type=click.Path(), help="Serving key (PEM).")
@click.option("--workers", default=0, type=click.IntRange(0), show_default="all cores")
@click.option("--pin-workers", is_flag=True, help="Pin each worker to its own CPU (dedicated machines, exclusive-CPU pods).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--profile", type=click.Choice(PROFILES), default=None, help="Rule profile (default baseline, or the config's rules.profile).")
@click.option("--insecure", is_flag=True, help="Serve plain HTTP (tests and local use only).")
@click.option("--failure-mode", type=click.Choice(["deny", "allow"]), default=None, help="Answer on deadline or internal error (default: deny; allow adds a warning).")
@click.option("--enforce", multiple=True, metavar="KEY=MODE", help="Enforcement mode (deny|warn|audit|off) per severity, rule id or 'default' (repeatable).")
@click.option("--exclude-namespace", "exclude_namespaces", multiple=True, metavar="GLOB", help="Namespaces never judged (default: kube-system).")
@click.option("--exclude-user", "exclude_users", multiple=True, metavar="GLOB", help="Users never judged (repeatable).")
@click.option("--only-new-on-update", is_flag=True, help="On UPDATE, judge only findings not already present on oldObject.")
@click.option("--subresource", "subresources", multiple=True, metavar="NAME", help="Judge this subresource too (repeatable; '*' for all).")
@click.option("--audit-log", type=click.Path(dir_okay=False), help="JSON-lines audit log of decisions ('-' for stdout).")
@click.option("--audit-include-object", is_flag=True, help="Include object bodies in the audit log.")
@click.option("--max-body-bytes", type=click.IntRange(1024), default=None, help="Request body limit (default 3 MiB; 413 above).")
@click.option("--cluster-exceptions", is_flag=True, help="Honour the cluster's PolicyException objects (listed every webhook.exceptions.refresh, 30s by default, with the pod's service account).")
@click.option("--default-timeout", default=None, metavar="DURATION", help="Deadline when the apiserver sends no ?timeout= (default 10s).")
def serve(**kw: Any) -> int:
    """Run the Kubernetes admission webhook (/validate, /mutate, /healthz, /readyz, /metrics)."""
    return run_serve(**kw)


def build_config(kw: dict[str, Any]) -> tuple[Any, Any]:
    """(WebhookConfig, ScanOptions) from the config file's sections and the CLI options.

    Raises WebhookConfigError / ConfigError with located messages.
    """
    from policyguard.gate.config import find_config, load_config
    from policyguard.options import EvalOptions, ScanOptions
    from policyguard.webhook.config import WebhookConfig, apply_enforce_options, load_file_section

    config_path = kw.get("config_path")
    path = Path(config_path) if config_path else find_config(Path.cwd())
    if config_path and not Path(config_path).is_file():
        from policyguard.webhook.config import WebhookConfigError

        raise WebhookConfigError(f"{config_path}: config file not found")
    section = load_file_section(path) if path else {}
    cfg = WebhookConfig.from_dict(section, source=f"{path}: webhook" if path else "webhook config")
    if path is not None and cfg.mutation.rules:
        from policyguard.webhook.config import locate_mutation

        locate_mutation(path, cfg.mutation)

    gate = load_config(path) if path is not None else None  # the gate's own rule settings apply here too
    # PolicyExceptions obey the gate's suppression_policy, here as in `scan` and `audit`
    from policyguard.gate.config import SuppressionPolicy

    cfg.exceptions.policy = gate.policy if gate is not None else SuppressionPolicy()
    if path is not None:  # webhook.exceptions.files are relative to the config file
        cfg.exceptions.files = [str(path.parent / f) for f in cfg.exceptions.files]
    if cfg.exceptions.files:  # a bad exception file stops serve here, located, before any worker starts
        from policyguard.gate import exceptions

        for p in cfg.exceptions.files:
            for f in exceptions.files_in(p):
                exceptions.load_file(f)

    # CLI options override the file
    if kw.get("failure_mode"):
        cfg.failure_mode = kw["failure_mode"]
    if kw.get("enforce"):
        apply_enforce_options(cfg.enforcement, kw["enforce"])
    if kw.get("exclude_namespaces"):
        cfg.exclude_namespaces = list(kw["exclude_namespaces"])
    if kw.get("exclude_users"):
        cfg.exclude_users = list(kw["exclude_users"])
    if kw.get("only_new_on_update"):
        cfg.only_new_on_update = True
    if kw.get("pin_workers"):
        cfg.pin_workers = True
    if kw.get("subresources"):  # in addition to the configured ones ("judge this subresource too")
        cfg.subresources = list(dict.fromkeys([*cfg.subresources, *kw["subresources"]]))
    if kw.get("audit_log"):
        cfg.audit_log = kw["audit_log"]
    if kw.get("audit_include_object"):
        cfg.audit_include_object = True
    if kw.get("max_body_bytes"):
        cfg.max_body_bytes = int(kw["max_body_bytes"])
    if kw.get("cluster_exceptions"):
        cfg.exceptions.cluster = True
    if kw.get("default_timeout"):
        from policyguard.webhook.config import parse_duration

        cfg.default_timeout = parse_duration(str(kw["default_timeout"]))
    cfg.validate("command line")

    evaluation = EvalOptions(
        jobs=1,
        scan_timeout=1e9,  # the evaluator lives as long as the server; deadlines are per request
        rule_timeout=min(EvalOptions().rule_timeout, cfg.default_timeout),
    )
    return cfg, ScanOptions(rules=webhook_rules(gate, cfg, kw), evaluation=evaluation)


def webhook_rules(gate: Any, cfg: Any, kw: dict[str, Any]) -> RuleOptions:
    """The rules the webhook runs: the gate config's selection (``gate``, may be None), then the
    webhook section's (``cfg``), then the command line's."""
    from policyguard.options import RuleOptions

    rule_dirs = [*(gate.rule_dirs if gate else ()), *cfg.rule_dirs, *(kw.get("rule_dirs") or ())]
    builtin = gate.builtin_rules if gate else True
    if kw.get("no_builtin_rules") or cfg.no_builtin_rules:
        builtin = False
    elif builtin:
        # Only the Kubernetes part of the built-in pack can ever apply to an admission object;
        # loading the cloud rules too made every review ~1.6x as expensive (regorus cost grows
        # with the modules loaded; measured in BENCHMARKS.md "Admission webhook").
        from policyguard import engine

        k8s = Path(engine.builtin_rules_dir()) / "kubernetes"
        if k8s.is_dir():
            builtin = False
            rule_dirs = [str(k8s), *rule_dirs]
    enabled = list(cfg.only_rules) if cfg.only_rules else list(gate.enabled_rules if gate else ())
    return RuleOptions(
        rule_dirs=tuple(rule_dirs),
        builtin_rules=builtin,
        enabled_rules=tuple(enabled),
        disabled_rules=(*(gate.disabled_rules if gate else ()), *cfg.skip_rules),
        frameworks=(*(gate.frameworks if gate else ()), *(kw.get("frameworks") or ())),
        profile=str(kw.get("profile") or (gate.profile if gate else None) or "baseline"),
        # a rule the config names by id (an enforcement mode, a mutation) runs whatever its profile
        profile_keep=tuple(sorted({*cfg.enforcement.rules, *cfg.mutation.rules})),
        severity_overrides=dict(gate.severity_overrides) if gate else {},
        rule_params={rid: dict(v) for rid, v in gate.rule_params.items()} if gate else {},
    )


def _config_selector_problems(kw: dict[str, Any]) -> list[str]:
    """The config file's rule selectors that select no rule, and rule parameters that do not fit
    their rule (the same checks as ``scan``). Checked
    against every rule the file configures (built-in pack and its dirs), not only the Kubernetes
    part the webhook loads, so one config shared by the CI gate and the webhook stays valid."""
    from policyguard.gate.config import find_config, load_config

    config_path = kw.get("config_path")
    path = Path(config_path) if config_path else find_config(Path.cwd())
    if path is None:
        return []
    gate = load_config(path)
    from policyguard.engine.rules import load_all, param_problems, selector_problems
    from policyguard.gate.selection import config_selectors

    rs = load_all(list(gate.rule_dirs), gate.builtin_rules)
    return selector_problems(rs, *config_selectors(gate)) + [
        pp.located(gate.param_where(pp.rule_id, pp.name)) for pp in param_problems(rs, gate.rule_params, unknown_ids=not rs.errors)]


def run_serve(**kw: Any) -> int:
    from policyguard.gate.config import ConfigError
    from policyguard.webhook.config import WebhookConfigError

    try:
        cfg, options = build_config(kw)
    except (WebhookConfigError, ConfigError, ValueError) as exc:
        return error(str(exc))

    cert, key, insecure = kw.get("tls_cert"), kw.get("tls_key"), kw.get("insecure")
    if insecure and (cert or key):
        return error("--insecure and --tls-cert/--tls-key are mutually exclusive")
    if not insecure:
        if not cert or not key:
            return error("serve needs --tls-cert and --tls-key (the apiserver only calls webhooks over HTTPS); --insecure serves plain HTTP for local tests")
        from policyguard.webhook.tls import ReloadingTLS, TLSConfigError

        try:
            ReloadingTLS(cert, key)  # fail fast with a clear message, before forking
        except TLSConfigError as exc:
            return error(str(exc))

    try:
        import uvicorn  # noqa: F401
    except ImportError:
        return error("the webhook needs the 'webhook' extra: pip install 'policyguard-iac[webhook]'")

    # load and check the rules once, before forking: a broken rule pack exits 2 here
    from policyguard import engine

    try:
        ruleset = engine.load_ruleset(options.rules, options.evaluation)
    except click.ClickException:
        raise
    except Exception as exc:
        return error(f"cannot load rules: {type(exc).__name__}: {exc}")
    errors = list(getattr(ruleset, "errors", []))
    if errors:
        for e in errors:
            click.echo(f"policyguard: {e}", err=True)
        return EXIT_ERROR
    problems = _config_selector_problems(kw)
    if problems:  # a misspelt rules.disable / enable / frameworks entry must not change what is judged unseen
        return error("invalid configuration:\n  " + "\n  ".join(problems))
    if not ruleset.metas:
        return error("no rules loaded (check --rules / --no-builtin-rules): the webhook would allow everything")
    problems = cfg.mutation.check({m.id: m for m in ruleset.metas})
    if problems:
        for msg in problems:
            click.echo(f"policyguard: {msg}", err=True)
        return EXIT_ERROR

    workers = kw.get("workers") or os.cpu_count() or 1
    from policyguard.webhook.server import serve

    try:
        return serve(cfg, options, host=kw.get("host") or "0.0.0.0", port=int(8443 if kw.get("port") is None else kw["port"]), workers=workers, cert=cert, key=key, ruleset=ruleset)
    except OSError as exc:
        return error(f"cannot listen on {kw.get('host')}:{kw.get('port')}: {exc.strerror or exc}")
