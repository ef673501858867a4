"""Terraform's module version constraints (``version = "~> 5.1, != 5.1.3"``).

Terraform checks module versions with HashiCorp's go-version: a constraint is a comma list of
``[op] version`` terms, all of which must hold; ``op`` is one of ``=`` (the default), ``!=``,
``>``, ``>=``, ``<``, ``<=``, ``~>``. ``~> 1.2`` allows ``>= 1.2, < 2.0``, ``~> 1.2.3`` allows
``>= 1.2.3, < 1.3.0`` (the last written segment may grow). Missing segments are zero. A
pre-release (``2.0.0-beta1``) is picked only when a term names it exactly, as Terraform's module
installer decides; build metadata (``+abc``) is ignored when comparing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?(?:\+([0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?\Z")
_TERM = re.compile(r"\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*\Z")


class VersionError(ValueError):
    """A version or constraint that does not parse."""


@dataclass(frozen=True, slots=True)
class Version:
    segments: tuple[int, ...]  # padded to at least three
    specified: int  # segments written
    prerelease: str
    text: str

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.match(text.strip())
        if m is None:
            raise VersionError(f"{text!r} is not a version")
        segs = tuple(int(x) for x in m.group(1).split("."))
        return cls(segs + (0,) * max(0, 3 - len(segs)), len(segs), m.group(2) or "", text.strip())

    def _key(self) -> tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]]:
        n = max(len(self.segments), 3)
        segs = self.segments + (0,) * (n - len(self.segments))
        if not self.prerelease:
            return segs, 1, ()
        parts: list[tuple[int, int | str]] = []
        for p in self.prerelease.split("."):
            parts.append((0, int(p)) if p.isdigit() else (1, p))  # numeric parts sort before alphanumeric
        return segs, 0, tuple(parts)

    def compare(self, other: Version) -> int:
        a, b = self._key(), other._key()
        width = max(len(a[0]), len(b[0]))
        sa, sb = a[0] + (0,) * (width - len(a[0])), b[0] + (0,) * (width - len(b[0]))
        ka, kb = (sa, a[1], a[2]), (sb, b[1], b[2])
        return (ka > kb) - (ka < kb)


@dataclass(frozen=True, slots=True)
class Term:
    op: str
    version: Version

    def allows(self, v: Version) -> bool:
        c = self.version
        op = self.op
        if op == "=":
            return v.compare(c) == 0
        if op == "!=":
            return v.compare(c) != 0
        if not _prerelease_ok(v, c, op):
            return False
        cmp = v.compare(c)
        if op == ">":
            return cmp > 0
        if op == ">=":
            return cmp >= 0
        if op == "<":
            return cmp < 0
        if op == "<=":
            return cmp <= 0
        # ~>: at least the constraint, same leading segments, the last written one may grow
        if cmp < 0 or c.specified > v.specified:
            return False
        return all(v.segments[i] == c.segments[i] for i in range(c.specified - 1))


def _prerelease_ok(v: Version, c: Version, op: str) -> bool:
    if v.prerelease and c.prerelease:
        return v.segments == c.segments
    if v.prerelease and not c.prerelease:
        return False
    return not (op == "~>" and c.prerelease and not v.prerelease)


def parse_constraint(text: str) -> list[Term]:
    """The terms of a constraint string (empty text: no constraint); VersionError when malformed."""
    terms: list[Term] = []
    if not text.strip():
        return terms
    for part in text.split(","):
        m = _TERM.match(part)
        if m is None or not part.strip():
            raise VersionError(f"malformed version constraint {text!r} (term {part.strip()!r})")
        terms.append(Term(m.group(1) or "=", Version.parse(m.group(2))))
    return terms


def newest_match(available: list[str], constraint: str) -> str | None:
    """The newest of ``available`` (version strings; unparsable ones are ignored) that meets
    ``constraint``; pre-releases only when a term names one exactly. None when none does."""
    terms = parse_constraint(constraint)
    best: Version | None = None
    for text in available:
        try:
            v = Version.parse(text)
        except VersionError:
            continue
        if v.prerelease and not any(t.op == "=" and v.compare(t.version) == 0 for t in terms):
            continue
        if all(t.allows(v) for t in terms) and (best is None or v.compare(best) > 0):
            best = v
    return best.text if best is not None else None
