"""Reading kustomization files without kustomize: what a kustomization refers to.

Discovery needs it to choose units (a base an overlay renders is not a unit of its own; the
manifests and patches a kustomization renders are not standalone manifests), and the renderer
needs it before any build runs: a remote base or resource (a URL, ``github.com/...``,
``git::...``) or a directory outside the repository is refused here, so kustomize is never asked
to fetch or read it. Patches are collected so findings can point at the patch that set a field.

Only YAML is read; nothing here starts a process. Kept apart from ``parsers.kustomize`` so
discovery can import it without an import cycle.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyguard.formats import KUSTOMIZATION_NAMES
from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError, Span
from policyguard.parsers.yaml_source import SourceError, child_path, load_yaml, read_text

# entries naming another kustomization directory or a manifest file
_TREE_FIELDS = ("resources", "bases", "components")
# entries naming files kustomize reads (plugin configs may also name a kustomization directory)
_FILE_LIST_FIELDS = ("crds", "configurations", "generators", "transformers", "validators")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git::|git@|ssh:|(?:[\w-]+\.)+[a-z]{2,}(?::\d+)?/)", re.IGNORECASE)


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory`` (exact names, as kustomize matches them), or None."""
    try:
        names = set(os.listdir(directory))
    except OSError:
        return None
    return next((directory / n for n in KUSTOMIZATION_NAMES if n in names), None)


def is_remote(entry: str) -> bool:
    """Does a ``resources``/``bases``/``components`` entry name something kustomize would fetch?"""
    return bool(_REMOTE.match(entry.strip()))


@dataclass(slots=True)
class Entry:
    """One value of a kustomization field, located in the kustomization file."""

    field: str  # the field path in the kustomization (``resources[2]``)
    value: str
    line: int
    column: int


@dataclass(slots=True)
class Patch:
    """A patch as the kustomization declares it: a file or inline text, and its target."""

    kustomization: Path
    line: int  # where the kustomization declares it
    file: Path | None  # None: inline in the kustomization
    text: str | None
    target: dict[str, Any] | None
    json6902: bool


@dataclass(slots=True)
class Kustomization:
    directory: Path
    file: Path
    kind: str = "Kustomization"  # or Component
    spans: dict[str, Span] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    bases: list[tuple[Entry, Path]] = field(default_factory=list)  # local kustomization directories
    files: list[Path] = field(default_factory=list)  # local files it reads
    patches: list[Patch] = field(default_factory=list)
    charts: list[tuple[Entry, Path]] = field(default_factory=list)  # helmCharts on disk (rendered with helm)
    build_metadata: tuple[str, ...] = ()
    refused: list[ParseError] = field(default_factory=list)  # remote, missing or outside the repository
    errors: list[ParseError] = field(default_factory=list)  # the file could not be read

    def line_of(self, path: str) -> tuple[int, int]:
        s = self.spans.get(path)
        return (s.start_line, s.start_col) if s else (1, 1)


def _strings(value: Any) -> list[tuple[int, str]]:
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


def load(directory: Path, roots: tuple[Path, ...], limits: Limits = DEFAULT_LIMITS) -> Kustomization | None:
    """The kustomization of ``directory`` with its local references sorted out; None when the
    directory has none. ``roots``: where referenced directories must stay (the repository)."""
    kfile = kustomization_file(directory)
    if kfile is None:
        return None
    k = Kustomization(directory, kfile)
    try:
        text = read_text(kfile, limits)
    except SourceError as exc:
        k.errors.append(exc.error)
        return k
    docs, err = load_yaml(text, str(kfile), limits)
    if err is not None:
        k.errors.append(err)
        return k
    values = [d for d in docs if d.value is not None]
    if len(values) != 1 or not isinstance(values[0].value, dict):
        k.errors.append(ParseError(str(kfile), 1, 1, "a kustomization file must hold one YAML mapping", ErrorKind.PARSE))
        return k
    k.data, k.spans = values[0].value, values[0].spans
    k.kind = str(k.data.get("kind") or "Kustomization")
    bm = k.data.get("buildMetadata")
    k.build_metadata = tuple(v for _, v in _strings(bm))
    _collect(k, roots)
    return k


