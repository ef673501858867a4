"""Rule fixtures, like ``opa test``: each rule directory's ``fixtures/pass`` and ``fixtures/fail``
cases are scanned with the real parsers and engine and judged against the contract of
rules/README.md (``policyguard test``, and the rule-pack tests)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.model import ErrorKind, ParseError, Status

if TYPE_CHECKING:
    from policyguard.options import RuleOptions


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


def load_expect(case: Path) -> tuple[dict[str, Any], str | None]:
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
            except (yaml.YAMLError, ValueError) as exc:  # ValueError: `0x_` matches PyYAML's int pattern
                return {}, f"{p}: invalid YAML: {exc}"
            if not isinstance(doc, dict):
                return {}, f"{p}: expected a mapping with fail:/unknown: lists"
            return doc, None
    return {}, None


def _inside(file: str, directory: Path) -> bool:
    try:
        Path(file).resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return False
    return True


def check_case(rule_id: str, kind: str, case: Path, result: Any) -> CaseResult:
    """Judge one scanned fixture case against the contract of rules/README.md."""
    cr = CaseResult(rule_id, kind, case, True)
    mine = [f for f in result.findings if f.rule_id == rule_id]
    for e in result.errors:
        # a rule file that failed to load is reported once, as its own error (``policyguard test``
        # exits 2), never charged to every other rule's fixtures
        if e.kind == ErrorKind.RULE_LOAD and not _inside(e.file, case):
            continue
        cr.problems.append(f"error: {e}")
    expect, bad = load_expect(case)
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
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions
    from policyguard.scan import Scanner

    rule_dirs = [str(r) for r in roots] if not builtin else [str(r) for r in roots if Path(r).resolve() != builtin_dir().resolve()]
    rules = RuleOptions(rule_dirs=tuple(rule_dirs), builtin_rules=builtin, profile="strict")  # every rule's fixtures
    evaluation = EvalOptions(jobs=1, rego_engine=rego_engine, opa_path=opa_path, opa_url=opa_url)

    search_roots = list(roots) if roots else [builtin_dir()]
    rdirs = find_rule_dirs(search_roots)
    # each rule directory's fixtures/params.yaml: rules.params for its rules (ids keep them apart)
    params, param_errors = fixture_params(rdirs, rules)
    scanner = Scanner(replace(rules, rule_params=params), evaluation)  # its own evaluator: the cases share rules, each is a scan of its own
    ruleset = scanner.ruleset
    by_dir: dict[Path, list[str]] = {}
    for m in ruleset.metas:
        by_dir.setdefault(Path(m.source).resolve().parent, []).append(m.id)
    unconfigured: dict[Path, list[str]] = {}
    if ruleset.params_skipped:
        from policyguard.engine.rules import load_all

        every = load_all(rules.rule_dirs, rules.builtin_rules).by_id
        for rid in ruleset.params_skipped:
            unconfigured.setdefault(Path(every[rid].source).resolve().parent, []).append(rid)
            by_dir.setdefault(Path(every[rid].source).resolve().parent, []).append(rid)
    results: list[CaseResult] = []
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
                result = scanner.scan(ReadOptions(paths=(str(case),)))  # with the full scan budget
                for rid in ids:
                    results.append(check_case(rid, kind, case, result))
    scanner.close()
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


def fixture_params(rule_dirs: list[Path], rules: RuleOptions) -> tuple[dict[str, dict[str, Any]], list[ParseError]]:
    """The ``fixtures/params.yaml`` of each rule directory (the shape of ``.policyguard.yaml``'s
    ``rules.params``: rule id -> {parameter: value}), merged, and a located error for each file
    that is not such a mapping or sets a parameter its rule does not declare or accept."""
    import yaml

    from policyguard.engine.rules import load_all, param_problems
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
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: `0x_` matches PyYAML's int pattern
            mark = getattr(exc, "problem_mark", None)
            errors.append(ParseError(str(path), mark.line + 1 if mark else 1, 1, f"invalid YAML: {exc}", ErrorKind.CONFIG))
            continue
        if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in doc.items()):
            errors.append(ParseError(str(path), 1, 1, "expected a mapping: rule id -> {parameter name: value}", ErrorKind.CONFIG))
            continue
        rs = load_all(rules.rule_dirs, rules.builtin_rules)
        lines = _key_lines(yaml, text)
        for pp in param_problems(rs, doc):
            key = (pp.rule_id,) if pp.name is None else (pp.rule_id, pp.name)
            line = lines.get(key, lines.get((pp.rule_id,), 1))
            errors.append(ParseError(str(path), line, 1, pp.located(".".join(key)), ErrorKind.CONFIG))
        for rid, values in doc.items():
            params.setdefault(rid, {}).update(values)
    return params, errors


def builtin_dir() -> Path:
    from policyguard.engine.rules import builtin_rules_dir

    return builtin_rules_dir()
