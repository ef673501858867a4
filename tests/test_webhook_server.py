"""Acceptance tests: the real `policyguard serve` (uvicorn workers, real TLS, real rule pack) on
loopback, fed the real AdmissionReview requests from ../shared/admission (wrapped as its README
says). Requests marked "derived" are real fixtures with one field edited, as the README asks."""

from __future__ import annotations

import copy
import json
import re
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
from webhook_support import Server, decode_patch, judge_locally, load_request, rule_id, start_server, wrap

pytest.importorskip("uvicorn")

WEBHOOK_CONFIG = {
    "header_timeout": "1s",
    "body_timeout": "1s",
    "tls_reload_interval": 0.3,
    "exclude_namespaces": ["kube-system", "excluded-*"],
    "exclude_users": ["system:serviceaccount:ci:*"],
    # mutation is opted into rule by rule; PG-K8S-NS-001's fix (remove metadata.namespace) is
    # listed to prove it is still never applied to a live object
    "mutation": {"rules": ["PG-K8S-POD-004", "PG-K8S-POD-015", "PG-K8S-NS-001"]},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("webhook")
    audit = tmp / "audit.jsonl"
    # the strict profile: these cases exercise warnings from hardening rules too
    srv = start_server(tmp, "--audit-log", str(audit), "--profile", "strict", config=WEBHOOK_CONFIG, workers=2)
    srv.audit = audit  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def _resp(doc: dict[str, Any], version: str = "admission.k8s.io/v1") -> dict[str, Any]:
    assert doc["apiVersion"] == version
    assert doc["kind"] == "AdmissionReview"
    return doc["response"]


def _check_warnings(resp: dict[str, Any]) -> list[str]:
    warnings = resp.get("warnings", [])
    assert all(isinstance(w, str) and 0 < len(w) <= 256 for w in warnings)
    assert sum(len(w) for w in warnings) <= 4096
    return warnings


def _denied_by(resp: dict[str, Any], *rule_ids: str) -> None:
    assert resp["allowed"] is False
    st = resp["status"]
    assert st["code"] == 403 and st["status"] == "Failure" and st["reason"] == "Forbidden"
    for rid in rule_ids:
        assert f"[{rid}]" in st["message"], st["message"]
    assert "fix " in st["message"]  # remediation is part of the message
    assert "patch" not in resp and "patchType" not in resp


# ------------------------------------------------------------------ validate: the real requests
def test_privileged_pod_denied(server: Server) -> None:
    req = load_request("04")
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"]
    _denied_by(resp, rule_id("privileged"))
    assert "nginx" in resp["status"]["message"]
    _check_warnings(resp)


def test_privileged_ephemeral_container_denied(server: Server) -> None:
    req = load_request("05")
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"]
    _denied_by(resp, rule_id("privileged"))
    assert "ephemeralContainers" in resp["status"]["message"]


def test_kubectl_debug_through_the_ephemeralcontainers_subresource_is_judged(server: Server) -> None:
    """Derived from 05: `kubectl debug` adds its container to a running Pod as an UPDATE of
    pods/ephemeralcontainers (the object is the whole Pod). Judged by default: a privileged debug
    container is denied. /mutate sends no patch through a subresource."""
    req = copy.deepcopy(load_request("05"))
    old = copy.deepcopy(req["object"])
    old["spec"].pop("ephemeralContainers")
    req.update(uid="derived-ephemeral", operation="UPDATE", subResource="ephemeralcontainers", oldObject=old)
    _denied_by(_resp(server.review("/validate", wrap(req))), rule_id("privileged"))
    resp = _resp(server.review("/mutate", wrap(req)))
    assert resp["allowed"] is True and "patch" not in resp


@pytest.mark.parametrize("prefix", ["06", "11", "12"], ids=["cronjob", "statefulset", "daemonset"])
def test_root_workloads_denied(server: Server, prefix: str) -> None:
    req = load_request(prefix)
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"]
    _denied_by(resp, rule_id("run_as_user"))


@pytest.mark.parametrize("prefix", ["08", "09", "13"], ids=["namespace-cluster-scoped", "pvc", "custom-resource"])
def test_objects_without_pod_rules_allowed(server: Server, prefix: str) -> None:
    req = load_request(prefix)
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp == {"uid": req["uid"], "allowed": True} or (resp["allowed"] is True and resp["uid"] == req["uid"])
    assert "status" not in resp or resp["status"]["code"] == 200
    _check_warnings(resp)


@pytest.mark.parametrize("prefix", ["07", "10", "14"], ids=["service-lb", "ingress-v1", "ingress-extensions-v1beta1"])
def test_other_kinds_answered(server: Server, prefix: str) -> None:
    req = load_request(prefix)
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"] and isinstance(resp["allowed"], bool)
    _check_warnings(resp)
    if not resp["allowed"]:
        assert resp["status"]["code"] == 403 and "[PG-" in resp["status"]["message"]


def test_minimal_job_allowed_with_warnings(server: Server) -> None:
    """15: a Job whose container sets no securityContext: medium findings are warnings (default
    enforcement denies at high and above), so it is admitted with warnings naming the rules."""
    req = load_request("15")
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"]
    assert resp["allowed"] is True
    warnings = _check_warnings(resp)
    assert any(rule_id("run_as_non_root") in w for w in warnings), warnings
    assert all(w.startswith("policyguard") for w in warnings)


def test_update_judged_on_object(server: Server) -> None:
    """01: UPDATE of a Deployment; the verdict is the one for `object` judged alone as a CREATE."""
    req = load_request("01")
    resp = _resp(server.review("/validate", wrap(req)))
    assert resp["uid"] == req["uid"]
    create = copy.deepcopy(req)
    create["operation"] = "CREATE"
    create["oldObject"] = None
    create["uid"] = "derived-create-of-01"
    as_create = _resp(server.review("/validate", wrap(create)))
    assert as_create["allowed"] == resp["allowed"]
    assert as_create.get("warnings") == resp.get("warnings")

    # derived: make the updated object privileged: the UPDATE is denied
    bad = copy.deepcopy(req)
    bad["uid"] = "derived-01-privileged"
    bad["object"]["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    _denied_by(_resp(server.review("/validate", wrap(bad))), rule_id("privileged"))


@pytest.mark.parametrize("prefix", ["02", "03"], ids=["deployment", "pod"])
def test_delete_allowed_without_patch(server: Server, prefix: str) -> None:
    req = load_request(prefix)
    assert req["operation"] == "DELETE"
    for endpoint in ("/validate", "/mutate"):
        resp = _resp(server.review(endpoint, wrap(req)))
        assert resp["uid"] == req["uid"] and resp["allowed"] is True
        assert "patch" not in resp and "patchType" not in resp


def test_connect_allowed(server: Server) -> None:
    """Derived from 04: `kubectl exec` into the privileged pod is a CONNECT on pods/exec with a
    PodExecOptions object; no rule targets CONNECT, so it is allowed without evaluation."""
    req = copy.deepcopy(load_request("04"))
    req.update(
        uid="derived-connect-exec",
        operation="CONNECT",
        subResource="exec",
        kind={"group": "", "version": "v1", "kind": "PodExecOptions"},
        object={"apiVersion": "v1", "kind": "PodExecOptions", "stdin": True, "tty": True, "container": "nginx", "command": ["sh"]},
        oldObject=None,
    )
    for endpoint in ("/validate", "/mutate"):
        assert _resp(server.review(endpoint, wrap(req))) == {"uid": "derived-connect-exec", "allowed": True}


def test_v1beta1_answered_as_v1beta1(server: Server) -> None:
    req = load_request("04")
    doc = server.review("/validate", wrap(req, "admission.k8s.io/v1beta1"))
    resp = _resp(doc, "admission.k8s.io/v1beta1")
    _denied_by(resp, rule_id("privileged"))


def test_full_field_reviews(server: Server) -> None:
    """23/24: k8s.io/api round-trip fixtures with placeholder values. As sent, the operation is
    not a real one: 400 naming the field. Derived (operation UPDATE): a subresource request,
    not judged by default, so allowed; the review's own `response` is ignored."""
    for prefix, version in (("23", "admission.k8s.io/v1"), ("24", "admission.k8s.io/v1beta1")):
        req = load_request(prefix)
        code, body = server.post("/validate", wrap(req, version))
        assert code == 400 and "request.operation" in body["message"]
        derived = copy.deepcopy(req)
        derived["operation"] = "UPDATE"
        assert derived["subResource"] and derived["dryRun"] is True
        resp = _resp(server.review("/validate", wrap(derived, version)), version)
        assert resp == {"uid": req["uid"], "allowed": True}


def test_subresource_scale_not_judged(server: Server) -> None:
    """Derived from 01 as the shared README suggests: an UPDATE of deployments/scale."""
    req = load_request("01")
    scale = copy.deepcopy(req)
    scale.update(
        uid="derived-scale",
        subResource="scale",
        kind={"group": "autoscaling", "version": "v1", "kind": "Scale"},
        object={"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "nginx", "namespace": "default"}, "spec": {"replicas": 3}},
        oldObject=None,
    )
    resp = _resp(server.review("/validate", wrap(scale)))
    assert resp == {"uid": "derived-scale", "allowed": True}


def test_namespace_and_user_exclusions(server: Server) -> None:
    req = load_request("04")
    ns = copy.deepcopy(req)
    ns.update(uid="derived-excluded-ns", namespace="excluded-team")
    assert _resp(server.review("/validate", wrap(ns))) == {"uid": "derived-excluded-ns", "allowed": True}
    user = copy.deepcopy(req)
    user.update(uid="derived-excluded-user", userInfo={"username": "system:serviceaccount:ci:deployer", "groups": []})
    assert _resp(server.review("/validate", wrap(user))) == {"uid": "derived-excluded-user", "allowed": True}


def test_object_cannot_forge_an_unknown_value(server: Server) -> None:
    """A key named like the model's unknown marker inside the object is data: the privileged
    containers are still denied (it would otherwise make the check "unknown", which allows)."""
    req = copy.deepcopy(load_request("04"))
    req["uid"] = "forged-unknown"
    forged = 0
    for c in req["object"]["spec"]["containers"]:
        sc = c.setdefault("securityContext", {})
        if sc.get("privileged"):
            c["securityContext"] = {"__unknown__": "var.nothing", **sc}
            forged += 1
    assert forged
    _denied_by(_resp(server.review("/validate", wrap(req))), rule_id("privileged"))


def test_dry_run_is_judged_but_not_audited(server: Server) -> None:
    req = load_request("04")
    dry = copy.deepcopy(req)
    dry.update(uid="derived-dry-run", dryRun=True)
    _denied_by(_resp(server.review("/validate", wrap(dry))), rule_id("privileged"))
    time.sleep(0.2)
    lines = [json.loads(x) for x in server.audit.read_text().splitlines()]  # type: ignore[attr-defined]
    assert not any(x["uid"] == "derived-dry-run" for x in lines)


def test_audit_log_lines(server: Server) -> None:
    req = load_request("04")
    r = copy.deepcopy(req)
    r["uid"] = "audit-check-04"
    server.review("/validate", wrap(r))
    time.sleep(0.2)
    lines = [json.loads(x) for x in server.audit.read_text().splitlines()]  # type: ignore[attr-defined]
    mine = [x for x in lines if x["uid"] == "audit-check-04"]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["decision"] == "denied"
    assert entry["user"] == req["userInfo"]["username"]
    assert entry["object"]["kind"] == "Pod" and entry["object"]["name"] == "nginx" and entry["object"]["namespace"] == "default"
    assert rule_id("privileged") in entry["rules"]["deny"]
    assert "object_body" not in entry  # no bodies unless configured


# ------------------------------------------------------------------ mutate
def test_mutate_patch_fixes_the_object(server: Server) -> None:
    """The returned JSON Patch, applied with `jsonpatch`, yields an object on which the rules the
    patch targets pass (re-evaluated with the real engine)."""
    jsonpatch = pytest.importorskip("jsonpatch")
    pytest.importorskip("policyguard.fix.jsonpatch")
    req = load_request("04")
    resp = _resp(server.review("/mutate", wrap(req)))
    assert resp["uid"] == req["uid"] and resp["allowed"] is True
    patch = decode_patch(resp)
    assert patch and all(op["op"] in ("add", "replace", "remove", "test") for op in patch)
    fixed = {w.split("satisfy ")[1] for w in resp.get("warnings", []) if "mutated to satisfy" in w}
    assert fixed == {rule_id("privileged"), rule_id("privilege_escalation")}  # only the enabled rules
    assert any(w.startswith("policyguard: not mutated for PG-K8S-NS-001: it changes metadata.namespace") for w in resp["warnings"])
    assert all(not op["path"].startswith("/metadata") for op in patch)
    patched = jsonpatch.apply_patch(req["object"], patch)
    assert patched["metadata"] == req["object"]["metadata"]
    after = judge_locally(patched, fixed)
    assert after, "the fixed rules must still apply to the patched object"
    failing = [(f.rule_id, f.path, f.message) for f in after if str(f.status) == "fail"]
    assert not failing, failing
    # and the validate endpoint no longer denies for those rules
    again = copy.deepcopy(req)
    again.update(uid="derived-patched", object=patched)
    resp2 = _resp(server.review("/validate", wrap(again)))
    msg = resp2.get("status", {}).get("message", "")
    assert not any(f"[{rid}]" in msg for rid in fixed), msg


def test_validate_never_patches(server: Server) -> None:
    for prefix in ("04", "06", "15"):
        resp = _resp(server.review("/validate", wrap(load_request(prefix))))
        assert "patch" not in resp and "patchType" not in resp


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"this is not json", "not valid JSON"),
        (b"", "empty body"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "Pod", "request": {}}).encode(), "kind must be AdmissionReview"),
        (json.dumps({"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview", "request": {}}).encode(), "apiVersion"),
        (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}).encode(), "request is missing"),
        (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"operation": "CREATE"}}).encode(), "request.uid"),
        (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": 7}}).encode(), "request.uid"),
        (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' + b"[" * 200 + b"]" * 200 + b"}", "nested"),
        (b"[" * 100000 + b"]" * 100000, "nested"),
    ],
    ids=["not-json", "empty", "array", "wrong-kind", "wrong-version", "no-request", "no-uid", "uid-not-string", "deep", "very-deep"],
)
def test_bad_reviews_get_400(server: Server, body: bytes, fragment: str) -> None:
    code, doc = server.post("/validate", body)
    assert code == 400
    assert doc["kind"] == "Status" and doc["code"] == 400 and doc["reason"] == "BadRequest"
    assert fragment in doc["message"], doc["message"]


