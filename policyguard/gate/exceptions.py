"""PolicyException: one exception mechanism for ``scan``, the webhook and the cluster audit.

A ``PolicyException`` (``policyguard.dev/v1alpha1``) names rules (ids or globs), the objects
they are excused on (``match``: namespaces, kinds, names, a label selector), a reason, an
owner and an expiry. The same document is a file in a repository (``.policyguard/exceptions/``,
``--exceptions``) and an object in a cluster (CRD ``policyexceptions.policyguard.dev``).

Every front door decides with the same two pieces: ``PolicyException.covers`` (does it name
this rule and select this object?) and the suppression governance of ``gate.suppress``
(``policy_problems``, ``is_expired``: reason, expiry, ``max_expiry_days``), applied to the
exception as a ``Directive`` of source ``exception``. ``scan`` runs them inside
``suppress.apply`` (stale and expired notices like any suppression); the webhook and the audit,
which judge one live object at a time, run them through ``apply_to_object``.

Trust: an exception file found in the scanned repository is repository configuration, like the
repository config's ``suppressions``; in untrusted mode it is rejected unless the trusted config
allows ``repo_config.may_loosen: [suppressions]``. Files named with ``--exceptions`` and objects
read from the cluster (created by whoever RBAC lets create them) are trusted sources; all obey
``suppression_policy``.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.gate.config import ConfigError, ConfigNotice, schema_error
from policyguard.gate.suppress import SUPPRESSIBLE, Directive, Notice, is_expired, policy_problems
from policyguard.model import Finding, Resource, Status, Suppression

if TYPE_CHECKING:
    from policyguard.gate.config import Config, SuppressionPolicy

GROUP = "policyguard.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "PolicyException"
PLURAL = "policyexceptions"
REPO_DIR = ".policyguard/exceptions"  # under the project root (the git work tree around the paths)
SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "policyexception.schema.json"
MAX_FILE_BYTES = 1 << 20
MAX_FILES = 1000


class ExceptionFileError(ConfigError):
    """A PolicyException file that cannot be read or is not a valid document (``file:line: what``)."""


@dataclass(frozen=True, slots=True)
class Subject:
    """What an exception's ``match`` looks at: one object (a manifest, an admission object, a
    stored object) or, outside Kubernetes, one resource. ``namespace`` None: not known (a
    manifest that states none is deployed wherever ``kubectl -n`` says), which matches no
    namespace list; ``""``: cluster-scoped."""

    kind: str
    group: str = ""
    name: str = ""
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_object(cls, obj: dict[str, Any], namespace: str | None = None) -> Subject:
        """A Kubernetes object; ``namespace`` overrides the object's (an AdmissionReview's
        ``request.namespace``: a CREATE's object often carries none)."""
        meta = _mapping(obj.get("metadata"))
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if namespace is None:
            ns = meta.get("namespace")
            namespace = ns if isinstance(ns, str) and ns else None
        labels = _mapping(meta.get("labels"))
        return cls(kind=str(obj.get("kind") or ""), group=group, name=str(meta.get("name") or ""),
                   namespace=namespace, labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())))

    @classmethod
    def from_resource(cls, r: Resource) -> Subject:
        if r.platform == "kubernetes":
            from policyguard.parsers.kubernetes import CLUSTER, object_namespace

            ns: str | None = object_namespace(r.attributes)
            if ns == CLUSTER:
                ns = ""
            elif r.meta.get("namespace_defaulted"):
                ns = None
            return cls.from_object(r.attributes, namespace=ns)
        return cls(kind=r.type, name=r.name, namespace=None)


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()

    def holds(self, labels: dict[str, str]) -> bool:
        """Kubernetes label-selector semantics (``NotIn`` holds when the key is absent)."""
        if self.operator == "Exists":
            return self.key in labels
        if self.operator == "DoesNotExist":
            return self.key not in labels
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        return self.key not in labels or labels[self.key] not in self.values


@dataclass(frozen=True, slots=True)
class Match:
    namespaces: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

    def selects(self, s: Subject) -> bool:
        """Every criterion given holds (an empty one is no restriction)."""
        if self.namespaces and (s.namespace is None or not any(fnmatch.fnmatchcase(s.namespace, p) for p in self.namespaces)):
            return False
        if self.kinds and not any(_kind_match(p, s) for p in self.kinds):
            return False
        if self.names and not any(fnmatch.fnmatchcase(s.name, p) for p in self.names):
            return False
        if self.match_labels or self.expressions:
            labels = dict(s.labels)
            if any(labels.get(k) != v for k, v in self.match_labels):
                return False
            if not all(req.holds(labels) for req in self.expressions):
                return False
        return True


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kind_match(pattern: str, s: Subject) -> bool:
    """``Deployment`` (any group), ``apps/Deployment`` or ``core/Pod`` (``/Pod`` too), globs allowed."""
    if "/" in pattern and "::" not in pattern:
        group, _, kind = pattern.rpartition("/")
        if group == "core":
            group = ""
        return fnmatch.fnmatchcase(s.group, group) and fnmatch.fnmatchcase(s.kind, kind)
    return fnmatch.fnmatchcase(s.kind, pattern)


