"""Numbers read from scanned files: exact where the engines can carry them, a located
``limit-exceeded`` error where they cannot, never an unlocated internal error.

Every value of the resource model reaches the Rego engines as JSON. regorus rejects a number
outside the float64 range ("number out of range"), and Python refuses to convert an integer of
more than 4,300 digits to text (``sys.set_int_max_str_digits``; the conversion is quadratic, so
the limit is a denial-of-service guard we keep). So, in every format (HCL literals, JSON, YAML,
plans, CloudFormation, Kubernetes):

- an integer is kept exact (a Python ``int``, arbitrary precision) while its magnitude is within
  the float64 range (at most 309 digits): bigger than int64 is fine, and prints exactly in reports;
- a number beyond that range (a 5,000-digit integer, ``1e400``) is a ``limit-exceeded`` error at
  its file and line. Terraform itself would hold such a literal as a 512-bit float; no real
  configuration needs one, and guessing a value for it could flip a verdict;
- JSON's non-standard ``NaN``/``Infinity`` literals (which Python's ``json`` accepts) are
  syntax errors, as RFC 8259 says.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

FLOAT_MAX = sys.float_info.max
MAX_INT_DIGITS = len(str(int(FLOAT_MAX)))  # 309: anything longer is outside the float64 range


class NumberError(ValueError):
    """A number the model cannot hold; ``text`` is how it was written (for locating it)."""

    def __init__(self, text: str, message: str, limit: bool = True) -> None:
        super().__init__(message)
        self.text = text
        self.message = message
        self.limit = limit  # True: limit-exceeded; False: not a number of the format at all


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


def to_int(text: str) -> int:
    """An integer literal (optionally signed, decimal digits, ``_`` separators as YAML 1.1
    allows) as an exact ``int``, or ``NumberError``."""
    digits = len(text.lstrip("+-").replace("_", "").lstrip("0"))
    if digits > MAX_INT_DIGITS:
        raise NumberError(text, f"integer with {digits} digits is outside the range policyguard can evaluate "
                                f"(at most {MAX_INT_DIGITS} digits, the float64 range of the Rego engines)")
    value = int(text.replace("_", ""))
    if abs(value) > FLOAT_MAX:
        raise NumberError(text, f"integer {_short(text)} is outside the float64 range of the Rego engines")
    return value


def to_float(text: str) -> float:
    """A decimal or exponent literal as a finite ``float``, or ``NumberError``."""
    value = float(text.replace("_", ""))
    if value != value or value in (float("inf"), float("-inf")):
        raise NumberError(text, f"number {_short(text)} is outside the float64 range of the Rego engines")
    return value


def check(value: Any, text: str) -> Any:
    """A number another reader produced (PyYAML's constructors): the same rules."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > FLOAT_MAX:
        raise NumberError(text, f"integer {_short(text)} is outside the float64 range of the Rego engines")
    return value


def no_constant(name: str) -> Any:
    raise NumberError(name, f"{name} is not a JSON number (RFC 8259 has no NaN or Infinity)", limit=False)


def json_loads(text: str) -> Any:
    """``json.loads`` with the rules above; ``NumberError`` for a number it refuses."""
    return json.loads(text, parse_int=to_int, parse_float=to_float, parse_constant=no_constant)


def locate(source: str, token: str) -> tuple[int, int]:
    """1-based (line, column) of ``token`` written as a whole number in ``source`` (the first
    occurrence not inside a longer number); (1, 1) when it cannot be found."""
    for m in re.finditer(re.escape(token), source):
        before = source[m.start() - 1] if m.start() else " "
        after = source[m.end()] if m.end() < len(source) else " "
        if before in "0123456789.eE+-_" or after in "0123456789.eE_":
            continue
        line = source.count("\n", 0, m.start()) + 1
        return line, m.start() - (source.rfind("\n", 0, m.start()) + 1) + 1
    return 1, 1
