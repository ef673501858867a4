"""Fixes must not write dangling references.

A fix that makes a resource point at another one (a redirect to a listener, a KMS key, a log
bucket or workspace, a target group, a service account...) is only correct when the target
exists: in the same scan unit, or created by the same fix (``add_resource``). Otherwise the
edit is refused with the reason; the user creates the target and applies the fix then.

Three kinds of reference are recognised:

* **explicit**: a Terraform interpolation (``${aws_s3_bucket.logs.id}``), a CloudFormation
  ``Ref`` / ``Fn::GetAtt`` / ``Fn::Sub`` in a value the fix writes;
* **by attribute name**: a literal written to an attribute that holds another object's
  identity (``kms_key_id``, ``target_bucket``, ``serviceAccountName``...): policyguard cannot
  prove such a literal exists, so only provider-managed names (``alias/aws/sns``) pass;
* **implicit**: a value that only makes sense when a peer exists, e.g. an ALB listener
  redirecting to HTTPS:443 needs an HTTPS listener on port 443 of the same load balancer, and
  Azure SQL auditing to Azure Monitor needs a diagnostic setting that ships the audit events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from policyguard.model import UNKNOWN_KEY, Fix, FixOp, Resource, is_unknown, parse_path

_TF_INTERP = re.compile(r"\$\{([^{}]*)\}")
_TF_TRAVERSAL = re.compile(r"(?<![\w.\]])([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
# roots that name values, not objects in the configuration
_TF_CONTEXT = {"each", "count", "self", "path", "terraform"}
# roots that name objects policyguard does not model as resources: cannot be checked
_TF_UNCHECKED = {"var", "local", "module"}

# attributes whose value is the identity of another object (compared without case and "_")
_REF_KEYS = {
    "kmskeyid", "kmsmasterkeyid", "kmskeyarn", "kmskey", "ssekmskeyid", "kmskeyidentifier",
    "targetbucket", "destinationbucketname", "logbucket", "storageendpoint", "storageaccountid",
    "loganalyticsworkspaceid", "workspaceid", "targetgrouparn", "targetgroupname",
    "certificatearn", "acmcertificatearn", "snstopicarn", "cloudwatchlogsgrouparn",
    "cloudwatchlogsrolearn", "rolearn", "executionrolearn", "iaminstanceprofile",
    "serviceaccountname", "secretname", "claimname", "localhostprofile",
}
PREFIX = "dangling reference: "  # every refusal of this module starts with it

# provider-managed names that exist in every account without being declared
_MANAGED = re.compile(r"\Aalias/aws/[a-z0-9-]+\Z")


def _norm(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def _leaves(value: Any, key: str) -> Iterator[tuple[str, Any]]:
    """(nearest mapping key, scalar) for every scalar under ``value``."""
    if isinstance(value, Mapping):
        if is_unknown(value):
            return
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _last_key(path: str) -> str:
    try:
        segs = parse_path(path) if path else ()
    except ValueError:
        return ""
    for s in reversed(segs):
        if isinstance(s, str):
            return s
    return ""


def _written(fix: Fix) -> Iterator[tuple[FixOp, str, Any]]:
    """(op, key, value) for every value a ``set``/``add``/``add_resource`` writes."""
    for op in fix.ops:
        if op.op in ("set", "add"):
            yield from ((op, k, v) for k, v in _leaves(op.value, _last_key(op.path)))
        elif op.op == "add_resource" and isinstance(op.value, Mapping):
            yield from ((op, k, v) for k, v in _leaves(op.value.get("attributes"), ""))


def _created(fix: Fix, resource: Resource) -> set[str]:
    """Ids (and CloudFormation logical ids) of the companions ``fix`` creates."""
    out = set()
    prefix = resource.module + "." if resource.module else ""
    for op in fix.ops:
        if op.op == "add_resource" and isinstance(op.value, Mapping):
            typ, name = str(op.value.get("type", "")), str(op.value.get("name", ""))
            out |= {f"{prefix}{typ}.{name}", name}
    return out


def conditional(target: Resource, resource: Resource) -> str | None:
    """How ``target`` may be absent where ``resource`` exists: a CloudFormation ``Condition``
    the referencing resource does not share, or a Terraform ``count``/``for_each`` that could not
    be resolved (``count = var.cert != "" ? 1 : 0``). None: it exists whenever ``resource`` does."""
    cond = target.meta.get("Condition") if isinstance(target.meta, dict) else None
    if cond is not None and cond != (resource.meta.get("Condition") if isinstance(resource.meta, dict) else None):
        return f"{target.id} exists only when the condition {cond} holds"
    expansion = target.meta.get("expansion") if isinstance(target.meta, dict) else None
    if isinstance(expansion, dict) and is_unknown(expansion):
        return f"{target.id} exists only for some values of its count/for_each ({expansion.get(UNKNOWN_KEY)})"
    return None


def _tf_target(addr: str, resource: Resource, unit: Mapping[str, Resource], created: set[str]) -> tuple[bool, str | None]:
    """(exists, why it may be absent)."""
    prefix = resource.module + "." if resource.module else ""
    want = prefix + addr
    if want in created or want == resource.id.split("[", 1)[0]:
        return True, None
    hits = [r for rid, r in unit.items() if rid == want or rid.startswith(want + "[")]
    if not hits:
        return False, None
    return True, next((w for r in hits if (w := conditional(r, resource))), None)


def _explicit(resource: Resource, fix: Fix, unit: Mapping[str, Resource], created: set[str]) -> str | None:
    for op, _key, value in _written(fix):
        if resource.platform == "terraform" and isinstance(value, str):
            for expr in _TF_INTERP.findall(value):
                for m in _TF_TRAVERSAL.finditer(expr):
                    root, second, third = m.group(1), m.group(2), m.group(3)
                    if root in _TF_CONTEXT:
                        continue
                    if root in _TF_UNCHECKED:
                        return f"the fix refers to {root}.{second}, which policyguard cannot check exists"
                    addr = f"data.{second}.{third}" if root == "data" and third else f"{root}.{second}"
                    exists, maybe = _tf_target(addr, resource, unit, created)
                    if not exists:
                        return f"the fix refers to {addr}, which does not exist and which the fix does not create"
                    if maybe:
                        return f"the fix refers to {addr}, but {maybe}"
        if resource.platform == "cloudformation":
            for target in _cfn_targets(op.value if op.op != "add_resource" else op.value.get("attributes")):
                if target.startswith("AWS::") or target in created or target == resource.name:
                    continue
                hit = unit.get(target) or next((r for r in unit.values() if r.name == target or r.meta.get("logical_id") == target), None)
                if hit is None:
                    return f"the fix refers to {target}, which is not a resource of this template and which the fix does not create"
                maybe = conditional(hit, resource)
                if maybe:
                    return f"the fix refers to {target}, but {maybe}"
    return None


def _cfn_targets(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                yield v
            elif k == "Fn::GetAtt":
                if isinstance(v, list) and v and isinstance(v[0], str):
                    yield v[0]
                elif isinstance(v, str):
                    yield v.split(".", 1)[0]
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) and v else v
                if isinstance(text, str):
                    yield from (t.split(".", 1)[0] for t in re.findall(r"\$\{([^!}][^}]*)\}", text))
            else:
                yield from _cfn_targets(v)
    elif isinstance(value, list):
        for v in value:
            yield from _cfn_targets(v)


def _by_name(fix: Fix) -> str | None:
    for _op, key, value in _written(fix):
        if not key or _norm(key) not in _REF_KEYS or not isinstance(value, str) or not value:
            continue
        if _TF_INTERP.search(value) or _MANAGED.match(value):
            continue  # interpolations are checked as explicit references
        return (f"the fix sets {key} to {value!r}, a reference to an object it does not create; "
                "policyguard cannot check that it exists")
    return None


# --------------------------------------------------------------------------- implicit references
def _peer_key(resource: Resource, attr: str) -> Any:
    """What identifies the parent a resource hangs off (e.g. the load balancer of a listener):
    the referenced resource id when the value is a reference, else the value itself."""
    for ref in resource.references:
        if ref.path == attr:
            return ("ref", ref.target)
    return ("value", repr(resource.attributes.get(attr)))


def _redirect_targets(fix: Fix) -> Iterator[tuple[str, str]]:
    """(protocol, port) of every redirect a fix writes (Terraform and CloudFormation shapes)."""
    def walk(v: Any) -> Iterator[tuple[str, str]]:
        if isinstance(v, Mapping):
            conf = v.get("redirect") or v.get("RedirectConfig")
            if isinstance(conf, list) and conf and isinstance(conf[0], Mapping):
                conf = conf[0]
            if isinstance(conf, Mapping):
                proto = str(conf.get("protocol", conf.get("Protocol", "#{protocol}")))
                port = str(conf.get("port", conf.get("Port", "#{port}")))
                yield proto, port
            for x in v.values():
                if isinstance(x, Mapping | list):
                    yield from walk(x)
        elif isinstance(v, list):
            for x in v:
                yield from walk(x)

    for op in fix.ops:
        if op.op in ("set", "add"):
            yield from walk(op.value)


_LISTENER = {"aws_lb_listener": ("load_balancer_arn", "port", "protocol"), "aws_alb_listener": ("load_balancer_arn", "port", "protocol"),
             "AWS::ElasticLoadBalancingV2::Listener": ("LoadBalancerArn", "Port", "Protocol")}


def _lb_redirect(resource: Resource, fix: Fix, unit: Mapping[str, Resource], created: set[str]) -> str | None:
    keys = _LISTENER.get(resource.type)
    if keys is None:
        return None
    lb_attr, port_attr, proto_attr = keys
    for proto, port in _redirect_targets(fix):
        if "#{" in port or "#{" in proto:
            continue  # same port or protocol as the request: no other listener involved
        lb = _peer_key(resource, lb_attr)
        maybe: str | None = None
        for other in unit.values():
            if other is resource or other.type not in _LISTENER or _peer_key(other, _LISTENER[other.type][0]) != lb:
                continue
            o_port = other.attributes.get(_LISTENER[other.type][1])
            o_proto = other.attributes.get(_LISTENER[other.type][2])
            if str(o_port) == port and isinstance(o_proto, str) and o_proto.upper() == proto.upper():
                maybe = conditional(other, resource)
                if maybe is None:
                    break
        else:
            if maybe:
                return f"the fix redirects to {proto.upper()}:{port}, but {maybe} (e.g. only with a certificate)"
            return (f"the fix redirects to {proto.upper()}:{port}, but the load balancer has no {proto.upper()} listener "
                    f"on port {port} (it needs a certificate: add that listener first)")
    return None


def _sql_audit_sink(resource: Resource, fix: Fix, unit: Mapping[str, Resource], created: set[str]) -> str | None:
    for op in fix.ops:
        if op.op != "add_resource" or not isinstance(op.value, Mapping):
            continue
        attrs = op.value.get("attributes") or {}
        if op.value.get("type") != "azurerm_mssql_server_extended_auditing_policy" or not attrs.get("log_monitoring_enabled"):
            continue
        if attrs.get("storage_endpoint"):
            continue
        servers = {resource.id}
        dbs = {r.id for r in unit.values() if r.type == "azurerm_mssql_database" and any(ref.target in servers for ref in r.references)}
        for r in unit.values():
            if r.type != "azurerm_monitor_diagnostic_setting":
                continue
            if any(ref.target in servers | dbs for ref in r.references) or "/databases/master" in str(r.attributes.get("target_resource_id", "")):
                return None
        return ("the fix sends audit logs to Azure Monitor, which needs an azurerm_monitor_diagnostic_setting shipping "
                "SQLSecurityAuditEvents from the server's master database to a workspace; none exists")
    return None


Check = Callable[[Resource, Fix, Mapping[str, Resource], set[str]], "str | None"]
IMPLICIT: tuple[Check, ...] = (_lb_redirect, _sql_audit_sink)


def dangling(resource: Resource, fix: Fix, unit: Mapping[str, Resource]) -> str | None:
    """Why ``fix`` on ``resource`` would leave a reference to something that does not exist
    (None: every reference it introduces resolves). ``unit``: the resources of the scan unit,
    by id."""
    created = _created(fix, resource)
    for check in (_explicit, *IMPLICIT):
        why = check(resource, fix, unit, created)
        if why:
            return PREFIX + why
    why = _by_name(fix)
    return PREFIX + why if why else None
