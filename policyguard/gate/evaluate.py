"""The gate's stages on an in-memory scan result: config -> severity overrides -> precise regions
-> fingerprints -> suppressions -> baseline -> verdict, ending in the ``Report`` the reporters
read (``policyguard.gate.report``). Every front door (CLI, pre-commit hook, CI gate, the
webhook's audit) goes through ``evaluate_gate``."""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from policyguard.gate.report import Report
from policyguard.gate.verdict import GateSettings
from policyguard.model import Finding, Resource, RuleMeta, Severity, Status

if TYPE_CHECKING:
    from pathlib import Path

    from policyguard.gate.baseline import Baseline, Matcher
    from policyguard.gate.config import Config
    from policyguard.gate.suppress import Notice, Suppressor
    from policyguard.scan import ScanResult


def _resource_index(resources: list[Resource]) -> tuple[dict[tuple[str, str], Resource], dict[str, Resource]]:
    exact: dict[tuple[str, str], Resource] = {}
    by_id: dict[str, Resource] = {}
    for r in resources:
        exact[(r.id, r.span.file)] = r
        by_id.setdefault(r.id, r)
    return exact, by_id


def honoured_overrides(rules: dict[str, RuleMeta], config: Config, notices: list[Notice]) -> dict[str, str]:
    """The severity overrides to apply: an untrusted repository's may raise a rule's severity,
    never lower it (a rejected lowering becomes a notice)."""
    if not config.severity_raise_only:
        return config.severity_overrides
    from policyguard.gate.suppress import Notice

    out: dict[str, str] = {}
    for rid, sev in config.severity_overrides.items():
        meta = rules.get(rid)
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


def refine_spans(resources: list[Resource], findings: list[Finding]) -> None:
    """Point a finding at its attribute, not the whole resource, whenever the parser knows the
    attribute's span (an engine that reports the resource span loses nothing)."""
    exact, by_id = _resource_index(resources)
    for f in findings:
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
    paths, to judge (and name) an empty scan; None for in-memory results. The whole result is
    judged as one unit of a ``GateRun`` whose findings stay in memory: the report's findings are
    the result's (the fix stage renders edits into them)."""
    from policyguard.gate import baseline as baseline_mod

    bl = baseline_mod.load(baseline_path, root) if baseline_path else None  # BaselineError: the caller's
    run = GateRun(config, settings, root=root, baseline=bl, today=today, tool_version=tool_version,
                  complete_rule_set=complete_rule_set, paths=paths, keep=sys.maxsize, keep_texts=True,
                  pre_baseline=result.shard_log is not None and bl is not None)
    run.begin(result)
    run.unit(0, result.resources, result.findings)
    return run.finish(result)


