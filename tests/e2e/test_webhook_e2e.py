"""The admission webhook in front of a real kube-apiserver (tests/e2e/cluster.py).

`policyguard serve` runs as a local process with TLS from `policyguard webhook certs`; the
configurations come from `policyguard webhook manifests --url ...` and are applied with kubectl;
objects are then created through the API with kubectl, as a user would. Each scenario registers
its configuration for its own namespace only (a label added to the generated namespaceSelector),
so the scenarios do not see each other's webhooks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cluster import Cluster
from webhook_support import Server, start_server

WARN_RULE = "PG-K8S-POD-020"  # readOnlyRootFilesystem (medium): warn
AUDIT_RULE = "PG-K8S-POD-019"  # drop ALL capabilities (medium): audit only
MUTATE_RULE = "PG-K8S-POD-015"  # allowPrivilegeEscalation: false, patched in by /mutate
PRIVILEGED_RULE = "PG-K8S-POD-004"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def pod(name: str, namespace: str, **container: Any) -> dict[str, Any]:
    """A Pod that passes the pack, with ``container`` merged into its container's securityContext."""
    sc = {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
          "capabilities": {"drop": ["ALL"]}}
    if container.get("privileged"):  # the apiserver refuses allowPrivilegeEscalation: false beside it
        sc.pop("allowPrivilegeEscalation")
    sc.update(container)
    sc = {k: v for k, v in sc.items() if v is not None}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": f"registry.example/app@{DIGEST}", "securityContext": sc,
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
            }],
        },
    }


