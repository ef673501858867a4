"""The common resource model: what every parser produces and every rule, reporter and fix reads.

Everything here is plain data (dataclasses with slots) and serialises to JSON through
``to_dict``. The JSON form is the public contract published as
``policyguard/schemas/resource.schema.json`` and ``report.schema.json``.

Attribute paths
---------------
An attribute path addresses a value inside ``Resource.attributes``. Its canonical text form is
dotted keys with ``[n]`` list indices, e.g. ``spec.template.spec.containers[0].image`` or
``server_side_encryption_configuration[0].rule[0]``. Keys that are not identifiers are quoted:
``metadata.annotations["policyguard.dev/ignore"]``. ``format_path``/``parse_path`` convert
between the text form and a tuple of ``str | int`` segments.

Unknown values
--------------
A value a parser could not resolve (an input variable without value, a data source, a computed
attribute, ``Fn::ImportValue``, a remote module output) is never guessed. It is the JSON object
``{"__unknown__": "<expression>"}`` (optionally with ``"reason"``, and with ``"partial"`` when part
of the value is known: ``jsonencode`` of an object whose leaves are partly unresolved keeps the
object, unknown markers at the unresolved leaves, so a policy document's known statements can
still be judged), built by ``unknown()``.
Rules and the engine test for it with ``is_unknown()``.

Only a parser makes markers: in Python they are ``Unknown``, a dict of their own type, so a
mapping in a scanned file (or an admission request) that happens to hold the key is data, not a
marker, and a ``Resource`` passes its attributes through ``escape_forged_markers`` when it is
built (the key is renamed to ``LITERAL_UNKNOWN_KEY``) before rules see them as JSON. Without that, a manifest
could add ``__unknown__: x`` next to ``privileged: true`` and turn the failure into an
``unknown`` that does not fail the gate.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

UNKNOWN_KEY = "__unknown__"
LITERAL_UNKNOWN_KEY = "__unknown__ (literal)"  # that key, found in a scanned file's data

PathSegment = str | int
AttrPath = tuple[PathSegment, ...]


# --------------------------------------------------------------------------- unknown markers
class Unknown(dict[str, Any]):
    """A parser's marker for an unresolved value (see the module docstring): a JSON object for
    Rego and Python rules, a type of its own for the parsers and the engine."""

    __slots__ = ()


PARTIAL_KEY = "partial"


def unknown(expression: str, reason: str | None = None, partial: Any = None) -> Unknown:
    """The marker for a value that could not be resolved, naming the expression. ``partial``:
    what is known of it (a structure with markers where it is not), escaped like attributes."""
    marker = Unknown({UNKNOWN_KEY: expression})
    if reason:
        marker["reason"] = reason
    if partial is not None:
        marker[PARTIAL_KEY] = escape_forged_markers(partial)
    return marker


def is_unknown(value: Any) -> bool:
    return type(value) is Unknown


def escape_forged_markers(value: Any) -> Any:
    """``value`` with every plain mapping that holds ``UNKNOWN_KEY`` rebuilt with that key
    renamed to ``LITERAL_UNKNOWN_KEY`` (same order); ``Unknown`` markers are kept. Copy on
    write: unchanged containers are the same objects, and ``value`` itself is returned when
    nothing needed renaming. With orjson, a document whose JSON text does not contain the key
    is not walked at all (the text holds it literally whenever any mapping does)."""
    if type(value) is not dict and type(value) is not list:
        return value
    orjson = _orjson()
    if orjson is None:  # pragma: no cover - depends on the environment
        return _escape(value)
    try:
        text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except Exception:  # noqa: BLE001 - too deep for orjson, or a value it cannot write: walk
        return _escape(value)
    return _escape(value) if b'"' + UNKNOWN_KEY.encode() + b'"' in text else value


_ORJSON: list[Any] = []  # [module or None] once probed: a missing module is not retried per resource


def _orjson() -> Any:
    if not _ORJSON:
        module: Any = None
        try:
            import orjson

            module = orjson
        except ImportError:  # pragma: no cover - depends on the environment
            pass
        _ORJSON.append(module)
    return _ORJSON[0]


def _escape(value: Any) -> Any:
    t = type(value)
    if t is dict:
        out: dict[str, Any] | None = None
        for k, v in value.items():
            tv = type(v)
            nv = _escape(v) if tv is dict or tv is list else v
            if nv is not v and out is None:
                out = dict(value)
            if out is not None:
                out[k] = nv
        if UNKNOWN_KEY in value:
            src = out if out is not None else value
            return {(LITERAL_UNKNOWN_KEY if k == UNKNOWN_KEY else k): v for k, v in src.items()}
        return out if out is not None else value
    if t is list:
        new: list[Any] | None = None
        for i, v in enumerate(value):
            tv = type(v)
            if tv is dict or tv is list:
                nv = _escape(v)
                if nv is not v:
                    if new is None:
                        new = list(value)
                    new[i] = nv
        return new if new is not None else value
    return value


def unknown_expressions(value: Any) -> list[str]:
    """Every unresolved expression inside ``value`` (depth first, in order)."""
    found: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if type(v) is Unknown:
                found.append(str(v[UNKNOWN_KEY]))
            else:
                stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))
    return found


# --------------------------------------------------------------------------- attribute paths
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def format_path(path: AttrPath | list[PathSegment]) -> str:
    out: list[str] = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _IDENT.match(seg):
            out.append(f".{seg}" if out else seg)
        else:
            escaped = seg.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def parse_path(text: str) -> AttrPath:
    """Inverse of ``format_path``; raises ValueError on malformed text. Cached: the same few
    paths recur on every resource of a kind (a server judges thousands)."""
    segs: list[PathSegment] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"malformed attribute path {text!r} at offset {pos}")
        if m.group(1) is not None:
            segs.append(m.group(1))
        elif m.group(2) is not None:
            segs.append(int(m.group(2)))
        else:
            segs.append(re.sub(r"\\(.)", r"\1", m.group(3)))
        pos = m.end()
    return tuple(segs)


def map_pod_spec_path(pod_spec_path: str | None, path: str) -> str:
    """``pod_spec...`` (a rule's view of a workload's pod template) onto ``pod_spec_path``, the
    template's real path in the object (``spec.template.spec``, ``spec.jobTemplate...``); any
    other path, or an object without a pod template (None), unchanged."""
    if not pod_spec_path or not path.startswith("pod_spec"):
        return path
    return _mapped_pod_spec_path(pod_spec_path, path)


@functools.lru_cache(maxsize=4096)
def _mapped_pod_spec_path(pod_spec_path: str, path: str) -> str:
    # cached: the same few result paths recur on every resource of a kind
    try:
        segs = parse_path(path)
    except ValueError:
        return path
    if not segs or segs[0] != "pod_spec":
        return path
    return format_path(parse_path(pod_spec_path) + segs[1:])


def get_path(value: Any, path: AttrPath) -> Any:
    """The value at ``path`` or None; stops at (and returns) an unknown marker on the way."""
    cur = value
    for seg in path:
        if is_unknown(cur):
            return cur
        if isinstance(seg, int) and isinstance(cur, list) and -len(cur) <= seg < len(cur):
            cur = cur[seg]
        elif isinstance(seg, str) and isinstance(cur, dict) and seg in cur:
            cur = cur[seg]
        else:
            return None
    return cur


_T = TypeVar("_T")


def fast_pickle(cls: type[_T]) -> type[_T]:
    """A frozen slotted dataclass pickled as a tuple of its fields, set back through the slots'
    descriptors. The ``__getstate__``/``__setstate__`` ``dataclass`` gives such a class call
    ``fields()`` and ``object.__setattr__`` for every object: 3x slower, and the rule cache holds
    a thousand of them (every start), a worker's gate views thousands of spans."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    setters = tuple(getattr(cls, n).__set__ for n in names)
    get = operator.attrgetter(*names)
    one = len(names) == 1

    def __getstate__(self: Any) -> tuple[Any, ...]:
        return (get(self),) if one else get(self)

    def __setstate__(self: Any, state: Any) -> None:
        for put, value in zip(setters, state, strict=True):
            put(self, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - replaces the dataclass's own
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls


# --------------------------------------------------------------------------- source locations
@fast_pickle
@dataclass(frozen=True, slots=True, init=False)
class Span:
    """A region of a source file. Lines and columns are 1-based; ``end_col`` is exclusive."""

    file: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def __init__(self, file: str, start_line: int, start_col: int, end_line: int, end_col: int) -> None:
        # a frozen dataclass's own __init__ sets each field through object.__setattr__ (2.6x
        # slower): a scan makes a span per YAML node, ~100,000 on the CloudFormation corpus
        f, a, b, c, d = _SPAN_SETTERS
        f(self, file)
        a(self, start_line)
        b(self, start_col)
        c(self, end_line)
        d(self, end_col)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start_line": self.start_line,
            "start_col": self.start_col,
            "end_line": self.end_line,
            "end_col": self.end_col,
        }


