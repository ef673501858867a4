"""Serving: uvicorn (uvloop + httptools) in N forked worker processes on one port
(one SO_REUSEPORT listening socket per worker; see ``serve``).

Why our own supervisor instead of ``uvicorn.run(workers=N)``: uvicorn's multiprocess mode
spawns fresh interpreters that re-import the app by name, so the TLS context (which we must
keep a handle on to reload certificates) and the loaded rule set cannot be handed over. Here
the parent binds the socket, loads and checks the rules once (fail fast, exit 2), then forks;
each child builds its own TLS context and its own rule engine (after fork, in its evaluation
thread) and runs a ``uvicorn.Server`` on the inherited socket. The parent restarts a worker
that dies and forwards SIGTERM/SIGINT for a graceful shutdown.

Slow clients: uvicorn times out idle keep-alive connections but not a client that trickles
its request head; ``SlowClientProtocol`` adds that (408 + close). A trickled body is timed
out by the app (``body_timeout``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import tempfile
import time
from typing import Any

from policyguard.options import ScanOptions
from policyguard.webhook.config import WebhookConfig

log = logging.getLogger("policyguard.webhook")


class _CoalescingTransport:
    """Holds a response head until its body is written and sends both in one write.

    uvicorn writes the status line and headers, then the body, as two transport writes: over
    TLS that is two records, two encryptions and two send() calls per review (and two reads
    for the client). Interim 1xx heads (100 Continue) and anything that is not a complete
    response head go straight through; closing flushes a held head."""

    __slots__ = ("_transport", "_head")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif data.startswith(b"HTTP/1.1 ") and not data.startswith(b"HTTP/1.1 1") and data.endswith(b"\r\n\r\n"):
            self._head = bytes(data)
            return
        self._transport.write(data)

    def close(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _protocol_class(header_timeout: float) -> type:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    body = b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"request head not received in time","reason":"Timeout","code":408}'
    answer = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    class SlowClientProtocol(HttpToolsProtocol):  # type: ignore[misc]
        """httptools protocol with a deadline for receiving a complete request head."""

        _head_timer: Any = None

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.transport = _CoalescingTransport(self.transport)  # type: ignore[assignment]
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._head_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # the keep-alive timer covers the idle gap; our timer restarts at the next message

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is in flight: the app owns the timing now
            self.transport.write(answer)
            self.transport.close()

    return SlowClientProtocol


def bind_socket(host: str, port: int, *, reuseport: bool = False, listen: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(4096)
    sock.set_inheritable(True)
    return sock


def run_worker(
    sock: socket.socket,
    cfg: WebhookConfig,
    options: ScanOptions,
    *,
    ruleset: Any,
    cert: str | None,
    key: str | None,
    metrics_dir: str | None,
    worker: int,
    heartbeat: Any = None,
) -> None:
    """Run one uvicorn server on ``sock`` until SIGTERM/SIGINT (blocks)."""
    import uvicorn

    if cfg.pin_workers and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[worker % len(cpus)]})

    from policyguard.webhook.app import WebhookApp
    from policyguard.webhook.tls import ReloadingTLS

    tls = ReloadingTLS(cert, key) if cert and key else None
    app = WebhookApp(cfg, options, ruleset=ruleset, tls=tls, metrics_dir=metrics_dir, worker=worker, heartbeat=heartbeat)
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # pragma: no cover
        loop = "asyncio"
    kwargs: dict[str, Any] = {}
    if tls is not None:
        kwargs["ssl_context_factory"] = lambda _cfg, _default: tls.context
    config = uvicorn.Config(
        app,
        loop=loop,
        http=_protocol_class(cfg.header_timeout),
        lifespan="on",
        access_log=False,
        proxy_headers=False,  # the apiserver calls us directly: no X-Forwarded-* to trust
        log_level="warning",
        timeout_keep_alive=int(cfg.keep_alive),
        timeout_graceful_shutdown=10,
        server_header=False,
        date_header=False,
        **kwargs,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    cfg: WebhookConfig,
    options: ScanOptions,
    *,
    host: str,
    port: int,
    workers: int,
    cert: str | None,
    key: str | None,
    ruleset: Any,
    ready_message: bool = True,
) -> int:
    """Bind, fork ``workers`` processes, supervise them. Returns the exit code.

    With several workers each one listens on its own SO_REUSEPORT socket (the parent only
    reserves the port), so the kernel spreads new connections over the workers. On one shared
    listening socket the first worker to wake accepted every pending connection (uvloop accepts
    until EAGAIN): measured 10 of 10 keep-alive clients on one worker, the other idle."""
    reuseport = workers > 1 and hasattr(socket, "SO_REUSEPORT")
    sock = bind_socket(host, port, reuseport=reuseport, listen=not reuseport)
    actual_port = sock.getsockname()[1]
    scheme = "https" if cert else "http"
    if ready_message:
        print(f"policyguard webhook serving {scheme}://{host}:{actual_port} with {workers} worker(s)", file=sys.stderr, flush=True)
    if workers <= 1:
        run_worker(sock, cfg, options, ruleset=ruleset, cert=cert, key=key, metrics_dir=None, worker=0)
        return 0

    from policyguard.webhook.watchdog import CONFIRM, STARTUP, Slots

    metrics_dir = tempfile.mkdtemp(prefix="policyguard-metrics-")
    children: dict[int, int] = {}  # pid -> worker index
    slots = Slots(workers)  # stuck-evaluation watchdog (watchdog.py)
    stopping = False

    watch = cfg.isolation == "watchdog"

    def spawn(index: int) -> None:
        slots.set(index, time.monotonic() + STARTUP if watch else float("inf"))
        pid = os.fork()
        if pid == 0:  # child
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                wsock = bind_socket(host, actual_port, reuseport=True) if reuseport else sock
                run_worker(wsock, cfg, options, ruleset=ruleset, cert=cert, key=key, metrics_dir=metrics_dir, worker=index,
                           heartbeat=slots.heartbeat(index) if watch else None)
            except BaseException as exc:  # noqa: BLE001 - a worker must exit, never return into the parent's code
                if not isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    print(f"policyguard webhook worker {index}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                    code = 3
            os._exit(code)
        children[pid] = index

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(workers):
        spawn(i)
    restarts: list[float] = []
    exit_code = 0
    killed: set[int] = set()
    expired: dict[int, float] = {}  # pid -> when its heartbeat slot was first seen expired
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == 0:  # nobody exited: check the heartbeats, then poll again
            now = time.monotonic()
            for cpid, cindex in list(children.items()):
                until = slots.get(cindex)
                if now <= until or cpid in killed or stopping:
                    expired.pop(cpid, None)
                    continue
                # confirm on a later poll: a live worker extends its slot every BEAT seconds,
                # so one late read (a torn read of the shared slot, a stalled supervisor) is
                # never a kill on its own
                first = expired.setdefault(cpid, now)
                if now - first >= CONFIRM:
                    print(f"policyguard webhook worker {cindex} (pid {cpid}) is stuck (an evaluation ran past the watchdog "
                          f"limit or the worker stopped answering, {now - until:.1f}s past its heartbeat); killing it",
                          file=sys.stderr, flush=True)
                    expired.pop(cpid, None)
                    killed.add(cpid)
                    try:
                        os.kill(cpid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.1)
            continue
        killed.discard(pid)
        index = children.pop(pid, None)
        if index is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        print(f"policyguard webhook worker {index} (pid {pid}) exited with {code}; restarting", file=sys.stderr, flush=True)
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > 5 * workers:  # crash loop: give up loudly instead of spinning
            print("policyguard webhook: workers keep crashing, shutting down", file=sys.stderr, flush=True)
            stop(signal.SIGTERM, None)
            exit_code = 3
            continue
        spawn(index)
    try:
        for p in os.listdir(metrics_dir):
            os.unlink(os.path.join(metrics_dir, p))
        os.rmdir(metrics_dir)
    except OSError:
        pass
    return exit_code
