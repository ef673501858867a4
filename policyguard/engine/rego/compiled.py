"""regorus's compiled Rego VM (``regorus.Program`` + ``regorus.Rvm``) behind the backend call.

The VM runs a Kubernetes Pod's rule group in ~0.12 ms where the tree-walking interpreter takes
~0.7 ms (BENCHMARKS.md), which is what an admission webhook needs. The pinned regorus (0.13)
VM differs from the interpreter (and OPA) in ways tests/test_rego_vm.py pins down; each is
handled here, not papered over:

* **Undefined assignments.** ``v := expr`` with ``expr`` undefined makes a Rego body undefined;
  the VM binds ``v`` to an undefined value and carries on (so ``not v`` holds and a rule fires
  that OPA would not). Unification (``v = expr``) is compiled correctly and, for a variable the
  body has not bound yet, means the same, so modules are compiled with their assignments
  rewritten to unification (same byte length: ``:=`` becomes `` =``), but only where that
  cannot change meaning: the assigned names must not be rule or function names of the package,
  imports, function arguments, or assigned twice in one rule.
* **Empty comprehensions after iteration, and ``else`` after iteration.** The VM drops a body
  whose comprehension is empty once the body iterates, and does not take an ``else`` when the
  iteration before it found nothing. Rules of either shape are not compiled (``_vm_hazard``).
* **No ``with``, no partial object rules with constant keys, an instruction limit.** The batch
  driver rebinds ``input.resource`` with ``with``, so this backend evaluates one resource per
  execution through a driver of its own (``group_<name>`` objects only); a group that does not
  compile, and an execution that stops at the VM's instruction limit (``SCAN_VM_INSTRUCTIONS``
  in a scan; regorus's 25,000 where the caller hands such work on, the webhook's main lane), are
  judged by the interpreter. A rule with parameters (which the batch driver evaluates ``with
  input.params as`` its own) is an entry point of its own here, executed with its parameters
  as the input's ``params``.
* **Builtins the instruction count does not bound.** One instruction of ``numbers.range`` or
  of ``sprintf`` with a large width allocates as much as its argument says (``numbers.range(1,
  1e7)``: 7 s in one instruction). A module that calls them other than with small literal
  arguments runs on the interpreter, in the guarded helper (``unbounded_builtin``).

A scan compiles lazily: each rule group becomes a program of its own (helpers, the group's rule
modules, a driver of that group) the first time a unit meets it, and the program is kept on disk
(``ProgramCache``), so a warm run compiles nothing. A module the screens refuse sends every group
that uses it to the interpreter, so verdicts never depend on the VM's coverage; ``interpreted``
says which groups and why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from policyguard.engine.rego.common import LEXEMES_RE, code_only, first_line, module_package, no_rust_backtraces
from policyguard.engine.rego.driver import DRIVER_HEADER, DRIVER_PACKAGE, Driver, RegoPolicy
from policyguard.engine.rego.embedded import LoadPlan, RegorusBackend, make_regorus_engine
from policyguard.jsonfast import dumps, loads

# regorus refuses a program of more than 256 source modules ("Program exceeds max sources"): a
# program holds the helper modules, the driver and only the rule modules of its own groups, and
# the groups are split over as many programs as that takes
MAX_PROGRAM_SOURCES = 256

# `input` used other than as `input.resource...` or `input.params...`: the module may read input.resources
_OTHER_INPUT = re.compile(r"\binput\b(?!\s*\.\s*(?:resource\b(?!s)|params\b))")
# `input` used other than as `input.resource...`, `input.resources...` or `input.params...` (`input[k]`, `x := input`)
_FREE_INPUT = re.compile(r"\binput\b(?!\s*\.\s*(?:resources?|params)\b)")
# `input.resources` in code (strings and comments matched first, and kept)
_RESOURCES_REF = re.compile(LEXEMES_RE.pattern + r"|(?P<ref>\binput\s*\.\s*resources\b)")
# where a VM execution reads the unit's resources: set as the VM's data once per unit and VM
# (a rule package of this name would collide: then the module gets the unit as input instead)
UNIT_DATA_ROOT = "policyguard_vm_unit"
UNIT_RESOURCES = f"data.{UNIT_DATA_ROOT}.resources"

# instructions one VM execution (one resource, one rule group) may take in a scan, where what
# stops there is judged again by the interpreter in its helper process, slower: a group of unit
# rules (the CloudTrail and CIS monitoring group reads every resource of the template) took
# 100,000-200,000 on a CloudTrail trail of the corpus (8 ms), and starting the helper for it cost
# more than the scan's other Rego work. At ~25 million instructions a second this bounds one
# execution at ~40 ms. The webhook's main lane keeps regorus's 25,000 (~2 ms): it hands what
# stops there to its heavy lane at once.
SCAN_VM_INSTRUCTIONS = 1_000_000

VM_MISSING = ("the compiled VM needs policyguard-rvm (native/rvm: regorus's VM with every builtin failure reported;"
              " the published regorus VM turns them into silent passes), which is not installed")


def _shared_data(text: str) -> Any:
    """``text`` parsed once for every VM that takes it as data (``policyguard_rvm.Data``: 0.42 s
    of 1.1 s of VM time on the CloudFormation folder went to parsing each unit once per group);
    the text itself where the installed VM module predates ``Data``."""
    data = getattr(vm_module(), "Data", None)
    return data.from_json(text) if data is not None else text


@cache
def _no_data() -> Any:
    """``_shared_data("{}")``, made once: a VM is given it after each unit (an immutable value)."""
    return _shared_data("{}")


def _feed(vm: Any, data: Any) -> None:
    """Set ``data`` (``_shared_data``'s: parsed, or the text) as the VM's data."""
    if isinstance(data, str):
        vm.set_data_json(data)
    else:
        vm.set_data(data)


@cache
def vm_module() -> Any | None:
    """``policyguard_rvm`` (native/rvm), or None when it is not installed: then every group runs
    on the interpreter. The VM of the published ``regorus`` package is never used: a builtin
    that fails there (``to_number("lots")``) is an undefined value, so a rule passes, or under
    ``not`` fires, where the interpreter and OPA report an error."""
    try:
        import policyguard_rvm
    except ImportError:
        return None
    return policyguard_rvm


def unit_source(source: str) -> str | None:
    """``source`` reading ``input.resources`` from ``UNIT_RESOURCES`` (the unit, set as the VM's
    data once per unit), or None when the module uses ``input`` in another way (``input[k]``,
    ``import input...``): then each execution's input carries the unit itself.

    Shipping the unit in every resource's input made a unit of n resources cost n^2 parsing;
    data is parsed once per unit and program."""
    code = code_only(source)
    if _FREE_INPUT.search(code) or re.search(r"^[ \t]*import[ \t]+input\b", code, re.M):
        return None
    return _RESOURCES_REF.sub(lambda m: UNIT_RESOURCES if m.group("ref") else m.group(0), source)


def _ast(file: str, source: str) -> Any:
    eng = make_regorus_engine()  # the interpreter's policy size limits, so what it loads parses here
    eng.add_policy(file, source)
    return json.loads(eng.get_ast_as_json())[0]["ast"]


def _walk(node: Any) -> Any:
    """Every dict in an AST subtree, depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            yield n
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)


