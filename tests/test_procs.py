"""Every child process a command starts is reaped before the command exits, on every exit path,
so its CPU and memory count in the command's ``time`` / ``RUSAGE_CHILDREN``.

The CLI runs under ``tests/procs_harness.py``, a child subreaper: a descendant still alive when
the command exits is re-parented to the harness and counted as an orphan. The burn rule makes
the Rego helper allocate ~80 MiB and spend CPU, so its usage shows in the command's ``wait4``
figures only when the command waited for it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from test_engine_helpers import REPO, TEST_RULES, corpus_dir

from policyguard import procs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl")

HARNESS = REPO / "tests" / "procs_harness.py"
DATA = REPO / "tests" / "data" / "procs"
BURN = ["--no-builtin-rules", "--rules", str(DATA / "burn_rule")]
HELPER_MIB = 64  # the burn rule's helper peaks near 100 MiB; the scan process alone stays near 40


def _harness(*cli: str, term_when_busy: float | None = None, term_at: int | None = None, sig: str = "SIGTERM",
             env: dict[str, str] | None = None) -> dict:
    cmd = [sys.executable, str(HARNESS), "--signal", sig]
    if term_when_busy is not None:
        cmd += ["--term-when-busy", str(term_when_busy)]
    if term_at is not None:
        cmd += ["--term-at-descendants", str(term_at)]
    cmd += ["--", sys.executable, "-m", "policyguard", *cli]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO,
                         env=env or {**os.environ, "POLICYGUARD_NO_CACHE": "1"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _assert_reaped(got: dict) -> None:
    assert got["orphans"] == 0, got
    assert got["descendants_seen"] >= 1, got  # the command did start children


def test_exit_0_helper_reaped_and_counted():
    got = _harness("scan", *BURN, str(DATA / "tf"))
    assert got["rc"] == 0, got
    _assert_reaped(got)
    assert got["maxrss_kib"] >= HELPER_MIB * 1024, got  # the helper's peak is in the command's rusage


def test_exit_1_gate_failure_reaps():
    got = _harness("scan", *BURN, "--fail-on", "low", str(DATA / "tf"))
    assert got["rc"] == 1, got
    _assert_reaped(got)
    assert got["maxrss_kib"] >= HELPER_MIB * 1024, got


def test_exit_2_parse_error_with_worker_pool_reaps():
    # two directories: two units in two forked workers, each with its own helper
    got = _harness("scan", *BURN, "-j", "2", str(DATA / "tf"), str(DATA / "broken"))
    assert got["rc"] == 2, got
    _assert_reaped(got)
    assert got["descendants_seen"] >= 3, got  # two workers and at least one helper
    assert got["maxrss_kib"] >= HELPER_MIB * 1024, got


def test_exit_2_report_error_after_evaluation_reaps(tmp_path):
    (tmp_path / "a-file").write_text("")
    got = _harness("scan", *BURN, "-f", "json", "-o", str(tmp_path / "a-file" / "r.json"), str(DATA / "tf"))
    assert got["rc"] == 2, got
    _assert_reaped(got)


def test_sigterm_while_helper_busy_exits_143_and_reaps():
    got = _harness("scan", *BURN, str(DATA / "tf"), term_when_busy=0.05)
    assert got["signalled"], got
    assert got["rc"] == procs.EXIT_TERMINATED, got
    assert "policyguard: terminated" in got["stderr"]
    assert "Traceback" not in got["stderr"]
    _assert_reaped(got)


def test_sigint_while_helper_busy_exits_130_and_reaps():
    got = _harness("scan", *BURN, str(DATA / "tf"), term_when_busy=0.05, sig="SIGINT")
    assert got["signalled"], got
    assert got["rc"] == 130, got
    assert "Traceback" not in got["stderr"]
    _assert_reaped(got)


def test_sigterm_during_worker_pool_reaps_workers_and_their_helpers():
    got = _harness("scan", *BURN, "-j", "2", str(DATA / "tf"), str(DATA / "tf2"), term_when_busy=0.05)
    assert got["signalled"], got
    assert got["rc"] == procs.EXIT_TERMINATED, got
    assert "Traceback" not in got["stderr"]
    _assert_reaped(got)


@pytest.mark.parametrize("sig,rc", [("SIGTERM", procs.EXIT_TERMINATED), ("SIGINT", 130)])
@pytest.mark.parametrize("term_at", [1, 2, 3])
def test_signal_while_workers_start_is_quiet_and_reaps(sig, rc, term_at):
    # the signal meets the pool while it forks and its workers start their engines (1: the
    # first worker forked; 2: both; 3: a worker's helper started): no traceback from the
    # pool's initializer or a half-started worker, and nothing outlives the command
    got = _harness("scan", *BURN, "-j", "2", str(DATA / "tf"), str(DATA / "tf2"), term_at=term_at, sig=sig)
    assert got["signalled"], got
    assert got["rc"] == rc, got
    assert "Traceback" not in got["stderr"], got["stderr"]
    assert "Exception in" not in got["stderr"], got["stderr"]
    _assert_reaped(got)


@pytest.mark.parametrize("command", [
    ["fix", *BURN, str(DATA / "tf")],
    ["baseline", "create", *BURN, "-o", "{tmp}/b.json", str(DATA / "tf")],
    # eight rules: the helper outlives the 20 ms sampling (one rule could finish between samples);
    # on the interpreter, since on the compiled VM these rules start no helper at all
    ["test", "--rego-engine", "embedded-interpreter", str(REPO / "rules" / "aws" / "s3")],
])
def test_fix_baseline_and_test_commands_reap(command, tmp_path):
    got = _harness(*[c.replace("{tmp}", str(tmp_path)) for c in command])
    assert got["rc"] in (0, 1), got
    _assert_reaped(got)


def _corpus_slice() -> list[str]:
    root = corpus_dir()
    picks = [root / "tfplan" / "terraform-compliance+cli" / "tests" / "functional" / name
             for name in ("test_issue-456", "test_issue-158", "test_kms_key_rotation_success", "test_issue-468")]
    picks += [root / "kubernetes" / "kubernetes+examples"]
    return [str(p) for p in picks if p.exists()]


def test_corpus_slice_with_worker_pool_reaps():
    paths = _corpus_slice()
    if len(paths) < 3:
        pytest.skip(f"shared corpus not found at {corpus_dir()}")
    got = _harness("scan", "-q", "-j", "2", *paths)
    assert got["rc"] in (0, 1, 2), got
    assert "Traceback" not in got["stderr"]
    _assert_reaped(got)
    got = _harness("scan", "-q", "-j", "2", *paths, term_when_busy=0.3)
    if got["signalled"]:  # on a fast machine the scan may finish first
        assert got["rc"] == procs.EXIT_TERMINATED, got
    _assert_reaped(got)


# ----------------------------------------------------------------------------- in process
@pytest.fixture
def adopted(monkeypatch):
    """The pids of every child registered during the test."""
    pids: list[int] = []
    real = procs.adopt

    def record(pid, name, close=None):
        pids.append(pid)
        real(pid, name, close)

    monkeypatch.setattr(procs, "adopt", record)
    return pids


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # already waited for
    return False


def test_exception_in_a_command_reaps_the_helper(adopted, monkeypatch):
    import policyguard.commands.common as gate
    import policyguard.scan as scan_mod
    from policyguard.commands import main

    def boom(*a, **k):
        raise RuntimeError("report writer exploded")

    monkeypatch.setattr(gate, "write_reports", boom)
    scan_mod.forget_scanners()
    res = CliRunner().invoke(main, ["scan", "-j", "1", *BURN, str(DATA / "tf")])
    scan_mod.forget_scanners()
    assert res.exit_code == 2 and "internal error" in res.output
    assert adopted, "the scan started no helper"
    assert all(_gone(pid) for pid in adopted)


def test_timeout_path_kills_waits_and_reaps(adopted):
    """A runaway rule: the helper is killed at its budget, a new one serves the rest, and the
    command's end reaps that one too."""
    import policyguard.scan as scan_mod
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions

    opts = ScanOptions(read=ReadOptions(paths=[str(DATA / "runaway")]), rules=RuleOptions(rule_dirs=[str(TEST_RULES / "rego_range"), str(TEST_RULES / "ebs_encrypted")], builtin_rules=False), evaluation=EvalOptions(jobs=1, rule_timeout=1.0))
    scan_mod.forget_scanners()
    with procs.command_scope():
        res = scan_mod.scan(opts)
    scan_mod.forget_scanners()
    verdicts = {(f.rule_id, f.resource_id): str(f.status) for f in res.findings}
    assert verdicts[("TEST-REGO-HUGE", "aws_ebs_volume.huge")] == "error", verdicts
    assert verdicts[("TEST-REGO-HUGE", "aws_ebs_volume.fine")] == "pass", verdicts
    assert len(adopted) >= 2  # the killed helper and its replacement
    assert all(_gone(pid) for pid in adopted)


