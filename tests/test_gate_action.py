"""The composite GitHub Action: its gate and enforce steps run for real in bash."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def _steps() -> dict[str, dict]:
    doc = yaml.safe_load(ACTION.read_text())
    assert doc["runs"]["using"] == "composite"
    return {s.get("id") or s["name"]: s for s in doc["runs"]["steps"]}


def test_action_shape() -> None:
    doc = yaml.safe_load(ACTION.read_text())
    assert {"paths", "fail-on", "soft-fail", "unknown-as", "baseline", "sarif-file", "upload-sarif"} <= set(doc["inputs"])
    steps = _steps()
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "always()" in upload["if"]  # the SARIF is uploaded even when the gate fails
    assert all(s.get("shell") == "bash" for s in steps.values() if "run" in s)


@pytest.fixture(scope="module")
def ready() -> None:
    if shutil.which("bash") is None or shutil.which("policyguard") is None:
        pytest.skip("bash or the policyguard console script not available")
    why = sup.pipeline_ready()
    if why:
        pytest.skip(why)


def _run_step(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", step["run"]], cwd=cwd, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("sub", "soft", "code", "enforced"), [("terraform", "false", 1, 1),
                                                               ("terraform", "true", 0, 0),
                                                               ("terraform_pass", "false", 0, 0)])
def test_gate_and_enforce_steps(ready: None, tmp_path: Path, sub: str, soft: str, code: int, enforced: int) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / sub).mkdir()
    (tmp_path / sub / "main.tf").write_text((sup.DATA / sub / "main.tf").read_text())
    out, summary = tmp_path / "gh_output", tmp_path / "gh_summary"
    env = {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "PG_PATHS": sub, "PG_FAIL_ON": "",
           "PG_SOFT_FAIL": soft, "PG_UNKNOWN_AS": "", "PG_CONFIG": "", "PG_BASELINE": "",
           "PG_EXTRA": "--exclude 'nothing/**'", "PG_SARIF": "results/pg.sarif", "PG_CATEGORY": "policyguard"}
    steps = _steps()
    p = _run_step(steps["scan"], tmp_path, env)
    assert p.returncode == 0, p.stderr  # the scan step never fails: the SARIF upload must still run
    assert f"exit-code={code}" in out.read_text()
    sarif = json.loads((tmp_path / "results" / "pg.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "policyguard/"
    if code == 1 or soft == "true":
        assert "::error file=" in p.stdout and "PG-AWS-RDS-002" in p.stdout
    e = _run_step(steps["Enforce the verdict"], tmp_path, {"PG_CODE": str(code)})
    assert e.returncode == enforced


@pytest.mark.parametrize(("event", "untrusted", "code"), [("push", "auto", 0), ("pull_request", "auto", 1),
                                                          ("pull_request_target", "auto", 1), ("pull_request", "false", 0),
                                                          ("push", "true", 1)])
def test_pull_requests_cannot_switch_the_gate_off(ready: None, tmp_path: Path, event: str, untrusted: str, code: int) -> None:
    """On a pull request the checkout's own config may not soften the gate (README "Security model")."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / "main.tf").write_text((sup.DATA / "terraform" / "main.tf").read_text())
    (tmp_path / ".policyguard.yaml").write_text("gate: {soft_fail: true}\n")
    out = tmp_path / "gh_output"
    env = {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "PG_PATHS": "terraform",
           "PG_FAIL_ON": "", "PG_SOFT_FAIL": "false", "PG_UNKNOWN_AS": "", "PG_CONFIG": "", "PG_BASELINE": "",
           "PG_EXTRA": "", "PG_SARIF": "pg.sarif", "PG_CATEGORY": "policyguard", "GITHUB_EVENT_NAME": event,
           "PG_UNTRUSTED": untrusted, "PG_ORG_CONFIG": ""}
    p = _run_step(_steps()["scan"], tmp_path, env)
    assert p.returncode == 0, p.stderr
    assert f"exit-code={code}" in out.read_text(), p.stdout + p.stderr
    if code == 1:
        assert "policyguard config rejected" in p.stdout


@pytest.mark.parametrize(("allow", "code"), [("false", 3), ("true", 0)])
def test_action_on_paths_without_iac(ready: None, tmp_path: Path, allow: str, code: int) -> None:
    """A path with no IaC is exit 3 (the job fails, saying why) unless allow-empty is set."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("nothing to scan\n")
    out, summary = tmp_path / "gh_output", tmp_path / "gh_summary"
    env = {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "PG_PATHS": "docs", "PG_FAIL_ON": "",
           "PG_SOFT_FAIL": "false", "PG_UNKNOWN_AS": "", "PG_CONFIG": "", "PG_BASELINE": "", "PG_ALLOW_EMPTY": allow,
           "PG_EXTRA": "", "PG_SARIF": "pg.sarif", "PG_CATEGORY": "policyguard"}
    steps = _steps()
    p = _run_step(steps["scan"], tmp_path, env)
    assert p.returncode == 0, p.stderr
    assert f"exit-code={code}" in out.read_text()
    assert "no Terraform, CloudFormation or Kubernetes files found under docs" in p.stdout
    e = _run_step(steps["Enforce the verdict"], tmp_path, {"PG_CODE": str(code)})
    assert e.returncode == code
    if code:
        assert "allow-empty" in e.stdout


def test_install_step_installs_the_pinned_checkout_with_its_lock(tmp_path: Path) -> None:
    """By default the action installs its own checkout (the version `uses:` pinned) with the
    checkout's lock file, never a name looked up on PyPI. `python` and `policyguard` are
    recording doubles here: the real install is what .ci/run does."""
    bindir, log = tmp_path / "bin", tmp_path / "calls"
    bindir.mkdir()
    for name in ("python", "policyguard"):
        exe = bindir / name
        exe.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        exe.chmod(0o755)
    step = _steps()["Install policyguard"]
    here = ACTION.parent
    env = {"PATH": f"{bindir}:{os.environ['PATH']}", "GITHUB_ACTION_PATH": str(here), "PG_FROM": ""}
    p = _run_step(step, tmp_path, env)
    assert p.returncode == 0, p.stderr
    pip, version = log.read_text().splitlines()
    assert pip == f"python -m pip install --disable-pip-version-check --quiet -c {here}/constraints.txt {here}"
    assert version == "policyguard --version"
    assert (here / "constraints.txt").is_file()
    log.unlink()
    p = _run_step(step, tmp_path, {**env, "PG_FROM": "."})
    assert log.read_text().splitlines()[0] == "python -m pip install --disable-pip-version-check --quiet ."
