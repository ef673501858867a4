"""Resolve the remote module calls of Terraform units before they are parsed.

``resolve_units`` walks each unit's module calls (the root module, the local modules it calls,
and every module downloaded on the way), and for each call that is neither a local path nor in
``terraform init``'s ``.terraform/modules/modules.json`` downloads the source into the module
cache. The result for each unit is a list of ``FetchedModule`` records (keyed like
``modules.json``) the Terraform parser reads instead of the network.

The cache (``--module-cache``, default ``${XDG_CACHE_HOME:-~/.cache}/policyguard/modules``) holds
one directory per source and resolved version (registry version, git commit, archive sha256),
written to a temporary name and renamed when complete. The lock file
``<root module>/.policyguard/modules.lock.json`` records, per source and version constraint, what
was resolved; the next run takes the version or commit from it (no version listing, no moving
ref) and checks the archive's sha256 or the commit against it, so with a warm cache a locked
module costs no request at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.model import ErrorKind, ParseError

from .manifest import FetchedModule
from .sources import (
    Archive,
    Git,
    Registry,
    Source,
    SourceError,
    describe,
    is_local,
    join_subdirs,
    parse_getter,
    parse_source,
)
from .transport import Budget, FetchError, download_file, extract, git_checkout, https_get
from .versions import VersionError, newest_match

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.options import ModuleFetchOptions

LOCK_NAME = os.path.join(".policyguard", "modules.lock.json")
LOCK_VERSION = 1
MAX_DEPTH = 24
MAX_INDIRECTIONS = 3


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policyguard" / "modules"


@dataclass(slots=True)
class Package:
    """A downloaded package: its root in the cache, and what was resolved."""

    root: Path
    resolved: str  # version, commit or sha256 shown in messages
    lock: dict[str, str]  # what the lock file records
    subdir: str = ""


@dataclass(slots=True)
class Resolver:
    opts: ModuleFetchOptions
    budget: Budget
    cache: Path
    errors: list[ParseError] = field(default_factory=list)
    _memo: dict[tuple[str, str], Package | str] = field(default_factory=dict)
    _discovery: dict[str, str] = field(default_factory=dict)
    _cache_error: str | None = None

    # ------------------------------------------------------------------ the walk
    def resolve_root(self, root: Path) -> list[FetchedModule]:
        from policyguard.parsers.terraform.module import modules_manifest

        lock_path = root / LOCK_NAME
        lock = self._read_lock(lock_path)
        used: dict[str, dict[str, str]] = {}
        terraform_init = modules_manifest(root)
        out: list[FetchedModule] = []
        stack: list[tuple[Path, str, Path | None, tuple[str, ...]]] = [(root, "", None, (str(root.resolve()),))]
        while stack:
            directory, prefix, package, ancestors = stack.pop()
            for name, source, version in _calls(directory):
                key = f"{prefix}.{name}" if prefix else name
                child: Path | None = None
                child_pkg = package
                if is_local(source):
                    child = Path(os.path.normpath(directory / source))
                    if package is not None and not _within(child, package):
                        out.append(FetchedModule(key, source, version, error=f"local source {source!r} leaves the downloaded package of its caller"))
                        continue
                elif key in terraform_init:
                    child = Path(os.path.normpath(root / terraform_init[key]))
                    child_pkg = None
                else:
                    fetched = self.fetch(source, version, lock, used)
                    out.append(replace(fetched, key=key))
                    if fetched.error:
                        continue
                    child, child_pkg = Path(fetched.directory), Path(fetched.package)
                if child is None or not child.is_dir() or len(ancestors) >= MAX_DEPTH:
                    continue
                real = str(child.resolve())
                if real in ancestors:
                    continue
                stack.append((child, key, child_pkg, ancestors + (real,)))
        if self.opts.write_lock and used and used != lock:
            self._write_lock(lock_path, {**lock, **used})
        return out

    def fetch(self, source: str, version: str, lock: dict[str, dict[str, str]], used: dict[str, dict[str, str]]) -> FetchedModule:
        lock_key = f"{source}|{version}"
        memo_key = (source, version)
        hit = self._memo.get(memo_key)
        if hit is None:
            hit = self._memo[memo_key] = self._fetch(source, version, lock.get(lock_key) or {})
        if isinstance(hit, str):
            what = f"source {source!r}" + (f" version {version!r}" if version else "")
            return FetchedModule("", source, version, error=f"download of {what} failed: {hit}")
        used[lock_key] = {"source": source, "version_constraint": version, **hit.lock}
        directory = hit.root / hit.subdir if hit.subdir else hit.root
        if not directory.is_dir():
            return FetchedModule("", source, version, error=f"the downloaded package has no sub-directory {hit.subdir!r}")
        return FetchedModule("", source, version, str(directory), str(hit.root), hit.resolved)

    def _fetch(self, source: str, version: str, locked: dict[str, str]) -> Package | str:
        try:
            if self._cache_error is not None:
                return self._cache_error
            parsed = parse_source(source)
            if isinstance(parsed, Registry):
                return self._registry(parsed, version, locked)
            if version:
                return f"a version constraint applies only to registry sources, not to {describe(parsed)}"
            return self._getter(parsed, locked)
        except (FetchError, SourceError, VersionError) as exc:
            return str(exc)
        except OSError as exc:  # the cache directory (disk full, permissions)
            return f"the module cache {self.cache}: {exc.strerror or exc}"

    # ------------------------------------------------------------------ registry protocol
    def _modules_base(self, host: str) -> str:
        base = self._discovery.get(host)
        if base is None:
            url = f"https://{host}/.well-known/terraform.json"
            doc = self._json(url, "service discovery")
            loc = doc.get("modules.v1") if isinstance(doc, dict) else None
            if not isinstance(loc, str) or not loc:
                raise FetchError(f"{url}: the host offers no module registry (no modules.v1)")
            from urllib.parse import urljoin

            base = urljoin(url, loc)
            if not base.endswith("/"):
                base += "/"
            self._discovery[host] = base
        return base

    def _json(self, url: str, what: str) -> Any:
        resp = https_get(url, self.budget, max_bytes=1 << 22)
        if resp.status == 404:
            raise FetchError(f"{url}: not found (HTTP 404)")
        if resp.status != 200:
            raise FetchError(f"{url}: HTTP {resp.status}")
        try:
            return json.loads(resp.body)
        except (ValueError, RecursionError):
            raise FetchError(f"{url}: the {what} answer is not JSON") from None

    def _registry(self, reg: Registry, constraint: str, locked: dict[str, str]) -> Package | str:
        from urllib.parse import quote

        chosen = locked.get("version", "")
        if chosen and newest_match([chosen], constraint) is None:
            chosen = ""  # the constraint changed since the lock was written
        base = ""
        if not chosen:
            base = self._modules_base(reg.host)
            url = f"{base}{reg.path}/versions"
            doc = self._json(url, "versions")
            available: list[str] = []
            for mod in doc.get("modules", []) if isinstance(doc, dict) else []:
                for v in mod.get("versions", []) if isinstance(mod, dict) else []:
                    if isinstance(v, dict) and isinstance(v.get("version"), str):
                        available.append(v["version"])
            picked = newest_match(available, constraint)
            if picked is None:
                shown = ", ".join(available[:12]) + (" ..." if len(available) > 12 else "")
                return f"no version of {reg.host}/{reg.path} matches {constraint or 'any'} (available: {shown or 'none'})"
            chosen = picked
        cache_key = f"registry|{reg.host}/{reg.path}|{chosen}"
        cached = self._cached(cache_key)
        if cached is not None:
            return replace(cached, subdir=join_subdirs(cached.subdir, reg.subdir))
        if locked.get("version") == chosen and locked.get("location"):
            location, dl_url = locked["location"], locked.get("download_url", "")
        else:
            base = base or self._modules_base(reg.host)
            dl_url = f"{base}{reg.path}/{quote(chosen)}/download"
            resp = https_get(dl_url, self.budget, max_bytes=1 << 20)
            if resp.status not in (200, 204):
                raise FetchError(f"{dl_url}: HTTP {resp.status}")
            location = resp.headers.get("x-terraform-get", "")
            if not location and resp.body:
                try:
                    doc = json.loads(resp.body)
                    location = doc.get("location", "") if isinstance(doc, dict) else ""
                except ValueError:
                    location = ""
            if not location:
                raise FetchError(f"{dl_url}: no X-Terraform-Get header or location in the answer")
        target = parse_getter(location, dl_url)
        pkg = self._getter(target, {k: v for k, v in locked.items() if locked.get("version") == chosen})
        if isinstance(pkg, str):
            return pkg
        pkg.lock = {"version": chosen, "location": location, "download_url": dl_url, **pkg.lock}
        pkg.resolved = chosen
        self._store_alias(cache_key, pkg)
        return replace(pkg, subdir=join_subdirs(pkg.subdir, reg.subdir))

    # ------------------------------------------------------------------ go-getter sources
    def _getter(self, src: Source, locked: dict[str, str], depth: int = 0) -> Package | str:
        if isinstance(src, Registry):  # only reachable through a malformed location
            return "a download location must not name another registry module"
        if isinstance(src, Git):
            return self._git(src, locked)
        if isinstance(src, Archive):
            return self._archive(src, locked)
        if depth >= MAX_INDIRECTIONS:
            return f"more than {MAX_INDIRECTIONS} X-Terraform-Get indirections"
        sep = "&" if "?" in src.url else "?"
        resp = https_get(f"{src.url}{sep}terraform-get=1", self.budget, max_bytes=1 << 20)
        location = resp.headers.get("x-terraform-get", "")
        if not 200 <= resp.status < 300 or not location:
            return (f"{resp.url}: HTTP {resp.status}, no X-Terraform-Get header "
                    "(an https source must be an archive or answer with the real address)")
        inner = self._getter(parse_getter(location, resp.url), locked, depth + 1)
        if isinstance(inner, str):
            return inner
        return replace(inner, subdir=join_subdirs(inner.subdir, src.subdir))

    def _git(self, src: Git, locked: dict[str, str]) -> Package | str:
        want = locked.get("commit", "")
        if not want and len(src.ref) == 40 and all(c in "0123456789abcdef" for c in src.ref):
            want = src.ref
        if want:
            cached = self._cached(f"git|{src.url}|{want}")
            if cached is not None:
                return replace(cached, subdir=src.subdir)
        tmp = self._tmp()
        try:
            commit = git_checkout(src.url, src.ref, want, tmp, self.budget)
            pkg = self._store(f"git|{src.url}|{commit}", tmp, commit[:12], {"commit": commit})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return replace(pkg, subdir=src.subdir)

    def _archive(self, src: Archive, locked: dict[str, str]) -> Package | str:
        want = locked.get("sha256", "")
        if want:
            cached = self._cached(f"archive|{src.url}|{want}")
            if cached is not None:
                return replace(cached, subdir=src.subdir)
        tmp = self._tmp()
        try:
            blob = tmp.with_name(tmp.name + ".download")
            try:
                digest = download_file(src.url, blob, self.budget)
                if want and digest != want:
                    return (f"{src.url}: the archive changed since the lock file recorded it "
                            f"(sha256 {want[:12]}..., now {digest[:12]}...)")
                extract(blob, src.kind, tmp, self.budget)
            finally:
                blob.unlink(missing_ok=True)
            pkg = self._store(f"archive|{src.url}|{digest}", tmp, f"sha256:{digest[:12]}", {"sha256": digest})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return replace(pkg, subdir=src.subdir)

    # ------------------------------------------------------------------ cache
    def _entry(self, cache_key: str) -> Path:
        return self.cache / hashlib.sha256(cache_key.encode()).hexdigest()[:32]

    def _cached(self, cache_key: str) -> Package | None:
        entry = self._entry(cache_key)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("key") != cache_key or not (entry / "pkg").is_dir():
            return None
        target = Path(meta.get("package") or entry / "pkg")
        if not target.is_dir():
            return None
        return Package(target, str(meta.get("resolved", "")), dict(meta.get("lock") or {}))

    def _tmp(self) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        return Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.cache))

    def _store(self, cache_key: str, tree: Path, resolved: str, lock: dict[str, str]) -> Package:
        """Move a complete download into the cache (atomically: a rename; a concurrent run that
        got there first wins and its copy is used)."""
        entry = self._entry(cache_key)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.cache))
        os.rename(tree, staging / "pkg")
        tree.mkdir()  # the caller removes it
        meta = {"key": cache_key, "resolved": resolved, "lock": lock, "stored": int(time.time())}
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(staging, entry)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        cached = self._cached(cache_key)
        if cached is None:
            raise FetchError(f"the module cache {self.cache} could not store the download")
        return cached

    def _store_alias(self, cache_key: str, pkg: Package) -> None:
        """A registry version's entry, pointing at the package its location was stored under."""
        entry = self._entry(cache_key)
        if (entry / "meta.json").exists():
            return
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.cache))
        (staging / "pkg").mkdir()
        meta = {"key": cache_key, "resolved": pkg.resolved, "lock": pkg.lock, "package": str(pkg.root)}
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(staging, entry)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)

    # ------------------------------------------------------------------ lock file
    def _read_lock(self, path: Path) -> dict[str, dict[str, str]]:
        from policyguard.fsread import ReadError, read_regular

        if not path.exists() and not path.is_symlink():
            return {}
        try:
            text = read_regular(path, 4 * 1024 * 1024).decode("utf-8")
            doc = json.loads(text)
        except ReadError as exc:
            self.errors.append(ParseError(str(path), exc.line, exc.column, f"module lock file: {exc.message}", ErrorKind.CONFIG))
            return {}
        except UnicodeDecodeError:
            self.errors.append(ParseError(str(path), 1, 1, "module lock file: not UTF-8", ErrorKind.CONFIG))
            return {}
        except json.JSONDecodeError as exc:
            self.errors.append(ParseError(str(path), exc.lineno, exc.colno, f"module lock file: invalid JSON: {exc.msg}", ErrorKind.CONFIG))
            return {}
        except RecursionError:
            self.errors.append(ParseError(str(path), 1, 1, "module lock file: nested too deeply", ErrorKind.CONFIG))
            return {}
        mods = doc.get("modules") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or doc.get("version") != LOCK_VERSION or not isinstance(mods, dict):
            self.errors.append(ParseError(str(path), 1, 1, f"module lock file: expected {{\"version\": {LOCK_VERSION}, \"modules\": {{...}}}}", ErrorKind.CONFIG))
            return {}
        out: dict[str, dict[str, str]] = {}
        for k, v in mods.items():
            if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
                out[k] = dict(v)
            else:
                line = text[: text.find(json.dumps(k))].count("\n") + 1 if json.dumps(k) in text else 1
                self.errors.append(ParseError(str(path), line, 1, f"module lock file: entry {k!r} must map names to strings", ErrorKind.CONFIG))
        return out

    @staticmethod
    def _write_lock(path: Path, entries: dict[str, dict[str, str]]) -> None:
        doc = {"version": LOCK_VERSION, "modules": {k: entries[k] for k in sorted(entries)}}
        try:
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".modules.lock.", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only checkout: the next run resolves again (README "Remote modules")


