"""Run one command as a child subreaper and report what it left behind (tests/test_procs.py).

usage: python tests/procs_harness.py [--term-when-busy SECONDS] [--signal NAME] -- CMD...

This process marks itself a child subreaper (Linux ``prctl``), so any descendant of CMD that is
still alive when CMD exits is re-parented here instead of to init: such a process outlived the
command. After CMD exits, the report (one JSON object on stdout) says:
- ``rc``: CMD's exit code (negative: killed by that signal);
- ``cpu``/``maxrss_kib``: CMD's resource usage as ``time`` sees it (``wait4``), which includes
  the children CMD waited for and nothing else;
- ``orphans``: descendants that outlived CMD (each is then killed and waited for here, and its
  CPU reported in ``orphan_cpu``);
- ``descendants_seen``: how many distinct descendants CMD had while it ran (sampled).
``--term-when-busy S``: once CMD has a descendant whose CPU time is growing (a busy helper or
worker), wait S seconds more and send CMD the signal (default SIGTERM).
``--term-at-descendants N``: send the signal as soon as CMD has N descendants at once (workers
just forked, still starting).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time


def _ppids() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, utime+stime ticks) of every process."""
    out: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        out[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def _descendants(root: int, table: dict[int, tuple[int, int]]) -> dict[int, int]:
    """pid -> CPU ticks of every descendant of ``root``."""
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    found: dict[int, int] = {}
    todo = list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        found[pid] = table[pid][1]
        todo.extend(kids.get(pid, []))
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--term-when-busy", type=float, default=None)
    ap.add_argument("--term-at-descendants", type=int, default=None)
    ap.add_argument("--signal", default="SIGTERM")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        print(json.dumps({"error": "cannot become a child subreaper"}))
        return 3
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: set[int] = set()
    signalled = False
    busy_since: float | None = None
    last: dict[int, int] = {}
    deadline = time.monotonic() + args.timeout
    status = None
    ru = None
    while status is None:
        pid, st, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            status, ru = st, usage
            break
        desc = _descendants(proc.pid, _ppids())
        seen.update(desc)
        if args.term_when_busy is not None and not signalled:
            if busy_since is None and any(desc.get(p, 0) > t for p, t in last.items()):
                busy_since = time.monotonic()
            if busy_since is not None and time.monotonic() - busy_since >= args.term_when_busy:
                os.kill(proc.pid, getattr(signal, args.signal))
                signalled = True
        if args.term_at_descendants is not None and not signalled and len(desc) >= args.term_at_descendants:
            os.kill(proc.pid, getattr(signal, args.signal))
            signalled = True
        last = desc
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.002 if args.term_at_descendants is not None and not signalled else 0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Anything alive now was re-parented to us: it outlived the command.
    orphans = sorted(_descendants(os.getpid(), _ppids()))
    orphan_cpu = 0.0
    for pid in orphans:
        try:
            os.kill(pid, signal.SIGKILL)
            _, _, oru = os.wait4(pid, 0)
            orphan_cpu += oru.ru_utime + oru.ru_stime
        except (ProcessLookupError, ChildProcessError):
            pass
    assert ru is not None
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""  # orphans gone: no writer left
    print(json.dumps({
        "rc": proc.returncode, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss,
        "orphans": len(orphans), "orphan_cpu": orphan_cpu, "descendants_seen": len(seen),
        "signalled": signalled, "stderr": stderr[-2000:],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
