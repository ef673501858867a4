"""CloudFormation parser: every short-form tag, parameters, mappings, conditions, SAM, JSON, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyguard.model import ErrorKind, Reference, Resource, unknown_expressions
from policyguard.parsers.cloudformation import parse_file, render

DATA = Path(__file__).parent / "data" / "cloudformation"


def _by_id(resources: list[Resource]) -> dict[str, Resource]:
    return {r.id: r for r in resources}


@pytest.fixture(scope="module")
def intrinsics() -> dict[str, Resource]:
    result = parse_file(DATA / "intrinsics.yaml")
    assert result.errors == []
    return _by_id(result.resources)


def test_resource_identity_and_span(intrinsics: dict[str, Resource]) -> None:
    assert list(intrinsics) == ["Key", "Bucket"]
    bucket = intrinsics["Bucket"]
    assert (bucket.platform, bucket.type, bucket.name, bucket.source_format) == (
        "cloudformation",
        "AWS::S3::Bucket",
        "Bucket",
        "cloudformation",
    )
    # from the logical id key to the end of its definition
    s = bucket.span
    assert (s.start_line, s.start_col, s.end_line) == (31, 3, 66)
    assert s.file == str(DATA / "intrinsics.yaml")
    key = intrinsics["Key"]
    assert (key.span.start_line, key.span.end_line) == (27, 30)


def test_meta_keeps_condition_dependson_metadata(intrinsics: dict[str, Resource]) -> None:
    meta = intrinsics["Bucket"].meta
    assert meta["Condition"] == "IsProd"
    assert meta["condition_value"] is True
    assert meta["DependsOn"] == ["Key"]
    assert meta["Metadata"] == {"policyguard": {"skip": ["PG-AWS-S3-002"]}}
    assert intrinsics["Key"].meta == {}


def test_parameters_defaults_and_missing(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert intrinsics["Key"].attributes == {"Description": "prod key"}  # !Sub with a parameter default
    assert a["OwnerTag"]["__unknown__"] == "!Ref Owner"
    assert a["OwnerTag"]["reason"] == "parameter without Default"
    # CommaDelimitedList defaults are lists
    assert a["Zone0"] == "a"
    # SSM parameter types are never replaced by their default (it names the SSM key)
    assert a["Ami"]["__unknown__"] == "!Ref AmiId"


def test_pseudo_parameters_are_unknown(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["Region"] == {"__unknown__": "!Ref AWS::Region", "reason": "pseudo parameter: depends on where the stack is deployed"}


def test_join_select_split(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["BucketName"] == "prod-data-b"
    assert a["Parts"] == ["x", "y"]


def test_getatt_and_ref_to_resources_are_unknown_with_edges(intrinsics: dict[str, Resource]) -> None:
    bucket = intrinsics["Bucket"]
    a = bucket.attributes
    assert a["KeyArn"]["__unknown__"] == "!GetAtt Key.Arn"
    assert a["KeyArnList"]["__unknown__"] == "!GetAtt Key.Arn"
    assert a["KeyId"]["__unknown__"] == "!Ref Key"
    assert bucket.references == [
        Reference("KeyArn", "Key", "!GetAtt Key.Arn"),
        Reference("KeyArnList", "Key", "!GetAtt Key.Arn"),
        Reference("KeyId", "Key", "!Ref Key"),
        Reference('Undecided["Fn::If"][2]', "Key", "!Ref Key"),  # inside an undecidable !If
        Reference("SubRef", "Key", "!GetAtt Key.Arn"),  # ${Key.Arn} in !Sub
    ]


def test_conditions_and_if(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["Versioning"] == "Enabled"  # IsProd: Env defaults to prod
    assert a["Undecided"]["__unknown__"] == "!If ProdAndOwned"  # depends on Owner (no default)
    assert "Dropped" not in a  # IsDev is false -> !Ref AWS::NoValue removes the property
    assert a["Flag"] is True  # !Condition ProdOrDev
    assert a["IsEqual"] is True
    assert a["Both"] is True
    assert a["Either"] is False
    assert a["Negated"] is True


def test_find_in_map(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["Size"] == "m5.large"
    assert a["Missing"]["__unknown__"] == "!FindInMap [SizeMap, staging, Instance]"


def test_import_value_getazs_base64_cidr(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["Imported"]["__unknown__"] == "!ImportValue shared-vpc-id"
    assert a["Zones"]["__unknown__"] == '!GetAZs ""'
    assert a["Encoded"] == "aGVsbG8="
    assert a["Subnets"] == ["10.0.0.0/24", "10.0.1.0/24"]


def test_sub_forms(intrinsics: dict[str, Resource]) -> None:
    a = intrinsics["Bucket"].attributes
    assert a["SubRef"]["__unknown__"] == '!Sub "arn:aws:s3:::${Env}-${Key.Arn}"'
    assert a["SubVars"]["__unknown__"] == '!Sub "${Name}-${AWS::Region}"'
    assert a["SubVars"]["reason"] == "depends on AWS::Region"
    assert a["SubLiteral"] == "${NotAVar}-prod"
    assert unknown_expressions(a["SubRef"]) == ['!Sub "arn:aws:s3:::${Env}-${Key.Arn}"']


def test_every_property_has_a_span(intrinsics: dict[str, Resource]) -> None:
    bucket = intrinsics["Bucket"]
    expected_lines = {
        "BucketName": 39, "OwnerTag": 40, "Region": 41, "KeyArn": 42, "KeyArnList": 43, "KeyId": 44,
        "Versioning": 45, "Undecided": 46, "Size": 48, "Missing": 49, "Imported": 50, "Encoded": 51,
        "Subnets": 52, "Zones": 53, "Parts": 54, "SubRef": 55, "SubVars": 56, "SubLiteral": 59, "Flag": 60,
        "IsEqual": 61, "Both": 62, "Either": 63, "Negated": 64, "Ami": 65, "Zone0": 66,
    }  # fmt: skip
    assert set(bucket.attributes) == set(expected_lines)
    for path, line in expected_lines.items():
        span = bucket.attribute_spans[path]
        assert (span.start_line, span.start_col) == (line, 7), path
    # a multi-line value ends on its last line
    assert bucket.attribute_spans["SubVars"].end_line == 58
    assert bucket.span_for("Dropped") == bucket.span  # removed property: falls back to the resource


def test_if_branch_spans_move_to_the_property(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text(
        "Conditions:\n"
        "  Always: !Equals [a, a]\n"
        "Resources:\n"
        "  Q:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      Policy: !If\n"
        "        - Always\n"
        "        - Effect: Allow\n"
        "          Action: sqs:*\n"
        "        - !Ref AWS::NoValue\n"
    )
    (q,) = parse_file(f).resources
    assert q.attributes == {"Policy": {"Effect": "Allow", "Action": "sqs:*"}}
    assert q.attribute_spans["Policy.Action"].start_line == 10
    assert q.attribute_spans["Policy.Effect"].start_line == 9


def test_json_template_positions() -> None:
    result = parse_file(DATA / "template.json")
    assert result.errors == []
    res = _by_id(result.resources)
    logs = res["Logs"]
    assert logs.attributes["RetentionInDays"] == 7
    assert logs.attributes["KmsKeyId"]["__unknown__"] == "!GetAtt LogKey.Arn"
    assert logs.references == [Reference("KmsKeyId", "LogKey", "!GetAtt LogKey.Arn")]
    assert (logs.span.start_line, logs.span.start_col, logs.span.end_line, logs.span.end_col) == (7, 5, 13, 6)
    s = logs.attribute_spans["RetentionInDays"]
    assert (s.start_line, s.start_col) == (10, 9)
    assert res["LogKey"].attribute_spans["EnableKeyRotation"].start_line == 16


def test_json_dot_template(tmp_path: Path) -> None:
    f = tmp_path / "stack.template"
    f.write_text('{\n  "Resources": {\n    "T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t\\/x"}}\n  }\n}\n')
    result = parse_file(f)
    assert result.errors == []
    (topic,) = result.resources
    assert topic.attributes == {"TopicName": "t/x"}  # JSON semantics: "\/" is "/"
    assert topic.attribute_spans["TopicName"].start_line == 3


def test_sam_resources_and_globals() -> None:
    result = parse_file(DATA / "sam.yaml")
    assert result.errors == []
    res = _by_id(result.resources)
    fn = res["Handler"]
    assert fn.type == "AWS::Serverless::Function"
    assert fn.meta["sam"] is True
    assert fn.meta["sam_globals"] == ["Runtime"]  # Timeout is set on the function itself
    assert fn.attributes["Runtime"] == "python3.12"
    assert fn.attributes["Timeout"] == 30
    assert fn.attribute_spans["Runtime"].start_line == 5  # where the global is written
    assert fn.references == [Reference("Policies[0].S3ReadPolicy.BucketName", "Store", "!Ref Store")]
    assert res["Store"].meta == {"sam": True}
    assert res["Store"].attributes == {}


def test_foreach_is_expanded() -> None:
    result = parse_file(DATA / "foreach.yaml")
    assert result.errors == []
    res = _by_id(result.resources)
    assert list(res) == ["QueueOrders", "QueueRefunds"]
    assert res["QueueRefunds"].attributes == {"QueueName": "Refunds-queue", "KmsMasterKeyId": "alias/aws/sqs"}
    assert res["QueueOrders"].span.start_line == 6
    assert res["QueueOrders"].attribute_spans["QueueName"].start_line == 9


def test_yaml_error_is_located() -> None:
    result = parse_file(DATA / "broken.yaml")
    assert result.resources == []
    (err,) = result.errors
    assert (err.line, err.column, err.kind) == (7, 1, ErrorKind.PARSE)
    assert "tab" in err.message
    assert err.file == str(DATA / "broken.yaml")


def test_resource_without_type_is_a_located_error() -> None:
    result = parse_file(DATA / "notype.yaml")
    assert [r.id for r in result.resources] == ["Good"]
    (err,) = result.errors
    assert (err.line, err.column) == (5, 3)
    assert err.message == "resource NoType has no Type"


def test_template_without_resources(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: []\n")
    result = parse_file(f)
    assert [(e.line, e.message) for e in result.errors] == [(2, "CloudFormation template has no Resources mapping")]


def test_rain_module_is_reported_as_not_rendered(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("Resources:\n  Site:\n    Type: !Rain::Module ./site.yaml\n  T:\n    Type: AWS::SNS::Topic\n")
    result = parse_file(f)
    assert [r.id for r in result.resources] == ["T"]
    (err,) = result.errors
    assert err.kind == ErrorKind.TEMPLATE
    assert (err.line, err.column) == (3, 5)


def test_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_bytes(b"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: \xff}\n")
    (err,) = parse_file(f).errors
    assert err.kind == ErrorKind.UNREADABLE
    assert (err.line, err.column) == (4, 30)


def test_impossible_functions_are_unknown_not_crashes(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text(
        "Conditions:\n  A: !Condition B\n  B: !Condition A\n"
        "Resources:\n  X:\n    Type: AWS::EC2::VPC\n    Properties:\n"
        "      Many: !Cidr [10.0.0.0/24, 1000000000, 8]\n"
        "      Few: !Cidr [10.0.0.0/24, 4, 7]\n"
        "      Out: !Select [5, [a]]\n"
        "      Cycle: !If [A, x, y]\n"
    )
    result = parse_file(f)
    assert result.errors == []
    a = result.resources[0].attributes
    assert a["Many"]["reason"] == "cannot evaluate: Fn::Cidr count 1000000000 is outside 1..256"
    assert a["Few"]["reason"] == "cannot evaluate: 10.0.0.0/24 holds fewer than 4 /25 subnets"
    assert a["Out"]["__unknown__"] == "!Select [5, [a]]"
    assert a["Cycle"]["__unknown__"] == "!If A"


def test_render_short_form() -> None:
    assert render({"Fn::GetAtt": ["A", "B"]}) == "!GetAtt A.B"
    assert render({"Fn::Join": ["", [{"Ref": "X"}, "y"]]}) == '!Join ["", [!Ref X, y]]'
    assert render({"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}) == "!If [C, 1, !Ref AWS::NoValue]"


def test_plain_y_stays_a_string_in_cloudformation(tmp_path: Path) -> None:
    """Only the Kubernetes parser reads y/n as kubectl does; templates keep PyYAML's reading."""
    from policyguard.parsers.yaml_source import load_yaml

    docs, err = load_yaml("A: y\nB: yes\n", "t.yaml")
    assert err is None and docs[0].value == {"A": "y", "B": True}


