"""The supervisor's stuck-worker watchdog (policyguard/webhook/watchdog.py).

With 2+ workers and ``isolation: watchdog`` (the default) a worker runs regorus in-process
and Python rules without a trace function; a runaway rule is bounded by the request deadline
(answered by the event loop when it can) and by the supervisor, which kills and restarts a
worker whose evaluation is still running ``MULTIPLE`` x its timeout (+ ``GRACE``) later.
Real server, real TLS, real spinning rules."""

from __future__ import annotations

import copy
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from webhook_support import Server, load_request, start_server, wrap

pytest.importorskip("uvicorn")

SPIN_PY = '''
from policyguard.engine.python_rules import fail, rule

@rule(id="PG-K8S-TEST-011", title="Pods labelled spin-py loop forever", severity="high",
      resource_types={"kubernetes": ["v1/Pod"]},
      description="Exercises the watchdog.", remediation="Remove the label.")
def check(resource, resources):
    labels = (resource["attributes"].get("metadata") or {}).get("labels") or {}
    if labels.get("spin-py") == "true":
        n = 0
        while True:
            n += 1
    return []
'''

SPIN_REGO = """# METADATA
# title: Pods labelled spin-rego burn CPU in Rego
# description: Exercises the watchdog on a rule that holds the GIL.
# custom:
#   id: PG-K8S-TEST-012
#   severity: high
#   resource_types:
#     kubernetes: ["v1/Pod"]
#   remediation: Remove the label.
package policyguard.rules.kubernetes.test.spinrego

import rego.v1

fail contains result if {
	input.resource.attributes.metadata.labels["spin-rego"] == "true"
	every i in numbers.range(1, 10000) {
		every j in numbers.range(1, 10000) {
			i * j >= 0
		}
	}
	result := {"msg": "pod spins", "path": "metadata.labels"}
}
"""


def _rules(tmp: Path) -> Path:
    d = tmp / "rules" / "kubernetes" / "test"
    (d / "spinpy").mkdir(parents=True)
    (d / "spinpy" / "rule.py").write_text(textwrap.dedent(SPIN_PY), encoding="utf-8")
    (d / "spinrego").mkdir(parents=True)
    (d / "spinrego" / "rule.rego").write_text(SPIN_REGO, encoding="utf-8")
    return tmp / "rules"


def _pod(uid: str, label: str | None) -> dict[str, Any]:
    req = copy.deepcopy(load_request("04"))
    req["uid"] = uid
    req["object"]["metadata"]["labels"] = {label: "true"} if label else {"env": "test"}
    return req


def _wait_log(srv: Server, text: str, count: int, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if srv.log.read_text(errors="replace").count(text) >= count:
            return True
        time.sleep(0.1)
    return False


def _count_log(srv: Server, text: str) -> int:
    return srv.log.read_text(errors="replace").count(text)


def _all_answered(srv: Server, prefix: str) -> None:
    for i in range(6):  # fresh connections, so both workers (one of them the replacement) answer
        srv._conns.clear()
        resp = srv.review("/validate", wrap(_pod(f"{prefix}-{i}", None)), query="?timeout=5s")["response"]
        assert resp == {"uid": f"{prefix}-{i}", "allowed": True}


def test_stuck_workers_are_restarted(tmp_path: Path) -> None:
    srv = start_server(tmp_path, "--rules", str(_rules(tmp_path)), "--no-builtin-rules", "--failure-mode", "deny", workers=2)
    try:
        # Python rule looping forever: the event loop still answers at the deadline ...
        t0 = time.monotonic()
        resp = srv.review("/validate", wrap(_pod("spin-py", "spin-py")), query="?timeout=1s")["response"]
        assert time.monotonic() - t0 < 1.5
        assert resp["uid"] == "spin-py" and resp["allowed"] is False and "deadline" in resp["status"]["message"]
        # ... and the supervisor replaces the stuck worker (3 x 1 s + 5 s grace)
        assert _wait_log(srv, "killing it", 1, 20), srv.log.read_text(errors="replace")
        assert _wait_log(srv, "restarting", 1, 10)
        _all_answered(srv, "after-py")

        # Rego rule spinning: the VM stops it at its instruction limit and the heavy lane's
        # helper process, killed at the deadline, gets it: the failure answer on time, and no
        # worker needs killing (evaluation.py)
        t0 = time.monotonic()
        resp = srv.review("/validate", wrap(_pod("spin-rego", "spin-rego")), query="?timeout=2s")["response"]
        assert time.monotonic() - t0 < 2.8
        assert resp["uid"] == "spin-rego" and resp["allowed"] is False, resp
        assert _count_log(srv, "killing it") == 1, srv.log.read_text(errors="replace")
        _all_answered(srv, "after-rego")
    finally:
        srv.stop()
    assert srv.proc.returncode == 0
