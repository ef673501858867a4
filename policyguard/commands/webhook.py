"""``policyguard webhook certs|manifests``: deploy the admission webhook (a CA and serving
certificate for the Service's DNS names; the manifests that run it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from policyguard import __version__
from policyguard.commands.common import error
from policyguard.exitcodes import EXIT_OK


@click.group()
def webhook() -> None:
    """Deploy the admission webhook: certificates and manifests."""


@webhook.command("certs")
@click.option("--namespace", default="policyguard", show_default=True)
@click.option("--service", default="policyguard-webhook", show_default=True)
@click.option("--out-dir", default="certs", show_default=True, type=click.Path(file_okay=False))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1))
@click.option("--extra-name", "extra_names", multiple=True, metavar="NAME", help="Extra DNS name or IP in the serving certificate (repeatable).")
def webhook_certs(**kwargs: Any) -> int:
    """Create a CA and a serving certificate for the webhook Service DNS names."""
    return run_certs(**kwargs)


@webhook.command("manifests")
@click.option("--namespace", default="policyguard", show_default=True)
@click.option("--service", default="policyguard-webhook", show_default=True)
@click.option("--image", default=f"ghcr.io/policyguard/policyguard:{__version__}", show_default=True)
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(1))
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificate (PEM) for caBundle.")
@click.option("--failure-policy", type=click.Choice(["Fail", "Ignore"]), default="Fail", show_default=True,
              help="What the apiserver does when the webhook cannot answer: Fail rejects the request (nothing unjudged gets in), Ignore admits it unjudged (README: Admission webhook).")
@click.option("--timeout-seconds", default=5, show_default=True, type=click.IntRange(1, 30))
@click.option("--certs-dir", type=click.Path(exists=True, file_okay=False), help="Directory from `webhook certs`: adds the TLS Secret and caBundle.")
@click.option("--exceptions", "with_exceptions", is_flag=True, help="Add the PolicyException CRD and let the webhook read PolicyExceptions (serve --cluster-exceptions, read-only RBAC).")
@click.option("--audit", "audit_only", is_flag=True, help="Print only the read-only RBAC for `policyguard audit --in-cluster` (ServiceAccount, ClusterRole, binding).")
@click.option("--audit-write-reports", is_flag=True, help="With --audit: also create/patch/delete on PolicyReports and ClusterPolicyReports (audit --write-reports).")
@click.option("--audit-interval", metavar="DURATION", help="With --audit: also a Deployment running `audit --in-cluster --interval DURATION` (with --audit-write-reports: writing PolicyReports).")
@click.option("--report-crds", is_flag=True, help="With --audit: also the wgpolicyk8s.io/v1alpha2 PolicyReport CRDs (clusters without Kyverno's).")
@click.option("--url", metavar="https://HOST:PORT", help="Register a server running outside the cluster at this base URL: prints only the two webhook configurations.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The config `serve` reads: its rule selection decides which cluster-scoped kinds are registered.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory, as for `serve` (repeatable).")
@click.option("--no-builtin-rules", is_flag=True, help="As for `serve`: only --rules / the config's rule dirs.")
def webhook_manifests(**kwargs: Any) -> int:
    """Print the Kubernetes manifests that deploy the webhook.

    Cluster-scoped kinds (Namespaces, ClusterRoles, ClusterRoleBindings) are registered only
    when a rule `serve` would load judges them, and the MutatingWebhookConfiguration only when
    the config's webhook.mutation.rules lists a rule: pass the same --config/--rules as to `serve`."""
    return run_manifests(**kwargs)


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
        return error(f"cannot create certificates: {exc}")
    click.echo(f"wrote {files.ca_cert}, {files.ca_key}, {files.cert}, {files.key}")
    return EXIT_OK


def run_audit_manifests(kw: dict[str, Any]) -> int:
    """``webhook manifests --audit``: the audit's RBAC for the kinds the configured pack judges."""
    from policyguard import engine
    from policyguard.cluster.policyreport import report_crds
    from policyguard.commands.serve import build_config
    from policyguard.gate.config import ConfigError
    from policyguard.webhook.config import WebhookConfigError
    from policyguard.webhook.manifests import audit_deployment, audit_rbac, exception_crd, render_yaml

    try:
        _, options = build_config(kw)
    except (WebhookConfigError, ConfigError, ValueError) as exc:
        return error(str(exc))
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    if getattr(ruleset, "errors", None):
        return error("cannot load rules: " + "; ".join(str(e) for e in ruleset.errors))
    docs = audit_rbac(list(ruleset.metas), namespace=kw.get("namespace") or "policyguard",
                      write_reports=bool(kw.get("audit_write_reports")))
    if kw.get("audit_interval"):
        from policyguard.webhook.config import parse_duration

        try:
            parse_duration(str(kw["audit_interval"]))
        except ValueError as exc:
            return error(f"--audit-interval: {exc}")
        docs.append(audit_deployment(namespace=kw.get("namespace") or "policyguard",
                                     image=kw.get("image") or "ghcr.io/policyguard/policyguard:0.1.0",
                                     interval=str(kw["audit_interval"]), write_reports=bool(kw.get("audit_write_reports"))))
    if kw.get("report_crds"):
        docs = [*report_crds(), *docs]
    if kw.get("with_exceptions"):
        docs = [exception_crd(), *docs]
    sys.stdout.write(render_yaml(docs))
    return EXIT_OK


def registration(kw: dict[str, Any]) -> tuple[set[str], bool]:
    """What `serve` with the same config, --rules and --no-builtin-rules would do: the model
    types its rules judge, and whether it may mutate anything (``webhook.mutation.rules``)."""
    from policyguard import engine
    from policyguard.commands.serve import build_config
    from policyguard.webhook.manifests import judged_model_types

    cfg, options = build_config(kw)
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    errors = list(getattr(ruleset, "errors", []))
    if errors:
        raise ValueError("cannot load rules: " + "; ".join(str(e) for e in errors))
    if not ruleset.metas:
        raise ValueError("no rules loaded (check --rules / --no-builtin-rules): the webhook would judge nothing")
    return judged_model_types(ruleset.metas), bool(cfg.mutation.rules)


def run_manifests(**kw: Any) -> int:
    from policyguard.gate.config import ConfigError
    from policyguard.webhook.config import WebhookConfigError
    from policyguard.webhook.manifests import build_manifests, exception_access, read_ca, render_yaml

    if kw.get("audit_only"):
        return run_audit_manifests(kw)
    try:
        judged, mutating = registration(kw)
    except (WebhookConfigError, ConfigError, ValueError) as exc:
        return error(str(exc))
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
            url=kw.get("url"),
            judged_types=judged,
            mutating=mutating,
        )
    except (OSError, ValueError) as exc:
        return error(str(exc))
    if kw.get("with_exceptions"):
        docs = exception_access(docs, namespace=kw.get("namespace") or "policyguard",
                                service=kw.get("service") or "policyguard-webhook")
    sys.stdout.write(render_yaml(docs))
    return EXIT_OK
