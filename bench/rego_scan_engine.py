#!/usr/bin/env python3
"""Rego cost per resource on the scan's two engines (issue 16): the regorus interpreter judging
a unit's resources of one rule group in one ``batch_<group>`` call, and the compiled VM judging
one resource per execution (engine/rego/compiled.py), both in this process (no helper), over
the same parsed units, group by group. Also what the VM's programs cost to compile (cold) and
to read back from the program cache (warm).

usage: python bench/rego_scan_engine.py ../shared/corpus/terraform [--profile strict] [--top 8]

Prints, per folder: resources judged, CPU seconds and microseconds per resource on each engine,
the VM's speed-up, its programs compiled / loaded and their seconds; then the groups with the
most interpreter time, each with both costs (the choice per group type: whichever is faster).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def _units(paths: list[str], options: Any) -> list[list[Any]]:
    from policyguard.discover import discover
    from policyguard.parsers import parse_unit
    from policyguard.scan import link_references

    out = []
    for unit in discover([Path(p) for p in paths], excludes=[]).units:
        result = parse_unit(unit, var_files=[], variables={})
        link_references(result.resources)
        if result.resources:
            out.append(result.resources)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--profile", default="baseline", choices=["baseline", "strict"])
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()
    os.environ["POLICYGUARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="pg-rvm-bench-")  # a cold cache

    from policyguard import engine
    from policyguard.engine.evaluator import EvalMode, envelope
    from policyguard.engine.rego.compiled import CompiledRegorusBackend, ProgramCache, program_cache
    from policyguard.engine.rego.embedded import RegorusBackend
    from policyguard.jsonfast import dumps
    from policyguard.options import RuleOptions, ScanOptions

    options = ScanOptions(rules=RuleOptions(profile=args.profile))
    ruleset = engine.load_ruleset(options.rules, options.evaluation)
    ev = engine.make_evaluator(ruleset, options.evaluation, EvalMode(rego_guard=False, rego_compiled=False))
    policy = ev.policy()
    units = _units(args.paths, options)
    interp = RegorusBackend(policy)
    cache = program_cache()
    vm = CompiledRegorusBackend(policy, interpreter=interp, cache=cache)

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # group -> [interpreter, vm] CPU s
    judged: Counter[str] = Counter()
    compile_s = 0.0
    for resources in units:
        envs = {r.id: envelope(r) for r in resources}
        by_group: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in resources:
            g = ev.group_for(r)
            if g is not None and any(m.id in ruleset.rego for m in ev.applicable(r)):
                by_group[g].append({"id": r.id, "group": g})
        for g, items in by_group.items():
            doc: dict[str, Any] = {"resources": envs, "batch": items}
            if ev._rego_params:  # noqa: SLF001 - a measuring tool
                doc["rule_params"] = ev._rego_params  # noqa: SLF001
            text = dumps(doc)
            interp.eval_batch(doc, text, 60.0, [g])  # warm: engines built, modules prepared
            t0 = time.process_time()
            vm.prepare([g])
            compile_s += time.process_time() - t0
            vm.eval_batch(doc, "", 60.0, [g])  # warm: this thread's VM
            t0 = time.process_time()
            interp.eval_batch(doc, dumps(doc), 60.0, [g])
            t1 = time.process_time()
            vm.eval_batch(doc, "", 60.0, [g])
            t2 = time.process_time()
            spent[g][0] += t1 - t0
            spent[g][1] += t2 - t1
            judged[g] += len(items)
    n = sum(judged.values())
    a = sum(s[0] for s in spent.values())
    b = sum(s[1] for s in spent.values())
    # warm: a new backend reading every program this run compiled back from the cache
    assert cache is not None
    warm = CompiledRegorusBackend(policy, interpreter=interp, cache=ProgramCache(cache.directory))
    t0 = time.process_time()
    warm.prepare(sorted(judged))
    for g in sorted(judged):
        plan = warm._plan(g)  # noqa: SLF001
        if plan.why is None:
            warm._vm(g, plan)  # noqa: SLF001 - deserialize + load, as a scan's first use does
    load_s = time.process_time() - t0
    print(f"{' '.join(args.paths)} ({args.profile}): {len(units)} units, {n} resources judged, {len(judged)} groups, "
          f"{len(vm.interpreted)} on the interpreter, VM fallbacks {vm.fallbacks}")
    print(f"  interpreter (batch per group): {a:.2f} s CPU, {a / max(1, n) * 1e6:.0f} us/resource")
    print(f"  compiled VM (one per execution): {b:.2f} s CPU, {b / max(1, n) * 1e6:.0f} us/resource, {a / max(b, 1e-9):.1f}x")
    print(f"  programs: cold {vm.compiled} compiled in {compile_s:.2f} s CPU; warm {warm.loaded} loaded, {warm.compiled} compiled, {load_s:.2f} s CPU")
    print("| group | resources | interpreter us/res | VM us/res | faster |")
    for g, (x, y) in sorted(spent.items(), key=lambda kv: -kv[1][0])[:args.top]:
        k = max(1, judged[g])
        where = "interp" if g in vm.interpreted else ("VM" if y < x else "interpreter")
        print(f"| {g} | {judged[g]} | {x / k * 1e6:.0f} | {y / k * 1e6:.0f} | {where} |")


if __name__ == "__main__":
    main()
