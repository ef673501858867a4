"""Load benchmark for the admission webhook: `policyguard serve` over TLS on loopback, Pod CREATE
AdmissionReviews, the full Kubernetes rule pack.

Load generator: `wrk` (C, epoll; apt-get install wrk) with a Lua script that makes every request
unique (uid, pod name and image tag carry a per-request counter), half of the pods compliant with
the restricted profile and half privileged/root, so every request is a full evaluation. Without
`wrk`, an asyncio client over `ssl` does the same (it costs far more CPU per request, and the
client shares the cores with the server: prefer wrk).

    python bench/webhook_load.py                       # 10 and 200 clients, 15 s each, 3 rounds interleaved
    python bench/webhook_load.py --clients 10 --clients 200 --duration 20 --workers 2 --json out.json

Prints a Markdown table (rps, p50/p95/p99, errors, server CPU) and the machine context. wrk is
a closed-loop generator: latency is measured per request as the client saw it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

COMPLIANT_SC = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def pod_review(n: str, compliant: bool) -> dict[str, Any]:
    """A Pod CREATE review as the apiserver sends it; ``n`` is substituted per request."""
    container: dict[str, Any] = {
        "name": "app",
        "image": f"registry.example.com/team/app:1.{n}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "env": [{"name": "MODE", "value": "production"}],
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    spec: dict[str, Any] = {
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "restartPolicy": "Always",
        "serviceAccountName": "app",
        "automountServiceAccountToken": False,
    }
    if compliant:
        container["securityContext"] = dict(COMPLIANT_SC)
        container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        container["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
        spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    else:
        container["securityContext"] = {"privileged": True, "runAsUser": 0}
        spec["hostNetwork"] = True
    name = f"app-{n}"
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": f"00000000-0000-4000-8000-{n}",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
            "requestResource": {"group": "", "version": "v1", "resource": "pods"},
            "name": name,
            "namespace": "bench",
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller", "groups": ["system:serviceaccounts"]},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": "bench", "labels": {"app": "app", "pod-template-hash": "5d4f8c"}},
                "spec": spec,
            },
            "oldObject": None,
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        },
    }


FLOOR_RULE = '''
from policyguard.engine.python_rules import rule


@rule(id="PG-K8S-BENCH-001", title="Matches ConfigMaps only", severity="low",
      resource_types={"kubernetes": ["v1/ConfigMap"]}, description="Benchmark floor: applies to no Pod.")
def check(resource, resources):
    return []
'''

LUA = r"""
local parts = {}
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = io.open(args[1], "r")
  local all = f:read("*a")
  f:close()
  for line in string.gmatch(all, "[^\n]+") do
    local pieces = {}
    for piece in string.gmatch(line .. "__N__", "(.-)__N__") do table.insert(pieces, piece) end
    table.insert(parts, pieces)
  end
  thread_id = tid or 0
end

