"""Helm charts as an input (README "Helm charts"): rendered by a real helm (CI builds the pinned
one, .ci/run), judged as rendered, located at the template line that produced each field, and
refused before any render when a chart would read outside the repository or needs a download."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

HELM = shutil.which("helm")
if HELM is None and not os.environ.get("CI"):
    pytest.skip("helm is not installed (CI builds helm v4.3.2: .ci/run)", allow_module_level=True)

DATA = Path(__file__).parent / "data" / "helm"
PRIVILEGED = "PG-K8S-POD-004"
HOST_NETWORK = "PG-K8S-POD-001"
DIGEST = "sha256:" + "0" * 64


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)  # the repository root: symlinks must stay inside it
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def web(tmp_path: Path) -> Path:
    """The acceptance chart (tests/data/helm/web) in a repository of its own."""
    root = write(tmp_path / "repo", {})
    shutil.copytree(DATA / "web", root / "web")
    return root


def scan(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-f", "json", "-j", "1", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300, env=env)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def of_rule(report: dict, rule: str, status: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if f["rule_id"] == rule and (status is None or f["status"] == status)]


def pod_chart(name: str, body: str = "", values: str = "privileged: false\n") -> dict[str, str]:
    """A chart with one Pod whose container's privileged flag (line 10) comes from the values."""
    return {
        f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"{name}/values.yaml": values,
        f"{name}/templates/pod.yaml": (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\nspec:\n  containers:\n"
            f"    - name: app\n      image: registry.example/app@{DIGEST}\n      securityContext:\n"
            "        privileged: {{ .Values.privileged }}\n" + body),
    }


# --------------------------------------------------------------------------- the acceptance case
def test_safe_defaults_pass_and_prod_values_fail_at_the_template_line(tmp_path: Path) -> None:
    root = web(tmp_path)
    code, report = scan(root, "web")
    assert code == 0 and not report["errors"], report
    [passed] = of_rule(report, PRIVILEGED)
    assert passed["status"] == "pass" and passed["resource_id"] == "apps/v1/Deployment/default/release-name-web"

    code, report = scan(root, "web", "--helm-values", "values-prod.yaml")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    loc = fail["location"]
    # `privileged: {{ .Values.privileged }}` in the template, not a line of rendered text
    assert (loc["file"], loc["start_line"]) == ("web/templates/deployment.yaml", 24)
    assert "helm chart web" in fail["origin"] and "web/values-prod.yaml" in fail["origin"]
    assert "web/values.yaml (defaults)" in fail["origin"]


