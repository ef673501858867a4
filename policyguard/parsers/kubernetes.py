"""Kubernetes manifests (multi-document YAML, JSON, ``kind: List`` nested at any depth) -> model resources.

Identity: ``id`` is ``<apiVersion>/<kind>/<namespace>/<name>`` (``apps/v1/Deployment/prod/web``).

* Cluster-scoped kinds (Namespace, ClusterRole, CustomResourceDefinition, ...) use the
  namespace segment ``_cluster``.
* A namespaced object without ``metadata.namespace`` uses ``default``: that is where
  ``kubectl apply`` puts it unless ``-n`` says otherwise, and it keeps references between
  objects of the same un-namespaced manifest consistent. ``meta.namespace_defaulted`` is set.
* Without ``metadata.name``, ``generateName`` plus ``*`` is the name (``job-*``); with neither,
  ``_unnamed@<line>``. Duplicate ids in one file get a ``#2``, ``#3``... suffix.

``attributes`` is the whole object. Workloads (Pod, Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob, PodTemplate of the core/apps/batch/extensions
groups) set ``pod_spec_path``, and so does any other object shaped like a pod carrier
(``find_pod_spec_path``: Knative, Argo Rollouts, OpenKruise, unknown CRDs). References: workload -> ServiceAccount, ConfigMaps, Secrets
(volumes, projected volumes, envFrom, env valueFrom, imagePullSecrets) and
PersistentVolumeClaims; (Cluster)RoleBinding -> Role/ClusterRole and ServiceAccount subjects;
Ingress -> Service; HorizontalPodAutoscaler -> its target. Everything else, custom resources
included, is a generic resource.

Helm/Go templates (``{{ ... }}`` in structural positions) are not YAML: the file yields one
``template-not-rendered`` error pointing at the first placeholder. ``{{ }}`` inside ordinary
string values (alert templates in a ConfigMap) is fine.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError, ParseResult, Reference, Resource, Span
from policyguard.parsers.yaml_source import (
    Document,
    SourceError,
    child_path,
    load_json,
    load_yaml,
    read_text,
    resolve_yn,
)

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext


PLATFORM = "kubernetes"

POD_SPEC_PATHS: dict[str, str] = {
    "Pod": "spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "ReplicationController": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
    "PodTemplate": "template.spec",
}
_WORKLOAD_GROUPS = frozenset({"", "apps", "batch", "extensions"})

CLUSTER_SCOPED = frozenset(
    {
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
        "CustomResourceDefinition", "PriorityClass", "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration", "APIService", "CSIDriver", "CSINode", "RuntimeClass",
        "PodSecurityPolicy", "IngressClass", "VolumeAttachment", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        "FlowSchema", "PriorityLevelConfiguration", "CertificateSigningRequest", "ComponentStatus",
        "ClusterIssuer", "GatewayClass", "StorageVersionMigration",
    }
)  # fmt: skip

CLUSTER = "_cluster"
DEFAULT_NAMESPACE = "default"

_TEMPLATE_LINE = re.compile(r"^[ \t]*\{\{", re.MULTILINE)
_TEMPLATE_EXPR = re.compile(
    r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|include\s|template\s|toYaml|tpl\s|"
    r"if\s|else|range\s|with\s|define\s|end\s*-?\}\})"
)


# --------------------------------------------------------------------------- identity
def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def object_namespace(obj: dict[str, Any], default: str = DEFAULT_NAMESPACE) -> str:
    kind = str(obj.get("kind", ""))
    if kind in CLUSTER_SCOPED:
        return CLUSTER
    meta = obj.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    return str(ns) if isinstance(ns, str) and ns else default


def object_id(api_version: str, kind: str, namespace: str, name: str) -> str:
    return f"{api_version}/{kind}/{namespace}/{name}"


def _name(obj: dict[str, Any], line: int) -> str:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        name = meta.get("name")
        if isinstance(name, str) and name:
            return name
        gen = meta.get("generateName")
        if isinstance(gen, str) and gen:
            return f"{gen}*"
    return f"_unnamed@{line}"


# --------------------------------------------------------------------------- references
def _refs(obj: dict[str, Any], kind: str, api_version: str, ns: str, pod_spec_path: str | None) -> list[Reference]:
    refs: list[Reference] = []

    def add(path: str, target: str, expression: str) -> None:
        refs.append(Reference(path, target, expression))

    if pod_spec_path is not None:
        spec: Any = obj
        for seg in pod_spec_path.split("."):
            spec = spec.get(seg) if isinstance(spec, dict) else None
        if isinstance(spec, dict):
            _pod_refs(spec, pod_spec_path, ns, add)
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        role = obj.get("roleRef")
        if isinstance(role, dict) and isinstance(role.get("name"), str):
            rkind = str(role.get("kind", "Role"))
            group = str(role.get("apiGroup") or "rbac.authorization.k8s.io")
            rns = CLUSTER if rkind == "ClusterRole" else ns
            add("roleRef.name", object_id(f"{group}/v1", rkind, rns, role["name"]), f"roleRef: {rkind}/{role['name']}")
        subjects = obj.get("subjects")
        if isinstance(subjects, list):
            for i, sub in enumerate(subjects):
                if isinstance(sub, dict) and sub.get("kind") == "ServiceAccount" and isinstance(sub.get("name"), str):
                    sns = sub.get("namespace") if isinstance(sub.get("namespace"), str) else (DEFAULT_NAMESPACE if ns == CLUSTER else ns)
                    add(f"subjects[{i}].name", object_id("v1", "ServiceAccount", str(sns), sub["name"]),
                        f"subject: ServiceAccount/{sub['name']}")  # fmt: skip
    elif kind == "Ingress":
        spec = obj.get("spec")
        if isinstance(spec, dict):
            backend = spec.get("defaultBackend") or spec.get("backend")
            _ingress_backend(backend, "spec.defaultBackend" if "defaultBackend" in spec else "spec.backend", ns, add)
            rules = spec.get("rules")
            for i, rule in enumerate(rules if isinstance(rules, list) else []):
                http = rule.get("http") if isinstance(rule, dict) else None
                paths = http.get("paths") if isinstance(http, dict) else None
                for j, p in enumerate(paths if isinstance(paths, list) else []):
                    if isinstance(p, dict):
                        _ingress_backend(p.get("backend"), f"spec.rules[{i}].http.paths[{j}].backend", ns, add)
    elif kind == "HorizontalPodAutoscaler":
        spec = obj.get("spec")
        target = spec.get("scaleTargetRef") if isinstance(spec, dict) else None
        if isinstance(target, dict) and isinstance(target.get("name"), str) and isinstance(target.get("kind"), str):
            tav = str(target.get("apiVersion") or "apps/v1")
            add("spec.scaleTargetRef.name", object_id(tav, target["kind"], ns, target["name"]),
                f"scaleTargetRef: {target['kind']}/{target['name']}")  # fmt: skip
    return refs


def _ingress_backend(backend: Any, path: str, ns: str, add: Any) -> None:
    if not isinstance(backend, dict):
        return
    svc = backend.get("service")
    if isinstance(svc, dict) and isinstance(svc.get("name"), str):
        add(f"{path}.service.name", object_id("v1", "Service", ns, svc["name"]), f"backend: Service/{svc['name']}")
    elif isinstance(backend.get("serviceName"), str):
        add(f"{path}.serviceName", object_id("v1", "Service", ns, backend["serviceName"]), f"backend: Service/{backend['serviceName']}")


def _pod_refs(spec: dict[str, Any], base: str, ns: str, add: Any) -> None:
    for key in ("serviceAccountName", "serviceAccount"):
        sa = spec.get(key)
        if isinstance(sa, str) and sa:
            add(f"{base}.{key}", object_id("v1", "ServiceAccount", ns, sa), f"{key}: {sa}")
            break
    secrets = spec.get("imagePullSecrets")
    for i, s in enumerate(secrets if isinstance(secrets, list) else []):
        if isinstance(s, dict) and isinstance(s.get("name"), str):
            add(f"{base}.imagePullSecrets[{i}].name", object_id("v1", "Secret", ns, s["name"]), f"imagePullSecrets: {s['name']}")
    volumes = spec.get("volumes")
    for i, vol in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(vol, dict):
            continue
        vp = f"{base}.volumes[{i}]"
        _volume_source_refs(vol, vp, ns, add)
        projected = vol.get("projected")
        sources = projected.get("sources") if isinstance(projected, dict) else None
        for j, src in enumerate(sources if isinstance(sources, list) else []):
            if isinstance(src, dict):
                _volume_source_refs(src, f"{vp}.projected.sources[{j}]", ns, add)
    for ckey in ("initContainers", "containers", "ephemeralContainers"):
        containers = spec.get(ckey)
        for i, c in enumerate(containers if isinstance(containers, list) else []):
            if not isinstance(c, dict):
                continue
            cp = f"{base}.{ckey}[{i}]"
            env_from = c.get("envFrom")
            for j, ef in enumerate(env_from if isinstance(env_from, list) else []):
                if not isinstance(ef, dict):
                    continue
                for rkey, rkind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    ref = ef.get(rkey)
                    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                        add(f"{cp}.envFrom[{j}].{rkey}.name", object_id("v1", rkind, ns, ref["name"]), f"envFrom: {rkind}/{ref['name']}")
            env = c.get("env")
            for j, e in enumerate(env if isinstance(env, list) else []):
                vf = e.get("valueFrom") if isinstance(e, dict) else None
                if not isinstance(vf, dict):
                    continue
                for rkey, rkind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    ref = vf.get(rkey)
                    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                        add(f"{cp}.env[{j}].valueFrom.{rkey}.name", object_id("v1", rkind, ns, ref["name"]), f"env: {rkind}/{ref['name']}")


def _volume_source_refs(vol: dict[str, Any], vp: str, ns: str, add: Any) -> None:
    cm = vol.get("configMap")
    if isinstance(cm, dict) and isinstance(cm.get("name"), str):
        add(f"{vp}.configMap.name", object_id("v1", "ConfigMap", ns, cm["name"]), f"configMap: {cm['name']}")
    sec = vol.get("secret")
    if isinstance(sec, dict):
        sname = sec.get("secretName", sec.get("name"))
        if isinstance(sname, str):
            key = "secretName" if "secretName" in sec else "name"
            add(f"{vp}.secret.{key}", object_id("v1", "Secret", ns, sname), f"secret: {sname}")
    pvc = vol.get("persistentVolumeClaim")
    if isinstance(pvc, dict) and isinstance(pvc.get("claimName"), str):
        add(f"{vp}.persistentVolumeClaim.claimName", object_id("v1", "PersistentVolumeClaim", ns, pvc["claimName"]),
            f"persistentVolumeClaim: {pvc['claimName']}")  # fmt: skip


# --------------------------------------------------------------------------- objects
def _check_object(obj: Any) -> str | None:
    """Why ``obj`` is not a Kubernetes object, or None."""
    if not isinstance(obj, dict):
        kind = "a list" if isinstance(obj, list) else f"a {type(obj).__name__} scalar"
        return f"document is {kind}, not a Kubernetes object (a mapping with apiVersion and kind)"
    missing = [k for k in ("apiVersion", "kind") if not isinstance(obj.get(k), str) or not obj.get(k)]
    if missing:
        return f"Kubernetes object has no {' and no '.join(missing)}"
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return "metadata is not a mapping"
    return None


def number_repeats(res: Resource, seen: dict[str, int]) -> None:
    """A unit's second object with ``res``'s id (a duplicate document, one template rendered
    twice) becomes ``id#2``, the third ``id#3``: each is judged and reported on its own.
    ``seen``: the ids of the unit so far, and how often each came."""
    n = seen.get(res.id, 0) + 1
    seen[res.id] = n
    if n > 1:
        res.id = f"{res.id}#{n}"


def resource_from_object(
    obj: dict[str, Any],
    *,
    file: str = "<admission>",
    spans: dict[str, Span] | None = None,
    span: Span | None = None,
) -> Resource:
    """One object (from a manifest or an AdmissionReview) as a model resource.

    ``spans`` are the object's attribute spans keyed by path text relative to the object
    (``""`` is the object itself). Raises ``ValueError`` if ``obj`` is not a Kubernetes object.
    """
    why = _check_object(obj)
    if why is not None:
        raise ValueError(why)
    spans = spans or {}
    res_span = span or spans.get("") or Span(file, 1, 1, 1, 1)
    api_version = str(obj["apiVersion"])
    kind = str(obj["kind"])
    ns = object_namespace(obj)
    name = _name(obj, res_span.start_line)
    pod_spec_path = find_pod_spec_path(obj, kind, api_version)
    meta: dict[str, Any] = {}
    md = obj.get("metadata")
    if ns == DEFAULT_NAMESPACE and not (isinstance(md, dict) and md.get("namespace")):
        meta["namespace_defaulted"] = True
    return Resource(
        id=object_id(api_version, kind, ns, name),
        platform=PLATFORM,
        type=f"{api_version}/{kind}",
        name=name,
        attributes=obj,
        span=res_span,
        source_format=PLATFORM,
        attribute_spans={p: s for p, s in spans.items() if p},
        references=_refs(obj, kind, api_version, ns, pod_spec_path),
        pod_spec_path=pod_spec_path,
        meta=meta,
    )


# Where a workload of a kind we do not know by name keeps its pod template, tried in order:
# Knative Service/Configuration, Argo Rollout, OpenKruise CloneSet/Advanced StatefulSet/DaemonSet
# and most operators' CRDs use ``spec.template.spec``; CronJob-like kinds ``spec.jobTemplate...``.
_TEMPLATE_SHAPES: tuple[str, ...] = ("spec.template.spec", "spec.jobTemplate.spec.template.spec", "template.spec")


def find_pod_spec_path(obj: dict[str, Any], kind: str, api_version: str) -> str | None:
    """Where ``obj`` holds its pod spec, or None if it is no workload.

    The built-in kinds of the core/apps/batch/extensions groups are known by name (their pod
    spec may still be empty). Any other object counts as a workload by its shape: a pod template
    (one of ``_TEMPLATE_SHAPES``) whose ``containers`` is a non-empty list of mappings, so pod
    rules judge CRD carriers (Knative, Argo Rollouts, OpenKruise...) at their real path. A
    mapping that merely has a ``template`` key (a Widget's ``containers: []``) is not one.
    """
    if _group(api_version) in _WORKLOAD_GROUPS:
        return POD_SPEC_PATHS.get(kind)
    for path in _TEMPLATE_SHAPES:
        node: Any = obj
        for seg in path.split("."):
            node = node.get(seg) if isinstance(node, dict) else None
        containers = node.get("containers") if isinstance(node, dict) else None
        if isinstance(containers, list) and containers and all(isinstance(c, dict) for c in containers):
            return path
    return None


def _item_spans(spans: dict[str, Span], count: int) -> list[dict[str, Span]]:
    """Split a List document's spans into one table per ``items[i]``, re-rooted at the item."""
    out: list[dict[str, Span]] = [{} for _ in range(count)]
    for p, s in spans.items():
        if not p.startswith("items["):
            continue
        close = p.find("]", 6)
        try:
            i = int(p[6:close])
        except ValueError:
            continue
        if 0 <= i < count:
            rest = p[close + 1 :]
            out[i][rest[1:] if rest.startswith(".") else rest] = s
    return out


def template_error(text: str, file: str) -> ParseError | None:
    """A ``template-not-rendered`` error if the text is a Helm/Go template, else None."""
    if "{{" not in text:
        return None
    m = _TEMPLATE_LINE.search(text) or _TEMPLATE_EXPR.search(text)
    if m is None:
        return None
    pos = text.index("{{", m.start())
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ParseError(file, line, col, "Helm/Go template, not rendered: render it (e.g. `helm template`) and scan the output",
                      ErrorKind.TEMPLATE)  # fmt: skip


def parse_text(text: str, file: str, *, json_file: bool = False, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    terr = template_error(text, file)
    if terr is not None:
        return ParseResult(errors=[terr])
    # YAML read as kubectl reads it (a plain y/n is a boolean there)
    docs, err = load_json(text, file, limits) if json_file else load_yaml(text, file, limits, kubectl_booleans=True)
    return parse_documents(text, file, docs, err)


MAX_LIST_DEPTH = 32


def _is_list(obj: Any) -> bool:
    """A ``v1/List`` or any ``*List`` kind with ``items``: kubectl applies the items."""
    if not isinstance(obj, dict):
        return False
    kind = obj.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


def parse_documents(text: str, file: str, docs: list[Document], err: ParseError | None) -> ParseResult:
    """Resources of already loaded manifest documents (``err``: the load's error, if any).
    ``YN`` scalars (documents loaded before their format was known) become booleans."""
    result = ParseResult()
    terr = template_error(text, file)
    if terr is not None:
        result.errors.append(terr)
        return result
    if err is not None:
        if "{{" in text:  # a template that broke YAML somewhere we did not recognise
            pos = text.index("{{")
            line = text.count("\n", 0, pos) + 1
            err = ParseError(file, line, pos - (text.rfind("\n", 0, pos) + 1) + 1,
                             f"template placeholder, not rendered ({err.message} at line {err.line})", ErrorKind.TEMPLATE)  # fmt: skip
        result.errors.append(err)
    seen: dict[str, int] = {}

    def emit(obj: Any, spans: dict[str, Span], span: Span, extra_meta: dict[str, Any]) -> None:
        why = _check_object(obj)
        if why is not None:
            result.errors.append(ParseError(file, span.start_line, span.start_col, why))
            return
        res = resource_from_object(obj, file=file, spans=spans, span=span)
        res.meta.update(extra_meta)
        number_repeats(res, seen)
        result.resources.append(res)

    for doc in docs:
        obj = doc.value
        if obj is None:
            continue  # empty document
        if doc.yn:
            obj = resolve_yn(obj, True)
        meta: dict[str, Any] = {"document": doc.index} if len(docs) > 1 else {}
        # Lists nest (a List of Lists): flatten them all, as kubectl does, so every object is judged
        todo: list[tuple[Any, dict[str, Span], Span, str, int]] = [(obj, doc.spans, doc.span, "", 0)]
        while todo:
            cur, spans, span, where, depth = todo.pop()
            if not _is_list(cur):
                extra = dict(meta)
                if where:
                    extra["list_item"] = int(where[where.rindex("[") + 1 : -1])
                    if where.count("[") > 1:
                        extra["list_path"] = where
                emit(cur, spans, span, extra)
                continue
            if depth >= MAX_LIST_DEPTH:
                result.errors.append(ParseError(file, span.start_line, span.start_col,
                                                f"Lists nested deeper than {MAX_LIST_DEPTH} levels", ErrorKind.LIMIT))  # fmt: skip
                continue
            items = cur["items"]
            per_item = _item_spans(spans, len(items))
            for i in reversed(range(len(items))):
                ispan = spans.get(child_path("items", i), span)
                todo.append((items[i], per_item[i], ispan, child_path(child_path(where, "items"), i), depth + 1))
    return result


def parse_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    """Every Kubernetes object of a manifest file (YAML, multi-document, or JSON)."""
    try:
        text = read_text(path, limits)
    except SourceError as exc:
        return ParseResult(errors=[exc.error])
    return parse_text(text, str(path), json_file=path.suffix.lower() == ".json", limits=limits)


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A manifest file unit (``policyguard.formats``)."""
    return parse_file(unit.path)
