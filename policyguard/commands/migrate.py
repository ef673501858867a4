"""``policyguard migrate-suppressions``: turn Checkov and Trivy/tfsec suppressions into governed
policyguard ones (the logic: ``policyguard.gate.migrate``). A dry run printing the diff is the
default; ``--write`` applies it. Exit 0 when everything found is (or already was) migrated, 1 when
something is left (an unmapped id, a reason or expiry the suppression policy requires), 2 on
errors (an unreadable or malformed ignore file, a bad flag)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from policyguard.exitcodes import EXIT_ERROR, EXIT_FAIL, EXIT_OK


@click.command("migrate-suppressions")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--write", is_flag=True, help="Apply the changes (default: print them as a diff).")
@click.option("--owner", metavar="NAME", help="owner= for every migrated suppression.")
@click.option("--expires", metavar="YYYY-MM-DD", help="expires= for suppressions whose original has no expiry (Trivy's exp: wins).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
              help="The config whose suppression_policy governs and that receives config entries (default: the one a scan of PATHS reads, found upward from the first path; else a new .policyguard.yaml at the repository root).")
def migrate_suppressions(**kw: Any) -> int:
    """Migrate checkov:skip (comments, CloudFormation metadata, checkov.io/skip annotations),
    trivy:ignore, tfsec:ignore, .trivyignore(.yaml) and .checkov.yaml skip-check suppressions
    under PATHS (default .) to policyguard suppressions."""
    return run_migrate(**kw)


def run_migrate(**kw: Any) -> int:
    import datetime as _dt

    from policyguard.commands.common import error
    from policyguard.gate import migrate
    from policyguard.gate.config import CONFIG_NAMES, ConfigError, SuppressionPolicy, find_config, load_config

    expires = str(kw.get("expires") or "")
    if expires:
        try:
            _dt.date.fromisoformat(expires)
        except ValueError:
            return error(f"--expires {expires!r}: expected a date YYYY-MM-DD")
    paths = list(kw.get("paths") or ()) or ["."]
    # one governing config, found the way a scan of PATHS finds it (upward from the first path),
    # else a new .policyguard.yaml at the repository root: entries in a config no scan reads
    # would suppress nothing
    cfg_path = Path(kw["config_path"]) if kw.get("config_path") else find_config(Path(paths[0]))
    try:
        cfg = load_config(cfg_path) if cfg_path is not None and cfg_path.is_file() else None
    except ConfigError as exc:
        return error(str(exc))
    governing: tuple[Any, Path, set[tuple[str, str, str]]] = (
        cfg.policy if cfg else SuppressionPolicy(), cfg_path or _repository_root(Path(paths[0])) / CONFIG_NAMES[0],
        {(s.rule, s.path, s.resource) for s in cfg.suppressions} if cfg else set())

    def policy_for(file: Path) -> tuple[Any, Path, set[tuple[str, str, str]]]:
        return governing

    found, errors = migrate.walk(paths)
    try:
        plan = migrate.plan(found, migrate.PeerIds.load(), policy_for,
                            migrate.Settings(owner=str(kw.get("owner") or ""), expires=expires))
    except (ConfigError, migrate.MigrateError) as exc:
        return error(str(exc))
    out = sys.stdout
    if kw.get("write"):
        try:
            for file, (_, new) in sorted(plan.changes.items()):
                Path(file).write_text(new, encoding="utf-8")
        except OSError as exc:
            return error(f"cannot write: {exc}")
    else:
        out.write(plan.diff())
    say = lambda text: click.echo(text, err=True)  # noqa: E731 - the summary goes to stderr, the diff to stdout
    verb = "migrated" if kw.get("write") else "to migrate"
    say(f"policyguard: {len(found)} foreign suppression(s): {len(plan.migrated)} {verb}, {len(plan.already)} "
        f"already migrated, {len(plan.unmapped)} unmapped, {len({id(f) for f, _ in plan.needs})} needing information")
    if plan.unmapped:
        say("unmapped (no policyguard rule is known to check the same thing; see policyguard/data/peer_ids.yaml):")
        for f in plan.unmapped:
            say(f"  {f.location}: {f.label}")
    if plan.needs:
        say("not migrated, the suppression policy needs:")
        for f, what in plan.needs:
            say(f"  {f.location}: {f.label}: {what}")
    for e in errors:
        say(f"error: {e}")
    if plan.changes and not kw.get("write"):
        say(f"dry run: {len(plan.changes)} file(s) would change; --write applies the diff above")
    elif plan.changes:
        say(f"wrote {len(plan.changes)} file(s); the other tools' markers were kept")
    if errors:
        return EXIT_ERROR
    return EXIT_FAIL if plan.unmapped or plan.needs else EXIT_OK


def _repository_root(start: Path) -> Path:
    """The git work tree around ``start``, else ``start``'s directory."""
    cur = start.resolve()
    cur = cur if cur.is_dir() else cur.parent
    for d in (cur, *cur.parents):
        if (d / ".git").exists():
            return d
    return cur
