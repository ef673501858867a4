"""Terraform's built-in functions over plain JSON values.

Each function takes already evaluated arguments and raises ``FuncError`` on bad input. The
evaluator handles unknown arguments before calling (see ``STRUCTURAL``): structural functions
(merge, concat, lookup...) move unknown markers around untouched; every other function
returns an unknown marker naming the call when any argument contains one.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from policyguard.limits import DEFAULT_LIMITS, depth_message, json_too_deep
from policyguard.model import is_unknown

MAX_ITEMS = 100_000


class FuncError(Exception):
    pass


# --------------------------------------------------------------------------- conversions
def to_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v)
    if v is None:
        raise FuncError("a null value cannot be used as a string")
    raise FuncError(f"cannot convert {type_name(v)} to string")


def to_num(v: Any) -> int | float:
    if isinstance(v, bool):
        raise FuncError("a bool cannot be used as a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                f = float(v)
            except ValueError:
                raise FuncError(f"cannot convert {v!r} to number") from None
            return int(f) if f.is_integer() else f
    raise FuncError(f"cannot convert {type_name(v)} to number")


def to_int(v: Any) -> int:
    n = to_num(v)
    if isinstance(n, float):
        if not n.is_integer():
            raise FuncError(f"{n} is not a whole number")
        n = int(n)
    return n


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    raise FuncError(f"cannot convert {v!r} to bool")


def to_list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    if v is None:
        raise FuncError("a null value cannot be used as a list")
    raise FuncError(f"expected a list, got {type_name(v)}")


def to_map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict) and not is_unknown(v):
        return v
    if v is None:
        raise FuncError("a null value cannot be used as a map")
    raise FuncError(f"expected a map or object, got {type_name(v)}")


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def norm_num(n: float | int) -> int | float:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        return int(n)
    return n


def _key(v: Any) -> str:
    return json.dumps(v, sort_keys=True)


def _distinct(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for x in items:
        k = _key(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


# --------------------------------------------------------------------------- string functions
_FMT = re.compile(r"%(%|[-+ 0#]*\d*(?:\.\d+)?[vdsqftTbxXoeEgG])")


def _format(fmt: Any, *args: Any) -> str:
    fmt = to_str(fmt)
    it = iter(args)

    def rep(m: re.Match[str]) -> str:
        spec = m.group(1)
        if spec == "%":
            return "%"
        try:
            arg = next(it)
        except StopIteration:
            raise FuncError(f"format: not enough arguments for {fmt!r}") from None
        verb = spec[-1]
        flags = spec[:-1]
        if verb in "vs":
            s = to_str(arg) if not isinstance(arg, (list, dict)) else json.dumps(arg, separators=(",", ":"))
            return ("%" + flags + "s") % s
        if verb == "q":
            return json.dumps(to_str(arg))
        if verb == "t":
            return "true" if to_bool(arg) else "false"
        if verb == "d":
            return ("%" + flags + "d") % to_int(arg)
        if verb in "fFeEgG":
            return ("%" + flags + verb) % float(to_num(arg))
        if verb in "xXob":
            n = to_int(arg)
            if verb == "b":
                return format(n, "b")
            return ("%" + flags + verb) % n
        raise FuncError(f"format: unsupported verb %{verb}")

    return _FMT.sub(rep, fmt)


def _formatlist(fmt: Any, *args: Any) -> list[str]:
    n = None
    for a in args:
        if isinstance(a, list):
            if n is not None and len(a) != n:
                raise FuncError("formatlist: all list arguments must have the same length")
            n = len(a)
    if n is None:
        return [_format(fmt, *args)]
    return [_format(fmt, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(n)]


def _join(sep: Any, *lists: Any) -> str:
    items: list[Any] = []
    for ls in lists:
        items.extend(to_list(ls))
    return to_str(sep).join(to_str(x) for x in items)


def _split(sep: Any, s: Any) -> list[str]:
    sep, s = to_str(sep), to_str(s)
    if s == "":
        return [""]
    return s.split(sep) if sep else list(s)


def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = to_str(s), to_str(old), to_str(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        pattern = _go_regex(old[1:-1])
        return pattern.sub(re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", new), s)
    return s.replace(old, new)


def _go_regex(p: str) -> re.Pattern[str]:
    p = re.sub(r"\(\?P<", "(?P<", p)
    try:
        return re.compile(p)
    except re.error as exc:
        raise FuncError(f"invalid regular expression {p!r}: {exc}") from None


def _regex(pattern: Any, s: Any) -> Any:
    rx = _go_regex(to_str(pattern))
    m = rx.search(to_str(s))
    if m is None:
        raise FuncError("regex: pattern did not match")
    if rx.groupindex:
        return m.groupdict()
    if rx.groups:
        return list(m.groups())
    return m.group(0)


def _regexall(pattern: Any, s: Any) -> list[Any]:
    rx = _go_regex(to_str(pattern))
    out: list[Any] = []
    for m in rx.finditer(to_str(s)):
        if rx.groupindex:
            out.append(m.groupdict())
        elif rx.groups:
            out.append(list(m.groups()))
        else:
            out.append(m.group(0))
    return out


def _substr(s: Any, offset: Any, length: Any) -> str:
    s = to_str(s)
    off, ln = to_int(offset), to_int(length)
    if off < 0:
        off = max(len(s) + off, 0)
    if ln < 0:
        return s[off:]
    return s[off : off + ln]


def _title(s: Any) -> str:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), to_str(s))


def _indent(n: Any, s: Any) -> str:
    pad = " " * to_int(n)
    return to_str(s).replace("\n", "\n" + pad)


def _trim(s: Any, chars: Any) -> str:
    return to_str(s).strip(to_str(chars))


def _trimprefix(s: Any, p: Any) -> str:
    s, p = to_str(s), to_str(p)
    return s[len(p) :] if p and s.startswith(p) else s


def _trimsuffix(s: Any, p: Any) -> str:
    s, p = to_str(s), to_str(p)
    return s[: -len(p)] if p and s.endswith(p) else s


# --------------------------------------------------------------------------- collections
def _length(v: Any) -> int:
    if isinstance(v, str):
        return len(v)
    if isinstance(v, (list, dict)):
        return len(v)
    raise FuncError(f"length: cannot take the length of {type_name(v)}")


def _element(ls: Any, i: Any) -> Any:
    ls = to_list(ls)
    if not ls:
        raise FuncError("element: cannot use element on an empty list")
    return ls[to_int(i) % len(ls)]


def _index(ls: Any, v: Any) -> int:
    ls = to_list(ls)
    k = _key(v)
    for i, x in enumerate(ls):
        if _key(x) == k:
            return i
    raise FuncError("index: item not found")


def _lookup(m: Any, k: Any, *default: Any) -> Any:
    m = to_map(m)
    k = to_str(k)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise FuncError(f"lookup: key {k!r} not found and no default given")


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        out.update(to_map(m))
    return out


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for ls in lists:
        out.extend(to_list(ls))
    return out


def _flatten(ls: Any) -> list[Any]:
    out: list[Any] = []
    stack = [iter(to_list(ls))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return out


def _coalesce(*vals: Any) -> Any:
    for v in vals:
        if is_unknown(v):
            return v
        if v is not None and v != "":
            return v
    raise FuncError("coalesce: no non-null, non-empty argument")


def _coalescelist(*lists: Any) -> Any:
    for ls in lists:
        if is_unknown(ls):
            return ls
        if to_list(ls):
            return ls
    return []


def _slice(ls: Any, a: Any, b: Any) -> list[Any]:
    ls = to_list(ls)
    s, e = to_int(a), to_int(b)
    if s < 0 or e > len(ls) or s > e:
        raise FuncError(f"slice: indices {s}..{e} out of range for a list of {len(ls)}")
    return ls[s:e]


def _zipmap(keys: Any, vals: Any) -> dict[str, Any]:
    keys, vals = to_list(keys), to_list(vals)
    if len(keys) != len(vals):
        raise FuncError("zipmap: keys and values must have the same length")
    return {to_str(k): v for k, v in zip(keys, vals, strict=True)}


def _range(*args: Any) -> list[int | float]:
    nums = [to_num(a) for a in args]
    start: int | float
    stop: int | float
    step: int | float
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1 if nums[1] >= nums[0] else -1
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise FuncError("range: expects 1 to 3 arguments")
    if step == 0:
        raise FuncError("range: step must not be zero")
    n = math.ceil((stop - start) / step)
    if n > MAX_ITEMS:
        raise FuncError(f"range: more than {MAX_ITEMS} items")
    return [norm_num(start + i * step) for i in range(max(n, 0))]


def _one(ls: Any) -> Any:
    ls = to_list(ls)
    if len(ls) > 1:
        raise FuncError("one: list has more than one element")
    return ls[0] if ls else None


def _keys(m: Any) -> list[str]:
    return sorted(to_map(m))


def _values(m: Any) -> list[Any]:
    m = to_map(m)
    return [m[k] for k in sorted(m)]


def _tolist(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    raise FuncError(f"tolist: cannot convert {type_name(v)} to list")


def _toset(v: Any) -> list[Any]:
    ls = _distinct(to_list(v))
    if all(isinstance(x, str) for x in ls):
        return sorted(ls)
    return ls


def _tomap(v: Any) -> dict[str, Any]:
    return dict(to_map(v))


def _tostring(v: Any) -> Any:
    return None if v is None else to_str(v)


def _tonumber(v: Any) -> Any:
    return None if v is None else to_num(v)


def _tobool(v: Any) -> Any:
    return None if v is None else to_bool(v)


def _contains(ls: Any, v: Any) -> bool:
    k = _key(v)
    return any(_key(x) == k for x in to_list(ls))


def _setunion(*sets: Any) -> list[Any]:
    return _toset([x for s in sets for x in to_list(s)])


def _setintersection(first: Any, *rest: Any) -> list[Any]:
    keys = [{_key(x) for x in to_list(r)} for r in rest]
    return _toset([x for x in to_list(first) if all(_key(x) in k for k in keys)])


def _setsubtract(a: Any, b: Any) -> list[Any]:
    kb = {_key(x) for x in to_list(b)}
    return _toset([x for x in to_list(a) if _key(x) not in kb])


def _sort(ls: Any) -> list[str]:
    return sorted(to_str(x) for x in to_list(ls))


def _transpose(m: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, vs in to_map(m).items():
        for v in to_list(vs):
            out.setdefault(to_str(v), []).append(k)
    return {k: sorted(v) for k, v in out.items()}


def _chunklist(ls: Any, n: Any) -> list[list[Any]]:
    ls, size = to_list(ls), to_int(n)
    if size <= 0:
        return [ls]
    return [ls[i : i + size] for i in range(0, len(ls), size)]


def _sum(ls: Any) -> int | float:
    ls = to_list(ls)
    if not ls:
        raise FuncError("sum: cannot sum an empty list")
    return norm_num(sum(to_num(x) for x in ls))


def _alltrue(ls: Any) -> bool:
    return all(to_bool(x) for x in to_list(ls))


def _anytrue(ls: Any) -> bool:
    return any(to_bool(x) for x in to_list(ls))


def _min(*a: Any) -> int | float:
    if not a:
        raise FuncError("min: at least one argument")
    return min(to_num(x) for x in a)


def _max(*a: Any) -> int | float:
    if not a:
        raise FuncError("max: at least one argument")
    return max(to_num(x) for x in a)


def _pow(a: Any, b: Any) -> int | float:
    return norm_num(float(to_num(a)) ** float(to_num(b)))


def _log(a: Any, b: Any) -> float:
    return math.log(to_num(a), to_num(b))


def _parseint(s: Any, base: Any) -> int:
    try:
        return int(to_str(s), to_int(base))
    except ValueError:
        raise FuncError(f"parseint: cannot parse {s!r} in base {base}") from None


# --------------------------------------------------------------------------- encoding
def _jsonencode(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), sort_keys=False, ensure_ascii=False)


def _jsondecode(s: Any) -> Any:
    text = to_str(s)
    if json_too_deep(text, DEFAULT_LIMITS.max_depth) is not None:
        raise FuncError(f"jsondecode: {depth_message(DEFAULT_LIMITS.max_depth)}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FuncError(f"jsondecode: invalid JSON: {exc}") from None


def _yamlencode(v: Any) -> str:
    import yaml

    return str(yaml.safe_dump(v, sort_keys=False, default_flow_style=False))


def _yamldecode(s: Any) -> Any:
    import yaml

    from policyguard.parsers.yaml_source import yaml_limit_error

    text = to_str(s)
    limit = yaml_limit_error(text, "<yamldecode>")
    if limit is not None:
        raise FuncError(f"yamldecode: {limit.message} (line {limit.line})")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FuncError(f"yamldecode: invalid YAML: {exc}") from None


def _b64enc(s: Any) -> str:
    return base64.b64encode(to_str(s).encode()).decode()


def _b64dec(s: Any) -> str:
    try:
        return base64.b64decode(to_str(s), validate=True).decode()
    except ValueError:
        raise FuncError("base64decode: invalid base64 or not UTF-8") from None


def _urlencode(s: Any) -> str:
    from urllib.parse import quote

    return quote(to_str(s), safe="")


def _hash(algo: str) -> Callable[[Any], str]:
    def f(s: Any) -> str:
        return hashlib.new(algo, to_str(s).encode()).hexdigest()

    return f


def _b64hash(algo: str) -> Callable[[Any], str]:
    def f(s: Any) -> str:
        return base64.b64encode(hashlib.new(algo, to_str(s).encode()).digest()).decode()

    return f


def _uuidv5(ns: Any, name: Any) -> str:
    spaces = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID, "x500": uuid.NAMESPACE_X500}
    n = to_str(ns)
    space = spaces.get(n) or uuid.UUID(n)
    return str(uuid.uuid5(space, to_str(name)))


# --------------------------------------------------------------------------- network
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    try:
        net = ipaddress.ip_network(to_str(prefix), strict=False)
    except ValueError as exc:
        raise FuncError(f"cidrsubnet: {exc}") from None
    nb, num = to_int(newbits), to_int(netnum)
    new_prefix = net.prefixlen + nb
    if new_prefix > net.max_prefixlen:
        raise FuncError(f"cidrsubnet: insufficient address space to extend prefix by {nb} bits")
    if num >= 2**nb or num < 0:
        raise FuncError(f"cidrsubnet: network number {num} does not fit in {nb} bits")
    base = int(net.network_address) + (num << (net.max_prefixlen - new_prefix))
    return f"{ipaddress.ip_address(base)}/{new_prefix}"


def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    try:
        net = ipaddress.ip_network(to_str(prefix), strict=False)
    except ValueError as exc:
        raise FuncError(f"cidrsubnets: {exc}") from None
    out = []
    cur = int(net.network_address)
    for nb in newbits:
        plen = net.prefixlen + to_int(nb)
        if plen > net.max_prefixlen:
            raise FuncError("cidrsubnets: not enough address space")
        size = 1 << (net.max_prefixlen - plen)
        if cur % size:
            cur += size - cur % size
        out.append(f"{ipaddress.ip_address(cur)}/{plen}")
        cur += size
    if cur > int(net.broadcast_address) + 1:
        raise FuncError("cidrsubnets: not enough address space")
    return out


def _cidrhost(prefix: Any, num: Any) -> str:
    try:
        net = ipaddress.ip_network(to_str(prefix), strict=False)
    except ValueError as exc:
        raise FuncError(f"cidrhost: {exc}") from None
    n = to_int(num)
    if n < 0:
        n += net.num_addresses
    if not 0 <= n < net.num_addresses:
        raise FuncError(f"cidrhost: host number {num} out of range")
    return str(net.network_address + n)


def _cidrnetmask(prefix: Any) -> str:
    try:
        return str(ipaddress.ip_network(to_str(prefix), strict=False).netmask)
    except ValueError as exc:
        raise FuncError(f"cidrnetmask: {exc}") from None


# --------------------------------------------------------------------------- registry
FUNCTIONS: dict[str, Callable[..., Any]] = {
    # strings
    "format": _format,
    "formatlist": _formatlist,
    "join": _join,
    "split": _split,
    "lower": lambda s: to_str(s).lower(),
    "upper": lambda s: to_str(s).upper(),
    "title": _title,
    "replace": _replace,
    "substr": _substr,
    "trimspace": lambda s: to_str(s).strip(),
    "trim": _trim,
    "trimprefix": _trimprefix,
    "trimsuffix": _trimsuffix,
    "chomp": lambda s: to_str(s).rstrip("\r\n"),
    "indent": _indent,
    "strrev": lambda s: to_str(s)[::-1],
    "startswith": lambda s, p: to_str(s).startswith(to_str(p)),
    "endswith": lambda s, p: to_str(s).endswith(to_str(p)),
    "strcontains": lambda s, p: to_str(p) in to_str(s),
    "regex": _regex,
    "regexall": _regexall,
    # collections
    "length": _length,
    "element": _element,
    "index": _index,
    "lookup": _lookup,
    "merge": _merge,
    "concat": _concat,
    "flatten": _flatten,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "compact": lambda ls: [x for x in to_list(ls) if x is not None and x != ""],
    "distinct": lambda ls: _distinct(to_list(ls)),
    "contains": _contains,
    "keys": _keys,
    "values": _values,
    "zipmap": _zipmap,
    "range": _range,
    "slice": _slice,
    "reverse": lambda ls: list(reversed(to_list(ls))),
    "sort": _sort,
    "one": _one,
    "sum": _sum,
    "alltrue": _alltrue,
    "anytrue": _anytrue,
    "setunion": _setunion,
    "setintersection": _setintersection,
    "setsubtract": _setsubtract,
    "setproduct": lambda *ls: [list(t) for t in __import__("itertools").product(*[to_list(x) for x in ls])],
    "transpose": _transpose,
    "chunklist": _chunklist,
    "matchkeys": lambda vals, keys, search: [
        v for v, k in zip(to_list(vals), to_list(keys), strict=False) if _contains(search, k)
    ],
    # type conversion
    "tolist": _tolist,
    "toset": _toset,
    "tomap": _tomap,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    # numbers
    "min": _min,
    "max": _max,
    "abs": lambda n: abs(to_num(n)),
    "ceil": lambda n: math.ceil(to_num(n)),
    "floor": lambda n: math.floor(to_num(n)),
    "signum": lambda n: (to_num(n) > 0) - (to_num(n) < 0),
    "pow": _pow,
    "log": _log,
    "parseint": _parseint,
    # encoding
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "yamlencode": _yamlencode,
    "yamldecode": _yamldecode,
    "base64encode": _b64enc,
    "base64decode": _b64dec,
    "urlencode": _urlencode,
    "md5": _hash("md5"),
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "sha512": _hash("sha512"),
    "base64sha256": _b64hash("sha256"),
    "base64sha512": _b64hash("sha512"),
    "uuidv5": _uuidv5,
    # network
    "cidrsubnet": _cidrsubnet,
    "cidrsubnets": _cidrsubnets,
    "cidrhost": _cidrhost,
    "cidrnetmask": _cidrnetmask,
}

# Functions that only move values around: unknown markers nested inside their arguments are
# carried through; only a top-level unknown argument makes the result unknown.
STRUCTURAL = frozenset(
    {
        "merge", "concat", "length", "keys", "values", "lookup", "element", "tolist", "tomap", "toset",
        "coalesce", "coalescelist", "flatten", "one", "slice", "zipmap", "compact", "reverse", "setproduct",
        "chunklist",
    }
)  # fmt: skip

# Functions whose result differs on every run or depends on the machine: always unknown.
IMPURE = frozenset({"timestamp", "uuid", "bcrypt", "plantimestamp"})