# the slots' own setters (the class made by ``dataclass(slots=True)`` holds them)
_SPAN_SETTERS = tuple(getattr(Span, name).__set__ for name in ("file", "start_line", "start_col", "end_line", "end_col"))


@fast_pickle
@dataclass(frozen=True, slots=True)
class Reference:
    """An edge: the value at ``path`` of this resource points at resource ``target``."""

    path: str
    target: str
    expression: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "target": self.target, "expression": self.expression}


@fast_pickle
@dataclass(frozen=True, slots=True)
class CallSite:
    """A Terraform ``module`` block through which a resource was instantiated: the instance
    ``address`` (``module.vpc``, ``module.app[0].module.vpc``) and the block's file and line.
    A resource's ``call_chain`` lists them from the root module inwards, so a finding inside a
    module names who called it (two callers of one module give two distinguishable findings)."""

    address: str
    file: str
    line: int
    column: int = 1
    source: str = ""
    version: str = ""  # what was resolved (registry version, commit, sha256) or the constraint
    downloaded: bool = False  # the called module was downloaded into the cache (--download-modules)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address, "file": self.file, "line": self.line, "column": self.column,
                               "source": self.source}
        if self.version:
            out["version"] = self.version
        if self.downloaded:
            out["downloaded"] = True
        return out


