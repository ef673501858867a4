"""The `opa eval` backend (`--rego-engine opa`) against the real `opa` binary
(tests/opa_fixtures.py): the library and the pack load, runaway evaluation is killed at the
budget, large inputs go through stdin, compile and runtime errors name the rule file, and the
scanned repository's file names never reach a command line or a shell."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from opa_fixtures import require_opa
from test_engine_helpers import TEST_RULES, comparable, options, s3_unit, tf

from policyguard import engine
from policyguard.engine.rego.backends import OpaCliBackend, parse_opa_eval_output
from policyguard.engine.rules import library_modules
from policyguard.model import Status

METADATA_RE = re.compile(r"^# METADATA\n((?:#.*\n)+?)(?=package )", re.M)


def _evaluate(rules: list[str], resources: list, engine_name: str = "opa", **kw):
    extra = {"opa_path": require_opa()} if engine_name == "opa" else {}
    opts = options(rules, engine=engine_name, **extra, **kw)
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    try:
        return ev.evaluate(resources)
    finally:
        ev.close()


def test_library_metadata_is_yaml_opa_accepts() -> None:
    """OPA parses every `# METADATA` block as YAML and refuses the module otherwise (two library
    modules had `a: b` inside a plain description: `opa eval` rejected the whole pack)."""
    for file, source in library_modules():
        m = METADATA_RE.search(source)
        assert m, f"{file}: no METADATA block above the package"
        text = "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in m.group(1).splitlines())
        assert isinstance(yaml.safe_load(text), dict), file


def test_library_compiles_on_real_opa(tmp_path: Path) -> None:
    for file, source in library_modules():
        (tmp_path / Path(file).name).write_text(source, encoding="utf-8")
    proc = subprocess.run([require_opa(), "eval", "--format", "json", "--data", str(tmp_path), "data.policyguard.net"],
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout.decode()[:2000]


def test_verdicts_match_embedded() -> None:
    rules = ["s3_encrypted", "ebs_encrypted"]
    got = _evaluate(rules, s3_unit())
    assert {f.status for f in got} >= {Status.PASS, Status.FAIL, Status.UNKNOWN}
    assert comparable(got) == comparable(_evaluate(rules, s3_unit(), "embedded"))


def test_runaway_rule_is_killed_at_its_budget() -> None:
    """`count(numbers.range(1, 1e10))` would run for minutes: the subprocess is killed at the unit's
    budget (rule_timeout x pairs + the start allowance), the rule is an error on that resource only,
    and the other resource still gets its verdict."""
    unit = [tf("aws_ebs_volume.huge", {"encrypted": True}), tf("aws_ebs_volume.ok", {"encrypted": True})]
    t0 = time.monotonic()
    got = {(f.rule_id, f.resource_id): f for f in _evaluate(["rego_range", "ebs_encrypted"], unit, rule_timeout=0.5, scan_timeout=120)}
    elapsed = time.monotonic() - t0
    huge = got[("TEST-REGO-HUGE", "aws_ebs_volume.huge")]
    assert huge.status is Status.ERROR and "exceeded its time budget" in huge.message
    assert got[("TEST-REGO-HUGE", "aws_ebs_volume.ok")].status is Status.PASS
    assert got[("TEST-EBS-001", "aws_ebs_volume.huge")].status is Status.PASS
    assert elapsed < 90, elapsed  # bounded by the budgets, not by the range


def test_runtime_error_names_the_rule_file() -> None:
    unit = [tf("aws_ebs_volume.blowup", {"encrypted": False}), tf("aws_ebs_volume.fine", {"encrypted": False})]
    got = {(f.rule_id, f.resource_id): f for f in _evaluate(["rego_blowup", "ebs_encrypted"], unit)}
    err = got[("TEST-REGO-ERR", "aws_ebs_volume.blowup")]
    assert err.status is Status.ERROR
    assert "eval_conflict_error" in err.message and str(TEST_RULES / "rego_blowup" / "rule.rego") in err.message
    assert "policyguard-rego-" not in err.message  # the temporary copy's name is replaced by the rule's
    assert got[("TEST-REGO-ERR", "aws_ebs_volume.fine")].status is Status.PASS
    assert got[("TEST-EBS-001", "aws_ebs_volume.blowup")].status is Status.FAIL


def test_rule_that_does_not_compile_on_opa_is_set_aside() -> None:
    """`internal` is a keyword-like name OPA refuses where regorus accepts it: that rule is an
    error naming its file, the other rules still run on OPA."""
    unit = [tf("aws_ebs_volume.e", {"encrypted": True}), tf("aws_ebs_volume.w", {"encrypted": False})]
    got = {(f.rule_id, f.resource_id): f for f in _evaluate(["opa_shadow", "ebs_encrypted"], unit)}
    shadow = [f for k, f in got.items() if k[0] == "TEST-OPA-SHADOW"]
    assert shadow and all(f.status is Status.ERROR for f in shadow)
    assert "does not compile on the opa engine" in shadow[0].message and "opa_shadow/rule.rego" in shadow[0].message
    assert got[("TEST-EBS-001", "aws_ebs_volume.w")].status is Status.FAIL
    assert got[("TEST-EBS-001", "aws_ebs_volume.e")].status is Status.PASS


def test_large_input_goes_through_stdin() -> None:
    """A 300-resource unit with 16 KiB strings (~5 MB of JSON, beyond any argument limit): one
    invocation through stdin, verdicts for every resource. (Not thousands of resources: OPA's
    time for the driver grows with the square of a unit's resources, 200 -> 2.4 s, 400 -> 7.5 s;
    regorus 0.3 s.)"""
    unit = [tf(f"aws_ebs_volume.v{i}", {"encrypted": i % 2 == 0, "tags": {"blob": "x" * 16384}}) for i in range(300)]
    got = _evaluate(["ebs_encrypted"], unit, rule_timeout=1.0)
    assert len(got) == 300
    assert sum(f.status is Status.FAIL for f in got) == 150 and sum(f.status is Status.PASS for f in got) == 150


def test_hostile_rule_file_names_never_reach_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule directory named like options and shell syntax: OPA loads copies under generated
    names, the command line is a list (no shell), and errors still name the real file."""
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "PWNED"
    hostile = tmp_path / "--data=$(touch PWNED); `touch PWNED` -v\nx"
    hostile.mkdir()
    src = (TEST_RULES / "rego_blowup" / "rule.rego").read_text(encoding="utf-8")
    (hostile / "rule; rm -rf ~.rego").write_text(src, encoding="utf-8")
    opts = options([], engine="opa", opa_path=require_opa(), rule_dirs=[str(hostile)])
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    try:
        cmd = ev.backend.command()
        assert all("$(" not in a and "rm -rf" not in a and "\n" not in a for a in cmd)
        got = ev.evaluate([tf("aws_ebs_volume.blowup", {"encrypted": True})])
    finally:
        ev.close()
    assert not marker.exists()
    [err] = got
    assert err.status is Status.ERROR and "rule; rm -rf ~.rego" in err.message


