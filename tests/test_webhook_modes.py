"""Webhook behaviour that needs its own server configuration: the per-request deadline and the
failure answer (deny / allow with a warning), DELETE-targeting rules, enforcement modes per rule
and severity (deny / warn / audit), UPDATE judged only on new findings, audit log with bodies.
Real servers, real TLS, real rules (the built-in pack, or small Python rules written here)."""

from __future__ import annotations

import copy
import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from webhook_support import Server, load_request, rule_id, start_server, wrap

pytest.importorskip("uvicorn")

SLOW_RULE = '''
import time
from policyguard.engine.python_rules import fail, rule

@rule(id="PG-K8S-TEST-001", title="Pods labelled slow take 1.5 s to judge", severity="high",
      resource_types={"kubernetes": ["v1/Pod"]},
      description="Exercises the webhook deadline.", remediation="Remove the slow label.")
def check(resource, resources):
    labels = (resource["attributes"].get("metadata") or {}).get("labels") or {}
    if labels.get("slow") == "true":
        time.sleep(1.5)
        yield fail("pod is labelled slow", path="metadata.labels.slow")
'''

PROTECT_RULE = '''
from policyguard.engine.python_rules import fail, rule

@rule(id="PG-K8S-TEST-002", title="Protected objects are not deleted", severity="high",
      resource_types={"kubernetes": ["*"]}, tags=["admission:delete"],
      description="Objects annotated policyguard.dev/protected=true must not be deleted.",
      remediation="Remove the annotation first.")
def check(resource, resources):
    if resource["meta"].get("admission", {}).get("operation") != "DELETE":
        return
    ann = (resource["attributes"].get("metadata") or {}).get("annotations") or {}
    if ann.get("policyguard.dev/protected") == "true":
        yield fail("object is protected against deletion", path='metadata.annotations["policyguard.dev/protected"]')
'''


SPIN_RULE = """# METADATA
# title: Pods labelled spin burn CPU in Rego
# description: Exercises the deadline on a Rego rule, which holds the GIL while it runs.
# custom:
#   id: PG-K8S-TEST-003
#   severity: high
#   resource_types:
#     kubernetes: ["v1/Pod"]
#   remediation: Remove the spin label.
package policyguard.rules.kubernetes.test.spin

import rego.v1

fail contains result if {
	input.resource.attributes.metadata.labels.spin == "true"
	every i in numbers.range(1, 20000) {
		every j in numbers.range(1, 20000) {
			i * j >= 0
		}
	}
	result := {"msg": "pod spins", "path": "metadata.labels.spin"}
}
"""


def _rules(tmp: Path) -> Path:
    d = tmp / "rules" / "kubernetes" / "test"
    for name, src in (("slow", SLOW_RULE), ("protect", PROTECT_RULE)):
        (d / name).mkdir(parents=True)
        (d / name / "rule.py").write_text(textwrap.dedent(src), encoding="utf-8")
    (d / "spin").mkdir(parents=True)
    (d / "spin" / "rule.rego").write_text(SPIN_RULE, encoding="utf-8")
    return tmp / "rules"


@pytest.fixture(scope="module")
def deny_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("deny")
    srv = start_server(tmp, "--rules", str(_rules(tmp)), "--no-builtin-rules", "--failure-mode", "deny", workers=1)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def allow_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("allow")
    srv = start_server(tmp, "--rules", str(_rules(tmp)), "--no-builtin-rules", "--failure-mode", "allow", workers=1)
    yield srv
    srv.stop()


def _pod(uid: str, slow: bool) -> dict[str, Any]:
    req = copy.deepcopy(load_request("04"))
    req["uid"] = uid
    req["object"]["metadata"]["labels"] = {"slow": "true"} if slow else {"env": "test"}
    return req


def test_deadline_failure_deny(deny_server: Server) -> None:
    t0 = time.monotonic()
    doc = deny_server.review("/validate", wrap(_pod("slow-deny", True)), query="?timeout=1s")
    took = time.monotonic() - t0
    resp = doc["response"]
    assert resp["uid"] == "slow-deny" and resp["allowed"] is False
    assert resp["status"]["code"] == 500 and "deadline" in resp["status"]["message"]
    assert took < 1.4, f"answer came after {took:.2f}s, past the apiserver's 1s timeout"
    time.sleep(1.0)  # let the late evaluation finish
    # without the deadline pressure the same rule judges normally
    resp = deny_server.review("/validate", wrap(_pod("slow-full", True)), query="?timeout=5s")["response"]
    assert resp["allowed"] is False and resp["status"]["code"] == 403 and "[PG-K8S-TEST-001]" in resp["status"]["message"]
    fast = deny_server.review("/validate", wrap(_pod("fast", False)), query="?timeout=1s")["response"]
    assert fast == {"uid": "fast", "allowed": True}
    code, _, body = deny_server.request("GET", "/metrics")
    assert 'policyguard_webhook_evaluation_errors_total{kind="deadline"} 1' in body.decode()


