"""Golden tests: every fixable rule's fail fixtures, fixed, byte-for-byte.

For each rule with ``fixable: true`` and each ``fixtures/fail/<case>``: the case is copied to a
temporary directory, the fix pipeline runs for that rule (verification included), and every
file it changes must equal ``tests/golden/<rule-id>/<case>/<file>``; files without a golden
copy must stay untouched. A case whose failures carry no fix definition (the rule names a manual
remediation for that situation, e.g. an ACL kept in a separate resource) must change nothing.

Regenerate with ``POLICYGUARD_REGEN_GOLDEN=1 python -m pytest tests/test_fix_golden.py`` and
read every changed golden file before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from policyguard.fix.references import PREFIX as DANGLING
from policyguard.model import Status

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
REGEN = os.environ.get("POLICYGUARD_REGEN_GOLDEN") == "1"

def _fixable_cases() -> list[tuple[str, Path]]:
    from policyguard import engine
    from policyguard.options import EvalOptions, RuleOptions

    ruleset = engine.load_ruleset(RuleOptions(), EvalOptions())
    cases = []
    for meta in sorted(ruleset.metas, key=lambda m: m.id):
        if not meta.fixable:
            continue
        fail_dir = Path(meta.source).parent / "fixtures" / "fail"
        for case in sorted(p for p in fail_dir.glob("*") if p.is_dir()):
            cases.append((meta.id, case))
    return cases


CASES = _fixable_cases()


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}/{c.name}" for r, c in CASES])
def test_golden(rule_id: str, case: Path, tmp_path: Path) -> None:
    from policyguard.fix.plan import plan_fixes
    from policyguard.fix.safety import EVERY_CLASS
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions

    work = tmp_path / case.name
    shutil.copytree(case, work)
    # as `policyguard fix` runs by default: baseline rules judge whether a fix adds failures
    plan = plan_fixes(ScanOptions(read=ReadOptions(paths=[str(work)]), rules=RuleOptions(profile="baseline", profile_keep=[rule_id]), evaluation=EvalOptions(jobs=1)),
                      only_rules=[rule_id], policy=EVERY_CLASS)
    failing = [f for s in plan.scans for f in s.findings if f.rule_id == rule_id and f.status == Status.FAIL]
    assert failing, f"{case}: the fail fixture does not fail {rule_id}"
    expected_dir = GOLDEN / rule_id / case.name
    if not any(f.fix for f in failing):
        # the rule names a manual remediation for this situation: nothing may be changed
        assert not plan.verified and not plan.results and not expected_dir.exists()
        return
    if all(g.resource.source_format == "terraform_plan" for g in plan.groups):
        # a plan is generated: the fix belongs in the configuration, so it is refused, not applied
        assert plan.refused and all("plan is generated" in g.reason or g.reason.startswith(DANGLING) for g in plan.refused)
        assert not plan.results and not expected_dir.exists()
        return
    if plan.refused and all(g.reason.startswith(DANGLING) for g in plan.refused) and not plan.verified:
        # the fix would point at something the fixture does not declare (e.g. a redirect to an
        # HTTPS listener that does not exist): refused, nothing written (test_fix_references.py
        # applies the same fixes where the target exists)
        assert not plan.results and not expected_dir.exists()
        return
    assert not plan.refused, [(g.reason) for g in plan.refused]
    assert not plan.unfixable, [f.message for f in plan.unfixable]
    assert plan.verified

    changed = {os.path.relpath(f, work): text for f, text in plan.results.items()}
    if REGEN:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in changed.items():
            dest = expected_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(text.encode("utf-8"))
    expected = {str(p.relative_to(expected_dir)): p.read_bytes() for p in expected_dir.rglob("*") if p.is_file()}
    assert sorted(changed) == sorted(expected), "the set of changed files differs from the golden set"
    for rel, text in changed.items():
        assert text.encode("utf-8") == expected[rel], f"{rel} differs from {expected_dir / rel}"
    # unrelated files stay byte-identical
    for p in work.rglob("*"):
        rel = str(p.relative_to(work))
        if p.is_file() and rel not in changed:
            assert p.read_bytes() == (case / rel).read_bytes()
