"""``policyguard migrate-suppressions``: Checkov and Trivy/tfsec suppressions (comments,
CloudFormation metadata, .trivyignore, .trivyignore.yaml, .checkov.yaml) become governed
policyguard suppressions that the gate honours; what cannot be migrated is listed with its file
and line; a second run changes nothing. The scan notices the peers' markers and says how to
migrate them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import runner as _runner

from policyguard.commands import main
from policyguard.gate import migrate

BUCKET_TF = """\
resource "aws_s3_bucket" "site" {
  #checkov:skip=CKV_AWS_20:Public static website
  bucket = "site"
  acl    = "public-read"
}

# the site is public by design
# trivy:ignore:AVD-AWS-0086:exp:2027-06-30
resource "aws_s3_bucket_public_access_block" "site" {
  bucket = aws_s3_bucket.site.id
  // tfsec:ignore:aws-s3-block-public-policy website policy
  // checkov:skip=CKV_AWS_999:a check nobody maps
}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  # checkov:skip=CKV_K8S_19:node exporter needs the host network
  hostNetwork: true
  containers:
    - name: web
      image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000
"""

CFN_YAML = """\
Resources:
  Scratch:
    Type: AWS::S3::Bucket
    Metadata:
      checkov:
        skip:
          - id: "CKV_AWS_20"
            comment: "scratch bucket shared read-only"
    Properties:
      AccessControl: PublicRead
