#!/usr/bin/env python3
"""Interpreter cost of single Rego rules on real resources: each rule's `fail` and `unknown`
sets evaluated by regorus once per resource of its types, with the resource's scan unit as
`input.resources`, and the same for the rule file at another git revision (before/after a rule
change), so both sides see identical inputs.

usage: policyguard scan --parse-only ../shared/corpus > parsed.json
       python bench/rego_rule_cost.py parsed.json rules/aws/ec2/ssh_open_to_internet ... \
           [--rev 007e071] [--rounds 3]

Units are approximated as a Terraform module directory or a template/manifest file. Prints one
Markdown row per rule: resources judged, CPU microseconds per resource (best of --rounds) at the
working tree and at --rev, and the verdict counts of both (they differ only where the change
changed verdicts).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from policyguard.engine.rules import LIBRARY_FILES

REPO = Path(__file__).resolve().parent.parent
REGO = REPO / "policyguard" / "engine" / "rego"
LIBRARY = tuple(p.name for p in LIBRARY_FILES)


def _meta(source: str) -> tuple[str, dict[str, Any]]:
    package = next(ln.split()[1] for ln in source.splitlines() if ln.startswith("package "))
    block = []
    for ln in source.splitlines():
        if ln.startswith("package "):
            break
        if ln.startswith("# ") and not ln.startswith("# METADATA"):
            block.append(ln[2:])
        elif ln == "#":
            block.append("")
    return package, yaml.safe_load("\n".join(block)) or {}


def _applies(res: dict[str, Any], types: dict[str, list[str]]) -> bool:
    want = types.get(res["platform"], [])
    if "workload" in want and res.get("pod_spec_path") is not None:  # model.WORKLOAD_TYPE
        return True
    return "*" in want or res["type"] in want or any(res["type"].endswith("/" + t.split("/")[-1]) for t in want if "/" in t)


def _unit(res: dict[str, Any]) -> str:
    f = res.get("source", {}).get("file", "")
    return str(Path(f).parent) if res["source_format"] == "terraform" else f


def _git_show(rev: str, path: Path) -> str:
    rel = path.resolve().relative_to(REPO)
    return subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{rel}"], check=True,
                          capture_output=True, text=True).stdout


def _library(rev: str | None) -> dict[str, str]:
    """The library modules at the working tree or at rev (where a module did not exist yet: skipped)."""
    out = {}
    for name in LIBRARY:
        try:
            out[name] = (REGO / name).read_text() if rev is None else _git_show(rev, REGO / name)
        except (OSError, subprocess.CalledProcessError):
            continue
    return out


def _measure(lib: dict[str, str], source: str, resources: list[dict[str, Any]], units: dict[str, dict[str, Any]],
             rounds: int) -> tuple[float, dict[str, int]]:
    import regorus

    package, meta = _meta(source)
    types = meta["custom"]["resource_types"]
    todo = [r for r in resources if _applies(r, types)]
    kinds = [k for k in ("fail", "unknown") if f"\n{k} contains" in source]
    best = float("inf")
    counts: dict[str, int] = {}
    for _ in range(rounds):
        eng = regorus.Engine()
        for name, text in lib.items():
            eng.add_policy(name, text)
        eng.add_policy("rule.rego", source)
        counts = {"resources": len(todo), "fail": 0, "unknown": 0}
        spent = 0.0
        for r in todo:
            doc = json.dumps({"resource": r, "resources": units[_unit(r)]})
            eng.set_input_json(doc)
            t0 = time.process_time()
            for kind in kinds:
                vals = json.loads(eng.eval_rule_as_json(f"data.{package}.{kind}"))
                counts[kind] += len(vals)
            spent += time.process_time() - t0
        best = min(best, spent)
    return best / max(1, len(todo)) * 1e6, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("parsed", type=Path, help="output of `policyguard scan --parse-only`")
    ap.add_argument("rules", nargs="+", type=Path, help="rule directories")
    ap.add_argument("--rev", default=None, help="git revision to compare with (rule file and the Rego library)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    resources = json.loads(args.parsed.read_text())["resources"]
    from policyguard.model import get_path, parse_path

    for r in resources:
        r.pop("attribute_spans", None)
        # the envelope's pod_spec (evaluator.envelope): what `workload` rules judge
        if r.get("pod_spec_path"):
            spec = get_path(r["attributes"], parse_path(r["pod_spec_path"]))
            r["pod_spec"] = spec if isinstance(spec, dict) else None
    units: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in resources:
        units[_unit(r)][r["id"]] = r
    print("| rule | resources | us/resource now | fail/unknown now |"
          + (f" us/resource at {args.rev} | fail/unknown at {args.rev} |" if args.rev else ""))
    for d in args.rules:
        now_us, now = _measure(_library(None), (d / "rule.rego").read_text(), resources, units, args.rounds)
        row = f"| {d.name} | {now['resources']} | {now_us:.0f} | {now['fail']}/{now['unknown']} |"
        if args.rev:
            old_us, old = _measure(_library(args.rev), _git_show(args.rev, d / "rule.rego"),
                                   resources, units, args.rounds)
            row += f" {old_us:.0f} | {old['fail']}/{old['unknown']} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
