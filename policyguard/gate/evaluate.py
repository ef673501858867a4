"""The gate's stages on an in-memory scan result: config -> severity overrides -> precise regions
-> fingerprints -> suppressions -> baseline -> verdict, ending in the ``Report`` the reporters
read (``policyguard.gate.report``). Every front door (CLI, pre-commit hook, CI gate, the
webhook's audit) goes through ``evaluate_gate``."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from policyguard.gate.report import Report
from policyguard.gate.verdict import GateSettings, compute_verdict
from policyguard.model import Resource, Severity

if TYPE_CHECKING:
    from policyguard.gate.config import Config
    from policyguard.gate.suppress import Notice
    from policyguard.scan import ScanResult


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
    from policyguard.gate.suppress import Notice

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


def empty_scan_reason(paths: list[str], skipped: int, unselected: int = 0) -> str:
    """What an empty scan says, naming where it looked (the exit-3 message). ``unselected``: of
    the skipped, those of an input kind ``--framework`` left out."""
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    why = f" ({skipped} file(s) skipped as not IaC)" if skipped and not unselected else ""
    if unselected:
        why = (f" ({unselected} unit(s) of input kinds --framework did not select"
               + (f", {skipped - unselected} file(s) skipped as not IaC)" if skipped > unselected else ")"))
    return f"no Terraform, CloudFormation or Kubernetes files found under {shown or '.'}{why}"


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
    from policyguard.gate import baseline as baseline_mod
    from policyguard.gate import suppress
    from policyguard.gate.fingerprint import assign_fingerprints
    from policyguard.gate.suppress import Notice

    sources: dict[str, str | None] = dict(result.sources)  # streams: their text, not a file to read
    config_notices = [Notice(n.kind, n.file, n.line, n.message, subject="config") for n in config.notices]
    overrides = honoured_overrides(result, config, config_notices)
    apply_severity_overrides(result, overrides)
    refine_spans(result)
    assign_fingerprints(result.findings, result.resources, root)
    _mask_unknowns(result)
    sup = suppress.apply(
        result.findings, result.resources, config, root=root, today=today, cache=sources,
        evaluated_rules=set(result.rules), complete_rule_set=complete_rule_set, unrun_rules=result.profile_skipped,
    )
    notices = config_notices + list(sup.notices)
    if settings.stale == "ignore":
        notices = [n for n in notices if n.kind != "stale"]
    # scans of a repository's paths (not in-memory results): the peers' suppressions found there
    foreign = foreign_notice(result.files, sources, paths, root, {s.rule for s in config.suppressions}) \
        if paths is not None else None
    if foreign is not None:
        notices.append(foreign)
    base_info: dict[str, Any] | None = None
    errors = list(result.errors)
    # --shard: the statuses before the baseline, so merge can judge the union against its own
    pre_baseline = [f.status for f in result.findings] if result.shard_log is not None and baseline_path else None
    if baseline_path:
        bl = baseline_mod.load(baseline_path, root)  # BaselineError handled by the caller
        outcome = baseline_mod.apply(result.findings, bl)
        base_info = {"path": bl.path, "matched": outcome.matched, "new": outcome.new, "absent": outcome.absent}
    unselected = sum(1 for _, why in result.skipped if "not a selected input kind" in why)
    empty = empty_scan_reason(paths, len(result.skipped), unselected) if paths is not None and not result.files else ""
    verdict = compute_verdict(result.findings, errors, notices, settings, empty=empty)
    report = Report(
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
    if result.shard_log is not None:  # a shard of a CI matrix: what `policyguard merge` needs
        from policyguard.gate.partial import partial_block

        report.partial = partial_block(result, report, config, settings, directives=sup.directives,
                                       pre_baseline=pre_baseline, paths=list(paths or ()), texts=sources)
    return report


def foreign_notice(files: list[str], texts: dict[str, str | None], paths: list[str], root: str,
                   config_rules: set[str]) -> Notice | None:
    """One notice per scan for the suppressions written for other tools (``checkov:skip``,
    ``trivy:ignore``, ``tfsec:ignore``, ``.trivyignore``, ``.checkov.yaml`` skip-check) that have
    not been migrated: they are never honoured, and never silently ignored either. ``texts``:
    file texts already read (the suppression stage's cache); the others are read here."""
    from policyguard.gate import migrate
    from policyguard.gate.foreign import foreign_summary_notice, foreign_texts

    ignore_files = migrate.ignore_files_near(paths, root) if paths else []
    counts, first = migrate.scan_summary(foreign_texts(files, texts), ignore_files, config_rules)
    if first is None:
        return None
    return foreign_summary_notice(counts, first.file, first.line, paths)


def _mask_unknowns(result: ScanResult) -> None:
    """An unresolved expression is scanned text (``!Sub "...DB_PASSWORD=..."``): every report
    prints it, so it is masked like a message."""
    from policyguard.redact import mask_text

    for f in result.findings:
        if f.unknowns:
            f.unknowns = tuple(mask_text(u) for u in f.unknowns)
