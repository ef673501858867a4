"""The pre-commit hooks, run by the real `pre-commit` tool against temporary git repositories.

The hook definitions come from the repository's own ``.pre-commit-hooks.yaml``. By default the
test serves them from a temporary hook repository with ``language: system`` and the entry run by
this interpreter (the installed policyguard), so no virtualenv is built from PyPI during the
test run; ids, ``files`` patterns, ``pass_filenames`` and the entry's arguments are ours verbatim.
Set ``POLICYGUARD_PRECOMMIT_VENV=1`` to also let pre-commit build the hook exactly as users get it
(``language: python``: a virtualenv with policyguard installed from a clone of this work tree;
needs network access to PyPI and takes a minute).
"""

from __future__ import annotations

import importlib.util
import os
import shlex
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

REPO = Path(__file__).resolve().parents[1]
HOOKS = REPO / ".pre-commit-hooks.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(scope="module")
def ready() -> None:
    if shutil.which("pre-commit") is None or shutil.which("git") is None:
        pytest.skip("pre-commit or git not installed")
    why = sup.pipeline_ready()
    if why:
        pytest.skip(why)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_ENV)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    env["HOME"] = str(tmp_path / "home")
    env.pop("PRE_COMMIT", None)
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


def _git_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    assert _run(["git", "init", "-q", "-b", "main"], path, env).returncode == 0


def _commit_all(path: Path, env: dict[str, str], msg: str) -> None:
    _run(["git", "add", "-A"], path, env)
    p = _run(["git", "commit", "-q", "--no-verify", "-m", msg], path, env)
    assert p.returncode == 0, p.stderr


def _system_hook_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    """Our hooks, served with language: system by this interpreter's policyguard."""
    hooks = yaml.safe_load(HOOKS.read_text())
    for h in hooks:
        assert h["language"] == "python"
        args = shlex.split(h["entry"])
        assert args[0] == "policyguard"
        h["language"] = "system"
        h["entry"] = shlex.join([sys.executable, "-m", "policyguard", *args[1:]])
    repo = tmp_path / "hooks"
    _git_repo(repo, env)
    (repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(hooks, sort_keys=False))
    _commit_all(repo, env, "hooks")
    return repo


def _project(tmp_path: Path, env: dict[str, str]) -> Path:
    proj = tmp_path / "project"
    _git_repo(proj, env)
    (proj / "README.md").write_text("demo\n")
    _commit_all(proj, env, "init")
    for sub in ("terraform", "terraform_pass"):
        (proj / sub).mkdir()
        (proj / sub / "main.tf").write_text((sup.DATA / sub / "main.tf").read_text())
    return proj


def test_hook_definitions() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"policyguard", "policyguard-ci"}
    fast, full = hooks["policyguard"], hooks["policyguard-ci"]
    assert fast["pass_filenames"] is True and full["pass_filenames"] is False and full["always_run"] is True
    import re

    pat = re.compile(fast["files"])
    for name in ("main.tf", "a/b.tf.json", "prod.tfvars", "template.yaml", "deploy.yml", "plan.json"):
        assert pat.search(name), name
    for name in ("README.md", "main.py", "Dockerfile"):
        assert not pat.search(name), name


def test_try_repo_blocks_failing_and_allows_passing_file(ready: None, tmp_path: Path) -> None:
    env = _env(tmp_path)
    hooks = _system_hook_repo(tmp_path, env)
    proj = _project(tmp_path, env)
    ok = _run(["pre-commit", "try-repo", str(hooks), "policyguard", "--files", "terraform_pass/main.tf"], proj, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout
    bad = _run(["pre-commit", "try-repo", str(hooks), "policyguard", "--files", "terraform/main.tf"], proj, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "PG-AWS-RDS-002" in bad.stdout and "terraform/main.tf" in bad.stdout
    full = _run(["pre-commit", "try-repo", str(hooks), "policyguard-ci", "--all-files"], proj, env)
    assert full.returncode == 1 and "PG-AWS-RDS-001" in full.stdout


def test_installed_hook_blocks_and_allows_git_commit(ready: None, tmp_path: Path) -> None:
    env = _env(tmp_path)
    hooks = _system_hook_repo(tmp_path, env)
    rev = _run(["git", "rev-parse", "HEAD"], hooks, env).stdout.strip()
    proj = _project(tmp_path, env)
    (proj / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": str(hooks), "rev": rev, "hooks": [{"id": "policyguard"}]}]})
    )
    p = _run(["pre-commit", "install"], proj, env)
    assert p.returncode == 0, p.stderr
    _run(["git", "add", ".pre-commit-config.yaml", "terraform_pass/main.tf"], proj, env)
    good = _run(["git", "commit", "-m", "passing database"], proj, env)
    assert good.returncode == 0, good.stdout + good.stderr
    head = _run(["git", "rev-parse", "HEAD"], proj, env).stdout
    _run(["git", "add", "terraform/main.tf"], proj, env)
    bad = _run(["git", "commit", "-m", "public database"], proj, env)
    assert bad.returncode != 0
    assert "PG-AWS-RDS-002" in bad.stdout + bad.stderr
    assert _run(["git", "rev-parse", "HEAD"], proj, env).stdout == head  # the commit was blocked


def test_commit_of_only_non_iac_yaml_passes_the_hook(ready: None, tmp_path: Path) -> None:
    """The staged-files hook matches any .json/.yaml: a commit of only CI workflows or Helm values
    holds no IaC, which must not block it (the hook passes --allow-empty); the full-scan hook on a
    repository without any IaC says so and fails (exit 3)."""
    env = _env(tmp_path)
    hooks = _system_hook_repo(tmp_path, env)
    proj = tmp_path / "project"
    _git_repo(proj, env)
    (proj / ".github" / "workflows").mkdir(parents=True)
    (proj / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n")
    (proj / "values.yaml").write_text("replicaCount: 2\n")
    (proj / "package.json").write_text('{"name": "web"}\n')
    files = [".github/workflows/ci.yml", "values.yaml", "package.json"]
    ok = _run(["pre-commit", "try-repo", str(hooks), "policyguard", "--files", *files], proj, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    full = _run(["pre-commit", "try-repo", str(hooks), "policyguard-ci", "--all-files"], proj, env)
    assert full.returncode != 0 and "no Terraform, CloudFormation or Kubernetes files found" in full.stdout


@pytest.mark.skipif(os.environ.get("POLICYGUARD_PRECOMMIT_VENV") != "1", reason="set POLICYGUARD_PRECOMMIT_VENV=1")
def test_try_repo_with_the_real_python_hook(ready: None, tmp_path: Path) -> None:
    """pre-commit builds the hook's virtualenv from a clone of this work tree (network)."""
    env = _env(tmp_path)
    clone = tmp_path / "policyguard"
    shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", ".mypy_cache",
                                                                 ".ruff_cache", ".pytest_cache", "build"))
    _git_repo(clone, env)
    _commit_all(clone, env, "snapshot")
    proj = _project(tmp_path, env)
    bad = _run(["pre-commit", "try-repo", str(clone), "policyguard", "--files", "terraform/main.tf"], proj, env, 900)
    assert bad.returncode == 1 and "PG-AWS-RDS-002" in bad.stdout, bad.stdout + bad.stderr
    ok = _run(["pre-commit", "try-repo", str(clone), "policyguard", "--files", "terraform_pass/main.tf"], proj, env, 900)
    assert ok.returncode == 0, ok.stdout + ok.stderr
