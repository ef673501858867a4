"""What the CI and HTML reporters derive alike from a report: which findings a reader is shown,
a rule's documentation link, and stable ids for things that have no fingerprint."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from policyguard.model import Finding, Status

if TYPE_CHECKING:
    from policyguard.gate.report import Report


def doc_url(report: Report, rule_id: str) -> str:
    """The rule's documentation page when the report knows one (``Report.doc_url(rule_id)`` or a
    ``doc_url`` on the rule's metadata, whichever the build provides), else ``""``. Only http(s)
    links are returned: the formats that carry them (GitLab links, HTML anchors) accept nothing else."""
    url = ""
    lookup = getattr(report, "doc_url", None)
    if callable(lookup):
        url = str(lookup(rule_id) or "")
    if not url:
        url = str(getattr(report.rule(rule_id), "doc_url", "") or "")
    return url if url.startswith(("https://", "http://")) else ""


def shown(report: Report, f: Finding) -> bool:
    """A finding the CI widgets list: a fail, or an unknown the gate does not count as a pass."""
    if f.status == Status.FAIL:
        return True
    return f.status == Status.UNKNOWN and report.verdict.unknown_as != "pass"


def stable_id(*parts: str) -> str:
    """A 32-hex id from ``parts`` (for parse errors, which carry no fingerprint)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
