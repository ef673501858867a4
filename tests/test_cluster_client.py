"""The audit's Kubernetes client against a scripted HTTPS server: paging with ``continue``, a
list whose token expired (410), 401/403 worded with the permission and their exit code, the
bearer token and the CA check. The real apiserver: tests/e2e/test_audit_e2e.py."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from policyguard.cluster.client import APIResource, ClusterError, Credentials, KubeClient
from policyguard.exitcodes import EXIT_CLUSTER_FORBIDDEN, EXIT_CLUSTER_UNREACHABLE
from policyguard.webhook.certs import make_certs

PODS = APIResource("", "v1", "Pod", "pods", True, ("get", "list"))


class Script:
    def __init__(self) -> None:
        self.pods = [{"metadata": {"name": f"p{i}", "namespace": "n", "uid": f"u{i}"}} for i in range(5)]
        self.expire_first = 0  # answer 410 to this many first-page requests
        self.expire_continue = 0  # answer 410 to this many continued requests
        self.status = 200
        self.seen: list[tuple[str, str, str]] = []  # (method, path+query, authorization)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Script, Credentials]]:
    certs = make_certs(str(tmp_path / "certs"), service="api", namespace="x", days=1, extra_names=["127.0.0.1"])
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            script.seen.append(("GET", self.path, self.headers.get("Authorization", "")))
            url = urlsplit(self.path)
            q = parse_qs(url.query)
            if script.status != 200:
                msg = 'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope'
                return self._send(script.status, {"kind": "Status", "message": msg if script.status == 403 else "Unauthorized"})
            if url.path == "/api/v1/pods":
                limit = int(q["limit"][0])
                start = int(q.get("continue", ["0"])[0])
                if start == 0 and script.expire_first:
                    script.expire_first -= 1
                    return self._send(410, {"kind": "Status", "message": "too old resource version"})
                if start and script.expire_continue:
                    script.expire_continue -= 1
                    return self._send(410, {"kind": "Status", "message": "the provided continue parameter is too old"})
                items = script.pods[start:start + limit]
                nxt = str(start + limit) if start + limit < len(script.pods) else ""
                return self._send(200, {"kind": "PodList", "metadata": {"continue": nxt}, "items": items})
            return self._send(404, {"kind": "Status", "message": "not found"})

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.cert, certs.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    creds = Credentials(server=f"https://127.0.0.1:{httpd.server_address[1]}", ca_pem=Path(certs.ca_cert).read_bytes(),
                        token="s3cret", source="test kubeconfig")
    try:
        yield script, creds
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_lists_follow_continue_and_send_the_token(server: tuple[Script, Credentials]) -> None:
    script, creds = server
    items = list(KubeClient(creds).list_pages(PODS, limit=2))
    assert [i["metadata"]["name"] for i in items] == ["p0", "p1", "p2", "p3", "p4"]
    assert all(i["kind"] == "Pod" and i["apiVersion"] == "v1" for i in items)
    assert [p for _, p, _ in script.seen] == ["/api/v1/pods?limit=2", "/api/v1/pods?limit=2&continue=2",
                                             "/api/v1/pods?limit=2&continue=4"]
    assert {a for _, _, a in script.seen} == {"Bearer s3cret"}


def test_an_expired_list_starts_over_without_repeating_objects(server: tuple[Script, Credentials]) -> None:
    script, creds = server
    script.expire_first = 1
    assert len(list(KubeClient(creds).list_pages(PODS, limit=2))) == 5
    script.expire_continue = 1  # p0, p1 handed out, then the token expires: the restart skips them
    names = [i["metadata"]["name"] for i in KubeClient(creds).list_pages(PODS, limit=2)]
    assert names == ["p0", "p1", "p2", "p3", "p4"]
    script.expire_continue = 10
    with pytest.raises(ClusterError, match="expired \\(410\\) three times"):
        list(KubeClient(creds).list_pages(PODS, limit=2))


@pytest.mark.parametrize(("status", "text"), [(403, "cannot list resource \"pods\""), (401, "401 Unauthorized")])
def test_refusals_are_exit_5_and_name_what_is_missing(server: tuple[Script, Credentials], status: int, text: str) -> None:
    script, creds = server
    script.status = status
    with pytest.raises(ClusterError) as info:
        list(KubeClient(creds).list_pages(PODS))
    assert info.value.exit_code == EXIT_CLUSTER_FORBIDDEN and text in str(info.value)
    if status == 403:
        assert "the audit needs 'list pods'" in str(info.value) and "webhook manifests --audit" in str(info.value)


def test_a_server_the_ca_does_not_vouch_for_is_exit_4(server: tuple[Script, Credentials], tmp_path: Path) -> None:
    _, creds = server
    other = make_certs(str(tmp_path / "other"), service="o", namespace="x", days=1, extra_names=["127.0.0.1"])
    creds.ca_pem = Path(other.ca_cert).read_bytes()
    with pytest.raises(ClusterError) as info:
        KubeClient(creds).get("/api/v1")
    assert info.value.exit_code == EXIT_CLUSTER_UNREACHABLE and "not trusted" in str(info.value)
