"""Other tools' suppressions (``checkov:skip``, ``trivy:ignore``, ``.trivyignore``...): the texts
that may hold them and the one notice a scan, or a merge of shards, gives about them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from policyguard.gate.suppress import Notice

# the peers' markers (lower-case, as they read them); a text without one holds none of their
# suppressions, so ``policyguard.gate.migrate`` is imported only for a text that has one
_HINTS = ("checkov", "trivy:ignore", "tfsec:ignore")


COMMAND = "policyguard migrate-suppressions"
IGNORE_FILES = (".trivyignore", ".trivyignore.yaml", ".trivyignore.yml", ".checkov.yaml", ".checkov.yml")
MAX_BYTES = 8 * 1024 * 1024  # a file read for other tools' suppressions: its first 8 MiB


def may_hold(text: str) -> bool:
    """Cheap test before ``migrate``'s per-line scan."""
    return any(h in text for h in _HINTS)


def ignore_files_near(paths: list[str], root: str) -> list[Path]:
    """The peers' ignore files a scan of ``paths`` would have used: in each scanned directory, in
    the directories of the scanned files, and at the project root."""
    dirs = {Path(root).resolve()} | {(Path(p) if Path(p).is_dir() else Path(p).parent).resolve() for p in paths}
    return sorted(d / n for d in dirs for n in IGNORE_FILES if (d / n).is_file())


def foreign_texts(files: Iterable[str], texts: dict[str, str | None]) -> Iterator[tuple[str, str]]:
    """(file, text) of each of ``files`` (in their order) that may hold another tool's
    suppression, read one at a time (``texts``: already read)."""
    from policyguard.fsread import read_text

    for file in files:
        text = texts.get(file) if file in texts else None
        if text is None and file not in texts:
            text = read_text(file, MAX_BYTES)
        if text and may_hold(text):
            yield file, text


def foreign_summary_notice(counts: dict[str, int], file: str, line: int, paths: list[str]) -> Notice:
    """The one notice of a scan (or of a merge of shards) about other tools' suppressions:
    ``counts`` by kind, the first one at ``file``:``line``."""
    total = sum(counts.values())
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    return Notice("not-honoured", file, line,
                  f"{total} suppression(s) written for other tools ({kinds}) are not honoured: "
                  f"`{COMMAND} {' '.join(paths) or '.'}` shows them as policyguard suppressions "
                  "(a dry run; --write applies)", subject="foreign-suppressions")
