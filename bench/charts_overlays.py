#!/usr/bin/env python3
"""Render + scan of the benchmark's 20 Helm charts and 20 Kustomize applications (issue 14):
policyguard vs Checkov vs Trivy on the same folders, side by side.

Usage (from the repository root):
    python bench/charts_overlays.py [--rounds 5] [--only charts,overlays] [--tools-bin /tmp/cdk-bin]
        [--checkov /tmp/venv-checkov/bin/checkov] [--trivy /tmp/venv-peers/bin/trivy] [--pg-arg=--jobs=2 ...]

Inputs: bench/inputs/charts and bench/inputs/overlays, written by bench/inputs/gen_charts.py and
gen_overlays.py (committed with their output). Each tool renders what it supports and scans:
    policyguard scan DIR -f json -o FILE
    checkov -d DIR --framework helm|kustomize --quiet -o json --skip-download
    trivy config DIR --skip-check-update --quiet -f json --cache-dir TMP
``--tools-bin`` goes first on PATH for every tool: the ``helm`` and ``kustomize`` binaries
Checkov needs (and policyguard's renderers find). Rounds are interleaved (policyguard, Checkov,
Trivy, policyguard, ...) so machine noise hits each tool alike. Reported per folder and tool:
median wall, median peak RSS of the whole process tree and the largest number of child
processes seen (both sampled every 20 ms from /proc: bench/peers.py), the ratios to policyguard,
exit codes, what each tool found in its last round (failed checks; policyguard also its unknowns
and file errors), and which of the problems planted in the inputs each tool reported, and which
objects that must pass it reported anyway (bench/inputs/planted.json). Printed as Markdown for
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from peers import run

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
FRAMEWORK = {"charts": "helm", "overlays": "kustomize"}


def found_policyguard(doc: Any) -> str:
    s = doc.get("summary", {}) if isinstance(doc, dict) else {}
    return f"{s.get('fail', 0)} fail, {s.get('unknown', 0)} unknown, {len(doc.get('errors', []))} file errors"


def found_checkov(doc: Any) -> str:
    reports = doc if isinstance(doc, list) else [doc]
    failed = sum(int(r.get("summary", {}).get("failed", 0)) for r in reports if isinstance(r, dict))
    errors = sum(int(r.get("summary", {}).get("parsing_errors", 0)) for r in reports if isinstance(r, dict))
    resources = sum(int(r.get("summary", {}).get("resource_count", 0)) for r in reports if isinstance(r, dict))
    return f"{failed} failed checks on {resources} resources, {errors} parsing errors"


def found_trivy(doc: Any) -> str:
    results = doc.get("Results") or [] if isinstance(doc, dict) else []
    fails = sum(1 for r in results for m in r.get("Misconfigurations") or [] if m.get("Status") == "FAIL")
    return f"{fails} failed checks in {len(results)} targets"


FOUND = {"policyguard": found_policyguard, "checkov": found_checkov, "trivy": found_trivy}


def failed(tool: str, doc: Any) -> list[tuple[str, str]]:
    """(check id, "<resource> <file>") of every failed check in a tool's JSON report."""
    if tool == "policyguard":
        return [(f["rule_id"], f"{f['resource_id']} {f['location']['file']}") for f in doc.get("findings", [])
                if f.get("status") == "fail"]
    if tool == "checkov":
        return [(c["check_id"], f"{c.get('resource', '')} {c.get('file_path', '')}")
                for r in (doc if isinstance(doc, list) else [doc]) if isinstance(r, dict)
                for c in r.get("results", {}).get("failed_checks", [])]
    return [(m["ID"], r.get("Target", "")) for r in doc.get("Results") or [] for m in r.get("Misconfigurations") or []
            if m.get("Status") == "FAIL"]


def planted(folder: str, docs: dict[str, Any]) -> list[str]:
    """Markdown rows: each planted problem (bench/inputs/planted.json) found or missed by each
    tool, and each object that must pass, passed or falsely reported."""
    cases = json.loads((INPUTS / "planted.json").read_text()).get(folder, [])
    tools = list(docs)
    rows = [f"| {folder}: planted | expected | {' | '.join(tools)} |", "|---|---|" + "---|" * len(tools)]
    tally = {t: [0, 0] for t in tools}  # found problems, false alarms
    for case in cases:
        cells = []
        for tool in tools:
            ids = case[tool]
            match = case["match"] if isinstance(case["match"], str) else case["match"][tool]
            hits = [i for i, text in failed(tool, docs[tool]) if match in text and ("*" in ids or i in ids)]
            if case["expect"] == "fail":
                cell = "found" if hits else ("no check" if not ids else "missed")
                tally[tool][0] += bool(hits)
            else:
                cell = f"false alarm ({len(hits)})" if hits else "passes"
                tally[tool][1] += bool(hits)
            cells.append(cell)
        rows.append(f"| {case['case']} | {case['expect']} | {' | '.join(cells)} |")
    n = sum(c["expect"] == "fail" for c in cases)
    rows.append(f"| **total** | {n} problems, {len(cases) - n} must pass | "
                + " | ".join(f"{f}/{n} found, {a} false alarms" for f, a in tally.values()) + " |")
    return rows


