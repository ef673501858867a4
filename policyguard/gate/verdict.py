"""The verdict: which findings fail the gate and the exit code that says so.

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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policyguard.exitcodes import EXIT_EMPTY, EXIT_ERROR, EXIT_FAIL, EXIT_OK
from policyguard.gate.report import Verdict, counts_against, soft_failed
from policyguard.model import Finding, ParseError, Severity, Status

if TYPE_CHECKING:
    from policyguard.gate.suppress import Notice

DEFAULT_FAIL_ON = "high"
DEFAULT_UNKNOWN_AS = "report"


@dataclass(slots=True)
class GateSettings:
    """What fails the gate (``--fail-on``, ``--soft-fail``, ``--unknown-as``...)."""

    fail_on: Severity = Severity.HIGH
    soft_fail: bool = False
    unknown_as: str = DEFAULT_UNKNOWN_AS
    stale: str = "warn"
    allow_empty: bool = False  # a scan that found no IaC file passes (exit 0) instead of exit 3
    soft_fail_on: tuple[str, ...] = ()  # rule ids, globs, severities: reported, not failing the gate

@dataclass(slots=True)
class Tally:
    """What the verdict needs of the findings, counted as they are judged (``add``) so a scan
    need not hold them: failures that count, failures ``--soft-fail-on`` kept from counting,
    rule errors, and the findings of each status (the reports' totals)."""

    settings: GateSettings
    failing: int = 0
    soft_failed: int = 0
    rule_errors: int = 0
    statuses: dict[Status, int] = field(default_factory=dict)

    def add(self, f: Finding, sign: int = 1) -> None:
        """Count ``f`` (``sign`` -1: take back a count made before the finding changed)."""
        s = self.settings
        if counts_against(f, s.fail_on, s.unknown_as):
            if s.soft_fail_on and soft_failed(f, s.soft_fail_on):
                self.soft_failed += sign
            else:
                self.failing += sign
        status = f.status
        if status == Status.ERROR:
            self.rule_errors += sign
        self.statuses[status] = self.statuses.get(status, 0) + sign


def compute_verdict(
    findings: Iterable[Finding], errors: list[ParseError], notices: list[Notice], settings: GateSettings,
    *, empty: str = "",
) -> Verdict:
    """``empty``: the reason when the scan found no IaC file at all (exit 3 unless allow_empty)."""
    tally = Tally(settings)
    for f in findings:
        tally.add(f)
    return verdict_of(tally, errors, notices, empty=empty)


def verdict_of(tally: Tally, errors: list[ParseError], notices: list[Notice], *, empty: str = "") -> Verdict:
    """The verdict from the counted findings (``Tally``), the scan's errors and the notices."""
    settings = tally.settings
    v = Verdict(exit_code=EXIT_OK, fail_on=settings.fail_on, soft_fail=settings.soft_fail,
                unknown_as=settings.unknown_as, reason="", soft_fail_on=settings.soft_fail_on)
    v.soft_failed = tally.soft_failed
    failing = v.failing = tally.failing
    rule_errors = tally.rule_errors
    stale = sum(1 for n in notices if n.kind == "stale") if settings.stale == "fail" else 0
    if errors or rule_errors:
        kinds = sorted({str(e.kind) for e in errors} | ({"rule-error"} if rule_errors else set()))
        n = len(errors) + rule_errors
        v.exit_code = EXIT_ERROR
        v.reason = f"{n} error(s) ({', '.join(kinds)}): results are incomplete, the gate cannot pass"
    elif empty:
        v.exit_code = EXIT_OK if settings.allow_empty else EXIT_EMPTY
        v.reason = empty + (" (--allow-empty)" if settings.allow_empty else
                            ": nothing was checked (pass --allow-empty if that is expected)")
    elif settings.soft_fail:
        v.reason = (f"--soft-fail: {failing} finding(s) at or above {settings.fail_on.label} reported, not enforced"
                    if failing or stale else f"no findings at or above {settings.fail_on.label}")
    elif failing or stale:
        v.exit_code = EXIT_FAIL
        parts = []
        if failing:
            parts.append(f"{failing} finding(s) at or above {settings.fail_on.label}")
        if stale:
            parts.append(f"{stale} stale suppression(s) (suppression_policy.stale: fail)")
        v.reason = " and ".join(parts)
    else:
        v.reason = f"no findings at or above {settings.fail_on.label}"
    if v.soft_failed and v.exit_code in (EXIT_OK, EXIT_FAIL):
        v.reason += f" ({v.soft_failed} more reported, not enforced: --soft-fail-on {','.join(settings.soft_fail_on)})"
    return v