@dataclass(slots=True)
class Resource:
    """One resource as every rule sees it, whatever the source format.

    ``platform`` is the *rule* platform (terraform plans map to ``terraform`` so one rule covers
    both; ``source_format`` keeps the precise origin). ``attributes`` is the evaluated
    configuration as plain JSON. Terraform nested blocks are lists of objects, exactly as in
    ``terraform show -json`` so rules are written once for HCL and plans. CloudFormation
    attributes are the resource's ``Properties``; Kubernetes attributes are the whole object.

    ``pod_spec_path`` (Kubernetes workloads only) names where the pod spec lives inside
    attributes (``spec`` for a Pod, ``spec.template.spec`` for a Deployment,
    ``spec.jobTemplate.spec.template.spec`` for a CronJob); the engine exposes that object to
    rules as ``pod_spec`` and maps result paths that start with ``pod_spec`` back onto it.

    ``construct_path`` (synthesized output only): the path of the CDK construct that produced the
    resource (AWS CDK's ``aws:cdk:path`` metadata, CDK for Terraform's ``//`` metadata ``path``),
    so a finding on generated JSON can be traced to the user's TypeScript/Python code.
    """

    id: str
    platform: str
    type: str
    name: str
    attributes: dict[str, Any]
    span: Span
    source_format: str = ""
    module: str = ""
    attribute_spans: dict[str, Span] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    referenced_by: list[Reference] = field(default_factory=list)
    pod_spec_path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    construct_path: str = ""
    call_chain: tuple[CallSite, ...] = ()  # Terraform: the module blocks that instantiated it

    def __post_init__(self) -> None:
        # the one place user data becomes rule input: no parser can forget it (module docstring)
        self.attributes = escape_forged_markers(self.attributes)

    def span_for(self, path: str | AttrPath | None) -> Span:
        """The most precise span known for ``path``: itself, else its nearest ancestor."""
        if path is None or path == "" or not self.attribute_spans:
            return self.span
        segs = parse_path(path) if isinstance(path, str) else tuple(path)
        while segs:
            hit = self.attribute_spans.get(format_path(segs))
            if hit is not None:
                return hit
            segs = segs[:-1]
        return self.span

    def real_path(self, path: str) -> str:
        """A path a rule states against ``pod_spec`` (any workload's pod template) as the path
        of that attribute in this resource; other paths unchanged."""
        return map_pod_spec_path(self.pod_spec_path, path)

    def pod_spec(self) -> dict[str, Any] | None:
        if self.pod_spec_path is None:
            return None
        spec = get_path(self.attributes, parse_path(self.pod_spec_path))
        return spec if isinstance(spec, dict) else None

    def to_dict(self, *, with_spans: bool = True) -> dict[str, Any]:
        """The JSON envelope (rule input and ``scan --format json`` resource records)."""
        out: dict[str, Any] = {
            "id": self.id,
            "platform": self.platform,
            "source_format": self.source_format or self.platform,
            "type": self.type,
            "name": self.name,
            "module": self.module,
            "attributes": self.attributes,
            "references": [r.to_dict() for r in self.references],
            "referenced_by": [r.to_dict() for r in self.referenced_by],
            "source": self.span.to_dict(),
            "meta": self.meta,
        }
        if self.pod_spec_path is not None:
            out["pod_spec_path"] = self.pod_spec_path
        if self.construct_path:
            out["construct_path"] = self.construct_path
        if self.call_chain:
            out["called_from"] = [c.to_dict() for c in self.call_chain]
        if with_spans:
            out["attribute_spans"] = {k: s.to_dict() for k, s in self.attribute_spans.items()}
        return out


