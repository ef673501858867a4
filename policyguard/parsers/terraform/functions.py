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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import lru_cache
from typing import Any

from policyguard.limits import DEFAULT_LIMITS, LimitExceeded, current_budget, depth_message, json_too_deep
from policyguard.model import ErrorKind, is_unknown

# Sizes: a function whose result can be far larger than its arguments (format widths, join,
# replace, indent, concat, setproduct, formatlist) checks the size against the unit's budget
# (policyguard.limits.UnitBudget) before building it; the evaluator checks every result after.


class FuncError(Exception):
    """The call is one Terraform rejects (the evaluator reports it; ``try``/``can`` catch it)."""


class NotEvaluated(FuncError):
    """Terraform has a value here that policyguard does not reproduce (an infinity, a number
    beyond the evaluated range, untracked sensitivity...): the result is an unknown marker,
    which ``try``/``can`` do not treat as a failure."""


# --------------------------------------------------------------------------- numbers
# Terraform numbers are arbitrary-precision decimals (cty: big.Float, 512-bit mantissa). Here a
# whole number is a Python int (exact) and any other number the nearest float; arithmetic runs
# on the exact decimal each operand stands for (``Decimal(repr(float))``), so ``0.1 + 0.2`` is
# ``0.3`` as in Terraform, not the float sum. What cannot be held (an infinity, a magnitude
# beyond ``MAX_DIGITS`` digits, a non-zero number too small for a float) is a ``FuncError``: the
# caller turns it into an unknown, never a rounded or overflowed known value.
MAX_DIGITS = 1000
_DEC = Context(prec=160, rounding=ROUND_HALF_EVEN, Emax=MAX_DIGITS * 4, Emin=-MAX_DIGITS * 4, traps=[InvalidOperation, DivisionByZero, Overflow])
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def to_decimal(n: int | float) -> Decimal:
    """The exact decimal a number value stands for (a float: its shortest round-trip form)."""
    if isinstance(n, int):
        return Decimal(n)
    if not math.isfinite(n):
        raise NotEvaluated("an infinite number is not evaluated")
    return Decimal(repr(n))


def from_decimal(d: Decimal) -> int | float:
    """``d`` as a model number: an int when whole, else the nearest float."""
    if not d.is_finite():
        raise NotEvaluated("the result is not a finite number")
    if d.adjusted() >= MAX_DIGITS:
        raise NotEvaluated(f"number with more than {MAX_DIGITS} digits is outside the evaluated range")
    if d == d.to_integral_value():
        return int(d)
    f = float(d)
    if f == 0.0:
        raise NotEvaluated(f"number {d:.6e} is too small to evaluate exactly")
    return f


def parse_number(text: str) -> int | float:
    """A number written as a decimal string (HCL literal or a string converted to a number);
    Terraform's syntax: optional sign, digits, fraction, exponent; no spaces, ``_``, ``inf``."""
    if not _NUMBER.match(text):
        raise FuncError(f"cannot convert {text!r} to number")
    exp = text.lower().partition("e")[2]
    if exp and abs(int(exp)) > MAX_DIGITS * 4:
        raise NotEvaluated(f"number {text!r} is outside the evaluated range")
    return from_decimal(_DEC.create_decimal(text))


def arith(op: str, x: int | float, y: int | float) -> int | float:
    """``x op y`` for ``+ - * / %`` with Terraform's semantics: exact decimals, ``%`` truncating
    toward zero (``-7 % 3`` is ``-1``) and ``x % 0`` is ``x`` (cty's Modulo). Division by zero
    is an infinity in Terraform, which is not representable here: ``FuncError``."""
    if isinstance(x, int) and isinstance(y, int) and op in "+-*":
        r = x + y if op == "+" else x - y if op == "-" else x * y
        if abs(r) >= _INT_LIMIT:
            raise NotEvaluated(f"number with more than {MAX_DIGITS} digits is outside the evaluated range")
        return r
    if isinstance(x, int) and isinstance(y, int) and y != 0 and op in "/%":
        r = abs(x) % abs(y)  # exact, whatever the size
        if op == "%":
            return -r if x < 0 else r
        if r == 0:
            return x // y
    a, b = to_decimal(x), to_decimal(y)
    try:
        if op == "+":
            return from_decimal(_DEC.add(a, b))
        if op == "-":
            return from_decimal(_DEC.subtract(a, b))
        if op == "*":
            return from_decimal(_DEC.multiply(a, b))
        if op == "/":
            if b == 0:
                raise FuncError("division by zero (Terraform: an infinity, or an error for 0/0)")
            return from_decimal(_DEC.divide(a, b))
        if op == "%":
            if b == 0:
                return x
            q = _DEC.divide(a, b).to_integral_value(rounding=ROUND_DOWN)
            return from_decimal(_DEC.subtract(a, _DEC.multiply(q, b)))
    except (Overflow, InvalidOperation, DivisionByZero):
        raise NotEvaluated(f"{x} {op} {y} is outside the evaluated number range") from None
    raise FuncError(f"unsupported operator {op!r}")


_INT_LIMIT = 10**MAX_DIGITS


def norm_num(n: float | int) -> int | float:
    """A float result as a model number: whole values become exact ints (``1e300`` is
    10**300, as Terraform prints it); infinities and NaN are errors."""
    if isinstance(n, float):
        if not math.isfinite(n):
            raise NotEvaluated("the result is not a finite number")
        if n.is_integer():
            return int(Decimal(repr(n)))
    return n


def number_text(n: int | float) -> str:
    """A number as Terraform renders it in a string: plain decimal, no exponent, no ``.0``."""
    if isinstance(n, int):
        return str(n)
    d = to_decimal(n)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d, "f")


# --------------------------------------------------------------------------- conversions
def to_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return number_text(v)
    if v is None:
        raise FuncError("a null value cannot be used as a string")
    raise FuncError(f"cannot convert {type_name(v)} to string")


