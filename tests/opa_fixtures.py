"""The real `opa` binary and a real `opa run --server`, for the OPA CLI and OPA-server backend
tests (holds no tests itself).

The binary: ``PG_OPA_BINARY`` (``.ci/run`` builds the pinned OPA into its Go cache and exports
it), else the CI cache path of the pinned version, else ``opa`` on ``PATH``. Without one, a test
skips with the reason on a developer machine and fails under ``PG_CI=1``: CI never passes a
backend test it did not run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

OPA_VERSION = "v1.22.4"  # the version .ci/run builds; the backends' minimum is in README "Rego backends"


def opa_binary() -> str | None:
    env = os.environ.get("PG_OPA_BINARY")
    if env:
        return env
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policyguard-ci" / "go"
    pinned = cache / "bin" / f"opa-{OPA_VERSION}" / "opa"
    if pinned.is_file() and os.access(pinned, os.X_OK):
        return str(pinned)
    return shutil.which("opa")


def require_opa() -> str:
    """The opa binary, or skip (developer machine) / fail (``PG_CI=1``) naming what is missing."""
    found = opa_binary()
    if found and Path(found).is_file() and os.access(found, os.X_OK):
        return found
    why = (f"no opa binary: PG_OPA_BINARY={os.environ.get('PG_OPA_BINARY', '')!r}, none in the CI cache or on PATH "
           f"(.ci/run builds opa {OPA_VERSION}; or `go install github.com/open-policy-agent/opa@{OPA_VERSION}`)")
    if os.environ.get("PG_CI") == "1":
        pytest.fail(why)
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OpaServer:
    """A real ``opa run --server`` on a loopback port: started, waited for (``GET /health``),
    stopped and reaped by ``stop``. ``args``: more arguments (e.g. a directory of policies)."""

    binary: str
    args: list[str] = field(default_factory=list)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path, timeout: float = 60.0) -> OpaServer:
        for _attempt in range(3):  # the port is free when chosen; another process may take it first
            self.port = free_port()
            self.log = log_dir / f"opa-{self.port}.log"
            with self.log.open("wb") as out:
                self.proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
                    [self.binary, "run", "--server", "--addr", f"127.0.0.1:{self.port}", "--log-level", "error",
                     "--skip-version-check", *self.args],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self.healthy():
                    return self
                time.sleep(0.05)
            self.stop()
            if "address already in use" not in self.log.read_text(errors="replace"):
                break
        raise RuntimeError(f"opa run --server did not become healthy on {self.url}: {self.log.read_text(errors='replace')[-2000:]}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def policy_ids(self) -> list[str]:
        with urllib.request.urlopen(f"{self.url}/v1/policies", timeout=30) as resp:
            return sorted(p["id"] for p in json.loads(resp.read())["result"])

    def delete_policies(self, keep: frozenset[str] = frozenset()) -> None:
        """Empty the server but ``keep`` (each upload compiles everything the server holds: keep
        it to one test's rules). A module others call cannot go first (OPA recompiles the rest on
        each delete): rounds of deletes until none is left."""
        left = [p for p in self.policy_ids() if p not in keep]
        while left:
            kept = []
            for pid in reversed(left):  # the uploads' dependents came later
                req = urllib.request.Request(f"{self.url}/v1/policies/{pid}", method="DELETE")
                try:
                    urllib.request.urlopen(req, timeout=30).close()
                except urllib.error.HTTPError as exc:
                    if exc.code != 400:
                        raise
                    kept.append(pid)
            if len(kept) == len(left):
                raise RuntimeError(f"cannot delete the policies {kept} from {self.url}")
            left = sorted(kept)

    def library_ids(self) -> frozenset[str]:
        """The policy ids the backend uploads the Rego library under (OPA answers a re-upload of
        an unchanged module at once, so tests keep the library between rule sets)."""
        from policyguard.engine.rego.backends import OpaServerBackend
        from policyguard.engine.rules import library_modules

        return frozenset(url.split("/v1/policies/", 1)[1] for _m, url, _b in OpaServerBackend(library_modules(), self.url, 1.0).policy_requests())

    def stop(self) -> None:
        """Stop and reap the process (SIGTERM, then SIGKILL after 10 s)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            if proc is not None:
                proc.wait()
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_server(tmp: Path, *args: str) -> OpaServer:
    return OpaServer(require_opa(), list(args)).start(tmp)


class SlowProxyDouble:
    """TEST DOUBLE (fault injection: a slow server). Forwards every request to a real OPA
    server and answers ``POST /v1/data/...`` only after ``delay`` seconds; policy uploads go
    through at once. No OPA setting makes an evaluation of the test rules slow on demand."""

    def __init__(self, target: str, delay: float) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "POST" and self.path.startswith("/v1/data/"):
                    time.sleep(double.delay)
                req = urllib.request.Request(target + self.path, data=body if self.command != "GET" else None, method=self.command,
                                             headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        code, out = resp.status, resp.read()
                except urllib.error.HTTPError as exc:
                    code, out = exc.code, exc.read()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:  # the client gave up (its timeout): nothing to answer
                    pass

            do_GET = do_PUT = do_POST = do_DELETE = _forward

        self.delay = delay
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