class ErrorKind(enum.StrEnum):
    PARSE = "parse-error"
    UNREADABLE = "unreadable"
    TEMPLATE = "template-not-rendered"
    LIMIT = "limit-exceeded"
    CONFIG = "config-error"
    RULE_LOAD = "rule-load-error"


@dataclass(frozen=True, slots=True)
class ParseError:
    """A file (or part of one) the gate could not turn into resources. Never a silent skip."""

    file: str
    line: int
    column: int
    message: str
    kind: ErrorKind = ErrorKind.PARSE

    def __post_init__(self) -> None:
        # the message may quote the scanned file (a token, a line): secrets in it are masked
        # here, once, for every report, stderr line and webhook answer (redact.mask_error)
        if self.kind in (ErrorKind.PARSE, ErrorKind.TEMPLATE, ErrorKind.LIMIT) and len(self.message) >= 6:
            from policyguard.redact import mask_error

            object.__setattr__(self, "message", mask_error(self.message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "kind": str(self.kind),
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.kind}: {self.message}"


@dataclass(slots=True)
class ParseResult:
    """What parsing one unit gave: its resources, its errors, the format it decided and the bytes it read."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    format: str = ""  # set when the parse decided the format (``parsers.documents``)
    skipped: str = ""  # non-empty: the file is not IaC, and why
    # the bytes of each file the parse read whole, by the path it read (``fsread.recording``):
    # the gate reads suppression comments from them (``scan.parse_unit`` fills it)
    read: dict[str, bytes] = field(default_factory=dict)

    def extend(self, other: ParseResult) -> None:
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)


# --------------------------------------------------------------------------- rules and findings
class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: {', '.join(s.label for s in cls)})"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    ERROR = "error"
    SUPPRESSED = "suppressed"


@fast_pickle
@dataclass(frozen=True, slots=True)
class FixOp:
    """One edit, relative to a resource's attributes (see the fix package for rendering).

    ``op``: ``set`` (create or replace the value at ``path``), ``add`` (append an item to the
    list or nested-block list at ``path``), ``remove`` (delete the value at ``path``) or
    ``add_resource`` (a companion resource: ``value`` is ``{"type", "name", "attributes"}``
    and ``path`` is unused).
    """

    op: str
    path: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            out["value"] = self.value
        return out


SAFE = "safe"
BEHAVIOUR_CHANGING = "behaviour-changing"
FIX_SAFETY = (SAFE, BEHAVIOUR_CHANGING)  # least to most cautious


def more_cautious(a: str, b: str | None) -> str:
    """The more cautious of two fix classes; anything unrecognised counts as behaviour-changing,
    so a typo can never make a fix look safe."""
    ca = a if a in FIX_SAFETY else BEHAVIOUR_CHANGING
    if b is None:
        return ca
    cb = b if b in FIX_SAFETY else BEHAVIOUR_CHANGING
    return ca if FIX_SAFETY.index(ca) >= FIX_SAFETY.index(cb) else cb


@fast_pickle
@dataclass(frozen=True, slots=True)
class Fix:
    """A fix definition. ``safety``: ``safe`` (cannot change what the workload or service does)
    or ``behaviour-changing`` (may break a working deployment); the default is the cautious one,
    a fix only becomes safe when its rule says so."""

    description: str
    ops: tuple[FixOp, ...]
    safety: str = BEHAVIOUR_CHANGING

    @property
    def safe(self) -> bool:
        return self.safety == SAFE

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.description, "ops": [o.to_dict() for o in self.ops], "safety": self.safety}


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text between two 1-based positions (end exclusive) of ``file`` with ``text``.

    The fix stage renders a ``Fix`` into these for a concrete file; SARIF ``fixes``, diffs and
    ``fix --write`` are all made from them.
    """

    file: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start_line": self.start_line,
            "start_col": self.start_col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "text": self.text,
        }


