"""``policyguard fix``: print verified fixes as a unified diff (default), RFC 6902 JSON Patch or a
JSON report, or apply them in place with ``--write`` (optionally asking per fix).

Only safe fixes are applied unless ``--unsafe`` or ``fix.allow_behaviour_changing`` in the
config permits a rule's behaviour-changing fixes; the others are listed as not applied. Exit 0,
1 when a fix was refused or its file not written, 2 on errors."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from policyguard.commands.options import SEVERITIES, scan_options
from policyguard.exitcodes import EXIT_ERROR, EXIT_OK
from policyguard.exitcodes import EXIT_FAIL as EXIT_REFUSED  # a fix refused or a file not written

if TYPE_CHECKING:
    from policyguard.fix.plan import FixPlan
    from policyguard.fix.safety import FixPolicy

# The plan of the most recent ``run_fix_command`` in this process (for embedding and tests).
LAST_PLAN: FixPlan | None = None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--severity", type=click.Choice(SEVERITIES), default=None, help="Only fix findings at or above this severity.")
@click.option("--write", is_flag=True, help="Apply the fixes in place (default: print a unified diff).")
@click.option("--interactive", "-i", is_flag=True, help="Ask before each fix (needs a TTY).")
@click.option("--format", "-f", "fix_format", type=click.Choice(["diff", "jsonpatch", "json"]), default="diff", help="Fix output (json: every fix with its class and status).")
@click.option("--unsafe", is_flag=True, help="Also apply behaviour-changing fixes (default: safe fixes only; see fix.allow_behaviour_changing).")
@scan_options
def fix(**kw: Any) -> int:
    """Propose (or with --write apply) verified fixes for failing findings."""
    return run_fix_command(**kw)


def fix_policy(kw: dict[str, Any], config: Any, options: Any) -> FixPolicy:
    """``--unsafe`` and the config's ``fix.allow_behaviour_changing``; unknown ids are a
    ``ValueError`` naming the config file and line."""
    allowed = list(getattr(config, "fix_allow_behaviour_changing", []) or [])
    if allowed:
        from policyguard import engine
        from policyguard.fix.safety import check_allowed

        ruleset = engine.load_ruleset(options.rules, options.evaluation)
        problems = check_allowed(allowed, ruleset.metas, str(config.path))
        if problems:
            raise ValueError("invalid configuration:\n  " + "\n  ".join(problems))
    from policyguard.fix.safety import FixPolicy

    return FixPolicy(unsafe=bool(kw.get("unsafe")), allowed=tuple(p for p, _ in allowed))


def run_fix_command(**kw: Any) -> int:
    from policyguard.commands.common import prepare_scan, selected_rules
    from policyguard.exitcodes import UsageError
    from policyguard.fix.output import (
        describe,
        header,
        json_report,
        jsonpatch_report,
        say,
        summary,
        unified_diff,
        write_results,
    )
    from policyguard.fix.plan import Group, plan_fixes
    from policyguard.gate.config import ConfigError
    from policyguard.model import Severity

    try:
        config, options, root = prepare_scan(kw)
        policy = fix_policy(kw, config, options)
    except (ConfigError, UsageError, ValueError) as exc:
        say(f"policyguard: {exc}")
        return EXIT_ERROR
    interactive = bool(kw.get("interactive"))
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        say("policyguard: --interactive needs a terminal (stdin and stdout must be a TTY)")
        return EXIT_ERROR
    fmt = str(kw.get("fix_format") or "diff")
    write_errors = 0
    severity = Severity.parse(str(kw["severity"])) if kw.get("severity") else None

    global LAST_PLAN
    plan = plan_fixes(
        options,
        only_rules=list(selected_rules(kw)[0]),
        min_severity=severity,
        suppressed=lambda findings, resources: suppressed_ids(findings, resources, config, root),
        policy=policy,
    )
    LAST_PLAN = plan
    errors = plan.discovery_errors + [e for s in plan.scans for e in s.errors]
    for e in errors:
        say(str(e))

    if interactive:
        import click

        chosen = []
        for g in plan.verified:
            click.echo(header(g) + unified_diff(g.file, plan.originals[g.file], g.new_alone), nl=False)
            if click.confirm(f"Apply ({g.safety}): {describe(g)}?", default=True):
                chosen.append(g)
        if len(chosen) != len(plan.verified):
            plan.reverify(chosen)  # a subset of a verified set is proven again before writing

    if fmt == "jsonpatch":
        out = jsonpatch_report(plan)
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    elif kw.get("write") or interactive:
        write_errors = write_results(plan)
    elif fmt == "diff":
        by_file: dict[str, list[Group]] = {}
        for g in plan.verified:
            by_file.setdefault(g.file, []).append(g)
        for file, text in sorted(plan.results.items()):
            heads = "".join(header(g) for g in sorted(by_file.get(file, []), key=lambda g: (g.resource.span.start_line, g.gid)))
            sys.stdout.write(heads + unified_diff(file, plan.originals[file], text))
    if fmt == "json":
        sys.stdout.write(json.dumps(json_report(plan, written=bool(kw.get("write") or interactive)), indent=2) + "\n")
    for line in summary(plan):
        say(line)
    if errors or write_errors:
        return EXIT_ERROR
    return EXIT_REFUSED if plan.refused else EXIT_OK


def suppressed_ids(findings: list[Any], resources: list[Any], config: Any, root: str) -> set[int]:
    """ids of the findings a suppression (inline, annotation, Metadata, config) covers, judged
    on copies so the plan's own findings keep their raw status for verification."""
    import dataclasses

    from policyguard.gate import suppress

    copies = [dataclasses.replace(f) for f in findings]
    suppress.apply(copies, resources, config, root=root)
    return {id(f) for f, c in zip(findings, copies, strict=True) if c.status == "suppressed"}
