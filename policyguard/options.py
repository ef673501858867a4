"""What a scan is asked to do: which paths to read and how, which rules to run, how to evaluate
them. A plain settings record at the bottom of the layers, so the engine, the scan core, the
gate and every front door can all read it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.limits import UnitLimits


@dataclass(frozen=True, slots=True)
class StdinSource:
    """A stream to scan as one file (``policyguard scan -``): its text, the path reports show for
    it, and the format it must be read as (None: its content decides, like a .yaml/.json file)."""

    text: str
    name: str = "stdin"
    format: str | None = None  # kubernetes | cloudformation | terraform_plan


@dataclass(frozen=True, slots=True)
class HelmOptions:
    """How Helm charts are rendered (README "Helm charts"): the command-line settings, and per
    chart directory the settings of a config file (``charts``), which the command line extends
    (values files and ``--set`` after the config's, so they win) or overrides (the rest)."""

    values_files: tuple[str, ...] = ()  # --helm-values: relative to the chart, else to the cwd
    set_values: tuple[str, ...] = ()  # --helm-set k=v
    release_name: str = ""  # "": release-name (as `helm template`)
    namespace: str = ""  # "": default
    kube_version: str = ""  # "": Helm's built-in default
    binary: str = ""  # --helm-binary (command line only: a repository must not choose what runs)
    # (absolute chart directory, its settings) from config files; values paths there are absolute
    charts: tuple[tuple[str, HelmOptions], ...] = ()

    def for_chart(self, directory: str) -> HelmOptions:
        """The settings that render the chart in ``directory`` (an absolute, resolved path)."""
        own = next((o for d, o in reversed(self.charts) if d == directory), None)  # the last config wins
        if own is None:
            return HelmOptions(self.values_files, self.set_values, self.release_name, self.namespace,
                               self.kube_version, self.binary)
        return HelmOptions(own.values_files + self.values_files, own.set_values + self.set_values,
                           self.release_name or own.release_name, self.namespace or own.namespace,
                           self.kube_version or own.kube_version, self.binary)


@dataclass(slots=True)
class ScanOptions:
    paths: list[str]
    excludes: list[str] = field(default_factory=list)
    rule_dirs: list[str] = field(default_factory=list)
    # of ``rule_dirs``, those a repository config named: Rego is loaded, Python never imported
    rego_only_rule_dirs: list[str] = field(default_factory=list)
    builtin_rules: bool = True
    enabled_rules: list[str] = field(default_factory=list)  # empty: all
    disabled_rules: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)  # e.g. ["cis-aws"]: only mapped rules
    # baseline: rules whose profile is baseline; strict: every rule. A rule named by its exact
    # id in ``enabled_rules`` runs whatever its profile (README "Profiles"). The library default
    # is every rule; the front doors (CLI, config, webhook) default to baseline
    profile: str = "strict"
    # ids that run whatever the profile because a trusted setting names them (the webhook's
    # per-rule enforcement modes and mutation rules), without restricting the set like ``enabled_rules``
    profile_keep: list[str] = field(default_factory=list)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    # rule parameters from trusted configuration (rules.params): rule id -> {name: value}
    # (validated against each rule's declared parameters by the front door, gate.check_rule_selection)
    rule_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    var_files: list[str] = field(default_factory=list)
    tf_workspace: str = "default"  # terraform.workspace (--tf-workspace, TF_WORKSPACE)
    variables: dict[str, str] = field(default_factory=dict)
    kustomize_binary: str = ""  # --kustomize-binary; "": kustomize, else kubectl, on PATH
    jobs: int = 0  # 0: every core
    rego_engine: str = "embedded"  # embedded | opa | opa-server | opa-golib
    opa_path: str | None = None
    opa_url: str | None = None
    rule_timeout: float = 5.0  # seconds per rule x unit
    scan_timeout: float = 600.0  # seconds for the whole scan
    evaluate: bool = True  # False: parse only (``--parse-only``, benchmarks)
    # ``scan -``: one stream read by the front door instead of ``paths`` (policyguard.discover.stdin_unit)
    stdin: StdinSource | None = None
    # where expressions in scanned files may read other files (Terraform file()...): filled by
    # scan() with the repositories around ``paths`` (policyguard.roots); empty: each unit's own
    read_roots: tuple[str, ...] = ()
    follow_external_symlinks: bool = False  # read symlinks whose target leaves the scan root
    # what one unit may cost to parse and evaluate, and each worker's memory (None: the defaults
    # of policyguard.limits.UnitLimits; --unit-timeout, --unit-memory)
    unit_limits: UnitLimits | None = None
    helm: HelmOptions = field(default_factory=HelmOptions)  # how Helm charts are rendered


__all__ = ["HelmOptions", "ScanOptions", "StdinSource"]
