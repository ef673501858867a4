"""Terraform plan JSON parser: planned values, after_unknown markers, module addresses, HCL mapping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from policyguard.model import ErrorKind, Reference, unknown
from policyguard.parsers.terraform.plan import parse_plan, parse_plan_file

DATA = Path(__file__).parent / "data" / "terraform"


def _doc() -> dict:
    return json.loads((DATA / "planmap" / "plan.json").read_text())


def test_planned_values_and_after_unknown() -> None:
    r = parse_plan(_doc(), "plan.json")
    assert not r.errors
    res = {x.id: x for x in r.resources}
    b = res["aws_s3_bucket.logs"]
    assert (b.type, b.name, b.module, b.platform, b.source_format) == ("aws_s3_bucket", "logs", "", "terraform", "terraform_plan")
    assert b.attributes["bucket"] == "logs"
    assert b.attributes["arn"] == unknown("aws_s3_bucket.logs.arn", "known after apply")
    assert b.attributes["id"] == unknown("aws_s3_bucket.logs.id", "known after apply")
    assert b.attributes["versioning"] == [
        {"enabled": True, "mfa_delete": unknown("aws_s3_bucket.logs.versioning[0].mfa_delete", "known after apply")}
    ]
    assert b.attributes["tags"] is None
    assert b.meta["actions"] == ["create"]


def test_child_module_addresses() -> None:
    res = {x.id: x for x in parse_plan(_doc(), "plan.json").resources}
    q = res["module.child.aws_sqs_queue.q[1]"]
    assert (q.type, q.name, q.module, q.meta["index"]) == ("aws_sqs_queue", "q", "module.child", 1)
    assert q.attributes == {"name": "q-1"}


def test_span_points_at_address_line_without_config(tmp_path: Path) -> None:
    shutil.copy(DATA / "planmap" / "plan.json", tmp_path / "plan.json")
    res = {x.id: x for x in parse_plan_file(tmp_path / "plan.json").resources}
    b = res["aws_s3_bucket.logs"]
    assert (b.span.file, b.span.start_line, b.span.start_col) == (str(tmp_path / "plan.json"), 8, 11)
    assert res["module.child.aws_sqs_queue.q[0]"].span.start_line == 21


def test_plan_mapped_back_to_hcl() -> None:
    r = parse_plan_file(DATA / "planmap" / "plan.json")
    assert not r.errors
    res = {x.id: x for x in r.resources}
    b = res["aws_s3_bucket.logs"]
    assert b.source_format == "terraform_plan"
    assert b.span.file == str(DATA / "planmap" / "main.tf")
    assert (b.span.start_line, b.span.end_line) == (1, 7)
    assert b.attribute_spans["versioning[0].enabled"].start_line == 5
    assert b.span_for("versioning[0].mfa_delete").start_line == 4  # nearest known ancestor: the block
    q = res["module.child.aws_sqs_queue.q[1]"]
    assert q.span.file == str(DATA / "planmap" / "child" / "main.tf") and q.span.start_line == 1
    assert q.attribute_spans["name"].start_line == 3


def test_explicit_config_dir(tmp_path: Path) -> None:
    shutil.copy(DATA / "planmap" / "plan.json", tmp_path / "plan.json")
    r = parse_plan_file(tmp_path / "plan.json", config_dir=DATA / "planmap")
    res = {x.id: x for x in r.resources}
    assert res["aws_s3_bucket.logs"].span.file == str(DATA / "planmap" / "main.tf")


def test_references_from_configuration_section() -> None:
    doc = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {}},
                    {"address": "aws_s3_bucket_versioning.v", "mode": "managed", "type": "aws_s3_bucket_versioning", "name": "v", "values": {}},
                ]
            }
        },
        "resource_changes": [
            {"address": "aws_s3_bucket_versioning.v", "change": {"actions": ["create"], "after_unknown": {"bucket": True}}}
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}},
            "root_module": {
                "resources": [
                    {"address": "aws_s3_bucket_versioning.v", "expressions": {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}}
                ]
            },
        },
    }
    res = {x.id: x for x in parse_plan(doc, "p.json").resources}
    v = res["aws_s3_bucket_versioning.v"]
    assert v.attributes["bucket"] == unknown("aws_s3_bucket_versioning.v.bucket", "known after apply")
    assert Reference("bucket", "aws_s3_bucket.b", "aws_s3_bucket.b.id") in v.references
    assert res["provider.aws"].attributes == {"region": "eu-west-1"}


def test_data_source_in_plan() -> None:
    doc = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [{"address": "data.aws_region.r", "mode": "data", "type": "aws_region", "name": "r", "values": {"name": "eu-west-1"}}]}},
    }
    (r,) = parse_plan(doc, "p.json").resources
    assert (r.id, r.type) == ("data.aws_region.r", "data.aws_region")


def test_invalid_json_is_located(tmp_path: Path) -> None:
    p = tmp_path / "plan.json"
    p.write_text('{\n  "format_version": "1.2",\n  "planned_values": {,}\n}\n')
    r = parse_plan_file(p)
    assert [(e.line, e.column) for e in r.errors] == [(3, 22)]
    assert r.errors[0].message.startswith("invalid JSON")


def test_not_a_plan_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}')
    r = parse_plan_file(p)
    assert len(r.errors) == 1 and "not a Terraform plan" in r.errors[0].message


def test_unreadable_plan(tmp_path: Path) -> None:
    r = parse_plan_file(tmp_path / "missing.json")
    assert r.errors[0].kind == ErrorKind.UNREADABLE


def test_resources_validate_against_the_published_schema() -> None:
    import jsonschema

    from policyguard.parsers.terraform import parse_directory

    schema = json.loads((Path(__file__).parents[1] / "policyguard" / "schemas" / "resource.schema.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    resources = parse_plan_file(DATA / "planmap" / "plan.json").resources + parse_plan(_doc(), "plan.json").resources
    resources += parse_directory(DATA / "modroot", files=None, var_files=[], variables={}).resources
    assert len(resources) > 8
    for r in resources:
        errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(r.to_dict())))]
        assert errors == [], (r.id, errors)


def test_state_document_values() -> None:
    doc = {
        "format_version": "1.0",
        "values": {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {"bucket": "b", "arn": "arn:aws:s3:::b"}}]}},
    }
    (r,) = parse_plan(doc, "state.json").resources
    assert (r.id, r.attributes["arn"]) == ("aws_s3_bucket.b", "arn:aws:s3:::b")
