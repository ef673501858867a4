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
  compile, and an execution that stops at the VM's fixed 25,000-instruction limit, are judged by
  the interpreter. A rule with parameters (which the batch driver evaluates ``with
  input.params as`` its own) is an entry point of its own here, executed with its parameters
  as the input's ``params``.

A module the screens refuse sends every group that uses it to the interpreter, so verdicts never
depend on the VM's coverage; ``interpreted`` says which groups and why.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from policyguard.engine.rego.common import LEXEMES_RE, code_only, first_line, module_package
from policyguard.engine.rego.driver import DRIVER_HEADER, DRIVER_PACKAGE, Driver, RegoPolicy
from policyguard.engine.rego.embedded import RegorusBackend, make_regorus_engine
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
UNIT_RESOURCES = f"data.{DRIVER_PACKAGE}.unit_resources"


def unit_source(source: str) -> str | None:
    """``source`` reading ``input.resources`` from the VM driver's ``unit_resources`` (the
    resource under judgement, by id), or None when the module uses ``input`` in another way
    (``input[k]``, ``import input...``): then the execution's input carries the unit itself.

    One resource per execution (the webhook) means the unit is that resource: deriving the map
    in Rego instead of shipping a second copy halves the input the VM parses on every review."""
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
    differential tests, tests/test_rego_vm.py), or None:

    * a comprehension in a body that iterates, or in the head of such a rule: the VM makes the
      body undefined when the comprehension is empty (the interpreter binds the empty
      collection). Inside a function the body calls, or with the iteration inside the
      comprehension itself, it is fine.
    * an ``else`` after a body that iterates: when the iteration finds nothing the VM leaves the
      rule undefined instead of taking the ``else``."""
    head_has = any(k in d for d in _walk(rule.get("head")) for k in _COMPREHENSIONS)
    bodies = [b for b in rule.get("bodies", []) if isinstance(b, dict)]
    for n, body in enumerate(bodies):
        stmts = (body.get("query") or {}).get("stmts") or []
        literals = [st.get("literal") for st in stmts if isinstance(st, dict) and isinstance(st.get("literal"), dict)]
        if not any(_is_iteration(_outside_comprehensions(lit)) for lit in literals):
            continue
        if head_has or any(k in d for lit in literals for d in _walk(lit) for k in _COMPREHENSIONS):
            return "a comprehension in a rule body that iterates (the VM makes the body undefined when the comprehension is empty)"
        if n + 1 < len(bodies):
            return "an else after a rule body that iterates (the VM does not take the else when the iteration finds nothing)"
    return None


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


def vm_source(file: str, source: str) -> tuple[str, str | None]:
    """``source`` with its body assignments rewritten for the VM, or the source unchanged and
    the reason the rewrite would not be faithful."""
    try:
        ast = _ast(file, source)
    except Exception as exc:  # pragma: no cover - the interpreter loaded it before
        return source, f"{file}: {first_line(exc)}"
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
            return source, f"{file}:{rule.get('span', {}).get('line', '?')}: {hazard}"
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
                    return source, f"{file}: assignment to {sorted(clash)[0]!r}, a name the rule also sees"
                assigned.extend(names - {"_"})
                spots.append(_span_end(a.get("lhs")))
        if len(assigned) != len(set(assigned)):
            dup = sorted({n for n in assigned if assigned.count(n) > 1})[0]
            return source, f"{file}: {dup!r} is assigned twice in one rule"
    for end in spots:
        i = data.find(b":=", end)
        if end < 0 or i < 0 or data[end:i].strip():
            return source, f"{file}: could not locate an assignment operator"
        data[i:i + 2] = b" ="
    return data.decode("utf-8"), None


def vm_driver(driver: Driver) -> str:
    """The batch driver reduced to its per-group objects (no ``with``), plus ``unit_resources``
    (see ``unit_source``). Rules with parameters leave the group objects and become entry points
    of their own, ``param_out_<n>``, reading the execution's ``input.params``."""
    by_id, lines = driver.by_id, driver.entries
    groups = "\n\n".join(f"group_{name} := {{\n" + "".join(lines[r] for r in ids if by_id[r].param_rule is None) + "}"
                         for name, ids in driver.groups)
    params = "".join(f"{o.param_rule} := {o.value}\n" for o in driver.outputs if o.param_rule is not None)
    return DRIVER_HEADER + groups + "\n\n" + params + "unit_resources := {input.resource.id: input.resource}\n"