def test_the_text_report_names_chart_values_and_template_line(tmp_path: Path) -> None:
    root = web(tmp_path)
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", "web", "--helm-values", "values-prod.yaml", "-j", "1"],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 1
    out = done.stdout
    assert "web/templates/deployment.yaml" in out and "24:" in out
    assert "from: helm chart web (values: web/values.yaml (defaults), web/values-prod.yaml" in out
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", "web", "--helm-values", "values-prod.yaml", "-j", "1",
                           "-f", "sarif"], capture_output=True, text=True, cwd=root, timeout=300)
    [result] = [r for r in json.loads(done.stdout)["runs"][0]["results"] if r["ruleId"] == PRIVILEGED]
    assert "web/values-prod.yaml" in result["properties"]["origin"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("web/templates/deployment.yaml") and loc["region"]["startLine"] == 24


def test_helm_set_and_a_field_the_template_emits_with_toyaml(tmp_path: Path) -> None:
    root = web(tmp_path)
    code, report = scan(root, "web", "--helm-set", "securityContext.privileged=true", "--helm-set", "hostNetwork=true")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["path"].startswith("spec.template.spec.containers[1]")
    # the sidecar's securityContext is `{{- toYaml .Values.securityContext | nindent 12 }}` (line 28)
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("web/templates/deployment.yaml", 28)
    assert "--set securityContext.privileged=true, hostNetwork=true" in fail["origin"]
    [host] = of_rule(report, HOST_NETWORK, "fail")
    assert host["location"]["start_line"] == 18  # `hostNetwork: true` inside the {{- if }}


def test_release_name_namespace_and_kube_version(tmp_path: Path) -> None:
    root = write(tmp_path, pod_chart("app", body=(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caps\ndata:\n"
        "  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n")))
    code, report = scan(root, "app", "--helm-release-name", "prod", "--helm-namespace", "shop",
                        "--kube-version", "v1.31.4")
    assert code == 0, report
    ids = {f["resource_id"] for f in report["findings"]}
    assert "v1/Pod/shop/prod-app" in ids and "v1/ConfigMap/shop/caps" in ids
    from policyguard.discover import discover
    from policyguard.options import HelmOptions
    from policyguard.parsers import parse_unit

    cwd = os.getcwd()
    os.chdir(root)
    try:
        [unit] = discover([Path("app")], excludes=[]).units
        res = parse_unit(unit, helm=HelmOptions(kube_version="v1.31.4")).resources
    finally:
        os.chdir(cwd)
    [cm] = [r for r in res if r.type == "v1/ConfigMap"]
    assert cm.attributes["data"]["kube"] == "v1.31.4"
    assert cm.span.file == "app/templates/pod.yaml" and cm.span.start_line == 13  # its `kind:` in the second document
    assert cm.meta["helm"]["located"] == "line" and cm.source_format == "helm" and unit.format == "helm"


def test_relative_values_resolve_in_the_chart_then_the_current_directory(tmp_path: Path) -> None:
    root = write(tmp_path, {**pod_chart("app"), "ci/prod.yaml": "privileged: true\n"})
    code, report = scan(root, "app", "--helm-values", "ci/prod.yaml")  # not in app/: the current directory's
    assert code == 1 and "ci/prod.yaml" in of_rule(report, PRIVILEGED, "fail")[0]["origin"]
    code, report = scan(root, "app", "--helm-values", "nosuch.yaml")
    assert code == 2
    [err] = report["errors"]
    assert err["file"] == "app/Chart.yaml" and "'nosuch.yaml' not found" in err["message"]


# --------------------------------------------------------------------------- subcharts
def _archive(name: str, files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_subcharts_render_with_parent_and_global_values_and_are_reported_once(tmp_path: Path) -> None:
    files = pod_chart("shop", values="privileged: false\nsub:\n  privileged: true\nglobal:\n  hostNetwork: true\n")
    files["shop/Chart.yaml"] += "dependencies:\n  - name: sub\n    version: 0.1.0\n  - name: edge\n    version: 0.2.0\n"
    for path, text in pod_chart("sub").items():
        files[f"shop/charts/{path}"] = text
    root = write(tmp_path, files)
    edge = _archive("edge", {
        "Chart.yaml": "apiVersion: v2\nname: edge\nversion: 0.2.0\n",
        "templates/pod.yaml": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: edge\nspec:\n"
                               "  hostNetwork: {{ .Values.global.hostNetwork }}\n"
                               f"  containers:\n    - name: e\n      image: registry.example/e@{DIGEST}\n"),
    })
    (root / "shop" / "charts" / "edge-0.2.0.tgz").write_bytes(edge)
    code, report = scan(root, ".", "--verbose")
    assert code == 1 and not report["errors"], report["errors"]
    priv = {f["resource_id"]: f for f in of_rule(report, PRIVILEGED)}
    # the parent's, the subchart's (privileged from the parent's `sub:` values) and the archive's: once each
    assert set(priv) == {"v1/Pod/default/release-name-shop", "v1/Pod/default/release-name-sub", "v1/Pod/default/edge"}
    sub = priv["v1/Pod/default/release-name-sub"]
    assert sub["status"] == "fail"
    assert (sub["location"]["file"], sub["location"]["start_line"]) == ("shop/charts/sub/templates/pod.yaml", 10)
    assert priv["v1/Pod/default/release-name-shop"]["status"] == "pass"
    [host] = of_rule(report, HOST_NETWORK, "fail")  # the global value reached the archived subchart
    assert host["resource_id"] == "v1/Pod/default/edge"
    assert host["location"]["file"] == "shop/charts/edge-0.2.0.tgz"
    assert "vendored chart archive" in host["origin"]


def test_a_subchart_directory_is_not_a_unit_of_its_own(tmp_path: Path) -> None:
    files = pod_chart("shop")
    for path, text in pod_chart("sub").items():
        files[f"shop/charts/{path}"] = text
    root = write(tmp_path, files)
    from policyguard.discover import discover

    cwd = os.getcwd()
    os.chdir(root)
    try:
        found = discover([Path(".")], excludes=[])
        # a changed subchart template (pre-commit) renders the parent chart
        changed = discover([Path("shop/charts/sub/templates/pod.yaml")], excludes=[])
        below = discover([Path("shop/templates")], excludes=[])
    finally:
        os.chdir(cwd)
    assert [(u.format, str(u.path)) for u in found.units] == [("helm", "shop")]
    skipped = dict(found.skipped)
    assert "subchart rendered through the chart shop" in skipped["shop/charts/sub/Chart.yaml"]
    assert "part of the Helm chart shop" in skipped["shop/templates/pod.yaml"]
    for d in (changed, below):
        assert [(u.format, str(u.path)) for u in d.units] == [("helm", "shop")] and not d.errors


def test_a_dependency_not_on_disk_is_an_error_naming_it_and_helm_never_runs(tmp_path: Path) -> None:
    files = pod_chart("app")
    files["app/Chart.yaml"] += ("dependencies:\n  - name: redis\n    version: 19.0.1\n"
                                "    repository: https://charts.example/bitnami\n")
    root = write(tmp_path, files)
    fake, record = _recorder(tmp_path, "exit 0")
    code, report = scan(root, "app", "--helm-binary", str(fake))
    assert code == 2
    [err] = report["errors"]
    assert (err["file"], err["line"], err["kind"]) == ("app/Chart.yaml", 5, "template-not-rendered")
    assert "'redis' 19.0.1 from https://charts.example/bitnami" in err["message"]
    assert "helm dependency build" in err["message"]
    assert not Path(f"{record}.args").exists()
    assert not report["findings"]


# --------------------------------------------------------------------------- failures and hostile charts
def test_a_failing_render_is_located_at_the_template_line_with_helms_message(tmp_path: Path) -> None:
    root = write(tmp_path, pod_chart("app", body="        {{- required \"image.tag is required\" .Values.tag }}\n"))
    code, report = scan(root, "app", "--helm-values", "values.yaml")
    assert code == 2
    [err] = report["errors"]
    assert err["kind"] == "template-not-rendered"
    assert err["file"] == "app/templates/pod.yaml" and err["line"] == 11
    assert "helm template failed" in err["message"] and "image.tag is required" in err["message"]
    assert not report["findings"]


def test_endless_include_recursion_is_helms_located_error(tmp_path: Path) -> None:
    root = write(tmp_path, pod_chart("app", body='{{- define "loop" }}{{ include "loop" . }}{{ end }}\n# {{ include "loop" . }}\n'))
    start = time.monotonic()
    code, report = scan(root, "app")
    assert code == 2 and time.monotonic() - start < 120
    [err] = report["errors"]
    assert err["file"] == "app/templates/pod.yaml" and "include" in err["message"]


def test_huge_output_is_a_limit_error_not_a_hang(tmp_path: Path) -> None:
    root = write(tmp_path, pod_chart("app", body="{{- range until 200000000 }}\n# {{ . }} padding padding padding\n{{- end }}\n"))
    start = time.monotonic()
    # helm builds its whole output in memory before printing it: the memory watch or the output
    # limit stops it, whichever comes first
    code, report = scan(root, "app", "--unit-memory", "512")
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert err["kind"] == "limit-exceeded" and err["file"] == "app/Chart.yaml"
    assert "file size limit" in err["message"] or "MiB of memory" in err["message"]


def test_memory_is_bounded_by_unit_memory(tmp_path: Path) -> None:
    # a string doubled 29 times (512 MiB) that is never printed
    body = '{{- $s := "xxxxxxxx" }}{{- range until 26 }}{{- $s = print $s $s }}{{- end }}\n# {{ len $s }}\n'
    root = write(tmp_path, pod_chart("app", body=body))
    start = time.monotonic()
    code, report = scan(root, "app", "--unit-memory", "256")
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert err["kind"] == "limit-exceeded" and "MiB of memory" in err["message"], err


def test_a_hanging_render_is_killed_at_the_unit_deadline(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", pod_chart("app"))
    fake, record = _recorder(tmp_path, "exec sleep 300")
    start = time.monotonic()
    code, report = scan(root, "app", "--helm-binary", str(fake), "--unit-timeout", "2")
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert err["kind"] == "limit-exceeded" and "deadline" in err["message"]


def test_a_symlink_out_of_the_repository_is_refused_before_helm_runs(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0\n")
    root = write(tmp_path / "repo", pod_chart("app", body="# {{ .Files.Get \"files/secret.txt\" }}\n"))
    (root / "app" / "files").mkdir()
    os.symlink(secret, root / "app" / "files" / "secret.txt")
    fake, record = _recorder(tmp_path, "exit 0")
    code, report = scan(root, "app", "--helm-binary", str(fake))
    assert code == 2
    msgs = [e for e in report["errors"] if "leaves the repository" in e["message"]]
    assert msgs and msgs[0]["file"] == "app/files/secret.txt"
    assert not Path(f"{record}.args").exists()
    assert "root:x" not in json.dumps(report)


class _Listener:
    """A loopback server that counts connections (a cluster that must never be contacted)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_lookup_returns_nothing_and_no_cluster_is_contacted(tmp_path: Path) -> None:
    body = ('{{- $s := lookup "v1" "Secret" "kube-system" "admin" }}\n'
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seen\ndata:\n  found: {{ $s | toJson | quote }}\n")
    root = write(tmp_path / "repo", pod_chart("app", body=body))
    cluster = _Listener()
    kube = tmp_path / "kubeconfig"
    kube.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "https://127.0.0.1:{cluster.port}", insecure-skip-tls-verify: true}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
""")
    env = {**os.environ, "KUBECONFIG": str(kube), "HELM_KUBEAPISERVER": f"https://127.0.0.1:{cluster.port}"}
    try:
        code, report = scan(root, "app", "--profile", "strict", env=env)
    finally:
        cluster.close()
    assert not report["errors"], report["errors"]
    assert cluster.hits == 0
    from policyguard.discover import discover
    from policyguard.parsers import parse_unit

    cwd = os.getcwd()
    os.chdir(root)
    try:
        [unit] = discover([Path("app")], excludes=[]).units
        [cm] = [r for r in parse_unit(unit).resources if r.type == "v1/ConfigMap"]
    finally:
        os.chdir(cwd)
    assert cm.attributes["data"]["found"] == "{}"


def _recorder(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """A stand-in ``helm`` that records its arguments and environment, then runs ``body``."""
    record = tmp_path / "record"
    fake = tmp_path / "bin" / "helm"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}.args\nenv > {record}.env\n'
                    f'ls -A "$HELM_CACHE_HOME" "$HELM_CONFIG_HOME" "$HELM_DATA_HOME" "$HELM_PLUGINS" > {record}.dirs\n{body}\n')
    fake.chmod(0o755)
    return fake, record


def test_helm_runs_template_only_in_fresh_empty_homes_without_network(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", pod_chart("app"))
    fake, record = _recorder(tmp_path, "echo 'Error: boom' >&2\nexit 1")
    env = {**os.environ, "HELM_PLUGINS": "/opt/plugins", "KUBECONFIG": "/root/.kube/config"}
    code, report = scan(root, "app", "--helm-binary", str(fake), "--helm-values", "values.yaml",
                        "--helm-set", "a=b", env=env)
    assert code == 2 and "boom" in report["errors"][0]["message"]
    args = Path(f"{record}.args").read_text().split()
    assert args[:2] == ["template", "release-name"] and "dependency" not in args
    assert not [a for a in args if a.startswith(("--post-renderer", "--dependency-update", "--repo", "--validate"))]
    assert "--set=a=b" in args and "--namespace=default" in args
    assert [a for a in args if a.startswith("--values=")] == [f"--values={os.path.realpath(root / 'app' / 'values.yaml')}"]
    env_seen = dict(line.split("=", 1) for line in Path(f"{record}.env").read_text().splitlines() if "=" in line)
    for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "HELM_PLUGINS", "HOME"):
        assert env_seen[var].startswith(tempfile_root()) and not os.path.exists(env_seen[var])
    assert not os.path.exists(env_seen["KUBECONFIG"]) and env_seen["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert Path(f"{record}.dirs").read_text().split() == [
        f"{env_seen[v]}:" for v in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "HELM_PLUGINS")]


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_without_helm_the_chart_is_an_error_naming_what_to_install(tmp_path: Path) -> None:
    root = web(tmp_path)
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    code, report = scan(root, ".", env=env)
    assert code == 2
    [err] = report["errors"]
    assert err["file"] == "web/Chart.yaml" and "install Helm" in err["message"] and "--helm-binary" in err["message"]
    assert not report["findings"]  # never the raw templates judged as if they were manifests
    code, report = scan(root, ".", "--helm-binary", str(tmp_path / "nope"), env=env)
    assert code == 2 and "not found" in report["errors"][0]["message"]