def _refuse(k: Kustomization, path: str, message: str) -> None:
    line, col = k.line_of(path)
    k.refused.append(ParseError(str(k.file), line, col, message, ErrorKind.TEMPLATE))


def _collect(k: Kustomization, roots: tuple[Path, ...]) -> None:
    d, data = k.directory, k.data
    for fname in _TREE_FIELDS + _FILE_LIST_FIELDS:
        for i, entry in _strings(data.get(fname)):
            where = child_path(fname, i)
            if "\n" in entry:  # an inline plugin configuration
                continue
            target = d / entry
            # kustomize takes what exists locally first (a directory named ``conf.example/``)
            if not os.path.lexists(target) and is_remote(entry):
                _refuse(k, where, f"{fname} entry {entry!r} is remote: policyguard does not fetch remote bases or "
                                  "resources (no network from the gate); vendor it into the repository")
                continue
            if not os.path.lexists(target):
                if fname in _TREE_FIELDS:  # kustomize would try it as a remote repository
                    _refuse(k, where, f"{fname} entry {entry!r} does not exist in the repository (remote references "
                                      "are not fetched)")
                continue  # a missing file: kustomize's own error says so
            if target.is_dir():
                if not _inside(target, roots):
                    _refuse(k, where, f"{fname} entry {entry!r} leads to {os.path.realpath(target)}, outside the "
                                      "repository: not read")
                    continue
                line, col = k.line_of(where)
                k.bases.append((Entry(where, entry, line, col), target))
            else:
                k.files.append(target)
    for fname in ("patches", "patchesJson6902"):
        items = data.get(fname)
        for i, p in enumerate(items if isinstance(items, list) else []):
            if not isinstance(p, dict):
                continue
            line, _ = k.line_of(child_path(fname, i))
            selector = p.get("target") if isinstance(p.get("target"), dict) else None
            if isinstance(p.get("path"), str):
                f = d / p["path"]
                k.files.append(f)
                k.patches.append(Patch(k.file, line, f, None, selector, fname == "patchesJson6902"))
            elif isinstance(p.get("patch"), str):
                k.patches.append(Patch(k.file, line, None, p["patch"], selector, fname == "patchesJson6902"))
    for i, p in _strings(data.get("patchesStrategicMerge")):
        line, _ = k.line_of(child_path("patchesStrategicMerge", i))
        if "\n" in p:
            k.patches.append(Patch(k.file, line, None, p, None, False))
        else:
            k.files.append(d / p)
            k.patches.append(Patch(k.file, line, d / p, None, None, False))
    for gname in ("configMapGenerator", "secretGenerator"):
        gens = data.get(gname)
        for g in gens if isinstance(gens, list) else []:
            if not isinstance(g, dict):
                continue
            for _, f in _strings(g.get("files")):
                k.files.append(d / f.partition("=")[2] if "=" in f else d / f)
            for _, f in _strings(g.get("envs")):
                k.files.append(d / f)
            if isinstance(g.get("env"), str):
                k.files.append(d / g["env"])
    replacements = data.get("replacements")
    for r in replacements if isinstance(replacements, list) else []:
        if isinstance(r, dict) and isinstance(r.get("path"), str):
            k.files.append(d / r["path"])
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        k.files.append(d / openapi["path"])
    charts = data.get("helmCharts")
    globals_: dict[str, Any] = data["helmGlobals"] if isinstance(data.get("helmGlobals"), dict) else {}
    if globals_.get("configHome"):
        _refuse(k, "helmGlobals.configHome", "helmGlobals.configHome: helm runs with policyguard's own empty "
                                             "configuration (no repositories, plugins or credentials); remove it")
    for i, c in enumerate(charts if isinstance(charts, list) else []):
        _helm_chart(k, i, c, roots, globals_.get("chartHome"))
    if data.get("helmChartInflationGenerator"):
        _refuse(k, "helmChartInflationGenerator", "helmChartInflationGenerator (the legacy form, which names its own "
                                                  "helm binary and arguments) is not run: use helmCharts")
    for i, entry in _strings(data.get("generators")):
        inline = "\n" in entry
        if (inline and "HelmChartInflationGenerator" in entry) or (not inline and _declares_helm_generator(d / entry)):
            _refuse(k, child_path("generators", i), f"generators entry {entry.splitlines()[0]!r}: a "
                                                    "HelmChartInflationGenerator configuration is not run: use helmCharts")


