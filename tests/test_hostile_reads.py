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


def _returns_within(seconds: float, fn: object) -> list[object]:
    """Runs ``fn`` in a daemon thread: a read that blocks fails the test instead of hanging it."""
    import threading

    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)  # type: ignore[operator]
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked reading a FIFO"
    return out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_gate_rereads_never_block_on_a_file_swapped_for_a_fifo(tmp_path: Path) -> None:
    """The gate reads a scanned file again after its unit was judged (inline suppressions, other
    tools' suppressions). A file replaced by a FIFO in between (or grown past the limit) is not
    read there: no directive from it, no hang."""
    from policyguard.gate.exceptions import ExceptionFileError, load_file
    from policyguard.gate.foreign import foreign_texts
    from policyguard.gate.suppress import collect_inline
    from policyguard.model import Resource, Span

    fifo = tmp_path / "main.tf"
    os.mkfifo(fifo)
    res = Resource(id="aws_s3_bucket.b", platform="terraform", type="aws_s3_bucket", name="b", attributes={},
                   span=Span(str(fifo), 1, 1, 3, 2))
    cache: dict[str, str | None] = {}
    assert _returns_within(10, lambda: collect_inline([res], cache)) == [[]]
    assert cache == {str(fifo): None}
    assert _returns_within(10, lambda: list(foreign_texts([str(fifo)], {}))) == [[]]
    exc = tmp_path / "exceptions.yaml"
    os.mkfifo(exc)

    def load() -> str:
        with pytest.raises(ExceptionFileError) as info:
            load_file(str(exc))
        return str(info.value)

    (message,) = _returns_within(10, load)
    assert str(exc) in str(message) and "a FIFO" in str(message)


def test_gate_reads_a_prefix_of_a_file_that_grew(tmp_path: Path) -> None:
    """Other tools' suppressions are looked for in the first MAX_BYTES of a file, whatever its size."""
    from policyguard.fsread import read_text

    big = tmp_path / "big.tf"
    big.write_bytes(b"# checkov:skip=CKV_AWS_1\n" + b"x" * 4096 + b"\xff")
    text = read_text(big, 64)
    assert text is not None and text.startswith("# checkov:skip=CKV_AWS_1\n") and len(text) == 64
    assert read_text(big, 1 << 20) is not None  # undecodable bytes replaced, never an error
    assert read_text(tmp_path / "gone.tf", 64) is None


def _kernel_files() -> list[str]:
    import glob

    found = [p for p in ("/proc/self/status", "/proc/sys/kernel/hostname", "/sys/kernel/mm/transparent_hugepage/enabled")
             if os.path.isfile(p)]
    found += [p for p in glob.glob("/sys/fs/cgroup/**/cgroup.procs", recursive=True)[:1] if os.path.isfile(p)]
    return found


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs procfs")
@pytest.mark.parametrize("mount_table", [True, False])
def test_kernel_pseudo_files_are_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mount_table: bool) -> None:
    """procfs, sysfs and cgroup files (which report sizes they do not hold) are refused, reached
    directly or through a symlink, by the device they are on or, without a mount table, by their
    resolved path; ordinary files are read."""
    from policyguard import fsread

    if not mount_table:
        monkeypatch.setattr(fsread, "_pseudo_devices", lambda: None)
    ordinary = tmp_path / "main.tf"
    ordinary.write_text("x")
    assert fsread.read_regular(ordinary, 10) == b"x"
    for i, path in enumerate(_kernel_files()):
        link = tmp_path / f"link{i}.yaml"
        link.symlink_to(path)
        for p in (path, link):
            with pytest.raises(fsread.ReadError, match="/proc, /sys or /dev"):
                fsread.read_regular(p, 1 << 20)
            assert fsread.read_text(p, 1 << 20) is None
