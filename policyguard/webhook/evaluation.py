"""Rule evaluation for the webhook: one engine per worker, confined to one thread.

The embedded Rego engine cannot cross threads (and holds the GIL while it runs), so each
worker process owns exactly one engine, built after fork and only ever used from one thread.
Two placements (``webhook.evaluation``):

* ``thread`` (default): one evaluation thread that builds the engine and runs every
  evaluation; the event loop awaits the future with the deadline and answers with the failure
  answer when it passes first. While the thread waits for the guarded Rego helper process (GIL
  released), the loop keeps reading, parsing and answering other requests.
* ``inline``: on the event loop's thread. The engine bounds its own time with the request
  deadline (the guarded Rego helper is killed when it passes; Python rules run under SIGALRM,
  which only works on the main thread). No hand-off, but the loop stalls during every
  evaluation: measured 2-4x lower throughput at 10 and 100 clients (BENCHMARKS.md).

Two lanes, so that no object can stall the worker (the reviewed object is the namespace
user's): the *main* lane runs Rego only on regorus's compiled VM, whose executions stop at a
fixed instruction limit, so its time is bounded by the object's size; whatever the VM cannot
finish (a rule group the VM cannot run faithfully, or an execution that reaches the limit,
e.g. a Role whose 1,000 x 1,000 repeated entries make a million results) is handed to the
*heavy* lane: a second evaluation thread whose interpreter runs in a forked helper process that
is killed at the request's deadline. Waiting on that process releases the GIL, so the main lane
and the event loop keep answering other requests meanwhile, and the expensive request gets the
failure answer on time.

That is the placement under a supervisor (2+ workers, ``isolation: watchdog``, the default),
where Python rules run without a trace function and the supervisor replaces a worker whose
evaluation is stuck (watchdog.py), e.g. a custom rule whose built-in calls make even the VM's
bounded instruction count slow. Without one (``isolation: guard``) every Rego evaluation runs
in the forked helper killed at the deadline and a trace-based watchdog bounds Python rules: a
hard bound on each request, at the price of one lane (an expensive request delays the ones
queued behind it, up to its deadline).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from policyguard.engine.rego.compiled import NeedsInterpreter
from policyguard.model import Finding, RuleMeta, Status
from policyguard.options import ScanOptions
from policyguard.webhook.watchdog import Heartbeat


@dataclass(slots=True)
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    old_findings: list[Finding] = field(default_factory=list)
    patch: list[dict[str, Any]] = field(default_factory=list)
    fixed_rules: list[str] = field(default_factory=list)
    unpatched: list[tuple[str, str]] = field(default_factory=list)  # (rule id, why its fix was not applied)
    applied: list[Finding] = field(default_factory=list)  # the failures whose fixes make up ``patch``, every round's
    seconds: float = 0.0
    interpreter_fallbacks: int = 0  # compiled-VM executions re-run on the interpreter (compiled.py)


class ObjectError(ValueError):
    """The reviewed object is not a Kubernetes object the parser accepts (bad request)."""


class Judge:
    """Evaluator + rule metadata. Build and use in one thread only."""

    def __init__(self, options: ScanOptions, ruleset: Any | None = None, *, supervised: bool = False,
                 lane: str = "main") -> None:
        """``lane`` ``main``: Rego on the compiled VM only (bounded; what it cannot finish raises
        ``NeedsInterpreter``); ``heavy``: the interpreter in a helper process killed at the
        deadline; ``audit``: as ``main``, with Python rules under their watchdog. ``supervised``: a supervisor watchdog restarts a stuck worker, so Python rules
        run without a trace function."""

        self.options = options
        from policyguard.engine.evaluator import EvalMode
        from policyguard.scan import Scanner

        if supervised and lane == "main":
            # the supervisor restarts this worker when a Python rule is stuck (EvalThread):
            # no trace function; Rego on the bounded VM in-process, the rest to the heavy lane
            mode = EvalMode(rego_guard=False, rego_compiled=True, interpret_here=False, python_watchdog=False)
        elif lane == "heavy":
            mode = EvalMode(rego_guard=True, rego_compiled=False)
        elif lane == "audit":
            # the cluster audit (cluster/cluster_audit.py): no supervisor, so Python rules keep
            # their watchdog; Rego on the bounded VM in-process, the rest to a heavy-lane Judge
            mode = EvalMode(rego_guard=False, rego_compiled=True, interpret_here=False, python_watchdog=True)
        else:
            mode = EvalMode(rego_compiled=False)
        self.scanner = Scanner(options.rules, options.evaluation, mode, ruleset=ruleset)
        self.ruleset = self.scanner.ruleset
        self.metas: dict[str, RuleMeta] = {m.id: m for m in self.ruleset.metas}
        self.evaluator = self.scanner.evaluator
        if self.evaluator.has_rego:
            self.evaluator.backend  # noqa: B018  # built now, not on the first review

    def interpreted_groups(self) -> list[str]:
        """Why some rules run on the Rego interpreter instead of the compiled VM (one line per
        group: its rule ids and the reason), empty when all run on the VM or no VM is used."""
        reasons, _ = self.evaluator.vm_status()
        groups = self.evaluator.groups
        return [f"{', '.join(groups.get(g, []))}: {why}" for g, why in sorted(reasons.items())]

    def _fallbacks(self) -> int:
        return self.evaluator.vm_status()[1]

    def _resource(self, obj: dict[str, Any]) -> Any:
        from policyguard.parsers.kubernetes import resource_from_object

        try:
            return resource_from_object(obj, file="<admission>")
        except ValueError as exc:
            raise ObjectError(str(exc)) from None

    def evaluate(self, obj: dict[str, Any], admission: dict[str, Any] | None = None, deadline: float | None = None,
                 *, problems_only: bool = True) -> tuple[Any, list[Finding]]:
        """``problems_only``: the decision never looks at passes, so the webhook builds none; the
        cluster audit asks for them (a PolicyReport counts passes)."""
        res = self._resource(obj)
        if admission:
            # rules can tell the admission context apart: input.resource.meta.admission.operation
            res.meta["admission"] = admission
        # the request's deadline bounds the engine (a runaway Rego helper is killed at it)
        return res, self.scanner.evaluate([res], deadline, problems_only=problems_only)

    def judge(
        self,
        obj: dict[str, Any],
        old_obj: dict[str, Any] | None,
        *,
        with_old: bool,
        patch_rules: set[str] | None,
        admission: dict[str, Any] | None = None,
        deadline: float | None = None,
    ) -> Judgement:
        """Evaluate ``obj`` (and ``old_obj`` when asked); build a JSON Patch from the fixes of
        the failing rules in ``patch_rules`` (None: no patch). ``deadline`` (time.monotonic())
        bounds the engine: the guarded Rego helper is killed when it passes."""
        import time

        t0 = time.perf_counter()
        fallbacks = self._fallbacks()
        res, findings = self.evaluate(obj, admission, deadline)
        j = Judgement(findings=findings)
        if with_old and old_obj is not None:
            try:
                j.old_findings = self.evaluate(old_obj, admission, deadline)[1]
            except ObjectError as exc:
                raise ObjectError(f"oldObject: {exc}") from None
        if patch_rules:
            self._patch(j, obj, res, findings, patch_rules, admission, deadline)
        j.seconds = time.perf_counter() - t0
        j.interpreter_fallbacks = self._fallbacks() - fallbacks
        return j


    # rounds of fixing: one rule's fix can make another's possible (PG-K8S-POD-015 offers none on
    # a privileged container until PG-K8S-POD-004's fix has removed the privilege)
    PATCH_ROUNDS = 3

    def _patch(self, j: Judgement, obj: dict[str, Any], res: Any, findings: list[Finding], patch_rules: set[str],
               admission: dict[str, Any] | None, deadline: float | None) -> None:
        """The JSON Patch of the failing rules in ``patch_rules``. A fix that would touch the
        object's metadata beyond annotations/labels, create another object or point at an object
        that may not exist is left out whole (a partial fix is no fix), with the reason. The
        patched object is judged again, and fixes that only its failures offer are added (at most
        ``PATCH_ROUNDS`` rounds), so one request gets the whole patch a second admission would."""
        from policyguard.fix.jsonpatch import patched

        applied: list[Finding] = []
        ops: list[dict[str, Any]] = []  # the patch of every fix in ``applied``
        seen: set[tuple[str, str]] = set()
        refused: dict[tuple[str, str], None] = {}  # (rule id, why), in order, once each
        for round_ in range(self.PATCH_ROUNDS):
            new = self._fixes(res, findings, patch_rules, seen, refused)
            if not new:
                break
            applied += new
            ops, after = patched(obj, [f.fix for f in applied if f.fix is not None], res.pod_spec_path)
            if not ops or round_ == self.PATCH_ROUNDS - 1:
                break
            try:
                res, findings = self.evaluate(after, admission, deadline)
            except ObjectError:
                break
        if ops:
            j.patch = ops
            j.fixed_rules = sorted({f.rule_id for f in applied})
            j.applied = applied
        j.unpatched.extend(refused)

    @staticmethod
    def _fixes(res: Any, findings: list[Finding], patch_rules: set[str], seen: set[tuple[str, str]],
               refused: dict[tuple[str, str], None]) -> list[Finding]:
        """The failing findings of ``patch_rules`` whose fixes may be applied and were not yet
        (``seen``: rule id and path); refusals are noted in ``refused``."""
        from policyguard.fix.jsonpatch import live_object_refusal
        from policyguard.fix.references import dangling

        out = []
        for f in findings:
            if f.status is not Status.FAIL or f.fix is None or f.rule_id not in patch_rules or (f.rule_id, f.path) in seen:
                continue
            seen.add((f.rule_id, f.path))
            why = live_object_refusal(f.fix, res.pod_spec_path) or dangling(res, f.fix, {res.id: res})
            if why:
                refused[(f.rule_id, why)] = None
                continue
            out.append(f)
        return out


class EvalThread:
    """The worker's single evaluation thread (see module docstring).

    Hand-off: a ``SimpleQueue`` in, ``call_soon_threadsafe`` on an asyncio future out. Leaner
    than an executor (no ``concurrent.futures.Future`` with its condition variable and chained
    callbacks per request): measured in BENCHMARKS.md. A request whose deadline passed while it
    waited in the queue is not evaluated at all."""

    def __init__(self, options: ScanOptions, ruleset: Any | None = None, *, inline: bool = False,
                 heartbeat: Heartbeat | None = None, lane: str = "main") -> None:
        self.inline = inline
        self.lane = lane
        # the heavy lane (module docstring), started with this one
        self.heavy: EvalThread | None = None
        self.heavy_reviews = 0
        # supervised: the supervisor kills this worker when an evaluation is stuck (watchdog.py),
        # so regorus runs in-process and Python rules without a trace function
        self.heartbeat = heartbeat
        self._beat_task: asyncio.Task[None] | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._judge: Judge | None = None
        self._options = options
        self._ruleset = ruleset
        self.ready = False
        self.error: str | None = None
        self.metas: dict[str, RuleMeta] = {}
        self.interpreted: list[str] = []

    def _build(self) -> None:
        judge = Judge(self._options, self._ruleset, supervised=self.heartbeat is not None, lane=self.lane)
        self._judge = judge
        self.metas = judge.metas
        self.interpreted = judge.interpreted_groups()

    def _serve(self) -> None:
        """The evaluation thread: build the engine here (it cannot cross threads), then judge
        queued requests until the ``None`` sentinel."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args, loop, fut = item
            if fut.cancelled():  # timed out while queued
                continue
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, fut, result, error)
            except RuntimeError:  # loop closed during shutdown
                return

    async def _call(self, fn: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._queue.put((fn, args, loop, fut))
        return await fut

    async def start(self) -> None:
        try:
            if self.inline:
                self._build()
            else:
                self._thread = threading.Thread(target=self._serve, name="policyguard-eval", daemon=True)
                self._thread.start()
                await self._call(self._build)
            self.ready = True
            if self.heartbeat is not None:
                self._beat_task = asyncio.create_task(self._beat(self.heartbeat))
        except Exception as exc:  # readiness reports it; requests get the failure answer
            self.error = f"{type(exc).__name__}: {exc}"
            return
        if self.lane == "main" and self.heartbeat is not None:
            heavy = EvalThread(self._options, self._ruleset, lane="heavy")
            await heavy.start()  # a failure there only fails the requests that need it
            self.heavy = heavy

    @staticmethod
    async def _beat(hb: Heartbeat) -> None:
        import logging
        import time

        from policyguard.webhook.watchdog import BEAT

        log = logging.getLogger("policyguard.webhook")
        warned = False
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last > BEAT + 1.0:  # the loop could not run its timer: say so, it explains a kill
                log.warning("event loop stalled: heartbeat %.1fs late", now - last - BEAT)
            last = now
            if not hb.beat() and not warned:
                warned = True
                log.error("an evaluation is stuck past its watchdog limit: the supervisor will restart this worker")
            await asyncio.sleep(BEAT)

    def _run(self, obj: dict[str, Any], old: dict[str, Any] | None, with_old: bool, patch_rules: set[str] | None,
             admission: dict[str, Any] | None, deadline: float) -> Judgement:
        judge = self._judge
        assert judge is not None
        hb = self.heartbeat
        if hb is not None:
            import time

            hb.begin(max(0.001, deadline - time.monotonic()))
        try:
            return judge.judge(obj, old, with_old=with_old, patch_rules=patch_rules, admission=admission, deadline=deadline)
        except NeedsInterpreter:
            return _HEAVY
        finally:
            if hb is not None:
                hb.end()

    async def judge(
        self,
        obj: dict[str, Any],
        old: dict[str, Any] | None,
        *,
        with_old: bool,
        patch_rules: set[str] | None,
        timeout: float,
        admission: dict[str, Any] | None = None,
    ) -> Judgement:
        """Raises ``TimeoutError`` when ``timeout`` passes first."""
        import time

        deadline = time.monotonic() + timeout
        args = (obj, old, with_old, patch_rules, admission, deadline)
        async with asyncio.timeout(timeout):
            if self.inline:
                # on the event loop's (main) thread: the VM is bounded, Python rules run under
                # SIGALRM on the main thread
                result = self._run(*args)
                if time.monotonic() > deadline:
                    raise TimeoutError
            else:
                result = await self._call(self._run, *args)
            if result is _HEAVY:
                heavy = self.heavy
                if heavy is None or not heavy.ready:
                    raise RuntimeError(f"the object needs the interpreter lane, which is not available: "
                                       f"{heavy.error if heavy is not None else 'not started'}")
                self.heavy_reviews += 1
                result = await heavy._call(heavy._run, *args)
                result.interpreter_fallbacks = max(1, result.interpreter_fallbacks)
            assert isinstance(result, Judgement)
            return result

    def shutdown(self) -> None:
        if self._beat_task is not None:
            self._beat_task.cancel()
        self._queue.put(None)
        if self.heavy is not None:
            self.heavy.shutdown()


_HEAVY: Any = object()  # the main lane's answer for "judge this on the heavy lane"


def _settle(fut: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if fut.done():  # the request's deadline cancelled it meanwhile
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)

