"""Kubernetes manifests that deploy the webhook (``policyguard webhook manifests``): Namespace,
ServiceAccount, (TLS Secret), Deployment, Service, NetworkPolicy, PodDisruptionBudget,
HorizontalPodAutoscaler, Validating- and MutatingWebhookConfiguration.

The server is stateless, so scaling and availability are the orchestrator's job: a Deployment
with 2+ replicas spread over nodes, a PodDisruptionBudget, and a CPU-based HPA.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

APP = "policyguard-webhook"
PORT = 8443

# Resources worth judging at admission; leases/events/etc. are left out on purpose (they are
# written every few seconds by every node and no rule reads them).
WEBHOOK_RULES: list[tuple[list[str], list[str]]] = [
    ([""], ["pods", "replicationcontrollers", "services", "serviceaccounts", "namespaces", "configmaps", "persistentvolumeclaims"]),
    (["apps"], ["deployments", "statefulsets", "daemonsets", "replicasets"]),
    (["batch"], ["jobs", "cronjobs"]),
    (["networking.k8s.io"], ["ingresses", "networkpolicies"]),
    (["rbac.authorization.k8s.io"], ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]),
    (["policy"], ["poddisruptionbudgets"]),
]


def build_manifests(
    *,
    namespace: str = "policyguard",
    service: str = APP,
    image: str = "ghcr.io/policyguard/policyguard:0.1.0",
    replicas: int = 2,
    ca_bundle: bytes | None = None,
    failure_policy: str = "Fail",
    timeout_seconds: int = 5,
    tls_secret: str | None = None,
    tls_files: tuple[bytes, bytes] | None = None,
    workers: int = 2,
) -> list[dict[str, Any]]:
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    if failure_policy not in ("Fail", "Ignore"):
        raise ValueError(f"failure policy must be Fail or Ignore, got {failure_policy!r}")
    if not 1 <= timeout_seconds <= 30:
        raise ValueError(f"timeoutSeconds must be 1..30 (the apiserver's range), got {timeout_seconds}")
    secret = tls_secret or f"{service}-tls"
    labels = {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": service, "app.kubernetes.io/component": "admission-webhook"}
    selector = {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": service}
    docs: list[dict[str, Any]] = []
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace,
                "labels": {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        }
    )
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "automountServiceAccountToken": False,
        }
    )
    if tls_files is not None:
        crt, key = tls_files
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/tls",
                "metadata": {"name": secret, "namespace": namespace, "labels": labels},
                "data": {"tls.crt": base64.b64encode(crt).decode(), "tls.key": base64.b64encode(key).decode()},
            }
        )
    probe_common = {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
    container = {
        "name": "webhook",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        # the image's ENTRYPOINT is `policyguard serve` (Dockerfile): these are its options
        "args": [
            "--host=0.0.0.0",
            f"--port={PORT}",
            "--tls-cert=/certs/tls.crt",
            "--tls-key=/certs/tls.key",
            f"--workers={workers}",
        ],
        "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
        # the root filesystem is read-only: temporary files, HOME and the rule cache go to the
        # /tmp emptyDir (the Dockerfile sets the same)
        "env": [
            {"name": "TMPDIR", "value": "/tmp"},
            {"name": "HOME", "value": "/tmp"},
            {"name": "POLICYGUARD_CACHE_DIR", "value": "/tmp/policyguard-cache"},
        ],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"}, "initialDelaySeconds": 2, **probe_common},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"}, "initialDelaySeconds": 10, **probe_common},
        "startupProbe": {"httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"}, "periodSeconds": 2, "failureThreshold": 30},
        "resources": {
            "requests": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
            "limits": {"cpu": "2", "memory": "512Mi", "ephemeral-storage": "256Mi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "runAsGroup": 65532,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "certs", "mountPath": "/certs", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    docs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": replicas,
                "revisionHistoryLimit": 5,
                "selector": {"matchLabels": selector},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": service,
                        "automountServiceAccountToken": False,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": 65532,
                            "runAsGroup": 65532,
                            "fsGroup": 65532,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "hostNetwork": False,
                        "hostPID": False,
                        "hostIPC": False,
                        "terminationGracePeriodSeconds": 30,
                        "topologySpreadConstraints": [
                            {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}}
                        ],
                        "containers": [container],
                        "volumes": [
                            {"name": "certs", "secret": {"secretName": secret, "defaultMode": 0o440}},
                            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                        ],
                    },
                },
            },
        }
    )
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {"type": "ClusterIP", "selector": selector, "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}]},
        }
    )
    docs.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": service, "namespace": namespace, "labels": labels,
                "annotations": {"policyguard.dev/ignore": 'PG-K8S-NETPOL-004 reason="the API server address is not selectable: the webhook port only"'},
            },
            "spec": {
                # the apiserver's address is not selectable: admit the webhook port from anywhere,
                # nothing else in; the server makes no outgoing connections at all
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [{"protocol": "TCP", "port": PORT}]}],
                "egress": [],
            },
        }
    )
    # bound what the namespace may consume (the pack's PG-K8S-NS-004/005)
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {"hard": {"pods": str(max(4, 2 * replicas)), "requests.cpu": "2", "requests.memory": "2Gi",
                              "limits.cpu": "4", "limits.memory": "4Gi"}},
        }
    )
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                                 "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]},
        }
    )
    docs.append(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {"minAvailable": 1 if replicas > 1 else 0, "selector": {"matchLabels": selector}},
        }
    )
    docs.append(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": service, "namespace": namespace, "labels": labels},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": service},
                "minReplicas": replicas,
                "maxReplicas": max(replicas * 3, math.ceil(replicas * 1.5) + 1),
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
            },
        }
    )
    client: dict[str, Any] = {"service": {"namespace": namespace, "name": service, "path": "/validate", "port": 443}}
    if ca_bundle is not None:
        client["caBundle"] = base64.b64encode(ca_bundle).decode()
    ns_selector = {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": sorted({namespace, "kube-system"})}]}
    rules = [
        {"apiGroups": groups, "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": res, "scope": "*"}
        for groups, res in WEBHOOK_RULES
    ]
    # `kubectl debug` adds containers through this subresource: validated (not mutated: a patch
    # there may only touch ephemeral containers), as the server judges it by default
    ephemeral = {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["UPDATE"], "resources": ["pods/ephemeralcontainers"],
                 "scope": "Namespaced"}

    def hook(name: str, path: str, mutating: bool) -> dict[str, Any]:
        cc = {**client, "service": {**client["service"], "path": path}}
        h: dict[str, Any] = {
            "name": name,
            "clientConfig": cc,
            "rules": rules if mutating else [*rules, ephemeral],
            "failurePolicy": failure_policy,
            "matchPolicy": "Equivalent",
            "sideEffects": "None",
            "timeoutSeconds": timeout_seconds,
            "admissionReviewVersions": ["v1", "v1beta1"],
            "namespaceSelector": ns_selector,
        }
        if mutating:
            h["reinvocationPolicy"] = "IfNeeded"
        return h

    docs.append(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": service, "labels": labels},
            "webhooks": [hook(f"validate.{service}.{namespace}.svc", "/validate", False)],
        }
    )
    docs.append(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": service, "labels": labels},
            "webhooks": [hook(f"mutate.{service}.{namespace}.svc", "/mutate", True)],
        }
    )
    return docs


def render_yaml(docs: list[dict[str, Any]]) -> str:
    import yaml

    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False, default_flow_style=False) for d in docs)


def read_ca(path: str | None) -> bytes | None:
    if not path:
        return None
    data = Path(path).read_bytes()
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(f"{path}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)")
    return data


# --------------------------------------------------------------------------- PolicyExceptions and the cluster audit
# (kept apart from the webhook's own manifests above: `webhook manifests --exceptions / --audit`)
AUDIT_NAME = "policyguard-audit"


def exception_crd() -> dict[str, Any]:
    """The CustomResourceDefinition ``policyexceptions.policyguard.dev``, its schema generated
    from ``schemas/policyexception.schema.json`` (the same document a repository holds)."""
    from policyguard.gate.exceptions import GROUP, KIND, PLURAL, VERSION, openapi_schema

    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"kind": KIND, "listKind": f"{KIND}List", "plural": PLURAL, "singular": KIND.lower(),
                      "shortNames": ["pgex"]},
            "versions": [{
                "name": VERSION, "served": True, "storage": True,
                "schema": {"openAPIV3Schema": openapi_schema()},
                "additionalPrinterColumns": [
                    {"name": "Rules", "type": "string", "jsonPath": ".spec.rules"},
                    {"name": "Owner", "type": "string", "jsonPath": ".spec.owner"},
                    {"name": "Expires", "type": "string", "jsonPath": ".spec.expires"},
                ],
            }],
        },
    }


def exception_access(docs: list[dict[str, Any]], *, namespace: str, service: str) -> list[dict[str, Any]]:
    """The PolicyException CRD, read access to it for the webhook's ServiceAccount, and the
    webhook told to list them (``serve --cluster-exceptions``): the pod gets its token and its
    NetworkPolicy lets it reach the apiserver (TCP 443/6443), nothing else."""
    for d in docs:
        if d.get("kind") == "ServiceAccount" and d["metadata"].get("name") == service:
            d["automountServiceAccountToken"] = True
        if d.get("kind") == "Deployment":
            d["spec"]["template"]["spec"]["automountServiceAccountToken"] = True
            for c in d["spec"]["template"]["spec"].get("containers", []):
                if "--cluster-exceptions" not in c.get("args", []):
                    c.setdefault("args", []).append("--cluster-exceptions")
        if d.get("kind") == "NetworkPolicy" and d["metadata"].get("name") == service:
            # the one outgoing connection: the apiserver (its Service port, or a node's 6443)
            d["spec"]["egress"] = [{"ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}]
    from policyguard.gate.exceptions import GROUP, PLURAL

    role = f"{service}-exceptions"
    return [exception_crd(), *docs,
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
             "rules": [{"apiGroups": [GROUP], "resources": [PLURAL], "verbs": ["get", "list"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
             "subjects": [{"kind": "ServiceAccount", "name": service, "namespace": namespace}]}]


def plural(kind: str) -> str:
    """The resource name of a kind (Ingress -> ingresses, NetworkPolicy -> networkpolicies)."""
    k = kind.lower()
    if k.endswith("y"):
        return k[:-1] + "ies"
    if k.endswith(("s", "x", "ch", "sh")):
        return k + "es"
    return k + "s"


def audit_rbac(metas: list[Any], *, namespace: str = "policyguard", write_reports: bool = False,
               extra_kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A ServiceAccount, a read-only ClusterRole (get/list on every kind the pack judges, and
    on PolicyExceptions) and its binding for ``policyguard audit --in-cluster``; with
    ``write_reports`` also get/list/create/patch/delete on PolicyReports and
    ClusterPolicyReports, and nothing else."""
    from policyguard.cluster.cluster_audit import judged_kinds
    from policyguard.cluster.policyreport import GROUP as REPORT_GROUP
    from policyguard.gate.exceptions import GROUP, PLURAL

    kinds, _ = judged_kinds(metas, extra_kinds)
    by_group: dict[str, set[str]] = {}
    for group, kind in kinds:
        by_group.setdefault(group, set()).add(plural(kind))
    by_group.setdefault(GROUP, set()).add(PLURAL)
    rules: list[dict[str, Any]] = [{"apiGroups": [g], "resources": sorted(r), "verbs": ["get", "list"]}
                                   for g, r in sorted(by_group.items())]
    if write_reports:
        rules.append({"apiGroups": [REPORT_GROUP], "resources": ["policyreports", "clusterpolicyreports"],
                      "verbs": ["get", "list", "create", "patch", "delete"]})
    labels = {"app.kubernetes.io/name": AUDIT_NAME, "app.kubernetes.io/component": "audit"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": AUDIT_NAME, "namespace": namespace, "labels": labels}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": AUDIT_NAME, "labels": labels},
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": AUDIT_NAME, "labels": labels},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": AUDIT_NAME},
         "subjects": [{"kind": "ServiceAccount", "name": AUDIT_NAME, "namespace": namespace}]},
    ]


