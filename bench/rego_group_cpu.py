#!/usr/bin/env python3
"""CPU of each Rego rule group alone, in a real scan: regorus in-process (no guard helper), each
group's ``batch_<group>`` evaluated by itself and timed with ``time.process_time``.

``rego_group_cost.py`` times whole batch calls (JSON encoding, the helper's pipe, the engine's
preparation after lazily added modules) and splits each call evenly over the groups of the
unit, so a cheap group that shares templates with an expensive one looks expensive, and wall
time moves with the load of a shared machine. This one charges a group only its own evaluation
(CPU time, so a busy machine changes it less); the first evaluation after modules were added
still carries the engine's preparation (``--warm`` evaluates each group twice and keeps the
second, which leaves it out).

usage: python bench/rego_group_cpu.py ../shared/corpus [--profile strict] [--top 20] [--warm]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter, defaultdict
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--profile", default="baseline", choices=["baseline", "strict"])
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--warm", action="store_true", help="time a second evaluation of each group")
    args = ap.parse_args()
    os.environ["POLICYGUARD_REGO_GUARD"] = "0"  # in-process: process_time sees the evaluation

    from policyguard import scan as scan_mod
    from policyguard.engine import evaluator as ev_mod
    from policyguard.engine.rego import backends
    from policyguard.engine.rego.driver import group_path

    spent: dict[str, float] = defaultdict(float)
    judged: Counter[str] = Counter()
    items: Counter[str] = Counter()
    made: list[Any] = []
    eval_raw = backends.RegorusBackend.eval_raw
    run_batch = ev_mod.Evaluator._run_batch

    def timed_eval(self: Any, input_json: str, groups: list[str] | None = None) -> str:
        if groups:
            eng = self._engine(self._units(input_json, groups))  # noqa: SLF001 - a measuring tool
            eng.set_input_json(input_json)
            for g in groups:
                rule = "data." + group_path(g).replace("/", ".")
                for _ in range(2 if args.warm else 1):
                    t0 = time.process_time()
                    eng.eval_rule_as_json(rule)
                    dt = time.process_time() - t0
                spent[g] += dt
                judged[g] += items[g]
        return eval_raw(self, input_json, groups)

    def counted(self: Any, batch: Any, envs: Any, raw: Any, timeout: float, groups: Any = None) -> None:
        if not made or made[-1] is not self:
            made.append(self)
        items.clear()
        items.update(b.get("group") for b in batch)
        run_batch(self, batch, envs, raw, timeout, groups)

    backends.RegorusBackend.eval_raw = timed_eval  # type: ignore[method-assign]
    ev_mod.Evaluator._run_batch = counted  # type: ignore[method-assign]
    t0 = time.perf_counter()
    scan_mod.scan(scan_mod.ScanOptions(read=scan_mod.ReadOptions(paths=args.paths), rules=scan_mod.RuleOptions(profile=args.profile), evaluation=scan_mod.EvalOptions(jobs=1)))
    print(f"scan {time.perf_counter() - t0:.2f} s, Rego group CPU {sum(spent.values()):.2f} s")
    from rego_group_cost import print_groups

    print_groups(made[-1] if made else None, spent, judged, args.top)

if __name__ == "__main__":
    main()
