"""The files a fix edits: read once with their identity, written back without losing anything.

The scanned repository is untrusted, and so is the time between the scan and the write: a
module source (``source = "../../x"``) or a symlink can lead out of the tree, an editor can save
the file while ``fix`` runs, a file can be swapped for a FIFO, a directory or a symlink. So:

* **Only inside the tree.** A file is written only when its real path (every symlink resolved)
  lies in one of the scan's repository roots (``roots.repository_roots``) and not under a
  directory discovery never enters (``.terraform`` module copies, ``.git``...). Files read
  through ``--follow-external-symlinks`` are read, never written.
* **What was scanned.** ``stat_files`` records (dev, inode, size, mtime_ns) of every unit file
  before the scan; ``read_original`` reads the bytes the edit is computed from, checks their
  stat against that record and keeps their SHA-256 (``FileState``). Right before writing, and
  again right before the rename, the file is re-read and must match; otherwise it is refused
  ("changed since it was scanned") and nothing is written to it.
* **Atomic, through symlinks, metadata kept.** The write goes to the real file (a symlink stays
  a symlink), as a temporary file in the real file's directory (opened by descriptor, the final
  component never followed: ``O_NOFOLLOW`` and ``dir_fd``), fsynced, given the original owner,
  group, extended attributes and mode (with setuid/setgid/sticky bits, set after ``fchown``,
  which clears them), then renamed over it and the directory fsynced. A file with several hard
  links is written in place instead (a rename would leave the other names on the old content):
  compared and rewritten through one descriptor, which is not atomic (a crash mid-write leaves
  a partial file) but is the only way every name sees the fix.
* **Bytes.** The encoding (UTF-8, or UTF-16/32 announced by a byte order mark) and the BOM are
  kept; the editors see text without the BOM and with its line endings untouched.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from policyguard.discover import PRUNE_DIRS
from policyguard.fsread import BOMS, file_type
from policyguard.roots import inside

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_EXTRA = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_RD = os.O_RDONLY | _NOFOLLOW | _EXTRA
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH

StatKey = tuple[int, int, int, int]  # dev, inode, size, mtime_ns


class NotWritten(Exception):
    """A file the fix must not or could not write; ``error`` marks I/O failures (permissions,
    a read-only file system) as opposed to refusals (outside the tree, changed since scanned)."""

    def __init__(self, reason: str, *, error: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


@dataclass(frozen=True, slots=True)
class FileState:
    """A file as the fix read it: where it really is, its identity and its content hash."""

    real: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    sha256: str
    codec: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


@dataclass(frozen=True, slots=True)
class Written:
    """A file written; ``notes`` says what could not be kept (e.g. the owner, when not root)."""

    real: str
    in_place: bool
    notes: tuple[str, ...] = ()


def _key(st: os.stat_result) -> StatKey:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def stat_files(paths: Iterable[str | Path]) -> dict[str, StatKey]:
    """(dev, inode, size, mtime_ns) of each file by its real path, taken before the scan reads
    them (files that cannot be stat'ed are left out: the scan reports them)."""
    out: dict[str, StatKey] = {}
    for p in paths:
        try:
            real = os.path.realpath(p)
            out.setdefault(real, _key(os.stat(real)))
        except (OSError, ValueError):
            continue
    return out


def outside_reason(real: str, roots: tuple[Path, ...]) -> str | None:
    """Why ``real`` (a resolved path) must not be written, or None."""
    if not inside(Path(real), roots):
        where = ", ".join(str(r) for r in roots)
        return (f"{real} is outside the scanned tree ({where}; reached through a module source or a symlink): "
                "fix never writes outside it, run fix on that tree instead")
    for r in roots:
        try:
            parts = Path(real).relative_to(r).parts[:-1]
        except ValueError:
            continue
        pruned = [p for p in parts if p in PRUNE_DIRS]
        if pruned:
            return f"{real} is under {pruned[0]}/ (a generated or downloaded copy the scan does not own): fix its source"
    return None


def _sha(fd: int, limit: int) -> tuple[str, bytes]:
    h = hashlib.sha256()
    chunks = []
    total = 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise NotWritten(f"it grew above the {limit}-byte limit")
        h.update(chunk)
        chunks.append(chunk)
    return h.hexdigest(), b"".join(chunks)


def _decode(data: bytes) -> tuple[str, str, bytes]:
    codec, bom = "utf-8", b""
    for b, enc in BOMS:
        if data.startswith(b):
            codec, bom = enc, b
            break
    try:
        return data[len(bom):].decode(codec), codec, bom
    except UnicodeDecodeError as exc:
        raise NotWritten(f"not valid {codec.upper()} (byte offset {exc.start + len(bom)}): not edited") from None


def read_original(path: str, *, scanned: StatKey | None, max_bytes: int) -> tuple[str, FileState]:
    """The text a fix is computed from and the state it must still be in when written.

    ``scanned``: the file's stat before the scan; a different one means the scan may have read
    other bytes than these, so the file is refused."""
    real = os.path.realpath(path)
    try:
        fd = os.open(real, _RD)
    except OSError as exc:
        raise NotWritten(f"cannot read it: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotWritten(f"not a regular file ({file_type(st.st_mode)})")
        if scanned is not None and _key(st) != scanned:
            raise NotWritten("it changed while it was being scanned: run fix again")
        digest, data = _sha(fd, max_bytes)
    except OSError as exc:
        raise NotWritten(f"cannot read it: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    text, codec, bom = _decode(data)
    return text, FileState(real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, digest, codec, bom)


# --------------------------------------------------------------------------- writing
def _open_dir(parent: str) -> int:
    try:
        dfd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise NotWritten(f"cannot open its directory {parent}: {exc.strerror or exc}", error=True) from None
    proc = f"/proc/self/fd/{dfd}"
    try:
        now = os.readlink(proc) if os.path.exists(proc) else parent
    except OSError:
        now = parent
    if now != parent:  # a component of the path was swapped for a symlink after it was resolved
        os.close(dfd)
        raise NotWritten(f"its directory {parent} now leads to {now}: not written")
    return dfd


def _xattrs(fd: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if not hasattr(os, "listxattr"):  # not on macOS or Windows
        return out
    try:
        names = os.listxattr(fd)
    except OSError:
        return out
    for n in names:
        try:
            out[n] = os.getxattr(fd, n)
        except OSError:
            continue
    return out


def _check(dfd: int, name: str, state: FileState) -> tuple[os.stat_result, dict[str, bytes]]:
    """The file in ``dfd`` is still the regular file ``state`` describes (never following a
    symlink put in its place, never blocking on a FIFO); its stat and extended attributes."""
    try:
        fd = os.open(name, _RD, dir_fd=dfd)
    except FileNotFoundError:
        raise NotWritten("it was deleted or renamed since it was scanned") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotWritten("it was replaced by a symlink since it was scanned") from None
        if exc.errno == errno.ENXIO:
            raise NotWritten("it was replaced by a socket since it was scanned") from None
        raise NotWritten(f"cannot read it: {exc.strerror or exc}", error=True) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotWritten(f"it was replaced by {file_type(st.st_mode)} since it was scanned")
        _same(st, fd, state)
        return st, _xattrs(fd)
    finally:
        os.close(fd)


def _same(st: os.stat_result, fd: int, state: FileState) -> None:
    changed = _key(st) != (state.dev, state.ino, state.size, state.mtime_ns)
    if not changed:
        try:
            changed = _sha(fd, state.size)[0] != state.sha256
        except NotWritten:  # it grew while being read
            changed = True
    if changed:
        raise NotWritten("it changed since it was scanned: run fix again")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _copy_metadata(fd: int, st: os.stat_result, xattrs: dict[str, bytes]) -> list[str]:
    """Owner, group, extended attributes and mode of the original onto ``fd`` (chown first: it
    clears setuid/setgid). What cannot be kept is returned as notes, not raised."""
    notes = []
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        try:
            os.fchown(fd, -1, st.st_gid)
            notes.append(f"owner uid {st.st_uid} not kept (only root may give a file away)")
        except OSError:
            notes.append(f"owner uid {st.st_uid} and group gid {st.st_gid} not kept (not root, not a member of the group)")
    lost = []
    for n, v in xattrs.items():
        try:
            os.setxattr(fd, n, v)
        except OSError:
            lost.append(n)
    if lost:
        notes.append(f"extended attribute(s) {', '.join(sorted(lost))} not kept")
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    got = stat.S_IMODE(os.fstat(fd).st_mode)
    if got != stat.S_IMODE(st.st_mode):
        notes.append(f"mode {stat.S_IMODE(st.st_mode):04o} became {got:04o} (the system cleared a bit it does not allow here)")
    return notes


def _writable(st: os.stat_result, dfd: int, name: str) -> None:
    """A file without any write bit is read-only on purpose (even for root); one we may not
    write is an error either way (a rename would get past its permissions)."""
    if not st.st_mode & _WRITE_BITS:
        raise NotWritten(f"it is read-only (mode {stat.S_IMODE(st.st_mode):04o}): make it writable to apply the fix", error=True)
    if not os.access(name, os.W_OK, dir_fd=dfd, effective_ids=os.access in os.supports_effective_ids, follow_symlinks=False):
        raise NotWritten("permission denied: you may not write it", error=True)


def write_file(path: str, text: str, state: FileState, roots: tuple[Path, ...]) -> Written:
    """Write ``text`` to the real file behind ``path`` if it is still what ``state`` recorded
    and lies inside ``roots``; NotWritten (with the reason) otherwise."""
    real = os.path.realpath(path)
    if real != state.real:
        raise NotWritten(f"it now resolves to {real}, not {state.real} (a symlink changed since it was scanned)")
    why = outside_reason(real, roots)
    if why:
        raise NotWritten(why)
    data = state.encode(text)
    parent, name = os.path.split(real)
    dfd = _open_dir(parent)
    try:
        st, xattrs = _check(dfd, name, state)
        _writable(st, dfd, name)
        if st.st_nlink > 1:
            _write_in_place(dfd, name, state, data)
            return Written(real, True)
        notes = _replace(dfd, name, state, st, xattrs, data)
        return Written(real, False, tuple(notes))
    finally:
        os.close(dfd)


def _replace(dfd: int, name: str, state: FileState, st: os.stat_result, xattrs: dict[str, bytes], data: bytes) -> list[str]:
    """Temporary file beside the target, fsync, metadata, re-check, rename, fsync the directory."""
    tmp = f".{name}.policyguard-{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600, dir_fd=dfd)
    except OSError as exc:
        raise NotWritten(f"cannot create a file in its directory: {exc.strerror or exc}", error=True) from None
    renamed = False
    try:
        try:
            _write_all(fd, data)
            notes = _copy_metadata(fd, st, xattrs)
            os.fsync(fd)
        except OSError as exc:
            raise NotWritten(f"cannot write it: {exc.strerror or exc}", error=True) from None
        finally:
            os.close(fd)
        _check(dfd, name, state)  # the window left: between this check and the rename
        try:
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except OSError as exc:
            raise NotWritten(f"cannot replace it: {exc.strerror or exc}", error=True) from None
        renamed = True
        try:
            os.fsync(dfd)
        except OSError:
            pass  # some file systems cannot fsync a directory; the rename is done
        return notes
    finally:
        if not renamed:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass


def _write_in_place(dfd: int, name: str, state: FileState, data: bytes) -> None:
    """A hard-linked file: compare and rewrite through one descriptor on the same inode."""
    try:
        fd = os.open(name, os.O_RDWR | _NOFOLLOW | _EXTRA, dir_fd=dfd)
    except OSError as exc:
        raise NotWritten(f"cannot open it for writing: {exc.strerror or exc}", error=True) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotWritten(f"it was replaced by {file_type(st.st_mode)} since it was scanned")
        _same(st, fd, state)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        except OSError as exc:
            raise NotWritten(f"cannot write it (in place, it has {st.st_nlink} hard links; it may be partly written): "
                             f"{exc.strerror or exc}", error=True) from None
    finally:
        os.close(fd)
