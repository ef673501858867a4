"""End-to-end admission latency through a real kube-apiserver (BENCHMARKS.md "Through a real
apiserver").

Starts the e2e control plane (tests/e2e/cluster.py: etcd + kube-apiserver v1.37.2 built by
e2e/build.sh) and `policyguard serve` with the whole Kubernetes pack (--profile strict), then
creates Pods through the API - raw HTTPS POSTs with the admin client certificate, as many
concurrent clients as asked - and times each whole request (apiserver + webhook + storage). Each
concurrency runs twice: with no webhook registered (the apiserver's own floor) and with the
validating and mutating webhooks registered by `policyguard webhook manifests --url`. Every
phase writes into a fresh namespace; the Pods pass the pack, so the timed path is admission
followed by a write to etcd (a denied Pod would skip the write and look cheaper).

  python bench/webhook_e2e_load.py --concurrency 10,50,200 --requests 1500 --json out.json

The admin user is in system:masters, which API Priority and Fairness exempts: no apiserver-side
queueing shapes the figures. The load generator, apiserver, etcd and webhook share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tests"))

DIGEST = "sha256:" + "0123456789abcdef" * 4


def pod_body(name: str, namespace: str) -> bytes:
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "bench"}},
        "spec": {
            "serviceAccountName": "bench",
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": f"registry.example/app@{DIGEST}",
                "securityContext": {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
            }],
        },
    }).encode()


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


async def phase(server: str, ctx: ssl.SSLContext, namespace: str, concurrency: int, total: int) -> dict[str, Any]:
    import aiohttp

    url = f"{server}/api/v1/namespaces/{namespace}/pods"
    lat: list[float] = []
    codes: dict[int, int] = {}
    counter = iter(range(total))
    conn = aiohttp.TCPConnector(ssl=ctx, limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=conn, headers={"Content-Type": "application/json"}) as session:

        async def client() -> None:
            for i in counter:
                body = pod_body(f"p-{i}", namespace)
                t0 = time.perf_counter()
                async with session.post(url, data=body) as resp:
                    await resp.read()
                    lat.append(time.perf_counter() - t0)
                    codes[resp.status] = codes.get(resp.status, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    ms = [x * 1000 for x in lat]
    return {"concurrency": concurrency, "requests": len(ms), "codes": codes, "rps": round(len(ms) / wall, 1),
            "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1), "p99_ms": round(pct(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1)}


def kubectl_ns(cluster: Any, name: str) -> None:
    cluster.kubectl("create", "namespace", name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", default="10,50,200")
    ap.add_argument("--requests", type=int, default=1500, help="Pods per phase")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2, help="webhook worker processes")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]

    from cluster import running_cluster
    from webhook_support import start_server

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="pg-e2e-bench-") as tmp, running_cluster(Path(tmp) / "cluster") as c:
        ctx = c.ssl_context()
        srv = start_server(Path(tmp), "--rules", str(REPO / "rules" / "kubernetes"), "--no-builtin-rules",
                           "--profile", "strict", workers=args.workers)
        try:
            gen = subprocess.run([sys.executable, "-m", "policyguard", "webhook", "manifests", "--url",
                                  f"https://127.0.0.1:{srv.port}", "--ca-bundle", str(srv.ca)],
                                 capture_output=True, text=True, check=True)
            n = 0
            for registered in (False, True):
                if registered:
                    c.kubectl("apply", "-f", "-", input=gen.stdout)
                    time.sleep(3)  # the apiserver's informer picks the configurations up
                for level in levels:
                    n += 1
                    ns = f"bench-{n}"
                    kubectl_ns(c, ns)
                    asyncio.run(phase(c.server, ctx, ns, level, min(args.warmup, args.requests)))  # warm-up, discarded
                    n += 1
                    ns = f"bench-{n}"
                    kubectl_ns(c, ns)
                    r = asyncio.run(phase(c.server, ctx, ns, level, args.requests))
                    r["webhook"] = registered
                    results.append(r)
                    print(json.dumps(r), flush=True)
                    bad = {k: v for k, v in r["codes"].items() if k != 201}
                    if bad:
                        print(f"non-201 answers: {bad}", file=sys.stderr)
        finally:
            srv.stop()
    floor = {r["concurrency"]: r for r in results if not r["webhook"]}
    print("\nclients  floor p50/p95/p99 ms  webhook p50/p95/p99 ms  added p50/p95/p99 ms  rps floor/webhook")
    for r in results:
        if not r["webhook"]:
            continue
        f = floor[r["concurrency"]]
        print(f"{r['concurrency']:>7}  {f['p50_ms']:>6}/{f['p95_ms']}/{f['p99_ms']}  {r['p50_ms']:>8}/{r['p95_ms']}/{r['p99_ms']}"
              f"  {r['p50_ms'] - f['p50_ms']:>8.1f}/{r['p95_ms'] - f['p95_ms']:.1f}/{r['p99_ms'] - f['p99_ms']:.1f}"
              f"  {f['rps']}/{r['rps']}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "cpus": os.cpu_count(),
                                         "load": os.getloadavg()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
