"""Config file discovery, schema validation with located errors, CLI precedence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policyguard.commands.common import gate_settings, options_from_cli
from policyguard.gate.config import Config, ConfigError, find_config, load_config, resolve_config
from policyguard.model import Severity

GOOD = """\
version: 1
rules:
  dirs: [policies]
  builtin: false
  enable: [PG-AWS-S3-001]
  disable: [PG-K8S-*]
  severity:
    PG-AWS-S3-001: critical
exclude: ["legacy/**"]
gate:
  fail_on: medium
  unknown_as: fail
suppressions:
  - rule: PG-AWS-S3-002
    path: "modules/web/**"
    resource: aws_s3_bucket.site
    reason: public website
    expires: 2027-03-31
    owner: team-web
suppression_policy:
  require_expiry: true
  max_expiry_days: 365
  forbid_inline:
    rules: ["PG-AWS-IAM-*"]
    severities: [critical]
  stale: fail
"""


def test_valid_config_is_typed(tmp_path: Path) -> None:
    p = tmp_path / ".policyguard.yaml"
    p.write_text(GOOD)
    cfg = load_config(p)
    assert cfg.rule_dirs == [str(tmp_path / "policies")]
    assert cfg.builtin_rules is False
    assert cfg.enabled_rules == ["PG-AWS-S3-001"] and cfg.disabled_rules == ["PG-K8S-*"]
    assert cfg.severity_overrides == {"PG-AWS-S3-001": "critical"}
    assert cfg.excludes == ["legacy/**"]
    assert (cfg.fail_on, cfg.unknown_as, cfg.soft_fail) == ("medium", "fail", None)
    s = cfg.suppressions[0]
    assert (s.rule, s.path, s.resource, s.reason, s.expires, s.owner) == (
        "PG-AWS-S3-002", "modules/web/**", "aws_s3_bucket.site", "public website", "2027-03-31", "team-web")
    assert s.line == 14
    assert cfg.policy.require_expiry and cfg.policy.max_expiry_days == 365 and cfg.policy.stale == "fail"
    assert cfg.policy.forbid_inline_rules == ["PG-AWS-IAM-*"] and cfg.policy.forbid_inline_severities == ["critical"]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("version: 1\ngate:\n  fail_on: extreme\n", 3, "gate.fail_on: 'extreme' is not one of"),
        ("version: 1\nrules:\n  dirs: [a]\n  disabled: [x]\n", 4, "unknown key 'disabled'"),
        ("version: 1\nsuppressions:\n  - reason: x\n", 3, "suppressions[0]: 'rule' is a required property"),
        ("version: 1\nsuppressions:\n  - rule: A\n    expires: 2027-13-45\n", 4, "suppressions[0].expires"),
        ("version: 1\nsuppression_policy:\n  max_expiry_days: 0\n", 3, "max_expiry_days: 0 is less than the minimum"),
        ("version: 1\ngate: [\n", 3, "invalid YAML"),
        ("version: 2\n", 1, "version: 1 was expected"),
    ],
)
def test_invalid_config_names_key_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    p = tmp_path / ".policyguard.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert f"{p}:{line}:" in msg, msg
    assert needle in msg, msg


def test_find_config_walks_up(tmp_path: Path) -> None:
    (tmp_path / ".policyguard.yaml").write_text("version: 1\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "main.tf").write_text("")
    assert find_config(deep / "main.tf") == tmp_path / ".policyguard.yaml"
    assert resolve_config(None, [str(deep)]).path == tmp_path / ".policyguard.yaml"
    with pytest.raises(ConfigError, match="config file not found"):
        resolve_config(str(tmp_path / "nope.yaml"), [str(deep)])


def test_empty_config_means_defaults(tmp_path: Path) -> None:
    p = tmp_path / ".policyguard.yaml"
    p.write_text("")
    cfg = load_config(p)
    assert cfg.policy.require_reason is True and cfg.suppressions == []


def test_cli_overrides_config_overrides_defaults(tmp_path: Path) -> None:
    p = tmp_path / ".policyguard.yaml"
    p.write_text(GOOD)
    cfg = load_config(p)
    s = gate_settings({}, cfg)
    assert (s.fail_on, s.unknown_as, s.soft_fail, s.stale) == (Severity.MEDIUM, "fail", False, "fail")
    s = gate_settings({"fail_on": "critical", "unknown_as": "pass", "soft_fail": True}, cfg)
    assert (s.fail_on, s.unknown_as, s.soft_fail) == (Severity.CRITICAL, "pass", True)
    s = gate_settings({}, Config())
    assert (s.fail_on, s.unknown_as, s.soft_fail) == (Severity.HIGH, "report", False)
    opts = options_from_cli({"paths": ["x"], "excludes": ("b/**",), "skip_rules": ("R1",)}, cfg)
    assert opts.read.excludes == ("legacy/**", "b/**") and opts.rules.disabled_rules == ("PG-K8S-*", "R1")
    assert opts.rules.builtin_rules is False and opts.rules.severity_overrides == {"PG-AWS-S3-001": "critical"}


def test_cli_bad_config_exits_2_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ngate:\n  soft_fail: maybe\n")
    (tmp_path / "empty.yaml").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "policyguard", "scan", "--config", str(bad), str(tmp_path / "empty.yaml")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert f"{bad}:3: gate.soft_fail: 'maybe' is not of type 'boolean'" in proc.stderr
    assert "Traceback" not in proc.stderr
