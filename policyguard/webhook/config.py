"""Webhook settings: the ``webhook:`` section of ``.policyguard.yaml`` overlaid by CLI options."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyguard.model import RuleMeta, Severity

MODES = ("deny", "warn", "audit", "off")
FAILURE_MODES = ("deny", "allow")
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")


class WebhookConfigError(ValueError):
    """A setting is wrong; the message names the file/option and the value."""


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}


MAX_DURATION = (2**63 - 1) / 1e9  # Go's time.Duration is int64 nanoseconds: ~292 years
_BARE_SECONDS = re.compile(r"\d+(?:\.\d+)?|\.\d+")


def parse_duration(text: str) -> float:
    """A Go duration (``10s``, ``1m30s``, ``500ms``, ``1.5h``) or bare seconds, in seconds.

    The apiserver sends the webhook's ``timeoutSeconds`` as ``?timeout=10s`` (Go's
    ``time.Duration.String()``), so this reads Go's ``time.ParseDuration`` syntax: an optional
    sign, then decimal numbers each with a unit (ns, us, µs, ms, s, m, h); ``0`` alone is zero.
    Bare decimal seconds (``2``, ``0.5``) are also accepted for configuration files. Anything
    else is a ``ValueError`` naming the text: ``nan``, ``inf``, ``1e400`` (Python's float()
    would read them), an empty string, and durations beyond Go's int64-nanosecond range.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty duration (expected e.g. 10s, 1m30s, 500ms)")
    body = text[1:] if text[:1] in "+-" else text
    sign = -1.0 if text[:1] == "-" else 1.0
    if _BARE_SECONDS.fullmatch(body):
        total = float(body)
    else:
        pos, total = 0, 0.0
        while pos < len(body):
            m = _DURATION.match(body, pos)
            if not m:
                raise ValueError(f"malformed duration {text[:40]!r} (expected e.g. 10s, 1m30s, 500ms)")
            total += float(m.group(1)) * _UNIT[m.group(2)]
            pos = m.end()
        if not body:
            raise ValueError(f"malformed duration {text[:40]!r} (expected e.g. 10s, 1m30s, 500ms)")
    if total > MAX_DURATION:  # also catches inf from a number with hundreds of digits
        raise ValueError(f"duration {text[:40]!r} is out of range (at most {MAX_DURATION:.0f}s)")
    return sign * total


@dataclass(slots=True)
class Enforcement:
    """Which mode a failing rule gets: per-rule override, else per-severity, else ``default``."""

    default: str = "deny"
    # the gate's default threshold is high: deny at high/critical, warn below
    severity: dict[str, str] = field(default_factory=lambda: {"info": "warn", "low": "warn", "medium": "warn"})
    rules: dict[str, str] = field(default_factory=dict)

    def mode(self, rule_id: str, severity: Severity) -> str:
        m = self.rules.get(rule_id)
        if m is not None:
            return m
        return self.severity.get(severity.label, self.default)


@dataclass(slots=True)
class Mutation:
    """Which rules ``/mutate`` may fix. None by default: a mutating webhook rewrites what users
    deploy, so every rule is opted in by id (``mutation: {rules: [PG-K8S-POD-019]}``); each must
    be a loaded Kubernetes rule with an automatic fix (checked when the server starts)."""

    rules: list[str] = field(default_factory=list)
    source: str = "webhook config"  # where the list came from, for error messages
    lines: dict[str, int] = field(default_factory=dict)  # rule id -> line in the config file

    def check(self, metas: dict[str, RuleMeta]) -> list[str]:
        """Located problems with the list against the loaded rules."""
        out = []
        for rid in self.rules:
            where = f"{self.source}:{self.lines[rid]}" if rid in self.lines else self.source
            m = metas.get(rid)
            if m is None:
                out.append(f"{where}: mutation.rules: {rid!r} is not a loaded rule")
            elif not m.fixable:
                out.append(f"{where}: mutation.rules: {rid} has no automatic fix")
            elif "kubernetes" not in m.resource_types:
                out.append(f"{where}: mutation.rules: {rid} does not judge Kubernetes objects")
        return out