def test_reap_all_kills_a_child_that_ignores_close():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.close(w)
        time.sleep(60)
        os._exit(0)
    os.close(r)
    closed: list[bool] = []

    def close() -> None:
        closed.append(True)
        os.close(w)

    procs.adopt(pid, "stubborn", close)
    t0 = time.monotonic()
    procs.reap_all(grace=0.3)
    assert closed == [True]
    assert 0.25 <= time.monotonic() - t0 < 10
    assert _gone(pid)


def test_reap_all_leaves_children_of_the_parent_to_the_parent():
    """A forked copy of the registry (a scan worker) must not wait for its parent's children."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
    procs.adopt(pid, "parent's", lambda: os.close(w))
    child = os.fork()
    if child == 0:  # pragma: no cover - a forked worker reaping its own registry
        procs.reap_all(grace=0.1)
        os._exit(0)
    os.waitpid(child, 0)
    assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # the worker neither killed nor waited for it
    procs.reap_all(grace=5)  # ours: closed (EOF), exits, waited for
    assert _gone(pid)


def test_a_replaced_scanner_stops_its_helper_and_closes_its_pipes(adopted):
    """Scans with other rules or evaluation settings get a new scanner; the one it replaces
    must not keep its Rego helper and two pipe descriptors until the process exits (a long
    test run or server ran out of descriptors for select())."""
    import policyguard.scan as scan_mod
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    rules = RuleOptions(rule_dirs=[str(TEST_RULES / "ebs_encrypted")], builtin_rules=False)
    scan_mod.forget_scanners()
    scan_mod.scan(ScanOptions(ReadOptions(paths=[str(DATA / "tf")]), rules, EvalOptions(jobs=1, rule_timeout=5.0)))
    before = fds()
    for i in range(8):  # each a different evaluation group: a new scanner each time
        scan_mod.scan(ScanOptions(ReadOptions(paths=[str(DATA / "tf")]), rules, EvalOptions(jobs=1, rule_timeout=6.0 + i)))
    assert fds() <= before
    scan_mod.forget_scanners()
    assert len(adopted) >= 9
    assert all(_gone(pid) for pid in adopted[:-1])  # every replaced helper was stopped and reaped
