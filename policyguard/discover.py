"""Discovery: walk the paths given to a scan and cut them into parse *units*.

A unit is what one parser call handles: a Terraform directory (all its ``.tf``/``.tf.json``
files), a kustomization directory, a Helm chart directory (``Chart.yaml``), or one candidate
document file (``.json``/``.yaml``/``.yml``/``.template``). Discovery decides by *name*; the
files it opens are kustomization files, to learn which bases, manifests and charts they render,
and ``Chart.yaml`` files, to list a chart's subcharts (those are then no units of their own:
``kustomize_units``, ``helm_units``; no file inside a chart is a standalone manifest). Whether a document is a CloudFormation
template, Kubernetes objects, a Terraform plan or not IaC at all is decided by parsing it
(``parsers.documents``), so no style of YAML or JSON can hide IaC from the gate. Files that are
not candidates are listed in ``skipped`` with the reason (``--verbose``).

Symlinks (the scanned tree is untrusted input):

* a symlink whose target stays inside the scan root (the directory argument; for a file
  argument, the current directory when the file is below it, else the file's directory) is
  followed; one that leaves it is an error naming the link and its target, and is not read,
  unless ``follow_external_symlinks``. Broken links and loops are errors; nothing hangs: every
  real directory is listed at most once.
* a symlinked ``.tf`` file is part of every directory it appears in (Terraform reads the
  directory), so two modules sharing ``variables.tf`` through a link both see it.
* a document file reached by several paths (a symlinked file or directory) is judged once, under
  its plainest path (no symlink on the way, then the first in walk order); the other paths are
  listed in ``skipped``. Symlinked directories are walked after the real tree, so a directory
  that is also reachable directly is scanned under its own path.

Synthesized CDK output (``cdk.out``, ``cdktf.out``) is recognised by its file names: its
templates and ``cdk.tf.json`` are units, its manifests, construct tree and asset copies are
skipped with the reason (``synth_byproducts``), also when given as files.

Non-regular files (FIFOs, sockets, devices, ``/proc`` entries) named like IaC are errors and are
never opened (``fsread``). Excludes are ``fnmatch`` globs checked against the path relative to
the scan root, the path as the user wrote it, and the basename; ``dir/**`` prunes a whole
directory.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from policyguard.formats import (
    DOCUMENT,
    FORMATS,
    HELM,
    HELM_CHART_FILE,
    KUSTOMIZATION_NAMES,
    KUSTOMIZE,
    TERRAFORM,
    directory_suffixes,
    format_of_file,
)
from policyguard.fsread import PSEUDO_MESSAGE, file_type, is_pseudo
from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError

if TYPE_CHECKING:
    from policyguard.modfetch.manifest import FetchedModule

# .policyguard: policyguard's own state beside a root module (the module lock file)
PRUNE_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".terragrunt-cache",
                        ".policyguard"})



@dataclass(frozen=True)
class Unit:
    """One parser call: ``path`` is a directory for ``terraform``, else the file itself.
    ``text``: the content when it is in memory (a stream: ``path`` is then the name reports show
    and no file is read); ``expect``: the format the content must be parsed as (None: it decides)."""

    format: str
    path: Path
    files: list[Path]
    text: str | None = None
    expect: str | None = None
    # a Terraform unit's remote module calls, resolved before parsing (--download-modules)
    fetched: tuple[FetchedModule, ...] = ()


def stdin_unit(text: str, name: str, expect: str | None = None) -> Unit:
    """The unit of a stream (``scan -``): one YAML/JSON document file held in memory, shown in
    reports as ``name``."""
    return Unit(DOCUMENT, Path(name), [Path(name)], text=text, expect=expect)


@dataclass
class Discovery:
    """What a walk of the scanned paths found: the parse units, the errors and the files left out."""

    units: list[Unit] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it is not scanned)


# --------------------------------------------------------------------------- the walk
_TF_SUFFIXES = directory_suffixes()  # formats.FORMATS: files that make their directory a unit
_DOC_SUFFIXES = FORMATS[DOCUMENT].suffixes


def _candidate(name: str) -> bool:
    """Would discovery read a file of this name?"""
    return format_of_file(name) is not None


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


@dataclass
class _Root:
    """A scanned directory."""

    path: Path  # as given: excludes match paths relative to it
    real: str  # its resolved path: symlinks must not lead out of it


@dataclass
class _TfDir:
    """A directory holding Terraform files (one unit), and how it was reached."""

    rank: int  # 0: reached without a symlinked directory on the way, 1: through one
    path: Path
    names: set[str] = field(default_factory=set)


class _Walker:
    def __init__(self, excludes: list[str], limits: Limits, follow_external: bool) -> None:
        self.excludes = [e.rstrip("/") if not e.endswith("/**") else e for e in excludes]
        self.limits = limits
        self.follow_external = follow_external
        self.out = Discovery()
        self.docs: dict[str, tuple[int, Path]] = {}  # real file -> (rank, path reached)
        self.doc_paths: dict[str, list[Path]] = {}  # real file -> every path that reached it
        self.tf_dirs: dict[str, _TfDir] = {}  # real directory -> unit
        self.walked: set[str] = set()  # real directories listed
        self.pending: list[tuple[Path, _Root]] = []  # symlinked directories, walked after the real tree
        self.kust_dirs: dict[str, tuple[Path, _Root]] = {}  # real directory -> (path, root): kustomizations
        self.synth_markers: dict[str, set[str]] = {}  # directory -> which CDK output markers it holds
        self.byproduct_dirs: dict[str, str] = {}  # directory -> why it is a synth byproduct ("" if not)
        self.chart_dirs: dict[str, Path] = {}  # real directory -> path: Helm charts (subcharts included)

    def excluded(self, path: Path, root: Path, is_dir: bool) -> bool:
        if not self.excludes:
            return False
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = path.as_posix()
        forms = {rel, path.as_posix(), path.name}
        if is_dir:
            forms |= {f + "/" for f in forms}
        return any(fnmatch.fnmatchcase(f, g) for f in forms for g in self.excludes)

    def error(self, path: Path | str, message: str, kind: ErrorKind = ErrorKind.UNREADABLE) -> None:
        self.out.errors.append(ParseError(str(path), 1, 1, message, kind))

    # ---- arguments
    def add_path(self, arg: Path) -> None:
        if not os.path.lexists(arg):
            self.error(arg, "no such file or directory")
            return
        if arg.is_dir():
            root = _Root(arg, os.path.realpath(arg))
            self.walk(arg, root, 0)
            self.enclosing_chart(arg / HELM_CHART_FILE)
            return
        # a file argument (pre-commit passes files): its root is the current directory when the
        # file is below it (the repository), else its own directory
        cwd = os.getcwd()
        parent = os.path.abspath(arg.parent)
        root = _Root(Path(cwd), os.path.realpath(cwd)) if _inside(parent, cwd) else _Root(arg.parent, os.path.realpath(arg.parent))
        why = self.in_byproduct(arg, root.path)
        if why:
            self.out.skipped.append((str(arg), why))
            return
        if arg.is_symlink():
            self.link(arg, root, 0)
        else:
            self.file(arg, root, 0, link=False)
        if arg.name.lower().endswith(_TF_SUFFIXES):
            self.siblings(arg.parent, root)
        self.enclosing_kustomization(arg, root)
        self.enclosing_chart(arg)

    def enclosing_chart(self, arg: Path) -> None:
        """A path inside a Helm chart (a changed template or values file; a directory below the
        chart): the chart is rendered, through its parent when it is a subchart vendored in
        ``charts/``, and the files in it are no standalone manifests. Stops at the repository."""
        from policyguard.roots import repository_roots

        top = os.path.realpath(repository_roots([arg.parent])[0])
        d, found = arg.parent, None
        while True:
            if found is None:
                if (d / HELM_CHART_FILE).is_file():
                    found = d
            elif d == found.parent and d.name == "charts":
                pass  # a subchart: its parent chart renders it
            elif d == found.parent.parent and found.parent.name == "charts" and (d / HELM_CHART_FILE).is_file():
                found = d
            else:
                break
            if os.path.realpath(d) == top or d.parent == d:
                break
            d = d.parent
        if found is not None:
            self.chart_dirs.setdefault(os.path.realpath(found), found)

    def in_byproduct(self, arg: Path, root: Path) -> str:
        """Why a file given as an argument (pre-commit passes changed files) is a synth
        byproduct or lies in one (an asset of a committed cdk.out), as the walk would have
        skipped it; "" if not. Each directory is looked at once per scan (cached)."""
        stop = os.path.abspath(root)
        path = os.path.abspath(arg)
        d = os.path.dirname(path)
        why = self._byproduct_entry(d, os.path.basename(path))
        while not why and d != stop:
            parent = os.path.dirname(d)
            if parent == d:
                break
            cached = self.byproduct_dirs.get(d)
            if cached is None:
                cached = self.byproduct_dirs[d] = self._byproduct_entry(parent, os.path.basename(d))
            why, d = cached, parent
        return why

    def _byproduct_entry(self, parent: str, name: str) -> str:
        """``name`` in directory ``parent`` (absolute): the synth byproduct reason, or ""."""
        markers = self.synth_markers.get(parent)
        if markers is None:
            present = {n for n in _SYNTH_MARKERS if os.path.lexists(os.path.join(parent, n))}
            markers = self.synth_markers[parent] = cdktf_marker(parent, present)
        if not markers:
            return ""
        return synth_byproducts(os.path.basename(parent), markers | {name}).get(name, "")

    def enclosing_kustomization(self, arg: Path, root: _Root) -> None:
        """A file given (pre-commit passes changed files): the nearest kustomization directory
        above it, up to the root, is rendered too, so a changed patch or base manifest is judged
        as kustomize renders it (and, if that kustomization renders it, not also as a raw file)."""
        d = arg.parent
        stop = os.path.abspath(root.path)
        while True:
            if any(os.path.isfile(d / n) for n in KUSTOMIZATION_NAMES):
                if not self.excluded(d, root.path, is_dir=True):
                    self.kust_dirs.setdefault(os.path.realpath(d), (d, root))
                return
            if os.path.abspath(d) == stop or d.parent == d:
                return
            d = d.parent

    def siblings(self, directory: Path, root: _Root) -> None:
        """A single .tf file given: its unit is its whole directory."""
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            self.error(directory, f"cannot list directory: {exc.strerror}")
            return
        for e in entries:
            if not e.name.lower().endswith(_TF_SUFFIXES):
                continue
            p = directory / e.name
            if e.is_symlink():
                self.link(p, root, 0)
            elif not e.is_dir(follow_symlinks=False):
                self.file(p, root, 0, link=False)

    # ---- the tree
    def walk(self, top: Path, root: _Root, rank: int) -> None:
        stack = [top]
        while stack:
            d = stack.pop()
            real = os.path.realpath(d)
            if real in self.walked:
                continue
            self.walked.add(real)
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError as exc:
                self.error(d, f"cannot list directory: {exc.strerror}")
                continue
            subdirs: list[Path] = []
            byproducts = synth_byproducts(d.name, cdktf_marker(str(d), {e.name for e in entries}))
            for e in entries:
                p = d / e.name
                if e.name in byproducts:
                    self.out.skipped.append((str(p), byproducts[e.name]))
                    continue
                try:
                    if e.is_symlink():
                        self.link(p, root, rank)
                    elif e.is_dir(follow_symlinks=False):
                        if e.name not in PRUNE_DIRS and not self.excluded(p, root.path, is_dir=True):
                            subdirs.append(p)
                    else:
                        self.file(p, root, rank, link=False, real_dir=real)
                except OSError as exc:
                    self.error(p, f"cannot read directory entry: {exc.strerror}")
            stack.extend(reversed(subdirs))

    def link(self, p: Path, root: _Root, rank: int) -> None:
        """A symlink: followed when it stays inside the scan root (or with --follow-external-symlinks)."""
        try:
            target = os.path.realpath(p, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.error(p, f"symlink loop: {p} -> {_readlink(p)} never reaches a file: not read")
            elif _candidate(p.name) and not self.excluded(p, root.path, is_dir=False):
                self.error(p, f"broken symlink: {p} -> {_readlink(p)} does not exist")
            else:
                self.out.skipped.append((str(p), "not IaC: broken symlink"))
            return
        is_dir = os.path.isdir(target)
        if self.excluded(p, root.path, is_dir=is_dir) or (is_dir and p.name in PRUNE_DIRS):
            return
        if not is_dir and not _candidate(p.name):
            self.file(p, root, rank, link=True)  # skipped by its name, with the reason
            return
        if not _inside(target, root.real) and not self.follow_external:
            self.error(
                p,
                f"symlink {p} -> {target} leaves the scan root {root.path}: not read "
                "(--follow-external-symlinks reads it)",
            )
            return
        if not is_dir:
            self.file(p, root, rank, link=True)
            return
        parent_real = os.path.realpath(p.parent)
        if _inside(parent_real, target):
            self.error(p, f"symlink loop: {p} -> {target} is a directory that contains the link: not followed")
            return
        self.pending.append((p, root))

    def file(self, path: Path, root: _Root, rank: int, *, link: bool, real_dir: str | None = None) -> None:
        """A file found by name; ``real_dir``: its directory's resolved path, when already known."""
        if self.excluded(path, root.path, is_dir=False):
            return
        if path.name == HELM_CHART_FILE:  # exact name, as Helm reads it
            self.chart_dirs.setdefault(real_dir if real_dir is not None and not link else os.path.realpath(path.parent),
                                       path.parent)
            return
        if path.name in KUSTOMIZATION_NAMES:  # exact names, as kustomize matches them
            real = real_dir if real_dir is not None and not link else os.path.realpath(path.parent)
            if real not in self.kust_dirs:
                self.kust_dirs[real] = (path.parent, root)
            return
        name = path.name.lower()
        if name.endswith(_TF_SUFFIXES):
            if real_dir is None:
                real_dir = os.path.realpath(path.parent)
            unit = self.tf_dirs.get(real_dir)
            if unit is None:
                unit = self.tf_dirs[real_dir] = _TfDir(rank, path.parent)
            elif rank < unit.rank:
                unit.rank, unit.path = rank, path.parent
            unit.names.add(path.name)  # a symlinked file belongs to every directory it is in
            return
        if name.endswith((".tfvars", ".tfvars.json")):
            self.out.skipped.append((str(path), "Terraform variables: read with the configuration directory"))
            return
        if not name.endswith(_DOC_SUFFIXES):
            self.out.skipped.append((str(path), f"not IaC: file type {path.suffix or '(none)'} is not scanned"))
            return
        # a manifest, template or plan is judged once per real file, under its plainest path
        real = os.path.join(real_dir, path.name) if real_dir is not None and not link else os.path.realpath(path)
        doc_rank = rank + (1 if link else 0)
        self.doc_paths.setdefault(real, []).append(path)
        prev = self.docs.get(real)
        if prev is None or doc_rank < prev[0]:
            self.docs[real] = (doc_rank, path)

    def finish(self) -> Discovery:
        while self.pending:  # symlinked directories whose target the real walk did not list
            p, root = self.pending.pop(0)
            if os.path.realpath(p) in self.walked:
                self.out.skipped.append((str(p), "symlink to a directory already scanned under another path"))
                continue
            self.walk(p, root, 1)
        limit = self.limits.max_file_bytes
        for unit in self.tf_dirs.values():
            kept: list[Path] = []
            for n in sorted(unit.names):
                f = unit.path / n
                try:
                    st = os.stat(f)
                except OSError as exc:
                    self.error(f, f"cannot read file: {exc.strerror}")
                    continue
                if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                    self.error(f, f"not a regular file ({file_type(st.st_mode)}): not read")
                    continue
                if is_pseudo(f, st):
                    self.error(f, PSEUDO_MESSAGE)
                    continue
                if st.st_size > limit:
                    self.error(f, f"file is {st.st_size} bytes, above the {limit}-byte limit", ErrorKind.LIMIT)
                    continue
                kept.append(f)
            if kept:
                self.out.units.append(Unit(TERRAFORM, unit.path, kept))
        rendered = self.kustomize_units()
        charts = self.helm_units(rendered)
        for real, (_, path) in self.docs.items():
            if real in rendered:
                self.out.skipped.append((str(path), f"rendered by the kustomization in {rendered[real]}"))
                continue
            chart = _owner(real, charts)
            if chart is not None:
                self.out.skipped.append((str(path), f"part of the Helm chart {chart} (rendered with helm)"))
                continue
            self.out.units.append(Unit(DOCUMENT, path, [path]))
            for other in dict.fromkeys(self.doc_paths[real]):
                if other != path:
                    self.out.skipped.append((str(other), f"same file as {path} (judged once, there)"))
        self.out.units.sort(key=lambda u: (str(u.path), u.format))
        return self.out


    def kustomize_units(self) -> dict[str, str]:
        """Kustomization directories -> units (README "How units are chosen"): one that another
        kustomization of the scan builds on (a base, a component) is rendered only through it;
        the others are units. Returns the files the units render (real path -> unit), which
        are then no standalone manifests."""
        if not self.kust_dirs:
            return {}
        from policyguard.parsers.kustomize_tree import walk
        from policyguard.roots import repository_roots

        trees = {}
        for real, (path, root) in self.kust_dirs.items():
            trees[real] = (path, walk(path, repository_roots([root.path]), self.limits))
        used_by: dict[str, Path] = {}
        for real, (path, tree) in trees.items():
            for k in tree[:-1] if tree and os.path.realpath(tree[-1].directory) == real else []:
                used_by.setdefault(os.path.realpath(k.directory), path)
        rendered: dict[str, str] = {}
        for real, (path, tree) in sorted(trees.items(), key=lambda t: str(t[1][0])):
            if not tree:
                continue
            top = tree[-1]
            if real in used_by:
                self.out.skipped.append((str(top.file), f"kustomization rendered through {used_by[real]}"))
                continue
            if top.kind == "Component":
                self.out.skipped.append((str(top.file), "kustomize Component: rendered by the kustomizations that use it"))
                continue
            files: dict[str, Path] = {}
            for k in tree:
                for f in (k.file, *k.files):
                    r = os.path.realpath(f)
                    if os.path.isfile(r):
                        files.setdefault(r, f)
                        rendered.setdefault(r, str(path))
            self.out.units.append(Unit(KUSTOMIZE, path, sorted(files.values())))
        return rendered


    def helm_units(self, rendered: dict[str, str]) -> dict[str, str]:
        """Chart directories -> units (README "Helm charts"): a chart vendored in another
        chart's ``charts/`` is rendered only through it, one a kustomization of the scan renders
        (``helmCharts``) only through that; every other chart is a unit. Returns each chart
        directory (real path) -> the unit that renders it."""
        if not self.chart_dirs:
            return {}
        from policyguard.parsers.helm_chart import load_chart

        parents = {}
        for real in self.chart_dirs:
            parent = os.path.dirname(real)
            if os.path.basename(parent) == "charts" and os.path.dirname(parent) in self.chart_dirs:
                parents[real] = os.path.dirname(parent)
        owner: dict[str, str] = {}
        for real, path in sorted(self.chart_dirs.items(), key=lambda t: str(t[1])):
            top = real
            while top in parents:
                top = parents[top]
            owner[real] = str(self.chart_dirs[top])
            by = rendered.get(os.path.join(top, HELM_CHART_FILE))
            if by is not None:
                owner[real] = f"{owner[real]} (rendered by the kustomization in {by})"
                self.out.skipped.append((str(path / HELM_CHART_FILE), f"Helm chart rendered by the kustomization in {by}"))
                continue
            if top != real:
                self.out.skipped.append((str(path / HELM_CHART_FILE), f"subchart rendered through the chart {owner[real]}"))
                continue
            self.out.units.append(Unit(HELM, path, load_chart(path, self.limits).files()))
        return owner


