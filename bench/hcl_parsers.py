"""Measure the candidate HCL parsers on the Terraform corpus (the choice is recorded in BENCHMARKS.md).

For each parser: wall time to parse every ``.tf`` file (median of N runs, each run in a fresh
subprocess so import and grammar-load costs are counted once per run, as in a CLI scan), peak
RSS, files that fail to parse, and whether the result carries line/column positions for blocks
and attributes. Also measures policyguard's own layers on top of tree-sitter: the AST
conversion, and the full parse + evaluation of every directory into resources.

    python bench/hcl_parsers.py [--corpus ../shared/corpus/terraform] [--runs 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

PARSERS = {
    "tree-sitter-hcl": "C parser (tree-sitter 0.25+) -> concrete syntax tree with row/column on every node",
    "python-hcl2": "lark LALR grammar -> dict (hcl2.loads); the dict has no positions",
    "pyhcl2": "lark LALR grammar -> typed AST; byte-offset spans on every node",
    "policyguard-ast": "tree-sitter-hcl + policyguard's conversion to its expression AST (hcl.parse_source)",
    "policyguard-model": "policyguard parse_directory on every directory: parse + evaluate + resources",
}

POSITIONS = {
    "pyhcl2": "blocks + attributes (byte offsets, converted to line/col by the caller)",
    "python-hcl2": "none in the dict API (with_meta emits no line keys in 8.x); the raw lark tree has them",
    "tree-sitter-hcl": "blocks + attributes + every expression node (row, byte column)",
    "policyguard-ast": "blocks + attributes + expressions (line, character column)",
    "policyguard-model": "resource and every attribute path",
}


def _worker(name: str, corpus: Path) -> dict[str, object]:
    """Runs inside the subprocess: parse everything with one parser, report time and failures."""
    import resource

    files = sorted(corpus.rglob("*.tf"))
    failures: list[str] = []
    u0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = u0.ru_utime + u0.ru_stime
    t0 = time.perf_counter()
    if name == "pyhcl2":
        from pyhcl2.parse import parse_module

        for f in files:
            try:
                parse_module(f.read_text(encoding="utf-8"))
            except Exception as exc:  # noqa: BLE001 - any failure counts as a parse failure
                failures.append(f"{f}: {type(exc).__name__}")
    elif name == "python-hcl2":
        import hcl2

        for f in files:
            try:
                hcl2.loads(f.read_text(encoding="utf-8"))
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{f}: {type(exc).__name__}")
    elif name == "tree-sitter-hcl":
        import tree_sitter
        import tree_sitter_hcl

        parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
        for f in files:
            tree = parser.parse(f.read_bytes())
            if tree.root_node.has_error:
                failures.append(f"{f}: syntax error")
    elif name == "policyguard-ast":
        from policyguard.parsers.terraform.hcl import HclSyntaxError, parse_source

        for f in files:
            try:
                parse_source(str(f), f.read_bytes())
            except HclSyntaxError as exc:
                failures.append(f"{f}:{exc.line}:{exc.column}: {exc.message}")
    elif name == "policyguard-model":
        from policyguard.parsers.terraform import parse_directory

        resources = 0
        for d in sorted({f.parent for f in files}):
            r = parse_directory(d, files=None, var_files=[], variables={})
            resources += len(r.resources)
            failures.extend(str(e) for e in r.errors)
    else:
        raise SystemExit(f"unknown parser {name}")
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    return {"files": len(files), "seconds": wall, "cpu_seconds": cpu, "failures": failures, "rss_mb": usage.ru_maxrss / 1024}


def _run(name: str, corpus: Path) -> dict[str, object]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--corpus", str(corpus)],
        capture_output=True,
        text=True,
        check=True,
    )
    total = time.perf_counter() - t0
    data = json.loads(out.stdout)
    data["process_seconds"] = total  # including interpreter start and imports
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("POLICYGUARD_CORPUS", str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    ap.add_argument("--corpus", type=Path, default=Path(default) / "terraform")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--parsers", default=",".join(PARSERS))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.corpus)))
        return
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found: {args.corpus}")
    rows = []
    for name in args.parsers.split(","):
        runs = [_run(name, args.corpus) for _ in range(args.runs)]
        secs = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
        cpus = [float(r["cpu_seconds"]) for r in runs]  # type: ignore[arg-type]
        procs = [float(r["process_seconds"]) for r in runs]  # type: ignore[arg-type]
        row = {
            "parser": name,
            "what": PARSERS[name],
            "files": runs[0]["files"],
            "median_s": round(statistics.median(secs), 2),
            "runs_s": [round(s, 2) for s in secs],
            "median_cpu_s": round(statistics.median(cpus), 2),
            "median_process_s": round(statistics.median(procs), 2),
            "peak_rss_mb": round(max(float(r["rss_mb"]) for r in runs), 1),  # type: ignore[arg-type]
            "failures": len(runs[0]["failures"]),  # type: ignore[arg-type]
            "failure_samples": list(runs[0]["failures"])[:5],  # type: ignore[call-overload]
            "positions": POSITIONS[name],
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.json:  # written after every parser so a long run leaves partial results
            args.json.write_text(json.dumps({"rows": rows}, indent=2))
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}",
        "corpus": str(args.corpus),
        "runs": args.runs,
    }
    print("\n| parser | files | median wall (s) | median CPU (s) | process incl. start (s) | peak RSS (MB) | files failing | positions |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['parser']} | {r['files']} | {r['median_s']} | {r['median_cpu_s']} | {r['median_process_s']} | {r['peak_rss_mb']} | {r['failures']} | {r['positions']} |"
        )
    print(f"\n{meta['date']} - {meta['machine']} - runs: {meta['runs']}")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
