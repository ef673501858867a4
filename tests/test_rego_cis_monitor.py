"""lib.cis_monitor_matches: the CIS AWS 4.x metric-filter comparison behind the PG-AWS-MONITOR
rules. A pattern matches when it holds the benchmark's clauses (whatever the spacing, quoting
or `==`), adds only clauses the benchmark documents, understands every `$.` selector, and joins
the event alternatives with `||` and the rest with `&&`. Same answers on regorus and OPA."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from test_engine_helpers import have_golib, probe_engine

PROBE = """package t
import rego.v1
import data.policyguard.cis_monitoring
matched := {c | some c, _ in cis_monitoring.cis_monitor_controls; cis_monitoring.cis_monitor_matches(input.pattern, c)}
"""
ENGINES = ["regorus"] + (["opa"] if have_golib() else [])


@cache
def _engine(kind: str) -> Any:
    return probe_engine(kind, PROBE)


def matched(engine: str, pattern: Any) -> list[str]:
    eng = _engine(engine)
    if engine == "regorus":
        eng.set_input_json(json.dumps({"pattern": pattern}))
        out = json.loads(eng.eval_rule_as_json("data.t.matched"))
    else:
        out = eng.eval_document("t.matched", {"pattern": pattern})
    return sorted(out)


ROOT = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
TRAIL = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
KMS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"

CASES = [
    (ROOT, ["4.3"]),
    ('{$.userIdentity.type="Root"}', ["4.3"]),  # the essential clause alone
    ('{ $.userIdentity.type == Root }', ["4.3"]),  # == and a bare value
    ("{\n  ($.userIdentity.type = \"Root\")\n  &&\n  ($.userIdentity.invokedBy NOT   EXISTS)\n}", ["4.3"]),
    ('{ $.userIdentity.type = "Root" && $.sourceIPAddress = "203.0.113.10" }', []),  # narrowed
    ('{ $.userIdentity.type = "Root" || $.eventType != "AwsServiceEvent" }', []),  # || widens/changes it
    ('{ $.userIdentity.type = "root" }', []),  # values are case-sensitive in CloudWatch Logs
    (TRAIL, ["4.5"]),
    (TRAIL.replace(" ", ""), ["4.5"]),
    (TRAIL.replace("|| ($.eventName = StopLogging) ", ""), []),  # StopLogging missing
    (TRAIL.replace("||", "&&"), []),  # alternatives joined by &&: matches nothing
    (TRAIL.replace("}", "&& ($.awsRegion > 0) }"), []),  # a selector the tokenizer does not know
    (KMS, ["4.7"]),
    ('{ ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }', ["4.7"]),
    ('{ ($.eventSource = s3.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }', []),
    ('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }', ["4.1"]),
    ('{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }', ["4.6"]),
    ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }', ["4.2"]),
    ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }', []),
    ("[version, account, eventName=CreateTrail]", []),  # space-delimited, not JSON
    ("", []),
    (None, []),
    (17, []),
    (["{ $.userIdentity.type = Root }"], []),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("pattern", "want"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_cis_monitor_matches(engine: str, pattern: Any, want: list[str]) -> None:
    assert matched(engine, pattern) == want
