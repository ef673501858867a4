"""Discovery (units by name, Terraform directories, excludes, pruning, symlinks, file types) and
the parse that decides a candidate document's format."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from policyguard.discover import Discovery, Unit, discover
from policyguard.limits import Limits
from policyguard.model import ErrorKind, ParseError
from policyguard.parsers import parse_unit

CFN_YAML = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
K8S_YAML = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"


def _tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def _outcome(found: Discovery, limits: Limits | None = None) -> tuple[dict[Path, str], dict[Path, str], list[ParseError]]:
    """What a scan makes of the discovered units: (format by unit path, skipped, errors)."""
    formats: dict[Path, str] = {}
    skipped = {Path(f): why for f, why in found.skipped}
    errors = list(found.errors)
    for u in found.units:
        if u.format != "document":
            formats[u.path] = u.format
            continue
        if limits is not None:
            from policyguard.parsers.documents import parse_document_file

            r = parse_document_file(u.path, limits=limits)
        else:
            r = parse_unit(u)
        errors.extend(r.errors)
        if r.skipped:
            skipped[u.path] = r.skipped
        elif r.format:
            formats[u.path] = r.format
    return formats, skipped, errors


def _formats(found: Discovery, root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix() or ".": f for p, f in _outcome(found)[0].items()}


def _skipped(found: Discovery, root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): why for p, why in _outcome(found)[1].items()}


def test_formats_by_content(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "cfn/template.yaml": CFN_YAML,
            "cfn/resources-only.yml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
            "cfn/sam.yaml": "Transform: AWS::Serverless-2016-10-31\nResources: {}\n",
            "cfn/template.json": '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
            "cfn/alexa.json": '{"Resources": {"S": {"Type": "Alexa::ASK::Skill"}}}',
            "cfn/legacy.template": '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
            "cfn/long-header.yaml": "Parameters:\n" + "".join(f"  P{i}:\n    Type: String\n" for i in range(800)) + "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
            "k8s/app.yaml": "# comment\n---\n" + K8S_YAML + "---\n" + K8S_YAML,
            "k8s/configmap-named-config.yaml": K8S_YAML + "---\napiVersion: v1\nkind: Config\n",
            "k8s/list.json": '{"apiVersion": "v1", "kind": "List", "items": []}',
            "plan/plan.json": '{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}',
            "plan/sorted-keys.json": '{"configuration": {' + ' "x": 1,' * 3000 + ' "y": 2}, "format_version": "0.1", "resource_changes": []}',
            "helm/templates/deploy.yaml": "{{- if .Values.on }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n",
        },
    )
    found = discover([tmp_path], excludes=[])
    assert found.errors == []
    assert [e.kind for e in _outcome(found)[2]] == [ErrorKind.TEMPLATE]  # the Helm template
    assert _formats(found, tmp_path) == {
        "cfn/alexa.json": "cloudformation",
        "cfn/legacy.template": "cloudformation",
        "cfn/long-header.yaml": "cloudformation",  # Resources past the sniffed head
        "cfn/resources-only.yml": "cloudformation",
        "cfn/sam.yaml": "cloudformation",
        "cfn/template.json": "cloudformation",
        "cfn/template.yaml": "cloudformation",
        "helm/templates/deploy.yaml": "kubernetes",  # the parser reports "template, not rendered"
        "k8s/app.yaml": "kubernetes",
        "k8s/configmap-named-config.yaml": "kubernetes",  # another kind in the file: objects
        "k8s/list.json": "kubernetes",
        "plan/plan.json": "terraform_plan",
        "plan/sorted-keys.json": "terraform_plan",  # format_version past the sniffed head
    }
    for u in found.units:
        assert u.files == [u.path]


def test_not_iac_is_skipped_with_a_reason(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "docker-compose.yaml": "services:\n  web:\n    image: nginx\n",
            ".github/workflows/ci.yml": "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n",
            # a values file outside any chart (a directory with Chart.yaml is a Helm unit: tests/test_helm.py)
            "chart/values.yaml": "replicas: 2\nimage: nginx\n",
            "package.json": '{"name": "x", "version": "1.0.0"}',
            "README.md": "# hi\n",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "vars/prod.tfvars": 'region = "eu-west-1"\n',
            # a Kustomization under another name is not built by kustomize (a kustomization.yaml
            # makes its directory a kustomize unit: tests/test_kustomize.py)
            "overlays/prod/kustomize-notes.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\n",
            "kubeconfig.yaml": "apiVersion: v1\nkind: Config\nclusters: []\n",
        },
    )
    found = discover([tmp_path], excludes=[])
    formats, _, errors = _outcome(found)
    assert formats == {} and errors == []
    assert _skipped(found, tmp_path) == {
        ".github/workflows/ci.yml": "not IaC: CI workflow (GitHub Actions style)",
        "README.md": "not IaC: file type .md is not scanned",
        "chart/values.yaml": "not IaC: Helm values file",
        "docker-compose.yaml": "not IaC: docker-compose file",
        "logo.png": "not IaC: file type .png is not scanned",
        "package.json": "not IaC: JSON that is neither a CloudFormation template, a Terraform plan nor Kubernetes objects",
        "vars/prod.tfvars": "Terraform variables: read with the configuration directory",
        "overlays/prod/kustomize-notes.yaml": "not IaC: Kustomize/kubeconfig configuration, not cluster objects (scan `kustomize build` output)",
        "kubeconfig.yaml": "not IaC: Kustomize/kubeconfig configuration, not cluster objects (scan `kustomize build` output)",
    }


def test_terraform_units_are_directories(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "main.tf": "",
            "vars.tf": "",
            "extra.tf.json": "{}",
            "modules/net/main.tf": "",
            "docs/readme.md": "",
        },
    )
    found = discover([tmp_path], excludes=[])
    assert [(u.format, u.path, [f.name for f in u.files]) for u in found.units] == [
        ("terraform", tmp_path, ["extra.tf.json", "main.tf", "vars.tf"]),
        ("terraform", tmp_path / "modules" / "net", ["main.tf"]),
    ]


def test_single_tf_file_means_its_directory(tmp_path: Path) -> None:
    _tree(tmp_path, {"stack/main.tf": "", "stack/outputs.tf": "", "stack/sub/x.tf": ""})
    found = discover([tmp_path / "stack" / "main.tf"], excludes=[])
    (unit,) = found.units
    assert unit.format == "terraform"
    assert unit.path == tmp_path / "stack"
    assert [f.name for f in unit.files] == ["main.tf", "outputs.tf"]


def test_pruned_directories(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".git/config.yaml": K8S_YAML,
            ".terraform/modules/m/main.tf": "",
            "node_modules/pkg/template.yaml": CFN_YAML,
            "real/app.yaml": K8S_YAML,
        },
    )
    found = discover([tmp_path], excludes=[])
    assert _formats(found, tmp_path) == {"real/app.yaml": "kubernetes"}


@pytest.mark.parametrize(
    ("globs", "kept"),
    [
        ([], {"a/app.yaml", "a/b/deep.yaml", "tf", "top.yaml"}),
        (["a/**"], {"tf", "top.yaml"}),
        (["a/b/*"], {"a/app.yaml", "tf", "top.yaml"}),
        (["*.yaml"], {"tf"}),
        (["deep.yaml"], {"a/app.yaml", "tf", "top.yaml"}),  # basename
        (["tf"], {"a/app.yaml", "a/b/deep.yaml", "top.yaml"}),  # a directory name
        (["tf/*.tf"], {"a/app.yaml", "a/b/deep.yaml", "top.yaml"}),
    ],
)
def test_excludes(tmp_path: Path, globs: list[str], kept: set[str]) -> None:
    _tree(tmp_path, {"a/app.yaml": K8S_YAML, "a/b/deep.yaml": K8S_YAML, "top.yaml": K8S_YAML, "tf/main.tf": ""})
    found = discover([tmp_path], excludes=globs)
    assert set(_formats(found, tmp_path)) == kept


def test_excludes_match_the_path_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, {"fixtures/k8s/app.yaml": K8S_YAML, "fixtures/cfn/t.yaml": CFN_YAML})
    monkeypatch.chdir(tmp_path)
    found = discover([Path("fixtures")], excludes=["fixtures/k8s/**"])
    assert [u.path.as_posix() for u in found.units] == ["fixtures/cfn/t.yaml"]


def test_unreadable_and_oversized_files_are_errors(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "latin1.yaml": b"apiVersion: v1\nkind: ConfigMap\ndata: {k: caf\xe9}\n",
            "big.yaml": K8S_YAML + "#" * 4000,
            "big.tf": "#" * 4000,
        },
    )
    limits = Limits(max_file_bytes=2000)
    found = discover([tmp_path], excludes=[], limits=limits)
    formats, _, errs = _outcome(found, limits)
    errors = {Path(e.file).name: e.kind for e in errs}
    assert errors == {"latin1.yaml": ErrorKind.UNREADABLE, "big.yaml": ErrorKind.LIMIT, "big.tf": ErrorKind.LIMIT}
    assert formats == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "secret.yaml"
    f.write_text(K8S_YAML)
    f.chmod(0)
    found = discover([tmp_path], excludes=[])
    assert [e.kind for e in _outcome(found)[2]] == [ErrorKind.UNREADABLE]


def test_fifo_and_dangling_symlink_do_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    found = discover([tmp_path], excludes=[])
    _, skipped, errors = _outcome(found)
    assert skipped == {}
    assert sorted((Path(e.file).name, e.kind, e.message) for e in errors) == [
        ("dangling.yaml", ErrorKind.UNREADABLE, f"broken symlink: {tmp_path / 'dangling.yaml'} -> {tmp_path / 'gone.yaml'} does not exist"),
        ("pipe.yaml", ErrorKind.UNREADABLE, "not a regular file (a FIFO): not read"),
    ]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    found = discover([tmp_path / "nope"], excludes=[])
    assert [(e.kind, e.message) for e in found.errors] == [(ErrorKind.UNREADABLE, "no such file or directory")]


def test_same_file_twice_is_one_unit(tmp_path: Path) -> None:
    _tree(tmp_path, {"k/app.yaml": K8S_YAML})
    found = discover([tmp_path, tmp_path / "k" / "app.yaml"], excludes=[])
    assert len(found.units) == 1


def test_units_are_frozen_and_picklable() -> None:
    unit = Unit("kubernetes", Path("a.yaml"), [Path("a.yaml")])
    assert pickle.loads(pickle.dumps(unit)) == unit
    with pytest.raises(AttributeError):
        unit.format = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- symlinks
def _messages(found: Discovery, root: Path) -> dict[str, str]:
    return {Path(e.file).relative_to(root).as_posix(): e.message for e in found.errors}


def test_a_symlinked_tf_file_belongs_to_every_directory_it_is_in(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/main.tf": "", "a/variables.tf": 'variable "x" {}\n', "b/main.tf": ""})
    (tmp_path / "b" / "variables.tf").symlink_to("../a/variables.tf")
    found = discover([tmp_path], excludes=[])
    assert [(u.path.name, [f.name for f in u.files]) for u in found.units] == [
        ("a", ["main.tf", "variables.tf"]),
        ("b", ["main.tf", "variables.tf"]),
    ]
    assert found.errors == []


def test_a_document_reached_twice_is_judged_once_under_its_plain_path(tmp_path: Path) -> None:
    _tree(tmp_path, {"k8s/app.yaml": K8S_YAML})
    (tmp_path / "alias").symlink_to("k8s")  # a symlinked directory, walked before k8s by name
    (tmp_path / "again.yaml").symlink_to("k8s/app.yaml")
    found = discover([tmp_path], excludes=[])
    assert [u.path for u in found.units] == [tmp_path / "k8s" / "app.yaml"]
    assert _skipped(found, tmp_path) == {
        "alias": "symlink to a directory already scanned under another path",
        "again.yaml": f"same file as {tmp_path / 'k8s' / 'app.yaml'} (judged once, there)",
    }


def test_a_symlinked_directory_whose_target_is_not_walked_is_walked(tmp_path: Path) -> None:
    _tree(tmp_path, {"node_modules/pkg/app.yaml": K8S_YAML})
    (tmp_path / "vendored").symlink_to("node_modules/pkg")
    found = discover([tmp_path], excludes=[])
    assert [u.path for u in found.units] == [tmp_path / "vendored" / "app.yaml"]


def test_symlinks_leaving_the_root_are_errors_unless_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _tree(outside, {"app.yaml": K8S_YAML, "mod/main.tf": ""})
    repo = tmp_path / "repo"
    _tree(repo, {"ok.yaml": K8S_YAML})
    (repo / "stolen.yaml").symlink_to(outside / "app.yaml")
    (repo / "mod").symlink_to(outside / "mod")
    (repo / "notes.txt").symlink_to("/etc/hostname")  # not a candidate name: never read either way
    found = discover([repo], excludes=[])
    assert _messages(found, repo) == {
        "stolen.yaml": f"symlink {repo / 'stolen.yaml'} -> {outside / 'app.yaml'} leaves the scan root {repo}: not read "
        "(--follow-external-symlinks reads it)",
        "mod": f"symlink {repo / 'mod'} -> {outside / 'mod'} leaves the scan root {repo}: not read "
        "(--follow-external-symlinks reads it)",
    }
    assert {e.kind for e in found.errors} == {ErrorKind.UNREADABLE}
    assert [u.path for u in found.units] == [repo / "ok.yaml"]
    followed = discover([repo], excludes=[], follow_external_symlinks=True)
    assert followed.errors == []
    assert [(u.format, u.path) for u in followed.units] == [
        ("terraform", repo / "mod"), ("document", repo / "ok.yaml"), ("document", repo / "stolen.yaml"),
    ]


def test_a_file_argument_through_an_external_symlink_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, {"outside/app.yaml": K8S_YAML, "repo/x": ""})
    (tmp_path / "repo" / "app.yaml").symlink_to(tmp_path / "outside" / "app.yaml")
    monkeypatch.chdir(tmp_path / "repo")  # pre-commit runs from the repository root with file names
    found = discover([Path("app.yaml")], excludes=[])
    assert found.units == [] and len(found.errors) == 1
    assert "leaves the scan root" in found.errors[0].message


def test_symlink_loops_are_errors_and_never_hang(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/main.tf": "", "a/b/app.yaml": K8S_YAML})
    (tmp_path / "a" / "b" / "up").symlink_to("..")  # a directory containing the link
    (tmp_path / "self.yaml").symlink_to("self.yaml")
    (tmp_path / "p.tf").symlink_to("q.tf")
    (tmp_path / "q.tf").symlink_to("p.tf")
    found = discover([tmp_path], excludes=[])
    msgs = _messages(found, tmp_path)
    assert msgs["a/b/up"] == f"symlink loop: {tmp_path / 'a/b/up'} -> {tmp_path / 'a'} is a directory that contains the link: not followed"
    assert msgs["self.yaml"].startswith("symlink loop:") and msgs["p.tf"].startswith("symlink loop:")
    assert msgs["q.tf"].startswith("symlink loop:")
    assert {u.path for u in found.units} == {tmp_path / "a", tmp_path / "a" / "b" / "app.yaml"}


@pytest.mark.parametrize("name", ["main.tf", "x.yaml"])
def test_device_symlink_is_never_read(tmp_path: Path, name: str) -> None:
    """``main.tf -> /dev/zero`` leaves the root; followed, it is still not a regular file."""
    (tmp_path / name).symlink_to("/dev/zero")
    found = discover([tmp_path], excludes=[])
    assert "leaves the scan root" in found.errors[0].message
    followed = discover([tmp_path], excludes=[], follow_external_symlinks=True)
    _, _, errors = _outcome(followed)
    assert [(Path(e.file).name, e.message) for e in errors] == [(name, "not a regular file (a character device): not read")]


def test_fifo_named_like_terraform_is_an_error(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    os.mkfifo(tmp_path / "pipe.tf")
    found = discover([tmp_path], excludes=[])
    assert _messages(found, tmp_path) == {"pipe.tf": "not a regular file (a FIFO): not read"}
    assert [f.name for f in found.units[0].files] == ["main.tf"]


def test_fifos_read_by_terraform_never_block(tmp_path: Path) -> None:
    """Every place Terraform reads a file (a .tf of a called module, terraform.tfvars, a var
    file, file()) refuses a FIFO with a located error instead of blocking the scan."""
    import json
    import subprocess
    import sys

    repo = tmp_path / "repo"
    _tree(repo, {
        "main.tf": 'module "m" {\n  source = "./mod"\n}\nlocals {\n  t = file("${path.module}/pipe.txt")\n}\n'
                   'resource "aws_s3_bucket" "b" {\n  bucket = local.t\n}\n',
        "mod/main.tf": 'resource "aws_s3_bucket" "m" {}\n',
    })  # fmt: skip
    for fifo in ("mod/extra.tf", "terraform.tfvars", "prod.auto.tfvars.json", "pipe.txt"):
        os.mkfifo(repo / fifo)
    os.mkfifo(tmp_path / "given.tfvars")
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "policyguard", "scan", str(repo), "-j", "1", "--var-file", str(tmp_path / "given.tfvars"),
         "-f", "json", "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    errors = {Path(e["file"]).name: e["message"] for e in json.loads(out.read_text())["errors"]}
    for name in ("extra.tf", "terraform.tfvars", "given.tfvars"):
        assert errors[name] == "not a regular file (a FIFO): not read", errors
    assert errors["prod.auto.tfvars.json"] == "variables file: not a regular file (a FIFO): not read"


def test_follow_external_symlinks_option_reaches_scan_fix_and_baseline(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    outside = tmp_path / "shared"
    _tree(outside, {"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n"
                                "  containers: [{name: c, image: nginx:1.27, securityContext: {privileged: true}}]\n"})  # fmt: skip
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pod.yaml").symlink_to(outside / "pod.yaml")
    base = [sys.executable, "-m", "policyguard"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=300, check=False)

    out = tmp_path / "r.json"
    refused = run("scan", str(repo), "-j", "1", "-f", "json", "-o", str(out))
    assert refused.returncode == 2
    (err,) = json.loads(out.read_text())["errors"]
    assert "leaves the scan root" in err["message"] and str(outside / "pod.yaml") in err["message"]
    followed = run("scan", str(repo), "-j", "1", "-f", "json", "-o", str(out), "--follow-external-symlinks")
    assert followed.returncode == 1  # the privileged Pod fails the gate
    assert json.loads(out.read_text())["errors"] == []
    bl = run("baseline", "create", str(repo), "-j", "1", "-o", str(tmp_path / "b.json"), "--follow-external-symlinks")
    assert bl.returncode == 0, bl.stderr
    assert json.loads((tmp_path / "b.json").read_text())["findings"]
    assert "--follow-external-symlinks" in run("fix", "--help").stdout
