"""The policy-document helpers of lib.rego (grants_anyone, limiting_condition, action_matches,
statement_allows/denies, document_block_statements) on regorus and, when installed, real OPA.
Every resource-policy rule (S3, KMS, SQS, SNS, ECR, Secrets Manager, OpenSearch, Glacier, EFS)
and the IAM escalation rules decide through them, so a condition judged wrongly here is a
false positive or a silent pass in ten rules."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from test_engine_helpers import REPO, have_golib, probe_engine

PROBE = """package t
import rego.v1
import data.policyguard.lib
anyone := [i | some i, st in input.statements; lib.grants_anyone(st)]
matches := [i | some i, p in input.patterns; lib.action_matches(p, input.action)]
compiled_each := [i | some i, p in input.patterns; lib.action_in(lib.action_patterns([p]), lower(input.action))]
compiled_all := [a | some a in input.actions; lib.action_in(lib.action_patterns(input.patterns), lower(a))]
plain_all := [a | some a in input.actions; some p in input.patterns; lib.action_matches(p, a)]
allows := [i | some i, st in input.statements; lib.statement_allows(st, input.action)]
denies := [i | some i, st in input.statements; lib.statement_denies(st, input.action)]
blocks := [s.st | some s in lib.document_block_statements(input.attributes)]
"""
ENGINES = ["regorus"] + (["opa"] if have_golib() else [])


@cache
def _engine(kind: str) -> Any:
    return probe_engine(kind, PROBE)


def ask(engine: str, rule: str, doc: dict[str, Any]) -> Any:
    if engine == "regorus":
        eng = _engine("regorus")
        eng.set_input_json(json.dumps(doc))
        return json.loads(eng.eval_rule_as_json(f"data.t.{rule}"))
    return json.loads(json.dumps(_engine("opa").eval_document(f"t.{rule}", doc)))


def _st(principal: Any = "*", condition: Any = None, effect: str = "Allow") -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": "s3:GetObject", "Resource": "*"}
    if condition is not None:
        st["Condition"] = condition
    return st


PUBLIC = [
    _st(),
    _st({"AWS": "*"}),
    _st({"AWS": ["arn:aws:iam::111122223333:root", "*"]}),
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"},
    _st(condition={"Bool": {"aws:SecureTransport": "true"}}),
    _st(condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}),
    _st(condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
    _st(condition={"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ["o-abc"]}}),
    _st(condition={"StringLike": {"aws:PrincipalOrgID": "*"}}),
    _st(condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
    _st(condition={"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}),
    _st(condition={"IpAddress": {"aws:SourceIp": "3.0.0.0/8"}}),
    _st(condition={"IpAddress": {"aws:SourceIp": "not-a-range"}}),
    _st(condition={"Null": {"aws:SourceVpce": "false"}}),
    _st(condition={}),
    _st(condition=None),
]
LIMITED = [
    _st({"AWS": "arn:aws:iam::111122223333:root"}),
    _st({"Service": "cloudtrail.amazonaws.com"}),
    _st(effect="Deny"),
    _st(condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}),
    _st(condition={"StringEquals": {"AWS:SourceOwner": "111122223333"}}),
    _st(condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a/r-b/ou-c/*"]}}),
    _st(condition={"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}}),
    _st(condition={"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "ec2.eu-west-1.amazonaws.com"}}),
    _st(condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "198.51.100.0/24"]}}),
    _st(condition={"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}),
    _st(condition={"StringEquals": {"AWS:SourceOwner": {"__unknown__": "!Ref AWS::AccountId"}}}),
    _st(condition={"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_grants_anyone(engine: str) -> None:
    statements = PUBLIC + LIMITED
    assert ask(engine, "anyone", {"statements": statements}) == list(range(len(PUBLIC)))


@pytest.mark.parametrize("engine", ENGINES)
def test_action_patterns(engine: str) -> None:
    patterns = ["iam:PassRole", "IAM:passrole", "iam:*", "iam:Pass*", "iam:P?ssRole", "*", "*:*",
                "iam:PassRoles", "iam:Put*", "sts:*", "iam:.*", 7, None]
    assert ask(engine, "matches", {"patterns": patterns, "action": "iam:PassRole"}) == [0, 1, 2, 3, 4, 5, 6]


PATTERNS = ["iam:PassRole", "IAM:passrole", " iam:PassRole ", "iam:*", "iam:Pass*", "iam:P?ssRole", "*", "*:*",
            "iam:PassRoles", "iam:Put*", "sts:*", "iam:.*", "iam:*Role", "iam:Pass*Role", "s3:Get*Acl",
            "iam:[a-z]*", "", 7, None, {"__unknown__": "var.actions"}, ["iam:*"]]
ACTIONS = ["iam:PassRole", "iam:PutRolePolicy", "sts:AssumeRole", "s3:GetBucketAcl", "s3:GetObject", "ec2:RunInstances"]


@pytest.mark.parametrize("engine", ENGINES)
def test_compiled_action_patterns_agree_with_action_matches(engine: str) -> None:
    """action_patterns + action_in (the IAM helpers compile a statement's patterns once per
    resource) match exactly what action_matches matches, pattern by pattern and for a list."""
    for action in ACTIONS:
        doc = {"patterns": PATTERNS, "action": action}
        assert ask(engine, "compiled_each", doc) == ask(engine, "matches", doc), action
    doc = {"patterns": PATTERNS[9:], "actions": ACTIONS}
    assert ask(engine, "compiled_all", doc) == sorted(set(ask(engine, "plain_all", doc)), key=ACTIONS.index)
    assert ask(engine, "compiled_all", {"patterns": "iam:Pass*", "actions": ACTIONS}) == ["iam:PassRole"]
    assert ask(engine, "compiled_all", {"patterns": [], "actions": ACTIONS}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_allow_deny_and_not_action(engine: str) -> None:
    statements = [
        {"Effect": "Allow", "Action": ["s3:*", "iam:Attach*"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:AttachRolePolicy", "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["ec2:*"], "Resource": "*"},
        {"Effect": "Allow", "Resource": "*"},
    ]
    doc = {"statements": statements, "action": "iam:AttachRolePolicy"}
    assert ask(engine, "allows", doc) == [0, 1]
    assert ask(engine, "denies", doc) == [3, 4]


@pytest.mark.parametrize("engine", ENGINES)
def test_data_source_blocks(engine: str) -> None:
    attributes = {"statement": [
        {"actions": ["s3:GetObject"], "resources": ["*"],
         "principals": [{"type": "AWS", "identifiers": ["*"]}, {"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}],
         "condition": [{"test": "StringEquals", "variable": "aws:SourceVpce", "values": ["vpce-1"]},
                       {"test": "StringEquals", "variable": "aws:SourceVpce", "values": ["vpce-2"]}]},
        {"effect": "Deny", "not_actions": ["s3:*"], "principals": None, "condition": None},
        None,
        "junk",
    ]}
    blocks = ask(engine, "blocks", {"attributes": attributes})
    assert blocks[0]["Effect"] == "Allow"
    assert blocks[0]["Principal"] == {"AWS": ["*", "arn:aws:iam::1:root"]}
    assert blocks[0]["Condition"] == {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}
    assert blocks[1]["Effect"] == "Deny" and blocks[1]["NotAction"] == ["s3:*"] and blocks[1]["Principal"] is None
    assert len(blocks) == 2
    assert ask(engine, "anyone", {"statements": blocks}) == []


def test_escalation_rules_judge_scoped_grants_alike_in_a_whole_scan() -> None:
    """The IAM escalation rules run as one group per resource. A statement whose grant is scoped by
    a tag condition passes each rule alone, and must pass in the group too: with the other IAM
    rules evaluated first, regorus saw lib.positive_condition_ops undefined inside
    iam_identity's functions and PG-AWS-IAM-106 failed its own pass fixture in a scan."""
    from policyguard.model import Status
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    fixture = REPO / "rules" / "aws" / "iam" / "assume_any_role" / "fixtures" / "pass" / "cloudformation"
    result = scan(ScanOptions(read=ReadOptions(paths=[str(fixture)]), evaluation=EvalOptions(jobs=1)))
    escalation = [f for f in result.findings if f.rule_id.startswith("PG-AWS-IAM-1")]
    assert {f.rule_id for f in escalation} >= {"PG-AWS-IAM-105", "PG-AWS-IAM-106", "PG-AWS-IAM-107"}
    assert [(f.rule_id, f.message) for f in escalation if f.status is not Status.PASS] == []
