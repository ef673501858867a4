"""Prometheus text-format metrics, written by hand (no client library on the hot path).

Each worker process counts in memory. With several workers, every worker writes a JSON
snapshot of its counters to a shared directory (atomically, at most every
``flush_interval`` seconds and whenever it serves ``/metrics``); the worker that serves
``/metrics`` sums all snapshots, so a scrape sees the whole pod (other workers' figures are
at most ``flush_interval`` old).
"""

from __future__ import annotations

import json
import os
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_HELP = {
    "policyguard_webhook_requests_total": ("counter", "HTTP requests by endpoint and status code."),
    "policyguard_webhook_decisions_total": ("counter", "Admission decisions by endpoint and outcome."),
    "policyguard_webhook_rule_findings_total": ("counter", "Failing rules on admitted/denied objects by rule and enforcement outcome."),
    "policyguard_webhook_evaluation_errors_total": ("counter", "Evaluations that hit the deadline, an internal error or a rule error."),
    "policyguard_webhook_interpreter_fallbacks_total": ("counter", "Compiled-VM Rego executions re-run on the interpreter (instruction limit, VM error)."),
    "policyguard_webhook_tls_reloads_total": ("counter", "Serving certificate reloads by result."),
    "policyguard_webhook_excepted_total": ("counter", "Failing findings a PolicyException excused."),
    "policyguard_webhook_request_duration_seconds": ("histogram", "Time from request start to response for admission endpoints."),
}


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    esc = (v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') for _, v in pairs)
    return "{" + ",".join(f'{k}="{v}"' for (k, _), v in zip(pairs, esc, strict=True)) + "}"


class Metrics:
    def __init__(self, directory: str | None = None, worker: int = 0, flush_interval: float = 1.0) -> None:
        self.counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        # histogram: (name, labels) -> [bucket counts..., +Inf count, sum]
        self.histograms: dict[tuple[str, tuple[tuple[str, str], ...]], list[float]] = {}
        self.directory = Path(directory) if directory else None
        self.worker = worker
        self.flush_interval = flush_interval
        self._last_flush = 0.0

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        self.counters[key] = self.counters.get(key, 0.0) + value

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        h = self.histograms.get(key)
        if h is None:
            h = self.histograms[key] = [0.0] * (len(BUCKETS) + 2)
        h[bisect_left(BUCKETS, seconds)] += 1  # count in its own bucket; cumulated on render
        h[-1] += seconds

    # ------------------------------------------------------------------ multi-process
    def snapshot(self) -> dict[str, Any]:
        return {
            "c": [[n, list(map(list, lb)), v] for (n, lb), v in self.counters.items()],
            "h": [[n, list(map(list, lb)), v] for (n, lb), v in self.histograms.items()],
        }

    def maybe_flush(self, force: bool = False) -> None:
        if self.directory is None:
            return
        now = time.monotonic()
        if not force and now - self._last_flush < self.flush_interval:
            return
        self._last_flush = now
        tmp = self.directory / f".w{self.worker}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(self.snapshot()), encoding="utf-8")
            os.replace(tmp, self.directory / f"w{self.worker}.json")
        except OSError:
            pass  # metrics must never break admission

    def _merged(self) -> tuple[dict[Any, float], dict[Any, list[float]]]:
        if self.directory is None:
            return dict(self.counters), {k: list(v) for k, v in self.histograms.items()}
        self.maybe_flush(force=True)
        counters: dict[Any, float] = {}
        hists: dict[Any, list[float]] = {}
        for p in sorted(self.directory.glob("w*.json")):
            try:
                snap = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for n, lb, v in snap.get("c", []):
                key = (n, tuple(tuple(x) for x in lb))
                counters[key] = counters.get(key, 0.0) + v
            for n, lb, v in snap.get("h", []):
                key = (n, tuple(tuple(x) for x in lb))
                cur = hists.setdefault(key, [0.0] * len(v))
                for i, x in enumerate(v):
                    cur[i] += x
        return counters, hists

    def render(self, extra_gauges: dict[str, float] | None = None) -> str:
        counters, hists = self._merged()
        lines: list[str] = []
        names = sorted({n for n, _ in counters} | {n for n, _ in hists})
        for name in names:
            typ, help_ = _HELP.get(name, ("counter", name))
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {typ}")
            if typ == "histogram":
                for (n, lb), h in sorted(hists.items()):
                    if n != name:
                        continue
                    cum = 0.0
                    for i, b in enumerate(BUCKETS):
                        cum += h[i]
                        lines.append(f"{name}_bucket{_labels(lb + (('le', repr(b)),))} {int(cum)}")
                    cum += h[len(BUCKETS)]
                    lines.append(f"{name}_bucket{_labels(lb + (('le', '+Inf'),))} {int(cum)}")
                    lines.append(f"{name}_sum{_labels(lb)} {h[-1]:.6f}")
                    lines.append(f"{name}_count{_labels(lb)} {int(cum)}")
            else:
                for (n, lb), v in sorted(counters.items()):
                    if n == name:
                        lines.append(f"{name}{_labels(lb)} {int(v) if v == int(v) else v}")
        for name, value in (extra_gauges or {}).items():
            lines.append(f"# TYPE {name} gauge")
            lines.append(f"{name} {value}")
        return "\n".join(lines) + "\n"
