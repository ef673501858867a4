"""The parse decides a candidate file's format: YAML/JSON styles a text sniff misses, encodings,
nested Lists, and a property test that varied renderings of one document judge the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyguard.options import EvalOptions, ReadOptions, ScanOptions
from policyguard.parsers.documents import parse_document_file
from policyguard.scan import scan

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod"},
    "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "securityContext": {"privileged": True}}]},
}
BUCKET = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs", "AccessControl": "PublicRead"}}},
}


def _ids(path: Path) -> tuple[str, list[str]]:
    r = parse_document_file(path)
    if path.name == "second-doc.yaml":  # kubectl refuses a document that is not an object: so do we, located
        assert [(e.line, e.message) for e in r.errors] == [(1, "Kubernetes object has no apiVersion and no kind")]
    else:
        assert not r.errors, r.errors
    return r.format, sorted(res.id for res in r.resources)


POD_ID = ("kubernetes", ["v1/Pod/prod/web"])
STYLES: dict[str, tuple[str | bytes, tuple[str, list[str]]]] = {
    "flow.yaml": ("{apiVersion: v1, kind: Pod, metadata: {name: web, namespace: prod}}\n", POD_ID),
    "json-in.yaml": (json.dumps(POD), POD_ID),
    "yaml-in.json": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\n", POD_ID),
    "flow-in.json": ("{apiVersion: v1, kind: Pod, metadata: {name: web, namespace: prod}}", POD_ID),
    "indented.yaml": ("    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: web\n      namespace: prod\n", POD_ID),
    "explicit.yaml": ("? apiVersion\n: v1\n? kind\n: Pod\nmetadata: {name: web, namespace: prod}\n", POD_ID),
    "tagged.yaml": ("!!str apiVersion: v1\n!!str kind: !!str Pod\nmetadata: {name: web, namespace: prod}\n", POD_ID),
    "escaped.yaml": ('"apiVers\\x69on": v1\n"k\\x69nd": Pod\nmetadata: {name: web, namespace: prod}\n', POD_ID),
    "escaped.json": ('{"apiVersion": "v1", "k\\u0069nd": "Pod", "metadata": {"name": "web", "namespace": "prod"}}', POD_ID),
    "cr-only.yaml": ("apiVersion: v1\rkind: Pod\rmetadata:\r  name: web\r  namespace: prod\r", POD_ID),
    "utf16.yaml": ("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\n".encode("utf-16"), POD_ID),
    "utf32.json": (json.dumps(POD).encode("utf-32"), POD_ID),
    "utf16be.yml": (b"\xfe\xff" + "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\n".encode("utf-16-be"), POD_ID),
    "second-doc.yaml": ("replicas: 2\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\n", POD_ID),
    "quoted-type.yaml": ("Resources:\n  Logs:\n    'Type': 'AWS::S3::Bucket'\n", ("cloudformation", ["Logs"])),
    "cfn-flow.template": ("{Resources: {Logs: {Type: AWS::S3::Bucket}}}", ("cloudformation", ["Logs"])),
    "cfn-escaped.json": ('{"Res\\u006furces": {"Logs": {"Type": "AWS::S3::Bucket"}}}', ("cloudformation", ["Logs"])),
    "plan.yaml": (json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}}), ("terraform_plan", [])),
}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_styles_a_text_sniff_missed_are_found(tmp_path: Path, name: str) -> None:
    content, expected = STYLES[name]
    f = tmp_path / name
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_bytes(content.encode())
    assert _ids(f) == expected


def test_nested_lists_are_flattened_at_any_depth(tmp_path: Path) -> None:
    inner = {"apiVersion": "v1", "kind": "PodList", "items": [POD]}
    doc = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "List", "items": [inner]}, POD]}
    f = tmp_path / "lists.yaml"
    f.write_text(json.dumps(doc, indent=1))
    r = parse_document_file(f)
    assert r.errors == []
    assert [(res.id, res.meta.get("list_path")) for res in r.resources] == [
        ("v1/Pod/prod/web", "items[0].items[0].items[0]"),
        ("v1/Pod/prod/web#2", None),
    ]
    # the span of the inner Pod's attribute is where it is written
    privileged = r.resources[0].attribute_spans["spec.containers[0].securityContext.privileged"]
    assert f.read_text().splitlines()[privileged.start_line - 1].strip() == '"privileged": true'


def test_yn_booleans_follow_the_format(tmp_path: Path) -> None:
    """Loaded before the format is known, a plain y is a boolean for kubectl and a string for CloudFormation."""
    k = tmp_path / "pod.yaml"
    k.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: y\n  containers: []\n")
    (res,) = parse_document_file(k).resources
    assert res.attributes["spec"]["hostNetwork"] is True
    c = tmp_path / "t.yaml"
    c.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: y}\n")
    (res,) = parse_document_file(c).resources
    assert res.attributes["TopicName"] == "y" and type(res.attributes["TopicName"]) is str


def test_only_a_file_that_cannot_spell_a_key_is_skipped_unparsed(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("replicas: 2\nimage: nginx\n")
    assert parse_document_file(f).skipped.startswith("not IaC")
    g = tmp_path / "b.yaml"
    g.write_text('"\\x6bind": Pod\n"apiVersion": v1\n')  # no "kind" in the bytes, but an escape
    assert parse_document_file(g).format == "kubernetes"


def test_broken_iac_is_an_error_and_broken_other_yaml_is_skipped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    r = parse_document_file(bad)
    assert r.format == "kubernetes" and len(r.errors) == 1 and r.errors[0].line == 4
    other = tmp_path / "other.yaml"
    other.write_text("title: [unclosed\n")
    assert parse_document_file(other).skipped


# --------------------------------------------------------------------------- property test
KEY_STYLES = ("plain", "single", "double", "hex", "unicode", "tag")


def _yaml_key(k: str, style: str) -> str:
    if style == "single":
        return f"'{k}'"
    if style == "double":
        return f'"{k}"'
    if style == "hex":
        return '"' + "".join(f"\\x{ord(c):02x}" if c in "kieR" else c for c in k) + '"'
    if style == "unicode":
        return '"' + "".join(f"\\u{ord(c):04x}" if c in "kndTy" else c for c in k) + '"'
    if style == "tag":
        return f"!!str {k}"
    return k


def _yaml_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)


def _yaml_flow(v: Any, ks: str) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_yaml_key(k, ks)}: {_yaml_flow(x, ks)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_yaml_flow(x, ks) for x in v) + "]"
    return _yaml_scalar(v)


def _yaml_block(v: Any, ks: str, indent: int, explicit: bool) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(v, dict):
        for k, x in v.items():
            key = _yaml_key(k, ks)
            if isinstance(x, dict | list) and x:
                out.append(f"{pad}? {key}\n{pad}:" if explicit else f"{pad}{key}:")
                out.extend(_yaml_block(x, ks, indent + 2, explicit))
            else:
                val = _yaml_flow(x, ks) if isinstance(x, dict | list) else _yaml_scalar(x)
                out.append(f"{pad}? {key}\n{pad}: {val}" if explicit else f"{pad}{key}: {val}")
    else:
        for x in v:
            if isinstance(x, dict) and x:
                inner = _yaml_block(x, ks, indent + 2, explicit)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_yaml_flow(x, ks)}")
    return out


def _json_text(v: Any, escape: bool, indent: int | None) -> str:
    text = json.dumps(v, indent=indent)
    if escape:
        text = text.replace('"kind"', '"\\u006bind"').replace('"Resources"', '"Res\\u006furces"').replace('"Type"', '"\\u0054ype"')
    return text


@st.composite
def renderings(draw: st.DrawFn) -> tuple[str, dict[str, Any], bytes]:
    doc = draw(st.sampled_from([POD, BUCKET]))
    syntax = draw(st.sampled_from(["block", "flow", "json"]))
    if syntax == "json":
        text = _json_text(doc, draw(st.booleans()), draw(st.sampled_from([None, 1, 4])))
    elif syntax == "flow":
        text = _yaml_flow(doc, draw(st.sampled_from(KEY_STYLES)))
    else:
        lines = _yaml_block(doc, draw(st.sampled_from(KEY_STYLES)), draw(st.sampled_from([0, 2, 5])), draw(st.booleans()))
        text = "\n".join(lines)
    if doc is POD and syntax != "json" and draw(st.booleans()):
        text = "---\n# an empty first document\n---\n" + text  # a multi-document stream
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = text.replace("\n", newline) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-be-bom"]))
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    name = draw(st.sampled_from(["x.yaml", "x.yml", "x.json"] + (["x.template"] if doc is BUCKET else [])))
    return name, doc, data


def _findings(path: Path) -> list[tuple[str, str, str, str]]:
    result = scan(ScanOptions(read=ReadOptions(paths=[str(path)]), evaluation=EvalOptions(jobs=1)))
    assert result.errors == [], result.errors
    return sorted((f.rule_id, f.resource_id, str(f.status), f.path) for f in result.findings)


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str, str, str]]]:
    d = tmp_path_factory.mktemp("canonical")
    out = {}
    for kind, doc in (("pod", POD), ("bucket", BUCKET)):
        f = d / f"{kind}.json"
        f.write_text(json.dumps(doc))
        out[kind] = _findings(f)
        assert any(s == "fail" for _, _, s, _ in out[kind])
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(renderings())
def test_any_rendering_is_found_and_judged_like_the_canonical_form(
    tmp_path_factory: pytest.TempPathFactory, canonical: dict[str, list[tuple[str, str, str, str]]],
    rendering: tuple[str, dict[str, Any], bytes],
) -> None:
    name, doc, data = rendering
    d = tmp_path_factory.mktemp("r")
    f = d / name
    f.write_bytes(data)
    r = parse_document_file(f)
    expected_format = "kubernetes" if doc is POD else "cloudformation"
    assert r.format == expected_format, (r.skipped, r.errors, data[:200])
    assert [res.attributes for res in r.resources] == [doc if doc is POD else doc["Resources"]["Logs"]["Properties"]]
    assert _findings(f) == canonical["pod" if doc is POD else "bucket"]


def test_skipped_files_are_counted_and_listed_with_verbose(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pod.yaml").write_text(json.dumps(POD))
    (repo / "values.yaml").write_text("replicas: 2\n")
    (repo / "README.md").write_text("# hi\n")
    cmd = [sys.executable, "-m", "policyguard", "scan", str(repo), "-j", "1", "-f", "json", "-o", str(tmp_path / "r.json")]
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(cmd, env=env, capture_output=True, timeout=120, check=False)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["skipped_files"] == 2 and "skipped" not in report
    assert [Path(f).name for f in report["files"]] == ["pod.yaml"]
    out = subprocess.run([*cmd[:-4], "--verbose"], env=env, capture_output=True, text=True, timeout=120, check=False).stdout
    assert "Skipped (not scanned)" in out and "values.yaml: not IaC: Helm values file" in out
    assert "README.md: not IaC: file type .md is not scanned" in out
    assert "Files: 1 scanned, 2 skipped, none with errors" in out
    subprocess.run([*cmd, "--verbose"], env=env, capture_output=True, timeout=120, check=False)
    listed = json.loads((tmp_path / "r.json").read_text())["skipped"]
    assert {Path(s["file"]).name: s["reason"] for s in listed}["values.yaml"] == "not IaC: Helm values file"