def test_object_without_kind_is_400(server: Server) -> None:
    req = load_request("04")
    bad = copy.deepcopy(req)
    bad.update(kind={"group": "", "version": "", "kind": ""}, object={"metadata": {"name": "x"}})
    code, doc = server.post("/validate", wrap(bad))
    assert code == 400 and "request.object" in doc["message"]


def test_bad_timeout_parameter(server: Server) -> None:
    code, doc = server.post("/validate", wrap(load_request("04")), "?timeout=soon")
    assert code == 400 and "timeout" in doc["message"]


def test_oversized_body_413(server: Server) -> None:
    req = load_request("04")
    big = copy.deepcopy(req)
    big["object"]["metadata"]["annotations"]["padding"] = "x" * (3 * 1024 * 1024 + 10)
    code, doc = server.post("/validate", wrap(big))
    assert code == 413 and doc["code"] == 413 and "limit" in doc["message"]
    # and chunked uploads without Content-Length are cut off too
    conn = server.connection()
    conn.putrequest("POST", "/validate")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    chunk = b"x" * (1024 * 1024)
    try:
        for _ in range(4):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server may close early after answering 413
    r = conn.getresponse()
    assert r.status == 413
    conn.close()
    assert server.request("GET", "/healthz")[0] == 200


def _raw_tls(server: Server) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return server.context().wrap_socket(raw, server_hostname="127.0.0.1")