def to_num(v: Any) -> int | float:
    if isinstance(v, bool):
        raise FuncError("a bool cannot be used as a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        return parse_number(v)
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
@dataclass
class _Verb:
    """One ``%`` verb of a ``format()`` specification."""

    raw: str
    offset: int
    arg: int
    mode: str = ""
    flags: str = ""
    width: int | None = None
    prec: int | None = None


def _format(fmt: Any, *args: Any) -> str:
    """cty's ``format``: verbs ``%[flags][[n]][width][.prec]letter``, every argument must be
    used, null only for ``%v``; ``%v`` of a number is Go's shortest ``%g`` (1000000 is
    ``1e+06``), numbers are formatted from their exact decimal value, widths count characters."""
    text = to_str(fmt)
    out: list[str] = []
    budget = current_budget()
    size = 0
    next_arg, highest, i, n = 1, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if text.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        verb = _Verb(raw="", offset=i, arg=next_arg)
        j = i + 1
        while j < n and text[j] in "0#-+ ":
            verb.flags += text[j]
            j += 1
        m = re.compile(r"\[([1-9][0-9]*)\]").match(text, j)
        if m:
            verb.arg = int(m.group(1))
            j = m.end()
        m = re.compile(r"[1-9][0-9]*").match(text, j)
        if m:
            verb.width = int(m.group(0))
            j = m.end()
        if j < n and text[j] == ".":
            m = re.compile(r"[0-9]*").match(text, j + 1)
            assert m is not None
            verb.prec = int(m.group(0) or "0")
            j = m.end()
        if verb.width is not None or verb.prec is not None:  # %0999999999d: refused before padding
            budget.fits_string(max(verb.width or 0, verb.prec or 0), f"format verb {text[i:j + 1]!r}")
        if j >= n:
            raise FuncError(f"format: invalid format string starting at offset {i}")
        if not ("a" <= text[j] <= "z" or "A" <= text[j] <= "Z"):
            raise FuncError(f"format: unrecognized format character {text[j]!r} at offset {j}")
        verb.mode = text[j]
        verb.raw = text[i : j + 1]
        if verb.arg > len(args):
            raise FuncError(f"format: not enough arguments for {verb.raw!r} at {i}: need index {verb.arg} but have {len(args)} total")
        piece = _format_verb(verb, args[verb.arg - 1])
        size += len(piece)
        if size > 65536:  # "%[1]s%[1]s..." of a long string: the total, not each verb
            budget.fits_string(size, "format")
        out.append(piece)
        highest = max(highest, verb.arg)
        next_arg = verb.arg + 1
        i = j + 1
    if highest < len(args):
        if highest == 0:
            raise FuncError("format: too many arguments; no verbs in format string")
        raise FuncError(f"format: too many arguments; only {highest} used by format string")
    return "".join(out)


def _format_verb(verb: _Verb, arg: Any) -> str:
    mode = verb.mode
    if arg is None and mode != "v":
        raise FuncError(f"format: unsupported value for {verb.raw!r} at {verb.offset}: null value cannot be formatted")
    if mode == "v":
        if "#" not in verb.flags and isinstance(arg, str):
            return _pad(verb, arg)
        if "#" not in verb.flags and isinstance(arg, (int, float)) and not isinstance(arg, bool):
            return _pad(verb, _go_g(to_decimal(arg), None))
        return _pad(verb, _jsonencode(arg))
    if mode == "t":
        return "true" if to_bool(arg) else "false"
    if mode in "bdoxX":
        n = to_num(arg)
        if isinstance(n, float):
            raise FuncError(f"format: unsupported value for {verb.raw!r} at {verb.offset}: an integer is required")
        return _go_int(verb, n)
    if mode in "eEfgG":
        return _go_float(verb, to_decimal(to_num(arg)))
    if mode in "sq":
        s = to_str(arg)
        if verb.prec is not None and verb.prec > 0:
            s = "".join(graphemes(s)[: verb.prec])
        return _pad(verb, s if mode == "s" else _json_str(s))
    raise FuncError(f"format: unsupported format verb {mode!r} in {verb.raw!r} at offset {verb.offset}")


def _pad(verb: _Verb, s: str) -> str:
    if verb.width is None:
        return s
    size = len(s) if s.isascii() else len(graphemes(s))
    if size >= verb.width:
        return s
    pad = ("0" if "0" in verb.flags else " ") * (verb.width - size)
    return s + pad if "-" in verb.flags else pad + s


def _go_int(verb: _Verb, n: int) -> str:
    """Go's ``big.Int`` Format: [left pad][sign][prefix][zeros][digits][right pad]."""
    base = {"b": 2, "o": 8, "d": 10, "x": 16, "X": 16}[verb.mode]
    digits = _to_base(abs(n), base)
    if verb.mode == "X":
        digits = digits.upper()
    sign = "-" if n < 0 else "+" if "+" in verb.flags else " " if " " in verb.flags else ""
    prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "") if "#" in verb.flags else ""
    zeros = left = right = 0
    if verb.prec is not None:
        if len(digits) < verb.prec:
            zeros = verb.prec - len(digits)
        elif digits == "0" and verb.prec == 0:
            return ""
    length = len(sign) + len(prefix) + zeros + len(digits)
    if verb.width is not None and length < verb.width:
        d = verb.width - length
        if "-" in verb.flags:
            right = d
        elif "0" in verb.flags and verb.prec is None:
            zeros = d
        else:
            left = d
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _to_base(n: int, base: int) -> str:
    if base == 10:
        return str(n)
    return format(n, {2: "b", 8: "o", 16: "x"}[base])


def _digits(d: Decimal) -> tuple[str, int]:
    """(significant digits without trailing zeros, point position): ``d = 0.digits * 10**exp``."""
    _, dig, e = d.as_tuple()
    assert isinstance(e, int)
    text = "".join(map(str, dig))
    if not text.strip("0"):
        return "", 0
    return text.rstrip("0"), e + len(text)


def _round_digits(d: Decimal, mant: str, exp: int, keep: int) -> tuple[str, int]:
    """``mant`` rounded to ``keep`` digits as Go rounds the binary value (half to even on an
    exact half of the 512-bit number, else by which side of the half that number lies)."""
    if keep < 0:
        return "", exp
    if len(mant) <= keep:
        return mant, exp
    head, rest = mant[:keep], mant[keep:]
    up: bool | None
    if rest[0] > "5" or (rest[0] == "5" and rest[1:].strip("0")):
        up = True
    elif rest[0] < "5":
        up = False
    else:
        up = _binary_side(abs(d))
        if up is None:
            up = bool(head) and int(head[-1]) % 2 == 1
    if up:
        if not head:
            return "1", exp + 1
        num = str(int(head) + 1)
        if len(num) > len(head):
            return num.rstrip("0") or "0", exp + 1
        head = num
    return head.rstrip("0"), exp


def _binary_side(d: Decimal) -> bool | None:
    """Whether the 512-bit binary number Terraform holds for ``d`` is above (True) or below
    (False) ``d``; None when it is ``d`` exactly."""
    from fractions import Fraction

    fr = Fraction(d)
    shift = 512 - (fr.numerator.bit_length() - fr.denominator.bit_length())
    m = round(fr * Fraction(2) ** shift)
    if m.bit_length() > 512:
        shift -= 1
        m = round(fr * Fraction(2) ** shift)
    b = Fraction(m) / Fraction(2) ** shift
    return None if b == fr else b > fr


