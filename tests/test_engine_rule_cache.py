"""The on-disk rule cache (engine/rules.py ``RuleCache``) and the lazy module loading of the
embedded Rego backend (engine/rego/embedded.py ``LoadPlan``): both must be invisible in results."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from test_engine_helpers import REPO, TEST_RULES, k8s_deployment, s3_unit

from policyguard.engine import rules as rules_mod
from policyguard.engine.evaluator import Evaluator, envelope
from policyguard.engine.rego.common import BackendError
from policyguard.engine.rego.driver import Driver, RegoPolicy
from policyguard.engine.rego.embedded import LoadPlan, RegorusBackend
from policyguard.engine.rules import RuleCache, cache_dir, load_dirs
from policyguard.model import ErrorKind, Severity
from policyguard.options import EvalOptions, ScanOptions

OLD = time.time() - 3600  # rule files older than the cache's 2 s "racy mtime" window


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("POLICYGUARD_CACHE_DIR", str(d))
    monkeypatch.delenv("POLICYGUARD_NO_CACHE", raising=False)
    return d


def _copy_rules(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "rules"
    for n in names:
        shutil.copytree(TEST_RULES / n, root / n)
    for p in root.rglob("*"):
        os.utime(p, (OLD, OLD))
    return root


def _snapshot(rs: rules_mod.RuleSet) -> tuple[object, ...]:
    return (rs.metas, rs.rego, rs.modules, [(e.file, e.line, e.column, e.message, e.kind) for e in rs.errors],
            sorted(rs.python))


def _cache_files(d: Path) -> list[Path]:
    return sorted(d.glob("rules-*.pickle")) if d.exists() else []


def _evaluate(rs: rules_mod.RuleSet, resources: list) -> list[tuple[object, ...]]:
    opts = ScanOptions()
    return [(f.rule_id, f.resource_id, f.status, f.path, f.message, f.unknowns, f.fix) for f in
            Evaluator(rs, opts.evaluation).evaluate(resources)]


def test_hit_gives_identical_rules_and_findings(cache_env: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_rules(tmp_path, "s3_encrypted", "ebs_encrypted", "py_k8s")
    cold = load_dirs([root], cache=True)
    assert not cold.errors and len(cold.metas) >= 3
    assert len(_cache_files(cache_env)) == 1
    full = load_dirs([root])  # no cache at all

    # a hit must not run the slow path (syntax check, YAML, JSON Schema) for any file
    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("full validation ran on a cache hit")

    monkeypatch.setattr(rules_mod, "load_rego_file", boom)
    monkeypatch.setattr(rules_mod, "_schema_errors", boom)
    warm = load_dirs([root], cache=True)
    assert _snapshot(warm) == _snapshot(cold) == _snapshot(full)
    resources = [*s3_unit(), k8s_deployment(True), k8s_deployment(False, "ok")]
    assert _evaluate(warm, resources) == _evaluate(full, resources)
    assert any(f[2] == "fail" for f in _evaluate(warm, resources))


def test_builtin_pack_hit_is_identical(cache_env: Path) -> None:
    pack = REPO / "rules"
    cold = load_dirs([pack], cache=True)
    warm = load_dirs([pack], cache=True)
    store = RuleCache(cache_env, [pack])
    assert len(store.rego) >= 130  # every Rego file of the pack is cached
    assert _snapshot(warm) == _snapshot(cold)
    assert not warm.errors and len(warm.metas) == len(cold.metas) > 100


def test_modified_rule_file_invalidates(cache_env: Path, tmp_path: Path) -> None:
    root = _copy_rules(tmp_path, "s3_encrypted")
    rule = next(root.rglob("*.rego"))
    first = load_dirs([root], cache=True)
    (meta,) = first.metas
    text = rule.read_text()
    assert "severity: high" in text and meta.severity is Severity.HIGH
    rule.write_text(text.replace("severity: high", "severity: low"))
    os.utime(rule, (OLD + 60, OLD + 60))  # a different, still old mtime
    second = load_dirs([root], cache=True)
    assert second.metas[0].severity is Severity.LOW
    # a same-size edit is caught by the mtime alone
    edited = rule.read_text()
    assert "title: Test rule" in edited
    rule.write_text(edited.replace("title: Test rule", "title: Tost rule"))
    os.utime(rule, (OLD + 90, OLD + 90))
    assert load_dirs([root], cache=True).metas[0].title.startswith("Tost rule")
    # and a broken edit is reported, not served from the cache
    rule.write_text(text.replace("package ", "packag ", 1))
    os.utime(rule, (OLD + 120, OLD + 120))
    third = load_dirs([root], cache=True)
    assert not third.metas and third.errors and third.errors[0].kind is ErrorKind.RULE_LOAD


def test_file_edited_just_now_is_not_cached(cache_env: Path, tmp_path: Path) -> None:
    root = _copy_rules(tmp_path, "s3_encrypted")
    rule = next(root.rglob("*.rego"))
    os.utime(rule, None)  # now: within the file system's mtime granularity of a further edit
    load_dirs([root], cache=True)
    assert str(rule) not in RuleCache(cache_env, [root]).rego


def test_corrupt_cache_is_ignored_and_rewritten(cache_env: Path, tmp_path: Path) -> None:
    root = _copy_rules(tmp_path, "s3_encrypted", "bad_meta")
    expected = _snapshot(load_dirs([root]))
    load_dirs([root], cache=True)
    (path,) = _cache_files(cache_env)
    for garbage in (b"", b"not a pickle", pickle.dumps({"stamp": "x"}), pickle.dumps([1, 2]),
                    path.read_bytes()[: len(path.read_bytes()) // 2]):
        path.write_bytes(garbage)
        assert _snapshot(load_dirs([root], cache=True)) == expected
    # the last load rewrote a valid cache
    assert len(RuleCache(cache_env, [root]).rego) == 2


def test_wrong_stamp_entries_are_not_used(cache_env: Path, tmp_path: Path) -> None:
    root = _copy_rules(tmp_path, "s3_encrypted")
    load_dirs([root], cache=True)
    (path,) = _cache_files(cache_env)
    doc = pickle.loads(path.read_bytes())
    for file, (stamp, result) in doc["rego"].items():
        meta = result[0]
        doc["rego"][file] = (stamp, (meta.__class__(**{**{f: getattr(meta, f) for f in meta.__dataclass_fields__},
                                                        "title": "poisoned"}), *result[1:]))
    doc["stamp"] = "another policyguard version"
    path.write_bytes(pickle.dumps(doc))
    assert load_dirs([root], cache=True).metas[0].title != "poisoned"


def test_unwritable_cache_dir_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("POLICYGUARD_CACHE_DIR", str(blocker / "sub"))  # a directory cannot exist here
    root = _copy_rules(tmp_path, "s3_encrypted")
    assert _snapshot(load_dirs([root], cache=True)) == _snapshot(load_dirs([root]))


def test_no_cache_env(cache_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYGUARD_NO_CACHE", "1")
    assert cache_dir() is None
    root = _copy_rules(tmp_path, "s3_encrypted")
    rs = load_dirs([root], cache=True)
    assert rs.metas and not _cache_files(cache_env)
    monkeypatch.setenv("POLICYGUARD_NO_CACHE", "0")
    load_dirs([root], cache=True)
    assert _cache_files(cache_env)


def test_cache_dir_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POLICYGUARD_NO_CACHE", raising=False)
    monkeypatch.delenv("POLICYGUARD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "policyguard"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "policyguard"


def test_python_rule_schema_errors_survive_the_cache(cache_env: Path, tmp_path: Path) -> None:
    root = tmp_path / "rules"
    root.mkdir()
    (root / "bad.py").write_text(
        "from policyguard.engine.python_rules import rule\n\n"
        "@rule(id='PG-T-PY-1', title='t', severity='urgent', resource_types={'kubernetes': ['*']})\n"
        "def check(resource):\n    return None\n"
    )
    os.utime(root / "bad.py", (OLD, OLD))
    full = load_dirs([root])
    assert full.errors and "severity" in full.errors[0].message
    load_dirs([root], cache=True)
    assert RuleCache(cache_env, [root]).schema  # the verdict was stored
    assert _snapshot(load_dirs([root], cache=True)) == _snapshot(full)


# --------------------------------------------------------------------------- lazy Rego loading
def _pack_evaluator() -> Evaluator:
    rs = load_dirs([REPO / "rules"])
    return Evaluator(rs, EvalOptions())


def test_driver_parts_cover_the_driver() -> None:
    ev = _pack_evaluator()
    driver = ev.policy().driver
    parts = {p.key: p for p in driver.parts()}
    assert {k for k in parts if k.startswith("out:")} == {f"out:{rid}" for rid in ev.ruleset.rego}
    assert {k for k in parts if k.startswith("group:")} == {f"group:{g}" for g in ev._groups}
    for g, ids in ev._groups.items():
        part = parts[f"group:{g}"]
        assert part.rules == tuple(ids) and part.groups == (g,)
        # a rule's package, or for a parameterised rule the driver rule that evaluates it
        plain = {tuple(ev.ruleset.rego[r].package.split(".")) for r in ids if r not in ev._rego_params}
        assert {p for p in part.refs if p[:2] != ("policyguard", "driver")} == plain
        assert [p[2].startswith("param_out_") for p in part.refs if p[:2] == ("policyguard", "driver")] == [
            True for r in ids if r in ev._rego_params]


def test_lazy_plan_loads_only_the_groups_rules() -> None:
    ev = _pack_evaluator()
    plan = LoadPlan(ev.policy())
    res = k8s_deployment(True)
    group = ev.group_for(res)
    assert group is not None
    need = plan.for_groups([group])
    assert need is not None
    files = {plan.units[k][0] for k in need}
    for rid in ev._groups[group]:
        assert ev.ruleset.rego[rid].file in files
    assert len(need) < len(plan.units) / 3
    # the empty check needs only the lib and the driver's entry point
    empty = plan.for_batch('{"resources": {}, "batch": []}')
    assert empty is not None and len(empty) == 2


def test_dynamic_data_reference_loads_everything() -> None:
    lib = ("lib.rego", "package policyguard.lib\n")
    a = ("a.rego", 'package policyguard.rules.a\nimport rego.v1\n# data[x] in a comment is no reference\n'
         'fail contains "x" if data.policyguard.rules.b.flag\n')
    b = ("b.rego", "package policyguard.rules.b\nflag := true\n")
    c = ("c.rego", "package policyguard.rules.c\nimport rego.v1\nfail contains x if { some x; data[x] }\n")
    drv = Driver.build([("A", "policyguard.rules.a", False), ("C", "policyguard.rules.c", False)], {"g0": ["A"], "g1": ["C"]})
    plan = LoadPlan(RegoPolicy((lib, a, b, c), drv))
    need_a = plan.for_groups(["g0"])
    assert need_a is not None and {plan.units[k][0] for k in need_a} == {
        "lib.rego", "a.rego", "b.rego", "policyguard/driver.rego#core", "policyguard/driver.rego#group:g0"}
    assert plan.for_groups(["g1"]) is None  # c.rego reads data dynamically: load all


def test_a_field_named_data_is_no_data_reference() -> None:
    """``sel.data`` and ``input.data.x`` are fields of objects: the module reads no package
    through them, and does not read the data document dynamically (which would send its
    group to the interpreter with every module loaded)."""
    from policyguard.engine.rego.common import data_refs

    src = ('package policyguard.rules.d\nimport rego.v1\nimport data.policyguard.lib\n'
           'keys := {"data": "data_resource"}\n'
           'fail contains x if { some sel in input.resource.attributes.selectors; x := sel.data; lib.truthy(x) }\n'
           'fail contains "y" if input.data.policyguard.flag\n')
    assert data_refs(src) == (("policyguard", "lib"),)
    assert data_refs(src.replace("sel.data", "data[sel]")) is None
    assert data_refs(src.replace("input.data.policyguard", "data.policyguard")) == (("policyguard", "lib"), ("policyguard", "flag"))


def test_lazy_and_eager_give_identical_findings() -> None:
    ev = _pack_evaluator()
    resources = [*s3_unit(), k8s_deployment(True), k8s_deployment(False, "ok")]
    eager = RegorusBackend(ev.policy(), lazy=False)
    lazy = RegorusBackend(ev.policy(), lazy=True)
    envs = {r.id: envelope(r) for r in resources}
    grouped = [{"id": r.id, "group": ev.group_for(r)} for r in resources if ev.group_for(r)]
    doc = json.dumps({"resources": envs, "batch": grouped})
    names = sorted({g["group"] for g in grouped})
    assert lazy.eval_batch({}, doc, 30, names) == eager.eval_batch({}, doc, 30, names)
    # the `batch` entry point (used to isolate a failing rule) on the same engine, after the groups
    single = [{"id": r.id, "rules": dict.fromkeys(ev._groups[ev.group_for(r)], True)} for r in resources if ev.group_for(r)]
    doc2 = json.dumps({"resources": envs, "batch": single})
    assert lazy.eval_batch({}, doc2, 30) == eager.eval_batch({}, doc2, 30)
    assert lazy.eval_batch({}, doc, 30, names)  # non-empty


def test_lazy_module_that_fails_to_load_only_fails_its_group() -> None:
    lib = ("lib.rego", "package policyguard.lib\n")
    good = ("good.rego", 'package policyguard.rules.good\nimport rego.v1\nfail contains "bad" if input.resource.x\n')
    bad = ("bad.rego", "package policyguard.rules.bad\nfail contains x if {{{\n")
    policy = RegoPolicy((lib, good, bad), Driver.build([("G", "policyguard.rules.good", False), ("B", "policyguard.rules.bad", False)],
                                                      {"g0": ["G"], "g1": ["B"]}))
    backend = RegorusBackend(policy, lazy=True)
    doc = json.dumps({"resources": {"r": {"x": True}}, "batch": [{"id": "r", "group": "g1"}]})
    with pytest.raises(BackendError, match="bad.rego"):
        backend.eval_batch({}, doc, 30, ["g1"])
    ok = json.dumps({"resources": {"r": {"x": True}}, "batch": [{"id": "r", "group": "g0"}]})
    assert backend.eval_batch({}, ok, 30, ["g0"]) == [{"id": "r", "out": {"G": {"fail": ["bad"]}}}]
    with pytest.raises(BackendError, match="bad.rego"):  # remembered, not re-parsed
        backend.eval_batch({}, doc, 30, ["g1"])
    eager = RegorusBackend(policy, lazy=False)
    with pytest.raises(BackendError, match="bad.rego"):
        eager.eval_batch({}, ok, 30, ["g0"])


def test_module_that_fails_to_prepare_only_fails_its_group() -> None:
    """regorus accepts a module with an unsafe variable and rejects it when the engine prepares
    for an evaluation: each group has an engine of its own, so once that group has failed the
    other groups (and the ``batch`` entry point used to isolate pairs) still evaluate."""
    from policyguard.engine.rego.common import BackendError

    lib = ("lib.rego", "package policyguard.lib\n")
    good = ("good.rego", 'package policyguard.rules.good\nimport rego.v1\nfail contains "bad" if input.resource.x\n')
    bad = ("bad.rego", 'package policyguard.rules.bad\nimport rego.v1\nfail contains "x" if { q > 1 }\n')
    drv = Driver.build([("G", "policyguard.rules.good", False), ("B", "policyguard.rules.bad", False)],
                       {"g0": ["G"], "g1": ["B"]})
    backend = RegorusBackend(RegoPolicy((lib, good, bad), drv), lazy=True)
    ok = json.dumps({"resources": {"r": {"x": True}}, "batch": [{"id": "r", "group": "g0"}]})
    want = [{"id": "r", "out": {"G": {"fail": ["bad"]}}}]
    assert backend.eval_batch({}, ok, 30, ["g0"]) == want
    doc = json.dumps({"resources": {"r": {"x": True}}, "batch": [{"id": "r", "group": "g1"}]})
    with pytest.raises(BackendError, match="bad.rego:3"):
        backend.eval_batch({}, doc, 30, ["g1"])
    assert backend.eval_batch({}, ok, 30, ["g0"]) == want
    single = json.dumps({"resources": {"r": {"x": True}}, "batch": [{"id": "r", "rules": {"G": True}}]})
    assert backend.eval_batch({}, single, 30) == want


def test_cache_files_are_capped(cache_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_mod, "_MAX_CACHE_FILES", 3)
    roots = []
    for i in range(5):
        root = tmp_path / f"set{i}"
        shutil.copytree(TEST_RULES / "s3_encrypted", root / "s3")
        for p in root.rglob("*"):
            os.utime(p, (OLD, OLD))
        roots.append(root)
        load_dirs([root], cache=True)
    kept = _cache_files(cache_env)
    assert len(kept) == 3
    assert RuleCache(cache_env, [roots[-1]]).path in kept  # the newest survives