def summary(tool: str, path: Path) -> str:
    try:
        doc = json.loads(path.read_text() or "null")
    except (OSError, json.JSONDecodeError) as exc:
        return f"(no JSON output: {exc.__class__.__name__})"
    return FOUND[tool](doc)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="charts,overlays")
    ap.add_argument("--tools-bin", default="", help="directory put first on PATH (helm, kustomize)")
    ap.add_argument("--checkov", default=shutil.which("checkov") or "/tmp/venv-checkov/bin/checkov")
    ap.add_argument("--trivy", default=shutil.which("trivy") or "/tmp/venv-peers/bin/trivy")
    ap.add_argument("--pg-arg", action="append", default=[], help="extra policyguard scan argument (repeatable)")
    ap.add_argument("--skip-peers", default="", help="comma list of peers not to run (checkov,trivy)")
    args = ap.parse_args()

    path = os.environ.get("PATH", "")
    if args.tools_bin:
        path = f"{args.tools_bin}{os.pathsep}{path}"
    env = dict(os.environ, PATH=path, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="ERROR")
    skip = set(filter(None, args.skip_peers.split(",")))
    work = Path(tempfile.mkdtemp(prefix="pg-bench-inputs-"))
    cache = work / "trivy-cache"
    rows: list[str] = []
    found: list[str] = []
    cases: list[str] = []
    try:
        for folder in args.only.split(","):
            target = INPUTS / folder
            if not target.is_dir():
                print(f"no such input folder: {target} (run bench/inputs/gen_{folder}.py)", file=sys.stderr)
                return 2
            outs = {t: work / f"{folder}-{t}.json" for t in FOUND}
            tools: dict[str, tuple[list[str], str | None]] = {
                "policyguard": ([sys.executable, "-m", "policyguard", "scan", str(target), "-f", "json",
                                 "-o", str(outs["policyguard"]), *args.pg_arg], None)}
            if "checkov" not in skip:
                tools["checkov"] = ([args.checkov, "-d", str(target), "--framework", FRAMEWORK[folder], "--quiet", "-o", "json",
                                     "--skip-download"], str(outs["checkov"]))
            if "trivy" not in skip:
                tools["trivy"] = ([args.trivy, "config", str(target), "--skip-check-update", "--quiet", "-f", "json",
                                   "--cache-dir", str(cache)], str(outs["trivy"]))
            samples: dict[str, list[tuple[float, int, int, int]]] = {k: [] for k in tools}
            for rnd in range(args.rounds):
                for name, (cmd, stdout) in tools.items():
                    wall, peak, rc, kids, _ = run(cmd, env, stdout)
                    samples[name].append((wall, peak, rc, kids))
                    print(f"{folder} round {rnd + 1} {name}: {wall:.2f} s, {peak / 1024:.0f} MiB, {kids} children, exit {rc}",
                          file=sys.stderr)
            base_wall = statistics.median(s[0] for s in samples["policyguard"])
            base_mem = statistics.median(s[1] for s in samples["policyguard"])
            for name, runs in samples.items():
                wall = statistics.median(s[0] for s in runs)
                mem = statistics.median(s[1] for s in runs)
                kids = max(s[3] for s in runs)
                walls = ", ".join(f"{s[0]:.2f}" for s in runs)
                rows.append(f"| {folder} | {name} | {walls} | {wall:.2f} | {mem / 1024:.0f} | {kids} | "
                            f"{wall / base_wall:.2f}x | {mem / base_mem:.2f}x | {sorted({s[2] for s in runs})} |")
                found.append(f"| {folder} | {name} | {summary(name, outs[name])} |")
            docs = {}
            for name in samples:
                try:
                    docs[name] = json.loads(outs[name].read_text() or "null") or {}
                except (OSError, json.JSONDecodeError):
                    docs[name] = {}
            cases += ["", *planted(folder, docs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nrounds: {args.rounds} (interleaved); medians; peak RSS and children = whole process tree, sampled every 20 ms")
    print("| folder | tool | runs, wall s | median wall s | peak RSS MiB (median) | children (max) | wall vs policyguard | "
          "memory vs policyguard | exit codes |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n| folder | tool | found (last round) |\n|---|---|---|")
    print("\n".join(found))
    print("\n".join(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
