"""Where a scan may read: the repository around each scanned path.

The repository under scan is untrusted input, so content that its own expressions ask for
(Terraform's ``file()``, ``templatefile()``...) is read only from inside it: the git work tree
around a scanned path, else the scanned directory itself (a file's directory). Anything else
(``/proc/self/environ``, the runner's home, a symlink out of the tree) is never opened.
"""

from __future__ import annotations

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