@dataclass(slots=True)
class PolicyException:
    name: str
    rules: tuple[str, ...]
    match: Match
    reason: str
    owner: str
    expires: str = ""
    namespace: str = ""  # the exception object's own namespace (cluster objects)
    file: str = ""  # where it was read: a file, or ``policyexception/<ns>/<name>`` in a cluster
    line: int = 1
    origin: str = "trusted"  # repository | trusted | cluster
    # a cluster exception outside the trusted namespaces excuses only objects of its own namespace
    confine_to: str | None = None
    problems: list[str] = field(default_factory=list)  # why it can never apply (invalid)

    @property
    def title(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def covers(self, rule_id: str, subject: Subject) -> bool:
        """The one matching function: names ``rule_id`` (id or glob) and selects ``subject``."""
        if self.confine_to is not None and subject.namespace != self.confine_to:
            return False
        return self.rule_pattern(rule_id) is not None and self.match.selects(subject)

    def rule_pattern(self, rule_id: str) -> str | None:
        for pat in self.rules:
            if pat == rule_id or fnmatch.fnmatchcase(rule_id, pat):
                return pat
        return None

    def directive(self) -> Directive:
        """This exception as a suppression directive (source ``exception``): the governance of
        ``gate.suppress`` applies to it as to any config suppression."""
        d = Directive(rules=list(self.rules), source="exception", file=self.file, line=self.line,
                      reason=self.reason, expires=self.expires, owner=self.owner)
        d.problems = list(self.problems)
        d.name = self.title
        d.scope = self.selects_resource
        return d

    def selects_resource(self, r: Resource) -> bool:
        s = Subject.from_resource(r)
        return (self.confine_to is None or s.namespace == self.confine_to) and self.match.selects(s)

    def suppression(self) -> Suppression:
        return Suppression(source="exception", reason=self.reason, owner=self.owner, expires=self.expires,
                           location=f"{self.file}:{self.line}" if self.origin != "cluster" else self.file,
                           name=self.title)


# --------------------------------------------------------------------------- documents
def from_document(doc: dict[str, Any], file: str, line: int = 1, *, origin: str = "trusted",
                  lines: dict[tuple[str | int, ...], int] | None = None) -> PolicyException:
    """A document -> PolicyException. Schema problems are raised for files
    (``ExceptionFileError``, located) and recorded as ``problems`` for cluster objects (the
    apiserver already checked the CRD schema; what it cannot check, such as a real date, makes
    the exception invalid, never an error of the audit)."""
    problems = schema_problems(doc, lines or {}, file, line)
    if problems and origin != "cluster":
        raise ExceptionFileError("invalid PolicyException:\n  " + "\n  ".join(problems))
    meta, spec = _mapping(doc.get("metadata")), _mapping(doc.get("spec"))
    m = _mapping(spec.get("match"))
    sel = _mapping(m.get("selector"))
    exprs = []
    for e in sel.get("matchExpressions") or ():
        if isinstance(e, dict):
            exprs.append(Requirement(str(e.get("key", "")), str(e.get("operator", "")), tuple(str(v) for v in e.get("values") or ())))
    exc = PolicyException(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or "") if origin == "cluster" else "",
        rules=tuple(str(r) for r in spec.get("rules") or ()),
        match=Match(namespaces=tuple(map(str, m.get("namespaces") or ())), kinds=tuple(map(str, m.get("kinds") or ())),
                    names=tuple(map(str, m.get("names") or ())),
                    match_labels=tuple(sorted((str(k), str(v)) for k, v in (sel.get("matchLabels") or {}).items())),
                    expressions=tuple(exprs)),
        reason=str(spec.get("reason") or ""), owner=str(spec.get("owner") or ""),
        expires=str(spec.get("expires") or ""), file=file, line=line, origin=origin,
    )
    exc.problems = [p.split(": ", 1)[-1] for p in problems]
    for e in exprs:
        if e.operator in ("In", "NotIn") and not e.values:
            exc.problems.append(f"match.selector: operator {e.operator} on {e.key!r} needs values")
        if e.operator in ("Exists", "DoesNotExist") and e.values:
            exc.problems.append(f"match.selector: operator {e.operator} on {e.key!r} takes no values")
    if exc.problems and origin != "cluster":
        raise ExceptionFileError(f"{file}:{line}: invalid PolicyException {exc.name!r}: " + "; ".join(exc.problems))
    return exc


