"""``policyguard fix --write`` on hostile trees: it writes only inside the scanned tree, only
files still holding what was scanned, atomically, through symlinks, keeping mode, owner, group
and hard links (``policyguard/fix/files.py``)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from policyguard.commands import main

TF = """\
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = false # TODO
}
"""
FIXED = TF.replace("= false # TODO", "= true # TODO")
RULE = ["--rule", "PG-AWS-SQS-001"]
ROOT = os.geteuid() == 0
NOBODY = 65534


def _fix(*args: str) -> Result:
    return CliRunner().invoke(main, ["fix", "-j", "1", *RULE, *args])


def _digest(tree: Path) -> dict[str, tuple[str, int, int]]:
    """Content hash, mode and mtime of every file under ``tree`` (symlinks not followed)."""
    out = {}
    for p in sorted(tree.rglob("*")):
        st = p.lstat()
        data = os.readlink(p).encode() if p.is_symlink() else p.read_bytes() if p.is_file() else b""
        out[str(p.relative_to(tree))] = (hashlib.sha256(data).hexdigest(), st.st_mode, st.st_mtime_ns)
    return out


# --------------------------------------------------------------------------- only inside the tree
def _module_outside(tmp_path: Path) -> tuple[Path, Path]:
    repo, outside = tmp_path / "repo", tmp_path / "shared" / "mod"
    repo.mkdir()
    outside.mkdir(parents=True)
    (outside / "main.tf").write_text(TF)
    (repo / "main.tf").write_text('module "queue" {\n  source = "../shared/mod"\n}\n')
    return repo, outside


def test_module_source_outside_the_tree_is_never_written(tmp_path: Path) -> None:
    repo, outside = _module_outside(tmp_path)
    before = _digest(outside)
    res = _fix("--write", str(repo))
    assert res.exit_code == 1, res.output
    assert _digest(outside) == before
    assert f"{outside / 'main.tf'} is outside the scanned tree ({repo}" in res.output
    assert "refused: " in res.output and "0 verified fix(es)" in res.output


def test_diff_describes_only_writable_files(tmp_path: Path) -> None:
    repo, _ = _module_outside(tmp_path)
    (repo / "own.tf").write_text(TF.replace('"jobs"', '"own"'))
    res = _fix(str(repo))
    assert res.exit_code == 1, res.output
    assert "+++ " in res.stdout and "own.tf" in res.stdout and "shared/mod" not in res.stdout
    doc = json.loads(_fix("--format", "json", str(repo)).stdout)
    assert doc["summary"]["files"] == [os.path.relpath(repo / "own.tf")]
    (refused,) = [f for f in doc["fixes"] if f["status"] == "refused"]
    assert "outside the scanned tree" in refused["reason"] and not refused["edits"]


def test_symlinked_directory_out_of_the_tree_is_read_not_written(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    outside.mkdir()
    (outside / "main.tf").write_text(TF)
    (repo / "linked").symlink_to(outside)
    before = _digest(outside)
    res = _fix("--write", "--follow-external-symlinks", str(repo))
    assert res.exit_code == 1, res.output
    assert _digest(outside) == before
    assert "outside the scanned tree" in res.output and str(outside / "main.tf") in res.output


def test_symlinked_file_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    outside.mkdir()
    (outside / "main.tf").write_text(TF)
    (repo / "main.tf").symlink_to(outside / "main.tf")
    res = _fix("--write", "--follow-external-symlinks", str(repo))
    assert res.exit_code == 1, res.output
    assert (outside / "main.tf").read_text() == TF and (repo / "main.tf").is_symlink()
    assert "outside the scanned tree" in res.output


def test_symlinked_file_in_the_tree_keeps_the_link_and_fixes_the_target(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "shared").mkdir(parents=True)
    (repo / "app").mkdir()
    (repo / "shared" / "main.tf").write_text(TF)
    (repo / "app" / "main.tf").symlink_to("../shared/main.tf")
    res = _fix("--write", str(repo))
    assert res.exit_code == 0, res.output
    assert (repo / "app" / "main.tf").is_symlink() and os.readlink(repo / "app" / "main.tf") == "../shared/main.tf"
    assert (repo / "shared" / "main.tf").read_text() == FIXED
    assert res.output.count("fixed ") == 1  # one real file, one write
    assert sorted(p.name for p in (repo / "shared").iterdir()) == ["main.tf"]  # no temporary file left


def test_sarif_edits_reach_findings_through_a_symlinked_file(tmp_path: Path) -> None:
    from policyguard.fix import attach_edits
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.scan import scan

    (tmp_path / "shared").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "shared" / "main.tf").write_text(TF)
    (tmp_path / "app" / "main.tf").symlink_to("../shared/main.tf")
    options = ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), rules=RuleOptions(enabled_rules=["PG-AWS-SQS-001"]), evaluation=EvalOptions(jobs=1))
    result = scan(options)
    attach_edits(result, options)
    failing = [f for f in result.findings if f.status == "fail"]
    assert sorted(os.path.relpath(f.span.file, tmp_path) for f in failing) == ["app/main.tf", "shared/main.tf"]
    assert all(f.edits and f.edits[0].text == "  sqs_managed_sse_enabled = true # TODO\n" for f in failing)


def test_downloaded_module_copy_is_not_written(tmp_path: Path) -> None:
    """``.terraform/modules`` holds what ``terraform init`` downloaded: a fix there is lost at the
    next init, so it is refused ("fix its source")."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('module "q" {\n  source  = "example/q/aws"\n  version = "1.0.0"\n}\n')
    mod = tmp_path / ".terraform" / "modules" / "q"
    mod.mkdir(parents=True)
    (mod / "main.tf").write_text(TF)
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Dir": "."}, {"Key": "q", "Dir": ".terraform/modules/q"}]}))
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1, res.output
    assert (mod / "main.tf").read_text() == TF
    assert "is under .terraform/ (a generated or downloaded copy the scan does not own): fix its source" in res.output


