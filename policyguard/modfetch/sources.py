"""Module source addresses, as Terraform reads them: a registry address, else a go-getter
address (``git::``, a GitHub shorthand, an HTTPS archive or an HTTPS URL that names one).

Only what can be fetched without running code or prompting for credentials is accepted: HTTPS
archives, git over HTTPS, and registries over HTTPS. Everything else (``s3::``, ``gcs::``,
``hg::``, ssh git, plain http, ``file::``) is a ``SourceError`` that becomes the call's unknown.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

DEFAULT_REGISTRY = "registry.terraform.io"
_REG_PART = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?\Z")
_REG_PROVIDER = re.compile(r"[0-9a-z]{1,64}\Z")
_HOST = re.compile(r"(?:[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?\.)*[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?(?::\d{1,5})?\Z")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ARCHIVE_KINDS = {"zip": "zip", "tar.gz": "tar.gz", "tgz": "tar.gz", "tar": "tar", "tar.bz2": "tar.bz2",
                 "tbz2": "tar.bz2", "tar.xz": "tar.xz", "txz": "tar.xz"}


class SourceError(ValueError):
    """A source policyguard does not (or may not) download, with the reason."""


@dataclass(frozen=True, slots=True)
class Registry:
    host: str
    namespace: str
    name: str
    provider: str
    subdir: str = ""

    @property
    def path(self) -> str:
        return f"{self.namespace}/{self.name}/{self.provider}"


@dataclass(frozen=True, slots=True)
class Git:
    url: str  # https://... without ?ref
    ref: str = ""
    subdir: str = ""


@dataclass(frozen=True, slots=True)
class Archive:
    url: str  # https://..., its ?archive= removed
    kind: str  # zip | tar.gz | tar | tar.bz2 | tar.xz
    subdir: str = ""


@dataclass(frozen=True, slots=True)
class HttpIndirect:
    """An HTTPS URL that is no archive: go-getter asks it (``?terraform-get=1``) for the real
    address in an ``X-Terraform-Get`` header."""

    url: str
    subdir: str = ""


Source = Registry | Git | Archive | HttpIndirect


def is_local(source: str) -> bool:
    return source.startswith(("./", "../")) or source in (".", "..")


def split_subdir(address: str) -> tuple[str, str]:
    """go-getter's ``//subdir``: the address without it, and the subdirectory (``..`` refused)."""
    scheme_end = address.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    idx = address.find("//", start)
    if idx < 0:
        return address, ""
    rest = address[idx + 2:]
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
        query = "?" + query
    return address[:idx] + query, clean_subdir(rest)


def clean_subdir(subdir: str) -> str:
    if not subdir:
        return ""
    norm = posixpath.normpath("/" + subdir).lstrip("/")
    if subdir.startswith("/") or ".." in subdir.split("/") or "\\" in subdir:
        raise SourceError(f"sub-directory {subdir!r} leaves the module package")
    return "" if norm == "." else norm


def join_subdirs(a: str, b: str) -> str:
    return clean_subdir(posixpath.join(a, b)) if a and b else (a or b)


def parse_registry(source: str) -> Registry | None:
    """A registry address (``[host/]namespace/name/provider[//subdir]``), or None when the text
    is not one (then it is a go-getter address)."""
    if "::" in source or "://" in source or source.startswith(("./", "../", "/")):
        return None
    addr, subdir = split_subdir(source)
    if "?" in addr:
        return None
    parts = addr.split("/")
    if len(parts) == 4:
        host = parts[0].lower()
        if not _HOST.match(host) or ("." not in host and not host.startswith("localhost")):
            return None
        parts = parts[1:]
    elif len(parts) == 3:
        host = DEFAULT_REGISTRY
    else:
        return None
    ns, name, provider = parts
    if host in ("github.com", "bitbucket.org") or not (_REG_PART.match(ns) and _REG_PART.match(name) and _REG_PROVIDER.match(provider)):
        return None
    return Registry(host, ns, name, provider, subdir)


def parse_source(source: str, base_url: str = "") -> Source:
    """What ``source`` names. ``base_url``: the URL a registry's download answer came from, which
    a relative ``X-Terraform-Get`` location is resolved against. Raises ``SourceError``."""
    reg = parse_registry(source) if not base_url else None
    if reg is not None:
        return reg
    return parse_getter(source, base_url)


def parse_getter(address: str, base_url: str = "") -> Source:
    address = address.strip()
    if not address:
        raise SourceError("empty source address")
    forced = ""
    m = re.match(r"([A-Za-z0-9]+)::(.*)\Z", address, re.S)
    if m:
        forced, address = m.group(1).lower(), m.group(2)
    if base_url and "://" not in address and not address.startswith(("github.com/", "git@")):
        rel, sub = split_subdir(address)  # a relative X-Terraform-Get location, its //subdir kept
        address = urljoin(base_url, rel) + (f"//{sub}" if sub else "")
    if address.startswith("git@") or address.startswith("ssh://"):
        raise SourceError("ssh git sources are not downloaded (only https; use terraform init and scan .terraform/modules)")
    if address.startswith("github.com/"):
        forced = forced or "git"
        address = "https://" + address
        head, _, rest = address.partition("?")
        base, sub = split_subdir(head)
        segs = urlsplit(base).path.strip("/").split("/")
        if len(segs) < 2:
            raise SourceError(f"GitHub address {address!r} needs an owner and a repository")
        repo_url = f"https://github.com/{segs[0]}/{segs[1].removesuffix('.git')}.git"
        extra = "/".join(segs[2:])
        sub = join_subdirs(clean_subdir(extra), sub)
        address = repo_url + (f"//{sub}" if sub else "") + (f"?{rest}" if rest else "")
    if forced and forced not in ("git", "http", "https"):
        raise SourceError(f"{forced}:: sources are not downloaded (only https archives, git over https and registries)")
    addr, subdir = split_subdir(address)
    parts = urlsplit(addr)
    if parts.scheme != "https":
        raise SourceError(f"only https:// sources are downloaded, not {parts.scheme or 'a path'} ({address!r})")
    if not parts.hostname:
        raise SourceError(f"no host in {address!r}")
    if parts.username or parts.password:
        raise SourceError("credentials in a source URL are not used")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if forced == "git" or parts.path.endswith(".git") and forced != "http":
        ref = ""
        for k, v in query:
            if k == "ref":
                ref = v
            elif k == "sshkey":
                raise SourceError("git sshkey is not supported")
        if ref.startswith("-"):
            raise SourceError(f"git ref {ref!r} is not a ref")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return Git(url, ref, subdir)  # ?depth= is an optimisation: every checkout here is shallow
    kind = ""
    rest_q = []
    for k, v in query:
        if k == "archive":
            kind = ARCHIVE_KINDS.get(v.lower(), "")
            if not kind:
                raise SourceError(f"archive={v!r} is not a supported archive format")
        elif k != "checksum":
            rest_q.append((k, v))
        else:
            raise SourceError("go-getter checksum= is not supported: pin a registry version or a git ref")
    if not kind:
        low = parts.path.lower()
        kind = next((ARCHIVE_KINDS[s.lstrip(".")] for s in ARCHIVE_SUFFIXES if low.endswith(s)), "")
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest_q), ""))
    if kind:
        return Archive(url, kind, subdir)
    return HttpIndirect(url, subdir)


def describe(source: Source) -> str:
    if isinstance(source, Registry):
        return f"registry {source.host}/{source.path}"
    if isinstance(source, Git):
        return f"git {source.url}" + (f" ref {source.ref}" if source.ref else "")
    if isinstance(source, Archive):
        return f"archive {source.url}"
    return f"https {source.url}"
