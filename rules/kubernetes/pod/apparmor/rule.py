"""PG-K8S-POD-008: AppArmor is not disabled (Pod Security Standards baseline).

Checks both ways of choosing a profile: the securityContext.appArmorProfile field (Kubernetes
1.30+, pod and container level) and the older per-container pod annotation
``container.apparmor.security.beta.kubernetes.io/<container>``, which lives in the pod
template's metadata rather than in the pod spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, pod_spec, quoted, security_contexts

ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
ALLOWED_FIELD_TYPES = {"RuntimeDefault", "Localhost"}


def _pod_metadata_path(pod_spec_path: str) -> str:
    # "spec" (Pod) -> "metadata"; "spec.template.spec" -> "spec.template.metadata"
    return "metadata" if pod_spec_path == "spec" else pod_spec_path.rsplit(".", 1)[0] + ".metadata"


def _get(obj: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _allowed_type(value: Any) -> bool:
    return isinstance(value, str) and value in ALLOWED_FIELD_TYPES


def _annotation_ok(value: Any) -> bool:
    # the standard allows an empty value (runtime default) as well
    return value in ("", "runtime/default") or (isinstance(value, str) and value.startswith("localhost/"))


@rule(
    id="PG-K8S-POD-008",
    title="AppArmor is not disabled",
    severity="high",
    profile="baseline",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "An Unconfined AppArmor profile removes the mandatory access control the container runtime "
        "applies by default. The Pod Security Standards baseline profile allows only RuntimeDefault "
        "and Localhost profiles (annotation values runtime/default and localhost/<profile>)."
    ),
    remediation="Remove the Unconfined profile, or set appArmorProfile.type (or the annotation) to RuntimeDefault / runtime/default.",
    frameworks={"pss-baseline": ["AppArmor"], "nist-800-53": ["AC-3", "AC-6"]},
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource: dict[str, Any], resources: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    if spec is None:
        return
    for ctx in security_contexts(spec):
        profile = ctx.get("appArmorProfile")
        # nil is allowed (PSS: undefined/nil); a type that is not one of the allowed strings (a
        # list, an object) fails closed; an unresolved one becomes unknown on its path
        if isinstance(profile, dict) and profile.get("type") is not None and not _allowed_type(profile["type"]):
            path = f"{ctx.path}.appArmorProfile.type"
            yield fail(
                f"{ctx.who} sets appArmorProfile.type {quoted(profile['type'])} (RuntimeDefault or Localhost required)",
                path=path,
                fix={"description": "Use the runtime's default AppArmor profile",
                     "ops": [{"op": "set", "path": path, "value": "RuntimeDefault"}]},
            )

    meta_path = _pod_metadata_path(str(resource.get("pod_spec_path") or "spec"))
    annotations = _get(resource.get("attributes"), meta_path + ".annotations")
    if not isinstance(annotations, dict):
        return
    for key, value in annotations.items():
        if isinstance(key, str) and key.startswith(ANNOTATION) and not _annotation_ok(value):
            path = f'{meta_path}.annotations["{key}"]'
            yield fail(
                f"container {quoted(key[len(ANNOTATION):])} uses AppArmor profile {quoted(value)} "
                "(runtime/default or localhost/<profile> required)",
                path=path,
                fix={"description": "Use the runtime's default AppArmor profile",
                     "ops": [{"op": "set", "path": path, "value": "runtime/default"}]},
            )
