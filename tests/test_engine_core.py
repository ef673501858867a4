"""Engine behaviour on the embedded backend: verdicts, cross-resource rules, unknowns, time
budgets, rule errors, metadata validation, filtering."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_engine_helpers import REPO, TEST_RULES, k8s_deployment, options, s3_unit

from policyguard import engine
from policyguard.engine.rules import load_dirs
from policyguard.model import ErrorKind, Severity, Status
from policyguard.options import EvalOptions, RuleOptions


def _by(findings, rule_id):
    return {f.resource_id: f for f in findings if f.rule_id == rule_id}


def test_cross_resource_and_unknowns():
    opts = options(["s3_encrypted", "ebs_encrypted"])
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    assert rs.errors == []
    findings = engine.make_evaluator(rs, opts.evaluation).evaluate(s3_unit())
    s3 = _by(findings, "TEST-S3-001")
    assert s3["aws_s3_bucket.a"].status is Status.FAIL  # no encryption resource at all
    assert s3["aws_s3_bucket.a"].path == "server_side_encryption_configuration"
    assert s3["aws_s3_bucket.a"].fix is not None and s3["aws_s3_bucket.a"].fix.ops[0].op == "add_resource"
    assert s3["aws_s3_bucket.b"].status is Status.PASS  # encryption lives in a separate resource
    assert s3["aws_s3_bucket.c"].status is Status.UNKNOWN  # explicit `unknown contains`
    assert s3["aws_s3_bucket.c"].unknowns == ("var.x",)
    assert s3["aws_s3_bucket.d"].status is Status.PASS  # inline block
    assert set(s3) == {"aws_s3_bucket.a", "aws_s3_bucket.b", "aws_s3_bucket.c", "aws_s3_bucket.d"}
    ebs = _by(findings, "TEST-EBS-001")
    # a fail whose path holds an unknown marker becomes unknown naming the expression
    assert ebs["aws_ebs_volume.v"].status is Status.UNKNOWN
    assert ebs["aws_ebs_volume.v"].unknowns == ("var.enc",)
    assert "var.enc" in ebs["aws_ebs_volume.v"].message
    assert ebs["aws_ebs_volume.v"].fix is None
    assert ebs["aws_ebs_volume.w"].status is Status.FAIL
    assert ebs["aws_ebs_volume.w"].fix.to_dict() == {"description": "Encrypt the volume",
                                                     "ops": [{"op": "set", "path": "encrypted", "value": True}],
                                                     "safety": "behaviour-changing"}  # the rule's fix_safety
    assert ebs["aws_ebs_volume.e"].status is Status.PASS
    # one finding per applicable rule x resource; the encryption resources match no rule
    assert not any(f.resource_type == "aws_s3_bucket_server_side_encryption_configuration" for f in findings)


def test_python_rule_pod_spec_paths_map_to_the_workload():
    opts = options(["py_k8s"])
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    bad, good = k8s_deployment(True, "bad"), k8s_deployment(False, "good")
    f = {x.resource_id: x for x in ev.evaluate([bad, good])}
    fb = f[bad.id]
    assert fb.status is Status.FAIL
    assert fb.path == "spec.template.spec.containers[0].securityContext.privileged"
    assert (fb.span.start_line, fb.span.start_col) == (9, 13)  # attribute span of the mapped path
    assert fb.fix.ops[0].path == "spec.template.spec.containers[0].securityContext.privileged"
    assert f[good.id].status is Status.PASS


def test_rego_pod_spec_paths_and_lib(tmp_path: Path):
    rule = tmp_path / "priv" / "rule.rego"
    rule.parent.mkdir()
    rule.write_text('''# METADATA
# title: privileged via lib.containers
# custom:
#   id: TEST-REGO-PRIV
#   severity: critical
#   resource_types:
#     kubernetes: ["*"]
package policyguard.test.rego_priv

import data.policyguard.lib
import rego.v1

fail contains result if {
\tsome c in lib.containers(input.resource.pod_spec)
\tlib.truthy(c.container.securityContext.privileged)
\tresult := {"msg": "privileged", "path": sprintf("%s.securityContext.privileged", [c.path])}
}
''')
    opts = options([], rule_dirs=[str(rule.parent)])
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    assert rs.errors == []
    f = engine.make_evaluator(rs, opts.evaluation).evaluate([k8s_deployment(True)])
    assert [(x.status, x.path, x.span.start_line) for x in f] == [
        (Status.FAIL, "spec.template.spec.containers[0].securityContext.privileged", 9)]


def test_python_rule_that_loops_forever_is_an_error_and_the_rest_completes():
    opts = options(["py_loop", "ebs_encrypted"], rule_timeout=0.5)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    unit = s3_unit()
    loop = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.loop", "name": "loop"})
    big = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                "id": "aws_ebs_volume.big", "name": "big", "attributes": {"size": 5000, "encrypted": True}})
    started = time.monotonic()
    findings = ev.evaluate([loop, big, *unit])
    assert time.monotonic() - started < 5
    lp = _by(findings, "TEST-PY-LOOP")
    assert lp["aws_ebs_volume.loop"].status is Status.ERROR
    assert "time budget" in lp["aws_ebs_volume.loop"].message
    assert lp["aws_ebs_volume.big"].status is Status.FAIL  # same rule, next resource still judged
    assert lp["aws_ebs_volume.e"].status is Status.PASS
    assert _by(findings, "TEST-EBS-001")["aws_ebs_volume.w"].status is Status.FAIL


def test_a_rule_timeout_that_lands_in_a_finaliser_still_stops_the_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The watchdog's tick fires while a ``__del__`` runs: the timeout cannot leave a finaliser
    (Python would print it as "Exception ignored"). The rule is stopped at the next tick and nothing is printed."""
    import sys

    rule = tmp_path / "slow_del" / "rule.py"
    rule.parent.mkdir()
    rule.write_text('''import time

from policyguard.engine.python_rules import fail, rule


class SlowToDie:
    def __del__(self):
        end = time.monotonic() + 0.8
        while time.monotonic() < end:
            pass


@rule(id="TEST-PY-DEL", title="spins in a finaliser", severity="low", resource_types={"terraform": ["aws_ebs_volume"]})
def check(resource, resources):
    started = time.monotonic()
    SlowToDie()
    while time.monotonic() < started + 6:
        pass
    yield fail("the rule was not stopped")
''')
    reported: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda report: reported.append(report.exc_value))
    opts = options([], rule_dirs=[str(rule.parent)], rule_timeout=0.3)
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    assert rs.errors == []
    unit = [r for r in s3_unit() if r.type == "aws_ebs_volume"][:1]
    started = time.monotonic()
    findings = engine.make_evaluator(rs, opts.evaluation).evaluate(unit)
    assert time.monotonic() - started < 3
    assert [(f.status, "time budget" in f.message) for f in findings if f.rule_id == "TEST-PY-DEL"] == [(Status.ERROR, True)]
    assert reported == []


