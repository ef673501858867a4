#!/usr/bin/env python3
"""`policyguard merge` of N shard reports of a tree (default: the whole corpus in 8 shards):
time to join them into one JSON report and one SARIF report, median of --runs, wall and CPU of
the merge process (children included), and whether the merged reports equal an unsharded scan's.

usage: python bench/merge_shards.py [--tree ../shared/corpus] [--shards 8] [--runs 5]
                                    [--work /tmp/pg-merge-bench] [--exe policyguard] [--check]

The shard reports are written once into --work (`scan TREE --shard I/N -f json`, kept for later
runs: delete the directory to rescan). --check also scans the tree unsharded (json + sarif) and
compares the merged reports byte for byte. Prints one Markdown table row for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(cmd: list[str], cwd: Path) -> tuple[int, float, float]:
    """(exit code, wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", default=os.environ.get("POLICYGUARD_CORPUS", str(REPO.parent / "shared" / "corpus")))
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/pg-merge-bench")
    ap.add_argument("--exe", default="policyguard")
    ap.add_argument("--jobs", default="2", help="--jobs of the shard scans")
    ap.add_argument("--check", action="store_true", help="compare with an unsharded scan, byte for byte")
    args = ap.parse_args()
    tree = Path(args.tree).resolve()
    if not tree.is_dir():
        print(f"no tree at {tree}", file=sys.stderr)
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    shards = []
    for i in range(1, args.shards + 1):
        out = work / f"shard-{i}-of-{args.shards}.json"
        if not out.is_file():
            code, wall, cpu = run([args.exe, "scan", ".", "-j", args.jobs, "--shard", f"{i}/{args.shards}",
                                   "-f", "json", "-o", str(out)], tree)
            print(f"shard {i}/{args.shards}: exit {code}, {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
            if not out.is_file():
                return 2
        shards.append(str(out))
    size = sum(Path(s).stat().st_size for s in shards)
    rows = []
    for fmt in ("json", "sarif"):
        walls, cpus = [], []
        for _ in range(args.runs):
            code, wall, cpu = run([args.exe, "merge", *shards, "-f", fmt, "-o", str(work / f"merged.{fmt}")], tree)
            walls.append(wall)
            cpus.append(cpu)
        rows.append((fmt, code, statistics.median(walls), statistics.median(cpus)))
    same = ""
    if args.check:
        full = [args.exe, "scan", ".", "-j", args.jobs, "-f", "json", "-o", str(work / "full.json"),
                "-f", "sarif", "-o", str(work / "full.sarif")]
        if not (work / "full.json").is_file():
            run(full, tree)
        same = ", ".join(f"{fmt} {'identical' if (work / f'merged.{fmt}').read_bytes() == (work / f'full.{fmt}').read_bytes() else 'DIFFERENT'}"
                         for fmt in ("json", "sarif"))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    for fmt, code, wall, cpu in rows:
        print(f"| merge {args.shards} shards of {tree.name} ({size / 1e6:.0f} MB of JSON) -> {fmt} | "
              f"{wall:.2f} s wall, {cpu:.2f} s CPU (median of {args.runs}, exit {code}) | {machine} | "
              f"{time.strftime('%Y-%m-%d')} |" + (f" {same}" if same else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
