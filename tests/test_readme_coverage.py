"""The README's coverage tables are generated from the catalogues and the rules' tags: this test
fails when they are out of date (regenerate: POLICYGUARD_UPDATE_README=1 pytest tests/test_readme_coverage.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from policyguard.engine.rules import load_all
from policyguard.frameworks import load_all as load_frameworks
from policyguard.report.compliance import README_DETAILED, readme_coverage

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- coverage:begin[^>]*-->\n)(.*?)(<!-- coverage:end -->)", re.S)


def test_readme_coverage_block_is_generated_from_the_data() -> None:
    rs = load_all([], True)
    assert not rs.errors
    expected = readme_coverage(list(load_frameworks()), {m.id: m for m in rs.metas})
    text = README.read_text(encoding="utf-8")
    m = BLOCK.search(text)
    assert m, "README.md lacks the <!-- coverage:begin --> ... <!-- coverage:end --> block"
    if os.environ.get("POLICYGUARD_UPDATE_README") == "1" and m.group(2) != expected:
        README.write_text(text[: m.start(2)] + expected + text[m.end(2):], encoding="utf-8")
        return
    assert m.group(2) == expected, "README coverage tables are stale: POLICYGUARD_UPDATE_README=1 pytest tests/test_readme_coverage.py"


def test_every_code_checkable_control_of_the_detailed_frameworks_is_covered() -> None:
    """Issue 12 acceptance: the README's tables for CIS AWS 3.0, CIS Kubernetes 1.10 section 5,
    PSS and NSA show every code-checkable control covered."""
    rs = load_all([], True)
    rules = list(rs.metas)
    missing = []
    for fw in load_frameworks():
        if fw.id not in README_DETAILED:
            continue
        tagged = {(t, str(c)) for m in rules for t in fw.rule_tags for c in m.frameworks.get(t, ())}
        missing += [f"{fw.id} {c.tag}/{c.id} {c.title}" for c in fw.controls if c.assessable == "code" and c.key not in tagged]
    assert not missing, "\n".join(missing)
