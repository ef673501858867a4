"""Terraform modules: load a directory, evaluate it lazily and emit resources.

A ``ModuleDef`` is the parsed content of one directory (cached per process, so a module called
from many roots is parsed once). A ``ModuleInstance`` is one instantiation of it (the root, or
``module.x[0]``) with its own memoised variables, locals and outputs. Names are resolved
on demand, so only what resources actually use is evaluated.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS, LimitExceeded, current_budget, depth_message, json_too_deep
from policyguard.model import (
    CallSite,
    ErrorKind,
    ParseError,
    ParseResult,
    Reference,
    Resource,
    Span,
    format_path,
    is_unknown,
    unknown,
)
from policyguard.parsers import numbers

from . import functions as fn
from .evaluate import Env, EvalError, NoReferences, because, deep_unknown, ev, eval_constant, safe_eval
from .hcl import Attribute, Block, Body, Expr, GetAttr, HclSyntaxError, Index, Lit, ObjectE, Scope, TupleE, parse_source

if TYPE_CHECKING:
    from policyguard.modfetch.manifest import FetchedModule

MAX_MODULE_DEPTH = 24
MAX_INSTANCES = 10_000
RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
RESOURCE_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


# --------------------------------------------------------------------------- files
class SourceCache:
    """Parsed sources kept for reuse (a module called from several roots is parsed once), least
    recently used first out, holding at most ``budget`` bytes of source text: a scan worker
    judges unit after unit of a repository of any size, and a cache bounded by entries held
    every file's syntax tree (tens of times its text) until thousands had been parsed."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.weight = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()

    def get(self, key: Any) -> Any:
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, key: Any, value: Any, weight: int) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while self.weight > self.budget and len(self._items) > 1:
            _, (_, w) = self._items.popitem(last=False)
            self.weight -= w

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.weight = 0


# parsed files and modules: 4 MiB of source each (their trees are ~10x that in memory)
_FILE_CACHE = SourceCache(4 * 1024 * 1024)


def load_file(path: Path) -> Body:
    """Parse one .tf (or .tf.json) file, cached per process with the bytes it was parsed from
    (a cached parse counts as a read of them: ``fsread.note_read``); raises HclSyntaxError."""
    from policyguard.fsread import ReadError, check_regular, note_read, read_regular

    sp = str(path)
    try:
        st = check_regular(path)  # a FIFO or /dev/zero named main.tf is never opened
    except ReadError as exc:
        raise HclSyntaxError(sp, 1, 1, exc.message, exc.kind) from None
    key = (sp, st.st_mtime_ns, st.st_size)
    cached = _FILE_CACHE.get(key)
    hit: Body | HclSyntaxError
    if cached is None:
        data = b""
        try:
            data = read_regular(path, DEFAULT_LIMITS.max_file_bytes)
            if sp.endswith(".json"):
                from .tfjson import parse_tf_json

                hit = parse_tf_json(sp, data)
            else:
                hit = parse_source(sp, data)
        except HclSyntaxError as exc:
            hit = exc
        except ReadError as exc:
            hit = HclSyntaxError(sp, exc.line, exc.column, exc.message, exc.kind)
        _FILE_CACHE.put(key, (hit, data), st.st_size + 256)  # the bytes add a tenth to the tree
    else:
        hit, data = cached
        if data:
            note_read(path, data)
    if isinstance(hit, HclSyntaxError):
        raise hit
    return hit


def error_of(exc: HclSyntaxError) -> ParseError:
    return ParseError(exc.file, exc.line, exc.column, exc.message, exc.kind)