@dataclass(slots=True)
class ExceptionSettings:
    """Where the webhook reads PolicyExceptions (README "Exceptions"): ``files`` (trusted, read
    once at start) and, with ``cluster: true``, the PolicyException objects of the cluster,
    listed again every ``refresh`` seconds with the pod's service account. ``trusted_namespaces``:
    where an exception may excuse objects of any namespace (elsewhere only its own)."""

    cluster: bool = False
    files: list[str] = field(default_factory=list)
    refresh: float = 30.0
    trusted_namespaces: list[str] = field(default_factory=lambda: ["policyguard"])
    kubeconfig: str = ""  # a server outside the cluster (tests, --url deployments); "" in-cluster
    # the gate config's suppression_policy (set by `serve` from the config file, not a key here)
    policy: Any = None

    @property
    def enabled(self) -> bool:
        return self.cluster or bool(self.files)


@dataclass(slots=True)
class WebhookConfig:
    enforcement: Enforcement = field(default_factory=Enforcement)
    failure_mode: str = "deny"  # answer on deadline / internal error: deny, or allow with a warning
    default_timeout: float = 10.0  # when the apiserver sends no ?timeout=
    timeout_margin: float = 0.05  # answer this much before the apiserver gives up (seconds)
    exclude_namespaces: list[str] = field(default_factory=lambda: ["kube-system"])
    exclude_users: list[str] = field(default_factory=list)  # fnmatch globs on userInfo.username
    exclude_groups: list[str] = field(default_factory=list)  # fnmatch globs on userInfo.groups
    only_new_on_update: bool = False
    # judged subresources ("*" = all). pods/ephemeralcontainers by default: `kubectl debug` adds a
    # container to a running Pod through it (an UPDATE whose object is the whole Pod), and a
    # privileged debug container must not bypass the rules (Pod Security Admission judges it too)
    subresources: list[str] = field(default_factory=lambda: ["ephemeralcontainers"])
    operation_rules: dict[str, list[str]] = field(default_factory=dict)  # DELETE/CONNECT -> rule ids
    audit_log: str | None = None  # path, or "-" for stdout
    audit_include_object: bool = False
    max_body_bytes: int = 3 * 1024 * 1024
    max_depth: int = 64
    body_timeout: float = 10.0  # slow body upload -> 408
    header_timeout: float = 10.0  # slow request head -> 408
    keep_alive: float = 75.0
    tls_reload_interval: float = 2.0
    evaluation: str = "thread"  # thread (one evaluation thread per worker) | inline (see evaluation.py)
    # watchdog: in-process Rego, supervisor restarts a stuck worker (watchdog.py; needs 2+ workers)
    # guard: Rego in a forked helper per worker, killed at each request deadline
    isolation: str = "watchdog"
    # pin worker i to the i-th CPU this process may use: for a dedicated machine or a pod with
    # exclusive CPUs (static CPU manager), where it steadies tail latency (BENCHMARKS.md)
    pin_workers: bool = False
    max_warnings_chars: int = 4096
    rule_dirs: list[str] = field(default_factory=list)
    no_builtin_rules: bool = False
    skip_rules: list[str] = field(default_factory=list)
    only_rules: list[str] = field(default_factory=list)
    mutation: Mutation = field(default_factory=Mutation)
    exceptions: ExceptionSettings = field(default_factory=ExceptionSettings)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "webhook config") -> WebhookConfig:
        """Build and validate; unknown keys and wrong types are errors naming ``source``."""
        if not isinstance(data, dict):
            raise WebhookConfigError(f"{source}: expected a mapping, got {type(data).__name__}")
        cfg = cls()
        known = {f.name for f in dataclasses.fields(cls)}
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise WebhookConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(known))})")
            if name == "enforcement":
                cfg.enforcement = _enforcement(value, f"{source}: enforcement")
                continue
            if name == "mutation":
                cfg.mutation = _mutation(value, f"{source}: mutation")
                continue
            if name == "exceptions":
                cfg.exceptions = _exceptions(value, f"{source}: exceptions")
                continue
            if name in ("default_timeout", "body_timeout", "header_timeout", "keep_alive", "timeout_margin") and isinstance(value, str):
                try:
                    value = parse_duration(value)
                except ValueError as exc:
                    raise WebhookConfigError(f"{source}: {key}: {exc}") from None
            current = getattr(cfg, name)
            expected = type(current) if current is not None else str
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise WebhookConfigError(f"{source}: {key}: expected {expected.__name__}, got {value!r}")
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise WebhookConfigError(f"{source}: {key}: expected a list of strings, got {value!r}")
            setattr(cfg, name, value)
        cfg.validate(source)
        return cfg

    def validate(self, source: str = "webhook config") -> None:
        if self.failure_mode not in FAILURE_MODES:
            raise WebhookConfigError(f"{source}: failure_mode must be one of {FAILURE_MODES}, got {self.failure_mode!r}")
        for op, ids in self.operation_rules.items():
            if op not in ("DELETE", "CONNECT"):
                raise WebhookConfigError(f"{source}: operation_rules: only DELETE and CONNECT take rule lists, got {op!r}")
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise WebhookConfigError(f"{source}: operation_rules.{op}: expected a list of rule ids")
        if self.evaluation not in ("inline", "thread"):
            raise WebhookConfigError(f"{source}: evaluation must be inline or thread, got {self.evaluation!r}")
        if self.isolation not in ("watchdog", "guard"):
            raise WebhookConfigError(f"{source}: isolation must be watchdog or guard, got {self.isolation!r}")
        if self.max_body_bytes < 1024:
            raise WebhookConfigError(f"{source}: max_body_bytes must be at least 1024, got {self.max_body_bytes}")
        if self.max_depth < 8:
            raise WebhookConfigError(f"{source}: max_depth must be at least 8, got {self.max_depth}")
        for name in ("default_timeout", "body_timeout", "header_timeout", "keep_alive", "tls_reload_interval"):
            if getattr(self, name) <= 0:
                raise WebhookConfigError(f"{source}: {name} must be positive")


