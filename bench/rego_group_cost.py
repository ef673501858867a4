#!/usr/bin/env python3
"""Where a scan's Rego time goes: the real evaluator (driver, groups, ``with`` per resource) over
the given paths in one process, timing each batch call and charging it to its rule group (the
rules that apply to one resource type). Complements ``rego_rule_cost.py``, which times rules one
by one and so cannot see what rules of one group share (library packages evaluated once per
resource).

usage: python bench/rego_group_cost.py ../shared/corpus [--profile strict] [--top 20]

Prints the total Rego seconds and, per group: seconds, resources, microseconds per resource, its
rule ids and a few of the resource types it judges.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from typing import Any


def print_groups(ev: Any, spent: dict[str, float], judged: Counter[str], top: int) -> None:
    """The table of the ``top`` groups by time: seconds, resources, us per resource, rules, types."""
    types: dict[str, list[str]] = defaultdict(list)
    if ev is not None:
        for (platform, rtype, _wl), g in ev._group_of.items():  # noqa: SLF001 - a measuring tool
            if f"{platform}:{rtype}" not in types[g]:
                types[g].append(f"{platform}:{rtype}")
    print("| s | resources | us/resource | rules | types |")
    for g, s in sorted(spent.items(), key=lambda x: -x[1])[:top]:
        rules = ev._groups.get(g, []) if ev is not None else []  # noqa: SLF001
        n = max(1, judged[g])
        print(f"| {s:.2f} | {judged[g]} | {s / n * 1e6:.0f} | {', '.join(rules)} | {', '.join(types[g][:4])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--profile", default="baseline", choices=["baseline", "strict"])
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()

    from policyguard import scan as scan_mod
    from policyguard.engine import evaluator as ev_mod

    spent: dict[str, float] = defaultdict(float)
    judged: Counter[str] = Counter()
    made: list[Any] = []
    run_batch = ev_mod.Evaluator._run_batch
    init = ev_mod.Evaluator.__init__

    def timed(self: Any, batch: Any, envs: Any, raw: Any, timeout: float, groups: Any = None) -> None:
        t0 = time.perf_counter()
        try:
            run_batch(self, batch, envs, raw, timeout, groups)
        finally:
            names = groups or ["(ungrouped)"]
            for g in names:
                spent[g] += (time.perf_counter() - t0) / len(names)
                judged[g] += sum(1 for b in batch if b.get("group", g) == g)

    def remember(self: Any, *a: Any, **k: Any) -> None:
        init(self, *a, **k)
        made.append(self)

    ev_mod.Evaluator._run_batch = timed  # type: ignore[method-assign]
    ev_mod.Evaluator.__init__ = remember  # type: ignore[method-assign]
    t0 = time.perf_counter()
    scan_mod.scan(scan_mod.ScanOptions(read=scan_mod.ReadOptions(paths=args.paths), rules=scan_mod.RuleOptions(profile=args.profile), evaluation=scan_mod.EvalOptions(jobs=1)))
    print(f"scan {time.perf_counter() - t0:.2f} s, Rego {sum(spent.values()):.2f} s")
    print_groups(made[-1] if made else None, spent, judged, args.top)

if __name__ == "__main__":
    main()
