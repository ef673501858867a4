"""The secrets rule family (rules/secrets, policyguard/secrets.py) and secret masking everywhere.

Planted secrets are generated here, at test time (random key ids and tokens, a fresh RSA key),
so the repository holds no realistic-looking credential. Three parts:
- detection per detector type and per platform form (Terraform HCL and plan JSON,
  CloudFormation YAML and JSON, Kubernetes), through the real CLI;
- no finding on references and placeholders;
- the leak test: a unique secret planted in each input form never appears in clear (nor in
  base64) in any report format, the fix diff and JSON, a baseline, ``--parse-only``, a parse
  error, or the webhook's answer and audit log; its mask does.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import random
import secrets as pyrandom
import string
import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import runner as _runner

from policyguard import secrets as S
from policyguard.commands import main
from policyguard.redact import mask, mask_text, redact

UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


def rnd(n: int, alphabet: str = ALNUM) -> str:
    return "".join(pyrandom.choice(alphabet) for _ in range(n))


def aws_key_id() -> str:
    return "AKIA" + rnd(16, UPPER_DIGITS)


def aws_secret() -> str:
    return rnd(38, ALNUM + "/+") + rnd(2)


def rsa_pem(encrypted: bool = False) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # small: speed, not strength
    enc = serialization.BestAvailableEncryption(b"pw-" + rnd(8).encode()) if encrypted else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode()


def jwt() -> str:
    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': rnd(12), 'iat': 1700000000})}.{rnd(43, ALNUM + '-_')}"


def gcp_key() -> str:
    return json.dumps({"type": "service_account", "project_id": "p-" + rnd(6).lower(), "private_key_id": rnd(40),
                       "private_key": rsa_pem(), "client_email": "sa@p.iam.gserviceaccount.com"})


def azure_key() -> str:
    return base64.b64encode(pyrandom.token_bytes(64)).decode()


# detector -> (attribute name, value factory)
CASES: dict[str, tuple[str, Any]] = {
    S.AWS_KEY_ID: ("access_key", aws_key_id),
    S.AWS_SECRET: ("secret_key", aws_secret),
    S.GCP_SA_KEY: ("credentials", gcp_key),
    S.AZURE_KEY: ("connection_string", lambda: f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={azure_key()};"),
    S.GIT_TOKEN: ("token", lambda: random.choice(["ghp_", "gho_", "ghs_", "ghu_", "ghr_"]) + rnd(36)),
    S.SLACK: ("webhook", lambda: f"https://hooks.slack.com/services/T{rnd(8, UPPER_DIGITS)}/B{rnd(8, UPPER_DIGITS)}/{rnd(24)}"),
    S.STRIPE: ("api", lambda: "sk_live_" + rnd(24)),
    S.PRIVATE_KEY: ("key_material", rsa_pem),
    S.JWT: ("authorization", lambda: "Bearer " + jwt()),
    S.PASSWORD: ("master_password", lambda: "Pw-" + rnd(6)),
    S.ENTROPY: ("api_token", lambda: rnd(32)),
}
RULE_IDS = {S.AWS_KEY_ID: "PG-SECRETS-001", S.AWS_SECRET: "PG-SECRETS-002", S.GCP_SA_KEY: "PG-SECRETS-003",
            S.AZURE_KEY: "PG-SECRETS-004", S.GIT_TOKEN: "PG-SECRETS-005", S.SLACK: "PG-SECRETS-006",
            S.STRIPE: "PG-SECRETS-007", S.PRIVATE_KEY: "PG-SECRETS-008", S.JWT: "PG-SECRETS-009",
            S.PASSWORD: "PG-SECRETS-010", S.ENTROPY: "PG-SECRETS-011"}


def detectors(attrs: Any) -> set[str]:
    return {h.detector for h in S.scan(attrs)}


# --------------------------------------------------------------------------- detectors
@pytest.mark.parametrize("detector", sorted(CASES))
def test_each_detector_finds_its_type_in_every_carrier(detector: str) -> None:
    name, make = CASES[detector]
    value = make()
    carriers = {
        "attribute": {name: value},
        "nested block": {"block": [{name: value}]},
        "env list": {"env": [{"name": name.upper(), "value": value}]},
        "JSON string": {"container_definitions": json.dumps([{"environment": [{"name": name, "value": value}]}])},
        "base64": {"user_data_base64": base64.b64encode(f"{name.upper()}={json.dumps(value)}\n".encode()).decode()},
        "gzip+base64": {"user_data": base64.b64encode(gzip.compress(f"export {name.upper()}='{value}'\n".encode())).decode()},
    }
    for carrier, attrs in carriers.items():
        if detector == S.PRIVATE_KEY and carrier in ("base64", "gzip+base64"):
            attrs = {"user_data": base64.b64encode(value.encode()).decode()}  # a key file, not an assignment
        hits = S.scan(attrs)
        assert detector in {h.detector for h in hits}, (carrier, [h for h in hits])
        for h in hits:
            assert value not in repr(h) and h.masked.count("****#") == 1


def test_encrypted_private_keys_are_findings_and_say_so() -> None:
    hits = S.scan({"key": rsa_pem(encrypted=True)})
    assert [h.detector for h in hits] == [S.PRIVATE_KEY] and "encrypted" in hits[0].detail


def test_password_literal_whatever_its_strength_and_url_passwords() -> None:
    for value in ("Password123!", "hunter2", "a1"):
        assert detectors({"password": value}) == {S.PASSWORD}, value
    assert detectors({"MasterUserPassword": "Summer2024"}) == {S.PASSWORD}
    assert detectors({"administrator_login_password": "P@ss"}) == {S.PASSWORD}
    assert detectors({"DATABASE_URL": "postgres://app:Tr0ub4dor@db:5432/app"}) == {S.PASSWORD}
    script = "#!/bin/sh\nexport DB_PASSWORD=s3cretpw\nmysql -p$DB_PASSWORD\n"
    hit = S.scan({"user_data": script})
    assert [h.detector for h in hit] == [S.PASSWORD] and hit[0].where == "line 2"


def test_family_reports_a_value_once() -> None:
    """A GitHub token in a password attribute is the Git token rule's finding, not also a
    literal password; a service-account key file is not also a private key finding."""
    env = {"attributes": {"password": "ghp_" + rnd(36), "credentials": gcp_key()}}
    assert [h.detector for h in S.hits(env, S.GIT_TOKEN)] == [S.GIT_TOKEN]
    assert list(S.hits(env, S.PASSWORD)) == []
    assert [h.detector for h in S.hits(env, S.GCP_SA_KEY)] == [S.GCP_SA_KEY]
    assert list(S.hits(env, S.PRIVATE_KEY)) == []


@pytest.mark.parametrize("attrs", [
    {"password": {"__unknown__": "var.db_password"}},
    {"password": "${var.db_password}"},
    {"MasterUserPassword": "{{resolve:secretsmanager:prod/db:SecretString:password}}"},
    {"MasterUserPassword": "{{resolve:ssm-secure:/prod/db/password:1}}"},
    {"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]},
    {"env": [{"name": "DB_PASSWORD", "value": "$(PASSWORD_FROM_SECRET)"}]},
    {"password": "{{ .Values.db.password }}"},
    {"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
    {"password": "changeme"}, {"password": "<password>"}, {"password": "xxxxxxxx"}, {"password": "REPLACE_ME"},
    {"password": "${PASSWORD}"}, {"password": "********"}, {"password": ""}, {"admin_password": "example"},
    {"password": "dummy"}, {"password": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"},
    {"password_length": "32", "password_file": "/run/secrets/db", "token_ttl": "3600", "secret_arn": "arn:aws:x"},
    {"DB_PASSWORD_FILE": "/run/secrets/db_password", "api_key_name": "payments-key"},
    {"password": "/var/run/secrets/kubernetes.io/serviceaccount/token", "secret": "/home/Deploy/Keys/prod2/api"},
    {"aws_secret_access_key": "/run/secrets/aws/secret_access_key/current"},
    {"annotations": {"checksum/secret": "5f2b8c1e9d4a7b3c6e0f1a2d5b8c9e3f4a7b0c1d2e5f8a9b6c3d0e7f1a4b5c8d"}},
    {"image": "registry.example.com/app@sha256:" + "ab12" * 16, "description": "rotate the api token monthly"},
    {"token": "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "hook": "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX"},
    {"url": "https://user:${var.pw}@example.com", "git": "https://github.com/org/repo.git"},
    {"kind": "Secret", "apiVersion": "v1", "stringData": {"password": "real-but-expected", "aws": aws_key_id()}},
    {"kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
    # false-positive classes found on the shared corpus
    {"parameters": {"password_encryption": "scram-sha-256"}},
    {"master_user_password_rotation_schedule_expression": "rate(15 days)"},
    {"nsswitch.conf": "passwd:     files\ngroup:      files\n"},
    {"ZipFile": "def h(event, ctx):\n    ResultToken = event.resultToken\n    lcaToken = body.LifecycleActionToken\n"
                "    pw = params['PasswordReusePrevention']\n    AllowUsersToChangePassword = get(x)\n"},
    {"args": ["--tokenizer=google/gemma-3-27b-it"], "model.py": "self.tokenizer = AutoTokenizer.from_pretrained(path)\n"},
])
def test_references_and_placeholders_are_not_findings(attrs: dict[str, Any]) -> None:
    assert S.scan(attrs) == []


@pytest.mark.parametrize("secret", [
    # AWS secret access keys are base64: one in 64 begins with '/', as a path does
    "/qlvctNkk35cT5yUFl3c6cBiKj5dy2pwK/Jjy8d5", "/a/b/c9XyZ/Qr7Kt2mWv8Lp4Ns6Hd1Fg3Jb5Ce0A", "/x7/Kp2/Wq9/Zr4/Bn8/Tv3/Hm6/Jd1/Lc5/Fs0G",
])
@pytest.mark.parametrize("form", ["attribute", "script"])
def test_aws_secret_key_beginning_with_a_slash_is_not_taken_for_a_path(secret: str, form: str) -> None:
    assert len(secret) == 40
    attrs = ({"aws_secret_access_key": secret} if form == "attribute"
             else {"UserData": {"Fn::Base64": f"#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={secret}\n"}})
    assert S.AWS_SECRET in [h.detector for h in S.scan(attrs)]


def test_last_applied_configuration_of_a_secret_is_skipped_but_other_objects_are_scanned() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "stringData": {"password": "pw-" + rnd(8)}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"DB_PASSWORD": "pw-" + rnd(8)}}
    for obj, want in ((secret, set()), (cm, {S.PASSWORD})):
        ann = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(obj)}
        assert detectors({"metadata": {"annotations": ann}}) == want


def test_values_are_capped_and_decoding_is_bounded() -> None:
    big = "x" * (S.MAX_VALUE + 10) + aws_key_id()  # past the cap: not scanned
    assert S.scan({"user_data": big}) == []
    bomb = base64.b64encode(gzip.compress(b"A" * (S.MAX_DECODED * 8))).decode()
    t0 = time.perf_counter()
    assert S.scan({"user_data": bomb}) == []
    assert time.perf_counter() - t0 < 2


# --------------------------------------------------------------------------- masking
def test_mask_is_stable_short_and_distinguishes_values() -> None:
    a, b = aws_key_id(), aws_key_id()
    assert mask(a) == mask(a) and mask(a) != mask(b)
    assert mask(a).startswith("AKIA****#") and len(mask(a)) == len("AKIA****#") + 6
    assert mask("hunter2") .startswith("****#")  # short values show no character
    for text in (f"AWS_ACCESS_KEY_ID={a}", f'password = "{rnd(10)}"'):
        assert mask_text(mask_text(text)) == mask_text(text) and redact(redact(text)) == redact(text)


def test_mask_text_masks_the_value_line_of_an_env_entry_in_a_diff() -> None:
    pw = "pw-" + rnd(10)
    diff = f"@@ -1,4 +1,5 @@\n       - name: DB_PASSWORD\n         value: {pw}\n+        securityContext: {{}}\n"
    out = mask_text(diff)
    assert pw not in out and mask(pw) in out and out.count("\n") == diff.count("\n")


# --------------------------------------------------------------------------- end to end


def _cli(*args: str) -> tuple[int, str]:
    r = _runner().invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout + r.stderr


def _plant(root: Path) -> dict[str, str]:
    """One unique secret per input form; returns form -> secret."""
    planted = {
        "hcl": aws_key_id(),
        "hcl_password": "Pw-" + rnd(10),
        "plan": "ghp_" + rnd(36),
        "cfn_yaml": "sk_live_" + rnd(24),
        "cfn_json": aws_secret(),
        "k8s": "Pw-" + rnd(12),
        "k8s_key": rsa_pem(),
        "parse_error": "Broken-" + rnd(12),
    }
    (root / "tf").mkdir()
    (root / "tf" / "main.tf").write_text(f'''
resource "aws_sqs_queue" "q" {{
  name = "q"
}}

resource "aws_instance" "web" {{
  ami       = "ami-123"
  user_data = base64encode("export AWS_ACCESS_KEY_ID={planted["hcl"]}")
}}

resource "aws_db_instance" "db" {{
  engine   = "postgres"
  password = "{planted["hcl_password"]}"
}}
''')
    (root / "plan").mkdir()
    plan = {"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {"resources": [
        {"address": "github_actions_secret.s", "mode": "managed", "type": "github_actions_secret", "name": "s",
         "values": {"repository": "r", "secret_name": "X", "plaintext_value": f"token={planted['plan']}"}}]}},
        "resource_changes": [], "configuration": {"root_module": {}}}
    (root / "plan" / "plan.json").write_text(json.dumps(plan))
    (root / "cfn").mkdir()
    (root / "cfn" / "template.yaml").write_text(f"""AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ZipFile: "def handler(e, c): pass"}}
      Environment:
        Variables:
          PAYMENTS_API: {planted["cfn_yaml"]}
