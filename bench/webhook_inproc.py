"""CPU per admission review inside one worker, without HTTP or TLS: the ASGI app called directly
(body -> parse -> judge on the compiled VM -> decision -> response bytes), single-threaded.

Load tests on a shared machine swing by 20-30% between runs; this isolates the application's
own cost so two versions can be compared side by side (run each a few times, interleaved):

    python bench/webhook_inproc.py                 # Pod CREATE reviews, the Kubernetes pack
    python bench/webhook_inproc.py --profile       # + the top functions by own time (cProfile)
    python bench/webhook_inproc.py --secrets       # the Kubernetes pack plus the secrets family
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from webhook_load import pod_review  # noqa: E402


def build_app(secrets: bool = False) -> Any:
    from policyguard.options import RuleOptions, ScanOptions
    from policyguard.webhook.app import WebhookApp
    from policyguard.webhook.config import WebhookConfig
    from policyguard.webhook.watchdog import Slots

    dirs = [str(REPO / "rules" / "kubernetes")] + ([str(REPO / "rules" / "secrets")] if secrets else [])
    options = ScanOptions(rules=RuleOptions(rule_dirs=dirs, builtin_rules=False))
    cfg = WebhookConfig(evaluation="inline")  # no thread hand-off: the app's own work only
    # a supervised worker (as `serve` runs it): the compiled VM, no Python-rule trace
    return WebhookApp(cfg, options, heartbeat=Slots(1).heartbeat(0))


async def run(n: int, rounds: int, profile: bool, secrets: bool = False) -> list[float]:
    app = build_app(secrets)
    await app.evaluator.start()
    assert app.evaluator.ready, app.evaluator.error
    bodies = [json.dumps(pod_review(str(i), i % 2 == 0)).encode() for i in range(16)]
    out: list[bytes] = []

    async def one(body: bytes) -> None:
        scope = {"type": "http", "path": "/validate", "method": "POST", "query_string": b"timeout=10s",
                 "headers": [(b"content-length", str(len(body)).encode())]}
        msgs = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return msgs.pop()

        async def send(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.body":
                out.append(msg["body"])

        await app(scope, receive, send)

    for b in bodies:  # warm up; every answer must be a verdict, not an error
        await one(b)
    verdicts = [json.loads(x)["response"]["allowed"] for x in out]
    assert verdicts.count(True) == 8 and verdicts.count(False) == 8, verdicts
    times = []
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    for _ in range(rounds):
        t0 = time.process_time()
        for i in range(n):
            await one(bodies[i % 16])
        times.append((time.process_time() - t0) / n * 1e6)
        out.clear()
    if prof is not None:
        import pstats

        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    app.evaluator.shutdown()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="reviews per round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--secrets", action="store_true", help="also load rules/secrets")
    args = ap.parse_args()
    times = asyncio.run(run(args.n, args.rounds, args.profile, args.secrets))
    print(f"CPU per review: median {statistics.median(times):.1f} us (min {min(times):.1f}, max {max(times):.1f}; "
          f"{args.rounds} rounds of {args.n})")


if __name__ == "__main__":
    main()
