"""Checkov and Trivy habits on the command line: ``--framework`` input kinds next to compliance
frameworks, ``--check``/``--skip-check``, ``--severity`` (what is shown) vs ``--fail-on`` (what
fails), ``--soft-fail-on``, comma lists and repetition; none may hide a failure quietly. Also the
day-one papercuts: a closed pipe, ``rules show`` suggestions, ``policyguard test``
attribution, HCL syntax errors in words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main
from policyguard.exitcodes import EXIT_EMPTY, EXIT_ERROR, EXIT_FAIL, EXIT_OK

DB = 'resource "aws_db_instance" "db" {\n  engine              = "postgres"\n  publicly_accessible = true\n}\n'
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000
"""


def _run(*args: str) -> tuple[int, str, str]:
    runner = cli_runner()
    r = runner.invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(DB)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(POD)
    return tmp_path


def _json(*args: str) -> tuple[int, dict]:
    code, out, err = _run("scan", *args, "-f", "json", "--verbose")
    return code, json.loads(out)


# --------------------------------------------------------------------------- --framework
def test_framework_input_kind_skips_other_kinds_and_lists_them(repo: Path) -> None:
    code, doc = _json(str(repo), "--framework", "kubernetes")
    assert [Path(f).name for f in doc["files"]] == ["pod.yaml"]
    assert "PG-K8S-POD-001" in {f["rule_id"] for f in doc["findings"]}
    assert [(Path(s["file"]).name, s["reason"]) for s in doc["skipped"]] == [
        ("tf", "terraform: not a selected input kind (--framework kubernetes)")]
    code, doc = _json(str(repo), "--framework", "terraform")
    assert [Path(f).name for f in doc["files"]] == ["main.tf"]
    assert "PG-AWS-RDS-002" in {f["rule_id"] for f in doc["findings"]}
    assert [(Path(s["file"]).name, s["reason"]) for s in doc["skipped"]] == [
        ("pod.yaml", "kubernetes: not a selected input kind (--framework terraform)")]


def test_framework_comma_lists_repetition_and_compliance_together(repo: Path) -> None:
    _, both = _json(str(repo), "--framework", "terraform,kubernetes")
    _, repeated = _json(str(repo), "--framework", "terraform", "--framework", "K8S")
    _, everything = _json(str(repo))
    assert [f["rule_id"] for f in both["findings"]] == [f["rule_id"] for f in repeated["findings"]] \
        == [f["rule_id"] for f in everything["findings"]]
    _, mixed = _json(str(repo), "--framework", "kubernetes,pss-baseline")
    assert mixed["findings"] and all(r["frameworks"] and "pss-baseline" in r["frameworks"]
                                     for r in mixed["rules"].values())
    assert all(f["rule_id"].startswith("PG-K8S-") for f in mixed["findings"])


def test_framework_that_leaves_nothing_is_no_pass(repo: Path) -> None:
    code, out, err = _run("scan", str(repo / "tf"), "--framework", "cloudformation")
    assert code == EXIT_EMPTY
    assert "(1 unit(s) of input kinds --framework did not select)" in out


def test_framework_unknown_value_lists_both_namespaces(repo: Path) -> None:
    code, out, err = _run("scan", str(repo), "--framework", "kuberntes")
    assert code == EXIT_ERROR and out == ""
    assert "unknown input kind or framework 'kuberntes' (did you mean kubernetes" in err
    assert "input kinds: terraform, plan, cloudformation, kubernetes, kustomize" in err
    assert "compliance frameworks: cis-aws" in err


def test_input_kinds_come_from_the_format_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from policyguard import formats

    assert set(formats.cli_kinds()) >= {"terraform", "plan", "cloudformation", "kubernetes", "kustomize"}
    assert "document" not in formats.cli_kinds()
    chart = replace(formats.FORMATS[formats.KUSTOMIZE], name="chartish")
    monkeypatch.setitem(formats.FORMATS, "chartish", chart)
    assert "chartish" in formats.cli_kinds() and formats.input_kinds()["chartish"] == "chartish"
    # the input kinds and the compliance frameworks never share a name, so one option serves both
    from policyguard.engine.rules import framework_names, load_all

    assert not set(formats.input_kinds()) & {n.lower() for n in framework_names(load_all([], True).metas)}


