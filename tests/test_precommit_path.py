"""What the pre-commit hook's run (``policyguard scan --quiet`` + a few changed files, a new
interpreter each time; BENCHMARKS.md "pre-commit hook") does not do: import what it does not
use, walk the rule pack that has not changed, or match every rule against every type key. Each
shortcut must give the same answer as the long way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_engine_helpers import REPO, TEST_RULES

from policyguard.engine import rules as rules_mod
from policyguard.engine.evaluator import Evaluator
from policyguard.engine.rules import RuleCache, load_dirs
from policyguard.model import WORKLOAD_TYPE, type_key
from policyguard.options import EvalOptions, RuleOptions

OLD = time.time() - 3600

FILES = {
    "network/main.tf": 'resource "aws_db_instance" "db" {\n  publicly_accessible = true\n}\n',
    "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: true\n"
                    "  containers: [{name: c, image: busybox}]\n",
    "stacks/logs.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  L:\n    Type: AWS::Logs::LogGroup\n',
}

# modules a hook run on these files has no use for
NOT_ON_THE_HOOK_PATH = (
    "jsonschema", "policyguard.gate.exceptions", "policyguard.parsers.kustomize_tree", "policyguard.parsers.helm_chart",
    "policyguard.webhook", "policyguard.commands.audit", "policyguard.commands.fix", "policyguard.commands.serve",
    "policyguard.commands.webhook", "policyguard.commands.baseline", "policyguard.commands.merge",
)


def _hook_modules(cwd: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
        "from policyguard.commands import main\n"
        f"sys.argv = ['policyguard', 'scan', '--quiet', *{sorted(FILES)!r}]\n"
        "main()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    line = next(ln for ln in p.stderr.splitlines() if ln.startswith("MODULES "))
    return p.returncode, set(line.split()[1:])


def _tree(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_hook_imports_only_what_it_uses(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    env = dict(os.environ, POLICYGUARD_CACHE_DIR=str(tmp_path / "cache"))
    _hook_modules(root, env)  # fills the rule cache (a miss validates metadata with jsonschema)
    rc, modules = _hook_modules(root, env)
    assert rc == 1  # the files fail rules: the scan ran
    assert {"policyguard.scan", "policyguard.commands.scan", "yaml"} <= modules
    assert not [m for m in NOT_ON_THE_HOOK_PATH if m in modules]
    # a repository with exception files still reads them (test_exceptions: that they are honoured)
    (root / ".policyguard" / "exceptions").mkdir(parents=True)
    rc, modules = _hook_modules(root, env)
    assert rc == 1 and "policyguard.gate.exceptions" in modules


def test_exceptions_dir_is_the_gate_s() -> None:
    from policyguard.commands.common import EXCEPTIONS_DIR
    from policyguard.gate.exceptions import REPO_DIR

    assert EXCEPTIONS_DIR == REPO_DIR


# --------------------------------------------------------------------------- commands on demand
def test_every_command_is_listed_and_resolves() -> None:
    from policyguard.commands import _COMMANDS, main

    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(_COMMANDS)
    for name in _COMMANDS:
        cmd = main.get_command(ctx, name)
        assert cmd is not None and cmd.name == name
    out = CliRunner().invoke(main, ["--help"]).output
    assert all(f"  {name} " in out for name in _COMMANDS)
    res = CliRunner().invoke(main, ["scna"])
    assert res.exit_code == 2 and "Did you mean 'scan'?" in res.output


# --------------------------------------------------------------------------- rule directory listing
@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("POLICYGUARD_CACHE_DIR", str(d))
    monkeypatch.delenv("POLICYGUARD_NO_CACHE", raising=False)
    return d


def _snapshot(rs: rules_mod.RuleSet) -> tuple[object, ...]:
    return (rs.metas, rs.rego, rs.modules, [(e.file, e.line, e.column, e.message, e.kind) for e in rs.errors],
            sorted(rs.python))


def _rules_tree(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    for n in ("s3_encrypted", "ebs_encrypted", "py_k8s"):
        shutil.copytree(TEST_RULES / n, root / n)
    return root


def _no_walk(*_a: object, **_k: object) -> None:
    raise AssertionError("the rule directory was walked although its listing is valid")


def test_listing_is_reused_while_nothing_changed(cache_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_mod, "_RACY_NS", 0)  # the tree was just written: trust it anyway
    root = _rules_tree(tmp_path)
    full = load_dirs([root])
    assert _snapshot(load_dirs([root], cache=True)) == _snapshot(full)
    assert str(root) in RuleCache(cache_env, [root]).listing
    with monkeypatch.context() as m:
        m.setattr(rules_mod, "_walk_rule_dir", _no_walk)
        assert _snapshot(load_dirs([root], cache=True)) == _snapshot(full)


@pytest.mark.parametrize("change", ["add file", "add directory", "remove", "rename", "py marker", "symlink"])
def test_listing_sees_every_change(change: str, cache_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_mod, "_RACY_NS", 0)
    root = _rules_tree(tmp_path)
    spare = tmp_path / "spare"
    shutil.copytree(TEST_RULES / "s3_encrypted", spare)
    rego = next(spare.glob("*.rego"))
    text = rego.read_text().replace("package ", "package spare_", 1).replace("id: ", "id: SPARE-", 1)
    load_dirs([root], cache=True)
    if change == "add file":
        (root / "ebs_encrypted" / "spare.rego").write_text(text)
    elif change == "add directory":
        (root / "deep" / "er").mkdir(parents=True)
        (root / "deep" / "er" / "spare.rego").write_text(text)
    elif change == "remove":
        next((root / "ebs_encrypted").glob("*.rego")).unlink()
    elif change == "rename":
        first = next((root / "ebs_encrypted").glob("*.rego"))
        first.rename(first.with_name("renamed_test.rego"))  # a test file: not a rule any more
    elif change == "py marker":
        py = next((root / "py_k8s").glob("*.py"))
        py.write_text(py.read_text().replace("python_rules", "python_rulez"))  # no longer a rule file
    else:  # a symlink named like a rule file whose target, a directory (not walked), becomes a
        # file: nothing changes in the link's own directory
        (spare / "d").mkdir()
        (root / "s3_encrypted" / "linked.rego").symlink_to(spare / "d")
        load_dirs([root], cache=True)
        (spare / "d").rmdir()
        (spare / "d").write_text(text)
    want = _snapshot(load_dirs([root]))
    assert _snapshot(load_dirs([root], cache=True)) == want
    assert _snapshot(load_dirs([root], cache=True)) == want
    if change in ("add file", "add directory", "symlink"):
        assert any(m.id.startswith("SPARE-") for m in load_dirs([root], cache=True).metas)


def test_a_listing_of_a_directory_changed_just_now_is_not_stored(cache_env: Path, tmp_path: Path) -> None:
    root = _rules_tree(tmp_path)  # written just now: within the 2 s window
    load_dirs([root], cache=True)
    assert str(root) not in RuleCache(cache_env, [root]).listing
    for p in [root, *root.rglob("*")]:
        os.utime(p, (OLD, OLD))  # the mtimes are old, but the ctimes are not: still not stored
    load_dirs([root], cache=True)
    assert str(root) not in RuleCache(cache_env, [root]).listing


# --------------------------------------------------------------------------- rule groups
def _groups_reference(ev: Evaluator) -> tuple[dict[str, list[str]], dict[tuple[str, str, bool], str]]:
    """The grouping as it was written first: every key matched against every rule's types."""
    rego = [m for m in ev.metas if m.id in ev._rego_ids]
    keys: set[tuple[str, str, bool]] = set()
    for m in rego:
        for plat, types in m.resource_types.items():
            for wl in (False, True):
                keys.add((plat, "*", wl))
                keys.update((plat, type_key(plat, t), wl) for t in types if t not in ("*", WORKLOAD_TYPE))
    covers: dict[str, list[tuple[str, bool, bool, frozenset[str]]]] = {}
    for m in rego:
        for plat, types in m.resource_types.items():
            covers.setdefault(plat, []).append((m.id, "*" in types, WORKLOAD_TYPE in types,
                                                frozenset(type_key(plat, t) for t in types)))
    by_members: dict[tuple[str, ...], str] = {}
    groups: dict[str, list[str]] = {}
    group_of: dict[tuple[str, str, bool], str] = {}
    order = {m.id: i for i, m in enumerate(rego)}
    for plat, typ, wl in sorted(keys):
        found = [rid for rid, star, work, tkeys in covers.get(plat, ()) if star or (wl and work) or (typ != "*" and typ in tkeys)]
        members = tuple(sorted(found, key=order.__getitem__))
        if not members:
            continue
        name = by_members.get(members)
        if name is None:
            name = f"g{len(by_members)}"
            by_members[members] = name
            groups[name] = list(members)
        group_of[(plat, typ, wl)] = name
    return groups, group_of


@pytest.mark.parametrize("profile", ["baseline", "strict"])
def test_rule_groups_are_the_reference_grouping(profile: str) -> None:
    pack = rules_mod.filter_ruleset(load_dirs([REPO / "rules"]), RuleOptions(profile=profile))
    subsets = [pack.metas, pack.metas[::3], [m for m in pack.metas if "kubernetes" in m.resource_types]]
    for metas in subsets:
        rs = rules_mod.RuleSet(metas=list(metas), rego=pack.rego, python=pack.python, modules=pack.modules)
        ev = Evaluator(rs, EvalOptions())
        want = _groups_reference(ev)
        assert ev._groups == want[0] and list(ev._groups) == list(want[0])
        assert list(ev._group_of.items()) == list(want[1].items())