def _go_g(d: Decimal, prec: int | None) -> str:
    """Go's big.Float ``Text('g', prec)`` (prec None: shortest)."""
    neg = d < 0
    mant, exp = _digits(abs(d))
    if not mant:
        return "0"
    if prec is None:
        eprec, p = 6, len(mant)
    else:
        p = max(prec, 1)
        mant, exp = _round_digits(d, mant, exp, p)
        eprec = p
        if eprec > len(mant) and len(mant) >= exp:
            eprec = len(mant)
    x = exp - 1
    if x < -4 or x >= eprec:
        body = _fmt_e(mant, exp, min(p, len(mant)) - 1, "e")
    else:
        body = _fmt_f(mant, exp, max((len(mant) if p > exp else p) - exp, 0))
    return ("-" if neg else "") + body


def _fmt_e(mant: str, exp: int, prec: int, e: str) -> str:
    first = mant[:1] or "0"
    frac = (mant[1 : prec + 1]).ljust(prec, "0") if prec > 0 else ""
    x = exp - 1 if mant else 0
    return first + ("." + frac if prec > 0 else "") + e + ("-" if x < 0 else "+") + f"{abs(x):02d}"


def _fmt_f(mant: str, exp: int, prec: int) -> str:
    if exp > 0:
        whole = mant[:exp].ljust(exp, "0")
    else:
        whole = "0"
    if prec <= 0:
        return whole
    frac = "".join(mant[exp + k] if 0 <= exp + k < len(mant) else "0" for k in range(prec))
    return whole + "." + frac


def _go_float(verb: _Verb, d: Decimal) -> str:
    """Go's big.Float Format for %e %E %f %g %G (default precision 6, %g shortest)."""
    mode = verb.mode
    mant, exp = _digits(abs(d))
    if mode in "eE":
        prec = 6 if verb.prec is None else verb.prec
        mant, exp = _round_digits(d, mant, exp, 1 + prec)
        body = _fmt_e(mant, exp, prec, mode)
    elif mode == "f":
        prec = 6 if verb.prec is None else verb.prec
        mant, exp = _round_digits(d, mant, exp, exp + prec)
        body = _fmt_f(mant, exp, prec)
    else:
        body = _go_g(abs(d), verb.prec)
        if mode == "G":
            body = body.upper()
    sign = "-" if d < 0 and mant else "+" if "+" in verb.flags else " " if " " in verb.flags else ""
    pad = 0
    if verb.width is not None and verb.width > len(sign) + len(body):
        pad = verb.width - len(sign) - len(body)
    if "0" in verb.flags:
        return sign + "0" * pad + body
    if "-" in verb.flags:
        return sign + body + " " * pad
    return " " * pad + sign + body


def _formatlist(fmt: Any, *args: Any) -> list[str]:
    n = None
    for a in args:
        if isinstance(a, list):
            if n is not None and len(a) != n:
                raise FuncError("formatlist: all list arguments must have the same length")
            n = len(a)
    if n is None:
        return [_format(fmt, *args)]
    budget = current_budget()
    budget.check_items(n, "formatlist")
    out = []
    for i in range(n):
        s = _format(fmt, *[a[i] if isinstance(a, list) else a for a in args])
        budget.charge(len(s))  # each item within the string limit; together within the unit's total
        out.append(s)
    return out


def _join(sep: Any, *lists: Any) -> str:
    items: list[str] = []
    for ls in lists:
        items.extend(to_str(x) for x in to_list(ls))
    sep = to_str(sep)
    current_budget().fits_string(sum(map(len, items)) + len(sep) * max(len(items) - 1, 0), "join")
    return sep.join(items)


def _split(sep: Any, s: Any) -> list[str]:
    sep, s = to_str(sep), to_str(s)
    if s == "":
        return [""]
    return s.split(sep) if sep else list(s)


def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = to_str(s), to_str(old), to_str(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return _re_replace(_compile_re(old[1:-1]), s, new)
    count = s.count(old) if old else len(s) + 1
    current_budget().fits_string(len(s) + count * (len(new) - len(old)), "replace")
    return s.replace(old, new)


# Terraform's regex, regexall and replace("/re/") use Go's regexp: RE2 syntax, leftmost-first,
# linear time. Python's ``re`` differs in syntax (lookarounds, backreferences, ``$`` before a
# final newline) and backtracks exponentially, so the patterns run on RE2 (google-re2), with
# Go's rules for empty matches and for ``$1``/``${name}`` in replacements written out below.
@lru_cache(maxsize=256)
def _compile_re(pattern: str) -> Any:
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        raise NotEvaluated("regular expressions need the google-re2 package") from None
    opts = re2.Options()
    opts.log_errors = False  # the error is reported on the attribute, not on stderr
    try:
        return re2.compile(pattern, opts)
    except re2.error as exc:
        msg = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise FuncError(f"invalid regexp pattern {pattern!r}: {msg}") from None


def _re_matches(rx: Any, s: str) -> Iterator[Any]:
    """Successive matches as Go's FindAll: an empty match right after a match is skipped."""
    pos, prev_end, n = 0, -1, len(s)
    while pos <= n:
        m = rx.search(s, pos)
        if m is None:
            return
        start, end = m.span()
        accept = True
        if end == pos:  # empty match at pos
            accept = start != prev_end
            pos += 1
        else:
            pos = end
        prev_end = end
        if accept:
            yield m


def _re_result_kind(rx: Any) -> str:
    names = set(rx.groupindex)
    if rx.groups == 0:
        return "string"
    if not names:
        return "list"
    if len(names) != rx.groups:
        raise FuncError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    return "object"


def _re_result(rx: Any, kind: str, m: Any) -> Any:
    if kind == "string":
        return m.group(0)
    if kind == "list":
        return [m.group(i) for i in range(1, rx.groups + 1)]  # a group that did not take part: null
    return {name: m.group(i) for name, i in rx.groupindex.items()}


def _regex(pattern: Any, s: Any) -> Any:
    rx = _compile_re(to_str(pattern))
    kind = _re_result_kind(rx)
    m = rx.search(to_str(s))
    if m is None:
        raise FuncError("pattern did not match any part of the given string")
    return _re_result(rx, kind, m)


def _regexall(pattern: Any, s: Any) -> list[Any]:
    rx = _compile_re(to_str(pattern))
    kind = _re_result_kind(rx)
    return [_re_result(rx, kind, m) for m in _re_matches(rx, to_str(s))]


def _re_replace(rx: Any, s: str, template: str) -> str:
    """Go's ``Regexp.ReplaceAllString``."""
    out: list[str] = []
    budget = current_budget()
    size = 0
    last, pos, n = 0, 0, len(s)
    while pos <= n:
        m = rx.search(s, pos)
        if m is None:
            break
        start, end = m.span()
        out.append(s[last:start])
        if end > last or start == 0:  # no replacement for an empty match right after a match
            piece = _expand(rx, m, template)
            size += len(piece) + start - last
            if size > 65536:
                budget.fits_string(size + n - end, "replace")
            out.append(piece)
        last = end
        pos = pos + 1 if pos + 1 > end else end
    out.append(s[last:])
    return "".join(out)


_TMPL_NAME = re.compile(r"\{(\w+)\}|(\w+)")


def _expand(rx: Any, m: Any, template: str) -> str:
    """Go's ``Regexp.Expand``: ``$$`` is ``$``, ``$name``/``${name}`` (longest name: ``$1x`` is
    ``${1x}``) is that group, empty when absent; any other ``$`` is literal text."""
    out: list[str] = []
    i = 0
    while True:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            return "".join(out)
        out.append(template[i:j])
        if template.startswith("$$", j):
            out.append("$")
            i = j + 2
            continue
        tm = _TMPL_NAME.match(template, j + 1)
        if tm is None:
            out.append("$")
            i = j + 1
            continue
        name = tm.group(1) or tm.group(2)
        i = tm.end()
        if name.isdigit() and not (name[0] == "0" and len(name) > 1) and len(name) < 9:
            idx = int(name)
            if idx <= rx.groups:
                out.append(m.group(idx) or "")
        elif name in rx.groupindex:
            out.append(m.group(rx.groupindex[name]) or "")


# length, substr and strrev count grapheme clusters in Terraform ("e" + U+0301 is one
# character). Without a segmentation library, a string is split exactly when no code point in it
# can join a cluster (all but CR LF stand alone); otherwise the result is not evaluated.
_JOINING = frozenset({"Mn", "Me", "Mc", "Cf"})
_JOINING_CODEPOINTS = frozenset({0x0D4E, 0x0E33, 0x0EB3, 0xFF9E, 0xFF9F, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A, 0x11D46})
_JOINING_RANGES = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF), (0x1F1E6, 0x1F1FF), (0x1F3FB, 0x1F3FF), (0x11A84, 0x11A89))