"""


def _run(*args: str) -> tuple[int, str, str]:
    r = _runner().invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def _statuses(path: Path, *args: str) -> dict[tuple[str, str], str]:
    code, out, _ = _run("scan", str(path), "-f", "json", *args)
    doc = json.loads(out)
    return {(f["rule_id"], f["resource_id"]): f["status"] for f in doc["findings"]}


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_terraform_comments_dry_run_write_and_idempotent(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "main.tf").write_text(BUCKET_TF)
    before = _statuses(repo, "--rule", "PG-AWS-S3-*")
    assert before[("PG-AWS-S3-003", "aws_s3_bucket.site")] == "fail"  # a checkov:skip is never honoured

    code, out, err = _run("migrate-suppressions", str(repo), "--owner", "team-web")
    assert code == 1  # CKV_AWS_999 is left
    assert (repo / "main.tf").read_text() == BUCKET_TF  # a dry run writes nothing
    assert '+  # policyguard:ignore PG-AWS-S3-003 reason="Public static website" owner=team-web' in out
    assert ('+# policyguard:ignore PG-AWS-S3-009 reason="the site is public by design" expires=2027-06-30 '
            "owner=team-web") in out
    assert '+  // policyguard:ignore PG-AWS-S3-002 reason="website policy" owner=team-web' in out
    assert f"{repo / 'main.tf'}:12: checkov CKV_AWS_999" in err
    assert "3 to migrate, 0 already migrated, 1 unmapped" in err

    code, _, err = _run("migrate-suppressions", str(repo), "--owner", "team-web", "--write")
    assert code == 1 and "3 migrated" in err
    written = (repo / "main.tf").read_text()
    assert "#checkov:skip=CKV_AWS_20" in written  # the peer's markers stay (Checkov may still run)

    after = _statuses(repo, "--rule", "PG-AWS-S3-*")
    assert after[("PG-AWS-S3-003", "aws_s3_bucket.site")] == "suppressed"
    assert after[("PG-AWS-S3-009", "aws_s3_bucket_public_access_block.site")] == "suppressed"
    assert after[("PG-AWS-S3-002", "aws_s3_bucket_public_access_block.site")] == "suppressed"

    code, out, err = _run("migrate-suppressions", str(repo), "--owner", "team-web", "--write")
    assert (repo / "main.tf").read_text() == written and out == ""
    assert "0 migrated, 3 already migrated, 1 unmapped" in err


def test_kubernetes_yaml_comment(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "pod.yaml").write_text(POD)
    assert _statuses(repo, "--rule", "PG-K8S-POD-001")[("PG-K8S-POD-001", "v1/Pod/apps/web")] == "fail"
    code, _, _ = _run("migrate-suppressions", str(repo), "--write")
    assert code == 0
    assert "  # policyguard:ignore PG-K8S-POD-001 reason=\"node exporter needs the host network\"\n" \
           "  # checkov:skip=CKV_K8S_19" in (repo / "pod.yaml").read_text()
    assert _statuses(repo, "--rule", "PG-K8S-POD-001")[("PG-K8S-POD-001", "v1/Pod/apps/web")] == "suppressed"


def test_kubernetes_checkov_annotation(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "pod.yaml").write_text(POD.replace("  namespace: apps\n", "  namespace: apps\n  annotations:\n"
                                               "    checkov.io/skip1: CKV_K8S_19=node exporter needs the host network\n"
                                               '    "checkov.io/skip2": "CKV_K8S_999"\n')
                                   .replace("  # checkov:skip=CKV_K8S_19:node exporter needs the host network\n", ""))
    code, _, err = _run("migrate-suppressions", str(repo), "--write")
    assert code == 1 and "pod.yaml:8: checkov CKV_K8S_999" in err
    text = (repo / "pod.yaml").read_text()
    assert '    # policyguard:ignore PG-K8S-POD-001 reason="node exporter needs the host network"\n' \
           "    checkov.io/skip1:" in text
    assert _statuses(repo, "--rule", "PG-K8S-POD-001")[("PG-K8S-POD-001", "v1/Pod/apps/web")] == "suppressed"


def test_cloudformation_metadata_yaml_and_json(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "tpl.yaml").write_text(CFN_YAML)
    (repo / "tpl.json").write_text(json.dumps({"Resources": {"Logs": {
        "Type": "AWS::S3::Bucket",
        "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_20", "comment": "log delivery"}]}},
        "Properties": {"AccessControl": "PublicRead"}}}}, indent=2))
    code, _, err = _run("migrate-suppressions", str(repo), "--write")
    assert code == 0, err
    assert '      # policyguard:ignore PG-AWS-S3-003 reason="scratch bucket shared read-only"\n      checkov:' \
        in (repo / "tpl.yaml").read_text()
    cfg = (repo / ".policyguard.yaml").read_text()
    assert 'rule: PG-AWS-S3-003\n    path: "tpl.json"\n    resource: "Logs"\n    reason: "log delivery"' in cfg
    st = _statuses(repo, "--rule", "PG-AWS-S3-003")
    assert st[("PG-AWS-S3-003", "Scratch")] == "suppressed" and st[("PG-AWS-S3-003", "Logs")] == "suppressed"
    code, out, _ = _run("migrate-suppressions", str(repo))
    assert (code, out) == (0, "")


def test_ignore_files_become_config_entries(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (repo / ".trivyignore").write_text("# account-level block applies\nAVD-AWS-0093 exp:2027-01-31\n\n"
                                       "AWS-0091\n\nAVD-AWS-9999\n")
    (repo / ".trivyignore.yaml").write_text(
        "vulnerabilities:\n  - id: CVE-2024-0001\nmisconfigurations:\n  - id: AVD-AWS-0086\n"
        "    paths: [\"legacy/*.tf\"]\n    statement: legacy buckets are read-only\n    expired_at: 2027-02-01\n")
    (repo / ".checkov.yaml").write_text("framework: terraform\nskip-check:\n  - CKV_AWS_20\n  - CKV_K8S_999\n")
    (repo / ".trivyignore.yml").write_text("misconfigurations:\n  - id: AVD-AWS-0093\n    statement: twice\n")
    (repo / ".policyguard.yaml").write_text("version: 1\n# ours\nsuppressions:\n- rule: PG-AWS-S3-004\n"
                                            "  reason: no versioning\nexclude: []\n")
    code, _, err = _run("migrate-suppressions", str(repo), "--write")
    assert code == 1
    lines = err.splitlines()
    assert f"  {repo / '.trivyignore'}:6: trivy AVD-AWS-9999" in lines
    assert f"  {repo / '.checkov.yaml'}:4: checkov CKV_K8S_999" in lines
    # no reason anywhere: listed, never invented
    assert any(ln.startswith(f"  {repo / '.checkov.yaml'}:3: checkov CKV_AWS_20: a reason") for ln in lines)
    assert any(ln.startswith(f"  {repo / '.trivyignore'}:4: trivy AWS-0091: a reason") for ln in lines)
    cfg = (repo / ".policyguard.yaml").read_text()
    assert cfg.startswith("version: 1\n# ours\nsuppressions:\n- rule: PG-AWS-S3-004\n  reason: no versioning\n"
                          "- rule: PG-AWS-S3-011\n  reason: \"account-level block applies\"\n  expires: 2027-01-31\n"
                          "- rule: PG-AWS-S3-009\n  path: \"legacy/*.tf\"\n")
    assert cfg.endswith("exclude: []\n")
    from policyguard.gate.config import load_config

    rules = [(s.rule, s.path, s.expires) for s in load_config(repo / ".policyguard.yaml").suppressions]
    assert rules == [("PG-AWS-S3-004", "", ""), ("PG-AWS-S3-011", "", "2027-01-31"),
                     ("PG-AWS-S3-009", "legacy/*.tf", "2027-02-01")]
    st = _statuses(repo, "--rule", "PG-AWS-S3-011")
    assert st[("PG-AWS-S3-011", "aws_s3_bucket.b")] == "suppressed"
    _, out, _ = _run("migrate-suppressions", str(repo))
    assert out == ""  # idempotent


def test_config_entries_go_where_the_scan_reads_them(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    sub = repo / "envs" / "prod"
    sub.mkdir(parents=True)
    (sub / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (sub / ".trivyignore").write_text("# account-level block applies\nAVD-AWS-0093\n")
    (repo / "other").mkdir()
    (repo / "other" / "main.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "c"\n}\n')
    code, _, err = _run("migrate-suppressions", str(repo), "--write")
    assert code == 0, err
    assert not (sub / ".policyguard.yaml").exists()
    assert '  - rule: PG-AWS-S3-011\n    path: "envs/prod/**"\n' in (repo / ".policyguard.yaml").read_text()
    st = _statuses(repo, "--rule", "PG-AWS-S3-011")
    assert st[("PG-AWS-S3-011", "aws_s3_bucket.b")] == "suppressed"
    assert st[("PG-AWS-S3-011", "aws_s3_bucket.c")] == "fail"  # scoped to the ignore file's directory


def test_policy_expiry_required_flags_and_past_dates(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / ".policyguard.yaml").write_text("version: 1\nsuppression_policy:\n  require_expiry: true\n"
                                            "  max_expiry_days: 400\n")
    (repo / "main.tf").write_text(
        'resource "aws_s3_bucket" "a" {\n  # trivy:ignore:AVD-AWS-0086:exp:2020-01-01 old exception\n}\n'
        'resource "aws_s3_bucket" "b" {\n  #checkov:skip=CKV_AWS_20:public site\n}\n')
    code, _, err = _run("migrate-suppressions", str(repo))
    assert code == 1
    assert "main.tf:2: trivy AVD-AWS-0086: a future expiry (it expired on 2020-01-01" in err
    assert "main.tf:5: checkov CKV_AWS_20: an expiry (suppression_policy.require_expiry: pass --expires" in err
    code, out, err = _run("migrate-suppressions", str(repo), "--expires", "2099-01-01")
    assert "within suppression_policy.max_expiry_days (400)" in err
    import datetime as dt

    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    code, out, err = _run("migrate-suppressions", str(repo), "--expires", soon)
    assert f'policyguard:ignore PG-AWS-S3-003 reason="public site" expires={soon}' in out
    assert _run("migrate-suppressions", str(repo), "--expires", "31/12/2027")[0] == 2


def test_narrower_trivy_scopes_are_not_widened(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "main.tf").write_text(
        'resource "aws_s3_bucket" "a" {\n  # trivy:ignore:AVD-AWS-0086:ws:dev dev only\n}\n'
        'resource "aws_s3_bucket" "b" {\n  # trivy:ignore:AVD-AWS-0086[bucket=b] just this one\n}\n')
    code, out, err = _run("migrate-suppressions", str(repo))
    assert code == 1 and out == ""
    assert "main.tf:2: trivy AVD-AWS-0086: a scope policyguard suppressions do not have (ws:dev" in err
    assert "main.tf:5: trivy AVD-AWS-0086: a scope policyguard suppressions do not have ([bucket=b]" in err


def test_malformed_ignore_file_is_a_located_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / ".trivyignore.yaml").write_text("misconfigurations:\n  - id: AVD-AWS-0086\n  - statement: no id\n")
    code, _, err = _run("migrate-suppressions", str(repo))
    assert code == 2
    assert f"{repo / '.trivyignore.yaml'}:3: misconfigurations[1]: expected a mapping with an id" in err
    (repo / ".trivyignore.yaml").write_text("misconfigurations: [\n")
    code, _, err = _run("migrate-suppressions", str(repo))
    assert code == 2 and ".trivyignore.yaml:" in err and "invalid YAML" in err
    (repo / ".trivyignore.yaml").write_text("- just a list\n")
    code, _, err = _run("migrate-suppressions", str(repo))
    assert code == 2 and f"{repo / '.trivyignore.yaml'}:1: expected a mapping at the top level" in err
    (repo / ".trivyignore.yaml").unlink()
    (repo / ".trivyignore").write_bytes(b"\xff\xfe\x00bad")
    code, _, err = _run("migrate-suppressions", str(repo))
    assert code == 2 and f"{repo / '.trivyignore'}:1: cannot read" in err
    # the scan still says the file is there (counted once), and does not fail on it
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    _, out, _ = _run("scan", str(repo), "-f", "json")
    [n] = [n for n in json.loads(out)["suppression_notices"] if n["subject"] == "foreign-suppressions"]
    assert "(.trivyignore 1)" in n["message"]
    assert "Traceback" not in err


def test_cloudformation_metadata_keys_in_either_order() -> None:
    text = ("Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    Metadata:\n      checkov:\n        skip:\n"
            "          - comment: This is the log bucket\n            id: CKV_AWS_18\n"
            "          - id: CKV_AWS_21\n          - id: CKV_AWS_20\n            comment: \"public: read\"\n"
            "      guard:\n        SuppressedRules: [X]\n")
    found = migrate.find_in_text(text, "t.yaml")
    assert [(f.peer_id, f.line, f.reason, f.anchor) for f in found] == [
        ("CKV_AWS_18", 8, "This is the log bucket", 5), ("CKV_AWS_21", 9, "", 5), ("CKV_AWS_20", 10, "public: read", 5)]


def test_trivy_comment_forms() -> None:
    text = ("# trivy:ignore:AVD-AWS-0086:exp:2027-01-01:ws:dev\n"
            "// trivy:ignore:aws-s3-block-public-acls[bucket=site]\n"
            "# tfsec:ignore:aws-rds-no-public-db-access:exp:2027-02-02\n")
    found = migrate.find_in_text(text, "x.tf")
    assert [(f.tool, f.peer_id, f.expires, f.workspace, f.condition) for f in found] == [
        ("trivy", "AVD-AWS-0086", "2027-01-01", "dev", ""),
        ("trivy", "aws-s3-block-public-acls", "", "", "bucket=site"),
        ("tfsec", "aws-rds-no-public-db-access", "2027-02-02", "", ""),
    ]
    ids = migrate.PeerIds.load()
    assert ids.rules("trivy", "AVD-AWS-0086") == ids.rules("trivy", "aws-s3-block-public-acls") \
        == ids.rules("trivy", "AWS-0086") == ("PG-AWS-S3-009",)
    assert ids.rules("tfsec", "aws-rds-no-public-db-access") == ("PG-AWS-RDS-002",)
    assert ids.rules("checkov", "CKV_AWS_12345") == ()


def test_every_mapped_id_is_a_builtin_rule() -> None:
    from policyguard.engine.rules import load_all

    known = {m.id for m in load_all([], True).metas}
    ids = migrate.PeerIds.load()
    mapped = {r for rules in [*ids.checkov.values(), *ids.trivy.values()] for r in rules}
    assert mapped and mapped <= known, sorted(mapped - known)


def test_scan_notices_foreign_suppressions_in_every_format(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "main.tf").write_text(BUCKET_TF)
    (repo / ".trivyignore").write_text("# account-level block\nAVD-AWS-0093\n\n# no rule of ours\nAVD-AWS-9999\n")
    _, out, _ = _run("scan", str(repo), "-f", "json")
    [n] = [n for n in json.loads(out)["suppression_notices"] if n["subject"] == "foreign-suppressions"]
    assert n["line"] == 2
    assert "6 suppression(s) written for other tools (.trivyignore 2, checkov:skip 2, tfsec:ignore 1, " \
           "trivy:ignore 1) are not honoured" in n["message"]
    _, out, _ = _run("scan", str(repo), "-f", "sarif")
    notes = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("migrate-suppressions" in x["message"]["text"] for x in notes)
    _, out, _ = _run("scan", str(repo))
    assert "FOREIGN-SUPPRESSIONS NOT-HONOURED" in out
    _, out, _ = _run("scan", str(repo), "-f", "junit")
    assert "main.tf:2 foreign-suppressions not-honoured" in out
    _, out, _ = _run("scan", str(repo), "-f", "github")
    assert "title=policyguard foreign-suppressions not-honoured::" in out
    # after the migration only what could not be migrated is still counted
    _run("migrate-suppressions", str(repo), "--write")
    _, out, _ = _run("scan", str(repo), "-f", "json")
    [n] = [n for n in json.loads(out)["suppression_notices"] if n["subject"] == "foreign-suppressions"]
    assert n["message"].startswith("2 suppression(s) written for other tools (.trivyignore 1, checkov:skip 1)")


@pytest.mark.parametrize("text", ["# checkov is great", "# see trivy docs", "checkov: {}"])
def test_prose_is_not_a_foreign_suppression(text: str) -> None:
    assert migrate.find_in_text(text + "\n", "x.tf") == []
