"""The OPA-server backend (`--rego-engine opa-server`) against a real `opa run --server` on a
loopback port (tests/opa_fixtures.py): policies uploaded over the REST API as the backend does
it, verdicts, compile errors, a server that goes away mid-scan."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from opa_fixtures import OPA_VERSION, OpaServer, require_opa, start_server
from test_engine_helpers import REPO, comparable, options, s3_unit, tf

from policyguard import engine
from policyguard.engine.rego.backends import OpaServerBackend
from policyguard.model import Status
from policyguard.ruletest import run_fixture_cases


@pytest.fixture()
def opa_server(tmp_path: Path) -> Iterator[OpaServer]:
    server = start_server(tmp_path)
    yield server
    server.stop()
    assert server.proc is None  # reaped


def _evaluator(rules: list[str], url: str, **kw: object) -> engine.Evaluator:
    opts = options(rules, engine="opa-server", opa_url=url, **kw)
    return engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)


def test_the_binary_is_the_pinned_version() -> None:
    """CI (.ci/run) runs these tests on the OPA it pins, built into a directory named by the
    version; README names it and the minimum."""
    opa = require_opa()
    out = subprocess.run([opa, "version"], capture_output=True, text=True, timeout=60, check=True).stdout
    version = out.splitlines()[0].split(":", 1)[1].strip()
    if Path(opa).parent.name.startswith("opa-v"):
        assert Path(opa).parent.name == f"opa-v{version}" == f"opa-{OPA_VERSION}"
    major, minor = (int(x) for x in version.split(".")[:2])
    assert (major, minor) >= (0, 59), version


def test_verdicts_match_embedded(opa_server: OpaServer) -> None:
    ev = _evaluator(["s3_encrypted", "ebs_encrypted"], opa_server.url)
    try:
        got = ev.evaluate(s3_unit())
    finally:
        ev.close()
    opts = options(["s3_encrypted", "ebs_encrypted"])
    want = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation).evaluate(s3_unit())
    assert comparable(got) == comparable(want)
    assert any(p.startswith("policyguard/") for p in opa_server.policy_ids())


def test_library_uploads_in_dependency_order(opa_server: OpaServer) -> None:
    """OPA compiles everything it holds on each upload, so a module calling a function of a
    package not uploaded yet is refused (net_exposure calls net.integer, listed before net):
    uploads follow the references. A rule of the pack on it, through the REST API."""
    rule_dir = REPO / "rules" / "aws" / "ec2" / "ssh_open_to_internet"
    results, errors, _ = run_fixture_cases([rule_dir], builtin=False, rego_engine="opa-server", opa_url=opa_server.url)
    assert errors == [] and results
    assert [f"{c.case.name}: {c.problems}" for c in results if not c.ok] == []
    ids = opa_server.policy_ids()
    assert any("net_exposure" in p for p in ids) and any(p.split("/")[-1].startswith("rego_net_") for p in ids)


def test_push_order_puts_callees_first() -> None:
    from policyguard.engine.rego.backends import push_order

    mods = [("b.rego", "package b\n\nimport data.a\n\nx := a.f(1)\n"),
            ("a.rego", "package a\n\nf(x) := x\n"),
            ("c.rego", "package c\n\n# data.b in a comment is no reference\ny := \"data.b\"\n")]
    assert push_order(mods) == [1, 2, 0]
    cycle = [("p.rego", "package p\n\nx := data.q.y\n"), ("q.rego", "package q\n\ny := data.p.z\n")]
    assert sorted(push_order(cycle)) == [0, 1]


def test_rule_that_does_not_compile_is_an_error_naming_its_file(opa_server: OpaServer) -> None:
    ev = _evaluator(["opa_shadow", "ebs_encrypted"], opa_server.url)
    try:
        got = {(f.rule_id, f.resource_id): f for f in ev.evaluate([tf("aws_ebs_volume.w", {"encrypted": False})])}
    finally:
        ev.close()
    shadow = got[("TEST-OPA-SHADOW", "aws_ebs_volume.w")]
    assert shadow.status is Status.ERROR and "opa_shadow/rule.rego" in shadow.message
    assert got[("TEST-EBS-001", "aws_ebs_volume.w")].status is Status.FAIL


def test_server_gone_mid_scan_is_an_error_not_a_pass(opa_server: OpaServer) -> None:
    ev = _evaluator(["ebs_encrypted"], opa_server.url, rule_timeout=2.0)
    try:
        first = ev.evaluate([tf("aws_ebs_volume.a", {"encrypted": True})])
        assert [f.status for f in first] == [Status.PASS]
        opa_server.stop()
        second = ev.evaluate([tf("aws_ebs_volume.b", {"encrypted": True}), tf("aws_ebs_volume.c", {"encrypted": False})])
    finally:
        ev.close()
    assert [f.status for f in second] == [Status.ERROR, Status.ERROR]
    assert all("connection failed" in f.message and opa_server.url in f.message for f in second)


def test_client_timeout_against_a_real_slow_evaluation(opa_server: OpaServer) -> None:
    """A real evaluation that runs long (a huge numbers.range): the HTTP client gives up at the
    budget and the pair is an error; the server is still healthy afterwards."""
    ev = _evaluator(["rego_range"], opa_server.url, rule_timeout=0.5, scan_timeout=120)
    try:
        got = ev.evaluate([tf("aws_ebs_volume.huge", {"encrypted": True})])
    finally:
        ev.close()
    assert [f.status for f in got] == [Status.ERROR] and "timed out" in got[0].message
    assert opa_server.healthy()


def test_bad_url_is_a_usage_error() -> None:
    from policyguard.engine.rego.backends import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="expected http"):
        OpaServerBackend([], "ftp://127.0.0.1:1", 1.0)


def test_failing_builtin_is_an_error_not_a_silent_pass(opa_server: OpaServer, tmp_path: Path) -> None:
    from test_opa_cli import builtin_error_rule

    ev = _evaluator([], opa_server.url, rule_dirs=[builtin_error_rule(tmp_path)])
    try:
        got = {f.resource_id: f for f in ev.evaluate([tf("aws_ebs_volume.word", {"size": "lots"}), tf("aws_ebs_volume.big", {"size": "500"})])}
    finally:
        ev.close()
    assert got["aws_ebs_volume.word"].status is Status.ERROR and "eval_builtin_error" in got["aws_ebs_volume.word"].message
    assert got["aws_ebs_volume.big"].status is Status.FAIL