def test_values_the_template_determines_are_known(tmp_path: Path) -> None:
    """Only what a result depends on decides whether it is known."""
    p = tmp_path / "t.yaml"
    p.write_text(
        """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Mappings:
  Acl:
    us-east-1: {acl: PublicRead, size: 1}
    eu-west-1: {acl: PublicRead, size: 2}
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      Selected: !Select [0, [PublicRead, !Ref "AWS::Region"]]
      SelectedUnknown: !Select ["1", [PublicRead, !Ref "AWS::Region"]]
      SameBranches: !If [IsProd, PublicRead, PublicRead]
      DifferentBranches: !If [IsProd, PublicRead, Private]
      MapAgrees: !FindInMap [Acl, !Ref "AWS::Region", acl]
      MapDiffers: !FindInMap [Acl, !Ref "AWS::Region", size]
      MapDefault: !FindInMap [Acl, !Ref "AWS::Region", other, {DefaultValue: PublicRead}]
      Length: !Length [a, !Ref "AWS::Region"]
      JoinOne: !Join [!Ref "AWS::Region", [PublicRead]]
      JoinTwo: !Join [!Ref "AWS::Region", [a, b]]
      NegativeIndex: !Select [-1, [a, b]]
"""
    )
    a = _by_id(parse_file(p).resources)["B"].attributes
    assert a["Selected"] == "PublicRead"
    assert a["SelectedUnknown"]["__unknown__"] == "!Ref AWS::Region"
    assert a["SameBranches"] == "PublicRead"
    assert a["DifferentBranches"]["__unknown__"] == "!If IsProd"
    assert a["MapAgrees"] == "PublicRead"
    assert "__unknown__" in a["MapDiffers"]
    assert a["MapDefault"] == "PublicRead"
    assert a["Length"] == 2
    assert a["JoinOne"] == "PublicRead"
    assert "__unknown__" in a["JoinTwo"]
    assert "out of range" in a["NegativeIndex"]["reason"]  # Python would have wrapped to "b"
