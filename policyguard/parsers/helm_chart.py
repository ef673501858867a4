"""Reading a Helm chart directory without Helm: its name, its declared dependencies and the
subcharts vendored in ``charts/``, and the checks made before Helm is allowed to read it.

Discovery needs the chart tree to choose units (a subchart is rendered through its parent, and
no file of a chart is a standalone manifest); the renderer needs it before ``helm template``
runs: the scanned repository is untrusted, so a symlink that leaves it, a file that is not a
regular file (a FIFO would block Helm's loader) or a chart larger than the limits is refused
here, and a dependency that is not vendored is an error naming it at its line in ``Chart.yaml``
(policyguard never runs ``helm dependency build``: no network). Only YAML is read; nothing here
starts a process. Kept apart from ``parsers.helm`` so discovery imports no renderer.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from policyguard.formats import HELM_CHART_FILE
from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError
from policyguard.parsers.yaml_source import SourceError, child_path, load_yaml, read_text

# what a chart directory may hold in all (Helm reads every file of it into memory)
MAX_CHART_FILES = 10_000


@dataclass(slots=True)
class Dependency:
    """One entry of ``dependencies`` (Chart.yaml, or requirements.yaml of an apiVersion v1 chart)."""

    name: str
    version: str
    repository: str
    alias: str
    file: Path  # the file that declares it
    line: int


@dataclass(slots=True)
class Subchart:
    """A chart vendored in ``charts/``: a directory (read as a chart) or an archive."""

    name: str  # the chart's own name (Chart.yaml ``name``; an archive's from its file name)
    path: Path
    chart: Chart | None  # None: an archive (``.tgz``), not unpacked here


@dataclass(slots=True)
class Chart:
    directory: Path
    file: Path  # its Chart.yaml
    name: str = ""
    dependencies: list[Dependency] = field(default_factory=list)
    subcharts: list[Subchart] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)  # Chart.yaml could not be read

    def files(self) -> list[Path]:
        """The chart's own source files Helm renders from (Chart.yaml, values, templates), subcharts' included."""
        out = [self.file]
        for name in ("values.yaml", "values.schema.json", "requirements.yaml"):
            if (self.directory / name).is_file():
                out.append(self.directory / name)
        tdir = self.directory / "templates"
        if tdir.is_dir() and not tdir.is_symlink():
            for d, dirs, names in os.walk(tdir):
                dirs.sort()
                out += [Path(d) / n for n in sorted(names)]
        for sub in self.subcharts:
            out += sub.chart.files() if sub.chart is not None else [sub.path]
        return out


def is_chart(directory: Path) -> bool:
    return (directory / HELM_CHART_FILE).is_file()


def _mapping(path: Path, limits: Limits) -> tuple[dict[str, object], dict[str, int], ParseError | None]:
    """A YAML file holding one mapping, and the line of each key path."""
    try:
        text = read_text(path, limits)
    except SourceError as exc:
        return {}, {}, exc.error
    docs, err = load_yaml(text, str(path), limits)
    if err is not None:
        return {}, {}, err
    values = [d for d in docs if d.value is not None]
    if not values:
        return {}, {}, None
    if len(values) != 1 or not isinstance(values[0].value, dict):
        return {}, {}, ParseError(str(path), 1, 1, f"{path.name} must hold one YAML mapping", ErrorKind.PARSE)
    return values[0].value, {p: s.start_line for p, s in values[0].spans.items()}, None


def load_chart(directory: Path, limits: Limits = DEFAULT_LIMITS, depth: int = 0) -> Chart:
    """The chart in ``directory`` (which holds Chart.yaml) with its vendored subcharts."""
    chart = Chart(directory, directory / HELM_CHART_FILE)
    data, lines, err = _mapping(chart.file, limits)
    if err is not None:
        chart.errors.append(err)
        return chart
    name = data.get("name")
    chart.name = name if isinstance(name, str) else ""
    deps: list[tuple[object, Path, dict[str, int], str]] = [(data.get("dependencies"), chart.file, lines, "dependencies")]
    req = directory / "requirements.yaml"
    if req.is_file():  # apiVersion v1 charts declare them here
        rdata, rlines, rerr = _mapping(req, limits)
        if rerr is not None:
            chart.errors.append(rerr)
        deps.append((rdata.get("dependencies"), req, rlines, "dependencies"))
    for items, file, where, key in deps:
        for i, d in enumerate(items if isinstance(items, list) else []):
            if not isinstance(d, dict) or not isinstance(d.get("name"), str):
                continue
            line = where.get(child_path(key, i), 1)
            chart.dependencies.append(Dependency(d["name"], str(d.get("version") or ""), str(d.get("repository") or ""),
                                                 str(d.get("alias") or ""), file, line))
    cdir = directory / "charts"
    if cdir.is_dir() and depth < 16:
        for entry in sorted(os.listdir(cdir)):
            p = cdir / entry
            if p.is_dir() and is_chart(p):
                sub = load_chart(p, limits, depth + 1)
                chart.subcharts.append(Subchart(sub.name or entry, p, sub))
                chart.errors += sub.errors
            elif p.is_file() and entry.endswith((".tgz", ".tar.gz")):
                stem = entry[: -len(".tgz")] if entry.endswith(".tgz") else entry[: -len(".tar.gz")]
                chart.subcharts.append(Subchart(stem, p, None))
    return chart


def _vendored(dep: Dependency, chart: Chart) -> bool:
    """Is a dependency on disk in ``charts/``? A directory by its chart name, an archive by its
    file name (``name-version.tgz``, as ``helm dependency build`` writes it)."""
    for sub in chart.subcharts:
        if sub.chart is not None and sub.name == dep.name:
            return True
        if sub.chart is None and (sub.name == dep.name or sub.name.startswith(dep.name + "-")):
            return True
    return False


def problems(chart: Chart, roots: tuple[Path, ...], limits: Limits = DEFAULT_LIMITS) -> list[ParseError]:
    """Why Helm must not read this chart: a dependency not on disk (each named at its line), a
    symlink out of ``roots`` or into a loop, a file that is not a regular file, too many or too
    large files. Empty when it may be rendered."""
    out = list(chart.errors)
    out += _missing(chart)
    out += _tree(chart.directory, roots, limits)
    return out


def _missing(chart: Chart) -> list[ParseError]:
    out = []
    for dep in chart.dependencies:
        if not _vendored(dep, chart):
            where = f" from {dep.repository}" if dep.repository else ""
            version = f" {dep.version}" if dep.version else ""
            out.append(ParseError(
                str(dep.file), dep.line, 1,
                f"dependency {dep.name!r}{version}{where} is not vendored in {chart.directory.name}/charts/: the chart is "
                "not rendered (policyguard never downloads charts; run `helm dependency build` and commit charts/)",
                ErrorKind.TEMPLATE))
    for sub in chart.subcharts:
        if sub.chart is not None:
            out += _missing(sub.chart)
    return out


def _inside(real: str, roots: tuple[Path, ...]) -> bool:
    return not roots or any(real == str(r) or real.startswith(str(r).rstrip(os.sep) + os.sep) for r in roots)


def _tree(top: Path, roots: tuple[Path, ...], limits: Limits) -> list[ParseError]:
    """Every entry Helm's loader would read: symlinks must stay in the repository, files must be
    regular and within the size limits."""
    out: list[ParseError] = []
    count, total = 0, 0
    budget = limits.max_file_bytes * 4
    stack = [top]
    seen: set[str] = set()
    while stack:
        d = stack.pop()
        real_d = os.path.realpath(d)
        if real_d in seen:
            out.append(ParseError(str(d), 1, 1, "symlink loop in the chart: not rendered", ErrorKind.UNREADABLE))
            continue
        seen.add(real_d)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            out.append(ParseError(str(d), 1, 1, f"cannot list chart directory: {exc.strerror}", ErrorKind.UNREADABLE))
            continue
        for e in entries:
            p = Path(e.path)
            if e.is_symlink():
                real = os.path.realpath(p)
                if not os.path.exists(real):
                    out.append(ParseError(str(p), 1, 1, f"broken symlink in the chart: {p} -> {os.readlink(p)}",
                                          ErrorKind.UNREADABLE))
                    continue
                if not _inside(real, roots):
                    out.append(ParseError(str(p), 1, 1, f"symlink {p} -> {real} leaves the repository: the chart is not "
                                                        "rendered (Helm would read it)", ErrorKind.UNREADABLE))
                    continue
                if os.path.isdir(real):
                    if real_d == real or real_d.startswith(real.rstrip(os.sep) + os.sep):
                        out.append(ParseError(str(p), 1, 1, f"symlink loop in the chart: {p} -> {real} contains the link",
                                              ErrorKind.UNREADABLE))
                    else:
                        stack.append(p)
                    continue
            elif e.is_dir(follow_symlinks=False):
                stack.append(p)
                continue
            try:
                st = os.stat(p)
            except OSError as exc:
                out.append(ParseError(str(p), 1, 1, f"cannot read file: {exc.strerror}", ErrorKind.UNREADABLE))
                continue
            if not stat.S_ISREG(st.st_mode):
                out.append(ParseError(str(p), 1, 1, "not a regular file in the chart: not rendered", ErrorKind.UNREADABLE))
                continue
            count += 1
            total += st.st_size
            if st.st_size > limits.max_file_bytes:
                out.append(ParseError(str(p), 1, 1, f"file is {st.st_size} bytes, above the {limits.max_file_bytes}-byte "
                                                    "limit: the chart is not rendered", ErrorKind.LIMIT))
        if count > MAX_CHART_FILES or total > budget:
            out.append(ParseError(str(top / HELM_CHART_FILE), 1, 1, f"the chart holds more than {MAX_CHART_FILES} files or "
                                                                 f"{budget} bytes: not rendered", ErrorKind.LIMIT))
            break
    return out
