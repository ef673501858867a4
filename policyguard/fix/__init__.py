"""Auto-remediation: one fix definition (``model.Fix``) rendered as formatting-preserving text
edits (HCL, YAML, JSON), unified diffs, SARIF fixes and RFC 6902 JSON Patch, each verified by a
re-scan before it is offered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyguard.scan import ScanOptions, ScanResult

__all__ = ["attach_edits"]


def attach_edits(result: ScanResult, options: ScanOptions | None = None) -> None:
    """Fill ``Finding.edits`` of every failing finding in ``result`` whose fix renders and
    passes verification (the SARIF reporter turns them into ``fixes``).

    Verification re-scans, so it needs the scan options; without them the files of the result
    are scanned with the built-in rules."""
    from policyguard.fix.plan import plan_fixes
    from policyguard.fix.safety import EVERY_CLASS
    from policyguard.model import Status
    from policyguard.options import ReadOptions, ScanOptions

    wanted: dict[tuple[str, str, str], list[Any]] = {}
    for f in result.findings:
        if f.status == Status.FAIL and f.fix is not None and f.fix.ops:
            wanted.setdefault((f.rule_id, f.resource_id, f.path), []).append(f)
    if not wanted:
        return
    opts = options if options is not None else ScanOptions(ReadOptions(paths=tuple(result.files)))
    rules = {k[0] for k in wanted}
    # proposals, not writes: every class is offered, each carrying its class (SARIF fixes)
    plan = plan_fixes(opts, select=lambda f: f.rule_id in rules and (f.rule_id, f.resource_id, f.path) in wanted, policy=EVERY_CLASS)
    import os

    for g in plan.verified:
        for _, f in g.findings:
            for target in wanted.get((f.rule_id, f.resource_id, f.path), []):
                if os.path.realpath(target.span.file) != g.file:  # plan files are real paths
                    continue
                target.edits = tuple(
                    type(e)(target.span.file, e.start_line, e.start_col, e.end_line, e.end_col, e.text) for e in g.edits
                )
