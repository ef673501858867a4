"""Reading a file of the scanned repository: regular files only, bounded, never blocking.

The scanned tree is untrusted. A FIFO named ``main.tf`` blocks a plain ``open()`` forever, a
``x.yaml -> /dev/zero`` symlink makes ``read()`` never end, and ``/proc`` files report size 0
while producing data. So every reader in discovery and the parsers goes through
``read_regular``: ``stat`` first (which never opens), refuse anything that is not a regular file
or lives on a kernel pseudo filesystem, then ``open`` with ``O_NONBLOCK`` (a FIFO swapped in after
the ``stat`` cannot block), ``fstat`` the descriptor, and read at most ``max_bytes + 1`` bytes.

``decode_text`` turns the bytes into text: UTF-8 (BOM optional), or UTF-16/UTF-32 when the file
starts with their byte order mark. Problems are ``ReadError`` with a message and an ``ErrorKind``.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from policyguard.model import ErrorKind

PSEUDO_FS = ("/proc", "/sys", "/dev")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)  # UTF-32-LE before UTF-16-LE: its BOM starts with the UTF-16-LE one


class ReadError(Exception):
    """Why a file was not read; ``line``/``column`` locate a decoding error."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.UNREADABLE, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.line = line
        self.column = column


def file_type(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def on_pseudo_fs(real: str) -> bool:
    """Is this resolved path under /proc, /sys or /dev (kernel files that lie about their size)?"""
    return any(real == p or real.startswith(p + "/") for p in PSEUDO_FS)


# kernel filesystems whose files report a size they do not hold (or produce data forever)
PSEUDO_TYPES = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
    "configfs", "pstore", "bpf", "efivarfs", "fusectl", "mqueue", "binfmt_misc", "selinuxfs", "nsfs",
    "rpc_pipefs", "autofs",
})  # fmt: skip
PSEUDO_MESSAGE = "not a regular file (a /proc, /sys or /dev entry): not read"


@functools.cache
def _pseudo_devices() -> frozenset[int] | None:
    """The ``st_dev`` of every mounted kernel pseudo filesystem (``/proc/self/mountinfo``, read
    once a process), or None where there is no mount table to read."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            found = set()
            for line in fh:
                fields = line.split()
                if "-" not in fields:
                    continue
                fstype = fields[fields.index("-") + 1]
                major, _, minor = fields[2].partition(":")
                if fstype in PSEUDO_TYPES and major.isdigit() and minor.isdigit():
                    found.add(os.makedev(int(major), int(minor)))
    except (OSError, IndexError, ValueError):
        return None
    return frozenset(found) if found else None


def is_pseudo(path: str | os.PathLike[str], st: os.stat_result) -> bool:
    """Does ``path`` (``st``: its ``stat``) live on a kernel pseudo filesystem? By the device it
    is on (every procfs, sysfs, cgroup... mount, wherever it is bound); where the mount table
    cannot be read, by its resolved path (``on_pseudo_fs``). The device costs no system call:
    resolving every file's path (an ``lstat`` per component) was 4% of a scan."""
    devices = _pseudo_devices()
    if devices is not None:
        return st.st_dev in devices
    return on_pseudo_fs(os.path.realpath(path))


def check_regular(path: str | os.PathLike[str]) -> os.stat_result:
    """``stat`` of ``path`` (following symlinks) if it is a regular file that may be opened."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(f"not a regular file ({file_type(st.st_mode)}): not read")
    if is_pseudo(path, st):
        raise ReadError(PSEUDO_MESSAGE)
    return st


# the files read whole in this context, by the path they were read under (``recording``)
_RECORDER: ContextVar[dict[str, bytes] | None] = ContextVar("policyguard_fsread_recorder", default=None)


@contextmanager
def recording() -> Iterator[dict[str, bytes]]:
    """The bytes of every file ``read_regular`` reads whole in this context (this thread or
    task), by the path it was given. A parse of a unit hands them to the gate, which then reads
    its comments (suppressions) from the very bytes the parser judged, without a second read
    that a file changed in between would make disagree with the findings' lines."""
    got: dict[str, bytes] = {}
    token = _RECORDER.set(got)
    try:
        yield got
    finally:
        _RECORDER.reset(token)


def note_read(path: str | os.PathLike[str], data: bytes) -> None:
    """Count ``data`` as read from ``path`` in this context (``recording``): a reader that
    answers from its own cache of what an earlier read gave."""
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder[os.fspath(path)] = data


def read_regular(path: str | os.PathLike[str], max_bytes: int, *, prefix: bool = False) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (ReadError otherwise); ``prefix``:
    its first ``max_bytes`` bytes whatever its size."""
    data = _read_regular(path, max_bytes, prefix)
    if not prefix:
        note_read(path, data)
    return data


def _read_regular(path: str | os.PathLike[str], max_bytes: int, prefix: bool) -> bytes:
    st = check_regular(path)
    if st.st_size > max_bytes and not prefix:
        raise ReadError(f"file is {st.st_size} bytes, above the {max_bytes}-byte limit", ErrorKind.LIMIT)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):  # replaced between stat and open
            raise ReadError(f"not a regular file ({file_type(fst.st_mode)}): not read")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                if prefix:
                    return b"".join(chunks)[:max_bytes]
                raise ReadError(f"file grew above the {max_bytes}-byte limit while being read", ErrorKind.LIMIT)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str], max_bytes: int) -> str | None:
    """The text of a file the scan already read once (the gate reads it again for comments),
    or None when it is no longer a readable regular file: a file swapped for a FIFO after
    discovery must not block the gate, nor a grown one exhaust it. Undecodable bytes are
    replaced; the first ``max_bytes`` bytes are read."""
    try:
        data = read_regular(path, max_bytes, prefix=True)
    except ReadError:
        return None
    return lenient_text(data, max_bytes)


def lenient_text(data: bytes, max_bytes: int) -> str:
    """The text ``read_text`` gives for a file holding ``data``: its first ``max_bytes`` bytes,
    decoded as ``decode_text`` does, with undecodable bytes replaced instead of an error
    (comments are read from whatever text a file holds)."""
    data = data[:max_bytes]
    try:
        return decode_text(data)
    except ReadError:
        return data.decode("utf-8", errors="replace")


def decode_text(data: bytes) -> str:
    """UTF-8 text (BOM stripped), or UTF-16/32 text announced by a BOM; ReadError otherwise."""
    encoding = "utf-8"
    for bom, enc in BOMS:
        if data.startswith(bom):
            encoding, data = enc, data[len(bom) :]
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise ReadError(f"not valid {encoding.upper()} (byte offset {exc.start} after the byte order mark)") from None
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ReadError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line=line, column=col) from None
