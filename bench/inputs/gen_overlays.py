#!/usr/bin/env python3
"""Writes the 20 Kustomize applications of the charts/overlays benchmark (BENCHMARKS.md, issue
14) into bench/inputs/overlays/: each a base and one or two overlays. Deterministic.

The mix: strategic-merge patches from files and inline, JSON 6902 patches, a patch that makes a
safe base unsafe and one that hardens an unsafe base, configMap/secret generators, images,
namePrefix/namespace/labels/replicas transformers, a Component, StatefulSets, CronJobs and
DaemonSets besides Deployments.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "overlays"

SAFE_POD = """      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
"""
SAFE_CTR = """          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {cpu: 250m, memory: 256Mi}
"""
LOOSE_CTR = """          securityContext:
            runAsUser: 0
"""


@dataclass
class App:
    name: str
    kind: str = "Deployment"  # Deployment | StatefulSet | CronJob | DaemonSet
    base_safe: bool = True
    image: str = "ghcr.io/acme/app:1.0.0"
    # overlay name -> kustomization body lines (after resources); files -> content
    overlays: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # path under the app -> text
    base_extra: str = ""  # extra base kustomization lines
    component: bool = False


def workload(a: App) -> str:
    pod = SAFE_POD if a.base_safe else ""
    ctr = SAFE_CTR if a.base_safe else LOOSE_CTR
    body = f"""    metadata:
      labels:
        app: {a.name}
    spec:
{pod}      containers:
        - name: {a.name}
          image: {a.image}
          ports:
            - containerPort: 8080
{ctr}"""
    if a.kind == "CronJob":
        inner = body.replace("\n    ", "\n        ").replace("    metadata:", "        metadata:", 1)
        inner = inner.replace("    spec:\n", "    spec:\n          restartPolicy: OnFailure\n", 1)
        return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {a.name}
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
{inner}"""
    head = f"apiVersion: apps/v1\nkind: {a.kind}\nmetadata:\n  name: {a.name}\nspec:\n"
    if a.kind != "DaemonSet":
        head += "  replicas: 1\n"
    if a.kind == "StatefulSet":
        head += f"  serviceName: {a.name}\n"
    return head + f"  selector:\n    matchLabels:\n      app: {a.name}\n  template:\n" + body


def service(a: App) -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {a.name}
spec:
  selector:
    app: {a.name}
  ports:
    - port: 80
      targetPort: 8080
"""


def apps() -> list[App]:
    out: list[App] = []
    sm_priv = lambda n, k="Deployment": f"""apiVersion: apps/v1
kind: {k}
metadata:
  name: {n}
spec:
  template:
    spec:
      containers:
        - name: {n}
          securityContext:
            privileged: true
