"""Every built-in rule's fixtures, through the real parsers and the engine, on every backend:
`fixtures/pass/<case>` gives a pass (and no fail or error) of the rule, `fixtures/fail/<case>` a
fail (rules/README.md; `expect.yaml` pins exact resource ids).

Backends: embedded (regorus's interpreter in its guarded helper, the scan default) and
regorus's compiled VM (`embedded-vm`, opt-in) on every rule, opa-golib (OPA as a Go library)
on every 4th (POLICYGUARD_FULL_GOLIB=1: all). The real `opa` binary (tests/opa_fixtures.py): every Rego call of every platform's fixtures
answered by `opa eval` and by `opa run --server` exactly as by regorus (tests/opa_parity.py:
batched, one `opa eval` and one server per platform); and end to end, the `opa` CLI backend (one
process per case, ~0.5 s) and the OPA-server backend (policies pushed over REST) on every 40th
rule, or on all with POLICYGUARD_FULL_OPA=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from opa_fixtures import OpaServer, require_opa, start_server
from opa_parity import Recording, differences, opa_eval_answers, server_answers, write_policy_dir
from test_engine_helpers import REPO, have_golib
from vm_support import rvm_installed  # noqa: F401 - the fixture of test_fixtures_embedded_vm

from policyguard.ruletest import find_rule_dirs, run_fixture_cases

RULE_DIRS = find_rule_dirs([REPO / "rules"])
FULL_OPA = os.environ.get("POLICYGUARD_FULL_OPA") == "1"
# opa-golib (OPA v1.20 in-process) was the only OPA on every rule until the real `opa` binary
# answered every fixture's Rego calls (test_opa_cli_and_server_answer_like_regorus): it now runs
# on every 4th rule (its plumbing; it was half of this file's time), all with POLICYGUARD_FULL_GOLIB=1
FULL_GOLIB = os.environ.get("POLICYGUARD_FULL_GOLIB") == "1"
# the platform folders whose rules include Rego rules (secrets and terraform hold Python rules)
REGO_PLATFORMS = sorted(p.name for p in (REPO / "rules").iterdir() if p.is_dir() and any(p.rglob("*.rego")))


def _id(p: Path) -> str:
    return str(p.relative_to(REPO / "rules"))


@pytest.fixture(scope="module")
def opa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaServer]:
    server = start_server(tmp_path_factory.mktemp("opa"))
    yield server
    server.stop()


@pytest.fixture()
def empty_opa_server(opa_server: OpaServer) -> Iterator[OpaServer]:
    """The module's server, emptied after each test but for the library: an upload compiles
    everything the server holds, so rules of earlier tests must not accumulate."""
    yield opa_server
    opa_server.delete_policies(keep=opa_server.library_ids())


def _check(rule_dir: Path, **kw: object) -> None:
    results, errors, by_dir = run_fixture_cases([rule_dir], builtin=False, **kw)  # type: ignore[arg-type]
    assert errors == [], "\n".join(map(str, errors))
    assert by_dir, f"{rule_dir}: no rule found"
    assert results, f"{rule_dir}: no fixture cases"
    kinds = {c.kind for c in results}
    assert kinds == {"pass", "fail"}, f"{rule_dir}: needs both pass and fail fixtures, has {sorted(kinds)}"
    bad = [f"{c.kind}/{c.case.name} [{c.rule_id}]: " + "; ".join(c.problems) for c in results if not c.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
def test_fixtures_embedded(rule_dir: Path) -> None:
    """The interpreter (the default engine without policyguard_rvm; the VM's reference)."""
    _check(rule_dir, rego_engine="embedded-interpreter")


# The compiled VM (the default engine with policyguard_rvm installed) on every rule.

@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
@pytest.mark.usefixtures("rvm_installed")
def test_fixtures_embedded_vm(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="embedded-vm")


@pytest.mark.skipif(not have_golib(), reason="opa-golib-python-bindings not installed")
@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL_GOLIB else RULE_DIRS[::4], ids=_id)
def test_fixtures_opa_golib(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="opa-golib")


@pytest.mark.parametrize("platform", REGO_PLATFORMS)
def test_opa_cli_and_server_answer_like_regorus(platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Rego call the evaluator makes for the platform's fixtures, answered by the real
    `opa eval` and a real `opa run --server` exactly as by regorus (tests/opa_parity.py)."""
    opa = require_opa()
    rec = Recording()
    rec.install(monkeypatch)
    results, errors, _ = run_fixture_cases([REPO / "rules" / platform], builtin=False)
    assert errors == [] and results
    assert rec.calls and {c.answer[0] for c in rec.calls} == {"ok"}, "regorus itself failed a call"
    for i, policy in enumerate(rec.policies):
        calls = [c for c in rec.calls if c.policy == i]
        policy_dir = write_policy_dir(policy, tmp_path)
        assert differences(calls, opa_eval_answers(opa, policy_dir, calls)) == []
        server = start_server(tmp_path, str(policy_dir))  # the server holds the modules (POLICYGUARD_OPA_PUSH=0)
        try:
            assert differences(calls, server_answers(server.url, policy, calls, monkeypatch)) == []
        finally:
            server.stop()


@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL_OPA else RULE_DIRS[::40], ids=_id)
def test_fixtures_opa_server(rule_dir: Path, empty_opa_server: OpaServer) -> None:
    _check(rule_dir, rego_engine="opa-server", opa_url=empty_opa_server.url)


@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL_OPA else RULE_DIRS[::40], ids=_id)
def test_fixtures_opa_cli(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="opa", opa_path=require_opa())


def test_pack_is_not_empty() -> None:
    assert len(RULE_DIRS) >= 20
