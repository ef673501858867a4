"""``terraform.workspace``: ``--tf-workspace NAME``, else ``$TF_WORKSPACE``, else ``default`` (as
Terraform itself chooses), so a configuration that opens up in one workspace is judged as
that workspace would apply it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MAIN_TF = """\
resource "aws_security_group" "admin" {
  name        = "admin-${terraform.workspace}"
  description = "administration"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [terraform.workspace == "default" ? "10.0.0.0/8" : "0.0.0.0/0"]
  }
}
"""


def _ssh_status(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    full_env = {k: v for k, v in os.environ.items() if k != "TF_WORKSPACE"} | (env or {})
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", str(tmp_path), "-f", "json", "-j", "1",
                           "--rule", "PG-AWS-EC2-001", *args], capture_output=True, text=True, env=full_env, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    (finding,) = [f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "PG-AWS-EC2-001"]
    return str(finding["status"])


@pytest.mark.parametrize(("args", "env", "status"), [
    ([], {}, "pass"),  # Terraform's default workspace
    (["--tf-workspace", "prod"], {}, "fail"),
    ([], {"TF_WORKSPACE": "staging"}, "fail"),
    (["--tf-workspace", "default"], {"TF_WORKSPACE": "staging"}, "pass"),  # the option wins
])
def test_terraform_workspace_is_the_chosen_one(tmp_path: Path, args: list[str], env: dict[str, str], status: str) -> None:
    assert _ssh_status(tmp_path, *args, env=env) == status


def test_the_parser_takes_the_workspace(tmp_path: Path) -> None:
    from policyguard.parsers.terraform import parse_directory

    (tmp_path / "main.tf").write_text(MAIN_TF)
    for ws in ("default", "blue"):
        (res,) = parse_directory(tmp_path, workspace=ws).resources
        assert res.attributes["name"] == f"admin-{ws}"