def _enforcement(value: Any, where: str) -> Enforcement:
    if not isinstance(value, dict):
        raise WebhookConfigError(f"{where}: expected a mapping with default/severity/rules")
    enf = Enforcement()
    for key, v in value.items():
        if key == "default":
            enf.default = _mode(v, f"{where}.default")
        elif key == "severity":
            if not isinstance(v, dict):
                raise WebhookConfigError(f"{where}.severity: expected a mapping severity -> mode")
            sev: dict[str, str] = {}
            for s, m in v.items():
                try:
                    label = Severity.parse(str(s)).label
                except ValueError as exc:
                    raise WebhookConfigError(f"{where}.severity: {exc}") from None
                sev[label] = _mode(m, f"{where}.severity.{s}")
            enf.severity = sev
        elif key == "rules":
            if not isinstance(v, dict):
                raise WebhookConfigError(f"{where}.rules: expected a mapping rule id -> mode")
            enf.rules = {str(r): _mode(m, f"{where}.rules.{r}") for r, m in v.items()}
        else:
            raise WebhookConfigError(f"{where}: unknown key {key!r} (expected default, severity, rules)")
    return enf


def _exceptions(value: Any, where: str) -> ExceptionSettings:
    if not isinstance(value, dict):
        raise WebhookConfigError(f"{where}: expected a mapping with cluster, files, refresh, trusted_namespaces, kubeconfig")
    out = ExceptionSettings()
    for key, v in value.items():
        if key == "cluster" and isinstance(v, bool):
            out.cluster = v
        elif key in ("files", "trusted_namespaces") and isinstance(v, list) and all(isinstance(i, str) for i in v):
            setattr(out, key, list(v))
        elif key == "kubeconfig" and isinstance(v, str):
            out.kubeconfig = v
        elif key == "refresh" and isinstance(v, (str, int, float)) and not isinstance(v, bool):
            try:
                out.refresh = parse_duration(v) if isinstance(v, str) else float(v)
            except ValueError as exc:
                raise WebhookConfigError(f"{where}.refresh: {exc}") from None
            if out.refresh < 1:
                raise WebhookConfigError(f"{where}.refresh: at least 1s, got {v!r}")
        elif key in ("cluster", "files", "trusted_namespaces", "kubeconfig", "refresh"):
            raise WebhookConfigError(f"{where}.{key}: wrong type {v!r}")
        else:
            raise WebhookConfigError(f"{where}: unknown key {key!r} (expected cluster, files, kubeconfig, refresh, trusted_namespaces)")
    return out