def test_python_rule_that_raises_is_an_error_naming_the_line():
    opts = options(["py_raise"])
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    unit = s3_unit()
    boom = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.boom", "name": "boom"})
    f = _by(ev.evaluate([boom, *unit]), "TEST-PY-RAISE")
    assert f["aws_ebs_volume.boom"].status is Status.ERROR
    assert "KeyError" in f["aws_ebs_volume.boom"].message and "py_raise/rule.py:10" in f["aws_ebs_volume.boom"].message
    assert f["aws_ebs_volume.e"].status is Status.PASS


@pytest.mark.parametrize("backend", ["embedded", "opa-golib"])
def test_rego_runtime_error_is_isolated_to_its_rule_and_resource(backend):
    from test_engine_helpers import have_golib

    if backend == "opa-golib" and not have_golib():
        pytest.skip("opa-golib-python-bindings not installed")
    opts = options(["rego_blowup", "ebs_encrypted"], engine=backend)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    unit = s3_unit()
    blow = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.blowup", "name": "blowup"})
    findings = ev.evaluate([blow, *unit])
    err = _by(findings, "TEST-REGO-ERR")
    assert err["aws_ebs_volume.blowup"].status is Status.ERROR
    assert "rule.rego" in err["aws_ebs_volume.blowup"].message
    assert err["aws_ebs_volume.e"].status is Status.PASS
    ebs = _by(findings, "TEST-EBS-001")
    assert ebs["aws_ebs_volume.blowup"].status is Status.PASS
    assert ebs["aws_ebs_volume.w"].status is Status.FAIL


