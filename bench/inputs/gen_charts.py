#!/usr/bin/env python3
"""Writes the 20 Helm charts of the charts/overlays benchmark (BENCHMARKS.md, issue 14) into
bench/inputs/charts/. Deterministic: rerun it and `git diff` shows nothing.

Each chart is small but shaped like real ones: _helpers.tpl names, toYaml'd securityContext and
resources, toggles in values.yaml (some safe by default, some not), extra values files, ingress,
statefulsets, cronjobs, daemonsets, RBAC, and two umbrella charts with vendored subcharts.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "charts"

HELPERS = '''{{{{- define "{n}.name" -}}}}
{{{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{- define "{n}.fullname" -}}}}
{{{{- if .Values.fullnameOverride }}}}
{{{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- printf "%s-%s" .Release.Name (include "{n}.name" .) | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{- define "{n}.labels" -}}}}
app.kubernetes.io/name: {{{{ include "{n}.name" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}
helm.sh/chart: {{{{ .Chart.Name }}}}-{{{{ .Chart.Version | replace "+" "_" }}}}
{{{{- end }}}}

{{{{- define "{n}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ include "{n}.name" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{{{{- end }}}}
'''


def pod_spec(n: str, indent: int, *, host: bool = False, volumes: str = "", init: bool = False, sidecar: bool = False,
             sa: bool = False, restart: str = "") -> str:
    """The pod template body shared by every workload kind, at ``indent`` spaces."""
    p = " " * indent
    lines = []
    if restart:
        lines.append(f"{p}restartPolicy: {restart}")
    if sa:
        lines.append(f'{p}serviceAccountName: {{{{ include "{n}.fullname" . }}}}')
    if host:
        lines += [f"{p}hostNetwork: {{{{ .Values.hostNetwork }}}}", f"{p}hostPID: {{{{ .Values.hostPID | default false }}}}"]
    lines += [f"{p}{{{{- with .Values.podSecurityContext }}}}", f"{p}securityContext:", f"{p}  {{{{- toYaml . | nindent {indent + 2} }}}}",
              f"{p}{{{{- end }}}}"]
    if init:
        lines += [f"{p}initContainers:", f"{p}  - name: init-perms", f'{p}    image: "busybox:1.36"',
                  f"{p}    command: [\"sh\", \"-c\", \"chown -R 1000:1000 /data\"]", f"{p}    securityContext:",
                  f"{p}      runAsUser: 0"]
    lines += [f"{p}containers:", f"{p}  - name: {{{{ .Chart.Name }}}}",
              f'{p}    image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag | default .Chart.AppVersion }}}}"',
              f"{p}    imagePullPolicy: {{{{ .Values.image.pullPolicy }}}}",
              f"{p}    {{{{- with .Values.env }}}}", f"{p}    env:", f"{p}      {{{{- range $k, $v := . }}}}",
              f"{p}      - name: {{{{ $k }}}}", f"{p}        value: {{{{ $v | quote }}}}", f"{p}      {{{{- end }}}}", f"{p}    {{{{- end }}}}",
              f"{p}    {{{{- with .Values.securityContext }}}}", f"{p}    securityContext:", f"{p}      {{{{- toYaml . | nindent {indent + 6} }}}}",
              f"{p}    {{{{- end }}}}", f"{p}    {{{{- with .Values.resources }}}}", f"{p}    resources:",
              f"{p}      {{{{- toYaml . | nindent {indent + 6} }}}}", f"{p}    {{{{- end }}}}"]
    if volumes:
        lines += [f"{p}    volumeMounts:", f"{p}      - name: data", f"{p}        mountPath: {volumes}"]
    if sidecar:
        lines += [f"{p}  - name: log-shipper", f'{p}    image: "fluent/fluent-bit:3.1"',
                  f"{p}    securityContext:", f"{p}      allowPrivilegeEscalation: {{{{ .Values.sidecar.allowPrivilegeEscalation }}}}",
                  f"{p}      readOnlyRootFilesystem: true"]
    if volumes == "/var/run/docker.sock":
        lines += [f"{p}volumes:", f"{p}  - name: data", f"{p}    hostPath:", f"{p}      path: /var/run/docker.sock"]
    return "\n".join(lines) + "\n"


def deployment(n: str, **kw: object) -> str:
    return (f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
spec:
  {{{{- if not .Values.autoscaling.enabled }}}}
  replicas: {{{{ .Values.replicaCount }}}}
  {{{{- end }}}}
  selector:
    matchLabels:
      {{{{- include "{n}.selectorLabels" . | nindent 6 }}}}
  template:
    metadata:
      labels:
        {{{{- include "{n}.selectorLabels" . | nindent 8 }}}}
    spec:
''' + pod_spec(n, 6, **kw))  # type: ignore[arg-type]


def statefulset(n: str, **kw: object) -> str:
    return (f'''apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
spec:
  serviceName: {{{{ include "{n}.fullname" . }}}}
  replicas: {{{{ .Values.replicaCount }}}}
  selector:
    matchLabels:
      {{{{- include "{n}.selectorLabels" . | nindent 6 }}}}
  template:
    metadata:
      labels:
        {{{{- include "{n}.selectorLabels" . | nindent 8 }}}}
    spec:
''' + pod_spec(n, 6, volumes="/data", **kw) + '''  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: {{ .Values.persistence.size }}
''')  # type: ignore[arg-type]


def daemonset(n: str, **kw: object) -> str:
    return (f'''apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
spec:
  selector:
    matchLabels:
      {{{{- include "{n}.selectorLabels" . | nindent 6 }}}}
  template:
    metadata:
      labels:
        {{{{- include "{n}.selectorLabels" . | nindent 8 }}}}
    spec:
''' + pod_spec(n, 6, host=True, **kw))  # type: ignore[arg-type]


def cronjob(n: str, **kw: object) -> str:
    return (f'''apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
spec:
  schedule: {{{{ .Values.schedule | quote }}}}
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
''' + pod_spec(n, 10, restart="OnFailure", **kw))  # type: ignore[arg-type]


def job(n: str, **kw: object) -> str:
    return (f'''apiVersion: batch/v1
kind: Job
metadata:
  name: {{{{ include "{n}.fullname" . }}}}-{{{{ .Release.Revision }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
  annotations:
    "helm.sh/hook": pre-upgrade,pre-install
spec:
  template:
    spec:
''' + pod_spec(n, 6, restart="Never", **kw))  # type: ignore[arg-type]


def service(n: str) -> str:
    return f'''apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
spec:
  type: {{{{ .Values.service.type }}}}
  ports:
    - port: {{{{ .Values.service.port }}}}
      targetPort: 8080
      protocol: TCP
      name: http
  selector:
    {{{{- include "{n}.selectorLabels" . | nindent 4 }}}}
'''


def ingress(n: str) -> str:
    return f'''{{{{- if .Values.ingress.enabled -}}}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
  labels:
    {{{{- include "{n}.labels" . | nindent 4 }}}}
  {{{{- with .Values.ingress.annotations }}}}
  annotations:
    {{{{- toYaml . | nindent 4 }}}}
  {{{{- end }}}}
spec:
  ingressClassName: {{{{ .Values.ingress.className }}}}
  {{{{- if .Values.ingress.tls }}}}
  tls:
    - hosts: [{{{{ .Values.ingress.host | quote }}}}]
      secretName: {{{{ include "{n}.fullname" . }}}}-tls
  {{{{- end }}}}
  rules:
    - host: {{{{ .Values.ingress.host | quote }}}}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{{{ include "{n}.fullname" . }}}}
                port:
                  number: {{{{ .Values.service.port }}}}
{{{{- end }}}}
'''


def hpa(n: str) -> str:
    return f'''{{{{- if .Values.autoscaling.enabled }}}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{{{ include "{n}.fullname" . }}}}
  minReplicas: {{{{ .Values.autoscaling.minReplicas }}}}
  maxReplicas: {{{{ .Values.autoscaling.maxReplicas }}}}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 75
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      {{{{- include "{n}.selectorLabels" . | nindent 6 }}}}
{{{{- end }}}}
'''


def netpol(n: str) -> str:
    return f'''apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
spec:
  podSelector:
    matchLabels:
      {{{{- include "{n}.selectorLabels" . | nindent 6 }}}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{{{ .Values.networkPolicy.allowFrom }}}}
  egress:
    - to:
        - namespaceSelector: {{}}
      ports:
        - port: 53
          protocol: UDP
'''


def rbac(n: str) -> str:
    return f'''apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
automountServiceAccountToken: {{{{ .Values.serviceAccount.automount }}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
rules:
  {{{{- toYaml .Values.rbac.rules | nindent 2 }}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{{{ include "{n}.fullname" . }}}}
subjects:
  - kind: ServiceAccount
    name: {{{{ include "{n}.fullname" . }}}}
    namespace: {{{{ .Release.Namespace }}}}
'''


def secret(n: str) -> str:
    return f'''apiVersion: v1
kind: Secret
metadata:
  name: {{{{ include "{n}.fullname" . }}}}
type: Opaque
stringData:
  {{{{- range $k, $v := .Values.credentials }}}}
  {{{{ $k }}}}: {{{{ $v | quote }}}}
  {{{{- end }}}}
'''


SAFE_POD = "podSecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n  fsGroup: 10001\n  seccompProfile:\n    type: RuntimeDefault\n"
SAFE_CTR = ("securityContext:\n  allowPrivilegeEscalation: false\n  readOnlyRootFilesystem: true\n  capabilities:\n"
            "    drop: [ALL]\n")
RESOURCES = "resources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n  limits:\n    cpu: 500m\n    memory: 256Mi\n"


@dataclass
class Chart:
    name: str
    templates: dict[str, str]
    values: str
    extra_values: dict[str, str] = field(default_factory=dict)
    deps: list[Chart] = field(default_factory=list)
    dep_values: str = ""


def base_values(image: str, tag: str, *, pod: str = SAFE_POD, ctr: str = SAFE_CTR, res: str = RESOURCES, more: str = "") -> str:
    return (f"replicaCount: 2\nimage:\n  repository: {image}\n  tag: \"{tag}\"\n  pullPolicy: IfNotPresent\n"
            "service:\n  type: ClusterIP\n  port: 80\ningress:\n  enabled: false\n  className: nginx\n  host: app.example.com\n"
            "  tls: false\n  annotations: {}\nautoscaling:\n  enabled: false\n  minReplicas: 2\n  maxReplicas: 6\n"
            f"env: {{}}\n{pod}{ctr}{res}{more}")


def charts() -> list[Chart]:
    out: list[Chart] = []

    def add(name: str, templates: dict[str, str], values: str, **kw: object) -> Chart:
        c = Chart(name, {"_helpers.tpl": HELPERS.format(n=name), **templates}, values, **kw)  # type: ignore[arg-type]
        out.append(c)
        return c

    n = "web-safe"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n), "ingress.yaml": ingress(n)},
        base_values("ghcr.io/acme/web", "1.8.2").replace("enabled: false\n  className", "enabled: true\n  className")
        .replace("tls: false", "tls: true"), extra_values={"values-prod.yaml": "replicaCount: 4\ningress:\n  host: www.acme.example\n"})
    n = "web-privileged"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n)},
        base_values("ghcr.io/acme/web", "1.8.2", ctr="securityContext:\n  privileged: true\n  allowPrivilegeEscalation: true\n"))
    n = "api-hostnet"
    add(n, {"deployment.yaml": deployment(n, host=True), "service.yaml": service(n)},
        base_values("ghcr.io/acme/api", "3.1.0", more="hostNetwork: true\nhostPID: false\n"),
        extra_values={"values-hardened.yaml": "hostNetwork: false\n"})
    n = "worker-statefulset"
    add(n, {"statefulset.yaml": statefulset(n), "service.yaml": service(n)},
        base_values("ghcr.io/acme/worker", "2.0.4", more="persistence:\n  size: 10Gi\n"))
    n = "db-root"
    add(n, {"statefulset.yaml": statefulset(n, init=True), "service.yaml": service(n)},
        base_values("postgres", "16.4", pod="podSecurityContext:\n  runAsUser: 0\n", ctr="securityContext: {}\n",
                    more="persistence:\n  size: 50Gi\nenv:\n  POSTGRES_DB: app\n"))
    n = "cron-report"
    add(n, {"cronjob.yaml": cronjob(n)}, base_values("ghcr.io/acme/report", "0.9.1", more="schedule: \"15 2 * * *\"\n"))
    n = "cron-docker-cleanup"
    add(n, {"cronjob.yaml": cronjob(n, volumes="/var/run/docker.sock")},
        base_values("docker", "27-cli", ctr="securityContext:\n  runAsUser: 0\n", more="schedule: \"0 * * * *\"\n"))
    n = "node-agent"
    add(n, {"daemonset.yaml": daemonset(n)},
        base_values("ghcr.io/acme/agent", "5.2.0", pod="podSecurityContext: {}\n",
                    ctr="securityContext:\n  privileged: true\n  capabilities:\n    add: [SYS_ADMIN, NET_ADMIN]\n",
                    more="hostNetwork: true\nhostPID: true\n"))
    n = "job-migrate"
    add(n, {"job.yaml": job(n)}, base_values("ghcr.io/acme/migrate", "4.4.0", res="resources: {}\n"))
    n = "ingress-tls"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n), "ingress.yaml": ingress(n)},
        base_values("ghcr.io/acme/portal", "7.0.1").replace("enabled: false\n  className", "enabled: true\n  className")
        .replace("tls: false", "tls: true").replace("annotations: {}", "annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: \"true\""))
    n = "gateway-hpa"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n), "hpa.yaml": hpa(n)},
        base_values("ghcr.io/acme/gateway", "2.7.3").replace("autoscaling:\n  enabled: false", "autoscaling:\n  enabled: true"))
    n = "netpol-app"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n), "networkpolicy.yaml": netpol(n)},
        base_values("ghcr.io/acme/billing", "1.2.0", more="networkPolicy:\n  allowFrom: ingress-nginx\n"))
    n = "capabilities-add"
    add(n, {"deployment.yaml": deployment(n)},
        base_values("ghcr.io/acme/vpn", "0.4.2", ctr="securityContext:\n  capabilities:\n    add: [NET_ADMIN, NET_RAW, SYS_ADMIN]\n"))
    n = "latest-tag"
    add(n, {"deployment.yaml": deployment(n), "service.yaml": service(n)},
        base_values("nginx", "latest", pod="podSecurityContext: {}\n", ctr="securityContext: {}\n", res="resources: {}\n"))
    n = "secrets-env"
    add(n, {"deployment.yaml": deployment(n), "secret.yaml": secret(n)},
        base_values("ghcr.io/acme/crm", "9.0.0", more="credentials:\n  DB_USER: crm\n  DB_PASSWORD: change-me-please-1234\n"
                    "env:\n  LOG_LEVEL: info\n"))
    n = "multi-container"
    add(n, {"deployment.yaml": deployment(n, sidecar=True, init=True)},
        base_values("ghcr.io/acme/ingest", "3.3.3", more="sidecar:\n  allowPrivilegeEscalation: true\n"))
    n = "rbac-operator"
    add(n, {"deployment.yaml": deployment(n, sa=True), "rbac.yaml": rbac(n)},
        base_values("ghcr.io/acme/operator", "1.0.0", more="serviceAccount:\n  automount: true\nrbac:\n  rules:\n"
                    "    - apiGroups: [\"*\"]\n      resources: [\"*\"]\n      verbs: [\"*\"]\n"))
    n = "hardening-toggle"
    add(n, {"deployment.yaml": deployment(n)},
        base_values("ghcr.io/acme/legacy", "12.1", pod="podSecurityContext: {}\n", ctr="securityContext:\n  runAsUser: 0\n"),
        extra_values={"values-hardened.yaml": SAFE_POD + SAFE_CTR})

    # umbrella charts: subcharts vendored in charts/, parent values overriding theirs
    def sub(name: str, tpl: dict[str, str], values: str) -> Chart:
        return Chart(name, {"_helpers.tpl": HELPERS.format(n=name), **tpl}, values)

    fe = sub("frontend", {"deployment.yaml": deployment("frontend"), "service.yaml": service("frontend")},
             base_values("ghcr.io/acme/shop-frontend", "5.0.0"))
    cart = sub("cart", {"deployment.yaml": deployment("cart")}, base_values("ghcr.io/acme/shop-cart", "5.0.0"))
    add("umbrella-shop", {}, "global:\n  environment: prod\n", deps=[fe, cart],
        dep_values="frontend:\n  replicaCount: 3\ncart:\n  enabled: true\n  securityContext:\n    privileged: true\n")
    rl = sub("redis-lite", {"statefulset.yaml": statefulset("redis-lite"), "service.yaml": service("redis-lite")},
             base_values("redis", "7.4", more="persistence:\n  size: 2Gi\n"))
    api = sub("data-api", {"deployment.yaml": deployment("data-api", host=True)},
              base_values("ghcr.io/acme/data-api", "2.2.0", more="hostNetwork: false\n"))
    add("umbrella-data", {}, "global:\n  environment: staging\n", deps=[rl, api],
        dep_values="redis-lite:\n  persistence:\n    size: 8Gi\ndata-api:\n  hostNetwork: true\n")
    return out


def write_chart(c: Chart, where: Path, *, version: str = "0.3.1") -> None:
    d = where / c.name
    (d / "templates").mkdir(parents=True)
    chart = [f"apiVersion: v2\nname: {c.name}\ndescription: {c.name.replace('-', ' ')} (policyguard benchmark chart)\n"
             f"type: application\nversion: {version}\nappVersion: \"1.0.0\"\n"]
    if c.deps:
        chart.append("dependencies:\n")
        for dep in c.deps:
            chart.append(f"  - name: {dep.name}\n    version: {version}\n    repository: \"file://charts/{dep.name}\"\n"
                         f"    condition: {dep.name}.enabled\n")
    (d / "Chart.yaml").write_text("".join(chart))
    values = c.values + c.dep_values
    for dep in c.deps:  # each subchart's values block, switched on (one block per key: YAML keeps the last)
        if f"{dep.name}:\n  enabled:" in values:
            continue
        if f"\n{dep.name}:\n" in "\n" + values:
            values = ("\n" + values).replace(f"\n{dep.name}:\n", f"\n{dep.name}:\n  enabled: true\n", 1)[1:]
        else:
            values += f"{dep.name}:\n  enabled: true\n"
    (d / "values.yaml").write_text(values)
    for name, text in c.extra_values.items():
        (d / name).write_text(text)
    for name, text in c.templates.items():
        (d / "templates" / name).write_text(text)
    if c.templates:
        (d / "templates" / "NOTES.txt").write_text(f"{c.name} installed as {{{{ .Release.Name }}}}.\n")
    for dep in c.deps:
        (d / "charts").mkdir(exist_ok=True)
        write_chart(dep, d / "charts", version=version)


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    cs = charts()
    assert len(cs) == 20, len(cs)
    for c in cs:
        write_chart(c, OUT)
    print(f"{len(cs)} charts in {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
