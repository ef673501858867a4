"""Suppressions: every mechanism, governance policy, expiry, stale and forbidden inline ones."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from policyguard.gate import suppress
from policyguard.gate.config import Config, ConfigSuppression, SuppressionPolicy
from policyguard.model import Severity, Status

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

TODAY = dt.date(2026, 11, 22)

TF = """\
# policyguard:ignore PG-S3-001 reason="public docs site" expires=2027-03-31 owner=team-web
resource "aws_s3_bucket" "site" {
  bucket = "docs"
  acl    = "public-read"
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl    = "public-read" // policyguard:ignore PG-S3-002 reason='log delivery'
}
"""


def _tf(tmp_path: Path, text: str = TF) -> list:
    f = tmp_path / "main.tf"
    f.write_text(text)
    return sup.build_resources(f, [
        sup.Spec("aws_s3_bucket.site", 'resource "aws_s3_bucket" "site"', {"acl": "public-read"}, {"acl": "acl"}),
        sup.Spec("aws_s3_bucket.logs", 'resource "aws_s3_bucket" "logs"', {"acl": "public-read"}, {"acl": "acl"}),
    ])


def test_inline_hcl_comment_above_and_inside(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    fs = [sup.finding(site, "PG-S3-001", "acl"), sup.finding(site, "PG-S3-002", "acl"),
          sup.finding(logs, "PG-S3-001", "acl"), sup.finding(logs, "PG-S3-002", "acl")]
    out = suppress.apply(fs, [site, logs], Config(), today=TODAY)
    assert [f.status for f in fs] == [Status.SUPPRESSED, Status.FAIL, Status.FAIL, Status.SUPPRESSED]
    s = fs[0].suppression
    assert s is not None and (s.source, s.reason, s.expires, s.owner) == ("inline", "public docs site", "2027-03-31", "team-web")
    assert s.location.endswith("main.tf:1")
    assert fs[3].suppression is not None and fs[3].suppression.reason == "log delivery"
    assert out.notices == [] and out.suppressed == 2


def test_comment_above_next_resource_is_not_attached_to_previous(tmp_path: Path) -> None:
    text = TF.replace('\nresource "aws_s3_bucket" "logs"', '# policyguard:ignore PG-S3-003 reason=x\nresource "aws_s3_bucket" "logs"')
    site, logs = _tf(tmp_path, text)
    # make the first resource's span swallow the comment, as YAML end marks do
    site.span = type(site.span)(site.span.file, site.span.start_line, 1, logs.span.start_line - 1, 1)
    fs = [sup.finding(site, "PG-S3-003"), sup.finding(logs, "PG-S3-003")]
    suppress.apply(fs, [site, logs], Config(), today=TODAY)
    assert [f.status for f in fs] == [Status.FAIL, Status.SUPPRESSED]


def test_json_comment_key(tmp_path: Path) -> None:
    f = tmp_path / "main.tf.json"
    f.write_text('{"resource": {"aws_s3_bucket": {"b": {\n'
                 '  "//": "policyguard:ignore PG-S3-001 reason=\\"json form\\" owner=ops",\n'
                 '  "acl": "public-read"\n}}}}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.b", '"b"', {"acl": "public-read"}, {"acl": '"acl"'})])
    fs = [sup.finding(r, "PG-S3-001", "acl")]
    suppress.apply(fs, [r], Config(), today=TODAY)
    assert fs[0].status == Status.SUPPRESSED and fs[0].suppression.reason == "json form"  # type: ignore[union-attr]
    assert fs[0].suppression.owner == "ops"  # type: ignore[union-attr]


def test_yaml_comment_and_kubernetes_annotation(tmp_path: Path) -> None:
    f = tmp_path / "pod.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
        "    policyguard.dev/ignore: \"PG-K8S-001 reason='needs host net' expires=2027-01-01; PG-K8S-002 reason=ok\"\n"
        "spec:\n  hostNetwork: true  # policyguard:ignore PG-K8S-003 reason=\"yaml comment\"\n"
    )
    ann = {"policyguard.dev/ignore": "PG-K8S-001 reason='needs host net' expires=2027-01-01; PG-K8S-002 reason=ok"}
    (r,) = sup.build_resources(f, [sup.Spec(
        "v1/Pod/default/web", "apiVersion", {"metadata": {"name": "web", "annotations": ann}, "spec": {"hostNetwork": True}},
        {'metadata.annotations["policyguard.dev/ignore"]': "policyguard.dev/ignore", "spec.hostNetwork": "hostNetwork"},
        platform="kubernetes", type="v1/Pod")])
    fs = [sup.finding(r, rid, "spec.hostNetwork") for rid in ("PG-K8S-001", "PG-K8S-002", "PG-K8S-003", "PG-K8S-004")]
    out = suppress.apply(fs, [r], Config(), today=TODAY)
    assert [f.status for f in fs] == [Status.SUPPRESSED] * 3 + [Status.FAIL]
    assert fs[0].suppression.source == "annotation" and fs[0].suppression.location.endswith("pod.yaml:6")  # type: ignore[union-attr]
    assert fs[2].suppression.source == "inline"  # type: ignore[union-attr]
    assert out.notices == []


def test_cloudformation_metadata(tmp_path: Path) -> None:
    f = tmp_path / "template.yaml"
    f.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n      policyguard:\n"
                 "        ignore:\n          - id: PG-S3-001\n            reason: legacy\n            owner: data\n"
                 "          - PG-S3-002 reason=string-form\n")
    md = {"policyguard": {"ignore": [{"id": "PG-S3-001", "reason": "legacy", "owner": "data"},
                                     "PG-S3-002 reason=string-form"]}}
    (r,) = sup.build_resources(f, [sup.Spec("Bucket", "Bucket:", {}, platform="cloudformation",
                                            type="AWS::S3::Bucket", meta={"Metadata": md})])
    fs = [sup.finding(r, "PG-S3-001"), sup.finding(r, "PG-S3-002"), sup.finding(r, "PG-S3-003")]
    suppress.apply(fs, [r], Config(), today=TODAY)
    assert [f.status for f in fs] == [Status.SUPPRESSED, Status.SUPPRESSED, Status.FAIL]
    assert fs[0].suppression.source == "metadata" and fs[0].suppression.owner == "data"  # type: ignore[union-attr]


def test_config_suppression_scoped_by_rule_path_and_resource(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path, TF.replace("policyguard:ignore", "note"))
    cfg = Config(path=tmp_path / ".policyguard.yaml", suppressions=[
        ConfigSuppression(rule="PG-S3-*", path="main.tf", resource="aws_s3_bucket.site", reason="accepted", line=3),
        ConfigSuppression(rule="PG-S3-009", path="other/**", reason="elsewhere", line=8),
    ])
    fs = [sup.finding(site, "PG-S3-001"), sup.finding(logs, "PG-S3-001"), sup.finding(logs, "PG-S3-009")]
    out = suppress.apply(fs, [site, logs], cfg, root=str(tmp_path), today=TODAY)
    assert [f.status for f in fs] == [Status.SUPPRESSED, Status.FAIL, Status.FAIL]
    assert fs[0].suppression.source == "config"  # type: ignore[union-attr]
    assert fs[0].suppression.location == f"{tmp_path / '.policyguard.yaml'}:3"  # type: ignore[union-attr]
    assert [(n.kind, n.line, n.rule_id) for n in out.notices] == [("stale", 8, "PG-S3-009")]


def test_passes_are_not_suppressed_and_make_stale(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    fs = [sup.finding(site, "PG-S3-001", status=Status.PASS), sup.finding(logs, "PG-S3-002", status=Status.UNKNOWN)]
    out = suppress.apply(fs, [site, logs], Config(), today=TODAY)
    assert fs[0].status == Status.PASS and fs[1].status == Status.SUPPRESSED
    assert [(n.kind, n.line, n.rule_id, n.resource_id) for n in out.notices] == [
        ("stale", 1, "PG-S3-001", "aws_s3_bucket.site")]
    assert "matches no failing finding" in out.notices[0].message


def test_stale_ignore_policy(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    out = suppress.apply([], [site, logs], Config(policy=SuppressionPolicy(stale="ignore")), today=TODAY)
    assert out.notices == []


def test_expired_suppression_fails_again(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    fs = [sup.finding(site, "PG-S3-001")]
    out = suppress.apply(fs, [site, logs], Config(policy=SuppressionPolicy(stale="ignore")), today=dt.date(2027, 4, 1))
    assert fs[0].status == Status.FAIL and fs[0].suppression is None
    assert [(n.kind, n.line) for n in out.notices] == [("expired", 1)]
    assert "expired on 2027-03-31" in out.notices[0].message


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        (SuppressionPolicy(require_reason=True), "has no reason"),
        (SuppressionPolicy(require_expiry=True, require_reason=False), "has no expiry"),
        (SuppressionPolicy(max_expiry_days=30, require_reason=False), "more than 30 days out"),
    ],
)
def test_reason_and_expiry_policy(tmp_path: Path, policy: SuppressionPolicy, needle: str) -> None:
    expires = " expires=2027-12-31" if "days" in needle else ""
    text = f'# policyguard:ignore PG-S3-001{expires}\nresource "aws_s3_bucket" "site" {{\n  acl = "x"\n}}\n'
    f = tmp_path / "main.tf"
    f.write_text(text)
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.site", "resource", {"acl": "x"})])
    fs = [sup.finding(r, "PG-S3-001")]
    out = suppress.apply(fs, [r], Config(policy=policy), today=TODAY)
    assert fs[0].status == Status.FAIL
    assert len(out.notices) == 1 and out.notices[0].kind == "rejected" and needle in out.notices[0].message


def test_reason_and_expiry_policy_satisfied(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    pol = SuppressionPolicy(require_reason=True, require_expiry=True, max_expiry_days=200)
    fs = [sup.finding(site, "PG-S3-001")]
    suppress.apply(fs, [site, logs], Config(policy=pol), today=TODAY)
    assert fs[0].status == Status.SUPPRESSED  # expires 2027-03-31 is 129 days out


def test_forbidden_inline_by_rule_and_severity_but_config_allowed(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path)
    pol = SuppressionPolicy(forbid_inline_rules=["PG-S3-00[1]"], forbid_inline_severities=["critical"])
    fs = [sup.finding(site, "PG-S3-001", severity=Severity.LOW), sup.finding(logs, "PG-S3-002", severity=Severity.CRITICAL)]
    out = suppress.apply(fs, [site, logs], Config(policy=pol), today=TODAY)
    assert [f.status for f in fs] == [Status.FAIL, Status.FAIL]
    assert [n.kind for n in out.notices] == ["rejected", "rejected"]
    assert all("forbid_inline" in n.message for n in out.notices)
    cfg = Config(policy=pol, suppressions=[ConfigSuppression(rule="PG-S3-002", reason="risk accepted by CISO", line=2)])
    fs = [sup.finding(logs, "PG-S3-002", severity=Severity.CRITICAL)]
    suppress.apply(fs, [site, logs], cfg, today=TODAY)
    assert fs[0].status == Status.SUPPRESSED and fs[0].suppression.source == "config"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("comment", "needle"),
    [
        ("# policyguard:ignore reason=x", "names no rule id"),
        ("# policyguard:ignore PG-S3-001 reason=x expires=31/03/2027", "is not a date"),
        ("# policyguard:ignore PG-S3-001 reason=x until=2027-01-01", "unknown key 'until'"),
    ],
)
def test_malformed_directive_never_suppresses(tmp_path: Path, comment: str, needle: str) -> None:
    f = tmp_path / "main.tf"
    f.write_text(f'{comment}\nresource "aws_s3_bucket" "site" {{\n  acl = "x"\n}}\n')
    (r,) = sup.build_resources(f, [sup.Spec("aws_s3_bucket.site", "resource", {"acl": "x"})])
    fs = [sup.finding(r, "PG-S3-001")]
    out = suppress.apply(fs, [r], Config(), today=TODAY)
    assert fs[0].status == Status.FAIL
    assert [(n.kind, n.line) for n in out.notices] == [("invalid", 1)] and needle in out.notices[0].message


def test_marker_in_a_value_is_not_a_directive() -> None:
    assert suppress.scan_text('description = "see policyguard:ignore PG-1 docs"\n', "x.tf") == []
    d = suppress.scan_text("  # policyguard:ignore PG-1,PG-2 reason=\"a \\\"quoted\\\" word\" owner=x */\n", "x.tf")
    assert d[0].rules == ["PG-1", "PG-2"] and d[0].reason == 'a "quoted" word' and d[0].problems == []
    d = suppress.scan_text("/* policyguard:ignore PG-AWS-* reason=all */\n", "x.tf")
    assert d[0].rules == ["PG-AWS-*"] and d[0].reason == "all"


def test_stale_needs_evidence_on_partial_scans(tmp_path: Path) -> None:
    site, logs = _tf(tmp_path, TF.replace("PG-S3-002", "PG-NOPE-1"))
    cfg = Config(suppressions=[
        ConfigSuppression(rule="PG-S3-001", path="elsewhere/**", reason="other dir", line=3),  # not scanned
        ConfigSuppression(rule="PG-S3-001", path="main.tf", resource="aws_s3_bucket.logs", reason="x", line=7),
    ])
    fs = [sup.finding(site, "PG-S3-001", status=Status.PASS), sup.finding(logs, "PG-S3-001", status=Status.PASS)]
    out = suppress.apply(fs, [site, logs], cfg, root=str(tmp_path), today=TODAY, evaluated_rules={"PG-S3-001"})
    got = sorted((n.line, n.rule_id, n.message.endswith("matches no failing finding; remove it"),
                  n.message.endswith("names no rule of the loaded rule set; remove it")) for n in out.notices)
    assert got == [
        (1, "PG-S3-001", True, False),  # inline above site: the rule judged that resource
        (7, "PG-S3-001", True, False),  # the config suppression's scope was scanned
        (9, "PG-NOPE-1", False, True),
    ]
    # with a rule filter active, an unknown id is not evidence of staleness
    out = suppress.apply(fs, [site, logs], cfg, root=str(tmp_path), today=TODAY, evaluated_rules={"PG-S3-001"},
                         complete_rule_set=False)
    assert sorted(n.line for n in out.notices) == [1, 7]


def test_end_to_end_metadata_and_inline_yaml(tmp_path: Path) -> None:
    """Real parser and engine: CloudFormation Metadata and an inline YAML comment."""
    why = sup.pipeline_ready()
    if why:
        pytest.skip(why)
    import json
    import subprocess

    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text((sup.DATA / "cloudformation" / "template.yaml").read_text())
    p = subprocess.run([sys.executable, "-m", "policyguard", "scan", "template.yaml", "--rule", "PG-AWS-RDS-00[12]",
                        "-f", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    got = {f["rule_id"]: (f["status"], f["suppression"]["source"], f["suppression"]["location"]) for f in doc["findings"]}
    assert got == {"PG-AWS-RDS-001": ("suppressed", "inline", "template.yaml:15"),
                   "PG-AWS-RDS-002": ("suppressed", "metadata", "template.yaml:3")}


def test_inline_in_a_module_file_covers_every_instance(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text('# policyguard:ignore PG-S3-001 reason="shared module, accepted"\nresource "aws_s3_bucket" "b" {\n}\n')
    specs = [sup.Spec(rid, "resource", {}) for rid in ("module.a.aws_s3_bucket.b", "module.c.aws_s3_bucket.b")]
    a = sup.build_resources(f, specs[:1])[0]
    c = sup.build_resources(f, specs[1:])[0]
    fs = [sup.finding(a, "PG-S3-001"), sup.finding(c, "PG-S3-001")]
    out = suppress.apply(fs, [a, c], Config(), today=TODAY)
    assert [x.status for x in fs] == [Status.SUPPRESSED, Status.SUPPRESSED] and out.notices == []