def graphemes(s: str) -> list[str]:
    import unicodedata

    if not s.isascii():
        for c in s:
            o = ord(c)
            if o < 0x300:
                continue
            if (
                unicodedata.category(c) in _JOINING
                or o in _JOINING_CODEPOINTS
                or any(lo <= o <= hi for lo, hi in _JOINING_RANGES)
            ):
                raise NotEvaluated("grapheme clusters of this string (combining marks, joiners...) are not computed")
    if "\r\n" not in s:
        return list(s)
    out: list[str] = []
    i = 0
    while i < len(s):
        step = 2 if s.startswith("\r\n", i) else 1
        out.append(s[i : i + step])
        i += step
    return out


def _str_length(s: str) -> int:
    if s.isascii() and "\r" not in s:
        return len(s)
    return len(graphemes(s))


def _substr(s: Any, offset: Any, length: Any) -> str:
    """cty's Substr on grapheme clusters: a negative offset counts from the end, a negative
    length takes the rest, and (cty's loop) a zero length after a negative offset does too."""
    g = graphemes(to_str(s))
    off, ln = to_int(offset), to_int(length)
    if off < 0:
        off += len(g)
    elif ln == 0:
        return ""
    start = max(off, 0)
    if start >= len(g):
        return ""
    if ln <= 0:
        return "".join(g[start:])
    return "".join(g[start : start + ln])


def _strrev(s: Any) -> str:
    return "".join(reversed(graphemes(to_str(s))))


def _upper(s: Any) -> str:
    """Go's per-rune simple case mapping (``upper("ß")`` is ``ß``, not Python's ``SS``)."""
    text = to_str(s)
    if text.isascii():
        return text.upper()
    out: list[str] = []
    for c in text:
        u = c.upper()
        if len(u) != 1:
            t = c.title()
            u = t if len(t) == 1 else c
        out.append(u)
    return "".join(out)


def _lower(s: Any) -> str:
    text = to_str(s)
    if text.isascii():
        return text.lower()
    return "".join("i" if c == "\u0130" else c.lower() if len(c.lower()) == 1 else c for c in text)


def _title(s: Any) -> str:
    """Go's ``strings.Title``: the first letter after a separator (anything but a letter, digit
    or ``_``) is upper-cased."""
    out: list[str] = []
    prev_sep = True
    for c in to_str(s):
        out.append(c.upper() if prev_sep and len(c.upper()) == 1 else c)
        prev_sep = not (c.isalnum() or c == "_")
    return "".join(out)


# Go's unicode.IsSpace (Python's str.strip also strips \x1c-\x1f, which Go keeps)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _trimspace(s: Any) -> str:
    return to_str(s).strip(_GO_SPACE)


def _indent(n: Any, s: Any) -> str:
    width, s = to_int(n), to_str(s)
    current_budget().fits_string(len(s) + max(width, 0) * (s.count("\n") + 1), "indent")
    pad = " " * width
    return s.replace("\n", "\n" + pad)


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
        return _str_length(v)
    if isinstance(v, (list, dict)):
        return len(v)
    raise FuncError(f"length: cannot take the length of {type_name(v)}")


def _element(ls: Any, i: Any) -> Any:
    ls = to_list(ls)
    if not ls:
        raise FuncError("element: cannot use element on an empty list")
    idx = to_int(i)
    if idx < 0:
        raise FuncError("element: cannot use element function with a negative index")
    return ls[idx % len(ls)]


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
    parts = [to_list(ls) for ls in lists]
    current_budget().check_items(sum(map(len, parts)), "concat")
    out: list[Any] = []
    for ls in parts:
        out.extend(ls)
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


def unify(values: list[Any], what: str) -> list[Any]:
    """cty's type unification of primitives, as when a tuple becomes a list or the two results
    of a conditional meet: a string among numbers or bools turns them all into strings
    (``tolist(["a", 1])`` is ``["a", "1"]``); numbers and bools have no common type."""
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, (int, float)):
            kinds.add("number")
        elif isinstance(v, str):
            kinds.add("string")
        else:
            return values  # collections and unknowns: not unified here
    if len(kinds) <= 1:
        return values
    if "string" in kinds:
        return [None if v is None else to_str(v) for v in values]
    raise FuncError(f"{what}: a number and a bool have no common type")


def _coalesce(*vals: Any) -> Any:
    for v in unify(list(vals), "coalesce"):
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


RANGE_LIMIT = 1024  # Terraform's own cap on range()


def _range(*args: Any) -> list[int | float]:
    """cty's Range: the step defaults to -1 when the end is below the start, the end must lie
    in the step's direction, and more than 1024 values is an error."""
    nums = [to_num(a) for a in args]
    start: int | float
    end: int | float
    step: int | float
    if len(nums) == 1:
        start, end, step = 0, nums[0], (-1 if nums[0] < 0 else 1)
    elif len(nums) == 2:
        start, end, step = nums[0], nums[1], (-1 if nums[1] < nums[0] else 1)
    elif len(nums) == 3:
        start, end, step = nums
    else:
        raise FuncError("range: must have one, two, or three arguments")
    if step == 0:
        raise FuncError("range: step must not be zero")
    down = step < 0
    if down and end > start:
        raise FuncError("range: end must be less than start when step is negative")
    if not down and end < start:
        raise FuncError("range: end must be greater than start when step is positive")
    out: list[int | float] = []
    num: int | float = start
    while (num > end) if down else (num < end):
        if len(out) >= RANGE_LIMIT:
            raise FuncError(f"range: more than {RANGE_LIMIT} values were generated")
        out.append(num)
        num = arith("+", num, step)
    return out


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
        return unify(v, "tolist")
    raise FuncError(f"tolist: cannot convert {type_name(v)} to list")