class GateRun:
    """The gate's stages for one scan, unit by unit as the units are judged (``unit``), then
    over the whole scan (``finish``): a scan never needs every unit's resources and findings
    at once. ``begin`` takes the scan's rule set before the first unit.

    Per unit: severity overrides, precise regions, fingerprints, masked unknowns,
    suppressions, baseline and the verdict's counts; the findings then go to a ``FindingSpool``
    (memory, then disk) in scan order, and the unit's resources are dropped. Over the scan:
    fingerprints repeated in a numbering scope that two units share (two kustomize overlays of
    one base) are numbered again in scan order, with their baseline match and counts redone;
    the suppressions' notices (stale needs every unit); other tools' suppressions; the verdict.
    ``keep_texts``: keep the file texts read for inline suppressions (one in-memory unit:
    the notices and a shard's partial block read them again); ``pre_baseline``: record every
    finding's status before the baseline (``scan --shard``); ``render``: given the scan's rules,
    a renderer of report rows and its settings' key (``report.json_report.row_renderer``):
    each unit's findings are rendered as the unit is judged (``Report.rows``)."""

    def __init__(self, config: Config, settings: GateSettings, *, root: str, baseline: Baseline | None = None,
                 today: _dt.date | None = None, tool_version: str = "", complete_rule_set: bool = True,
                 paths: list[str] | None = None, keep: int | None = None, keep_texts: bool = False,
                 pre_baseline: bool = False, render: RenderFactory | None = None) -> None:
        from policyguard.gate.spool import KEEP, FindingSpool
        from policyguard.gate.suppress import Notice
        from policyguard.gate.verdict import Tally

        self.config, self.settings, self.root = config, settings, root
        self.today, self.tool_version, self.paths = today, tool_version, paths
        self.complete_rule_set = complete_rule_set
        self.config_notices = [Notice(n.kind, n.file, n.line, n.message, subject="config") for n in config.notices]
        self.spool = FindingSpool(KEEP if keep is None else keep)
        self._render = render
        self._rows_key: tuple[Any, ...] | None = None
        self.tally = Tally(settings)
        self.matcher: Matcher | None = None
        if baseline is not None:
            from policyguard.gate.baseline import Matcher

            self.matcher = Matcher(baseline)
        self.texts: dict[str, str | None] = {}  # streams' texts, and (keep_texts) the files read
        self.keep_texts = keep_texts
        self.pre_baseline: dict[int, list[Status]] | None = {} if pre_baseline else None
        self._severity: dict[str, Severity] = {}
        self._suppressor: Suppressor | None = None
        self._scopes: dict[int, int] = {}  # hash of a numbering scope -> the first unit it was in
        self._shared: dict[int, set[int]] = {}  # scopes in more than one unit -> those units
        self._baselined: dict[tuple[int, int], Status] = {}  # (unit, place) -> status before the baseline
        self._foreign: dict[str, Summary | None] = {}  # file -> other tools' suppressions there
        self._config_rules = {s.rule for s in config.suppressions}

    def begin(self, result: ScanResult) -> None:
        """The scan's rule set (before any unit): severity overrides and the suppression stage."""
        from policyguard.gate.suppress import Suppressor

        rules = result.rules
        overrides = honoured_overrides(rules, self.config, self.config_notices)
        self._severity = {rid: Severity.parse(s) for rid, s in overrides.items()}
        for rid, sev in self._severity.items():
            if rid in rules:
                rules[rid] = replace(rules[rid], severity=sev)
        if self._render is not None:
            self.spool.render, self._rows_key = self._render(rules)
        self._suppressor = Suppressor(self.config, root=self.root, today=self.today, evaluated_rules=set(rules),
                                      complete_rule_set=self.complete_rule_set, unrun_rules=result.profile_skipped)
        self.texts = dict(result.sources)  # streams: their text, not a file to read

    def unit(self, order: int, resources: list[Resource], findings: list[Finding],
             read: dict[str, bytes] | None = None) -> None:
        """Judge the findings of the unit at place ``order`` of the scan (units arrive in any
        order, each once) and keep them in the spool; ``resources`` are not kept. ``read``: the
        bytes its parse read, by file: its suppression comments are read from those, not from
        the files again (which could have changed since)."""
        from policyguard.gate.fingerprint import assign_fingerprints
        from policyguard.redact import mask_text

        assert self._suppressor is not None, "GateRun.begin first"
        sev = self._severity
        if sev:
            for f in findings:
                if f.rule_id in sev:
                    f.severity = sev[f.rule_id]
        refine_spans(resources, findings)
        scopes: list[str] = []
        assign_fingerprints(findings, resources, self.root, scopes)
        self._track(order, scopes)
        for f in findings:
            if f.unknowns:  # scanned text (``!Sub "...DB_PASSWORD=..."``) every report prints: masked
                f.unknowns = tuple(mask_text(u) for u in f.unknowns)
        texts = self.texts if self.keep_texts else dict(self.texts)
        if read:
            from policyguard.fsread import lenient_text
            from policyguard.limits import DEFAULT_LIMITS

            for file, data in read.items():
                if file not in texts:
                    texts[file] = lenient_text(data, DEFAULT_LIMITS.max_file_bytes)
        self._suppressor.unit(order, findings, resources, texts)
        if not self.keep_texts and self.paths is not None:  # the texts go with the unit: summarised now
            foreign_summary(texts, self._config_rules, self._foreign)
        if self.pre_baseline is not None:
            self.pre_baseline[order] = [f.status for f in findings]
        add = self.tally.add
        for i, f in enumerate(findings):
            if self.matcher is not None:
                self._baseline(order, i, f)
            add(f)
        self.spool.add(order, findings)

    def _baseline(self, order: int, place: int, f: Finding) -> None:
        """The baseline stage on one finding, remembering the status it replaced."""
        assert self.matcher is not None
        before = f.status
        self.matcher.apply(f)
        if f.status is not before:
            self._baselined[(order, place)] = before

    def _track(self, order: int, scopes: list[str]) -> None:
        """Note the unit's numbering scopes; a scope another unit had is shared. Hashes stand
        for the scopes (a collision only renumbers more findings, in the same order)."""
        first, shared = self._scopes, self._shared
        for key in {hash(s) for s in scopes}:
            had = first.setdefault(key, order)
            if had != order:
                shared.setdefault(key, {had}).add(order)

    def _renumber(self) -> None:
        """Fingerprints of the shared scopes numbered again over their units in scan order;
        a finding whose fingerprint changes is taken out of the counts and the baseline match,
        and judged again."""
        from policyguard.gate.fingerprint import renumber, scope

        shared = self._shared
        seen: dict[str, int] = {}
        cache: dict[tuple[str, str], str] = {}
        matcher, tally = self.matcher, self.tally
        for order in sorted(set().union(*shared.values())):
            findings = self.spool.segment(order)
            places = [i for i, f in enumerate(findings) if hash(scope(f, self.root, cache)) in shared]
            changed = renumber([findings[i] for i in places], seen)
            for k, old in changed:
                i = places[k]
                f = findings[i]
                tally.add(f, -1)
                if matcher is not None:
                    before = self._baselined.pop((order, i), None)
                    if before is not None:
                        matcher.undo(f, before, matcher.key(f, old))
                    else:
                        matcher.undo(f, f.status, None)
                    self._baseline(order, i, f)
                tally.add(f)
            if changed:
                self.spool.put(order, findings)

    def finish(self, result: ScanResult) -> Report:
        """The Report over every unit judged (``result``: the scan's files, errors, skipped)."""
        from policyguard.gate.verdict import verdict_of

        assert self._suppressor is not None, "GateRun.begin first"
        if self._shared:
            self._renumber()
        sup = self._suppressor.finish()
        notices = self.config_notices + list(sup.notices)
        if self.settings.stale == "ignore":
            notices = [n for n in notices if n.kind != "stale"]
        paths = self.paths
        # scans of a repository's paths (not in-memory results): the peers' suppressions found there
        foreign = foreign_notice(result.files, self.texts, paths, self.root, self._config_rules,
                                 None if self.keep_texts else self._foreign) if paths is not None else None
        if foreign is not None:
            notices.append(foreign)
        base_info: dict[str, Any] | None = None
        if self.matcher is not None:
            outcome = self.matcher.outcome()
            base_info = {"path": self.matcher.baseline.path, "matched": outcome.matched, "new": outcome.new,
                         "absent": outcome.absent}
        errors = list(result.errors)
        unselected = sum(1 for _, why in result.skipped if "not a selected input kind" in why)
        empty = empty_scan_reason(paths, len(result.skipped), unselected) if paths is not None and not result.files else ""
        verdict = verdict_of(self.tally, errors, notices, empty=empty)
        held = self.spool.as_list()
        rows = self.spool.rows_in_memory() if held is not None else self.spool.rows_view()
        report = Report(
            findings=held if held is not None else self.spool,
            rules=result.rules,
            errors=errors,
            verdict=verdict,
            notices=notices,
            files=result.files,
            root=self.root,
            baseline=base_info,
            tool_version=self.tool_version,
            skipped=list(result.skipped),
            unconfigured=dict(result.params_skipped),
            status_counts=dict(self.tally.statuses) if held is None else None,
            rows=rows,
            rows_key=self._rows_key,
        )
        if held is not None:
            self.spool.close()
        if result.shard_log is not None:  # a shard of a CI matrix: what `policyguard merge` needs
            from policyguard.gate.partial import partial_block

            pre = self.pre_baseline
            flat = [s for order in sorted(pre) for s in pre[order]] if pre is not None else None
            report.partial = partial_block(result, report, self.config, self.settings, directives=sup.directives,
                                           pre_baseline=flat, paths=list(paths or ()), texts=self.texts)
        return report


