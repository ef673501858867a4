"""``policyguard merge``: join the JSON reports of ``scan --shard I/N`` jobs into the report and
the gate verdict of one unsharded scan (policyguard.gate.merge)."""

from __future__ import annotations

from typing import Any

import click

from policyguard.commands.options import FORMATS, SEVERITIES


@click.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMATS), help="Report format (repeatable; default text).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False), help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--quiet", "-q", is_flag=True, help="Only failures and errors in the text report.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Lowest severity that fails the gate (default: as the shards were scanned).")
@click.option("--soft-fail", is_flag=True, help="Report policy failures but exit 0 for them (errors still exit 2).")
@click.option("--soft-fail-on", "soft_fail_on", multiple=True, metavar="RULE|GLOB|SEVERITY",
              help="Findings of these rules or severities are reported but do not fail the gate (repeatable, comma lists).")
@click.option("--severity", "show_severities", multiple=True, metavar="LEVEL[,LEVEL]", help="Show only findings of these severities.")
@click.option("--unknown-as", type=click.Choice(["fail", "pass", "report"]), default=None, help="How unknown verdicts count (default: as the shards were scanned).")
@click.option("--allow-empty", is_flag=True, help="Pass (exit 0) when the shards found no IaC file.")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Fail only on findings not in this baseline (judged on the union).")
@click.option("--sarif-category", metavar="ID", help="SARIF automationDetails.id (GitHub code scanning category).")
@click.option("--verbose", "-v", is_flag=True, help="Also list every skipped file with the reason.")
@click.option("--pretty", is_flag=True, help="Indent the JSON and SARIF reports for people (default: compact, one line).")
@click.option("--compact/--snippets", "compact", default=None, help="Text report without / with the offending lines (snippets need the checkout).")
def merge(**kw: Any) -> int:
    """Join the JSON reports of `scan --shard I/N` (every shard, once) into one report and one gate
    verdict: the same report, byte for byte, and exit code as the scan without --shard."""
    import gc

    # a whole corpus's shards are ~150,000 findings, made at once and kept until the reports
    # are written: the cyclic collector's passes over them free nothing and took ~15% of a
    # merge's CPU (reference counting still frees everything else as it goes)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _merge(kw)
    finally:
        if collecting:
            gc.enable()


def _merge(kw: dict[str, Any]) -> int:
    from policyguard import __version__
    from policyguard.commands.common import error, pair_outputs, present, shown_severities, split_values
    from policyguard.exitcodes import UsageError
    from policyguard.gate.baseline import BaselineError
    from policyguard.gate.merge import MergeError, MergeSettings, load
    from policyguard.gate.merge import merge as merge_reports
    from policyguard.options import ReadOptions, ScanOptions

    try:
        pairs = pair_outputs(tuple(kw.get("formats") or ()), tuple(kw.get("outputs") or ()))
        shown = shown_severities(kw)
        shards = [load(str(p), __version__) for p in kw["reports"]]
        settings = MergeSettings(fail_on=kw.get("fail_on"), soft_fail=bool(kw.get("soft_fail")),
                                 soft_fail_on=split_values(kw.get("soft_fail_on")), unknown_as=kw.get("unknown_as"),
                                 allow_empty=bool(kw.get("allow_empty")), baseline=kw.get("baseline"))
        report = merge_reports(shards, settings)
    except (MergeError, BaselineError, UsageError) as exc:
        return error(str(exc))
    if not any(fmt == "sarif" for fmt, _ in pairs):  # as a scan: edits are rendered for SARIF only
        for f in report.findings:
            f.edits = ()
    # no config: the shards' docs_url already came with their reports (lay_out keeps it)
    paths = tuple(shards[0].partial["paths"])
    return present(report, pairs, kw, shown, None, None, ScanOptions(read=ReadOptions(paths=paths)))