def _toset(v: Any) -> list[Any]:
    """cty's set order: strings lexically, numbers ascending, false before true; mixed
    primitives are unified to strings first (``toset(["a", 1])`` is ``["1", "a"]``)."""
    ls = unify(to_list(v), "toset")
    if ls and all(isinstance(x, (str, int, float)) for x in ls):
        return sorted(_distinct(ls))
    return _distinct(ls)


def _tomap(v: Any) -> dict[str, Any]:
    m = to_map(v)
    return dict(zip(m, unify(list(m.values()), "tomap"), strict=True))


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


def _setproduct(*lists: Any) -> list[list[Any]]:
    """Every combination: the count is the product of the lengths, checked before any is built."""
    import itertools

    ls = [to_list(x) for x in lists]
    current_budget().check_items(math.prod(map(len, ls)) * max(len(ls), 1), "setproduct")
    return [list(t) for t in itertools.product(*ls)]


def _matchkeys(vals: Any, keys: Any, search: Any) -> list[Any]:
    wanted = {_key(x) for x in to_list(search)}  # one pass: not len(keys) x len(search)
    return [v for v, k in zip(to_list(vals), to_list(keys), strict=False) if _key(k) in wanted]


def _chunklist(ls: Any, n: Any) -> list[list[Any]]:
    ls, size = to_list(ls), to_int(n)
    if size <= 0:
        return [ls]
    return [ls[i : i + size] for i in range(0, len(ls), size)]


def _sum(ls: Any) -> int | float:
    ls = to_list(ls)
    if not ls:
        raise FuncError("sum: cannot sum an empty list")
    total: int | float = 0
    for x in ls:
        total = arith("+", total, to_num(x))
    return total


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
    """Terraform computes ``pow`` on float64 (Go's math.Pow): bounded time and size; an overflow
    (Go: an infinity) or a negative base with a fractional exponent (NaN) is an error here."""
    try:
        return norm_num(math.pow(_float(a), _float(b)))
    except OverflowError:  # Go: an infinity
        raise NotEvaluated(f"pow({number_text(to_num(a))}, {number_text(to_num(b))}) is infinite") from None
    except ValueError:  # Go: NaN, which cty rejects
        raise FuncError(f"pow({number_text(to_num(a))}, {number_text(to_num(b))}) is not a finite number") from None


def _float(v: Any) -> float:
    n = to_num(v)
    try:
        return float(n)
    except OverflowError:
        raise NotEvaluated("number too large for a float64 function") from None


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parseint(s: Any, base: Any) -> int:
    """Go's ``big.Int.SetString`` with an explicit base 2..62: an optional sign and digits only
    (no spaces, ``_`` or ``0x``); letters are case-insensitive up to base 36, above it
    ``a``-``z`` are 10-35 and ``A``-``Z`` 36-61."""
    text, b = to_str(s), to_int(base)
    if not 2 <= b <= 62:
        raise FuncError("parseint: base must be a whole number between 2 and 62 inclusive")
    if len(text) > MAX_DIGITS * 4:
        raise NotEvaluated(f"parseint: more than {MAX_DIGITS * 4} characters")
    body = text[1:] if text[:1] in "+-" else text
    digits = _DIGITS if b > 36 else _DIGITS[:36]
    values = {c: v for v, c in enumerate(digits[:b])}
    if b <= 36:
        values.update({c.upper(): v for c, v in list(values.items())})
    if not body or any(c not in values for c in body):
        raise FuncError(f"parseint: cannot parse {text!r} as a base {b} integer")
    n = 0
    for c in body:
        n = n * b + values[c]
    n = -n if text.startswith("-") else n
    if abs(n) >= _INT_LIMIT:
        raise NotEvaluated(f"number with more than {MAX_DIGITS} digits is outside the evaluated range")
    return n


def _log(a: Any, b: Any) -> int | float:
    """Go: ``math.Log(num) / math.Log(base)`` on float64."""
    x, y = _float(a), _float(b)
    if x < 0 or y < 0 or (x == 0 and y == 0):
        raise FuncError("log: the result is not a number")
    if x == 0 or y in (0.0, 1.0):
        raise NotEvaluated("log: the result is infinite (Terraform) and not evaluated")
    return norm_num(math.log(x) / math.log(y))


def _ceil(n: Any) -> int:
    v = to_num(n)
    return v if isinstance(v, int) else math.ceil(to_decimal(v))


def _floor(n: Any) -> int:
    v = to_num(n)
    return v if isinstance(v, int) else math.floor(to_decimal(v))


def _signum(n: Any) -> int:
    v = to_num(n)
    return (v > 0) - (v < 0)


# --------------------------------------------------------------------------- encoding
def _jsonencode(v: Any) -> str:
    """cty's JSON: object keys sorted, numbers in plain decimal, and Go's HTML-safe escaping
    of ``<``, ``>``, ``&``, U+2028 and U+2029."""
    out: list[str] = []
    _json_into(v, out, 0)
    return "".join(out)


def _json_str(s: str) -> str:
    text = json.dumps(s, ensure_ascii=False)
    for c, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(c, esc)
    return text


def _json_into(v: Any, out: list[str], depth: int) -> None:
    if depth > 512:
        raise FuncError("jsonencode: value nested too deeply")
    if v is None or isinstance(v, bool):
        out.append("null" if v is None else "true" if v else "false")
    elif isinstance(v, (int, float)):
        out.append(number_text(v))
    elif isinstance(v, str):
        out.append(_json_str(v))
    elif isinstance(v, list):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _json_into(x, out, depth + 1)
        out.append("]")
    elif isinstance(v, dict):
        out.append("{")
        for i, k in enumerate(sorted(v)):
            if i:
                out.append(",")
            out.append(_json_str(k) + ":")
            _json_into(v[k], out, depth + 1)
        out.append("}")
    else:
        raise FuncError(f"jsonencode: cannot encode {type_name(v)}")