# --------------------------------------------------------------------------- config, trust and fixes
def test_config_values_per_chart_and_an_untrusted_repository_cannot_choose_them(tmp_path: Path) -> None:
    root = web(tmp_path)
    (root / ".policyguard.yaml").write_text("version: 1\nhelm:\n  charts:\n    web:\n      values: [values-prod.yaml]\n"
                                            "      namespace: prod\n")
    code, report = scan(root, "web")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["resource_id"] == "apps/v1/Deployment/prod/release-name-web" and "values-prod.yaml" in fail["origin"]
    # untrusted: the repository's choice of values is not honoured, and the report says so
    code, report = scan(root, "web", "--untrusted-repo")
    assert not of_rule(report, PRIVILEGED, "fail")
    assert any("helm.charts" in n["message"] and n["kind"] == "rejected" for n in report["suppression_notices"])
    # a trusted config may allow it
    trusted = tmp_path / "org.yaml"
    trusted.write_text("version: 1\nrepo_config:\n  may_loosen: [helm]\n")
    code, report = scan(root, "web", "--untrusted-repo", "--org-config", str(trusted))
    assert of_rule(report, PRIVILEGED, "fail")


def test_fixes_are_refused_for_rendered_resources(tmp_path: Path) -> None:
    root = web(tmp_path)
    done = subprocess.run([sys.executable, "-m", "policyguard", "fix", "web", "--rule", PRIVILEGED, "--unsafe", "-j", "1",
                           "--helm-values", "values-prod.yaml"], capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 1
    assert "rendered by Helm" in done.stdout + done.stderr
    assert (root / "web" / "templates" / "deployment.yaml").read_text() == (DATA / "web" / "templates" / "deployment.yaml").read_text()


# --------------------------------------------------------------------------- helmCharts in a kustomization
KUSTOMIZE = shutil.which("kustomize") or shutil.which("kubectl")


@pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl installed (CI installs kustomize: .ci/run)")
def test_kustomize_helm_charts_on_disk_render_and_are_located_in_the_template(tmp_path: Path) -> None:
    root = web(tmp_path)
    (root / "app" / "charts").mkdir(parents=True)
    shutil.move(root / "web", root / "app" / "charts" / "web")
    write(root, {"app/kustomization.yaml": ("namespace: shop\nhelmCharts:\n  - name: web\n    releaseName: shop\n"
                                             "    valuesFile: charts/web/values-prod.yaml\n")})
    code, report = scan(root, ".", "--verbose")
    assert code == 1 and not report["errors"], report["errors"]
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["resource_id"] == "apps/v1/Deployment/shop/shop-web"
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("app/charts/web/templates/deployment.yaml", 24)
    assert fail["origin"] == ("helm chart app/charts/web via helmCharts entry 'web' of app/kustomization.yaml "
                              "(values: app/charts/web/values-prod.yaml; release shop)")
    # the chart is rendered through the kustomization only, never also as a chart unit of its own
    assert len(of_rule(report, PRIVILEGED)) == 1


@pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl installed (CI installs kustomize: .ci/run)")
def test_kustomize_helm_charts_that_need_a_download_or_helm_are_located_errors(tmp_path: Path) -> None:
    root = web(tmp_path)
    write(root, {"pull/kustomization.yaml": ("helmCharts:\n  - name: redis\n    repo: https://charts.example/bitnami\n"
                                              "    version: 19.0.1\n"),
                 "local/kustomization.yaml": "helmCharts:\n  - name: web\n    chartHome: ../\n"})
    code, report = scan(root, "pull")
    assert code == 2
    [err] = report["errors"]
    assert (err["file"], err["line"]) == ("pull/kustomization.yaml", 2)
    assert "'redis'" in err["message"] and "would be pulled" in err["message"] and "never downloads" in err["message"]
    # no helm: an error at the entry naming what to install, never the chart skipped
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink(KUSTOMIZE, bare / os.path.basename(KUSTOMIZE))
    code, report = scan(root, "local", env={**os.environ, "PATH": str(bare)})
    assert code == 2
    [err] = report["errors"]
    assert (err["file"], err["line"]) == ("local/kustomization.yaml", 2) and "install Helm" in err["message"]


@pytest.mark.parametrize("chart_yaml", [
    "apiVersion: v2\nname: app\nversion: [\n",  # not YAML
    "- a list\n",  # not a mapping
    "apiVersion: v2\nversion: 0.1.0\n",  # no name: Helm's own validation
    "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies: [3, {name: 4}, {version: 1}]\n",
    "",  # empty
])
def test_odd_charts_are_located_errors_never_a_crash(tmp_path: Path, chart_yaml: str) -> None:
    files = pod_chart("app")
    files["app/Chart.yaml"] = chart_yaml
    root = write(tmp_path, files)
    code, report = scan(root, "app")
    assert code in (0, 1, 2)
    for err in report["errors"]:
        assert err["file"].startswith("app/") and "internal parser error" not in err["message"]
        assert "Traceback" not in err["message"]
    if code == 2:
        assert report["errors"]
    else:  # rendered: judged as rendered, never as raw templates
        assert {f["resource_id"] for f in report["findings"]} == {"v1/Pod/default/release-name-app"}


def test_a_changed_helper_values_file_or_archive_renders_its_chart(tmp_path: Path) -> None:
    """pre-commit passes changed files: any file of a chart renders the chart (never a raw template)."""
    import re

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())}
    pattern = re.compile(hooks["policyguard"]["files"])
    for name in ("web/templates/_helpers.tpl", "web/values-prod.yaml", "web/charts/redis-19.0.1.tgz", "charts/a.tgz"):
        assert pattern.search(name), name
    assert not pattern.search("dist/web-0.1.0.tgz")
    root = web(tmp_path)
    (root / "web" / "values.yaml").write_text((root / "web" / "values.yaml").read_text().replace("privileged: false", "privileged: true"))
    for changed in ("web/templates/_helpers.tpl", "web/values.yaml"):
        code, report = scan(root, "--allow-empty", changed)
        assert code == 1, (changed, report)
        [fail] = of_rule(report, PRIVILEGED, "fail")
        assert (fail["location"]["file"], fail["location"]["start_line"]) == ("web/templates/deployment.yaml", 24)