def _vars(node: Any) -> set[str]:
    return {d["Var"]["value"] for d in _walk(node) if isinstance(d.get("Var"), dict) and "value" in d["Var"]}


def _span_end(node: Any) -> int:
    return max((d["span"]["end"] for d in _walk(node) if isinstance(d.get("span"), dict) and "end" in d["span"]), default=-1)


def _base_name(ref: Any) -> str | None:
    """The leading name of a rule reference (``c`` of ``c[k]``, ``p`` of ``p.q.r``)."""
    node = ref
    while isinstance(node, dict):
        if isinstance(node.get("Var"), dict):
            value = node["Var"].get("value")
            return value if isinstance(value, str) else None
        inner = node.get("RefDot") or node.get("RefBrack")
        node = inner.get("refr") if isinstance(inner, dict) else None
    return None


def _rule_name(rule: dict[str, Any]) -> str | None:
    if "Default" in rule:
        return _base_name(rule["Default"].get("refr"))
    head = rule.get("Spec", {}).get("head", {})
    for h in head.values():
        if isinstance(h, dict):
            return _base_name(h.get("refr"))
    return None


_COMPREHENSIONS = ("ArrayCompr", "SetCompr", "ObjectCompr")


def _is_iteration(literal: dict[str, Any]) -> bool:
    """``some x in xs``, ``some x`` or a reference with a variable index (``xs[_]``, ``m[k]``;
    the latter may be a plain lookup: counted anyway, the screen is conservative)."""
    if "SomeIn" in literal or "SomeVars" in literal:
        return True
    return any(isinstance(d.get("RefBrack"), dict) and isinstance(d["RefBrack"].get("index"), dict)
               and "Var" in d["RefBrack"]["index"] for d in _walk(literal))


def _vm_hazard(rule: dict[str, Any]) -> str | None:
    """Rule shapes the VM evaluates differently from the interpreter and OPA (found by the
    differential tests, tests/test_rego_vm.py), or None: an ``else`` after a body that iterates
    (when the iteration finds nothing the VM leaves the rule undefined instead of taking the
    ``else``). Comprehensions, in bodies that iterate or not, are right once ``compr_source``
    has given each an iteration of its own (the screen runs on the rewritten source)."""
    bodies = [b for b in rule.get("bodies", []) if isinstance(b, dict)]
    for body in bodies[:-1]:
        if any(_is_iteration(_outside_comprehensions(lit)) for lit in _literals(body.get("query"))):
            return "an else after a rule body that iterates (the VM does not take the else when the iteration finds nothing)"
    return None


def _literals(query: Any) -> list[dict[str, Any]]:
    stmts = (query or {}).get("stmts") or [] if isinstance(query, dict) else []
    return [st["literal"] for st in stmts if isinstance(st, dict) and isinstance(st.get("literal"), dict)]


def _outside_comprehensions(node: Any) -> Any:
    """``node`` with comprehension subtrees left out (their own iteration is theirs)."""
    if isinstance(node, dict):
        return {k: _outside_comprehensions(v) for k, v in node.items() if k not in _COMPREHENSIONS}
    if isinstance(node, list):
        return [_outside_comprehensions(x) for x in node]
    return node


def _import_name(imp: dict[str, Any], data: bytes) -> str:
    """The name an import binds: its ``as`` alias, else the last segment of its reference."""
    alias = imp.get("as")
    if isinstance(alias, dict) and "start" in alias:
        return data[alias["start"]:alias["end"]].decode("utf-8")
    ref = imp.get("refr", {})
    dot = ref.get("RefDot")
    if isinstance(dot, dict) and isinstance(dot.get("field"), list) and len(dot["field"]) == 2:
        return str(dot["field"][1])
    return _base_name(ref) or ""


# builtins whose one instruction allocates as much as an argument says: the VM's instruction
# limit does not bound them (numbers.range(1, 1e7): 7 s; sprintf("%100000000d"): 100 MB)
_RANGE_CALL = re.compile(r"\bnumbers\s*\.\s*range(?:_step)?\s*\(")
_RANGE_LITERAL_ARGS = re.compile(r"\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(\d+)\s*)?\)")
_WIDE_FORMAT = re.compile(r"%[-+ #0]*(?:\d{4,}|\d*\.\d{4,})")
MAX_LITERAL_RANGE = 10_000


