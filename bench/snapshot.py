#!/usr/bin/env python3
"""Prove a change leaves every output the same: snapshot what a `policyguard` executable writes
for a set of paths, then compare two snapshots byte by byte.

    python bench/snapshot.py take OUT [PATHS ...] [--policyguard EXE] [--profile baseline]
    python bench/snapshot.py compare OLD NEW

`take` runs, over PATHS (default ../shared/corpus), `scan -f json` and `scan -f sarif` (findings,
fingerprints, verdicts, SARIF results and fixes) and `fix -f diff --unsafe` and `fix -f jsonpatch --unsafe`
(every fix diff, behaviour-changing ones included), each under the given profile, and writes
their outputs, standard error and exit codes into OUT. The
only rewriting is of the checkout's own absolute path (rule `source` fields name rule files),
so two checkouts of different revisions compare equal when they behave the same. `compare`
exits 0 when every file is identical, else 1 after printing the first differing line of each.

Redesigns (issue 13) run it with the old revision's executable and the new one:
    python bench/snapshot.py take /tmp/old ../shared/corpus --policyguard /tmp/venv-old/bin/policyguard
    python bench/snapshot.py take /tmp/new ../shared/corpus
    python bench/snapshot.py compare /tmp/old /tmp/new
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = {
    "scan.json": ["scan", "-f", "json", "-o", "{out}"],
    "scan.sarif": ["scan", "-f", "sarif", "-o", "{out}"],
    "fix.diff": ["fix", "-f", "diff", "--unsafe"],
    "fix.jsonpatch": ["fix", "-f", "jsonpatch", "--unsafe"],
}


def _checkout_of(exe: str) -> str:
    """The source tree an executable's policyguard package comes from (an editable install)."""
    code = "import pathlib, policyguard; print(pathlib.Path(policyguard.__file__).resolve().parent.parent)"
    python = Path(exe).with_name("python")
    # from "/": with the current directory first on sys.path, a checkout there would shadow it
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return done.stdout.strip()


def take(out: Path, exe: str, profile: str, paths: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = _checkout_of(exe)
    codes = {}
    for name, args in RUNS.items():
        target = out / name
        argv = [exe, *[a.format(out=target) for a in args], "--profile", profile, *paths]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        if "{out}" not in args:
            target.write_text(done.stdout)
        codes[name] = done.returncode
        (out / f"{name}.stderr").write_text(done.stderr)
        for f in (target, out / f"{name}.stderr"):
            text = f.read_text() if f.exists() else ""
            f.write_text(text.replace(root + "/", "<checkout>/").replace(json.dumps(root)[1:-1], "<checkout>"))
    (out / "exit_codes.json").write_text(json.dumps(codes, indent=2, sort_keys=True) + "\n")
    print(f"{out}: {', '.join(f'{k} exit {v}' for k, v in codes.items())}")


def compare(old: Path, new: Path) -> int:
    names = sorted({p.name for p in old.iterdir()} | {p.name for p in new.iterdir()})
    bad = 0
    for name in names:
        a, b = old / name, new / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'new' if not a.exists() else 'old'}")
            bad += 1
            continue
        if a.read_bytes() == b.read_bytes():
            print(f"{name}: identical ({a.stat().st_size} bytes)")
            continue
        bad += 1
        print(f"{name}: DIFFERS")
        for line in _first_differences(a.read_text().splitlines(), b.read_text().splitlines(), str(a), str(b)):
            print("    " + line[:300])
    return 1 if bad else 0


def _first_differences(x: list[str], y: list[str], a: str, b: str, most: int = 8) -> list[str]:
    """The first differing lines, as a unified diff of small files; for big ones (a whole
    corpus's SARIF) the first lines that differ at the same position, found in linear time
    (difflib's matching is quadratic there and ran for the best part of an hour)."""
    if len(x) + len(y) <= 20_000:
        return list(difflib.unified_diff(x, y, a, b, n=0, lineterm=""))[:most]
    out = [f"--- {a}", f"+++ {b}"]
    for i, (p, q) in enumerate(zip(x, y, strict=False)):
        if p != q:
            out += [f"@@ line {i + 1} @@", f"-{p}", f"+{q}"]
            if len(out) >= most:
                break
    if len(x) != len(y):
        out.append(f"(old has {len(x)} lines, new {len(y)})")
    return out[: most + 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("take")
    t.add_argument("out", type=Path)
    t.add_argument("paths", nargs="*", default=[str(REPO.parent / "shared" / "corpus")])
    t.add_argument("--policyguard", default=shutil.which("policyguard") or "policyguard")
    t.add_argument("--profile", default="strict", choices=["baseline", "strict"])
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "take":
        take(args.out, args.policyguard, args.profile, args.paths)
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