@pytest.mark.parametrize("setting", [
    ["--helm-release-name", "--post-renderer=/bin/sh"],
    ["--helm-namespace", "--repo=https://charts.example"],
    ["--kube-version", "1.31 --debug"],
])
def test_settings_never_become_helm_flags(tmp_path: Path, setting: list[str]) -> None:
    root = write(tmp_path / "repo", pod_chart("app"))
    fake, record = _recorder(tmp_path, "exit 0")
    code, report = scan(root, "app", "--helm-binary", str(fake), *setting)
    assert code == 2
    [err] = report["errors"]
    assert err["file"] == "app/Chart.yaml" and "is not valid" in err["message"]
    assert not Path(f"{record}.args").exists()
    # --set values and values paths travel as --flag=value: a leading '-' is a value, not a flag
    code, report = scan(root, "app", "--helm-binary", str(fake), "--helm-set", "a=--post-renderer=/bin/sh")
    assert "--set=a=--post-renderer=/bin/sh" in Path(f"{record}.args").read_text().split()


def test_a_repository_config_cannot_smuggle_a_flag_through_the_release_name(tmp_path: Path) -> None:
    root = web(tmp_path)
    (root / ".policyguard.yaml").write_text('version: 1\nhelm:\n  charts:\n    web:\n      release_name: "--post-renderer=x"\n')
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", "web", "-j", "1"], capture_output=True, text=True,
                          cwd=root, timeout=300)
    assert done.returncode == 2
    assert ".policyguard.yaml:5" in done.stderr + done.stdout and "release_name" in done.stderr + done.stdout


@pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl installed (CI installs kustomize: .ci/run)")
@pytest.mark.parametrize("kustomization, line", [
    ("helmCharts:\n  - name: web\n    chartHome: ../\n    releaseName: --post-renderer=/bin/sh\n", 2),
    ("helmGlobals:\n  configHome: ../home\nhelmCharts:\n  - name: web\n    chartHome: ../\n", 2),
    ("generators:\n  - gen.yaml\n", 2),
    ("helmChartInflationGenerator:\n  - chartName: web\n    helmBin: /bin/sh\n", 1),
])
def test_kustomize_helm_settings_that_would_run_other_code_are_refused(tmp_path: Path, kustomization: str, line: int) -> None:
    root = web(tmp_path)
    write(root, {"app/kustomization.yaml": kustomization})
    if "gen.yaml" in kustomization:  # a generator configuration the kustomization reads
        write(root, {"app/gen.yaml": "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata: {name: x}\n"
                                     "name: web\nrepo: https://charts.example\n"})
    code, report = scan(root, "app")
    assert code == 2
    [err] = report["errors"]
    assert (err["file"], err["line"]) == ("app/kustomization.yaml", line), err
    assert not report["findings"]


def test_a_range_item_is_located_at_the_line_the_range_repeats(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "app/values.yaml": "workers:\n  - {name: a, privileged: false}\n  - {name: b, privileged: true}\n",
        "app/templates/pod.yaml": (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: workers\nspec:\n  containers:\n"
            "    {{- range .Values.workers }}\n"
            "    - name: {{ .name }}\n"
            f"      image: registry.example/w@{DIGEST}\n"
            "      securityContext:\n"
            "        privileged: {{ .privileged }}\n"  # line 11
            "    {{- end }}\n"
            "    - name: sidecar\n"
            f"      image: registry.example/s@{DIGEST}\n"
            "      securityContext:\n"
            "        privileged: false\n"),
    })
    code, report = scan(root, "app")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    # worker b is the second rendered container, but the template's second item is the sidecar:
    # items are matched by name, a templated name standing for every item its range writes
    assert fail["path"].startswith("spec.containers[1]")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("app/templates/pod.yaml", 11)


def test_rendered_output_is_read_as_the_cluster_reads_it(tmp_path: Path) -> None:
    """go-yaml v2 (what Helm and kubectl apply with) reads a plain `y`/`n` as a boolean: so does
    the gate (read as the string "n", hostNetwork would not be false and the rule would fail)."""
    root = write(tmp_path, pod_chart("app"))
    tpl = root / "app" / "templates" / "pod.yaml"
    tpl.write_text(tpl.read_text().replace("spec:\n", "spec:\n  hostNetwork: {{ .Values.hostNetwork }}\n", 1))
    code, report = scan(root, "app", "--helm-set", "hostNetwork=n")
    [judged] = of_rule(report, HOST_NETWORK)
    assert judged["status"] == "pass" and code == 0, report["findings"]
    code, report = scan(root, "app", "--helm-set", "hostNetwork=y")
    [fail] = of_rule(report, HOST_NETWORK, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("app/templates/pod.yaml", 6)
