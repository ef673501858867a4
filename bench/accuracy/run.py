#!/usr/bin/env python3
"""Accuracy on labelled cases: policyguard vs Checkov, recall and false-positive rate per platform.

Usage:
    python bench/accuracy/run.py [--checkov /tmp/venv-checkov/bin/checkov] [--only terraform,kubernetes]
                                 [--json bench/accuracy/results.json] [--policyguard policyguard]

The cases live in ``bench/accuracy/cases/<platform>/<concept>/{bad,good}_<n>.<ext>`` and are
described by ``bench/accuracy/labels.yaml``: per concept, which policyguard rule ids and which
Checkov check ids count as "flagging this concept", and per case whether it must be flagged.

Each case is staged in its own directory (a Terraform case is a module of its own: two cases in one
directory would merge into one module), one directory per platform, so each tool runs ONCE per
platform and its results are mapped back to the case by path. A case counts as flagged when any of
the concept's mapped ids *failed* on it; other rules firing on the same case are irrelevant, and a
policyguard ``unknown`` is not a flag (it is listed separately). Scores:

    recall = flagged bad cases / bad cases        fp rate = flagged good cases / good cases

A concept that a tool has no mapped id for scores its bad cases as misses (that is a coverage gap,
and it is listed as such). Checkov is optional: without it (``--checkov`` not found) its columns say
"not run". Wall time and the number of distinct child processes (sampled from /proc every 10 ms)
are recorded per tool and platform.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PLATFORMS = ("terraform", "cloudformation", "kubernetes")
CHECKOV_FRAMEWORK = {"terraform": "terraform", "cloudformation": "cloudformation", "kubernetes": "kubernetes"}


@dataclass(frozen=True)
class Case:
    platform: str
    concept: str
    name: str  # file name, e.g. bad_1.tf
    must_flag: bool
    path: Path

    @property
    def key(self) -> str:
        """Directory name the case is staged under (one per case)."""
        return f"{self.concept}__{Path(self.name).stem}"


@dataclass(frozen=True)
class Concept:
    id: str
    platform: str
    description: str
    source: str
    policyguard: tuple[str, ...]
    checkov: tuple[str, ...]
    cases: tuple[Case, ...]


@dataclass
class ToolRun:
    """What one tool said about one platform directory."""

    failed: dict[str, set[str]] = field(default_factory=dict)  # case key -> failed ids
    unknown: dict[str, set[str]] = field(default_factory=dict)  # case key -> unknown ids (policyguard)
    judged: set[str] = field(default_factory=set)  # case keys with at least one verdict (policyguard)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    child_processes: int = 0
    exit_code: int = 0


def load_labels(path: Path = HERE / "labels.yaml") -> list[Concept]:
    """Parse labels.yaml into concepts; raises ValueError naming the concept on a malformed entry."""
    doc = yaml.safe_load(path.read_text())
    concepts = []
    for entry in doc["concepts"]:
        cid, plat = entry["id"], entry["platform"]
        if plat not in PLATFORMS:
            raise ValueError(f"{path}: concept {cid}: unknown platform {plat!r}")
        base = path.parent / "cases" / plat / cid
        cases = tuple(
            Case(plat, cid, name, bool(flag), base / name) for name, flag in sorted(entry["cases"].items())
        )
        concepts.append(
            Concept(
                id=cid,
                platform=plat,
                description=entry["description"],
                source=entry["source"],
                policyguard=tuple(entry.get("policyguard") or ()),
                checkov=tuple(entry.get("checkov") or ()),
                cases=cases,
            )
        )
    return concepts


def _staged_name(case: Case) -> str:
    ext = Path(case.name).suffix
    return {"terraform": "main.tf", "cloudformation": f"template{ext}", "kubernetes": f"manifest{ext}"}[case.platform]


def stage(concepts: list[Concept], root: Path) -> dict[str, Path]:
    """Copy every case into root/<platform>/<case key>/<file>; returns platform -> directory."""
    dirs: dict[str, Path] = {}
    for c in concepts:
        for case in c.cases:
            d = root / case.platform / case.key
            d.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(case.path, d / _staged_name(case))
            dirs[case.platform] = root / case.platform
    return dirs


def _descendants(root_pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: set[int] = set()
    stack = [root_pid]
    while stack:
        for kid in children.get(stack.pop(), []):
            if kid not in out:
                out.add(kid)
                stack.append(kid)
    return out


def run_measured(cmd: list[str], cwd: Path) -> tuple[str, str, int, float, int]:
    """(stdout, stderr, exit code, wall seconds, distinct descendant processes seen)."""
    seen: set[int] = set()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                seen.update(_descendants(proc.pid))
                done.wait(0.01)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        t.join()
        out.seek(0)
        err.seek(0)
        return out.read().decode(errors="replace"), err.read().decode(errors="replace"), rc, wall, len(seen)


def _case_key(file_path: str, platform_dir: Path) -> str | None:
    p = Path(file_path)
    try:
        rel = p.relative_to(platform_dir) if p.is_absolute() else Path(str(p).lstrip("/"))
    except ValueError:
        return None
    return rel.parts[0] if len(rel.parts) > 1 else None


def run_policyguard(exe: list[str], platform_dir: Path) -> ToolRun:
    stdout, stderr, rc, wall, kids = run_measured(
        [*exe, "scan", str(platform_dir), "-f", "json", "--profile", "strict"], cwd=REPO
    )
    run = ToolRun(wall_s=wall, child_processes=kids, exit_code=rc)
    try:
        doc = json.loads(stdout)
    except json.JSONDecodeError:
        run.errors.append(f"policyguard exit {rc}, no JSON report: {stderr.strip()[-500:]}")
        return run
    for f in doc["findings"]:
        key = _case_key(str(platform_dir / f["location"]["file"]), platform_dir) or _case_key(
            f["location"]["file"], platform_dir
        )
        if key is None:
            continue
        run.judged.add(key)
        if f["status"] == "fail":
            run.failed.setdefault(key, set()).add(f["rule_id"])
        elif f["status"] == "unknown":
            run.unknown.setdefault(key, set()).add(f["rule_id"])
        elif f["status"] == "error":
            run.errors.append(f"{key}: {f['rule_id']} error: {f['message']}")
    for e in doc["errors"]:
        run.errors.append(f"{e['file']}: {e.get('message', e)}")
    return run


def run_checkov(exe: str, platform: str, platform_dir: Path) -> ToolRun:
    cmd = [exe, "-d", str(platform_dir), "--framework", CHECKOV_FRAMEWORK[platform], "-o", "json",
           "--quiet", "--compact", "--skip-download"]
    stdout, stderr, rc, wall, kids = run_measured(cmd, cwd=platform_dir)
    run = ToolRun(wall_s=wall, child_processes=kids, exit_code=rc)
    try:
        doc: Any = json.loads(stdout)
    except json.JSONDecodeError:
        run.errors.append(f"checkov exit {rc}, no JSON: {stderr.strip()[-500:]}")
        return run
    reports = doc if isinstance(doc, list) else [doc]
    for rep in reports:
        for chk in rep.get("results", {}).get("failed_checks", []):
            key = _case_key(chk.get("file_abs_path") or chk["file_path"], platform_dir)
            if key is None:
                key = _case_key(chk["file_path"], platform_dir)
            if key is not None:
                run.failed.setdefault(key, set()).add(chk["check_id"])
    return run


@dataclass
class Score:
    bad: int = 0
    good: int = 0
    flagged_bad: int = 0
    flagged_good: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "bad": self.bad,
            "good": self.good,
            "recall": round(self.flagged_bad / self.bad, 4) if self.bad else None,
            "fp_rate": round(self.flagged_good / self.good, 4) if self.good else None,
            "misses": self.bad - self.flagged_bad,
            "false_positives": self.flagged_good,
        }


def score(concepts: list[Concept], tool: str, runs: dict[str, ToolRun]) -> dict[str, Any]:
    """Per-platform and overall scores, plus every miss and false positive with its case path."""
    per: dict[str, Score] = {}
    total = Score()
    misses, fps, unknowns, no_mapping = [], [], [], []
    for c in concepts:
        if c.platform not in runs:
            continue
        ids = set(c.policyguard if tool == "policyguard" else c.checkov)
        if not ids:
            no_mapping.append(f"{c.platform}/{c.id}")
        s = per.setdefault(c.platform, Score())
        run = runs[c.platform]
        for case in c.cases:
            flagged = bool(run.failed.get(case.key, set()) & ids)
            rel = f"{c.platform}/{c.id}/{case.name}"
            for sc in (s, total):
                if case.must_flag:
                    sc.bad += 1
                    sc.flagged_bad += flagged
                else:
                    sc.good += 1
                    sc.flagged_good += flagged
            if case.must_flag and not flagged:
                misses.append(rel)
            if not case.must_flag and flagged:
                fps.append(rel)
            if run.unknown.get(case.key, set()) & ids:
                unknowns.append(rel)
    return {
        "platforms": {p: s.to_dict() for p, s in per.items()},
        "overall": total.to_dict(),
        "misses": misses,
        "false_positives": fps,
        "unknown": unknowns,
        "concepts_without_mapping": no_mapping,
        "wall_s": {p: round(r.wall_s, 2) for p, r in runs.items()},
        "child_processes": {p: r.child_processes for p, r in runs.items()},
        "errors": [e for r in runs.values() for e in r.errors],
    }


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def table(result: dict[str, Any]) -> str:
    tools = [t for t in ("policyguard", "checkov") if t in result["tools"]]
    head = "| platform | concepts | bad | good |" + "".join(
        f" {t} recall | {t} FP rate |" for t in tools
    )
    lines = [head, "|" + "---|" * (4 + 2 * len(tools))]
    rows = [*result["platforms"], "overall"]
    for p in rows:
        first = result["tools"][tools[0]]
        s = first["overall"] if p == "overall" else first["platforms"][p]
        n = sum(result["concept_counts"].values()) if p == "overall" else result["concept_counts"][p]
        cells = [p, str(n), str(s["bad"]), str(s["good"])]
        for t in tools:
            ts = result["tools"][t]["overall"] if p == "overall" else result["tools"][t]["platforms"][p]
            cells += [_fmt(ts["recall"]), _fmt(ts["fp_rate"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout.strip() or out.stderr.strip()).splitlines()[-1] if (out.stdout or out.stderr) else "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkov", default="/tmp/venv-checkov/bin/checkov", help="Checkov executable")
    ap.add_argument("--policyguard", default=None, help="policyguard executable (default: this interpreter -m policyguard)")
    ap.add_argument("--only", default=",".join(PLATFORMS), help="comma-separated platforms")
    ap.add_argument("--json", default=str(HERE / "results.json"), help="where to write the JSON result")
    ap.add_argument("--keep", action="store_true", help="keep the staged case tree and print its path")
    args = ap.parse_args(argv)

    only = [p.strip() for p in args.only.split(",") if p.strip()]
    bad = [p for p in only if p not in PLATFORMS]
    if bad:
        print(f"unknown platform(s): {', '.join(bad)} (choose from {', '.join(PLATFORMS)})", file=sys.stderr)
        return 2
    concepts = [c for c in load_labels() if c.platform in only]
    pg_exe = [args.policyguard] if args.policyguard else [sys.executable, "-m", "policyguard"]
    checkov = shutil.which(args.checkov) or (args.checkov if os.access(args.checkov, os.X_OK) else None)
    if checkov is None:
        print(f"Checkov not found at {args.checkov}: scoring policyguard only", file=sys.stderr)

    tmp = Path(tempfile.mkdtemp(prefix="pg-accuracy-"))
    try:
        dirs = stage(concepts, tmp)
        pg_runs: dict[str, ToolRun] = {}
        ck_runs: dict[str, ToolRun] = {}
        for plat in only:
            if plat not in dirs:
                continue
            print(f"[{plat}] policyguard ...", file=sys.stderr, flush=True)
            pg_runs[plat] = run_policyguard(pg_exe, dirs[plat])
            if checkov:
                print(f"[{plat}] checkov ...", file=sys.stderr, flush=True)
                ck_runs[plat] = run_checkov(checkov, plat, dirs[plat])
        counts: dict[str, int] = {}
        for c in concepts:
            counts[c.platform] = counts.get(c.platform, 0) + 1
        result: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "versions": {"policyguard": tool_version([*pg_exe, "--version"])},
            "platforms": [p for p in only if p in dirs],
            "concept_counts": counts,
            "tools": {"policyguard": score(concepts, "policyguard", pg_runs)},
        }
        if checkov:
            result["versions"]["checkov"] = tool_version([checkov, "--version"])
            result["tools"]["checkov"] = score(concepts, "checkov", ck_runs)
    finally:
        if args.keep:
            print(f"staged cases kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    Path(args.json).write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    print(table(result))
    for tool, r in result["tools"].items():
        walls = ", ".join(f"{p} {r['wall_s'][p]} s / {r['child_processes'][p]} child processes" for p in r["wall_s"])
        print(f"\n{tool}: {walls}")
        for label in ("misses", "false_positives", "unknown", "concepts_without_mapping", "errors"):
            if r[label]:
                print(f"  {label} ({len(r[label])}):")
                for item in r[label]:
                    print(f"    {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