def manifests(*args: str) -> list[dict[str, Any]]:
    """`policyguard webhook manifests ARGS` as parsed documents."""
    res = subprocess.run([sys.executable, "-m", "policyguard", "webhook", "manifests", *args],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return list(yaml.safe_load_all(res.stdout))


def scoped(docs: list[dict[str, Any]], name: str, namespace: str) -> str:
    """The webhook configurations renamed ``name`` and limited to namespaces labelled e2e=``namespace``."""
    out = []
    for d in docs:
        if not d["kind"].endswith("WebhookConfiguration"):
            continue
        d = json.loads(json.dumps(d))
        d["metadata"]["name"] = name
        for h in d["webhooks"]:
            h["name"] = f"{name}.{h['name']}"
            h["namespaceSelector"]["matchLabels"] = {"e2e": namespace}
        out.append(d)
    return yaml.safe_dump_all(out)


def namespace(cluster: Cluster, name: str) -> None:
    cluster.kubectl("create", "namespace", name)
    cluster.kubectl("label", "namespace", name, f"e2e={name}")


def create(cluster: Cluster, obj: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return cluster.kubectl("create", "-f", "-", *args, input=json.dumps(obj), check=False)


def wait_registered(cluster: Cluster, probe: dict[str, Any], expect: str, timeout: float = 20) -> None:
    """The apiserver picks a new configuration up from its informer: wait until a dry-run
    ``probe`` shows it (its stderr contains ``expect``)."""
    deadline = time.monotonic() + timeout
    while True:
        res = create(cluster, probe, "--dry-run=server")
        if expect in res.stderr:
            return
        assert time.monotonic() < deadline, f"webhook never took effect: {res.stdout}{res.stderr}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def hook(apiserver: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The main scenario: a webhook with a warn rule, an audit rule and a mutation rule,
    registered (failurePolicy Fail) for the namespace `e2e`."""
    tmp = tmp_path_factory.mktemp("hook")
    audit_log = tmp / "audit.jsonl"
    srv = start_server(tmp, config={
        "enforcement": {"rules": {WARN_RULE: "warn", AUDIT_RULE: "audit"}},
        "mutation": {"rules": [MUTATE_RULE]},
        "audit_log": str(audit_log),
    })
    try:
        namespace(apiserver, "e2e")
        # the same config as the server's: it has mutation rules, so both configurations are printed
        docs = manifests("--url", f"https://127.0.0.1:{srv.port}", "--ca-bundle", str(srv.ca), "--failure-policy", "Fail",
                         "--config", str(tmp / "cwd" / ".policyguard.yaml"))
        assert {d["kind"] for d in docs} == {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
        apiserver.kubectl("apply", "-f", "-", input=scoped(docs, "pg-main", "e2e"))
        wait_registered(apiserver, pod("probe", "e2e", privileged=True), PRIVILEGED_RULE)
        yield srv, audit_log
    finally:
        apiserver.kubectl("delete", "validatingwebhookconfiguration,mutatingwebhookconfiguration", "pg-main",
                          "--ignore-not-found", check=False)
        srv.stop()


def test_privileged_pod_denied_with_rule_ids(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    res = create(apiserver, pod("priv", "e2e", privileged=True))
    assert res.returncode != 0
    assert "denied the request" in res.stderr and PRIVILEGED_RULE in res.stderr, res.stderr
    assert apiserver.kubectl("get", "pod", "priv", "-n", "e2e", check=False).returncode != 0


def test_clean_pod_admitted_without_warnings(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    res = create(apiserver, pod("clean", "e2e"))
    assert res.returncode == 0, res.stderr
    assert "Warning:" not in res.stderr, res.stderr
    stored = json.loads(apiserver.kubectl("get", "pod", "clean", "-n", "e2e", "-o", "json").stdout)
    assert stored["metadata"]["name"] == "clean"


def test_warn_mode_findings_are_warning_headers(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    res = create(apiserver, pod("warned", "e2e", readOnlyRootFilesystem=None))
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if line.startswith("Warning:")]
    assert any(WARN_RULE in w for w in warnings), res.stderr


def test_mutation_patch_is_stored(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    res = create(apiserver, pod("mutated", "e2e", allowPrivilegeEscalation=None))
    assert res.returncode == 0, res.stderr
    assert f"mutated to satisfy {MUTATE_RULE}" in res.stderr, res.stderr
    stored = json.loads(apiserver.kubectl("get", "pod", "mutated", "-n", "e2e", "-o", "json").stdout)
    assert stored["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False


def test_dry_run_has_no_side_effects(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    _, audit_log = hook
    res = create(apiserver, pod("dry", "e2e", capabilities=None), "--dry-run=server")
    assert res.returncode == 0, res.stderr
    assert apiserver.kubectl("get", "pod", "dry", "-n", "e2e", check=False).returncode != 0  # nothing stored
    entries = [json.loads(x) for x in audit_log.read_text().splitlines()] if audit_log.exists() else []
    assert not [e for e in entries if e["object"]["name"] == "dry"], entries
    # the same request for real is logged: the check above is not vacuous
    res = create(apiserver, pod("dry", "e2e", capabilities=None))
    assert res.returncode == 0, res.stderr
    entries = [json.loads(x) for x in audit_log.read_text().splitlines()]
    logged = [e for e in entries if e["object"]["name"] == "dry"]
    assert logged and AUDIT_RULE in json.dumps(logged[0]["rules"]), entries


def test_kubectl_debug_ephemeral_container_is_judged(apiserver: Cluster, hook: tuple[Server, Path]) -> None:
    assert create(apiserver, pod("target", "e2e")).returncode == 0
    image = f"registry.example/debug@{DIGEST}"
    res = apiserver.kubectl("debug", "-n", "e2e", "target", f"--image={image}", "--profile=sysadmin", "--container=dbg",
                            check=False)
    assert res.returncode != 0 and PRIVILEGED_RULE in res.stderr, res.stdout + res.stderr
    stored = json.loads(apiserver.kubectl("get", "pod", "target", "-n", "e2e", "-o", "json").stdout)
    assert not stored["spec"].get("ephemeralContainers")


SLOW_RULE = '''
"""A rule that takes 30 s on a Pod whose image is registry.example/slow (the deadline test's runaway)."""
import time

from policyguard.engine.python_rules import rule
from policyguard.engine.rulelib import WORKLOAD, containers, pod_spec


@rule(id="PG-K8S-E2E-001", title="slow", severity="high", resource_types={"kubernetes": [WORKLOAD]},
      remediation="none", fixable=False)
def check(resource):
    spec = pod_spec(resource) or {}
    if any(str(c.spec.get("image", "")).startswith("registry.example/slow") for c in containers(spec)):
        time.sleep(30)
    return []
'''


def test_apiserver_timeout_is_honoured(apiserver: Cluster, tmp_path: Path) -> None:
    """With timeoutSeconds 2 the apiserver sends ?timeout=2s; the webhook answers before that
    deadline with its own failure answer (deny, saying why) instead of the apiserver giving up
    on it ("context deadline exceeded") and falling back to failurePolicy."""
    rules = tmp_path / "slow_rules" / "slow"
    rules.mkdir(parents=True)
    (rules / "rule.py").write_text(SLOW_RULE, encoding="utf-8")
    srv = start_server(tmp_path, "--rules", str(Path(__file__).parents[2] / "rules" / "kubernetes"),
                       "--rules", str(rules.parent), "--no-builtin-rules")
    try:
        namespace(apiserver, "slow")
        docs = manifests("--url", f"https://127.0.0.1:{srv.port}", "--ca-bundle", str(srv.ca),
                         "--timeout-seconds", "2", "--failure-policy", "Ignore")
        apiserver.kubectl("apply", "-f", "-", input=scoped(docs, "pg-slow", "slow"))
        wait_registered(apiserver, pod("probe", "slow", privileged=True), PRIVILEGED_RULE)
        slow = pod("slowpoke", "slow")
        slow["spec"]["containers"][0]["image"] = f"registry.example/slow@{DIGEST}"
        start = time.monotonic()
        res = create(apiserver, slow)
        took = time.monotonic() - start
        # failurePolicy Ignore would have admitted it had the apiserver timed out first
        assert res.returncode != 0, res.stdout + res.stderr
        assert "did not finish within the" in res.stderr, res.stderr
        assert "context deadline exceeded" not in res.stderr
        assert took < 2 + 3, took  # the 2 s budget plus kubectl's own start-up
    finally:
        apiserver.kubectl("delete", "validatingwebhookconfiguration,mutatingwebhookconfiguration", "pg-slow",
                          "--ignore-not-found", check=False)
        srv.stop()


def test_stopped_webhook_fails_closed_or_open_as_configured(apiserver: Cluster, tmp_path: Path) -> None:
    srv = start_server(tmp_path)
    try:
        for policy in ("Fail", "Ignore"):
            ns = f"down-{policy.lower()}"
            namespace(apiserver, ns)
            docs = manifests("--url", f"https://127.0.0.1:{srv.port}", "--ca-bundle", str(srv.ca), "--failure-policy", policy)
            apiserver.kubectl("apply", "-f", "-", input=scoped(docs, f"pg-{ns}", ns))
            wait_registered(apiserver, pod("probe", ns, privileged=True), PRIVILEGED_RULE)
        srv.stop()
        closed = create(apiserver, pod("clean", "down-fail"))
        assert closed.returncode != 0 and "failed calling webhook" in closed.stderr, closed.stderr
        opened = create(apiserver, pod("clean", "down-ignore"))
        assert opened.returncode == 0, opened.stderr
        # fail open means unjudged: a privileged Pod gets in too while the webhook is down
        assert create(apiserver, pod("priv", "down-ignore", privileged=True)).returncode == 0
    finally:
        srv.stop()
        for ns in ("down-fail", "down-ignore"):
            apiserver.kubectl("delete", "validatingwebhookconfiguration,mutatingwebhookconfiguration", f"pg-{ns}",
                              "--ignore-not-found", check=False)
