"""``/mutate`` changes only what the enabled rules' fixes name.

Mutation is opt-in per rule (``webhook.mutation.rules``, default none). For the real
AdmissionReviews in ../shared/admission and hypothesis-generated workloads, the JSON Patch the
webhook builds (``Judge.judge``, the code ``/mutate`` runs) is applied with the ``jsonpatch``
library and the result diffed against the original: every changed path must lie under a path
that an enabled, failing rule's fix names, and ``metadata`` must be untouched except for keys
inside ``annotations``/``labels`` that a fix names. Every fixable Kubernetes rule is enabled here
(the worst case), or a random subset of them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from webhook_support import RULES, admission_dir, start_server, wrap

from policyguard.model import Status, parse_path
from policyguard.options import RuleOptions, ScanOptions
from policyguard.webhook.config import Mutation, WebhookConfig
from policyguard.webhook.evaluation import Judge

jsonpatch = pytest.importorskip("jsonpatch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

Path_ = tuple[str | int, ...]


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(ScanOptions(rules=RuleOptions(rule_dirs=[str(RULES / "kubernetes")], builtin_rules=False)))


def _fixable(judge: Judge) -> list[str]:
    return sorted(rid for rid, m in judge.metas.items() if m.fixable)


def _real_objects() -> list[dict[str, Any]]:
    d = admission_dir()
    out = []
    for p in sorted(d.glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        req = doc.get("request", doc) if doc.get("kind") == "AdmissionReview" else doc
        obj = req.get("object") if isinstance(req, dict) else None
        if isinstance(obj, dict) and obj.get("apiVersion") and obj.get("kind"):
            out.append(obj)
    return out


def _leaves(v: Any, path: Path_) -> list[Path_]:
    if isinstance(v, dict) and v:
        return [p for k, x in v.items() for p in _leaves(x, path + (k,))]
    if isinstance(v, list) and v:
        return [p for i, x in enumerate(v) for p in _leaves(x, path + (i,))]
    return [path]


def _changed(a: Any, b: Any, path: Path_ = ()) -> list[Path_]:
    """Leaf paths where ``a`` and ``b`` differ: an added or removed key counts as every leaf
    under it (creating ``securityContext`` to set one flag changes that flag's path only); a
    list whose length changed is one path."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Path_] = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out += _leaves(a[k] if k in a else b[k], path + (k,))
            else:
                out += _changed(a[k], b[k], path + (k,))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _changed(x, y, path + (i,))]
    return [] if a == b and type(a) is type(b) else [path]


def _check_mutation(judge: Judge, obj: dict[str, Any], enabled: set[str]) -> list[str]:
    """Run /mutate's patch building on ``obj`` and check the patched object; returns the rules
    whose fixes were applied."""
    original = copy.deepcopy(obj)
    j = judge.judge(obj, None, with_old=False, patch_rules=enabled)
    assert obj == original, "building the patch modified the request object"
    assert set(j.fixed_rules) <= enabled
    res = judge._resource(obj)
    named: list[Path_] = []
    for f in j.applied:  # every round's: a fix the first round's failures did not offer counts too
        assert f.fix is not None and f.rule_id in j.fixed_rules
        named += [parse_path(res.real_path(op.path)) for op in f.fix.ops]
    patched = jsonpatch.apply_patch(copy.deepcopy(obj), j.patch) if j.patch else obj
    for p in _changed(obj, patched):
        assert any(p[: len(n)] == n for n in named), f"{p} changed, but no enabled rule's fix names it ({j.fixed_rules})"
        for i, seg in enumerate(p):
            if seg == "metadata":
                assert len(p) > i + 2 and p[i + 1] in ("annotations", "labels"), f"{p}: metadata changed"
    meta = dict(obj.get("metadata") or {})
    new_meta = dict(patched.get("metadata") or {})
    for key in ("annotations", "labels"):
        meta.pop(key, None)
        new_meta.pop(key, None)
    assert meta == new_meta  # name, namespace, uid, resourceVersion, managedFields... untouched
    if j.patch:  # the patch does what it claims: the fixed rules pass on the patched object
        again = judge.judge(patched, None, with_old=False, patch_rules=None)
        still = {f.rule_id for f in again.findings if f.status is Status.FAIL and f.rule_id in j.fixed_rules and f.fix is not None}
        assert not (still & set(j.fixed_rules)) or _same_finding_paths(j, again), still
    return j.fixed_rules


