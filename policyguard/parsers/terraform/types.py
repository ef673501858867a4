"""Variable type constraints: convert a value to the declared ``type`` as Terraform does.

Only what changes values matters here: primitive conversions (``"5"`` for a number), and
``optional(T, default)`` attributes of object types, which Terraform fills in (with the default
or null) so modules can read ``var.x.attr`` without checking it exists. A value that does not
fit the type is returned unchanged (the evaluator is not a validator).
"""

from __future__ import annotations

from typing import Any

from policyguard.model import is_unknown

from . import functions as fn
from .hcl import Call, Expr, ObjectE, Scope, TupleE


def _default_value(expr: Expr) -> Any:
    from .evaluate import eval_constant

    return eval_constant(expr)


def convert(value: Any, texpr: Expr, depth: int = 0) -> Any:
    if value is None or is_unknown(value) or depth > 32:
        return value
    if isinstance(texpr, Scope):
        name = texpr.name
        try:
            if name == "string" and isinstance(value, (int, float, bool)):
                return fn.to_str(value)
            if name == "number" and isinstance(value, str):
                return fn.to_num(value)
            if name == "bool" and isinstance(value, str):
                return fn.to_bool(value)
        except fn.FuncError:
            return value
        return value
    if not isinstance(texpr, Call) or not texpr.args:
        return value
    kind = texpr.name
    arg = texpr.args[0]
    if kind in ("list", "set") and isinstance(value, list):
        return [convert(x, arg, depth + 1) for x in value]
    if kind == "map" and isinstance(value, dict):
        return {k: convert(v, arg, depth + 1) for k, v in value.items()}
    if kind == "tuple" and isinstance(value, list) and isinstance(arg, TupleE):
        return [convert(x, arg.items[i], depth + 1) if i < len(arg.items) else x for i, x in enumerate(value)]
    if kind == "object" and isinstance(value, dict) and isinstance(arg, ObjectE):
        out = dict(value)
        for _k, t, static, _span in arg.items:
            if static is None:
                continue
            if isinstance(t, Call) and t.name == "optional" and t.args:
                inner = t.args[0]
                v = out.get(static)
                if v is None:
                    if len(t.args) > 1:
                        v = _default_value(t.args[1])
                        out[static] = convert(v, inner, depth + 1)
                    else:
                        out[static] = None
                    continue
                out[static] = convert(v, inner, depth + 1)
            elif static in out:
                out[static] = convert(out[static], t, depth + 1)
        return out
    if kind == "optional":
        return convert(value, arg, depth + 1)
    return value
