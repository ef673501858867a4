"""``.policyguard.yaml``: discovery, validation against ``schemas/config.schema.json`` and the
typed ``Config`` the gate reads.

Errors name the file, the line and the key (``ConfigError``); the CLI turns them into exit 2.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.options import HelmOptions

CONFIG_NAMES = (".policyguard.yaml", ".policyguard.yml")
SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "config.schema.json"


class ConfigError(Exception):
    """A configuration problem, already formatted as ``file:line: key: what is wrong``."""


@dataclass(slots=True)
class ConfigSuppression:
    """One ``suppressions:`` entry of a config file."""

    rule: str
    path: str = ""
    resource: str = ""
    reason: str = ""
    expires: str = ""
    owner: str = ""
    line: int = 0  # line of the entry in the config file
    file: str = ""  # the config file it came from (its directory anchors ``path``)


@dataclass(slots=True)
class SuppressionPolicy:
    """What a suppression must carry to be honoured (``suppression_policy:``)."""

    require_reason: bool = True
    require_expiry: bool = False
    max_expiry_days: int | None = None
    forbid_inline_rules: list[str] = field(default_factory=list)
    forbid_inline_severities: list[str] = field(default_factory=list)
    stale: str = "warn"  # warn | fail | ignore
    forbid_inline_globs: bool = False  # untrusted repository: an inline rule pattern must be one id


@dataclass(frozen=True, slots=True)
class ConfigNotice:
    """A repository setting the trust model did not honour (``kind`` ``rejected``)."""

    kind: str
    file: str
    line: int
    message: str


@dataclass(slots=True)
class Config:
    """A ``.policyguard.yaml``, or the defaults where there is none."""

    path: Path | None = None  # the file it came from (None: defaults)
    rule_dirs: list[str] = field(default_factory=list)  # absolute or relative to cwd
    builtin_rules: bool = True
    enabled_rules: list[str] = field(default_factory=list)
    disabled_rules: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    profile: str | None = None  # baseline | strict (None: not set here)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    # rules.params: rule id -> {parameter name: value}; ``params_at`` locates each setting
    # ((rule id,) and (rule id, name) -> ``file:line: rules.params...``), across merged files
    rule_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    params_at: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)
    excludes: list[str] = field(default_factory=list)
    docs_url: str | None = None  # rule documentation URL template, ``{id}`` (None: not set here)
    fail_on: str | None = None
    soft_fail: bool | None = None
    soft_fail_on: list[str] = field(default_factory=list)  # rule ids / globs / severities (gate.soft_fail_on)
    unknown_as: str | None = None
    suppressions: list[ConfigSuppression] = field(default_factory=list)
    # PolicyException documents the scan honours (gate.exceptions.for_scan; typed loosely: that
    # module imports this one)
    exceptions: list[Any] = field(default_factory=list)
    policy: SuppressionPolicy = field(default_factory=SuppressionPolicy)
    # fix.allow_behaviour_changing: (rule id or glob, line in the file) pairs
    fix_allow_behaviour_changing: list[tuple[str, int]] = field(default_factory=list)
    # terraform_modules (trusted configs only: policyguard.gate.trust): download remote modules
    download_modules: bool = False
    module_cache: str = ""  # absolute, or relative to the config file's directory
    # ``repo_config`` (trusted configs only): how a repository's own config is treated
    repo_trust: str | None = None  # local | untrusted
    may_loosen: list[str] = field(default_factory=list)
    # the validated document and its key lines: what the file set, not what defaults filled in
    data: dict[str, Any] = field(default_factory=dict)
    # key path (``("rules", "enable", 0)``) -> 1-based line: messages name the line
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, repr=False)
    # set by policyguard.gate.trust when a repository config was merged under a trusted one
    trusted_path: Path | None = None
    # overrides that may only raise: rule id -> (file, line) of the repository setting
    severity_raise_only: dict[str, tuple[str, int]] = field(default_factory=dict)
    rego_only_rule_dirs: list[str] = field(default_factory=list)  # named by a repository config
    notices: list[ConfigNotice] = field(default_factory=list)
    untrusted: bool = False  # the scanned repository is untrusted (policyguard.gate.trust)
    # helm.charts: (resolved chart directory, how it is rendered); values paths made absolute
    helm_charts: tuple[tuple[str, HelmOptions], ...] = ()
    # the files merged into this one, in order (policyguard.gate.trust): each names its own lines
    sources: list[Config] = field(default_factory=list, repr=False)

    def param_where(self, rule_id: str, name: str | None = None) -> str:
        """Where a ``rules.params`` setting was made (for messages about its value)."""
        key = (rule_id,) if name is None else (rule_id, name)
        return self.params_at.get(key) or self.where("rules", "params", *key)

    def line_of(self, *keys: str | int) -> int:
        return self.lines.get(tuple(keys), 1)

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None

    def where(self, *key: str | int) -> str:
        """``file:line: dotted.key[i]`` for a message about the value at ``key``."""
        line = self.lines.get(tuple(key)) or self.lines.get(tuple(key[:-1])) or 1
        return f"{self.path or CONFIG_NAMES[0]}:{line}: {_fmt_path(tuple(key))}"


def find_config(start: Path) -> Path | None:
    """The nearest ``.policyguard.yaml`` in ``start`` (a file's directory) or above it."""
    cur = start.resolve()
    if cur.is_file() or not cur.exists():
        cur = cur.parent
    for d in (cur, *cur.parents):
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                return candidate
    return None


def _line_index(text: str) -> dict[tuple[str | int, ...], int]:
    """JSON path (keys / indices) -> 1-based line, from the YAML node tree."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return {}
    index: dict[tuple[str | int, ...], int] = {}
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        index.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = str(k.value)
                index[path + (key,)] = k.start_mark.line + 1
                stack.append((path + (key,), v))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((path + (i,), v))
    return index


def _plain(value: Any) -> Any:
    """YAML timestamps to ISO strings so ``expires: 2027-03-31`` validates as a date string."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _fmt_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out or "<top level>"


def load_config(path: Path) -> Config:
    """Read, validate and type a config file. Raises ``ConfigError``."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    from policyguard.parsers.yaml_source import yaml_limit_error

    limit = yaml_limit_error(text, str(path))  # before yaml.load, whose composer recurses
    if limit is not None:
        raise ConfigError(f"{path}:{limit.line}: {limit.message}")
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        """Safe loader that keeps timestamps as text (``expires: 2027-13-45`` must not crash)."""

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line}: invalid YAML: {problem}") from None
    if data is None:
        data = {}
    data = _plain(data)
    lines = _line_index(text)

    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        msgs = []
        for e in errors:
            p, message = schema_error(e)
            line = lines.get(p) or lines.get(tuple(e.absolute_path), 1)
            msgs.append(f"{path}:{line}: {_fmt_path(p)}: {message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(msgs))
    return _typed(data, path, lines)


def schema_error(e: Any) -> tuple[tuple[str | int, ...], str]:
    """A jsonschema error's key path and message; an unknown key is named (its path and the
    allowed keys) instead of jsonschema's "Additional properties are not allowed" sentence."""
    p = tuple(e.absolute_path)
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        allowed = sorted((e.schema.get("properties") or {}).keys())
        extra = sorted(set(e.instance) - set(allowed))
        if extra:
            return p + (extra[0],), f"unknown key {extra[0]!r} (allowed: {', '.join(allowed)})"
    return p, e.message


