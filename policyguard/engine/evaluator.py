"""Evaluation: one ``Finding`` per applicable rule x resource, identical for every backend.

A unit's resources are turned into JSON envelopes once. Rego rules are evaluated in one
backend call per unit (the generated driver loops over the resources with ``with``); Python
rules run in-process under a timer. The raw results (``fail``/``unknown`` sets) are turned
into findings here, in Python, so backends cannot disagree on paths, unknowns, spans or fixes.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from policyguard.engine.python_rules import RuleContext
from policyguard.engine.rego.backends import make_backend
from policyguard.engine.rego.common import BackendError
from policyguard.engine.rego.driver import Driver, RegoPolicy
from policyguard.engine.rules import RuleSet, library_modules
from policyguard.model import (
    BEHAVIOUR_CHANGING,
    UNKNOWN_KEY,
    WORKLOAD_TYPE,
    Finding,
    Fix,
    FixOp,
    Resource,
    RuleMeta,
    Status,
    get_path,
    is_unknown,
    more_cautious,
    parse_path,
    type_key,
)
from policyguard.redact import redact

if TYPE_CHECKING:
    from policyguard.options import EvalOptions

from policyguard.jsonfast import dumps as _dumps

_MAX_TIMEOUTS_PER_UNIT = 3


class _RuleTimeout(BaseException):
    """Raised by the SIGALRM handler inside a Python rule that ran past its budget (a
    BaseException so a rule's own ``except Exception`` cannot swallow it)."""


# The Python-rule watchdog on the main thread: one repeating timer per batch, ticking every
# ``_TICK`` seconds, and the deadline of the rule call running now (``inf`` between calls).
# Arming and disarming a one-shot timer around every call was two system calls per rule x
# resource (~70,000 on a CloudFormation folder); a tick costs a handler call 20 times a second.
_TICK = 0.05
_WATCH = [math.inf]


def _on_alarm(signum: int, frame: Any) -> None:
    if time.monotonic() >= _WATCH[0]:
        _WATCH[0] = math.inf
        raise _RuleTimeout()


def _rearm_if_swallowed(previous: Callable[[Any], None]) -> Callable[[Any], None]:
    """An ``sys.unraisablehook`` for a batch: a timeout raised while a finaliser ran (a ``__del__``,
    a weakref or gc callback) cannot leave it, and Python would print it as "Exception ignored".
    The rule is still running: the watch is re-armed so the next tick stops it, and nothing is printed."""

    def hook(report: Any) -> None:
        if isinstance(report.exc_value, _RuleTimeout):
            _WATCH[0] = time.monotonic()
        else:
            previous(report)

    return hook


def envelope(resource: Resource) -> dict[str, Any]:
    """The JSON record a rule sees as ``input.resource`` (and in ``input.resources``)."""
    env = resource.to_dict(with_spans=False)
    # referenced_by entries point back at the referencing resource: expose it as `source` too
    env["referenced_by"] = [{**r, "source": r["target"]} for r in env["referenced_by"]]
    if resource.pod_spec_path is not None:
        env["pod_spec"] = resource.pod_spec()
    return env


def _segments(path: str) -> tuple[Any, ...] | None:
    """``parse_path`` (itself cached), None when malformed."""
    try:
        return parse_path(path)
    except ValueError:
        return None


def unknown_on_path(attributes: Any, path: str) -> str | None:
    """The expression of the first unknown marker at or above ``path`` in ``attributes``."""
    if not path:
        return None
    segs = _segments(path)
    if segs is None:
        return None
    value = get_path(attributes, segs)  # stops at (and returns) an unknown marker on the way
    return str(value[UNKNOWN_KEY]) if is_unknown(value) else None


def _fix_from(raw: Any, resource: Resource, meta: RuleMeta) -> Fix | None:
    """The fix of one result. Its class is the rule's ``fix_safety``; the result may name its own
    ``safety``, which only counts when it is more cautious (a rule cannot make one fix safer
    than it declared all of them to be)."""
    if not isinstance(raw, Mapping):
        return None
    ops = []
    for op in raw.get("ops") or []:
        if not isinstance(op, Mapping) or op.get("op") not in ("set", "add", "remove", "add_resource"):
            continue
        ops.append(FixOp(str(op["op"]), resource.real_path(str(op.get("path", "") or "")), op.get("value")))
    if not ops:
        return None
    safety = more_cautious(meta.fix_safety or BEHAVIOUR_CHANGING, raw.get("safety") if "safety" in raw else None)
    return Fix(str(raw.get("description", "") or ""), tuple(ops), safety)


@dataclass(frozen=True, slots=True)
class EvalMode:
    """How an evaluator runs its rules, fixed when it is built. The defaults are a scan's; the
    webhook's lanes choose others (webhook/evaluation.py).

    ``rego_guard``: the regorus interpreter in a forked, killable helper (None: the engine
    default); ``rego_compiled``: rule groups on regorus's compiled VM in this process, one
    resource per call, the rest on the interpreter (None: the engine default, on unless
    ``--rego-engine embedded-interpreter`` or ``POLICYGUARD_REGO_VM=0``); ``interpret_here`` False: what the VM cannot finish raises
    ``NeedsInterpreter`` instead of running on the interpreter in this thread;
    ``python_watchdog``: Python rules bounded by a timer or trace function (False: the caller
    bounds a stuck evaluation itself, e.g. the webhook's request deadline + supervisor)."""

    rego_guard: bool | None = None
    rego_compiled: bool | None = None
    interpret_here: bool = True
    python_watchdog: bool = True


class Evaluator:
    def __init__(self, ruleset: RuleSet, evaluation: EvalOptions, mode: EvalMode | None = None) -> None:
        self.ruleset = ruleset
        self.mode = mode or EvalMode()
        self.evaluation = evaluation
        self.metas: list[RuleMeta] = sorted(ruleset.metas, key=lambda m: m.id)
        self._rego_ids = {m.id for m in self.metas if m.id in ruleset.rego}
        self._python_rules = [(m, ruleset.python[m.id]) for m in self.metas if m.id in ruleset.python]  # in rule order
        # each evaluated rule that declares parameters: its values, defaults filled in (RuleSet.params)
        self._params: dict[str, dict[str, Any]] = {m.id: ruleset.params.get(m.id, {}) for m in self.metas if m.params}
        self._rego_params = {rid: v for rid, v in self._params.items() if rid in ruleset.rego}
        self._contexts = {m.id: RuleContext(MappingProxyType(self._params.get(m.id, {}))) for m, _ in self._python_rules}
        self._applicable: dict[tuple[str, str, bool], list[RuleMeta]] = {}
        self._type_index = self._index_types()
        self._broken: dict[str, str] = {}  # rule id -> why it cannot run on this backend
        self._groups, self._group_of = self._make_groups()
        self._deadline = time.monotonic() + max(0.0, evaluation.scan_timeout)
        self._backend: Any = None
        self._backend_lock = threading.Lock()
        self._policy: tuple[frozenset[str], RegoPolicy] | None = None

    # ------------------------------------------------------------------ set-up
    def _make_groups(self) -> tuple[dict[str, list[str]], dict[tuple[str, str, bool], str]]:
        """Rego rules grouped by the resource types they apply to: one group per (platform,
        type) named by any rule, plus one per platform for every other type ("*" rules only)."""
        rego = [m for m in self.metas if m.id in self._rego_ids]
        # per platform, its rules in rule order and, as bit masks over them, the rules that cover
        # every type, those that cover pod-spec types and those naming each type key: a key's
        # members are the union of three masks (matching every key against every rule's types
        # took 0.5-2 s per process at 547 rules; testing each key against each rule, ~10 ms)
        ids_of: dict[str, list[str]] = {}
        star: dict[str, int] = {}
        work: dict[str, int] = {}
        by_type: dict[str, dict[str, int]] = {}
        named: dict[str, set[str]] = {}  # per platform, the type keys rules name (not "*" or WORKLOAD_TYPE)
        for m in rego:
            for plat, types in m.resource_types.items():
                ids = ids_of.setdefault(plat, [])
                bit = 1 << len(ids)
                ids.append(m.id)
                if "*" in types:
                    star[plat] = star.get(plat, 0) | bit
                if WORKLOAD_TYPE in types:
                    work[plat] = work.get(plat, 0) | bit
                masks = by_type.setdefault(plat, {})
                keys_named = named.setdefault(plat, set())
                for t in types:
                    tkey = type_key(plat, t)
                    masks[tkey] = masks.get(tkey, 0) | bit
                    if t != "*" and t != WORKLOAD_TYPE:
                        keys_named.add(tkey)
        # one group key per platform and named type, and per platform for every other type, each
        # with and without a pod spec (WORKLOAD_TYPE rules)
        keys = {(plat, typ, wl) for plat, tkeys in named.items() for typ in ("*", *tkeys) for wl in (False, True)}
        by_members: dict[tuple[str, ...], str] = {}
        by_mask: dict[tuple[str, int], str | None] = {}
        groups: dict[str, list[str]] = {}
        group_of: dict[tuple[str, str, bool], str] = {}
        for plat, typ, wl in sorted(keys):
            mask = star.get(plat, 0) | (work.get(plat, 0) if wl else 0) | \
                (by_type.get(plat, {}).get(typ, 0) if typ != "*" else 0)
            if (plat, mask) in by_mask:
                name = by_mask[(plat, mask)]
            else:
                ids, i, found, rest = ids_of.get(plat, []), 0, [], mask
                while rest:
                    if rest & 1:
                        found.append(ids[i])
                    rest >>= 1
                    i += 1
                members = tuple(found)
                name = by_members.get(members) if members else None
                if members and name is None:
                    name = f"g{len(by_members)}"
                    by_members[members] = name
                    groups[name] = list(members)
                by_mask[(plat, mask)] = name
            if name is not None:
                group_of[(plat, typ, wl)] = name
        return groups, group_of

    @property
    def groups(self) -> dict[str, list[str]]:
        """Rego rule groups: name -> the rule ids that apply to one resource type."""
        return self._groups

    @property
    def has_rego(self) -> bool:
        return bool(self._rego_ids)

    def group_for(self, resource: Resource) -> str | None:
        wl = resource.pod_spec_path is not None
        g = self._group_of.get((resource.platform, type_key(resource.platform, resource.type), wl))
        return g if g is not None else self._group_of.get((resource.platform, "*", wl))

    def policy(self) -> RegoPolicy:
        """What a Rego backend loads: lib, rules (and helpers), and the driver of the rules
        (made once for each set of rules set aside as broken)."""
        key = frozenset(self._broken)
        if self._policy is not None and self._policy[0] == key:
            return self._policy[1]
        rules = [(rid, self.ruleset.rego[rid].package, self.ruleset.rego[rid].has_unknown) for rid in sorted(self._rego_ids)]
        broken_files = {self.ruleset.rego[rid].file for rid in self._broken if rid in self.ruleset.rego}
        made = RegoPolicy(
            (*library_modules(), *(m for m in self.ruleset.modules if m[0] not in broken_files)),
            Driver.build(rules, self._groups, set(self._rego_params)),
            self.ruleset.untrusted_files,
        )
        self._policy = (key, made)
        return made

    def before_fork(self) -> None:
        """Make now what every forked worker would make again before its first unit (the
        policy its backend loads); the backend itself is the worker's own (``adopt``)."""
        if self._rego_ids:
            self.policy()

    def adopt(self) -> bool:
        """In a forked child: keep this evaluator, inherited from the parent, when the parent
        never built its backend (then everything it holds is plain data, copied by the fork),
        with a lock of its own; False when it has a backend (its engines and helper process
        are the parent's): the child must make its own evaluator."""
        if self._backend is not None:
            return False
        self._backend_lock = threading.Lock()
        return True

    def vm_status(self) -> tuple[dict[str, str], int]:
        """On the compiled VM (``mode.rego_compiled``): the groups that run on the interpreter
        instead (group -> why) and how many executions the VM refused and re-ran there."""
        from policyguard.engine.rego.compiled import CompiledRegorusBackend

        backend = self._backend
        if not isinstance(backend, CompiledRegorusBackend):
            return {}, 0
        return dict(backend.interpreted), backend.fallbacks

    def close(self) -> None:
        """Stop the backend (a guarded helper process and its pipes, OPA engines): an evaluator
        that is replaced must not keep them until the process exits."""
        with self._backend_lock:
            backend, self._backend = self._backend, None
        close = getattr(backend, "close", None)
        if close is not None:
            close()

    def warm(self) -> None:
        """Build the Rego backend and start its helper process now (a scan worker, while it is
        a fresh fork: see ``GuardedBackend.warm``)."""
        if self._rego_ids:
            warm = getattr(self.backend, "warm", None)
            if warm is not None:
                warm()

    @property
    def backend(self) -> Any:
        """The backend, built on first use and checked with one empty evaluation. A rule that
        makes the whole policy set fail to compile on this backend (OPA compiles all modules
        together) is set aside as ``broken``: its resources get an ``error`` naming the compile
        message, and the other rules still run."""
        with self._backend_lock:
            if self._backend is None:
                for _attempt in range(10):
                    backend = make_backend(
                        self.evaluation.rego_engine,
                        self.policy(),
                        opa_path=self.evaluation.opa_path,
                        opa_url=self.evaluation.opa_url,
                        timeout=self.evaluation.rule_timeout,
                        guard=self.mode.rego_guard,
                        compiled=self.mode.rego_compiled,
                        interpret_here=self.mode.interpret_here,
                    )
                    culprits = self._check_backend(backend)
                    if not culprits:
                        break
                    close = getattr(backend, "close", None)
                    if close is not None:
                        close()
                self._backend = backend
            return self._backend

    def _check_backend(self, backend: Any) -> list[str]:
        """Rule ids whose files a compile error of the whole set names (and sets them aside)."""
        doc: dict[str, Any] = {"resources": {}, "batch": []}
        try:
            backend.eval_batch(doc, _dumps(doc), max(self.evaluation.rule_timeout, 30.0), None)
            return []
        except BackendError as exc:
            message = str(exc)
        culprits = [rid for rid in sorted(self._rego_ids) if self.ruleset.rego[rid].file in message]
        for rid in culprits:
            self._broken[rid] = f"rule does not compile on the {self.evaluation.rego_engine} engine: {message}"
            self._rego_ids.discard(rid)
        if culprits:
            self._groups, self._group_of = self._make_groups()
        return culprits

    def applicable(self, resource: Resource) -> list[RuleMeta]:
        """The rules that apply to ``resource`` (``RuleMeta.applies_to``), in rule order: per
        new (platform, type, pod spec), the union of the index's sets that can hold one."""
        key = (resource.platform, resource.type, resource.pod_spec_path is not None)
        hit = self._applicable.get(key)
        if hit is None:
            plat, typ, workload = key
            index = self._type_index
            found = set(index.get((plat, "*", "*"), ()))
            found.update(index.get((plat, "type", typ), ()))
            if workload:
                found.update(index.get((plat, "*", WORKLOAD_TYPE), ()))
            tkey = type_key(plat, typ)
            if tkey != typ:
                found.update(index.get((plat, "key", tkey), ()))
            hit = [self.metas[i] for i in sorted(found)]
            self._applicable[key] = hit
        return hit

    def _index_types(self) -> dict[tuple[str, str, str], list[int]]:
        """Where each rule (its place in ``metas``) may apply, by what ``applies_to`` tests:
        every type of a platform, its pod-spec types, a type as named, a type's key. Testing
        all 546 rules for each new type was 2-4% of a worker's time."""
        index: dict[tuple[str, str, str], list[int]] = {}
        for i, m in enumerate(self.metas):
            for plat, types in m.resource_types.items():
                marks = {(plat, "type", t) for t in types} | {(plat, "key", type_key(plat, t)) for t in types}
                if "*" in types:
                    marks.add((plat, "*", "*"))
                if WORKLOAD_TYPE in types:
                    marks.add((plat, "*", WORKLOAD_TYPE))
                for mark in marks:
                    index.setdefault(mark, []).append(i)
        return index

    # ------------------------------------------------------------------ evaluation
    def restart_budget(self, allowance: float = 0.0) -> None:
        """Start a new scan-wide time budget (a process that runs several scans with one
        evaluator, like ``policyguard test``): ``scan_timeout`` plus ``allowance`` seconds (the
        scan's share for its input's size, ``Scanner.restart_budget``)."""
        self._deadline = time.monotonic() + max(0.0, self.evaluation.scan_timeout) + max(0.0, allowance)

    def evaluate(self, resources: list[Resource], deadline: float | None = None, *, problems_only: bool = False) -> list[Finding]:
        """Findings for one unit. ``deadline`` (a ``time.monotonic()`` value) bounds this call
        instead of the scan-wide budget: a server passes each request's deadline.
        ``problems_only``: no ``pass`` findings (a server that only acts on fail/unknown/error
        skips building one object per passing rule)."""
        if deadline is None:
            return self._evaluate(resources, problems_only)
        saved = self._deadline
        self._deadline = deadline
        try:
            return self._evaluate(resources, problems_only)
        finally:
            self._deadline = saved

    def _evaluate(self, resources: list[Resource], problems_only: bool = False) -> list[Finding]:
        if not resources or not self.metas:
            return []
        envs = {r.id: envelope(r) for r in resources}
        per_resource = [(r, self.applicable(r)) for r in resources]
        raw: dict[tuple[str, str], tuple[str, Any]] = {}  # (resource id, rule id) -> ("ok", out) | ("error", msg)

        if time.monotonic() > self._deadline:
            for r, metas in per_resource:
                for m in metas:
                    raw[(r.id, m.id)] = ("error", "scan time budget exceeded before this rule ran")
        else:
            self._eval_rego(per_resource, envs, raw)
            self._eval_python(per_resource, envs, raw)

        findings: list[Finding] = []
        append, PASS = findings.append, Status.PASS
        for r, metas in per_resource:
            origin: str | None = None
            for m in metas:
                outcome = raw.get((r.id, m.id))
                if outcome is None:
                    outcome = ("error", "rule produced no result")
                if outcome[0] == "ok" and _no_results(outcome[1]):  # most: the pass ``_findings`` gives
                    if problems_only:
                        continue
                    if origin is None:
                        origin = str(r.meta.get("origin") or "")
                    append(Finding(rule_id=m.id, status=PASS, severity=m.severity, resource_id=r.id, resource_type=r.type,
                                   platform=r.platform, span=r.span, construct_path=r.construct_path,
                                   call_chain=r.call_chain, origin=origin))
                    continue
                findings.extend(self._findings(r, m, outcome))
        return findings

    # `opa eval` starts a process and compiles the whole policy set on every call: allow for it
    STARTUP_ALLOWANCE = {"opa": 10.0}

    def _rego_budget(self, n_pairs: int) -> float:
        budget = self.evaluation.rule_timeout * max(1, n_pairs) + self.STARTUP_ALLOWANCE.get(self.evaluation.rego_engine, 0.0)
        return max(0.1, min(budget, self._deadline - time.monotonic()))

    def _eval_rego(self, per_resource: list[tuple[Resource, list[RuleMeta]]], envs: dict[str, Any],
                   raw: dict[tuple[str, str], tuple[str, Any]]) -> None:
        if not any(m.id in self.ruleset.rego for _, metas in per_resource for m in metas):
            return
        self.backend  # noqa: B018 - build and check first: it may set rules aside
        for r, metas in per_resource:
            for m in metas:
                if m.id in self._broken:
                    raw[(r.id, m.id)] = ("error", self._broken[m.id])
        batch: list[dict[str, Any]] = []
        grouped: list[dict[str, Any]] = []
        exact = True
        for r, metas in per_resource:
            ids = [m.id for m in metas if m.id in self._rego_ids]
            if ids:
                batch.append({"id": r.id, "rules": dict.fromkeys(ids, True)})
                group = self.group_for(r)
                # a group is exactly the applicable rules by construction; stay exact anyway
                exact = exact and group is not None and self._groups[group] == ids
                grouped.append({"id": r.id, "group": group})
        if not batch:
            return
        n_rules = len({rid for b in batch for rid in b["rules"]})
        try:
            if exact:
                names = sorted({g["group"] for g in grouped})
                self._run_batch(grouped, envs, raw, self._rego_budget(n_rules), names)
            else:
                self._run_batch(batch, envs, raw, self._rego_budget(n_rules))
            return
        except BackendError as exc:
            first_error = str(exc)
        if len(batch) == 1 and len(batch[0]["rules"]) == 1:
            rid = next(iter(batch[0]["rules"]))
            raw[(batch[0]["id"], rid)] = ("error", first_error)
            return
        # isolate the failing rule x resource pairs; the others still get their verdicts
        for item in batch:
            for rid in item["rules"]:
                if time.monotonic() > self._deadline:
                    raw[(item["id"], rid)] = ("error", "scan time budget exceeded before this rule ran")
                    continue
                single = [{"id": item["id"], "rules": {rid: True}}]
                try:
                    self._run_batch(single, envs, raw, self._rego_budget(1))
                except BackendError as exc:
                    raw[(item["id"], rid)] = ("error", str(exc))

    def _run_batch(self, batch: list[dict[str, Any]], envs: dict[str, Any],
                   raw: dict[tuple[str, str], tuple[str, Any]], timeout: float, groups: list[str] | None = None) -> None:
        doc: dict[str, Any] = {"resources": envs, "batch": batch}
        if self._rego_params:  # only then: the input of a pack without parameterised rules is unchanged
            doc["rule_params"] = self._rego_params
        backend = self.backend
        value = backend.eval_batch(doc, _dumps(doc) if getattr(backend, "needs_json", True) else "", timeout, groups)
        if not isinstance(value, list):
            raise BackendError(f"driver returned {type(value).__name__}, expected a list")
        for entry in value:
            if not isinstance(entry, dict) or not isinstance(entry.get("out"), dict):
                raise BackendError("driver returned a malformed entry")
            for rid, out in entry["out"].items():
                raw[(str(entry["id"]), rid)] = ("ok", out)

    def _eval_python(self, per_resource: list[tuple[Resource, list[RuleMeta]]], envs: dict[str, Any],
                     raw: dict[tuple[str, str], tuple[str, Any]]) -> None:
        python = self._python_rules
        if not python:
            return
        # python_watchdog False: the caller bounds a stuck evaluation (no timer, no trace)
        use_timer = self.mode.python_watchdog and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        traced = not use_timer and self.mode.python_watchdog
        # rule ids per resource: `m in metas` compared RuleMeta dataclasses field by field
        applicable_ids = [(r, {x.id for x in metas}) for r, metas in per_resource]
        # the SIGALRM handler and its repeating timer are set once per batch (``_TICK``)
        old_handler = signal.signal(signal.SIGALRM, _on_alarm) if use_timer else None
        old_hook = sys.unraisablehook
        try:
            if use_timer:
                _WATCH[0] = math.inf
                sys.unraisablehook = _rearm_if_swallowed(old_hook)
                signal.setitimer(signal.ITIMER_REAL, _TICK, _TICK)
            self._run_python(python, applicable_ids, envs, raw, use_timer, traced)
        finally:
            if use_timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.unraisablehook = old_hook
                _WATCH[0] = math.inf
                if old_handler is not None:
                    signal.signal(signal.SIGALRM, old_handler)

    def _run_python(self, python: list[tuple[RuleMeta, Any]], applicable_ids: list[tuple[Resource, set[str]]],
                    envs: dict[str, Any], raw: dict[tuple[str, str], tuple[str, Any]], use_timer: bool, traced: bool) -> None:
        for m, prule in python:
            targets = [r for r, ids in applicable_ids if m.id in ids]
            if not targets:
                continue
            timeouts = 0
            for r in targets:
                if timeouts >= _MAX_TIMEOUTS_PER_UNIT or time.monotonic() >= self._deadline:
                    why = "scan time budget exceeded" if timeouts < _MAX_TIMEOUTS_PER_UNIT else (
                        f"rule timed out {timeouts} times in this unit; its remaining resources were skipped")
                    raw[(r.id, m.id)] = ("error", why)
                    continue
                budget = max(0.001, min(self.evaluation.rule_timeout, self._deadline - time.monotonic()))
                ctx = self._contexts[m.id]
                try:
                    if use_timer:
                        _WATCH[0] = time.monotonic() + budget
                        results = prule.run(envs[r.id], envs, ctx)
                        _WATCH[0] = math.inf
                    elif traced:  # not the main thread (a server's evaluation thread): a trace-based watchdog
                        results = _run_traced(prule, envs[r.id], envs, time.monotonic() + budget, ctx)
                    else:  # the caller bounds a stuck evaluation (see ``python_watchdog``)
                        results = prule.run(envs[r.id], envs, ctx)
                    if not results:
                        raw[(r.id, m.id)] = _NO_RESULTS
                    else:
                        raw[(r.id, m.id)] = ("ok", {"fail": [x.to_dict() for x in results if x.kind == "fail"],
                                                    "unknown": [x.to_dict() for x in results if x.kind == "unknown"]})
                except _RuleTimeout:
                    timeouts += 1
                    raw[(r.id, m.id)] = ("error", f"rule exceeded its time budget ({budget:g}s) on this resource")
                except RecursionError:
                    raw[(r.id, m.id)] = ("error", "rule raised RecursionError (recursion too deep)")
                except Exception as exc:
                    raw[(r.id, m.id)] = ("error", f"rule raised {type(exc).__name__}: {exc}{_where(exc, m.source)}")
                finally:
                    if use_timer:
                        _WATCH[0] = math.inf

    # ------------------------------------------------------------------ results -> findings
    def _findings(self, r: Resource, m: RuleMeta, outcome: tuple[str, Any]) -> list[Finding]:
        def mk(status: Status, message: str = "", path: str = "", unknowns: tuple[str, ...] = (), fix: Fix | None = None) -> Finding:
            return Finding(
                rule_id=m.id, status=status, severity=m.severity, resource_id=r.id, resource_type=r.type,
                platform=r.platform, span=r.span_for(path) if path else r.span, message=redact(message), path=path,
                unknowns=unknowns, fix=fix, construct_path=r.construct_path, call_chain=r.call_chain,
                origin=origin,
            )

        origin = str(r.meta.get("origin") or "")

        kind, out = outcome
        if kind == "error":
            return [mk(Status.ERROR, f"rule {m.id} could not be evaluated: {out}")]
        if not isinstance(out, dict):
            return [mk(Status.ERROR, f"rule {m.id} returned a malformed result")]
        seen: set[tuple[Any, ...]] = set()
        found: list[Finding] = []
        for res_kind in ("fail", "unknown"):
            items = out.get(res_kind) or []
            if not isinstance(items, list):
                items = [items]
            for item in items:
                msg, path, fix_raw, expr = _normalise_result(item, m)
                try:
                    real = r.real_path(path)
                    if real and _segments(real) is None:
                        raise ValueError(real)
                except ValueError:
                    found.append(mk(Status.ERROR, f"rule {m.id} returned a malformed path {path!r}"))
                    continue
                unknowns: tuple[str, ...]
                if res_kind == "unknown":
                    status, unknowns = Status.UNKNOWN, (expr or unknown_on_path(r.attributes, real) or "unknown value",)
                else:
                    hit = unknown_on_path(r.attributes, real)
                    status, unknowns = (Status.UNKNOWN, (hit,)) if hit is not None else (Status.FAIL, ())
                fix = _fix_from(fix_raw, r, m) if status is Status.FAIL else None
                key = (status, real, msg, unknowns)
                if key in seen:
                    continue
                seen.add(key)
                if status is Status.UNKNOWN and res_kind == "fail":
                    msg = f"{msg} (depends on unresolved {', '.join(unknowns)})"
                found.append(mk(status, msg, real, unknowns, fix))
        if not found:
            return [mk(Status.PASS)]
        found.sort(key=lambda f: (f.status != Status.FAIL, f.path, f.message))
        return found


def _run_traced(prule: Any, resource: Any, resources: Any, until: float, ctx: RuleContext) -> Any:
    """Run a Python rule with a line-trace watchdog (SIGALRM only works on the main thread).
    Checks the clock every 1,000 trace events; slower than the timer, so used only off-main."""
    import sys

    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        if count % 1000 == 0 and time.monotonic() > until:
            raise _RuleTimeout()
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        return prule.run(resource, resources, ctx)
    finally:
        sys.settrace(old)


# a rule's outcome with nothing to report (most): one shared value, read only
_NO_RESULTS: tuple[str, Any] = ("ok", {"fail": [], "unknown": []})


def _no_results(out: Any) -> bool:
    """A well-formed result with no fail and no unknown entries (what ``_findings`` turns into
    a single ``pass``)."""
    return isinstance(out, dict) and not out.get("fail") and not out.get("unknown")


def _covers(platform: str, types: tuple[str, ...], key: str, workload: bool = False) -> bool:
    """A rule's types cover the type key ``key`` (``type_key``; "*": the other types) of a
    resource with (``workload``) or without a pod spec."""
    if "*" in types or (workload and WORKLOAD_TYPE in types):
        return True
    return key != "*" and any(type_key(platform, t) == key for t in types)


def _normalise_result(item: Any, m: RuleMeta) -> tuple[str, str, Any, str]:
    if isinstance(item, str):
        return item, "", None, ""
    if not isinstance(item, Mapping):
        return m.title, "", None, ""
    msg = item.get("msg", item.get("message", m.title))
    path = item.get("path", "")
    return (str(msg) if msg is not None else m.title, str(path) if path is not None else "",
            item.get("fix"), str(item.get("expr", "") or ""))


def _where(exc: BaseException, source: str) -> str:
    """`` at file:line`` of the deepest frame inside the rule file."""
    line = None
    for fr in traceback.extract_tb(exc.__traceback__):
        if source and Path(fr.filename).name == Path(source).name:
            line = fr.lineno
    return f" at {source}:{line}" if line else ""
