"""A fix never writes a dangling reference: it creates the target in the same fix, or the target
exists in the scan unit, or the fix is refused with the reason (``policyguard/fix/references.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policyguard.fix.plan import plan_fixes
from policyguard.fix.references import PREFIX, dangling
from policyguard.fix.safety import EVERY_CLASS
from policyguard.model import Fix, FixOp, Reference, Resource, Span
from policyguard.options import EvalOptions, ReadOptions, ScanOptions

TF_ALB = """\
resource "aws_lb" "web" {
  name = "web"
}

resource "aws_lb" "other" {
  name = "other"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/6d0ecf831eec9f09"
  }
}
"""

TF_HTTPS = """
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.{lb}.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "arn:aws:acm:eu-west-1:111122223333:certificate/0e3b6f5a-4c1e-4a35-9d4b-2c1f1f6d6a10"

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/6d0ecf831eec9f09"
  }
}
"""

CFN_ALB = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  HttpListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/6d0ecf831eec9f09
"""

CFN_HTTPS = """\
  HttpsListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/{lb}/50dc6c495c0c9188
      Port: 443
      Protocol: HTTPS
      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
      Certificates:
        - CertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/0e3b6f5a-4c1e-4a35-9d4b-2c1f1f6d6a10
      DefaultActions:
        - Type: forward
          TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/6d0ecf831eec9f09
"""

AZ_SQL = """\
resource "azurerm_mssql_server" "main" {
  name                          = "sql-shop-prod"
  resource_group_name           = "rg-shop-prod"
  location                      = "westeurope"
  version                       = "12.0"
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
}
"""

AZ_DIAG = """
resource "azurerm_log_analytics_workspace" "audit" {
  name                = "law-audit"
  resource_group_name = "rg-shop-prod"
  location            = "westeurope"
}

resource "azurerm_monitor_diagnostic_setting" "sql_audit" {
  name                       = "sql-audit"
  target_resource_id         = "${azurerm_mssql_server.main.id}/databases/master"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.audit.id

  enabled_log {
    category = "SQLSecurityAuditEvents"
  }
}
"""


def _plan(tmp_path: Path, name: str, text: str, rule: str):  # type: ignore[no-untyped-def]
    (tmp_path / name).write_text(text)
    return plan_fixes(ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), evaluation=EvalOptions(jobs=1)), only_rules=[rule], policy=EVERY_CLASS)


def test_alb_redirect_without_https_listener_is_refused(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "main.tf", TF_ALB, "PG-AWS-ELB-001")
    assert not plan.verified and not plan.results
    (g,) = plan.refused
    assert g.reason.startswith(PREFIX) and "no HTTPS listener on port 443" in g.reason


def test_alb_redirect_with_https_listener_on_another_lb_is_refused(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "main.tf", TF_ALB + TF_HTTPS.replace("{lb}", "other"), "PG-AWS-ELB-001")
    assert not plan.verified and [g.reason.startswith(PREFIX) for g in plan.refused] == [True]


def test_alb_redirect_to_existing_https_listener_is_applied(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "main.tf", TF_ALB + TF_HTTPS.replace("{lb}", "web"), "PG-AWS-ELB-001")
    assert not plan.refused
    (g,) = plan.verified
    (text,) = plan.results.values()
    assert '    type             = "redirect"\n' in text
    assert '    redirect {\n      port        = "443"\n      protocol    = "HTTPS"\n' in text
    assert g.resource.id == "aws_lb_listener.http"


def test_cloudformation_redirect_needs_the_same_load_balancer(tmp_path: Path) -> None:
    refused = _plan(tmp_path, "template.yaml", CFN_ALB + CFN_HTTPS.replace("{lb}", "api"), "PG-AWS-ELB-001")
    assert not refused.verified and refused.refused[0].reason.startswith(PREFIX)
    applied = _plan(tmp_path, "template.yaml", CFN_ALB + CFN_HTTPS.replace("{lb}", "web"), "PG-AWS-ELB-001")
    assert len(applied.verified) == 1 and not applied.refused
    (text,) = applied.results.values()
    assert '        - Type: redirect\n          RedirectConfig:\n            Port: "443"\n            Protocol: HTTPS\n' in text


def test_redirect_to_a_conditional_listener_is_refused(tmp_path: Path) -> None:
    """Found on real templates: the HTTPS listener exists only when a certificate is given."""
    cond = CFN_HTTPS.replace("{lb}", "web").replace("    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web",
                                                    "    Type: AWS::ElasticLoadBalancingV2::Listener\n    Condition: HasCertificate\n    Properties:\n      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web")
    assert "Condition: HasCertificate" in cond
    params = "Parameters:\n  Cert: {Type: String, Default: ''}\nConditions:\n  HasCertificate: !Not [!Equals [!Ref Cert, '']]\n"
    (tmp_path / "cfn").mkdir()
    (tmp_path / "tf").mkdir()
    plan = _plan(tmp_path / "cfn", "template.yaml", CFN_ALB.replace("Resources:\n", params + "Resources:\n") + cond, "PG-AWS-ELB-001")
    assert not plan.verified and "exists only when the condition HasCertificate holds" in plan.refused[0].reason
    tf = TF_ALB + TF_HTTPS.replace("{lb}", "web").replace('resource "aws_lb_listener" "https" {\n', 'resource "aws_lb_listener" "https" {\n  count = var.cert != "" ? 1 : 0\n')
    plan = _plan(tmp_path / "tf", "main.tf", 'variable "cert" {\n  type = string\n}\n' + tf, "PG-AWS-ELB-001")
    assert not plan.verified and "count/for_each" in plan.refused[0].reason