def test_bad_metadata_names_file_and_line():
    rs = load_dirs([TEST_RULES / "bad_meta"])
    assert rs.metas == []
    [err] = rs.errors
    assert err.kind is ErrorKind.RULE_LOAD
    assert err.file.endswith("bad_meta/rule.rego") and err.line == 5
    assert "severity" in err.message and "catastrophic" in err.message


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("# METADATA\n# title: x\n# custom:\n#   id: X-1\n#   severity: low\n#   resource_types: {terraform: [a]}\n#   colour: red\npackage p.x\nimport rego.v1\nfail contains 1 if false\n",
         1, "colour"),
        ("# METADATA\n# title: x\n# custom:\n#   id: X-1\n#   severity: [low\npackage p.x\nimport rego.v1\nfail contains 1 if false\n",
         5, "not valid YAML"),
        ("# METADATA\n# title: x\n# custom:\n#   id: X-1\n#   severity: low\n#   resource_types: {terraform: [a]}\npackage p.x\nimport rego.v1\nfail contains 1 if {\n  input.x ==\n}\n",
         11, "Rego syntax error"),
        ("package p.x\nimport rego.v1\nfail contains 1 if input.x\n", 1, "no # METADATA"),
        ("# METADATA\n# title: x\n# custom:\n#   severity: low\n#   resource_types:\n#     helm: [a]\npackage p.x\nimport rego.v1\nfail contains 1 if false\n",
         6, "helm"),
    ],
)
def test_metadata_errors_are_located(tmp_path: Path, text: str, line: int, needle: str):
    (tmp_path / "r.rego").write_text(text)
    rs = load_dirs([tmp_path])
    assert rs.metas == []
    assert rs.errors, "a bad rule must be a load error, never a silent skip"
    assert any(needle in e.message for e in rs.errors), rs.errors
    hit = next(e for e in rs.errors if needle in e.message)
    assert hit.file == str(tmp_path / "r.rego")
    if needle != "colour":
        assert hit.line == line, hit
    else:
        assert 1 <= hit.line <= 7


def test_python_metadata_and_import_errors(tmp_path: Path):
    (tmp_path / "a.py").write_text(
        "from policyguard.engine.python_rules import rule\n\n\n"
        "@rule(id='P-1', title='t', severity='urgent', resource_types={'terraform': ['x']})\n"
        "def check(resource):\n    return None\n")
    (tmp_path / "b.py").write_text("from policyguard.engine.python_rules import rule\n\nraise RuntimeError('nope')\n")
    rs = load_dirs([tmp_path])
    msgs = {Path(e.file).name: e for e in rs.errors}
    assert "urgent" in msgs["a.py"].message and msgs["a.py"].line in (4, 5)
    assert "RuntimeError: nope" in msgs["b.py"].message and msgs["b.py"].line == 3


def test_duplicate_ids_are_errors(tmp_path: Path):
    src = (TEST_RULES / "ebs_encrypted" / "rule.rego").read_text()
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "rule.rego").write_text(src.replace("ebs_encrypted", f"ebs_{d}"))
    rs = load_dirs([tmp_path])
    assert len(rs.metas) == 1
    assert any("duplicate rule id TEST-EBS-001" in e.message for e in rs.errors)


