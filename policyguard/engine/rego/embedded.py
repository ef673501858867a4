"""regorus in-process: the default Rego backend, with the load plan that keeps an engine to the
modules its evaluations need."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from policyguard.engine.rego.common import BackendError, data_refs, first_line, module_package, no_rust_backtraces
from policyguard.engine.rego.driver import DRIVER_FILE, DRIVER_QUERY, RegoPolicy, group_path


# --------------------------------------------------------------------------- embedded regorus
def make_regorus_engine() -> Any:
    """A regorus engine whose policy size limits match OPA's (regorus defaults to 1,024
    columns per line, which real policies and generated data tables exceed)."""
    import regorus

    no_rust_backtraces()
    eng = regorus.Engine()
    try:
        eng.set_policy_length_config(max_col=1 << 20, max_file_bytes=64 << 20, max_lines=1 << 20)
    except (AttributeError, TypeError, ValueError):
        pass
    return eng


class LoadPlan:
    """Which modules an evaluation needs: the library, the parts of the driver it runs, and the
    closure of their data references over the rule and helper modules and the driver's other
    parts. The driver's parts say what they reference and define (``Driver.parts``); a module's
    references are read from its code with strings and comments blanked (``data_refs``), and a
    module with a dynamic ``data`` reference (``data[x]``, ``import data``) pulls in every module."""

    def __init__(self, policy: RegoPolicy) -> None:
        self.units: dict[str, tuple[str, str]] = {}  # key -> (policy name, source), in load order
        # key -> the data paths it defines (a module: its package; () without one: always loaded)
        provides: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._refs: dict[str, tuple[tuple[str, ...], ...] | None] = {}  # modules: read on first use
        for i, (file, source) in enumerate(policy.modules):
            key = f"m{i}"
            self.units[key] = (file, source)
            pkg = module_package(source)
            provides[key] = (pkg,) if pkg else ()
        for part in policy.driver.parts():
            self.units[part.key] = (f"{DRIVER_FILE}#{part.key}", part.text())
            provides[part.key] = part.provides
            self._refs[part.key] = part.refs
        self.base = {k for k, p in provides.items() if p == (("policyguard", "lib"),)} | {"core"}
        # a reference reads the units defining a path it extends (``data.a.b.c`` in package
        # ``a.b``) or that extends it (``data.a`` holds package ``a.b``)
        self._always = [k for k, p in provides.items() if not p]
        self._defined_at: dict[tuple[str, ...], list[str]] = {}
        self._defined_under: dict[tuple[str, ...], list[str]] = {}
        for key, paths in provides.items():
            for path in paths:
                self._defined_at.setdefault(path, []).append(key)
                for n in range(1, len(path)):
                    self._defined_under.setdefault(path[:n], []).append(key)
        # closures by root set: a server evaluates the same few groups thousands of times, and
        # the closure walk cost ~0.3-0.8 ms per evaluation (more than half the Rego time)
        self._closures: dict[frozenset[str], set[str] | None] = {}

    def refs(self, key: str) -> tuple[tuple[str, ...], ...] | None:
        if key not in self._refs:
            self._refs[key] = data_refs(self.units[key][1])
        return self._refs[key]

    def defining(self, ref: tuple[str, ...]) -> list[str]:
        """The units a reference to ``data.<ref>`` may read."""
        keys = [k for n in range(1, len(ref) + 1) for k in self._defined_at.get(ref[:n], ())]
        return [*keys, *self._defined_under.get(ref, ()), *self._always]

    def closure(self, roots: set[str]) -> set[str] | None:
        """The units to load for these driver parts (None: all of them). Cached per root set
        (callers only test membership; the returned set is never mutated)."""
        key = frozenset(roots)
        try:
            return self._closures[key]
        except KeyError:
            pass
        need = self._closure(roots)
        if len(self._closures) < 4096:
            self._closures[key] = need
        return need

    def _closure(self, roots: set[str]) -> set[str] | None:
        need = set(self.base) | roots
        todo: list[tuple[str, ...]] = []
        for key in need:
            r = self.refs(key)
            if r is None:
                return None
            todo.extend(r)
        seen: set[tuple[str, ...]] = set()
        while todo:
            ref = todo.pop()
            if ref in seen:
                continue
            seen.add(ref)
            for key in self.defining(ref):
                if key in need:
                    continue
                need.add(key)
                r = self.refs(key)
                if r is None:
                    return None
                todo.extend(r)
        return need

    def for_groups(self, groups: list[str]) -> set[str] | None:
        roots = {f"group:{g}" for g in groups}
        return self.closure(roots) if roots <= self.units.keys() else None

    def for_batch(self, input_json: str) -> set[str] | None:
        """The ``batch`` entry point: the rules named by the items (none for the empty check)."""
        try:
            items = json.loads(input_json)["batch"]
            roots = {"out:" + rid for item in items for rid in item["rules"]}
        except (ValueError, TypeError, KeyError):
            return None
        if items and not roots:
            return None
        return self.closure(roots) if roots <= self.units.keys() else None


class RegorusBackend:
    """regorus in-process. Lazy by default: an engine holds only the modules its evaluations
    have needed so far (the lib, the driver parts of the evaluated groups and the rule modules
    they reference), so a scan of a few files does not parse and prepare the whole pack (the
    whole set costs ~140 ms). Rules of other groups do not apply to the evaluated resources,
    so the verdicts are the same; ``POLICYGUARD_REGO_LAZY=0`` loads everything up front.

    Lazy, each rule group gets an engine of its own holding just that group's closure (up to
    ``MAX_GROUP_ENGINES``; further groups share one engine). regorus's cost per resource grows
    with every module loaded in the engine (each ``with input.resource`` evaluation), so one
    engine that gathered every group of a long scan judged each resource ~1.6x slower, and
    re-prepared all it held each time a group added modules. Whole corpus, one process: Rego
    CPU 7.97 -> 4.08 s, ~1.5 MiB per engine. The ``batch`` entry point (the empty check, rule
    isolation) keeps the shared engine."""

    name = "embedded"
    MAX_GROUP_ENGINES = 256

    def __init__(self, policy: RegoPolicy, lazy: bool | None = None) -> None:
        self._policy = policy
        self._sources: list[tuple[str, str]] | None = None
        self._local = threading.local()
        self._lazy = os.environ.get("POLICYGUARD_REGO_LAZY", "1") != "0" if lazy is None else lazy
        self._plan: LoadPlan | None = None
        self._plan_lock = threading.Lock()

    @property
    def _modules(self) -> list[tuple[str, str]]:
        """Every module, the driver's text included: built on first use (a lazy load plan, the
        default, reads the policy itself; a VM scan may never need the interpreter at all)."""
        if self._sources is None:
            self._sources = self._policy.sources()
        return self._sources

    def _load_plan(self) -> LoadPlan | None:
        if not self._lazy:
            return None
        with self._plan_lock:
            if self._plan is None:
                self._plan = LoadPlan(self._policy)
            return self._plan

    def _units(self, input_json: str, groups: list[str] | None) -> list[tuple[str, str, str]]:
        """(key, policy name, source) of every module this evaluation needs, in load order."""
        plan = self._load_plan()
        if plan is None:
            return [(f"m{i}", f, s) for i, (f, s) in enumerate(self._modules)]
        need = plan.for_batch(input_json) if groups is None else plan.for_groups(groups)
        return [(k, f, s) for k, (f, s) in plan.units.items() if need is None or k in need]

    def _slot(self, group: str) -> str:
        """The engine that evaluates ``group``: its own while the plan knows its closure and the
        cap allows, else the shared one ("")."""
        engines = getattr(self._local, "engines", None)
        if group in (engines or {}):
            return group
        plan = self._load_plan()
        if plan is None or plan.for_groups([group]) is None:
            return ""
        if engines is not None and len(engines) > self.MAX_GROUP_ENGINES:
            return ""
        return group

    def _engine(self, units: list[tuple[str, str, str]] | None = None, slot: str = "") -> Any:
        if units is None:
            units = [(f"m{i}", f, s) for i, (f, s) in enumerate(self._modules)]
        engines: dict[str, tuple[Any, set[str]]] | None = getattr(self._local, "engines", None)
        if engines is None:
            engines = self._local.engines = {}
            self._local.failed = {}
        entry = engines.get(slot)
        if entry is None:
            entry = engines[slot] = self._new_engine(slot)
        eng, loaded = entry
        self._add(eng, loaded, units)
        return eng

    def _add(self, eng: Any, loaded: set[str], units: list[tuple[str, str, str]]) -> None:
        failed: dict[str, str] = self._local.failed  # key -> message: not retried (slow) on every call
        for key, file, source in units:
            if key in failed:
                raise BackendError(failed[key])
            if key in loaded:
                continue
            try:
                eng.add_policy(file, source)
            except Exception as exc:
                failed[key] = f"{file}: {first_line(exc)}"
                raise BackendError(failed[key]) from None
            loaded.add(key)

    def _new_engine(self, slot: str) -> tuple[Any, set[str]]:
        """A group's engine starts as a clone of one holding the library already parsed and
        prepared (84 group engines: 0.91 -> 0.55 s of CPU); the shared engine starts empty."""
        plan = self._load_plan() if slot else None
        if plan is None:
            return make_regorus_engine(), set()
        base = getattr(self._local, "base", None)
        if base is None:
            eng, loaded = make_regorus_engine(), set[str]()
            self._add(eng, loaded, [(k, f, s) for k, (f, s) in plan.units.items() if k in plan.base])
            try:
                eng.eval_query("true")  # prepares the library once; a problem shows in the group's evaluation
            except BaseException as exc:  # reported by the evaluation that needs the module
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
            base = self._local.base = (eng, frozenset(loaded))
        return base[0].clone(), set(base[1])

    def eval_raw(self, input_json: str, groups: list[str] | None = None) -> str:
        """JSON text of the results: the driver's ``batch`` (groups None) or the concatenated
        ``batch_<group>`` arrays."""
        try:
            if groups is None:
                eng = self._engine(self._units(input_json, None))
                eng.set_input_json(input_json)
                out: str = eng.eval_rule_as_json(DRIVER_QUERY)
                return out
            parts = []
            fed = None  # the engine already holding this input
            for g in groups:
                slot = self._slot(g) if self._lazy else ""
                eng = self._engine(self._units(input_json, [g]), slot)
                if eng is not fed:
                    eng.set_input_json(input_json)
                    fed = eng
                parts.append(eng.eval_rule_as_json("data." + group_path(g).replace("/", ".")).strip())
        except BackendError:
            raise
        except BaseException as exc:  # pyo3 PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise BackendError(f"embedded Rego engine: {first_line(exc)}") from None
        inner = [p[1:-1].strip() for p in parts]
        return "[" + ",".join(x for x in inner if x) + "]"

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        return json.loads(self.eval_raw(input_json, groups))
