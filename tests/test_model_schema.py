"""resource.schema.json: the published contract of Resource.to_dict(), checked against real parser output."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyguard.model import Reference, Resource, Span, unknown
from policyguard.parsers.cloudformation import parse_file as parse_cfn
from policyguard.parsers.kubernetes import parse_file as parse_k8s

REPO = Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO / "policyguard" / "schemas" / "resource.schema.json"
DATA = Path(__file__).parent / "data"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(doc: dict[str, Any]) -> list[str]:
    return [e.message for e in _validator().iter_errors(doc)]


def _json(res: Resource) -> dict[str, Any]:
    return json.loads(json.dumps(res.to_dict()))


def _sample() -> Resource:
    span = Span("main.tf", 1, 1, 4, 2)
    return Resource(
        id="aws_s3_bucket.logs",
        platform="terraform",
        type="aws_s3_bucket",
        name="logs",
        attributes={"bucket": unknown("var.name", "no value"), "tags": {"a": "b"}, "versioning": [{"enabled": True}]},
        span=span,
        attribute_spans={"bucket": Span("main.tf", 2, 3, 2, 20), 'tags["a"]': Span("main.tf", 3, 3, 3, 10)},
        references=[Reference("bucket", "aws_s3_bucket.other", "aws_s3_bucket.other.id")],
    )


def test_schema_is_valid_and_packaged() -> None:
    _validator()
    from importlib.resources import files

    assert (files("policyguard") / "schemas" / "resource.schema.json").is_file()


def test_a_terraform_resource_validates() -> None:
    assert _errors(_json(_sample())) == []
    without_spans = _sample().to_dict(with_spans=False)
    assert _errors(json.loads(json.dumps(without_spans))) == []


@pytest.mark.parametrize(
    "file", sorted(p.name for p in (DATA / "cloudformation").iterdir() if p.suffix in (".yaml", ".json"))
)
def test_cloudformation_test_templates_validate(file: str) -> None:
    for res in parse_cfn(DATA / "cloudformation" / file).resources:
        assert _errors(_json(res)) == [], res.id


@pytest.mark.parametrize("file", sorted(p.name for p in (DATA / "kubernetes").iterdir() if p.suffix in (".yaml", ".json")))
def test_kubernetes_test_manifests_validate(file: str) -> None:
    for res in parse_k8s(DATA / "kubernetes" / file).resources:
        assert _errors(_json(res)) == [], res.id


def test_fixture_resources_validate() -> None:
    resources = [
        *parse_cfn(REPO / "fixtures" / "cloudformation" / "template.yaml").resources,
        *parse_k8s(REPO / "fixtures" / "kubernetes" / "deployment.yaml").resources,
        *parse_k8s(REPO / "fixtures" / "kubernetes" / "cronjob.yaml").resources,
    ]
    assert len(resources) == 9
    for res in resources:
        assert _errors(_json(res)) == [], res.id


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("id"), "'id' is a required property"),
        (lambda d: d.update(platform="ansible"), "is not one of"),
        (lambda d: d["source"].update(start_line=0), "less than the minimum"),
        (lambda d: d["attributes"].update(bad={"__unknown__": 3}), "is not valid"),
        (lambda d: d["attributes"].update(bad={"__unknown__": "x", "extra": 1}), "is not valid"),
        (lambda d: d["attribute_spans"].update({"a..b": d["source"]}), "does not match"),
        (lambda d: d["references"].append({"path": "x", "target": ""}), "'expression' is a required property"),
        (lambda d: d.update(unexpected=True), "Additional properties are not allowed"),
        (lambda d: d.update(source_format="terraform_plan", platform="kubernetes"), "should not be valid"),
    ],
)
def test_schema_rejects_malformed_resources(mutate: Any, fragment: str) -> None:
    doc = copy.deepcopy(_json(_sample()))
    mutate(doc)
    errors = _errors(doc)
    assert errors, "schema accepted a malformed resource"
    assert any(fragment in e for e in errors), errors


def test_kubernetes_ids_have_four_parts() -> None:
    (res,) = parse_k8s(DATA / "kubernetes" / "alerts-configmap.yaml").resources
    doc = _json(res)
    doc["id"] = "ConfigMap/alerts"
    assert _errors(doc)