def unbounded_builtin(file: str, source: str) -> str | None:
    """Why ``source`` may allocate without a bound the VM's instruction count sees, or None:
    ``numbers.range``/``numbers.range_step`` other than with small integer literals, or a string
    with a ``sprintf`` width or precision of 1,000 or more. Such modules run on the guarded
    interpreter, where a deadline and a memory budget stop them."""
    code = code_only(source)
    for m in _RANGE_CALL.finditer(code):
        lit = _RANGE_LITERAL_ARGS.match(code, m.end() - 1)
        if lit is None or abs(int(lit.group(2)) - int(lit.group(1))) > MAX_LITERAL_RANGE:
            line = code.count("\n", 0, m.start()) + 1
            return f"{file}:{line}: numbers.range with arguments that are not small literals (its cost is not bounded by the VM's instruction limit)"
    for m in LEXEMES_RE.finditer(source):
        text = m.group(0)
        if text[0] in "\"`" and _WIDE_FORMAT.search(text):
            line = source.count("\n", 0, m.start()) + 1
            return f"{file}:{line}: a format width or precision of 1,000 or more (sprintf's allocation is not bounded by the VM's instruction limit)"
    return None


def conflict_hazard(file: str, source: str) -> str | None:
    """Why the VM may give a verdict where the interpreter and OPA report a conflict, or None:
    a complete rule or a function defined by several rule statements. When two of them hold
    with different values the interpreter raises ``eval_conflict_error`` (an ``error``
    finding) and the VM silently takes one value (tests/test_rego_vm.py pins it)."""
    try:
        ast = _ast(file, source)
    except Exception as exc:  # pragma: no cover - the interpreter loaded it before
        return f"{file}: {first_line(exc)}"
    seen: dict[str, int] = {}
    for rule in ast.get("rules", []):
        head = rule.get("Spec", {}).get("head", {}) if isinstance(rule, dict) else {}
        kind = next(iter(head), None)
        if kind == "Func" or (kind == "Compr" and isinstance(head["Compr"].get("refr", {}).get("Var"), dict)):
            name = _base_name(head[kind].get("refr"))
            if name and name in seen:
                return (f"{file}:{rule['Spec'].get('span', {}).get('line', '?')}: {name!r} is defined by several rules "
                        "(where two hold with different values the VM takes one instead of reporting the conflict)")
            if name:
                seen[name] = 1
    return None


@cache
def _verified_roots() -> tuple[Path, ...]:
    from policyguard.engine.rules import LIBRARY_FILES, builtin_rules_dir

    return (builtin_rules_dir().resolve(), *{p.resolve().parent for p in LIBRARY_FILES})


def _verified(file: str) -> bool:
    """A module of the built-in pack or library: its fixtures run on the VM, the interpreter
    and OPA (tests/test_rule_pack.py), and its rules defined by several statements hold on
    exclusive conditions; other modules get ``conflict_hazard``'s screen."""
    try:
        path = Path(file).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(root) for root in _verified_roots())


def vm_source(file: str, source: str, *, unit_data: bool = False) -> tuple[str, str | None]:
    """``source`` with its operators and body assignments rewritten for the VM, or the source
    unchanged and the reason the rewrite would not be faithful. ``unit_data``: the module reads
    the unit from the VM's data (``unit_source``)."""
    original = source
    try:
        source = input_source(file, compr_source(file, arith_source(file, source)), unit_data=unit_data)
        ast = _ast(file, source)
    except Exception as exc:  # pragma: no cover - the interpreter loaded it before
        return original, f"{file}: {first_line(exc)}"
    all_rules = [r for r in ast.get("rules", []) if isinstance(r, dict)]
    rules = [r["Spec"] for r in all_rules if "Spec" in r]
    reserved = {n for n in (_rule_name(r) for r in all_rules) if n}
    reserved |= {"input", "data", "rego", "future"}
    data = bytearray(source.encode("utf-8"))
    for imp in ast.get("imports", []):
        reserved.add(_import_name(imp, bytes(data)))
    spots: list[int] = []
    for rule in rules:
        hazard = _vm_hazard(rule)
        if hazard is not None:
            return original, f"{file}:{rule.get('span', {}).get('line', '?')}: {hazard}"
        args: set[str] = set()
        func = rule.get("head", {}).get("Func")
        if isinstance(func, dict):
            for a in func.get("args", []):
                args |= _vars(a)
        assigned: list[str] = []
        for d in _walk(rule):  # bodies, else bodies and comprehensions in head values alike
            a = d.get("AssignExpr")
            if isinstance(a, dict) and a.get("op") == "ColEq":
                names = _vars(a.get("lhs"))
                clash = names & (reserved | args)
                if clash:
                    return original, f"{file}: assignment to {sorted(clash)[0]!r}, a name the rule also sees"
                assigned.extend(names - {"_"})
                spots.append(_span_end(a.get("lhs")))
        if len(assigned) != len(set(assigned)):
            dup = sorted({n for n in assigned if assigned.count(n) > 1})[0]
            return original, f"{file}: {dup!r} is assigned twice in one rule"
    for end in spots:
        i = data.find(b":=", end)
        if end < 0 or i < 0 or data[end:i].strip():
            return original, f"{file}: could not locate an assignment operator"
        data[i:i + 2] = b" ="
    return data.decode("utf-8"), None


