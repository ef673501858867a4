"""Unit tests of the text editors on hand-written inputs and hand-built fix ops.

Each expectation is the exact text a careful person would write: only the lines that must
change change, comments and the author's layout stay.
"""

from __future__ import annotations

import pytest

from policyguard.fix.common import FixError, apply_text_edits, diff_edits
from policyguard.fix.hcl import HclEditor
from policyguard.fix.json_edit import JsonEditor, parse
from policyguard.fix.yaml_edit import Root, YamlEditor, cloudformation_root
from policyguard.model import FixOp

# --------------------------------------------------------------------------- HCL
TF = """\
# storage for the access logs
resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs" # keep the name
  acl    = "private"

  versioning {
    enabled = false # turned off in 2019
  }

  tags = {
    Team = "platform"
  }
}

resource "aws_sqs_queue" "jobs" {}
"""


def hcl(op: FixOp, attrs: dict | None = None, text: str = TF, rtype: str = "aws_s3_bucket", name: str = "logs") -> str:
    return HclEditor(text).apply(rtype, name, op, attrs or {}, None)


def test_hcl_replace_nested_value_keeps_comment() -> None:
    out = hcl(FixOp("set", "versioning[0].enabled", True))
    assert out == TF.replace("enabled = false # turned off", "enabled = true # turned off")


def test_hcl_insert_attribute_joins_aligned_run() -> None:
    out = hcl(FixOp("set", "force_destroy", False))
    assert out == TF.replace(
        '  bucket = "acme-logs" # keep the name\n  acl    = "private"\n',
        '  bucket        = "acme-logs" # keep the name\n  acl           = "private"\n  force_destroy = false\n',
    )


def test_hcl_insert_short_attribute_pads_to_run() -> None:
    out = hcl(FixOp("set", "x", 1))
    assert out == TF.replace('  acl    = "private"\n', '  acl    = "private"\n  x      = 1\n')


def test_hcl_insert_nested_block_and_expression() -> None:
    value = [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.logs.arn}"}]}]}]
    out = hcl(FixOp("set", "server_side_encryption_configuration", value))
    assert out == TF.replace(
        '    Team = "platform"\n  }\n}\n',
        '    Team = "platform"\n  }\n\n'
        "  server_side_encryption_configuration {\n"
        "    rule {\n"
        "      apply_server_side_encryption_by_default {\n"
        '        sse_algorithm     = "aws:kms"\n'
        "        kms_master_key_id = aws_kms_key.logs.arn\n"
        "      }\n"
        "    }\n"
        "  }\n}\n",
        1,
    )


def test_hcl_fill_empty_block() -> None:
    out = hcl(FixOp("set", "sqs_managed_sse_enabled", True), rtype="aws_sqs_queue", name="jobs")
    assert out.endswith('resource "aws_sqs_queue" "jobs" {\n  sqs_managed_sse_enabled = true\n}\n')


def test_hcl_map_element_insert() -> None:
    out = hcl(FixOp("set", "tags.Owner", "sre"))
    assert '    Team  = "platform"\n    Owner = "sre"\n' in out


def test_hcl_companion_resource_after_block_references_first() -> None:
    value = {
        "type": "aws_s3_bucket_public_access_block",
        "name": "logs",
        "attributes": {"block_public_acls": True, "bucket": "${aws_s3_bucket.logs.id}", "ignore_public_acls": True},
    }
    out = hcl(FixOp("add_resource", "", value))
    assert (
        "}\n\n"
        'resource "aws_s3_bucket_public_access_block" "logs" {\n'
        "  bucket             = aws_s3_bucket.logs.id\n"
        "  block_public_acls  = true\n"
        "  ignore_public_acls = true\n"
        "}\n\n"
        'resource "aws_sqs_queue" "jobs" {}\n'
    ) in out
    assert hcl(FixOp("add_resource", "", value), text=out) == out  # second time: no-op


