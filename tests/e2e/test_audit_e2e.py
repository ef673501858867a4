"""``policyguard audit`` against a real kube-apiserver (tests/e2e/cluster.py): objects created
through the API (no webhook is registered, so they went in unjudged, as objects created before a
webhook existed), listed, judged and reported as JSON and as PolicyReports, written with
server-side apply under the read-only RBAC ``webhook manifests --audit`` generates."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cluster import Cluster
from jsonschema import Draft202012Validator

from policyguard.cluster import policyreport

REPO = Path(__file__).resolve().parents[2]
REPORT_CRDS = REPO / "tests" / "data" / "cluster" / "wgpolicyk8s.io-v1alpha2-crds.yaml"
DIGEST = "sha256:" + "0123456789abcdef" * 4
PRIVILEGED = "PG-K8S-POD-004"


def pg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policyguard", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd or REPO, check=False)


def pod(name: str, namespace: str, *, privileged: bool = False, labels: dict[str, str] | None = None,
        owner: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels or {"app": name}}
    if owner:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec(privileged)}


def pod_spec(privileged: bool) -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app", "image": f"registry.example/app@{DIGEST}",
            "securityContext": {"allowPrivilegeEscalation": privileged, "privileged": privileged,
                                "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        }],
    }


def workload(kind: str, name: str, namespace: str, *, privileged: bool) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec(privileged)}}}


def apply(cluster: Cluster, *docs: dict[str, Any]) -> None:
    cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(list(docs)))


@pytest.fixture(scope="module")
def world(apiserver: Cluster) -> Iterator[Cluster]:
    """Namespaces audit-a / audit-b with a privileged Pod, a clean Pod, a ReplicaSet whose
    privileged Pod it controls, a Deployment with a privileged template; a Pod in kube-system
    (excluded like the webhook excludes it); the PolicyReport CRDs from the committed YAML."""
    c = apiserver
    for ns in ("audit-a", "audit-b", "policyguard"):
        c.kubectl("create", "namespace", ns, check=False)
    apply(c, pod("root-shell", "audit-a", privileged=True), pod("clean", "audit-a"),
          workload("ReplicaSet", "rs-priv", "audit-a", privileged=True),
          workload("Deployment", "web", "audit-b", privileged=True), pod("sys-priv", "kube-system", privileged=True))
    rs_uid = json.loads(c.kubectl("get", "replicaset", "rs-priv", "-n", "audit-a", "-o", "json").stdout)["metadata"]["uid"]
    apply(c, pod("rs-priv-x1", "audit-a", privileged=True, owner={
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs-priv", "uid": rs_uid, "controller": True}))
    c.kubectl("apply", "-f", str(REPORT_CRDS))
    c.kubectl("wait", "--for=condition=Established", "crd/policyreports.wgpolicyk8s.io",
              "crd/clusterpolicyreports.wgpolicyk8s.io", "--timeout=60s")
    yield c


def audit_json(cluster: Cluster, *args: str, kubeconfig: Path | None = None) -> tuple[int, dict[str, Any], str]:
    p = pg("audit", "--kubeconfig", str(kubeconfig or cluster.kubeconfig), "-f", "json", *args)
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout), p.stderr


def failing(report: dict[str, Any], rule: str = PRIVILEGED) -> set[str]:
    return {f["resource_id"] for f in report["findings"] if f["rule_id"] == rule and f["status"] == "fail"}


def test_audit_judges_what_is_stored(world: Cluster) -> None:
    code, report, err = audit_json(world)
    assert code == 1, err
    mine = {i for i in failing(report) if "/audit-" in i}  # other tests share the apiserver
    assert mine == {"v1/Pod/audit-a/root-shell", "apps/v1/ReplicaSet/audit-a/rs-priv", "apps/v1/Deployment/audit-b/web"}
    ids = {f["resource_id"] for f in report["findings"]}
    assert "v1/Pod/audit-a/clean" in ids  # judged (passes are reported)
    assert not any("kube-system" in i for i in ids)  # the webhook's excluded namespace
    assert "v1/Pod/audit-a/rs-priv-x1" not in ids  # judged through its controller
    import re

    m = re.search(r"(\d+) in excluded namespaces, (\d+) judged through their controller, (\d+) apiserver defaults", err)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1 and int(m.group(3)) >= 50, err
    # the apiserver's bootstrap RBAC (it restores it at every start) only when asked for
    assert not any(i.endswith("/cluster-admin") for i in ids)
    _, everything, _ = audit_json(world, "--include-defaults")
    assert "rbac.authorization.k8s.io/v1/ClusterRole/_cluster/cluster-admin" in failing(everything, "PG-K8S-RBAC-001")
    loc = next(f["location"] for f in report["findings"] if f["resource_id"] == "v1/Pod/audit-a/root-shell")
    assert loc["file"] == "api/v1/namespaces/audit-a/pods/root-shell"


def test_policyreport_output_matches_the_crd(world: Cluster) -> None:
    p = pg("audit", "--kubeconfig", str(world.kubeconfig), "-f", "policyreport")
    assert p.returncode == 1, p.stderr
    docs = [d for d in yaml.safe_load_all(p.stdout) if d]
    crds = {d["spec"]["names"]["kind"]: d for d in yaml.safe_load_all(REPORT_CRDS.read_text())}
    for d in docs:
        schema = crds[d["kind"]]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        assert list(Draft202012Validator(schema).iter_errors(d)) == []
    by_ns = {d["metadata"].get("namespace"): d for d in docs}
    assert {"audit-a", "audit-b"} <= set(by_ns) and "kube-system" not in by_ns
    a = by_ns["audit-a"]
    fails = [r for r in a["results"] if r["result"] == "fail" and r["policy"] == PRIVILEGED]
    assert {r["resources"][0]["name"] for r in fails} == {"root-shell", "rs-priv"}
    assert a["summary"]["pass"] > 0 and a["summary"]["fail"] == sum(1 for r in a["results"] if r["result"] == "fail")
    # the server accepts them as they are (server-side: a client-side apply would copy each
    # report into an annotation, which is limited to 256 KiB)
    world.kubectl("apply", "--server-side", "--dry-run=server", "-f", "-", input=p.stdout)


def token_kubeconfig(cluster: Cluster, path: Path, sa: str, namespace: str) -> Path:
    token = cluster.kubectl("create", "token", sa, "-n", namespace, "--duration=1h").stdout.strip()
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "e2e", "cluster": {"server": cluster.server,
                                                 "certificate-authority-data": base64.b64encode(cluster.ca_pem).decode()}}],
        "users": [{"name": sa, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "e2e", "user": sa}}]}))
    return path


def test_write_reports_with_the_generated_rbac(world: Cluster, tmp_path: Path) -> None:
    rbac = pg("webhook", "manifests", "--audit", "--audit-write-reports", "--namespace", "policyguard")
    assert rbac.returncode == 0, rbac.stderr
    world.kubectl("apply", "-f", "-", input=rbac.stdout)
    kc = token_kubeconfig(world, tmp_path / "sa.kubeconfig", "policyguard-audit", "policyguard")
    p = pg("audit", "--kubeconfig", str(kc), "--write-reports", "-f", "json", "-o", str(tmp_path / "out.json"))
    assert p.returncode == 1, p.stderr  # failures found; the reports were written anyway
    assert "applied" in p.stderr
    reports = json.loads(world.kubectl("get", "policyreports.wgpolicyk8s.io", "-A", "-o", "json",
                                       "--show-managed-fields").stdout)["items"]
    by_ns = {r["metadata"]["namespace"]: r for r in reports}
    assert {"audit-a", "audit-b"} <= set(by_ns)
    web = by_ns["audit-b"]
    assert any(r["policy"] == PRIVILEGED and r["result"] == "fail" and r["resources"][0]["name"] == "web"
               for r in web["results"])
    managers = {(m["manager"], m["operation"]) for m in web["metadata"]["managedFields"]}
    assert (policyreport.FIELD_MANAGER, "Apply") in managers
    # a namespace without results any more loses its report
    world.kubectl("delete", "deployment", "web", "-n", "audit-b")
    try:
        p = pg("audit", "--kubeconfig", str(kc), "--write-reports", "-f", "json", "-o", str(tmp_path / "out2.json"))
        assert p.returncode in (0, 1), p.stderr
        left = json.loads(world.kubectl("get", "policyreports.wgpolicyk8s.io", "-A", "-o", "json").stdout)["items"]
        assert "audit-b" not in {r["metadata"]["namespace"] for r in left}
        assert "audit-a" in {r["metadata"]["namespace"] for r in left}
    finally:
        apply(world, workload("Deployment", "web", "audit-b", privileged=True))


def test_missing_permission_is_exit_5_naming_it(world: Cluster, tmp_path: Path) -> None:
    world.kubectl("create", "serviceaccount", "nobody", "-n", "policyguard", check=False)
    kc = token_kubeconfig(world, tmp_path / "nobody.kubeconfig", "nobody", "policyguard")
    p = pg("audit", "--kubeconfig", str(kc))
    assert p.returncode == 5, p.stderr
    assert "forbidden" in p.stderr and "Traceback" not in p.stderr
    # read-only RBAC without the report verbs: writing reports is refused, by name
    rbac = pg("webhook", "manifests", "--audit", "--namespace", "policyguard")
    docs = [d for d in yaml.safe_load_all(rbac.stdout) if d]
    for d in docs:
        d["metadata"]["name"] = "pg-read-only"
        if d["kind"] == "ClusterRoleBinding":
            d["roleRef"]["name"] = "pg-read-only"
            d["subjects"][0]["name"] = "nobody"
    world.kubectl("apply", "-f", "-", input=yaml.safe_dump_all([d for d in docs if d["kind"] != "ServiceAccount"]))
    p = pg("audit", "--kubeconfig", str(kc), "-f", "json", "-o", str(tmp_path / "r.json"))
    assert p.returncode == 1, p.stderr  # reading is enough for a report
    p = pg("audit", "--kubeconfig", str(kc), "--write-reports", "-o", str(tmp_path / "r.txt"))
    assert p.returncode == 5 and "policyreports" in p.stderr, p.stderr


def test_wrong_ca_is_exit_4(world: Cluster, tmp_path: Path) -> None:
    from policyguard.webhook.certs import make_certs

    other = make_certs(str(tmp_path / "other"), service="x", namespace="y", days=1, extra_names=[])
    kc = tmp_path / "kc"
    doc = yaml.safe_load(world.kubeconfig.read_text())
    doc["clusters"][0]["cluster"]["certificate-authority"] = str(other.ca_cert)
    kc.write_text(yaml.safe_dump(doc))
    p = pg("audit", "--kubeconfig", str(kc))
    assert p.returncode == 4 and "not trusted" in p.stderr, p.stderr


def test_interval_mode_stops_cleanly_on_sigterm(world: Cluster, tmp_path: Path) -> None:
    import signal
    import time

    err = tmp_path / "stderr"
    with open(err, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "policyguard", "audit", "--kubeconfig", str(world.kubeconfig),
                                 "-f", "json", "-o", str(tmp_path / "r.json"), "--interval", "1h"], stderr=fh, cwd=REPO)
    try:
        deadline = time.monotonic() + 180
        while "policyguard: audited" not in err.read_text():  # the first run is done: it sleeps now
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, err.read_text()
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "audit stopped (SIGTERM)" in err.read_text()
    assert json.loads((tmp_path / "r.json").read_text())["findings"]


def test_a_kind_the_server_does_not_serve_is_exit_6(world: Cluster) -> None:
    p = pg("audit", "--kubeconfig", str(world.kubeconfig), "--kind", "argoproj.io/Rollout")
    assert p.returncode == 6 and "argoproj.io/Rollout" in p.stderr and "Traceback" not in p.stderr