""")
    (root / "cfn" / "template.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Box": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1", "UserData": {"Fn::Base64": (
            f"#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={planted['cfn_json']}\n")}}}}}, indent=2))
    (root / "k8s").mkdir()
    key_lines = "".join(f"    {ln}\n" for ln in planted["k8s_key"].splitlines())
    (root / "k8s" / "app.yaml").write_text(f"""apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0
    env:
    - name: DB_PASSWORD
      value: {planted["k8s"]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: tls
data:
  key.pem: |
{key_lines}""")
    (root / "broken").mkdir()
    (root / "broken" / "main.tf").write_text(f'resource "aws_s3_bucket" "b" {{\n  password = Oops {planted["parse_error"]}\n}}\n')
    return planted


def _assert_masked(where: str, text: str, planted: dict[str, str]) -> None:
    for form, secret in planted.items():
        probes = {secret, base64.b64encode(secret.encode()).decode()}
        if form == "k8s_key":  # a PEM is multi-line: its body lines must not appear either
            probes |= {ln for ln in secret.splitlines() if ln and not ln.startswith("-----")}
        for p in probes:
            assert p not in text, f"{form} secret in clear in {where}"


def test_planted_secrets_are_found_per_platform_and_never_printed(tmp_path: Path) -> None:
    planted = _plant(tmp_path)
    outputs: dict[str, str] = {}
    for fmt in ("text", "json", "sarif", "junit", "github"):
        code, out = _cli("scan", str(tmp_path), "-f", fmt, "-j", "1")
        assert code == 2, (fmt, out[-2000:])  # the broken file makes the gate exit 2
        outputs[f"scan -f {fmt}"] = out
    report = json.loads(outputs["scan -f json"])
    found = {(f["rule_id"], f["resource_id"]) for f in report["findings"] if f["status"] == "fail" and f["rule_id"].startswith("PG-SECRETS")}
    assert {("PG-SECRETS-001", "aws_instance.web"), ("PG-SECRETS-010", "aws_db_instance.db"),
            ("PG-SECRETS-005", "github_actions_secret.s"), ("PG-SECRETS-007", "Fn"), ("PG-SECRETS-002", "Box"),
            ("PG-SECRETS-010", "v1/Pod/default/web"), ("PG-SECRETS-008", "v1/ConfigMap/default/tls")} <= found, found
    masks = {mask(planted["hcl"]), mask(planted["cfn_yaml"]), mask(planted["plan"])}
    for fmt in ("text", "json", "sarif", "github"):
        assert all(m in outputs[f"scan -f {fmt}"] for m in masks), fmt
    assert any("parse-error" in e["kind"] for e in report["errors"])
    code, out = _cli("scan", str(tmp_path), "--parse-only", "-j", "1")
    outputs["parse-only"] = out
    clean = tmp_path / "clean"
    clean.mkdir()
    for sub in ("tf", "k8s", "cfn"):
        (tmp_path / sub).rename(clean / sub)
    for fmt in ("diff", "json"):
        code, out = _cli("fix", str(clean), "--unsafe", "-f", fmt)
        assert code in (0, 1), out[-2000:]
        outputs[f"fix -f {fmt}"] = out
    assert "password" in outputs["fix -f diff"] and mask(planted["hcl_password"]) in outputs["fix -f diff"]
    code, out = _cli("scan", str(clean), "-f", "sarif", "-j", "1")
    outputs["scan -f sarif (with fixes)"] = out
    base = tmp_path / "baseline.json"
    code, out = _cli("baseline", "create", str(clean), "-o", str(base))
    assert code == 0, out
    outputs["baseline"] = base.read_text() + out
    for where, text in outputs.items():
        _assert_masked(where, text, planted)


def test_webhook_answer_and_audit_log_never_carry_the_secret(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    from webhook_support import RULES, start_server, wrap

    pw, token = "Pw-" + rnd(12), "xoxb-" + rnd(12, string.digits) + "-" + rnd(24)
    audit = tmp_path / "audit.jsonl"
    config = {"enforcement": {"default": "deny"}, "audit_log": str(audit), "audit_include_object": True}
    srv = start_server(tmp_path, "--rules", str(RULES / "secrets"), "--no-builtin-rules", config=config, workers=1)
    try:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop",
               "annotations": {"note": f"slack {token}"}},
               "spec": {"containers": [{"name": "app", "image": "app:1", "env": [{"name": "DB_PASSWORD", "value": pw}]}]}}
        request = {"uid": "secrets-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                   "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "shop",
                   "operation": "CREATE", "userInfo": {"username": "dev"}, "object": copy.deepcopy(pod), "dryRun": False}
        resp = srv.review("/validate", wrap(request))["response"]
        assert resp["allowed"] is False
        answer = json.dumps(resp)
        assert "PG-SECRETS-010" in answer and "PG-SECRETS-006" in answer and mask(pw) in answer
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (audit.exists() and "secrets-1" in audit.read_text()):
            time.sleep(0.05)
        log = audit.read_text()
        assert "secrets-1" in log and "object_body" in log
        entry = json.loads(log.splitlines()[-1])
        assert entry["object_body"]["spec"]["containers"][0]["env"][0]["value"] == mask(pw)
        for where, text in (("answer", answer), ("audit log", log), ("server log", (tmp_path / "server.log").read_text())):
            _assert_masked(where, text, {"pw": pw, "token": token})
    finally:
        srv.stop()


def test_secret_inside_an_unresolved_expression_fails_and_is_masked(tmp_path: Path) -> None:
    """``!Sub`` with a pseudo parameter stays an unknown marker whose expression is the script:
    the family still reads it (a fail at the resource, not an unknown), and no output quotes it."""
    pw = "Pw-" + rnd(12)
    (tmp_path / "t.yaml").write_text(f"""AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Box:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      UserData:
        Fn::Base64: !Sub |
          #!/bin/bash
          echo ${{AWS::Region}}
          export DB_PASSWORD={pw}
      Tags: [{{Key: Name, Value: !Sub "box-${{AWS::StackName}}"}}]
""")
    code, out = _cli("scan", str(tmp_path), "-f", "json", "-j", "1")
    report = json.loads(out)
    fails = [f for f in report["findings"] if f["rule_id"] == "PG-SECRETS-010" and f["status"] == "fail"]
    assert len(fails) == 1 and "unresolved expression at UserData" in fails[0]["message"], report["findings"]
    outputs = {"json": out}
    for fmt in ("text", "sarif", "junit", "github"):
        outputs[fmt] = _cli("scan", str(tmp_path), "-f", fmt, "-j", "1", "--unknown-as", "report")[1]
    outputs["parse-only"] = _cli("scan", str(tmp_path), "--parse-only", "-j", "1")[1]
    for where, text in outputs.items():
        _assert_masked(where, text, {"pw": pw})
