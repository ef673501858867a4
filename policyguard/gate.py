"""The gate: scan, then config -> severity overrides -> precise regions -> fingerprints ->
suppressions -> baseline -> verdict -> reports.

Exit-code precedence (first match wins; the codes are defined in ``policyguard.exitcodes``):

1. **2** -- usage, configuration or baseline errors (a rule selector that selects no rule
   included), or the scan produced errors (a file that could not be read or parsed, a rule pack
   that failed to load, a rule that crashed). ``--soft-fail`` never hides these.
2. **3** -- nothing to scan: no Terraform, CloudFormation or Kubernetes file under the paths
   (``--allow-empty``: 0). ``--soft-fail`` does not hide it either.
3. **0** -- ``--soft-fail``: policy failures are reported but do not fail the gate.
4. **1** -- an unsuppressed ``fail`` at or above ``--fail-on``; an ``unknown`` at or above it
   when ``--unknown-as fail``; a stale suppression when ``suppression_policy.stale: fail``.
5. **0** -- otherwise.

Command-line options override the config file, which overrides the defaults
(``fail_on: high``, ``soft_fail: false``, ``unknown_as: report``).
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.exitcodes import EXIT_EMPTY, EXIT_ERROR, EXIT_FAIL, EXIT_OK
from policyguard.model import Finding, ParseError, Resource, Severity, Status
from policyguard.scan import ScanOptions, ScanResult, scan

if TYPE_CHECKING:
    from policyguard.config import Config
    from policyguard.engine.rules import Selector
    from policyguard.limits import UnitLimits
    from policyguard.report import Report, Verdict
    from policyguard.suppress import Notice

DEFAULT_FAIL_ON = "high"
DEFAULT_UNKNOWN_AS = "report"


class UsageError(Exception):
    """Bad combination of options (exit 2)."""


@dataclass(slots=True)
class GateSettings:
    fail_on: Severity = Severity.HIGH
    soft_fail: bool = False
    unknown_as: str = DEFAULT_UNKNOWN_AS
    stale: str = "warn"
    allow_empty: bool = False  # a scan that found no IaC file passes (exit 0) instead of exit 3


# --------------------------------------------------------------------------- options
def options_from_cli(kw: dict[str, Any], config: Config | None = None) -> ScanOptions:
    variables = {}
    for item in kw.get("variables") or ():
        name, sep, value = str(item).partition("=")
        if not sep or not name:
            raise UsageError(f"--var {item!r}: expected NAME=VALUE")
        variables[name] = value
    cfg_dirs = list(config.rule_dirs) if config else []
    paths = expand_paths(list(kw["paths"]))
    return ScanOptions(
        paths=paths,
        excludes=(list(config.excludes) if config else []) + list(kw.get("excludes") or ()),
        rule_dirs=cfg_dirs + list(kw.get("rule_dirs") or ()),
        builtin_rules=not kw.get("no_builtin_rules") and (config.builtin_rules if config else True),
        enabled_rules=list(kw.get("only_rules") or ()) or (list(config.enabled_rules) if config else []),
        disabled_rules=(list(config.disabled_rules) if config else []) + list(kw.get("skip_rules") or ()),
        frameworks=list(kw.get("frameworks") or ()) or (list(config.frameworks) if config else []),
        profile=str(kw.get("profile") or (config.profile if config else None) or "baseline"),
        rego_only_rule_dirs=list(config.rego_only_rule_dirs) if config else [],
        # raise-only overrides (untrusted repository) are checked by the gate against each rule
        severity_overrides={k: v for k, v in config.severity_overrides.items() if k not in config.severity_raise_only}
        if config else {},
        rule_params={rid: dict(v) for rid, v in config.rule_params.items()} if config else {},
        var_files=list(kw.get("var_files") or ()),
        variables=variables,
        jobs=int(kw.get("jobs") or 0) or auto_jobs(paths),
        rego_engine=str(kw.get("rego_engine") or "embedded"),
        opa_path=kw.get("opa_path"),
        opa_url=kw.get("opa_url"),
        evaluate=not kw.get("parse_only"),
        follow_external_symlinks=bool(kw.get("follow_external_symlinks")),
        unit_limits=_unit_limits(kw),
    )


def _unit_limits(kw: dict[str, Any]) -> UnitLimits | None:
    """``--unit-timeout``/``--unit-memory`` over the defaults (command line only: a scanned
    repository must not raise what it may cost)."""
    timeout, memory = kw.get("unit_timeout"), kw.get("unit_memory")
    if timeout is None and memory is None:
        return None
    from dataclasses import replace

    from policyguard.limits import DEFAULT_UNIT_LIMITS

    limits = DEFAULT_UNIT_LIMITS
    if timeout is not None:
        limits = replace(limits, timeout=float(timeout))
    if memory is not None:
        limits = replace(limits, worker_memory=int(memory) * 1024 * 1024)
    return limits


SMALL_SCAN_FILES = 16


def auto_jobs(paths: list[str]) -> int:
    """1 for a short list of files (the pre-commit hook's case: forking workers that each build
    their own rule engine costs more than it saves), else 0 (every core)."""
    if len(paths) <= SMALL_SCAN_FILES and all(os.path.isfile(p) for p in paths):
        return 1
    return 0


def expand_paths(paths: list[str]) -> list[str]:
    """A changed ``*.tfvars`` file (pre-commit passes it alone) stands for the Terraform
    directory that reads it; everything else is passed through unchanged."""
    out: list[str] = []
    for p in paths:
        low = p.lower()
        if low.endswith((".tfvars", ".tfvars.json")):
            parent = Path(p).parent
            try:
                has_tf = any(c.name.endswith((".tf", ".tf.json")) for c in parent.iterdir())
            except OSError:
                has_tf = False
            if has_tf:
                p = str(parent)
        if p not in out:
            out.append(p)
    return out


def gate_settings(kw: dict[str, Any], config: Config | None) -> GateSettings:
    fail_on = kw.get("fail_on") or (config.fail_on if config else None) or DEFAULT_FAIL_ON
    soft = kw.get("soft_fail") or (bool(config.soft_fail) if config and config.soft_fail is not None else False)
    unknown_as = kw.get("unknown_as") or (config.unknown_as if config else None) or DEFAULT_UNKNOWN_AS
    return GateSettings(
        fail_on=Severity.parse(str(fail_on)),
        soft_fail=bool(soft),
        unknown_as=str(unknown_as),
        stale=config.policy.stale if config else "warn",
        allow_empty=bool(kw.get("allow_empty")),
    )


def project_root(config: Config | None, start: Path | None = None) -> str:
    """Where report paths (SARIF URIs, fingerprints) start: the git work tree around the current
    directory (what code scanning expects), else the config file's directory, else the current
    directory. Config ``suppressions[].path`` globs are relative to the config file instead."""
    cur = (start or Path.cwd()).resolve()
    for d in (cur, *cur.parents):
        if (d / ".git").exists():
            return str(d)
    if config is not None and config.root is not None:
        return str(config.root.resolve())
    return str(cur)


# --------------------------------------------------------------------------- stages
def _resource_index(resources: list[Resource]) -> tuple[dict[tuple[str, str], Resource], dict[str, Resource]]:
    exact: dict[tuple[str, str], Resource] = {}
    by_id: dict[str, Resource] = {}
    for r in resources:
        exact[(r.id, r.span.file)] = r
        by_id.setdefault(r.id, r)
    return exact, by_id


def apply_severity_overrides(result: ScanResult, overrides: dict[str, str]) -> None:
    if not overrides:
        return
    sev = {rid: Severity.parse(s) for rid, s in overrides.items()}
    for f in result.findings:
        if f.rule_id in sev:
            f.severity = sev[f.rule_id]
    for rid, s in sev.items():
        if rid in result.rules:
            result.rules[rid] = replace(result.rules[rid], severity=s)


def honoured_overrides(result: ScanResult, config: Config, notices: list[Notice]) -> dict[str, str]:
    """The severity overrides to apply: an untrusted repository's may raise a rule's severity,
    never lower it (a rejected lowering becomes a notice)."""
    if not config.severity_raise_only:
        return config.severity_overrides
    from policyguard.suppress import Notice

    out: dict[str, str] = {}
    for rid, sev in config.severity_overrides.items():
        meta = result.rules.get(rid)
        if rid in config.severity_raise_only and meta is not None and Severity.parse(sev) < meta.severity:
            file, line = config.severity_raise_only[rid]
            notices.append(Notice(
                "rejected", file, line,
                f"rules.severity.{rid}: {sev} lowers the rule's severity ({meta.severity.label}) and the repository "
                "is untrusted, so it is ignored (a trusted config can allow it: repo_config: {may_loosen: [severity]})",
                rule_id=rid, subject="config"))
            continue
        out[rid] = sev
    return out


def refine_spans(result: ScanResult) -> None:
    """Point a finding at its attribute, not the whole resource, whenever the parser knows the
    attribute's span (an engine that reports the resource span loses nothing)."""
    exact, by_id = _resource_index(result.resources)
    for f in result.findings:
        if not f.path:
            continue
        res = exact.get((f.resource_id, f.span.file)) or by_id.get(f.resource_id)
        if res is None or f.span != res.span:
            continue
        try:
            precise = res.span_for(f.path)
        except ValueError:
            continue
        f.span = precise


