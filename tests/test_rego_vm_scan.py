"""The compiled VM as a scan's engine (issue 16): on by default, in the scan's own process, the
interpreter (in its guarded helper) only for what the VM cannot judge faithfully or within its
bounds; programs compiled per rule group on first use and cached on disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_engine_helpers import options, s3_unit
from vm_support import rvm_installed  # noqa: F401 - the fixture below

from policyguard import engine
from policyguard.engine.evaluator import EvalMode, Evaluator
from policyguard.engine.rego import compiled
from policyguard.engine.rego.compiled import CompiledRegorusBackend, ProgramCache, conflict_hazard, unbounded_builtin
from policyguard.engine.rego.driver import Driver, RegoPolicy
from policyguard.engine.rego.guard import GuardedBackend
from policyguard.model import Finding, Resource, Status

HEADER = """# METADATA
# title: Test rule {rid}
# custom:
#   id: {rid}
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.{pkg}

import rego.v1

"""

pytestmark = pytest.mark.usefixtures("rvm_installed")  # skip (fail under PG_CI=1) without policyguard_rvm


def _rule(tmp: Path, rid: str, body: str) -> str:
    pkg = rid.lower().replace("-", "_")
    d = tmp / pkg
    d.mkdir(parents=True)
    (d / "rule.rego").write_text(HEADER.format(rid=rid, pkg=pkg) + body)
    return str(d)


def _evaluator(dirs: list[str], **kw: object) -> Evaluator:
    opts = options([], rule_dirs=dirs, **kw)
    return engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)


def _by(findings: list[Finding], rid: str) -> dict[str, Finding]:
    return {f.resource_id: f for f in findings if f.rule_id == rid}


def _volume(unit: list[Resource], name: str, **attrs: object) -> Resource:
    base = unit[-1]
    fields = {k: getattr(base, k) for k in base.__slots__}
    return base.__class__(**{**fields, "id": f"aws_ebs_volume.{name}", "name": name,
                             "attributes": {**base.attributes, **attrs}})


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POLICYGUARD_REGO_VM", "1")  # the VM is opt-in for scans (backends.make_backend)
    monkeypatch.delenv("POLICYGUARD_NO_CACHE", raising=False)
    # no programs kept in the process: these tests count compiles and disk loads
    monkeypatch.setattr(compiled, "_COMPILED", {})
    monkeypatch.setattr(compiled, "_COMPILED_MAX", 0)


def test_a_scan_judges_rego_on_the_vm_in_process_and_starts_no_helper(tmp_path: Path) -> None:
    ev = _evaluator([_rule(tmp_path, "T-VM-1", 'fail contains {"msg": "off", "path": "encrypted"} if input.resource.attributes.encrypted == false\n')])
    got = _by(ev.evaluate(s3_unit()), "T-VM-1")
    assert got["aws_ebs_volume.w"].status is Status.FAIL and got["aws_ebs_volume.e"].status is Status.PASS
    backend = ev.backend
    assert isinstance(backend, CompiledRegorusBackend)
    assert isinstance(backend.interpreter, GuardedBackend) and not backend.interpreter.running
    assert ev.vm_status() == ({}, 0)
    ev.close()


@pytest.mark.parametrize("how", ["engine", "env"])
def test_the_interpreter_can_be_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    rule = _rule(tmp_path, "T-VM-2", 'fail contains "x" if input.resource.attributes.encrypted == false\n')
    if how == "env":
        monkeypatch.setenv("POLICYGUARD_REGO_VM", "0")
        ev = _evaluator([rule])
    else:
        ev = _evaluator([rule], engine="embedded-interpreter")
    assert _by(ev.evaluate(s3_unit()), "T-VM-2")["aws_ebs_volume.w"].status is Status.FAIL
    assert isinstance(ev.backend, GuardedBackend)
    ev.close()


def test_an_execution_past_the_instruction_limit_goes_to_the_guarded_interpreter(tmp_path: Path) -> None:
    """A rule that iterates far past the VM's 25,000 instructions on one resource: the VM stops,
    the interpreter in the helper runs out of its time budget, and only that rule x resource
    pair is an error; the same rule passes the small resources, other rules are judged."""
    slow = _rule(tmp_path, "T-VM-LOOP", "fail contains n if {\n\txs := object.get(input.resource.attributes, \"xs\", [])\n"
                 "\tsome a in xs\n\tsome b in xs\n\tsome c in xs\n\tsome d in xs\n\tn := a + b + c + d\n\tn < 0\n}\n")
    ok = _rule(tmp_path, "T-VM-OK", 'fail contains "off" if input.resource.attributes.encrypted == false\n')
    ev = _evaluator([slow, ok], rule_timeout=1.0)
    unit = s3_unit()
    big = _volume(unit, "big", xs=list(range(300)))
    started = time.monotonic()
    findings = ev.evaluate([big, *unit])
    assert time.monotonic() - started < 30
    loop = _by(findings, "T-VM-LOOP")
    assert loop["aws_ebs_volume.big"].status is Status.ERROR and "time budget" in loop["aws_ebs_volume.big"].message
    assert loop["aws_ebs_volume.e"].status is Status.PASS
    assert _by(findings, "T-VM-OK")["aws_ebs_volume.w"].status is Status.FAIL
    assert ev.vm_status()[1] >= 1  # the VM refused the big one
    ev.close()


@pytest.mark.parametrize(("rid", "body"), [
    ("T-VM-RANGE", "fail contains \"n\" if {\n\tcount(numbers.range(1, object.get(input.resource.attributes, \"n\", 1))) > 5\n}\n"),
    ("T-VM-WIDE", 'fail contains "w" if {\n\tinput.resource.name == "big"\n\tcount(sprintf("%900000000d", [1])) > 5\n}\n'),
])
def test_builtins_the_instruction_limit_does_not_bound_run_guarded(tmp_path: Path, rid: str, body: str) -> None:
    """One instruction of numbers.range or of a wide sprintf allocates what its argument says:
    such a module never runs on the in-process VM; the guarded helper's budget stops it and the
    pair is an error, the other resources are judged."""
    ev = _evaluator([_rule(tmp_path, rid, body)], rule_timeout=1.0)
    unit = s3_unit()
    findings = ev.evaluate([_volume(unit, "big", n=10**10), *unit])
    got = _by(findings, rid)
    assert got["aws_ebs_volume.big"].status is Status.ERROR
    assert got["aws_ebs_volume.e"].status is Status.PASS
    reasons, _ = ev.vm_status()
    assert reasons and all("instruction limit" in why for why in reasons.values())
    ev.close()


@pytest.mark.parametrize(("src", "flagged"), [
    ("package p\nx := numbers.range(1, 10)\n", False),
    ("package p\nx := numbers.range(1, 100000)\n", True),
    ("package p\nx := numbers.range(1, input.n)\n", True),
    ("package p\nx := numbers.range_step(0, 1e9, 1)\n", True),
    ("package p\n# numbers.range(1, input.n) in a comment\nx := \"numbers.range(1, input.n)\"\n", False),
    ('package p\nx := sprintf("%10d", [1])\n', False),
    ('package p\nx := sprintf("%-0100000d", [1])\n', True),
    ('package p\nx := sprintf("%.5000f", [1])\n', True),
])
def test_unbounded_builtin_screen(src: str, flagged: bool) -> None:
    assert (unbounded_builtin("p.rego", src) is not None) is flagged


def test_a_custom_rule_that_may_conflict_runs_on_the_interpreter(tmp_path: Path) -> None:
    """Two statements of one complete rule holding with different values: the interpreter (and
    OPA) report a conflict, an ``error`` finding; the VM would take one value and give a verdict.
    A custom module defining a rule or function by several statements is therefore screened."""
    body = 'v := 1 if input.resource.name == "w"\nv := 2 if input.resource.name == "w"\nfail contains "x" if v == 3\n'
    ev = _evaluator([_rule(tmp_path, "T-VM-CONFLICT", body)])
    got = _by(ev.evaluate(s3_unit()), "T-VM-CONFLICT")
    assert got["aws_ebs_volume.w"].status is Status.ERROR and got["aws_ebs_volume.e"].status is Status.PASS
    assert all("several rules" in why for why in ev.vm_status()[0].values())
    assert conflict_hazard("t.rego", "package t\nimport rego.v1\nf(x) := 1 if x\nf(x) := 2 if not x\n") is not None
    assert conflict_hazard("t.rego", "package t\nimport rego.v1\ns contains 1 if input.a\ns contains 2 if input.b\no[k] := 1 if some k in input.k\n") is None
    ev.close()


def test_rules_a_scanned_repository_supplies_never_run_on_the_in_process_vm(tmp_path: Path) -> None:
    """A rule directory named by the scanned repository's config (``rego_only_rule_dirs``) is the
    repository's code: the VM's instruction limit does not bound every allocation, so its groups
    run on the guarded interpreter only, even when a trusted run of the same sources left a
    compiled program in the cache."""
    rule = _rule(tmp_path, "T-VM-REPO", 'fail contains "x" if input.resource.attributes.encrypted == false\n')
    trusted = _evaluator([rule])
    assert _by(trusted.evaluate(s3_unit()), "T-VM-REPO")["aws_ebs_volume.w"].status is Status.FAIL
    assert trusted.vm_status() == ({}, 0)  # compiled, and now in the program cache
    trusted.close()
    repo = _evaluator([rule], rego_only_rule_dirs=(rule,))
    got = _by(repo.evaluate(s3_unit()), "T-VM-REPO")
    assert got["aws_ebs_volume.w"].status is Status.FAIL and got["aws_ebs_volume.e"].status is Status.PASS
    interpreted, _ = repo.vm_status()
    assert interpreted and all("scanned repository's config" in why for why in interpreted.values())
    backend = repo.backend
    assert isinstance(backend, CompiledRegorusBackend) and backend.interpreter.running
    repo.close()


# --------------------------------------------------------------------------- program cache
def _policy(body: str = 'fail contains "x" if input.resource.x == 1\n') -> RegoPolicy:
    modules = (("a.rego", "package r.a\nimport rego.v1\n" + body),)
    return RegoPolicy(modules, Driver.build([("A", "r.a", False)], {"g0": ["A"]}))


DOC = {"resources": {"x": {"id": "x", "x": 1}}, "batch": [{"id": "x", "group": "g0"}]}
WANT = [{"id": "x", "out": {"A": {"fail": ["x"]}}}]


def test_programs_compile_lazily_and_a_warm_run_compiles_nothing(tmp_path: Path) -> None:
    cache = ProgramCache(tmp_path / "vm")
    cold = CompiledRegorusBackend(_policy(), cache=cache)
    assert cold.compiled == 0  # nothing before an evaluation meets the group
    assert cold.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (cold.compiled, cold.loaded) == (1, 0)
    warm = CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm"))
    assert warm.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (warm.compiled, warm.loaded) == (0, 1)
    # another rule text is another program
    other = CompiledRegorusBackend(_policy('fail contains "y" if input.resource.x == 1\n'), cache=ProgramCache(tmp_path / "vm"))
    assert other.eval_batch(DOC, "", 5.0, ["g0"]) == [{"id": "x", "out": {"A": {"fail": ["y"]}}}]
    assert other.compiled == 1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "foreign-writable"])
def test_a_damaged_cache_entry_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm")).eval_batch(DOC, "", 5.0, ["g0"])
    (entry,) = (tmp_path / "vm").glob("*.rvm")
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[:-20])
    elif damage == "garbage":
        entry.write_bytes(data[:40] + b"\0" * (len(data) - 40))
    elif damage == "flip":
        entry.write_bytes(data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:])
    else:
        os.chmod(entry, 0o666)
    again = CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm"))
    assert again.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (again.compiled, again.loaded) == (1, 0)
    healed = CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm"))
    assert healed.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (healed.compiled, healed.loaded) == (0, 1)


def test_an_entry_that_passes_its_checksum_but_does_not_load_is_recompiled(tmp_path: Path) -> None:
    """The program is deserialized where the VM is made (not twice): a well-formed entry whose
    program regorus refuses is compiled afresh there, its entry rewritten, and the verdicts are
    the same."""
    import hashlib
    import json

    CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm")).eval_batch(DOC, "", 5.0, ["g0"])
    (entry,) = (tmp_path / "vm").glob("*.rvm")
    magic, head, _binary = entry.read_bytes().split(b"\n", 2)
    bogus = b"not a program" * 10
    meta = {**json.loads(head), "sha256": hashlib.sha256(bogus).hexdigest()}
    entry.write_bytes(magic + b"\n" + json.dumps(meta).encode() + b"\n" + bogus)
    again = CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm"))
    assert again.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (again.loaded, again.compiled, again.interpreted) == (1, 1, {})
    healed = CompiledRegorusBackend(_policy(), cache=ProgramCache(tmp_path / "vm"))
    assert healed.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert (healed.compiled, healed.loaded) == (0, 1)


def test_a_screened_group_is_cached_as_such(tmp_path: Path) -> None:
    policy = _policy('fail contains "x" if count(numbers.range(1, input.resource.x)) == 1\n')
    first = CompiledRegorusBackend(policy, cache=ProgramCache(tmp_path / "vm"))
    assert first.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    second = CompiledRegorusBackend(policy, cache=ProgramCache(tmp_path / "vm"))
    assert second.eval_batch(DOC, "", 5.0, ["g0"]) == WANT
    assert second.loaded == 1 and "numbers.range" in second.interpreted["g0"]


def test_the_webhook_lane_compiles_everything_up_front(tmp_path: Path) -> None:
    opts = options(["ebs_encrypted"])
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation,
                               EvalMode(rego_guard=False, rego_compiled=True, interpret_here=False))
    backend = ev.backend
    assert isinstance(backend, CompiledRegorusBackend)
    assert backend.compiled + backend.loaded + len(backend.interpreted) == len(ev.groups) >= 1


def test_regorus_errors_capture_no_backtrace_under_rust_backtrace(tmp_path: Path) -> None:
    """With RUST_BACKTRACE=1 in the environment (CI images, this machine), regorus's first error
    symbolized a Rust backtrace: 0.2 s and +55 MiB of the scanning process, for text the
    engine drops. The engine turns the capture off before any regorus error."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import json
        from policyguard.engine.rego.compiled import CompiledRegorusBackend
        from policyguard.engine.rego.driver import Driver, RegoPolicy
        rule = "package r.a\\nimport rego.v1\\nfail contains 1 if { some a in input.resource.xs; some b in input.resource.xs; some c in input.resource.xs; a + b + c < 0 }\\n"
        backend = CompiledRegorusBackend(RegoPolicy((("a.rego", rule),), Driver.build([("A", "r.a", False)], {"g0": ["A"]})), cache=None)
        rss = lambda: int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
        doc = {"resources": {"x": {"id": "x", "xs": list(range(100))}}, "batch": [{"id": "x", "group": "g0"}]}
        backend.prepare()
        before = rss()
        out = backend.eval_batch(doc, "", 30.0, ["g0"])
        print(json.dumps({"grew_kib": rss() - before, "fallbacks": backend.fallbacks, "out": out}))
    """)
    env = {**os.environ, "RUST_BACKTRACE": "1"}
    env.pop("RUST_LIB_BACKTRACE", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=True)
    import json

    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["fallbacks"] == 1 and got["out"] == [{"id": "x", "out": {"A": {"fail": []}}}]
    assert got["grew_kib"] < 20 * 1024, got


def test_a_scan_lets_the_vm_finish_what_the_webhook_hands_on(tmp_path: Path) -> None:
    """An execution past regorus's 25,000 instructions but within a scan's budget
    (``SCAN_VM_INSTRUCTIONS``) finishes on a scan's VM: no helper process is started for it.
    The webhook's main lane (``interpret_here=False``) keeps the small limit and hands it on."""
    from policyguard.engine.evaluator import envelope
    from policyguard.engine.rego.backends import make_backend
    from policyguard.engine.rego.compiled import NeedsInterpreter

    pairs = _rule(tmp_path, "T-VM-PAIRS", "fail contains n if {\n\txs := object.get(input.resource.attributes, \"xs\", [])\n"
                  "\tsome a in xs\n\tsome b in xs\n\tn := a + b\n\tn < 0\n}\n")
    ev = _evaluator([pairs], rule_timeout=5.0)
    unit = s3_unit()
    big = _volume(unit, "big", xs=list(range(150)))  # 22,500 pairs: well past 25,000 instructions
    got = _by(ev.evaluate([big, *unit]), "T-VM-PAIRS")
    assert got["aws_ebs_volume.big"].status is Status.PASS
    assert ev.vm_status() == ({}, 0)  # nothing went to the interpreter
    assert not ev.backend.interpreter.running
    lane = make_backend("embedded", ev.policy(), opa_path=None, opa_url=None, timeout=5.0, guard=False,
                        compiled=True, interpret_here=False)
    group = ev.group_for(big)
    envs = {big.id: envelope(big)}
    with pytest.raises(NeedsInterpreter):
        lane.eval_batch({"resources": envs, "batch": [{"id": big.id, "group": group}]}, "", 5.0, [group])
    ev.close()
