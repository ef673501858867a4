"""The report the gate hands to the reporters: findings (with their gate outcome), rule metas,
errors, notices and the verdict. Reporters read this and nothing else of the gate."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policyguard.model import Finding, ParseError, RuleMeta, Severity, Status

if TYPE_CHECKING:
    from policyguard.gate.suppress import Notice


def counts_against(f: Finding, fail_on: Severity, unknown_as: str) -> bool:
    """The gate's rule for one finding (before ``--soft-fail``): a ``fail`` at or above
    ``fail_on``, or an ``unknown`` at or above it when unknowns count as failures."""
    if f.severity < fail_on:
        return False
    return f.status == Status.FAIL or (f.status == Status.UNKNOWN and unknown_as == "fail")


@dataclass(slots=True)
class Verdict:
    exit_code: int
    fail_on: Severity
    soft_fail: bool
    unknown_as: str
    reason: str  # one line: why this exit code
    failing: int = 0  # findings that count against the gate

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "passed": self.exit_code == 0,
            "fail_on": self.fail_on.label,
            "soft_fail": self.soft_fail,
            "unknown_as": self.unknown_as,
            "reason": self.reason,
            "failing": self.failing,
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
        return counts_against(f, self.verdict.fail_on, self.verdict.unknown_as)

    def rule(self, rule_id: str) -> RuleMeta | None:
        return self.rules.get(rule_id)
