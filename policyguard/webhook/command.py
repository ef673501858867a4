"""CLI entry points: ``policyguard serve``, ``webhook certs``, ``webhook manifests``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from policyguard.exitcodes import EXIT_ERROR, EXIT_OK


def _err(msg: str) -> int:
    click.echo(f"policyguard: {msg}", err=True)
    return EXIT_ERROR


def build_config(kw: dict[str, Any]) -> tuple[Any, Any]:
    """(WebhookConfig, ScanOptions) from the config file's sections and the CLI options.

    Raises WebhookConfigError / ConfigError with located messages.
    """
    from policyguard.scan import ScanOptions
    from policyguard.webhook.config import WebhookConfig, apply_enforce_options, find_config_file, load_file_section

    config_path = kw.get("config_path")
    path = Path(config_path) if config_path else find_config_file(Path.cwd())
    if config_path and not Path(config_path).is_file():
        from policyguard.webhook.config import WebhookConfigError

        raise WebhookConfigError(f"{config_path}: config file not found")
    section = load_file_section(path) if path else {}
    cfg = WebhookConfig.from_dict(section, source=f"{path}: webhook" if path else "webhook config")
    if path is not None and cfg.mutation.rules:
        from policyguard.webhook.config import locate_mutation

        locate_mutation(path, cfg.mutation)

    options = ScanOptions(paths=[], profile="baseline")
    if path is not None:
        # the gate's own settings (rule dirs, enabled/disabled rules, severities) apply here too
        gate = _gate_config(path)
        if gate is not None:
            options.rule_dirs = list(gate.rule_dirs)
            options.builtin_rules = gate.builtin_rules
            options.enabled_rules = list(gate.enabled_rules)
            options.disabled_rules = list(gate.disabled_rules)
            options.frameworks = list(gate.frameworks)
            options.profile = gate.profile or options.profile
            options.severity_overrides = dict(gate.severity_overrides)
            options.rule_params = {rid: dict(v) for rid, v in gate.rule_params.items()}

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
    if kw.get("default_timeout"):
        from policyguard.webhook.config import parse_duration

        cfg.default_timeout = parse_duration(str(kw["default_timeout"]))
    cfg.validate("command line")

    options.rule_dirs = [*options.rule_dirs, *cfg.rule_dirs, *(kw.get("rule_dirs") or ())]
    if kw.get("no_builtin_rules") or cfg.no_builtin_rules:
        options.builtin_rules = False
    elif options.builtin_rules:
        # Only the Kubernetes part of the built-in pack can ever apply to an admission object;
        # loading the cloud rules too made every review ~1.6x as expensive (regorus cost grows
        # with the modules loaded; measured in BENCHMARKS.md "Admission webhook").
        from policyguard import engine

        k8s = Path(engine.builtin_rules_dir()) / "kubernetes"
        if k8s.is_dir():
            options.builtin_rules = False
            options.rule_dirs = [str(k8s), *options.rule_dirs]
    options.disabled_rules = [*options.disabled_rules, *cfg.skip_rules]
    if cfg.only_rules:
        options.enabled_rules = list(cfg.only_rules)
    options.frameworks = [*options.frameworks, *(kw.get("frameworks") or ())]
    if kw.get("profile"):
        options.profile = str(kw["profile"])
    # a rule the config names by id (an enforcement mode, a mutation) runs whatever its profile
    options.profile_keep = sorted({*cfg.enforcement.rules, *cfg.mutation.rules})
    options.jobs = 1
    options.scan_timeout = 1e9  # the evaluator lives as long as the server; deadlines are per request
    options.rule_timeout = min(options.rule_timeout, cfg.default_timeout)
    return cfg, options


def _gate_config(path: Path) -> Any:
    """The gate's typed config when ``policyguard.config`` can read this file, else None."""
    try:
        from policyguard.config import load_config
    except ImportError:
        return None
    return load_config(path)


def _config_selector_problems(kw: dict[str, Any]) -> list[str]:
    """The config file's rule selectors that select no rule, and rule parameters that do not fit
    their rule (the same checks as ``scan``). Checked
    against every rule the file configures (built-in pack and its dirs), not only the Kubernetes
    part the webhook loads, so one config shared by the CI gate and the webhook stays valid."""
    from policyguard.webhook.config import find_config_file

    config_path = kw.get("config_path")
    path = Path(config_path) if config_path else find_config_file(Path.cwd())
    gate = _gate_config(path) if path is not None else None
    if gate is None:
        return []
    from policyguard.engine.rules import load_all, param_problems, selector_problems
    from policyguard.gate import config_selectors

    rs = load_all(list(gate.rule_dirs), gate.builtin_rules)
    return selector_problems(rs, *config_selectors(gate)) + [
        pp.located(gate.param_where(pp.rule_id, pp.name)) for pp in param_problems(rs, gate.rule_params, unknown_ids=not rs.errors)]


