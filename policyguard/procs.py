"""The one owner of policyguard's child processes: every process a command starts is reaped
before the command exits, on every path.

A child that is never waited for keeps running after ``policyguard scan`` returns, and its CPU
and memory appear in no ``time`` output, CI accounting or ``getrusage(RUSAGE_CHILDREN)``: the
forked Rego helper used to be exactly that. So:

- whoever forks registers the child here (``adopt``) with a ``close`` callback that asks it to
  exit (the Rego helper: close its pipes, it then reads EOF and exits);
- ``reap_all`` closes every registered child of this process, waits a bounded grace period,
  then SIGKILLs and waits for the ones still running. It runs at the end of every command
  (``command_scope``), in every scan worker process before it exits, and at interpreter exit;
- ``command_scope`` (the CLI wraps every command in it) turns SIGTERM into an exception, so
  ``finally`` blocks run and the exit code is 143, and reaps in its own ``finally``;
- scan worker pools become this process's children through ``stop_processes`` on an
  exception; on Linux the command is a child subreaper (``prctl``), so a helper whose worker
  died is re-parented to it and killed and waited for here, never to init.

Nothing here runs at import time (the pre-commit hook imports the CLI on every commit).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from policyguard.exitcodes import EXIT_TERMINATED

GRACE = 2.0  # seconds a closed child gets to exit on its own before SIGKILL

_PR_SET_CHILD_SUBREAPER = 36


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds the command as ^C does (code that lets KeyboardInterrupt
    through, such as the engines' panic handlers, lets this through too)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


@dataclass(slots=True)
class _Child:
    """A child process this process started and must reap."""

    pid: int
    name: str
    close: Callable[[], None] | None  # asks the child to exit (closes the pipes it reads)
    owner: int  # the pid that forked it: only that process may wait for it


_lock = threading.RLock()  # re-entered by a worker's SIGTERM handler (``worker_init``)
_children: dict[int, _Child] = {}
_atexit_registered = False
_scope: int | None = None  # the pid of the process running a command (``command_scope``)
# Set once the command became a subreaper: the children it had then (not its to sweep).
_subreaper_before: frozenset[int] | None = None


def adopt(pid: int, name: str, close: Callable[[], None] | None = None) -> None:
    """Record a child this process forked; it is reaped by ``reap``/``reap_all``. ``close``
    must be idempotent (``close_all`` and ``reap_all`` may both call it)."""
    global _atexit_registered
    with _lock:
        _children[pid] = _Child(pid, name, close, os.getpid())
        if not _atexit_registered:
            import atexit

            atexit.register(reap_all)  # a library caller that never closes still reaps at exit
            _atexit_registered = True


def release(pid: int) -> None:
    """Forget a child that was waited for elsewhere."""
    with _lock:
        _children.pop(pid, None)


_GONE = -1  # not (or no longer) our child: waited for elsewhere; its pid may be reused


def _wait(pid: int, deadline: float) -> int | None:
    """The wait status of ``pid`` once it exited before ``deadline``; None while it still runs;
    ``_GONE`` when it is not our child. Sleeps on a pidfd where there is one (Linux 5.3+: woken
    the moment the child exits), else polls every 5 ms."""
    pidfd = -1
    try:
        while True:
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return _GONE
            if got == pid:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if pidfd < 0 and hasattr(os, "pidfd_open"):
                try:
                    pidfd = os.pidfd_open(pid)
                except OSError:
                    pidfd = -2  # not supported here: poll
            if pidfd >= 0:
                import select

                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(0.005, left))
    finally:
        if pidfd >= 0:
            os.close(pidfd)


def close_all() -> None:
    """The command needs no more evaluations: ask every child to exit now, so it winds down
    while the command writes its reports; ``reap_all`` at the end then finds it gone."""
    me = os.getpid()
    with _lock:
        mine = [c for c in _children.values() if c.owner == me]
    for c in mine:
        _close(c)


def describe(status: int | None) -> str:
    if status is None:
        return "exited"
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _finish(pid: int, deadline: float) -> int | None:
    """Wait for ``pid`` until ``deadline``, then SIGKILL it and wait."""
    status = _wait(pid, deadline)
    if status == _GONE:
        return None  # never signal a pid we cannot wait for: it may belong to someone else now
    if status is not None:
        return status
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return status


def _close(child: _Child) -> None:
    if child.close is not None:
        try:
            child.close()
        except OSError:
            pass


def reap(pid: int, grace: float = GRACE) -> int | None:
    """Close the child, give it ``grace`` seconds to exit, SIGKILL it if it did not, and wait
    for it. Returns its wait status (None if it was already waited for)."""
    with _lock:
        child = _children.pop(pid, None)
    if child is not None:
        if child.owner != os.getpid():
            return None  # a forked copy of the registry: the child belongs to our parent
        _close(child)
    return _finish(pid, time.monotonic() + grace)


def reap_all(grace: float = GRACE) -> None:
    """Reap every registered child of this process: close them all first, so they exit in
    parallel, then wait for each within one shared grace period."""
    me = os.getpid()
    with _lock:
        taken = list(_children.values())
        _children.clear()  # entries inherited through fork are not ours to wait for: dropped
    mine = [c for c in taken if c.owner == me]
    for c in mine:
        _close(c)
    deadline = time.monotonic() + grace
    for c in mine:
        _finish(c.pid, deadline)


def stop_processes(processes: list[Any], grace: float = GRACE) -> None:
    """Stop ``multiprocessing`` children (a scan's worker pool after an exception): SIGTERM
    (a worker exits cleanly and reaps its own helper), then SIGKILL after ``grace``."""
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


def _prctl(option: int, arg: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return bool(ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def become_subreaper() -> None:
    """Called before a command starts grandchildren (a worker pool whose workers fork Rego
    helpers): orphaned descendants (a helper whose worker died) are then re-parented to this
    process, which kills and reaps them at the end of the command. Outside a command (a
    library caller, the test suite) nothing changes: we do not adopt other people's orphans.
    Costs a /proc scan and importing ctypes, so only the worker-pool path pays it."""
    global _subreaper_before
    if _scope == os.getpid() and _subreaper_before is None:
        before = frozenset(_our_children())
        if _prctl(_PR_SET_CHILD_SUBREAPER, 1):
            _subreaper_before = before


def _our_children() -> set[int]:
    """Live children of this process (Linux /proc; empty elsewhere)."""
    me = os.getpid()
    found: set[int] = set()
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.add(int(name))
    return found


def _sweep(before: frozenset[int], grace: float) -> None:
    """Reap the children that appeared during the command and are still here: orphans
    re-parented to us, or anything a code path forgot."""
    if not sys.platform.startswith("linux"):
        return
    deadline = time.monotonic() + grace
    while True:
        left = _our_children() - before
        for pid in list(left):
            if _wait(pid, 0) is not None:  # exited (now waited for) or not ours
                left.discard(pid)
        if not left:
            return
        if time.monotonic() >= deadline:
            for pid in left:
                reap(pid, 0)
            return
        time.sleep(0.01)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(signum)


_FORK_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


@contextmanager
def signals_held() -> Iterator[None]:
    """Around forking scan workers: SIGINT and SIGTERM wait until the fork is done. A forked
    child starts with its parent's handlers (raise ``Terminated``, raise KeyboardInterrupt) and
    the blocked mask; ``worker_init`` installs the worker's own handlers, then unblocks, so a
    signal never meets a half-started worker."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _FORK_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _worker_terminated(signum: int, frame: Any) -> None:
    """A worker's SIGTERM (the parent stopping the pool): reap this worker's own children and
    exit at once. Unwinding instead would surface wherever the signal landed (in the pool's
    initializer it is logged as a traceback) and could keep the worker in the pool's loop."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        reap_all()
    finally:
        os._exit(EXIT_TERMINATED)


def worker_init() -> None:
    """In a forked scan worker: ^C is the parent's to handle; SIGTERM exits quietly after
    reaping; on a normal exit the worker's own children are reaped too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _FORK_SIGNALS)  # held by ``signals_held`` across the fork
    from multiprocessing import util  # runs the finalizer in Process._bootstrap before os._exit

    util.Finalize(None, reap_all, exitpriority=100)


@contextmanager
def command_scope() -> Iterator[None]:
    """Wraps one CLI command: SIGTERM raises ``Terminated``; on the way out, by any path,
    every child the command started is closed, waited for (bounded) or killed."""
    global _scope, _subreaper_before
    me = os.getpid()
    on_main = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, _raise_terminated) if on_main else None
    outer = _scope
    _scope = me
    try:
        yield
    finally:
        if os.getpid() == me:  # not in a forked child that unwound through here
            old_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None
            if on_main:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the reaping short
            try:
                reap_all()
                if _subreaper_before is not None and outer is None:
                    _sweep(_subreaper_before, GRACE)
                    _prctl(_PR_SET_CHILD_SUBREAPER, 0)
                    _subreaper_before = None
            finally:
                _scope = outer
                if on_main:
                    signal.signal(signal.SIGTERM, old_term)
                    signal.signal(signal.SIGINT, old_int)


def address_space_used() -> int | None:
    """This process's virtual size in bytes (``/proc/self/statm``), None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def limit_address_space(budget: int) -> bool:
    """Cap this (forked) process's address space at what it already maps plus ``budget`` bytes.

    The limit is relative because a fork inherits its parent's mappings: a long-lived parent (a
    server with many threads and their malloc arenas, a test run that loaded the Go runtime of
    opa-golib) can already map more than any absolute budget, and an absolute ``RLIMIT_AS`` below
    that makes every later mapping fail, even loading a shared library. False when no limit
    could be set."""
    try:
        import resource
    except ImportError:
        return False
    used = address_space_used()
    if used is None or budget <= 0:
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return False
    return True