def test_filters_framework_enable_disable_and_severity_overrides():
    base = ["s3_encrypted", "ebs_encrypted", "py_k8s"]
    ids = lambda o: [m.id for m in engine.load_ruleset(o.rules, o.evaluation).metas]  # noqa: E731
    assert ids(options(base)) == ["TEST-EBS-001", "TEST-PY-PRIV", "TEST-S3-001"]
    assert ids(options(base, frameworks=["cis-aws"])) == ["TEST-S3-001"]
    assert ids(options(base, frameworks=["pss-baseline", "nist-800-53"])) == ["TEST-EBS-001", "TEST-PY-PRIV"]
    assert ids(options(base, enabled_rules=["TEST-S3-*", "TEST-EBS-001"])) == ["TEST-EBS-001", "TEST-S3-001"]
    assert ids(options(base, disabled_rules=["TEST-PY-PRIV"])) == ["TEST-EBS-001", "TEST-S3-001"]
    rs = engine.load_ruleset(options(base, severity_overrides={"TEST-S3-001": "low"}).rules, EvalOptions())
    assert rs.by_id["TEST-S3-001"].severity is Severity.LOW
    opts = options(base, severity_overrides={"TEST-S3-001": "low"})
    f = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation).evaluate(s3_unit())
    assert {x.severity for x in f if x.rule_id == "TEST-S3-001"} == {Severity.LOW}


def test_scan_budget_exhausted_gives_errors_not_silence():
    opts = options(["ebs_encrypted"], scan_timeout=0.0)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    time.sleep(0.01)
    f = ev.evaluate(s3_unit())
    assert f and all(x.status is Status.ERROR and "scan time budget" in x.message for x in f)


def test_builtin_rules_dir_is_the_checkout():
    assert engine.builtin_rules_dir() == REPO / "rules"


def test_builtin_pack_loads_without_errors():

    rs = engine.load_ruleset(RuleOptions(), EvalOptions())
    assert rs.errors == [], "\n".join(map(str, rs.errors))
    assert len(rs.metas) > 0


def test_runaway_rego_rule_is_stopped_and_isolated():
    opts = options(["rego_range", "ebs_encrypted"], rule_timeout=1.0)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    unit = s3_unit()
    huge = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.huge", "name": "huge"})
    started = time.monotonic()
    findings = ev.evaluate([huge, *unit])
    assert time.monotonic() - started < 15
    rr = _by(findings, "TEST-REGO-HUGE")
    assert rr["aws_ebs_volume.huge"].status is Status.ERROR
    assert "time budget" in rr["aws_ebs_volume.huge"].message or "crashed" in rr["aws_ebs_volume.huge"].message
    assert rr["aws_ebs_volume.e"].status is Status.PASS
    ebs = _by(findings, "TEST-EBS-001")
    assert ebs["aws_ebs_volume.huge"].status is Status.PASS and ebs["aws_ebs_volume.w"].status is Status.FAIL
    # the helper is restarted: the next unit evaluates normally
    again = _by(ev.evaluate(unit), "TEST-EBS-001")
    assert again["aws_ebs_volume.w"].status is Status.FAIL


def test_per_call_deadline():
    opts = options(["ebs_encrypted"])
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    past = ev.evaluate(s3_unit(), deadline=time.monotonic() - 1)
    assert past and all(f.status is Status.ERROR for f in past)
    # the scan-wide budget is back for the next call
    assert {f.status for f in ev.evaluate(s3_unit())} == {Status.PASS, Status.FAIL, Status.UNKNOWN}


def test_python_rule_loop_is_stopped_off_the_main_thread():
    import threading

    opts = options(["py_loop"], rule_timeout=0.5)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    unit = s3_unit()
    loop = unit[-1].__class__(**{**{k: getattr(unit[-1], k) for k in unit[-1].__slots__},
                                 "id": "aws_ebs_volume.loop", "name": "loop"})
    out: list = []
    t = threading.Thread(target=lambda: out.extend(ev.evaluate([loop, *unit])))
    t.start()
    t.join(10)
    assert not t.is_alive()
    lp = _by(out, "TEST-PY-LOOP")
    assert lp["aws_ebs_volume.loop"].status is Status.ERROR and "time budget" in lp["aws_ebs_volume.loop"].message
    assert lp["aws_ebs_volume.e"].status is Status.PASS