def _jsondecode(s: Any) -> Any:
    """Go's JSON with cty numbers: exact (``1.0`` is 1, ``1e400`` is not an infinity) and no
    ``NaN``/``Infinity`` (which Python's json accepts); a nesting bomb is an error, located by
    its own scan whatever the decoder does."""
    text = to_str(s)
    if json_too_deep(text, DEFAULT_LIMITS.max_depth) is not None:
        raise FuncError(f"jsondecode: {depth_message(DEFAULT_LIMITS.max_depth)}")

    def constant(name: str) -> Any:
        raise FuncError(f"jsondecode: invalid JSON: {name} is not a JSON value")

    try:
        value = json.loads(text, parse_float=parse_number, parse_int=parse_number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise FuncError(f"jsondecode: invalid JSON: {exc}") from None
    except RecursionError:
        raise NotEvaluated("jsondecode: document nested too deeply") from None
    current_budget().measure(value, "jsondecode")
    return value


def _yamlencode(v: Any) -> str:
    """Terraform's YAML (go-cty-yaml): block style, keys sorted, every string double-quoted
    (``{a = "b"}`` is ``"a": "b"``). Strings go-yaml would write in another style (with line
    breaks or control characters) are not reproduced: unknown."""
    lines: list[str] = []
    _yaml_block(v, 0, lines, "")
    return "".join(lines)


def _yaml_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return number_text(v)
    s = str(v)
    if any(c in s for c in "\n\r\x85\u2028\u2029") or any(not c.isprintable() and c != "\t" for c in s):
        raise NotEvaluated("yamlencode: multi-line or control-character strings are not reproduced")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def _yaml_block(v: Any, indent: int, lines: list[str], lead: str) -> None:
    """Append ``v`` at ``indent``; ``lead`` is what already stands on the current line."""
    pad = " " * indent
    if isinstance(v, dict) and v:
        first = True
        for k in sorted(v):
            prefix = lead if first else pad
            first = False
            x = v[k]
            if isinstance(x, (dict, list)) and x:
                lines.append(f"{prefix}{_yaml_scalar(k)}:\n")
                _yaml_block(x, indent + (0 if isinstance(x, list) else 2), lines, " " * (indent + (0 if isinstance(x, list) else 2)))
            else:
                lines.append(f"{prefix}{_yaml_scalar(k)}: {_yaml_flow(x)}\n")
    elif isinstance(v, list) and v:
        first = True
        for x in v:
            prefix = lead if first else pad
            first = False
            if isinstance(x, (dict, list)) and x:
                _yaml_block(x, indent + 2, lines, prefix + "- ")
            else:
                lines.append(f"{prefix}- {_yaml_flow(x)}\n")
    else:
        lines.append(f"{lead}{_yaml_flow(v)}\n")


def _yaml_flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _yaml_scalar(v)


def _yamldecode(s: Any) -> Any:
    """go-cty-yaml's reading of YAML, not PyYAML's YAML 1.1 one: plain ``y``/``n``/``on``/``off``
    are booleans, ``1e3`` and ``0777`` are the decimal numbers 1000 and 777, ``0x1F`` and ``1:20``
    are strings, a date is an RFC 3339 string, ``.inf`` is an infinity (not evaluated) and
    ``.nan`` an error; mapping keys are strings. One document only."""
    import yaml

    from policyguard.parsers.yaml_source import yaml_limit_error

    text = to_str(s)
    limit = yaml_limit_error(text, "<yamldecode>")
    if limit is not None:
        if limit.kind == ErrorKind.LIMIT and limit.message != depth_message(DEFAULT_LIMITS.max_depth):
            # an alias bomb is the unit's limit error, not a quiet unknown (too deep stays an
            # error of the call, as jsondecode's)
            raise LimitExceeded("max_alias_nodes", f"yamldecode: {limit.message} (line {limit.line} of the document)", exhausted=False)
        raise FuncError(f"yamldecode: {limit.message} (line {limit.line})")
    loader = _cty_yaml_loader()
    try:
        value = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise FuncError(f"yamldecode: invalid YAML: {exc}") from None
    except RecursionError:
        raise NotEvaluated("yamldecode: document nested too deeply") from None
    current_budget().measure(value, "yamldecode")  # aliases counted at every place they appear
    return value


_YAML_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_YAML_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_YAML_NULL = {"", "~", "null", "Null", "NULL"}
_YAML_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"}
_YAML_TS = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})"
    r"| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?)?\Z"
)
_PLAIN_TAG = "tag:policyguard,2026:plain"


def _yaml_timestamp(src: str) -> str | None:
    import datetime as dt

    m = _YAML_TS.match(src)
    if m is None:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    h, mi, sec = (int(m.group(k) or m.group(k + 4) or 0) for k in (4, 5, 6))
    zone = m.group(7) or "Z"
    try:
        dt.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}{'Z' if zone in ('Z', '+00:00') else zone}"


def _yaml_number(src: str) -> int | float | None:
    plain = src.replace("_", "")
    try:
        return parse_number(plain)
    except NotEvaluated:
        raise
    except FuncError:
        pass
    body, sign = (plain[1:], -1) if plain.startswith("-") else (plain.lstrip("+"), 1)
    try:
        if body.startswith(("0x", "0X")):
            n = int(body[2:], 16)
        elif body.startswith("0b"):
            n = int(body[2:], 2)
        elif body.startswith(("0o", "0O")):
            n = int(body[2:], 8)
        else:
            return None
    except ValueError:
        return None
    return sign * n if n < 2**64 else None


def _yaml_plain(src: str) -> Any:
    """An untagged plain scalar, resolved as go-cty-yaml does."""
    if src in _YAML_TRUE:
        return True
    if src in _YAML_FALSE:
        return False
    if src in _YAML_NULL:
        return None
    if src in _YAML_INF:
        raise NotEvaluated(f"yamldecode: {src} is an infinity, which is not evaluated")
    if src in (".nan", ".NaN", ".NAN"):
        raise FuncError("yamldecode: floating point NaN is not supported")
    if src[:1] == ".":
        try:
            return parse_number(src)
        except NotEvaluated:
            raise
        except FuncError:
            return src
    if src[:1] in "0123456789+-" and src:
        ts = _yaml_timestamp(src)
        if ts is not None:
            return ts
        plain = src.replace("_", "")
        try:
            return parse_number(plain)
        except NotEvaluated:
            raise
        except FuncError:
            pass
        if plain.startswith(("0b", "-0b")):
            n = _yaml_number(src)
            if n is not None:
                return n
    return src


