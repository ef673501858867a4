"""Input limits: what a single file may cost before the gate refuses it with a LIMIT error.

The values guard the parsers against hostile or accidental inputs (YAML alias bombs, a
10 MB single-line JSON blob, a 100k-deep flow sequence that would overflow a C stack). They
are far above anything real IaC needs: the largest CloudFormation template in the shared
corpus is under 1 MiB and nests fewer than 30 levels.
"""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, cast


@dataclass(frozen=True, slots=True)
class Limits:
    """Size and shape bounds on what one file may make the parser build."""

    max_file_bytes: int = 20 * 1024 * 1024
    """Files above this size are not read (LIMIT error)."""
    max_depth: int = 200
    """Deepest collection nesting (mappings and sequences) in one YAML/JSON document."""
    max_nodes: int = 2_000_000
    """Nodes per file after alias expansion (counts every node an alias copies)."""
    max_alias_nodes: int = 100_000
    """Nodes that aliases may add on top of the written ones (billion-laughs guard)."""
    max_documents: int = 10_000
    """YAML documents (``---``) per file."""
    sniff_bytes: int = 8192
    """How much of a file discovery reads to decide its format."""


DEFAULT_LIMITS = Limits()


def depth_message(max_depth: int) -> str:
    """The one wording of a nesting error, whichever reader or layer found it."""
    return f"nesting deeper than {max_depth} levels"


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')  # an unterminated string runs to the end
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 +1 -1 -1
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]|[\]}]')


@functools.cache
def _native_too_deep() -> Callable[[str, int], Any] | None:
    """``policyguard_yaml.json_too_deep`` (``native/yaml``: the same two passes over the text's
    bytes, ~40x faster on a plan), or None when the extension is not installed."""
    try:
        from policyguard_yaml import json_too_deep as native
    except ImportError:
        return None
    return cast("Callable[[str, int], Any]", native)