def schema_problems(doc: Any, lines: dict[tuple[str | int, ...], int], file: str, line: int) -> list[str]:
    """``file:line: key.path: what`` for every schema violation of ``doc``, dates included."""
    validator = _validator()
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        p, message = schema_error(e)
        where = lines.get(p) or lines.get(p[:-1]) or line
        key = ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in p).replace(".[", "[") or "(document)"
        out.append(f"{file}:{where}: {key}: {message}")
    spec = doc.get("spec") if isinstance(doc, dict) else None
    expires = spec.get("expires") if isinstance(spec, dict) else None
    if isinstance(expires, str) and not any("spec.expires" in o for o in out):
        try:
            _dt.date.fromisoformat(expires)
        except ValueError:
            out.append(f"{file}:{lines.get(('spec', 'expires'), line)}: spec.expires: {expires!r} is not a date (YYYY-MM-DD)")
    return out


_SCHEMA: dict[str, Any] = {}
_VALIDATOR: list[Any] = []


def _validator() -> Any:
    """One validator per process: building it costs more than checking a document."""
    if not _VALIDATOR:
        from jsonschema import Draft202012Validator, FormatChecker

        _VALIDATOR.append(Draft202012Validator(_schema(), format_checker=FormatChecker()))
    return _VALIDATOR[0]


def _schema() -> dict[str, Any]:
    if not _SCHEMA:
        _SCHEMA.update(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return _SCHEMA


def openapi_schema() -> dict[str, Any]:
    """The document schema as a CRD's structural ``openAPIV3Schema``: JSON-Schema-only keywords
    dropped (``$schema``, ``$id``, ``title``, ``const`` -> ``enum``); ``additionalProperties:
    false`` becomes the apiserver's pruning, and ``format: date`` its date check."""

    def conv(node: Any) -> Any:
        if isinstance(node, list):
            return [conv(n) for n in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in ("$schema", "$id", "title"):
                continue
            if k == "additionalProperties" and v is False:
                continue
            if k == "const":
                out["type"], out["enum"] = "string", [v]
                continue
            if k == "enum" and "type" not in node:
                out["type"] = "string"
            out[k] = conv(v)
        return out

    schema = conv(_schema())
    # the apiserver owns metadata (a CRD may only restrict name) and fills apiVersion/kind
    schema["properties"]["metadata"] = {"type": "object"}
    schema["required"] = ["spec"]
    return schema


def load_file(path: str, *, origin: str = "trusted") -> list[PolicyException]:
    """Every PolicyException document of a YAML/JSON file (``---`` separated). Raises
    ``ExceptionFileError`` naming the file and line of the first problem."""
    import yaml

    from policyguard.fsread import ReadError, read_regular
    from policyguard.parsers.yaml_source import yaml_limit_error

    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise ExceptionFileError(f"{path}:1: exception file larger than {MAX_FILE_BYTES} bytes")
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8")  # non-blocking: never a FIFO swapped in
    except (OSError, UnicodeDecodeError) as exc:
        raise ExceptionFileError(f"{path}: cannot read exception file: {exc}") from None
    except ReadError as exc:
        raise ExceptionFileError(f"{path}: cannot read exception file: {exc.message}") from None
    limit = yaml_limit_error(text, path)
    if limit is not None:
        raise ExceptionFileError(f"{path}:{limit.line}: {limit.message}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(loader):  # type: ignore[valid-type,misc]
        """Timestamps stay text: ``expires: 2027-13-45`` is a located error, not a crash."""

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda ld, node: ld.construct_scalar(node))
    out: list[PolicyException] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=loader))
        docs = list(yaml.load_all(text, Loader=_Loader))  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ExceptionFileError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: "
                                 f"{getattr(exc, 'problem', None) or exc}") from None
    for node, doc in zip(nodes, docs, strict=True):
        if doc is None:
            continue
        lines = _node_lines(node)
        line = node.start_mark.line + 1
        if not isinstance(doc, dict):
            raise ExceptionFileError(f"{path}:{line}: a PolicyException must be a mapping, got {type(doc).__name__}")
        out.append(from_document(doc, path, line, origin=origin, lines=lines))
    names: dict[str, int] = {}
    for e in out:
        if e.name in names:
            raise ExceptionFileError(f"{path}:{e.line}: PolicyException {e.name!r} is defined twice (first at line {names[e.name]})")
        names[e.name] = e.line
    return out