def _declares_helm_generator(path: Path) -> bool:
    """Does a generator configuration file configure kustomize's helm generator directly (its
    chart home and repository would escape the helmCharts checks)?"""
    if not path.is_file():
        return False
    try:
        docs, _ = load_yaml(read_text(path, DEFAULT_LIMITS), str(path), DEFAULT_LIMITS)
    except SourceError:
        return False
    return any(isinstance(doc.value, dict) and doc.value.get("kind") == "HelmChartInflationGenerator" for doc in docs)


_RELEASE = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$")


def _helm_chart(k: Kustomization, i: int, entry: Any, roots: tuple[Path, ...], global_home: Any = None) -> None:
    """A ``helmCharts`` entry: rendered (kustomize runs helm) only when the chart is already on
    disk in the chart home inside the repository, as kustomize looks for it; one that kustomize
    would pull is refused before any build (no network from the gate)."""
    from policyguard.parsers.helm_chart import is_chart, load_chart, problems

    where = child_path("helmCharts", i)
    name = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        _refuse(k, where, f"helmCharts entry {name!r}: a chart name is required")
        return
    release = entry.get("releaseName")
    if release is not None and (not isinstance(release, str) or len(release) > 53 or not _RELEASE.match(release)):
        # kustomize passes it to helm as a bare argument: ``--post-renderer=...`` must never get there
        _refuse(k, where, f"helmCharts entry {name!r}: releaseName {release!r} is not a valid release name")
        return
    home = entry.get("chartHome") or global_home or "charts"
    version, repo = entry.get("version"), entry.get("repo")
    base = k.directory / str(home)
    if version and repo:  # kustomize's own layout for a versioned chart from a repository
        base = base / f"{name}-{version}"
    chart = base / name
    if not is_chart(chart):
        pull = f" and repo {repo!r} would be pulled" if repo else ""
        _refuse(k, where, f"helmCharts entry {name!r}: no chart at {chart}{pull}: policyguard never downloads charts; "
                          "vendor the chart into the chart home")
        return
    if not _inside(chart, roots):
        _refuse(k, where, f"helmCharts entry {name!r}: chart home {os.path.realpath(chart)} is outside the repository: not read")
        return
    line, col = k.line_of(where)
    loaded = load_chart(chart)
    k.refused += problems(loaded, roots)  # each at the chart's own file and line
    k.charts.append((Entry(where, name, line, col), chart))
    k.files += loaded.files()
    for f in (entry.get("valuesFile"), *(entry.get("additionalValuesFiles") or [])):
        if isinstance(f, str):
            k.files.append(k.directory / f)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    real = os.path.realpath(path)
    return not roots or any(real == str(r) or real.startswith(str(r).rstrip(os.sep) + os.sep) for r in roots)


def walk(top: Path, roots: tuple[Path, ...], limits: Limits = DEFAULT_LIMITS) -> list[Kustomization]:
    """``top`` and every local kustomization it builds on, bases before the overlays that use
    them (the order kustomize applies their patches); each directory once, cycles cut."""
    out: list[Kustomization] = []
    seen: set[str] = set()

    def visit(d: Path, depth: int) -> None:
        real = os.path.realpath(d)
        if real in seen or depth > 64:
            return
        seen.add(real)
        k = load(d, roots, limits)
        if k is None:
            return
        for _, base in k.bases:
            visit(base, depth + 1)
        out.append(k)

    visit(top, 0)
    return out