def _same_finding_paths(before: Any, after: Any) -> bool:
    """A rule can fail for several containers; a fixed one must not fail at a fixed path. A
    result that carried no fix (PG-K8S-POD-015 on a privileged container, which the apiserver
    would refuse with allowPrivilegeEscalation: false) was not fixed there."""
    fixed = {(f.rule_id, f.path) for f in before.findings
             if f.status is Status.FAIL and f.rule_id in before.fixed_rules and f.fix is not None}
    return not any((f.rule_id, f.path) in fixed for f in after.findings if f.status is Status.FAIL)


def test_default_config_mutates_nothing() -> None:
    cfg = WebhookConfig()
    assert cfg.mutation.rules == []
    from policyguard.webhook.app import mutation_rules

    metas = {m.id: m for m in Judge(ScanOptions(rules=RuleOptions(rule_dirs=[str(RULES / "kubernetes")], builtin_rules=False))).metas.values()}
    assert mutation_rules(cfg, metas) == set()
    cfg.mutation = Mutation(rules=["PG-K8S-POD-004"])
    assert mutation_rules(cfg, metas) == {"PG-K8S-POD-004"}
    cfg.enforcement.rules["PG-K8S-POD-004"] = "off"
    assert mutation_rules(cfg, metas) == set()


def test_real_reviews_every_rule_enabled(judge: Judge) -> None:
    objs = _real_objects()
    assert objs, "no admission samples"
    applied: set[str] = set()
    for obj in objs:
        applied |= set(_check_mutation(judge, obj, set(_fixable(judge))))
    assert applied, "the samples should exercise some fixes"
    assert "PG-K8S-NS-001" not in applied  # removing metadata.namespace is never patched


def test_namespace_and_privileged_are_left_alone_unless_enabled(judge: Judge) -> None:
    pod = next(o for o in _real_objects() if o.get("kind") == "Pod" and "privileged" in json.dumps(o))
    j = judge.judge(pod, None, with_old=False, patch_rules={"PG-K8S-NS-001"})
    assert j.patch == [] and j.fixed_rules == []
    assert j.unpatched and j.unpatched[0][0] == "PG-K8S-NS-001" and "metadata.namespace" in j.unpatched[0][1]
    j = judge.judge(pod, None, with_old=False, patch_rules={"PG-K8S-POD-019"})
    assert not any("privileged" in op["path"] for op in j.patch)


# ------------------------------------------------------------------ generated workloads
NAMES = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).map(lambda s: "x" + s)
CAPS = st.lists(st.sampled_from(["ALL", "NET_ADMIN", "SYS_TIME", "NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN"]), max_size=3, unique=True)


@st.composite
def container(draw: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"name": draw(NAMES), "image": draw(st.sampled_from(["nginx", "nginx:1.25", "r.example.com/a@sha256:" + "0" * 64]))}
    sc: dict[str, Any] = {}
    for key, strat in (
        ("privileged", st.booleans()), ("allowPrivilegeEscalation", st.booleans()), ("readOnlyRootFilesystem", st.booleans()),
        ("runAsNonRoot", st.booleans()), ("runAsUser", st.sampled_from([0, 1000])), ("procMount", st.sampled_from(["Default", "Unmasked"])),
        ("capabilities", st.fixed_dictionaries({}, optional={"add": CAPS, "drop": CAPS})),
        ("seccompProfile", st.fixed_dictionaries({"type": st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])})),
    ):
        if draw(st.booleans()):
            sc[key] = draw(strat)
    if sc or draw(st.booleans()):
        c["securityContext"] = sc
    if draw(st.booleans()):
        c["ports"] = [{"containerPort": 8080, **({"hostPort": 8080} if draw(st.booleans()) else {})}]
    return c