def empty_scan_reason(paths: list[str], skipped: int) -> str:
    """What an empty scan says, naming where it looked (the exit-3 message)."""
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    why = f" ({skipped} file(s) skipped as not IaC)" if skipped else ""
    return f"no Terraform, CloudFormation or Kubernetes files found under {shown or '.'}{why}"


def compute_verdict(
    findings: list[Finding], errors: list[ParseError], notices: list[Notice], settings: GateSettings,
    *, empty: str = "",
) -> Verdict:
    """``empty``: the reason when the scan found no IaC file at all (exit 3 unless allow_empty)."""
    from policyguard.report import Verdict

    v = Verdict(exit_code=EXIT_OK, fail_on=settings.fail_on, soft_fail=settings.soft_fail,
                unknown_as=settings.unknown_as, reason="")
    failing = [
        f for f in findings
        if f.severity >= settings.fail_on
        and (f.status == Status.FAIL or (f.status == Status.UNKNOWN and settings.unknown_as == "fail"))
    ]
    v.failing = len(failing)
    stale = [n for n in notices if n.kind == "stale"] if settings.stale == "fail" else []
    rule_errors = [f for f in findings if f.status == Status.ERROR]
    if errors or rule_errors:
        kinds = sorted({str(e.kind) for e in errors} | ({"rule-error"} if rule_errors else set()))
        n = len(errors) + len(rule_errors)
        v.exit_code = EXIT_ERROR
        v.reason = f"{n} error(s) ({', '.join(kinds)}): results are incomplete, the gate cannot pass"
    elif empty:
        v.exit_code = EXIT_OK if settings.allow_empty else EXIT_EMPTY
        v.reason = empty + (" (--allow-empty)" if settings.allow_empty else
                            ": nothing was checked (pass --allow-empty if that is expected)")
    elif settings.soft_fail:
        v.reason = (f"--soft-fail: {len(failing)} finding(s) at or above {settings.fail_on.label} reported, not enforced"
                    if failing or stale else f"no findings at or above {settings.fail_on.label}")
    elif failing or stale:
        v.exit_code = EXIT_FAIL
        parts = []
        if failing:
            parts.append(f"{len(failing)} finding(s) at or above {settings.fail_on.label}")
        if stale:
            parts.append(f"{len(stale)} stale suppression(s) (suppression_policy.stale: fail)")
        v.reason = " and ".join(parts)
    else:
        v.reason = f"no findings at or above {settings.fail_on.label}"
    return v


