"""``wgpolicyk8s.io/v1alpha2`` PolicyReport / ClusterPolicyReport objects from an audit: the
format Kyverno and Gatekeeper users already read (Policy Reporter, ``kubectl get polr``).

One report per namespace (``PolicyReport`` named ``policyguard`` in it) and one
``ClusterPolicyReport`` (``policyguard``) for cluster-scoped objects, never one per object:
Kyverno's per-resource reports reached 1.6 M objects and filled etcd (kyverno#8974). Each report
is bounded: at most ``max_results`` results and ``MAX_BYTES`` of JSON (etcd refuses objects over
1.5 MiB). Failures are kept first (error, fail, warn by severity, then skip, then pass), the
summary always counts every result, and the annotation ``policyguard.dev/omitted-results`` says
how many of each were left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

GROUP = "wgpolicyk8s.io"
VERSION = "v1alpha2"
API_VERSION = f"{GROUP}/{VERSION}"
REPORT_NAME = "policyguard"
SOURCE = "policyguard"
FIELD_MANAGER = "policyguard"
MANAGED_BY = {"app.kubernetes.io/managed-by": "policyguard"}
OMITTED = "policyguard.dev/omitted-results"
MAX_RESULTS = 1000
MAX_BYTES = 1_000_000  # under etcd's 1.5 MiB request limit, with room for managedFields
RESULTS = ("pass", "fail", "warn", "error", "skip")
_ORDER = {"error": 0, "fail": 1, "warn": 2, "skip": 3, "pass": 4}
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@dataclass(frozen=True, slots=True)
class ObjectRef:
    api_version: str
    kind: str
    namespace: str  # "" cluster-scoped
    name: str
    uid: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        if self.uid:
            out["uid"] = self.uid
        return out


@dataclass(frozen=True, slots=True)
class Result:
    """One rule's outcome on one object."""

    ref: ObjectRef
    rule: str
    result: str  # pass | fail | warn | error | skip
    severity: str
    category: str
    message: str
    properties: tuple[tuple[str, str], ...] = ()

    def to_dict(self, seconds: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": SOURCE, "policy": self.rule, "rule": self.rule, "result": self.result,
            "scored": True, "timestamp": {"seconds": seconds, "nanos": 0},
            "resources": [self.ref.to_dict()],
        }
        if self.severity:
            out["severity"] = self.severity
        if self.category:
            out["category"] = self.category
        if self.message:
            out["message"] = self.message
        if self.properties:
            out["properties"] = dict(self.properties)
        return out


@dataclass(slots=True)
class Built:
    """The report objects of one audit, and what the caps left out."""

    reports: list[dict[str, Any]] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # report title -> results left out


def build(results: list[Result], *, timestamp: int, max_results: int = MAX_RESULTS) -> Built:
    """One PolicyReport per namespace with results and one ClusterPolicyReport when
    cluster-scoped objects were judged (``write`` deletes the reports of namespaces that have
    none any more)."""
    by_ns: dict[str, list[Result]] = {}
    for r in results:
        by_ns.setdefault(r.ref.namespace, []).append(r)
    out = Built()
    for ns in sorted(by_ns):
        rs = by_ns[ns]
        report, left = _one(ns, rs, timestamp, max_results)
        out.reports.append(report)
        if left:
            out.omitted[f"{ns or '(cluster)'}"] = left
    return out


def _one(namespace: str, results: list[Result], timestamp: int, max_results: int) -> tuple[dict[str, Any], int]:
    summary = dict.fromkeys(RESULTS, 0)
    for r in results:
        summary[r.result] += 1
    ordered = sorted(results, key=lambda r: (_ORDER[r.result], _SEVERITY_ORDER.get(r.severity, 5), r.ref.kind,
                                              r.ref.name, r.rule))
    kept = [r.to_dict(timestamp) for r in ordered[:max_results]]
    meta: dict[str, Any] = {"name": REPORT_NAME, "labels": dict(MANAGED_BY)}
    if namespace:
        meta["namespace"] = namespace
    report = {"apiVersion": API_VERSION, "kind": "PolicyReport" if namespace else "ClusterPolicyReport",
              "metadata": meta, "summary": summary, "results": kept}
    # the byte cap: drop from the tail (passes first) until the object fits
    size = len(json.dumps(report, separators=(",", ":")))
    while kept and size > MAX_BYTES:
        size -= len(json.dumps(kept.pop(), separators=(",", ":"))) + 1
    left = len(results) - len(kept)
    if left:
        gone: dict[str, int] = dict.fromkeys(RESULTS, 0)
        for r in ordered[len(kept):]:
            gone[r.result] += 1
        meta["annotations"] = {OMITTED: f"{left} of {len(results)} results not listed (" +
                               ", ".join(f"{k} {v}" for k, v in gone.items() if v) + "); the summary counts them all"}
    return report, left


def report_path(report: dict[str, Any]) -> str:
    ns = report["metadata"].get("namespace")
    if ns:
        return f"/apis/{API_VERSION}/namespaces/{ns}/policyreports/{REPORT_NAME}"
    return f"/apis/{API_VERSION}/clusterpolicyreports/{REPORT_NAME}"


