"""The trust model: a scanned repository cannot run code in the gate, and in untrusted mode its
config may tighten the gate but not loosen it (unless a trusted config allows it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team
spec:
  containers:
    - name: c
      image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext:
        privileged: true
"""

# a "rule" file that a pull request adds: importing it must never happen
HOSTILE_RULE = """\
# uses policyguard.engine.python_rules
import os, pathlib
pathlib.Path(os.environ["PG_TEST_MARKER"]).write_text("imported")
os._exit(0)
"""

TRUSTED_RULE = """\
from policyguard.engine.python_rules import fail, rule


@rule(id="PG-K8S-900", title="Pods are named", severity="low", resource_types={"kubernetes": ["*"]},
      remediation="Name it.", fixable=False)
def check(resource, resources):
    if resource["attributes"].get("kind") == "Pod":
        yield fail("checked by a trusted Python rule", path="metadata.name")
"""


def _repo(tmp_path: Path, config: str | None = None) -> Path:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / ".git").mkdir()  # the work tree a pull request controls
    (repo / "k8s" / "pod.yaml").write_text(POD)
    if config is not None:
        (repo / ".policyguard.yaml").write_text(config)
    return repo


def _scan(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYGUARD_")}
    full_env["POLICYGUARD_NO_CACHE"] = "1"
    full_env.update(env or {})
    out = repo.parent / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "policyguard", "scan", str(repo), "-j", "1", "-f", "json", "-o", str(out), *args],
        cwd=repo, capture_output=True, text=True, env=full_env, timeout=120,
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report, proc.stderr


def _config_notices(report: dict) -> list[dict]:
    return [n for n in report.get("suppression_notices", []) if n.get("subject") == "config"]


def _failed(report: dict, rule: str = "PG-K8S-POD-004") -> bool:
    return any(f["rule_id"] == rule and f["status"] == "fail" for f in report.get("findings", []))


# --------------------------------------------------------------------------- code execution
@pytest.mark.parametrize("mode", [[], ["--untrusted-repo"]])
def test_repository_config_never_imports_python(tmp_path: Path, mode: list[str]) -> None:
    repo = _repo(tmp_path, "rules:\n  dirs: [policies]\n")
    (repo / "policies").mkdir()
    (repo / "policies" / "evil.py").write_text(HOSTILE_RULE)
    marker = tmp_path / "marker"
    code, report, _ = _scan(repo, *mode, env={"PG_TEST_MARKER": str(marker)})
    assert not marker.exists(), "a Python file named by the repository's config was imported"
    if mode:  # untrusted: the rule directory itself is rejected (a loosening category)
        assert code == 1 and _failed(report)
        assert any("rules.dirs" in n["message"] for n in _config_notices(report))
    else:  # local: the directory's Rego would load; its Python is a located load error, never a silent skip
        assert code == 2
        errors = [e for e in report["errors"] if e["file"].endswith("evil.py")]
        assert errors and "not imported" in errors[0]["message"]