def _within(path: Path, root: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top + os.sep)


def _calls(directory: Path) -> Iterable[tuple[str, str, str]]:
    """(name, source, version) of each module call of a directory whose source is a literal
    string (Terraform requires that; anything else the parser reports)."""
    from policyguard.parsers.terraform.evaluate import eval_constant
    from policyguard.parsers.terraform.module import cached_module

    mdef = cached_module(directory)
    for name, call in mdef.calls.items():
        src = call.body.attrs.get("source")
        if src is None:
            continue
        source = eval_constant(src.expr, directory)
        if not isinstance(source, str):
            continue
        ver = call.body.attrs.get("version")
        version = eval_constant(ver.expr, directory) if ver is not None else ""
        yield name, source, version if isinstance(version, str) else ""


def _cache_dir(opts: ModuleFetchOptions) -> tuple[Path, str | None]:
    """The cache directory, and why it may not be used (another user's, or writable by others:
    whoever can write it chooses what the gate scans)."""
    cache = Path(opts.cache_dir).expanduser() if opts.cache_dir else default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = cache.stat()
    except OSError as exc:
        return cache, f"the module cache {cache} cannot be used: {exc.strerror or exc}"
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return cache, f"the module cache {cache} is not private (owned by another user or writable by others)"
    return cache, None


