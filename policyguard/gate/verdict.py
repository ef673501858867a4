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

from dataclasses import dataclass
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
    fail_on: Severity = Severity.HIGH
    soft_fail: bool = False
    unknown_as: str = DEFAULT_UNKNOWN_AS
    stale: str = "warn"
    allow_empty: bool = False  # a scan that found no IaC file passes (exit 0) instead of exit 3
    soft_fail_on: tuple[str, ...] = ()  # rule ids, globs, severities: reported, not failing the gate

def compute_verdict(
    findings: list[Finding], errors: list[ParseError], notices: list[Notice], settings: GateSettings,
    *, empty: str = "",
) -> Verdict:
    """``empty``: the reason when the scan found no IaC file at all (exit 3 unless allow_empty)."""
    v = Verdict(exit_code=EXIT_OK, fail_on=settings.fail_on, soft_fail=settings.soft_fail,
                unknown_as=settings.unknown_as, reason="", soft_fail_on=settings.soft_fail_on)
    failing = [f for f in findings if counts_against(f, settings.fail_on, settings.unknown_as)]
    if settings.soft_fail_on:
        v.soft_failed = sum(1 for f in failing if soft_failed(f, settings.soft_fail_on))
        failing = [f for f in failing if not soft_failed(f, settings.soft_fail_on)]
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
    if v.soft_failed and v.exit_code in (EXIT_OK, EXIT_FAIL):
        v.reason += f" ({v.soft_failed} more reported, not enforced: --soft-fail-on {','.join(settings.soft_fail_on)})"
    return v
