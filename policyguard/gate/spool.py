"""A scan's findings in scan order, held in memory up to a bound and in a temporary file beyond
it, so a scan of any size keeps about one bound's worth of findings in memory.

Findings arrive unit by unit, in whatever order the workers finish them (``add`` with the unit's
place in the scan); reading (``iter``) gives them in scan order. Past ``keep`` findings in memory,
every unit held in memory is written to the file (``model.pack_findings``) and dropped; reading decodes one
unit at a time. Reports read the findings more than once (the text report's groups, the JSON rows): each
read unpickles again rather than keeping anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from policyguard.model import Finding, pack_findings, unpack_findings

# findings kept in memory before units go to disk: about 1 KiB each in a scanning process, so
# ~150 MiB; a scan this size (the shared corpus once: 145,000) never touches the disk
KEEP = 150_000


class SpoolError(Exception):
    """The spool's temporary file could not be created, written or read back (a full or
    read-only temporary directory): the scan cannot keep its findings, so it stops with this
    message rather than report fewer of them."""


def _failed(action: str, exc: OSError, keep: int) -> SpoolError:
    import tempfile

    return SpoolError(
        f"cannot {action} the scan's findings kept on disk (a temporary file in {tempfile.gettempdir()}: "
        f"{exc.strerror or exc}); past {keep:,} findings a scan keeps them there, about 100 bytes each: "
        "point TMPDIR at a file system with room")


# what a unit's findings are rendered to as they are judged (``FindingSpool(render=)``): one
# report row each, JSON text without a line break
Render = Callable[[list[Finding]], list[str]]


class FindingSpool:
    """Findings by unit, readable in unit order (``__iter__``) as often as needed. ``render``:
    each unit's findings are also rendered to report rows when the unit arrives (the JSON
    report's, while the workers still judge other units: the report then only copies them),
    kept and read (``rows``) like the findings; a row counts as a finding of ``keep``."""

    def __init__(self, keep: int = KEEP, render: Render | None = None) -> None:
        self.keep = keep
        self.render = render
        self._memory: dict[int, list[Finding]] = {}
        self._disk: dict[int, tuple[int, int]] = {}  # unit -> (offset, length) in ``_file``
        self._rows: dict[int, str] = {}  # a unit's rows joined by line breaks: one allocation a unit
        self._rows_disk: dict[int, tuple[int, int]] = {}
        self._held = 0  # findings and rows in memory
        self._count = 0
        self._file: IO[bytes] | None = None

    def add(self, unit: int, findings: list[Finding]) -> None:
        """The findings of the unit at place ``unit`` of the scan (each unit once)."""
        if unit in self._memory or unit in self._disk:
            raise ValueError(f"unit {unit} is already in the spool")
        self._memory[unit] = findings
        self._held += len(findings)
        self._count += len(findings)
        if self.render is not None:
            self._rows[unit] = self._rendered(findings)
            self._held += len(findings)  # a row (~550 bytes) weighs about what its finding does in memory
        if self._held > self.keep:
            self._spill()

    def rows_view(self) -> RowsView | None:
        """The rows, readable as often as needed, read back from disk each time (None
        without ``render``)."""
        return RowsView(self) if self.render is not None else None

    def _rendered(self, findings: list[Finding]) -> str:
        """A unit's rows joined by line breaks (a row holds none: compact JSON escapes them)."""
        assert self.render is not None
        return "\n".join(self.render(findings))

    def _iter_rows(self) -> Iterator[str]:
        for unit in self.units():
            held = self._rows.get(unit)
            if held is None and unit in self._rows_disk:
                held = self._read(*self._rows_disk[unit]).decode("utf-8", "surrogatepass")
            if held:
                yield from held.split("\n")

    @property
    def on_disk(self) -> bool:
        return bool(self._disk)

    def units(self) -> list[int]:
        return sorted([*self._memory, *self._disk])

    def segment(self, unit: int) -> list[Finding]:
        """One unit's findings (unpickled afresh from disk: changes to them are not kept unless
        ``put`` back)."""
        held = self._memory.get(unit)
        if held is not None:
            return held
        at = self._disk.get(unit)
        if at is None:
            return []
        return unpack_findings(self._read(*at))

    def _read(self, offset: int, length: int) -> bytes:
        assert self._file is not None
        try:
            self._file.seek(offset)
            blob = self._file.read(length)
        except OSError as exc:
            raise _failed("read back", exc, self.keep) from exc
        if len(blob) != length:
            raise SpoolError(f"the findings kept on disk were cut short ({len(blob)} of {length} bytes read back)")
        return blob

    def put(self, unit: int, findings: list[Finding]) -> None:
        """Store a unit's findings again after changing them (same unit, same count); their
        rows are rendered again."""
        if unit in self._memory:
            self._memory[unit] = findings
            if self.render is not None:
                self._rows[unit] = self._rendered(findings)
        else:
            self._write(unit, findings)

    def __iter__(self) -> Iterator[Finding]:
        for unit in self.units():
            yield from self.segment(unit)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, item: object) -> bool:
        return any(f is item for f in self)

    def as_list(self) -> list[Finding] | None:
        """Every finding as one list when none went to disk (None otherwise)."""
        if self._disk:
            return None
        out: list[Finding] = []
        for unit in sorted(self._memory):
            out += self._memory[unit]
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory.clear()
        self._disk.clear()
        self._rows.clear()
        self._rows_disk.clear()

    def rows_in_memory(self) -> RowsView | None:
        """Every row, readable as often as needed, when nothing went to disk (they then outlive
        ``close``); None otherwise, or without ``render``."""
        if self.render is None or self._disk:
            return None
        return RowsView([self._rows[unit] for unit in sorted(self._rows)])

    def _spill(self) -> None:
        for unit in sorted(self._memory):
            self._write(unit, self._memory.pop(unit), self._rows.pop(unit, None))
        self._held = 0

    def _write(self, unit: int, findings: list[Finding], rows: str | None = None) -> None:
        """Append a unit's findings (and rows, joined: rendered now when not given) to the file."""
        if self.render is not None and rows is None:
            rows = self._rendered(findings)
        try:
            if self._file is None:
                import tempfile

                self._file = tempfile.TemporaryFile(prefix="policyguard-findings-")  # noqa: SIM115 - closed by close()
            blob = pack_findings(findings)
            text = rows.encode("utf-8", "surrogatepass") if rows is not None else b""
            self._file.seek(0, 2)
            at = self._file.tell()
            self._file.write(blob)
            self._file.write(text)
            self._file.flush()  # a full disk shows now, not at a later read
        except OSError as exc:
            raise _failed("write", exc, self.keep) from exc
        self._disk[unit] = (at, len(blob))
        if rows is not None:
            self._rows_disk[unit] = (at + len(blob), len(text))


class RowsView:
    """Rows in scan order, read as often as needed: a spool's (``FindingSpool.rows_view``, read
    back from disk each time), or units' joined rows kept in memory (``rows_in_memory``)."""

    def __init__(self, source: FindingSpool | list[str]) -> None:
        self.source = source

    def __iter__(self) -> Iterator[str]:
        if isinstance(self.source, FindingSpool):
            return self.source._iter_rows()
        return (row for text in self.source if text for row in text.split("\n"))


class FindingsView:
    """The findings of a spool that a predicate keeps (``--severity``), read like the spool."""

    def __init__(self, source: Any, keep: Callable[[Finding], bool]) -> None:
        self.source = source
        self.keep = keep
        self._len: int | None = None

    def __iter__(self) -> Iterator[Finding]:
        keep = self.keep
        for f in self.source:
            if keep(f):
                yield f

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for _ in self)
        return self._len

    def __contains__(self, item: object) -> bool:
        return any(f is item for f in self)
