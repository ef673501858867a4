"""One PolicyException, three front doors, against a real kube-apiserver: the CRD from
``webhook manifests --exceptions`` validates it, the audit and the webhook (``serve`` listing the
cluster's exceptions, registered for one namespace) honour it, and ``scan`` honours the same
document as a file in a repository."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from cluster import Cluster
from test_audit_e2e import PRIVILEGED, apply, audit_json, pg, pod
from webhook_support import start_server

NS = "exc-a"
OTHER = "exc-b"


def exception(name: str, namespace: str, *, match: dict[str, Any], expires: str = "2027-01-31") -> dict[str, Any]:
    return {"apiVersion": "policyguard.dev/v1alpha1", "kind": "PolicyException",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"rules": [PRIVILEGED], "match": match, "reason": "node debugging", "owner": "team-sre",
                     "expires": expires}}


def debug_exception() -> dict[str, Any]:
    """Excuses privileged debug Pods of exc-a; created in the trusted namespace policyguard."""
    return exception("debug-pods", "policyguard",
                     match={"namespaces": [NS], "kinds": ["Pod"], "selector": {"matchLabels": {"app": "debug"}}})


@pytest.fixture(scope="module")
def crd(apiserver: Cluster) -> Cluster:
    p = pg("webhook", "manifests", "--exceptions")
    assert p.returncode == 0, p.stderr
    docs = [d for d in yaml.safe_load_all(p.stdout) if d and d["kind"] == "CustomResourceDefinition"]
    assert [d["metadata"]["name"] for d in docs] == ["policyexceptions.policyguard.dev"]
    apiserver.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
    apiserver.kubectl("wait", "--for=condition=Established", "crd/policyexceptions.policyguard.dev", "--timeout=60s")
    for ns in (NS, OTHER, "policyguard"):
        apiserver.kubectl("create", "namespace", ns, check=False)
        apiserver.kubectl("label", "namespace", ns, f"e2e-exc={ns}", "--overwrite")
    # created before any webhook is registered
    apply(apiserver, pod("debug", NS, privileged=True, labels={"app": "debug"}), pod("debug", OTHER, privileged=True))
    return apiserver


def test_the_crd_refuses_a_bad_exception(crd: Cluster) -> None:
    bad = exception("bad", "policyguard", match={"namespaces": [NS]}, expires="2027-13-45")
    res = crd.kubectl("apply", "-f", "-", input=json.dumps(bad), check=False)
    assert res.returncode != 0 and "expires" in res.stderr
    bad = exception("bad", "policyguard", match={})
    res = crd.kubectl("apply", "-f", "-", input=json.dumps(bad), check=False)
    assert res.returncode != 0 and "match" in res.stderr


def test_audit_honours_a_cluster_exception(crd: Cluster) -> None:
    code, report, err = audit_json(crd)
    before = {f["resource_id"] for f in report["findings"] if f["rule_id"] == PRIVILEGED and f["status"] == "fail"}
    assert {f"v1/Pod/{NS}/debug", f"v1/Pod/{OTHER}/debug"} <= before
    crd.kubectl("apply", "-f", "-", input=json.dumps(debug_exception()))
    # an exception a team creates in its own namespace cannot excuse another namespace's objects
    crd.kubectl("apply", "-f", "-", input=json.dumps(exception("grab", OTHER, match={"namespaces": [NS, OTHER]})))
    try:
        code, report, err = audit_json(crd)
        by_id = {f["resource_id"]: f for f in report["findings"] if f["rule_id"] == PRIVILEGED}
        excused = by_id[f"v1/Pod/{NS}/debug"]
        assert excused["status"] == "suppressed", err
        assert excused["suppression"]["source"] == "exception"
        assert excused["suppression"]["name"] == "policyguard/debug-pods" and excused["suppression"]["owner"] == "team-sre"
        # grab (in exc-b) excuses only exc-b's own pod
        assert by_id[f"v1/Pod/{OTHER}/debug"]["suppression"]["name"] == f"{OTHER}/grab"
        p = pg("audit", "--kubeconfig", str(crd.kubeconfig), "-f", "policyreport")
        reports = {d["metadata"].get("namespace"): d for d in yaml.safe_load_all(p.stdout) if d}
        skipped = [r for r in reports[NS]["results"] if r["policy"] == PRIVILEGED]
        assert [(r["result"], r["properties"]["exception"]) for r in skipped] == [("skip", "policyguard/debug-pods")]
    finally:
        crd.kubectl("delete", "policyexception", "grab", "-n", OTHER, "--ignore-not-found")


def test_scan_honours_the_same_document_as_a_file(crd: Cluster, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".policyguard" / "exceptions").mkdir(parents=True)
    crd.kubectl("apply", "-f", "-", input=json.dumps(debug_exception()))
    stored = json.loads(crd.kubectl("get", "policyexception", "debug-pods", "-n", "policyguard", "-o", "json").stdout)
    doc = {"apiVersion": stored["apiVersion"], "kind": stored["kind"], "metadata": {"name": "debug-pods"}, "spec": stored["spec"]}
    (repo / ".policyguard" / "exceptions" / "debug.yaml").write_text(yaml.safe_dump(doc))
    (repo / "pod.yaml").write_text(yaml.safe_dump(pod("debug", NS, privileged=True, labels={"app": "debug"})))
    (repo / "other.yaml").write_text(yaml.safe_dump(pod("debug", OTHER, privileged=True)))
    p = pg("scan", ".", "-f", "json", "--rule", PRIVILEGED, cwd=repo)
    report = json.loads(p.stdout)
    status = {f["resource_id"]: f["status"] for f in report["findings"]}
    assert status == {f"v1/Pod/{NS}/debug": "suppressed", f"v1/Pod/{OTHER}/debug": "fail"}
    assert p.returncode == 1


def test_webhook_honours_the_cluster_exception(crd: Cluster, tmp_path: Path) -> None:
    srv = start_server(tmp_path, config={"exceptions": {"cluster": True, "kubeconfig": str(crd.kubeconfig), "refresh": "1s"}},
                       workers=1)
    name = "pg-exceptions-e2e"
    crd.kubectl("apply", "-f", "-", input=json.dumps(debug_exception()))
    try:
        hook = {
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [{
                "name": "validate.exceptions.e2e.policyguard.dev",
                "clientConfig": {"url": f"https://127.0.0.1:{srv.port}/validate",
                                 "caBundle": base64.b64encode(srv.ca.read_bytes()).decode()},
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"],
                           "scope": "Namespaced"}],
                "namespaceSelector": {"matchExpressions": [{"key": "e2e-exc", "operator": "In", "values": [NS, OTHER]}]},
                "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"], "timeoutSeconds": 10,
            }]}
        crd.kubectl("apply", "-f", "-", input=json.dumps(hook))
        probe = pod("probe", OTHER, privileged=True)
        deadline = time.monotonic() + 30
        while True:  # the apiserver picks the configuration up from its informer
            res = crd.kubectl("create", "--dry-run=server", "-f", "-", input=json.dumps(probe), check=False)
            if PRIVILEGED in res.stderr:
                break
            assert time.monotonic() < deadline, res.stderr
            time.sleep(0.3)
        excused = crd.kubectl("create", "-f", "-", input=json.dumps(pod("debug-2", NS, privileged=True, labels={"app": "debug"})),
                              check=False)
        denied = crd.kubectl("create", "-f", "-", input=json.dumps(pod("debug-2", OTHER, privileged=True)), check=False)
        assert excused.returncode == 0, excused.stderr
        assert denied.returncode != 0 and PRIVILEGED in denied.stderr
        # the exception removed: within a refresh the webhook denies again
        crd.kubectl("delete", "policyexception", "debug-pods", "-n", "policyguard")
        deadline = time.monotonic() + 20
        while True:
            res = crd.kubectl("create", "--dry-run=server", "-f", "-",
                              input=json.dumps(pod("debug-3", NS, privileged=True, labels={"app": "debug"})), check=False)
            if res.returncode != 0 and PRIVILEGED in res.stderr:
                break
            assert time.monotonic() < deadline, "the deleted exception still applies"
            time.sleep(0.5)
    finally:
        crd.kubectl("delete", "validatingwebhookconfiguration", name, "--ignore-not-found", check=False)
        srv.stop()
