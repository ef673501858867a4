#!/usr/bin/env python3
"""Peak memory of a whole scan as the repository grows: N copies of a tree (default the shared
corpus) scanned by one ``policyguard scan``, for each N and report format.

    python bench/memory_scale.py [--copies 1,8,64] [--formats json,sarif] [--jobs 0]
                                 [--policyguard EXE] [--source ../shared/corpus] [--keep]

The copies are made once under a temporary directory: the first with ``cp -rL`` (the corpus
may hold symlinks), the others as hard links of the first (no disk space); all are deleted at
the end unless ``--keep`` (which keeps each report as well). Each run's peak is the sum of VmRSS over the scan process and every
descendant (workers, Rego helpers), sampled every 20 ms from /proc (``bench/peers.py``'s
sampler; shared copy-on-write pages count once per process, so the figure is an upper bound),
and the sum of Pss over the same processes, sampled every 100 ms (each shared page split
between the processes sharing it: the memory the tree really holds; workers and helpers are
forks sharing most of their parent's pages). CPU is user + system of the scan and every child
it waited for (``RUSAGE_CHILDREN``). Printed as a Markdown table for BENCHMARKS.md, with
bytes per input byte and findings in the report (counted in the compact report file).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import run_measured  # noqa: E402 - bench scripts import their sibling by path


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def make_copies(source: Path, where: Path, copies: int) -> list[Path]:
    where.mkdir(parents=True, exist_ok=True)
    first = where / "copy-0"
    if not first.exists():
        subprocess.run(["cp", "-rL", str(source), str(first)], check=True)
    out = [first]
    for i in range(1, copies):
        target = where / f"copy-{i}"
        if not target.exists():
            subprocess.run(["cp", "-al", str(first), str(target)], check=True)
        out.append(target)
    return out


def count_in(path: Path, needle: bytes) -> int:
    """Occurrences of ``needle`` in a file read in chunks (a 64x report is gigabytes: never
    decoded whole)."""
    n, tail = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            data = tail + chunk
            n += data.count(needle)
            tail = data[-(len(needle) - 1):]
            n -= tail.count(needle)  # counted again with the next chunk
    return n + tail.count(needle)


def measure(exe: str, paths: list[Path], fmt: str, jobs: int, out: Path) -> dict[str, float]:
    out.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    got = run_measured([exe, "scan", "-f", fmt, "-o", str(out), "-j", str(jobs), *map(str, paths)], pss=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    findings = 0
    if out.exists():  # compact reports: one finding row opens with its rule id, a SARIF result names it
        findings = count_in(out, b'{"rule_id":' if fmt == "json" else b'"ruleId":')
    return {"wall": got["wall"], "cpu": cpu, "peak_mib": got["peak_kib"] / 1024, "pss_mib": got["peak_pss_kib"] / 1024,
            "rc": got["rc"], "children": got["children"], "findings": findings,
            "report_mib": out.stat().st_size / 2**20 if out.exists() else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", default="1,8,64")
    ap.add_argument("--formats", default="json,sarif")
    ap.add_argument("--jobs", type=int, default=0, help="scan --jobs (0: every core)")
    ap.add_argument("--policyguard", default=shutil.which("policyguard") or "policyguard")
    ap.add_argument("--source", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    counts = sorted(int(c) for c in args.copies.split(","))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="pg-memscale-"))
    try:
        all_copies = make_copies(args.source, work / "tree", counts[-1])
        size = tree_bytes(all_copies[0])
        print(f"input: {args.source} ({size / 2**20:.1f} MiB a copy), jobs {args.jobs or 'all'}, {args.policyguard}")
        print()
        print("| copies | input MiB | format | wall s | CPU s | peak tree RSS MiB | peak tree PSS MiB | PSS / input "
              "| findings | report MiB | exit |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in counts:
            for fmt in args.formats.split(","):
                got = measure(args.policyguard, all_copies[:n], fmt, args.jobs, work / f"report-{n}.{fmt}")
                if not args.keep:  # --keep: the reports stay too (the errors say what a count misses)
                    (work / f"report-{n}.{fmt}").unlink(missing_ok=True)
                inp = size * n / 2**20
                print(f"| {n} | {inp:.0f} | {fmt} | {got['wall']:.1f} | {got['cpu']:.1f} | {got['peak_mib']:.0f} | "
                      f"{got['pss_mib']:.0f} | {got['pss_mib'] / inp:.1f}x | {got['findings']:,} | "
                      f"{got['report_mib']:.0f} | {got['rc']:.0f} |", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
