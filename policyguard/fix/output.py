"""What ``policyguard fix`` prints and writes from a fix plan: unified diffs with a header per fix,
the JSON report, RFC 6902 JSON Patch per Kubernetes object, the summary lines, and the
verified files written in place. Secrets in printed text are masked."""

from __future__ import annotations

import difflib
import os
import sys
from typing import Any

from policyguard.fix.plan import FixPlan, Group


def say(msg: str) -> None:
    print(msg, file=sys.stderr)


def unified_diff(file: str, before: str, after: str) -> str:
    rel = os.path.relpath(file)
    a, b = (f"a/{rel}", f"b/{rel}") if not rel.startswith("..") else (file, file)
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), a, b)
    out = []
    for ln in lines:
        out.append(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n")
    return _mask_secrets("".join(out))


def _mask_secrets(text: str) -> str:
    """Secrets in printed file text (diff lines, edit text) are masked (README "Secrets"); the
    file itself is written from the unmasked plan."""
    from policyguard.redact import mask_text

    return mask_text(text)


def write_results(plan: FixPlan) -> int:
    """Write every verified file (``files.write_file``: inside the tree, unchanged since the
    scan, atomic, through symlinks, metadata kept). A file that is not written is reported at
    its path with the reason, its fixes become refused and the others are still written.
    Returns how many files failed with an I/O error (permissions, read-only file system)."""
    from policyguard.fix.files import NotWritten, write_file

    io_errors = 0
    for file, text in sorted(plan.results.items()):
        rel = os.path.relpath(file)
        try:
            done = write_file(file, text, plan.states[file], plan.roots)
        except NotWritten as exc:
            say(f"policyguard: {rel}: not written: {exc.reason}")
            io_errors += exc.error
            for g in plan.verified:
                if g.file == file:
                    g.status, g.reason = "refused", f"not written: {exc.reason}"
            del plan.results[file]
            continue
        say(f"fixed {rel}" + (" (in place: it has several hard links)" if done.in_place else ""))
        for note in done.notes:
            say(f"policyguard: {rel}: note: {note}")
    return io_errors


def describe(g: Group) -> str:
    f = g.findings[0][1]
    more = f" (+{len(g.findings) - 1} more)" if len(g.findings) > 1 else ""
    desc = f.fix.description if f.fix else ""
    return f"{f.rule_id} {g.resource.id}{more}: {desc}"


def header(g: Group) -> str:
    """The line above a file's diff naming one of its edits and its class."""
    return f"# policyguard fix [{g.safety}] {os.path.relpath(g.file)}:{g.resource.span.start_line}: {describe(g)}\n"


def summary(plan: FixPlan) -> list[str]:
    lines = []
    fixed = sum(len(g.findings) for g in plan.verified)
    safe = sum(1 for g in plan.verified if g.safety == "safe")
    lines.append(
        f"policyguard fix: {len(plan.verified)} verified fix(es) ({safe} safe, {len(plan.verified) - safe} "
        f"behaviour-changing) for {fixed} failing finding(s) in {len({g.file for g in plan.verified})} file(s); "
        f"{len(plan.refused)} refused; {len(plan.withheld)} not applied (behaviour-changing); "
        f"{len(plan.unfixable)} failing finding(s) have no automatic fix"
    )
    for g in plan.refused:
        lines.append(f"  refused: {os.path.relpath(g.file)}:{g.resource.span.start_line}: {describe(g)}: {g.reason}")
    for g in plan.withheld:
        lines.append(f"  not applied: {os.path.relpath(g.file)}:{g.resource.span.start_line}: {describe(g)}: {g.reason}")
    return lines


def json_report(plan: FixPlan, *, written: bool) -> dict[str, Any]:
    """Every fix group with its class and status (``verified``: applied with --write, else
    proposed; ``withheld``: behaviour-changing and not permitted; ``refused``: with the reason)."""
    fixes = []
    for g in plan.groups:
        if g.status == "declined":
            continue
        f = g.findings[0][1]
        fixes.append({
            "rule_id": f.rule_id,
            "safety": g.safety,
            "status": g.status,
            "applied": written and g.status == "verified",
            "reason": g.reason,
            "file": os.path.relpath(g.file),
            "line": g.resource.span.start_line,
            "resource": g.resource.id,
            "description": g.fix.description,
            "findings": len(g.findings),
            "edits": [e.to_dict() | {"file": os.path.relpath(e.file), "text": _mask_secrets(e.text)} for e in g.edits]
            if g.status == "verified" else [],
        })
    verified = plan.verified
    return {
        "summary": {
            "verified": len(verified),
            "safe": sum(1 for g in verified if g.safety == "safe"),
            "behaviour_changing": sum(1 for g in verified if g.safety != "safe"),
            "fixed_findings": sum(len(g.findings) for g in verified),
            "withheld": len(plan.withheld),
            "refused": len(plan.refused),
            "unfixable_findings": len(plan.unfixable),
            "files": sorted(os.path.relpath(f) for f in plan.results),
            "written": written,
        },
        "fixes": fixes,
    }


def jsonpatch_report(plan: FixPlan) -> list[dict[str, Any]]:
    """Per Kubernetes object: the RFC 6902 ops of its verified fixes, for ``kubectl patch`` on
    the live object. Fixes that only make sense in the manifest (removing
    ``metadata.namespace``, adding a companion object) are listed under ``skipped``."""
    from policyguard.fix.jsonpatch import json_patch, live_object_refusal

    by_res: dict[tuple[str, str], list[Group]] = {}
    for g in plan.verified:
        if g.resource.platform == "kubernetes":
            by_res.setdefault((g.file, g.resource.id), []).append(g)
    out = []
    for (file, rid), gs in sorted(by_res.items()):
        res = gs[0].resource
        fixes, used, skipped = [], [], []
        for g in gs:
            fx = g.findings[0][1].fix
            if fx is None:
                continue
            why = live_object_refusal(fx, res.pod_spec_path)
            if why:
                skipped.append({"rule_id": g.rule_id, "reason": why})
                continue
            fixes.append(fx)
            used.append(g)
        if not fixes and not skipped:
            continue
        out.append(
            {
                "file": os.path.relpath(file),
                "resource": rid,
                "rules": sorted({f.rule_id for g in used for _, f in g.findings}),
                "fixes": [{"rule_id": g.rule_id, "safety": g.safety, "description": g.fix.description} for g in used],
                "patch": json_patch(res.attributes, fixes, res.pod_spec_path),
                "skipped": skipped,
            }
        )
    return out
