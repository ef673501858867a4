"""``policyguard test``: run rules' pass/fail fixtures. Exit 0 when every rule gives the expected
verdicts, 1 when a fixture does not, 2 on rule-load or usage errors."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from policyguard.commands.options import REGO_ENGINES
from policyguard.commands.rules import echo_errors
from policyguard.exitcodes import EXIT_ERROR, EXIT_FAIL, EXIT_OK


@click.command("test")
@click.argument("rule_dirs", nargs=-1, type=click.Path(exists=True))
@click.option("--rego-engine", type=click.Choice(REGO_ENGINES), default="embedded")
@click.option("--opa-path", type=click.Path(), help="`opa` binary for --rego-engine opa (default: PATH).")
@click.option("--opa-url", help="OPA server URL for --rego-engine opa-server.")
@click.option("--verbose", "-v", is_flag=True)
def test_rules(**kwargs: Any) -> int:
    """Run rules' pass/fail fixtures (the built-in pack when no RULE_DIRS are given)."""
    return run_rule_tests(**kwargs)


def run_rule_tests(rule_dirs: tuple[str, ...] = (), rego_engine: str = "embedded", verbose: bool = False,
                   opa_path: str | None = None, opa_url: str | None = None) -> int:
    """Run every rule's pass/fail fixtures under ``rule_dirs`` (default: the built-in pack)."""
    from policyguard.ruletest import CaseResult, builtin_dir, run_fixture_cases

    started = time.monotonic()
    roots = [Path(d) for d in rule_dirs] or [builtin_dir()]
    builtin = not rule_dirs
    results, errors, by_dir = run_fixture_cases(roots, builtin=builtin, rego_engine=rego_engine,
                                                opa_path=opa_path, opa_url=opa_url)
    n_err = echo_errors(errors)
    per_rule: dict[str, list[CaseResult]] = {}
    for cr in results:
        per_rule.setdefault(cr.rule_id, []).append(cr)
    all_ids = sorted({rid for ids in by_dir.values() for rid in ids})
    no_fixtures = [rid for rid in all_ids if rid not in per_rule]
    failed = 0
    for rid in sorted(per_rule):
        crs = per_rule[rid]
        bad = [c for c in crs if not c.ok]
        n_pass = sum(1 for c in crs if c.kind == "pass")
        n_fail = sum(1 for c in crs if c.kind == "fail")
        missing = [k for k, n in (("pass", n_pass), ("fail", n_fail)) if n == 0]
        status = "FAIL" if bad or missing else "ok"
        if bad or missing:
            failed += 1
        if verbose or status != "ok":
            click.echo(f"{status:<4} {rid}: {n_pass} pass / {n_fail} fail cases" + (f" (no {' or '.join(missing)} fixtures)" if missing else ""))
            for c in crs:
                if verbose or not c.ok:
                    click.echo(f"     {'ok  ' if c.ok else 'FAIL'} {c.kind}/{c.case.name}  ({c.case})")
                    for p in c.problems:
                        click.echo(f"          {p}")
    for rid in no_fixtures:
        click.echo(f"FAIL {rid}: no fixtures/pass or fixtures/fail cases")
        failed += 1
    total = len(per_rule) + len(no_fixtures)
    cases = len(results)
    click.echo(f"{total - failed}/{total} rules passed their fixtures ({cases} case checks, engine {rego_engine}, "
               f"{time.monotonic() - started:.1f}s)", err=False)
    if n_err:
        return EXIT_ERROR
    if total == 0:
        click.echo("policyguard: no rules with fixtures found", err=True)
        return EXIT_ERROR
    return EXIT_FAIL if failed else EXIT_OK
