"""Hostile-admission benchmark: while one client sends an expensive object every second, how do
a second client's ordinary Pod reviews fare?

The expensive object is a namespace user's Role whose one rule lists ``""`` 1,000 times in
``apiGroups`` and ``secrets`` 1,000 times in ``resources`` (16 KB): a rule that pairs every group
with every resource makes a million results of it. The server runs the full Kubernetes pack over
TLS on loopback (``policyguard serve --workers 2``), as in bench/webhook_load.py.

    python bench/webhook_hostile.py                      # 20 s, Role every 1 s, ?timeout=5s
    python bench/webhook_hostile.py --duration 30 --json out.json

Prints, for the Pod client: reviews, p50/p95/p99/max latency, timeouts (no answer within the
client's 10 s) and failure answers (a 'deadline' denial); for the Role client: how long each
answer took and what it was. A Pod review is a closed loop (one at a time, as fast as answered).
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webhook_load import pod_review, start_server  # noqa: E402 - the same server and Pod as the load bench


def hostile_role(n: int, copies: int) -> dict[str, Any]:
    name = f"reader-{n}"
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": f"00000000-0000-4000-9000-{n:012d}",
            "kind": {"group": "rbac.authorization.k8s.io", "version": "v1", "kind": "Role"},
            "resource": {"group": "rbac.authorization.k8s.io", "version": "v1", "resource": "roles"},
            "name": name,
            "namespace": "bench",
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": name, "namespace": "bench"},
                "rules": [{"apiGroups": [""] * copies, "resources": ["secrets"] * copies, "verbs": ["get"]}],
            },
            "oldObject": None,
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        },
    }


def _post(conn: http.client.HTTPSConnection, body: bytes, query: str) -> dict[str, Any]:
    conn.request("POST", "/validate" + query, body=body, headers={"content-type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {data[:200]!r}")
    return json.loads(data)["response"]


def run(port: int, ca: Path, duration: float, period: float, copies: int, query: str) -> dict[str, Any]:
    ctx = ssl.create_default_context(cafile=str(ca))
    stop = time.monotonic() + duration
    pods: list[float] = []
    pod_fail = {"timeouts": 0, "failure_answers": 0}
    roles: list[dict[str, Any]] = []

    def connect() -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)

    def pod_client() -> None:
        conn = connect()
        i = 0
        while time.monotonic() < stop:
            i += 1
            body = json.dumps(pod_review(f"{i:012d}", i % 2 == 0)).encode()
            t0 = time.perf_counter()
            try:
                r = _post(conn, body, query)
            except (OSError, http.client.HTTPException, RuntimeError):
                pod_fail["timeouts"] += 1
                conn.close()
                conn = connect()
                continue
            pods.append(time.perf_counter() - t0)
            if "deadline" in json.dumps(r.get("status", {})) or any("deadline" in w for w in r.get("warnings", [])):
                pod_fail["failure_answers"] += 1

    def one_role(n: int) -> None:
        body = json.dumps(hostile_role(n, copies)).encode()
        conn = connect()  # a fresh connection each time: the workers share them out
        t0 = time.perf_counter()
        try:
            r = _post(conn, body, query)
            roles.append({"seconds": time.perf_counter() - t0, "allowed": r.get("allowed"),
                          "message": (r.get("status") or {}).get("message", "")[:120]})
        except (OSError, http.client.HTTPException, RuntimeError) as exc:
            roles.append({"seconds": time.perf_counter() - t0, "allowed": None, "message": f"no answer: {exc}"})
        conn.close()

    def role_client() -> None:
        """One hostile Role every ``period`` seconds, whether or not the last one was answered."""
        senders = []
        n = 0
        while time.monotonic() < stop:
            n += 1
            t = threading.Thread(target=one_role, args=(n,))
            t.start()
            senders.append(t)
            time.sleep(period)
        for t in senders:
            t.join()

    threads = [threading.Thread(target=pod_client), threading.Thread(target=role_client)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(pods)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else float("nan")

    return {
        "pod_reviews": len(lat), "pod_p50_ms": pct(0.50), "pod_p95_ms": pct(0.95), "pod_p99_ms": pct(0.99),
        "pod_max_ms": round(1000 * lat[-1], 1) if lat else float("nan"), **{f"pod_{k}": v for k, v in pod_fail.items()},
        "roles": len(roles), "role_answer_s_median": round(statistics.median(r["seconds"] for r in roles), 2) if roles else None,
        "role_answer_s_max": round(max(r["seconds"] for r in roles), 2) if roles else None,
        "role_answers": sorted({f"allowed={r['allowed']}: {r['message']}" for r in roles}),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--period", type=float, default=1.0, help="seconds between hostile Roles")
    ap.add_argument("--copies", type=int, default=1000, help="entries in apiGroups and in resources")
    ap.add_argument("--timeout", default="5s", help="the apiserver's ?timeout= (the manifests default to 5s)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, port, ca = start_server(Path(d), args.workers, [])
        try:
            result = run(port, ca, args.duration, args.period, args.copies, f"?timeout={args.timeout}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker stuck in an evaluation ignores SIGTERM
                proc.kill()
                proc.wait()
    result.update({"machine": f"{platform.node()} {platform.processor() or platform.machine()}", "workers": args.workers,
                   "duration_s": args.duration, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
