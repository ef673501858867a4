"""Helpers for the webhook tests: a real `policyguard serve` subprocess with real TLS on loopback."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"


def shared_dir() -> Path:
    return Path(os.environ.get("POLICYGUARD_SHARED", REPO.parent / "shared"))


def admission_dir() -> Path:
    d = shared_dir() / "admission"
    if not d.is_dir():
        pytest.skip(f"shared admission requests not found at {d} (set POLICYGUARD_SHARED)")
    return d


def load_request(name: str) -> dict[str, Any]:
    """A bare AdmissionRequest from ../shared/admission (by file-name prefix, e.g. '04')."""
    d = admission_dir()
    hits = sorted(d.glob(f"{name}*.json"))
    if not hits:
        pytest.skip(f"{name}* not in {d}")
    doc = json.loads(hits[0].read_text(encoding="utf-8"))
    return doc.get("request", doc) if doc.get("kind") == "AdmissionReview" else doc


def wrap(request: dict[str, Any], version: str = "admission.k8s.io/v1") -> dict[str, Any]:
    """Wrap a bare request as the shared README says."""
    return {"apiVersion": version, "kind": "AdmissionReview", "request": request}


def rule_id(name: str) -> str:
    """The id of the built-in Kubernetes pod rule in rules/kubernetes/pod/<name>/."""
    for f in sorted((RULES / "kubernetes" / "pod" / name).glob("rule.*")):
        m = re.search(r"""\bid\s*[:=]\s*["']?(PG-[A-Z0-9-]+)""", f.read_text(encoding="utf-8"))
        if m:
            return m.group(1)
    pytest.skip(f"rule {name} not in the pack yet")
    raise AssertionError  # unreachable


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    ca: Path
    cert_dir: Path
    log: Path
    insecure: bool = False
    _conns: dict[str, http.client.HTTPConnection] = field(default_factory=dict)

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca))
        return ctx

    def connection(self, timeout: float = 30.0) -> http.client.HTTPConnection:
        if self.insecure:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        # the serving cert is for the Service names; verify the chain against our CA and the
        # loopback SAN the test added (--extra-name 127.0.0.1)
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(), timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = self._conns.get("main")
        for attempt in range(2):
            if conn is None:
                conn = self.connection()
                self._conns["main"] = conn
            try:
                conn.request(method, path, body=body, headers={"content-type": "application/json", **(headers or {})})
                r = conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    conn.close()
                    self._conns.pop("main", None)
                return r.status, hdrs, data
            except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
                conn.close()
                self._conns.pop("main", None)
                conn = None
                if attempt:
                    raise
        raise AssertionError  # unreachable

    def post(self, path: str, review: Any, query: str = "") -> tuple[int, dict[str, Any]]:
        body = review if isinstance(review, bytes) else json.dumps(review).encode()
        code, _, data = self.request("POST", path + query, body)
        return code, json.loads(data)

    def review(self, path: str, review: dict[str, Any], query: str = "?timeout=10s") -> dict[str, Any]:
        code, doc = self.post(path, review, query)
        assert code == 200, doc
        return doc

    def stop_connections(self) -> None:
        for c in self._conns.values():
            c.close()
        self._conns.clear()

    def stop(self) -> None:
        self.stop_connections()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def make_certs(tmp: Path) -> Path:
    from policyguard.webhook.certs import make_certs as mk

    mk(tmp, service="policyguard-webhook", namespace="policyguard", days=2, extra_names=["127.0.0.1", "localhost"])
    return tmp


def start_server(tmp: Path, *args: str, config: dict[str, Any] | None = None, workers: int = 2, insecure: bool = False) -> Server:
    """Start `policyguard serve` on a free loopback port (port 0, read back from its banner)."""
    cert_dir = make_certs(tmp / "certs")
    cwd = tmp / "cwd"
    cwd.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "policyguard", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", str(workers)]
    if insecure:
        cmd.append("--insecure")
    else:
        cmd += ["--tls-cert", str(cert_dir / "tls.crt"), "--tls-key", str(cert_dir / "tls.key")]
    if config is not None:
        import yaml

        cfg_path = cwd / ".policyguard.yaml"
        cfg_path.write_text(yaml.safe_dump({"webhook": config}), encoding="utf-8")
        cmd += ["--config", str(cfg_path)]
    if "--rules" not in args:  # the Kubernetes pack, as the acceptance criteria say
        cmd += ["--rules", str(RULES / "kubernetes"), "--no-builtin-rules"]
    cmd += list(args)
    log = tmp / "server.log"
    fh = open(log, "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
    port = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        m = re.search(r"serving https?://127\.0\.0\.1:(\d+)", text)
        if m:
            port = int(m.group(1))
            break
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{text}")
        time.sleep(0.05)
    assert port, f"server did not start:\n{log.read_text(errors='replace')}"
    srv = Server(proc, port, cert_dir / "ca.crt", cert_dir, log, insecure=insecure)
    while time.monotonic() < deadline:  # ready = every worker's rules are loaded (any worker answers)
        try:
            code, _, _ = srv.request("GET", "/readyz")
            if code == 200:
                return srv
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    srv.stop()
    raise AssertionError(f"server never became ready:\n{log.read_text(errors='replace')}")


def decode_patch(response: dict[str, Any]) -> list[dict[str, Any]]:
    assert response["patchType"] == "JSONPatch"
    return json.loads(base64.b64decode(response["patch"]))


def judge_locally(obj: dict[str, Any], rule_ids: set[str] | None = None) -> list[Any]:
    """Evaluate ``obj`` with the real built-in pack in this process (for patched objects)."""
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions, ScanOptions
    from policyguard.parsers.kubernetes import resource_from_object

    opts = ScanOptions(rules=RuleOptions(rule_dirs=[str(RULES / "kubernetes")], builtin_rules=False),
                       evaluation=EvalOptions(scan_timeout=1e9))
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    ev = engine.make_evaluator(rs, opts.evaluation)
    findings = ev.evaluate([resource_from_object(obj)])
    return [f for f in findings if rule_ids is None or f.rule_id in rule_ids]