def test_slow_client_head_408(server: Server) -> None:
    s = _raw_tls(server)
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\n")  # and then nothing
    t0 = time.monotonic()
    data = s.recv(4096)
    assert time.monotonic() - t0 < 5
    assert data.startswith(b"HTTP/1.1 408"), data
    assert b"request head not received" in data
    s.close()


def test_slow_client_body_408(server: Server) -> None:
    s = _raw_tls(server)
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"api")
    buf = b""
    t0 = time.monotonic()
    while b"\r\n\r\n" not in buf or not buf.rstrip().endswith(b"}"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    assert time.monotonic() - t0 < 5
    assert buf.startswith(b"HTTP/1.1 408"), buf
    assert b"request body not received" in buf
    s.close()
    assert server.request("GET", "/healthz")[0] == 200


def test_expect_100_continue_is_answered_before_the_body(server: Server) -> None:
    """The response-head coalescing (server._CoalescingTransport) must not hold an interim
    100 Continue: the client waits for it before sending the body."""
    body = json.dumps(wrap(load_request("04"))).encode()
    s = _raw_tls(server)
    s.sendall(b"POST /validate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    interim = s.recv(4096)
    assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
    s.sendall(body)
    buf = b""
    while b"\r\n\r\n" not in buf or len(buf.split(b"\r\n\r\n", 1)[1]) < int(
            [h for h in buf.split(b"\r\n\r\n", 1)[0].split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1]):
        chunk = s.recv(65536)
        assert chunk, buf
        buf += chunk
    head, payload = buf.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(payload)["response"]["allowed"] is False
    s.close()


def test_routes(server: Server) -> None:
    assert server.request("GET", "/healthz")[0] == 200
    code, _, body = server.request("GET", "/readyz")
    assert code == 200 and b"rules loaded" in body
    assert server.request("GET", "/validate")[0] == 405
    code, _, body = server.request("GET", "/nope")
    assert code == 404 and json.loads(body)["code"] == 404


def test_metrics(server: Server) -> None:
    server.review("/validate", wrap(load_request("04")))
    denied = f'policyguard_webhook_rule_findings_total{{outcome="deny",rule="{rule_id("privileged")}"}}'
    deadline = time.monotonic() + 10  # other workers flush their snapshots every second
    while True:
        code, hdrs, body = server.request("GET", "/metrics")
        text = body.decode()
        if denied in text or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert code == 200 and hdrs["content-type"].startswith("text/plain; version=0.0.4")
    assert '# TYPE policyguard_webhook_requests_total counter' in text
    assert 'policyguard_webhook_requests_total{code="200",endpoint="validate"}' in text
    assert 'policyguard_webhook_decisions_total{endpoint="validate",outcome="denied"}' in text
    assert denied in text
    assert 'policyguard_webhook_request_duration_seconds_bucket{endpoint="validate",le="+Inf"}' in text
    assert "policyguard_webhook_request_duration_seconds_count" in text
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


def test_tls_certificate_reloaded(server: Server, tmp_path: Path) -> None:
    from cryptography import x509

    from policyguard.webhook.certs import make_certs

    def served_serial() -> int:
        s = _raw_tls(server)
        der = s.getpeercert(binary_form=True)
        s.close()
        assert der
        return x509.load_der_x509_certificate(der).serial_number

    before = served_serial()
    d = server.cert_dir
    make_certs(d, days=2, extra_names=["127.0.0.1"], ca=(d / "ca.crt", d / "ca.key"))
    new = x509.load_pem_x509_certificate((d / "tls.crt").read_bytes()).serial_number
    assert new != before
    # each worker polls the files on its own clock: done when both count a successful reload
    # (the /metrics total sums the workers' snapshots)
    deadline = time.monotonic() + 20
    reloaded = 0.0
    while time.monotonic() < deadline:
        _, _, body = server.request("GET", "/metrics")
        m = re.search(rb'^policyguard_webhook_tls_reloads_total\{result="ok"\} (\S+)$', body, re.M)
        reloaded = float(m.group(1)) if m else 0.0
        if reloaded >= 2:
            break
        time.sleep(0.2)
    assert reloaded == 2
    # both workers serve it: several fresh connections all see the new certificate
    assert {served_serial() for _ in range(6)} == {new}
    assert server.review("/validate", wrap(load_request("08")))["response"]["allowed"] is True


def test_default_profile_is_baseline(tmp_path: Path) -> None:
    """Without --profile the webhook runs the baseline rules: the Job of case 15 (no
    securityContext, nothing privileged) is admitted with no warning from strict hardening rules
    such as runAsNonRoot, while a rule the config names by id still runs."""
    plain = start_server(tmp_path / "plain", config={}, workers=1, insecure=True)
    try:
        resp = _resp(plain.review("/validate", wrap(load_request("15"))))
        assert resp["allowed"] is True
        assert not any(rule_id("run_as_non_root") in w for w in resp.get("warnings", []))
    finally:
        plain.stop()
    named = start_server(tmp_path / "named", config={"enforcement": {"rules": {rule_id("run_as_non_root"): "warn"}}},
                         workers=1, insecure=True)
    try:
        resp = _resp(named.review("/validate", wrap(load_request("15"))))
        assert any(rule_id("run_as_non_root") in w for w in resp.get("warnings", []))
    finally:
        named.stop()