def evaluate_gate(
    result: ScanResult,
    config: Config,
    settings: GateSettings,
    *,
    root: str,
    baseline_path: str | None = None,
    today: _dt.date | None = None,
    tool_version: str = "",
    complete_rule_set: bool = True,
    paths: list[str] | None = None,
) -> Report:
    """Every post-scan stage on an in-memory ScanResult; returns the Report the reporters read.
    Mutates the findings (span, severity, fingerprint, status, suppression). ``paths``: the scanned
    paths, to judge (and name) an empty scan; None for in-memory results."""
    from policyguard import baseline as baseline_mod
    from policyguard import suppress
    from policyguard.fingerprint import assign_fingerprints
    from policyguard.report import Report
    from policyguard.suppress import Notice

    config_notices = [Notice(n.kind, n.file, n.line, n.message, subject="config") for n in config.notices]
    overrides = honoured_overrides(result, config, config_notices)
    apply_severity_overrides(result, overrides)
    refine_spans(result)
    assign_fingerprints(result.findings, result.resources, root)
    _mask_unknowns(result)
    sup = suppress.apply(
        result.findings, result.resources, config, root=root, today=today,
        evaluated_rules=set(result.rules), complete_rule_set=complete_rule_set, unrun_rules=result.profile_skipped,
    )
    notices = config_notices + list(sup.notices)
    if settings.stale == "ignore":
        notices = [n for n in notices if n.kind != "stale"]
    base_info: dict[str, Any] | None = None
    errors = list(result.errors)
    if baseline_path:
        bl = baseline_mod.load(baseline_path)  # BaselineError handled by the caller
        outcome = baseline_mod.apply(result.findings, bl)
        base_info = {"path": baseline_path, "matched": outcome.matched, "new": outcome.new, "absent": outcome.absent}
    empty = empty_scan_reason(paths, len(result.skipped)) if paths is not None and not result.files else ""
    verdict = compute_verdict(result.findings, errors, notices, settings, empty=empty)
    return Report(
        findings=result.findings,
        rules=result.rules,
        errors=errors,
        verdict=verdict,
        notices=notices,
        files=result.files,
        root=root,
        baseline=base_info,
        tool_version=tool_version,
        skipped=list(result.skipped),
        unconfigured=dict(result.params_skipped),
    )