def test_sql_audit_to_azure_monitor_needs_a_diagnostic_setting(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "main.tf", AZ_SQL, "PG-AZURE-SQL-001")
    assert not plan.verified and plan.refused[0].reason.startswith(PREFIX)
    assert "azurerm_monitor_diagnostic_setting" in plan.refused[0].reason
    ok = _plan(tmp_path, "main.tf", AZ_SQL + AZ_DIAG, "PG-AZURE-SQL-001")
    assert len(ok.verified) == 1 and not ok.refused
    (text,) = ok.results.values()
    assert 'resource "azurerm_mssql_server_extended_auditing_policy" "main"' in text


# ------------------------------------------------------------------ the class, on synthetic fixes
def _res(rid: str, platform: str = "terraform", typ: str = "aws_sns_topic", name: str = "t", module: str = "",
         references: list[Reference] | None = None, attributes: dict | None = None) -> Resource:  # type: ignore[type-arg]
    return Resource(rid, platform, typ, name, attributes or {}, Span("main.tf", 1, 1, 1, 1), module=module,
                    references=references or [])


def _set(path: str, value: object) -> Fix:
    return Fix("d", (FixOp("set", path, value),))


@pytest.mark.parametrize(
    ("fix", "unit_ids", "bad"),
    [
        (_set("kms_master_key_id", "${aws_kms_key.topics.arn}"), [], "aws_kms_key.topics"),
        (_set("kms_master_key_id", "${aws_kms_key.topics.arn}"), ["aws_kms_key.topics"], None),
        (_set("kms_master_key_id", "${aws_kms_key.topics[0].arn}"), ["aws_kms_key.topics[0]"], None),
        (_set("kms_master_key_id", "${data.aws_kms_key.shared.arn}"), [], "data.aws_kms_key.shared"),
        (_set("kms_master_key_id", "${data.aws_kms_key.shared.arn}"), ["data.aws_kms_key.shared"], None),
        (_set("kms_master_key_id", "${var.key}"), [], "var.key"),
        (_set("kms_master_key_id", "alias/aws/sns"), [], None),  # AWS managed: exists in every account
        (_set("kms_master_key_id", "arn:aws:kms:eu-west-1:111122223333:key/1234"), [], "kms_master_key_id"),
        (_set("logging", [{"target_bucket": "access-logs", "target_prefix": "x/"}]), [], "target_bucket"),
        (_set("tags", {"Name": "${self.id}", "Env": "${each.key}"}), [], None),  # values, not objects
        (Fix("d", (FixOp("add_resource", "", {"type": "aws_kms_key", "name": "topics", "attributes": {}}),
                   FixOp("set", "kms_master_key_id", "${aws_kms_key.topics.arn}"))), [], None),  # created here
    ],
)
def test_terraform_references(fix: Fix, unit_ids: list[str], bad: str | None) -> None:
    me = _res("aws_sns_topic.t")
    unit = {me.id: me} | {i: _res(i) for i in unit_ids}
    why = dangling(me, fix, unit)
    if bad is None:
        assert why is None, why
    else:
        assert why is not None and why.startswith(PREFIX) and bad in why


def test_terraform_references_resolve_inside_the_module() -> None:
    me = _res("module.app.aws_sns_topic.t", module="module.app")
    fix = _set("kms_master_key_id", "${aws_kms_key.topics.arn}")
    assert dangling(me, fix, {me.id: me, "aws_kms_key.topics": _res("aws_kms_key.topics")}) is not None  # root, not this module
    key = _res("module.app.aws_kms_key.topics")
    assert dangling(me, fix, {me.id: me, key.id: key}) is None


def test_cloudformation_refs() -> None:
    me = _res("Topic", "cloudformation", "AWS::SNS::Topic", "Topic")
    key = _res("Key", "cloudformation", "AWS::KMS::Key", "Key")
    for value in ({"Ref": "Key"}, {"Fn::GetAtt": ["Key", "Arn"]}, {"Fn::Sub": "arn:${AWS::Partition}:kms:${Key}"}):
        assert dangling(me, _set("KmsMasterKeyId", value), {me.id: me}) is not None
        assert dangling(me, _set("KmsMasterKeyId", value), {me.id: me, key.id: key}) is None
    assert dangling(me, _set("Tags", [{"Key": "region", "Value": {"Ref": "AWS::Region"}}]), {me.id: me}) is None


def test_kubernetes_names_of_other_objects() -> None:
    me = _res("v1/Pod/shop/web", "kubernetes", "v1/Pod", "web")
    why = dangling(me, _set("spec.serviceAccountName", "web-reader"), {me.id: me})
    assert why is not None and "serviceAccountName" in why
    assert dangling(me, _set("spec.securityContext.seccompProfile", {"type": "Localhost", "localhostProfile": "x.json"}), {me.id: me})
    assert dangling(me, _set("spec.securityContext.seccompProfile", {"type": "RuntimeDefault"}), {me.id: me}) is None


def test_every_builtin_fix_on_its_fixtures_is_checked(tmp_path: Path) -> None:
    """The pack's own fixes: only the ALB redirect and Azure Monitor auditing fixes may be
    refused as dangling on their fail fixtures (their targets are not part of the fixture)."""
    import glob

    cases = sorted(glob.glob(str(Path(__file__).resolve().parent.parent / "rules" / "**" / "fixtures" / "fail" / "*"), recursive=True))
    cases = [c for c in cases if not Path(c, "plan.json").exists()]
    plan = plan_fixes(ScanOptions(read=ReadOptions(paths=cases), evaluation=EvalOptions(jobs=2)), policy=EVERY_CLASS)
    dangling_rules = {g.rule_id for g in plan.refused if g.reason.startswith(PREFIX)}
    assert dangling_rules == {"PG-AWS-ELB-001", "PG-AZURE-SQL-001"}, sorted((g.rule_id, g.reason) for g in plan.refused)
