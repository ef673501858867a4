"""Reporters: each turns a ``Report`` (findings + rule metas + errors + suppression notices +
verdict) into text. They read nothing else: no parser, engine or file access besides the
optional source root for relative URIs.

Registry: ``REPORTERS`` (format -> module) is where a report format is added; the command line's
choices are built from it. ``render(fmt, report, color=...)`` (and ``write``, which streams
where the reporter can) imports the reporter module lazily
so a text-only run never pays for sarif-om, and this module imports nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TextIO

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
    out: str = _module(fmt).render(report, color=color)
    return out


def write(fmt: str, report: Report, out: TextIO, *, color: bool = False) -> None:
    """Write the report to ``out``: streamed by the reporters that can (``write(report, out)``:
    JSON, SARIF), else rendered whole and written."""
    module = _module(fmt)
    if hasattr(module, "write"):
        module.write(report, out)
    else:
        out.write(module.render(report, color=color))


def _module(fmt: str) -> Any:
    if fmt not in REPORTERS:
        raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(REPORTERS)})")
    return importlib.import_module(REPORTERS[fmt])
