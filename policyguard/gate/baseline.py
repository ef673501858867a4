"""Baselines: a file of current non-passing findings keyed by fingerprint; later scans fail only
on findings that are not in it.

Format (JSON, versioned)::

    {"policyguard_baseline": 1, "created": "...", "findings": [
        {"fingerprint": "...", "rule_id": "...", "resource_id": "...", "file": "...",
         "path": "...", "severity": "high", "status": "fail"}, ...]}

Only ``fingerprint`` matters for matching; the rest makes the file reviewable in a diff.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyguard.limits import DEFAULT_LIMITS, depth_message, json_too_deep
from policyguard.model import Finding, Status, Suppression

BASELINE_VERSION = 1
BASELINED = (Status.FAIL, Status.UNKNOWN)


class BaselineError(Exception):
    """An unreadable or malformed baseline file (exit 2)."""


@dataclass(slots=True)
class Baseline:
    """A baseline file: the accepted findings by fingerprint."""

    path: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # fingerprint -> entry


@dataclass(slots=True)
class BaselineOutcome:
    """How the findings of a scan met the baseline."""

    matched: int = 0
    new: int = 0
    absent: list[dict[str, Any]] = field(default_factory=list)  # in the baseline, gone now (fixed)


def build(findings: Iterable[Finding], rel: Any = str) -> dict[str, Any]:
    entries = []
    for f in sorted(findings, key=lambda f: (f.span.file, f.rule_id, f.resource_id, f.path, f.fingerprint)):
        if f.status not in BASELINED and not (f.status == Status.SUPPRESSED and f.suppression and f.suppression.source == "baseline"):
            continue
        entries.append(
            {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "resource_id": f.resource_id,
                "file": rel(f.span.file),
                "path": f.path,
                "severity": f.severity.label,
                "status": "fail" if f.status == Status.SUPPRESSED else str(f.status),
            }
        )
    return {
        "policyguard_baseline": BASELINE_VERSION,
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": entries,
    }


def write(path: str, findings: Iterable[Finding], rel: Any = str) -> int:
    doc = build(findings, rel)
    text = json.dumps(doc, indent=2) + "\n"
    if path == "-":
        import sys

        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")
    return len(doc["findings"])


def shown_path(path: str, root: str | None) -> str:
    """``path`` as reports name it: relative to the report root when inside it (posix), so the
    suppression location and the report's ``baseline.path`` do not depend on the current
    directory; as given otherwise."""
    if not root or path == "-":
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def load(path: str, root: str | None = None) -> Baseline:
    """Read the baseline at ``path`` (as given on the command line); ``root``: the report root
    its name is shown relative to."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
    if deep is not None:  # checked first: the decoder may stop a nesting bomb itself
        raise BaselineError(f"{path}:{deep[0]}:{deep[1]}: baseline JSON {depth_message(DEFAULT_LIMITS.max_depth)}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: baseline is not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or "policyguard_baseline" not in doc:
        raise BaselineError(f"{path}:1: not a policyguard baseline (missing 'policyguard_baseline' version key)")
    if doc["policyguard_baseline"] != BASELINE_VERSION:
        raise BaselineError(
            f"{path}:1: unsupported baseline version {doc['policyguard_baseline']!r} (expected {BASELINE_VERSION})"
        )
    items = doc.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"{path}:1: 'findings' must be a list")
    out = Baseline(path=shown_path(path, root))
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str) or not item["fingerprint"]:
            raise BaselineError(f"{path}: findings[{i}]: each entry needs a non-empty string 'fingerprint'")
        out.entries[item["fingerprint"]] = item
    return out


def apply(findings: list[Finding], baseline: Baseline) -> BaselineOutcome:
    """Mark findings present in the baseline as suppressed (source ``baseline``)."""
    matcher = Matcher(baseline)
    for f in findings:
        matcher.apply(f)
    return matcher.outcome()


@dataclass(slots=True)
class Matcher:
    """The baseline stage one finding at a time (a scan judged unit by unit)."""

    baseline: Baseline
    matched: int = 0
    new: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # baseline entry -> findings it matched

    def key(self, f: Finding, fingerprint: str | None = None) -> str | None:
        """The baseline entry ``f`` matches (None: none); ``fingerprint``: the one it had then,
        when it has changed since."""
        entries = self.baseline.entries
        fp = f.fingerprint if fingerprint is None else fingerprint
        if fp in entries:
            return fp
        if f.legacy_fingerprint in entries:
            return f.legacy_fingerprint  # written before callers were part of module fingerprints
        return None

    def apply(self, f: Finding) -> None:
        if f.status not in BASELINED:
            return
        key = self.key(f)
        if key is not None:
            self.seen[key] = self.seen.get(key, 0) + 1
            f.status = Status.SUPPRESSED
            f.suppression = Suppression(source="baseline", reason="present in baseline", location=self.baseline.path)
            self.matched += 1
        else:
            self.new += 1

    def undo(self, f: Finding, status: Status, key: str | None) -> None:
        """Take back ``apply`` on ``f`` (``status``: its status before; ``key``: the entry it
        matched then), e.g. before its fingerprint changes."""
        if status not in BASELINED:
            return
        if key is None:
            self.new -= 1
            return
        self.matched -= 1
        left = self.seen[key] - 1
        if left:
            self.seen[key] = left
        else:
            del self.seen[key]
        f.status, f.suppression = status, None

    def outcome(self) -> BaselineOutcome:
        seen = self.seen
        return BaselineOutcome(self.matched, self.new, [e for fp, e in self.baseline.entries.items() if fp not in seen])
