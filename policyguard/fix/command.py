"""``policyguard fix``: print verified fixes as a unified diff (default) or RFC 6902 JSON
Patch, or apply them in place with ``--write`` (optionally asking per fix)."""

from __future__ import annotations

import difflib
import json
import os
import sys
import tempfile
from typing import Any

from policyguard.fix.plan import FixPlan, Group, plan_fixes
from policyguard.model import Severity

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2

# The plan of the most recent ``run_fix_command`` in this process (for embedding and tests).
LAST_PLAN: FixPlan | None = None


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def unified_diff(file: str, before: str, after: str) -> str:
    rel = os.path.relpath(file)
    a, b = (f"a/{rel}", f"b/{rel}") if not rel.startswith("..") else (file, file)
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), a, b)
    out = []
    for ln in lines:
        out.append(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_preserving_mode(path: str, text: str) -> None:
    """Replace ``path`` atomically, keeping its permission bits."""
    st = os.stat(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".policyguard-", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, st.st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _describe(g: Group) -> str:
    f = g.findings[0][1]
    more = f" (+{len(g.findings) - 1} more)" if len(g.findings) > 1 else ""
    desc = f.fix.description if f.fix else ""
    return f"{f.rule_id} {g.resource.id}{more}: {desc}"


def summary(plan: FixPlan) -> list[str]:
    lines = []
    fixed = sum(len(g.findings) for g in plan.verified)
    lines.append(
        f"policyguard fix: {len(plan.verified)} verified fix(es) for {fixed} failing finding(s) in "
        f"{len({g.file for g in plan.verified})} file(s); {len(plan.refused)} refused; "
        f"{len(plan.unfixable)} failing finding(s) have no automatic fix"
    )
    for g in plan.refused:
        lines.append(f"  refused: {os.path.relpath(g.file)}:{g.resource.span.start_line}: {_describe(g)}: {g.reason}")
    return lines


def run_fix_command(**kw: Any) -> int:
    from policyguard.config import ConfigError
    from policyguard.gate import UsageError, prepare_scan

    try:
        config, options, root = prepare_scan(kw)
    except (ConfigError, UsageError, ValueError) as exc:
        _say(f"policyguard: {exc}")
        return EXIT_ERROR
    interactive = bool(kw.get("interactive"))
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        _say("policyguard: --interactive needs a terminal (stdin and stdout must be a TTY)")
        return EXIT_ERROR
    fmt = str(kw.get("fix_format") or "diff")
    severity = Severity.parse(str(kw["severity"])) if kw.get("severity") else None

    global LAST_PLAN
    plan = plan_fixes(
        options,
        only_rules=list(kw.get("only_rules") or ()),
        min_severity=severity,
        suppressed=lambda findings, resources: suppressed_ids(findings, resources, config, root),
    )
    LAST_PLAN = plan
    errors = plan.discovery_errors + [e for s in plan.scans for e in s.errors]
    for e in errors:
        _say(str(e))

    if interactive:
        import click

        chosen = []
        for g in plan.verified:
            click.echo(unified_diff(g.file, plan.originals[g.file], g.new_alone), nl=False)
            if click.confirm(f"Apply: {_describe(g)}?", default=True):
                chosen.append(g)
        if len(chosen) != len(plan.verified):
            plan.reverify(chosen)  # a subset of a verified set is proven again before writing

    if fmt == "jsonpatch":
        out = jsonpatch_report(plan)
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    elif kw.get("write") or interactive:
        for file, text in sorted(plan.results.items()):
            try:
                write_preserving_mode(file, text)
            except OSError as exc:
                _say(f"policyguard: cannot write {file}: {exc}")
                return EXIT_ERROR
            _say(f"fixed {os.path.relpath(file)}")
    else:
        for file, text in sorted(plan.results.items()):
            sys.stdout.write(unified_diff(file, plan.originals[file], text))
    for line in summary(plan):
        _say(line)
    if errors:
        return EXIT_ERROR
    return EXIT_REFUSED if plan.refused else EXIT_OK


def suppressed_ids(findings: list[Any], resources: list[Any], config: Any, root: str) -> set[int]:
    """ids of the findings a suppression (inline, annotation, Metadata, config) covers, judged
    on copies so the plan's own findings keep their raw status for verification."""
    import dataclasses

    from policyguard import suppress

    copies = [dataclasses.replace(f) for f in findings]
    suppress.apply(copies, resources, config, root=root)
    return {id(f) for f, c in zip(findings, copies, strict=True) if c.status == "suppressed"}


def jsonpatch_report(plan: FixPlan) -> list[dict[str, Any]]:
    """Per Kubernetes object: the RFC 6902 ops of its verified fixes."""
    from policyguard.fix.jsonpatch import json_patch

    by_res: dict[tuple[str, str], list[Group]] = {}
    for g in plan.verified:
        if g.resource.platform == "kubernetes":
            by_res.setdefault((g.file, g.resource.id), []).append(g)
    out = []
    for (file, rid), gs in sorted(by_res.items()):
        res = gs[0].resource
        fixes = []
        for g in gs:
            fx = g.findings[0][1].fix
            if fx is not None:
                fixes.append(fx)
        out.append(
            {
                "file": os.path.relpath(file),
                "resource": rid,
                "rules": sorted({f.rule_id for g in gs for _, f in g.findings}),
                "patch": json_patch(res.attributes, fixes, res.pod_spec_path),
            }
        )
    return out
