"""The report the gate hands to the reporters: findings (with their gate outcome), rule metas,
errors, notices and the verdict. Reporters read this and nothing else of the gate."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policyguard.model import Finding, ParseError, RuleMeta, Severity, Status

if TYPE_CHECKING:
    from policyguard.gate.suppress import Notice


def counts_against(f: Finding, fail_on: Severity, unknown_as: str, soft_fail_on: tuple[str, ...] = ()) -> bool:
    """The gate's rule for one finding (before ``--soft-fail``): a ``fail`` at or above
    ``fail_on``, or an ``unknown`` at or above it when unknowns count as failures, unless
    ``--soft-fail-on`` names its rule or a severity at or above its own."""
    if f.severity < fail_on:
        return False
    if not (f.status == Status.FAIL or (f.status == Status.UNKNOWN and unknown_as == "fail")):
        return False
    return not soft_failed(f, soft_fail_on)


def soft_failed(f: Finding, patterns: tuple[str, ...]) -> bool:
    """Does ``--soft-fail-on`` (rule ids, globs, or severities meaning that level and below) cover
    this finding?"""
    for p in patterns:
        sev = _SEVERITIES.get(p.lower())
        if sev is not None:
            if f.severity <= sev:
                return True
        elif f.rule_id == p or fnmatch.fnmatchcase(f.rule_id, p):
            return True
    return False


_SEVERITIES = {s.label: s for s in Severity}


@dataclass(slots=True)
class Verdict:
    exit_code: int
    fail_on: Severity
    soft_fail: bool
    unknown_as: str
    reason: str  # one line: why this exit code
    failing: int = 0  # findings that count against the gate
    soft_fail_on: tuple[str, ...] = ()  # --soft-fail-on: reported, not failing the gate
    soft_failed: int = 0  # failures --soft-fail-on kept from failing the gate

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "passed": self.exit_code == 0,
            "fail_on": self.fail_on.label,
            "soft_fail": self.soft_fail,
            "unknown_as": self.unknown_as,
            "reason": self.reason,
            "failing": self.failing,
            **({"soft_fail_on": list(self.soft_fail_on), "soft_failed": self.soft_failed} if self.soft_fail_on else {}),
        }


@dataclass(slots=True)
class Report:
    findings: list[Finding]
    rules: dict[str, RuleMeta]
    errors: list[ParseError]
    verdict: Verdict
    notices: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    root: str = ""  # absolute source root: URIs are relative to it
    baseline: dict[str, Any] | None = None  # {"path", "matched", "new", "absent"} when --baseline
    quiet: bool = False
    automation_id: str = ""  # SARIF runAutomationDetails.id
    tool_version: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): candidate files that are not IaC
    verbose: bool = False  # list the skipped files, not only count them
    # rules set aside for want of configuration: id -> the parameters (rules.params) not configured
    unconfigured: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # --severity: {"severities": [...], "hidden": n, "hidden_failing": n} when findings of other
    # severities are left out of the report (the verdict was computed before, on all of them)
    display_filter: dict[str, Any] | None = None
    _rel_cache: dict[str, str] = field(default_factory=dict, repr=False)

    def rel(self, file: str) -> str:
        """``file`` relative to the source root (posix), or absolute when outside it."""
        hit = self._rel_cache.get(file)
        if hit is None:
            hit = self._rel_cache[file] = self._rel(file)
        return hit

    def rel_location(self, location: str) -> str:
        """``file:line`` with the file made relative like ``rel``."""
        file, sep, line = location.rpartition(":")
        return f"{self.rel(file)}:{line}" if sep and line.isdigit() else location

    def _rel(self, file: str) -> str:
        if not self.root:
            return file.replace(os.sep, "/")
        ab = os.path.abspath(file)
        try:
            rel = os.path.relpath(ab, self.root)
        except ValueError:
            return ab
        if rel.startswith(".."):
            return ab.replace(os.sep, "/")
        return rel.replace(os.sep, "/")

    def counts(self) -> dict[str, int]:
        c = {str(s): 0 for s in Status}
        for f in self.findings:
            c[str(f.status)] += 1
        c["errors"] = len(self.errors)
        c["stale_suppressions"] = sum(1 for n in self.notices if n.kind == "stale")
        c["suppression_problems"] = sum(1 for n in self.notices if n.kind != "stale" and n.subject in ("suppression", "config"))
        c["foreign_suppressions"] = sum(1 for n in self.notices if n.subject == "foreign-suppressions")
        c["skipped_files"] = len(self.skipped)
        c["rules_needing_params"] = len(self.unconfigured)
        return c

    def needs_text(self) -> list[str]:
        """``rules.params.<id>.<name>`` of every parameter an unconfigured rule waits for."""
        return [f"rules.params.{rid}.{n}" for rid, names in sorted(self.unconfigured.items()) for n in names]

    def counts_against(self, f: Finding) -> bool:
        """Does this finding make the gate fail (before --soft-fail)?"""
        return counts_against(f, self.verdict.fail_on, self.verdict.unknown_as, self.verdict.soft_fail_on)

    def show_only(self, severities: tuple[Severity, ...]) -> None:
        """Leave findings of other severities out of the report (``--severity``): what is shown,
        never what fails; the filter and what it hides (failures included) are recorded so every
        report can say so."""
        hidden = [f for f in self.findings if f.severity not in severities]
        self.display_filter = {
            "severities": [s.label for s in sorted(severities, reverse=True)],
            "hidden": len(hidden),
            "hidden_failing": sum(1 for f in hidden if self.counts_against(f)),
        }
        self.findings = [f for f in self.findings if f.severity in severities]

    def filter_text(self) -> str:
        """One line about an active ``--severity`` filter ("" when none)."""
        d = self.display_filter
        if d is None:
            return ""
        text = f"Showing only {', '.join(d['severities'])} findings (--severity): {d['hidden']} hidden"
        if d["hidden_failing"]:
            text += f", {d['hidden_failing']} of them failing the gate"
        return text

    def rule(self, rule_id: str) -> RuleMeta | None:
        return self.rules.get(rule_id)
