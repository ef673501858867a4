"""Every built-in rule's fixtures, through the real parsers and the engine, on every backend:
`fixtures/pass/<case>` gives a pass (and no fail or error) of the rule, `fixtures/fail/<case>` a
fail (rules/README.md; `expect.yaml` pins exact resource ids).

Backends: embedded (regorus: the compiled VM a scan runs, the rest on its interpreter), the
regorus interpreter alone (`embedded-interpreter`) and opa-golib (real OPA) on every rule; the OPA REST test double
on every rule; the `opa` CLI test double (one process per case, ~0.3 s) on every 8th rule unless
POLICYGUARD_FULL_SHIM=1 runs it on all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from test_engine_helpers import OPA_SHIM, REPO, have_golib

from policyguard.ruletest import find_rule_dirs, run_fixture_cases

RULE_DIRS = find_rule_dirs([REPO / "rules"])
FULL_SHIM = os.environ.get("POLICYGUARD_FULL_SHIM") == "1"


def _id(p: Path) -> str:
    return str(p.relative_to(REPO / "rules"))


@pytest.fixture()
def rest_shim():  # one server per test: policies of other rule dirs do not accumulate
    sys.path.insert(0, str(Path(__file__).parent / "opa_shim"))
    from server import OpaRestShim

    shim = OpaRestShim().start()
    yield shim
    shim.stop()


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
    _check(rule_dir, rego_engine="embedded")


@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
def test_fixtures_embedded_interpreter(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="embedded-interpreter")


@pytest.mark.skipif(not have_golib(), reason="opa-golib-python-bindings not installed")
@pytest.mark.parametrize("rule_dir", RULE_DIRS, ids=_id)
def test_fixtures_opa_golib(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="opa-golib")


@pytest.mark.skipif(not have_golib(), reason="the OPA REST test double needs opa-golib-python-bindings")
@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL_SHIM else RULE_DIRS[::4], ids=_id)  # the transport, sampled
def test_fixtures_opa_server_shim(rule_dir: Path, rest_shim) -> None:
    _check(rule_dir, rego_engine="opa-server", opa_url=rest_shim.url)


@pytest.mark.skipif(not have_golib(), reason="the opa CLI test double needs opa-golib-python-bindings")
@pytest.mark.parametrize("rule_dir", RULE_DIRS if FULL_SHIM else RULE_DIRS[::8], ids=_id)
def test_fixtures_opa_cli_shim(rule_dir: Path) -> None:
    _check(rule_dir, rego_engine="opa", opa_path=str(OPA_SHIM))


def test_pack_is_not_empty() -> None:
    assert len(RULE_DIRS) >= 20
