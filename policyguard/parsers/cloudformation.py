"""CloudFormation templates (YAML with short-form tags, or JSON; SAM) -> model resources.

Each entry of ``Resources`` becomes a resource: ``id`` and ``name`` are the logical id,
``type`` the ``Type`` (``AWS::S3::Bucket``, ``AWS::Serverless::Function``), ``attributes`` the
``Properties`` with intrinsic functions resolved where the template alone decides them:

* ``Ref`` to a parameter with a ``Default`` gives the default (``CommaDelimitedList`` and
  ``List<...>`` defaults are split into lists; ``AWS::SSM::Parameter::Value<...>`` parameters
  stay unknown: their default names an SSM parameter, not the value).
* ``Fn::FindInMap`` on ``Mappings`` (and its ``DefaultValue``), ``Fn::If`` on conditions that
  can be decided (``Fn::Equals``/``And``/``Or``/``Not``/``Condition``), ``Fn::Join``,
  ``Fn::Select``, ``Fn::Split``, ``Fn::Sub``, ``Fn::Base64``, ``Fn::Cidr``, ``Fn::Length``,
  ``Fn::ToJsonString`` when their inputs are known; ``Ref AWS::NoValue`` removes the property.
* Everything else is an unknown marker whose expression is the short form of what could not be
  resolved: pseudo parameters (``!Ref AWS::Region``), parameters without default
  (``!Ref VpcId``), ``!GetAtt Bucket.Arn``, ``!Ref Bucket`` (a resource), ``!ImportValue X``,
  ``!GetAZs``, undecidable ``!If Cond``. Pseudo parameters are never guessed: the same
  template deploys to any account, region and partition.
* ``Ref``/``Fn::GetAtt``/``Fn::Sub`` naming another resource add a ``Reference`` edge (from the
  attribute path to that logical id), also inside an undecidable ``Fn::If``.

``meta`` keeps ``Condition`` (plus ``condition_value``: true, false or null when it cannot
be decided), ``DependsOn``, ``Metadata`` (suppressions live there), ``DeletionPolicy``,
``UpdateReplacePolicy``, and ``sam: true`` for SAM templates/resources (SAM ``Globals`` are
applied to ``AWS::Serverless::*`` resources; ``meta.sam_globals`` lists the keys taken).
``Fn::ForEach`` loops (``AWS::LanguageExtensions``) in ``Resources`` are expanded.

AWS CDK output (``cdk synth``: ``cdk.out/*.template.json``, or its YAML on stdout): a resource's
``aws:cdk:path`` metadata becomes ``Resource.construct_path`` (findings name the construct in the
CDK app), and a template that carries it has ``source_format`` ``cdk`` (fixes are refused: the
next synth rewrites the file). ``AWS::CDK::Metadata`` (CDK's version analytics, no
infrastructure) is no resource. The bootstrap check (the ``BootstrapVersion`` SSM parameter and
``Rules.CheckBootstrapVersion``) and legacy asset parameters need nothing special: ``Rules`` are
not resources, and a parameter without a value stays unknown wherever a resource reads it.

Spans: every property path has the span of its YAML/JSON source (``attribute_spans``); the
resource span runs from the logical id key to the end of its definition.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS, LimitExceeded, Limits, UnitBudget, current_budget, unit_budget
from policyguard.model import (
    ErrorKind,
    ParseError,
    ParseResult,
    Reference,
    Resource,
    Span,
    is_unknown,
    unknown,
)
from policyguard.parsers.yaml_source import (
    Document,
    SourceError,
    child_path,
    load_json,
    load_yaml,
    read_text,
    resolve_yn,
)

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext


PLATFORM = "cloudformation"
CDK_FORMAT = "cdk"  # formats.CDK: a template synthesized by the AWS CDK
CDK_PATH_KEY = "aws:cdk:path"  # the construct path the CDK writes into each resource's Metadata
CDK_METADATA_TYPE = "AWS::CDK::Metadata"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PSEUDO_PARAMETERS = frozenset(
    {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
     "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}
)  # fmt: skip
META_KEYS = ("Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy")

_NOVALUE = object()  # Ref AWS::NoValue: the property disappears
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


# --------------------------------------------------------------------------- short-form rendering
RENDER_MAX = 240  # characters of an unknown's expression text: a template's aliases can make any node huge


def render(value: Any) -> str:
    """A compact short-form text of an (unresolved) intrinsic, used as unknown expression;
    cut after ``RENDER_MAX`` characters (the walk stops there too)."""
    out: list[str] = []
    _render(value, out, [RENDER_MAX])
    text = "".join(out)
    return text if len(text) <= RENDER_MAX else text[: RENDER_MAX - 3] + "..."


def _render(value: Any, out: list[str], left: list[int]) -> None:
    if left[0] <= 0:
        return
    if isinstance(value, dict) and len(value) == 1:
        ((k, v),) = value.items()
        if k == "Ref":
            _put(out, left, "!Ref ")
            _render(v, out, left)
            return
        if k == "Fn::GetAtt" and isinstance(v, list) and all(isinstance(x, str) for x in v):
            _put(out, left, "!GetAtt " + ".".join(v))
            return
        if k == "Condition" and isinstance(v, str):
            _put(out, left, f"!Condition {v}")
            return
        if k.startswith("Fn::"):
            _put(out, left, f"!{k[4:]} ")
            _render(v, out, left)
            return
    if isinstance(value, dict):
        if is_unknown(value):
            _put(out, left, str(value["__unknown__"]))
            return
        _put(out, left, "{")
        for i, (k, v) in enumerate(value.items()):
            if left[0] <= 0:
                return
            _put(out, left, f"{', ' if i else ''}{k}: ")
            _render(v, out, left)
        _put(out, left, "}")
    elif isinstance(value, list):
        _put(out, left, "[")
        for i, v in enumerate(value):
            if left[0] <= 0:
                return
            if i:
                _put(out, left, ", ")
            _render(v, out, left)
        _put(out, left, "]")
    elif isinstance(value, str):
        plain = value and not any(c in value for c in " ,[]{}#'\"") and not value.endswith(":")
        _put(out, left, value if plain else json.dumps(value[: RENDER_MAX * 2]))
    else:
        _put(out, left, json.dumps(value))


def _put(out: list[str], left: list[int], text: str) -> None:
    out.append(text[: max(left[0], 0) + 3])
    left[0] -= len(text)


# --------------------------------------------------------------------------- the evaluator
@dataclass
class _Context:
    """What intrinsics of one template resolve against: parameters, mappings, conditions and resource names."""

    params: dict[str, Any]  # name -> value or unknown marker
    mappings: dict[str, Any]
    conditions: dict[str, Any]  # raw condition definitions
    resources: set[str]
    decided: dict[str, bool | None] = field(default_factory=dict)
    deciding: set[str] = field(default_factory=set)


class _Resolver:
    """Resolves the intrinsics of one resource's properties, collecting references and span moves."""

    def __init__(self, ctx: _Context, logical_id: str) -> None:
        self.ctx = ctx
        self.logical_id = logical_id
        self.refs: list[Reference] = []
        self.moves: list[tuple[str, str]] = []  # (source path prefix, attribute path prefix)
        self.budget: UnitBudget = current_budget()
        self.limited: list[tuple[str, LimitExceeded]] = []  # (attribute path, limit) of values lost to a limit
        self.limited_nodes: set[int] = set()

    def ref_edge(self, path: str, target: str, expression: str) -> None:
        if target in self.ctx.resources and not any(r.path == path and r.target == target for r in self.refs):
            self.refs.append(Reference(path, target, expression))

    # -- conditions
    def condition(self, name: str) -> bool | None:
        ctx = self.ctx
        if name in ctx.decided:
            return ctx.decided[name]
        if name in ctx.deciding or name not in ctx.conditions:
            return None
        ctx.deciding.add(name)
        try:
            result = self.cond_value(ctx.conditions[name])
        finally:
            ctx.deciding.discard(name)
        ctx.decided[name] = result
        return result

    def cond_value(self, expr: Any) -> bool | None:
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, str) and expr.lower() in ("true", "false"):
            return expr.lower() == "true"
        if not isinstance(expr, dict) or len(expr) != 1:
            return None
        ((k, v),) = expr.items()
        if k == "Condition" and isinstance(v, str):
            return self.condition(v)
        if k == "Fn::Equals" and isinstance(v, list) and len(v) == 2:
            a = self.value(v[0], "")
            b = self.value(v[1], "")
            if _has_unknown(a) or _has_unknown(b) or a is _NOVALUE or b is _NOVALUE:
                return None
            return _norm(a) == _norm(b)
        if k == "Fn::Not" and isinstance(v, list) and len(v) == 1:
            inner = self.cond_value(v[0])
            return None if inner is None else not inner
        if k in ("Fn::And", "Fn::Or") and isinstance(v, list):
            vals = [self.cond_value(x) for x in v]
            if k == "Fn::And":
                return False if False in vals else (None if None in vals else True)
            return True if True in vals else (None if None in vals else False)
        return None

    # -- values
    def value(self, node: Any, path: str) -> Any:
        """The resolved ``node``; ``path`` is its attribute path text (for edges and span moves)."""
        tick = self.budget.tick
        tick()  # a template's aliases can make a small file a large walk
        if isinstance(node, list):
            out: list[Any] = []
            for i, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    v = self.value(item, child_path(path, len(out)))
                else:  # a scalar is itself: the step, without the call and its child path
                    tick()
                    v = item
                if v is not _NOVALUE:
                    out.append(v)
                if len(out) - 1 != i and v is not _NOVALUE:
                    self.moves.append((child_path(path, i), child_path(path, len(out) - 1)))
            return out
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((k, v),) = node.items()
            if k == "Ref" or k.startswith("Fn::") or k == "Condition":
                try:
                    return self.intrinsic(k, v, node, path)
                except LimitExceeded as exc:  # only this value is lost; a spent budget stops the unit
                    if exc.exhausted:
                        raise
                    if id(node) not in self.limited_nodes:  # an intrinsic resolved twice (Fn::Select's two passes): once
                        self.limited_nodes.add(id(node))
                        self.limited.append((path, exc))
                    return unknown(render(node), f"limit exceeded: {exc.message}")
            if k.startswith("Rain::"):
                return unknown(f"!{k} {render(v)}", "Rain directive: package the template with `rain pkg`")
        out_d: dict[str, Any] = {}
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                rv = self.value(v, child_path(path, k))
                if rv is not _NOVALUE:
                    out_d[k] = rv
            else:  # a scalar is itself (as in the list above)
                tick()
                out_d[k] = v
        return out_d

    def intrinsic(self, fn: str, arg: Any, node: dict[str, Any], path: str) -> Any:
        ctx = self.ctx
        if fn == "Ref":
            name = self.value(arg, path) if not isinstance(arg, str) else arg
            if not isinstance(name, str):
                return unknown(render(node), "Ref to a name that is not a string")
            if name == "AWS::NoValue":
                return _NOVALUE
            if name in ctx.params:
                return ctx.params[name]
            if name in PSEUDO_PARAMETERS:
                return unknown(f"!Ref {name}", "pseudo parameter: depends on where the stack is deployed")
            if name in ctx.resources:
                self.ref_edge(path, name, f"!Ref {name}")
                return unknown(f"!Ref {name}", "resource reference: known after deployment")
            return unknown(f"!Ref {name}", f"no parameter or resource named {name}")
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and parts:
                res = parts[0] if isinstance(parts[0], str) else render(parts[0])
                attr = self.value(parts[1], "") if len(parts) > 1 else ""
                attr_text = attr if isinstance(attr, str) else render(parts[1])
                expr = f"!GetAtt {res}.{attr_text}" if attr_text else f"!GetAtt {res}"
                self.ref_edge(path, res, expr)
                return unknown(expr, "resource attribute: known after deployment")
            return unknown(render(node), "malformed Fn::GetAtt")
        if fn == "Condition":
            decided = self.condition(arg) if isinstance(arg, str) else None
            return decided if decided is not None else unknown(render(node), "condition cannot be decided")
        if fn == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
                return unknown(render(node), "malformed Fn::If")
            decided = self.condition(arg[0])
            if decided is None:
                branch_base = child_path(path, "Fn::If")
                # both branches may run: keep their edges; when both give the same known value,
                # the condition does not matter
                both = [self.value(arg[i], child_path(branch_base, i)) for i in (1, 2)]
                if both[0] is not _NOVALUE and not _has_unknown(both[0]) and _same(both[0], both[1]):
                    return both[0]
                return unknown(f"!If {arg[0]}", f"condition {arg[0]} cannot be decided from the template")
            i = 1 if decided else 2
            self.moves.append((child_path(child_path(path, "Fn::If"), i), path))
            return self.value(arg[i], path)
        if fn == "Fn::FindInMap":
            return self.find_in_map(arg, node, path)
        if fn == "Fn::Sub":
            return self.sub(arg, node, path)
        if fn == "Fn::ImportValue":
            name = self.value(arg, path)
            return unknown(f"!ImportValue {name if isinstance(name, str) else render(arg)}", "exported by another stack")
        if fn == "Fn::GetAZs":
            return unknown(render(node), "availability zones depend on the account and region")
        if fn in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            decided = self.cond_value(node)
            if decided is None:
                return unknown(render(node), "condition cannot be decided from the template")
            return decided
        if fn in ("Fn::Transform",):
            return unknown(render(node), "macro output: known after the transform runs")
        if fn in ("Fn::Select", "Fn::Length", "Fn::Join"):
            # only what the result depends on decides knownness: the selected element, the
            # number of elements, the delimiter only when there is something to put it between
            decided_value = self.list_intrinsic(fn, arg, path)
            if decided_value is not _UNDECIDED:
                return decided_value

        # pure functions of their (resolved) arguments
        args = self.value(arg, path)
        if _has_unknown(args) or args is _NOVALUE:
            return unknown(render(node), "depends on " + ", ".join(_unknown_exprs(args)) if args is not _NOVALUE else None)
        budget = self.budget
        budget.tick(budget.measure(args, f"arguments of {fn}"))
        try:
            result = _pure(fn, args)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            return unknown(render(node), f"cannot evaluate: {exc}")
        if result is _UNSUPPORTED:
            return unknown(render(node), f"{fn} is not evaluated")
        if isinstance(result, str):
            budget.check_string(len(result), fn)
        return result

    def list_intrinsic(self, fn: str, arg: Any, path: str) -> Any:
        """``Fn::Select``/``Fn::Length``/``Fn::Join`` over a list whose shape is known, or
        ``_UNDECIDED`` (the generic path then decides)."""
        if not (isinstance(arg, list) and len(arg) == 2) and fn != "Fn::Length":
            return _UNDECIDED
        items = self.value(arg if fn == "Fn::Length" else arg[1], path)
        if not isinstance(items, list):
            return _UNDECIDED
        if fn == "Fn::Length":
            return len(items)
        if fn == "Fn::Join":
            if len(items) == 1 and not _has_unknown(items[0]) and not isinstance(items[0], dict | list):
                return _text(items[0])
            if not items:
                return ""
            return _UNDECIDED
        index = self.value(arg[0], path)
        if _has_unknown(index):
            return _UNDECIDED
        try:
            i = _index(index)
        except ValueError:
            return _UNDECIDED
        if not 0 <= i < len(items):
            return _UNDECIDED  # the generic path reports it
        return items[i]

    def find_in_map(self, arg: Any, node: dict[str, Any], path: str) -> Any:
        """The entry, or when a key is unknown the value every entry it could name agrees on
        (an entry that does not exist takes ``DefaultValue``; without one the stack would not
        deploy, so that key cannot be the one used)."""
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            return unknown(render(node), "malformed Fn::FindInMap")
        keys = [self.value(a, path) for a in arg[:3]]
        has_default = len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]
        default = self.value(arg[3]["DefaultValue"], path) if has_default else None
        if any(not _has_unknown(k) and not isinstance(k, str | int | float) for k in keys):
            return unknown(render(node), "map keys are not known")
        candidates: list[Any] = [self.ctx.mappings]
        for k in keys:
            nxt: list[Any] = []
            for cur in candidates:
                if cur is _MISSING or not isinstance(cur, dict):
                    nxt.append(_MISSING)
                elif _has_unknown(k):
                    nxt.extend(cur.values() or [_MISSING])
                else:
                    nxt.append(cur.get(str(k), _MISSING))
            candidates = nxt
        if not any(_has_unknown(k) for k in keys):
            cur = candidates[0]
            if cur is _MISSING:
                if has_default:
                    return default
                return unknown(render(node), f"no entry {'/'.join(str(x) for x in keys)} in Mappings")
            return self.value(cur, path)
        values = [default if c is _MISSING else self.value(c, path) for c in candidates if c is not _MISSING or has_default]
        if values and not _has_unknown(values[0]) and all(_same(values[0], v) for v in values[1:]):
            return values[0]
        return unknown(render(node), "map keys are not known")

    def sub(self, arg: Any, node: dict[str, Any], path: str) -> Any:
        if isinstance(arg, str):
            template, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            template = arg[0]
            variables = {k: self.value(v, path) for k, v in arg[1].items()}
        else:
            return unknown(render(node), "malformed Fn::Sub")
        missing: list[str] = []

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                val: Any = variables[name]
            elif name in self.ctx.params:
                val = self.ctx.params[name]
            elif name in PSEUDO_PARAMETERS:
                val = unknown(f"!Ref {name}")
            else:
                res, _, attr = name.partition(".")
                if res in self.ctx.resources:
                    self.ref_edge(path, res, f"!GetAtt {name}" if attr else f"!Ref {res}")
                val = unknown(name)
            if _has_unknown(val) or isinstance(val, dict | list):
                missing.append(name)
                return m.group(0)
            return str(val).lower() if isinstance(val, bool) else str(val)

        size = [0]
        budget = self.budget

        def counted(m: re.Match[str]) -> str:  # a template of many ${Big} must not build gigabytes
            text = repl(m)
            size[0] += len(text)
            if size[0] > 65536:
                budget.fits_string(size[0] + len(template), "Fn::Sub")
            return text

        text = _SUB_VAR.sub(counted, template)
        if missing:
            return unknown(render({"Fn::Sub": template}), "depends on " + ", ".join(missing))
        return text