@st.composite
def workload(draw: Any) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
    containers = [dict(draw(container()), name=n) for n in names]
    spec: dict[str, Any] = {"containers": containers}
    for key in ("hostNetwork", "hostPID", "hostIPC", "automountServiceAccountToken"):
        if draw(st.booleans()):
            spec[key] = draw(st.booleans())
    if draw(st.booleans()):
        spec["securityContext"] = draw(st.fixed_dictionaries({}, optional={
            "runAsUser": st.sampled_from([0, 1000]), "runAsNonRoot": st.booleans(),
            "sysctls": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["kernel.shm_rmid_forced", "net.core.somaxconn"]), "value": st.just("1")}), max_size=2),
            "seccompProfile": st.fixed_dictionaries({"type": st.sampled_from(["RuntimeDefault", "Unconfined"])}),
        }))
    metadata: dict[str, Any] = {"name": draw(NAMES), "namespace": draw(st.sampled_from(["default", "shop", "kube-public"]))}
    for key, strat in (
        ("uid", st.uuids().map(str)), ("resourceVersion", st.integers(1, 10**6).map(str)), ("generation", st.integers(1, 9)),
        ("labels", st.dictionaries(st.sampled_from(["app", "tier"]), NAMES, max_size=2)),
        ("annotations", st.dictionaries(st.sampled_from(["note", f"container.apparmor.security.beta.kubernetes.io/{names[0]}"]),
                                        st.sampled_from(["x", "unconfined", "runtime/default"]), max_size=2)),
        ("managedFields", st.just([{"manager": "kubectl", "operation": "Update", "apiVersion": "v1"}])),
        ("finalizers", st.just(["example.com/keep"])),
    ):
        if draw(st.booleans()):
            metadata[key] = draw(strat)
    kind = draw(st.sampled_from(["Pod", "Deployment", "CronJob", "DaemonSet"]))
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    template = {"metadata": {"labels": {"app": "a"}}, "spec": spec}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata,
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata,
            "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template}}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(obj=workload(), subset=st.integers(0, 2**40))
def test_generated_workloads(judge: Judge, obj: dict[str, Any], subset: int) -> None:
    rules = _fixable(judge)
    every = subset % 3 == 0  # a third of the examples enable every fixable rule
    enabled = set(rules) if every else {r for i, r in enumerate(rules) if subset >> (i % 40) & 1}
    _check_mutation(judge, obj, enabled)


# ------------------------------------------------------------------ the real server
def test_server_default_config_sends_no_patch(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    srv = start_server(tmp_path, workers=1)
    try:
        for p in sorted(admission_dir().glob("*.request.json")):
            req = json.loads(p.read_text(encoding="utf-8"))
            doc = srv.review("/mutate", wrap(req))
            resp = doc["response"]
            assert resp["uid"] == req["uid"] and resp["allowed"] is True
            assert "patch" not in resp and "patchType" not in resp, p.name
    finally:
        srv.stop()


def test_serve_rejects_unknown_or_unfixable_mutation_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvicorn")
    from policyguard.commands import main

    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / ".policyguard.yaml"
    cfg.write_text("webhook:\n  mutation:\n    rules:\n      - PG-K8S-POD-004\n      - PG-K8S-POD-999\n      - PG-K8S-IMAGE-001\n")
    res = CliRunner().invoke(main, ["serve", "--insecure", "--port", "0", "--config", str(cfg)])
    assert res.exit_code == 2, res.output
    assert f"{cfg}:5: mutation.rules: 'PG-K8S-POD-999' is not a loaded rule" in res.output
    assert f"{cfg}:6: mutation.rules: PG-K8S-IMAGE-001 has no automatic fix" in res.output
    assert "Traceback" not in res.output
    cfg.write_text("webhook:\n  mutation:\n    rules: ['PG-K8S-POD-*']\n")
    res = CliRunner().invoke(main, ["serve", "--insecure", "--port", "0", "--config", str(cfg)])
    assert res.exit_code == 2 and "name each rule by its id" in res.output, res.output
