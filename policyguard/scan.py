"""The scan core shared by every front door (CLI, pre-commit hook, CI gate, webhook).

files -> discover -> parsers -> model (link references) -> engine -> findings.
Suppressions, baselines and the verdict are applied afterwards by ``policyguard.gate``; this
module stops at raw findings so the webhook can reuse it on in-memory objects.

Work is split into *units* (one Terraform root directory, one template, one manifest file,
one plan). Each unit is parsed and evaluated on its own, so units run in parallel worker
processes (``jobs``) and cross-resource rules see every resource of their unit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard import procs
from policyguard.model import ErrorKind, Finding, ParseError, ParseResult, Reference, Resource, RuleMeta

if TYPE_CHECKING:
    from policyguard.discover import Unit


@dataclass(slots=True)
class ScanOptions:
    paths: list[str]
    excludes: list[str] = field(default_factory=list)
    rule_dirs: list[str] = field(default_factory=list)
    # of ``rule_dirs``, those a repository config named: Rego is loaded, Python never imported
    rego_only_rule_dirs: list[str] = field(default_factory=list)
    builtin_rules: bool = True
    enabled_rules: list[str] = field(default_factory=list)  # empty: all
    disabled_rules: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)  # e.g. ["cis-aws"]: only mapped rules
    # baseline: rules whose profile is baseline; strict: every rule. A rule named by its exact
    # id in ``enabled_rules`` runs whatever its profile (README "Profiles"). The library default
    # is every rule; the front doors (CLI, config, webhook) default to baseline
    profile: str = "strict"
    severity_overrides: dict[str, str] = field(default_factory=dict)
    var_files: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    jobs: int = 0  # 0: every core
    rego_engine: str = "embedded"  # embedded | opa | opa-server | opa-golib
    opa_path: str | None = None
    opa_url: str | None = None
    rule_timeout: float = 5.0  # seconds per rule x unit
    scan_timeout: float = 600.0  # seconds for the whole scan
    evaluate: bool = True  # False: parse only (``--parse-only``, benchmarks)
    # where expressions in scanned files may read other files (Terraform file()...): filled by
    # scan() with the repositories around ``paths`` (policyguard.roots); empty: each unit's own
    read_roots: tuple[str, ...] = ()
    follow_external_symlinks: bool = False  # read symlinks whose target leaves the scan root


@dataclass(slots=True)
class ScanResult:
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not IaC, or a duplicate path
    profile_skipped: set[str] = field(default_factory=set)  # rule ids the profile left out

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": [r.to_dict() for r in self.resources],
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "files": self.files,
        }


def link_references(resources: list[Resource]) -> None:
    """Fill ``referenced_by`` from every resource's ``references`` (reverse edges)."""
    by_id = {r.id: r for r in resources}
    for r in resources:
        r.referenced_by.clear()
    for r in resources:
        for ref in r.references:
            target = by_id.get(ref.target)
            if target is not None and target is not r:
                target.referenced_by.append(Reference(ref.path, r.id, ref.expression))


def parse_unit(unit: Unit, options: ScanOptions) -> ParseResult:
    """Parse one unit with the parser of its format. Never raises: failures become errors."""
    from policyguard import parsers

    try:
        result = parsers.parse_unit(unit, var_files=options.var_files, variables=options.variables,
                                    read_roots=options.read_roots)
    except RecursionError:
        result = ParseResult(errors=[ParseError(str(unit.path), 1, 1, "nesting too deep to parse", ErrorKind.LIMIT)])
    except Exception as exc:  # a parser bug must not lose the file: it becomes a located error
        result = ParseResult(
            errors=[ParseError(str(unit.path), 1, 1, f"internal parser error: {type(exc).__name__}: {exc}")]
        )
    link_references(result.resources)
    return result


# A process builds its rule set and evaluator once per rule configuration. scan() loads the rule
# set in the parent before forking, so workers inherit it and only build their own engine (the
# embedded Rego engine cannot cross processes or threads).
_WORKER_STATE: dict[str, Any] = {}


def _rules_key(options: ScanOptions) -> tuple[Any, ...]:
    """Everything that changes which rules run or how: a different key means a new evaluator."""
    return (
        tuple(options.rule_dirs),
        tuple(options.rego_only_rule_dirs),
        options.builtin_rules,
        tuple(options.enabled_rules),
        tuple(options.disabled_rules),
        tuple(options.frameworks),
        options.profile,
        tuple(sorted(options.severity_overrides.items())),
        options.rego_engine,
        options.opa_path,
        options.opa_url,
        options.rule_timeout,
    )