# --------------------------------------------------------------------------- the CRDs
def _object_reference() -> dict[str, Any]:
    return {"type": "object", "properties": {k: {"type": "string"} for k in
                                            ("apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid")},
            "x-kubernetes-map-type": "atomic"}


def _label_selector() -> dict[str, Any]:
    return {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        "matchExpressions": {"type": "array", "items": {
            "type": "object", "required": ["key", "operator"], "properties": {
                "key": {"type": "string"}, "operator": {"type": "string"},
                "values": {"type": "array", "items": {"type": "string"}}}}}}}


def report_schema() -> dict[str, Any]:
    """The openAPIV3Schema of PolicyReport and ClusterPolicyReport v1alpha2, written from the
    published API types (kubernetes-sigs/wg-policy-prototypes, policy-report/apis/wgpolicyk8s.io/
    v1alpha2): scope, scopeSelector, summary {pass, fail, warn, error, skip}, results (policy
    required; result and severity enums; timestamp {seconds, nanos}; resources as
    ObjectReferences; properties a string map)."""
    count = {"type": "integer"}
    result = {
        "type": "object", "required": ["policy"], "properties": {
            "category": {"type": "string"},
            "message": {"type": "string"},
            "policy": {"type": "string"},
            "properties": {"type": "object", "additionalProperties": {"type": "string"}},
            "resourceSelector": _label_selector(),
            "resources": {"type": "array", "items": _object_reference()},
            "result": {"type": "string", "enum": list(RESULTS)},
            "rule": {"type": "string"},
            "scored": {"type": "boolean"},
            "severity": {"type": "string", "enum": ["critical", "high", "low", "medium", "info"]},
            "source": {"type": "string"},
            "timestamp": {"type": "object", "required": ["nanos", "seconds"], "properties": {
                "nanos": {"type": "integer", "format": "int32"}, "seconds": {"type": "integer", "format": "int64"}}},
        }}
    return {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "scope": _object_reference(), "scopeSelector": _label_selector(),
        "summary": {"type": "object", "properties": {k: count for k in RESULTS}},
        "results": {"type": "array", "items": result},
    }}


def report_crds() -> list[dict[str, Any]]:
    """The two CustomResourceDefinitions (for clusters without Kyverno, which ships them)."""
    out = []
    for kind, plural, short, scope in (("PolicyReport", "policyreports", "polr", "Namespaced"),
                                       ("ClusterPolicyReport", "clusterpolicyreports", "cpolr", "Cluster")):
        columns = [{"name": k.capitalize(), "type": "integer", "jsonPath": f".summary.{k}"} for k in RESULTS]
        columns.append({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"})
        out.append({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{GROUP}"},
            "spec": {"group": GROUP, "scope": scope,
                     "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                               "singular": plural[:-1], "shortNames": [short]},
                     "versions": [{"name": VERSION, "served": True, "storage": True,
                                   "additionalPrinterColumns": columns,
                                   "schema": {"openAPIV3Schema": report_schema()}}]},
        })
    return out


@dataclass(slots=True)
class Written:
    applied: list[str] = field(default_factory=list)  # report paths
    deleted: list[str] = field(default_factory=list)


def write(client: Any, built: Built) -> Written:
    """Server-side apply every report (field manager ``policyguard``), then delete policyguard's
    reports (label ``app.kubernetes.io/managed-by: policyguard``, name ``policyguard``) that
    this audit did not produce: their namespace has no result any more (objects deleted or
    fixed-and-excluded, the namespace excluded or gone). Raises ``ClusterError`` (``NotServed``
    when the CRDs are not installed)."""
    from policyguard.cluster.client import APIResource, NotServed

    out = Written()
    kinds = {r.plural: r for r in client.discover() if r.group == GROUP}
    for plural in ("policyreports", "clusterpolicyreports"):
        if plural not in kinds or kinds[plural].version != VERSION and not _serves(client, plural):
            raise NotServed(f"the cluster does not serve {plural}.{GROUP}/{VERSION}: install the CRDs "
                            "(`policyguard webhook manifests --audit --report-crds | kubectl apply -f -`, or Kyverno's)")
    for report in built.reports:
        path = report_path(report)
        client.apply(path, report, FIELD_MANAGER, what=f"patch {path.rsplit('/', 2)[-2]}.{GROUP}")
        out.applied.append(path)
    keep = set(out.applied)
    selector = ",".join(f"{k}={v}" for k, v in MANAGED_BY.items())
    for plural, namespaced in (("policyreports", True), ("clusterpolicyreports", False)):
        res = APIResource(GROUP, VERSION, "", plural, namespaced, ("list",))
        for obj in client.list_pages(res, label_selector=selector):
            meta = obj.get("metadata") or {}
            if meta.get("name") != REPORT_NAME:
                continue
            path = res.path(str(meta.get("namespace") or ""), REPORT_NAME)
            if path not in keep:
                client.delete(path, what=f"delete {plural}.{GROUP}")
                out.deleted.append(path)
    return out


def _serves(client: Any, plural: str) -> bool:
    """Is ``v1alpha2`` served even when another version is preferred (Kyverno's CRDs serve
    v1alpha2 beside newer ones)?"""
    from policyguard.cluster.client import NotServed

    try:
        doc = client.get(f"/apis/{API_VERSION}")
    except NotServed:
        return False
    return any(r.get("name") == plural for r in doc.get("resources") or ())
