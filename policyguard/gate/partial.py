"""The ``partial`` block of a ``scan --shard I/N`` JSON report: what ``policyguard merge``
(``policyguard.gate.merge``) needs beyond the report to rebuild the unsharded scan's (README
"Sharded scans in CI"; schema: ``report.schema.json``, ``partial``)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from policyguard.gate.report import Report
from policyguard.gate.verdict import GateSettings
from policyguard.model import Status

if TYPE_CHECKING:
    from policyguard.gate.config import Config
    from policyguard.gate.suppress import Directive
    from policyguard.scan import ScanResult

PARTIAL_VERSION = 1


def partial_block(result: ScanResult, report: Report, config: Config, settings: GateSettings, *,
                  directives: list[Directive], pre_baseline: list[Status] | None, paths: list[str],
                  texts: dict[str, str | None]) -> dict[str, Any]:
    """The ``partial`` block of a shard's JSON report (README "Sharded scans in CI")."""
    from policyguard.gate import migrate
    from policyguard.gate.foreign import foreign_texts, ignore_files_near
    from policyguard.roots import repository_roots

    log = result.shard_log
    assert log is not None
    rel = report.rel
    unit_errors = sum(e for _, _, e in log.units)
    global_skipped = Counter(log.global_skipped)
    own_skipped: list[list[str]] = []
    for item in result.skipped:
        if global_skipped[item] > 0:
            global_skipped[item] -= 1
        else:
            own_skipped.append([rel(item[0]), item[1]])
    baselined = []
    if pre_baseline is not None:
        baselined = [[i, str(pre_baseline[i])] for i, f in enumerate(result.findings)
                     if f.suppression is not None and f.suppression.source == "baseline"]
    # the first unit each (rule, resource) was judged in: orders a suppression's notices
    first_unit: dict[tuple[str, str], int] = {}
    at = 0
    for unit, n, _ in log.units:
        for f in result.findings[at:at + n]:
            first_unit.setdefault((f.rule_id, f.resource_id), unit)
        at += n
    config_rules = {s.rule for s in config.suppressions}
    foreign_files = []
    for file, text in foreign_texts(sorted(result.files), texts):
        counts, first = migrate.scan_summary({file: text}, [], config_rules)
        if first is not None:
            foreign_files.append([rel(file), first.line, counts])
    ignore = None
    if paths:
        counts, first = migrate.scan_summary({}, ignore_files_near(paths, report.root), config_rules)
        if first is not None:
            ignore = [rel(first.file), first.line, counts]
    untrusted = bool(getattr(config, "untrusted", False))
    return {
        "version": PARTIAL_VERSION,
        "shard": {"index": log.shard.index, "total": log.shard.total},
        "root": report.root,
        "paths": paths,
        "discovered": log.discovered,
        "settings": _settings_dict(settings),
        "docs_url": config.docs_url,
        "config": _config_digest(config),
        "baseline_policy": {
            "honoured_in_repository": not untrusted or "baseline" in config.may_loosen,
            "repositories": [str(r) for r in repository_roots(paths)] if paths else [],
        },
        "units": [list(u) for u in log.units],
        "errors": {"global": log.global_errors,
                   "fetch": len(result.errors) - log.global_errors - unit_errors},
        "global_skipped": [[rel(f), why] for f, why in log.global_skipped],
        "skipped": own_skipped,
        "unconfigured": {rid: list(v) for rid, v in sorted(result.params_skipped.items())},
        "baselined": baselined,
        "legacy_fingerprints": {str(i): f.legacy_fingerprint for i, f in enumerate(result.findings)
                                if f.legacy_fingerprint},
        "used_suppressions": sorted({(rel(d.file), d.line, pat) for d in directives for pat in d.used_rules}),
        "notice_units": [first_unit.get((n.rule_id, n.resource_id), -1) for n in report.notices],
        "foreign": {"files": foreign_files, "ignore_files": ignore},
    }


def _config_digest(config: Config) -> str:
    """What of the configuration decides a shard's findings and suppressions, hashed: shards
    scanned under different configs are not one scan (merge refuses them). Not where the
    config file lies: each CI job has its own checkout."""
    import hashlib

    p = config.policy
    data = {
        "suppressions": [[s.rule, s.path, s.resource, s.reason, s.expires, s.owner] for s in config.suppressions],
        "policy": [p.require_reason, p.require_expiry, p.max_expiry_days, p.forbid_inline_rules,
                   p.forbid_inline_severities, p.stale, p.forbid_inline_globs],
        "severity": config.severity_overrides, "params": config.rule_params, "excludes": config.excludes,
        "untrusted": bool(config.untrusted),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _settings_dict(s: GateSettings) -> dict[str, Any]:
    return {"fail_on": s.fail_on.label, "soft_fail": s.soft_fail, "unknown_as": s.unknown_as, "stale": s.stale,
            "allow_empty": s.allow_empty, "soft_fail_on": list(s.soft_fail_on)}
