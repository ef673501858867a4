"""Other tools' suppressions (``checkov:skip``, ``trivy:ignore``, ``.trivyignore``...): the texts
that may hold them and the one notice a scan, or a merge of shards, gives about them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from policyguard.gate.suppress import Notice


def foreign_texts(files: Iterable[str], texts: dict[str, str | None]) -> Iterator[tuple[str, str]]:
    """(file, text) of each of ``files`` (in their order) that may hold another tool's
    suppression, read one at a time (``texts``: already read)."""
    from policyguard.fsread import read_text
    from policyguard.gate import migrate

    for file in files:
        text = texts.get(file) if file in texts else None
        if text is None and file not in texts:
            text = read_text(file, migrate.MAX_BYTES)
        if text and migrate.may_hold(text):
            yield file, text


def foreign_summary_notice(counts: dict[str, int], file: str, line: int, paths: list[str]) -> Notice:
    """The one notice of a scan (or of a merge of shards) about other tools' suppressions:
    ``counts`` by kind, the first one at ``file``:``line``."""
    from policyguard.gate import migrate

    total = sum(counts.values())
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    return Notice("not-honoured", file, line,
                  f"{total} suppression(s) written for other tools ({kinds}) are not honoured: "
                  f"`{migrate.COMMAND} {' '.join(paths) or '.'}` shows them as policyguard suppressions "
                  "(a dry run; --write applies)", subject="foreign-suppressions")
