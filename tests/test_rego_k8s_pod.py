"""data.policyguard.k8s_pod: the per-workload tables the pod rules share (containers, added
capabilities, security contexts, hostPath volumes), held to a plain Python reading of the pod
spec on regorus and OPA, including values of the wrong shape (null, strings, unknown markers),
which must leave a table empty, never make it an error. ``containers`` must stay equal to
``lib.pod_containers``, which user rules read."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from test_engine_helpers import have_golib, probe_engine

PROBE = """package t
import rego.v1
import data.policyguard.k8s_pod
import data.policyguard.lib
out := {
	"containers": k8s_pod.containers,
	"lib": lib.pod_containers,
	"caps": [[a.c.path, a.i, a.cap] | some a in k8s_pod.added_caps],
	"contexts": [[s.path, k8s_pod.who(s), s.ctx] | some s in k8s_pod.security_contexts],
	"host_paths": [[h.i, h.volume] | some h in k8s_pod.host_path_volumes],
}
"""
ENGINES = ["regorus"] + (["opa"] if have_golib() else [])
KINDS = ("containers", "initContainers", "ephemeralContainers")


@cache
def _engine(kind: str) -> Any:
    return probe_engine(kind, PROBE)


def tables(engine: str, pod_spec: Any) -> dict[str, Any]:
    doc = {"resource": {"pod_spec": pod_spec, "attributes": {}}, "resources": {}}
    eng = _engine(engine)
    if engine == "regorus":
        eng.set_input_json(json.dumps(doc))
        out: dict[str, Any] = json.loads(eng.eval_rule_as_json("data.t.out"))
        return out
    return dict(eng.eval_document("t.out", doc))


def expected(pod_spec: Any) -> dict[str, Any]:
    """What each table holds, read the plain way."""
    spec = pod_spec if isinstance(pod_spec, dict) else {}
    containers = [
        {"container": c, "kind": kind, "path": f"pod_spec.{kind}[{i}]"}
        for kind in KINDS if isinstance(spec.get(kind), list)
        for i, c in enumerate(spec[kind]) if isinstance(c, dict)
    ]
    caps = []
    contexts = []
    if isinstance(spec.get("securityContext"), dict):
        contexts.append(["pod_spec.securityContext", "the pod", spec["securityContext"]])
    for c in containers:
        ctx = c["container"].get("securityContext")
        add = ctx.get("capabilities", {}).get("add") if isinstance(ctx, dict) and isinstance(ctx.get("capabilities"), dict) else None
        if isinstance(add, list):
            caps += [[c["path"], i, cap] for i, cap in enumerate(add)]
        if isinstance(ctx, dict):
            contexts.append([c["path"] + ".securityContext", f'container "{c["container"].get("name", "<unnamed>")}"', ctx])
    volumes = spec.get("volumes")
    host_paths = [[i, v] for i, v in enumerate(volumes) if isinstance(v, dict) and "hostPath" in v] if isinstance(volumes, list) else []
    return {"containers": containers, "lib": containers, "caps": caps, "contexts": contexts, "host_paths": host_paths}


UNKNOWN = {"__unknown__": "var.x"}
SPECS = [
    None,
    {},
    {"containers": None, "volumes": None, "securityContext": None},
    {"containers": "app", "volumes": "data", "securityContext": "x"},
    {
        "securityContext": {"runAsUser": 1000},
        "containers": [
            {"name": "app", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "cap_sys_time", 7]}}},
            {"name": "sidecar", "securityContext": {"capabilities": {"add": None, "drop": ["ALL"]}}},
            {"securityContext": {"capabilities": "ALL"}},
            {"name": "bare"},
            "not a container",
            None,
        ],
        "initContainers": [{"name": "init", "securityContext": UNKNOWN}],
        "ephemeralContainers": [{"name": "debug", "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}}],
        "volumes": [
            {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
            {"name": "null-host", "hostPath": None},
            {"name": "tmp", "emptyDir": {}},
            "not a volume",
        ],
    },
    {"containers": [{"name": "c", "securityContext": {"capabilities": {"add": UNKNOWN}}}], "volumes": [UNKNOWN]},
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pod_spec", SPECS, ids=range(len(SPECS)))
def test_tables_match_a_plain_reading(engine: str, pod_spec: Any) -> None:
    assert tables(engine, pod_spec) == expected(pod_spec)