# Deployments, DaemonSets and ReplicaSets were served from extensions/v1beta1 before apps
_K8S_GROUP_ALIASES = {("extensions", "Deployment"): "apps", ("extensions", "DaemonSet"): "apps",
                      ("extensions", "ReplicaSet"): "apps"}


# The pseudo resource type of rules that judge every object carrying a pod spec (Kubernetes:
# ``pod_spec_path`` set, built-in workload kinds and pod-template-shaped custom resources alike).
WORKLOAD_TYPE = "workload"


@functools.lru_cache(maxsize=4096)
def type_key(platform: str, typ: str) -> str:
    """What a rule's resource type and a resource's type are matched on. Kubernetes: the API
    group and kind, not the version: a rule written for ``batch/v1/CronJob`` judges a
    ``batch/v1beta1`` CronJob too (clusters served it until 1.25, a CRD may serve several
    versions at once), and the old ``extensions`` Deployment/DaemonSet/ReplicaSet count as
    ``apps``. Exact matching let such manifests through unjudged. Other platforms: the type."""
    if platform != "kubernetes" or typ == "*":
        return typ
    parts = typ.split("/")
    if len(parts) == 2:  # core: v1/Pod
        return "/" + parts[1]
    if len(parts) == 3:
        group, _version, kind = parts
        return f"{_K8S_GROUP_ALIASES.get((group, kind), group)}/{kind}"
    return typ