def test_deadline_runaway_rego(deny_server: Server, allow_server: Server) -> None:
    """A Rego rule that would spin for minutes: the answer still comes inside the apiserver's
    timeout (the engine kills its Rego helper at the request deadline), and the worker is free
    for the next review."""
    for srv, allowed in ((deny_server, False), (allow_server, True)):
        req = _pod(f"spin-{allowed}", False)
        req["object"]["metadata"]["labels"] = {"spin": "true"}
        t0 = time.monotonic()
        resp = srv.review("/validate", wrap(req), query="?timeout=1s")["response"]
        took = time.monotonic() - t0
        assert took < 1.5, f"answer after {took:.2f}s"
        assert resp["uid"] == f"spin-{allowed}" and resp["allowed"] is allowed
        if allowed:
            assert resp["warnings"] and any("PG-K8S-TEST-003" in w or "deadline" in w for w in resp["warnings"])
        else:
            assert resp["status"]["code"] in (403, 500)
        t0 = time.monotonic()
        fast = srv.review("/validate", wrap(_pod(f"after-spin-{allowed}", False)), query="?timeout=2s")["response"]
        assert fast == {"uid": f"after-spin-{allowed}", "allowed": True}
        assert time.monotonic() - t0 < 1.5


def test_deadline_failure_allow(allow_server: Server) -> None:
    resp = allow_server.review("/validate", wrap(_pod("slow-allow", True)), query="?timeout=1s")["response"]
    assert resp["uid"] == "slow-allow" and resp["allowed"] is True
    assert "status" not in resp
    assert len(resp["warnings"]) == 1 and "deadline" in resp["warnings"][0] and "allowed" in resp["warnings"][0]
    time.sleep(1.0)


def test_delete_targeted_by_a_rule(deny_server: Server) -> None:
    """DELETE is allowed unless a rule targets it (tag admission:delete): derived from 03."""
    req = load_request("03")
    resp = deny_server.review("/validate", wrap(req))["response"]
    assert resp == {"uid": req["uid"], "allowed": True}
    protected = copy.deepcopy(req)
    protected["uid"] = "derived-protected-delete"
    protected["oldObject"]["metadata"].setdefault("annotations", {})["policyguard.dev/protected"] = "true"
    resp = deny_server.review("/validate", wrap(protected))["response"]
    assert resp["allowed"] is False and "[PG-K8S-TEST-002]" in resp["status"]["message"]
    assert "patch" not in deny_server.review("/mutate", wrap(protected))["response"]
    # the rule reads input.resource.meta.admission.operation: a CREATE of a protected object passes
    create = copy.deepcopy(load_request("04"))
    create["object"]["metadata"]["annotations"] = {"policyguard.dev/protected": "true"}
    resp = deny_server.review("/validate", wrap(create))["response"]
    assert resp["allowed"] is True


# ------------------------------------------------------------------ enforcement modes, built-in pack
@pytest.fixture(scope="module")
def modes_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("modes")
    audit = tmp / "audit.jsonl"
    config = {
        "enforcement": {
            "default": "audit",
            "severity": {s: "audit" for s in ("info", "low", "medium", "high", "critical")},
            "rules": {rule_id("privileged"): "deny", rule_id("run_as_non_root"): "warn"},
        },
        "only_new_on_update": True,
        "audit_log": str(audit),
        "audit_include_object": True,
    }
    srv = start_server(tmp, "--profile", "strict", config=config, workers=1)
    srv.audit = audit  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def test_modes_per_rule(modes_server: Server) -> None:
    req = load_request("04")
    resp = modes_server.review("/validate", wrap(req))["response"]
    priv, nonroot = rule_id("privileged"), rule_id("run_as_non_root")
    assert resp["allowed"] is False
    msg = resp["status"]["message"]
    assert f"[{priv}]" in msg and f"[{nonroot}]" not in msg
    assert any(nonroot in w for w in resp["warnings"])
    audited = resp["auditAnnotations"]["policyguard.dev/audit"].split(",")
    assert audited and priv not in audited and nonroot not in audited


def test_audit_mode_allows_and_logs(modes_server: Server) -> None:
    req = copy.deepcopy(load_request("15"))
    req["uid"] = "audit-only-15"
    resp = modes_server.review("/validate", wrap(req))["response"]
    assert resp["allowed"] is True and "status" not in resp
    audited = resp["auditAnnotations"]["policyguard.dev/audit"].split(",")
    assert audited
    time.sleep(0.2)
    lines = [json.loads(x) for x in modes_server.audit.read_text().splitlines()]  # type: ignore[attr-defined]
    entry = next(x for x in lines if x["uid"] == "audit-only-15")
    assert entry["decision"] in ("allowed", "allowed-with-warnings")
    assert sorted(entry["rules"]["audit"]) == sorted(set(entry["rules"]["audit"])) or entry["rules"]["audit"]
    assert set(audited) <= set(entry["rules"]["audit"])
    assert entry["object_body"]["spec"]["template"]["spec"]["containers"][0]["name"]  # bodies on request


