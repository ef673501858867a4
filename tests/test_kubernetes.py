"""Kubernetes parser: multi-doc, List, workloads, references, CRDs, templates, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyguard.model import ErrorKind, Reference, Resource
from policyguard.parsers.kubernetes import parse_file, resource_from_object

DATA = Path(__file__).parent / "data" / "kubernetes"


def _ids(resources: list[Resource]) -> list[str]:
    return [r.id for r in resources]


def test_multi_document_file() -> None:
    result = parse_file(DATA / "multi.yaml")
    assert _ids(result.resources) == [
        "v1/ServiceAccount/prod/api",
        "apps/v1/Deployment/prod/api",
        "v1/Service/default/api",  # no namespace: "default", flagged in meta
    ]
    sa, deploy, svc = result.resources
    assert (sa.type, sa.name, sa.platform) == ("v1/ServiceAccount", "api", "kubernetes")
    assert (sa.span.start_line, sa.span.start_col, sa.span.end_line) == (2, 1, 6)
    assert (deploy.span.start_line, deploy.span.end_line) == (8, 37)
    assert deploy.meta == {"document": 1}
    assert svc.meta == {"namespace_defaulted": True, "document": 5}
    assert deploy.attributes["kind"] == "Deployment"  # attributes are the whole object
    # the empty document is ignored; the list and the kind-less documents are located errors
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (40, 1, "document is a list, not a Kubernetes object (a mapping with apiVersion and kind)"),
        (43, 1, "Kubernetes object has no kind"),
    ]
    assert all(e.kind == ErrorKind.PARSE for e in result.errors)


def test_workload_references() -> None:
    deploy = parse_file(DATA / "multi.yaml").resources[1]
    assert deploy.references == [
        Reference("spec.template.spec.serviceAccountName", "v1/ServiceAccount/prod/api", "serviceAccountName: api"),
        Reference("spec.template.spec.imagePullSecrets[0].name", "v1/Secret/prod/registry", "imagePullSecrets: registry"),
        Reference("spec.template.spec.volumes[0].configMap.name", "v1/ConfigMap/prod/api-config", "configMap: api-config"),
        Reference("spec.template.spec.volumes[1].secret.secretName", "v1/Secret/prod/api-creds", "secret: api-creds"),
        Reference(
            "spec.template.spec.volumes[2].persistentVolumeClaim.claimName",
            "v1/PersistentVolumeClaim/prod/api-data",
            "persistentVolumeClaim: api-data",
        ),
        Reference("spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name", "v1/Secret/prod/api-token", "env: Secret/api-token"),
    ]


def test_attribute_spans() -> None:
    deploy = parse_file(DATA / "multi.yaml").resources[1]
    image = deploy.attribute_spans["spec.template.spec.containers[0].image"]
    assert (image.start_line, image.start_col, image.end_line, image.end_col) == (31, 11, 31, 35)
    container = deploy.attribute_spans["spec.template.spec.containers[0]"]
    assert (container.start_line, container.start_col, container.end_line) == (30, 11, 37)
    assert deploy.span_for("spec.template.spec.containers[0].securityContext.privileged") == container


@pytest.mark.parametrize(
    ("kind", "pod_spec_path", "line"),
    [
        ("Pod", "spec", 9),
        ("Deployment", "spec.template.spec", 21),
        ("StatefulSet", "spec.template.spec", 33),
        ("DaemonSet", "spec.template.spec", 45),
        ("ReplicaSet", "spec.template.spec", 57),
        ("ReplicationController", "spec.template.spec", 69),
        ("Job", "spec.template.spec", 81),
        ("CronJob", "spec.jobTemplate.spec.template.spec", 95),
        ("PodTemplate", "template.spec", 106),
    ],
)
def test_every_workload_kind_has_a_pod_spec(kind: str, pod_spec_path: str, line: int) -> None:
    by_kind = {r.attributes["kind"]: r for r in parse_file(DATA / "workloads.yaml").resources}
    res = by_kind[kind]
    assert res.pod_spec_path == pod_spec_path
    spec = res.pod_spec()
    assert spec is not None
    assert spec["containers"][0]["image"] == f"example/{kind.lower()}:1"
    assert res.attribute_spans[f"{pod_spec_path}.containers[0].image"].start_line == line
    assert res.id.endswith(f"/{kind}/work/{kind.lower()}")


def test_list_is_expanded_with_item_paths() -> None:
    result = parse_file(DATA / "list.yaml")
    assert _ids(result.resources) == ["v1/Pod/ns1/one", "v1/ConfigMap/ns1/two"]
    pod, cm = result.resources
    assert pod.meta == {"list_item": 0}
    assert pod.pod_spec_path == "spec"
    assert (pod.span.start_line, pod.span.start_col) == (4, 5)
    assert pod.attribute_spans["spec.containers[0].image"].start_line == 12
    assert cm.attribute_spans["data.k"].start_line == 19
    (err,) = result.errors
    assert (err.line, err.column, err.message) == (20, 5, "Kubernetes object has no apiVersion")


def test_json_list() -> None:
    result = parse_file(DATA / "list.json")
    assert result.errors == []
    (pod,) = result.resources
    assert pod.id == "v1/Pod/jsonns/p"
    assert pod.attribute_spans["spec.containers[0].image"].start_line == 9
    assert (pod.span.start_line, pod.span.start_col) == (5, 5)


def _carrier(api_version: str, kind: str, spec: dict[str, object]) -> dict[str, object]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "c", "namespace": "n"}, "spec": spec}


_TEMPLATE = {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "x", "image": "x:1"}]}}}


@pytest.mark.parametrize(
    ("api_version", "kind", "spec", "pod_spec_path"),
    [
        ("serving.knative.dev/v1", "Service", _TEMPLATE, "spec.template.spec"),
        ("serving.knative.dev/v1", "Configuration", _TEMPLATE, "spec.template.spec"),
        ("argoproj.io/v1alpha1", "Rollout", {"strategy": {"canary": {}}, **_TEMPLATE}, "spec.template.spec"),
        ("apps.kruise.io/v1alpha1", "CloneSet", _TEMPLATE, "spec.template.spec"),
        ("apps.kruise.io/v1beta1", "StatefulSet", _TEMPLATE, "spec.template.spec"),
        ("apps.kruise.io/v1alpha1", "DaemonSet", _TEMPLATE, "spec.template.spec"),
        ("example.com/v1", "NightlyTask", {"jobTemplate": {"spec": _TEMPLATE}}, "spec.jobTemplate.spec.template.spec"),
        # the shape must really hold containers: these are not pod carriers
        ("example.com/v1", "Widget", {"template": {"spec": {"containers": []}}}, None),
        ("example.com/v1", "Widget", {"template": {"spec": {"containers": ["x"]}}}, None),
        ("example.com/v1", "Widget", {"template": "spec"}, None),
        ("example.com/v1", "Widget", {"template": {"spec": None}}, None),
    ],
)
def test_pod_carriers_are_found_by_shape(api_version: str, kind: str, spec: dict[str, object], pod_spec_path: str | None) -> None:
    res = resource_from_object(_carrier(api_version, kind, spec))
    assert res.pod_spec_path == pod_spec_path
    if pod_spec_path is not None:
        pod_spec = res.pod_spec()
        assert pod_spec is not None and pod_spec["containers"][0]["name"] == "x"


def test_built_in_kinds_keep_their_path_even_when_empty() -> None:
    """A Deployment without containers is still judged (as missing them), a core Service with a
    template-like field is not a workload: names decide for the built-in groups."""
    assert resource_from_object(_carrier("apps/v1", "Deployment", {"template": {"spec": {}}})).pod_spec_path == "spec.template.spec"
    assert resource_from_object(_carrier("v1", "Service", _TEMPLATE)).pod_spec_path is None


def test_workload_rules_judge_custom_carriers_at_the_real_path(tmp_path: Path) -> None:
    """A "workload" rule (resource_types kubernetes: [workload]) reaches a Knative Service and
    reports the real path; it does not judge a ConfigMap (no pass verdict for it either)."""
    from policyguard.model import Status
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.scan import scan

    (tmp_path / "m.yaml").write_text(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k, namespace: ns1}\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: x:1\n"
        "          securityContext: {privileged: true}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns1}\ndata: {a: b}\n"
    )
    result = scan(ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), rules=RuleOptions(enabled_rules=["PG-K8S-POD-004"]), evaluation=EvalOptions(jobs=1)))
    by_resource = {(f.resource_id, f.status) for f in result.findings}
    assert by_resource == {("serving.knative.dev/v1/Service/ns1/k", Status.FAIL)}
    (finding,) = result.findings
    assert finding.path == "spec.template.spec.containers[0].securityContext.privileged"


def test_crd_and_custom_resource_are_generic() -> None:
    result = parse_file(DATA / "crd.yaml")
    assert result.errors == []
    crd, widget = result.resources
    assert crd.id == "apiextensions.k8s.io/v1/CustomResourceDefinition/_cluster/widgets.example.com"
    assert widget.id == "example.com/v1/Widget/toys/blue"
    assert widget.type == "example.com/v1/Widget"
    assert widget.pod_spec_path is None  # a template without containers is no pod carrier
    assert widget.attributes["spec"]["color"] == "blue"


def test_rbac_references() -> None:
    role, binding, cluster_binding = parse_file(DATA / "rbac.yaml").resources
    assert role.references == []
    assert binding.references == [
        Reference("roleRef.name", "rbac.authorization.k8s.io/v1/Role/ops/reader", "roleRef: Role/reader"),
        Reference("subjects[0].name", "v1/ServiceAccount/ops/bot", "subject: ServiceAccount/bot"),
    ]
    assert cluster_binding.id == "rbac.authorization.k8s.io/v1/ClusterRoleBinding/_cluster/admins"
    assert cluster_binding.references == [
        Reference("roleRef.name", "rbac.authorization.k8s.io/v1/ClusterRole/_cluster/cluster-admin", "roleRef: ClusterRole/cluster-admin"),
        Reference("subjects[0].name", "v1/ServiceAccount/ci/deployer", "subject: ServiceAccount/deployer"),
    ]


def test_helm_template_is_reported_not_rendered() -> None:
    result = parse_file(DATA / "helm-deployment.yaml")
    assert result.resources == []
    (err,) = result.errors
    assert err.kind == ErrorKind.TEMPLATE
    assert (err.line, err.column) == (1, 1)
    assert "not rendered" in err.message


def test_braces_inside_strings_are_data() -> None:
    result = parse_file(DATA / "alerts-configmap.yaml")
    assert result.errors == []
    (cm,) = result.resources
    assert cm.attributes["data"]["rule"] == "instance {{ $labels.instance }} is down"


def test_template_placeholder_in_value_position(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n")
    (err,) = parse_file(f).errors
    assert (err.kind, err.line, err.column) == (ErrorKind.TEMPLATE, 4, 9)


def test_tab_indentation_error_location() -> None:
    result = parse_file(DATA / "tabs.yaml")
    assert result.resources == []
    (err,) = result.errors
    assert (err.line, err.column, err.kind) == (6, 1, ErrorKind.PARSE)
    assert err.message.startswith("YAML: found character that cannot start any token")


def test_bad_indentation_error_location(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   namespace: y\n")
    (err,) = parse_file(f).errors
    assert (err.line, err.column) == (5, 13)
    assert "mapping values are not allowed" in err.message


def test_alias_bomb_is_a_limit_error(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join("  " + x for x in lines) + "\n")
    result = parse_file(f)
    assert result.resources == []
    (err,) = result.errors
    assert err.kind == ErrorKind.LIMIT
    assert "alias" in err.message
    assert err.line > 5


def test_deep_nesting_is_a_limit_error(tmp_path: Path) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (err,) = parse_file(f).errors
    # libyaml may stop this itself (PyYAML >= 6.0.4); it is still our located limit error
    assert (err.kind, err.file, err.line, err.column) == (ErrorKind.LIMIT, str(f), 4, 7 + 199)


def test_huge_file_is_a_limit_error(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("wb") as fh:
        fh.write(b"apiVersion: v1\nkind: ConfigMap\n")
        fh.truncate(21 * 1024 * 1024)  # sparse: above the 20 MiB limit without writing it
    (err,) = parse_file(f).errors
    assert err.kind == ErrorKind.LIMIT
    assert "limit" in err.message


def test_duplicate_ids_are_made_unique(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert _ids(parse_file(f).resources) == ["v1/ConfigMap/default/x", "v1/ConfigMap/default/x#2"]


def test_resource_from_object_for_admission() -> None:
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "migrate-", "namespace": "db"},
        "spec": {"template": {"spec": {"serviceAccountName": "migrator", "containers": [{"name": "m", "image": "x:1"}]}}},
    }
    res = resource_from_object(obj)
    assert res.id == "batch/v1/Job/db/migrate-*"
    assert res.name == "migrate-*"
    assert res.span.file == "<admission>"
    assert res.pod_spec_path == "spec.template.spec"
    assert res.references == [
        Reference("spec.template.spec.serviceAccountName", "v1/ServiceAccount/db/migrator", "serviceAccountName: migrator")
    ]
    ns = resource_from_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "db"}})
    assert ns.id == "v1/Namespace/_cluster/db"
    with pytest.raises(ValueError, match="no kind"):
        resource_from_object({"apiVersion": "v1"})


def test_ingress_hpa_and_projected_volume_references(tmp_path: Path) -> None:
    f = tmp_path / "net.yaml"
    f.write_text(
        "apiVersion: networking.k8s.io/v1\n"
        "kind: Ingress\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec:\n"
        "  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n"
        "  rules:\n"
        "    - http:\n"
        "        paths:\n"
        "          - path: /\n"
        "            pathType: Prefix\n"
        "            backend: {service: {name: web, port: {number: 80}}}\n"
        "---\n"
        "apiVersion: autoscaling/v2\n"
        "kind: HorizontalPodAutoscaler\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata: {name: p, namespace: shop}\n"
        "spec:\n"
        "  serviceAccount: legacy\n"
        "  volumes:\n"
        "    - name: all\n"
        "      projected:\n"
        "        sources:\n"
        "          - configMap: {name: settings}\n"
        "          - secret: {name: keys}\n"
        "  containers:\n"
        "    - name: c\n"
        "      image: x:1\n"
        "      envFrom: [{secretRef: {name: env}}]\n"
    )
    ingress, hpa, pod = parse_file(f).resources
    assert [(r.path, r.target) for r in ingress.references] == [
        ("spec.defaultBackend.service.name", "v1/Service/shop/fallback"),
        ("spec.rules[0].http.paths[0].backend.service.name", "v1/Service/shop/web"),
    ]
    assert [(r.path, r.target) for r in hpa.references] == [("spec.scaleTargetRef.name", "apps/v1/Deployment/shop/web")]
    assert [(r.path, r.target) for r in pod.references] == [
        ("spec.serviceAccount", "v1/ServiceAccount/shop/legacy"),
        ("spec.volumes[0].projected.sources[0].configMap.name", "v1/ConfigMap/shop/settings"),
        ("spec.volumes[0].projected.sources[1].secret.name", "v1/Secret/shop/keys"),
        ("spec.containers[0].envFrom[0].secretRef.name", "v1/Secret/shop/env"),
    ]


def test_not_an_object_and_scalar_documents(tmp_path: Path) -> None:
    f = tmp_path / "odd.yaml"
    f.write_text("just text\n---\napiVersion: v1\nkind: Pod\nmetadata: [a]\n---\napiVersion: v1\nkind: Pod\n")
    result = parse_file(f)
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "document is a str scalar, not a Kubernetes object (a mapping with apiVersion and kind)"),
        (3, "metadata is not a mapping"),
    ]
    (pod,) = result.resources
    assert pod.id == "v1/Pod/default/_unnamed@7"


# --------------------------------------------------------------------------- rule matching by group and kind
def test_type_key_ignores_the_version_and_maps_old_extensions_workloads() -> None:
    from policyguard.model import type_key

    assert type_key("kubernetes", "batch/v1beta1/CronJob") == type_key("kubernetes", "batch/v1/CronJob") == "batch/CronJob"
    assert type_key("kubernetes", "extensions/v1beta1/Deployment") == type_key("kubernetes", "apps/v1/Deployment")
    assert type_key("kubernetes", "extensions/v1beta1/Ingress") == "extensions/Ingress"  # not a workload alias
    assert type_key("kubernetes", "v1/Pod") == "/Pod" != type_key("kubernetes", "example.com/v1/Pod")
    assert type_key("terraform", "aws_s3_bucket") == "aws_s3_bucket"


OLD_VERSIONS = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: old-cron, namespace: team}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - {name: app, image: "registry.example.com/app:1.0", securityContext: {privileged: true}}
---
apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: old-ds, namespace: team}
spec:
  template:
    spec:
      containers:
        - {name: app, image: "registry.example.com/app:1.0", securityContext: {privileged: true}}
"""


