"""``policyguard rules list|show``: the rule pack's metadata (exit 2 on rule-load or usage errors)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from policyguard.commands.options import PROFILES
from policyguard.exitcodes import EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from policyguard.model import ParseError, RuleMeta


@click.group()
def rules() -> None:
    """Inspect the rule pack."""


@rules.command("list")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), help="Extra rule directory.")
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--framework", "frameworks", multiple=True, metavar="NAME[,NAME]",
              help="Only rules for these input kinds (terraform, kubernetes, ...) and/or compliance frameworks.")
@click.option("--profile", type=click.Choice(PROFILES), default=None, help="Only the rules this profile runs (default: every rule).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(**kwargs: Any) -> int:
    """List rules: id, severity, profile, platforms, fixable, frameworks."""
    return run_rules_list(**kwargs)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
def rules_show(**kwargs: Any) -> int:
    """Show one rule's metadata and source."""
    return run_rules_show(**kwargs)


@rules.command("docs")
@click.option("--output", "-o", "output", required=True, type=click.Path(file_okay=False), help="Directory for the pages (one <id>.md per rule and README.md, the index).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False), help="Extra rule directory.")
@click.option("--no-builtin-rules", is_flag=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a page is missing or differs from what would be written.")
def rules_docs(**kwargs: Any) -> int:
    """Write one Markdown page per rule (metadata, failing and passing fixture examples, the fix)."""
    return run_rules_docs(**kwargs)


def run_rules_docs(output: str, rule_dirs: tuple[str, ...] = (), no_builtin_rules: bool = False,
                   check: bool = False) -> int:
    from policyguard import ruledocs
    from policyguard.engine.rules import builtin_rules_dir

    rs = _load(rule_dirs, not no_builtin_rules)
    if echo_errors(rs.errors):  # a page for a rule that does not load would document nothing real
        return EXIT_ERROR
    builtin = builtin_rules_dir()
    golden = builtin.parent / "tests" / "golden"  # a source checkout's fixed files (fix examples)
    roots = [Path(d) for d in rule_dirs] + ([builtin] if not no_builtin_rules else [])
    docs = ruledocs.pages(list(rs.metas), roots, golden if golden.is_dir() else None)
    out = Path(output)
    if check:
        bad = ruledocs.stale(out, docs) if out.is_dir() else sorted(docs)
        for name in bad:
            click.echo(f"policyguard: {out / name}: stale (regenerate with: policyguard rules docs --output {out})", err=True)
        return 1 if bad else EXIT_OK
    try:
        changed, removed = ruledocs.write(out, docs)
    except OSError as exc:
        click.echo(f"policyguard: cannot write rule documentation to {out}: {exc.strerror or exc}", err=True)
        return EXIT_ERROR
    click.echo(f"{len(docs) - 1} rule pages and the index in {out}: {len(changed)} written, {len(removed)} removed", err=True)
    return EXIT_OK


def echo_errors(errors: Iterable[ParseError]) -> int:
    n = 0
    for e in errors:
        click.echo(f"error: {e}", err=True)
        n += 1
    return n


def _load(rule_dirs: Iterable[str], builtin: bool) -> Any:
    from policyguard.engine.rules import load_all

    return load_all([str(d) for d in rule_dirs], builtin)


def run_rules_list(rule_dirs: tuple[str, ...] = (), no_builtin_rules: bool = False,
                   frameworks: tuple[str, ...] = (), fmt: str = "text", profile: str | None = None) -> int:
    from policyguard.commands.common import split_frameworks, split_values
    from policyguard.engine.rules import Selector, selector_problems
    from policyguard.formats import FORMATS, cli_kinds

    rs = _load(rule_dirs, not no_builtin_rules)
    kinds, frameworks = split_frameworks(split_values(frameworks))  # --framework kubernetes: its rules
    kind_platforms = {str(FORMATS[k].platform) for k in kinds}
    problems = selector_problems(rs, [], [Selector("--framework", f) for f in frameworks], kinds=cli_kinds())
    if problems:  # an empty list for a misspelt framework would read as "not covered"
        for msg in problems:
            click.echo(f"policyguard: {msg}", err=True)
        return EXIT_ERROR
    wanted = {f.lower() for f in frameworks}
    metas: list[RuleMeta] = sorted(
        (m for m in rs.metas if (not wanted or wanted & {k.lower() for k in m.frameworks})
         and (not kind_platforms or kind_platforms & set(m.resource_types))
         and (profile is None or m.in_profile(profile))), key=lambda m: m.id
    )
    if fmt == "json":
        rows = [{**m.to_dict(), "needs_params": _needs(m)} for m in metas]
        click.echo(json.dumps({"rules": rows, "errors": [e.to_dict() for e in rs.errors]}, indent=2))
    else:
        for m in metas:
            platforms = ",".join(sorted(m.resource_types))
            fws = " ".join(f"{k}:{'|'.join(v)}" for k, v in sorted(m.frameworks.items()))
            fix = "fixable" if m.fixable else "-"
            needs = f"  needs: {', '.join(_needs(m))}" if m.required_params else ""
            click.echo(f"{m.id:<22} {m.severity.label:<8} {m.profile:<8} {platforms:<36} {fix:<7} {m.title}"
                       + (f"  [{fws}]" if fws else "") + needs)
        click.echo(f"{len(metas)} rules", err=True)
    return EXIT_ERROR if echo_errors(rs.errors) else EXIT_OK


def _needs(m: RuleMeta) -> list[str]:
    """The settings a rule waits for: it is not evaluated until they are configured."""
    return [f"rules.params.{m.id}.{n}" for n in m.required_params]


def run_rules_show(rule_id: str, rule_dirs: tuple[str, ...] = ()) -> int:
    rs = _load(rule_dirs, True)
    meta = next((m for m in rs.metas if m.id == rule_id), None)
    if meta is None:
        from policyguard.engine.rules import suggest

        close = suggest(rule_id, [m.id for m in rs.metas])
        click.echo(f"policyguard: no rule {rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""), err=True)
        return EXIT_ERROR
    click.echo(f"{meta.id}  [{meta.severity.label}]  {meta.title}")
    click.echo(f"{'source:':<16}{meta.source} ({meta.language})")
    for plat, types in sorted(meta.resource_types.items()):
        click.echo(f"{plat + ':':<16}{', '.join(types)}")
    if meta.frameworks:
        click.echo(f"{'frameworks:':<16}" + "; ".join(f"{k} {', '.join(v)}" for k, v in sorted(meta.frameworks.items())))
    click.echo(f"{'fixable:':<16}" + (f"yes ({meta.fix_safety or 'behaviour-changing'} fix)" if meta.fixable else "no"))
    for name, spec in sorted(meta.params.items()):
        default = f"default {json.dumps(spec['default'])}" if "default" in spec else f"no default: needs rules.params.{meta.id}.{name}"
        click.echo(f"{('param ' + name + ':').ljust(15)} {spec.get('type')} ({default}) {spec.get('description', '')}".rstrip())
    if meta.description:
        click.echo(f"\n{meta.description}")
    if meta.remediation:
        click.echo(f"\nRemediation: {meta.remediation}")
    try:
        source = Path(meta.source).read_text(encoding="utf-8")
        click.echo("\n" + source.rstrip())
    except OSError:
        pass
    return EXIT_OK