# --------------------------------------------------------------------------- synthesized CDK output
_SYNTH_MARKERS = ("manifest.json", "cdk.out", "stacks", "cdk.tf.json")  # entries synth_byproducts decides by
_ASSET = ("CDK asset (bundled Lambda code, a Docker build context or a copied file), not IaC: "
          "its sources are scanned where they live in the project")


CDKTF_STACKS = "stacks/*/cdk.tf.json"  # a pseudo entry: cdktf_marker found a synthesized stack below


def cdktf_marker(directory: str, names: set[str]) -> set[str]:
    """``names`` plus ``CDKTF_STACKS`` when the directory holds ``manifest.json`` and a ``stacks``
    directory with a ``cdk.tf.json`` in a subdirectory: only then is it a cdktf output root (a
    project's own manifest.json beside some stacks/ stays a candidate file)."""
    if "manifest.json" not in names or "stacks" not in names:
        return names
    stacks = os.path.join(directory, "stacks")
    try:
        with os.scandir(stacks) as it:
            found = any(e.is_dir() and os.path.isfile(os.path.join(stacks, e.name, "cdk.tf.json")) for e in it)
    except OSError:
        return names
    return names | {CDKTF_STACKS} if found else names


def synth_byproducts(dirname: str, names: set[str]) -> dict[str, str]:
    """Entries of one directory that a CDK synth writes besides the IaC, with why they are not
    scanned: in a cloud assembly (``cdk.out``: ``manifest.json`` beside the ``cdk.out`` version
    file, or a directory of that name) the manifests, the construct tree and the ``asset.*``
    copies; in ``cdktf.out`` the manifest, and beside a stack's ``cdk.tf.json`` its ``assets``
    and ``metadata.json``. The templates and ``cdk.tf.json`` themselves are scanned as usual.
    Assets hold third-party code and copies of project files, so scanning them would judge
    dependencies and report project files twice. ``names``: the directory's entries (with
    ``cdktf_marker``'s)."""
    out: dict[str, str] = {}
    if "manifest.json" in names and ("cdk.out" in names or dirname == "cdk.out"):
        for n in names:
            if n == "cdk.out":
                out[n] = "CDK cloud assembly version marker"
            elif n == "manifest.json" or n.endswith((".assets.json", ".metadata.json")):
                out[n] = "CDK cloud assembly manifest, not a template (the stacks' *.template.json are scanned)"
            elif n == "tree.json":
                out[n] = "CDK construct tree, not a template (the stacks' *.template.json are scanned)"
            elif n.startswith("asset."):
                out[n] = _ASSET
    if CDKTF_STACKS in names and "manifest.json" not in out:
        out["manifest.json"] = "CDK for Terraform manifest, not configuration (stacks/*/cdk.tf.json are scanned)"
    if "cdk.tf.json" in names:
        if "assets" in names:
            out["assets"] = "CDK for Terraform assets (copied files and archives), not IaC: their sources are scanned where they live in the project"
        if "metadata.json" in names:
            out["metadata.json"] = "CDK for Terraform stack metadata, not configuration"
    return out
def _owner(real: str, charts: dict[str, str]) -> str | None:
    """The chart unit a file (real path) belongs to: its nearest chart directory's."""
    d = os.path.dirname(real)
    while True:
        if d in charts:
            return charts[d]
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _readlink(p: Path) -> str:
    try:
        return os.readlink(p)
    except OSError:
        return "?"


def discover(
    paths: list[Path], *, excludes: list[str], limits: Limits = DEFAULT_LIMITS, follow_external_symlinks: bool = False
) -> Discovery:
    """Walk ``paths`` (files or directories) into parse units, errors and skipped files."""
    walker = _Walker(list(excludes), limits, follow_external_symlinks)
    for p in paths:
        walker.add_path(Path(p))
    return walker.finish()