def test_python_rules_load_from_trusted_directories(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    trusted = tmp_path / "org-rules"
    trusted.mkdir()
    (trusted / "named.py").write_text(TRUSTED_RULE)
    code, report, _ = _scan(repo, "--rules", str(trusted), "--fail-on", "low")
    assert code == 1 and _failed(report, "PG-K8S-900")
    org = tmp_path / "org.yaml"
    org.write_text(f"rules:\n  dirs: [{trusted}]\n")
    code, report, _ = _scan(repo, "--org-config", str(org), "--fail-on", "low")
    assert code == 1 and _failed(report, "PG-K8S-900")


# --------------------------------------------------------------------------- switching the gate off
LOOSENING = {
    "exclude": "exclude: ['**']\n",
    "soft_fail": "gate: {soft_fail: true}\n",
    "builtin_off": "rules: {builtin: false}\n",
    "disable": "rules: {disable: [PG-K8S-POD-004]}\n",
    "disable_glob": "rules: {disable: ['PG-K8S-*']}\n",
    "enable_subset": "rules: {enable: [PG-AWS-S3-001]}\n",
    "frameworks": "rules: {frameworks: [cis-aws]}\n",
    "wildcard_suppression": "suppressions:\n  - {rule: '*', reason: nothing to see}\n",
    "exact_suppression": "suppressions:\n  - {rule: PG-K8S-POD-004, reason: trust me}\n",
    "fail_on_higher": "gate: {fail_on: critical}\n",  # PG-K8S-POD-004 is critical: still fails
    "severity_lowered": "rules: {severity: {PG-K8S-POD-004: info}}\n",
    "suppression_policy_looser": "suppression_policy: {require_reason: false}\n",
}


# (a higher fail_on or a looser suppression policy changes nothing for this critical finding)
@pytest.mark.parametrize("name", sorted(set(LOOSENING) - {"fail_on_higher", "suppression_policy_looser"}))
def test_local_mode_applies_the_repository_config(tmp_path: Path, name: str) -> None:
    """A developer's own run: the repository config switches the gate as it always did."""
    repo = _repo(tmp_path, LOOSENING[name])
    code, report, _ = _scan(repo)
    # nothing left to scan (3) or no rule left to run (2) is never a pass: policyguard.exitcodes
    expected = {"exclude": 3, "builtin_off": 2}.get(name, 0)
    assert code == expected, (name, report.get("verdict"))
    assert not _config_notices(report)


@pytest.mark.parametrize(("name", "how"), [(name, "flag") for name in sorted(LOOSENING)]
                         + [("soft_fail", "env"), ("exclude", "env"), ("soft_fail", "org_config"), ("disable", "org_config")])
def test_untrusted_repository_cannot_loosen_the_gate(tmp_path: Path, name: str, how: str) -> None:
    repo = _repo(tmp_path, LOOSENING[name])
    args: list[str] = []
    env: dict[str, str] = {}
    if how == "flag":
        args = ["--untrusted-repo"]
    elif how == "env":
        env = {"POLICYGUARD_UNTRUSTED_REPO": "1"}
    else:
        org = tmp_path / "org.yaml"
        org.write_text("repo_config: {trust: untrusted}\n")
        args = ["--org-config", str(org)]
    code, report, _ = _scan(repo, *args, env=env)
    assert code == 1, (name, report.get("verdict"))
    assert _failed(report)
    notices = _config_notices(report)
    assert notices, f"{name}: the rejected setting must be reported"
    for n in notices:
        assert n["kind"] == "rejected" and n["line"] >= 1


def test_trusted_config_may_allow_a_category(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "exclude: ['legacy/**']\ngate: {soft_fail: true}\n")
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.yaml").write_text(POD.replace("name: p", "name: old"))
    org = tmp_path / "org.yaml"
    org.write_text("repo_config: {trust: untrusted, may_loosen: [exclude]}\n")
    code, report, _ = _scan(repo, "--org-config", str(org))
    # the exclude is honoured; soft_fail is not, and says so
    assert code == 1
    assert not any("legacy" in f for f in report["files"])
    assert [n for n in _config_notices(report) if "soft_fail" in n["message"]]
    assert not [n for n in _config_notices(report) if "exclude" in n["message"]]


def test_untrusted_repository_may_tighten(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "gate: {fail_on: low, unknown_as: fail}\nrules: {severity: {PG-K8S-POD-004: critical}}\n")
    code, report, _ = _scan(repo, "--untrusted-repo")
    assert code == 1
    assert report["verdict"]["fail_on"] == "low"
    assert report["verdict"]["unknown_as"] == "fail"
    assert not _config_notices(report)


def test_severity_raise_is_honoured_lowering_is_not(tmp_path: Path) -> None:
    # PG-K8S-POD-004 is critical; find a low rule to raise from the rule pack's own metadata
    repo = _repo(tmp_path, "rules:\n  severity:\n    PG-K8S-POD-004: low\n")
    code, report, _ = _scan(repo, "--untrusted-repo")
    sev = {f["severity"] for f in report["findings"] if f["rule_id"] == "PG-K8S-POD-004"}
    assert sev == {"critical"}
    (n,) = [n for n in _config_notices(report) if n.get("rule_id") == "PG-K8S-POD-004"]
    assert n["line"] == 3


def test_config_inside_the_repository_is_not_trusted_in_untrusted_mode(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "ci").mkdir()
    (repo / "ci" / "gate.yaml").write_text("gate: {soft_fail: true}\n")
    code, report, _ = _scan(repo, "--untrusted-repo", "--config", str(repo / "ci" / "gate.yaml"))
    assert code == 1 and _failed(report)
    messages = " ".join(n["message"] for n in _config_notices(report))
    assert "inside the scanned repository" in messages and "soft_fail" in messages
    # the same file outside the checkout is trusted
    outside = tmp_path / "gate.yaml"
    outside.write_text("gate: {soft_fail: true}\n")
    code, report, _ = _scan(repo, "--untrusted-repo", "--config", str(outside))
    assert code == 0


def test_repository_cannot_grant_itself_trust(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "repo_config: {trust: local, may_loosen: [gate]}\ngate: {soft_fail: true}\n")
    code, report, _ = _scan(repo, "--untrusted-repo")
    assert code == 1
    messages = " ".join(n["message"] for n in _config_notices(report))
    assert "repo_config" in messages and "soft_fail" in messages


def test_baseline_inside_the_repository(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYGUARD_")}
    subprocess.run([sys.executable, "-m", "policyguard", "baseline", "create", str(repo), "-j", "1",
                    "-o", str(repo / ".policyguard-baseline.json")], cwd=repo, capture_output=True, env=env, check=True)
    code, _, _ = _scan(repo, "--baseline", str(repo / ".policyguard-baseline.json"))
    assert code == 0  # local: the committed baseline applies
    code, report, _ = _scan(repo, "--untrusted-repo", "--baseline", str(repo / ".policyguard-baseline.json"))
    assert code == 1 and any("baseline" in n["message"] for n in _config_notices(report))
    org = tmp_path / "org.yaml"
    org.write_text("repo_config: {trust: untrusted, may_loosen: [baseline]}\n")
    code, _, _ = _scan(repo, "--org-config", str(org), "--baseline", str(repo / ".policyguard-baseline.json"))
    assert code == 0


def test_inline_wildcard_suppression_needs_permission(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    pod = repo / "k8s" / "pod.yaml"
    pod.write_text(POD.replace("  name: p\n", "  name: p\n  annotations:\n    policyguard.dev/ignore: 'PG-K8S-* reason=all'\n"))
    assert _scan(repo)[0] == 0
    code, report, _ = _scan(repo, "--untrusted-repo")
    assert code == 1
    assert any(n["kind"] == "rejected" and "one rule id" in n["message"] for n in report["suppression_notices"])
    # naming the one rule, with a reason, is a reviewed suppression: honoured
    pod.write_text(POD.replace("  name: p\n", "  name: p\n  annotations:\n    policyguard.dev/ignore: 'PG-K8S-POD-004 reason=lab'\n"))
    code, report, _ = _scan(repo, "--untrusted-repo", "--fail-on", "critical")
    assert code == 0, report["verdict"]
