"""Kustomize directories as an input (README "Kustomize"): rendered by a real kustomize
(``kubectl kustomize`` or a ``kustomize`` binary; CI installs one, .ci/run), judged as rendered,
located in the files that define and patch each object, and refused before any build when a
kustomization would fetch, read outside the repository or run plugin code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOOL = shutil.which("kustomize") or shutil.which("kubectl")
if TOOL is None and not os.environ.get("CI"):
    pytest.skip("neither kustomize nor kubectl installed (CI installs kustomize: .ci/run)", allow_module_level=True)

PRIVILEGED = "PG-K8S-POD-004"

DIGEST = "0" * 64


def deploy(privileged: str) -> str:
    """A Deployment whose second container (``app``, line 15) sets privileged on line 18."""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: sidecar
          image: registry.example/side@sha256:{DIGEST}
        - name: app
          image: registry.example/app@sha256:{DIGEST}
          securityContext:
            privileged: {privileged}
"""


PRIV_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            privileged: true
"""


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)  # the repository root: bases must stay inside it
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def scan(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-f", "json", "-j", "1", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300, env=env)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def of_rule(report: dict, rule: str, status: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if f["rule_id"] == rule and (status is None or f["status"] == status)]


def base_and_overlay(tmp_path: Path, base_privileged: str, patch: str, patch_name: str = "patch.yaml") -> Path:
    return write(tmp_path, {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "base/deploy.yaml": deploy(base_privileged),
        "overlay/kustomization.yaml": f"resources:\n  - ../base\nnamespace: prod\npatches:\n  - path: {patch_name}\n",
        f"overlay/{patch_name}": patch,
    })


def test_a_patch_that_makes_a_safe_base_privileged_fails_at_the_patch_line(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path, "false", PRIV_PATCH)
    code, report = scan(root, "overlay")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["resource_id"] == "apps/v1/Deployment/prod/web"
    loc = fail["location"]
    assert (loc["file"], loc["start_line"]) == ("overlay/patch.yaml", 11)  # `privileged: true` in the patch
    # the base alone is safe: its own scan passes the rule
    code, alone = scan(root / "base", ".")
    assert not of_rule(alone, PRIVILEGED, "fail") and of_rule(alone, PRIVILEGED, "pass")


def test_a_finding_on_a_field_the_base_sets_points_into_the_base(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"
    root = base_and_overlay(tmp_path, "true", patch)
    code, report = scan(root, "overlay")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("base/deploy.yaml", 18)


def test_a_json6902_patch_that_makes_an_unsafe_base_safe_passes(tmp_path: Path) -> None:
    ops = ("- op: replace\n"
           "  path: /spec/template/spec/containers/1/securityContext/privileged\n"
           "  value: false\n")
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "base/deploy.yaml": deploy("true"),
        "overlay/kustomization.yaml": ("resources:\n  - ../base\npatches:\n  - path: safe.yaml\n"
                                       "    target: {kind: Deployment, name: web}\n"),
        "overlay/safe.yaml": ops,
    })
    code, report = scan(root, ".", "--verbose")
    # one scan of base and overlay: the base is rendered only through the overlay, so the
    # unsafe base is not reported beside the overlay that fixes it
    assert not of_rule(report, PRIVILEGED, "fail"), report["findings"]
    [passed] = of_rule(report, PRIVILEGED, "pass")
    assert passed["resource_id"] == "apps/v1/Deployment/default/web"
    assert code == 0, report


def test_base_and_two_overlays_in_one_scan_report_each_object_once(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path, "false", PRIV_PATCH)
    write(root, {
        "dev/Kustomization": "resources:\n  - ../base\nnamespace: dev\n",  # the third name kustomize reads
        "loose/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: loose}\nspec: {containers: [{name: c, image: nginx}]}\n",
        "overlay/notes.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata: {a: b}\n",
    })
    # in scan workers under an address-space limit, which kustomize's Go runtime must not inherit
    code, report = scan(root, ".", "-j", "2", "--unit-memory", "512")
    assert code == 1 and not report["errors"], report["errors"]
    judged = {f["resource_id"] for f in of_rule(report, PRIVILEGED)}
    # the base's Deployment only through each overlay (never as default/web from base/deploy.yaml)
    assert judged == {"apps/v1/Deployment/prod/web", "apps/v1/Deployment/dev/web", "v1/Pod/default/loose"}
    assert [f["resource_id"] for f in of_rule(report, PRIVILEGED, "fail")] == ["apps/v1/Deployment/prod/web"]
    ids = [f["resource_id"] for f in report["findings"]]
    # a file no kustomization references stays an ordinary manifest
    assert "v1/ConfigMap/default/notes" in ids
    files = report["files"]
    assert "overlay/patch.yaml" in files and "base/deploy.yaml" in files


def test_generator_output_is_judged_at_the_generator_entry(tmp_path: Path) -> None:
    secret = "aws_secret_access_key = fAkE0tEsT1sEcReT2kEy3For4UnIt5TeStS6AbCd"
    root = write(tmp_path, {
        "app/kustomization.yaml": ("resources: []\nconfigMapGenerator:\n  - name: other\n    literals: [a=b]\n"
                                   f"  - name: creds\n    literals:\n      - credentials={secret}\n"),
    })
    code, report = scan(root, "app", "--profile", "strict", "--fail-on", "medium")
    assert code == 1
    [hit] = of_rule(report, "PG-K8S-CM-001", "fail")  # a credential in a ConfigMap
    assert hit["resource_id"].startswith("v1/ConfigMap/default/creds-")  # the generated name, hash and all
    assert (hit["location"]["file"], hit["location"]["start_line"]) == ("app/kustomization.yaml", 5)


def test_a_kustomization_that_is_not_yaml_is_a_located_parse_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/kustomization.yaml": "resources:\n  - deploy.yaml\n  bad: [\n",
                            "app/deploy.yaml": deploy("true")})
    code, report = scan(root, ".")
    assert code == 2
    [err] = report["errors"]
    assert err["file"] == "app/kustomization.yaml" and err["line"] == 3 and err["kind"] == "parse-error"


def test_a_failed_build_is_a_located_error_exit_2(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nosuch\nspec:\n  replicas: 2\n"
    root = base_and_overlay(tmp_path, "false", patch)
    code, report = scan(root, "overlay")
    assert code == 2
    [err] = report["errors"]
    assert (err["file"], err["line"], err["kind"]) == ("overlay/kustomization.yaml", 5, "template-not-rendered")
    assert "kustomize build failed" in err["message"] and "nosuch" in err["message"]
    assert "must resolve to a file" not in err["message"]  # nothing of policyguard's own wrapper
    assert not report["findings"]  # nothing of the base is judged as if it were the overlay


@pytest.mark.parametrize("entry", [
    "github.com/example/infra//base?ref=v1",
    "https://example.com/base.yaml",
    "git::https://example.com/repo.git//base",
    "example.com/org/repo/base",
])
def test_a_remote_base_is_refused_before_any_build(tmp_path: Path, entry: str) -> None:
    root = write(tmp_path, {
        "app/kustomization.yaml": f"resources:\n  - deploy.yaml\n  - {entry}\n",
        "app/deploy.yaml": deploy("false"),
    })
    # a kustomize that would fetch never runs: a binary that records being started
    marker = tmp_path / "ran"
    fake = tmp_path / "bin" / "kustomize"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    fake.chmod(0o755)
    start = time.monotonic()
    code, report = scan(root, "app", "--kustomize-binary", str(fake))
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert (err["file"], err["line"]) == ("app/kustomization.yaml", 3)
    assert entry in err["message"] and "not" in err["message"]
    assert not marker.exists()


def test_a_base_outside_the_repository_and_helm_charts_are_refused(tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere", {"kustomization.yaml": "resources: []\n"})
    repo = write(tmp_path / "repo", {
        "app/kustomization.yaml": (f"resources:\n  - {os.path.relpath(outside, tmp_path / 'repo' / 'app')}\n"
                                   "helmCharts:\n  - name: redis\n    repo: https://charts.example\n"),
    })
    code, report = scan(repo, "app")
    assert code == 2
    msgs = {(e["line"], e["message"].split(":")[0]) for e in report["errors"]}
    assert {line for line, _ in msgs} == {2, 4}
    assert any("outside the repository" in e["message"] for e in report["errors"])
    # a chart that is not on disk would be pulled: refused (tests/test_helm.py renders one that is)
    assert any("'redis'" in e["message"] and "never downloads" in e["message"] for e in report["errors"])


def test_without_kustomize_or_kubectl_the_unit_is_an_error_naming_what_to_install(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path, "false", PRIV_PATCH)
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    code, report = scan(root, ".", env=env)
    assert code == 2
    [err] = report["errors"]
    assert err["file"] == "overlay/kustomization.yaml"
    assert "install kubectl" in err["message"] and "--kustomize-binary" in err["message"]
    # never a raw scan of the base that looks like success
    assert not [f for f in report["findings"] if "Deployment" in f["resource_id"]]
    code, report = scan(root, ".", "--kustomize-binary", str(tmp_path / "nope"), env=env)
    assert code == 2 and "not found" in report["errors"][0]["message"]


@pytest.mark.parametrize("user_asked", [False, True])
def test_origin_annotations_are_the_users_only_when_they_asked(tmp_path: Path, user_asked: bool) -> None:
    meta = "buildMetadata: [originAnnotations]\n" if user_asked else ""
    root = write(tmp_path, {"app/kustomization.yaml": "resources:\n  - deploy.yaml\n" + meta,
                            "app/deploy.yaml": deploy("true")})
    code, report = scan(root, "app")
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("app/deploy.yaml", 18)
    from policyguard.discover import discover
    from policyguard.parsers import parse_unit

    cwd = os.getcwd()
    os.chdir(root)
    try:
        [unit] = discover([Path("app")], excludes=[]).units
        [res] = parse_unit(unit, kustomize_binary=TOOL or "").resources
    finally:
        os.chdir(cwd)
    assert unit.format == res.source_format == "kustomize" and res.platform == "kubernetes"
    annotations = res.attributes["metadata"].get("annotations", {})
    assert ("config.kubernetes.io/origin" in annotations) is user_asked
    assert res.meta["kustomize"] == {"kustomization": "app/kustomization.yaml", "located": "document"}


def test_components_are_not_units_and_fixes_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\ncomponents:\n  - ../priv\n",
        "base/deploy.yaml": deploy("false"),
        "priv/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                    "patches:\n  - path: patch.yaml\n"),
        "priv/patch.yaml": PRIV_PATCH,
    })
    code, report = scan(root, ".")
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("priv/patch.yaml", 11)
    done = subprocess.run([sys.executable, "-m", "policyguard", "fix", ".", "--rule", PRIVILEGED, "--unsafe", "-j", "1"],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 1
    assert "rendered by kustomize" in done.stdout + done.stderr
    assert "privileged: true" in (root / "priv" / "patch.yaml").read_text()


def _recorder(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """A stand-in ``kustomize`` that records its arguments and environment, then runs ``body``."""
    record = tmp_path / "record"
    fake = tmp_path / "bin" / "kustomize"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}.args\nenv > {record}.env\necho "pid=$$" >> {record}.env\n{body}\n')
    fake.chmod(0o755)
    return fake, record


def test_the_build_runs_without_network_plugins_or_reads_outside_the_root(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path / "repo", "false", PRIV_PATCH)
    fake, record = _recorder(tmp_path, "echo 'Error: boom' >&2\nexit 1")
    code, report = scan(root, "overlay", "--kustomize-binary", str(fake))
    assert code == 2 and "boom" in report["errors"][0]["message"]
    args = Path(f"{record}.args").read_text().split()
    assert args[:3] == ["build", "--load-restrictor", "LoadRestrictionsRootOnly"]
    assert not [a for a in args if a.startswith("--enable")]
    env = dict(line.split("=", 1) for line in Path(f"{record}.env").read_text().splitlines() if "=" in line)
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "ALL_PROXY"):
        assert env[var] == "http://127.0.0.1:9"
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_ALLOW_PROTOCOL"] == "none"
    assert env["HOME"].startswith(tempfile_root()) and not os.path.exists(env["HOME"])  # a temporary HOME, removed


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_a_hanging_build_is_killed_at_the_unit_deadline(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path / "repo", "false", PRIV_PATCH)
    fake, record = _recorder(tmp_path, "exec sleep 300")
    start = time.monotonic()
    code, report = scan(root, "overlay", "--kustomize-binary", str(fake), "--unit-timeout", "2")
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert err["kind"] == "limit-exceeded" and err["file"] == "overlay/kustomization.yaml"
    pid = int(Path(f"{record}.env").read_text().rsplit("pid=", 1)[1])
    assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_kubectl_named_explicitly_and_an_inline_patch_located_at_its_entry(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (the default tool is tested above)")
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "base/deploy.yaml": deploy("false"),
        "overlay/kustomization.yaml": ("resources:\n  - ../base\npatches:\n  - target: {kind: Deployment}\n"
                                       "    patch: |-\n      - op: add\n"
                                       "        path: /spec/template/spec/hostNetwork\n        value: true\n"),
    })
    code, report = scan(root, "overlay", "--kustomize-binary", kubectl)
    hits = [f for f in report["findings"] if f["status"] == "fail" and f["location"]["file"] == "overlay/kustomization.yaml"]
    assert hits and {f["location"]["start_line"] for f in hits} == {4}, report["findings"]
    assert code == 1


def test_a_changed_file_is_judged_through_its_kustomization(tmp_path: Path) -> None:
    """pre-commit passes changed files: a changed patch renders its kustomization, not the raw patch."""
    root = base_and_overlay(tmp_path, "false", PRIV_PATCH)
    write(root, {"overlay/extra/notes.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata: {a: b}\n"})
    code, report = scan(root, "overlay/patch.yaml", "overlay/extra/notes.yaml")
    assert code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["resource_id"] == "apps/v1/Deployment/prod/web" and fail["location"]["file"] == "overlay/patch.yaml"
    ids = {f["resource_id"] for f in report["findings"]}
    assert "v1/ConfigMap/default/notes" in ids  # not rendered by the kustomization: a manifest
    assert not [i for i in ids if i.endswith("/default/web")]  # the patch is never judged raw


@pytest.mark.parametrize("where", ["comment", "annotation"])
def test_a_suppression_at_the_base_document_covers_a_finding_located_in_a_patch(tmp_path: Path, where: str) -> None:
    directive = "PG-K8S-POD-004 reason='lab cluster' expires=2027-03-01"
    base = deploy("false")
    if where == "comment":
        base = f"# policyguard:ignore {directive}\n" + base
    else:
        base = base.replace("  name: web\n", f'  name: web\n  annotations:\n    policyguard.dev/ignore: "{directive}"\n', 1)
    root = base_and_overlay(tmp_path, "false", PRIV_PATCH)
    (root / "base" / "deploy.yaml").write_text(base)
    code, report = scan(root, "overlay")
    [hit] = of_rule(report, PRIVILEGED)
    assert hit["status"] == "suppressed" and hit["location"]["file"] == "overlay/patch.yaml"
    assert hit["suppression"]["location"].startswith("base/deploy.yaml:")
    assert code == 0


def test_a_local_directory_named_like_a_host_is_local(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "resources:\n  - charts.example/base\n",
        "charts.example/base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "charts.example/base/deploy.yaml": deploy("true"),
    })
    code, report = scan(root, ".")
    assert not report["errors"] and code == 1
    [fail] = of_rule(report, PRIVILEGED, "fail")
    assert fail["location"]["file"] == "charts.example/base/deploy.yaml"


@pytest.mark.parametrize("text", [
    "- resources\n",  # a list, not a mapping
    "resources: deploy.yaml\n",  # a string where a list belongs
    "resources: [1, {a: b}, deploy.yaml]\npatches: [3, {path: 4}, {patch: 5}]\n",
    "patchesStrategicMerge: [missing.yaml]\nresources: [deploy.yaml]\n",
    "resources: [deploy.yaml]\nconfigMapGenerator: [{name: x, files: [/etc/passwd]}]\n",
    "resources: [deploy.yaml, ../../../../../../etc]\n",
    "resources: [deploy.yaml]\n---\nresources: [deploy.yaml]\n",  # two documents
    "",  # empty
])
def test_odd_kustomizations_are_located_errors_never_a_crash(tmp_path: Path, text: str) -> None:
    root = write(tmp_path, {"app/kustomization.yaml": text, "app/deploy.yaml": deploy("false")})
    code, report = scan(root, "app")
    assert code in (0, 1, 2, 3)
    for err in report["errors"]:
        assert err["file"].startswith("app/") and "internal parser error" not in err["message"]
        assert "Traceback" not in err["message"] and "root:x:" not in err["message"]
    if code == 2:
        assert report["errors"]


def test_endless_build_output_is_cut_at_the_file_size_limit(tmp_path: Path) -> None:
    root = base_and_overlay(tmp_path / "repo", "false", PRIV_PATCH)
    fake, _ = _recorder(tmp_path, "exec yes '# padding'")
    start = time.monotonic()
    code, report = scan(root, "overlay", "--kustomize-binary", str(fake))
    assert code == 2 and time.monotonic() - start < 60
    [err] = report["errors"]
    assert err["kind"] == "limit-exceeded" and "file size limit" in err["message"]
    assert err["file"] == "overlay/kustomization.yaml"


SOCKET = "PG-K8S-POD-043"
SYS_ADMIN = "PG-K8S-POD-023"



@pytest.mark.parametrize("inline", [False, True])
def test_a_json6902_append_is_located_at_its_operation(tmp_path: Path, inline: bool) -> None:
    """``add`` at ``.../-`` (append to a list) is the usual way to add a volume or a container:
    the finding on what it appended points at the operation, not at the base's list."""
    ops = ("- op: add\n"
           "  path: /spec/template/spec/volumes\n"
           "  value: []\n"
           "- op: add\n"
           "  path: /spec/template/spec/volumes/-\n"
           "  value:\n"
           "    name: sock\n"
           "    hostPath: {path: /var/run/docker.sock}\n")
    if inline:
        entry = "  - target: {kind: Deployment, name: web}\n    patch: |-\n" + "".join(f"      {line}\n" for line in ops.splitlines())
        files = {"overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n" + entry}
        where = ("overlay/kustomization.yaml", 4)
    else:
        files = {"overlay/kustomization.yaml": ("resources:\n  - ../base\npatches:\n  - path: sock.yaml\n"
                                                "    target: {kind: Deployment, name: web}\n"),
                 "overlay/sock.yaml": ops}
        where = ("overlay/sock.yaml", 8)  # the hostPath line of the appended volume
    root = write(tmp_path, {"base/kustomization.yaml": "resources:\n  - deploy.yaml\n", "base/deploy.yaml": deploy("false"),
                            **files})
    code, report = scan(root, "overlay")
    [fail] = of_rule(report, SOCKET, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == where, fail


def test_a_list_a_strategic_merge_patch_sets_is_located_in_the_patch(tmp_path: Path) -> None:
    patch = PRIV_PATCH.replace("privileged: true", "capabilities:\n              add: [SYS_ADMIN]")
    root = base_and_overlay(tmp_path, "false", patch)
    code, report = scan(root, "overlay", "--rule", SYS_ADMIN)
    [fail] = of_rule(report, SYS_ADMIN, "fail")
    assert (fail["location"]["file"], fail["location"]["start_line"]) == ("overlay/patch.yaml", 12), fail
