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
            "chart/values.yaml": "replicas: 2\nimage: nginx\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
            "package.json": '{"name": "x", "version": "1.0.0"}',
            "README.md": "# hi\n",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "vars/prod.tfvars": 'region = "eu-west-1"\n',
            "overlays/prod/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\n",
            "kubeconfig.yaml": "apiVersion: v1\nkind: Config\nclusters: []\n",
        },
    )
    found = discover([tmp_path], excludes=[])
    formats, _, errors = _outcome(found)
    assert formats == {} and errors == []
    assert _skipped(found, tmp_path) == {
        ".github/workflows/ci.yml": "not IaC: CI workflow (GitHub Actions style)",
        "README.md": "not IaC: file type .md is not scanned",
        "chart/Chart.yaml": "not IaC: Helm chart metadata",
        "chart/values.yaml": "not IaC: Helm values file",
        "docker-compose.yaml": "not IaC: docker-compose file",
        "logo.png": "not IaC: file type .png is not scanned",
        "package.json": "not IaC: JSON that is neither a CloudFormation template, a Terraform plan nor Kubernetes objects",
        "vars/prod.tfvars": "Terraform variables: read with the configuration directory",
        "overlays/prod/kustomization.yaml": "not IaC: Kustomize/kubeconfig configuration, not cluster objects (scan `kustomize build` output)",
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