# --------------------------------------------------------------------------- compare to what was scanned
def _plan_then(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    """Run ``action`` after the plan is made and before ``--write`` writes."""
    from policyguard.fix import plan

    real = plan.plan_fixes

    def planned(*a: Any, **kw: Any) -> Any:
        out = real(*a, **kw)
        action()
        return out

    monkeypatch.setattr(plan, "plan_fixes", planned)  # `policyguard fix` imports it when it runs


def test_an_edit_made_while_fix_runs_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "other.tf").write_text(TF.replace('"jobs"', '"other"'))
    edited = TF + "# added by the user while fix ran\n"
    _plan_then(monkeypatch, lambda: (tmp_path / "main.tf").write_text(edited))
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1, res.output
    assert (tmp_path / "main.tf").read_text() == edited
    assert f"policyguard: {os.path.relpath(tmp_path / 'main.tf')}: not written: it changed since it was scanned" in res.output
    assert (tmp_path / "other.tf").read_text() == FIXED.replace('"jobs"', '"other"')  # the others still are


def test_json_report_marks_a_file_not_written_as_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(TF)
    _plan_then(monkeypatch, lambda: (tmp_path / "main.tf").write_text(TF + "\n"))
    res = _fix("--write", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    (entry,) = doc["fixes"]
    assert entry["status"] == "refused" and entry["applied"] is False
    assert entry["reason"] == "not written: it changed since it was scanned: run fix again"
    assert doc["summary"]["files"] == [] and doc["summary"]["verified"] == 0 and doc["summary"]["refused"] == 1


def test_same_size_same_mtime_edit_is_caught_by_the_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    st = f.stat()

    def edit() -> None:
        with open(f, "r+") as fh:  # same inode, same size
            fh.write("#")
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))

    _plan_then(monkeypatch, edit)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1 and "changed since it was scanned" in res.output, res.output
    assert f.read_text().startswith("#esource")


def test_an_edit_during_the_scan_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.fix import plan

    f = tmp_path / "main.tf"
    f.write_text(TF)
    real = plan.scan_units

    def scanning(*a: Any, **kw: Any) -> Any:
        out = real(*a, **kw)
        f.write_text(TF + "\n")
        return out

    monkeypatch.setattr(plan, "scan_units", scanning)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1 and "it changed while it was being scanned" in res.output, res.output
    assert f.read_text() == TF + "\n"


def test_an_edit_landing_just_before_the_rename_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.fix import files

    f = tmp_path / "main.tf"
    f.write_text(TF)
    real = files._copy_metadata

    def late(*a: Any) -> Any:
        f.write_text(TF + "# late\n")
        return real(*a)

    monkeypatch.setattr(files, "_copy_metadata", late)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1 and "changed since it was scanned" in res.output, res.output
    assert f.read_text() == TF + "# late\n"
    assert [p.name for p in tmp_path.iterdir()] == ["main.tf"]  # the temporary file is gone


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_file_swapped_before_the_write_is_refused_without_hanging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    secret = tmp_path.parent / f"{tmp_path.name}-secret.tf"
    secret.write_text(TF)

    def swap() -> None:
        f.unlink()
        if kind == "fifo":
            os.mkfifo(f)
        elif kind == "directory":
            f.mkdir()
        else:
            f.symlink_to(secret)

    _plan_then(monkeypatch, swap)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "not written" in res.output
    want = {"fifo": "replaced by a FIFO", "directory": "replaced by a directory", "symlink": "resolves to"}[kind]
    assert want in res.output
    assert secret.read_text() == TF


