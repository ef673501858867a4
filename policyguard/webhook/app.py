"""The ASGI application: routing, body limits, deadlines, and the admission flow.

A bare ASGI callable (no framework): the hot path is read body -> parse -> hand the object to
the worker's evaluation thread -> build the response, and every layer a framework adds is
latency at 200 concurrent clients.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from policyguard.model import RuleMeta
from policyguard.options import ScanOptions
from policyguard.webhook import admission
from policyguard.webhook.admission import AdmissionError, Review
from policyguard.webhook.audit import AuditLog
from policyguard.webhook.config import WebhookConfig, parse_duration
from policyguard.webhook.enforcement import (
    Decision,
    decide,
    deny_message,
    rules_for_operation,
    skip_reason,
    warning_texts,
)
from policyguard.webhook.evaluation import EvalThread, ObjectError
from policyguard.webhook.metrics import Metrics
from policyguard.webhook.tls import ReloadingTLS
from policyguard.webhook.watchdog import Heartbeat

log = logging.getLogger("policyguard.webhook")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_PROM = [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")]


class WebhookApp:
    def __init__(
        self,
        cfg: WebhookConfig,
        options: ScanOptions,
        *,
        ruleset: Any | None = None,
        tls: ReloadingTLS | None = None,
        metrics_dir: str | None = None,
        worker: int = 0,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.cfg = cfg
        self.options = options
        self.tls = tls
        self.metrics = Metrics(metrics_dir, worker)
        self.worker = worker
        self.audit = AuditLog(cfg.audit_log, cfg.audit_include_object)
        self.evaluator = EvalThread(options, ruleset, inline=cfg.evaluation == "inline", heartbeat=heartbeat)
        self.exceptions = exception_store(cfg)
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ ASGI entry
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        typ = scope["type"]
        if typ == "http":
            await self._http(scope, receive, send)
        elif typ == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await self.evaluator.start()
                if self.exceptions is not None:
                    self.exceptions.start()
                _tune_gc()  # this worker's rules and engine are loaded: the long-lived part of the heap
                if self.evaluator.error:
                    log.error("rules could not be loaded: %s (the webhook answers with its failure mode)", self.evaluator.error)
                if self.worker == 0:
                    for line in self.evaluator.interpreted:
                        log.warning("on the Rego interpreter, not the compiled VM (slower, same verdicts): %s", line)
                if self.tls is not None:
                    self._tasks.append(asyncio.create_task(self.tls.watch(self.cfg.tls_reload_interval, self._tls_result)))
                self._tasks.append(asyncio.create_task(self._flush_metrics()))
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                for t in self._tasks:
                    t.cancel()
                self.metrics.maybe_flush(force=True)
                self.evaluator.shutdown()
                if self.exceptions is not None:
                    self.exceptions.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _tls_result(self, ok: bool) -> None:
        self.metrics.inc("policyguard_webhook_tls_reloads_total", result="ok" if ok else "failed")

    async def _flush_metrics(self) -> None:
        while True:
            await asyncio.sleep(self.metrics.flush_interval)
            self.metrics.maybe_flush()

    # ------------------------------------------------------------------ HTTP
    @staticmethod
    async def _reply(send: Send, code: int, body: bytes, headers: list[tuple[bytes, bytes]], close: bool = False) -> None:
        hdrs = headers + [(b"content-length", str(len(body)).encode())]
        if close:
            hdrs.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": code, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        method = scope["method"]
        if path in ("/validate", "/mutate"):
            if method != "POST":
                await self._reply(send, 405, admission.http_error_body(405, f"{path} takes POST"), _JSON + [(b"allow", b"POST")])
                self.metrics.inc("policyguard_webhook_requests_total", endpoint=path, code="405")
                return
            await self._admission(scope, receive, send, path[1:])
            return
        if method not in ("GET", "HEAD"):
            code = 405 if path in ("/healthz", "/readyz", "/metrics") else 404
            await self._reply(send, code, admission.http_error_body(code, f"{method} {path} is not served"), _JSON)
            return
        if path in ("/healthz", "/livez"):
            await self._reply(send, 200, b"ok\n", _TEXT)
        elif path == "/readyz":
            if self.evaluator.ready:
                await self._reply(send, 200, f"ok: {len(self.evaluator.metas)} rules loaded\n".encode(), _TEXT)
            else:
                why = self.evaluator.error or "rules are loading"
                await self._reply(send, 503, f"not ready: {why}\n".encode(), _TEXT)
        elif path == "/metrics":
            body = self.metrics.render({"policyguard_webhook_rules_loaded": float(len(self.evaluator.metas))})
            await self._reply(send, 200, body.encode(), _PROM)
        else:
            await self._reply(send, 404, admission.http_error_body(404, f"no such endpoint {path} (try /validate, /mutate, /healthz, /readyz, /metrics)"), _JSON)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.cfg.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                text = value.strip()
                if not text.isdigit() or len(text) > 18:  # RFC 9110: 1*DIGIT (int() would take "-1", "1_0", " 1")
                    raise AdmissionError(400, f"invalid Content-Length {value.decode('latin1')[:40]!r}")
                declared = int(text)
                if declared > limit:
                    raise AdmissionError(413, f"body of {declared} bytes exceeds the limit of {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        try:
            # one timer for the whole body (asyncio.timeout: no extra task per chunk)
            async with asyncio.timeout(self.cfg.body_timeout):
                while True:
                    msg = await receive()
                    if msg["type"] == "http.disconnect":
                        raise ConnectionResetError("client went away")
                    chunk = msg.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise AdmissionError(413, f"body exceeds the limit of {limit} bytes")
                    chunks.append(chunk)
                    if not msg.get("more_body", False):
                        break
        except TimeoutError:
            raise AdmissionError(408, f"request body not received within {self.cfg.body_timeout:g}s") from None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _deadline(self, scope: Scope) -> float:
        """Seconds we may spend, from the apiserver's ``?timeout=`` (minus a safety margin)."""
        budget = self.cfg.default_timeout
        qs = scope.get("query_string", b"")
        if qs:
            vals = parse_qs(qs.decode("latin1"), keep_blank_values=True).get("timeout")
            if vals:
                if len(vals) > 1:
                    raise AdmissionError(400, f"query parameter timeout given {len(vals)} times")
                shown = vals[0][:40]
                try:
                    budget = parse_duration(vals[0])
                except ValueError as exc:
                    raise AdmissionError(400, f"query parameter timeout={shown!r} is not a duration (e.g. 10s): {exc}") from None
                if budget <= 0:
                    raise AdmissionError(400, f"query parameter timeout={shown!r} must be positive")
        return max(budget - self.cfg.timeout_margin, budget * 0.5)

    async def _admission(self, scope: Scope, receive: Receive, send: Send, endpoint: str) -> None:
        t0 = time.perf_counter()
        code = 200
        outcome = "error"
        try:
            try:
                budget = self._deadline(scope)
                body = await self._read_body(scope, receive)
                review = admission.parse_review(body, max_depth=self.cfg.max_depth)
                result, outcome = await self._judge(review, endpoint, budget - (time.perf_counter() - t0))
            except AdmissionError as exc:
                code = exc.code
                outcome = "rejected"
                await self._reply(send, code, admission.http_error_body(code, exc.message), _JSON, close=code in (408, 413))
                return
            except ConnectionResetError:
                code, outcome = 499, "disconnected"
                return
            await self._reply(send, 200, admission.dumps(result), _JSON)
        except Exception as exc:  # never a traceback to the client; the process keeps serving
            log.exception("internal error answering %s", endpoint)
            code, outcome = 500, "error"
            self.metrics.inc("policyguard_webhook_evaluation_errors_total", kind="internal")
            try:
                await self._reply(send, 500, admission.http_error_body(500, f"internal error: {type(exc).__name__}"), _JSON)
            except Exception:
                pass
        finally:
            m = self.metrics
            m.inc("policyguard_webhook_requests_total", endpoint=endpoint, code=str(code))
            m.inc("policyguard_webhook_decisions_total", endpoint=endpoint, outcome=outcome)
            m.observe("policyguard_webhook_request_duration_seconds", time.perf_counter() - t0, endpoint=endpoint)

    def _failure(self, review: Review, endpoint: str, why: str) -> tuple[dict[str, Any], str]:
        """The configured answer when we cannot decide in time or hit an internal error."""
        self.audit.record(review, endpoint, None, f"failure-{self.cfg.failure_mode}", why)
        if self.cfg.failure_mode == "allow":
            warn = [f"policyguard: {why}; request allowed by the webhook's failure mode"]
            return admission.response(review.api_version, review.uid, True, warnings=warn), "allowed-on-failure"
        msg = f"policyguard: {why}; request denied by the webhook's failure mode (retry, or ask the cluster admins)"
        return admission.response(review.api_version, review.uid, False, code=500, message=msg, reason="InternalError"), "denied-on-failure"

    async def _judge(self, review: Review, endpoint: str, budget: float) -> tuple[dict[str, Any], str]:
        ev = self.evaluator
        if not ev.ready:
            self.metrics.inc("policyguard_webhook_evaluation_errors_total", kind="not-ready")
            return self._failure(review, endpoint, f"rules not loaded ({ev.error or 'starting'})")
        op_rules = rules_for_operation(review.operation, self.cfg, ev.metas) if review.operation in ("DELETE", "CONNECT") else set()
        why = skip_reason(review, self.cfg, op_rules)
        if why is not None:
            return admission.response(review.api_version, review.uid, True), "skipped"
        obj = review.obj if review.operation != "DELETE" else review.old_obj
        if obj is None:  # DELETE without oldObject: nothing to judge
            return admission.response(review.api_version, review.uid, True), "skipped"
        obj = admission.with_type(obj, review.kind)
        mutating = endpoint == "mutate" and review.operation in ("CREATE", "UPDATE")
        patch_rules: set[str] | None = None
        if mutating:
            # no patch through a subresource (it may change only its own part)
            patch_rules = set() if review.sub_resource else mutation_rules(self.cfg, ev.metas)
            if not patch_rules:  # nothing may be mutated: nothing to evaluate
                return admission.response(review.api_version, review.uid, True), "allowed"
        with_old = review.operation == "UPDATE" and self.cfg.only_new_on_update and review.old_obj is not None
        old = admission.with_type(review.old_obj, review.kind) if with_old and review.old_obj is not None else None
        try:
            j = await ev.judge(obj, old, with_old=with_old, patch_rules=patch_rules, timeout=max(budget, 0.001), admission=review.context())
        except ObjectError as exc:
            what = "request.oldObject" if review.operation == "DELETE" else "request.object"
            raise AdmissionError(400, f"{what}: {exc}") from None
        except TimeoutError:
            self.metrics.inc("policyguard_webhook_evaluation_errors_total", kind="deadline")
            return self._failure(review, endpoint, f"evaluation did not finish within the {budget:.3g}s deadline")
        except Exception as exc:
            log.warning("evaluation failed for %s %s/%s: %s: %s", review.gvk, review.namespace, review.name, type(exc).__name__, exc)
            self.metrics.inc("policyguard_webhook_evaluation_errors_total", kind="internal")
            return self._failure(review, endpoint, f"evaluation failed: {type(exc).__name__}: {exc}")
        if j.interpreter_fallbacks:
            self.metrics.inc("policyguard_webhook_interpreter_fallbacks_total", j.interpreter_fallbacks)
        ignore = None
        if with_old:
            from policyguard.model import Status

            ignore = {(f.rule_id, f.path) for f in j.old_findings if f.status is Status.FAIL}
        if self.exceptions is not None:
            self._except(review, obj, j.findings)
        only = op_rules if review.operation in ("DELETE", "CONNECT") else None
        decision = decide(j.findings, ev.metas, self.cfg, only_rules=only, ignore=ignore)
        if mutating:
            return self._mutate_answer(review, decision, j.patch, j.fixed_rules, j.unpatched)
        return self._validate_answer(review, endpoint, decision)

    def _except(self, review: Review, obj: dict[str, Any], findings: list[Any]) -> None:
        """PolicyExceptions, decided by the gate's function as in `scan` and `audit`; the
        request's namespace counts (a CREATE's object often states none)."""
        from policyguard.gate.exceptions import Subject, apply_to_object

        assert self.exceptions is not None
        excs = self.exceptions.current()
        if not excs:
            return
        from policyguard.gate.config import SuppressionPolicy

        policy = self.cfg.exceptions.policy or SuppressionPolicy()
        out = apply_to_object(findings, Subject.from_object(obj, namespace=review.namespace or None), excs, policy)
        if out.excepted:
            self.metrics.inc("policyguard_webhook_excepted_total", out.excepted)
        for n in out.notices:
            log.warning("%s", n.message)

    def _count(self, d: Decision) -> None:
        for mode, hits in (("deny", d.deny), ("warn", d.warn), ("audit", d.audit), ("error", d.errors)):
            for h in hits:
                self.metrics.inc("policyguard_webhook_rule_findings_total", rule=h.rule_id, outcome=mode)
        if d.errors:
            self.metrics.inc("policyguard_webhook_evaluation_errors_total", len(d.errors), kind="rule")

    def _validate_answer(self, review: Review, endpoint: str, d: Decision) -> tuple[dict[str, Any], str]:
        self._count(d)
        warnings = warning_texts(d)
        annotations = {}
        if d.audit:
            annotations["policyguard.dev/audit"] = ",".join(sorted({h.rule_id for h in d.audit}))
        if d.deny:
            outcome = "denied"
            resp = admission.response(
                review.api_version, review.uid, False, code=403, message=deny_message(review, d), warnings=warnings, audit_annotations=annotations
            )
        else:
            outcome = "allowed-with-warnings" if warnings else "allowed"
            resp = admission.response(review.api_version, review.uid, True, warnings=warnings, audit_annotations=annotations)
        if d.deny or d.warn or d.audit or d.errors:
            self.audit.record(review, endpoint, d, outcome)
        return resp, outcome

    def _mutate_answer(self, review: Review, d: Decision, patch: list[dict[str, Any]], fixed: list[str],
                       unpatched: list[tuple[str, str]] | None = None) -> tuple[dict[str, Any], str]:
        """/mutate applies the enabled rules' fixes and allows; /validate (after mutation) does
        the denying."""
        warnings = [f"policyguard: mutated to satisfy {rid}" for rid in fixed]
        warnings += [f"policyguard: not mutated for {rid}: {why}" for rid, why in unpatched or ()]
        if patch:
            self.audit.record(review, "mutate", d, "mutated")
            for rid in fixed:
                self.metrics.inc("policyguard_webhook_rule_findings_total", rule=rid, outcome="mutated")
        resp = admission.response(review.api_version, review.uid, True, warnings=warnings, patch=patch or None)
        return resp, "mutated" if patch else "allowed"


def exception_store(cfg: WebhookConfig) -> Any:
    """The worker's PolicyException store (None when none are configured); files are read now,
    so a bad one stops the worker at start with its located message."""
    if not cfg.exceptions.enabled:
        return None
    from policyguard.cluster.exception_source import ExceptionStore

    return ExceptionStore(cfg.exceptions)


def _tune_gc() -> None:
    """After a worker's start-up: move the loaded rules, engine and modules out of the
    collector's sight (``gc.freeze``) and collect the youngest generation less often. A review
    allocates thousands of short-lived containers, and with the default threshold (700) the
    cyclic collector ran several times per review: ~6% of a worker's CPU under load (py-spy)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def mutation_rules(cfg: WebhookConfig, metas: dict[str, RuleMeta]) -> set[str]:
    """The rules ``/mutate`` may fix: listed in ``mutation.rules`` (none by default), loaded,
    fixable and not turned ``off`` by the enforcement settings."""
    return {rid for rid in cfg.mutation.rules if (m := metas.get(rid)) is not None and m.fixable and cfg.enforcement.mode(rid, m.severity) != "off"}
