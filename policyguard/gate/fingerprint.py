"""Stable finding fingerprints.

A fingerprint is the SHA-256 of: rule id, the unit the resource lives in (its directory for
Terraform, where a resource may move between files of one module; its file otherwise), the
resource id, the attribute path judged and a normalised form of the value at that path.
Line numbers are never part of it, so moving a resource or editing another one keeps every
fingerprint, while changing the offending value changes exactly that finding's fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from policyguard.model import Finding, Resource, get_path, is_unknown, parse_path
from policyguard.roots import relative

_ABSENT = "<absent>"


def normalise_value(value: Any) -> str:
    """Canonical text of a value: sorted-key compact JSON, strings stripped, unknowns by expression."""
    if value is None:
        return _ABSENT
    if is_unknown(value):
        return "unknown:" + str(value.get("__unknown__"))
    if isinstance(value, str):
        return json.dumps(value.strip())
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def unit_key(file: str, platform: str) -> str:
    path = os.path.normpath(file).replace(os.sep, "/")
    if platform == "terraform" and (path.endswith(".tf") or path.endswith(".tf.json")):
        return os.path.dirname(path) or "."
    return path


def finding_unit(file: str, platform: str, root: str | None = None) -> str:
    """The unit part of a fingerprint: ``file`` relative to ``root``, a Terraform file's directory."""
    if root:
        try:
            file = relative(file, root)
        except ValueError:  # different drive (Windows)
            pass
    return unit_key(file, platform)


def unit_file(finding: Finding) -> str:
    """The file whose unit keys ``finding``: its own, unless its module was downloaded into the
    cache (a path that differs per machine), where the repository's module block that called the
    download keys it instead (the resource id already names the module address)."""
    if not finding.call_chain:  # nearly every finding (asked once per finding of a scan)
        return finding.span.file
    site = next((c for c in finding.call_chain if c.downloaded), None)
    return site.file if site is not None else finding.span.file


def fingerprint(finding: Finding, resource: Resource | None, root: str | None = None, *, unit: str | None = None) -> str:
    """``unit`` is ``finding_unit(...)`` of the finding when the caller already has it."""
    value: Any = None
    if resource is not None and finding.path:
        try:
            value = get_path(resource.attributes, parse_path(finding.path))
        except ValueError:
            value = finding.path
    return _digest(finding.rule_id, unit if unit is not None else finding_unit(unit_file(finding), finding.platform, root),
                   finding.resource_id, finding.path, normalise_value(value) if finding.path else _ABSENT)


def _digest(rule_id: str, unit: str, resource_id: str, path: str, value: str) -> str:
    """The fingerprint of these parts (``fingerprint`` computes them from a finding)."""
    return hashlib.sha256(f"v1\x1f{rule_id}\x1f{unit}\x1f{resource_id}\x1f{path}\x1f{value}".encode()).hexdigest()[:32]


def _caller(item: Finding | Resource) -> str:
    """The root module file whose module call made a resource ("" outside modules)."""
    return item.call_chain[0].file if item.call_chain else ""


def assign_fingerprints(findings: Iterable[Finding], resources: Iterable[Resource], root: str | None = None,
                        scopes: list[str] | None = None) -> None:
    """Fill ``Finding.fingerprint``; identical keys (two results of one rule at one path) get ``:n``.
    ``scopes``: given, each finding's numbering scope is appended to it (``unit`` and caller
    unit: two findings can share a fingerprint only within one scope), so fingerprints numbered
    unit by unit can be renumbered where two units share a scope (``renumber``).

    A resource inside a called module also hashes the unit of the root module that called it:
    one module called from two roots gives each of its resources twice, with the same id in the
    same file, and only the caller tells those findings apart, whichever roots a scan covers.
    Such a finding keeps its earlier fingerprint in ``legacy_fingerprint`` for old baselines."""
    index: dict[tuple[str, str, str], Resource] | None = None
    by_id: dict[str, Resource] = {}
    seen: dict[str, int] = {}
    units: dict[tuple[str, str], str] = {}  # (file, platform): a scan has ~100 findings per file
    for f in findings:
        unit, caller_unit = _units(f, root, units)
        if f.path:
            if index is None:
                index = {}
                for r in resources:
                    index.setdefault((r.id, r.span.file, _caller(r)), r)
                    by_id.setdefault(r.id, r)
            res = index.get((f.resource_id, f.span.file, _caller(f))) or by_id.get(f.resource_id)
            fp = fingerprint(f, res, root, unit=unit)
        else:  # most findings (every pass): no value to read, and no resource to find
            fp = _digest(f.rule_id, unit, f.resource_id, "", _ABSENT)
        if f.call_chain:
            f.legacy_fingerprint = fp
            fp = hashlib.sha256(f"{fp}\x1fcalled-from\x1f{caller_unit}".encode()).hexdigest()[:32]
        if scopes is not None:
            scopes.append(f"{unit}\x1f{caller_unit}")
        n = seen.get(fp, 0)
        seen[fp] = n + 1
        f.fingerprint = fp if n == 0 else f"{fp}:{n}"


def _units(f: Finding, root: str | None, cache: dict[tuple[str, str], str]) -> tuple[str, str]:
    """The unit of a finding's fingerprint and the unit of the root module that called it
    ("" outside modules); ``cache``: by (file, platform)."""
    key = (unit_file(f), f.platform)
    unit = cache.get(key)
    if unit is None:
        unit = cache[key] = finding_unit(key[0], f.platform, root)
    if not f.call_chain:
        return unit, ""
    key = (_caller(f), f.platform)
    called = cache.get(key)
    if called is None:
        called = cache[key] = finding_unit(key[0], f.platform, root)
    return unit, called


def scope(f: Finding, root: str | None, cache: dict[tuple[str, str], str]) -> str:
    """The numbering scope ``assign_fingerprints`` gives ``f`` (``scopes``)."""
    unit, caller_unit = _units(f, root, cache)
    return f"{unit}\x1f{caller_unit}"


def renumber(findings: Iterable[Finding], seen: dict[str, int]) -> list[tuple[int, str]]:
    """Number repeated fingerprints ``:n`` again, in order, continuing the counts in ``seen``
    (fingerprint without suffix -> how many so far); returns (place in ``findings``, fingerprint
    before) of each finding whose fingerprint changed."""
    changed: list[tuple[int, str]] = []
    for i, f in enumerate(findings):
        fp = f.fingerprint
        if not fp:
            continue
        base = fp.partition(":")[0]
        n = seen.get(base, 0)
        seen[base] = n + 1
        want = base if n == 0 else f"{base}:{n}"
        if want != fp:
            f.fingerprint = want
            changed.append((i, fp))
    return changed
