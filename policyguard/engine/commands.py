"""``policyguard rules list|show`` and ``policyguard test`` (rule fixtures, like ``opa test``).

Exit codes: 0 success, 1 a fixture did not give the expected verdict, 2 rule-load or usage
errors.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from policyguard.exitcodes import EXIT_ERROR, EXIT_FAIL, EXIT_OK
from policyguard.model import ParseError, RuleMeta, Status


def _echo_errors(errors: Iterable[ParseError]) -> int:
    n = 0
    for e in errors:
        click.echo(f"error: {e}", err=True)
        n += 1
    return n


def _load(rule_dirs: Iterable[str], builtin: bool) -> Any:
    from policyguard.engine.rules import load_all

    return load_all([str(d) for d in rule_dirs], builtin)


# --------------------------------------------------------------------------- rules list / show
def run_rules_list(rule_dirs: tuple[str, ...] = (), no_builtin_rules: bool = False,
                   frameworks: tuple[str, ...] = (), fmt: str = "text", profile: str | None = None) -> int:
    from policyguard.engine.rules import Selector, selector_problems

    rs = _load(rule_dirs, not no_builtin_rules)
    problems = selector_problems(rs, [], [Selector("--framework", f) for f in frameworks])
    if problems:  # an empty list for a misspelt framework would read as "not covered"
        for msg in problems:
            click.echo(f"policyguard: {msg}", err=True)
        return EXIT_ERROR
    wanted = {f.lower() for f in frameworks}
    metas: list[RuleMeta] = sorted(
        (m for m in rs.metas if (not wanted or wanted & {k.lower() for k in m.frameworks})
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
    return EXIT_ERROR if _echo_errors(rs.errors) else EXIT_OK


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


# --------------------------------------------------------------------------- policyguard test
@dataclass(slots=True)
class CaseResult:
    rule_id: str
    kind: str  # "pass" | "fail"
    case: Path
    ok: bool
    problems: list[str] = field(default_factory=list)


def find_rule_dirs(roots: Iterable[Path]) -> list[Path]:
    """Directories that hold a rule file (``*.rego`` / ``*.py``) beside a ``fixtures`` folder."""
    out: set[Path] = set()
    for root in roots:
        if root.is_file():
            root = root.parent
        for fx in [root / "fixtures", *root.rglob("fixtures")]:
            if not fx.is_dir() or fx.parent in out:
                continue
            rel = fx.parent.relative_to(root).parts if fx.parent != root else ()
            if "fixtures" in rel:  # a folder named fixtures inside another rule's fixtures
                continue
            out.add(fx.parent)
    return sorted(out)


def _load_expect(case: Path) -> tuple[dict[str, Any], str | None]:
    for name in ("expect.yaml", "expect.yml"):
        p = case / name
        if p.is_file():
            import yaml

            from policyguard.parsers.yaml_source import yaml_limit_error

            text = p.read_text(encoding="utf-8")
            limit = yaml_limit_error(text, str(p))  # before yaml.safe_load, whose composer recurses
            if limit is not None:
                return {}, f"{p}:{limit.line}:{limit.column}: {limit.message}"
            try:
                doc = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                return {}, f"{p}: invalid YAML: {exc}"
            if not isinstance(doc, dict):
                return {}, f"{p}: expected a mapping with fail:/unknown: lists"
            return doc, None
    return {}, None


def check_case(rule_id: str, kind: str, case: Path, result: Any) -> CaseResult:
    """Judge one scanned fixture case against the contract of rules/README.md."""
    cr = CaseResult(rule_id, kind, case, True)
    mine = [f for f in result.findings if f.rule_id == rule_id]
    for e in result.errors:
        cr.problems.append(f"error: {e}")
    expect, bad = _load_expect(case)
    if bad:
        cr.problems.append(bad)
    by_status: dict[Status, list[str]] = {}
    for f in mine:
        by_status.setdefault(f.status, []).append(f.resource_id)
    for f in mine:
        if f.status is Status.ERROR:
            cr.problems.append(f"error verdict on {f.resource_id}: {f.message}")
    fails = sorted(set(by_status.get(Status.FAIL, [])))
    if not mine:
        cr.problems.append("the rule judged no resource here (check resource_types and the fixture)")
    elif kind == "fail":
        # a rule that can only be unknown (PG-TF-MODULE-001) pins its unknowns and `fail: []` instead
        unknown_only = "fail" in expect and not expect.get("fail") and bool(expect.get("unknown"))
        if not fails and not unknown_only:
            got = ", ".join(f"{f.resource_id}={f.status}" for f in mine)
            cr.problems.append(f"expected a fail verdict, got {got}")
    else:
        if fails:
            cr.problems.append("expected no fail verdict, got fail on " + ", ".join(fails)
                               + ": " + "; ".join(f.message for f in mine if f.status is Status.FAIL)[:300])
        if Status.PASS not in by_status and "unknown" not in expect:
            cr.problems.append("expected at least one pass verdict")
    if "fail" in expect and sorted(set(map(str, expect.get("fail") or []))) != fails:
        cr.problems.append(f"expect.yaml fail: {sorted(map(str, expect.get('fail') or []))}, got {fails}")
    if "unknown" in expect:
        unk = sorted(set(by_status.get(Status.UNKNOWN, [])))
        if sorted(set(map(str, expect.get("unknown") or []))) != unk:
            cr.problems.append(f"expect.yaml unknown: {sorted(map(str, expect.get('unknown') or []))}, got {unk}")
    cr.ok = not cr.problems
    return cr


def run_fixture_cases(roots: list[Path], *, builtin: bool, rego_engine: str = "embedded",
                      opa_path: str | None = None, opa_url: str | None = None) -> tuple[list[CaseResult], list[ParseError], dict[Path, list[str]]]:
    """Scan every fixture case of every rule under ``roots`` with the real parsers and engine.

    Returns the case results, rule-load errors, and the rule ids found per rule directory."""
    from policyguard import scan as scan_mod
    from policyguard.scan import ScanOptions

    rule_dirs = [str(r) for r in roots] if not builtin else [str(r) for r in roots if Path(r).resolve() != _builtin().resolve()]
    base = ScanOptions(paths=[], rule_dirs=rule_dirs, builtin_rules=builtin, jobs=1, rego_engine=rego_engine,
                       opa_path=opa_path, opa_url=opa_url, profile="strict")  # every rule's fixtures
    from policyguard import engine

    search_roots = list(roots) if roots else [_builtin()]
    rdirs = find_rule_dirs(search_roots)
    # each rule directory's fixtures/params.yaml: rules.params for its rules (ids keep them apart)
    params, param_errors = fixture_params(rdirs, base)
    base = replace(base, rule_params=params)
    ruleset = engine.load_ruleset(base)
    by_dir: dict[Path, list[str]] = {}
    for m in ruleset.metas:
        by_dir.setdefault(Path(m.source).resolve().parent, []).append(m.id)
    unconfigured: dict[Path, list[str]] = {}
    if ruleset.params_skipped:
        from policyguard.engine.rules import load_all

        every = load_all(base.rule_dirs, base.builtin_rules).by_id
        for rid in ruleset.params_skipped:
            unconfigured.setdefault(Path(every[rid].source).resolve().parent, []).append(rid)
            by_dir.setdefault(Path(every[rid].source).resolve().parent, []).append(rid)
    results: list[CaseResult] = []
    # the scan core caches one evaluator per process; these scans share options, so reset it once
    scan_mod._WORKER_STATE.pop("evaluator", None)
    for rdir in rdirs:
        ids = by_dir.get(rdir.resolve(), [])
        if not ids:
            continue
        for rid in unconfigured.get(rdir.resolve(), []):
            needs = ", ".join(f"rules.params.{rid}.{n}" for n in ruleset.params_skipped[rid])
            results.append(CaseResult(rid, "fail", rdir / "fixtures", False,
                                      [f"the rule needs configuration ({needs}): give its fixtures a "
                                       f"{rdir / 'fixtures' / 'params.yaml'} ({{{rid}: {{name: value}}}})"]))
        ids = [rid for rid in ids if rid not in ruleset.params_skipped]
        if not ids:
            continue
        for kind in ("pass", "fail"):
            kdir = rdir / "fixtures" / kind
            if not kdir.is_dir():
                continue
            for case in sorted(p for p in kdir.iterdir() if p.is_dir()):
                cached = scan_mod._WORKER_STATE.get("evaluator")
                if cached is not None:  # each case is a scan of its own: give it the full budget
                    cached.restart_budget()
                result = scan_mod.scan(replace(base, paths=[str(case)]))
                for rid in ids:
                    results.append(check_case(rid, kind, case, result))
    scan_mod._WORKER_STATE.pop("evaluator", None)
    return results, list(ruleset.errors) + param_errors, by_dir


PARAMS_FILE = "params.yaml"


def _key_lines(yaml: Any, text: str) -> dict[tuple[str, ...], int]:
    """(rule id,) and (rule id, parameter) -> 1-based line of that key in a params file."""
    out: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out
    for k, v in getattr(root, "value", []) if isinstance(root, yaml.MappingNode) else []:
        out[(str(k.value),)] = k.start_mark.line + 1
        for k2, _v2 in v.value if isinstance(v, yaml.MappingNode) else []:
            out[(str(k.value), str(k2.value))] = k2.start_mark.line + 1
    return out


def fixture_params(rule_dirs: list[Path], base: Any) -> tuple[dict[str, dict[str, Any]], list[ParseError]]:
    """The ``fixtures/params.yaml`` of each rule directory (the shape of ``.policyguard.yaml``'s
    ``rules.params``: rule id -> {parameter: value}), merged, and a located error for each file
    that is not such a mapping or sets a parameter its rule does not declare or accept."""
    import yaml

    from policyguard.engine.rules import load_all, param_problems
    from policyguard.model import ErrorKind
    from policyguard.parsers.yaml_source import yaml_limit_error

    params: dict[str, dict[str, Any]] = {}
    errors: list[ParseError] = []
    for rdir in rule_dirs:
        path = rdir / "fixtures" / PARAMS_FILE
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(ParseError(str(path), 1, 1, f"cannot read: {exc}", ErrorKind.CONFIG))
            continue
        limit = yaml_limit_error(text, str(path))
        if limit is not None:
            errors.append(ParseError(str(path), limit.line, 1, limit.message, ErrorKind.CONFIG))
            continue
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            errors.append(ParseError(str(path), mark.line + 1 if mark else 1, 1, f"invalid YAML: {exc}", ErrorKind.CONFIG))
            continue
        if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in doc.items()):
            errors.append(ParseError(str(path), 1, 1, "expected a mapping: rule id -> {parameter name: value}", ErrorKind.CONFIG))
            continue
        rs = load_all(base.rule_dirs, base.builtin_rules)
        lines = _key_lines(yaml, text)
        for pp in param_problems(rs, doc):
            key = (pp.rule_id,) if pp.name is None else (pp.rule_id, pp.name)
            line = lines.get(key, lines.get((pp.rule_id,), 1))
            errors.append(ParseError(str(path), line, 1, pp.located(".".join(key)), ErrorKind.CONFIG))
        for rid, values in doc.items():
            params.setdefault(rid, {}).update(values)
    return params, errors


def _builtin() -> Path:
    from policyguard.engine.rules import builtin_rules_dir

    return builtin_rules_dir()


def run_rule_tests(rule_dirs: tuple[str, ...] = (), rego_engine: str = "embedded", verbose: bool = False,
                   opa_path: str | None = None, opa_url: str | None = None) -> int:
    """Run every rule's pass/fail fixtures under ``rule_dirs`` (default: the built-in pack)."""
    started = time.monotonic()
    roots = [Path(d) for d in rule_dirs] or [_builtin()]
    builtin = not rule_dirs
    results, errors, by_dir = run_fixture_cases(roots, builtin=builtin, rego_engine=rego_engine,
                                                opa_path=opa_path, opa_url=opa_url)
    n_err = _echo_errors(errors)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_rule_tests())