def resolve_units(units: list[Unit], opts: ModuleFetchOptions) -> tuple[list[Unit], list[ParseError]]:
    """Each Terraform unit with its fetched modules (``Unit.fetched``); errors: unreadable lock
    files. Never raises on bad input or a failed download: those become per-call records."""
    from policyguard.formats import TERRAFORM

    if not opts.download or not any(u.format == TERRAFORM for u in units):
        return units, []
    cache, why = _cache_dir(opts)
    budget = Budget(time.monotonic() + opts.total_timeout, opts.request_timeout, opts.max_bytes, opts.max_files,
                    opts.ca_bundle)
    resolver = Resolver(opts, budget, cache, _cache_error=why)
    out: list[Unit] = []
    for unit in units:
        if unit.format != TERRAFORM:
            out.append(unit)
            continue
        try:
            fetched = resolver.resolve_root(Path(unit.path))
        except Exception as exc:  # a resolver bug must not lose the scan: the unit's calls stay unresolved
            resolver.errors.append(ParseError(str(unit.path), 1, 1, f"internal error resolving remote modules: "
                                              f"{type(exc).__name__}: {exc}", ErrorKind.PARSE))
            fetched = []
        out.append(replace(unit, fetched=tuple(fetched)) if fetched else unit)
    return out, resolver.errors


__all__ = ["FetchedModule", "default_cache_dir", "resolve_units"]
