"""RFC 6902 output of fix definitions: unit behaviour, and the acceptance check that every
fixable Kubernetes rule's patch, applied with the ``jsonpatch`` library to the original object,
yields an object that passes the rule."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonpatch
import pytest

from policyguard.fix.jsonpatch import json_patch, pointer
from policyguard.model import Fix, FixOp, Status

OBJ = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "annotations": {"a/b": "x"}},
    "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx", "securityContext": None}]}}},
}


def test_creates_missing_parents_replaces_and_appends() -> None:
    fix = Fix(
        "harden",
        (
            FixOp("set", "pod_spec.containers[0].securityContext.runAsNonRoot", True),
            FixOp("set", "pod_spec.containers[0].securityContext.allowPrivilegeEscalation", False),
            FixOp("add", "pod_spec.containers[0].securityContext.capabilities.drop", "ALL"),
            FixOp("set", "pod_spec.containers[0].image", "nginx:1.27"),
            FixOp("remove", 'metadata.annotations["a/b"]'),
            FixOp("add_resource", "", {"type": "x", "name": "y"}),
        ),
    )
    ops = json_patch(OBJ, [fix], "spec.template.spec")
    assert ops == [
        {"op": "replace", "path": "/spec/template/spec/containers/0/securityContext", "value": {"runAsNonRoot": True}},
        {"op": "add", "path": "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", "value": False},
        {"op": "add", "path": "/spec/template/spec/containers/0/securityContext/capabilities", "value": {"drop": ["ALL"]}},
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.27"},
        {"op": "remove", "path": "/metadata/annotations/a~1b"},
    ]
    patched = jsonpatch.apply_patch(copy.deepcopy(OBJ), ops)
    sc = patched["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    assert sc == {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert OBJ["spec"]["template"]["spec"]["containers"][0]["securityContext"] is None  # input untouched
    assert json_patch(patched, [fix], "spec.template.spec") == []  # idempotent


def test_append_to_existing_list_and_pointer_escaping() -> None:
    obj = {"spec": {"containers": [{"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}}
    ops = json_patch(obj, [Fix("d", (FixOp("add", "spec.containers[0].securityContext.capabilities.drop", "ALL"),))], None)
    assert ops == [{"op": "add", "path": "/spec/containers/0/securityContext/capabilities/drop/-", "value": "ALL"}]
    assert pointer(["a~b", "c/d", 0]) == "/a~0b/c~1d/0"


def _k8s_fail_cases() -> list[tuple[str, Path]]:
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions

    ruleset = engine.load_ruleset(RuleOptions(), EvalOptions())
    out = []
    for meta in sorted(ruleset.metas, key=lambda m: m.id):
        if meta.fixable and "kubernetes" in meta.resource_types:
            for case in sorted((Path(meta.source).parent / "fixtures" / "fail").glob("*/*.y*ml")):
                if case.name.startswith("expect."):
                    continue
                out.append((meta.id, case))
    return out


CASES = _k8s_fail_cases()


@pytest.mark.parametrize(("rule_id", "manifest"), CASES, ids=[f"{r}/{m.parent.name}" for r, m in CASES])
def test_patch_applies_and_passes_rule(rule_id: str, manifest: Path) -> None:
    from policyguard import engine
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.parsers.kubernetes import parse_file, resource_from_object

    options = ScanOptions(read=ReadOptions(paths=[str(manifest)]), rules=RuleOptions(enabled_rules=[rule_id]), evaluation=EvalOptions(jobs=1))
    evaluator = engine.make_evaluator(engine.load_ruleset(options.rules, options.evaluation), options.evaluation)
    resources = parse_file(manifest).resources
    findings = evaluator.evaluate(resources)
    failing = [f for f in findings if f.rule_id == rule_id and f.status == Status.FAIL and f.fix is not None]
    assert failing, f"{manifest}: no fixable failure of {rule_id}"
    for res in resources:
        fixes = [f.fix for f in failing if f.resource_id == res.id and f.fix is not None]
        if not fixes:
            continue
        ops = json_patch(res.attributes, fixes, res.pod_spec_path)
        if all(op.op == "add_resource" for fx in fixes for op in fx.ops):
            assert ops == []  # a companion object cannot be patched into this one
            continue
        assert ops, f"{res.id}: empty patch"
        patched = jsonpatch.apply_patch(copy.deepcopy(res.attributes), ops)
        again = evaluator.evaluate([resource_from_object(patched, file=str(manifest))])
        still = [f for f in again if f.rule_id == rule_id and f.status != Status.PASS]
        assert not still, [f"{f.status}: {f.message}" for f in still]
        assert json_patch(patched, fixes, res.pod_spec_path) == []
