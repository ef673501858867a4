"""Expression evaluation over the HCL AST.

Values are plain JSON (str, int/float, bool, None, list, dict). A value that cannot be known
statically is an unknown marker (``model.unknown``) naming the expression; every operation on
an unknown operand yields a new marker naming the enclosing expression, with the innermost
unresolved expression in its ``reason``. Type errors raise ``EvalError``; the caller turns them
into a marker for that attribute (``try``/``can`` catch them, as in Terraform).

Names (``var.x``, ``local.y``, ``aws_s3_bucket.b.id``, ``module.m.out``...) are resolved by the
module instance through the ``Resolver`` protocol; the evaluator only handles local bindings
(``for`` variables, ``each``, ``count``, dynamic-block iterators).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from policyguard.limits import LimitExceeded, UnitBudget, current_budget
from policyguard.model import UNKNOWN_KEY, is_unknown, unknown
from policyguard.roots import inside

from . import functions as fn
from .hcl import (
    BinOp,
    Call,
    CondE,
    Expr,
    ForE,
    GetAttr,
    HclSyntaxError,
    Index,
    Lit,
    ObjectE,
    Scope,
    Splat,
    TFor,
    TIf,
    Tmpl,
    TupleE,
    UnOp,
)

MAX_EVAL_DEPTH = 200
MAX_TEMPLATE_FILE = 1024 * 1024


class EvalError(Exception):
    pass


class Resolver(Protocol):
    """What a module instance offers the evaluator."""

    module_dir: Path
    root_dir: Path
    read_roots: tuple[Path, ...]  # file() and its kin read nothing outside these (policyguard.roots)

    def resolve(self, name: str, steps: list[Expr], env: Env) -> tuple[Any, int]:
        """Value of the root name ``name`` followed by ``steps`` (GetAttr/Index nodes); returns the
        value and how many steps were consumed."""
        ...


class NoReferences:
    """Resolver for values that may not refer to anything: variables files, ``-var`` values and
    variable defaults."""

    def __init__(self, root: Path, what: str = "variables files"):
        self.module_dir = root
        self.root_dir = root
        self.read_roots: tuple[Path, ...] = (root.resolve(),)
        self.what = what

    def resolve(self, name: str, steps: list[Expr], env: Env) -> tuple[Any, int]:
        raise EvalError(f"{self.what} cannot refer to {name!r}")


def eval_constant(expr: Expr, root: Path = Path(".")) -> Any:
    """``expr`` evaluated without references (a reference is an error, so ``safe_eval`` gives unknown)."""
    return safe_eval(expr, Env(NoReferences(root)))


class Env:
    """One evaluation: the resolver, local bindings and the references seen so far."""

    __slots__ = ("res", "bindings", "refs", "depth", "budget")

    def __init__(self, res: Resolver, bindings: dict[str, Any] | None = None, refs: list[tuple[str, str]] | None = None):
        self.res = res
        self.bindings = bindings or {}
        self.refs: list[tuple[str, str]] = refs if refs is not None else []
        self.depth = 0
        self.budget: UnitBudget = current_budget()  # the unit's: every node evaluated spends from it

    def child(self, extra: dict[str, Any]) -> Env:
        e = Env(self.res, {**self.bindings, **extra}, self.refs)
        e.depth = self.depth
        e.budget = self.budget
        return e


def deep_unknown(v: Any) -> dict[str, Any] | None:
    """The first unknown marker inside ``v`` (or ``v`` itself), else None."""
    if isinstance(v, dict):
        if is_unknown(v):
            return v
        for x in v.values():
            if isinstance(x, (dict, list)):
                u = deep_unknown(x)
                if u is not None:
                    return u
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, (dict, list)):
                u = deep_unknown(x)
                if u is not None:
                    return u
    return None


def _partial(marker: dict[str, Any], known: Any) -> dict[str, Any]:
    """``marker`` carrying what is known of the value (see ``model.unknown``)."""
    return unknown(marker[UNKNOWN_KEY], marker.get("reason"), partial=known)


def because(outer: Expr | str, inner: dict[str, Any]) -> dict[str, Any]:
    text = outer if isinstance(outer, str) else outer.text
    inner_expr = inner.get(UNKNOWN_KEY, "")
    if inner_expr == text:
        return inner
    reason = inner.get("reason")
    if reason and reason.startswith("depends on "):
        return unknown(text, reason)  # keep the innermost cause, not the whole chain
    why = f"depends on {inner_expr}" + (f": {reason}" if reason else "")
    return unknown(text, why)


def ev(e: Expr, env: Env) -> Any:
    env.depth += 1
    if env.depth > MAX_EVAL_DEPTH:
        env.depth -= 1
        raise EvalError(f"expression evaluation deeper than {MAX_EVAL_DEPTH} levels")
    b = env.budget
    b.steps += 1
    try:
        if b.steps >= b.next_check:
            b.checkpoint()
        return _DISPATCH[e.__class__](e, env)
    except LimitExceeded as exc:  # the innermost expression names the place
        raise locate(exc, e) from None
    finally:
        env.depth -= 1


def locate(exc: LimitExceeded, e: Expr) -> LimitExceeded:
    """``exc`` located at ``e`` unless an inner expression already was."""
    if exc.file is None:
        s = e.span()
        exc.locate(s.file, s.start_line, s.start_col, e.text)
    return exc


def _lit(e: Lit, env: Env) -> Any:
    return e.value


# --------------------------------------------------------------------------- traversals
def _traversal(e: Expr, env: Env) -> Any:
    steps: list[Expr] = []
    cur: Expr = e
    while isinstance(cur, (GetAttr, Index)):
        steps.append(cur)
        cur = cur.obj
    steps.reverse()
    if isinstance(cur, Scope):
        name = cur.name
        if name in env.bindings:
            value = env.bindings[name]
            used = 0
        else:
            value, used = env.res.resolve(name, steps, env)
    else:
        value = ev(cur, env)
        used = 0
    for step in steps[used:]:
        if is_unknown(value):
            return because(e, value)
        value = _step(value, step, env)
    return value


def _step(value: Any, step: Expr, env: Env) -> Any:
    if isinstance(step, GetAttr):
        return get_attr(value, step.name, step)
    assert isinstance(step, Index)
    key = ev(step.key, env)
    if is_unknown(key):
        return because(step, key)
    return get_index(value, key, step)


def get_attr(value: Any, name: str, where: Expr) -> Any:
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"{where.text}: object has no attribute {name!r}")
    if value is None:
        raise EvalError(f"{where.text}: attempt to get attribute {name!r} of a null value")
    raise EvalError(f"{where.text}: cannot get attribute {name!r} of a {fn.type_name(value)}")


def get_index(value: Any, key: Any, where: Expr) -> Any:
    if isinstance(value, list):
        try:
            i = fn.to_int(key)
        except fn.FuncError as exc:
            raise EvalError(f"{where.text}: invalid list index: {exc}") from None
        if 0 <= i < len(value):
            return value[i]
        raise EvalError(f"{where.text}: index {i} out of range for a list of {len(value)}")
    if isinstance(value, dict):
        k = key if isinstance(key, str) else fn.to_str(key)
        if k in value:
            return value[k]
        raise EvalError(f"{where.text}: no key {k!r}")
    if value is None:
        raise EvalError(f"{where.text}: attempt to index a null value")
    raise EvalError(f"{where.text}: cannot index a {fn.type_name(value)}")


def _scope(e: Scope, env: Env) -> Any:
    if e.name in env.bindings:
        return env.bindings[e.name]
    value, _ = env.res.resolve(e.name, [], env)
    return value


def _splat(e: Splat, env: Env) -> Any:
    """``x[*].a[0]`` applies every following step to each element; the legacy ``x.*.a[0]``
    applies only the attribute steps to each element and the first index (and what follows)
    to the resulting list. A value that is not a list is a one-element list; null is empty."""
    base = ev(e.obj, env)
    if is_unknown(base):
        return because(e, base)
    steps, after = e.steps, []
    if not e.full:
        cut = next((i for i, (kind, _) in enumerate(steps) if kind == "index"), len(steps))
        steps, after = steps[:cut], steps[cut:]
    items = [] if base is None else base if isinstance(base, list) else [base]
    env.budget.tick(len(items))
    out: Any = []
    for item in items:
        v = item
        for kind, arg in steps:
            if is_unknown(v):
                break
            v = _splat_step(e, v, kind, arg, env)
        out.append(v)
    for kind, arg in after:
        if is_unknown(out):
            return out
        out = _splat_step(e, out, kind, arg, env)
    env.budget.measure(out, "splat")
    return out


def _splat_step(e: Splat, v: Any, kind: str, arg: Any, env: Env) -> Any:
    if kind == "attr":
        return get_attr(v, arg, e)
    k = ev(arg, env)
    if is_unknown(k):
        return because(e, k)
    return get_index(v, k, e)


# --------------------------------------------------------------------------- templates
def _tmpl(e: Tmpl, env: Env) -> Any:
    parts = e.parts
    if len(parts) == 1 and isinstance(parts[0], Expr):
        return ev(parts[0], env)
    out: list[str] = []
    u = _render(parts, env, out)
    if u is not None:
        return because(e, u)
    env.budget.check_string(sum(map(len, out)), "template")
    return "".join(out)


def _render(parts: list[Any], env: Env, out: list[str]) -> dict[str, Any] | None:
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Expr):
            v = ev(p, env)
            if is_unknown(v):
                return v
            if isinstance(v, (list, dict)):
                u = deep_unknown(v)
                if u is not None:
                    return u
            try:
                out.append(fn.to_str(v))
            except fn.FuncError as exc:
                raise EvalError(f"{p.text}: {exc}") from None
            if len(out) & 1023 == 0:  # a template loop must not gather gigabytes before the join
                env.budget.fits_string(sum(map(len, out)), "template")
        elif isinstance(p, TIf):
            c = ev(p.cond, env)
            if is_unknown(c):
                return c
            try:
                branch = p.then if fn.to_bool(c) else p.other
            except fn.FuncError as exc:
                raise EvalError(f"%{{ if {p.cond.text} }}: {exc}") from None
            u = _render(branch, env, out)
            if u is not None:
                return u
        elif isinstance(p, TFor):
            coll = ev(p.coll, env)
            if is_unknown(coll):
                return coll
            for k, v in _iter_coll(coll, p.coll):
                env.budget.tick()
                b: dict[str, Any] = {p.vname: v}
                if p.kname:
                    b[p.kname] = k
                u = _render(p.body, env.child(b), out)
                if u is not None:
                    return u
    return None


def _iter_coll(coll: Any, where: Expr) -> list[tuple[Any, Any]]:
    if isinstance(coll, list):
        return list(enumerate(coll))
    if isinstance(coll, dict):
        return [(k, coll[k]) for k in sorted(coll)]
    if coll is None:
        raise EvalError(f"{where.text}: cannot iterate over a null value")
    raise EvalError(f"{where.text}: cannot iterate over a {fn.type_name(coll)}")


# --------------------------------------------------------------------------- collections
def _tuple(e: TupleE, env: Env) -> Any:
    out = [ev(x, env) for x in e.items]
    env.budget.measure(out, "tuple")
    return out


def _object(e: ObjectE, env: Env) -> Any:
    out: dict[str, Any] = {}
    for kexpr, vexpr, static, _span in e.items:
        if static is not None:
            k = static
        else:
            kv = ev(kexpr, env)
            if is_unknown(kv):
                return because(e, kv)
            try:
                k = fn.to_str(kv)
            except fn.FuncError as exc:
                raise EvalError(f"{kexpr.text}: invalid object key: {exc}") from None
        out[k] = ev(vexpr, env)
    env.budget.measure(out, "object")
    return out


def _for_scopes(e: ForE, items: Iterable[tuple[Any, Any]], env: Env) -> Iterator[Env | dict[str, Any]]:
    """The scope of each item its ``if`` keeps, in order; an unknown condition is yielded as its
    marker (the caller stops there: the result depends on it)."""
    budget = env.budget
    for k, v in items:
        budget.tick()
        b: dict[str, Any] = {e.vname: v}
        if e.kname:
            b[e.kname] = k
        sub = env.child(b)
        if e.cond is not None:
            c = ev(e.cond, sub)
            if is_unknown(c):
                yield c
                return
            if not _truth(c, e.cond):
                continue
        yield sub


def _for(e: ForE, env: Env) -> Any:
    assert e.coll is not None and e.vexpr is not None
    coll = ev(e.coll, env)
    if is_unknown(coll):
        return because(e, coll)
    scopes = _for_scopes(e, _iter_coll(coll, e.coll), env)
    if e.is_obj:
        obj: dict[str, Any] = {}
        assert e.kexpr is not None
        for sub in scopes:
            if not isinstance(sub, Env):
                return because(e, sub)
            kv = ev(e.kexpr, sub)
            if is_unknown(kv):
                return because(e, kv)
            key = fn.to_str(kv)
            val = ev(e.vexpr, sub)
            if e.group:
                obj.setdefault(key, []).append(val)
            elif key in obj:
                raise EvalError(f"{e.text}: duplicate key {key!r} (use '...' to group)")
            else:
                obj[key] = val
        env.budget.measure(obj, "for expression")
        return obj
    out = []
    for sub in scopes:
        if not isinstance(sub, Env):
            return because(e, sub)
        out.append(ev(e.vexpr, sub))
    env.budget.measure(out, "for expression")
    return out


def _truth(v: Any, where: Expr) -> bool:
    try:
        return fn.to_bool(v)
    except fn.FuncError as exc:
        raise EvalError(f"{where.text}: {exc}") from None


# --------------------------------------------------------------------------- operators
def _cond(e: CondE, env: Env) -> Any:
    c = ev(e.cond, env)
    if is_unknown(c):
        # whichever branch is taken, the value is the same: it is determined
        try:
            a, b = ev(e.then, env), ev(e.other, env)
        except EvalError:
            return because(e, c)
        if deep_unknown(a) is None and deep_unknown(b) is None and _same_value(a, b):
            return a
        return because(e, c)
    chosen, other = (e.then, e.other) if _truth(c, e.cond) else (e.other, e.then)
    v = ev(chosen, env)
    if isinstance(v, (str, int, float)) and not isinstance(v, str):
        # the result has the type both branches unify to (cond ? 1 : "a" is the string "1");
        # the other branch only lends its type: its errors and references are dropped
        mark = len(env.refs)
        try:
            w = ev(other, env)
        except EvalError:
            w = None
        del env.refs[mark:]
        if isinstance(w, (str, int, float)):
            try:
                v = fn.unify([v, w], "conditional")[0]
            except fn.FuncError as exc:
                raise EvalError(f"{e.text}: inconsistent conditional result types: {exc}") from None
    return v


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    return _eq(a, b)


def _unop(e: UnOp, env: Env) -> Any:
    v = ev(e.operand, env)
    if is_unknown(v):
        return because(e, v)
    try:
        if e.op == "!":
            return not fn.to_bool(v)
        return -fn.to_num(v)
    except fn.NotEvaluated as exc:
        return unknown(e.text, str(exc))
    except fn.FuncError as exc:
        raise EvalError(f"{e.text}: {exc}") from None


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and bool(a == b)


_ARITH = frozenset("+-*/%")


def _logical(e: BinOp, env: Env) -> Any:
    """HCL's ``&&``/``||`` (since hcl#713, Terraform 1.11): either operand that decides the
    result (``false`` for ``&&``, ``true`` for ``||``) decides it, whatever the other one is:
    unknown or an error. Otherwise an error on either side is the result."""
    decisive = e.op == "||"
    results: list[Any] = []
    for side in (e.left, e.right):
        try:
            v = ev(side, env)
        except EvalError as exc:
            results.append(exc)
            continue
        if v is decisive:
            return decisive
        results.append(v)
    a, b = results
    for v in (a, b):
        if isinstance(v, EvalError) and not (v is b and is_unknown(a)):
            raise v
        if is_unknown(v):
            return because(e, v)
    try:
        x, y = fn.to_bool(a), fn.to_bool(b)
    except fn.FuncError as exc:
        raise EvalError(f"{e.text}: {exc}") from None
    return (x or y) if decisive else (x and y)


def _binop(e: BinOp, env: Env) -> Any:
    op = e.op
    if op in ("&&", "||"):
        return _logical(e, env)
    a = ev(e.left, env)
    b = ev(e.right, env)
    for v in (a, b):
        if is_unknown(v):
            return because(e, v)
    if op in ("==", "!="):
        ua, ub = deep_unknown(a), deep_unknown(b)
        if ua is not None or ub is not None:
            return because(e, ua or ub or {})
        r = _eq(a, b)
        return r if op == "==" else not r
    try:
        x, y = fn.to_num(a), fn.to_num(b)
        if op in _ARITH:
            if op == "/" and y == 0 and x != 0:
                return unknown(e.text, "division by zero: an infinity in Terraform, which is not evaluated")
            return fn.arith(op, x, y)
        if op == "<":
            return x < y
        if op == ">":
            return x > y
        if op == "<=":
            return x <= y
        if op == ">=":
            return x >= y
    except fn.NotEvaluated as exc:
        return unknown(e.text, str(exc))
    except fn.FuncError as exc:
        raise EvalError(f"{e.text}: {exc}") from None
    raise EvalError(f"{e.text}: unsupported operator {op!r}")


# --------------------------------------------------------------------------- function calls
_LENIENT = frozenset({"coalesce", "coalescelist"})


def _call(e: Call, env: Env) -> Any:
    name = e.name
    if "::" in name:  # provider-defined functions (provider::aws::arn_parse)
        return unknown(e.text, f"provider function {name} is not evaluated")
    if name == "try":
        for a in e.args:
            try:
                v = ev(a, env)
            except EvalError:
                continue
            return v
        raise EvalError(f"{e.text}: no argument of try() could be evaluated")
    if name == "can":
        if len(e.args) != 1:
            raise EvalError(f"{e.text}: can() takes one argument")
        try:
            v = ev(e.args[0], env)
        except EvalError:
            return False
        if is_unknown(v):
            return because(e, v)
        return True
    if name in _FILE_FUNCS:
        return _file_call(e, env)
    if name == "templatestring":
        return _templatestring(e, env)
    if name in fn.IMPURE:
        return unknown(e.text, f"{name}() differs on every run")
    func = fn.FUNCTIONS.get(name)
    if func is None:
        return unknown(e.text, f"function {name!r} is not supported by the evaluator")
    args = [ev(a, env) for a in e.args]
    budget = env.budget
    budget.tick(sum(budget.measure(a, f"argument of {name}()") for a in args))  # a call costs the size of what it is given
    if e.expand and args:
        last = args.pop()
        if is_unknown(last):
            return because(e, last)
        if not isinstance(last, list):
            raise EvalError(f"{e.text}: '...' expects a list")
        args.extend(last)
    if name not in _LENIENT:
        for a in args:
            if is_unknown(a):
                return because(e, a)
        if name not in fn.STRUCTURAL:
            for a in args:
                u = deep_unknown(a)
                if u is not None:
                    if name == "jsonencode" and len(args) == 1:  # the document, holes and all
                        return _partial(because(e, u), args[0])
                    return because(e, u)
    try:
        result = func(*args)
    except fn.NotEvaluated as exc:
        return unknown(e.text, str(exc))
    except fn.FuncError as exc:
        raise EvalError(f"{e.text}: {exc}") from None
    except TypeError:
        raise EvalError(f"{e.text}: wrong number or type of arguments for {name}()") from None
    except (ValueError, OverflowError, ZeroDivisionError) as exc:
        raise EvalError(f"{e.text}: {exc}") from None
    if isinstance(result, float):
        try:
            return fn.norm_num(result)
        except fn.NotEvaluated as exc:
            return unknown(e.text, str(exc))
    if isinstance(result, str):
        budget.check_string(len(result), f"{name}()")  # after the fact: a function without its own check
    else:
        budget.measure(result, f"{name}()")
    return result


_FILE_HASHES = {
    "filemd5": ("md5", False), "filesha1": ("sha1", False), "filesha256": ("sha256", False),
    "filesha512": ("sha512", False), "filebase64sha256": ("sha256", True), "filebase64sha512": ("sha512", True),
}  # fmt: skip
_FILE_FUNCS = frozenset(
    {"file", "templatefile", "fileexists", "filebase64", "fileset", "abspath", "dirname", "basename", "pathexpand", *_FILE_HASHES}
)


def _templatestring(e: Call, env: Env) -> Any:
    """``templatestring(ref, vars)``: the string's value rendered as a template with only
    ``vars`` in scope (Terraform requires a reference, not a literal, as the first argument)."""
    if len(e.args) != 2:
        raise EvalError(f"{e.text}: templatestring(template, vars) takes two arguments")
    if isinstance(e.args[0], (Lit, Tmpl)):
        raise EvalError(f"{e.text}: the template must be given by a reference to a string, not a literal")
    text, variables = ev(e.args[0], env), ev(e.args[1], env)
    for a in (text, variables):
        u = deep_unknown(a)
        if u is not None:
            return because(e, u)
    if not isinstance(text, str):
        raise EvalError(f"{e.text}: the template must be a string, not {fn.type_name(text)}")
    if not isinstance(variables, dict):
        raise EvalError(f"{e.text}: the template variables must be an object")
    tmpl = _parse_template(f"{e.src.path}:{e.line}", text)
    tenv = Env(env.res, dict(variables), env.refs)
    tenv.depth = env.depth
    tenv.budget = env.budget
    result = ev(tmpl, tenv)
    if is_unknown(result):
        return because(e, result)
    return result


def _resolve_file(env: Env, p: str) -> Path:
    path = Path(p)
    if not path.is_absolute():
        path = env.res.root_dir / path
    return path


FILE_CALL_STEPS = 100  # a call that touches the file system costs ~100x an expression node


def _file_call(e: Call, env: Env) -> Any:
    name = e.name
    env.budget.tick(FILE_CALL_STEPS)
    args = [ev(a, env) for a in e.args]
    for a in args:
        u = deep_unknown(a)
        if u is not None:
            return because(e, u)
    if not args:
        raise EvalError(f"{e.text}: missing argument")
    try:
        p = fn.to_str(args[0])
    except fn.FuncError as exc:
        raise EvalError(f"{e.text}: {exc}") from None
    if name == "dirname":
        return str(Path(p).parent) if "/" in p else "."
    if name == "basename":
        return Path(p).name
    if name == "abspath":
        return str(_resolve_file(env, p).resolve())
    if name == "pathexpand":
        if p.startswith("~"):  # the home directory of whoever runs the gate, not the code's
            return unknown(e.text, "pathexpand() of ~ depends on the machine that runs Terraform")
        return p
    path = _resolve_file(env, p)
    roots = env.res.read_roots
    if name == "fileexists":
        if not inside(path, roots):  # existence outside the repository is not the repository's to ask
            return unknown(e.text, f"{p} is outside the scanned repository: not looked at")
        return path.is_file()
    if name == "fileset":
        if len(args) < 2:
            raise EvalError(f"{e.text}: fileset(path, pattern)")
        if not inside(path, roots):
            return unknown(e.text, f"{p} is outside the scanned repository: not listed")
        base = path
        try:
            pattern = fn.to_str(args[1])
            return sorted(str(x.relative_to(base)) for x in base.glob(pattern) if x.is_file() and inside(x, roots))
        except (OSError, ValueError) as exc:
            return unknown(e.text, f"fileset failed: {exc}")
    if not inside(path, roots):  # /proc/self/environ, ../../secrets, a symlink out: never opened
        return unknown(e.text, f"{p} is outside the scanned repository ({', '.join(map(str, roots))}): not read")
    from policyguard.fsread import ReadError, read_regular

    try:
        data = read_regular(path, MAX_TEMPLATE_FILE)  # regular files only: bounded, non-blocking
    except ReadError as exc:
        return unknown(e.text, f"cannot read {p}: {exc.message}")
    env.budget.tick(len(data) >> 6)
    if name == "filebase64":
        import base64

        return base64.b64encode(data).decode()
    if name in _FILE_HASHES:
        import base64
        import hashlib

        algo, b64 = _FILE_HASHES[name]
        h = hashlib.new(algo, data)
        return base64.b64encode(h.digest()).decode() if b64 else h.hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError(f"{e.text}: {p} is not UTF-8 text") from None
    if name == "file":
        return text
    # templatefile
    variables = args[1] if len(args) > 1 else {}
    if not isinstance(variables, dict):
        raise EvalError(f"{e.text}: templatefile variables must be an object")
    tmpl = _parse_template(str(path), text)
    tenv = Env(env.res, dict(variables), env.refs)
    tenv.depth = env.depth
    tenv.budget = env.budget
    result = ev(tmpl, tenv)
    if is_unknown(result):
        return because(e, result)
    return result


_TEMPLATE_CACHE: dict[tuple[str, str], Expr] = {}


def _parse_template(path: str, text: str) -> Expr:
    key = (path, text)
    hit = _TEMPLATE_CACHE.get(key)
    if hit is not None:
        return hit
    from .hcl import parse_source

    marker = "PGTEMPLATEEOT"
    while marker in text:
        marker += "X"
    wrapped = f"v = <<{marker}\n{text}\n{marker}\n"
    try:
        body = parse_source(path, wrapped.encode())
    except HclSyntaxError as exc:
        raise EvalError(f"template {path}:{max(exc.line - 1, 1)}: {exc.message}") from None
    expr = body.attrs["v"].expr
    # the wrapper adds one newline after the text
    if isinstance(expr, Tmpl) and expr.parts and isinstance(expr.parts[-1], str) and expr.parts[-1].endswith("\n"):
        expr.parts[-1] = expr.parts[-1][:-1]
        if expr.parts[-1] == "":
            expr.parts.pop()
    if isinstance(expr, Tmpl) and len(expr.parts) == 1 and isinstance(expr.parts[0], Expr):
        expr.parts.insert(0, "")  # a template file always renders to a string
    if len(_TEMPLATE_CACHE) >= 1_000:  # a scan worker's lifetime of templates: keep it bounded
        _TEMPLATE_CACHE.clear()
    _TEMPLATE_CACHE[key] = expr
    return expr


_DISPATCH: dict[type, Any] = {
    Lit: _lit,
    Tmpl: _tmpl,
    Scope: _scope,
    GetAttr: _traversal,
    Index: _traversal,
    Splat: _splat,
    Call: _call,
    TupleE: _tuple,
    ObjectE: _object,
    ForE: _for,
    CondE: _cond,
    BinOp: _binop,
    UnOp: _unop,
}


def safe_eval(e: Expr, env: Env) -> Any:
    """Evaluate; any evaluation failure becomes an unknown marker naming the expression. A value
    over a per-value limit becomes one too, and the located limit error is kept in the unit's
    budget (``UnitBudget.errors``); a spent budget (deadline, steps...) stops the unit."""
    try:
        return ev(e, env)
    except LimitExceeded as exc:
        if exc.exhausted:
            raise
        env.budget.errors.append(locate(exc, e))
        return unknown(e.text, f"limit exceeded: {exc.message}")
    except EvalError as exc:
        return unknown(e.text, f"evaluation error: {exc}")
    except RecursionError:
        return unknown(e.text, "expression too deeply nested to evaluate")
    except (fn.FuncError, TypeError, ValueError, KeyError, IndexError, OverflowError, ZeroDivisionError) as exc:
        return unknown(e.text, f"evaluation error: {exc}")
