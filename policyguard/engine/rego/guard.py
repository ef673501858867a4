"""Run the embedded Rego engine in a forked helper process so a runaway policy cannot hang
or exhaust a scan.

regorus has no execution limits and holds the GIL while it evaluates: a policy such as
``count(numbers.range(1, 1e10))`` would run for minutes and eat memory, and no Python-level
timer could interrupt it. The guard forks one helper per thread (lazily; the engine is built
in the helper), sends each batch's input JSON through a pipe and waits with a deadline. On
timeout the helper is killed (SIGKILL), waited for, and restarted on the next call; a crash (panic abort,
out of memory under the helper's address-space limit) becomes a ``BackendError``. The
evaluator then isolates the rule x resource pairs, so only the guilty pair is an ``error``.
Overhead: one pipe round trip per unit (measured in README "Rego backends").
Every helper is registered with ``policyguard.procs``, which reaps it when the command ends.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from policyguard import procs
from policyguard.engine.rego.common import BackendError

_HDR = struct.Struct("!BQ")  # status (0 ok, 1 error), payload length
STARTUP_ALLOWANCE = 10.0  # seconds added to the first call of a new helper (fork, engine, compile)
MEMORY_LIMIT = int(os.environ.get("POLICYGUARD_REGO_MEMORY_MB", "4096")) * 1024 * 1024


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _child(rfd: int, wfd: int, factory: Callable[[], Any]) -> None:
    import gc

    gc.freeze()  # the parent's objects, never collected here: their pages stay shared with it
    procs.limit_address_space(MEMORY_LIMIT)  # what the parent maps + the budget
    try:  # an abort here (allocation failure under the limit) is reported by the parent
        import faulthandler

        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; ^C reaches it
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    inner = factory()
    while True:
        hdr = _read_exact(rfd, 8)
        if hdr is None:
            return
        (n,) = struct.unpack("!Q", hdr)
        payload = _read_exact(rfd, n)
        if payload is None:
            return
        try:
            head, _, body = payload.partition(b"\x00")
            out = inner.eval_raw(body.decode(), json.loads(head))
            status = 0
        except BaseException as exc:  # report, keep serving
            out, status = str(exc), 1
        body = out.encode()
        _write_all(wfd, _HDR.pack(status, len(body)) + body)


_UNSENDABLE = "is unsendable, but is being dropped on another thread"


def _fork_quietly() -> int:
    """``os.fork()`` from a process whose other threads hold regorus objects (the webhook's main
    evaluation lane keeps its compiled VMs in a thread-local): in the child those threads are
    gone, their thread-locals are freed on the forking thread, and regorus's unsendable types
    report a RuntimeError for each (and leak it, harmlessly). Those reports are noise in the
    server log; anything else still reaches the usual hook."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, RuntimeError) and _UNSENDABLE in str(unraisable.exc_value):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        return os.fork()
    finally:
        sys.unraisablehook = previous


class _Helper:
    def __init__(self, factory: Callable[[], Any]) -> None:
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        pid = _fork_quietly()
        if pid == 0:  # pragma: no cover - runs in the helper
            code = 0
            try:
                os.close(w1)
                os.close(r2)
                _child(r1, w2, factory)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(r1)
        os.close(w2)
        self.pid, self.w, self.r = pid, w1, r2
        self.closed = False
        procs.adopt(pid, "embedded Rego helper", self.close)

    def close(self) -> None:
        """Close both pipe ends: an idle helper reads EOF and exits. Idempotent, so a reaped
        helper is never written to again (its descriptor numbers may be reused)."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass

    def kill(self) -> str:
        """Stop the helper now (timeout, crash) and wait for it."""
        self.close()
        return procs.describe(procs.reap(self.pid, 0))

    def call(self, payload: bytes, timeout: float) -> tuple[int, bytes] | None:
        """(status, body), or None on timeout; raises EOFError when the helper died."""
        deadline = time.monotonic() + timeout
        try:
            _write_all(self.w, struct.pack("!Q", len(payload)) + payload)
        except BrokenPipeError:
            raise EOFError from None
        buf = b""
        need = _HDR.size
        hdr: tuple[int, int] | None = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise EOFError
            buf += chunk
            if hdr is None and len(buf) >= need:
                hdr = _HDR.unpack(buf[:need])
                buf = buf[need:]
            if hdr is not None and len(buf) >= hdr[1]:
                return hdr[0], buf[: hdr[1]]


class GuardedBackend:
    """Wraps a backend factory whose product has ``eval_raw(input_json) -> str`` (JSON)."""

    def __init__(self, name: str, factory: Callable[[], Any]) -> None:
        self.name = name
        self._factory = factory
        self._local = threading.local()

    @property
    def running(self) -> bool:
        """This thread has a live helper process (the scan's VM starts one only when needed)."""
        helper = getattr(self._local, "helper", None)
        return helper is not None and not helper.closed and getattr(self._local, "owner", None) == os.getpid()

    def close(self) -> None:
        helper = getattr(self._local, "helper", None)
        if helper is not None:
            helper.kill()
            self._local.helper = None

    def warm(self) -> None:
        """Start this thread's helper now rather than at the first batch: a scan worker calls
        this while it is a fresh fork, so the helper shares the worker's pages instead of
        keeping its own copy of a heap the worker has grown and churned since."""
        if not self.running:
            self._local.helper, self._local.owner = _Helper(self._factory), os.getpid()
            self._local.fresh = True

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        helper = getattr(self._local, "helper", None)
        if helper is not None and helper.closed and getattr(self._local, "owner", None) == os.getpid():
            procs.reap(helper.pid)  # closed by procs.close_all (the command thought it was done): it is exiting
        if not self.running:
            self.warm()  # (re)start; a forked scan worker gets its own
        helper = self._local.helper
        if getattr(self._local, "fresh", False):
            # a new helper builds the engine and compiles the modules first: not the rules' time
            self._local.fresh = False
            timeout += STARTUP_ALLOWANCE
        try:
            got = helper.call(json.dumps(groups).encode() + b"\x00" + input_json.encode(), timeout)
        except EOFError:
            why = helper.kill()
            self._local.helper = None
            raise BackendError(f"embedded Rego engine crashed ({why}; memory budget {MEMORY_LIMIT >> 20} MiB)") from None
        if got is None:
            helper.kill()
            self._local.helper = None
            raise BackendError(f"Rego evaluation exceeded its time budget ({timeout:.1f}s)")
        status, body = got
        if status:
            raise BackendError(body.decode(errors="replace"))
        return json.loads(body)