def audit_deployment(*, namespace: str, image: str, interval: str, write_reports: bool) -> dict[str, Any]:
    """``policyguard audit --in-cluster`` every ``interval`` as a one-replica Deployment (the
    image's entrypoint is ``serve``, so the command is set); hardened like the webhook's."""
    labels = {"app.kubernetes.io/name": AUDIT_NAME, "app.kubernetes.io/component": "audit"}
    args = ["audit", "--in-cluster", f"--interval={interval}", "--format=json", "--output=/dev/null"]
    if write_reports:
        args.insert(2, "--write-reports")
    container = {
        "name": "audit", "image": image, "imagePullPolicy": "IfNotPresent",
        "command": ["policyguard"], "args": args,
        "env": [{"name": "TMPDIR", "value": "/tmp"}, {"name": "HOME", "value": "/tmp"},
                {"name": "POLICYGUARD_CACHE_DIR", "value": "/tmp/policyguard-cache"}],
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
                      "limits": {"cpu": "1", "memory": "512Mi", "ephemeral-storage": "256Mi"}},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "allowPrivilegeEscalation": False,
                            "privileged": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": AUDIT_NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 1, "revisionHistoryLimit": 3, "selector": {"matchLabels": labels},
            # never two audits at once: the old pod stops (SIGTERM ends it between runs) first
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": labels}, "spec": {
                "serviceAccountName": AUDIT_NAME, "automountServiceAccountToken": True,
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "terminationGracePeriodSeconds": 60,
                "containers": [container],
                "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
            }},
        },
    }
