"""Malformed request inputs are 400s with a message naming the input, never 500s: the
``?timeout=`` the apiserver sends (a Go duration such as ``10s``), Content-Length, and numbers
in the AdmissionReview body. The app is called in process through ASGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from test_engine_helpers import REPO

from policyguard.webhook.config import MAX_DURATION, parse_duration


def _review(extra_spec: str = "") -> bytes:
    pod = ('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "t"}, '
           '"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]' + extra_spec + "}}")
    return ('{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {'
            '"uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, '
            '"resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE", '
            '"namespace": "t", "name": "p", "userInfo": {"username": "alice"}, "object": ' + pod + "}}").encode()


@pytest.fixture(scope="module")
def app() -> Any:
    from policyguard.options import RuleOptions, ScanOptions
    from policyguard.webhook.app import WebhookApp
    from policyguard.webhook.config import WebhookConfig

    options = ScanOptions(rules=RuleOptions(rule_dirs=[str(REPO / "rules" / "kubernetes")], builtin_rules=False))
    return WebhookApp(WebhookConfig(evaluation="inline"), options)


def _call(app: Any, query: bytes, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, dict[str, Any]]:
    async def go() -> tuple[int, dict[str, Any]]:
        await app.evaluator.start()
        scope = {"type": "http", "path": "/validate", "method": "POST", "query_string": query,
                 "headers": headers if headers is not None else [(b"content-length", str(len(body)).encode())]}
        msgs = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []
        out: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return msgs.pop() if msgs else {"type": "http.disconnect"}

        async def send(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                status.append(msg["status"])
            elif msg["type"] == "http.response.body":
                out.append(msg.get("body", b""))

        await app(scope, receive, send)
        return status[0], json.loads(b"".join(out) or b"{}")

    return asyncio.run(go())


@pytest.mark.parametrize("value", [
    "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1e3", "", "-1s", "0", "0s", "-0.5", "10x", "s10",
    "9" * 400, "9" * 5000 + "s", "99999999999999h", "10s10", "0x10", "1_0s", "%20", "10s&timeout=5s",
])
def test_malformed_timeout_is_400_naming_it(app: Any, value: str) -> None:
    code, doc = _call(app, f"timeout={value}".encode(), _review())
    assert code == 400, (value, code, doc)
    assert "timeout" in doc.get("message", ""), doc


@pytest.mark.parametrize("value", ["10s", "30s", "9.5s", "1m0s", "500ms", "2", "1h"])
def test_apiserver_durations_are_accepted(app: Any, value: str) -> None:
    code, doc = _call(app, f"timeout={value}".encode(), _review())
    assert code == 200, (value, doc)
    assert doc["response"]["uid"] == "u1"


@pytest.mark.parametrize("header", [b"-1", b"1_0", b"nan", b"9" * 5000, b"", b"0x10"])
def test_malformed_content_length_is_400(app: Any, header: bytes) -> None:
    code, doc = _call(app, b"timeout=10s", _review(), headers=[(b"content-length", header)])
    assert code == 400 and "Content-Length" in doc.get("message", ""), (header, code, doc)


@pytest.mark.parametrize("number", ["1" + "0" * 5000, "1e400", "-1e400", "NaN", "Infinity"])
def test_out_of_range_numbers_in_the_body_are_400(app: Any, number: str) -> None:
    code, doc = _call(app, b"timeout=10s", _review(f', "terminationGracePeriodSeconds": {number}'))
    assert code == 400 and "JSON" in doc.get("message", ""), (number, code, doc)


def test_big_integer_within_range_is_judged(app: Any) -> None:
    code, doc = _call(app, b"timeout=10s", _review(', "terminationGracePeriodSeconds": ' + "9" * 40))
    assert code == 200 and doc["response"]["uid"] == "u1", doc


def test_parse_duration_range_and_go_syntax() -> None:
    assert parse_duration("1m30.5s") == pytest.approx(90.5)
    assert parse_duration("1.5h") == pytest.approx(5400)
    assert parse_duration("100us") == pytest.approx(1e-4) == parse_duration("100µs")
    assert parse_duration(f"{int(MAX_DURATION)}s") == pytest.approx(MAX_DURATION)
    for bad in ("nan", "inf", "1e400", "", f"{int(MAX_DURATION) + 1}s"):
        with pytest.raises(ValueError):
            parse_duration(bad)