def _typed(data: dict[str, Any], path: Path, lines: dict[tuple[str | int, ...], int]) -> Config:
    base = path.parent
    rules = data.get("rules") or {}
    gate = data.get("gate") or {}
    pol = data.get("suppression_policy") or {}
    forbid = pol.get("forbid_inline") or {}
    cfg = Config(
        path=path,
        rule_dirs=[str(base / d) for d in rules.get("dirs", [])],
        builtin_rules=bool(rules.get("builtin", True)),
        enabled_rules=list(rules.get("enable", [])),
        disabled_rules=list(rules.get("disable", [])),
        frameworks=list(rules.get("frameworks", [])),
        profile=rules.get("profile"),
        severity_overrides=dict(rules.get("severity", {})),
        excludes=list(data.get("exclude", [])),
        docs_url=data.get("docs_url"),
        fail_on=gate.get("fail_on"),
        soft_fail=gate.get("soft_fail"),
        soft_fail_on=[str(v) for v in gate.get("soft_fail_on", [])],
        unknown_as=gate.get("unknown_as"),
        repo_trust=(data.get("repo_config") or {}).get("trust"),
        may_loosen=list((data.get("repo_config") or {}).get("may_loosen", [])),
        data=data,
        lines=lines,
        policy=SuppressionPolicy(
            require_reason=bool(pol.get("require_reason", True)),
            require_expiry=bool(pol.get("require_expiry", False)),
            max_expiry_days=pol.get("max_expiry_days"),
            forbid_inline_rules=list(forbid.get("rules", [])),
            forbid_inline_severities=list(forbid.get("severities", [])),
            stale=str(pol.get("stale", "warn")),
        ),
    )
    for rid, values in (rules.get("params") or {}).items():
        cfg.rule_params[rid] = dict(values)
        cfg.params_at[(rid,)] = cfg.where("rules", "params", rid)
        for name in values:
            cfg.params_at[(rid, str(name))] = cfg.where("rules", "params", rid, str(name))
    tf_modules = data.get("terraform_modules") or {}
    cfg.download_modules = bool(tf_modules.get("download", False))
    cfg.module_cache = str(base / tf_modules["cache"]) if tf_modules.get("cache") else ""
    cfg.helm_charts = _helm_charts(data, base)
    allow = (data.get("fix") or {}).get("allow_behaviour_changing", [])
    cfg.fix_allow_behaviour_changing = [(str(a), lines.get(("fix", "allow_behaviour_changing", i), 1)) for i, a in enumerate(allow)]
    for i, s in enumerate(data.get("suppressions", [])):
        expires = s.get("expires", "")
        if expires:
            try:
                _dt.date.fromisoformat(expires)
            except ValueError:
                line = lines.get(("suppressions", i, "expires"), 1)
                raise ConfigError(f"{path}:{line}: suppressions[{i}].expires: {expires!r} is not a valid date") from None
        cfg.suppressions.append(
            ConfigSuppression(
                rule=s["rule"],
                path=s.get("path", ""),
                resource=s.get("resource", ""),
                reason=s.get("reason", ""),
                expires=expires,
                owner=s.get("owner", ""),
                line=lines.get(("suppressions", i), 1),
                file=str(path),
            )
        )
    return cfg


def _helm_charts(data: dict[str, Any], base: Path) -> tuple[tuple[str, HelmOptions], ...]:
    """``helm.charts``: chart directories relative to the config file, values files relative to
    their chart directory (README "Helm charts")."""
    import os

    from policyguard.options import HelmOptions

    out = []
    for chart, s in ((data.get("helm") or {}).get("charts") or {}).items():
        directory = os.path.realpath(base / chart)
        out.append((directory, HelmOptions(
            values_files=tuple(os.path.join(directory, v) for v in s.get("values", [])),
            set_values=tuple(s.get("set", [])), release_name=s.get("release_name", ""),
            namespace=s.get("namespace", ""), kube_version=s.get("kube_version", ""))))
    return tuple(out)


def resolve_config(explicit: str | None, scan_paths: list[str]) -> Config:
    """``--config`` if given, else the nearest config above the first scan path, else defaults."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return load_config(p)
    start = Path(scan_paths[0]) if scan_paths else Path.cwd()
    found = find_config(start)
    return load_config(found) if found else Config()


def line_index(text: str) -> dict[tuple[str | int, ...], int]:
    """JSON path -> 1-based line of a YAML text (for located messages about other YAML files)."""
    return _line_index(text)
