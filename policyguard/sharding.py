"""``scan --shard I/N``: which units one job of an N-job CI matrix judges, and the record that
lets ``policyguard merge`` put the N reports back into the order of one unsharded scan.

A unit belongs to shard ``sha256(its path relative to the report root) mod N + 1``. The path is
relative (posix) so every job agrees whatever directory its checkout is in, and the hash is
SHA-256, not Python's ``hash`` (salted per process). Import-free beyond the standard library:
the command line parses ``--shard`` before anything heavy is loaded."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from policyguard.exitcodes import UsageError

# GitLab's ``parallel: N`` sets these (1-based index); ``--shard auto`` reads them
ENV_INDEX, ENV_TOTAL = "CI_NODE_INDEX", "CI_NODE_TOTAL"


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (1-based) of ``total``; ``root``: what unit paths are made relative to."""

    index: int
    total: int
    root: str = ""


class _HasPath(Protocol):
    @property
    def path(self) -> os.PathLike[str] | str: ...


U = TypeVar("U", bound=_HasPath)


def parse(text: str, env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """``I/N`` (1 <= I <= N) or ``auto`` (GitLab's ``CI_NODE_INDEX``/``CI_NODE_TOTAL``) -> (I, N);
    anything else is a UsageError naming the value."""
    value = text.strip()
    if value.lower() == "auto":
        env = os.environ if env is None else env
        env_index, env_total = env.get(ENV_INDEX, ""), env.get(ENV_TOTAL, "")
        if not env_index or not env_total:
            raise UsageError(f"--shard auto reads {ENV_INDEX} and {ENV_TOTAL} (GitLab `parallel:`), "
                             "and they are not set: pass --shard I/N")
        value, origin = f"{env_index}/{env_total}", f"--shard auto ({ENV_INDEX}={env_index}, {ENV_TOTAL}={env_total})"
    else:
        origin = f"--shard {text!r}"
    i_text, sep, n_text = value.partition("/")
    if not sep or not i_text.strip().isdigit() or not n_text.strip().isdigit():
        raise UsageError(f"{origin}: expected I/N, two whole numbers (e.g. 2/3: the second of three shards), or auto")
    index, total = int(i_text), int(n_text)
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"{origin}: the shard index must be between 1 and the shard count ({index}/{total} is not)")
    return index, total


def unit_key(path: os.PathLike[str] | str, root: str) -> str:
    """The unit's path as every job of the matrix spells it: relative to ``root`` (posix), or
    absolute when it lies outside."""
    ab = os.path.abspath(os.fspath(path))
    if root:
        try:
            rel = os.path.relpath(ab, root)
        except ValueError:  # another drive (Windows)
            rel = ".."
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return ab.replace(os.sep, "/")


def shard_of(key: str, total: int) -> int:
    """The 1-based shard a unit key belongs to."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


@dataclass(slots=True)
class ShardLog:
    """What merge needs to restore one scan's order from N shards: for each unit this shard
    judged, in order, its index among all discovered units and how many findings and errors it
    added; how many errors came before the units (discovery and the rule pack: the same in
    every shard, so only shard 1's count) and the discovery's skipped files (the same in every
    shard)."""

    shard: Shard
    discovered: int = 0
    global_errors: int = 0
    global_skipped: list[tuple[str, str]] = field(default_factory=list)
    units: list[tuple[int, int, int]] = field(default_factory=list)  # (discovery index, findings, errors)
    _index: dict[str, int] = field(default_factory=dict)

    def judged(self, unit: _HasPath, findings: int, errors: int) -> None:
        """Record one judged unit's contribution (called in the order the scan adds them)."""
        self.units.append((self._index.get(os.fspath(unit.path), -1), findings, errors))


def select(units: Sequence[U], shard: Shard, errors: int,
                        skipped: Sequence[tuple[str, str]]) -> tuple[list[U], ShardLog]:
    """The units of ``shard`` (discovery order kept) and the log the scan fills as it judges
    them. ``errors``/``skipped``: what discovery and the rule pack reported so far."""
    log = ShardLog(shard, discovered=len(units), global_errors=errors, global_skipped=list(skipped))
    mine: list[U] = []
    for i, u in enumerate(units):
        log._index[os.fspath(u.path)] = i
        if shard.total == 1 or shard_of(unit_key(u.path, shard.root), shard.total) == shard.index:
            mine.append(u)
    return mine, log