class NeedsInterpreter(Exception):  # noqa: N818 - a request for another lane, not a failure
    """The VM cannot judge this input (its group runs on the interpreter, or the VM refused to
    finish) and the backend was told not to run the interpreter, whose time has no bound, in
    the calling thread (``CompiledRegorusBackend.interpret_here``)."""


class CompiledRegorusBackend:
    """Rule groups compiled into one VM program (one per group if some do not compile), one
    resource per execution; groups the VM cannot run faithfully go to the interpreter (reasons
    in ``interpreted``), and so does an execution the VM refuses to finish (``fallbacks``)."""

    name = "embedded"
    needs_json = False  # the input is serialised per resource

    def __init__(self, policy: RegoPolicy, *, interpret_here: bool = True) -> None:
        driver = policy.driver
        groups, packages = driver.group_rules, driver.packages
        self._interpreter = RegorusBackend(policy)
        self._local = threading.local()
        rewritten: list[tuple[str, str]] = []
        unsafe_packages: dict[str, str] = {}  # package -> why
        helper_problem: str | None = None
        rule_packages = set(packages.values())
        reads_all: set[str] = set()  # packages that may read input.resources ("" for a helper)
        reads_unit: set[str] = set()  # ... through the driver's unit_resources instead (unit_source)
        file_of: dict[str, str] = {}  # rule package -> its module (compile errors name the file)
        module_pkg: list[str] = []
        for file, source in policy.modules:
            new, why = vm_source(file, source)
            pkg = ".".join(module_package(source))
            pkg = pkg if pkg in rule_packages else ""
            if pkg:
                file_of[pkg] = file
            if why is not None:
                if pkg:
                    unsafe_packages[pkg] = why
                else:
                    helper_problem = why
            if _OTHER_INPUT.search(code_only(source)):  # strings and comments blanked
                unit = unit_source(new)
                if unit is None:
                    reads_all.add(pkg)
                else:
                    new = unit
                    reads_unit.add(pkg)
            rewritten.append((file, new))
            module_pkg.append(pkg)
        rewritten.append(("policyguard/vm_driver.rego", vm_driver(driver)))
        # group -> (rule id, entry point) of its rules with parameters: one execution each
        self._param_members = {g: [(r, driver.by_id[r].ref) for r in ids if driver.by_id[r].param_rule is not None]
                               for g, ids in groups.items()}
        module_pkg.append("")
        self.modules = rewritten
        self._module_pkg = module_pkg  # rule package of each module ("" for helpers and the driver)
        self._group_pkgs = {g: {packages.get(r, "") for r in ids} - {""} for g, ids in groups.items()}
        self.interpreted: dict[str, str] = {}  # group -> why it runs on the interpreter
        self.fallbacks = 0  # executions the VM refused (instruction limit, error): re-run on the interpreter
        # False: raise NeedsInterpreter instead of interpreting here (the webhook's main lane,
        # where only the VM's bounded executions may run: evaluation.py)
        self.interpret_here = interpret_here
        def using(pkgs: set[str]) -> set[str]:
            """Groups with a rule in one of ``pkgs`` ("": a helper module every group loads)."""
            return {g for g, ids in groups.items() if "" in pkgs or any(packages.get(r) in pkgs for r in ids)}

        # groups whose rules may read input.resources get the whole unit as input too
        self._with_resources = using(reads_all)
        # groups that take input.resources to be the judged resource alone (one-resource units)
        self._unit_only = using(reads_unit)
        candidates: list[str] = []
        for group, ids in sorted(groups.items()):
            why = helper_problem or next((unsafe_packages[packages[r]] for r in ids if packages.get(r) in unsafe_packages), None)
            if why is None:
                candidates.append(group)
            else:
                self.interpreted[group] = why
        # as few programs as the source limit allows (one parse of their modules each); a compile
        # error names a module: the groups using it go to the interpreter and the rest is
        # compiled again
        self._programs: list[list[str]] = []
        for chunk in self._chunks(candidates):
            self._compile(chunk, groups, packages, file_of)
        self._compiled = {g for gs in self._programs for g in gs}

    def _sources(self, pkgs: set[str]) -> list[tuple[str, str]]:
        """The modules a program for rule packages ``pkgs`` needs: helpers, driver, those rules."""
        return [m for m, pkg in zip(self.modules, self._module_pkg, strict=True) if not pkg or pkg in pkgs]

    def _chunks(self, candidates: list[str]) -> list[list[str]]:
        """``candidates`` in order, cut wherever a program would exceed MAX_PROGRAM_SOURCES."""
        helpers = sum(1 for pkg in self._module_pkg if not pkg)
        chunks: list[list[str]] = []
        pkgs: set[str] = set()
        for group in candidates:
            more = pkgs | self._group_pkgs.get(group, set())
            if chunks and helpers + len(more) <= MAX_PROGRAM_SOURCES:
                chunks[-1].append(group)
                pkgs = more
            else:
                chunks.append([group])
                pkgs = set(self._group_pkgs.get(group, set()))
        return chunks

    def _compile(self, candidates: list[str], groups: dict[str, list[str]], packages: dict[str, str],
                 file_of: dict[str, str]) -> None:
        while candidates:
            why = self._try_compile(candidates)
            if why is None:
                self._programs.append(candidates)
                break
            culprits = [g for g in candidates if any(file_of.get(packages.get(r, ""), "\0") in why for r in groups[g])]
            if not culprits:  # not attributable to a rule module: compile group by group
                for group in candidates:
                    one = self._try_compile([group])
                    if one is None:
                        self._programs.append([group])
                    else:
                        self.interpreted[group] = f"does not compile for the VM: {one}"
                break
            for g in culprits:
                self.interpreted[g] = f"does not compile for the VM: {why}"
            candidates = [g for g in candidates if g not in culprits]

    @staticmethod
    def entry(group: str) -> str:
        return f"data.{DRIVER_PACKAGE}.group_{group}"

    def _try_compile(self, groups: list[str]) -> str | None:
        try:
            self._load(groups)
        except BaseException as exc:  # a compiler panic (register overflow) is a pyo3 PanicException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return first_line(exc)
        return None

    def _load(self, groups: list[str]) -> None:
        """Compile ``groups`` into one program and give this thread a VM for each of them."""
        import regorus

        pkgs = set().union(*(self._group_pkgs.get(g, set()) for g in groups))
        entry_points = [self.entry(g) for g in groups] + [e for g in groups for _r, e in self._param_members.get(g, [])]
        program = regorus.Program.compile_from_modules("{}", self._sources(pkgs), entry_points)
        vm = regorus.Rvm()
        vm.load_program(program)
        vms = self._thread_vms()
        for g in groups:
            vms[g] = vm

    def _thread_vms(self) -> dict[str, Any]:
        vms: dict[str, Any] | None = getattr(self._local, "vms", None)
        if vms is None:
            vms = self._local.vms = {}
        return vms

    def _vm(self, group: str) -> Any:
        """This thread's VM for ``group`` (regorus programs and VMs cannot cross threads)."""
        vms = self._thread_vms()
        if group not in vms:
            self._load(next(gs for gs in self._programs if group in gs))
        return vms[group]

    def _execute(self, group: str, doc: dict[str, Any], rule_params: Any = None) -> Any:
        """The group's output on the VM, or None when the VM refuses to finish (its instruction
        limit of 25,000 per execution is fixed in this regorus build, a large object can reach
        it; any other VM error likewise). Each rule of the group with parameters runs in an
        execution of its own, its parameters (``rule_params[rule id]``) as ``input.params``."""
        vm = self._vm(group)
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
        for item in input_doc.get("batch", []):
            group = item.get("group")
            value = None
            if group in self._compiled and (len(resources) == 1 or group not in self._unit_only):
                doc = {"resource": resources[item["id"]]}
                if group in self._with_resources:
                    doc["resources"] = resources
                value = self._execute(group, doc, input_doc.get("rule_params"))
            if value is None:  # the interpreter judges it (the same verdicts, and its own errors)
                if not self.interpret_here:
                    raise NeedsInterpreter(group or "")
                one = {"resources": resources, "batch": [item]}
                if "rule_params" in input_doc:
                    one["rule_params"] = input_doc["rule_params"]
                out.extend(self._interpreter.eval_batch(one, dumps(one), timeout, None if group is None else [group]))
            else:
                out.append({"id": item["id"], "out": value})
        return out