# --------------------------------------------------------------------------- metadata
def test_mode_and_group_kept_in_a_setgid_directory(tmp_path: Path) -> None:
    d = tmp_path / "infra"
    d.mkdir()
    f = d / "main.tf"
    f.write_text(TF)
    if ROOT:
        os.chown(d, -1, NOBODY)
        os.chown(f, -1, 0)
    os.chmod(d, 0o2775)
    os.chmod(f, 0o2640 if ROOT else 0o640)
    before = f.stat()
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 0, res.output
    after = f.stat()
    assert f.read_text() == FIXED and after.st_ino != before.st_ino  # atomic replace: a new inode
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert after.st_gid == before.st_gid  # not the directory's group, which setgid would give a new file


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_owner_kept(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    os.chown(f, NOBODY, NOBODY)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 0, res.output
    st = f.stat()
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY) and f.read_text() == FIXED


def test_extended_attributes_kept(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    try:
        os.setxattr(f, "user.policyguard-test", b"kept")
    except OSError:
        pytest.skip("no user extended attributes on this file system")
    assert _fix("--write", str(tmp_path)).exit_code == 0
    assert f.read_text() == FIXED and os.getxattr(f, "user.policyguard-test") == b"kept"


def test_hard_links_all_see_the_fix(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    (tmp_path / "backup").mkdir()
    other = tmp_path / "backup" / "main.tf.orig"
    os.link(f, other)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "in place: it has several hard links" in res.output
    assert f.read_text() == other.read_text() == FIXED
    assert f.stat().st_ino == other.stat().st_ino and f.stat().st_nlink == 2


def test_read_only_file_is_a_located_error(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text(TF)
    (tmp_path / "ok.tf").write_text(TF.replace('"jobs"', '"ok"'))
    os.chmod(f, 0o444)
    res = _fix("--write", str(tmp_path))
    assert res.exit_code == 2, res.output
    assert f"policyguard: {os.path.relpath(f)}: not written: it is read-only (mode 0444)" in res.output
    assert "Traceback" not in res.output and f.read_text() == TF
    assert (tmp_path / "ok.tf").read_text() == FIXED.replace('"jobs"', '"ok"')


def _as_nobody(fn: Any) -> Any:
    """``fn()`` in a forked child running as uid/gid 65534 (as is, when not root); its result
    (JSON-able) comes back through a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(r)
            if ROOT:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.write(w, json.dumps(fn()).encode())
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(w, json.dumps({"exception": repr(exc)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        out = json.loads(fh.read() or b"null")
    os.waitpid(pid, 0)
    return out


def test_directory_not_writable_is_a_located_error() -> None:
    import shutil
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="pg-fixwrite-"))  # pytest's own is private to root
    try:
        _directory_not_writable(tmp_path)
    finally:
        os.chmod(tmp_path / "infra", 0o755)
        shutil.rmtree(tmp_path)


def _directory_not_writable(tmp_path: Path) -> None:
    from policyguard.fix.files import NotWritten, read_original, write_file

    d = tmp_path / "infra"
    d.mkdir()
    f = d / "main.tf"
    f.write_text(TF)
    os.chmod(f, 0o666)  # the file may be written, its directory may not (no rename possible)
    os.chmod(d, 0o755 if ROOT else 0o555)
    os.chmod(tmp_path, 0o711)
    text, state = read_original(str(f), scanned=None, max_bytes=1 << 20)

    def attempt() -> dict[str, Any]:
        try:
            write_file(str(f), text.replace("false", "true"), state, (tmp_path,))
        except NotWritten as exc:
            return {"reason": exc.reason, "error": exc.error}
        return {"reason": None}

    out = _as_nobody(attempt)
    os.chmod(d, 0o755)
    assert out == {"reason": "cannot create a file in its directory: Permission denied", "error": True}
    assert f.read_text() == TF


# --------------------------------------------------------------------------- bytes
POD = """\
# web tier\r
apiVersion: v1\r
kind: Pod\r
metadata:\r
  name: web   # keep\r
  namespace: shop\r
spec:\r
  containers:\r
    - name: web\r
      image: registry.example.com/web:1.0\r
      securityContext:\r
        privileged: true\r
"""
POD_JSON = json.dumps(
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"containers": [{"name": "wéb", "image": "registry.example.com/web:1.0", "securityContext": {"privileged": True}}]}},
    indent=2, ensure_ascii=False,
).replace("\n", "\r\n")


_CASES = [
    ("main.tf", TF.replace("\n", "\r\n"), "PG-AWS-SQS-001", "= false # TODO", "= true # TODO"),
    ("pod.yaml", POD, "PG-K8S-POD-004", "privileged: true", "privileged: false"),
    ("pod.json", POD_JSON, "PG-K8S-POD-004", '"privileged": true', '"privileged": false'),
]


@pytest.mark.parametrize(
    ("name", "text", "rule", "old", "new", "encoding"),
    # the HCL parser reads UTF-8 only; YAML and JSON may be UTF-16 with a BOM
    [(*c, enc) for c in _CASES for enc in ("utf-8", "utf-8-sig", "utf-16") if not (enc == "utf-16" and c[0].endswith(".tf"))],
)
def test_line_endings_encoding_and_bom_kept(tmp_path: Path, name: str, text: str, rule: str, old: str, new: str, encoding: str) -> None:
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", rule, "--write", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert f.read_bytes() == text.replace(old, new).encode(encoding)


def test_mostly_lf_file_gets_lf_lines(tmp_path: Path) -> None:
    """A stray CRLF line does not make a fix insert CRLF lines into an LF file."""
    text = 'resource "aws_kms_key" "k" {\n  description = "x"\r\n  is_enabled  = true\n}\n'
    (tmp_path / "main.tf").write_text(text, newline="")
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--rule", "PG-AWS-KMS-001", "--write", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = (tmp_path / "main.tf").read_bytes()
    assert out.count(b"\r\n") == 1 and b"  enable_key_rotation = true\n}\n" in out  # the new line ends like most


def test_cli_import_does_not_load_the_writer() -> None:
    """The module under test imports nothing at CLI import time (the pre-commit hook starts fast)."""
    import subprocess

    code = "import sys, policyguard.commands; sys.exit('policyguard.fix.files' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


POD_BARE = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0
"""


@pytest.mark.parametrize(
    ("name", "text", "rule"),
    [
        ("main.tf", 'resource "aws_kms_key" "k" {\n  deletion_window_in_days = 7 # keep\n}\n', "PG-AWS-KMS-001"),
        ("pod.yaml", POD_BARE, "PG-K8S-POD-015"),
        ("pod.json", json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
                                 "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.0"}]}}, indent=2) + "\n",
         "PG-K8S-POD-015"),
    ],
)
@pytest.mark.parametrize("final_newline", [True, False])
def test_inserted_lines_follow_crlf_and_untouched_lines_stay(tmp_path: Path, name: str, text: str, rule: str, final_newline: bool) -> None:
    import difflib

    crlf = text.replace("\n", "\r\n")
    if not final_newline:
        crlf = crlf.rstrip("\r\n")
    f = tmp_path / name
    f.write_bytes(crlf.encode())
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", rule, "--write", str(tmp_path)])
    assert res.exit_code == 0 and "fixed " in res.output, res.output
    out = f.read_bytes().decode()
    assert out.count("\n") == out.count("\r\n") and "\r\r" not in out, repr(out)
    if final_newline:
        assert out.endswith("\r\n")
    before, after = crlf.splitlines(), out.splitlines()  # a last line without a newline may gain one
    removed = [ln for ln in difflib.ndiff(before, after) if ln.startswith("- ")]
    # JSON: the line before an inserted member gains its comma; nothing else is rewritten
    assert all(name.endswith(".json") and ln.endswith(("}", '"')) for ln in removed), removed
    assert len(after) > len(before)


def test_a_retargeted_symlink_is_resolved_again_by_the_next_plan(tmp_path: Path) -> None:
    """Real paths are cached within one plan, not across plans of a long-lived process."""
    from policyguard.fix.plan import plan_fixes
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions

    for d in ("a", "b", "app"):
        (tmp_path / d).mkdir()
    (tmp_path / "a" / "main.tf").write_text(TF)
    (tmp_path / "b" / "main.tf").write_text(TF)
    link = tmp_path / "app" / "main.tf"
    link.symlink_to("../a/main.tf")
    options = ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), evaluation=EvalOptions(jobs=1))

    def app_file() -> list[str]:
        plan = plan_fixes(options, only_rules=["PG-AWS-SQS-001"])
        return [g.file for g in plan.groups if any(f.span.file == str(link) for _, f in g.findings)]

    assert app_file() == [str(tmp_path / "a" / "main.tf")]
    link.unlink()
    link.symlink_to("../b/main.tf")
    assert app_file() == [str(tmp_path / "b" / "main.tf")]
