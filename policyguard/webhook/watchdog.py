"""Stuck-worker watchdog: the supervisor restarts a worker whose evaluation runs away.

Why: with a supervisor (``--workers`` >= 2) each worker runs regorus in-process on its
evaluation thread and Python rules without a trace function (both measured cheaper, see
BENCHMARKS.md "Admission webhook"). Neither can be interrupted from inside the process:
regorus holds the GIL while it evaluates (the event loop stalls too), and a Python rule in an
endless loop keeps the evaluation thread busy forever (the loop still answers each request at
its deadline with the failure answer, but every later evaluation would queue behind it).

How: one shared anonymous memory slot per worker holds an "alive until" time
(``time.monotonic()``, which is system-wide on Linux). The worker keeps pushing it forward:
the evaluation thread before each evaluation (``now + MULTIPLE x request timeout + GRACE``,
so a long evaluation that holds the GIL is not mistaken for a hang), and the event loop every
``BEAT`` seconds (``now + GRACE``) unless the running evaluation has passed
``MULTIPLE x`` its timeout. The supervisor SIGKILLs a worker whose slot has expired and its
usual restart logic forks a fresh one. Requests in flight on that worker are lost (the
apiserver applies its ``failurePolicy``); the alternative, a Rego helper process per worker,
costs a pipe round trip and two extra wake-ups on every review.
"""

from __future__ import annotations

import mmap
import struct
import threading
import time

MULTIPLE = 3.0  # a stuck evaluation is killed after this many times its request timeout
GRACE = 5.0  # seconds the event loop may stall (GIL held, huge body) before the worker is killed
BEAT = 0.5  # seconds between event-loop heartbeats
STARTUP = 120.0  # seconds a new worker has to load its rules before the first heartbeat
CONFIRM = 1.0  # seconds a slot must stay expired (several polls, two beats) before the kill

_SLOT = struct.Struct("d")


class Slots:
    """The supervisor's shared table: one ``alive until`` value per worker index."""

    def __init__(self, workers: int) -> None:
        self.buf = mmap.mmap(-1, _SLOT.size * max(1, workers))  # MAP_SHARED|MAP_ANONYMOUS: inherited by fork

    def set(self, index: int, until: float) -> None:
        _SLOT.pack_into(self.buf, _SLOT.size * index, until)

    def get(self, index: int) -> float:
        value: float = _SLOT.unpack_from(self.buf, _SLOT.size * index)[0]
        return value

    def heartbeat(self, index: int) -> Heartbeat:
        return Heartbeat(self, index)


class Heartbeat:
    """A worker's end of its slot (used from the event loop and the evaluation thread)."""

    def __init__(self, slots: Slots, index: int) -> None:
        self._slots = slots
        self._index = index
        self._lock = threading.Lock()
        self.busy_until: float | None = None  # set while an evaluation runs
        self._until = 0.0  # the latest value this worker wrote (replaces the supervisor's STARTUP)

    def _extend(self, until: float) -> None:
        with self._lock:  # the loop and the evaluation thread both write: never move it back
            if until > self._until:
                self._until = until
                self._slots.set(self._index, until)

    def begin(self, timeout: float) -> None:
        """The evaluation thread starts an evaluation bounded by ``timeout`` seconds."""
        now = time.monotonic()
        self.busy_until = now + MULTIPLE * timeout
        self._extend(self.busy_until + GRACE)

    def end(self) -> None:
        self.busy_until = None

    def beat(self) -> bool:
        """From the event loop: extend the slot unless the running evaluation is stuck.
        Returns False when it is stuck (the supervisor will kill this worker)."""
        now = time.monotonic()
        busy = self.busy_until
        if busy is not None and now > busy:
            return False
        self._extend(now + GRACE)
        return True
