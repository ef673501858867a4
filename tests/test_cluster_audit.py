"""The cluster audit without a cluster: PolicyReports (shape checked against the
wgpolicyk8s.io/v1alpha2 CRD schema, aggregation, caps), the kinds and RBAC derived from the pack,
kubeconfig handling and client errors. Against a real kube-apiserver: tests/e2e/test_audit_e2e.py."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from policyguard.cluster import policyreport
from policyguard.cluster.client import ClusterError, KubeClient, from_kubeconfig, in_cluster
from policyguard.cluster.cluster_audit import WORKLOAD_KINDS, judged_kinds
from policyguard.cluster.policyreport import ObjectRef, Result
from policyguard.exitcodes import EXIT_CLUSTER_UNREACHABLE
from policyguard.gate.exceptions import openapi_schema
from policyguard.webhook.config import WebhookConfig, WebhookConfigError
from policyguard.webhook.manifests import audit_rbac, exception_crd

REPORT_VALIDATOR = Draft202012Validator(policyreport.report_schema())


def _result(ns: str, i: int, value: str = "fail", severity: str = "high", message: str = "m") -> Result:
    return Result(ObjectRef("v1", "Pod", ns, f"p{i}", f"uid-{i}"), f"PG-K8S-POD-{i % 50:03d}", value, severity,
                  "Kubernetes POD", message)


def test_one_report_per_namespace_and_one_cluster_report() -> None:
    results = [_result("a", 1), _result("a", 2, "pass"), _result("b", 3, "warn"),
               Result(ObjectRef("rbac.authorization.k8s.io/v1", "ClusterRole", "", "admin"), "PG-K8S-RBAC-001",
                      "fail", "critical", "Kubernetes RBAC", "wildcard")]
    built = policyreport.build(results, timestamp=1_800_000_000)
    kinds = [(r["kind"], r["metadata"].get("namespace")) for r in built.reports]
    assert kinds == [("ClusterPolicyReport", None), ("PolicyReport", "a"), ("PolicyReport", "b")]
    for r in built.reports:
        assert list(REPORT_VALIDATOR.iter_errors(r)) == []
        assert r["apiVersion"] == "wgpolicyk8s.io/v1alpha2" and r["metadata"]["name"] == "policyguard"
    a = built.reports[1]
    assert a["summary"] == {"pass": 1, "fail": 1, "warn": 0, "error": 0, "skip": 0}
    res = a["results"][0]
    assert res["result"] == "fail" and res["resources"] == [{"apiVersion": "v1", "kind": "Pod", "name": "p1",
                                                              "namespace": "a", "uid": "uid-1"}]
    assert res["timestamp"] == {"seconds": 1_800_000_000, "nanos": 0} and res["source"] == "policyguard"
    assert policyreport.report_path(a) == "/apis/wgpolicyk8s.io/v1alpha2/namespaces/a/policyreports/policyguard"


def test_reports_are_bounded_failures_first_and_the_summary_counts_everything() -> None:
    results = [_result("big", i, "pass") for i in range(2000)] + [_result("big", i, "fail", "low") for i in range(400)] \
        + [_result("big", i, "fail", "critical") for i in range(100)]
    built = policyreport.build(results, timestamp=1, max_results=300)
    (r,) = built.reports
    assert len(r["results"]) == 300
    assert r["summary"] == {"pass": 2000, "fail": 500, "warn": 0, "error": 0, "skip": 0}
    assert [x["severity"] for x in r["results"][:100]] == ["critical"] * 100
    assert all(x["result"] == "fail" for x in r["results"])
    assert r["metadata"]["annotations"][policyreport.OMITTED].startswith("2200 of 2500 results not listed (pass 2000, fail 200)")
    assert built.omitted == {"big": 2200}
    assert list(REPORT_VALIDATOR.iter_errors(r)) == []


def test_reports_stay_under_the_byte_cap() -> None:
    results = [_result("n", i, message="x" * 1000) for i in range(3000)]
    (r,) = policyreport.build(results, timestamp=1, max_results=5000).reports
    size = len(json.dumps(r, separators=(",", ":")))
    assert size <= policyreport.MAX_BYTES and 0 < len(r["results"]) < 3000
    assert r["summary"]["fail"] == 3000


def test_report_schema_rejects_what_the_crd_rejects() -> None:
    bad = policyreport.build([_result("a", 1)], timestamp=1).reports[0]
    bad["results"][0]["result"] = "failed"
    assert list(REPORT_VALIDATOR.iter_errors(bad))
    crds = policyreport.report_crds()
    assert [c["spec"]["names"]["kind"] for c in crds] == ["PolicyReport", "ClusterPolicyReport"]
    assert [c["spec"]["scope"] for c in crds] == ["Namespaced", "Cluster"]


def test_exception_crd_schema_accepts_the_repository_document() -> None:
    crd = exception_crd()
    assert crd["metadata"]["name"] == "policyexceptions.policyguard.dev"
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert schema == openapi_schema()
    text = json.dumps(schema)
    assert "additionalProperties\": false" not in text and "$schema" not in text and "const" not in text
    doc = {"apiVersion": "policyguard.dev/v1alpha1", "kind": "PolicyException", "metadata": {"name": "x", "namespace": "n"},
           "spec": {"rules": ["PG-K8S-POD-004"], "match": {"kinds": ["Pod"]}, "reason": "r", "owner": "o",
                    "expires": "2027-01-01"}}
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    doc["spec"]["match"] = {}
    assert list(Draft202012Validator(schema).iter_errors(doc))


def _builtin_metas() -> list:
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions

    rs = engine.load_ruleset(RuleOptions(rule_dirs=(str(Path(engine.builtin_rules_dir()) / "kubernetes"),), builtin_rules=False),
                             EvalOptions())
    return list(rs.metas)


def test_kinds_and_rbac_come_from_the_pack() -> None:
    metas = _builtin_metas()
    kinds, _ = judged_kinds(metas)
    assert set(WORKLOAD_KINDS) <= kinds
    assert ("rbac.authorization.k8s.io", "ClusterRole") in kinds and ("networking.k8s.io", "Ingress") in kinds
    read = audit_rbac(metas)
    role = next(d for d in read if d["kind"] == "ClusterRole")
    verbs = {v for r in role["rules"] for v in r["verbs"]}
    assert verbs == {"get", "list"}
    resources = {(r["apiGroups"][0], res) for r in role["rules"] for res in r["resources"]}
    assert {("apps", "deployments"), ("", "pods"), ("networking.k8s.io", "ingresses"),
            ("policyguard.dev", "policyexceptions")} <= resources
    assert not any("*" in r["resources"] or "*" in r["apiGroups"] for r in role["rules"])
    write = next(d for d in audit_rbac(metas, write_reports=True) if d["kind"] == "ClusterRole")
    extra = [r for r in write["rules"] if r not in role["rules"]]
    assert extra == [{"apiGroups": ["wgpolicyk8s.io"], "resources": ["policyreports", "clusterpolicyreports"],
                      "verbs": ["get", "list", "create", "patch", "delete"]}]


# ----------------------------------------------------------------------------- credentials
def _kubeconfig(tmp_path: Path, **cluster: object) -> Path:
    (tmp_path / "ca.pem").write_bytes(b"not used before connecting")
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "one",
           "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority": "ca.pem", **cluster}}],
           "users": [{"name": "u", "user": {"token": "abc"}}],
           "contexts": [{"name": "one", "context": {"cluster": "c", "user": "u"}},
                        {"name": "two", "context": {"cluster": "missing", "user": "u"}}]}
    p = tmp_path / "kubeconfig"
    p.write_text(yaml.safe_dump(doc))
    return p


def test_kubeconfig_paths_are_relative_to_the_file_and_contexts_are_checked(tmp_path: Path) -> None:
    creds = from_kubeconfig(str(_kubeconfig(tmp_path)))
    assert creds.server == "https://127.0.0.1:6443" and creds.ca_pem == b"not used before connecting"
    assert creds.bearer() == "abc" and "context one" in creds.source
    with pytest.raises(ClusterError, match="context 'nope' not found"):
        from_kubeconfig(str(_kubeconfig(tmp_path)), "nope")
    with pytest.raises(ClusterError, match="cluster 'missing' not found"):
        from_kubeconfig(str(_kubeconfig(tmp_path)), "two")
    with pytest.raises(ClusterError, match="insecure-skip-tls-verify"):
        from_kubeconfig(str(_kubeconfig(tmp_path, **{"insecure-skip-tls-verify": True})))
    with pytest.raises(ClusterError, match="not an https"):
        from_kubeconfig(str(_kubeconfig(tmp_path, server="http://127.0.0.1:8080")))


def test_in_cluster_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ca.crt").write_text("CA")
    (tmp_path / "token").write_text("tok-1\n")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    creds = in_cluster(str(tmp_path))
    assert creds.server == "https://10.0.0.1:443" and creds.bearer() == "tok-1"
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(ClusterError, match="KUBERNETES_SERVICE_HOST"):
        in_cluster(str(tmp_path))


def test_an_unreachable_server_is_exit_4_without_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from policyguard.webhook.certs import make_certs

    certs = make_certs(str(tmp_path / "certs"), service="x", namespace="y", days=1, extra_names=[])
    ca = Path(certs.ca_cert).read_bytes()
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "c",
           "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}",
                                                  "certificate-authority-data": base64.b64encode(ca).decode()}}],
           "users": [{"name": "u", "user": {"token": "t"}}], "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}
    kc = tmp_path / "kc"
    kc.write_text(yaml.safe_dump(doc))
    with pytest.raises(ClusterError) as info:
        KubeClient(from_kubeconfig(str(kc)), timeout=5).discover()
    assert info.value.exit_code == EXIT_CLUSTER_UNREACHABLE and f"127.0.0.1:{port}" in str(info.value)
    p = subprocess.run([sys.executable, "-m", "policyguard", "audit", "--kubeconfig", str(kc), "--timeout", "5"],
                       capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert p.returncode == EXIT_CLUSTER_UNREACHABLE, p.stderr
    assert "cannot reach the cluster" in p.stderr and "Traceback" not in p.stderr


def test_webhook_exception_settings() -> None:
    cfg = WebhookConfig.from_dict({"exceptions": {"cluster": True, "refresh": "2m", "trusted_namespaces": ["ops"]}})
    assert cfg.exceptions.cluster and cfg.exceptions.refresh == 120.0 and cfg.exceptions.trusted_namespaces == ["ops"]
    with pytest.raises(WebhookConfigError, match="exceptions: unknown key 'clustre'"):
        WebhookConfig.from_dict({"exceptions": {"clustre": True}})
    with pytest.raises(WebhookConfigError, match="refresh"):
        WebhookConfig.from_dict({"exceptions": {"refresh": "0s"}})


def test_the_committed_report_crds_are_the_generated_ones() -> None:
    path = Path(__file__).parent / "data" / "cluster" / "wgpolicyk8s.io-v1alpha2-crds.yaml"
    assert list(yaml.safe_load_all(path.read_text())) == policyreport.report_crds()


def test_webhook_manifests_with_exceptions_let_the_webhook_read_them() -> None:
    from policyguard.webhook.manifests import build_manifests, exception_access

    docs = exception_access(build_manifests(), namespace="policyguard", service="policyguard-webhook")
    kinds = [d["kind"] for d in docs]
    assert kinds[0] == "CustomResourceDefinition" and kinds[-2:] == ["ClusterRole", "ClusterRoleBinding"]
    role = docs[-2]
    assert role["rules"] == [{"apiGroups": ["policyguard.dev"], "resources": ["policyexceptions"], "verbs": ["get", "list"]}]
    sa = next(d for d in docs if d["kind"] == "ServiceAccount")
    assert sa["automountServiceAccountToken"] is True
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert dep["spec"]["template"]["spec"]["automountServiceAccountToken"] is True
    assert "--cluster-exceptions" in dep["spec"]["template"]["spec"]["containers"][0]["args"]
    netpol = next(d for d in docs if d["kind"] == "NetworkPolicy")
    assert netpol["spec"]["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}]


def test_the_audit_deployment_passes_the_pack(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "policyguard", "webhook", "manifests", "--audit", "--audit-write-reports",
                        "--audit-interval", "1h", "--image", "registry.example/policyguard@sha256:" + "ab" * 32],
                       capture_output=True, text=True, timeout=180, check=False)
    assert p.returncode == 0, p.stderr
    docs = [d for d in yaml.safe_load_all(p.stdout) if d]
    dep = next(d for d in docs if d["kind"] == "Deployment")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["policyguard"] and c["args"][:3] == ["audit", "--in-cluster", "--write-reports"]
    assert dep["spec"]["template"]["spec"]["serviceAccountName"] == "policyguard-audit"
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(dep))
    (tmp_path / ".git").mkdir()
    scan = subprocess.run([sys.executable, "-m", "policyguard", "scan", "audit.yaml", "--fail-on", "medium"],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path, check=False)
    assert scan.returncode == 0, scan.stdout


class FakeClient:
    """Serves fixed objects per kind (the audit's own paging is tested in test_cluster_client.py)."""

    def __init__(self, objects: dict[str, list[dict]]) -> None:
        from policyguard.cluster.client import APIResource

        self.objects = objects
        self.resources = [APIResource("", "v1", "Pod", "pods", True, ("list",)),
                          APIResource("rbac.authorization.k8s.io", "v1", "Role", "roles", True, ("list",))]

    def discover(self) -> list:
        return self.resources

    def list_pages(self, res: object, **_: object) -> list[dict]:
        return [json.loads(json.dumps(o)) for o in self.objects.get(res.plural, [])]  # type: ignore[attr-defined]


def test_the_audit_runs_the_webhooks_two_lanes() -> None:
    """Rego on the compiled VM; an object the VM cannot finish (a Role whose rule repeats "*" 100
    times reaches its instruction limit) is judged on the interpreter lane, not lost."""
    from policyguard.cluster.cluster_audit import Auditor
    from policyguard.commands.serve import build_config
    from policyguard.gate.config import SuppressionPolicy
    from policyguard.webhook.evaluation import Judge

    cfg, options = build_config({})
    from policyguard import engine

    rs = engine.load_ruleset(options.rules, options.evaluation)
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "big", "namespace": "a"},
            "rules": [{"apiGroups": ["*"] * 100, "resources": ["*"] * 100, "verbs": ["*"]}]}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a", "managedFields": [{"manager": "x"}]},
           "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]}}
    auditor = Auditor(FakeClient({"roles": [role], "pods": [pod]}), Judge(options, rs, lane="audit"), cfg,  # type: ignore[arg-type]
                      SuppressionPolicy(), heavy=lambda: Judge(options, rs, lane="heavy"))
    run = auditor.run()
    assert auditor.interpreter_objects == 1
    by_obj = {o.ref.name: o for o in run.objects}
    assert any(f.status.value == "fail" and f.rule_id.startswith("PG-K8S-RBAC") for f in by_obj["big"].findings)
    assert any(f.rule_id == "PG-K8S-POD-004" and f.status.value == "fail" for f in by_obj["p"].findings)
    results = auditor.results(run)
    assert {r.result for r in results} >= {"pass", "fail"}
    assert all(r.ref.namespace == "a" for r in results)
