"""Reporters: each turns a ``Report`` (findings + rule metas + errors + suppression notices +
verdict) into text. They read nothing else: no parser, engine or file access besides the
optional source root for relative URIs.

Registry: ``REPORTERS`` (format -> module) is where a report format is added; the command line's
choices are built from it. ``render(fmt, report, color=...)`` imports the reporter module lazily
so a text-only run never pays for sarif-om, and this module imports nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policyguard.gate.report import Report

REPORTERS: dict[str, str] = {
    "text": "policyguard.report.text",
    "json": "policyguard.report.json_report",
    "sarif": "policyguard.report.sarif",
    "junit": "policyguard.report.junit",
    "github": "policyguard.report.github",
    "gitlab-sast": "policyguard.report.gitlab_sast",
    "gitlab-codequality": "policyguard.report.gitlab_codequality",
    "html": "policyguard.report.html_report",
}
# ``policyguard compliance`` formats (policyguard.report.compliance: one framework's controls)
COMPLIANCE_FORMATS: tuple[str, ...] = ("compliance-md", "compliance-json", "compliance-html")


def render(fmt: str, report: Report, *, color: bool = False) -> str:
    if fmt not in REPORTERS:
        raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(REPORTERS)})")
    module = importlib.import_module(REPORTERS[fmt])
    out: str = module.render(report, color=color)
    return out
