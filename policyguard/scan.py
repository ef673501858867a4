"""The scan core shared by every front door (CLI, pre-commit hook, CI gate, webhook).

files -> discover -> parsers -> model (link references) -> engine -> findings.
Suppressions, baselines and the verdict are applied afterwards by ``policyguard.gate``; this
module stops at raw findings so the webhook can reuse it on in-memory objects.

Work is split into *units* (one Terraform root directory, one template, one manifest file,
one plan). Each unit is parsed and evaluated on its own, so units run in parallel worker
processes (``jobs``) and cross-resource rules see every resource of their unit.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from policyguard import procs
from policyguard.formats import TERRAFORM
from policyguard.model import (
    ErrorKind,
    Finding,
    ParseError,
    ParseResult,
    Reference,
    Resource,
    RuleMeta,
    format_path,
    is_unknown,
    pack_findings,
    parse_path,
    unpack_findings,
)
from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions

# called in the scanning process as each unit is judged: (units done, units in all, that unit's path)
Progress = Callable[[int, int, str], None]
# takes each unit's outcome in the scanning process as it arrives: (the unit's index, its outcome)
Deliver = Callable[[int, tuple[ParseResult, list[Finding]]], None]


class UnitSink(Protocol):
    """Takes a scan's judged units as they arrive (``Scanner.scan(sink=...)``), so the scan
    keeps none of their resources and findings: the gate judges each unit at once
    (``policyguard.gate.evaluate.GateRun``) and the ``ScanResult`` holds only files, errors
    and what was skipped."""

    def begin(self, result: ScanResult) -> None:
        """Before the first unit: the scan's rule set is in ``result``."""

    def unit(self, order: int, resources: list[Resource], findings: list[Finding], read: dict[str, bytes]) -> None:
        """One unit's resources and findings (``order``: its place among the scan's units);
        ``read``: the bytes of the files its parse read (``ParseResult.read``)."""

if TYPE_CHECKING:
    import re

    from policyguard.discover import Unit
    from policyguard.engine.evaluator import EvalMode
    from policyguard.limits import UnitBudget, UnitLimits
    from policyguard.sharding import ShardLog


@dataclass(slots=True)
class ScanResult:
    """Everything one scan found. ``resources`` are the parsed resources when the scan was asked
    for them (``full_resources``: ``--parse-only``, ``fix``, the tests); otherwise each is its
    *gate view* (``gate_view``), what the gate reads of it and nothing more."""

    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not IaC, or a duplicate path
    profile_skipped: set[str] = field(default_factory=set)  # rule ids the profile left out
    # rules set aside for want of configuration: id -> the parameters not configured
    params_skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the text of scanned files that exist only in memory (a stream), by the name reports show:
    # what the gate reads instead of the file (inline suppressions)
    sources: dict[str, str] = field(default_factory=dict)
    shard_log: ShardLog | None = None  # ``--shard``: what merge needs to restore the order (policyguard.sharding)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": [r.to_dict() for r in self.resources],
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "files": self.files,
        }


def link_references(resources: list[Resource]) -> None:
    """Fill ``referenced_by`` from every resource's ``references`` (reverse edges)."""
    by_id = {r.id: r for r in resources}
    for r in resources:
        r.referenced_by.clear()
    for r in resources:
        for ref in r.references:
            target = by_id.get(ref.target)
            if target is not None and target is not r:
                target.referenced_by.append(Reference(ref.path, r.id, ref.expression))


def gate_view(resource: Resource, paths: set[str]) -> Resource:
    """What the gate (``policyguard.gate``) reads of ``resource`` once its unit is judged, given
    the attribute ``paths`` its findings name: identity and span; the attribute values at those
    paths (fingerprints hash them), with lists kept at their length so an index means the same
    element; the attribute spans on those paths and their ancestors (a finding is pointed at
    its attribute), one span per other file the resource reaches (a suppression at the
    resource's own document covers a finding located in a patch), Kubernetes ``metadata``
    (annotation suppressions) and the CloudFormation ``Metadata`` (its suppressions).
    References, evaluated values no finding names and their spans are left out: they were most
    of a scan's memory, kept until the report was written."""
    view = copy.copy(resource)  # no __post_init__: the attributes are already escaped
    attrs: dict[str, Any] = {}
    full = resource.attributes
    if resource.platform == "kubernetes":  # identity: annotation suppressions, PolicyException matches
        attrs.update((k, full[k]) for k in ("apiVersion", "kind", "metadata") if k in full)
    for text in paths:
        try:
            segs = parse_path(text)
        except ValueError:
            continue
        _copy_path(full, attrs, segs)
    view.attributes = attrs
    spans = resource.attribute_spans
    keep: dict[str, Any] = {}
    if spans:
        for text in paths:
            try:
                segs = parse_path(text)
            except ValueError:
                continue
            while segs:  # the lookups ``Resource.span_for`` makes
                key = format_path(segs)
                if key in spans:
                    keep[key] = spans[key]
                segs = segs[:-1]
        files = {resource.span.file}
        for key, span in spans.items():
            if span.file not in files or (resource.platform == "kubernetes" and key.startswith("metadata")):
                files.add(span.file)
                keep[key] = span
    view.attribute_spans = keep
    md = resource.meta.get("Metadata") if resource.platform == "cloudformation" else None
    view.meta = {"Metadata": md} if md is not None else {}
    view.references = []
    view.referenced_by = []
    return view