_UNSUPPORTED = object()
_UNDECIDED = object()
_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if a is _NOVALUE or b is _NOVALUE:
        return a is b
    return not _has_unknown(b) and json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _index(x: Any) -> int:
    """A ``Fn::Select`` index: a whole non-negative number, or a string of digits."""
    if isinstance(x, bool):
        raise ValueError(f"Fn::Select index {x!r} is not a number")
    if isinstance(x, int):
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, str) and x.strip().isdigit():
        return int(x.strip())
    raise ValueError(f"Fn::Select index {x!r} is not a whole number")


def _pure(fn: str, args: Any) -> Any:
    if fn == "Fn::Join":
        delim, items = args
        if not isinstance(items, list):
            raise ValueError("Fn::Join needs a list")
        texts = [_text(x) for x in items]
        sep = str(delim)
        current_budget().fits_string(sum(map(len, texts)) + len(sep) * max(len(texts) - 1, 0), "Fn::Join")
        return sep.join(texts)
    if fn == "Fn::Select":
        index, items = args
        if not isinstance(items, list):
            raise ValueError("Fn::Select needs a list")
        i = _index(index)
        if not 0 <= i < len(items):  # CloudFormation rejects it; Python would wrap a negative index
            raise ValueError(f"Fn::Select index {i} is out of range for a list of {len(items)}")
        return items[i]
    if fn == "Fn::Split":
        delim, text = args
        text, delim = str(text), str(delim)
        if not delim:
            raise ValueError("Fn::Split needs a delimiter")
        current_budget().check_items(text.count(delim) + 1, "Fn::Split")
        return text.split(delim)
    if fn == "Fn::Base64":
        return base64.b64encode(_text(args).encode()).decode()
    if fn == "Fn::Cidr":
        block, count, bits = args
        net = ipaddress.ip_network(str(block), strict=False)
        n = int(count)
        if not 1 <= n <= 256:  # the CloudFormation limit
            raise ValueError(f"Fn::Cidr count {n} is outside 1..256")
        subnets = net.subnets(new_prefix=net.max_prefixlen - int(bits))
        out = [str(s) for _, s in zip(range(n), subnets, strict=False)]
        if len(out) < n:
            raise ValueError(f"{block} holds fewer than {n} /{net.max_prefixlen - int(bits)} subnets")
        return out
    if fn == "Fn::Length":
        if not isinstance(args, list):
            raise ValueError("Fn::Length needs a list")
        return len(args)
    if fn == "Fn::ToJsonString":
        return json.dumps(args, separators=(",", ":"))
    return _UNSUPPORTED


