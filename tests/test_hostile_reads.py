"""A scanned repository's expressions read nothing outside it: Terraform's file() and its kin
yield an unknown naming the path, never the content, and never block on a special file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "pg-canary-7f3a9c1e2b"


def _repo(tmp_path: Path, expr: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / "infra" / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.b.id\n'
        f"  policy = {expr}\n}}\n"
    )
    (tmp_path / "outside.txt").write_text(SECRET)
    return repo


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYGUARD_")}
    env["PG_CANARY_ENV"] = SECRET  # /proc/self/environ would carry it
    return subprocess.run([sys.executable, "-m", "policyguard", *args], cwd=repo, capture_output=True, text=True,
                          env=env, timeout=60)


def _policy_value(repo: Path) -> object:
    p = _run(repo, "scan", "--parse-only", "-j", "1", "infra")
    assert SECRET not in p.stdout + p.stderr
    doc = json.loads(p.stdout)
    (res,) = [r for r in doc["resources"] if r["type"] == "aws_s3_bucket_policy"]
    return res["attributes"]["policy"]


OUTSIDE = [
    'file("/proc/self/environ")',
    'file("/etc/hostname")',
    'filebase64("/proc/self/environ")',
    'templatefile("/proc/self/environ", {})',
    'file("${path.module}/../../outside.txt")',
    'file("../../outside.txt")',
    'jsonencode({x = file("/proc/self/cmdline")})',
]


@pytest.mark.parametrize("expr", OUTSIDE)
def test_reads_outside_the_repository_are_unknown(tmp_path: Path, expr: str) -> None:
    repo = _repo(tmp_path, expr)
    value = _policy_value(repo)
    assert isinstance(value, dict) and "__unknown__" in value, value
    assert "outside the scanned repository" in json.dumps(value)


def test_symlink_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'file("${path.module}/linked.txt")')
    (repo / "infra" / "linked.txt").symlink_to(tmp_path / "outside.txt")
    value = _policy_value(repo)
    assert isinstance(value, dict) and "outside the scanned repository" in json.dumps(value)


def test_existence_outside_is_not_revealed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fileexists("/etc/passwd") ? "yes" : "no"')
    assert "__unknown__" in _policy_value(repo)  # type: ignore[operator]
    repo2 = _repo(tmp_path / "2", 'jsonencode(fileset("/etc", "*"))')
    assert "__unknown__" in _policy_value(repo2)  # type: ignore[operator]


def test_special_files_inside_the_repository_never_block(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'file("${path.module}/pipe.json")')
    os.mkfifo(repo / "infra" / "pipe.json")
    value = _policy_value(repo)  # a blocking open would hit the subprocess timeout
    assert isinstance(value, dict) and "not a regular file" in json.dumps(value)
    repo2 = _repo(tmp_path / "2", 'file("${path.module}/zero.json")')
    (repo2 / "infra" / "zero.json").symlink_to("/dev/zero")
    assert "__unknown__" in _policy_value(repo2)  # type: ignore[operator]


def test_reads_inside_the_repository_still_work(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'file("${path.module}/../policies/p.json")')
    (repo / "policies").mkdir()
    (repo / "policies" / "p.json").write_text('{"Version": "2012-10-17"}')
    assert _policy_value(repo) == '{"Version": "2012-10-17"}'


def test_no_report_format_carries_outside_content(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'file("/proc/self/environ")')
    out = tmp_path / "out"
    p = _run(repo, "scan", "infra", "-j", "1", "-f", "text", "-f", "json", "-o", str(out / "r.json"),
             "-f", "sarif", "-o", str(out / "r.sarif"), "-f", "github", "-o", str(out / "r.gh"))
    assert p.returncode in (0, 1), p.stderr
    blob = p.stdout + p.stderr + "".join(f.read_text() for f in out.iterdir())
    assert SECRET not in blob