def test_guarded_helper_works_under_a_parent_that_already_maps_more_than_the_budget(tmp_path):
    """The helper's memory budget is on top of what its parent maps: a long-lived parent (a
    server's thread arenas, a test process that loaded opa-golib's Go runtime) can map more
    than 4 GiB of address space before it forks, and an absolute limit below that made the
    helper fail to load regorus itself, so every Rego rule became an error."""
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import mmap, sys
        from policyguard import engine
        from policyguard.model import Status
        sys.path.insert(0, sys.argv[1])
        from test_engine_helpers import options, s3_unit
        _by = lambda fs, rid: {f.resource_id: f for f in fs if f.rule_id == rid}
        # 6 GiB of reserved, never touched address space (PROT_NONE, MAP_NORESERVE)
        reserved = mmap.mmap(-1, 6 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000, prot=0)
        opts = options(["ebs_encrypted"])
        ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
        got = _by(ev.evaluate(s3_unit()), "TEST-EBS-001")
        print(sorted((k, f.status.value, f.message[:120]) for k, f in got.items()))
        assert got["aws_ebs_volume.w"].status is Status.FAIL, got["aws_ebs_volume.w"].message
        assert got["aws_ebs_volume.e"].status is Status.PASS, got["aws_ebs_volume.e"].message
    """)
    env = {**os.environ, "POLICYGUARD_REGO_GUARD": "1", "POLICYGUARD_REGO_MEMORY_MB": "4096"}
    r = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)], capture_output=True, text=True,
                       timeout=120, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_applicable_rules_are_the_rules_that_apply() -> None:
    """The evaluator's index gives, for every type the pack names (and its Kubernetes versions
    and kin, types nobody names, with and without a pod spec), exactly the rules whose
    ``applies_to`` holds, in rule order."""
    from policyguard.engine import load_ruleset, make_evaluator
    from policyguard.model import Resource, Span
    from policyguard.options import EvalOptions, RuleOptions

    ev = make_evaluator(load_ruleset(RuleOptions(), EvalOptions(evaluate=False)), EvalOptions(evaluate=False))
    kinds = {(p, t) for m in ev.metas for p, ts in m.resource_types.items() for t in ts}
    kinds |= {("kubernetes", "extensions/v1beta1/Deployment"), ("kubernetes", "batch/v1beta1/CronJob"),
              ("kubernetes", "v1/Pod"), ("kubernetes", "example.com/v1/Widget"), ("terraform", "aws_nothing"),
              ("cloudformation", "AWS::No::Such"), ("dockerfile", "stage"), ("nowhere", "x")}
    for plat, typ in sorted(kinds):
        for pod in (None, "spec"):
            r = Resource(id="r", platform=plat, type=typ, name="r", attributes={}, span=Span("f", 1, 1, 1, 1),
                         pod_spec_path=pod)
            assert [m.id for m in ev.applicable(r)] == [m.id for m in ev.metas if m.applies_to(r)], (plat, typ, pod)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_scan_budget_grows_with_the_input(jobs: int):
    """The whole-scan budget is ``scan_timeout`` plus ``scan_timeout_per_mib`` a MiB of input,
    in this process and in forked workers: a large repository is not turned into errors for
    its size (before: 600 s flat, and a 64x corpus's last third was judged "scan time budget
    exceeded"), while a zero budget still stops every evaluation."""
    from policyguard.options import ReadOptions, ScanOptions
    from policyguard.scan import forget_scanners, scan

    def statuses(per_mib: float) -> set[Status]:
        forget_scanners()
        opts = ScanOptions(read=ReadOptions(paths=[str(REPO / "fixtures" / "kubernetes")]),
                           evaluation=EvalOptions(jobs=jobs, scan_timeout=0.0, scan_timeout_per_mib=per_mib))
        result = scan(opts)
        budget = {f.status for f in result.findings if "scan time budget" in f.message}
        return budget or {f.status for f in result.findings}

    try:
        assert statuses(0.0) == {Status.ERROR}
        assert Status.ERROR not in statuses(1e9) and Status.PASS in statuses(1e9)
    finally:
        forget_scanners()