def tf_files(directory: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    # every non-directory entry: a FIFO or device named x.tf must be a located error, not vanish
    return [directory / n for n in names if (n.endswith(".tf") or n.endswith(".tf.json")) and not (directory / n).is_dir()]


# --------------------------------------------------------------------------- module definition
@dataclass(slots=True)
class ModuleDef:
    """A Terraform module directory's declarations, by kind."""

    dir: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    resources: list[Block] = field(default_factory=list)
    managed: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    calls: dict[str, Block] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    resource_types: set[str] = field(default_factory=set)


def _err_at(span: Span, msg: str) -> ParseError:
    return ParseError(span.file, span.start_line, span.start_col, msg)


def _is_override(path: Path) -> bool:
    stem = path.name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _merge_block(orig: Block, over: Block) -> Block:
    """Terraform override-file merge: attributes replace, nested block types replace wholesale."""
    over_types = {b.type for b in over.body.blocks}
    body = Body(
        {**orig.body.attrs, **over.body.attrs},
        [b for b in orig.body.blocks if b.type not in over_types] + list(over.body.blocks),
    )
    return Block(orig.type, orig.labels, body, orig.span, orig.src, orig.construct_path)


def _apply_override(mdef: ModuleDef, blk: Block) -> bool:
    t = blk.type
    if t in ("resource", "data") and len(blk.labels) == 2:
        table = mdef.managed if t == "resource" else mdef.data
        key = (blk.labels[0], blk.labels[1])
        if key in table:
            merged = _merge_block(table[key], blk)
            mdef.resources[mdef.resources.index(table[key])] = merged
            table[key] = merged
            return True
    elif t == "variable" and blk.labels and blk.labels[0] in mdef.variables:
        mdef.variables[blk.labels[0]] = _merge_block(mdef.variables[blk.labels[0]], blk)
        return True
    elif t == "output" and blk.labels and blk.labels[0] in mdef.outputs:
        mdef.outputs[blk.labels[0]] = _merge_block(mdef.outputs[blk.labels[0]], blk)
        return True
    elif t == "module" and blk.labels and blk.labels[0] in mdef.calls:
        mdef.calls[blk.labels[0]] = _merge_block(mdef.calls[blk.labels[0]], blk)
        return True
    elif t == "locals":
        for name, attr in blk.body.attrs.items():
            mdef.locals[name] = attr
        return True
    return t in ("terraform", "provider")


def load_module(directory: Path, files: list[Path] | None = None) -> ModuleDef:
    mdef = ModuleDef(directory)
    paths = files if files is not None else tf_files(directory)
    paths = [p for p in paths if not _is_override(p)] + [p for p in paths if _is_override(p)]
    for path in paths:
        try:
            body = load_file(path)
        except HclSyntaxError as exc:
            mdef.errors.append(error_of(exc))
            continue
        override = _is_override(path)
        for blk in body.blocks:
            t = blk.type
            if override and _apply_override(mdef, blk):
                continue
            if t == "resource" or t == "data":
                if len(blk.labels) != 2:
                    mdef.errors.append(_err_at(blk.span, f"{t} block needs two labels (type and name), got {len(blk.labels)}"))
                    continue
                key = (blk.labels[0], blk.labels[1])
                table = mdef.managed if t == "resource" else mdef.data
                if key in table:
                    prev = table[key].span
                    mdef.errors.append(
                        _err_at(blk.span, f"duplicate {t} {key[0]}.{key[1]} (first declared at {prev.file}:{prev.start_line})")
                    )
                    continue
                table[key] = blk
                mdef.resources.append(blk)
                if t == "resource":
                    mdef.resource_types.add(key[0])
            elif t == "variable" and blk.labels:
                mdef.variables[blk.labels[0]] = blk
            elif t == "locals":
                for name, attr in blk.body.attrs.items():
                    if name in mdef.locals:
                        prev = mdef.locals[name].span
                        mdef.errors.append(
                            _err_at(attr.span, f"duplicate local value {name!r} (first at {prev.file}:{prev.start_line})")
                        )
                        continue
                    mdef.locals[name] = attr
            elif t == "output" and blk.labels:
                mdef.outputs[blk.labels[0]] = blk
            elif t == "module" and blk.labels:
                if blk.labels[0] in mdef.calls:
                    mdef.errors.append(_err_at(blk.span, f"duplicate module call {blk.labels[0]!r}"))
                    continue
                mdef.calls[blk.labels[0]] = blk
            elif t == "provider" and blk.labels:
                mdef.providers.append(blk)
    return mdef


_MODULE_CACHE = SourceCache(4 * 1024 * 1024)


def cached_module(directory: Path) -> ModuleDef:
    from policyguard.fsread import note_read, recording

    files = tf_files(directory)
    key_parts = [str(directory)]
    size = 256
    for f in files:
        try:
            st = f.stat()
            key_parts.append(f"{f.name}:{st.st_mtime_ns}:{st.st_size}")
            size += st.st_size
        except OSError:
            key_parts.append(f.name)
    key = "|".join(key_parts)
    cached: tuple[ModuleDef, dict[str, bytes]] | None = _MODULE_CACHE.get(key)
    if cached is None:
        with recording() as read:  # kept with the module: a cached module counts as read again
            cached = (load_module(directory, files), read)
        _MODULE_CACHE.put(key, cached, size)
    hit, read = cached
    for path, data in read.items():
        note_read(path, data)
    return hit


# --------------------------------------------------------------------------- helpers
def index_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(str(key)) + "]"


class _Cycle(EvalError):
    pass


_NOT_KNOWN = object()


def modules_manifest(root: Path) -> dict[str, str]:
    """``.terraform/modules/modules.json``: module key (``a.b``) -> downloaded directory."""
    from policyguard.fsread import ReadError, read_regular

    path = root / ".terraform" / "modules" / "modules.json"
    try:
        doc = json.loads(read_regular(path, DEFAULT_LIMITS.max_file_bytes))
    except (ReadError, ValueError, RecursionError):  # unreadable like absent: modules stay unresolved
        return {}
    out: dict[str, str] = {}
    for m in doc.get("Modules", []) if isinstance(doc, dict) else []:
        if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str):
            out[m["Key"]] = m["Dir"]
    return out