"""  # noqa: E731
    harden = lambda n: f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {n}
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: {n}
          securityContext:
            runAsUser: 10001
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
"""  # noqa: E731

    out.append(App("shop-web", overlays={
        "dev": "namePrefix: dev-\nnamespace: shop-dev\nimages:\n  - name: ghcr.io/acme/app\n    newTag: 1.1.0-rc1\n",
        "prod": "namespace: shop\nreplicas:\n  - name: shop-web\n    count: 4\nlabels:\n  - pairs: {tier: frontend}\n    includeSelectors: false\n"}))
    out.append(App("debug-toolbox", overlays={"prod": "patches:\n  - path: privileged.yaml\n"},
                   files={"overlays/prod/privileged.yaml": sm_priv("debug-toolbox")}))
    out.append(App("legacy-crm", base_safe=False, overlays={"prod": "patches:\n  - path: harden.yaml\n"},
                   files={"overlays/prod/harden.yaml": harden("legacy-crm")}))
    out.append(App("metrics-agent", kind="DaemonSet", overlays={"prod": """patches:
  - target: {kind: DaemonSet, name: metrics-agent}
    patch: |-
      - op: add
        path: /spec/template/spec/hostNetwork
        value: true
      - op: add
        path: /spec/template/spec/hostPID
        value: true
"""}))
    out.append(App("orders-db", kind="StatefulSet", image="postgres:16.4", overlays={
        "prod": "configMapGenerator:\n  - name: orders-db-config\n    literals: [POSTGRES_DB=orders, MAX_CONNECTIONS=200]\n"
                "secretGenerator:\n  - name: orders-db-auth\n    literals: [POSTGRES_PASSWORD=s3cr3t-for-bench]\n"}))
    out.append(App("nightly-report", kind="CronJob", overlays={"prod": """patches:
  - target: {kind: CronJob, name: nightly-report}
    patch: |-
      - op: replace
        path: /spec/jobTemplate/spec/template/spec/containers/0/image
        value: ghcr.io/acme/report:latest
"""}))
    out.append(App("payments", overlays={
        "staging": "namespace: payments-staging\npatches:\n  - path: env.yaml\n",
        "prod": "namespace: payments\npatches:\n  - path: env.yaml\n  - path: resources.yaml\n"}, files={
        "overlays/staging/env.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  template:\n    spec:\n"
                                     "      containers:\n        - name: payments\n          env:\n            - {name: MODE, value: staging}\n",
        "overlays/prod/env.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  template:\n    spec:\n"
                                  "      containers:\n        - name: payments\n          env:\n            - {name: MODE, value: live}\n",
        "overlays/prod/resources.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  template:\n"
                                        "    spec:\n      containers:\n        - name: payments\n          resources:\n"
                                        "            limits: {cpu: '2', memory: 2Gi}\n"}))
    out.append(App("gateway", overlays={"prod": """patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: gateway
      spec:
        template:
          spec:
            containers:
              - name: gateway
                securityContext:
                  capabilities:
                    add: [NET_ADMIN, NET_RAW]
"""}))
    out.append(App("search-index", kind="StatefulSet", base_safe=False, overlays={"prod": "replicas:\n  - name: search-index\n    count: 3\n"}))
    out.append(App("mailer", component=True, overlays={"prod": "components:\n  - ../../components/tracing\n"}))
    out.append(App("cache-warmer", kind="CronJob", base_safe=False, overlays={"prod": "nameSuffix: -eu\nnamespace: batch\n"}))
    out.append(App("ingress-edge", overlays={"prod": "resources:\n  - ingress.yaml\n"}, files={"overlays/prod/ingress.yaml": """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress-edge
spec:
  ingressClassName: nginx
  rules:
    - host: edge.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ingress-edge
                port:
                  number: 80
"""}))
    out.append(App("node-tuner", kind="DaemonSet", overlays={"prod": "patches:\n  - path: privileged.yaml\n"},
                   files={"overlays/prod/privileged.yaml": sm_priv("node-tuner", "DaemonSet")}))
    out.append(App("inventory", overlays={
        "dev": "images:\n  - name: ghcr.io/acme/app\n    newName: registry.local/acme/inventory\n    newTag: dev\n",
        "prod": "images:\n  - name: ghcr.io/acme/app\n    digest: sha256:" + "4f" * 32 + "\n"}))
    out.append(App("auth", overlays={"prod": "secretGenerator:\n  - name: auth-keys\n    files: [signing.key]\n"},
                   files={"overlays/prod/signing.key": "not-a-real-key-just-benchmark-input\n"}))
    out.append(App("uploader", overlays={"prod": """patches:
  - target: {kind: Deployment, name: uploader}
    patch: |-
      - op: add
        path: /spec/template/spec/volumes
        value: [{name: host, hostPath: {path: /var/lib/uploads}}]
      - op: add
        path: /spec/template/spec/containers/0/volumeMounts
        value: [{name: host, mountPath: /uploads}]
"""}))
    out.append(App("analytics", base_safe=False, overlays={
        "dev": "namespace: analytics-dev\n",
        "prod": "namespace: analytics\npatches:\n  - path: harden.yaml\n"}, files={"overlays/prod/harden.yaml": harden("analytics")}))
    out.append(App("notifier", overlays={"prod": "configMapGenerator:\n  - name: notifier-templates\n    files: [welcome.txt]\n"
                                                 "generatorOptions:\n  disableNameSuffixHash: true\n"},
                   files={"overlays/prod/welcome.txt": "Welcome aboard!\n"}))
    out.append(App("scheduler", overlays={"prod": """patches:
  - target: {kind: Deployment, name: scheduler}
    patch: |-
      - op: remove
        path: /spec/template/spec/securityContext
      - op: replace
        path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation
        value: true
"""}))
    out.append(App("pricing", overlays={"eu": "namePrefix: eu-\nnamespace: pricing-eu\n", "us": "namePrefix: us-\nnamespace: pricing-us\n"
                                        "patches:\n  - path: privileged.yaml\n"},
                   files={"overlays/us/privileged.yaml": sm_priv("pricing")}))
    return out


def write(a: App) -> None:
    d = OUT / a.name
    (d / "base").mkdir(parents=True)
    kinds = [workload(a)] + ([service(a)] if a.kind in ("Deployment", "StatefulSet") else [])
    names = ["workload.yaml"] + (["service.yaml"] if len(kinds) > 1 else [])
    for n, text in zip(names, kinds, strict=True):
        (d / "base" / n).write_text(text)
    (d / "base" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"  - {n}\n" for n in names) + f"labels:\n  - pairs: {{app.kubernetes.io/part-of: {a.name}}}\n" + a.base_extra)
    for ov, body in a.overlays.items():
        o = d / "overlays" / ov
        o.mkdir(parents=True)
        res = "resources:\n  - ../../base\n"
        if body.startswith("resources:\n"):
            res += body.removeprefix("resources:\n").split("\n", 1)[0] + "\n"
            body = body.split("\n", 2)[2] if body.count("\n") > 1 else ""
        (o / "kustomization.yaml").write_text("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + res + body)
    if a.component:
        c = d / "components" / "tracing"
        c.mkdir(parents=True)
        (c / "kustomization.yaml").write_text("""apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Deployment}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env
        value: [{name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://otel-collector:4317"}]
""")
    for rel, text in a.files.items():
        (d / rel).write_text(text)


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    items = apps()
    assert len(items) == 20, len(items)
    for a in items:
        write(a)
    print(f"{len(items)} kustomize applications in {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