def test_eval_output_of_the_real_binary_parses(tmp_path: Path) -> None:
    """The three shapes `opa eval --format json` prints: a value, undefined (`{}`), errors."""
    opa = require_opa()
    (tmp_path / "p.rego").write_text("package p\n\nimport rego.v1\n\nx := input.n + 1\n\ny := 1 if input.n == 0\n\ny := 2 if input.n == 0\n",
                                     encoding="utf-8")

    def run(query: str, doc: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([opa, "eval", "--format", "json", "--data", str(tmp_path), "--stdin-input", query],
                              input=json.dumps(doc).encode(), capture_output=True, timeout=60, check=False)

    ok = run("data.p.x", {"n": 41})
    assert parse_opa_eval_output(ok.returncode, ok.stdout, ok.stderr) == 42
    undefined = run("data.p.nothing", {})
    with pytest.raises(Exception, match="undefined"):
        parse_opa_eval_output(undefined.returncode, undefined.stdout, undefined.stderr)
    conflict = run("data.p.y", {"n": 0})
    with pytest.raises(Exception, match=r"p\.rego:\d+: eval_conflict_error: "):
        parse_opa_eval_output(conflict.returncode, conflict.stdout, conflict.stderr)


def test_find_opa_takes_the_given_binary(tmp_path: Path) -> None:
    assert OpaCliBackend.find_opa(require_opa()) == require_opa()


def test_a_call_loads_only_the_modules_it_reaches() -> None:
    """OPA compiles all it is given on every call (8 s for the whole pack): a unit's call loads
    the library, its groups' driver parts and their rules, not the other rules; the empty check
    loads the whole set (so a rule that breaks compilation is set aside before any unit)."""
    opts = options(["s3_encrypted", "ebs_encrypted", "rego_range"], engine="opa", opa_path=require_opa())
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    try:
        vol = tf("aws_ebs_volume.w", {"encrypted": False})
        group = ev.group_for(vol)
        assert group is not None
        doc = {"resources": {}, "batch": [{"id": vol.id, "group": group}]}
        cmd = ev.backend.command([group], json.dumps(doc))
        loaded = [Path(cmd[i + 1]).read_text(encoding="utf-8") for i, a in enumerate(cmd) if a == "--data"]
        packages = {line.split()[1] for text in loaded for line in text.splitlines() if line.startswith("package ")}
        assert "policyguard.test.ebs_encrypted" in packages and "policyguard.test.rego_range" in packages
        assert "policyguard.lib" in packages and not any("s3" in p for p in packages)
        check = ev.backend.command(None, json.dumps({"resources": {}, "batch": []}))
        assert check[check.index("--data") + 1].endswith("/all") and check.count("--data") == 1
        assert {f.rule_id: f.status for f in ev.evaluate([vol])} == {"TEST-EBS-001": Status.FAIL, "TEST-REGO-HUGE": Status.PASS}
    finally:
        ev.close()


BUILTIN_ERROR_RULE = """# METADATA
# title: Test rule - a built-in call that fails (to_number of a word) guards the fail
# custom:
#   id: TEST-BUILTIN-ERR
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.builtin_err

import rego.v1

fail contains {"msg": "big", "path": "size"} if to_number(input.resource.attributes.size) > 100
"""


def builtin_error_rule(root: Path) -> str:
    d = root / "builtin_err"
    d.mkdir()
    (d / "rule.rego").write_text(BUILTIN_ERROR_RULE, encoding="utf-8")
    return str(d)


def test_failing_builtin_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    """OPA makes a failing built-in call undefined unless told otherwise, so the `fail` it guards
    would pass; regorus reports an error. The backend asks OPA for strict built-in errors."""
    unit = [tf("aws_ebs_volume.word", {"size": "lots"}), tf("aws_ebs_volume.big", {"size": "500"})]
    rule = builtin_error_rule(tmp_path)
    for name in ("embedded", "opa"):
        got = {f.resource_id: f for f in _evaluate([], unit, name, rule_dirs=[rule])}
        assert got["aws_ebs_volume.word"].status is Status.ERROR, name
        assert "to_number" in got["aws_ebs_volume.word"].message or "parse" in got["aws_ebs_volume.word"].message, name
        assert got["aws_ebs_volume.big"].status is Status.FAIL, name
