"""TEST DOUBLE -- not OPA. A tiny OPA-REST-compatible server (127.0.0.1 only) in front of the
real OPA engine embedded by opa-golib-python-bindings, for testing policyguard's
``--rego-engine opa-server`` backend against OPA's documented wire format:

- ``PUT /v1/policies/<id>`` (body: Rego source) -> ``200 {}``; a module that does not compile
  -> ``400 {"code": "invalid_parameter", "message", "errors": [...]}``
- ``POST /v1/data/<path>`` (body ``{"input": ...}``) -> ``200 {"result": value}``, or ``200 {}``
  when the document is undefined; evaluation errors -> ``500 {"code": "internal_error", ...}``
- ``GET /health`` -> ``200 {}``

``delay`` (seconds) slows every data request down, to test client timeouts.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class OpaRestShim:
    def __init__(self, delay: float = 0.0) -> None:
        self.policies: dict[str, str] = {}
        self.delay = delay
        self.requests: list[tuple[str, str]] = []
        self._engine: Any = None
        self._lock = threading.Lock()
        shim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, code: int, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

            def do_GET(self) -> None:
                shim.requests.append(("GET", self.path))
                self._reply(200, {} if self.path == "/health" else {"result": sorted(shim.policies)})

            def do_PUT(self) -> None:
                shim.requests.append(("PUT", self.path))
                if not self.path.startswith("/v1/policies/"):
                    return self._reply(404, {"code": "resource_not_found", "message": self.path})
                code, doc = shim.put_policy(self.path[len("/v1/policies/"):], self._body().decode())
                self._reply(code, doc)

            def do_POST(self) -> None:
                shim.requests.append(("POST", self.path))
                if not self.path.startswith("/v1/data/"):
                    return self._reply(404, {"code": "resource_not_found", "message": self.path})
                try:
                    req = json.loads(self._body() or b"{}")
                except ValueError as exc:
                    return self._reply(400, {"code": "invalid_parameter", "message": f"body: {exc}"})
                if shim.delay:
                    import time

                    time.sleep(shim.delay)
                code, doc = shim.eval_data(self.path[len("/v1/data/"):].strip("/"), req.get("input"))
                self._reply(code, doc)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> OpaRestShim:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def put_policy(self, pid: str, source: str) -> tuple[int, Any]:
        import opa_bindings

        with self._lock:
            trial = dict(self.policies)
            trial[pid] = source
            eng = opa_bindings.OpaEngine()
            try:
                for k, v in trial.items():
                    eng.add_policy(k, v)
            except opa_bindings.OpaError as exc:
                return 400, {"code": "invalid_parameter", "message": "error(s) occurred while compiling module(s)",
                             "errors": [{"code": "rego_compile_error", "message": str(exc), "location": {"file": pid, "row": 1}}]}
            self.policies = trial
            self._engine = eng
            return 200, {}

    def eval_data(self, path: str, inp: Any) -> tuple[int, Any]:
        import opa_bindings

        with self._lock:
            eng = self._engine
            if eng is None:
                return 200, {}
            try:
                return 200, {"result": eng.eval_document(path.replace("/", "."), inp)}
            except opa_bindings.OpaUndefinedError:
                return 200, {}
            except opa_bindings.OpaError as exc:
                return 500, {"code": "internal_error", "message": str(exc)}