def test_rules_judge_every_served_version_of_a_kind(tmp_path: Path) -> None:
    """The pod rules name apps/v1 and batch/v1 types; manifests in older versions of the same
    kinds (served by older clusters) were judged by no pod rule at all, so passed the gate."""
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    (tmp_path / "old.yaml").write_text(OLD_VERSIONS, encoding="utf-8")
    res = scan(ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), evaluation=EvalOptions(jobs=1)))
    privileged = {f.resource_id for f in res.findings if f.rule_id == "PG-K8S-POD-004" and f.status.value == "fail"}
    assert privileged == {"batch/v1beta1/CronJob/team/old-cron", "extensions/v1beta1/DaemonSet/team/old-ds"}


def test_plain_y_and_n_are_booleans_as_kubectl_reads_them(tmp_path: Path) -> None:
    """kubectl's YAML reader (go-yaml v2, YAML 1.1) takes a plain y/Y/n/N for a boolean, PyYAML
    does not: the manifest is judged as the cluster will read it. Quoted, they stay strings."""
    f = tmp_path / "pod.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team, labels: {answer: \"y\"}}\n"
        "spec:\n  hostNetwork: Y\n  containers:\n    - name: app\n      image: nginx:1.27\n"
        "      securityContext: {privileged: y, readOnlyRootFilesystem: n}\n",
        encoding="utf-8",
    )
    res = parse_file(f)
    pod = res.resources[0].attributes
    assert pod["spec"]["hostNetwork"] is True
    assert pod["spec"]["containers"][0]["securityContext"] == {"privileged": True, "readOnlyRootFilesystem": False}
    assert pod["metadata"]["labels"] == {"answer": "y"}