def _node_lines(root: Any) -> dict[tuple[str | int, ...], int]:
    import yaml

    index: dict[tuple[str | int, ...], int] = {}
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), root)]
    while stack:
        p, node = stack.pop()
        index.setdefault(p, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                index[p + (str(k.value),)] = k.start_mark.line + 1
                stack.append((p + (str(k.value),), v))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((p + (i,), v))
    return index


def files_in(path: str) -> list[str]:
    """``path`` itself, or the ``*.yaml``/``*.yml``/``*.json`` files of a directory (sorted, not
    recursive, symlinks leaving it refused)."""
    if not os.path.isdir(path):
        return [path]
    real = os.path.realpath(path)
    out = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if not name.endswith((".yaml", ".yml", ".json")) or not os.path.isfile(full):
            continue
        if os.path.commonpath([real, os.path.realpath(full)]) != real:
            raise ExceptionFileError(f"{full}:1: symlink leaves {path}: exception files are read only inside it")
        out.append(full)
    if len(out) > MAX_FILES:
        raise ExceptionFileError(f"{path}:1: more than {MAX_FILES} exception files")
    return out


def for_scan(config: Config, root: str, trusted_paths: list[str] | tuple[str, ...] = ()) -> list[PolicyException]:
    """The exceptions a scan honours: ``--exceptions`` paths (trusted) and the repository's
    ``.policyguard/exceptions/`` under ``root``. In untrusted mode the repository's are
    rejected, each with a ``config rejected`` notice in ``config.notices``, unless the trusted
    config allows ``may_loosen: [suppressions]``. Raises ``ExceptionFileError``."""
    out: list[PolicyException] = []
    seen: set[str] = set()
    for p in trusted_paths:
        if not os.path.exists(p):
            raise ExceptionFileError(f"{p}: exception file or directory not found")
        for f in files_in(p):
            seen.add(os.path.realpath(f))
            out.extend(load_file(f, origin="trusted"))
    repo_dir = os.path.join(root, REPO_DIR)
    if os.path.isdir(repo_dir):
        for f in files_in(repo_dir):
            if os.path.realpath(f) in seen:
                continue
            found = load_file(f, origin="repository")
            if config.untrusted and "suppressions" not in config.may_loosen:
                for e in found:
                    config.notices.append(ConfigNotice(
                        "rejected", f, e.line,
                        f"PolicyException {e.name!r}: the repository is untrusted, so its own exceptions are ignored "
                        "(pass trusted ones with --exceptions, or allow them: repo_config: {may_loosen: [suppressions]})"))
                continue
            out.extend(found)
    names: dict[str, PolicyException] = {}
    for e in out:
        if e.name in names:
            first = names[e.name]
            raise ExceptionFileError(f"{e.file}:{e.line}: PolicyException {e.name!r} is also defined at {first.file}:{first.line}")
        names[e.name] = e
    return out


# --------------------------------------------------------------------------- one object
@dataclass(slots=True)
class ObjectOutcome:
    """What the exceptions did to one object's findings: notices for the rejected, expired and
    invalid exceptions that would have covered a finding."""

    excepted: int = 0
    notices: list[Notice] = field(default_factory=list)


def apply_to_object(findings: list[Finding], subject: Subject, exceptions: list[PolicyException],
                    policy: SuppressionPolicy, today: _dt.date | None = None) -> ObjectOutcome:
    """Mark each failing/unknown finding on ``subject`` that a valid, governed, unexpired
    exception covers as ``suppressed`` (source ``exception``, its name, owner and reason): the
    webhook's and the audit's path, with the scan's governance (``suppress.policy_problems``,
    ``suppress.is_expired``)."""
    today = today or _dt.datetime.now(_dt.UTC).date()
    out = ObjectOutcome()
    noted: set[tuple[str, str]] = set()

    def note(kind: str, e: PolicyException, rule_id: str, msg: str) -> None:
        if (e.title, rule_id + kind) not in noted:
            noted.add((e.title, rule_id + kind))
            out.notices.append(Notice(kind, e.file, e.line, msg, rule_id, subject.name))

    for f in findings:
        if f.status not in SUPPRESSIBLE:
            continue
        for e in exceptions:
            if not e.covers(f.rule_id, subject):
                continue
            d = e.directive()
            if d.problems:
                note("invalid", e, f.rule_id, f"PolicyException {e.title} {'; '.join(d.problems)}")
                continue
            probs = policy_problems(d, policy, today)
            if probs:
                note("rejected", e, f.rule_id, f"PolicyException {e.title} of {f.rule_id} " + "; ".join(probs))
                continue
            if is_expired(d, today):
                note("expired", e, f.rule_id, f"PolicyException {e.title} of {f.rule_id} expired on {e.expires}: "
                     "the finding counts again")
                continue
            f.status = Status.SUPPRESSED
            f.suppression = e.suppression()
            out.excepted += 1
            break
    return out
