"""Command line front door. Only option parsing lives here: every command delegates to the
module that owns the concept, imported lazily so `policyguard --help` starts fast."""

from __future__ import annotations

import sys
from typing import Any

import click

from policyguard import __version__

# Exit codes: defined and explained in policyguard/exitcodes.py (README "Exit codes").
from policyguard.exitcodes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED

SEVERITIES = ["info", "low", "medium", "high", "critical"]
FORMATS = ["text", "json", "sarif", "junit", "github"]
REGO_ENGINES = ["embedded", "opa", "opa-server", "opa-golib"]


class _Group(click.Group):
    """Turns a usage error into exit code 2 with a one-line message (click's default is 2 too,
    but we also catch unexpected exceptions so no traceback ever reaches a user)."""

    def invoke(self, ctx: click.Context) -> object:
        from policyguard import procs  # every child a command starts is reaped before it exits

        try:
            with procs.command_scope():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except procs.Terminated:
            click.echo("policyguard: terminated", err=True)
            sys.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo("policyguard: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # last line of defence: a located message and exit 2
            click.echo(f"policyguard: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("please report this with the command line and input that caused it", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policyguard")
def main() -> None:
    """policyguard: a policy-as-code gate for Terraform, CloudFormation and Kubernetes."""


def _scan_options(f):  # type: ignore[no-untyped-def]
    """Options shared by `scan`, `fix` and `baseline create`."""
    opts = [
        click.option("--exclude", "excludes", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Trusted config file (default: the repository's .policyguard.yaml found upward)."),
        click.option("--org-config", type=click.Path(dir_okay=False), help="Trusted organisation config, under --config and the repository's (env POLICYGUARD_ORG_CONFIG)."),
        click.option("--untrusted-repo", is_flag=True, help="The scanned repository is untrusted (a pull request): its config may tighten the gate, not loosen it (env POLICYGUARD_UNTRUSTED_REPO=1)."),
        click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory (repeatable)."),
        click.option("--no-builtin-rules", is_flag=True, help="Use only --rules / configured rule dirs."),
        click.option("--rule", "only_rules", multiple=True, metavar="ID", help="Evaluate only these rule ids."),
        click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID", help="Do not evaluate these rule ids."),
        click.option("--framework", "frameworks", multiple=True, metavar="NAME", help="Only rules mapped to a framework (cis-aws, cis-kubernetes, nist-800-53, pci-dss-4.0, soc2, pss-baseline, pss-restricted, nsa-k8s)."),
        click.option("--profile", type=click.Choice(["baseline", "strict"]), default=None, help="Rule profile (default baseline; strict adds hardening rules such as PSS restricted)."),
        click.option("--allow-empty", is_flag=True, help="Pass (exit 0) when the paths hold no Terraform, CloudFormation or Kubernetes file (default: exit 3)."),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Terraform variables file (repeatable)."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Terraform variable (repeatable)."),
        click.option("--jobs", "-j", type=click.IntRange(0), default=0, show_default="all cores", help="Worker processes."),
        click.option("--unit-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS", help="Deadline to parse and evaluate one unit (a Terraform root, a template, a manifest); past it the unit is a limit-exceeded error (default 60)."),
        click.option("--unit-memory", type=click.IntRange(0), default=None, metavar="MIB", help="Address-space limit of each scan worker process (default 4096; 0: none)."),
        click.option("--rego-engine", type=click.Choice(REGO_ENGINES), default=None, help="Rego backend (default: embedded)."),
        click.option("--opa-path", type=click.Path(), help="`opa` binary for --rego-engine opa (default: PATH)."),
        click.option("--opa-url", help="OPA server URL for --rego-engine opa-server."),
        click.option("--follow-external-symlinks", is_flag=True, help="Read symlinks whose target leaves the scanned directory (default: an error naming the link)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMATS), help="Report format (repeatable; default text).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False), help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--quiet", "-q", is_flag=True, help="Only failures and errors in the text report.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Lowest severity that fails the gate (default: high).")
@click.option("--soft-fail", is_flag=True, help="Report policy failures but exit 0 for them (errors still exit 2).")
@click.option("--unknown-as", type=click.Choice(["fail", "pass", "report"]), default=None, help="How unknown verdicts count (default: report).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Fail only on findings not in this baseline.")
@click.option("--sarif-category", metavar="ID", help="SARIF automationDetails.id (GitHub code scanning category).")
@click.option("--parse-only", is_flag=True, help="Parse and print the resource model; evaluate no rules.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the files skipped as not IaC, with the reason.")
@_scan_options
def scan(**kwargs: Any) -> None:
    """Scan PATHS (files or directories) and gate on the findings."""
    from policyguard.gate import run_scan_command

    sys.exit(run_scan_command(**kwargs))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--severity", type=click.Choice(SEVERITIES), default=None, help="Only fix findings at or above this severity.")
@click.option("--write", is_flag=True, help="Apply the fixes in place (default: print a unified diff).")
@click.option("--interactive", "-i", is_flag=True, help="Ask before each fix (needs a TTY).")
@click.option("--format", "-f", "fix_format", type=click.Choice(["diff", "jsonpatch", "json"]), default="diff", help="Fix output (json: every fix with its class and status).")
@click.option("--unsafe", is_flag=True, help="Also apply behaviour-changing fixes (default: safe fixes only; see fix.allow_behaviour_changing).")
@_scan_options
def fix(**kwargs: Any) -> None:
    """Propose (or with --write apply) verified fixes for failing findings."""
    from policyguard.fix.command import run_fix_command

    sys.exit(run_fix_command(**kwargs))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(["compliance-md", "compliance-json", "compliance-html"]),
              help="Report format (repeatable; default compliance-md).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False), help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--list", "list_frameworks", is_flag=True, help="List the framework catalogues and exit.")
@click.option("--coverage", is_flag=True, help="Print which controls the rules cover (Markdown; per control with --framework) and exit.")
@_scan_options
def compliance(list_frameworks: bool, coverage: bool, **kwargs: Any) -> None:
    """Report PATHS control by control of one framework (--framework cis-aws-3.0, pss, soc2, ...):
    which controls policyguard covers, and pass / fail / unknown counts over the scanned resources."""
    from policyguard.gate import run_compliance_command, run_compliance_coverage, run_compliance_list

    if list_frameworks:
        sys.exit(run_compliance_list())
    if coverage:
        sys.exit(run_compliance_coverage(list(kwargs.get("frameworks") or ()), tuple(kwargs.get("rule_dirs") or ()),
                                         not kwargs.get("no_builtin_rules")))
    if not kwargs.get("paths"):
        raise click.UsageError("give the PATHS to assess (or --list)")
    sys.exit(run_compliance_command(**kwargs))


@main.group()
def rules() -> None:
    """Inspect the rule pack."""


@rules.command("list")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory.")
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--framework", "frameworks", multiple=True)
@click.option("--profile", type=click.Choice(["baseline", "strict"]), default=None, help="Only the rules this profile runs (default: every rule).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(**kwargs: Any) -> None:
    """List rules: id, severity, profile, platforms, fixable, frameworks."""
    from policyguard.engine.commands import run_rules_list

    sys.exit(run_rules_list(**kwargs))


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
def rules_show(**kwargs: Any) -> None:
    """Show one rule's metadata and source."""
    from policyguard.engine.commands import run_rules_show

    sys.exit(run_rules_show(**kwargs))


@main.command("test")
@click.argument("rule_dirs", nargs=-1, type=click.Path(exists=True))
@click.option("--rego-engine", type=click.Choice(REGO_ENGINES), default="embedded")
@click.option("--opa-path", type=click.Path(), help="`opa` binary for --rego-engine opa (default: PATH).")
@click.option("--opa-url", help="OPA server URL for --rego-engine opa-server.")
@click.option("--verbose", "-v", is_flag=True)
def test_rules(**kwargs: Any) -> None:
    """Run rules' pass/fail fixtures (the built-in pack when no RULE_DIRS are given)."""
    from policyguard.engine.commands import run_rule_tests

    sys.exit(run_rule_tests(**kwargs))


@main.group()
def baseline() -> None:
    """Record current findings so later scans fail only on new ones."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--output", "-o", default=".policyguard-baseline.json", show_default=True, type=click.Path(dir_okay=False))
@_scan_options
def baseline_create(**kwargs: Any) -> None:
    """Write a baseline of the current failing findings."""
    from policyguard.gate import run_baseline_create

    sys.exit(run_baseline_create(**kwargs))


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8443, show_default=True, type=int)
@click.option("--tls-cert", type=click.Path(), help="Serving certificate (PEM); reloaded when it changes.")
@click.option("--tls-key", type=click.Path(), help="Serving key (PEM).")
@click.option("--workers", default=0, type=click.IntRange(0), show_default="all cores")
@click.option("--pin-workers", is_flag=True, help="Pin each worker to its own CPU (dedicated machines, exclusive-CPU pods).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--profile", type=click.Choice(["baseline", "strict"]), default=None, help="Rule profile (default baseline, or the config's rules.profile).")
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
@click.option("--default-timeout", default=None, metavar="DURATION", help="Deadline when the apiserver sends no ?timeout= (default 10s).")
def serve(**kwargs: Any) -> None:
    """Run the Kubernetes admission webhook (/validate, /mutate, /healthz, /readyz, /metrics)."""
    from policyguard.webhook.command import run_serve

    sys.exit(run_serve(**kwargs))


@main.group()
def webhook() -> None:
    """Deploy the admission webhook: certificates and manifests."""


@webhook.command("certs")
@click.option("--namespace", default="policyguard", show_default=True)
@click.option("--service", default="policyguard-webhook", show_default=True)
@click.option("--out-dir", default="certs", show_default=True, type=click.Path(file_okay=False))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1))
@click.option("--extra-name", "extra_names", multiple=True, metavar="NAME", help="Extra DNS name or IP in the serving certificate (repeatable).")
def webhook_certs(**kwargs: Any) -> None:
    """Create a CA and a serving certificate for the webhook Service DNS names."""
    from policyguard.webhook.command import run_certs

    sys.exit(run_certs(**kwargs))


@webhook.command("manifests")
@click.option("--namespace", default="policyguard", show_default=True)
@click.option("--service", default="policyguard-webhook", show_default=True)
@click.option("--image", default=f"ghcr.io/policyguard/policyguard:{__version__}", show_default=True)
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(1))
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA certificate (PEM) for caBundle.")
@click.option("--failure-policy", type=click.Choice(["Fail", "Ignore"]), default="Fail", show_default=True)
@click.option("--timeout-seconds", default=5, show_default=True, type=click.IntRange(1, 30))
@click.option("--certs-dir", type=click.Path(exists=True, file_okay=False), help="Directory from `webhook certs`: adds the TLS Secret and caBundle.")
def webhook_manifests(**kwargs: Any) -> None:
    """Print the Kubernetes manifests that deploy the webhook."""
    from policyguard.webhook.command import run_manifests

    sys.exit(run_manifests(**kwargs))


if __name__ == "__main__":
    main()
