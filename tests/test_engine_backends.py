"""The four Rego backends give identical findings; the `opa` CLI and OPA REST request builders
follow OPA's wire formats; unreachable/slow servers and a missing binary are clear errors.

The `opa` binary and the OPA server are the real OPA (tests/opa_fixtures.py: the pinned build of
.ci/run, or PG_OPA_BINARY); more of their behaviour in test_opa_cli.py and test_opa_server.py."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
from opa_fixtures import require_opa, start_server
from test_engine_helpers import comparable, have_golib, k8s_deployment, options, s3_unit

from policyguard import engine
from policyguard.engine.rego.backends import (
    BackendUnavailable,
    OpaCliBackend,
    OpaServerBackend,
    parse_opa_eval_output,
)
from policyguard.engine.rego.driver import DRIVER_QUERY
from policyguard.model import Status

pytestmark = pytest.mark.skipif(not have_golib(), reason="opa-golib-python-bindings not installed")

RULES = ["s3_encrypted", "ebs_encrypted", "rego_blowup", "py_k8s"]


@pytest.fixture(scope="module")
def opa_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("opa"))
    yield server
    server.stop()


def _unit():
    unit = s3_unit()
    blow = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.blowup", "name": "blowup"})
    return [*unit, blow, k8s_deployment(True, "bad"), k8s_deployment(False, "good")]


def _run(backend: str, rules: list[str] = RULES, **kw):
    opts = options(rules, engine=backend, **kw)
    return engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation).evaluate(_unit())


def test_all_backends_agree(opa_server):
    embedded = _run("embedded")
    assert {f.status for f in embedded} == {Status.PASS, Status.FAIL, Status.UNKNOWN, Status.ERROR}
    golib = _run("opa-golib")
    cli = _run("opa", opa_path=require_opa())
    server = _run("opa-server", opa_url=opa_server.url)
    assert comparable(golib) == comparable(embedded)
    assert comparable(cli) == comparable(embedded)
    assert comparable(server) == comparable(embedded)
    # the error verdict names the failing rule file on every backend
    for fs in (embedded, golib, cli, server):
        [err] = [f for f in fs if f.status is Status.ERROR]
        assert err.rule_id == "TEST-REGO-ERR" and err.resource_id == "aws_ebs_volume.blowup"
        assert "rule.rego" in err.message


def test_opa_python_client_transport_agrees(opa_server, monkeypatch):
    pytest.importorskip("opa_client")
    monkeypatch.setenv("POLICYGUARD_OPA_CLIENT", "opa-python-client")
    server = _run("opa-server", opa_url=opa_server.url)
    monkeypatch.delenv("POLICYGUARD_OPA_CLIENT")
    assert comparable(server) == comparable(_run("embedded"))


def test_cli_backend_is_one_invocation_per_unit(tmp_path):
    # a wrapper that counts invocations of the real opa
    counter = tmp_path / "calls"
    wrapper = tmp_path / "opa"
    wrapper.write_text(f'#!/bin/sh\necho x >> "{counter}"\nexec "{require_opa()}" "$@"\n')
    wrapper.chmod(0o755)
    findings = _run("opa", ["s3_encrypted", "ebs_encrypted"], opa_path=str(wrapper))
    # one check of the policy set when the backend is built, then one invocation for the unit
    assert counter.read_text().count("x") == 2
    assert comparable(findings) == comparable(_run("embedded", ["s3_encrypted", "ebs_encrypted"]))
    # a rule that errors makes the backend isolate it: one more call per rule x resource pair
    assert any(f.status is Status.ERROR for f in _run("opa", opa_path=str(wrapper)))


def test_cli_request_follows_opa_eval_wire_format():
    opts = options(["ebs_encrypted"], engine="opa", opa_path=require_opa())
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    cmd = ev.backend.command()
    assert cmd[1:5] == ["eval", "--format", "json", "--strict-builtin-errors"]
    assert cmd[5] == "--data" and "--stdin-input" in cmd and cmd[-1] == DRIVER_QUERY
    # the bundle dir holds plain .rego files, loadable by any opa
    from pathlib import Path

    files = sorted(p.name for p in Path(cmd[6]).iterdir())
    assert files and all(f.endswith(".rego") for f in files)
    # the same input through the real OPA CLI contract gives the embedded verdicts
    doc = {"resources": {"aws_ebs_volume.w": {"id": "aws_ebs_volume.w", "platform": "terraform", "type": "aws_ebs_volume",
                                              "name": "w", "attributes": {"encrypted": False}}},
           "batch": [{"id": "aws_ebs_volume.w", "rules": {"TEST-EBS-001": True}}]}
    proc = subprocess.run(cmd, input=json.dumps(doc).encode(), capture_output=True, check=False, timeout=60)
    value = parse_opa_eval_output(proc.returncode, proc.stdout, proc.stderr)
    eopts = options(["ebs_encrypted"])
    embedded = engine.make_evaluator(engine.load_ruleset(eopts.rules, eopts.evaluation), eopts.evaluation).backend
    assert value == embedded.eval_batch(doc, json.dumps(doc), 10)
    assert value[0]["out"]["TEST-EBS-001"]["fail"][0]["path"] == "encrypted"


def test_opa_eval_output_parsing():
    assert parse_opa_eval_output(0, b'{"result":[{"expressions":[{"value":[1],"text":"q"}]}]}', b"") == [1]
    with pytest.raises(Exception, match="undefined"):
        parse_opa_eval_output(0, b"{}", b"")
    with pytest.raises(Exception, match="rule.rego:3: eval_conflict_error: complete rules"):
        parse_opa_eval_output(1, json.dumps({"errors": [{"code": "eval_conflict_error", "message": "complete rules must not produce multiple outputs",
                                                          "location": {"file": "rule.rego", "row": 3}}]}).encode(), b"")
    with pytest.raises(Exception, match="exit 2"):
        parse_opa_eval_output(2, b"panic: boom", b"")


def test_server_request_builders():
    b = OpaServerBackend([("lib.rego", "package a"), ("x/rule.rego", "package b")], "http://127.0.0.1:8181/", 1.0)
    reqs = b.policy_requests()
    assert [r[0] for r in reqs] == ["PUT", "PUT"]
    assert reqs[0][1].startswith("http://127.0.0.1:8181/v1/policies/policyguard/_lib_") and reqs[0][2] == b"package a"
    assert len({r[1] for r in reqs}) == 2
    method, url, body = b.data_request('{"batch":[]}')
    assert (method, url) == ("POST", "http://127.0.0.1:8181/v1/data/policyguard/driver/batch?strict-builtin-errors=true")
    assert json.loads(body) == {"input": {"batch": []}}


def test_server_unreachable_gives_error_findings():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    findings = _run("opa-server", opa_url=f"http://127.0.0.1:{port}")
    rego = [f for f in findings if f.rule_id.startswith("TEST-") and f.rule_id != "TEST-PY-PRIV"]
    assert rego and all(f.status is Status.ERROR for f in rego)
    assert all("connection failed" in f.message for f in rego)
    # Python rules do not depend on the server
    assert {f.status for f in findings if f.rule_id == "TEST-PY-PRIV"} == {Status.PASS, Status.FAIL}


def test_server_timeout_gives_error_findings(opa_server):
    from opa_fixtures import SlowProxyDouble

    slow = SlowProxyDouble(opa_server.url, 1.0)
    try:
        # the scan budget is generous: each request times out at rule_timeout, which is what is tested
        # (a 3 s budget was spent by the machine's load before the first request on a busy machine)
        findings = _run("opa-server", opa_url=slow.url, rule_timeout=0.2, scan_timeout=60)
    finally:
        slow.stop()
    rego = [f for f in findings if f.rule_id == "TEST-EBS-001"]
    assert rego and all(f.status is Status.ERROR for f in rego)
    assert any("timed out" in f.message for f in rego)


def test_missing_opa_binary_is_a_clear_usage_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackendUnavailable, match="no `opa` binary on PATH") as info:
        engine.load_ruleset((o := options(["ebs_encrypted"], engine="opa")).rules, o.evaluation)
    assert info.value.exit_code == 2
    with pytest.raises(BackendUnavailable, match="not an executable"):
        OpaCliBackend.find_opa(str(tmp_path / "nope"))
    with pytest.raises(BackendUnavailable, match="needs --opa-url"):
        engine.load_ruleset((o := options(["ebs_encrypted"], engine="opa-server")).rules, o.evaluation)


def test_cli_test_command_reports_missing_opa(tmp_path):
    proc = subprocess.run(
        ["python", "-m", "policyguard", "test", "--rego-engine", "opa", "--opa-path", str(tmp_path / "opa")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "not an executable file" in proc.stderr and "Traceback" not in proc.stderr


def test_rule_that_breaks_opa_compilation_is_set_aside():
    embedded = {(f.rule_id, f.resource_id): f for f in _run("embedded", ["ebs_encrypted", "opa_shadow"])}
    golib = {(f.rule_id, f.resource_id): f for f in _run("opa-golib", ["ebs_encrypted", "opa_shadow"])}
    assert embedded[("TEST-OPA-SHADOW", "aws_ebs_volume.v")].status is Status.FAIL
    assert embedded[("TEST-OPA-SHADOW", "aws_ebs_volume.e")].status is Status.PASS
    shadow = [f for k, f in golib.items() if k[0] == "TEST-OPA-SHADOW"]
    assert shadow and all(f.status is Status.ERROR for f in shadow)
    assert "does not compile on the opa-golib engine" in shadow[0].message and "opa_shadow/rule.rego" in shadow[0].message
    # the other rules are unaffected
    ebs = {k: f for k, f in golib.items() if k[0] == "TEST-EBS-001"}
    assert ebs and {k: f.status for k, f in ebs.items()} == {k: f.status for k, f in embedded.items() if k[0] == "TEST-EBS-001"}


@pytest.mark.parametrize("platform", ["kubernetes", "cloudformation", "terraform"])
def test_embedded_and_opa_agree_on_the_corpus(platform):
    """The whole pack on the shared corpus: identical findings.
    (first 40 units; on the full corpus: 16,296 + 4,018 + 4,109 findings, 0 differences; README.)"""
    from test_engine_helpers import corpus_dir

    from policyguard import discover
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import parse_unit

    root = corpus_dir() / platform
    if not root.is_dir():
        pytest.skip(f"corpus not found at {root} (set POLICYGUARD_CORPUS)")
    found = discover.discover([root], excludes=[])
    units = [pr.resources for u in found.units[:40] if (pr := parse_unit(u, ReadOptions())).resources]
    out = {}
    for eng in ("embedded", "opa-golib"):
        o = ScanOptions(evaluation=EvalOptions(rego_engine=eng))
        ev = engine.make_evaluator(engine.load_ruleset(o.rules, o.evaluation), o.evaluation)
        out[eng] = [c for u in units for c in comparable(ev.evaluate(u))]
    assert out["embedded"], "no findings at all"
    assert out["embedded"] == out["opa-golib"]
