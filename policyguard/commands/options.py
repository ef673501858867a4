"""Option choices and option groups shared by several commands. Import-light: the choices come
from registries that import nothing heavy (report formats from ``policyguard.report``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from policyguard.formats import cli_kinds
from policyguard.report import COMPLIANCE_FORMATS, REPORTERS

SEVERITIES = ["info", "low", "medium", "high", "critical"]
FORMATS = list(REPORTERS)
REPORT_COMPLIANCE_FORMATS = list(COMPLIANCE_FORMATS)
REGO_ENGINES = ["embedded", "embedded-interpreter", "embedded-vm", "opa", "opa-server", "opa-golib"]
PROFILES = ["baseline", "strict"]
# ``scan -``: the formats a stream can be forced to (the input format registry's names)
STDIN_FORMATS = ["kubernetes", "cloudformation", "terraform-plan"]


INPUT_KINDS = cli_kinds()  # --framework input kinds, from the format registry (helm appears when registered)

F = TypeVar("F", bound=Callable[..., Any])


def scan_options(f: F) -> F:
    """Options shared by `scan`, `fix`, `baseline create` and `compliance`: what to read, which
    rules, how to evaluate."""
    opts = [
        click.option("--exclude", "excludes", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Trusted config file (default: the repository's .policyguard.yaml found upward)."),
        click.option("--org-config", type=click.Path(dir_okay=False), help="Trusted organisation config, under --config and the repository's (env POLICYGUARD_ORG_CONFIG)."),
        click.option("--exceptions", "exception_paths", multiple=True, type=click.Path(exists=True), help="Trusted PolicyException file or directory (repeatable); the repository's own .policyguard/exceptions/ is read too (README \"Exceptions\")."),
        click.option("--untrusted-repo", is_flag=True, help="The scanned repository is untrusted (a pull request): its config may tighten the gate, not loosen it (env POLICYGUARD_UNTRUSTED_REPO=1)."),
        click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory (repeatable)."),
        click.option("--no-builtin-rules", is_flag=True, help="Use only --rules / configured rule dirs."),
        click.option("--rule", "only_rules", multiple=True, metavar="ID[,ID]", help="Evaluate only these rule ids or globs (repeatable, comma lists)."),
        click.option("--check", "checks", multiple=True, metavar="ID[,ID]", help="Checkov's name for --rule."),
        click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID[,ID]", help="Do not evaluate these rule ids or globs (repeatable, comma lists)."),
        click.option("--skip-check", "skip_checks", multiple=True, metavar="ID[,ID]", help="Checkov's name for --skip-rule."),
        click.option("--framework", "frameworks", multiple=True, metavar="NAME[,NAME]", help="What to scan and which rules (repeatable, comma lists): an input kind (" + ", ".join(INPUT_KINDS) + ": only units of these kinds, the others listed as skipped) and/or a compliance framework (cis-aws, cis-kubernetes, nist-800-53, pci-dss-4.0, soc2, pss-baseline, pss-restricted, nsa-k8s: only rules mapped to it)."),
        click.option("--profile", type=click.Choice(PROFILES), default=None, help="Rule profile (default baseline; strict adds hardening rules such as PSS restricted)."),
        click.option("--allow-empty", is_flag=True, help="Pass (exit 0) when the paths hold no Terraform, CloudFormation or Kubernetes file (default: exit 3)."),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Terraform variables file (repeatable)."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Terraform variable (repeatable)."),
        click.option("--tf-workspace", metavar="NAME", help="Terraform workspace for terraform.workspace (default: $TF_WORKSPACE, else default)."),
        click.option("--kustomize-binary", metavar="PATH", help="kustomize (or kubectl) that renders kustomization directories (default: kustomize, else kubectl, on PATH)."),
        click.option("--jobs", "-j", type=click.IntRange(0), default=0, show_default="all cores", help="Worker processes."),
        click.option("--unit-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS", help="Deadline to parse and evaluate one unit (a Terraform root, a template, a manifest); past it the unit is a limit-exceeded error (default 60)."),
        click.option("--unit-memory", type=click.IntRange(0), default=None, metavar="MIB", help="Address-space limit of each scan worker process (default 4096; 0: none)."),
        click.option("--rego-engine", type=click.Choice(REGO_ENGINES), default=None, help="Rego backend (default: embedded)."),
        click.option("--opa-path", type=click.Path(), help="`opa` binary for --rego-engine opa (default: PATH)."),
        click.option("--opa-url", help="OPA server URL for --rego-engine opa-server."),
        click.option("--follow-external-symlinks", is_flag=True, help="Read symlinks whose target leaves the scanned directory (default: an error naming the link)."),
    ]
    opts += helm_options()
    for opt in reversed(opts + module_fetch_options()):
        f = opt(f)
    return f


def module_fetch_options() -> list[Callable[[F], F]]:
    """Remote Terraform modules (README "Remote modules"): off unless asked for; settings a
    repository's own config can never choose (network access and git runs)."""
    return [
        click.option("--download-modules", is_flag=True, default=None, help="Download remote Terraform modules (registry, git over https, https archives) that terraform init has not, into the module cache."),
        click.option("--module-cache", metavar="DIR", help="Module download cache (default: ${XDG_CACHE_HOME:-~/.cache}/policyguard/modules)."),
        click.option("--module-ca-bundle", type=click.Path(exists=True, dir_okay=False), help="PEM file of CA certificates to trust for module downloads (default: the system's; SSL_CERT_FILE works too)."),
        click.option("--module-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS", help="Longest a module download connection or git transfer may stall (default 20)."),
        click.option("--module-budget", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS", help="Total time for every module download of the scan (default 180)."),
    ]


def helm_options() -> list[Callable[[F], F]]:
    """How Helm charts are rendered (README "Helm charts")."""
    return [
        click.option("--helm-values", "helm_values", multiple=True, metavar="FILE", help="Helm values file for every chart scanned (repeatable, later wins); a relative path is looked up in each chart directory, then in the current directory."),
        click.option("--helm-set", "helm_set", multiple=True, metavar="KEY=VALUE", help="Helm value, as `helm template --set` (repeatable)."),
        click.option("--helm-release-name", metavar="NAME", help="Release name charts are rendered with (default release-name)."),
        click.option("--helm-namespace", metavar="NS", help="Namespace charts are rendered into (default: default)."),
        click.option("--kube-version", metavar="VERSION", help="Kubernetes version for .Capabilities.KubeVersion (default: Helm's)."),
        click.option("--helm-binary", metavar="PATH", help="helm that renders chart directories (default: helm on PATH)."),
    ]
