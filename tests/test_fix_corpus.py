"""``policyguard fix --write`` over a copy of the real-world corpus, by default and with
``--unsafe``.

Proves on inputs nobody on the project wrote: every touched file still parses, every fixable
failure is either gone or listed as refused (with a reason) or, by default, as not applied
because its fix is behaviour-changing, and no new failure appears. By default every applied edit
is of the ``safe`` class, as the tool's own JSON output (``--format json``) says.
The corpus is read through ``POLICYGUARD_CORPUS`` (default ``<repo>/../shared/corpus``); the
test skips when it is absent. It scans the corpus twice (baseline and verification inside
``fix``) plus the touched units once more, with every core.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from policyguard.model import Status

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))


def _key(f, root: Path) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    return (f.rule_id, f.resource_id, os.path.relpath(os.path.abspath(f.span.file), root), f.path)


def _run(tmp_path: Path, *extra: str) -> tuple[object, dict, int]:  # type: ignore[type-arg]
    """``fix --write --format json`` (plus ``extra``) on a fresh copy of the corpus; checks the
    invariants every mode shares and returns the plan, the JSON output and the files touched."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")
    from policyguard.commands import fix as command
    from policyguard.commands import main
    from policyguard.fix.plan import scan_units
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions

    work = tmp_path / "corpus"
    shutil.copytree(CORPUS, work, symlinks=True)
    before_bytes = {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and not p.is_symlink()}
    for p in before_bytes:  # the shared corpus is stored read-only, which fix refuses to write (as in a checkout: u+w)
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    modes = {p: p.stat().st_mode for p in before_bytes}

    cwd = os.getcwd()
    os.chdir(work)  # the JSON output's paths are relative to the working directory
    try:
        result = CliRunner().invoke(main, ["fix", "--write", "--format", "json", "-j", "0", *extra, str(work)])
    finally:
        os.chdir(cwd)
    plan = command.LAST_PLAN
    assert plan is not None, result.output
    doc = json.loads(result.stdout)
    # the corpus holds files that cannot be judged (e.g. unrendered Rain modules): those are
    # reported and make the exit code 2, but the verified fixes are still written
    errors = plan.discovery_errors + [e for s in plan.scans for e in s.errors]
    assert result.exit_code == (2 if errors else 1 if plan.refused else 0), result.output[-2000:]

    touched = {p for p, data in before_bytes.items() if p.read_bytes() != data}
    assert {str(p) for p in touched} == set(plan.results), "written files differ from the verified plan"
    assert {os.path.relpath(p, work) for p in touched} == set(doc["summary"]["files"])
    assert all(p.stat().st_mode == modes[p] for p in touched), "file modes changed"
    applied = [f for f in doc["fixes"] if f["applied"]]
    assert len(applied) == len(plan.verified) == doc["summary"]["verified"]
    assert all(f["status"] == "verified" and f["edits"] for f in applied)

    # re-scan every unit that reads a touched file
    touched_abs = {os.path.abspath(p) for p in touched}
    affected = [i for i, us in enumerate(plan.scans) if us.files() & touched_abs]
    # the profile `policyguard fix` verified the fixes under (baseline, the default)
    options = ScanOptions(read=ReadOptions(paths=[str(work)]), rules=RuleOptions(profile="baseline"), evaluation=EvalOptions(jobs=0))
    after = dict(zip(affected, scan_units([plan.scans[i].unit for i in affected], options), strict=True))

    new_failures, new_errors = [], []
    fixable_before, fixable_after = 0, []
    for i, us in enumerate(plan.scans):
        now = after.get(i, us)
        before_fail = {_key(f, work) for f in us.findings if f.status == Status.FAIL}
        fixable_before += sum(1 for f in us.findings if f.status == Status.FAIL and f.fix is not None)
        for f in now.findings:
            if f.status != Status.FAIL:
                continue
            if _key(f, work) not in before_fail:
                new_failures.append(f"{f.rule_id} {f.resource_id} {f.span.file}: {f.message}")
            if f.fix is not None:
                fixable_after.append(_key(f, work))
        before_err = {(os.path.abspath(e.file), e.message) for e in us.errors}
        new_errors += [str(e) for e in now.errors if (os.path.abspath(e.file), e.message) not in before_err]

    assert not new_errors, f"touched files no longer parse: {new_errors[:10]}"
    assert not new_failures, f"new failures after fixing: {new_failures[:10]}"
    listed = {_key(f, work) for g in plan.refused + plan.withheld for _, f in g.findings}
    unexplained = [k for k in fixable_after if k not in listed]
    assert not unexplained, f"fixable failures left without a listed refusal: {unexplained[:10]}"
    for g in plan.refused + plan.withheld:  # every refusal is reported with its reason
        assert g.reason and g.reason in result.stderr
    fixed = sum(len(g.findings) for g in plan.verified)
    by_class = {c: sum(1 for f in applied if f["safety"] == c) for c in ("safe", "behaviour-changing")}
    print(
        f"\ncorpus fix {' '.join(extra) or '(default)'}: {fixable_before} fixable failures before, "
        f"{len(fixable_after)} after; {fixed} fixed by {len(plan.verified)} fixes {by_class} in {len(touched)} files; "
        f"{len(plan.refused)} refused, {len(plan.withheld)} not applied (behaviour-changing); "
        f"{len(plan.unfixable)} failures have no fix definition"
    )
    return plan, doc, len(touched)


@pytest.mark.slow
def test_fix_write_over_corpus_applies_only_safe_fixes(tmp_path: Path) -> None:
    plan, doc, touched = _run(tmp_path)
    applied = [f for f in doc["fixes"] if f["applied"]]
    assert applied and touched, "the corpus has safe fixes to apply"
    assert {f["safety"] for f in applied} == {"safe"}, sorted({f["rule_id"] for f in applied if f["safety"] != "safe"})
    withheld = [f for f in doc["fixes"] if f["status"] == "withheld"]
    assert withheld and all(f["safety"] == "behaviour-changing" and not f["applied"] and not f["edits"] for f in withheld)
    assert all(f["reason"].startswith("behaviour-changing: pass --unsafe") for f in withheld)


@pytest.mark.slow
def test_fix_write_over_corpus_unsafe(tmp_path: Path) -> None:
    plan, doc, touched = _run(tmp_path, "--unsafe")
    applied = [f for f in doc["fixes"] if f["applied"]]
    assert not plan.withheld and {f["safety"] for f in applied} == {"safe", "behaviour-changing"}
    # no fix writes a reference to something that does not exist: those are refused, listed
    dangling = [g for g in plan.refused if g.reason.startswith("dangling reference: ")]
    assert all(g.rule_id in {"PG-AWS-ELB-001", "PG-AZURE-SQL-001"} for g in dangling), {g.rule_id for g in dangling}
