"""``policyguard audit``: judge what already runs in a cluster with the webhook's rules,
enforcement modes, namespace exclusions and PolicyExceptions; report as text/json/sarif or as
``wgpolicyk8s.io/v1alpha2`` PolicyReports (printed, or written with server-side apply); once,
or every ``--interval`` as a Deployment."""

from __future__ import annotations

import sys
from typing import Any

import click

from policyguard.commands.options import PROFILES, SEVERITIES
from policyguard.exitcodes import EXIT_ERROR, EXIT_OK

AUDIT_FORMATS = ["text", "json", "sarif", "policyreport"]


@click.command()
@click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account).")
@click.option("--context", "kube_context", metavar="NAME", help="Kubeconfig context (default: its current-context).")
@click.option("--in-cluster", is_flag=True, help="Use the pod's service account (token and CA under /var/run/secrets/kubernetes.io/serviceaccount).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file: the gate's rules and suppression_policy and the webhook section (default: .policyguard.yaml found upward).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory (repeatable).")
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--profile", type=click.Choice(PROFILES), default=None)
@click.option("--exceptions", "exception_paths", multiple=True, type=click.Path(exists=True), help="PolicyException file or directory honoured besides those stored in the cluster (repeatable).")
@click.option("--exception-namespace", "exception_namespaces", multiple=True, metavar="NS", help="Namespace whose PolicyExceptions may excuse objects of any namespace (default: policyguard); elsewhere an exception excuses only its own namespace.")
@click.option("--kind", "kinds", multiple=True, metavar="[GROUP/]KIND", help="Also list this kind (a CRD carrying a pod template, kinds for rules typed '*'); repeatable.")
@click.option("--exclude-namespace", "exclude_namespaces", multiple=True, metavar="GLOB", help="Namespaces not audited (default: the webhook's, kube-system).")
@click.option("--include-defaults", is_flag=True, help="Also judge the apiserver's bootstrap RBAC (label kubernetes.io/bootstrapping=rbac-defaults), which it restores at every start.")
@click.option("--page-size", type=click.IntRange(1, 5000), default=500, show_default=True, help="Objects per list call (limit/continue).")
@click.option("--format", "-f", "fmt", type=click.Choice(AUDIT_FORMATS), default="text", show_default=True)
@click.option("--output", "-o", default="-", metavar="FILE", help="Where the report goes ('-': stdout).")
@click.option("--write-reports", is_flag=True, help="Apply PolicyReport/ClusterPolicyReport objects to the cluster (server-side apply) and delete policyguard's reports of namespaces without results.")
@click.option("--max-results", type=click.IntRange(1, 10000), default=1000, show_default=True, help="Results kept per PolicyReport (failures first; the summary counts all).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Exit 1 when a failing object finding is at or above this severity (default: the config's gate.fail_on, else high).")
@click.option("--interval", metavar="DURATION", help="Audit again every DURATION (30s, 5m, 1h) until SIGTERM: the mode for a Deployment.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30.0, show_default=True, help="Seconds one API call may take.")
def audit(**kw: Any) -> int:
    """Audit the objects already in a cluster with the webhook's rules and exceptions."""
    return run_audit(**kw)


def run_audit(**kw: Any) -> int:
    from policyguard import procs
    from policyguard.cluster.client import ClusterError
    from policyguard.commands.common import error
    from policyguard.gate.config import ConfigError
    from policyguard.webhook.config import WebhookConfigError, parse_duration

    interval = 0.0
    if kw.get("interval"):
        try:
            interval = parse_duration(str(kw["interval"]))
        except (ValueError, WebhookConfigError) as exc:
            return error(f"--interval: {exc}")
    try:
        setup = _setup(kw)
    except (ConfigError, WebhookConfigError, ValueError) as exc:
        return error(str(exc))
    except ClusterError as exc:
        print(f"policyguard: {exc}", file=sys.stderr)
        return exc.exit_code
    if isinstance(setup, int):
        return setup
    while True:
        try:
            code = _once(setup, kw)
        except ClusterError as exc:
            print(f"policyguard: {exc}", file=sys.stderr)
            code = exc.exit_code
        finally:
            setup["client"].close()
        if not interval:
            return code
        try:
            import time

            time.sleep(interval)
        except procs.Terminated:  # between runs: nothing half-done, a clean stop
            click.echo("policyguard: audit stopped (SIGTERM)", err=True)
            return EXIT_OK


def _setup(kw: dict[str, Any]) -> dict[str, Any] | int:
    """Config, rules, exceptions and the client, checked once (a periodic audit reuses them)."""
    from pathlib import Path

    from policyguard import engine
    from policyguard.cluster import client as kube
    from policyguard.commands.common import error
    from policyguard.commands.serve import build_config
    from policyguard.gate import exceptions
    from policyguard.gate.config import Config, find_config, load_config
    from policyguard.webhook.evaluation import Judge

    cfg, options = build_config({**kw, "exclude_namespaces": kw.get("exclude_namespaces") or ()})
    path = Path(kw["config_path"]) if kw.get("config_path") else find_config(Path.cwd())
    gate: Config = load_config(path) if path is not None else Config()
    files: list[exceptions.PolicyException] = []
    for p in kw.get("exception_paths") or ():
        for f in exceptions.files_in(p):
            files.extend(exceptions.load_file(f))
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    if getattr(ruleset, "errors", None):
        for e in ruleset.errors:
            click.echo(f"policyguard: {e}", err=True)
        return EXIT_ERROR
    if not any("kubernetes" in m.resource_types for m in ruleset.metas):
        return error("no Kubernetes rules loaded (check --rules / --no-builtin-rules): nothing to audit")
    creds = kube.in_cluster() if kw.get("in_cluster") else kube.from_kubeconfig(kw.get("kubeconfig"), kw.get("kube_context"))
    client = kube.KubeClient(creds, timeout=float(kw.get("timeout") or 30.0))
    judge = Judge(options, ruleset, lane="audit")
    return {"cfg": cfg, "gate": gate, "files": files, "client": client, "judge": judge,
            "heavy": lambda: Judge(options, ruleset, lane="heavy")}


def _once(setup: dict[str, Any], kw: dict[str, Any]) -> int:
    import datetime as dt

    from policyguard import __version__
    from policyguard.cluster import policyreport
    from policyguard.cluster.cluster_audit import Auditor
    from policyguard.commands.common import emit, gate_settings
    from policyguard.gate.report import Report
    from policyguard.gate.verdict import compute_verdict
    from policyguard.model import ErrorKind, ParseError

    auditor = Auditor(setup["client"], setup["judge"], setup["cfg"], setup["gate"].policy,
                      file_exceptions=setup["files"], extra_kinds=tuple(kw.get("kinds") or ()),
                      page_size=int(kw.get("page_size") or 500),
                      trusted_namespaces=tuple(kw.get("exception_namespaces") or ("policyguard",)),
                      heavy=setup["heavy"], include_defaults=bool(kw.get("include_defaults")))
    started = dt.datetime.now(dt.UTC)
    run = auditor.run()
    results = auditor.results(run)
    built = policyreport.build(results, timestamp=int(started.timestamp()), max_results=int(kw.get("max_results") or 1000))
    for where, left in built.omitted.items():
        click.echo(f"policyguard: report {where}: {left} result(s) over the cap left out (the summary counts them)", err=True)
    for kind in run.not_served:
        click.echo(f"policyguard: the cluster does not serve {kind}: rules for it have nothing to judge", err=True)
    if kw.get("write_reports"):
        written = policyreport.write(setup["client"], built)
        click.echo(f"policyguard: applied {len(written.applied)} report(s), deleted {len(written.deleted)}", err=True)
    errors = [ParseError(e.split(": ", 1)[0], 1, 1, e.split(": ", 1)[-1], ErrorKind.PARSE) for e in run.errors]
    settings = gate_settings({"fail_on": kw.get("fail_on")}, setup["gate"])
    verdict = compute_verdict(run.findings, errors, run.notices, settings)
    fmt = kw.get("fmt") or "text"
    if fmt == "policyreport":
        import yaml

        text = yaml.safe_dump_all(built.reports, sort_keys=False) if built.reports else ""
    else:
        from policyguard.report import render

        report = Report(findings=run.findings, rules=dict(setup["judge"].metas), errors=errors, verdict=verdict,
                        notices=run.notices, files=sorted({f.span.file for f in run.findings}),
                        tool_version=__version__)
        report.started_at, report.finished_at = started, dt.datetime.now(dt.UTC)
        text = render(fmt, report, color=False)
    emit(text, str(kw.get("output") or "-"))
    click.echo(f"policyguard: audited {len(run.objects)} object(s) of {len(run.kinds)} kind(s) in {run.seconds:.1f}s "
               f"({run.excluded} in excluded namespaces, {run.through_controller} judged through their controller, "
               f"{run.defaults} apiserver defaults, "
               f"{len(run.exceptions)} exception(s))", err=True)
    return verdict.exit_code
