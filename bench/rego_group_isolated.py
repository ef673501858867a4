#!/usr/bin/env python3
"""Interpreter cost of one rule group on its own: the given rules evaluated together for each
resource of their types through a driver shaped like the real one (one `with input.resource`
scope per resource, the resource's scan unit as `input.resources`), at the working tree and at
another git revision, with both sides' results compared.

usage: policyguard scan --parse-only ../shared/corpus > parsed.json
       python bench/rego_group_isolated.py parsed.json rules/aws/ec2/ssh_open_to_internet ... \
           [--rev 0d8b24c] [--rounds 3]

Complements ``rego_group_cost.py``: that one times the real evaluator, whose one batch call per
unit judges every group of the unit, and charges each group an equal share of the call, so a
cheap group that shares units with costly ones reads costly. Here only the named rules run.
Prints CPU microseconds per resource (best of --rounds) and the fail/unknown counts; with --rev,
whether every resource's results are identical.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import rego_rule_cost as rc


def _driver(packages: list[tuple[str, bool]]) -> str:
    # one member a line: regorus refuses lines over 1024 columns (eight NSG rules make one)
    members = ",\n\t".join(
        f'"{p}": {{"fail": data.{p}.fail' + (f', "unknown": data.{p}.unknown' if unknown else "") + "}"
        for p, unknown in packages
    )
    return "\n".join([
        "package bench_group",
        "import rego.v1",
        f"group := {{\n\t{members},\n}}",
        "batch := [r | some b in input.batch; res := input.resources[b.id]; o := group with input.resource as res; "
        'r := {"id": b.id, "out": o}]',
        "",
    ])


def _measure(lib: dict[str, str], sources: list[str], resources: list[dict[str, Any]],
             units: dict[str, dict[str, Any]], rounds: int) -> tuple[float, int, dict[str, Any]]:
    import regorus

    packages = []
    types = []
    for source in sources:
        package, meta = rc._meta(source)  # noqa: SLF001 - a sibling measuring tool
        packages.append((package, "\nunknown contains" in source))
        types.append(meta["custom"]["resource_types"])
    eng = regorus.Engine()
    for name, text in lib.items():
        eng.add_policy(name, text)
    for i, source in enumerate(sources):
        eng.add_policy(f"rule{i}.rego", source)
    eng.add_policy("bench_group.rego", _driver(packages))
    # units are approximated (rego_rule_cost._unit): an id repeated within one is judged once
    todo: dict[str, dict[str, None]] = defaultdict(dict)
    for r in resources:
        if any(rc._applies(r, t) for t in types):  # noqa: SLF001
            todo[rc._unit(r)][r["id"]] = None  # noqa: SLF001
    docs = [(u, json.dumps({"resources": units[u], "batch": [{"id": i} for i in ids]})) for u, ids in todo.items()]
    best = float("inf")
    results: dict[str, Any] = {}
    for _ in range(rounds):
        spent = 0.0
        for unit, doc in docs:
            eng.set_input_json(doc)
            t0 = time.process_time()
            out = eng.eval_rule_as_json("data.bench_group.batch")
            spent += time.process_time() - t0
            for item in json.loads(out):
                results[f"{unit}::{item['id']}"] = item["out"]
        best = min(best, spent)
    n = sum(len(ids) for ids in todo.values())
    return best / max(1, n) * 1e6, n, results


def _counts(results: dict[str, Any]) -> str:
    fail = sum(len(o.get("fail", [])) for by_rule in results.values() for o in by_rule.values())
    unknown = sum(len(o.get("unknown", [])) for by_rule in results.values() for o in by_rule.values())
    return f"{fail}/{unknown}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("parsed", type=Path, help="output of `policyguard scan --parse-only`")
    ap.add_argument("rules", nargs="+", type=Path, help="rule directories (one group)")
    ap.add_argument("--rev", default=None, help="git revision to compare with (rule files and the Rego library)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    resources = json.loads(args.parsed.read_text())["resources"]
    for r in resources:
        r.pop("attribute_spans", None)
        # as the evaluator hands them to Rego (engine.evaluator): the referring resource as "source"
        r["referenced_by"] = [{**ref, "source": ref["target"]} for ref in r.get("referenced_by", [])]
    units: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in resources:
        units[rc._unit(r)][r["id"]] = r  # noqa: SLF001
    now_us, n, now = _measure(rc._library(None), [(d / "rule.rego").read_text() for d in args.rules],  # noqa: SLF001
                              resources, units, args.rounds)
    print("| resources | us/resource now | fail/unknown now |" + (f" us/resource at {args.rev} | fail/unknown at {args.rev} | identical |" if args.rev else ""))
    row = f"| {n} | {now_us:.0f} | {_counts(now)} |"
    if args.rev:
        old_us, _, old = _measure(rc._library(args.rev), [rc._git_show(args.rev, d / "rule.rego") for d in args.rules],  # noqa: SLF001
                                  resources, units, args.rounds)
        row += f" {old_us:.0f} | {_counts(old)} | {'yes' if now == old else 'NO'} |"
    print(row)


if __name__ == "__main__":
    main()