@lru_cache(maxsize=1)
def _cty_yaml_loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and implicit[0]:
                return "tag:yaml.org,2002:merge" if value == "<<" else _PLAIN_TAG
            return super().resolve(kind, value, implicit)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            # keys one by one: a Python dict would merge the keys 1 and true before they are
            # turned into the strings "1" and "true"
            self.flatten_mapping(node)
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.constructor.ConstructorError(None, None, "only strings are allowed as mapping keys", key_node.start_mark)
                k = self.construct_object(key_node, deep=deep)
                if k is None:
                    raise yaml.constructor.ConstructorError(None, None, "mapping key cannot be null", key_node.start_mark)
                out[to_str(k)] = self.construct_object(value_node, deep=deep)
            return out

    def plain(loader: Any, node: Any) -> Any:
        return _yaml_plain(loader.construct_scalar(node))

    def tagged_number(loader: Any, node: Any) -> Any:
        src = loader.construct_scalar(node)
        n = _yaml_number(src)
        if n is None:
            raise yaml.constructor.ConstructorError(None, None, f"cannot parse {src!r} as {node.tag}", node.start_mark)
        return n

    def tagged_bool(loader: Any, node: Any) -> Any:
        src = loader.construct_scalar(node)
        if src not in _YAML_TRUE and src not in _YAML_FALSE:
            raise yaml.constructor.ConstructorError(None, None, f"cannot parse {src!r} as !!bool", node.start_mark)
        return src in _YAML_TRUE

    def tagged_timestamp(loader: Any, node: Any) -> Any:
        src = loader.construct_scalar(node)
        ts = _yaml_timestamp(src)
        if ts is None:
            raise yaml.constructor.ConstructorError(None, None, f"cannot parse {src!r} as !!timestamp", node.start_mark)
        return ts

    def tagged_binary(loader: Any, node: Any) -> Any:
        src = loader.construct_scalar(node)
        try:
            base64.b64decode(src, validate=True)
        except ValueError:
            raise yaml.constructor.ConstructorError(None, None, "!!binary value is not valid base64", node.start_mark) from None
        return src

    Loader.add_constructor(_PLAIN_TAG, plain)
    def tagged_str(loader: Any, node: Any) -> Any:
        return loader.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:str", tagged_str)
    Loader.add_constructor("tag:yaml.org,2002:int", tagged_number)
    Loader.add_constructor("tag:yaml.org,2002:float", tagged_number)
    Loader.add_constructor("tag:yaml.org,2002:bool", tagged_bool)
    Loader.add_constructor("tag:yaml.org,2002:null", lambda loader, node: None)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", tagged_timestamp)
    Loader.add_constructor("tag:yaml.org,2002:binary", tagged_binary)
    return Loader


def _b64enc(s: Any) -> str:
    return base64.b64encode(to_str(s).encode()).decode()


def _b64dec(s: Any) -> str:
    try:
        return base64.b64decode(to_str(s), validate=True).decode()
    except ValueError:
        raise FuncError("base64decode: invalid base64 or not UTF-8") from None


def _urlencode(s: Any) -> str:
    """Go's ``url.QueryEscape``: a space is ``+``, everything but ``A-Za-z0-9-_.~`` escaped."""
    from urllib.parse import quote_plus

    return quote_plus(to_str(s), safe="")


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


def _textencodebase64(s: Any, encoding: Any) -> str:
    return base64.b64encode(to_str(s).encode(_codec(encoding))).decode()


def _textdecodebase64(s: Any, encoding: Any) -> str:
    try:
        data = base64.b64decode(to_str(s), validate=True)
    except ValueError:
        raise FuncError("textdecodebase64: invalid base64") from None
    try:
        return data.decode(_codec(encoding))
    except UnicodeDecodeError:
        raise FuncError(f"textdecodebase64: the bytes are not valid {to_str(encoding)}") from None


def _codec(name: Any) -> str:
    import codecs

    n = to_str(name)
    if n.lower().replace("-", "").replace("_", "") in ("utf16", "utf32", "ucs2", "ucs4"):
        # Go's IANA UTF-16/UTF-32 byte order and BOM handling differ from Python's codecs
        raise NotEvaluated(f"encoding {n} without an explicit byte order is not reproduced")
    try:
        return codecs.lookup(n).name
    except LookupError:
        raise FuncError(f"unsupported encoding {n!r}") from None


def _base64gzip(s: Any) -> Any:
    raise NotEvaluated("base64gzip: Go's gzip output bytes are not reproduced")


def _csvdecode(s: Any) -> list[dict[str, str]]:
    """Go's ``encoding/csv`` (comma-separated, ``"`` quoting with ``""``, every record as many
    fields as the header, blank lines skipped); the first record names the columns."""
    rows = _csv_records(to_str(s))
    if not rows:
        raise FuncError("csvdecode: missing header line")
    header = rows[0]
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FuncError(f"csvdecode: record {n}: wrong number of fields")
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _csv_records(text: str) -> list[list[str]]:
    rows: list[list[str]] = []
    i, n, line = 0, len(text), 1
    while i < n:
        if text[i] == "\n" or text.startswith("\r\n", i):  # blank line
            i += 1 if text[i] == "\n" else 2
            line += 1
            continue
        row: list[str] = []
        while True:
            if i < n and text[i] == '"':
                i += 1
                buf: list[str] = []
                while True:
                    j = text.find('"', i)
                    if j < 0:
                        raise FuncError(f'csvdecode: line {line}: extraneous or missing " in quoted-field')
                    buf.append(text[i:j])
                    line += text.count("\n", i, j)
                    if text.startswith('""', j):
                        buf.append('"')
                        i = j + 2
                        continue
                    i = j + 1
                    break
                if i < n and text[i] not in ",\n" and not text.startswith("\r\n", i):
                    raise FuncError(f'csvdecode: line {line}: extraneous or missing " in quoted-field')
                row.append("".join(buf).replace("\r\n", "\n"))
            else:
                j = i
                while j < n and text[j] not in ",\n" and not text.startswith("\r\n", j):
                    j += 1
                field = text[i:j]
                if '"' in field:
                    raise FuncError(f'csvdecode: line {line}: bare " in non-quoted-field')
                row.append(field)
                i = j
            if i < n and text[i] == ",":
                i += 1
                continue
            if i < n:
                i += 1 if text[i] == "\n" else 2
            line += 1
            break
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- date and time
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _parse_ts(v: Any) -> tuple[Any, int]:
    """An RFC 3339 timestamp (Go's ``time.RFC3339`` layout) -> (aware datetime, nanoseconds)."""
    import datetime as dt

    text = to_str(v)
    m = _RFC3339.match(text)
    if m is None:
        raise FuncError(f"not a valid RFC3339 timestamp: {text!r}")
    y, mo, d, h, mi, sec = (int(m.group(k)) for k in range(1, 7))
    frac = (m.group(7) or ".")[1:]
    ns = int((frac + "000000000")[:9]) if frac else 0
    zone = m.group(8)
    if zone == "Z":
        off = 0
    else:
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 23 or zm > 59:
            raise FuncError(f"not a valid RFC3339 timestamp: {text!r} (bad time zone)")
        off = (zh * 60 + zm) * (-1 if zone[0] == "-" else 1)
    try:
        stamp = dt.datetime(y, mo, d, h, mi, sec, tzinfo=dt.timezone(dt.timedelta(minutes=off)))
    except ValueError as exc:
        raise FuncError(f"not a valid RFC3339 timestamp: {text!r} ({exc})") from None
    return stamp, ns


