"""``policyguard scan -``: one stream on stdin, its format decided by content (or
``--stdin-format``), shown in reports under ``--stdin-name``; the same gate as a file."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "rules" / "aws" / "s3" / "public_access_block" / "fixtures" / "fail" / "plan" / "plan.json"

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: registry.example/app@sha256:{digest}
      securityContext:
        privileged: true
""".replace("{digest}", "0" * 64)

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}}},
}


def _scan(stdin: bytes | int, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    kw = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    done = subprocess.run([sys.executable, "-m", "policyguard", "scan", *args], capture_output=True,
                          cwd=cwd, timeout=300, **kw)  # type: ignore[call-overload]
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def _findings(out: str) -> list[dict]:
    return json.loads(out)["findings"]


def test_manifests_on_stdin_are_judged_and_named(tmp_path: Path) -> None:
    p = _scan(POD.encode(), "-", "--stdin-name", "k8s/web.yaml", "-f", "json", "-j", "1", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    fails = [f for f in _findings(p.stdout) if f["status"] == "fail"]
    privileged = [f for f in fails if f["rule_id"] == "PG-K8S-POD-004"]
    assert privileged and privileged[0]["location"]["file"] == "k8s/web.yaml"
    assert privileged[0]["location"]["start_line"] == 10  # the line inside the stream


def test_the_format_is_decided_by_content(tmp_path: Path) -> None:
    cfn = _scan(json.dumps(TEMPLATE).encode(), "-", "-f", "json", "-j", "1", "--profile", "strict", cwd=tmp_path)
    assert cfn.returncode in (0, 1), cfn.stderr
    found = _findings(cfn.stdout)
    assert found and {f["platform"] for f in found} == {"cloudformation"}
    plan = _scan(PLAN.read_bytes(), "-", "-f", "json", "-j", "1", "--profile", "strict", cwd=tmp_path)
    assert plan.returncode in (0, 1), plan.stderr
    assert any(f["rule_id"] == "PG-AWS-S3-002" and f["status"] == "fail" for f in _findings(plan.stdout))


def test_stdin_format_overrides_the_content(tmp_path: Path) -> None:
    p = _scan(json.dumps(TEMPLATE).encode(), "-", "--stdin-format", "kubernetes", "-f", "json", "-j", "1", cwd=tmp_path)
    assert p.returncode == 2
    (err,) = json.loads(p.stdout)["errors"]
    assert err["file"] == "stdin" and err["line"] == 1 and "no apiVersion" in err["message"]


def test_an_inline_suppression_in_the_stream_applies(tmp_path: Path) -> None:
    text = POD.replace("    - name: app\n", "    # policyguard:ignore PG-K8S-POD-004 reason=\"test rig\"\n    - name: app\n")
    text = text.replace("kind: Pod\n", "kind: Pod\n# policyguard:ignore PG-K8S-POD-004 reason=\"test rig\"\n", 1)
    p = _scan(text.encode(), "-", "-f", "json", "-j", "1", "--rule", "PG-K8S-POD-004", cwd=tmp_path)
    statuses = {f["status"] for f in _findings(p.stdout) if f["rule_id"] == "PG-K8S-POD-004"}
    assert statuses == {"suppressed"}, p.stdout[-2000:]
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize(("stream", "code", "words"), [
    (b"", 3, "no Terraform, CloudFormation or Kubernetes files found under stdin"),
    (b"hello: world\n", 3, "skipped as not IaC"),
    (b"\xff\xfe" + POD.encode("utf-16-le"), 1, "PG-K8S-POD-004"),  # a BOM says UTF-16, as for a file
    (b"apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", 2, "  stdin:4:1  parse-error"),
])
def test_streams_get_the_gate_of_a_file(tmp_path: Path, stream: bytes, code: int, words: str) -> None:
    p = _scan(stream, "-", "-j", "1", cwd=tmp_path)
    assert p.returncode == code, p.stdout + p.stderr
    assert words in p.stdout + p.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["-", "."], "must be the only path"),
    ([".", "--stdin-name", "x.yaml"], "apply to the path '-'"),
])
def test_stdin_usage_errors(tmp_path: Path, args: list[str], words: str) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    p = _scan(POD.encode(), *args, cwd=tmp_path)
    assert p.returncode == 2 and words in p.stderr


def test_a_terminal_on_stdin_is_refused_not_waited_on(tmp_path: Path) -> None:
    main, child = pty.openpty()
    try:
        p = _scan(child, "-", cwd=tmp_path)
    finally:
        os.close(main)
        os.close(child)
    assert p.returncode == 2 and "stdin is a terminal" in p.stderr


def test_a_stream_over_the_file_limit_is_an_error(tmp_path: Path) -> None:
    from policyguard.limits import DEFAULT_LIMITS

    big = (POD + "---\n") * (DEFAULT_LIMITS.max_file_bytes // len(POD) + 2)
    p = _scan(big.encode(), "-", cwd=tmp_path)
    assert p.returncode == 2 and "larger than the" in p.stderr