def _copy_path(src: Any, dst: Any, segs: tuple[Any, ...]) -> None:
    """Copy into ``dst`` (a skeleton of ``src``) the containers along ``segs`` and the value at
    its end, so ``model.get_path`` finds in ``dst`` what it finds in ``src``."""
    for i, seg in enumerate(segs):
        if src is dst:  # a subtree already kept whole
            return
        if isinstance(seg, int) and isinstance(src, list) and -len(src) <= seg < len(src):
            nxt = src[seg]
        elif isinstance(seg, str) and isinstance(src, dict) and seg in src:
            nxt = src[seg]
        else:
            return
        last = i == len(segs) - 1
        if last or is_unknown(nxt) or not isinstance(nxt, dict | list):
            dst[seg] = nxt  # get_path stops at an unknown: it is kept whole
            return
        child = dst.get(seg) if isinstance(dst, dict) else dst[seg]
        if child is None:
            child = dst[seg] = {} if isinstance(nxt, dict) else [None] * len(nxt)
        src, dst = nxt, child


def _gate_views(parsed: ParseResult, findings: list[Finding]) -> ParseResult:
    """``parsed`` with every resource replaced by its gate view (``gate_view``)."""
    paths: dict[str, set[str]] = {}
    for f in findings:
        if f.path:
            paths.setdefault(f.resource_id, set()).add(f.path)
    parsed.resources = [gate_view(r, paths.get(r.id, set())) for r in parsed.resources]
    return parsed


def parse_unit(unit: Unit, read: ReadOptions, limits: UnitLimits | None = None) -> ParseResult:
    """Parse one unit with the parser of its format under the unit's budget (``limits``, default
    ``DEFAULT_UNIT_LIMITS``: deadline, steps, sizes). Never raises: failures become errors for
    this unit only."""
    from policyguard import parsers
    from policyguard.fsread import recording
    from policyguard.limits import DEFAULT_UNIT_LIMITS, LimitExceeded, unit_budget
    from policyguard.parsers.errors import limit_error

    path = str(unit.path)
    limits = limits or DEFAULT_UNIT_LIMITS
    with unit_budget(limits) as budget, recording() as files_read:
        try:
            with _deadline_alarm(budget):
                result = parsers.parse_unit(unit, var_files=list(read.var_files), variables=dict(read.variables),
                                            read_roots=read.read_roots, workspace=read.tf_workspace,
                                            kustomize_binary=read.kustomize_binary, helm=read.helm)
        except LimitExceeded as exc:  # spent outside a parser's own handling (the deadline alarm)
            result = ParseResult(errors=[limit_error(exc, path)])
        except RecursionError:
            result = ParseResult(errors=[ParseError(path, 1, 1, "nesting too deep to parse", ErrorKind.LIMIT)])
        except MemoryError:  # under the worker's address-space limit (or the machine's)
            result = ParseResult(errors=[ParseError(path, 1, 1, _memory_message(limits), ErrorKind.LIMIT)])
        except Exception as exc:  # a parser bug must not lose the file: it becomes a located error
            result = ParseResult(
                errors=[ParseError(path, 1, 1, f"internal parser error: {type(exc).__name__}: {exc}")]
            )
    result.read = files_read
    link_references(result.resources)
    return result


def _memory_message(limits: UnitLimits) -> str:
    mib = limits.worker_memory // (1024 * 1024)
    cap = f" (scan workers are limited to {mib} MiB, --unit-memory)" if mib else ""
    return f"parsing this unit ran out of memory{cap}; the unit is not judged"


@contextmanager
def _deadline_alarm(budget: UnitBudget) -> Iterator[None]:
    """The unit's deadline as a wall-clock alarm too, for code that spends no evaluation steps
    (a parser, a loop without a budget check): the alarm stops the unit where it is, and repeats
    every second until the unit returns, in case a broad ``except`` swallowed it. Only on the
    main thread (the CLI and the scan workers); elsewhere the budget's own checks remain.

    An alarm that lands in a finaliser (a ``__del__``, a weakref or gc callback) cannot stop
    anything there: Python reports the exception as unraisable, which would print a traceback on
    stderr. While the alarm is armed such a report of the deadline is dropped; the next alarm
    comes a second later in ordinary code."""
    import signal
    import sys
    import threading
    import time

    from policyguard.limits import LimitExceeded

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        budget.expired()

    previous_hook = sys.unraisablehook

    def unraisable(report: Any) -> None:
        if not isinstance(report.exc_value, LimitExceeded):
            previous_hook(report)

    left = max(budget.deadline - time.monotonic(), 0.001)
    old = signal.signal(signal.SIGALRM, on_alarm)
    sys.unraisablehook = unraisable
    outer = signal.setitimer(signal.ITIMER_REAL, left, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGALRM, old)
        if outer[0] > 0:  # someone else's timer: give it back what it had left
            signal.setitimer(signal.ITIMER_REAL, *outer)


# the cyclic garbage collector during a scan (``_scan_heap``): its youngest generation is
# collected after this many allocations (Python's default: 700), each older one after this many
# collections of the one below it (default: 10 and 10)
SCAN_GC_THRESHOLD = (10_000, 10, 10)


