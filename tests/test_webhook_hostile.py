"""A namespace user's expensive object cannot stall admission: it gets the failure answer by its
deadline, and other reviews keep being answered meanwhile (evaluation.py's two lanes).

The object: a Role whose one rule lists ``""`` 1,000 times in ``apiGroups`` and ``secrets`` 1,000
times in ``resources``; a rule that pairs every group with every resource makes a million
results. The latency figures under this load live in BENCHMARKS.md (bench/webhook_hostile.py).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from webhook_support import load_request, start_server, wrap

pytest.importorskip("uvicorn")


def _role(uid: str, copies: int = 1000) -> dict[str, Any]:
    return {
        "uid": uid,
        "kind": {"group": "rbac.authorization.k8s.io", "version": "v1", "kind": "Role"},
        "resource": {"group": "rbac.authorization.k8s.io", "version": "v1", "resource": "roles"},
        "name": uid, "namespace": "team", "operation": "CREATE",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": uid, "namespace": "team"},
            "rules": [{"apiGroups": [""] * copies, "resources": ["secrets"] * copies, "verbs": ["get"]}],
        },
        "oldObject": None, "dryRun": False,
    }


def test_expensive_object_cannot_stall_admission(tmp_path: Path) -> None:
    srv = start_server(tmp_path, "--failure-mode", "deny", workers=2)
    try:
        hostile: list[tuple[float, dict[str, Any]]] = []
        failed: list[str] = []  # a Role request that got no answer at all (kept, not lost with its thread)

        def send_role(i: int) -> None:
            from webhook_support import Server

            own = Server(srv.proc, srv.port, srv.ca, srv.cert_dir, srv.log)  # its own connection
            t0 = time.monotonic()
            try:
                resp = own.review("/validate", wrap(_role(f"role-{i}")), query="?timeout=3s")["response"]
            except Exception as exc:  # noqa: BLE001 - reported below as a request without an answer
                failed.append(f"role-{i} after {time.monotonic() - t0:.1f} s: {type(exc).__name__}: {exc}")
                return
            finally:
                own.stop_connections()
            hostile.append((time.monotonic() - t0, resp))

        senders = []
        pods: list[dict[str, Any]] = []
        stop = time.monotonic() + 6
        i = 0
        next_role = time.monotonic()
        while time.monotonic() < stop:
            if time.monotonic() >= next_role:
                t = threading.Thread(target=send_role, args=(len(senders),))
                t.start()
                senders.append(t)
                next_role += 1.0
            req = copy.deepcopy(load_request("04"))
            req["uid"] = f"pod-{i}"
            i += 1
            pods.append(srv.review("/validate", wrap(req), query="?timeout=3s")["response"])
        for t in senders:
            t.join(timeout=30)
        # every Pod got a real decision, never the deadline's failure answer
        assert len(pods) > 20
        for resp in pods:
            assert "deadline" not in json.dumps(resp), resp
        # every Role got the failure answer (deny), not later than its deadline plus scheduling slack
        assert not failed, failed
        assert len(hostile) == len(senders) >= 5
        for took, resp in hostile:
            assert resp["allowed"] is False and "deadline" in resp["status"]["message"], resp
            assert took < 6.0
        # and no worker had to be killed for it
        assert "killing it" not in srv.log.read_text(errors="replace")
    finally:
        srv.stop()