# --------------------------------------------------------------------------- --check / --skip-check
def test_check_and_skip_check_are_rule_selection(repo: Path) -> None:
    _, by_check = _json(str(repo), "--check", "PG-AWS-RDS-002,PG-K8S-POD-001")
    _, by_rule = _json(str(repo), "--rule", "PG-AWS-RDS-002", "--rule", "PG-K8S-POD-001")
    assert sorted(by_check["rules"]) == sorted(by_rule["rules"]) == ["PG-AWS-RDS-002", "PG-K8S-POD-001"]
    _, skipped = _json(str(repo), "--skip-check", "PG-AWS-RDS-*,PG-K8S-POD-001")
    assert not any(r.startswith("PG-AWS-RDS-") or r == "PG-K8S-POD-001" for r in skipped["rules"])
    code, out, err = _run("scan", str(repo), "--check", "PG-AWS-RDS-02")
    assert code == EXIT_ERROR and "--check: no such rule 'PG-AWS-RDS-02' (did you mean PG-AWS-RDS-002" in err
    code, out, err = _run("scan", str(repo), "--skip-check", "CKV_AWS_*")
    assert code == EXIT_ERROR and "--skip-check: no rule matches 'CKV_AWS_*'" in err
    code, out, err = _run("fix", str(repo / "tf"), "--check", "PG-AWS-RDS-002")
    assert code in (EXIT_OK, EXIT_FAIL) and "PG-AWS-RDS-002" in out + err


# --------------------------------------------------------------------------- --severity
def test_severity_filters_what_is_shown_never_what_fails(repo: Path) -> None:
    code, doc = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-*", "--severity", "low,medium")
    assert code == EXIT_FAIL  # the hidden high failure still fails the gate
    assert doc["findings"] and {f["severity"] for f in doc["findings"]} <= {"low", "medium"}
    flt = doc["display_filter"]
    assert flt["severities"] == ["medium", "low"] and flt["hidden"] >= 1 and flt["hidden_failing"] >= 1
    code, out, _ = _run("scan", str(repo / "tf"), "--rule", "PG-AWS-RDS-*", "--severity", "low", "--severity", "medium")
    assert code == EXIT_FAIL
    assert f"Showing only medium, low findings (--severity): {flt['hidden']} hidden, " \
           f"{flt['hidden_failing']} of them failing the gate" in out
    _, out, _ = _run("scan", str(repo / "tf"), "--rule", "PG-AWS-RDS-*", "--severity", "low", "-f", "sarif")
    notes = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("--severity" in n["message"]["text"] and "failing the gate" in n["message"]["text"] for n in notes)
    _, out, _ = _run("scan", str(repo / "tf"), "--rule", "PG-AWS-RDS-*", "--severity", "low", "-f", "github")
    assert "::warning title=policyguard --severity::Showing only low findings" in out


def test_severity_unknown_level_is_a_usage_error(repo: Path) -> None:
    code, out, err = _run("scan", str(repo), "--severity", "hihg")
    assert code == EXIT_ERROR and out == ""
    assert "--severity: unknown severity 'hihg' (did you mean high?)" in err


# --------------------------------------------------------------------------- --soft-fail-on
@pytest.mark.parametrize("value", ["PG-AWS-RDS-002", "PG-AWS-RDS-*", "high", "critical", "PG-K8S-*,PG-AWS-*"])
def test_soft_fail_on_reports_but_does_not_fail(repo: Path, value: str) -> None:
    code, doc = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-002", "--soft-fail-on", value)
    assert code == EXIT_OK
    [f] = doc["findings"]
    assert f["status"] == "fail"  # still in the report
    assert doc["verdict"]["soft_failed"] == 1 and "not enforced: --soft-fail-on" in doc["verdict"]["reason"]


@pytest.mark.parametrize("value", ["medium", "PG-AWS-S3-*"])
def test_soft_fail_on_other_rules_or_lower_severities_still_fails(repo: Path, value: str) -> None:
    code, doc = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-002", "--soft-fail-on", value)
    assert code == EXIT_FAIL and doc["verdict"]["failing"] == 1