def run_serve(**kw: Any) -> int:
    from policyguard.webhook.config import WebhookConfigError

    try:
        from policyguard.config import ConfigError
    except ImportError:  # pragma: no cover
        ConfigError = WebhookConfigError  # type: ignore[misc,assignment]  # noqa: N806
    try:
        cfg, options = build_config(kw)
    except (WebhookConfigError, ConfigError, ValueError) as exc:
        return _err(str(exc))

    cert, key, insecure = kw.get("tls_cert"), kw.get("tls_key"), kw.get("insecure")
    if insecure and (cert or key):
        return _err("--insecure and --tls-cert/--tls-key are mutually exclusive")
    if not insecure:
        if not cert or not key:
            return _err("serve needs --tls-cert and --tls-key (the apiserver only calls webhooks over HTTPS); --insecure serves plain HTTP for local tests")
        from policyguard.webhook.tls import ReloadingTLS, TLSConfigError

        try:
            ReloadingTLS(cert, key)  # fail fast with a clear message, before forking
        except TLSConfigError as exc:
            return _err(str(exc))

    try:
        import uvicorn  # noqa: F401
    except ImportError:
        return _err("the webhook needs the 'webhook' extra: pip install 'policyguard-iac[webhook]'")

    # load and check the rules once, before forking: a broken rule pack exits 2 here
    from policyguard import engine

    try:
        ruleset = engine.load_ruleset(options)
    except click.ClickException:
        raise
    except Exception as exc:
        return _err(f"cannot load rules: {type(exc).__name__}: {exc}")
    errors = list(getattr(ruleset, "errors", []))
    if errors:
        for e in errors:
            click.echo(f"policyguard: {e}", err=True)
        return EXIT_ERROR
    problems = _config_selector_problems(kw)
    if problems:  # a misspelt rules.disable / enable / frameworks entry must not change what is judged unseen
        return _err("invalid configuration:\n  " + "\n  ".join(problems))
    if not ruleset.metas:
        return _err("no rules loaded (check --rules / --no-builtin-rules): the webhook would allow everything")
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
        return _err(f"cannot listen on {kw.get('host')}:{kw.get('port')}: {exc.strerror or exc}")


def run_certs(**kw: Any) -> int:
    from policyguard.webhook.certs import make_certs

    try:
        files = make_certs(
            kw.get("out_dir") or "certs",
            service=kw.get("service") or "policyguard-webhook",
            namespace=kw.get("namespace") or "policyguard",
            days=int(kw.get("days") or 365),
            extra_names=list(kw.get("extra_names") or ()),
        )
    except (OSError, ValueError) as exc:
        return _err(f"cannot create certificates: {exc}")
    click.echo(f"wrote {files.ca_cert}, {files.ca_key}, {files.cert}, {files.key}")
    return EXIT_OK


def run_manifests(**kw: Any) -> int:
    from policyguard.webhook.manifests import build_manifests, read_ca, render_yaml

    try:
        ca = read_ca(kw.get("ca_bundle"))
        tls_files = None
        certs_dir = kw.get("certs_dir")
        if certs_dir:
            d = Path(certs_dir)
            tls_files = ((d / "tls.crt").read_bytes(), (d / "tls.key").read_bytes())
            if ca is None and (d / "ca.crt").is_file():
                ca = read_ca(str(d / "ca.crt"))
        docs = build_manifests(
            namespace=kw.get("namespace") or "policyguard",
            service=kw.get("service") or "policyguard-webhook",
            image=kw.get("image") or "ghcr.io/policyguard/policyguard:0.1.0",
            replicas=int(kw.get("replicas") or 2),
            ca_bundle=ca,
            failure_policy=kw.get("failure_policy") or "Fail",
            timeout_seconds=int(kw.get("timeout_seconds") or 5),
            tls_files=tls_files,
        )
    except (OSError, ValueError) as exc:
        return _err(str(exc))
    sys.stdout.write(render_yaml(docs))
    return EXIT_OK