def test_hcl_remove_block_and_list_item() -> None:
    attrs = {"versioning": [{"enabled": False}]}
    out = hcl(FixOp("remove", "versioning"), attrs)
    assert "versioning" not in out and "# keep the name" in out
    text = 'resource "aws_security_group" "sg" {\n  ingress {\n    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]\n  }\n}\n'
    out = hcl(FixOp("remove", "ingress[0].cidr_blocks[1]"), {"ingress": [{"cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}]},
              text=text, rtype="aws_security_group", name="sg")
    assert out == text.replace('["10.0.0.0/8", "0.0.0.0/0"]', '["10.0.0.0/8"]')


def test_hcl_keeps_string_quoting_for_scalars() -> None:
    text = 'resource "aws_launch_template" "t" {\n  network_interfaces {\n    associate_public_ip_address = "true"\n  }\n}\n'
    out = hcl(FixOp("set", "network_interfaces[0].associate_public_ip_address", False), text=text,
              rtype="aws_launch_template", name="t")
    assert '= "false"' in out


def test_hcl_refuses_computed_values_and_dynamic_blocks() -> None:
    text = 'resource "aws_s3_bucket" "b" {\n  acl = var.acl\n  dynamic "versioning" {\n    for_each = [1]\n    content {}\n  }\n}\n'
    with pytest.raises(FixError, match="var.acl"):
        hcl(FixOp("set", "acl", "private"), text=text, name="b")
    with pytest.raises(FixError, match="dynamic"):
        hcl(FixOp("set", "versioning[0].enabled", True), text=text, name="b")


def test_hcl_set_already_satisfied_is_noop() -> None:
    assert hcl(FixOp("set", "acl", "private"), {"acl": "private"}) == TF


# --------------------------------------------------------------------------- YAML
K8S = """\
# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # public name
  labels: {app: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "nginx:1.25"
        securityContext: {}
      # the sidecar ships logs
      - name: logs
        image: 'fluent-bit:3.0'
        args: ["--quiet", "-c"]
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: a
      image: busybox
      securityContext:
        seLinuxOptions:
          type: spc_t
"""


def yml(root: Root, op: FixOp, attrs: dict | None = None, text: str = K8S) -> str:
    return YamlEditor(text).apply(root, op, attrs or {})


def test_yaml_empty_flow_mapping_becomes_block() -> None:
    out = yml(Root(0), FixOp("set", "spec.template.spec.containers[0].securityContext.runAsNonRoot", True))
    assert out == K8S.replace("        securityContext: {}\n", "        securityContext:\n          runAsNonRoot: true\n")


def test_yaml_insert_after_last_key_keeps_following_comment() -> None:
    op = FixOp("set", "spec.template.spec.containers[1].securityContext", {"capabilities": {"drop": ["ALL"]}})
    out = yml(Root(0), op)
    assert out == K8S.replace(
        '        args: ["--quiet", "-c"]\n',
        '        args: ["--quiet", "-c"]\n        securityContext:\n          capabilities:\n            drop:\n            - ALL\n',
    )
    assert "# the sidecar ships logs\n      - name: logs" in out


def test_yaml_replace_scalar_keeps_quote_style() -> None:
    out = yml(Root(0), FixOp("set", "spec.template.spec.containers[1].image", "fluent-bit:3.0.7"))
    assert "image: 'fluent-bit:3.0.7'" in out and out.count("\n") == K8S.count("\n")


def test_yaml_append_to_flow_sequence_and_flow_mapping() -> None:
    out = yml(Root(0), FixOp("add", "spec.template.spec.containers[1].args", "/etc/fb.conf"))
    assert 'args: ["--quiet", "-c", "/etc/fb.conf"]' in out
    out = yml(Root(0), FixOp("set", "metadata.labels.tier", "front"))
    assert "labels: {app: web, tier: front}" in out


def test_yaml_second_document_uses_its_indentation() -> None:
    out = yml(Root(1), FixOp("set", "spec.containers[0].resources", {"limits": {"memory": "128Mi"}}))
    assert out.endswith("          type: spc_t\n      resources:\n        limits:\n          memory: 128Mi\n")


def test_yaml_remove_last_key_drops_empty_parent() -> None:
    attrs = {"spec": {"containers": [{"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}]}}
    out = yml(Root(1), FixOp("remove", "spec.containers[0].securityContext.seLinuxOptions.type"), attrs)
    assert out.endswith("      image: busybox\n      securityContext:\n")  # seLinuxOptions gone with its key
    assert "seLinuxOptions" not in out


CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name: {Type: String}
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Name}-logs"   # from the parameter
      Tags:
        - Key: team
          Value: platform
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Arn:
    Value: !GetAtt Logs.Arn
"""


def test_cfn_short_forms_untouched_and_properties_created() -> None:
    out = yml(cloudformation_root("Queue"), FixOp("set", "SqsManagedSseEnabled", True), text=CFN)
    assert out == CFN.replace(
        "    Type: AWS::SQS::Queue\n", "    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: true\n"
    )
    out = yml(cloudformation_root("Logs"), FixOp("add", "Tags", {"Key": "owner", "Value": "sre"}), text=CFN)
    assert "          Value: platform\n        - Key: owner\n          Value: sre\n  Queue:" in out
    assert '!Sub "${Name}-logs"   # from the parameter' in out and "!GetAtt Logs.Arn" in out


def test_cfn_refuses_to_overwrite_intrinsic() -> None:
    with pytest.raises(FixError, match="intrinsic"):
        yml(cloudformation_root("Logs"), FixOp("set", "BucketName", "x"), text=CFN)


def test_cfn_companion_resource_follows_resource() -> None:
    value = {"type": "AWS::S3::BucketPolicy", "name": "LogsPolicy", "attributes": {"Bucket": {"Ref": "Logs"}}}
    out = yml(cloudformation_root("Logs"), FixOp("add_resource", "", value), text=CFN)
    assert "          Value: platform\n  LogsPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket:\n        Ref: Logs\n  Queue:" in out


# --------------------------------------------------------------------------- JSON
CFN_JSON = """{
    "Resources": {
        "Logs": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": {"Ref": "Name"},
                "Tags": [{"Key": "team", "Value": "platform"}]
            }
        },
        "Queue": {"Type": "AWS::SQS::Queue"}
    }
}
"""


def test_json_insert_member_with_sibling_indentation() -> None:
    out = JsonEditor(CFN_JSON).apply(cloudformation_root("Logs"), FixOp("set", "VersioningConfiguration.Status", "Enabled"), {})
    assert out == CFN_JSON.replace(
        '"Tags": [{"Key": "team", "Value": "platform"}]\n',
        '"Tags": [{"Key": "team", "Value": "platform"}],\n'
        '                "VersioningConfiguration": {\n'
        '                    "Status": "Enabled"\n'
        "                }\n",
    )
    parse(out)


def test_json_inline_object_and_array() -> None:
    out = JsonEditor(CFN_JSON).apply(cloudformation_root("Queue"), FixOp("set", "SqsManagedSseEnabled", True), {})
    assert '"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": true}}' in out
    out = JsonEditor(CFN_JSON).apply(cloudformation_root("Logs"), FixOp("add", "Tags", {"Key": "o", "Value": "s"}), {})
    assert '[{"Key": "team", "Value": "platform"}, {"Key": "o", "Value": "s"}]' in out


def test_json_reader_reports_line() -> None:
    with pytest.raises(FixError, match="line 2"):
        parse('{"a": 1,\n "b" 2}')


# --------------------------------------------------------------------------- edits
def test_diff_edits_round_trip() -> None:
    before = "a\nb\nc\n"
    after = "a\nB\nc\nd\n"
    edits = diff_edits("f", before, after)
    assert apply_text_edits(before, edits) == after
    assert all(e.start_col == 1 for e in edits)
    no_nl = "x = 1"
    assert apply_text_edits(no_nl, diff_edits("f", no_nl, "x = 2")) == "x = 2"