# Operators the interpreter refuses on operands of the wrong type (``"a" + 1``, ``1 / 0``,
# ``{1} | 2``) are undefined on the VM, whatever its strictness: a silent pass, and
# under ``not`` a rule that fires. They are not builtins, so the VM's builtin guards
# (policyguard_rvm) do not see them; each is rewritten into a call of the function of its own
# below, which fails through a builtin (``to_number`` of the operator) exactly when the
# operation is undefined with defined operands, which the interpreter makes an error.
ARITH_PACKAGE = "policyguard_vm_ops"
ARITH_FILE = "policyguard/vm_ops.rego"
ARITH_MODULE = f"""package {ARITH_PACKAGE}

import rego.v1

refuse(op) := to_number(op)

add(a, b) := a + b

add(a, b) := refuse("+") if not _add(a, b)

_add(a, b) if _ = a + b

sub(a, b) := a - b

sub(a, b) := refuse("-") if not _sub(a, b)

_sub(a, b) if _ = a - b

mul(a, b) := a * b

mul(a, b) := refuse("*") if not _mul(a, b)

_mul(a, b) if _ = a * b

div(a, b) := a / b

div(a, b) := refuse("/") if not _div(a, b)

_div(a, b) if _ = a / b

rem(a, b) := a % b

rem(a, b) := refuse("%") if not _rem(a, b)

_rem(a, b) if _ = a % b

union(a, b) := a | b

union(a, b) := refuse("|") if not _union(a, b)

_union(a, b) if _ = a | b

intersection(a, b) := a & b

intersection(a, b) := refuse("&") if not _intersection(a, b)

_intersection(a, b) if _ = a & b
"""
_ARITH_FN = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Mod": "rem", "Union": "union", "Intersection": "intersection"}
# unary minus on anything but a number literal is an error on the interpreter and does not
# compile for the VM (the group runs on the interpreter): left as it is
_OPERATORS = ("ArithExpr", "BinExpr")


def _node_span(node: Any, data: bytes) -> tuple[int, int] | None:
    """(start, end) of an AST expression ``{"Kind": {"span": ...}}``. The parser's span of an
    object literal starts at its last field; its start is the ``{`` before its first field."""
    if not (isinstance(node, dict) and len(node) == 1):
        return None
    kind, inner = next(iter(node.items()))
    span = inner.get("span") if isinstance(inner, dict) else None
    if not (isinstance(span, dict) and "start" in span and "end" in span):
        return None
    start, end = int(span["start"]), int(span["end"])
    if kind in ("String", "RawString"):  # the span of a string literal leaves its quotes out
        return _with_quotes(data, start, end)
    if kind == "Object" and inner.get("fields"):
        first = min(int(d["start"]) for d in _walk(inner.get("fields")) if isinstance(d.get("start"), int))
        i = first - 1
        if data[i:i + 1] in (b'"', b"`"):  # a string key's span leaves its quotes out
            i -= 1
        while i >= 0 and data[i:i + 1] in (b" ", b"\t", b"\n", b"\r"):
            i -= 1
        if i < 0 or data[i:i + 1] != b"{":
            return None
        start = i
    return start, end