def _zone(stamp: Any, colon: bool) -> str:
    off = int(stamp.utcoffset().total_seconds()) // 60
    sign = "-" if off < 0 else "+"
    h, m = divmod(abs(off), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def _formatdate(spec: Any, ts: Any) -> str:
    stamp, _ = _parse_ts(ts)
    fmt = to_str(spec)
    utc = stamp.utcoffset().total_seconds() == 0
    h12 = stamp.hour % 12 or 12
    verbs = {
        "YYYY": f"{stamp.year:04d}", "YY": f"{stamp.year % 100:02d}",
        "MMMM": _MONTHS[stamp.month - 1], "MMM": _MONTHS[stamp.month - 1][:3], "MM": f"{stamp.month:02d}", "M": str(stamp.month),
        "DD": f"{stamp.day:02d}", "D": str(stamp.day),
        "EEEE": _DAYS[stamp.weekday()], "EEE": _DAYS[stamp.weekday()][:3],
        "hh": f"{stamp.hour:02d}", "h": str(stamp.hour), "HH": f"{h12:02d}", "H": str(h12),
        "AA": "PM" if stamp.hour >= 12 else "AM", "aa": "pm" if stamp.hour >= 12 else "am",
        "mm": f"{stamp.minute:02d}", "m": str(stamp.minute), "ss": f"{stamp.second:02d}", "s": str(stamp.second),
        "ZZZZZ": _zone(stamp, True), "ZZZZ": _zone(stamp, False), "ZZZ": "UTC" if utc else _zone(stamp, False),
        "Z": "Z" if utc else _zone(stamp, True),
    }  # fmt: skip
    out: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == "'":
            if fmt.startswith("''", i):
                out.append("'")
                i += 2
                continue
            j = i + 1
            lit: list[str] = []
            while True:
                k = fmt.find("'", j)
                if k < 0:
                    raise FuncError("formatdate: unterminated literal '")
                lit.append(fmt[j:k])
                if fmt.startswith("''", k):
                    lit.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            out.append("".join(lit))
        elif c.isalpha():
            j = i
            while j < n and fmt[j] == c:
                j += 1
            verb = fmt[i:j]
            if verb not in verbs:
                raise FuncError(f"formatdate: invalid date format verb {verb!r}")
            out.append(verbs[verb])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


_DURATION_UNITS = {"ns": 1, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-z\u00b5\u03bc]+)")


def _parse_duration(v: Any) -> int:
    """Go's ``time.ParseDuration`` -> nanoseconds."""
    text = to_str(v)
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0
    if not body:
        raise FuncError(f"invalid duration {text!r}")
    total, pos = Decimal(0), 0
    while pos < len(body):
        m = _DURATION_PART.match(body, pos)
        if m is None or m.group(1) in ("", ".") or m.group(2) not in _DURATION_UNITS:
            raise FuncError(f"invalid duration {text!r}")
        total += Decimal(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    ns = int(total)
    if ns >= 2**63:
        raise FuncError(f"invalid duration {text!r} (overflow)")
    return -ns if text.startswith("-") else ns


def _timeadd(ts: Any, duration: Any) -> str:
    import datetime as dt

    stamp, ns = _parse_ts(ts)
    total = ns + _parse_duration(duration)
    secs, rest = divmod(total, 10**9)
    del rest  # RFC 3339 output in Terraform carries whole seconds only
    try:
        out = stamp + dt.timedelta(seconds=secs)
    except OverflowError:
        raise NotEvaluated("timeadd: the result is outside the years 1-9999") from None
    zone = "Z" if out.utcoffset().total_seconds() == 0 else _zone(out, True)
    return out.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + zone


def _timecmp(a: Any, b: Any) -> int:
    sa, na = _parse_ts(a)
    sb, nb = _parse_ts(b)
    ka, kb = (sa.timestamp(), na), (sb.timestamp(), nb)
    return (ka > kb) - (ka < kb)


# --------------------------------------------------------------------------- crypto
def _rsadecrypt(ciphertext: Any, key: Any) -> str:
    """RSA PKCS #1 v1.5 decryption with a PEM (PKCS #1 or #8) or OpenSSH private key."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise NotEvaluated("rsadecrypt needs the cryptography package") from None
    try:
        data = base64.b64decode(to_str(ciphertext), validate=True)
    except ValueError:
        raise FuncError("rsadecrypt: failed to decode input: not base64") from None
    pem = to_str(key).encode()
    priv: Any
    try:
        if b"OPENSSH PRIVATE KEY" in pem:
            priv = serialization.load_ssh_private_key(pem, password=None)
        else:
            priv = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, Exception) as exc:  # noqa: BLE001 - any parse failure is Terraform's error
        raise FuncError(f"rsadecrypt: invalid private key: {type(exc).__name__}") from None
    if not isinstance(priv, rsa.RSAPrivateKey):
        raise FuncError("rsadecrypt: the key is not an RSA private key")
    try:
        plain = priv.decrypt(data, padding.PKCS1v15())
    except ValueError:
        raise FuncError("rsadecrypt: failed to decrypt") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise FuncError("rsadecrypt: the plaintext is not UTF-8") from None


def _not_tracked(what: str) -> Callable[..., Any]:
    def f(*_args: Any) -> Any:
        raise NotEvaluated(f"{what} is not tracked by the evaluator")

    return f


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
    "lower": _lower,
    "upper": _upper,
    "title": _title,
    "replace": _replace,
    "substr": _substr,
    "trimspace": _trimspace,
    "trim": _trim,
    "trimprefix": _trimprefix,
    "trimsuffix": _trimsuffix,
    "chomp": lambda s: to_str(s).rstrip("\r\n"),
    "indent": _indent,
    "strrev": _strrev,
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
    "setproduct": _setproduct,
    "transpose": _transpose,
    "chunklist": _chunklist,
    "matchkeys": _matchkeys,
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
    "ceil": _ceil,
    "floor": _floor,
    "signum": _signum,
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
    "textencodebase64": _textencodebase64,
    "textdecodebase64": _textdecodebase64,
    "base64gzip": _base64gzip,
    "csvdecode": _csvdecode,
    "rsadecrypt": _rsadecrypt,
    # date and time (timestamp() and plantimestamp() are IMPURE)
    "formatdate": _formatdate,
    "timeadd": _timeadd,
    "timecmp": _timecmp,
    # sensitivity and ephemerality are marks on values in Terraform; values pass through
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
    "issensitive": _not_tracked("sensitivity"),
    "ephemeralasnull": _not_tracked("ephemerality"),
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
        "chunklist", "sensitive", "nonsensitive",
    }
)  # fmt: skip

# Functions whose result differs on every run or depends on the machine: always unknown.
IMPURE = frozenset({"timestamp", "uuid", "bcrypt", "plantimestamp"})