def _attribute_paths(value: Any) -> set[str]:
    """Every path text inside the resolved value (not inside unknown markers)."""
    out: set[str] = set()
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, dict) and not is_unknown(v):
            for k, item in v.items():
                p = child_path(path, k)
                out.add(p)
                stack.append((p, item))
        elif isinstance(v, list):
            for i, item in enumerate(v):
                p = child_path(path, i)
                out.add(p)
                stack.append((p, item))
    return out


def _spans_by_properties(spans: dict[str, Span], props_paths: set[str]) -> dict[str, list[tuple[str, Span]]]:
    """The document's spans below each resource's ``Properties``, in one pass over the spans."""
    out: dict[str, list[tuple[str, Span]]] = {}
    for p, s in spans.items():
        i = p.find(".Properties")
        while i != -1:
            end = i + len(".Properties")
            if end < len(p) and p[end] in ".[" and p[:end] in props_paths:
                out.setdefault(p[:end], []).append((p, s))
                break
            i = p.find(".Properties", i + 1)
    return out


def _text(x: Any) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, dict | list):
        raise ValueError("cannot join a structured value")
    return str(x)


def _norm(x: Any) -> Any:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | float):
        return str(x)
    return x


def _has_unknown(x: Any) -> bool:
    if isinstance(x, dict):
        return is_unknown(x) or any(_has_unknown(v) for v in x.values())
    if isinstance(x, list):
        return any(_has_unknown(v) for v in x)
    return False