def foreign_notice(files: list[str], texts: dict[str, str | None], paths: list[str], root: str,
                   config_rules: set[str], summaries: dict[str, Summary | None] | None = None) -> Notice | None:
    """One notice per scan for the suppressions written for other tools (``checkov:skip``,
    ``trivy:ignore``, ``tfsec:ignore``, ``.trivyignore``, ``.checkov.yaml`` skip-check) that have
    not been migrated: they are never honoured, and never silently ignored either. ``texts``:
    file texts already read (the suppression stage's cache); ``summaries``: files already
    summarised (``foreign_summary``; a file read for a unit whose text is gone); the others are
    read here, one at a time."""
    from policyguard.gate.foreign import foreign_summary_notice, foreign_texts, ignore_files_near

    def summary(found: dict[str, str], ignore_files: list[Path]) -> Summary:
        from policyguard.gate import migrate  # only for a text or an ignore file that may hold one

        return migrate.scan_summary(found, ignore_files, config_rules)

    def summaries_in_order() -> Iterator[Summary]:
        known = summaries or {}
        for file in sorted(files):
            if file in known:
                got = known[file]
                if got is not None:
                    yield got
            else:
                yield from (summary({f: t}, []) for f, t in foreign_texts([file], texts))
        ignore_files = ignore_files_near(paths, root) if paths else []
        if ignore_files:
            yield summary({}, ignore_files)

    counts: dict[str, int] = {}
    first: Any = None
    for got_counts, got_first in summaries_in_order():
        for kind, n in got_counts.items():
            counts[kind] = counts.get(kind, 0) + n
        first = first or got_first
    if first is None:
        return None
    return foreign_summary_notice(counts, first.file, first.line, paths)


# the scan's rules -> (findings -> their report rows, the settings the rows depend on)
RenderFactory = Callable[[dict[str, RuleMeta]], tuple[Callable[[list[Finding]], list[str]], tuple[Any, ...]]]


# other tools' suppressions in one file: (count by kind, the first), ``migrate.scan_summary``'s
Summary = tuple[dict[str, int], Any]


def foreign_summary(texts: dict[str, str | None], config_rules: set[str], into: dict[str, Summary | None]) -> None:
    """Summarise into ``into`` the other tools' suppressions of every file in ``texts`` not
    summarised yet (None: none there), while a unit's texts are still in memory."""
    from policyguard.gate.foreign import may_hold

    for file, text in texts.items():
        if file in into or text is None:
            continue
        if may_hold(text):
            from policyguard.gate import migrate

            into[file] = migrate.scan_summary({file: text}, [], config_rules)
        else:
            into[file] = None