function request()
  counter = counter + 1
  local tpl = parts[(counter % #parts) + 1]
  local n = string.format("%06d%06d", thread_id, counter)
  local body = table.concat(tpl, n)
  return wrk.format("POST", "/validate?timeout=10s", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
"""


def _proc_tree(pid: int) -> list[int]:
    """``pid`` and its descendants. ``/proc/P/task/T/children`` lists only the children forked
    by thread T: read every thread's list (a worker forks its Rego helper from its evaluation
    thread, which reading only the main thread's list missed before 2026-11-22 05:15)."""
    out = [pid]
    kids: list[str] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                kids += (task / "children").read_text().split()
            except OSError:
                pass
    except OSError:
        return out
    for k in dict.fromkeys(kids):
        out += _proc_tree(int(k))
    return out


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def start_server(tmp: Path, workers: int, extra: list[str]) -> tuple[subprocess.Popen[bytes], int, Path]:
    sys.path.insert(0, str(REPO))
    from policyguard.webhook.certs import make_certs

    certs = make_certs(tmp / "certs", days=1, extra_names=["127.0.0.1"])
    log = tmp / "server.log"
    cmd = [
        sys.executable, "-m", "policyguard", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", str(workers),
        "--tls-cert", str(certs.cert), "--tls-key", str(certs.key),
        *(["--rules", str(REPO / "rules" / "kubernetes")] if "--rules" not in extra else []),
        "--no-builtin-rules", "--exclude-namespace", "kube-system", *extra,
    ]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT, cwd=tmp)  # noqa: SIM115
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        m = re.search(r"serving https://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if m:
            port = int(m.group(1))
            ctx = ssl.create_default_context(cafile=str(certs.ca_cert))
            import http.client

            while time.monotonic() < deadline:
                try:
                    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
                    c.request("GET", "/readyz")
                    if c.getresponse().status == 200:
                        time.sleep(1.0)  # every worker up
                        return proc, port, certs.ca_cert
                except OSError:
                    time.sleep(0.1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"server did not start:\n{log.read_text(errors='replace')}")


def check_answers(port: int, ca: Path, bodies: list[str]) -> dict[str, int]:
    """Every template once, field by field: uid echoed, compliant pods allowed, others denied."""
    import http.client

    ctx = ssl.create_default_context(cafile=str(ca))
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    seen = {"allowed": 0, "denied": 0}
    for i, tpl in enumerate(bodies):
        body = tpl.replace("__N__", f"9{i:011d}")
        c.request("POST", "/validate?timeout=10s", body=body, headers={"content-type": "application/json"})
        r = c.getresponse()
        doc = json.loads(r.read())
        if r.status != 200:
            raise SystemExit(f"template {i}: HTTP {r.status}: {doc}")
        resp = doc["response"]
        if resp["uid"] != json.loads(body)["request"]["uid"]:
            raise SystemExit(f"template {i}: uid not echoed: {resp['uid']!r}")
        compliant = '"privileged":true' not in body
        if resp["allowed"] is not compliant:
            why = resp.get("status", {}).get("message", "")[:600]
            raise SystemExit(f"template {i}: expected allowed={compliant}, got {resp['allowed']}: {why}\n"
                             "(refusing to benchmark a server that gives wrong verdicts)")
        seen["allowed" if resp["allowed"] else "denied"] += 1
    return seen


def run_wrk(port: int, clients: int, duration: int, script: Path, bodies: Path, threads: int) -> tuple[dict[str, Any], float]:
    cmd = ["wrk", f"-t{min(threads, clients)}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
           f"https://127.0.0.1:{port}", "--", str(bodies)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    m = re.search(r"WRKJSON (\{.*\})", out)
    if not m:
        raise SystemExit(f"wrk failed:\n{out}")
    return json.loads(m.group(1)), usage.ru_utime + usage.ru_stime


async def _aio_client(port: int, ctx: ssl.SSLContext, bodies: list[str], stop: float, lat: list[float], errors: list[int], cid: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")
    i = 0
    while time.monotonic() < stop:
        i += 1
        body = bodies[i % len(bodies)].replace("__N__", f"{cid:06d}{i:06d}").encode()
        head = f"POST /validate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        t0 = time.perf_counter()
        writer.write(head.encode() + body)
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        lat.append(time.perf_counter() - t0)
        if b" 200 " not in status_line:
            errors.append(1)
    writer.close()


def run_asyncio(port: int, ca: Path, clients: int, duration: int, bodies: list[str]) -> tuple[dict[str, Any], float]:
    ctx = ssl.create_default_context(cafile=str(ca))
    lat: list[float] = []
    errors: list[int] = []
    r0 = os.times()

    async def main() -> None:
        stop = time.monotonic() + duration
        await asyncio.gather(*(_aio_client(port, ctx, bodies, stop, lat, errors, c) for c in range(clients)))

    t0 = time.perf_counter()
    asyncio.run(main())
    took = time.perf_counter() - t0
    r1 = os.times()
    lat.sort()

    def pct(p: float) -> int:
        return int(lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1e6) if lat else 0

    res = {"requests": len(lat), "duration_us": int(took * 1e6), "status": len(errors), "connect": 0, "read": 0, "write": 0, "timeout": 0,
           "p50": pct(50), "p90": pct(90), "p95": pct(95), "p99": pct(99), "p999": pct(99.9), "max": pct(100), "mean": 0.0}
    return res, (r1.user - r0.user) + (r1.system - r0.system)


def summarise(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per client count: the median of each figure over the rounds, the p99 spread, all errors."""
    import statistics

    out = []
    for c in sorted({r["clients"] for r in results}):
        rows = [r for r in results if r["clients"] == c]
        med = {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_pct")}
        out.append({"clients": c, "rounds": len(rows), **med,
                    "p99_min_ms": min(r["p99_ms"] for r in rows), "p99_max_ms": max(r["p99_ms"] for r in rows),
                    "errors": sum(r["errors"] for r in rows),
                    "cpu_ms_per_review": statistics.median(10 * r["server_cpu_pct"] / r["rps"] for r in rows)})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, action="append", help="concurrent clients (repeatable; default 10 and 200)")
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds over the client counts (interleaved: 10, 200, 10, 200, ...); the summary gives per-count medians")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--templates", type=int, default=16, help="distinct pod shapes (half compliant)")
    ap.add_argument("--client", choices=["wrk", "asyncio"], default="wrk" if shutil.which("wrk") else "asyncio")
    ap.add_argument("--json", type=Path, help="write the raw results here")
    ap.add_argument("--server-arg", action="append", default=[], help="extra `policyguard serve` argument (repeatable)")
    ap.add_argument("--floor", action="store_true",
                    help="serve one rule that matches no Pod: measures the webhook's own cost (TLS, HTTP, JSON, decision) without rule evaluation")
    args = ap.parse_args()
    clients = args.clients or [10, 200]

    tmp = Path(tempfile.mkdtemp(prefix="pg-webhook-bench-"))
    bodies = [json.dumps(pod_review("__N__", i % 2 == 0), separators=(",", ":")) for i in range(args.templates)]
    bodies = [b.replace("app:1.__N__", f"app:1.{i}.__N__") for i, b in enumerate(bodies)]
    bodies_file = tmp / "bodies.txt"
    bodies_file.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    script = tmp / "bench.lua"
    script.write_text(LUA, encoding="utf-8")

    server_args = list(args.server_arg)
    if args.floor:
        rdir = tmp / "floor-rules" / "kubernetes" / "configmap" / "noop"
        rdir.mkdir(parents=True)
        (rdir / "rule.py").write_text(FLOOR_RULE, encoding="utf-8")
        server_args = ["--rules", str(tmp / "floor-rules"), *server_args]
    proc, port, ca = start_server(tmp, args.workers, server_args)
    results: list[dict[str, Any]] = []
    try:
        if not args.floor:
            seen = check_answers(port, ca, bodies)
            print(f"# answers checked: {seen['allowed']} allowed, {seen['denied']} denied (uid echoed, verdicts as expected)", file=sys.stderr)
        if args.warmup:
            if args.client == "wrk":
                run_wrk(port, 10, args.warmup, script, bodies_file, args.wrk_threads)
            else:
                run_asyncio(port, ca, 10, args.warmup, bodies)
        clk = os.sysconf("SC_CLK_TCK")
        for c in [c for _ in range(max(1, args.repeat)) for c in clients]:
            # after the warm-up: every worker has forked its Rego helper by now (they count too)
            pids = _proc_tree(proc.pid)
            load0 = os.getloadavg()[0]
            t0 = time.monotonic()
            per0 = {p: _cpu_ticks([p]) for p in pids}  # per process: an idle or restarted worker shows
            if args.client == "wrk":
                res, client_cpu = run_wrk(port, c, args.duration, script, bodies_file, args.wrk_threads)
            else:
                res, client_cpu = run_asyncio(port, ca, c, args.duration, bodies)
            wall = time.monotonic() - t0
            late = [p for p in _proc_tree(proc.pid) if p not in pids]  # helpers (re)started during the run
            spent = [_cpu_ticks([p]) - per0[p] for p in pids]
            server_cpu = (sum(spent) + _cpu_ticks(late)) / clk
            per_process = sorted((100 * x / clk / wall for x in spent), reverse=True)
            secs = res["duration_us"] / 1e6
            row = {
                "clients": c,
                "rps": res["requests"] / secs,
                "requests": res["requests"],
                "p50_ms": res["p50"] / 1000,
                "p95_ms": res["p95"] / 1000,
                "p99_ms": res["p99"] / 1000,
                "max_ms": res["max"] / 1000,
                "errors": res["connect"] + res["read"] + res["write"] + res["status"] + res["timeout"],
                "server_cpu_pct": 100 * server_cpu / wall,
                "client_cpu_pct": 100 * client_cpu / wall,
                "loadavg_before": load0,
                "process_cpu_pct": [round(x) for x in per_process],  # supervisor and workers: an idle worker shows here
                "processes_started_during_run": len(late),
                "raw": res,
            }
            results.append(row)
            print(f"# {c} clients: {row['rps']:.0f} rps, p50 {row['p50_ms']:.2f} ms, p95 {row['p95_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, "
                  f"errors {row['errors']}, server CPU {row['server_cpu_pct']:.0f}% (per process {row['process_cpu_pct']}), "
                  f"client CPU {row['client_cpu_pct']:.0f}%", file=sys.stderr)
            if row["errors"] or late:
                print(f"# errors or restarted processes in this row; server log so far:\n{(tmp / 'server.log').read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log_text = (tmp / "server.log").read_text(errors="replace")
    if "Traceback" in log_text or "restarting" in log_text:
        print(f"# server log shows errors:\n{log_text[-3000:]}", file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)

    n_rules = "no applicable rule (--floor: the webhook's own cost)" if args.floor else "the Kubernetes pack"
    print(f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}; date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"Server: policyguard serve --workers {args.workers}, TLS (ECDSA P-256), {n_rules}; client: {args.client}; {args.duration}s per row")
    print()
    print("| clients | rps | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU | client CPU | load avg before |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['clients']} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.1f} | {r['errors']} | "
              f"{r['server_cpu_pct']:.0f}% | {r['client_cpu_pct']:.0f}% | {r['loadavg_before']:.2f} |")
    summary = summarise(results)
    if args.repeat > 1:
        print()
        print(f"Medians over {args.repeat} rounds (this machine is shared and noisy: quote these, with the spread)")
        print()
        print("| clients | rps | p50 ms | p95 ms | p99 ms (min-max) | errors (all rows) | server CPU per review |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for m in summary:
            print(f"| {m['clients']} | {m['rps']:.0f} | {m['p50_ms']:.2f} | {m['p95_ms']:.2f} | {m['p99_ms']:.2f} ({m['p99_min_ms']:.2f}-{m['p99_max_ms']:.2f}) | "
                  f"{m['errors']} | {m['cpu_ms_per_review']:.2f} ms |")
    if args.json:
        args.json.write_text(json.dumps({"workers": args.workers, "client": args.client, "duration": args.duration, "repeat": args.repeat,
                                         "results": results, "medians": summary}, indent=2))
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