@fast_pickle
@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Rule metadata, identical for Rego (``# METADATA`` custom fields) and Python rules."""

    id: str
    title: str
    severity: Severity
    description: str = ""
    remediation: str = ""
    # platform -> native types; "*" as a type means every resource of that platform
    resource_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    frameworks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    fixable: bool = False
    fix_safety: str | None = None  # safe | behaviour-changing; required when fixable
    source: str = ""  # rule file (for error messages and `rules show`)
    language: str = "rego"
    # the smallest profile that runs the rule: baseline (also in strict) or strict only
    profile: str = "baseline"
    # how sure a fail is a real problem: high (the configuration says it), medium (a heuristic
    # or something that may be settled outside the scanned files), low
    confidence: str = "high"
    # declared parameters: name -> {"type", "description", "items"?, "default"?} (rules/README.md)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def in_profile(self, profile: str) -> bool:
        return profile == "strict" or self.profile == "baseline"

    @property
    def required_params(self) -> tuple[str, ...]:
        """Parameters without a default: the rule runs only once they are configured."""
        return tuple(sorted(n for n, spec in self.params.items() if "default" not in spec))

    def applies_to(self, resource: Resource) -> bool:
        types = self.resource_types.get(resource.platform)
        if not types:  # most rules are another platform's
            return False
        if "*" in types or resource.type in types:
            return True
        if WORKLOAD_TYPE in types and resource.pod_spec_path is not None:
            return True
        key = type_key(resource.platform, resource.type)
        return key != resource.type and any(type_key(resource.platform, t) == key for t in types)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.label,
            "description": self.description,
            "remediation": self.remediation,
            "resource_types": {k: list(v) for k, v in self.resource_types.items()},
            "frameworks": {k: list(v) for k, v in self.frameworks.items()},
            "tags": list(self.tags),
            "fixable": self.fixable,
            "fix_safety": self.fix_safety,
            "source": self.source,
            "language": self.language,
            "profile": self.profile,
            "confidence": self.confidence,
            **({"params": self.params} if self.params else {}),
        }


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is suppressed (inline comment, annotation, Metadata, config or baseline)."""

    source: str  # "inline" | "annotation" | "metadata" | "config" | "exception" | "baseline"
    reason: str = ""
    owner: str = ""
    expires: str = ""  # ISO date
    location: str = ""  # file:line of the suppression itself
    name: str = ""  # a PolicyException's name (``namespace/name`` in a cluster)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "source": self.source,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "location": self.location,
        }
        if self.name:
            out["name"] = self.name
        return out


@dataclass(slots=True)
class Finding:
    """One rule judged against one resource (a pass is a finding too: reports count them)."""

    rule_id: str
    status: Status
    severity: Severity
    resource_id: str
    resource_type: str
    platform: str
    span: Span
    message: str = ""
    path: str = ""  # attribute path judged (text form), "" for the whole resource
    unknowns: tuple[str, ...] = ()  # expressions an `unknown` verdict depends on
    fix: Fix | None = None
    suppression: Suppression | None = None
    fingerprint: str = ""
    edits: tuple[TextEdit, ...] = ()  # the fix rendered for this file (filled by the fix stage)
    construct_path: str = ""  # the resource's CDK construct (Resource.construct_path); not fingerprinted
    call_chain: tuple[CallSite, ...] = ()  # the resource's (Resource.call_chain)
    # the fingerprint a finding inside a called module had before callers were part of it:
    # baselines written by earlier versions still match (policyguard.gate.baseline); "" otherwise
    legacy_fingerprint: str = ""
    # what a rendered resource came from (a Helm chart, its values files and --set values):
    # the resource's ``meta["origin"]``, "" for sources judged as written
    origin: str = ""

    @property
    def file(self) -> str:
        return self.span.file

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "status": str(self.status),
            "severity": self.severity.label,
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
            "platform": self.platform,
            "location": self.span.to_dict(),
            "message": self.message,
            "path": self.path,
            "unknowns": list(self.unknowns),
            "fingerprint": self.fingerprint,
        }
        if self.construct_path:
            out["construct_path"] = self.construct_path
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        if self.suppression is not None:
            out["suppression"] = self.suppression.to_dict()
        if self.call_chain:
            out["called_from"] = [c.to_dict() for c in self.call_chain]
        if self.origin:
            out["origin"] = self.origin
        return out


def iter_values(value: Any, prefix: AttrPath = ()) -> Iterator[tuple[AttrPath, Any]]:
    """Every (path, value) below ``value``, containers included, depth first."""
    yield prefix, value
    if isinstance(value, dict) and not is_unknown(value):
        for k, v in value.items():
            yield from iter_values(v, prefix + (str(k),))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_values(v, prefix + (i,))


def pack_findings(findings: list[Finding]) -> bytes:
    """Findings as bytes (a worker's to the scanning process, the spool's on disk): the pickle
    of their field tuples, several times faster both ways than pickling the objects (a slotted
    dataclass pickles through Python-level state methods)."""
    import pickle

    fields = _finding_fields()
    return pickle.dumps([fields(f) for f in findings], protocol=pickle.HIGHEST_PROTOCOL)


def unpack_findings(blob: bytes) -> list[Finding]:
    import pickle

    return [Finding(*row) for row in pickle.loads(blob)]


@functools.lru_cache(maxsize=1)
def _finding_fields() -> Callable[[Finding], tuple[Any, ...]]:
    """Every field of a Finding, in ``__init__``'s order."""
    from operator import attrgetter

    names = [f.name for f in dataclasses.fields(Finding) if f.init]
    if len(names) != len(dataclasses.fields(Finding)):
        raise TypeError("every Finding field must be an __init__ argument (findings are rebuilt from them)")
    return attrgetter(*names)
