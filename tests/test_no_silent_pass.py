"""No silent pass: every selector that selects nothing, and a scan that finds nothing, is said
out loud with its own exit code (README "Exit codes")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main
from policyguard.exitcodes import EXIT_EMPTY, EXIT_ERROR, EXIT_FAIL, EXIT_OK

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
TF_FAIL = Path(__file__).parent / "data" / "gate" / "terraform" / "main.tf"


def _run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = cli_runner()
    if cwd is not None:
        import os

        old = os.getcwd()
        os.chdir(cwd)
    try:
        r = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        if cwd is not None:
            os.chdir(old)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture()
def tf(tmp_path: Path) -> Path:
    """A Terraform root with a failing database (and a .git so no config above is picked up)."""
    (tmp_path / ".git").mkdir()
    d = tmp_path / "infra"
    d.mkdir()
    (d / "main.tf").write_text(TF_FAIL.read_text())
    return d


# --------------------------------------------------------------------------- CLI selectors
@pytest.mark.parametrize(
    ("args", "expect"),
    [
        # --framework names input kinds (terraform, kubernetes: tests/test_cli_habits.py) and
        # compliance frameworks; anything else is a usage error naming both
        (["--framework", "terrafrom"], ["unknown input kind or framework 'terrafrom'", "did you mean terraform",
                                        "input kinds: terraform, plan", "compliance frameworks: cis-aws"]),
        (["--framework", "dockerfile"], ["does not scan dockerfile", "pss-restricted"]),
        (["--framework", "foo"], ["unknown input kind or framework 'foo'", "frameworks: cis-aws"]),
        (["--framework", "cis-asw"], ["did you mean cis-aws"]),
        (["--rule", "NOPE"], ["--rule: no such rule 'NOPE'"]),
        (["--rule", "PG-AWS-RDS-02"], ["did you mean PG-AWS-RDS-002"]),
        (["--skip-rule", "NOPE"], ["--skip-rule: no such rule 'NOPE'"]),
        (["--rule", "PG-NOPE-*"], ["no rule matches 'PG-NOPE-*'"]),
        (["--rule", "PG-AWS-*", "--framework", "pss-restricted"], ["leaves no rule to evaluate", "--rule PG-AWS-*"]),
        (["--skip-rule", "*"], ["leaves no rule to evaluate"]),
        (["--no-builtin-rules"], ["no rules to evaluate"]),
    ],
)
def test_selector_that_selects_nothing_is_a_usage_error(tf: Path, args: list[str], expect: list[str]) -> None:
    code, out, err = _run("scan", str(tf), *args)
    assert code == EXIT_ERROR, (out, err)
    for text in expect:
        assert text in err, err
    assert "Traceback" not in err and out == ""


def test_selectors_that_match_still_work(tf: Path) -> None:
    code, out, _ = _run("scan", str(tf), "--rule", "PG-AWS-RDS-*", "--framework", "CIS-AWS", "-f", "json")
    assert code == EXIT_FAIL
    rules = json.loads(out)["rules"]
    assert rules and all(rid.startswith("PG-AWS-RDS-") for rid in rules)
    code, _, err = _run("scan", str(tf), "--skip-rule", "PG-AWS-RDS-002")
    assert code in (EXIT_OK, EXIT_FAIL), err


def test_fix_and_baseline_check_selectors_too(tf: Path, tmp_path: Path) -> None:
    code, _, err = _run("baseline", "create", str(tf), "-o", str(tmp_path / "b.json"), "--rule", "NOPE")
    assert code == EXIT_ERROR and "no such rule 'NOPE'" in err
    assert not (tmp_path / "b.json").exists()
    code, _, err = _run("fix", str(tf), "--framework", "terrafrom")
    assert code == EXIT_ERROR and "unknown input kind or framework 'terrafrom' (did you mean terraform?)" in err


def test_rules_list_and_show_unknown_names() -> None:
    code, out, err = _run("rules", "list", "--framework", "nonexistent")
    assert code == EXIT_ERROR and out == "" and "unknown input kind or framework 'nonexistent'" in err
    code, out, err = _run("rules", "list", "--framework", "terraform")  # an input kind: its rules
    assert code == EXIT_OK and "PG-AWS-" in out and "PG-K8S-" not in out
    code, out, err = _run("rules", "list", "--framework", "dockerfile")
    assert code == EXIT_ERROR and "does not scan dockerfile" in err
    code, out, _ = _run("rules", "list", "--framework", "pss-restricted")
    assert code == EXIT_OK and "PG-K8S-" in out
    code, _, err = _run("rules", "show", "PG-K8S-POD-01")
    assert code == EXIT_ERROR and "did you mean PG-K8S-POD-0" in err
    code, _, err = _run("rules", "show", "pg-aws-rds-002")
    assert code == EXIT_ERROR and "did you mean PG-AWS-RDS-002" in err


# --------------------------------------------------------------------------- config selectors
@pytest.mark.parametrize(
    ("rules_yaml", "line", "key", "text"),
    [
        ("  enable: [PG-AWS-RDS-*]\n  disable:\n    - PG-AWS-RDS-001\n    - PG-AWS-RDS-02\n", 6, "rules.disable[1]",
         "no such rule 'PG-AWS-RDS-02' (did you mean PG-AWS-RDS-002"),
        ("  enable:\n    - PG-NOPE-*\n", 4, "rules.enable[0]", "no rule matches 'PG-NOPE-*'"),
        ("  frameworks: [terraform]\n", 3, "rules.frameworks[0]", "IaC type"),
        ("  severity:\n    PG-AWS-RDS-002: low\n    PG-AWS-RSD-001: high\n", 5, "rules.severity.PG-AWS-RSD-001",
         "did you mean PG-AWS-RDS-001"),
    ],
)
def test_config_selector_that_selects_nothing_is_a_located_config_error(
    tf: Path, rules_yaml: str, line: int, key: str, text: str
) -> None:
    cfg = tf.parent / ".policyguard.yaml"
    cfg.write_text("version: 1\nrules:\n" + rules_yaml)  # line 1: version, line 2: rules
    code, out, err = _run("scan", str(tf))
    assert code == EXIT_ERROR, (out, err)
    assert f"{cfg}:{line}: {key}: " in err, err
    assert text in err


# --------------------------------------------------------------------------- empty scans
def test_empty_directory_exits_3_and_says_so(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    empty = tmp_path / "nothing"
    empty.mkdir()
    code, out, _ = _run("scan", str(empty))
    assert code == EXIT_EMPTY
    assert f"no Terraform, CloudFormation or Kubernetes files found under {empty}" in out
    code, out, _ = _run("scan", str(empty), "-f", "json")
    doc = json.loads(out)
    assert doc["verdict"]["exit_code"] == EXIT_EMPTY and not doc["verdict"]["passed"]
    assert "no Terraform" in doc["verdict"]["reason"]


def test_only_non_iac_files_exit_3_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "README.md").write_text("# hello\n")
    (docs / "values.yaml").write_text("replicaCount: 2\nimage: {repository: nginx}\n")
    (docs / "ci.json").write_text('{"name": "x"}\n')
    code, out, _ = _run("scan", str(docs / "values.yaml"), str(docs / "ci.json"))
    assert code == EXIT_EMPTY and "2 file(s) skipped as not IaC" in out
    code, out, _ = _run("scan", str(docs), "--allow-empty")
    assert code == EXIT_OK and "no Terraform, CloudFormation or Kubernetes files found" in out
    # soft-fail does not turn "looked at nothing" into a pass
    assert _run("scan", str(docs), "--soft-fail")[0] == EXIT_EMPTY
    # --parse-only prints the (empty) model rather than gating, but still says nothing was found
    code, out, err = _run("scan", str(docs), "--parse-only")
    assert code == EXIT_OK and json.loads(out)["resources"] == [] and "no Terraform" in err


def test_everything_excluded_is_empty(tf: Path) -> None:
    code, out, _ = _run("scan", str(tf), "--exclude", "*.tf")
    assert code == EXIT_EMPTY, out


def test_empty_baseline_is_not_written(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    out_file = tmp_path / "b.json"
    code, _, err = _run("baseline", "create", str(tmp_path), "-o", str(out_file))
    assert code == EXIT_EMPTY and "no baseline written" in err and not out_file.exists()
    code, _, _ = _run("baseline", "create", str(tmp_path), "-o", str(out_file), "--allow-empty")
    assert code == EXIT_OK and out_file.exists()


def test_sarif_of_an_empty_scan_carries_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    code, out, _ = _run("scan", str(tmp_path), "-f", "sarif")
    assert code == EXIT_EMPTY
    inv = json.loads(out)["runs"][0]["invocations"][0]
    assert inv["exitCode"] == EXIT_EMPTY
    assert any("no Terraform" in n["message"]["text"] for n in inv.get("toolExecutionNotifications", []))


def test_exit_codes_are_documented_in_one_place() -> None:
    import policyguard.exitcodes as ec

    readme = (REPO / "README.md").read_text()
    section = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    for name in ec.__all__:
        assert f"| {getattr(ec, name)} " in section, name