def test_soft_fail_on_unknown_rule_is_a_usage_error(repo: Path) -> None:
    code, _, err = _run("scan", str(repo), "--soft-fail-on", "PG-AWS-RDS-02")
    assert code == EXIT_ERROR and "--soft-fail-on: no such rule 'PG-AWS-RDS-02' (did you mean PG-AWS-RDS-002" in err


def test_config_soft_fail_on_local_untrusted_and_allowed(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (repo / ".policyguard.yaml").write_text("version: 1\ngate:\n  soft_fail_on: [PG-AWS-RDS-002]\n")
    code, doc = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-002")
    assert code == EXIT_OK  # the developer's own repository: honoured
    code, doc = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-002", "--untrusted-repo")
    assert code == EXIT_FAIL  # a pull request cannot soften its own gate
    [n] = [n for n in doc["suppression_notices"] if n["subject"] == "config"]
    assert n["kind"] == "rejected" and n["line"] == 3 and "gate.soft_fail_on: PG-AWS-RDS-002" in n["message"]
    org = tmp_path_factory.mktemp("org") / "org.yaml"
    org.write_text("version: 1\nrepo_config: {may_loosen: [gate]}\n")
    code, _ = _json(str(repo / "tf"), "--rule", "PG-AWS-RDS-002", "--untrusted-repo", "--org-config", str(org))
    assert code == EXIT_OK
    (repo / ".policyguard.yaml").write_text("version: 1\ngate:\n  soft_fail_on: [PG-AWS-RDS-02]\n")
    code, _, err = _run("scan", str(repo / "tf"))
    assert code == EXIT_ERROR and ".policyguard.yaml:3: gate.soft_fail_on[0]: no such rule 'PG-AWS-RDS-02'" in err


# --------------------------------------------------------------------------- papercuts
@pytest.mark.parametrize("args", [["rules", "list"], ["rules", "list", "-f", "json"]])
def test_closed_pipe_ends_quietly(args: list[str]) -> None:
    proc = subprocess.run(  # noqa: S603 - our own CLI
        f"{sys.executable} -m policyguard {' '.join(args)} | head -1", shell=True,  # noqa: S602
        capture_output=True, text=True, timeout=120,
        executable="/bin/bash", env=None,
    )
    assert proc.stderr == "" and proc.stdout.count("\n") == 1
    status = subprocess.run(  # noqa: S603
        ["/bin/bash", "-o", "pipefail", "-c", f"{sys.executable} -m policyguard {' '.join(args)} | head -1 >/dev/null"],
        capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and "Traceback" not in status.stderr and "BrokenPipe" not in status.stderr


def test_rules_show_unknown_suggests_close_ids() -> None:
    code, out, err = _run("rules", "show", "PG-AWS-RDS-02")
    assert code == EXIT_ERROR and out == "" and "PG-AWS-RDS-002" in err


def test_policyguard_test_charges_a_load_error_to_its_own_rule_only(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "rules"
    rule = tmp_path / "ebs"
    (rule / "fixtures" / "pass" / "terraform").mkdir(parents=True)
    (rule / "fixtures" / "fail" / "terraform").mkdir(parents=True)
    (rule / "rule.rego").write_text((data / "ebs_encrypted" / "rule.rego").read_text())
    (rule / "fixtures" / "pass" / "terraform" / "main.tf").write_text(
        'resource "aws_ebs_volume" "a" {\n  availability_zone = "x"\n  encrypted = true\n}\n')
    (rule / "fixtures" / "fail" / "terraform" / "main.tf").write_text(
        'resource "aws_ebs_volume" "a" {\n  availability_zone = "x"\n}\n')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "rule.rego").write_text((data / "bad_meta" / "rule.rego").read_text())
    code, out, err = _run("test", str(tmp_path))
    assert code == EXIT_ERROR  # the load error still fails the run
    assert err.count("broken/rule.rego:5") == 1  # said once, at its own file
    assert "1/1 rules passed their fixtures" in out and "bad_meta" not in out and "broken" not in out


def test_hcl_syntax_error_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  versioning {\n'
                                      '    enabled = true\n\n}\n')
    code, out, err = _run("scan", str(tmp_path))
    assert code == EXIT_ERROR
    assert "main.tf:3:14  parse-error" in out  # the text report lists file errors by location
    assert "unclosed '{' opened on line 3 (versioning): the block is missing its '}'" in out + err
