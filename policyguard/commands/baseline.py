"""``policyguard baseline create``: record today's failing findings so later scans fail only on
new ones."""

from __future__ import annotations

import sys
from typing import Any

import click

from policyguard.commands.options import scan_options
from policyguard.exitcodes import EXIT_OK


@click.group()
def baseline() -> None:
    """Record current findings so later scans fail only on new ones."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--output", "-o", default=".policyguard-baseline.json", show_default=True, type=click.Path(dir_okay=False))
@scan_options
def baseline_create(**kw: Any) -> int:
    """Write a baseline of the current failing findings."""
    return run_baseline_create(**kw)


def run_baseline_create(**kw: Any) -> int:
    from policyguard import __version__
    from policyguard.commands.common import complete_rule_set, empty, error, gate_settings, prepare_scan, run_scan
    from policyguard.exitcodes import UsageError
    from policyguard.gate import baseline as baseline_mod
    from policyguard.gate.config import ConfigError
    from policyguard.gate.evaluate import empty_scan_reason, evaluate_gate

    try:
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
    except (ConfigError, UsageError, ValueError) as exc:
        return error(str(exc))
    result = run_scan(options, False)
    report = evaluate_gate(result, config, settings, root=root, tool_version=__version__,
                           complete_rule_set=complete_rule_set(options))
    if not result.files and not result.errors and not kw.get("allow_empty"):
        # an empty baseline would silently accept everything a later scan finds
        return empty(empty_scan_reason(list(kw.get("paths") or ()), len(result.skipped)) + ": no baseline written")
    out = str(kw.get("output") or ".policyguard-baseline.json")
    try:
        n = baseline_mod.write(out, report.findings, report.rel)
    except OSError as exc:
        return error(f"cannot write baseline {out}: {exc}")
    print(f"policyguard: baseline {out}: {n} finding(s) recorded", file=sys.stderr)
    if report.errors:
        for e in report.errors:
            print(str(e), file=sys.stderr)
        return error(f"{len(report.errors)} file(s) could not be scanned: their findings are missing from the baseline")
    return EXIT_OK
