"""Where a scan may read: the repository around each scanned path.

The repository under scan is untrusted input, so content that its own expressions ask for
(Terraform's ``file()``, ``templatefile()``...) is read only from inside it: the git work tree
around a scanned path, else the scanned directory itself (a file's directory). Anything else
(``/proc/self/environ``, the runner's home, a symlink out of the tree) is never opened.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


def repository_roots(paths: list[str] | list[Path]) -> tuple[Path, ...]:
    """The trees a change under review controls, one per distinct scanned path (resolved)."""
    roots: list[Path] = []
    for raw in paths or ["."]:
        p = Path(raw).resolve()
        start = p if p.is_dir() else p.parent
        top = next((d for d in (start, *start.parents) if (d / ".git").exists()), start)
        if top not in roots:
            roots.append(top)
    return tuple(roots)


def inside(path: Path, roots: tuple[Path, ...] | list[Path]) -> bool:
    """Is ``path``, with every symlink resolved, in one of ``roots``?"""
    real = Path(os.path.realpath(path))
    return any(real == r or r in real.parents for r in roots)



def relative(file: str, root: str) -> str:
    """``os.path.relpath(os.path.abspath(file), root)`` (ValueError across Windows drives), without
    relpath's walk over both paths when ``file`` lies under ``root``: the case of nearly every
    file of a scan, asked once per file by the report and the fingerprints."""
    ab = os.path.abspath(file)
    prefix = _plain_prefix(root)
    if prefix is not None and ab.startswith(prefix):
        return ab[len(prefix):]
    return os.path.relpath(ab, root)


@functools.lru_cache(maxsize=16)
def _plain_prefix(root: str) -> str | None:
    """``root`` and a separator when ``root`` is absolute and normal (what relpath would make
    of it), so a path starting with it is inside it; else None."""
    if root and os.path.isabs(root) and root == os.path.normpath(root) and not root.endswith(os.sep):
        return root + os.sep
    return None


def report_root(paths: list[str] | tuple[str, ...], config_dir: Path | None = None) -> str | None:
    """Where report paths (SARIF URIs, JSON and baseline files) and fingerprints start for a scan
    of ``paths``, whatever the current directory: the git work tree around the scanned paths, else
    the config file's directory when every scanned path lies in it, else the scan root (the
    scanned directory; a file's directory; the deepest directory holding all of them). So a
    baseline made from a parent directory or a subdirectory matches one made at the top.
    None when no path names a file (a stream on stdin: its name is the user's, kept as given).

    Paths stay absolute but unresolved (as the scan names its files); symlinks are resolved
    only to compare directories."""
    dirs = []
    for raw in paths:
        if raw == "-":
            continue
        p = Path(os.path.abspath(raw))
        dirs.append(p if p.is_dir() else p.parent)
    if not dirs:
        return None
    tops = [next((d for d in (x, *x.parents) if (d / ".git").exists()), None) for x in dirs]
    if all(t is not None for t in tops):
        return os.path.commonpath([str(t) for t in tops])
    if config_dir is not None:
        want = os.path.realpath(config_dir)
        found = [next((a for a in (d, *d.parents) if os.path.realpath(a) == want), None) for d in dirs]
        if all(a is not None for a in found):
            return os.path.commonpath([str(a) for a in found])
    return os.path.commonpath([str(d) for d in dirs])
