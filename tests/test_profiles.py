"""Rule profiles and confidence: `baseline` (the default) runs the rules whose failure is a
misconfiguration almost everywhere; `strict` adds hardening that correct deployments often skip.
Every built-in rule declares both fields; a rule named by its id runs whatever its profile."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import runner as cli_runner

from policyguard.commands import main
from policyguard.engine.rules import builtin_rules_dir

# fails only strict rules: PG-K8S-POD-020 (read-only root file system), PG-K8S-RES-003 (memory limit)
HARDENED_BUT_PLAIN = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          securityContext:
            privileged: false
"""


def _invoke(*args: str) -> tuple[int, str, str]:
    runner = cli_runner()
    r = runner.invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr if hasattr(r, "stderr") else ""


def _repo(tmp_path: Path, config: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy.yaml").write_text(HARDENED_BUT_PLAIN)
    if config is not None:
        (tmp_path / ".policyguard.yaml").write_text(config)
    return tmp_path


def _statuses(doc: dict, rule_id: str) -> list[str]:
    return [f["status"] for f in doc["findings"] if f["rule_id"] == rule_id]


def _scan(*args: str) -> tuple[int, dict]:
    code, out, _ = _invoke("scan", "-f", "json", *args)
    return code, json.loads(out)


def test_every_builtin_rule_declares_its_profile_and_confidence() -> None:
    missing = []
    for p in sorted(builtin_rules_dir().rglob("rule.*")):
        if "fixtures" in p.parts or p.suffix not in (".rego", ".py"):
            continue
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".rego":
            ok = re.search(r"^#   profile: (baseline|strict)$", text, re.M) and re.search(r"^#   confidence: (high|medium|low)$", text, re.M)
        else:
            ok = re.search(r'profile="(baseline|strict)"', text) and re.search(r'confidence="(high|medium|low)"', text)
        if not ok:
            missing.append(str(p.relative_to(builtin_rules_dir())))
    assert not missing, missing


def test_both_profiles_hold_rules_for_every_platform() -> None:
    code, out, _ = _invoke("rules", "list", "--format", "json")
    assert code == 0
    rules = json.loads(out)["rules"]
    by = {(plat, r["profile"]) for r in rules for plat in r["resource_types"]}
    for plat in ("terraform", "cloudformation", "kubernetes"):
        assert (plat, "baseline") in by
    assert any(r["profile"] == "strict" for r in rules)
    assert {r["confidence"] for r in rules} <= {"high", "medium", "low"}
    code, out, _ = _invoke("rules", "list", "--format", "json", "--profile", "baseline")
    assert code == 0 and all(r["profile"] == "baseline" for r in json.loads(out)["rules"])


def test_baseline_is_the_default_and_strict_adds_hardening(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _, base = _scan(str(repo))
    assert _statuses(base, "PG-K8S-POD-020") == [] and _statuses(base, "PG-K8S-RES-003") == []
    assert _statuses(base, "PG-K8S-POD-004") == ["pass"]  # baseline rules still judge it
    code, strict = _scan(str(repo), "--profile", "strict")
    assert _statuses(strict, "PG-K8S-POD-020") == ["fail"] and _statuses(strict, "PG-K8S-RES-003") == ["fail"]
    assert _statuses(strict, "PG-K8S-POD-004") == ["pass"]


def test_a_rule_named_by_id_runs_whatever_its_profile(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _, doc = _scan(str(repo), "--rule", "PG-K8S-POD-020")
    assert _statuses(doc, "PG-K8S-POD-020") == ["fail"]


def test_selection_emptied_by_the_profile_says_so(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, _, err = _invoke("scan", str(repo), "--rule", "PG-K8S-RES-00*")
    assert code == 2 and "--profile strict" in err


@pytest.mark.parametrize(("trusted", "repo_cfg", "untrusted", "expect_strict", "rejected"), [
    (None, "rules: {profile: strict}\n", False, True, False),
    (None, "rules: {profile: strict}\n", True, True, False),           # tightening: always honoured
    ("rules: {profile: strict}\n", "rules: {profile: baseline}\n", True, False, True),  # loosening
    ("rules: {profile: strict}\n", "rules: {profile: baseline}\n", False, False, False),  # local mode: honoured
])
def test_config_profile_under_the_trust_model(tmp_path: Path, trusted: str | None, repo_cfg: str,
                                               untrusted: bool, expect_strict: bool, rejected: bool) -> None:
    repo = _repo(tmp_path, repo_cfg)
    args = [str(repo)]
    if trusted is not None:
        t = tmp_path.parent / f"{tmp_path.name}-trusted.yaml"
        t.write_text(trusted)
        args += ["--org-config", str(t)]
    if untrusted:
        args.append("--untrusted-repo")
    _, doc = _scan(*args)
    ran = bool(_statuses(doc, "PG-K8S-POD-020"))
    if rejected:
        assert ran, "the trusted strict profile stays"
        notes = json.dumps(doc.get("suppression_notices", []))
        assert "rules.profile" in notes and "rejected" in notes
    else:
        assert ran == expect_strict


def test_suppressing_a_strict_rule_is_not_reported_as_an_unknown_rule(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "suppressions:\n  - rule: PG-K8S-POD-020\n    reason: images write to /tmp\n")
    _, doc = _scan(str(repo))
    stale = [n for n in doc.get("suppression_notices", []) if n.get("kind") == "stale"]
    assert not any("names no rule" in n.get("message", "") for n in stale), stale
    repo2 = tmp_path / "two"
    repo2.mkdir()
    _repo(repo2, "suppressions:\n  - rule: PG-K8S-POD-999\n    reason: typo\n")
    _, doc2 = _scan(str(repo2))
    assert any("names no rule" in n.get("message", "") for n in doc2.get("suppression_notices", []))


def test_sarif_precision_follows_confidence(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, _ = _invoke("scan", str(repo), "-f", "sarif", "--profile", "strict")
    sarif = json.loads(out)
    rules = {r["id"]: r["properties"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    code, out, _ = _invoke("rules", "list", "--format", "json")
    conf = {r["id"]: r["confidence"] for r in json.loads(out)["rules"]}
    assert rules and all(p["precision"] == conf[rid] for rid, p in rules.items())
    assert rules["PG-K8S-POD-020"]["policyguard-profile"] == "strict"