def _with_quotes(data: bytes, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` widened over the quotes of a string literal around it, if any."""
    if start > 0 and end < len(data) and data[start - 1:start] in (b'"', b"`") and data[end:end + 1] == data[start - 1:start]:
        return start - 1, end + 1
    return start, end


_Edit = tuple[int, int, Any]  # (start, end, render(edit, render_range) -> bytes)


def _rewrite(data: bytes, edits: list[_Edit]) -> bytes:
    """``data`` with each outermost edit's span replaced by what its function renders; the
    function renders the ranges inside it (operands, bodies) through ``render_range``, so
    nested edits apply too."""
    by_start = sorted(edits, key=lambda e: (e[0], -e[1]))

    def render_range(start: int, end: int, skip: _Edit | None = None) -> bytes:
        out, pos = [], start
        for edit in by_start:
            if edit[0] < pos or edit[1] > end or edit is skip:
                continue
            out.append(data[pos:edit[0]])
            out.append(edit[2](edit, lambda a, b, e=edit: render_range(a, b, e)))
            pos = edit[1]
        out.append(data[pos:end])
        return b"".join(out)

    return render_range(0, len(data))


def arith_source(file: str, source: str) -> str:
    """``source`` with every operator that can fail (arithmetic, set union and intersection)
    called through ``ARITH_PACKAGE``'s functions; unchanged when it has none. Operators on two
    number literals other than ``/`` and ``%`` cannot fail and stay."""
    ast = _ast(file, source)
    data = source.encode("utf-8")
    edits: list[_Edit] = []
    for d in _walk(ast):
        for kind in _OPERATORS:
            node = d.get(kind)
            if not isinstance(node, dict):
                continue
            parts = [node.get("lhs"), node.get("rhs")]
            fn = _ARITH_FN.get(str(node.get("op")))
            spans = [_node_span(p, data) for p in parts]
            if fn is None or any(sp is None for sp in spans):
                raise ValueError(f"{file}: an operator of an unknown shape ({kind} {node.get('op')})")
            if all(isinstance(p, dict) and "Number" in p for p in parts) and fn not in ("div", "rem"):
                continue
            span = _node_span(d, data)
            if span is None:
                raise ValueError(f"{file}: an operator of an unknown shape")

            def call(edit: _Edit, render: Any, fn: str = fn, spans: list[Any] = spans) -> bytes:
                args = [render(a, b) for a, b in spans]
                return f"data.{ARITH_PACKAGE}.{fn}(".encode() + b", ".join(args) + b")"

            edits.append((span[0], span[1], call))
    return _rewrite(data, edits).decode("utf-8") if edits else source


# regorus's VM gets two things wrong in comprehensions, both rewritten away here:
# - it keeps an element whose term is undefined in an array or object comprehension
#   (``[g.n | some g in gs]`` gains "<undefined>" for a g without n; ``{k: g.n | ...}`` a key
#   mapped to it) where the interpreter and OPA leave the element out. Each comprehension whose
#   outputs are not plain variables gets them bound in its body by unification, which the VM
#   compiles correctly: ``[__pg_o0 | some g in gs\n__pg_o0 = g.n\n]``;
# - a comprehension whose body iterates nothing and fails (``[v | v = input.a]`` without
#   ``input.a``, ``[c | c = 1; input.p == "q"]``) leaves the VM in the comprehension's state:
#   the rest of the rule goes wrong (a later definition of the same rule adds the input as its
#   value, or the execution loops until the instruction limit). A body that iterates does not,
#   so every comprehension's body starts with a loop over one element: ``[v | [true][_]\n...]``.
_TERM_PREFIX = "__pg_o"
_ONE_ITERATION = b" [true][_]\n"


def compr_source(file: str, source: str) -> str:
    """``source`` with a one-element loop opening every comprehension's body and the outputs
    that are not plain variables bound in it (above)."""
    ast = _ast(file, source)
    data = source.encode("utf-8")
    edits: list[_Edit] = []
    counter = [0]
    for d in _walk(ast):
        for kind in _COMPREHENSIONS:
            node = d.get(kind)
            if not isinstance(node, dict):
                continue
            outs = [node.get("key"), node.get("value")] if kind == "ObjectCompr" else [node.get("term")]
            if all(isinstance(o, dict) and "Var" in o for o in outs):
                outs = []  # plain variables: only the loop
            spans = [_node_span(o, data) for o in outs]
            whole = _node_span(d, data)
            query = node.get("query")
            bar = int(query["span"]["start"]) if isinstance(query, dict) and isinstance(query.get("span"), dict) else -1
            if whole is None or any(sp is None for sp in spans) or data[bar:bar + 1] != b"|":
                raise ValueError(f"{file}: a comprehension of an unknown shape")
            close = whole[1] - 1
            while close > whole[0] and data[close:close + 1] not in (b"]", b"}"):
                close -= 1
            if close <= whole[0]:
                raise ValueError(f"{file}: could not locate a comprehension's closing bracket")

            def bind(edit: _Edit, render: Any, spans: list[Any] = spans, close: int = close, whole: Any = whole,
                     bar: int = bar) -> bytes:
                names = []
                for _ in spans:
                    names.append(f"{_TERM_PREFIX}{counter[0]}".encode())
                    counter[0] += 1
                out, pos = [], whole[0]
                for name, (a, b) in zip(names, spans, strict=True):
                    out += [render(pos, a), name]
                    pos = b
                out += [render(pos, bar + 1), _ONE_ITERATION, render(bar + 1, close)]
                for name, (a, b) in zip(names, spans, strict=True):
                    out += [b"\n", name, b" = ", render(a, b)]
                out.append(b"\n" + data[close:whole[1]])
                return b"".join(out)

            edits.append((whole[0], whole[1], bind))
    return _rewrite(data, edits).decode("utf-8") if edits else source


# regorus's VM, in a function body, loads ``input`` where the body first reads it: when that is
# inside a comprehension that never runs (it iterates an empty argument), every later read of
# ``input`` in the body is undefined (``f(r) := b if { a := {x | some x in r; input.p}; b :=
# input.q }`` is undefined for r = []). Each function body therefore reads ``input`` first. The
# same holds for the unit read from the VM's data (``UNIT_RESOURCES``): a module reading it has
# every function body read that first too.
def input_source(file: str, source: str, *, unit_data: bool = False) -> str:
    """``source`` with ``input`` (and with ``unit_data`` the unit in the VM's data) read at the
    start of every function body (above)."""
    first = b"{input\n" + (f"data.{UNIT_DATA_ROOT}\n".encode() if unit_data else b"")
    ast = _ast(file, source)
    data = source.encode("utf-8")
    edits: list[_Edit] = []
    for rule in ast.get("rules", []):
        spec = rule.get("Spec") if isinstance(rule, dict) else None
        if not isinstance(spec, dict) or "Func" not in (spec.get("head") or {}):
            continue
        for body in spec.get("bodies", []):
            query = body.get("query") if isinstance(body, dict) else None
            span = query.get("span") if isinstance(query, dict) else None
            if not isinstance(query, dict) or not isinstance(span, dict) or not query.get("stmts"):  # `else := v`: no body of its own
                continue
            start, end = int(span["start"]), max(int(span["end"]), _span_end(body.get("query")))
            if data[end:end + 1] in (b'"', b"`"):  # the body ends with a string literal (its span leaves the quote out)
                end += 1
            if start > 0 and data[start - 1:start] in (b'"', b"`"):  # ... or starts with one
                start -= 1
            if data[start:start + 1] == b"{":
                edits.append((start, start + 1, lambda e, r: first))
            else:  # a body without braces: `f(x) := 1 if x.a`
                edits.append((start, end, lambda e, r: first + r(e[0], e[1]) + b"\n}"))
    return _rewrite(data, edits).decode("utf-8") if edits else source


def vm_driver(driver: Driver, only: list[str] | None = None) -> str:
    """The batch driver reduced to its per-group objects (no ``with``), of every group or of
    ``only`` those. Rules with parameters leave the group objects and become entry points of
    their own, ``param_out_<n>``, reading the execution's ``input.params``."""
    by_id, lines = driver.by_id, driver.entries
    chosen = [(name, ids) for name, ids in driver.groups if only is None or name in only]
    groups = "\n\n".join(f"group_{name} := {{\n" + "".join(lines[r] for r in ids if by_id[r].param_rule is None) + "}"
                         for name, ids in chosen)
    members = {r for _name, ids in chosen for r in ids}
    params = "".join(f"{o.param_rule} := {o.value}\n" for o in driver.outputs
                     if o.param_rule is not None and (only is None or o.rule_id in members))
    return DRIVER_HEADER + groups + "\n\n" + params


class NeedsInterpreter(Exception):  # noqa: N818 - a request for another lane, not a failure
    """The VM cannot judge this input (its group runs on the interpreter, or the VM refused to
    finish) and the backend was told not to run the interpreter, whose time has no bound, in
    the calling thread (``CompiledRegorusBackend.interpret_here``)."""


class CompiledRegorusBackend:
    """Each rule group compiled into a program of its own, lazily (the first time an evaluation
    meets the group; ``prepare`` compiles all), one resource per execution; groups the VM cannot
    run faithfully go to the interpreter (reasons in ``interpreted``), and so does an execution
    the VM refuses to finish (``fallbacks``). What goes to the interpreter in one call goes in
    one batch. ``interpreter``: the backend that judges it (a scan passes the guarded helper,
    started only when first needed); ``cache``: compiled programs on disk."""

    name = "embedded"
    needs_json = False  # the input is serialised per resource

    def __init__(self, policy: RegoPolicy, *, interpret_here: bool = True, interpreter: Any = None,
                 cache: ProgramCache | None = None, eager: bool = False, max_instructions: int | None = None) -> None:
        no_rust_backtraces()
        self._max_instructions = max_instructions
        driver = policy.driver
        self._driver = driver
        self._groups = driver.group_rules
        self._packages = driver.packages
        self._interpreter = interpreter if interpreter is not None else RegorusBackend(policy)
        self._cache = cache
        self._local = threading.local()
        self._lock = threading.Lock()
        rule_packages = set(self._packages.values())
        self._modules = list(policy.modules)
        self._module_pkg: list[str] = []  # rule package of each module ("" for helpers)
        for _file, source in self._modules:
            pkg = ".".join(module_package(source))
            self._module_pkg.append(pkg if pkg in rule_packages else "")
        # a rule package at the unit's data path would collide with it: such a pack ships the unit as input
        self._unit_data_ok = not any(".".join(module_package(s)).split(".")[0] == UNIT_DATA_ROOT for _f, s in self._modules)
        # group -> (rule id, entry point) of its rules with parameters: one execution each
        self._param_members = {g: [(r, driver.by_id[r].ref) for r in ids if driver.by_id[r].param_rule is not None]
                               for g, ids in self._groups.items()}
        self._policy = policy
        self._load_plan: LoadPlan | None = None
        self._screens: dict[int, _Screen] = {}  # module index -> its VM source and screen verdict
        self._plans: dict[str, GroupProgram] = {}  # group -> its program (or why it is interpreted)
        self.fallbacks = 0  # executions the VM refused (instruction limit, error): re-run on the interpreter
        self.compiled = 0  # programs compiled by this process (cache misses)
        self.loaded = 0  # programs read from the disk cache
        # False: raise NeedsInterpreter instead of interpreting here (the webhook's main lane,
        # where only the VM's bounded executions may run: evaluation.py)
        self.interpret_here = interpret_here
        if eager:
            self.prepare()

    # ------------------------------------------------------------------ programs
    @property
    def interpreter(self) -> Any:
        """The backend that judges what the VM does not (the guarded helper in a scan)."""
        return self._interpreter

    @property
    def interpreted(self) -> dict[str, str]:
        """Group -> why it runs on the interpreter, of the groups prepared so far."""
        with self._lock:
            return {g: p.why for g, p in sorted(self._plans.items()) if p.why is not None}

    @property
    def modules(self) -> list[tuple[str, str]]:
        """Every module as the VM compiles it (the screens run on all of them)."""
        return [(f, self._screen(i).source) for i, (f, _s) in enumerate(self._modules)]

    def prepare(self, groups: list[str] | None = None) -> None:
        """Compile (or load) the programs of ``groups`` (all) now rather than on first use."""
        for g in sorted(self._groups) if groups is None else groups:
            self._plan(g)

    def _screen(self, i: int) -> _Screen:
        hit = self._screens.get(i)
        if hit is not None:
            return hit
        file, source = self._modules[i]
        # where the module reads the unit, decided on its own text: the VM rewrites below add
        # reads of ``input`` as a whole (every function body reads it first), which would ship
        # the unit in every execution's input (n^2 in the unit's size)
        reads, base = "", source
        if _OTHER_INPUT.search(code_only(source)):  # strings and comments blanked
            unit = unit_source(source) if self._unit_data_ok else None
            if unit is None:
                reads = "all"
            else:
                base, reads = unit, "unit"
        new, why = vm_source(file, base, unit_data=reads == "unit")
        if why is None:
            why = unbounded_builtin(file, source)
        if why is None and not _verified(file):
            why = conflict_hazard(file, source)
        hit = self._screens[i] = _Screen(new, why, reads)
        return hit

    def _members(self, group: str) -> list[int] | None:
        """The modules of ``group``'s program: what its rules reach through ``data.``
        references (the interpreter's load plan), so a helper only some groups use (and its
        screens) concerns those groups only. None where a module reads ``data`` dynamically
        (``data[x]``): it may read any package, and a program of every module passes the VM's
        source limit, so such a group runs on the interpreter, which loads them all."""
        if self._load_plan is None:
            self._load_plan = LoadPlan(self._policy)
        need = self._load_plan.for_groups([group])
        if need is None:
            return None
        return [i for i in range(len(self._modules)) if f"m{i}" in need]

    def entry_points(self, group: str) -> list[str]:
        return [self.entry(group)] + [e for _r, e in self._param_members.get(group, [])]

    def _plan(self, group: str) -> GroupProgram:
        with self._lock:
            plan = self._plans.get(group)
            if plan is not None:
                return plan
            members = self._members(group)
            if members is None:
                plan = self._plans[group] = GroupProgram("a module of the group reads data dynamically (data[x]): it may read any package")
                return plan
            # before the program cache: a program compiled for a trusted copy of the same sources
            # must not run the repository's copy in this process
            foreign = next((self._modules[i][0] for i in members if self._modules[i][0] in self._policy.untrusted), None)
            if foreign is not None:
                plan = self._plans[group] = GroupProgram(
                    f"{foreign} comes from a rule directory the scanned repository's config names: its rules run only"
                    " on the interpreter in the killable helper (the VM cannot bound every allocation)")
                return plan
            driver = vm_driver(self._driver, [group])
            entries = self.entry_points(group)
            key = self._key(members, driver, entries)
            plan = _COMPILED.get(key)
            if plan is None and self._cache is not None:
                plan = self._cache.get(key)
                if plan is not None:
                    self.loaded += 1
            if plan is None:
                plan = self._build(group, members, driver, entries)
                if self._cache is not None:
                    self._cache.put(key, plan)
            _remember(key, plan)
            self._plans[group] = plan
            return plan

    def _key(self, members: list[int], driver: str, entries: list[str]) -> str:
        """The program's name in the process's and the disk's caches (``ProgramCache.key``)."""
        return ProgramCache.key([self._modules[i] for i in members], driver, entries, self._unit_data_ok)

    def _build(self, group: str, members: list[int], driver: str, entries: list[str]) -> GroupProgram:
        rvm = vm_module()
        if rvm is None:
            return GroupProgram(VM_MISSING)
        if len(members) + 1 > MAX_PROGRAM_SOURCES:
            return GroupProgram(f"its program would hold {len(members) + 1} modules (the VM takes at most {MAX_PROGRAM_SOURCES})")
        screens = [self._screen(i) for i in members]
        helpers_first = sorted(range(len(members)), key=lambda k: bool(self._module_pkg[members[k]]))
        why = next((screens[k].why for k in helpers_first if screens[k].why is not None), None)
        if why is not None:
            return GroupProgram(why)
        sources = [(self._modules[i][0], sc.source) for i, sc in zip(members, screens, strict=True)]
        if any(f"data.{ARITH_PACKAGE}." in src for _f, src in sources):
            sources.append((ARITH_FILE, ARITH_MODULE))
        sources.append(("policyguard/vm_driver.rego", driver))
        self.compiled += 1
        try:
            program = rvm.Program.compile_from_modules("{}", sources, entries)
            binary = bytes(program.serialize_binary())
        except BaseException as exc:  # a compiler panic (register overflow) is a pyo3 PanicException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return GroupProgram(f"does not compile for the VM: {first_line(exc)}")
        return GroupProgram(None, binary, any(sc.reads == "all" for sc in screens), any(sc.reads == "unit" for sc in screens))

    @staticmethod
    def entry(group: str) -> str:
        return f"data.{DRIVER_PACKAGE}.group_{group}"

    def _vm(self, group: str, plan: GroupProgram) -> Any:
        """This thread's VM for ``group`` (regorus programs and VMs cannot cross threads)."""
        vms: dict[str, Any] | None = getattr(self._local, "vms", None)
        if vms is None:
            vms = self._local.vms = {}
        vm = vms.get(group)
        if vm is None:
            rvm = vm_module()
            if rvm is None:
                raise ValueError(VM_MISSING)
            program, partial = rvm.Program.deserialize_binary(plan.binary)
            if partial:
                raise ValueError("the program needs recompiling")
            vm = vms[group] = rvm.Rvm(self._max_instructions)
            vm.load_program(program)
        return vm

    def _thread_vms_fed(self, fed: set[int]) -> list[Any]:
        """This thread's VMs whose ids are in ``fed``."""
        return [vm for vm in (getattr(self._local, "vms", None) or {}).values() if id(vm) in fed]

    def _load_vm(self, group: str, plan: GroupProgram) -> Any:
        """``_vm``, or None when the program does not load (a cache entry that passed its
        checksum but not the deserializer): the group is compiled afresh, once, and the entry
        rewritten; failing that it runs on the interpreter."""
        try:
            return self._vm(group, plan)
        except BaseException as exc:  # a deserializer panic is a pyo3 PanicException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
        with self._lock:
            members = self._members(group) or []
            driver, entries = vm_driver(self._driver, [group]), self.entry_points(group)
            fresh = self._build(group, members, driver, entries)
            key = self._key(members, driver, entries)
            _remember(key, fresh)
            if self._cache is not None and fresh.why is None:
                self._cache.put(key, fresh)
            if fresh.why is None:
                try:
                    self._plans[group] = fresh
                    return self._vm(group, fresh)
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
            self._plans[group] = GroupProgram(fresh.why or "its compiled program does not load")
        return None

    # ------------------------------------------------------------------ evaluation
    def _execute(self, vm: Any, group: str, doc: dict[str, Any], rule_params: Any = None) -> Any:
        """The group's output on the VM, or None when the VM refuses to finish (at its instruction
        limit, ``max_instructions``, which a large object can reach; any other VM error likewise). Each rule of the group with parameters runs in an
        execution of its own, its parameters (``rule_params[rule id]``) as ``input.params``."""
        try:
            vm.set_input_json(dumps(doc))
            value = loads(vm.execute_entry_point(self.entry(group)))
            for rid, entry in self._param_members.get(group, []):
                params = rule_params.get(rid) if isinstance(rule_params, dict) else None
                if params is None:
                    raise KeyError(rid)  # the interpreter reports what the rule makes of it
                vm.set_input_json(dumps({**doc, "params": params}))
                value[rid] = loads(vm.execute_entry_point(entry))
            return value
        except BaseException as exc:  # pyo3 PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            self.fallbacks += 1
            return None

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        out: list[Any] = []
        resources = input_doc.get("resources", {})
        rule_params = input_doc.get("rule_params")
        pending: list[dict[str, Any]] = []  # items the interpreter judges, in one call
        fed: set[int] = set()  # VMs holding this unit as data
        unit_data: Any = None  # the unit parsed once, shared by every VM that reads it
        for item in input_doc.get("batch", []):
            group = item.get("group")
            value = None
            plan = self._plan(group) if group in self._groups else None
            vm = self._load_vm(group, plan) if plan is not None and plan.why is None else None
            if vm is not None and plan is not None:
                doc = {"resource": resources[item["id"]]}
                if plan.with_resources:
                    doc["resources"] = resources
                if plan.unit_data and id(vm) not in fed:
                    if unit_data is None:
                        unit_data = _shared_data(dumps({UNIT_DATA_ROOT: {"resources": resources}}))
                    _feed(vm, unit_data)
                    fed.add(id(vm))
                value = self._execute(vm, group, doc, rule_params)
            if value is None:  # the interpreter judges it (the same verdicts, and its own errors)
                if not self.interpret_here:
                    raise NeedsInterpreter(group or "")
                pending.append(item)
            else:
                out.append({"id": item["id"], "out": value})
        if fed:  # a VM keeps its data: 43 VMs each holding its last unit held 78 MiB on the CloudFormation corpus
            empty = _no_data()
            for vm in {id(v): v for v in self._thread_vms_fed(fed)}.values():
                _feed(vm, empty)
        for part in (p for p in ([i for i in pending if i.get("group") is not None], [i for i in pending if i.get("group") is None]) if p):
            one: dict[str, Any] = {"resources": resources, "batch": part}
            if rule_params is not None:
                one["rule_params"] = rule_params
            names = sorted({i["group"] for i in part}) if part[0].get("group") is not None else None
            out.extend(self._interpreter.eval_batch(one, dumps(one), timeout, names))
        return out

    def close(self) -> None:
        """Stop the interpreter's helper process, if one was started."""
        close = getattr(self._interpreter, "close", None)
        if close is not None:
            close()

    def warm(self) -> None:
        """Start the interpreter's helper process now (``GuardedBackend.warm``)."""
        warm = getattr(self._interpreter, "warm", None)
        if warm is not None:
            warm()


@dataclass(frozen=True, slots=True)
class _Screen:
    """What the faithfulness screen made of one module for the compiled VM."""

    source: str  # the module as the VM compiles it
    why: str | None  # why the VM would not judge it faithfully, or None
    reads: str  # "": only input.resource/params; "unit": the unit as data; "all": the unit in the input


@dataclass(frozen=True, slots=True)
class GroupProgram:
    """A group's compiled program (``binary``, from ``serialize_binary``), or why it runs on
    the interpreter; ``with_resources``: each execution's input carries the unit; ``unit_data``:
    the unit is set as the VM's data."""

    why: str | None
    binary: bytes = b""
    with_resources: bool = False
    unit_data: bool = False


# this process's compiled programs by ProgramCache.key, so every backend made in one process
# (a test session, a long-running server reloading its rules) compiles a group once; bounded
_COMPILED: dict[str, GroupProgram] = {}
_COMPILED_MAX = 1024
_COMPILED_LOCK = threading.Lock()


def _remember(key: str, plan: GroupProgram) -> None:
    if _COMPILED_MAX <= 0:
        return
    with _COMPILED_LOCK:
        if key not in _COMPILED and len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = plan


_CACHE_MAGIC = b"policyguard-rvm-1\n"
MAX_CACHED_PROGRAMS = 4096


@cache
def _engine_stamp() -> str:
    """What a compiled program depends on besides its sources: the rule cache's stamp
    (policyguard version, regorus build, Python) and this module (the screens and rewrites)."""
    from policyguard.engine.rules import code_stamp

    stamps: list[Any] = []
    rvm = vm_module()
    for path in (__file__, getattr(rvm, "__file__", None)):
        try:
            st = Path(path).stat() if path else None
            stamps.append((st.st_size, st.st_mtime_ns) if st else None)
        except OSError:
            stamps.append(None)
    return hashlib.sha256(repr((code_stamp(), stamps)).encode()).hexdigest()


class ProgramCache:
    """Compiled group programs on disk, one file each, named by a hash of everything the program
    is made of: ``_engine_stamp`` and the exact module sources, driver and entry points. The
    directory is the user's (the rule cache's, ``vm/``), never the scanned repository's. A file
    that is not this user's, is writable by others, is truncated, fails its checksum or does
    not deserialize is ignored and rewritten; writes are atomic and their failures ignored."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._pruned = False

    @staticmethod
    def key(modules: list[tuple[str, str]], driver: str, entries: list[str], unit_data: bool) -> str:
        h = hashlib.sha256(_engine_stamp().encode())
        for part in [*(x for m in modules for x in m), driver, *entries, str(unit_data)]:
            b = part.encode("utf-8", "surrogatepass")
            h.update(len(b).to_bytes(8, "big"))
            h.update(b)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key[:48]}.rvm"

    def get(self, key: str) -> GroupProgram | None:
        try:
            with open(self._path(key), "rb") as fh:
                st = os.fstat(fh.fileno())
                if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                    return None
                data = fh.read()
            if not data.startswith(_CACHE_MAGIC):
                return None
            head, sep, binary = data[len(_CACHE_MAGIC):].partition(b"\n")
            meta = json.loads(head) if sep else None
            if not isinstance(meta, dict) or meta.get("key") != key or meta.get("sha256") != hashlib.sha256(binary).hexdigest():
                return None
            plan = GroupProgram(meta.get("why"), binary, bool(meta.get("with_resources")), bool(meta.get("unit_data")))
            if plan.why is not None and (not isinstance(plan.why, str) or binary):
                return None
            return plan  # deserialized where a VM is made (``_vm``), which handles a refusal
        except BaseException as exc:  # unreadable, malformed, a deserializer panic: compile afresh
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return None

    def put(self, key: str, plan: GroupProgram) -> None:
        meta = {"key": key, "sha256": hashlib.sha256(plan.binary).hexdigest(), "why": plan.why,
                "with_resources": plan.with_resources, "unit_data": plan.unit_data}
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".rvm-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_CACHE_MAGIC + json.dumps(meta).encode() + b"\n" + plan.binary)
                os.replace(tmp, self._path(key))
            except BaseException:
                os.unlink(tmp)
                raise
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        """Once per process: keep the newest ``MAX_CACHED_PROGRAMS`` programs (an edited pack
        leaves its old programs behind)."""
        if self._pruned:
            return
        self._pruned = True
        try:
            files = [(e.stat().st_mtime_ns, e.path) for e in os.scandir(self.directory) if e.name.endswith(".rvm")]
        except OSError:
            return
        for _mtime, old in sorted(files, reverse=True)[MAX_CACHED_PROGRAMS:]:
            try:
                os.unlink(old)
            except OSError:
                pass


def program_cache() -> ProgramCache | None:
    """The user's program cache (beside the rule cache), or None when caching is off
    (``POLICYGUARD_NO_CACHE``)."""
    from policyguard.engine.rules import cache_dir

    directory = cache_dir()
    return None if directory is None else ProgramCache(directory / "vm")