def json_too_deep(text: str, max_depth: int) -> tuple[int, int] | None:
    """Line and column (1-based) of the bracket that opens level ``max_depth + 1`` of a JSON
    text, or None when it nests no deeper (brackets inside strings do not count).

    Independent of any decoder, so a nesting bomb is located the same way whether the decoder
    stopped it (``RecursionError``, or a decoder's own limit in its own wording) or decoded it
    and only our depth limit refuses it. Works on invalid JSON too. The common case runs at C
    speed: strings are dropped, the brackets left become +1/-1 steps whose running sum is the
    depth; only a text that does nest too deep is walked token by token for the position.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return None
    native = _native_too_deep()
    if native is not None:
        try:
            return cast("tuple[int, int] | None", native(text, max_depth))
        except ValueError:  # a lone surrogate: not UTF-8, read below
            pass
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if max(accumulate(array("b", skeleton.translate(_STEPS))), default=0) <= max_depth:
        return None
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = text[m.start()]
        if c == "[" or c == "{":
            depth += 1
            if depth > max_depth:
                pos = m.start()
                return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
        elif c == "]" or c == "}":
            depth = max(depth - 1, 0)
    return None


# --------------------------------------------------------------------------- per-unit budgets
class LimitExceeded(Exception):
    """One unit went over one of its budgets (``UnitBudget``).

    Deliberately not an evaluation error: Terraform's ``try()``/``can()`` must not swallow it.
    ``exhausted``: the unit's whole budget is spent (deadline, steps, instances, bytes produced),
    so the unit stops and yields only this error; otherwise only the value that would have been
    too large is lost (it becomes an unknown marker) and the rest of the unit is judged.
    """

    def __init__(self, limit: str, message: str, *, exhausted: bool) -> None:
        super().__init__(message)
        self.limit = limit
        self.message = message
        self.exhausted = exhausted
        self.file: str | None = None
        self.line = 0
        self.column = 0
        self.where = ""  # the expression or block that went over

    def locate(self, file: str, line: int, column: int, where: str) -> LimitExceeded:
        """Set the place once: the innermost handler that knows it wins."""
        if self.file is None:
            self.file, self.line, self.column = file, line, column
            self.where = where if len(where) <= 120 else where[:117] + "..."
        return self


@dataclass(frozen=True, slots=True)
class UnitLimits:
    """What one unit (a Terraform root module, a template, a manifest file) may cost to parse and
    evaluate. The shared corpus's largest units (of 1,759) take 19,970 steps, 240 instances,
    ~100 KB of values and 0.3 s (3.5 s on a loaded machine): the defaults sit 50-600x above
    (README "Unit limits")."""

    timeout: float = 60.0
    """Wall-clock seconds per unit (``--unit-timeout``, config ``limits.unit_timeout``)."""
    max_steps: int = 1_000_000
    """Evaluation steps per unit: every expression node, function call and ``for`` iteration."""
    max_instances: int = 20_000
    """Resource and module instances per unit, count/for_each multiplied through module nesting
    (CloudFormation: resources after ``Fn::ForEach`` expansion)."""
    max_string: int = 4 * 1024 * 1024
    """Characters in any one string an expression produces (checked before it is built)."""
    max_items: int = 1_000_000
    """Elements in any one list or map an expression produces (checked before it is built)."""
    max_produced: int = 64 * 1024 * 1024
    """Approximate bytes of values evaluation may produce per unit, in total."""
    worker_memory: int = 4 * 1024 * 1024 * 1024
    """Address-space limit (RLIMIT_AS) of each scan worker process (``--unit-memory`` in MiB, 0: none)."""


DEFAULT_UNIT_LIMITS = UnitLimits()
_CHECK_EVERY = 2048  # steps between two looks at the clock


class UnitBudget:
    """The running cost of one unit against its ``UnitLimits``. One per unit, found through
    ``current_budget()`` by every layer that spends (the Terraform evaluator, module expansion,
    CloudFormation's intrinsics and ``Fn::ForEach``)."""

    __slots__ = ("limits", "deadline", "steps", "next_check", "instances", "produced", "errors", "spent", "_sizes")

    def __init__(self, limits: UnitLimits = DEFAULT_UNIT_LIMITS) -> None:
        import time

        self.limits = limits
        self.deadline = time.monotonic() + limits.timeout
        self.steps = 0
        self.next_check = _CHECK_EVERY
        self.instances = 0
        self.produced = 0
        self.errors: list[LimitExceeded] = []  # per-value limits hit (the unit went on)
        self.spent: LimitExceeded | None = None  # the exhausted budget, once it is
        # logical size of each collection measured so far; the entry holds the object, so its id
        # cannot be reused while the entry lives
        self._sizes: dict[int, tuple[object, int]] = {}

    def _exhaust(self, limit: str, message: str) -> LimitExceeded:
        self.spent = LimitExceeded(limit, message, exhausted=True)
        return self.spent

    def tick(self, n: int = 1) -> None:
        """Spend ``n`` steps; looks at the clock every few thousand."""
        self.steps += n
        if self.steps >= self.next_check:
            self.checkpoint()

    def checkpoint(self) -> None:
        import time

        if self.spent is not None:
            raise self.spent
        self.next_check = self.steps + _CHECK_EVERY
        if self.steps > self.limits.max_steps:
            raise self._exhaust("max_steps", f"evaluation took more than {self.limits.max_steps} steps")
        if time.monotonic() > self.deadline:
            raise self._exhaust("timeout", f"unit took longer than its {self.limits.timeout:g} s deadline")

    def expired(self) -> None:
        """The deadline passed (the wall-clock alarm): the unit stops where it is."""
        raise self._exhaust("timeout", f"unit took longer than its {self.limits.timeout:g} s deadline")

    def charge(self, nbytes: int) -> None:
        """Count ``nbytes`` of produced values against the unit's total."""
        self.produced += nbytes
        if self.produced > self.limits.max_produced:
            raise self._exhaust("max_produced", f"evaluation produced more than {self.limits.max_produced // (1024 * 1024)} MiB of values")
        self.tick(1 + (nbytes >> 12))

    def fits_string(self, size: int, what: str) -> None:
        """Before building a string of ``size`` characters (or while building one)."""
        if size > self.limits.max_string:
            raise LimitExceeded("max_string", f"{what} would produce a string of {size} characters (limit {self.limits.max_string})",
                                exhausted=False)

    def check_string(self, size: int, what: str) -> None:
        """A string of ``size`` characters is produced: within the limit, and charged."""
        self.fits_string(size, what)
        self.charge(size)

    def check_items(self, size: int, what: str) -> None:
        """Before building a collection of ``size`` elements."""
        if size > self.limits.max_items:
            raise LimitExceeded("max_items", f"{what} would produce {size} elements (limit {self.limits.max_items})", exhausted=False)
        self.charge(size * 8)

    def measure(self, value: object, what: str) -> int:
        """Logical size of an evaluated value (elements, plus a string's length / 64), counting
        a shared sub-value at every place it appears: ``[local.a, local.a]`` nested thirty times
        is a few objects in memory but 2**30 elements to every rule, report and ``==``. Memoised
        per collection, so measuring what is built from measured parts costs its length.
        Over ``max_items``: a per-value limit (the value is lost, the unit goes on)."""
        if isinstance(value, str):
            return 1 + (len(value) >> 6)
        if not isinstance(value, (list, dict)):
            return 1
        hit = self._sizes.get(id(value))
        n = hit[1] if hit is not None else self._size(value)
        if n > self.limits.max_items:
            raise LimitExceeded("max_items", f"{what}: a value of {n} elements (limit {self.limits.max_items})", exhausted=False)
        return n

    def _size(self, value: list[object] | dict[str, object]) -> int:
        sizes = self._sizes
        items = value.values() if isinstance(value, dict) else value
        total = 1
        for x in items:
            if isinstance(x, (list, dict)):
                hit = sizes.get(id(x))
                total += hit[1] if hit is not None else self._size(x)
            elif isinstance(x, str):
                total += 1 + (len(x) >> 6)
            else:
                total += 1
        sizes[id(value)] = (value, total)
        self.charge(16 * len(items))
        return total

    def reserve_instances(self, n: int, what: str) -> None:
        """Before making ``n`` more instances: refuse them if they would pass the limit."""
        if self.instances + n > self.limits.max_instances:
            raise self._exhaust("max_instances", f"{what}: the unit passes its limit of {self.limits.max_instances} resource/module instances")

    def add_instances(self, n: int, what: str) -> None:
        """``n`` more resource or module instances in this unit."""
        self.instances += n
        if self.instances > self.limits.max_instances:
            raise self._exhaust("max_instances", f"{what}: the unit passes its limit of {self.limits.max_instances} resource/module instances")
        self.tick(n)


_CURRENT: ContextVar[UnitBudget | None] = ContextVar("policyguard_unit_budget", default=None)


def current_budget() -> UnitBudget:
    """The budget of the unit being parsed; outside any unit (a helper called on its own) a
    fresh default one, so nothing runs unbounded."""
    b = _CURRENT.get()
    return b if b is not None else UnitBudget()


@contextmanager
def unit_budget(limits: UnitLimits | None = None) -> Iterator[UnitBudget]:
    """Run one unit under a budget: a fresh one from ``limits``; with ``limits`` None, the budget
    of the enclosing unit if there is one (a parser called by the scan), else a fresh default."""
    outer = _CURRENT.get()
    if limits is None and outer is not None:
        yield outer
        return
    budget = UnitBudget(limits or DEFAULT_UNIT_LIMITS)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)