# --------------------------------------------------------------------------- progress
class _Spinner:
    """Elapsed-time indicator on stderr for scans longer than a second (TTY only)."""

    FRAMES = "|/-\\"

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def __enter__(self) -> _Spinner:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        start = time.monotonic()
        if self._stop.wait(1.0):
            return
        i = 0
        while not self._stop.wait(0.1):
            sys.stderr.write(f"\r{self.FRAMES[i % 4]} {self.label} {time.monotonic() - start:5.1f}s")
            sys.stderr.flush()
            self._shown = True
            i += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            sys.stderr.write("\r" + " " * (len(self.label) + 12) + "\r")
            sys.stderr.flush()


# --------------------------------------------------------------------------- outputs
def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--format`` i writes to ``--output`` i; formats without an output write to stdout."""
    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError(f"{len(outputs)} --output given for {len(formats)} --format: each --output needs its --format")
    pairs = [(fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)]
    to_stdout = [fmt for fmt, out in pairs if out == "-"]
    if len(to_stdout) > 1:
        raise UsageError(f"formats {', '.join(to_stdout)} would all write to stdout: give each but one an --output FILE")
    return pairs


def _want_color(dest: str) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return dest == "-" and sys.stdout.isatty()


def write_reports(
    report: Report, pairs: list[tuple[str, str]], result: ScanResult | None = None, options: ScanOptions | None = None
) -> None:
    from policyguard.report import render

    if result is not None and any(fmt == "sarif" for fmt, _ in pairs):
        _attach_edits(result, options)
    for fmt, dest in pairs:
        emit(render(fmt, report, color=_want_color(dest) and fmt == "text"), dest)


def emit(text: str, dest: str) -> None:
    """Write one rendered report to ``dest`` (``-``: stdout)."""
    if dest == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        Path(dest).write_text(text, encoding="utf-8")


def _attach_edits(result: ScanResult, options: ScanOptions | None) -> None:
    """Let the fix stage render ``Finding.edits`` (SARIF ``fixes``) when it is installed. It
    verifies each fix by a re-scan, so it only runs when a SARIF report is requested."""
    try:
        from policyguard.fix import attach_edits  # type: ignore[attr-defined]
    except ImportError:
        return
    try:
        attach_edits(result, options)
    except Exception as exc:  # fixes are an extra: a fixer bug must not lose the report
        print(f"policyguard: warning: could not render fixes: {type(exc).__name__}: {exc}", file=sys.stderr)
    _withhold_secret_edits(result)


def _mask_unknowns(result: ScanResult) -> None:
    """An unresolved expression is scanned text (``!Sub "...DB_PASSWORD=..."``): every report
    prints it, so it is masked like a message."""
    from policyguard.redact import mask_text

    for f in result.findings:
        if f.unknowns:
            f.unknowns = tuple(mask_text(u) for u in f.unknowns)


def _withhold_secret_edits(result: ScanResult) -> None:
    """Edits whose replacement text would quote a secret (a fix that re-aligns the block around
    ``password = ...``) are left out of the reports: a masked edit would write the mask into the
    file if applied, a clear one leaks. ``policyguard fix`` still applies such fixes locally."""
    from policyguard.redact import mask_text

    for f in result.findings:
        if f.edits and any(mask_text(e.text) != e.text for e in f.edits):
            f.edits = ()


# --------------------------------------------------------------------------- commands
def _err(msg: str) -> int:
    print(f"policyguard: {msg}", file=sys.stderr)
    return EXIT_ERROR


def _empty(msg: str) -> int:
    print(f"policyguard: {msg} (pass --allow-empty if that is expected)", file=sys.stderr)
    return EXIT_EMPTY


def prepare_scan(kw: dict[str, Any]) -> tuple[Config, ScanOptions, str]:
    """The config file, scan options and project root for CLI arguments ``kw`` (shared by
    ``scan``, ``baseline create`` and ``fix``, so they read the same configuration the same way)."""
    from policyguard import trust

    config, untrusted = trust.resolve(
        kw.get("config_path"), list(kw.get("paths") or ()),
        org_config=kw.get("org_config"), untrusted=bool(kw.get("untrusted_repo")),
    )
    config.untrusted = untrusted
    options = options_from_cli(kw, config)
    if options.evaluate:
        check_rule_selection(config, options, kw)
    root = project_root(config)
    return config, options, root


def config_selectors(config: Config) -> tuple[list[Selector], list[Selector]]:
    """The config file's rule-id selectors (``rules.enable``/``disable``/``severity`` keys) and
    framework selectors, each located (``file:line: rules.disable[1]``) for error messages."""
    from policyguard.engine.rules import Selector

    rules: list[Selector] = []
    frameworks: list[Selector] = []
    for source in config.sources or [config]:  # each file names its own lines (policyguard.trust merges them)
        rules += [Selector(source.where("rules", key, i), str(v))
                  for key, values in (("enable", source.enabled_rules), ("disable", source.disabled_rules))
                  for i, v in enumerate(values)]
        rules += [Selector(source.where("rules", "severity", rid), rid) for rid in source.severity_overrides]
        frameworks += [Selector(source.where("rules", "frameworks", i), str(v)) for i, v in enumerate(source.frameworks)]
    return rules, frameworks


def check_rule_selection(config: Config, options: ScanOptions, kw: dict[str, Any]) -> None:
    """Every rule selector must select something: a ``--rule``/``--skip-rule``/``--framework``
    (UsageError) or config ``rules.enable``/``disable``/``frameworks``/``severity`` entry
    (ConfigError, located) that matches no rule, or a combination that leaves no rule at all,
    would otherwise make a gate that evaluates nothing and passes. The unfiltered rule set comes
    from the per-process cache the scan itself loads from, so this costs no extra load."""
    from policyguard.config import ConfigError
    from policyguard.engine.rules import Selector, filter_ruleset, load_all, param_problems, selector_problems

    rs = load_all(options.rule_dirs, options.builtin_rules, options.rego_only_rule_dirs)
    cfg_rules, cfg_fw = config_selectors(config)
    problems = selector_problems(rs, cfg_rules, cfg_fw)
    # a rule that failed to load is no "no such rule" (the scan reports the load error)
    problems += [pp.located(config.param_where(pp.rule_id, pp.name))
                 for pp in param_problems(rs, config.rule_params, unknown_ids=not rs.errors)]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    cli_rules = [Selector(opt, str(v)) for opt, key in (("--rule", "only_rules"), ("--skip-rule", "skip_rules"))
                 for v in kw.get(key) or ()]
    cli_fw = [Selector("--framework", str(v)) for v in kw.get("frameworks") or ()]
    problems = selector_problems(rs, cli_rules, cli_fw)
    if problems:
        raise UsageError("\n".join(problems) if len(problems) == 1 else "bad rule selection:\n  " + "\n  ".join(problems))
    if rs.errors:
        return  # the scan reports the load errors (exit 2); an empty selection is explained by them
    if not rs.metas:
        raise UsageError("no rules to evaluate: --no-builtin-rules (or rules.builtin: false) and no --rules "
                         "directory holding rules")
    kept = filter_ruleset(rs, options)
    if not kept.metas:
        given = [f"{s.origin} {s.value}" for s in cli_rules + cli_fw]
        given += [f"{s.origin} {s.value}" for s in cfg_rules[: len(config.enabled_rules) + len(config.disabled_rules)]
                  + cfg_fw]
        hint = (f" (profile {options.profile} leaves out {len(kept.profile_skipped)} strict rule(s) it would select:"
                " --profile strict runs them)") if kept.profile_skipped else ""
        if kept.params_skipped:
            needs = [f"rules.params.{rid}.{n}" for rid, names in sorted(kept.params_skipped.items()) for n in names]
            hint += f" ({len(kept.params_skipped)} rule(s) need configuration first: {', '.join(needs)})"
        raise UsageError("the rule selection leaves no rule to evaluate: " + "; ".join(given) + hint)


def _run_scan(options: ScanOptions, quiet: bool) -> ScanResult:
    with _Spinner(sys.stderr.isatty() and not quiet, "policyguard: scanning"):
        return scan(options)


def _complete(options: ScanOptions) -> bool:
    """Were all loaded rules evaluated (no id or framework filter)?"""
    return not (options.enabled_rules or options.disabled_rules or options.frameworks)


def run_scan_command(**kw: Any) -> int:
    from policyguard import __version__
    from policyguard.baseline import BaselineError
    from policyguard.config import ConfigError

    try:
        pairs = pair_outputs(tuple(kw.get("formats") or ()), tuple(kw.get("outputs") or ()))
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
    except (ConfigError, UsageError, ValueError) as exc:
        return _err(str(exc))

    result = _run_scan(options, bool(kw.get("quiet")))
    if not any(fmt == "sarif" for fmt, _ in pairs):  # SARIF fixes re-scan; otherwise no more evaluation
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
    baseline_path = kw.get("baseline")
    if baseline_path:
        from policyguard import trust

        rejected = trust.baseline_allowed(baseline_path, options.paths, config, config.untrusted)
        if rejected is not None:
            config.notices.append(rejected)
            baseline_path = None
    try:
        report = evaluate_gate(result, config, settings, root=root, baseline_path=baseline_path,
                               tool_version=__version__, complete_rule_set=_complete(options),
                               paths=list(kw.get("paths") or ()))
    except BaselineError as exc:
        return _err(str(exc))
    report.quiet = bool(kw.get("quiet"))
    report.verbose = bool(kw.get("verbose"))
    report.automation_id = str(kw.get("sarif_category") or os.environ.get("POLICYGUARD_SARIF_CATEGORY") or "")
    try:
        write_reports(report, pairs, result, options)
    except OSError as exc:
        return _err(f"cannot write report: {exc}")
    return report.verdict.exit_code


def run_baseline_create(**kw: Any) -> int:
    from policyguard import __version__
    from policyguard import baseline as baseline_mod
    from policyguard.config import ConfigError

    try:
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
    except (ConfigError, UsageError, ValueError) as exc:
        return _err(str(exc))
    result = _run_scan(options, False)
    report = evaluate_gate(result, config, settings, root=root, tool_version=__version__,
                           complete_rule_set=_complete(options))
    if not result.files and not result.errors and not kw.get("allow_empty"):
        # an empty baseline would silently accept everything a later scan finds
        return _empty(empty_scan_reason(list(kw.get("paths") or ()), len(result.skipped)) + ": no baseline written")
    out = str(kw.get("output") or ".policyguard-baseline.json")
    try:
        n = baseline_mod.write(out, report.findings, report.rel)
    except OSError as exc:
        return _err(f"cannot write baseline {out}: {exc}")
    print(f"policyguard: baseline {out}: {n} finding(s) recorded", file=sys.stderr)
    if report.errors:
        for e in report.errors:
            print(str(e), file=sys.stderr)
        return _err(f"{len(report.errors)} file(s) could not be scanned: their findings are missing from the baseline")
    return EXIT_OK


# kept for callers of the first cut
def exit_code(result: ScanResult, fail_on: Severity = Severity.HIGH) -> int:
    settings = GateSettings(fail_on=fail_on)
    return compute_verdict(result.findings, result.errors, [], settings).exit_code


__all__ = [
    "GateSettings",
    "compute_verdict",
    "evaluate_gate",
    "exit_code",
    "options_from_cli",
    "run_baseline_create",
    "run_scan_command",
]


def run_compliance_command(**kw: Any) -> int:
    """``policyguard compliance``: scan with every rule mapped to one framework (whatever its
    profile) and report control by control. Exit 0 when the report is written, 2 on bad usage
    or when a file could not be read (the report is still written: its figures say what is
    missing), 3 when the paths hold no IaC. Not a gate: ``scan --framework`` gates."""
    from policyguard import __version__
    from policyguard.config import ConfigError
    from policyguard.frameworks import CatalogueError, find
    from policyguard.report.compliance import render as render_compliance

    names = list(kw.pop("frameworks", None) or ())
    if len(names) != 1:
        return _err("compliance needs exactly one --framework (cis-aws-3.0, cis-kubernetes-1.10, pss, nsa-k8s, "
                    "cis-azure-2.1, cis-gcp-3.0, nist-800-53, pci-dss-4.0, soc2; `policyguard compliance --list`)")
    try:
        fw = find(names[0])
        pairs = pair_outputs(tuple(kw.get("formats") or ("compliance-md",)), tuple(kw.get("outputs") or ()))
        kw = {**kw, "frameworks": list(fw.rule_tags), "profile": "strict"}
        config, options, root = prepare_scan(kw)
        settings = gate_settings(kw, config)
    except (ConfigError, UsageError, ValueError, CatalogueError) as exc:
        return _err(str(exc))
    result = _run_scan(options, False)
    from policyguard import procs

    procs.close_all()
    if not result.files and not result.errors and not kw.get("allow_empty"):
        return _empty(empty_scan_reason(list(kw.get("paths") or ()), len(result.skipped)) + ": no compliance report written")
    report = evaluate_gate(result, config, settings, root=root, tool_version=__version__,
                           complete_rule_set=False, paths=list(kw.get("paths") or ()))
    try:
        for fmt, dest in pairs:
            emit(render_compliance(fmt, report, fw), dest)
    except OSError as exc:
        return _err(f"cannot write report: {exc}")
    for e in report.errors:
        print(f"policyguard: {e}", file=sys.stderr)
    return EXIT_ERROR if report.errors else EXIT_OK


def run_compliance_coverage(names: list[str], rule_dirs: tuple[str, ...] = (), builtin: bool = True) -> int:
    """The coverage tables (Markdown): every framework, or each control of the named ones."""
    from policyguard.engine.rules import load_all as load_rules
    from policyguard.frameworks import CatalogueError, find, load_all
    from policyguard.report.compliance import control_table, coverage_table

    try:
        frameworks = [find(n) for n in names] if names else list(load_all())
    except CatalogueError as exc:
        return _err(str(exc))
    rs = load_rules([str(d) for d in rule_dirs], builtin)
    rules = {m.id: m for m in rs.metas}
    if not names:
        sys.stdout.write(coverage_table(frameworks, rules))
    for fw in frameworks if names else []:
        sys.stdout.write(control_table(fw, rules))
    return EXIT_ERROR if rs.errors else EXIT_OK


def run_compliance_list() -> int:
    from policyguard.frameworks import CatalogueError, load_all

    try:
        frameworks = load_all()
    except CatalogueError as exc:
        return _err(str(exc))
    for fw in frameworks:
        aliases = f" (also: {', '.join(fw.aliases)})" if fw.aliases else ""
        code = sum(1 for c in fw.controls if c.assessable == "code")
        print(f"{fw.id:<22} {fw.title} {fw.version}: {len(fw.controls)} controls, {code} checkable from code{aliases}")
    return EXIT_OK