def _mutation(value: Any, where: str) -> Mutation:
    if not isinstance(value, dict):
        raise WebhookConfigError(f"{where}: expected a mapping with rules: [rule ids]")
    for key in value:
        if key != "rules":
            raise WebhookConfigError(f"{where}: unknown key {key!r} (expected rules)")
    rules = value.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
        raise WebhookConfigError(f"{where}.rules: expected a list of rule ids, got {rules!r}")
    bad = [r for r in rules if any(c in r for c in "*?[")]
    if bad:
        raise WebhookConfigError(f"{where}.rules: {bad[0]!r}: name each rule by its id (no globs: mutation is opted into rule by rule)")
    return Mutation(rules=list(rules))


def _mode(value: Any, where: str) -> str:
    if value not in MODES:
        raise WebhookConfigError(f"{where}: mode must be one of {', '.join(MODES)}, got {value!r}")
    return str(value)


def apply_enforce_options(enf: Enforcement, items: tuple[str, ...] | list[str]) -> None:
    """``--enforce low=warn --enforce PG-K8S-001=audit --enforce default=deny``."""
    for item in items:
        key, sep, mode = item.partition("=")
        if not sep:
            raise WebhookConfigError(f"--enforce {item!r}: expected SEVERITY=MODE, RULE-ID=MODE or default=MODE")
        mode = _mode(mode.strip(), f"--enforce {item}")
        key = key.strip()
        if key == "default":
            enf.default = mode
        elif key.lower() in {s.label for s in Severity}:
            enf.severity[key.lower()] = mode
        else:
            enf.rules[key] = mode


def load_file_section(path: Path) -> dict[str, Any]:
    """The ``webhook:`` mapping of a gate config file ({} if absent)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WebhookConfigError(f"{path}: cannot read: {exc.strerror}") from None
    from policyguard.parsers.yaml_source import yaml_limit_error

    limit = yaml_limit_error(text, str(path))  # before yaml.safe_load, whose composer recurses
    if limit is not None:
        raise WebhookConfigError(f"{path}:{limit.line}:{limit.column}: {limit.message}")
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: `0x_` matches PyYAML's int pattern
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise WebhookConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WebhookConfigError(f"{path}: expected a mapping at the top level")
    section = data.get("webhook", {})
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise WebhookConfigError(f"{path}: webhook: expected a mapping")
    return section


def locate_mutation(path: Path, mutation: Mutation) -> None:
    """Point ``mutation``'s error messages at ``path`` and the line of each listed rule id."""
    import yaml

    mutation.source = str(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return
    node = root
    for key in ("webhook", "mutation", "rules"):
        if not isinstance(node, yaml.MappingNode):
            return
        node = next((v for k, v in node.value if k.value == key), None)
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            mutation.lines.setdefault(str(item.value), item.start_mark.line + 1)
