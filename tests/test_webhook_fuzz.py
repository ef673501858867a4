"""Fuzz: random bytes, random JSON and real reviews with random parts replaced, thrown at the real
TLS server. Every request gets a well-formed answer (200 with the echoed uid, or a 4xx Status
naming the problem), never a 500, and the server keeps serving."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from webhook_support import Server, load_request, start_server, wrap

pytest.importorskip("uvicorn")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

KEYS = ["uid", "operation", "kind", "object", "oldObject", "userInfo", "namespace", "name", "dryRun", "subResource", "options"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = start_server(tmp_path_factory.mktemp("fuzz"), workers=2)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def seeds() -> list[dict[str, Any]]:
    return [load_request(p) for p in ("01", "02", "04", "06", "08", "13", "15")]


def _check(server: Server, body: bytes, path: str = "/validate") -> None:
    code, _, data = server.request("POST", path, body)
    assert code in (200, 400, 413), (code, data[:300])
    doc = json.loads(data)
    if code == 200:
        assert doc["kind"] == "AdmissionReview" and doc["apiVersion"] in ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
        sent = json.loads(body)
        resp = doc["response"]
        assert resp["uid"] == sent["request"]["uid"]
        assert isinstance(resp["allowed"], bool)
        if not resp["allowed"]:
            assert resp["status"]["code"] in (403, 500) and resp["status"]["message"]
        if "patch" in resp:
            assert path == "/mutate" and resp["patchType"] == "JSONPatch"
    else:
        assert doc["kind"] == "Status" and doc["code"] == code and doc["message"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.binary(max_size=600))
def test_random_bytes(server: Server, body: bytes) -> None:
    _check(server, body)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=JSON)
def test_random_json(server: Server, doc: Any) -> None:
    _check(server, json.dumps(doc).encode())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    pick=st.integers(0, 6),
    edits=st.lists(st.tuples(st.sampled_from(KEYS + ["object.spec", "object.metadata", "object.spec.containers", "kind.kind"]), JSON), min_size=1, max_size=3),
    version=st.sampled_from(["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]),
    path=st.sampled_from(["/validate", "/mutate"]),
)
def test_mutated_real_reviews(server: Server, seeds: list[dict[str, Any]], pick: int, edits: list[tuple[str, Any]], version: str, path: str) -> None:
    req = copy.deepcopy(seeds[pick])
    for where, value in edits:
        target: Any = req
        parts = where.split(".")
        for p in parts[:-1]:
            target = target.get(p) if isinstance(target, dict) else None
            if not isinstance(target, dict):
                break
        if isinstance(target, dict):
            target[parts[-1]] = value
    _check(server, json.dumps(wrap(req, version)).encode(), path)


def test_server_survived(server: Server) -> None:
    assert server.proc.poll() is None
    assert server.request("GET", "/healthz")[0] == 200
    # the workers never crashed (the supervisor would have logged a restart)
    log = server.log.read_text(errors="replace")
    assert "restarting" not in log and "Traceback" not in log, log[-2000:]
