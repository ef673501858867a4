"""Bounded downloads: HTTPS requests, git over HTTPS, archive extraction.

Everything a module download touches is chosen by the scanned files, so nothing here runs code
from the download or trusts its shape:

- HTTPS only (certificates verified; ``ca_bundle`` adds a CA file, ``SSL_CERT_FILE`` works as
  for any OpenSSL client); at most ``MAX_REDIRECTS`` redirects, each to https; a per-request
  timeout, the scan's total download deadline, and a size cap on every body.
- git runs with hooks off (``core.hooksPath=/dev/null``), only the https transport
  (``GIT_ALLOW_PROTOCOL``, ``protocol.allow=never``), no system or user config (so no credential
  helper hands a token to a host the repository chose), no prompts, no submodules, symlinks
  checked out as plain files, each file capped by ``RLIMIT_FSIZE``, under a deadline.
- Archives: regular files and directories are written with no path leaving the package
  (absolute names, ``..``); symlinks are created last and only when they stay inside; hard links
  become copies of a file already extracted; devices and FIFOs are refused; bytes and files are
  counted as they are written (a bomb stops at the limit, whatever the headers claim).

Every failure is a ``FetchError`` whose message becomes the module call's unknown.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

MAX_REDIRECTS = 5
MAX_META_BYTES = 4 * 1024 * 1024  # a JSON answer (discovery, versions, download)
_CHUNK = 1 << 16


class FetchError(Exception):
    """Why a download failed (becomes the module call's unknown)."""


@dataclass(slots=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes = b""


@dataclass(slots=True)
class Budget:
    """The scan's download budget: one deadline for everything, a timeout per request."""

    deadline: float
    request_timeout: float
    max_bytes: int
    max_files: int
    ca_bundle: str = ""
    requests: list[str] = field(default_factory=list)  # every URL asked (tests count them)

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError("the total download time budget is spent")
        return left

    def timeout(self) -> float:
        return max(0.05, min(self.request_timeout, self.left()))


def _ssl_context(ca_bundle: str) -> Any:
    import ssl

    ctx = ssl.create_default_context()
    if ca_bundle:
        try:
            ctx.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"CA bundle {ca_bundle}: {exc}") from None
    return ctx


def https_get(url: str, budget: Budget, *, max_bytes: int, sink: IO[bytes] | None = None,
              headers: dict[str, str] | None = None) -> Response:
    """GET ``url`` (https only), following at most ``MAX_REDIRECTS`` https redirects; the body
    goes to ``sink`` when given (else into ``Response.body``), never more than ``max_bytes``.
    Any status is returned (the caller decides); network failures raise ``FetchError``."""
    import http.client
    import ssl
    from urllib.parse import urljoin, urlsplit

    ctx = _ssl_context(budget.ca_bundle)
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise FetchError(f"refusing to fetch {url!r}: only https URLs are downloaded")
        budget.requests.append(url)
        started = time.monotonic()
        conn = _connection(parts.hostname, parts.port or 443, budget.timeout(), ctx)
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            conn.request("GET", path, headers={"User-Agent": "policyguard", "Accept-Encoding": "identity",
                                               **(headers or {})})
            resp = conn.getresponse()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            if resp.status in (301, 302, 303, 307, 308) and "location" in hdrs:
                url = urljoin(url, hdrs["location"])
                continue
            body = b""
            total = 0
            chunks: list[bytes] = []
            declared = hdrs.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: the answer is {declared} bytes, above the {max_bytes}-byte limit")
            while True:  # each read waits at most the request timeout; the whole body, the total budget
                if time.monotonic() > budget.deadline:
                    raise FetchError(f"{url}: the total download time budget ran out after {time.monotonic() - started:.1f}s of this answer")
                chunk = resp.read1(_CHUNK)  # what has arrived: a slow drip is checked between reads
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise FetchError(f"{url}: the answer passed the {max_bytes}-byte limit")
                if sink is not None:
                    sink.write(chunk)
                else:
                    chunks.append(chunk)
            body = b"".join(chunks)
            return Response(url, resp.status, hdrs, body)
        except TimeoutError:
            raise FetchError(f"{url}: timed out after {budget.request_timeout:g}s") from None
        except ssl.SSLError as exc:
            raise FetchError(f"{url}: TLS error: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _connection(host: str, port: int, timeout: float, ctx: Any) -> Any:
    """An HTTPS connection to ``host``, through the ``https_proxy`` of the environment (a CONNECT
    tunnel: TLS is still end to end and verified) unless ``no_proxy`` exempts the host."""
    import http.client
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass

    proxy = getproxies().get("https", "")
    if proxy and not proxy_bypass(host):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if p.hostname:
            conn = http.client.HTTPSConnection(p.hostname, p.port or 8080, timeout=timeout, context=ctx)
            conn.set_tunnel(host, port)
            return conn
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)


def download_file(url: str, dest: Path, budget: Budget) -> str:
    """Download ``url`` into ``dest``; returns the body's sha256. Non-2xx is a FetchError."""
    digest = hashlib.sha256()

    class _Tee:
        def __init__(self, f: IO[bytes]) -> None:
            self.f = f

        def write(self, b: bytes) -> int:
            digest.update(b)
            return self.f.write(b)

    with open(dest, "wb") as f:
        resp = https_get(url, budget, max_bytes=budget.max_bytes, sink=_Tee(f))  # type: ignore[arg-type]
    if not 200 <= resp.status < 300:
        raise FetchError(f"{resp.url}: HTTP {resp.status}")
    return digest.hexdigest()


# --------------------------------------------------------------------------- archives
class _Counter:
    def __init__(self, budget: Budget) -> None:
        self.bytes = 0
        self.files = 0
        self.budget = budget

    def file(self, name: str) -> None:
        self.files += 1
        if self.files > self.budget.max_files:
            raise FetchError(f"the archive holds more than {self.budget.max_files} files")

    def add(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.budget.max_bytes:
            raise FetchError(f"the archive unpacks to more than {self.budget.max_bytes} bytes")


def _member_path(name: str) -> str:
    """A member name as a safe relative path, or FetchError."""
    raw = name.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise FetchError(f"archive entry {name!r} has an absolute path")
    if ".." in raw.split("/"):
        raise FetchError(f"archive entry {name!r} leaves the module directory (..)")
    norm = posixpath.normpath(raw)
    return "" if norm == "." else norm


def _write(dest: Path, rel: str, src: IO[bytes], counter: _Counter) -> None:
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as out:
        while True:
            counter.budget.left()
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            counter.add(len(chunk))
            out.write(chunk)


def _link_inside(rel: str, target: str) -> bool:
    if target.startswith("/") or "\\" in target:
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    return joined != ".." and not joined.startswith("../")


def _make_links(dest: Path, links: list[tuple[str, str]]) -> None:
    """Symlinks, after every file is written (no write ever goes through one), each checked
    again through the real path (a chain of links must not leave either)."""
    root = os.path.realpath(dest)
    for rel, target in links:
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(target, path)
        except OSError as exc:
            raise FetchError(f"archive entry {rel!r}: cannot create its symlink ({exc.strerror})") from None
    for rel, target in links:
        real = os.path.realpath(dest / rel)
        if real != root and not real.startswith(root + os.sep):
            raise FetchError(f"archive entry {rel!r} is a symlink leaving the module directory (-> {target})")


def extract(archive: Path, kind: str, dest: Path, budget: Budget) -> None:
    """Unpack ``archive`` (``zip``, ``tar``, ``tar.gz``, ``tar.bz2``, ``tar.xz``) into ``dest``."""
    counter = _Counter(budget)
    links: list[tuple[str, str]] = []
    try:
        if kind == "zip":
            _extract_zip(archive, dest, counter, links)
        else:
            _extract_tar(archive, kind, dest, counter, links)
    except FetchError:
        raise
    except (OSError, EOFError, ValueError, LookupError) as exc:  # zlib/lzma/bz2 errors are OSError/ValueError/EOFError
        raise FetchError(f"not a valid {kind} archive: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # zipfile.BadZipFile, tarfile.TarError
        raise FetchError(f"not a valid {kind} archive: {type(exc).__name__}: {exc}") from None
    _make_links(dest, links)


def _extract_zip(archive: Path, dest: Path, counter: _Counter, links: list[tuple[str, str]]) -> None:
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            rel = _member_path(info.filename)
            if not rel:
                continue
            counter.file(rel)
            mode = info.external_attr >> 16
            if info.is_dir():
                (dest / rel).mkdir(parents=True, exist_ok=True)
            elif stat.S_ISLNK(mode):
                with zf.open(info) as f:
                    target = f.read(4097).decode("utf-8", "replace")
                if not _link_inside(rel, target):
                    raise FetchError(f"archive entry {rel!r} is a symlink leaving the module directory (-> {target})")
                links.append((rel, target))
            elif mode and not (stat.S_ISREG(mode) or stat.S_IFMT(mode) == 0):
                raise FetchError(f"archive entry {rel!r} is not a regular file, directory or symlink")
            else:
                with zf.open(info) as f:
                    _write(dest, rel, f, counter)


def _extract_tar(archive: Path, kind: str, dest: Path, counter: _Counter, links: list[tuple[str, str]]) -> None:
    import tarfile

    mode: Any = {"tar": "r:", "tar.gz": "r:gz", "tar.bz2": "r:bz2", "tar.xz": "r:xz"}[kind]
    written: set[str] = set()
    with tarfile.open(archive, mode) as tf:
        for m in tf:
            rel = _member_path(m.name)
            if not rel or m.type in (tarfile.XHDTYPE, tarfile.XGLTYPE):
                continue
            counter.file(rel)
            if m.isdir():
                (dest / rel).mkdir(parents=True, exist_ok=True)
            elif m.isreg():
                src = tf.extractfile(m)
                if src is None:
                    raise FetchError(f"archive entry {rel!r} cannot be read")
                _write(dest, rel, src, counter)
                written.add(rel)
            elif m.issym():
                if not _link_inside(rel, m.linkname):
                    raise FetchError(f"archive entry {rel!r} is a symlink leaving the module directory (-> {m.linkname})")
                links.append((rel, m.linkname))
            elif m.islnk():
                target = _member_path(m.linkname)
                if target not in written:
                    raise FetchError(f"archive entry {rel!r} is a hard link to {m.linkname!r}, which is not a file extracted before it")
                with open(dest / target, "rb") as src_f:
                    _write(dest, rel, src_f, counter)
                written.add(rel)
            else:
                raise FetchError(f"archive entry {rel!r} is a device or FIFO: refused")


def check_tree(root: Path, budget: Budget) -> None:
    """A checked-out tree within the file-count and size limits (git gives no such bound)."""
    files = 0
    size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        files += len(filenames) + len(dirnames)
        for n in filenames:
            try:
                size += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                continue
        if files > budget.max_files:
            raise FetchError(f"the repository holds more than {budget.max_files} files")
        if size > budget.max_bytes:
            raise FetchError(f"the repository is larger than {budget.max_bytes} bytes")


# --------------------------------------------------------------------------- git
GIT_CONFIG = (
    "-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=false", "-c", "core.fsmonitor=false",
    "-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "credential.helper=",
    "-c", "submodule.recurse=false", "-c", "fetch.recurseSubmodules=false", "-c", "advice.detachedHead=false",
    "-c", "http.lowSpeedLimit=1000", "-c", "init.defaultBranch=main", "-c", "core.askPass=",
)


def git_env(home: str, ca_bundle: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GIT_ALLOW_PROTOCOL": "https",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_PROTOCOL_FROM_USER": "0",
    }
    for proxy in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        if proxy in os.environ:
            env[proxy] = os.environ[proxy]
    cafile = ca_bundle or os.environ.get("SSL_CERT_FILE", "")
    if cafile:
        env["GIT_SSL_CAINFO"] = cafile
    return env


def _run_git(args: list[str], budget: Budget, env: dict[str, str], cwd: str | None = None) -> str:
    from policyguard import procs

    deadline = time.monotonic() + budget.left()

    def limits() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (budget.max_bytes, budget.max_bytes))

    low = ["-c", f"http.lowSpeedTime={max(1, int(budget.request_timeout))}"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(["git", *GIT_CONFIG, *low, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=cwd, env=env, start_new_session=True, preexec_fn=limits)  # noqa: PLW1509
        except OSError as exc:
            raise FetchError(f"cannot run git: {exc.strerror or exc}") from None
        procs.adopt(proc.pid, "git", proc.kill)
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    raise FetchError("git did not finish within the download time budget")
                time.sleep(0.02)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            procs.release(proc.pid)
        if proc.returncode != 0:
            err.seek(0)
            text = err.read(4096).decode("utf-8", "replace").strip().splitlines()
            msg = next((ln for ln in reversed(text) if ln.startswith(("fatal:", "error:"))), text[-1] if text else "")
            raise FetchError(f"git {args[0] if args[0] != '-C' else args[2]} failed: {msg or f'exit status {proc.returncode}'}")
        out.seek(0)
        return out.read(65536).decode("utf-8", "replace").strip()


def git_checkout(url: str, ref: str, want: str, dest: Path, budget: Budget) -> str:
    """Check ``url`` out into ``dest`` at ``want`` (a commit, e.g. from the lock file) or else at
    ``ref`` (a branch, tag or commit; "" the default branch); returns the commit. ``.git`` is
    removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="policyguard-git-home-") as home:
        env = git_env(home, budget.ca_bundle)
        d = str(dest)
        _run_git(["init", "-q", "--template=", d], budget, env)  # no template: no hooks, not even samples
        target = want or ref or "HEAD"
        try:
            _run_git(["-C", d, "fetch", "-q", "--depth=1", "--no-tags", "--no-recurse-submodules", "--", url, target], budget, env)
            _run_git(["-C", d, "checkout", "-q", "--detach", "FETCH_HEAD"], budget, env)
        except FetchError as shallow:
            if not (want or ref):
                raise
            # a server that refuses to fetch a commit by id, or an abbreviated id: fetch all, then look it up
            try:
                _run_git(["-C", d, "fetch", "-q", "--no-recurse-submodules", "--", url,
                          "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], budget, env)
                _run_git(["-C", d, "checkout", "-q", "--detach", f"{target}^{{commit}}", "--"], budget, env)
            except FetchError:
                raise shallow from None
        commit = _run_git(["-C", d, "rev-parse", "HEAD"], budget, env)
        if want and not commit.startswith(want):
            raise FetchError(f"git checked out {commit}, not the commit {want} asked for")
        shutil.rmtree(dest / ".git", ignore_errors=True)
    check_tree(dest, budget)
    return commit
