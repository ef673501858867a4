"""Webhook pieces without a server: config, review parsing, response limits, enforcement,
metrics text, certificates and the deployment manifests (checked with policyguard's own
Kubernetes parser and rule pack)."""

from __future__ import annotations

import base64
import json
import ssl
from pathlib import Path

import pytest
from webhook_support import RULES

from policyguard.model import Finding, RuleMeta, Severity, Span, Status
from policyguard.webhook import admission
from policyguard.webhook.admission import AdmissionError, limit_warnings, parse_review
from policyguard.webhook.config import (
    Enforcement,
    WebhookConfig,
    WebhookConfigError,
    apply_enforce_options,
    parse_duration,
)
from policyguard.webhook.enforcement import decide, deny_message, rules_for_operation, skip_reason, warning_texts
from policyguard.webhook.metrics import Metrics


def _review(**req: object) -> bytes:
    base: dict[str, object] = {
        "uid": "u-1",
        "operation": "CREATE",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "namespace": "default",
        "name": "p",
        "userInfo": {"username": "alice", "groups": ["dev"]},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
    }
    base.update(req)
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": base}).encode()


# ------------------------------------------------------------------ config
@pytest.mark.parametrize(("text", "seconds"), [("10s", 10.0), ("1m30s", 90.0), ("500ms", 0.5), ("2", 2.0), ("1h", 3600.0)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "ten", "10x", "s10"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_config_from_dict_and_errors() -> None:
    cfg = WebhookConfig.from_dict(
        {"failure_mode": "allow", "default_timeout": "3s", "enforcement": {"default": "warn", "severity": {"HIGH": "deny"}, "rules": {"X": "audit"}}},
        source="f.yaml: webhook",
    )
    assert cfg.failure_mode == "allow" and cfg.default_timeout == 3.0
    assert cfg.enforcement.mode("X", Severity.CRITICAL) == "audit"
    assert cfg.enforcement.mode("Y", Severity.HIGH) == "deny"
    assert cfg.enforcement.mode("Y", Severity.CRITICAL) == "warn"
    with pytest.raises(WebhookConfigError, match=r"f.yaml: webhook: unknown key 'nope'"):
        WebhookConfig.from_dict({"nope": 1}, source="f.yaml: webhook")
    with pytest.raises(WebhookConfigError, match="failure_mode"):
        WebhookConfig.from_dict({"failure_mode": "maybe"})
    with pytest.raises(WebhookConfigError, match="mode must be one of"):
        WebhookConfig.from_dict({"enforcement": {"rules": {"X": "block"}}})
    with pytest.raises(WebhookConfigError, match="max_body_bytes: expected int"):
        WebhookConfig.from_dict({"max_body_bytes": "big"})
    with pytest.raises(WebhookConfigError, match="unknown severity"):
        WebhookConfig.from_dict({"enforcement": {"severity": {"urgent": "deny"}}})
    assert WebhookConfig.from_dict({"pin_workers": True}).pin_workers is True
    with pytest.raises(WebhookConfigError, match=r"f.yaml: webhook: pin_workers: expected bool, got 'yes'"):
        WebhookConfig.from_dict({"pin_workers": "yes"}, source="f.yaml: webhook")


def test_enforce_options() -> None:
    enf = Enforcement()
    apply_enforce_options(enf, ["default=warn", "low=off", "PG-K8S-POD-004=audit"])
    assert enf.default == "warn" and enf.severity["low"] == "off" and enf.rules["PG-K8S-POD-004"] == "audit"
    with pytest.raises(WebhookConfigError):
        apply_enforce_options(enf, ["nonsense"])


def test_default_enforcement_follows_gate_threshold() -> None:
    enf = WebhookConfig().enforcement
    assert [enf.mode("R", s) for s in Severity] == ["warn", "warn", "warn", "deny", "deny"]


def test_config_file_webhook_section(tmp_path: Path) -> None:
    from policyguard.commands.serve import build_config

    p = tmp_path / ".policyguard.yaml"
    p.write_text("rules:\n  disable: [PG-K8S-POD-020]\nwebhook:\n  failure_mode: allow\n  exclude_users: ['ci-*']\n", encoding="utf-8")
    cfg, options = build_config({"config_path": str(p), "failure_mode": None})
    assert cfg.failure_mode == "allow" and cfg.exclude_users == ["ci-*"]
    assert "PG-K8S-POD-020" in options.rules.disabled_rules
    cfg2, _ = build_config({"config_path": str(p), "failure_mode": "deny"})  # CLI wins
    assert cfg2.failure_mode == "deny"
    p.write_text("webhook:\n  failure_mode: [\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"\.policyguard\.yaml:\d+"):
        build_config({"config_path": str(p)})


# ------------------------------------------------------------------ review parsing
def test_parse_review_fields() -> None:
    r = parse_review(_review(dryRun=True, subResource="status"))
    assert (r.uid, r.operation, r.namespace, r.name, r.sub_resource, r.user, r.groups, r.dry_run) == (
        "u-1", "CREATE", "default", "p", "status", "alice", ["dev"], True,
    )
    assert r.gvk == "v1/Pod" and r.api_version == "admission.k8s.io/v1"


@pytest.mark.parametrize(
    ("req", "fragment"),
    [
        ({"uid": ""}, "request.uid is empty"),
        ({"operation": "PATCH"}, "request.operation"),
        ({"kind": "Pod"}, "request.kind"),
        ({"object": [1]}, "request.object must be an object"),
        ({"object": None}, "request.object is missing"),
        ({"userInfo": {"username": 3}}, "userInfo"),
        ({"dryRun": "yes"}, "dryRun"),
        ({"namespace": 5}, "request.namespace must be a string"),
    ],
)
def test_parse_review_rejects(req: dict[str, object], fragment: str) -> None:
    with pytest.raises(AdmissionError) as info:
        parse_review(_review(**req))
    assert info.value.code == 400 and fragment in info.value.message


def test_delete_without_object_is_fine() -> None:
    r = parse_review(_review(operation="DELETE", object=None, oldObject={"apiVersion": "v1", "kind": "Pod"}))
    assert r.obj is None and r.old_obj is not None


def test_depth_limit() -> None:
    deep: object = "x"
    for _ in range(70):
        deep = {"a": deep}
    body = _review(object={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": deep})
    with pytest.raises(AdmissionError, match="nested deeper"):
        parse_review(body, max_depth=64)
    assert parse_review(body, max_depth=128).uid == "u-1"


@pytest.mark.parametrize("bracket", ["{", "["])
def test_depth_limit_boundary(bracket: str) -> None:
    """The walk is skipped when the body has fewer opening brackets than the limit has levels:
    exactly at the limit passes, one level more fails, whichever bracket nests."""
    for wrappers, ok in ((17, True), (18, False)):  # review, request and object are 3 levels
        deep: object = "x"
        for _ in range(wrappers):
            deep = {"a": deep} if bracket == "{" else [deep]
        body = _review(object={"apiVersion": "v1", "kind": "Pod", "spec": deep})
        if ok:
            assert parse_review(body, max_depth=20).uid == "u-1"
        else:
            with pytest.raises(AdmissionError, match="nested deeper"):
                parse_review(body, max_depth=20)


def test_with_type_fills_from_request_kind() -> None:
    obj = {"metadata": {"name": "j"}}
    out = admission.with_type(obj, {"group": "batch", "version": "v1", "kind": "Job"})
    assert out["apiVersion"] == "batch/v1" and out["kind"] == "Job" and "apiVersion" not in obj
    core = admission.with_type({}, {"group": "", "version": "v1", "kind": "Pod"})
    assert core["apiVersion"] == "v1"


# ------------------------------------------------------------------ responses
def test_warning_limits() -> None:
    long = ["w" * 1000] + [f"warning {i} " + "x" * 200 for i in range(40)]
    out = limit_warnings(long)
    assert all(len(w) <= 256 for w in out)
    assert sum(len(w) for w in out) <= 4096
    assert out[-1].startswith("policyguard:") and "more warnings not shown" in out[-1]
    assert limit_warnings(["a\nb\tc"]) == ["a b c"]


def test_response_shapes() -> None:
    allow = admission.response("admission.k8s.io/v1beta1", "u", True)
    assert allow == {"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "response": {"uid": "u", "allowed": True}}
    deny = admission.response("admission.k8s.io/v1", "u", False, code=403, message="no")["response"]
    assert deny["status"] == {"metadata": {}, "code": 403, "message": "no", "status": "Failure", "reason": "Forbidden"}
    patched = admission.response("admission.k8s.io/v1", "u", True, patch=[{"op": "add", "path": "/a", "value": 1}])["response"]
    assert patched["patchType"] == "JSONPatch"
    assert json.loads(base64.b64decode(patched["patch"])) == [{"op": "add", "path": "/a", "value": 1}]
    err = json.loads(admission.http_error_body(413, "too big"))
    assert err["code"] == 413 and err["reason"] == "RequestEntityTooLarge" and err["kind"] == "Status"


# ------------------------------------------------------------------ enforcement
def _meta(rid: str, sev: Severity, tags: tuple[str, ...] = ()) -> RuleMeta:
    return RuleMeta(id=rid, title=rid, severity=sev, remediation=f"fix {rid} like this", tags=tags)


def _finding(rid: str, sev: Severity, status: Status = Status.FAIL, path: str = "spec.x") -> Finding:
    return Finding(rid, status, sev, "v1/Pod/default/p", "v1/Pod", "kubernetes", Span("<admission>", 1, 1, 1, 1), message=f"{rid} failed", path=path)


def test_decide_modes_and_message() -> None:
    metas = {m.id: m for m in (_meta("A", Severity.CRITICAL), _meta("B", Severity.MEDIUM), _meta("C", Severity.HIGH), _meta("D", Severity.LOW))}
    cfg = WebhookConfig()
    cfg.enforcement.rules["C"] = "audit"
    cfg.enforcement.rules["D"] = "off"
    findings = [_finding("A", Severity.CRITICAL), _finding("B", Severity.MEDIUM), _finding("C", Severity.HIGH), _finding("D", Severity.LOW),
                _finding("A", Severity.CRITICAL, Status.PASS, "other")]
    d = decide(findings, metas, cfg)
    assert [h.rule_id for h in d.deny] == ["A"] and [h.rule_id for h in d.warn] == ["B"] and [h.rule_id for h in d.audit] == ["C"]
    r = parse_review(_review())
    msg = deny_message(r, d)
    assert "[A] A failed (spec.x) [critical]" in msg and "fix A: fix A like this" in msg and "default/p" in msg
    assert warning_texts(d) == ["policyguard: [B] B failed (spec.x) -- fix B like this"]


def test_decide_rule_errors_follow_failure_mode() -> None:
    metas = {"E": _meta("E", Severity.HIGH)}
    err = [_finding("E", Severity.HIGH, Status.ERROR)]
    cfg = WebhookConfig()
    assert [h.rule_id for h in decide(err, metas, cfg).deny] == ["E"]
    cfg.failure_mode = "allow"
    d = decide(err, metas, cfg)
    assert d.allowed and warning_texts(d) and "could not be evaluated" in warning_texts(d)[0]


def test_decide_only_new_and_only_rules() -> None:
    metas = {"A": _meta("A", Severity.HIGH), "B": _meta("B", Severity.HIGH)}
    f = [_finding("A", Severity.HIGH), _finding("B", Severity.HIGH)]
    assert [h.rule_id for h in decide(f, metas, WebhookConfig(), ignore={("A", "spec.x")}).deny] == ["B"]
    assert [h.rule_id for h in decide(f, metas, WebhookConfig(), only_rules={"A"}).deny] == ["A"]


def test_skip_reasons() -> None:
    cfg = WebhookConfig(exclude_users=["system:serviceaccount:kube-system:*"], exclude_groups=["ops"])
    assert "subresource" in (skip_reason(parse_review(_review(subResource="status")), cfg, set()) or "")
    # kubectl debug's subresource is judged out of the box
    assert skip_reason(parse_review(_review(operation="UPDATE", subResource="ephemeralcontainers")), cfg, set()) is None
    cfg.subresources = ["status"]
    assert skip_reason(parse_review(_review(subResource="status")), cfg, set()) is None
    assert "namespace" in (skip_reason(parse_review(_review(namespace="kube-system")), cfg, set()) or "")
    sa = {"username": "system:serviceaccount:kube-system:replicaset-controller", "groups": []}
    assert "user" in (skip_reason(parse_review(_review(userInfo=sa)), cfg, set()) or "")
    assert "group" in (skip_reason(parse_review(_review(userInfo={"username": "bob", "groups": ["ops"]})), cfg, set()) or "")
    delete = parse_review(_review(operation="DELETE", object=None, oldObject={"apiVersion": "v1", "kind": "Pod"}))
    assert "no rule targets DELETE" in (skip_reason(delete, cfg, set()) or "")
    assert skip_reason(delete, cfg, {"X"}) is None
    metas = {"X": _meta("X", Severity.HIGH, ("admission:delete",)), "Y": _meta("Y", Severity.HIGH)}
    assert rules_for_operation("DELETE", cfg, metas) == {"X"}
    cfg.operation_rules = {"CONNECT": ["Y"]}
    assert rules_for_operation("CONNECT", cfg, metas) == {"Y"}


# ------------------------------------------------------------------ metrics
def test_metrics_render_and_aggregate(tmp_path: Path) -> None:
    a, b = Metrics(str(tmp_path), 0), Metrics(str(tmp_path), 1)
    for m in (a, b):
        m.inc("policyguard_webhook_requests_total", endpoint="validate", code="200")
        m.observe("policyguard_webhook_request_duration_seconds", 0.003, endpoint="validate")
    a.observe("policyguard_webhook_request_duration_seconds", 0.2, endpoint="validate")
    b.maybe_flush(force=True)
    text = a.render()
    assert 'policyguard_webhook_requests_total{code="200",endpoint="validate"} 2' in text
    assert 'policyguard_webhook_request_duration_seconds_bucket{endpoint="validate",le="0.005"} 2' in text
    assert 'policyguard_webhook_request_duration_seconds_bucket{endpoint="validate",le="+Inf"} 3' in text
    assert 'policyguard_webhook_request_duration_seconds_count{endpoint="validate"} 3' in text
    assert "# TYPE policyguard_webhook_request_duration_seconds histogram" in text
    single = Metrics()
    single.inc("policyguard_webhook_tls_reloads_total", result='we"ird')
    assert 'result="we\\"ird"' in single.render()


# ------------------------------------------------------------------ certificates
def test_certs_sans_and_chain(tmp_path: Path) -> None:
    from cryptography import x509

    from policyguard.webhook.certs import make_certs

    files = make_certs(tmp_path, service="pg", namespace="sec", days=30)
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == ["pg", "pg.sec", "pg.sec.svc", "pg.sec.svc.cluster.local"]
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    cert.verify_directly_issued_by(ca)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files.cert, files.key)  # the pair matches


def test_certs_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from policyguard.commands import main

    out = tmp_path / "c"
    r = CliRunner().invoke(main, ["webhook", "certs", "--out-dir", str(out), "--service", "s", "--namespace", "n"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["ca.crt", "ca.key", "tls.crt", "tls.key"]


def test_reloading_tls_errors(tmp_path: Path) -> None:
    from policyguard.webhook.tls import ReloadingTLS, TLSConfigError

    with pytest.raises(TLSConfigError, match="no such file"):
        ReloadingTLS(str(tmp_path / "x.crt"), str(tmp_path / "x.key"))
    (tmp_path / "bad.crt").write_text("nope")
    (tmp_path / "bad.key").write_text("nope")
    with pytest.raises(TLSConfigError, match="cannot load"):
        ReloadingTLS(str(tmp_path / "bad.crt"), str(tmp_path / "bad.key"))


# ------------------------------------------------------------------ manifests
def test_manifests_contract(tmp_path: Path) -> None:
    from policyguard.webhook.certs import make_certs
    from policyguard.webhook.manifests import build_manifests

    files = make_certs(tmp_path, days=1)
    docs = build_manifests(namespace="pg", service="hook", replicas=3, ca_bundle=files.ca_cert.read_bytes(), timeout_seconds=7, failure_policy="Ignore")
    kinds = [d["kind"] for d in docs]
    for k in ("Namespace", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
              "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "NetworkPolicy"):
        assert k in kinds
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert dep["spec"]["replicas"] == 3
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz" and c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["securityContext"]["runAsNonRoot"] and c["securityContext"]["readOnlyRootFilesystem"]
    assert c["resources"]["requests"] and c["resources"]["limits"]
    for kind, path in (("ValidatingWebhookConfiguration", "/validate"), ("MutatingWebhookConfiguration", "/mutate")):
        hook = next(d for d in docs if d["kind"] == kind)["webhooks"][0]
        assert hook["sideEffects"] == "None" and hook["timeoutSeconds"] == 7 and hook["failurePolicy"] == "Ignore"
        assert hook["admissionReviewVersions"] == ["v1", "v1beta1"]
        assert hook["clientConfig"]["service"] == {"namespace": "pg", "name": "hook", "path": path, "port": 443}
        assert base64.b64decode(hook["clientConfig"]["caBundle"]) == files.ca_cert.read_bytes()
        expr = hook["namespaceSelector"]["matchExpressions"][0]
        assert expr["operator"] == "NotIn" and "pg" in expr["values"]
    hooks = {d["kind"]: d["webhooks"][0] for d in docs if d["kind"].endswith("WebhookConfiguration")}
    def judged(kind: str) -> set[str]:
        return {r for rule in hooks[kind]["rules"] for r in rule["resources"]}
    # kubectl debug: validated, never mutated (a patch through the subresource may only touch it)
    assert "pods/ephemeralcontainers" in judged("ValidatingWebhookConfiguration")
    assert "pods/ephemeralcontainers" not in judged("MutatingWebhookConfiguration")
    assert "pods" in judged("MutatingWebhookConfiguration")
    with pytest.raises(ValueError):
        build_manifests(timeout_seconds=31)


def test_manifests_pass_own_rule_pack(tmp_path: Path) -> None:
    """`webhook manifests` output parses with policyguard's Kubernetes parser and passes the
    Kubernetes rule pack (image pinned by digest, as a production install should)."""
    from click.testing import CliRunner

    from policyguard.commands import main
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.scan import scan

    image = "ghcr.io/policyguard/policyguard:0.1.0@sha256:" + "0123456789abcdef" * 4
    r = CliRunner().invoke(main, ["webhook", "manifests", "--image", image, "--replicas", "2"])
    assert r.exit_code == 0, r.output
    f = tmp_path / "webhook.yaml"
    f.write_text(r.output, encoding="utf-8")
    result = scan(ScanOptions(read=ReadOptions(paths=[str(f)]), rules=RuleOptions(rule_dirs=[str(RULES / "kubernetes")], builtin_rules=False), evaluation=EvalOptions(jobs=1)))
    assert not result.errors, [str(e) for e in result.errors]
    kinds = sorted({res.type for res in result.resources})
    assert "apps/v1/Deployment" in kinds and "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration" in kinds
    assert result.findings, "the pack must have judged the manifests"
    bad = [(f.rule_id, f.resource_id, f.message) for f in result.findings if f.status in (Status.FAIL, Status.ERROR)]
    # the one documented exception (a policyguard.dev/ignore annotation in the manifest says why):
    # the API server's address cannot be selected, so the webhook port admits any source
    bad = [b for b in bad if b[:2] != ("PG-K8S-NETPOL-004", "networking.k8s.io/v1/NetworkPolicy/policyguard/policyguard-webhook")]
    assert not bad, bad


def test_manifests_with_certs_dir(tmp_path: Path) -> None:
    import yaml
    from click.testing import CliRunner

    from policyguard.commands import main
    from policyguard.webhook.certs import make_certs

    make_certs(tmp_path, days=1)
    r = CliRunner().invoke(main, ["webhook", "manifests", "--certs-dir", str(tmp_path), "--namespace", "sec"])
    assert r.exit_code == 0, r.output
    docs = list(yaml.safe_load_all(r.output))
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert secret["type"] == "kubernetes.io/tls" and base64.b64decode(secret["data"]["tls.crt"]) == (tmp_path / "tls.crt").read_bytes()
    hook = next(d for d in docs if d["kind"] == "ValidatingWebhookConfiguration")["webhooks"][0]
    assert base64.b64decode(hook["clientConfig"]["caBundle"]) == (tmp_path / "ca.crt").read_bytes()
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("hello")
    r = CliRunner().invoke(main, ["webhook", "manifests", "--ca-bundle", str(bad)])
    assert r.exit_code == 2 and "not a PEM certificate" in r.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "needs --tls-cert and --tls-key"),
        (["--tls-cert", "/nonexistent/tls.crt", "--tls-key", "/nonexistent/tls.key"], "no such file"),
        (["--insecure", "--tls-cert", "x", "--tls-key", "y"], "mutually exclusive"),
        (["--insecure", "--enforce", "bogus"], "--enforce"),
        (["--insecure", "--default-timeout", "soon"], "duration"),
    ],
)
def test_serve_refuses_bad_options(args: list[str], fragment: str) -> None:
    from click.testing import CliRunner

    from policyguard.commands import main

    r = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert r.exit_code == 2
    assert fragment in r.output, r.output


def test_serve_refuses_config_selectors_that_select_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelt rule id in the shared .policyguard.yaml would silently change what the webhook
    judges: exit 2 before serving, located. An AWS id in the same file is fine (the file also
    configures the CI gate), though the webhook loads only the Kubernetes rules."""
    from click.testing import CliRunner

    from policyguard.commands import main

    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / ".policyguard.yaml"
    cfg.write_text("version: 1\nrules:\n  disable:\n    - PG-AWS-S3-001\n    - PG-K8S-POD-0001\n")
    r = CliRunner().invoke(main, ["serve", "--insecure", "--port", "0"])
    assert r.exit_code == 2
    assert f"{cfg}:5: rules.disable[1]: no such rule 'PG-K8S-POD-0001' (did you mean PG-K8S-POD-001" in r.output


def test_serve_loads_only_the_kubernetes_part_of_the_builtin_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.commands.serve import build_config

    monkeypatch.chdir(tmp_path)  # no .policyguard.yaml above
    _, options = build_config({})
    assert options.rules.builtin_rules is False and options.rules.rule_dirs == (str(RULES / "kubernetes"),)
    _, options = build_config({"no_builtin_rules": True, "rule_dirs": ("mine",)})
    assert options.rules.builtin_rules is False and options.rules.rule_dirs == ("mine",)


def test_coalescing_transport_joins_head_and_body_only() -> None:
    from policyguard.webhook.server import _CoalescingTransport

    class Recorder:
        def __init__(self) -> None:
            self.writes: list[bytes] = []
            self.closed = False

        def write(self, data: bytes) -> None:
            self.writes.append(data)

        def close(self) -> None:
            self.closed = True

        def get_extra_info(self, name: str) -> str:
            return f"info:{name}"

    rec = Recorder()
    t = _CoalescingTransport(rec)
    t.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert rec.writes == []  # held until the body
    t.write(b"ok")
    t.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # interim: straight through
    t.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 2\r\n\r\n{}")  # complete: straight through
    t.write(b"HTTP/1.1 204 No Content\r\n\r\n")  # held, then flushed by close
    t.close()
    assert rec.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", b"HTTP/1.1 100 Continue\r\n\r\n",
                          b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 2\r\n\r\n{}", b"HTTP/1.1 204 No Content\r\n\r\n"]
    assert rec.closed and t.get_extra_info("peername") == "info:peername"


def test_manifests_register_every_kind_the_kubernetes_pack_judges() -> None:
    """A kind the rules judge but the ValidatingWebhookConfiguration does not list is never
    sent to the webhook (ReplicationControllers were missing)."""
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions
    from policyguard.webhook.manifests import build_manifests

    def plural(kind: str) -> str:
        k = kind.lower()
        return k[:-1] + "ies" if k.endswith("y") else k + "es" if k.endswith("s") else k + "s"

    docs = build_manifests()
    hook = next(d for d in docs if d["kind"] == "ValidatingWebhookConfiguration")["webhooks"][0]
    registered = {(g, r) for rule in hook["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    ruleset = engine.load_ruleset(RuleOptions(rule_dirs=[str(Path(__file__).parent.parent / "rules" / "kubernetes")], builtin_rules=False), EvalOptions())
    # Not sent on purpose: the API server never calls webhooks for webhook configurations, and
    # registering Secrets would ship every secret's data to the webhook (PG-K8S-SECRET-003 judges
    # them at scan time). "workload": the built-in pod carriers, checked by kind below.
    not_sent = {"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration", "v1/Secret", "workload"}
    judged = {t for m in ruleset.metas for t in m.resource_types.get("kubernetes", ()) if t != "*"} - not_sent
    judged |= {"v1/Pod", "v1/ReplicationController", "apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet",
               "apps/v1/ReplicaSet", "batch/v1/Job", "batch/v1/CronJob"}
    assert judged
    for t in sorted(judged):
        parts = t.split("/")
        group, kind = ("" if len(parts) == 2 else parts[0]), parts[-1]
        assert (group, plural(kind)) in registered, f"{t}: not registered with the apiserver"


def _hooks(docs: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(d["kind"]): d["webhooks"][0] for d in docs if str(d["kind"]).endswith("WebhookConfiguration")}  # type: ignore[index]


def test_manifests_match_conditions_skip_the_control_plane() -> None:
    """Both webhooks carry CEL matchConditions that keep the apiserver's, controllers',
    scheduler's, nodes' and kube-system service accounts' writes, leases and events away from
    the webhook (tests/e2e/test_registration_e2e.py runs them in a real apiserver)."""
    from policyguard.webhook.manifests import build_manifests

    for hook in _hooks(build_manifests()).values():
        conds = hook["matchConditions"]
        assert isinstance(conds, list) and len({c["name"] for c in conds}) == len(conds) <= 64
        text = " ".join(c["expression"] for c in conds)
        for needle in ("'system:apiserver'", "'system:kube-controller-manager'", "'system:kube-scheduler'",
                       "startsWith('system:node:')", "'system:nodes'", "startsWith('system:serviceaccount:kube-system:')",
                       "'leases'", "'events'"):
            assert needle in text, needle
        assert hook["namespaceSelector"]["matchExpressions"][0]["values"] == ["kube-system", "policyguard"]  # type: ignore[index]


def test_manifests_cluster_scoped_kinds_only_when_judged(tmp_path: Path) -> None:
    """A namespaceSelector cannot exclude cluster-scoped writes, so Namespaces, ClusterRoles and
    ClusterRoleBindings are registered only when a loaded rule judges that kind."""
    import yaml
    from click.testing import CliRunner

    from policyguard.commands import main
    from policyguard.webhook.manifests import build_manifests

    def cluster_scoped(docs: list[dict[str, object]]) -> dict[str, set[str]]:
        out = {}
        for kind, hook in _hooks(docs).items():
            out[kind] = {r for rule in hook["rules"] if rule["scope"] == "Cluster" for r in rule["resources"]}  # type: ignore[attr-defined,index]
            assert all(rule["scope"] in ("Namespaced", "Cluster") for rule in hook["rules"])  # type: ignore[attr-defined,index]
        return out

    assert all(not v for v in cluster_scoped(build_manifests(judged_types={"workload"})).values())
    only_ns = cluster_scoped(build_manifests(judged_types={"workload", "v1/Namespace"}))
    assert all(v == {"namespaces"} for v in only_ns.values())
    # the command decides from the rules `serve` would load: the built-in Kubernetes pack judges all three...
    r = CliRunner().invoke(main, ["webhook", "manifests"])
    assert r.exit_code == 0, r.output
    assert all(v == {"namespaces", "clusterroles", "clusterrolebindings"} for v in cluster_scoped(list(yaml.safe_load_all(r.output))).values())
    # ...a pod-only rule set none
    r = CliRunner().invoke(main, ["webhook", "manifests", "--no-builtin-rules", "--rules", str(RULES / "kubernetes" / "pod" / "privileged")])
    assert r.exit_code == 0, r.output
    assert all(not v for v in cluster_scoped(list(yaml.safe_load_all(r.output))).values())
    r = CliRunner().invoke(main, ["webhook", "manifests", "--no-builtin-rules"])
    assert r.exit_code == 2 and "no rules loaded" in r.output


def test_manifests_url_registers_an_outside_server(tmp_path: Path) -> None:
    import yaml
    from click.testing import CliRunner

    from policyguard.commands import main
    from policyguard.webhook.certs import make_certs

    files = make_certs(tmp_path, days=1)
    url_args = ["webhook", "manifests", "--url", "https://127.0.0.1:9443/", "--ca-bundle", str(files.ca_cert), "--failure-policy", "Ignore"]
    # no mutation rule configured: /mutate could only ever allow unchanged, so it is not registered
    r = CliRunner().invoke(main, url_args)
    assert r.exit_code == 0, r.output
    assert [d["kind"] for d in yaml.safe_load_all(r.output)] == ["ValidatingWebhookConfiguration"]
    cfg = tmp_path / "pg.yaml"
    cfg.write_text("webhook:\n  mutation:\n    rules: [PG-K8S-POD-015]\n", encoding="utf-8")
    r = CliRunner().invoke(main, [*url_args, "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    docs = list(yaml.safe_load_all(r.output))
    assert sorted(d["kind"] for d in docs) == ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]
    for kind, hook in _hooks(docs).items():
        path = "/validate" if kind.startswith("Validating") else "/mutate"
        assert hook["clientConfig"] == {"url": "https://127.0.0.1:9443" + path, "caBundle": base64.b64encode(files.ca_cert.read_bytes()).decode()}
        assert hook["failurePolicy"] == "Ignore"
    r = CliRunner().invoke(main, ["webhook", "manifests", "--url", "http://127.0.0.1:9443"])
    assert r.exit_code == 2 and "must be an https:// URL" in r.output