def _ruleset(options: ScanOptions) -> Any:
    key = _rules_key(options)
    if _WORKER_STATE.get("ruleset_key") != key:
        from policyguard import engine

        _WORKER_STATE.pop("evaluator", None)
        _WORKER_STATE["ruleset"] = engine.load_ruleset(options)
        _WORKER_STATE["ruleset_key"] = key
    return _WORKER_STATE["ruleset"]


def _evaluator(options: ScanOptions) -> Any:
    ruleset = _ruleset(options)
    ev = _WORKER_STATE.get("evaluator")
    if ev is None:
        from policyguard import engine

        ev = engine.make_evaluator(ruleset, options)
        _WORKER_STATE["evaluator"] = ev
    return ev


def _forked_worker_init() -> None:
    """A forked worker must not share the parent's engine (or its guard helper's pipes), and
    reaps the helper it starts before it exits (``procs.worker_init``)."""
    _WORKER_STATE.pop("evaluator", None)
    procs.worker_init()


def _scan_in_pool(units: list[Unit], options: ScanOptions, workers: int) -> list[tuple[ParseResult, list[Finding]]]:
    """Units in forked worker processes. On success the pool is shut down and every worker
    waited for; on any exception (a crash, ^C, SIGTERM turned into ``procs.Terminated``) the
    pending units are cancelled and the workers stopped and waited for before it propagates,
    instead of the executor's ``__exit__`` running the rest of the scan first."""
    # fork start: workers inherit imported modules; each builds its own engine lazily
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # here: ~16 ms of import a one-process hook run skips

    procs.become_subreaper()  # a helper whose worker died is re-parented to us, not to init
    before = {p.pid for p in multiprocessing.active_children()}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_forked_worker_init)
    try:
        chunk = max(1, len(units) // (workers * 8))
        outcomes = list(pool.map(_scan_unit, units, [options] * len(units), chunksize=chunk))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        procs.stop_processes([p for p in multiprocessing.active_children() if p.pid not in before])
        raise
    pool.shutdown(wait=True)
    return outcomes


def _scan_unit(unit: Unit, options: ScanOptions) -> tuple[ParseResult, list[Finding]]:
    parsed = parse_unit(unit, options)
    findings: list[Finding] = []
    if options.evaluate and parsed.resources:
        findings = _evaluator(options).evaluate(parsed.resources)
    return parsed, findings


def scan(options: ScanOptions) -> ScanResult:
    from policyguard import discover
    from policyguard.roots import repository_roots

    if not options.read_roots:
        options.read_roots = tuple(str(r) for r in repository_roots(options.paths))
    found = discover.discover(
        [Path(p) for p in options.paths], excludes=options.excludes, follow_external_symlinks=options.follow_external_symlinks
    )
    result = ScanResult(errors=list(found.errors), skipped=list(found.skipped))

    ruleset = _ruleset(options) if options.evaluate else None
    if ruleset is not None:
        result.rules = {m.id: m for m in ruleset.metas}
        result.profile_skipped = set(ruleset.profile_skipped)
        result.errors.extend(ruleset.errors)
        cached = _WORKER_STATE.get("evaluator")
        if cached is not None and hasattr(cached, "restart_budget"):
            cached.restart_budget()  # the per-scan time budget starts now, not when the engine was built

    jobs = options.jobs or os.cpu_count() or 1
    units = found.units
    if jobs > 1 and len(units) > 1:
        outcomes = _scan_in_pool(units, options, min(jobs, len(units)))
    else:
        outcomes = [_scan_unit(u, options) for u in units]

    files: set[str] = set()
    for unit, (parsed, findings) in zip(units, outcomes, strict=True):
        if parsed.skipped:  # the parse found no IaC in this candidate file
            result.skipped.append((str(unit.path), parsed.skipped))
        else:
            files.update(str(f) for f in unit.files)
        result.resources.extend(parsed.resources)
        result.errors.extend(parsed.errors)
        result.findings.extend(findings)
    result.files = sorted(files)
    result.skipped.sort()
    return result