def test_update_only_new_findings(modes_server: Server) -> None:
    """Derived from 01 (UPDATE with oldObject): privileged in both -> not new, allowed; privileged
    only in the new object -> denied."""
    req = load_request("01")
    priv = rule_id("privileged")
    both = copy.deepcopy(req)
    both["uid"] = "derived-update-both-privileged"
    for key in ("object", "oldObject"):
        both[key]["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    resp = modes_server.review("/validate", wrap(both))["response"]
    assert resp["allowed"] is True, resp
    new = copy.deepcopy(req)
    new["uid"] = "derived-update-new-privileged"
    new["object"]["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    resp = modes_server.review("/validate", wrap(new))["response"]
    assert resp["allowed"] is False and f"[{priv}]" in resp["status"]["message"]


# ------------------------------------------------------------------ supervisor
def test_worker_crash_restarted_and_graceful_stop(tmp_path: Path) -> None:
    import os
    import signal

    srv = start_server(tmp_path, workers=2)
    try:
        kids = Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split()
        workers = [int(k) for k in kids if "policyguard" in Path(f"/proc/{k}/cmdline").read_text(errors="replace")]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # a worker dies hard
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "restarting" not in srv.log.read_text(errors="replace"):
            time.sleep(0.1)
        assert "restarting" in srv.log.read_text(errors="replace")
        for i in range(6):  # every request is still answered (by the survivor or the replacement)
            req = copy.deepcopy(load_request("04"))
            req["uid"] = f"after-crash-{i}"
            srv._conns.clear()  # new connections, so both workers get some
            resp = srv.review("/validate", wrap(req))["response"]
            assert resp["uid"] == f"after-crash-{i}" and resp["allowed"] is False
    finally:
        t0 = time.monotonic()
        srv.stop()
    assert srv.proc.returncode == 0 and time.monotonic() - t0 < 10


VM_HAZARD_RULE = """# METADATA
# title: Every container names an owner label value
# custom:
#   id: PG-TEST-VM-001
#   severity: high
#   resource_types:
#     kubernetes: [v1/Pod]
package policyguard.test.vm_hazard

import rego.v1

# an else after a body that iterates: the compiled VM does not take the else when the
# iteration finds nothing (tests/test_rego_vm.py), so the webhook must run this rule on the
# interpreter
env_count := n if {
	some c in input.resource.attributes.spec.containers
	n := count(c.env)
} else := 0

fail contains {"msg": "a container has no env", "path": "spec"} if {
	env_count == 0
}
"""


def test_rule_the_vm_cannot_run_faithfully_is_logged_and_judged_right(tmp_path: Path) -> None:
    rdir = tmp_path / "rules" / "vm_hazard"
    rdir.mkdir(parents=True)
    (rdir / "rule.rego").write_text(VM_HAZARD_RULE, encoding="utf-8")
    srv = start_server(tmp_path, "--rules", str(tmp_path / "rules"))
    try:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team"},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
        req = {"uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
               "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE",
               "namespace": "team", "name": "p", "userInfo": {"username": "dev"}, "object": pod}
        resp = srv.review("/validate", wrap(req))["response"]
        assert resp["allowed"] is False and "PG-TEST-VM-001" in resp["status"]["message"]
        pod["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
        assert srv.review("/validate", wrap(req))["response"]["allowed"] is True
        # worker 0 logs it when its start-up ends, which may come after another worker answered
        deadline = time.monotonic() + 30
        while "an else after a rule body that iterates" not in (log := srv.log.read_text(errors="replace")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert "on the Rego interpreter, not the compiled VM" in log and "PG-TEST-VM-001" in log
        assert "an else after a rule body that iterates" in log
    finally:
        srv.stop()


def test_pin_workers_gives_each_worker_its_own_cpu(tmp_path: Path) -> None:
    import os

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs 2 CPUs")
    srv = start_server(tmp_path, "--pin-workers", workers=2)
    try:
        kids = []
        for task in Path(f"/proc/{srv.proc.pid}/task").iterdir():
            kids += (task / "children").read_text().split()
        assert len(kids) == 2
        pinned = sorted(os.sched_getaffinity(int(k)) for k in kids)
        assert pinned == [{cpus[0]}, {cpus[1]}]
        assert os.sched_getaffinity(srv.proc.pid) == set(cpus)  # the supervisor is not pinned
    finally:
        srv.stop()
