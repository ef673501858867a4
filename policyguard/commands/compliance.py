"""``policyguard compliance``: one framework control by control (not a gate: ``scan --framework``
gates)."""

from __future__ import annotations

import sys
from typing import Any

import click

from policyguard.commands.options import REPORT_COMPLIANCE_FORMATS, scan_options
from policyguard.exitcodes import EXIT_ERROR, EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(REPORT_COMPLIANCE_FORMATS),
              help="Report format (repeatable; default compliance-md).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False), help="File for the matching --format (repeatable; '-' is stdout).")
@click.option("--list", "list_frameworks", is_flag=True, help="List the framework catalogues and exit.")
@click.option("--coverage", is_flag=True, help="Print which controls the rules cover (Markdown; per control with --framework) and exit.")
@scan_options
def compliance(list_frameworks: bool, coverage: bool, **kwargs: Any) -> int:
    """Report PATHS control by control of one framework (--framework cis-aws-3.0, pss, soc2, ...):
    which controls policyguard covers, and pass / fail / unknown counts over the scanned resources."""
    if list_frameworks:
        return run_compliance_list()
    if coverage:
        return run_compliance_coverage(list(kwargs.get("frameworks") or ()), tuple(kwargs.get("rule_dirs") or ()),
                                       not kwargs.get("no_builtin_rules"))
    if not kwargs.get("paths"):
        raise click.UsageError("give the PATHS to assess (or --list)")
    return run_compliance_command(**kwargs)


def run_compliance_command(**kw: Any) -> int:
    """``policyguard compliance``: scan with every rule mapped to one framework (whatever its
    profile) and report control by control. Exit 0 when the report is written, 2 on bad usage
    or when a file could not be read (the report is still written: its figures say what is
    missing), 3 when the paths hold no IaC. Not a gate: ``scan --framework`` gates."""
    from policyguard import __version__
    from policyguard.commands.common import emit, empty, error, gate_settings, pair_outputs, prepare_scan, run_scan
    from policyguard.exitcodes import UsageError
    from policyguard.frameworks import CatalogueError, find
    from policyguard.gate.config import ConfigError
    from policyguard.gate.evaluate import empty_scan_reason, evaluate_gate
    from policyguard.report.compliance import render as render_compliance

    names = list(kw.pop("frameworks", None) or ())
    if len(names) != 1:
        return error("compliance needs exactly one --framework (cis-aws-3.0, cis-kubernetes-1.10, pss, nsa-k8s, "
                    "cis-azure-2.1, cis-gcp-3.0, nist-800-53, pci-dss-4.0, soc2; `policyguard compliance --list`)")
    try:
        fw = find(names[0])
        pairs = pair_outputs(tuple(kw.get("formats") or ("compliance-md",)), tuple(kw.get("outputs") or ()))
        kw = {**kw, "frameworks": list(fw.rule_tags), "profile": "strict"}
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
    except (ConfigError, UsageError, ValueError, CatalogueError) as exc:
        return error(str(exc))
    result = run_scan(options, False)
    from policyguard import procs

    procs.close_all()
    if not result.files and not result.errors and not kw.get("allow_empty"):
        return empty(empty_scan_reason(list(kw.get("paths") or ()), len(result.skipped)) + ": no compliance report written")
    report = evaluate_gate(result, config, settings, root=root, tool_version=__version__,
                           complete_rule_set=False, paths=list(kw.get("paths") or ()))
    try:
        for fmt, dest in pairs:
            emit(render_compliance(fmt, report, fw), dest)
    except OSError as exc:
        return error(f"cannot write report: {exc}")
    for e in report.errors:
        print(f"policyguard: {e}", file=sys.stderr)
    return EXIT_ERROR if report.errors else EXIT_OK


def run_compliance_coverage(names: list[str], rule_dirs: tuple[str, ...] = (), builtin: bool = True) -> int:
    """The coverage tables (Markdown): every framework, or each control of the named ones."""
    from policyguard.commands.common import error
    from policyguard.engine.rules import load_all as load_rules
    from policyguard.frameworks import CatalogueError, find, load_all
    from policyguard.report.compliance import control_table, coverage_table

    try:
        frameworks = [find(n) for n in names] if names else list(load_all())
    except CatalogueError as exc:
        return error(str(exc))
    rs = load_rules([str(d) for d in rule_dirs], builtin)
    rules = {m.id: m for m in rs.metas}
    if not names:
        sys.stdout.write(coverage_table(frameworks, rules))
    for fw in frameworks if names else []:
        sys.stdout.write(control_table(fw, rules))
    return EXIT_ERROR if rs.errors else EXIT_OK


def run_compliance_list() -> int:
    from policyguard.commands.common import error
    from policyguard.frameworks import CatalogueError, load_all

    try:
        frameworks = load_all()
    except CatalogueError as exc:
        return error(str(exc))
    for fw in frameworks:
        aliases = f" (also: {', '.join(fw.aliases)})" if fw.aliases else ""
        code = sum(1 for c in fw.controls if c.assessable == "code")
        print(f"{fw.id:<22} {fw.title} {fw.version}: {len(fw.controls)} controls, {code} checkable from code{aliases}")
    return EXIT_OK