# --------------------------------------------------------------------------- instances
class Context:
    """State shared by every module instance of one root module evaluation."""

    def __init__(self, root: Path, result: ParseResult, read_roots: tuple[Path, ...] = (), workspace: str = "default",
                 fetched: tuple[FetchedModule, ...] = ()):
        self.root = root
        # remote calls resolved before parsing (--download-modules), by modules.json key
        self.fetched = {f.key: f for f in fetched}
        self.result = result
        self.workspace = workspace  # terraform.workspace
        self.read_roots = read_roots or (root.resolve(),)  # where file() may read
        self._manifest: dict[str, str] | None = None
        self._seen_errors: set[tuple[str, int, int, str]] = set()

    @property
    def manifest(self) -> dict[str, str]:
        if self._manifest is None:
            self._manifest = modules_manifest(self.root)
        return self._manifest

    def error(self, err: ParseError) -> None:
        k = (err.file, err.line, err.column, err.message)
        if k not in self._seen_errors:
            self._seen_errors.add(k)
            self.result.errors.append(err)


Expansion = list[tuple[Any, Any]] | dict[str, Any]  # [(key, each.value)] or an unknown marker


class ModuleInstance:
    def __init__(
        self,
        ctx: Context,
        mdef: ModuleDef,
        address: str,
        key_path: str,
        inputs: dict[str, tuple[Expr, Env]] | None,
        root_values: dict[str, Any] | None,
        ancestors: tuple[str, ...],
        call_chain: tuple[CallSite, ...] = (),
    ):
        self.ctx = ctx
        self.call_chain = call_chain  # the module blocks that made this instance, root first
        self.mdef = mdef
        self.address = address  # "" | "module.a" | "module.a[0].module.b"
        self.prefix = address + "." if address else ""
        self.key_path = key_path  # "a.b" for modules.json
        self.inputs = inputs
        self.root_values = root_values
        self.ancestors = ancestors
        self.module_dir = mdef.dir
        self.root_dir = ctx.root
        self.read_roots = ctx.read_roots
        try:
            self.path_module = os.path.relpath(mdef.dir, ctx.root)
        except ValueError:  # another drive on Windows
            self.path_module = str(mdef.dir)
        self._vars: dict[str, tuple[Any, list[tuple[str, str]]]] = {}
        self._locals: dict[str, tuple[Any, list[tuple[str, str]]]] = {}
        self._outputs: dict[str, tuple[Any, list[tuple[str, str]]]] = {}
        self._busy: set[str] = set()
        self._configured_cache: dict[str, tuple[Any]] = {}
        self._expansions: dict[int, Expansion] = {}
        self._children: dict[str, dict[Any, ModuleInstance] | str] = {}

    # -- memoised named values
    def _memo(self, table: dict[str, tuple[Any, list[tuple[str, str]]]], kind: str, name: str, env: Env, compute: Any) -> Any:
        hit = table.get(name)
        if hit is None:
            tag = f"{kind}.{name}"
            if tag in self._busy:
                raise _Cycle(f"cycle: {tag} depends on itself")
            self._busy.add(tag)
            try:
                sub = Env(self)
                value = compute(sub)
                hit = (value, sub.refs)
            finally:
                self._busy.discard(tag)
            table[name] = hit
        env.refs.extend(hit[1])
        return hit[0]

    def var(self, name: str, env: Env) -> Any:
        blk = self.mdef.variables.get(name)
        if blk is None:
            return unknown(f"var.{name}", f"variable {name!r} is not declared in {self.mdef.dir}")

        def compute(sub: Env) -> Any:
            if self.inputs is not None:
                given = self.inputs.get(name)
                if given is not None:
                    expr, penv = given
                    penv2 = Env(penv.res, penv.bindings, sub.refs)
                    value = safe_eval(expr, penv2)
                    if value is not None or not self._non_nullable(blk):
                        return value
            elif self.root_values is not None and name in self.root_values:
                return self.root_values[name]
            default = blk.body.attrs.get("default")
            if default is not None:
                return safe_eval(default.expr, sub)
            if self.inputs is not None:
                return unknown(f"var.{name}", f"input {name!r} not set by the module call and has no default")
            return unknown(f"var.{name}", "input variable has no value (no default, not set by tfvars or -var)")

        type_attr = blk.body.attrs.get("type")
        if type_attr is not None:
            from .types import convert

            texpr = type_attr.expr
            return self._memo(self._vars, "var", name, env, lambda sub: convert(compute(sub), texpr))
        return self._memo(self._vars, "var", name, env, compute)

    @staticmethod
    def _non_nullable(blk: Block) -> bool:
        """``nullable = false``: a null input takes the default instead."""
        attr = blk.body.attrs.get("nullable")
        return attr is not None and isinstance(attr.expr, Lit) and attr.expr.value is False and "default" in blk.body.attrs

    def local(self, name: str, env: Env) -> Any:
        attr = self.mdef.locals.get(name)
        if attr is None:
            raise EvalError(f"local.{name}: local value is not declared")
        return self._memo(self._locals, "local", name, env, lambda sub: ev(attr.expr, sub))

    def output(self, name: str, env: Env) -> Any:
        blk = self.mdef.outputs.get(name)
        if blk is None:
            raise EvalError(f"module output {name!r} is not declared in {self.mdef.dir}")
        value = blk.body.attrs.get("value")
        if value is None:
            return None
        return self._memo(self._outputs, "output", name, env, lambda sub: safe_eval(value.expr, sub))

    # -- name resolution (evaluate.Resolver)
    def resolve(self, name: str, steps: list[Expr], env: Env) -> tuple[Any, int]:
        first = steps[0] if steps else None
        if name == "var":
            if not isinstance(first, GetAttr):
                raise EvalError("var must be followed by a variable name")
            return self.var(first.name, env), 1
        if name == "local":
            if not isinstance(first, GetAttr):
                raise EvalError("local must be followed by a name")
            return self.local(first.name, env), 1
        if name == "path":
            # as in Terraform: relative to the working directory, which is the root module
            return {"module": self.path_module, "root": ".", "cwd": "."}, 0
        if name == "terraform":
            return {"workspace": self.ctx.workspace}, 0
        if name in ("count", "each"):
            raise EvalError(f"{name} is only available inside a resource or module with {'count' if name == 'count' else 'for_each'}")
        if name == "self":
            return unknown("self", "self refers to the resource being created (known after apply)"), 0
        if name == "module":
            return self._module_ref(steps, env)
        if name == "data":
            if len(steps) < 2 or not isinstance(first, GetAttr) or not isinstance(steps[1], GetAttr):
                raise EvalError("data must be followed by a type and a name")
            return self._resource_ref(first.name, steps[1:], env, data=True, base_used=1)
        if not steps:
            raise EvalError(f"unknown name {name!r}")
        return self._resource_ref(name, steps, env, data=False, base_used=0)

    def _resource_ref(self, rtype: str, steps: list[Expr], env: Env, *, data: bool, base_used: int) -> tuple[Any, int]:
        first = steps[0]
        if not isinstance(first, GetAttr):
            raise EvalError(f"{rtype} must be followed by a resource name")
        rname = first.name
        table = self.mdef.data if data else self.mdef.managed
        blk = table.get((rtype, rname))
        base = f"{self.prefix}{'data.' if data else ''}{rtype}.{rname}"
        used = 1
        if blk is None:
            what = "data source" if data else "resource"
            missing: Expr = steps[1] if len(steps) > 1 and isinstance(steps[1], GetAttr) else first
            consumed = base_used + used + (1 if missing is not first else 0)
            return unknown(missing.text, f"{what} {rtype}.{rname} is not declared in this module"), consumed
        targets: list[str]
        expansion = self.expansion(blk)
        if len(steps) > 1 and isinstance(steps[1], Index):
            key = ev(steps[1].key, env)
            used = 2
            if is_unknown(key) or isinstance(expansion, dict):
                targets = self._instance_ids(base, expansion)
            else:
                targets = [base + index_suffix(key if isinstance(key, int) and not isinstance(key, bool) else fn.to_str(key))]
        else:
            targets = self._instance_ids(base, expansion)
        node: Expr = steps[used - 1]
        attr_step: GetAttr | None = None
        if len(steps) > used:
            nxt = steps[used]
            if isinstance(nxt, GetAttr):
                attr_step = nxt
        if attr_step is not None:
            node = attr_step
            used += 1
        text = node.text
        for t in targets:
            env.refs.append((t, text))
        if attr_step is not None and not data and len(targets) == 1:
            # an argument set in the configuration is known at plan time, as in `terraform plan`
            known = self._configured(blk, base, targets[0], expansion, attr_step.name)
            if known is not _NOT_KNOWN:
                return known, base_used + used
        if data:
            reason = f"data source {rtype}.{rname} is read at plan/apply time"
        else:
            reason = f"attribute of {rtype}.{rname} known after apply"
        return unknown(text, reason), base_used + used

    def _configured(self, blk: Block, base: str, target: str, expansion: Expansion, name: str) -> Any:
        """The evaluated argument ``name`` of one resource instance, or _NOT_KNOWN."""
        attr = blk.body.attrs.get(name)
        if attr is None or name in RESOURCE_META or isinstance(expansion, dict):
            return _NOT_KNOWN
        suffix = target[len(base) :]
        inst = next(((k, v) for k, v in expansion if index_suffix(k) == suffix), None)
        if inst is None:
            return _NOT_KNOWN
        tag = f"{target}.{name}"
        hit = self._configured_cache.get(tag)
        if hit is None:
            if tag in self._busy:
                return _NOT_KNOWN
            self._busy.add(tag)
            try:
                value = safe_eval(attr.expr, Env(self, self.bindings_for(blk, inst[0], inst[1], expansion)))
            finally:
                self._busy.discard(tag)
            hit = self._configured_cache[tag] = (value,)
        value = hit[0]
        if value is None or deep_unknown(value) is not None:
            return _NOT_KNOWN  # null: optional+computed arguments are filled in by the provider
        return value

    @staticmethod
    def _instance_ids(base: str, expansion: Expansion) -> list[str]:
        if isinstance(expansion, dict):
            return [base]
        return [base + index_suffix(k) for k, _ in expansion]

    def _module_ref(self, steps: list[Expr], env: Env) -> tuple[Any, int]:
        first = steps[0] if steps else None
        if not isinstance(first, GetAttr):
            raise EvalError("module must be followed by a module name")
        name = first.name
        call = self.mdef.calls.get(name)
        if call is None:
            return unknown(first.text, f"module {name!r} is not declared"), 1
        env.refs.append((f"{self.prefix}module.{name}", first.text))
        children = self.children(name)
        expansion = self.expansion(call)
        used = 1
        multi = "count" in call.body.attrs or "for_each" in call.body.attrs
        if isinstance(children, str):
            node = steps[1] if len(steps) > 1 and isinstance(steps[1], GetAttr) else first
            if multi and len(steps) > 2 and isinstance(steps[1], Index) and isinstance(steps[2], GetAttr):
                node = steps[2]
            return unknown(node.text, children), steps.index(node) + 1
        inst: ModuleInstance | None = None
        if multi:
            if isinstance(expansion, dict):
                return because(first, expansion), 1
            if len(steps) > 1 and isinstance(steps[1], Index):
                key = ev(steps[1].key, env)
                if is_unknown(key):
                    return because(steps[1], key), 2
                if not isinstance(key, int) or isinstance(key, bool):
                    key = fn.to_str(key)
                inst = children.get(key)
                if inst is None:
                    raise EvalError(f"{steps[1].text}: no such module instance")
                used = 2
            else:
                # the whole module: a list (count) or map (for_each) of output objects
                whole = [(k, c.all_outputs(env)) for k, c in children.items()]
                if "count" in call.body.attrs:
                    return [v for _, v in whole], 1
                return {str(k): v for k, v in whole}, 1
        else:
            inst = children.get(None)
        assert inst is not None
        if len(steps) > used and isinstance(steps[used], GetAttr):
            return inst.output(steps[used].name, env), used + 1  # type: ignore[attr-defined]
        return inst.all_outputs(env), used

    def all_outputs(self, env: Env) -> dict[str, Any]:
        return {name: self.output(name, env) for name in self.mdef.outputs}

    # -- count / for_each
    def expansion(self, blk: Block) -> Expansion:
        k = id(blk)
        hit = self._expansions.get(k)
        if hit is None:
            hit = self._expansions[k] = self._expand(blk)
        return hit

    def _expand(self, blk: Block) -> Expansion:
        """The instances of ``blk`` in this module instance; each counts against the unit's
        instance budget, so counts multiply through module nesting (``count = 100`` calling
        ``count = 100`` calling ...) and many blocks add up (30 x ``count = 10000``)."""
        hit = self._expand_keys(blk)
        if not isinstance(hit, dict) and hit:
            meta = blk.body.attrs.get("count") or blk.body.attrs.get("for_each")
            try:
                what = f"{len(hit)} instance(s) of {blk.type} {'.'.join(blk.labels)}" + (f" in {self.address}" if self.address else "")
                current_budget().add_instances(len(hit), what)
            except LimitExceeded as exc:
                s = meta.span if meta is not None else blk.span
                where = f"{meta.expr.text}" if meta is not None else blk.type
                raise exc.locate(s.file, s.start_line, s.start_col, where) from None
        return hit

    def _expand_keys(self, blk: Block) -> Expansion:
        attrs = blk.body.attrs
        env = Env(self)
        if "count" in attrs:
            v = safe_eval(attrs["count"].expr, env)
            if is_unknown(v):
                return v
            try:
                n = fn.to_int(v)
            except fn.FuncError as exc:
                return unknown(attrs["count"].expr.text, f"invalid count: {exc}")
            if n > MAX_INSTANCES:
                s = attrs["count"].span
                self.ctx.error(ParseError(s.file, s.start_line, s.start_col, f"count = {n} exceeds the limit of {MAX_INSTANCES} instances", ErrorKind.LIMIT))
                return unknown(attrs["count"].expr.text, "count over the instance limit")
            return [(i, None) for i in range(max(n, 0))]
        if "for_each" in attrs:
            v = safe_eval(attrs["for_each"].expr, env)
            if is_unknown(v):
                return v
            if isinstance(v, dict):
                items = [(k, v[k]) for k in sorted(v)]
            elif isinstance(v, list):
                if any(is_unknown(x) for x in v):
                    return unknown(attrs["for_each"].expr.text, "for_each set contains unknown values")
                try:
                    keys = sorted({fn.to_str(x) for x in v})
                except fn.FuncError as exc:
                    return unknown(attrs["for_each"].expr.text, f"for_each needs a map or a set of strings: {exc}")
                items = [(x, x) for x in keys]
            elif v is None:
                return unknown(attrs["for_each"].expr.text, "for_each is null")
            else:
                return unknown(attrs["for_each"].expr.text, f"for_each needs a map or a set of strings, got {fn.type_name(v)}")
            if len(items) > MAX_INSTANCES:
                s = attrs["for_each"].span
                self.ctx.error(ParseError(s.file, s.start_line, s.start_col,
                                          f"for_each over {len(items)} elements exceeds the limit of {MAX_INSTANCES} instances", ErrorKind.LIMIT))
                return unknown(attrs["for_each"].expr.text, "for_each over the instance limit")
            return items
        return [(None, None)]

    @staticmethod
    def bindings_for(blk: Block, key: Any, each_value: Any, expansion: Expansion) -> dict[str, Any]:
        attrs = blk.body.attrs
        if isinstance(expansion, dict):
            if "count" in attrs:
                return {"count": {"index": because("count.index", expansion)}}
            return {"each": {"key": because("each.key", expansion), "value": because("each.value", expansion)}}
        if "count" in attrs:
            return {"count": {"index": key}}
        if "for_each" in attrs:
            return {"each": {"key": key, "value": each_value}}
        return {}

    # -- child modules
    def children(self, name: str) -> dict[Any, ModuleInstance] | str:
        hit = self._children.get(name)
        if hit is None:
            hit = self._children[name] = self._load_children(name)
        return hit

    def _load_children(self, name: str) -> dict[Any, ModuleInstance] | str:
        call = self.mdef.calls[name]
        attrs = call.body.attrs
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        src_attr = attrs.get("source")
        if src_attr is None:
            self.ctx.error(_err_at(call.span, f"module {name!r} has no source"))
            return f"module {name!r} has no source"
        source = safe_eval(src_attr.expr, Env(self))
        if not isinstance(source, str):
            return f"module {name!r} source is not a literal string"
        directory: Path | None = None
        fetched = self.ctx.fetched.get(key_path)
        if fetched is not None and fetched.error:
            return fetched.error
        if source.startswith("./") or source.startswith("../") or source in (".", ".."):
            directory = Path(os.path.normpath(self.mdef.dir / source))
        else:
            downloaded = self.ctx.manifest.get(key_path)
            if downloaded is not None:
                directory = Path(os.path.normpath(self.ctx.root / downloaded))
            elif fetched is not None:
                directory = Path(fetched.directory)
        if directory is None:
            return f"remote module {source!r} is not on disk (run terraform init to download it)"
        if not directory.is_dir() or not tf_files(directory):
            return f"module source {source!r} ({directory}) has no Terraform files"
        dkey = str(directory.resolve())
        if dkey in self.ancestors:
            self.ctx.error(_err_at(call.span, f"module {name!r} calls itself recursively ({source})"))
            return f"module {source!r} is recursive"
        if len(self.ancestors) >= MAX_MODULE_DEPTH:
            self.ctx.error(ParseError(call.span.file, call.span.start_line, call.span.start_col, f"modules nested deeper than {MAX_MODULE_DEPTH} levels", ErrorKind.LIMIT))
            return "module nesting limit"
        mdef = cached_module(directory)
        for err in mdef.errors:
            self.ctx.error(err)
        expansion = self.expansion(call)
        out: dict[Any, ModuleInstance] = {}
        if isinstance(expansion, dict):
            keys: list[tuple[Any, Any]] = [(None, None)]
        else:
            keys = expansion
        for key, each_value in keys:
            bindings = self.bindings_for(call, key, each_value, expansion)
            penv = Env(self, bindings)
            inputs = {n: (a.expr, penv) for n, a in attrs.items() if n not in MODULE_META}
            address = f"{self.prefix}module.{name}{index_suffix(key)}"
            was_fetched = fetched is not None and bool(fetched.directory) and self.ctx.manifest.get(key_path) is None
            site = CallSite(address, call.span.file, call.span.start_line, call.span.start_col, source,
                            fetched.resolved if was_fetched and fetched is not None else _literal(call, "version"),
                            was_fetched)
            out[key] = ModuleInstance(self.ctx, mdef, address, key_path, inputs, None, self.ancestors + (dkey,),
                                      self.call_chain + (site,))
        return out

    # -- emitting resources
    def build(self) -> None:
        result = self.ctx.result
        for blk in self.mdef.resources:  # every expansion first: a unit over its instance budget
            self.expansion(blk)  # stops before any instance is evaluated
        for call in self.mdef.calls.values():
            self.expansion(call)
        for blk in self.mdef.providers:
            result.resources.append(self._provider(blk))
        for blk in self.mdef.resources:
            self._resources(blk)
        for name, call in self.mdef.calls.items():
            children = self.children(name)
            expansion = self.expansion(call)
            self._module_resources(name, call, children, expansion)
            if not isinstance(children, str):
                for child in children.values():
                    child.build()

    def _provider(self, blk: Block) -> Resource:
        pname = blk.labels[0]
        attrs, spans, refs = self.eval_body(blk.body, {}, top=False)
        alias = attrs.get("alias")
        pid = f"{self.prefix}provider.{pname}" + (f".{alias}" if isinstance(alias, str) else "")
        return self._resource(pid, f"provider.{pname}", pname, blk.span, (attrs, spans, refs), {})

    def _resource(self, rid: str, rtype: str, name: str, span: Span,
                  evaluated: tuple[dict[str, Any], dict[str, Span], list[Reference]], meta: dict[str, Any],
                  construct_path: str = "") -> Resource:
        """A model resource of this module instance from an evaluated block (``eval_body``);
        ``construct_path``: the CDK for Terraform construct that synthesized it (source format cdktf)."""
        attrs, spans, refs = evaluated
        return Resource(
            id=rid,
            platform="terraform",
            type=rtype,
            name=name,
            attributes=attrs,
            span=span,
            source_format="cdktf" if construct_path else "terraform",
            module=self.address,
            attribute_spans=spans,
            references=refs,
            meta=meta,
            construct_path=construct_path,
            call_chain=self.call_chain,
        )

    def _resources(self, blk: Block) -> None:
        data = blk.type == "data"
        rtype, rname = blk.labels
        base = f"{self.prefix}{'data.' if data else ''}{rtype}.{rname}"
        expansion = self.expansion(blk)
        keys: list[tuple[Any, Any]] = [(None, None)] if isinstance(expansion, dict) else expansion
        meta_base: dict[str, Any] = {}
        battrs = blk.body.attrs
        if "provider" in battrs:
            meta_base["provider"] = battrs["provider"].expr.text
        if "depends_on" in battrs:
            dep = battrs["depends_on"].expr
            meta_base["depends_on"] = [x.text for x in dep.items] if isinstance(dep, TupleE) else dep.text
        if isinstance(expansion, dict):
            meta_base["expansion"] = expansion
        for key, each_value in keys:
            bindings = self.bindings_for(blk, key, each_value, expansion)
            evaluated = self.eval_body(blk.body, bindings, top=True)
            meta = dict(meta_base)
            if key is not None:
                meta["index"] = key
            for b in blk.body.blocks:
                if b.type == "lifecycle":
                    meta["lifecycle"] = self.eval_body(b.body, bindings, top=False)[0]
            self.ctx.result.resources.append(
                self._resource(base + index_suffix(key), f"data.{rtype}" if data else rtype, rname, blk.span, evaluated, meta,
                               blk.construct_path))

    def _module_resources(self, name: str, call: Block, children: dict[Any, ModuleInstance] | str, expansion: Expansion) -> None:
        keys: list[tuple[Any, Any]] = [(None, None)] if isinstance(expansion, dict) else expansion
        src = call.body.attrs.get("source")
        source = src.expr.text.strip('"') if src is not None else ""
        for key, each_value in keys:
            bindings = self.bindings_for(call, key, each_value, expansion)
            evaluated = self.eval_body(call.body, bindings, top=True, skip=MODULE_META)
            meta: dict[str, Any] = {"source": source, "resolved": not isinstance(children, str)}
            fetched = self.ctx.fetched.get(f"{self.key_path}.{name}" if self.key_path else name)
            if fetched is not None:
                meta["download"] = ({"error": fetched.error} if fetched.error
                                    else {"resolved": fetched.resolved, "dir": fetched.directory})
            if isinstance(children, str):
                meta["reason"] = children
            else:
                child = children.get(key) or next(iter(children.values()), None)
                if child is not None:
                    meta["dir"] = str(child.mdef.dir)
            ver = call.body.attrs.get("version")
            if ver is not None:
                meta["version"] = ver.expr.text.strip('"')
            if key is not None:
                meta["index"] = key
            if isinstance(expansion, dict):
                meta["expansion"] = expansion
            self.ctx.result.resources.append(
                self._resource(f"{self.prefix}module.{name}{index_suffix(key)}", "module", name, call.span, evaluated, meta))

    # -- bodies -> attributes
    def eval_body(
        self, body: Body, bindings: dict[str, Any], *, top: bool, skip: frozenset[str] = RESOURCE_META
    ) -> tuple[dict[str, Any], dict[str, Span], list[Reference]]:
        spans: dict[str, Span] = {}
        refs: list[Reference] = []
        attrs = self._body(body, bindings, (), spans, refs, top, skip)
        return attrs, spans, refs

    def _body(
        self,
        body: Body,
        bindings: dict[str, Any],
        prefix: tuple[str | int, ...],
        spans: dict[str, Span],
        refs: list[Reference],
        top: bool,
        skip: frozenset[str],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, a in body.attrs.items():
            if top and name in skip:
                continue
            env = Env(self, bindings)
            out[name] = safe_eval(a.expr, env)
            p = prefix + (name,)
            key = format_path(p)
            spans[key] = a.span
            if isinstance(a.expr, (ObjectE, TupleE)):
                _literal_spans(a.expr, p, spans)
            for target, text in dict.fromkeys(env.refs):
                refs.append(Reference(key, target, text))
        for blk in body.blocks:
            btype = blk.type
            if top and btype in RESOURCE_META_BLOCKS:
                continue
            if btype == "dynamic" and blk.labels:
                self._dynamic(blk, bindings, prefix, spans, refs, out)
                continue
            lst = out.get(btype)
            if lst is None:
                lst = out[btype] = []
            elif not isinstance(lst, list):
                continue  # already unknown (a dynamic block with unknown for_each)
            p = prefix + (btype, len(lst))
            spans[format_path(p)] = blk.span
            lst.append(self._body(blk.body, bindings, p, spans, refs, False, skip))
        return out

    def _dynamic(
        self,
        blk: Block,
        bindings: dict[str, Any],
        prefix: tuple[str | int, ...],
        spans: dict[str, Span],
        refs: list[Reference],
        out: dict[str, Any],
    ) -> None:
        label = blk.labels[0]
        attrs = blk.body.attrs
        content = next((b for b in blk.body.blocks if b.type == "content"), None)
        lp = prefix + (label,)
        lkey = format_path(lp)
        fe = attrs.get("for_each")
        if fe is None or content is None:
            s = blk.span
            self.ctx.error(ParseError(s.file, s.start_line, s.start_col, f'dynamic "{label}" block needs for_each and a content block'))
            return
        it_name = label
        it = attrs.get("iterator")
        if it is not None and isinstance(it.expr, Scope):
            it_name = it.expr.name
        env = Env(self, bindings)
        coll = safe_eval(fe.expr, env)
        for target, text in dict.fromkeys(env.refs):
            refs.append(Reference(lkey, target, text))
        if lkey not in spans:
            spans[lkey] = blk.span
        if is_unknown(coll):
            out[label] = because(f'dynamic "{label}" for_each = {fe.expr.text}', coll)
            return
        if isinstance(coll, dict):
            items = [(k, coll[k]) for k in sorted(coll)]
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        elif coll is None:
            items = []
        else:
            out[label] = unknown(fe.expr.text, f"dynamic for_each needs a collection, got {fn.type_name(coll)}")
            return
        lst = out.get(label)
        if lst is None:
            lst = out[label] = []
        elif not isinstance(lst, list):
            return
        for k, v in items:
            b = {**bindings, it_name: {"key": k, "value": v}}
            p = prefix + (label, len(lst))
            spans[format_path(p)] = content.span
            lst.append(self._body(content.body, b, p, spans, refs, False, RESOURCE_META))


def _literal(call: Block, name: str) -> str:
    attr = call.body.attrs.get(name)
    return attr.expr.text.strip('"') if attr is not None else ""


def _literal_spans(expr: Expr, prefix: tuple[str | int, ...], spans: dict[str, Span]) -> None:
    """Spans of keys inside object literals and items of tuple literals (``tags.Name``)."""
    if isinstance(expr, ObjectE):
        for _k, v, static, span in expr.items:
            if static is None:
                continue
            p = prefix + (static,)
            spans[format_path(p)] = span
            if isinstance(v, (ObjectE, TupleE)):
                _literal_spans(v, p, spans)
    elif isinstance(expr, TupleE):
        if any(isinstance(x, (ObjectE, TupleE)) for x in expr.items) or len(expr.items) <= 64:
            for i, item in enumerate(expr.items):
                p = prefix + (i,)
                spans[format_path(p)] = item.span()
                if isinstance(item, (ObjectE, TupleE)):
                    _literal_spans(item, p, spans)


# --------------------------------------------------------------------------- root variables

def read_var_file(path: Path, root: Path, errors: list[ParseError]) -> dict[str, Any]:
    sp = str(path)
    if sp.endswith(".json"):
        from policyguard.fsread import ReadError, read_regular
        from policyguard.limits import DEFAULT_LIMITS

        try:
            raw = read_regular(path, DEFAULT_LIMITS.max_file_bytes)
        except ReadError as exc:
            errors.append(ParseError(sp, 1, 1, f"variables file: {exc.message}", exc.kind))
            return {}
        text = raw.decode("utf-8", "replace")
        deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
        if deep is not None:  # before decoding: the decoder may stop a nesting bomb itself
            errors.append(ParseError(sp, deep[0], deep[1], depth_message(DEFAULT_LIMITS.max_depth), ErrorKind.LIMIT))
            return {}
        try:
            text = raw.decode("utf-8-sig")
            doc = numbers.json_loads(text)
        except numbers.NumberError as exc:
            errors.append(ParseError(sp, *numbers.locate(text, exc.text), exc.message,
                                     ErrorKind.LIMIT if exc.limit else ErrorKind.PARSE))
            return {}
        except ValueError as exc:
            line = getattr(exc, "lineno", 1)
            col = getattr(exc, "colno", 1)
            errors.append(ParseError(sp, line, col, f"invalid JSON: {getattr(exc, 'msg', exc)}"))
            return {}
        if not isinstance(doc, dict):
            errors.append(ParseError(sp, 1, 1, "a .tfvars.json file must hold a JSON object"))
            return {}
        return doc
    try:
        body = load_file(path)
    except HclSyntaxError as exc:
        errors.append(error_of(exc))
        return {}
    out: dict[str, Any] = {}
    res = NoReferences(root)
    for name, attr in body.attrs.items():
        out[name] = safe_eval(attr.expr, Env(res))
    for blk in body.blocks:
        s = blk.span
        errors.append(ParseError(s.file, s.start_line, s.start_col, f"unexpected block {blk.type!r} in a variables file"))
    return out


def cli_variable(name: str, text: str, decl: Block | None) -> Any:
    """A ``-var NAME=VALUE``: a literal string unless the variable declares a non-string type."""
    if decl is None:
        return text
    t = decl.body.attrs.get("type")
    if t is None or (isinstance(t.expr, Scope) and t.expr.name == "string"):
        return text
    from .hcl import parse_expression

    try:
        expr = parse_expression(text, f"-var {name}")
    except HclSyntaxError as exc:
        raise EvalError(f"-var {name}: {exc.message}") from None
    return eval_constant(expr)