@contextmanager
def _scan_heap() -> Iterator[None]:
    """The collector's settings while a scan judges its units. What the process holds when the
    scan starts (its modules, the loaded rule pack) lives as long as the scan, so it is frozen
    out of the collector's sight (``gc.freeze``), and the youngest generation is collected less
    often (``SCAN_GC_THRESHOLD``). With Python's defaults the collector took 4% of a Kubernetes
    or CloudFormation scan, re-walking the rule pack at each full collection, and 14% of a
    Terraform one, where module evaluation does make cycles (~180,000 objects on the corpus):
    those are still collected, in larger and fewer passes. Both settings are put back after;
    a process that froze objects itself (the webhook's server) keeps what it froze."""
    import gc

    before = gc.get_threshold()
    froze = gc.isenabled() and gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    if before[0] < SCAN_GC_THRESHOLD[0]:
        gc.set_threshold(*SCAN_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if froze:
            gc.unfreeze()


class Scanner:
    """The scan core for one rule configuration and one way of evaluating it: it owns the loaded
    rule set, the evaluator built from it and the worker pool that judges units. Every front door
    scans through one: the CLI (``scan``), ``policyguard fix`` (its verifying re-scans),
    ``policyguard test`` (one scan per fixture case) and the webhook's audit. What to read is
    given to each scan (``ReadOptions``).

    The rule set is loaded once, in the process that creates the scanner, before any worker is
    forked, so workers inherit it. The evaluator (and its Rego engine, which cannot cross
    processes) belongs to one process: a forked worker builds its own on first use."""

    def __init__(self, rules: RuleOptions, evaluation: EvalOptions, mode: EvalMode | None = None, *,
                 ruleset: Any = None) -> None:
        """``mode``: how the evaluator runs its rules (default: a scan's; the webhook's lanes
        choose others); ``ruleset``: one already loaded with these rules (a server loads it once
        before forking its workers)."""
        self.rules = rules
        self.evaluation = evaluation
        self.mode = mode
        self._ruleset: Any = ruleset
        self._evaluator: Any = None
        self._evaluator_pid = 0
        self._allowance = 0.0  # the running scan's budget beyond scan_timeout (``restart_budget``)

    @property
    def ruleset(self) -> Any:
        if self._ruleset is None:
            from policyguard import engine

            self._ruleset = engine.load_ruleset(self.rules, self.evaluation)
        return self._ruleset

    @property
    def evaluator(self) -> Any:
        if self._evaluator is None or self._evaluator_pid != os.getpid():
            from policyguard import engine

            self._evaluator = engine.make_evaluator(self.ruleset, self.evaluation, self.mode)
            self._evaluator_pid = os.getpid()
            if self._allowance:
                self._evaluator.restart_budget(self._allowance)
        return self._evaluator

    def close(self) -> None:
        """Stop this process's evaluator (its Rego helper, its engines) and forget it; the rule
        set is kept. An evaluator inherited through fork belongs to the parent: only forgotten."""
        if self._evaluator is not None and self._evaluator_pid == os.getpid():
            self._evaluator.close()
        self._evaluator = None

    def drop_evaluator(self) -> None:
        """Forget this process's evaluator (and with it its Rego engine); the next evaluation
        builds a new one. The rule set is kept."""
        self._evaluator = None

    def before_fork(self) -> None:
        """In the process about to fork workers: its evaluator made now, without a backend, so
        every worker inherits it (``adopt_evaluator``) instead of making its own."""
        if self.evaluation.evaluate:
            self.evaluator.before_fork()

    def adopt_evaluator(self) -> None:
        """In a forked worker: the parent's evaluator becomes this process's when it has no
        backend yet (``Evaluator.adopt``); otherwise it is forgotten and the worker makes its own."""
        inherited = self._evaluator
        if inherited is not None and inherited.adopt():
            self._evaluator_pid = os.getpid()
        else:
            self._evaluator = None

    def restart_budget(self, input_bytes: int = 0) -> None:
        """Start the per-scan time budget now: ``scan_timeout``, plus ``scan_timeout_per_mib``
        for each MiB of the scan's input (``input_bytes``), so the budget grows with the
        repository. An evaluator outlives one scan (a pre-commit run's repeated scans, a fixture
        case each, a fix's re-scans); one made later in this scan (or adopted by a forked
        worker) keeps this scan's deadline."""
        self._allowance = self.evaluation.scan_timeout_per_mib * input_bytes / 2**20
        if self._evaluator is not None and self._evaluator_pid == os.getpid():
            self._evaluator.restart_budget(self._allowance)

    def evaluate(self, resources: list[Resource], deadline: float | None = None, *,
                 problems_only: bool = False) -> list[Finding]:
        """Findings of every applicable rule on ``resources`` (one unit: cross-resource rules see
        all of them). ``deadline``/``problems_only``: see ``Evaluator.evaluate``."""
        findings: list[Finding] = self.evaluator.evaluate(resources, deadline, problems_only=problems_only)
        return findings

    def scan_units(self, units: list[Unit], read: ReadOptions, progress: Progress | None = None, *,
                   full_resources: bool = True, deliver: Deliver | None = None) -> list[tuple[ParseResult, list[Finding]]]:
        """Parse (as ``read`` says) and judge ``units``, in forked workers when ``jobs`` allows,
        each unit under its budget; a unit whose worker dies is an error for that unit.
        Outcomes are in the order of ``units`` whatever order they complete in; the largest
        units start first, so no large unit runs alone at the end. ``progress`` is told of each
        unit as its outcome arrives (in this process). ``full_resources=False``: each unit's
        resources are cut to their gate views (``gate_view``) in the process that judged them,
        so neither the pipe from a worker nor this process carries the rest. ``deliver``: each
        unit's outcome is handed to it (with the unit's index) as it arrives, in any order, and
        not kept (the list returned is then empty)."""
        costs = [unit_cost(u) for u in units]
        self.restart_budget(sum(costs))
        outcomes: list[tuple[ParseResult, list[Finding]] | None] = [None] * len(units)

        def keep(i: int, outcome: tuple[ParseResult, list[Finding]]) -> None:
            outcome[0].read = {}  # a whole result is judged later, from the files: not kept in memory till then
            outcomes[i] = outcome

        take = deliver or keep
        jobs = self.evaluation.jobs or os.cpu_count() or 1
        if not self.evaluation.jobs and jobs > 1 and len(units) > 1 and not pool_pays(units, min(jobs, len(units))):
            jobs = 1  # every core by default, but a scan too small to pay for workers is judged here
        tally = _Tally(len(units), progress)
        if self.evaluation.evaluate and units:
            # loaded now: the collector sets it aside with the rest of the start-up (``_scan_heap``)
            # and, before a fork, every worker inherits it
            _ = self.ruleset
        with _scan_heap():
            if jobs > 1 and len(units) > 1:
                from policyguard import engine, parsers

                if self.evaluation.evaluate:
                    engine.preload(self.evaluation)  # the modules every worker would import
                    self.before_fork()  # and the evaluator's plain parts
                parsers.preload(units)
                _scan_in_pool(units, read, min(jobs, len(units)), self, tally, full_resources, take, costs)
            else:  # a unit handed on (``deliver``) is dropped after: cutting it to its gate views would be waste
                whole = full_resources or deliver is not None
                for i, u in enumerate(units):
                    take(i, _scan_unit(u, read, self, whole))
                    tally.done(u)
        return [o for o in outcomes if o is not None]

    def scan(self, read: ReadOptions, progress: Progress | None = None, *, full_resources: bool = True,
             sink: UnitSink | None = None) -> ScanResult:
        """Discover, parse and judge ``read.paths`` (or its stream); ``full_resources``: see
        ``ScanResult``; ``sink``: see ``UnitSink``."""
        return _scan(read, self, progress, full_resources, sink)


@dataclass(slots=True)
class _Tally:
    """Counts judged units for a progress callback (a unit retried after a worker died counts once)."""

    total: int
    progress: Progress | None
    seen: set[int] = field(default_factory=set)

    def done(self, unit: Unit) -> None:
        if self.progress is None or id(unit) in self.seen:
            return
        self.seen.add(id(unit))
        self.progress(len(self.seen), self.total, str(unit.path))


# The scanner of the last rules and evaluation this process scanned with: repeated scans with
# the same ones (tests, a server, ``scan()`` called in a loop) reuse its rule set and evaluator.
_SCANNERS: dict[tuple[Any, ...], Scanner] = {}


def forget_scanners() -> None:
    """Drop the cached scanner (its rule set, its evaluator stopped): the next scan loads afresh."""
    for old in _SCANNERS.values():
        old.close()
    _SCANNERS.clear()


def scanner_for(options: ScanOptions) -> Scanner:
    """The process's scanner for these options' rules and evaluation (a new one when either
    changed)."""
    key = (options.rules.key(), options.evaluation)
    found = _SCANNERS.get(key)
    if found is None:
        forget_scanners()  # the replaced scanner's helper process and pipes are not kept
        found = _SCANNERS[key] = Scanner(options.rules, options.evaluation)
    return found


# per forked pool: which unit indexes a worker has started (a shared byte per unit), so a pool
# broken by a dying worker tells the units it was running from the ones it never reached
_STARTED: Any = None


# the scanner a forked worker judges its units with, what it reads and whether its units' resources
# are cut to gate views (inherited through fork, never pickled: the same for every task of a scan)
_WORKER_SCANNER: Scanner | None = None
_WORKER_READ: tuple[ReadOptions, bool] | None = None


def _forked_worker_init(started: Any, memory: int, scanner: Scanner, warm: bool, read: ReadOptions,
                        full_resources: bool) -> None:
    """A forked worker must not share the parent's engine (or its guard helper's pipes): it
    keeps the evaluator the parent made before forking only when that has no backend yet, and
    builds its own backend on first use. The worker reaps the helper it
    starts before it exits (``procs.worker_init``). ``memory``: its address-space limit, so a
    runaway allocation is a ``MemoryError`` for one unit, not the machine's OOM killer taking
    the scan."""
    global _STARTED, _WORKER_SCANNER, _WORKER_READ
    import gc

    procs.worker_init()  # first: the signals held across the fork are delivered to its handlers
    gc.freeze()  # what the worker inherited is never collected here: those pages stay shared
    _STARTED = started
    _WORKER_SCANNER = scanner
    _WORKER_READ = (read, full_resources)
    scanner.adopt_evaluator()
    _limit_memory(memory)
    if warm and scanner.evaluation.evaluate:
        try:  # the engine and its helper process while this worker still shares its parent's pages
            scanner.evaluator.warm()
        except Exception:  # noqa: BLE001 - the first unit builds them again and reports what fails
            scanner.drop_evaluator()


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    try:
        import resource

        mapped = procs.address_space_used()  # what the fork already maps (libraries, engine)
        if mapped is None:
            return
        limit = max(limit, mapped + 512 * 1024 * 1024)  # never below what the worker needs to start
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # no RLIMIT_AS here: the budgets still bound what evaluation allocates


def _pooled_task(indexes: list[int], units: list[Unit]) -> list[tuple[ParseResult, bytes]]:
    """A task's units in a worker, in order, each marked started as it starts; their findings
    travel packed (``pack_findings``): pickling the objects cost about 3x more, in the worker
    and again in the scanning process."""
    assert _WORKER_SCANNER is not None and _WORKER_READ is not None  # set by _forked_worker_init
    read, full_resources = _WORKER_READ
    out = []
    for index, unit in zip(indexes, units, strict=True):
        if _STARTED is not None:
            _STARTED[index] = 1
        parsed, findings = _scan_unit(unit, read, _WORKER_SCANNER, full_resources)
        out.append((parsed, pack_findings(findings)))
    return out


def affinity_tasks(units: list[Unit], costs: list[int], workers: int) -> list[list[int]]:
    """The units (indexes) each task of a pool judges in one worker. Terraform units that call
    the same local module (``source = "../modules/vpc"``, ``examples/*`` calling ``../..``), or
    call each other, read the same module files: one worker parses them once for all of them
    (its source cache), two workers twice (on the shared corpus, 27% more HCL parses at
    ``-j 2`` than at ``-j 1``). Such a group (found from the local ``source`` strings of the
    units' files) is one task, cut in path order into tasks of at most 1/8 of a worker's share
    of the scan's bytes (4 MiB at most), so the pool still has tasks enough to balance; every
    other unit is a task of its own. Tasks, and the units in each, are in discovery order."""
    tf = {u.path: i for i, u in enumerate(units) if u.format == TERRAFORM and u.text is None}
    parent = list(range(len(units)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_dir = {os.path.normpath(str(p)): i for p, i in tf.items()}
    for path, i in tf.items():
        for called in _local_module_calls(units[i]):
            # a module directory that is no unit of this scan stands for its first caller
            j = by_dir.setdefault(os.path.normpath(os.path.join(str(path), called)), i)
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in tf.values():
        groups.setdefault(find(i), []).append(i)
    cap = min(max(sum(costs) // (workers * 8), 1), 4 * 1024 * 1024)
    tasks: list[list[int]] = []
    grouped: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        grouped.update(members)
        tasks += [sorted(chunk) for chunk in rounds(sorted(members, key=lambda i: str(units[i].path)), costs, cap)]
    tasks += [[i] for i in range(len(units)) if i not in grouped]
    return sorted(tasks)


# input bytes of small units handed to a worker as one task (``small_batches``): ~40 ms of work
BATCH_BYTES = 64 * 1024


def small_batches(tasks: list[list[int]], costs: list[int], workers: int) -> list[list[int]]:
    """``tasks`` with the units that are a task of their own and small (below ``BATCH_BYTES``,
    and below 1/8 of a worker's share of the scan, so a small scan still balances) gathered in
    discovery order into tasks of up to that size. Each task costs the pool a round trip (its
    pickled call, the worker's reply, a wake-up of the scanning process): on the corpus, whose
    2,700 units average 6 KiB, that plumbing was more work than many of the units."""
    limit = min(BATCH_BYTES, max(sum(costs) // (workers * 8), 1))
    small = [t[0] for t in tasks if len(t) == 1 and costs[t[0]] < limit]
    kept = [t for t in tasks if len(t) != 1 or costs[t[0]] >= limit]
    return sorted(kept + list(rounds(small, costs, limit)))


@functools.cache
def _local_source() -> re.Pattern[bytes]:
    import re

    return re.compile(rb'\bsource\s*=\s*"(\.\.?/[^"\n]*)"')


def _local_module_calls(unit: Unit) -> set[str]:
    """The relative ``source`` paths written in a Terraform unit's files (read raw, up to 1 MiB
    a file; a file that cannot be read, is larger, or is no longer a regular file, such as a
    FIFO swapped in since discovery, calls nothing here: the parser reports it)."""
    from policyguard.fsread import ReadError, read_regular

    out: set[str] = set()
    for f in unit.files:
        try:
            data = read_regular(f, 1 << 20)
        except ReadError:
            continue
        if b"source" in data:
            out.update(m.group(1).decode("utf-8", "replace").split("//")[0] for m in _local_source().finditer(data))
    return out


# A scan with the default ``--jobs`` forks its workers only when they pay: each worker takes its
# own engine and programs, its results are pickled back, and two busy workers slow each other
# (a shared core's caches), ~0.9 s of the scan's time on the shared 2-core machine. The work is
# estimated from what the units hold, in seconds of one process there: per file, per MiB of
# JSON (a C decoder), of YAML (the native composer and, above all, the heavier evaluation of
# CloudFormation and Kubernetes resources per byte), of anything else (HCL), per rendered chart
# or overlay (a subprocess). Fitted to -j 1 against -j 2 (wall / CPU) with the native
# composer: the Kubernetes corpus (1.56 MiB of YAML in 925 files) 1.81 / 1.80 s against 1.99 /
# 3.02 s (the pool no longer pays); CloudFormation (1.62 MiB JSON, 2.11 MiB YAML, 361 files)
# 2.66 / 2.66 s against 2.23 / 3.77 s; plans (2.4 MiB JSON) 1.13 / 1.11 s against 1.14 / 1.73
# s. An explicit ``-j N`` is obeyed.
_WORK_PER_FILE, _WORK_PER_MIB = 0.0002, {".json": 0.3, ".yaml": 0.8, ".yml": 0.8}
_WORK_OTHER_MIB, _WORK_PER_RENDER, _POOL_OVERHEAD = 1.0, 0.15, 0.9
# ... and it forks only for a clear gain: the estimated wall time with the pool must be at most
# 80% of one process's. Two workers on two cores spend 35-50% more CPU than one process (the
# CloudFormation folder: 2.23 s / 3.77 s CPU against 2.66 s / 2.66 s), a poor trade for 16% of
# wall time on a runner that other jobs share.
_POOL_GAIN = 0.2


def pool_pays(units: list[Unit], workers: int) -> bool:
    """Would the scan's estimated work, spread over ``workers``, take at most ``1 - _POOL_GAIN``
    of one process's time, the pool's cost included?"""
    from policyguard.formats import HELM, KUSTOMIZE

    share = 1 - 1 / workers - _POOL_GAIN if workers > 1 else 0.0
    need = _POOL_OVERHEAD / share if share > 0 else float("inf")
    work = 0.0
    for u in units:
        if u.format in (HELM, KUSTOMIZE):
            work += _WORK_PER_RENDER
        if u.text is not None:
            work += len(u.text) / 2**20 * _WORK_PER_MIB[".yaml"]
            continue
        for f in u.files:
            try:
                size = os.stat(f).st_size
            except OSError:
                continue
            work += _WORK_PER_FILE + size / 2**20 * _WORK_PER_MIB.get(f.suffix.lower(), _WORK_OTHER_MIB)
        if work >= need:
            return True
    return False


def unit_cost(unit: Unit) -> int:
    """A cheap estimate of what judging ``unit`` costs: the bytes of its files (of its text for
    a stream). Only the order of the estimates matters (largest first)."""
    if unit.text is not None:
        return len(unit.text)
    total = 0
    for f in unit.files:
        try:
            total += os.stat(f).st_size
        except OSError:
            pass
    return total


def schedule(units: list[Unit], costs: list[int] | None = None) -> list[int]:
    """The order a pool hands ``units`` out in (indexes): the largest first (``unit_cost``), so
    the long ones start at once and the small ones fill the other workers' time; equal
    estimates in discovery order."""
    costs = costs if costs is not None else [unit_cost(u) for u in units]
    return sorted(range(len(units)), key=lambda i: (-costs[i], i))


# input bytes a worker judges before it is replaced by a fresh fork of the scanning process: a
# long-lived worker's memory creeps as it parses unit after unit (allocator fragmentation under
# its caches' churn), so a repository of any size is judged in rounds of fresh workers; the
# shared corpus once (12 MiB) is one round, 8 times over (98 MiB) two rounds on two workers
RECYCLE_BYTES = 32 * 1024 * 1024
# input bytes per worker from which a round's workers start their Rego helper while they are
# fresh forks (``GuardedBackend.warm``): a long-lived worker's helper then shares its pages;
# below it a helper starts only when a group needs the interpreter (most small scans: never)
WARM_BYTES = RECYCLE_BYTES // 8
# tasks handed out per worker ahead of the gate (``_pool_round``)
WINDOW = 3


def rounds(order: list[int], costs: list[int], budget: int) -> Iterator[list[int]]:
    """``order`` cut into consecutive rounds of at most ``budget`` bytes (``costs``; a unit
    larger than that is a round of its own), each made when it is asked for."""
    current: list[int] = []
    total = 0
    for i in order:
        if current and total + costs[i] > budget:
            yield current
            current, total = [], 0
        current.append(i)
        total += costs[i]
    if current:
        yield current


def _crashed(unit: Unit, how: str) -> tuple[ParseResult, list[Finding]]:
    """The outcome of a unit whose worker process died: an error naming the unit."""
    msg = f"the worker process judging this unit died ({how}); the unit is not judged, the rest of the scan is"
    return ParseResult(errors=[ParseError(str(unit.path), 1, 1, msg, ErrorKind.LIMIT)]), []


def _scan_in_pool(units: list[Unit], read: ReadOptions, workers: int, scanner: Scanner, tally: _Tally,
                  full_resources: bool, deliver: Deliver, costs: list[int]) -> None:
    """Units in forked worker processes. A worker that dies (a segfault, the memory limit, the
    OOM killer, ``os._exit``) breaks the pool: the units it never started run again in a new
    pool, and each unit that was running when it broke runs again alone, so the one that kills
    its worker is found and becomes an error for that unit, never a lost report.

    On any exception (^C, SIGTERM turned into ``procs.Terminated``) the pending units are
    cancelled and the workers stopped and waited for before it propagates. Each outcome goes to
    ``deliver`` as it arrives."""
    tasks = small_batches(affinity_tasks(units, costs, workers), costs, workers)
    task_costs = [sum(costs[i] for i in t) for t in tasks]
    # the largest first, as ``schedule`` orders units; equal estimates in discovery order
    todo = [tasks[k] for k in sorted(range(len(tasks)), key=lambda k: (-task_costs[k], k))]
    rank = {i: n for n, i in enumerate(i for t in todo for i in t)}
    suspects: list[int] = []
    while todo or suspects:
        if todo:  # the next round of fresh workers (``RECYCLE_BYTES`` each)
            sizes = [sum(costs[i] for i in t) for t in todo]
            batch = todo[:len(next(rounds(list(range(len(todo))), sizes, RECYCLE_BYTES * workers)))]
            rest = todo[len(batch):]
            warm = sum(sizes[:len(batch)]) >= WARM_BYTES * workers
            broken = _pool_round(units, batch, read, workers, deliver, scanner, tally, full_resources, warm)
            if broken and len(broken) == sum(map(len, batch)) and not any(started for _, started in broken):
                # the pool broke before any worker started a unit: no retry can help
                for i in [i for i, _ in broken] + [i for t in rest for i in t]:
                    deliver(i, _crashed(units[i], "the worker pool could not start"))
                    tally.done(units[i])
                todo = []
                continue
            again: list[int] = []
            for i, started in broken:
                (suspects if started else again).append(i)
            todo = sorted([[i] for i in again] + rest, key=lambda t: rank[t[0]])
            continue
        i = suspects.pop(0)  # alone in a pool of its own: if that breaks too, this unit did it
        for j, _ in _pool_round(units, [[i]], read, 1, deliver, scanner, tally, full_resources):
            deliver(j, _crashed(units[j], "killed by a signal or out of memory"))
            tally.done(units[j])


def _pool_round(units: list[Unit], tasks: list[list[int]], read: ReadOptions, workers: int, deliver: Deliver,
                scanner: Scanner, tally: _Tally, full_resources: bool = True, warm: bool = False) -> list[tuple[int, bool]]:
    """Run ``tasks`` (lists of unit indexes, ``affinity_tasks``) in one pool, handed out in that
    order, each unit's outcome to ``deliver``; returns the units a broken pool lost, each with
    whether a worker had started it. ``warm``: each worker starts its engine's helper at once
    (``WARM_BYTES``)."""
    # fork start: workers inherit imported modules; each builds its own engine lazily
    import gc
    import multiprocessing
    from concurrent.futures import (  # here: ~16 ms a one-process hook run skips
        FIRST_COMPLETED,
        ProcessPoolExecutor,
        wait,
    )
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing.sharedctypes import RawArray

    from policyguard.limits import DEFAULT_UNIT_LIMITS

    procs.become_subreaper()  # a helper whose worker died is re-parented to us, not to init
    before = {p.pid for p in multiprocessing.active_children()}
    # the objects the workers inherit are set aside from this process's collections until the
    # round ends: a collection here would not free them, and one in a worker (see
    # _forked_worker_init) would copy every page it touched (Python's advice for fork)
    gc.freeze()
    started = RawArray("b", len(units))
    memory = (scanner.evaluation.unit_limits or DEFAULT_UNIT_LIMITS).worker_memory
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=multiprocessing.get_context("fork"),
                               initializer=_forked_worker_init,
                               initargs=(started, memory, scanner, warm, read, full_resources))
    lost: list[tuple[int, bool]] = []
    try:
        # at most WINDOW tasks a worker handed out ahead of the gate: a worker's outcome waits in
        # this process until the gate takes it, so when the gate is slower than the workers (a
        # busy machine) an unbounded queue of outcomes would grow with the repository
        window = workers * WINDOW
        pending = iter(tasks)
        futures: dict[Any, list[int]] = {}
        first = True
        while True:
            while len(futures) < window:
                task = next(pending, None)
                if task is None:
                    break
                try:
                    with procs.signals_held() if first else nullcontext():  # the first submit forks every worker
                        fut = pool.submit(_pooled_task, task, [units[i] for i in task])
                    first = False
                    futures[fut] = task
                except BrokenProcessPool:  # the pool broke while units were still being handed out
                    lost += [(i, False) for i in task]
            if not futures:
                break
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for fut in done:  # each task's outcomes as they arrive, for the progress
                task = futures.pop(fut)  # the outcomes are ``deliver``'s: this process keeps nothing of them
                try:
                    outcomes = fut.result()
                except BrokenProcessPool:
                    lost += [(i, bool(started[i])) for i in task]
                    continue
                for i, (parsed, packed) in zip(task, outcomes, strict=True):
                    deliver(i, (parsed, unpack_findings(packed)))
                    tally.done(units[i])
                del outcomes, parsed, packed
        lost.sort()
    except BaseException:
        # the pool's manager thread closes its wake-up pipe as it ends, and the interpreter's exit
        # hook (concurrent.futures' _python_exit) writes to that pipe: the two are not locked
        # against each other (CPython 3.11), so on ^C or SIGTERM they could cross and print an
        # "OSError: Bad file descriptor" traceback at exit. The thread is waited for here.
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        procs.stop_processes([p for p in multiprocessing.active_children() if p.pid not in before])
        if manager is not None:
            manager.join(procs.GRACE)
        raise
    finally:
        gc.unfreeze()
    pool.shutdown(wait=True)
    return lost


def _scan_unit(unit: Unit, read: ReadOptions, scanner: Scanner,
               full_resources: bool = True) -> tuple[ParseResult, list[Finding]]:
    parsed = parse_unit(unit, read, scanner.evaluation.unit_limits)
    findings: list[Finding] = []
    if scanner.evaluation.evaluate and parsed.resources:
        findings = scanner.evaluate(parsed.resources)
    if not full_resources:
        parsed = _gate_views(parsed, findings)
    return parsed, findings


def scan(options: ScanOptions, progress: Progress | None = None, *, full_resources: bool = True,
         sink: UnitSink | None = None) -> ScanResult:
    """One scan with the process's scanner for these rules (``scanner_for``); ``progress``: see
    ``Scanner.scan_units``; ``full_resources``: see ``ScanResult``; ``sink``: see ``UnitSink``."""
    return scanner_for(options).scan(options.read, progress, full_resources=full_resources, sink=sink)


def _not_selected(fmt: str, kinds: tuple[str, ...]) -> str:
    from policyguard.formats import kind_name

    return f"{kind_name(fmt)}: not a selected input kind (--framework {','.join(kind_name(k) for k in kinds)})"


def _scan(read: ReadOptions, scanner: Scanner, progress: Progress | None = None,
          full_resources: bool = True, sink: UnitSink | None = None) -> ScanResult:
    from policyguard import discover
    from policyguard.roots import repository_roots

    sources: dict[str, str] = {}
    if read.stdin is not None:  # one stream, no discovery
        src = read.stdin
        found = discover.Discovery(units=[discover.stdin_unit(src.text, src.name, src.format)])
        sources[src.name] = src.text
    else:
        if not read.read_roots:
            read = replace(read, read_roots=tuple(str(r) for r in repository_roots(list(read.paths))))
        found = discover.discover(
            [Path(p) for p in read.paths], excludes=list(read.excludes), follow_external_symlinks=read.follow_external_symlinks
        )
    result = ScanResult(errors=list(found.errors), skipped=list(found.skipped), sources=sources)

    ruleset = scanner.ruleset if scanner.evaluation.evaluate else None
    if ruleset is not None:
        result.rules = {m.id: m for m in ruleset.metas}
        result.profile_skipped = set(ruleset.profile_skipped)
        result.params_skipped = dict(ruleset.params_skipped)
        result.errors.extend(ruleset.errors)

    units = found.units
    if read.shard is not None:  # --shard I/N: this job's units, logged so merge restores the scan's order
        from policyguard import sharding

        units, result.shard_log = sharding.select(units, read.shard, len(result.errors), result.skipped)
    if read.modules.download:  # remote Terraform modules, before any parser runs (policyguard.modfetch)
        from policyguard.modfetch.resolve import resolve_units

        units, fetch_errors = resolve_units(units, read.modules)
        result.errors.extend(fetch_errors)
    if read.kinds:  # --framework terraform,kubernetes: units of other kinds are skipped, and listed
        from policyguard.formats import DOCUMENT

        result.skipped += [(str(u.path), _not_selected(u.format, read.kinds))
                           for u in units if u.format != DOCUMENT and u.format not in read.kinds]
        units = [u for u in units if u.format == DOCUMENT or u.format in read.kinds]
    if sink is not None:
        if result.shard_log is not None:
            raise ValueError("a scan into a UnitSink cannot log a shard (its units arrive in any order)")
        sink.begin(result)
    files: set[str] = set()
    unit_errors: dict[int, list[ParseError]] = {}

    def take(i: int, outcome: tuple[ParseResult, list[Finding]]) -> None:
        unit, (parsed, findings) = units[i], outcome
        if read.kinds and unit.format not in read.kinds:  # a document: its content decided its kind
            other = sorted({r.source_format for r in parsed.resources} - set(read.kinds))
            if other and not parsed.errors:
                result.skipped.append((str(unit.path), _not_selected(other[0], read.kinds)))
                return
        if parsed.skipped:  # the parse found no IaC in this candidate file
            result.skipped.append((str(unit.path), parsed.skipped))
        else:
            files.update(str(f) for f in unit.files)
        if sink is not None:
            unit_errors[i] = parsed.errors
            sink.unit(i, parsed.resources, findings, parsed.read)
            return
        result.resources.extend(parsed.resources)
        result.errors.extend(parsed.errors)
        result.findings.extend(findings)
        if result.shard_log is not None:
            result.shard_log.judged(unit, len(findings), len(parsed.errors))

    # the per-scan time budget starts now
    if sink is not None:
        scanner.scan_units(units, read, progress, full_resources=full_resources, deliver=take)
        for i in sorted(unit_errors):
            result.errors.extend(unit_errors[i])
    else:
        for i, outcome in enumerate(scanner.scan_units(units, read, progress, full_resources=full_resources)):
            take(i, outcome)
    result.files = sorted(files)
    result.skipped.sort()
    return result