def _unknown_exprs(x: Any) -> list[str]:
    from policyguard.model import unknown_expressions

    return unknown_expressions(x) if x is not _NOVALUE else []


# --------------------------------------------------------------------------- the template
def _params(template: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    params = template.get("Parameters")
    if not isinstance(params, dict):
        return out
    for name, spec in params.items():
        ptype = str(spec.get("Type", "String")) if isinstance(spec, dict) else "String"
        if not isinstance(spec, dict) or "Default" not in spec:
            out[name] = unknown(f"!Ref {name}", "parameter without Default")
            continue
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            out[name] = unknown(f"!Ref {name}", f"resolved from SSM parameter {spec['Default']}")
            continue
        default = spec["Default"]
        if (ptype == "CommaDelimitedList" or ptype.startswith("List<")) and isinstance(default, str):
            default = [s.strip() for s in default.split(",")] if default else []
        out[name] = default
    return out


def _substitute(value: Any, ident: str, item: Any) -> Any:
    """Fn::ForEach body with ``${ident}``/``&{ident}`` and ``Ref ident`` replaced by ``item``."""
    if isinstance(value, str):
        return value.replace("${" + ident + "}", str(item)).replace("&{" + ident + "}", re.sub(r"[^A-Za-z0-9]", "", str(item)))
    if isinstance(value, list):
        return [_substitute(v, ident, item) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": ident}:
            return item
        return {_substitute(k, ident, item): _substitute(v, ident, item) for k, v in value.items()}
    return value


def _loop_size(tmpl: dict[str, Any]) -> int:
    """Resources one iteration of a ``Fn::ForEach`` template makes, nested loops multiplied."""
    n = 0
    for k, v in tmpl.items():
        if isinstance(k, str) and k.startswith("Fn::ForEach::") and isinstance(v, list) and len(v) == 3:
            coll = v[1]
            inner = len(coll) if isinstance(coll, list) else 1
            n += inner * (_loop_size(v[2]) if isinstance(v[2], dict) else 1)
        else:
            n += 1
    return max(n, 1)


def _node_count(value: Any, cap: int = 10_000_000) -> int:
    """Nodes of a loaded template value (aliases counted where they appear), stopping at ``cap``."""
    count, stack = 0, [value]
    while stack and count < cap:
        v = stack.pop()
        count += 1
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return count


@dataclass
class _Def:
    """A resource definition after ``Fn::ForEach`` expansion."""

    logical_id: str
    body: Any
    source_path: str  # where the definition sits in the document (for spans)


def _expand_resources(entries: list[tuple[str, Any, str]], params: dict[str, Any], errors: list[tuple[str, str]]) -> list[_Def]:
    """``(key, body, source path)`` entries of ``Resources`` with ``Fn::ForEach`` loops expanded.

    Each resource counts against the unit's instance budget, and a loop's whole cost (its
    collection's size times its template's, nested loops multiplied through) is reserved
    before any copy is made: a 300 x 300 ``Fn::ForEach`` stops before it is built."""
    budget = current_budget()
    out: list[_Def] = []
    for key, body, spath in entries:
        if not key.startswith("Fn::ForEach::"):
            try:
                budget.add_instances(1, f"resource {key}")
            except LimitExceeded as exc:
                exc.where = exc.where or spath
                raise
            out.append(_Def(key, body, spath))
            continue
        if not (isinstance(body, list) and len(body) == 3):
            errors.append((spath, f"{key}: Fn::ForEach needs [identifier, collection, template]"))
            continue
        ident, coll, tmpl = body
        if isinstance(coll, dict) and set(coll) == {"Ref"}:
            coll = params.get(str(coll["Ref"]))
        if not isinstance(ident, str) or not isinstance(coll, list) or not isinstance(tmpl, dict):
            errors.append((spath, f"{key}: Fn::ForEach collection cannot be resolved from the template"))
            continue
        tpath = child_path(spath, 2)
        try:
            budget.check_items(len(coll), f"{key} collection")
            budget.reserve_instances(len(coll) * _loop_size(tmpl), f"{key}: {len(coll)} x {_loop_size(tmpl)} resources")
            budget.charge(len(coll) * _node_count(tmpl) * 16)  # the copies the loop makes
        except LimitExceeded as exc:
            exc.where = exc.where or spath
            raise
        for item in coll:
            inner = [(_substitute(k, ident, item), _substitute(v, ident, item), child_path(tpath, k)) for k, v in tmpl.items()]
            out.extend(_expand_resources(inner, params, errors))
    return out


def parse_template(value: Any, spans: dict[str, Span], doc_span: Span, file: str) -> ParseResult:
    """Resources of one loaded template document."""
    result = ParseResult()

    def err(path: str, message: str) -> None:
        s = spans.get(path, doc_span)
        result.errors.append(ParseError(file, s.start_line, s.start_col, message))

    if not isinstance(value, dict):
        err("", "CloudFormation template is not a mapping")
        return result
    resources = value.get("Resources")
    if not isinstance(resources, dict):
        err("Resources" if "Resources" in value else "", "CloudFormation template has no Resources mapping")
        return result

    with unit_budget():
        try:
            return _parse_resources(value, resources, spans, doc_span, file, result, err)
        except LimitExceeded as exc:  # the unit's budget is spent: none of its resources is judged
            from policyguard.parsers.errors import limit_error

            result.resources.clear()
            if exc.file is None:
                s = spans.get(exc.where, doc_span)
                exc.locate(file, s.start_line, s.start_col, exc.where)
            result.errors.append(limit_error(exc, file))
            return result


def _parse_resources(value: dict[str, Any], resources: dict[str, Any], spans: dict[str, Span], doc_span: Span, file: str,
                     result: ParseResult, err: Callable[[str, str], None]) -> ParseResult:
    transform = value.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    sam_template = SAM_TRANSFORM in transforms
    params = _params(value)
    mappings = value.get("Mappings") if isinstance(value.get("Mappings"), dict) else {}
    conditions = value.get("Conditions") if isinstance(value.get("Conditions"), dict) else {}
    expand_errors: list[tuple[str, str]] = []
    entries = [(k, v, child_path("Resources", k)) for k, v in resources.items()]
    defs = _expand_resources(entries, params, expand_errors)
    for epath, msg in expand_errors:
        err(epath, msg)
    ctx = _Context(params, mappings or {}, conditions or {}, {d.logical_id for d in defs})
    by_props = _spans_by_properties(spans, {child_path(d.source_path, "Properties") for d in defs})
    globals_ = value.get("Globals") if isinstance(value.get("Globals"), dict) else {}
    source_format = CDK_FORMAT if any(_construct_path(d.body) or _is_cdk_metadata(d.body) for d in defs) else PLATFORM

    for d in defs:
        body = d.body
        if not isinstance(body, dict):
            err(d.source_path, f"resource {d.logical_id} is not a mapping")
            continue
        if _is_cdk_metadata(body):
            continue
        rtype = body.get("Type")
        if isinstance(rtype, dict) and any(str(k).startswith("Rain::") for k in rtype):
            s = spans.get(child_path(d.source_path, "Type"), spans.get(d.source_path, doc_span))
            result.errors.append(ParseError(file, s.start_line, s.start_col,
                f"resource {d.logical_id} is a Rain module ({render(rtype)}), not rendered: package the template with `rain pkg` and scan the output",
                ErrorKind.TEMPLATE))  # fmt: skip
            continue
        if not isinstance(rtype, str) or not rtype:
            err(d.source_path, f"resource {d.logical_id} has no Type")
            continue
        props = body.get("Properties", {})
        if props is None:
            props = {}
        if not isinstance(props, dict):
            err(child_path(d.source_path, "Properties"), f"Properties of {d.logical_id} is not a mapping")
            continue
        resolver = _Resolver(ctx, d.logical_id)
        meta: dict[str, Any] = {k: body[k] for k in META_KEYS if k in body}
        if isinstance(body.get("Condition"), str):
            meta["condition_value"] = resolver.condition(body["Condition"])
        sam = rtype.startswith("AWS::Serverless::")
        props_path = child_path(d.source_path, "Properties")
        extra_spans: dict[str, Span] = {}
        if sam or sam_template:
            meta["sam"] = True
        if sam and globals_:
            section = globals_.get(rtype.split("::")[-1])
            if isinstance(section, dict):
                taken = [k for k in section if k not in props]
                if taken:
                    props = {**{k: section[k] for k in taken}, **props}
                    meta["sam_globals"] = taken
                    gbase = child_path("Globals", rtype.split("::")[-1])
                    for k in taken:
                        kp = child_path(gbase, k)
                        for p, sp in spans.items():
                            if p == kp or (p.startswith(kp) and p[len(kp)] in ".["):
                                extra_spans[child_path("", k) + p[len(kp) :]] = sp
        try:
            attributes = resolver.value(props, "")
        except LimitExceeded as exc:
            if exc.file is None:
                s = spans.get(d.source_path, doc_span)
                exc.locate(file, s.start_line, s.start_col, f"resource {d.logical_id}")
            raise
        for lpath, lost in resolver.limited:  # values lost to a per-value limit, located at their property
            full = props_path + ("." + lpath if lpath and not lpath.startswith("[") else lpath)
            s = spans.get(full, spans.get(d.source_path, doc_span))
            from policyguard.parsers.errors import limit_error

            lost.locate(file, s.start_line, s.start_col, full.removeprefix("Resources."))
            result.errors.append(limit_error(lost, file))

        # spans: property paths relative to Properties, then moved where intrinsics resolved
        rel: dict[str, Span] = dict(extra_spans)
        plen = len(props_path)
        for p, s in by_props.get(props_path, ()):
            rel[p[plen + 1 :] if p[plen] == "." else p[plen:]] = s
        for src, dst in resolver.moves:
            slen = len(src)
            for p, s in list(rel.items()):
                if p.startswith(src) and len(p) > slen and p[slen] in ".[":
                    rest = p[slen:]
                    rel.setdefault((dst + rest) if dst else rest.lstrip("."), s)
        present = _attribute_paths(attributes)
        rel = {p: sp for p, sp in rel.items() if p in present}
        span = spans.get(d.source_path, doc_span)
        result.resources.append(
            Resource(
                id=d.logical_id,
                platform=PLATFORM,
                type=rtype,
                name=d.logical_id,
                attributes=attributes if isinstance(attributes, dict) else {},
                span=span,
                source_format=source_format,
                attribute_spans=rel,
                references=resolver.refs,
                meta=meta,
                construct_path=_construct_path(body),
            )
        )
    return result


def _construct_path(body: Any) -> str:
    """The CDK construct path of a resource definition ("" when it has none)."""
    md = body.get("Metadata") if isinstance(body, dict) else None
    path = md.get(CDK_PATH_KEY) if isinstance(md, dict) else None
    return path if isinstance(path, str) else ""


def _is_cdk_metadata(body: Any) -> bool:
    return isinstance(body, dict) and body.get("Type") == CDK_METADATA_TYPE


def parse_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    """Every resource of a CloudFormation/SAM template file (YAML or JSON)."""
    try:
        text = read_text(path, limits)
    except SourceError as exc:
        return ParseResult(errors=[exc.error])
    file = str(path)
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix == ".template" and text.lstrip().startswith("{"))
    docs, err = (load_json if is_json else load_yaml)(text, file, limits)
    return parse_documents(file, docs, err)


def parse_documents(file: str, docs: list[Document], err: ParseError | None) -> ParseResult:
    """Resources of an already loaded template (``err``: the load's error, if any)."""
    result = ParseResult()
    if err is not None:
        result.errors.append(err)
    docs = [d for d in docs if d.value is not None]
    if not docs:
        return result
    if len(docs) > 1:
        s = docs[1].span
        result.errors.append(ParseError(file, s.start_line, s.start_col, "a CloudFormation template is one YAML document; later documents ignored"))
    value = resolve_yn(docs[0].value, False) if docs[0].yn else docs[0].value
    result.extend(parse_template(value, docs[0].spans, docs[0].span, file))
    return result


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A template file unit (``policyguard.formats``)."""
    return parse_file(unit.path)
