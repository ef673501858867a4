"""Rule evaluation for the webhook: one engine per worker, confined to one thread.

The embedded Rego engine cannot cross threads (and holds the GIL while it runs), so each
worker process owns exactly one engine, built after fork and only ever used from one thread.
Two placements (``webhook.evaluation``):

* ``thread`` (default): a single-thread executor whose thread builds the engine and runs every
  evaluation; the event loop awaits the future with the deadline and answers with the failure
  answer when it passes first. While the thread waits for the guarded Rego helper process (GIL
  released), the loop keeps reading, parsing and answering other requests.
* ``inline``: on the event loop's thread. The engine bounds its own time with the request
  deadline (the guarded Rego helper is killed when it passes; Python rules run under SIGALRM,
  which only works on the main thread). No hand-off, but the loop stalls during every
  evaluation: measured 2-4x lower throughput at 10 and 100 clients (BENCHMARKS.md).

Isolation: with a supervisor (2+ workers, ``isolation: watchdog``) regorus runs in-process and
Python rules without a trace function, and the supervisor replaces a worker whose evaluation
is stuck (watchdog.py). Otherwise the engine's defaults apply: the Rego helper process killed
at the deadline, and a trace-based watchdog for Python rules off the main thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from dataclasses import dataclass, field
from typing import Any

from policyguard.model import Finding, RuleMeta, Status
from policyguard.scan import ScanOptions
from policyguard.webhook.watchdog import Heartbeat


@dataclass(slots=True)
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    old_findings: list[Finding] = field(default_factory=list)
    patch: list[dict[str, Any]] = field(default_factory=list)
    fixed_rules: list[str] = field(default_factory=list)
    seconds: float = 0.0


class ObjectError(ValueError):
    """The reviewed object is not a Kubernetes object the parser accepts (bad request)."""


class Judge:
    """Evaluator + rule metadata. Build and use in one thread only."""

    def __init__(self, options: ScanOptions, ruleset: Any | None = None, *, supervised: bool = False) -> None:
        from policyguard import engine

        self.options = options
        self.ruleset = ruleset if ruleset is not None else engine.load_ruleset(options)
        self.metas: dict[str, RuleMeta] = {m.id: m for m in self.ruleset.metas}
        self.evaluator = engine.make_evaluator(self.ruleset, options)
        if supervised:
            # A supervisor watchdog restarts this worker when an evaluation is stuck (see
            # EvalThread): run regorus in-process and Python rules without a trace function.
            self.evaluator.rego_guard = False
            self.evaluator.rego_compiled = True
            self.evaluator.python_watchdog = False

    def _resource(self, obj: dict[str, Any]) -> Any:
        from policyguard.parsers.kubernetes import resource_from_object

        try:
            return resource_from_object(obj, file="<admission>")
        except ValueError as exc:
            raise ObjectError(str(exc)) from None

    def evaluate(self, obj: dict[str, Any], admission: dict[str, Any] | None = None, deadline: float | None = None) -> tuple[Any, list[Finding]]:
        res = self._resource(obj)
        if admission:
            # rules can tell the admission context apart: input.resource.meta.admission.operation
            res.meta["admission"] = admission
        # the request's deadline bounds the engine (a runaway Rego helper is killed at it)
        # fail/unknown/error only: the decision never looks at passes
        return res, list(self.evaluator.evaluate([res], deadline=deadline, problems_only=True))

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
        res, findings = self.evaluate(obj, admission, deadline)
        j = Judgement(findings=findings)
        if with_old and old_obj is not None:
            try:
                j.old_findings = self.evaluate(old_obj, admission, deadline)[1]
            except ObjectError as exc:
                raise ObjectError(f"oldObject: {exc}") from None
        if patch_rules:
            fixes = [f.fix for f in findings if f.status is Status.FAIL and f.fix is not None and f.rule_id in patch_rules]
            if fixes:
                from policyguard.fix.jsonpatch import json_patch

                j.patch = json_patch(obj, fixes, res.pod_spec_path)
                j.fixed_rules = sorted({f.rule_id for f in findings if f.status is Status.FAIL and f.fix is not None and f.rule_id in patch_rules})
        j.seconds = time.perf_counter() - t0
        return j


class EvalThread:
    """The worker's single evaluation thread (see module docstring)."""

    def __init__(self, options: ScanOptions, ruleset: Any | None = None, *, inline: bool = False,
                 heartbeat: Heartbeat | None = None) -> None:
        self.inline = inline
        # supervised: the supervisor kills this worker when an evaluation is stuck (watchdog.py),
        # so regorus runs in-process and Python rules without a trace function
        self.heartbeat = heartbeat
        self._beat_task: asyncio.Task[None] | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyguard-eval")
        self._local = threading.local()
        self._options = options
        self._ruleset = ruleset
        self.ready = False
        self.error: str | None = None
        self.metas: dict[str, RuleMeta] = {}

    def _build(self) -> None:
        judge = Judge(self._options, self._ruleset, supervised=self.heartbeat is not None)
        self._local.judge = judge
        self.metas = judge.metas

    async def start(self) -> None:
        try:
            if self.inline:
                self._build()
            else:
                await asyncio.wrap_future(self._pool.submit(self._build))
            self.ready = True
            if self.heartbeat is not None:
                self._beat_task = asyncio.create_task(self._beat(self.heartbeat))
        except Exception as exc:  # readiness reports it; requests get the failure answer
            self.error = f"{type(exc).__name__}: {exc}"

    @staticmethod
    async def _beat(hb: Heartbeat) -> None:
        import logging

        from policyguard.webhook.watchdog import BEAT

        warned = False
        while True:
            if not hb.beat() and not warned:
                warned = True
                logging.getLogger("policyguard.webhook").error(
                    "an evaluation is stuck past its watchdog limit: the supervisor will restart this worker")
            await asyncio.sleep(BEAT)

    def _run(self, obj: dict[str, Any], old: dict[str, Any] | None, with_old: bool, patch_rules: set[str] | None,
             admission: dict[str, Any] | None, deadline: float) -> Judgement:
        judge: Judge = self._local.judge
        hb = self.heartbeat
        if hb is None:
            return judge.judge(obj, old, with_old=with_old, patch_rules=patch_rules, admission=admission, deadline=deadline)
        import time

        hb.begin(max(0.001, deadline - time.monotonic()))
        try:
            return judge.judge(obj, old, with_old=with_old, patch_rules=patch_rules, admission=admission, deadline=deadline)
        finally:
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
        """Raises ``asyncio.TimeoutError`` when ``timeout`` passes first."""
        import time

        if self.inline:
            # on the event loop's (main) thread: the engine enforces the deadline itself (the
            # guarded Rego helper is killed, Python rules run under SIGALRM on the main thread)
            t0 = time.monotonic()
            j = self._run(obj, old, with_old, patch_rules, admission, t0 + timeout)
            if time.monotonic() - t0 > timeout:
                raise TimeoutError
            return j
        fut = self._pool.submit(self._run, obj, old, with_old, patch_rules, admission, time.monotonic() + timeout)
        return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)

    def shutdown(self) -> None:
        if self._beat_task is not None:
            self._beat_task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
