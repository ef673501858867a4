"""What a scan is asked to do, in three groups: what to read and how (``ReadOptions``), which
rules to run (``RuleOptions``) and how to evaluate them (``EvalOptions``). Frozen records at the
bottom of the layers, so the engine, the scan core, the gate and every front door can read them
without importing each other, and a scanner can be keyed by the groups it was built from.

Sequence fields are stored as tuples whatever the caller passed (a list from the CLI or a
test), so a group never changes after it is built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.limits import UnitLimits
    from policyguard.sharding import Shard


def _freeze_sequences(record: Any) -> None:
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, list):
            object.__setattr__(record, f.name, tuple(value))


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


@dataclass(frozen=True, slots=True)
class ModuleFetchOptions:
    """Downloading remote Terraform modules (``--download-modules``; README "Remote modules").
    Off by default: a download is network access and a git run chosen by the scanned files, so
    only the command line or a trusted config may turn it on (``policyguard.gate.trust``)."""

    download: bool = False
    cache_dir: str = ""  # "": ${XDG_CACHE_HOME:-~/.cache}/policyguard/modules
    ca_bundle: str = ""  # PEM file of CAs to trust for HTTPS and git (default: the system's)
    request_timeout: float = 20.0  # seconds per HTTP request or git command
    total_timeout: float = 180.0  # seconds for every download of one scan
    max_bytes: int = 256 * 1024 * 1024  # one module package, downloaded and unpacked
    max_files: int = 20_000  # files in one module package
    write_lock: bool = True  # record what was resolved in <root>/.policyguard/modules.lock.json


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What to read and how: the paths, what to leave out, and what the parsers are given."""

    paths: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    tf_workspace: str = "default"  # terraform.workspace (--tf-workspace, TF_WORKSPACE)
    kustomize_binary: str = ""  # --kustomize-binary; "": kustomize, else kubectl, on PATH
    # ``scan -``: one stream read by the front door instead of ``paths`` (policyguard.discover.stdin_unit)
    stdin: StdinSource | None = None
    # where expressions in scanned files may read other files (Terraform file()...): filled by
    # scan() with the repositories around ``paths`` (policyguard.roots); empty: each unit's own
    read_roots: tuple[str, ...] = ()
    follow_external_symlinks: bool = False  # read symlinks whose target leaves the scan root
    modules: ModuleFetchOptions = field(default_factory=ModuleFetchOptions)  # remote Terraform modules
    helm: HelmOptions = field(default_factory=HelmOptions)  # how Helm charts are rendered
    # input formats to scan (policyguard.formats names, ``--framework terraform,kubernetes``);
    # empty: all. Units of other kinds are listed as skipped with the reason
    kinds: tuple[str, ...] = ()
    # ``scan --shard I/N``: judge only this shard's units (policyguard.sharding); None: all
    shard: Shard | None = None

    def __post_init__(self) -> None:
        _freeze_sequences(self)


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """Which rules run, with which severities and parameters."""

    rule_dirs: tuple[str, ...] = ()
    # of ``rule_dirs``, those a repository config named: Rego is loaded, Python never imported
    rego_only_rule_dirs: tuple[str, ...] = ()
    builtin_rules: bool = True
    enabled_rules: tuple[str, ...] = ()  # empty: all
    disabled_rules: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()  # e.g. ("cis-aws",): only mapped rules
    # baseline: rules whose profile is baseline; strict: every rule. A rule named by its exact
    # id in ``enabled_rules`` runs whatever its profile (README "Profiles"). The library default
    # is every rule; the front doors (CLI, config, webhook) default to baseline
    profile: str = "strict"
    # ids that run whatever the profile because a trusted setting names them (the webhook's
    # per-rule enforcement modes and mutation rules), without restricting the set like ``enabled_rules``
    profile_keep: tuple[str, ...] = ()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    # rule parameters from trusted configuration (rules.params): rule id -> {name: value}
    # (validated against each rule's declared parameters by the front door, gate.check_rule_selection)
    rule_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze_sequences(self)

    def key(self) -> tuple[Any, ...]:
        """The group as a hashable value (its mappings are not): equal keys, equal rule sets."""
        import json

        params = json.dumps(self.rule_params, sort_keys=True, default=str) if self.rule_params else ""
        return (self.rule_dirs, self.rego_only_rule_dirs, self.builtin_rules, self.enabled_rules,
                self.disabled_rules, self.frameworks, self.profile, self.profile_keep,
                tuple(sorted(self.severity_overrides.items())), params)


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """How the rules are evaluated: the engine, the workers and the budgets."""

    jobs: int = 0  # 0: every core
    rego_engine: str = "embedded"  # embedded | embedded-interpreter | opa | opa-server | opa-golib
    opa_path: str | None = None
    opa_url: str | None = None
    rule_timeout: float = 5.0  # seconds per rule x unit
    # seconds for the whole scan's evaluation: this, plus scan_timeout_per_mib for every MiB of
    # input (a large repository is not cut short; a hostile one of many slow units is still bounded)
    scan_timeout: float = 600.0
    scan_timeout_per_mib: float = 10.0
    evaluate: bool = True  # False: parse only (``--parse-only``, benchmarks)
    # what one unit may cost to parse and evaluate, and each worker's memory (None: the defaults
    # of policyguard.limits.UnitLimits; --unit-timeout, --unit-memory)
    unit_limits: UnitLimits | None = None


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """One scan's request: the three groups. A scanner is built from ``rules`` and
    ``evaluation``; ``read`` is given to each scan it runs."""

    read: ReadOptions = field(default_factory=ReadOptions)
    rules: RuleOptions = field(default_factory=RuleOptions)
    evaluation: EvalOptions = field(default_factory=EvalOptions)


__all__ = ["EvalOptions", "HelmOptions", "ModuleFetchOptions", "ReadOptions", "RuleOptions", "ScanOptions", "StdinSource"]
