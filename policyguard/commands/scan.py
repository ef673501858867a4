"""``policyguard scan``: scan PATHS and gate on the findings (exit codes: policyguard.exitcodes,
precedence: policyguard.gate.verdict)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import click

from policyguard.commands.options import FORMATS, SEVERITIES, STDIN_FORMATS, scan_options
from policyguard.exitcodes import EXIT_ERROR, EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMATS), help="Report format (repeatable; default text).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False), help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--quiet", "-q", is_flag=True, help="Only failures and errors in the text report.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Lowest severity that fails the gate (default: high).")
@click.option("--soft-fail", is_flag=True, help="Report policy failures but exit 0 for them (errors still exit 2).")
@click.option("--soft-fail-on", "soft_fail_on", multiple=True, metavar="RULE|GLOB|SEVERITY",
              help="Findings of these rules (ids, globs) or severities (that level and below) are reported but do not fail the gate (repeatable, comma lists).")
@click.option("--severity", "show_severities", multiple=True, metavar="LEVEL[,LEVEL]",
              help="Show only findings of these severities (repeatable, comma lists); what fails the gate is --fail-on, and the report says what the filter hid.")
@click.option("--unknown-as", type=click.Choice(["fail", "pass", "report"]), default=None, help="How unknown verdicts count (default: report).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Fail only on findings not in this baseline.")
@click.option("--pretty", is_flag=True, help="Indent the JSON and SARIF reports for people (default: compact, one line).")
@click.option("--sarif-category", metavar="ID", help="SARIF automationDetails.id (GitHub code scanning category).")
@click.option("--parse-only", is_flag=True, help="Parse and print the resource model; evaluate no rules.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every skipped file with the reason (and findings a baseline suppressed).")
@click.option("--compact/--snippets", "compact", default=None,
              help="Text report without / with the offending lines under each location (default: snippets on a terminal only).")
@click.option("--stdin-name", metavar="PATH", help="With PATH '-': the file name reports show for the stream (default stdin).")
@click.option("--stdin-format", type=click.Choice(STDIN_FORMATS), default=None,
              help="With PATH '-': read the stream as this format (default: its content decides, as for a .yaml/.json file).")
@click.option("--shard", metavar="I/N|auto",
              help="Judge only shard I of N (units by a stable hash of their path; CI matrix jobs); 'auto' reads GitLab's CI_NODE_INDEX/CI_NODE_TOTAL. Join the JSON reports with `policyguard merge`.")
@scan_options
def scan(**kw: Any) -> int:
    """Scan PATHS (files or directories) and gate on the findings."""
    return run_scan_command(**kw)


def run_scan_command(**kw: Any) -> int:
    from policyguard.gate.spool import SpoolError

    try:
        return _scan_command(**kw)
    except SpoolError as exc:  # the findings could not be kept: no report rather than a short one
        from policyguard.commands.common import error

        return error(str(exc))


def _scan_command(**kw: Any) -> int:
    from policyguard import __version__
    from policyguard.commands.common import (
        complete_rule_set,
        error,
        gate_settings,
        pair_outputs,
        prepare_scan,
        present,
        read_stdin,
        run_scan,
        shown_severities,
    )
    from policyguard.exitcodes import UsageError
    from policyguard.gate.baseline import BaselineError
    from policyguard.gate.config import ConfigError
    from policyguard.gate.evaluate import empty_scan_reason, evaluate_gate

    try:
        pairs = pair_outputs(tuple(kw.get("formats") or ()), tuple(kw.get("outputs") or ()))
        stdin = read_stdin(kw)
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
        shown = shown_severities(kw)
        shard = shard_option(kw, stdin is not None, root)
    except (ConfigError, UsageError, ValueError) as exc:
        return error(str(exc))
    if shard is not None:
        options = replace(options, read=replace(options.read, shard=shard))
    if stdin is not None:
        options = replace(options, read=replace(options.read, stdin=stdin))
        kw = {**kw, "paths": (stdin.name,)}  # what an empty scan names

    import datetime as dt

    baseline_path = None if kw.get("parse_only") else kw.get("baseline")
    if baseline_path:
        from policyguard.gate import trust

        rejected = trust.baseline_allowed(baseline_path, list(options.read.paths), config, config.untrusted)
        if rejected is not None:
            config.notices.append(rejected)
            baseline_path = None
    # the gate judges each unit as it arrives and keeps its findings in a spool (memory, then
    # disk), unless the scan's whole result is needed: the model printed, fixes rendered for
    # SARIF (they re-scan the resources), a shard's log of units in order
    sarif = any(fmt == "sarif" for fmt, _ in pairs)
    run = None
    if not kw.get("parse_only") and shard is None and not sarif:
        from policyguard.gate.evaluate import GateRun

        bl = None
        if baseline_path:
            from policyguard.gate.baseline import load as load_baseline

            try:
                bl = load_baseline(baseline_path, root)
            except BaselineError as exc:
                return error(str(exc))
        run = GateRun(config, settings, root=root, baseline=bl, tool_version=__version__,
                      complete_rule_set=complete_rule_set(options), paths=list(kw.get("paths") or ()),
                      render=json_rows(pairs, kw, shown, config, settings, root))
    started = dt.datetime.now(dt.UTC)
    result = run_scan(options, bool(kw.get("quiet")), full_resources=bool(kw.get("parse_only")), sink=run)
    finished = dt.datetime.now(dt.UTC)
    if not sarif:  # SARIF fixes re-scan; otherwise no more evaluation
        from policyguard import procs

        procs.close_all()  # the Rego helper exits while the reports are written
    if kw.get("parse_only"):
        import json

        from policyguard.secrets import mask_values

        sys.stdout.write(json.dumps(mask_values(result.to_dict()), indent=2) + "\n")  # the model, secrets masked
        for e in result.errors:
            print(str(e), file=sys.stderr)
        if not result.files and not result.errors:  # not a gate: say it, but the model is the answer
            print(f"policyguard: {empty_scan_reason(list(kw.get('paths') or ()), len(result.skipped))}", file=sys.stderr)
        return EXIT_ERROR if result.errors else EXIT_OK
    try:
        if run is not None:
            report = run.finish(result)
        else:
            report = evaluate_gate(result, config, settings, root=root, baseline_path=baseline_path,
                                   tool_version=__version__, complete_rule_set=complete_rule_set(options),
                                   paths=list(kw.get("paths") or ()))
    except BaselineError as exc:
        return error(str(exc))
    report.started_at, report.finished_at = started, finished
    if report.partial is not None:
        report.partial.update(started_at=started.isoformat(), finished_at=finished.isoformat())
    return present(report, pairs, kw, shown, config, result, options)


def json_rows(pairs: list[tuple[str, str]], kw: dict[str, Any], shown: tuple[Any, ...], config: Any,
              settings: Any, root: str) -> Any:
    """For a compact JSON report of every finding: the factory that renders each unit's rows as
    the unit is judged (``GateRun(render=)``), so writing the report only copies them; None
    otherwise."""
    if not any(fmt == "json" for fmt, _ in pairs) or kw.get("pretty") or shown:
        return None
    from functools import partial

    from policyguard.gate.report import DEFAULT_DOCS_URL
    from policyguard.report.json_report import row_renderer

    return partial(row_renderer, root=root, docs_url=config.docs_url if config.docs_url is not None else DEFAULT_DOCS_URL,
                   fail_on=settings.fail_on, unknown_as=settings.unknown_as, soft_fail_on=settings.soft_fail_on)


def shard_option(kw: dict[str, Any], stdin: bool, root: str) -> Any:
    """``--shard I/N`` (or ``auto``) as a ``sharding.Shard`` keyed on the report root, or None.
    A stream on stdin is one unit: it cannot be split; ``--severity`` would leave findings out
    of the report merge reads (give it to ``policyguard merge``)."""
    text = kw.get("shard")
    if not text:
        return None
    from policyguard import sharding
    from policyguard.exitcodes import UsageError

    index, total = sharding.parse(str(text))
    if stdin and total > 1:
        raise UsageError(f"--shard {index}/{total}: a stream on stdin is one unit and cannot be split into shards")
    if kw.get("show_severities"):
        raise UsageError("--severity with --shard would leave findings out of the shard's report: "
                         "give --severity to `policyguard merge`")
    return sharding.Shard(index, total, root)
