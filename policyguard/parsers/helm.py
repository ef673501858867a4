"""Helm chart directories -> model resources, judged as ``helm template`` renders them.

A directory with ``Chart.yaml`` is rendered by a real Helm (a ``helm`` on PATH or
``--helm-binary``) with the values files and ``--set`` values of the scan (``HelmOptions``);
the objects it prints are Kubernetes resources (``source_format`` ``helm``). The scanned
repository is untrusted, so before Helm runs the chart is checked (``helm_chart.problems``: no
symlink out of the repository, no special files, size limits, every dependency vendored in
``charts/``), and the render:

* is ``helm template`` (client-only: no cluster is contacted, ``lookup`` returns nothing),
  never ``dependency update/build``, with fresh empty ``HELM_CACHE_HOME``/``HELM_CONFIG_HOME``/
  ``HELM_DATA_HOME``/``HELM_PLUGINS`` (no repositories, no plugins, no post-renderer), no
  kubeconfig, a temporary HOME and proxies that lead nowhere;
* is a registered child killed at the unit's deadline, when its output passes the file size
  limit, or when its resident memory passes the worker memory limit (``parsers.render``).

Locations: Helm marks each rendered document with ``# Source: chart/templates/x.yaml`` (a
subchart's as ``chart/charts/sub/templates/x.yaml``). The document is mapped to that template
file, and each rendered field to the template line that produced it: the field's key path is
followed through the template's indentation (list items by position, a ``range`` repeating its
item); a field the template does not spell out (``{{ toYaml .Values.x | nindent 8 }}``) points
at the action line that emits it. ``meta.helm.located`` says how precise that is (``line``;
``file``: only the template file; ``archive``: inside a vendored ``.tgz``), and each finding's
``origin`` names the chart, the values files and ``--set`` values used.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS, current_budget
from policyguard.model import ErrorKind, ParseError, ParseResult, Span
from policyguard.parsers import kubernetes
from policyguard.parsers.helm_chart import Chart, load_chart, problems
from policyguard.parsers.render import run_bounded, sandbox_env, unit_display, unit_roots
from policyguard.parsers.yaml_source import child_path, load_yaml

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext
    from policyguard.options import HelmOptions

FORMAT = "helm"
DEFAULT_RELEASE = "release-name"  # `helm template`'s own default
INSTALL = ("install Helm v4 (`go install helm.sh/helm/v4/cmd/helm@v4.3.2`, or a release from "
           "https://github.com/helm/helm/releases) or name one with --helm-binary PATH")


def find_helm(binary: str = "") -> str | tuple[str]:
    """The helm to run, or (why there is none,)."""
    if binary:
        path = shutil.which(binary) if os.sep not in binary else (binary if os.access(binary, os.X_OK) else None)
        if path is None:
            return (f"--helm-binary {binary}: not found or not executable",)
        return path
    path = shutil.which("helm")
    if path is None:
        return (f"cannot render the Helm chart: no helm on PATH; {INSTALL}",)
    return path


def helm_env(tmp: str) -> dict[str, str]:
    """Helm's environment: every directory it keeps state in is fresh and empty, no kubeconfig,
    no repositories, no registry credentials, no plugins."""
    env = sandbox_env(os.path.join(tmp, "home"))
    for var, sub in (("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data"),
                     ("HELM_PLUGINS", "plugins")):
        env[var] = os.path.join(tmp, sub)
    env["HELM_REPOSITORY_CONFIG"] = os.path.join(tmp, "config", "repositories.yaml")
    env["HELM_REPOSITORY_CACHE"] = os.path.join(tmp, "cache", "repository")
    env["HELM_REGISTRY_CONFIG"] = os.path.join(tmp, "config", "registry.json")
    env["HELM_KUBECONTEXT"] = ""
    for sub in ("home", "cache", "config", "data", "plugins"):
        os.makedirs(os.path.join(tmp, sub), exist_ok=True)
    return env


def kustomize_helm_command(helm: str, tmp: str) -> str:
    """The ``--helm-command`` for kustomize's helmCharts: ``helm`` itself, behind a shim that
    answers the version probe of kustomize before v5.7 (kubectl's built-in one): it asks
    ``helm version -c --short``, a flag Helm v4 no longer has, and accepts only a v3 answer,
    though the ``helm template`` flags it then passes are the same in Helm v4. The answer names
    the shim; every other call goes to helm unchanged."""
    shim = os.path.join(tmp, "helm-command")
    with open(shim, "w", encoding="utf-8") as fh:
        fh.write('#!/bin/sh\nif [ "$*" = "version -c --short" ]; then echo "v3.99.0+policyguard-shim-for-helm-v4"; exit 0; fi\n'
                 f'exec {_sh_quote(helm)} "$@"\n')
    os.chmod(shim, 0o700)
    return shim


def _sh_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@dataclass(slots=True)
class Render:
    """What one chart was rendered with (named in every finding)."""

    chart: Chart
    values: list[Path] = field(default_factory=list)
    sets: tuple[str, ...] = ()
    release: str = DEFAULT_RELEASE
    namespace: str = "default"

    def origin(self, display: Any) -> str:
        vals = ", ".join(display(v) for v in self.values)
        own = self.chart.directory / "values.yaml"
        text = f"helm chart {display(self.chart.directory)} (values: {display(own) + ' (defaults)' if own.is_file() else 'none'}"
        text += f", {vals}" if vals else ""
        text += f"; --set {', '.join(self.sets)}" if self.sets else ""
        return text + f"; release {self.release}, namespace {self.namespace})"


_DNS_LABEL = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$")
_KUBE_VERSION = re.compile(r"^v?\d+(?:\.\d+){0,2}(?:[-+][0-9A-Za-z.-]+)?$")


def invalid_settings(opts: HelmOptions) -> list[str]:
    """Settings Helm would reject or read as something else (a release name ``--post-renderer=...``
    from a repository config must never reach helm's command line)."""
    out = []
    if opts.release_name and (len(opts.release_name) > 53 or not _DNS_LABEL.match(opts.release_name)):
        out.append(f"release name {opts.release_name!r} is not valid (lower-case letters, digits and '-', at most 53)")
    if opts.namespace and (len(opts.namespace) > 63 or not _DNS_LABEL.match(opts.namespace)):
        out.append(f"namespace {opts.namespace!r} is not valid (lower-case letters, digits and '-', at most 63)")
    if opts.kube_version and not _KUBE_VERSION.match(opts.kube_version):
        out.append(f"Kubernetes version {opts.kube_version!r} is not valid (like 1.31.0)")
    return out


def resolve_values(chart_dir: Path, values: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """``--helm-values`` paths: absolute as given; relative against the chart directory, else
    the current directory. Returns the files and, for each missing one, why."""
    found, missing = [], []
    for v in values:
        p = Path(v)
        candidates = [p] if p.is_absolute() else [chart_dir / p, Path.cwd() / p]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            where = "" if p.is_absolute() else f" in the chart directory {chart_dir} nor in the current directory"
            missing.append(f"values file {v!r} not found{where}")
        else:
            found.append(hit)
    return found, missing


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A Helm chart directory unit (``policyguard.formats``)."""
    display = unit_display(unit.path)
    roots = unit_roots(unit.path, context.read_roots)
    chart = load_chart(unit.path, DEFAULT_LIMITS)
    chart_file = display(chart.file)
    found = problems(chart, roots, DEFAULT_LIMITS)
    if found:
        return ParseResult(errors=[ParseError(display(e.file), e.line, e.column, e.message, e.kind) for e in found])
    opts = context.helm.for_chart(os.path.realpath(unit.path))
    values, missing = resolve_values(unit.path, opts.values_files)
    if missing:
        return ParseResult(errors=[ParseError(chart_file, 1, 1, f"{m}: the chart is not rendered", ErrorKind.TEMPLATE)
                                   for m in missing])
    bad = invalid_settings(opts)
    if bad:
        return ParseResult(errors=[ParseError(chart_file, 1, 1, f"{b}: the chart is not rendered", ErrorKind.TEMPLATE)
                                   for b in bad])
    tool = find_helm(opts.binary)
    if isinstance(tool, tuple):
        return ParseResult(errors=[ParseError(chart_file, 1, 1, tool[0], ErrorKind.TEMPLATE)])
    render = Render(chart, values, opts.set_values, opts.release_name or DEFAULT_RELEASE, opts.namespace or "default")
    # every value in ``--flag=value`` form, the release name checked above: nothing a setting
    # holds can become another helm flag (``--post-renderer``)
    argv = [tool, "template", render.release, os.path.realpath(unit.path), f"--namespace={render.namespace}",
            "--include-crds"]
    if opts.kube_version:
        argv.append(f"--kube-version={opts.kube_version}")
    argv += [f"--values={os.path.realpath(v)}" for v in values]
    argv += [f"--set={s}" for s in opts.set_values]
    budget = current_budget()
    with tempfile.TemporaryDirectory(prefix="policyguard-helm-") as tmp:
        env = helm_env(tmp)
        if budget.limits.worker_memory:
            env["GOMEMLIMIT"] = str(budget.limits.worker_memory)
        build = run_bounded(argv, "helm template", os.path.join(tmp, "home"), env, DEFAULT_LIMITS.max_file_bytes,
                            max_rss=budget.limits.worker_memory)
    if build.error:
        if build.limit:
            return ParseResult(errors=[ParseError(chart_file, 1, 1, f"{build.error} ({render.origin(display)})",
                                                  ErrorKind.LIMIT)])
        return ParseResult(errors=[render_error(build.error, render, display, tmp)])
    return _resources(build.text, render, display)


# --------------------------------------------------------------------------- errors
# where Helm's messages name a template (``template: c/templates/x.yaml:12:3:``, ``parse error at
# (c/templates/x.yaml:3)``, ``execution error at (...)``, ``YAML parse error on c/templates/x.yaml``)
_AT_TEMPLATE = re.compile(r"(?:^|template: |error at \(|parse error on |error on )([^\s:()]+?)(?::(\d+))?(?::\d+)?(?=[\s:)]|$)")
_VALUES_LINE = re.compile(r"failed to parse (\S+?): .*?line (\d+)")


def render_error(message: str, render: Render, display: Any, tmp: str) -> ParseError:
    """Helm's failure as an error at the template (and line) or values file its message names,
    else at Chart.yaml; the message is Helm's, with the render's settings."""
    lines = [re.sub(r"^Error: ", "", line).strip() for line in message.splitlines()
             if line.strip() and not line.startswith("Use --debug")]
    msg = " ".join(lines).replace(tmp, "<tmp>")[:2000]
    where, line = display(render.chart.file), 1
    located = None
    for m in _AT_TEMPLATE.finditer(msg):
        hit = source_file(render.chart, m.group(1))
        if hit is not None:
            located = hit[0], int(m.group(2) or 1) if hit[1] == "line" else 1
            break
    if located is not None:
        where, line = display(located[0]), located[1]
    else:
        v = _VALUES_LINE.search(msg)
        if v is not None:
            for f in render.values:
                if os.path.realpath(f) == v.group(1) or str(f) == v.group(1):
                    where, line = display(f), int(v.group(2))
    return ParseError(where, line, 1, f"helm template failed: {msg} ({render.origin(display)})", ErrorKind.TEMPLATE)


def source_file(chart: Chart, source: str) -> tuple[Path, str] | None:
    """The file a ``# Source:`` path names, and how precise it is (``line``: the template file;
    ``archive``: a vendored ``.tgz`` holds it). None when it names nothing in the chart (a
    template can print any comment: nothing outside the chart is ever read)."""
    parts = [p for p in source.strip().split("/") if p]
    if len(parts) < 2 or parts[0] != chart.name or ".." in parts:
        return None
    cur, rest = chart, parts[1:]
    while len(rest) >= 2 and rest[0] == "charts":
        sub = next((s for s in cur.subcharts if s.name == rest[1]), None)
        if sub is None:
            sub = next((s for s in cur.subcharts if s.chart is None and s.name.startswith(rest[1] + "-")), None)
        if sub is None:
            return None
        if sub.chart is None:
            return sub.path, "archive"
        cur, rest = sub.chart, rest[2:]
    path = cur.directory.joinpath(*rest)
    real, top = os.path.realpath(path), os.path.realpath(cur.directory)
    if not real.startswith(top.rstrip(os.sep) + os.sep) or not os.path.isfile(real):
        return None
    return path, "line"


# --------------------------------------------------------------------------- template lines
_SOURCE = re.compile(r"^# Source: (.+?)\s*$", re.MULTILINE)
_KEY = re.compile(r"""^(\s*)((?:-\s+)*)(?:"([^"]*)"|'([^']*)'|([^\s"'#{}\[\]&*!|>%@`-][^:#{}]*?|-[^\s:#{}][^:#{}]*?))\s*:(?:\s|$)""")
_DASH = re.compile(r"^(\s*)-(?:\s|$)")
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_CONTROL = re.compile(r"^(?:if|else|end|range|with|define|break|continue|/\*)\b|^\$[\w.]*\s*:?=")


@dataclass(slots=True)
class _Line:
    text: str
    indent: int
    key: str | None = None
    key_col: int = 0  # 0-based column of the key
    dash: int = -1  # column of the first list dash (-1: none)
    action_only: bool = False  # nothing but template actions (no YAML of its own)
    emits: bool = False  # an action-only line whose actions print something
    ranges: bool = False  # opens a range


def _classify(text: str) -> _Line:
    stripped = text.strip()
    ln = _Line(text, len(text) - len(text.lstrip(" ")))
    if not stripped or stripped.startswith("#"):
        return ln
    actions = _ACTION.findall(stripped)
    if actions and not _ACTION.sub("", stripped).strip():
        ln.action_only = True
        ln.emits = any(not _CONTROL.match(a) for a in actions)
        ln.ranges = any(a.startswith("range") for a in actions)
        return ln
    ln.ranges = any(a.startswith("range") for a in actions)
    d = _DASH.match(text)
    if d:
        ln.dash = len(d.group(1))
    m = _KEY.match(text)
    if m:
        key = next(g for g in (m.group(3), m.group(4), m.group(5)) if g is not None)
        ln.key = key.strip()
        ln.key_col = len(m.group(1)) + len(m.group(2))
    return ln


def _structural(ln: _Line) -> bool:
    return not ln.action_only and bool(ln.text.strip()) and not ln.text.lstrip().startswith("#")


class _Template:
    """A template file's lines, with the key paths followed through their indentation."""

    def __init__(self, text: str) -> None:
        self.lines = [_classify(t) for t in text.splitlines()]
        self.sections: list[tuple[int, int]] = []
        start = 0
        for i, ln in enumerate(self.lines):
            if ln.text.startswith("---"):
                self.sections.append((start, i))
                start = i + 1
        self.sections.append((start, len(self.lines)))

    def section_for(self, kind: str, ordinal: int) -> tuple[int, int] | None:
        """The document section of the ``ordinal``-th rendered object of ``kind`` from this template."""
        with_kind = [s for s in self.sections if _spells_kind(self, s, kind)]
        nonempty = [s for s in self.sections if any(_structural(ln) for ln in self.lines[s[0]:s[1]])]
        pool = with_kind or nonempty
        return pool[min(ordinal, len(pool) - 1)] if pool else None

    def _end(self, start: int, end: int, col: int) -> int:
        """The first structural line from ``start`` indented at or left of ``col``."""
        for j in range(start, end):
            ln = self.lines[j]
            if _structural(ln) and ln.indent <= col:
                return j
        return end

    def find_key(self, region: tuple[int, int], key: str) -> int | None:
        s, e = region
        keyed = [j for j in range(s, e) if self.lines[j].key is not None]
        if not keyed:
            return None
        level = min(self.lines[j].key_col for j in keyed)
        return next((j for j in keyed if self.lines[j].key_col == level and self.lines[j].key == key), None)

    def children(self, j: int, region_end: int) -> tuple[int, int]:
        return j + 1, self._end(j + 1, region_end, self.lines[j].key_col)

    def items(self, region: tuple[int, int]) -> list[tuple[int, int]]:
        s, e = region
        dashed = [j for j in range(s, e) if _structural(self.lines[j]) and self.lines[j].dash >= 0]
        if not dashed:
            return []
        col = min(self.lines[j].dash for j in dashed)
        starts = [j for j in dashed if self.lines[j].dash == col and self.lines[j].indent == col]
        return [(j, self._end(j + 1, e, col)) for j in starts]

    def emitter(self, region: tuple[int, int], hint: str) -> int | None:
        """The action line that prints what the template does not spell out (one naming ``hint`` first)."""
        s, e = region
        lines = [j for j in range(s, e) if self.lines[j].emits]
        return next((j for j in lines if hint and hint in self.lines[j].text), lines[0] if lines else None)

    def item_name(self, region: tuple[int, int]) -> str | None:
        """The ``name:`` an item spells out ("{{": a templated one, as a ``range`` writes it)."""
        j = self.find_key(region, "name")
        if j is None:
            return None
        return self.lines[j].text.split(":", 1)[1].split(" #", 1)[0].strip().strip("\"'")

    @staticmethod
    def match_item(value: Any, names: list[str | None]) -> int | None:
        """The template item of a rendered list item with a ``name`` (the merge key of
        containers, volumes, env...): the one that spells that name, else the one whose name is
        templated (a ``range`` writes every other); None: match by position."""
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return None
        exact = next((k for k, n in enumerate(names) if n == value["name"]), None)
        if exact is not None:
            return exact
        return next((k for k, n in enumerate(names) if n is not None and "{{" in n), None)

    def ranged(self, region: tuple[int, int]) -> bool:
        s, e = region
        return any(ln.ranges for ln in self.lines[max(0, s - 1):e])

    def map(self, value: Any, region: tuple[int, int], path: str, out: dict[str, int]) -> None:
        """Record, for each path of the rendered ``value``, the template line that produced it."""
        if isinstance(value, dict):
            for k, v in value.items():
                p = child_path(path, k if isinstance(k, str) else str(k))
                j = self.find_key(region, str(k))
                if j is not None:
                    out[p] = j
                    self.map(v, self.children(j, region[1]), p, out)
                else:
                    act = self.emitter(region, str(k))
                    if act is not None:
                        out[p] = act
        elif isinstance(value, list):
            items = self.items(region)
            repeat = bool(items) and self.ranged(region)
            names = [self.item_name(r) for r in items]
            for i, v in enumerate(value):
                p = child_path(path, i)
                idx = self.match_item(v, names)
                if idx is None:
                    idx = i if i < len(items) else (len(items) - 1 if repeat else None)
                if idx is None:
                    act = self.emitter(region, "")
                    if act is not None:
                        out[p] = act
                    continue
                s, e = items[idx]
                out[p] = s
                self.map(v, (s, e), p, out)


# --------------------------------------------------------------------------- resources
def _resources(text: str, render: Render, display: Any) -> ParseResult:
    """The rendered objects as resources located in the templates that produced them."""
    chart_file = display(render.chart.file)
    origin = render.origin(display)
    # read as the cluster reads it (go-yaml v2: a plain y/n is a boolean), like any manifest
    docs, err = load_yaml(text, f"{chart_file} (rendered)", DEFAULT_LIMITS, kubectl_booleans=True)
    result = ParseResult()
    if err is not None:
        result.errors.append(ParseError(chart_file, 1, 1, f"helm printed YAML that cannot be read: {err.message} ({origin})"))
        return result
    sources = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _SOURCE.finditer(text)]
    templates: dict[str, _Template | None] = {}
    ordinals: dict[tuple[str, str], int] = {}
    seen: dict[str, int] = {}
    for doc in docs:
        obj = doc.value
        if obj is None:
            continue
        if not isinstance(obj, dict):
            result.errors.append(ParseError(chart_file, 1, 1, f"helm printed a document that is not an object ({origin})"))
            continue
        source = next((s for line, s in reversed(sources) if line <= doc.span.start_line), "")
        kind = str(obj.get("kind", ""))
        n = ordinals.get((source, kind), 0)
        ordinals[(source, kind)] = n + 1
        span, spans, located, template = _locate(obj, source, n, render.chart, templates, display)
        try:
            res = kubernetes.resource_from_object(obj, file=span.file, spans=spans, span=span)
        except ValueError as exc:
            result.errors.append(ParseError(span.file, span.start_line, span.start_col, f"helm output: {exc} ({origin})"))
            continue
        res.source_format = FORMAT
        if res.meta.get("namespace_defaulted") and render.namespace != kubernetes.DEFAULT_NAMESPACE:
            # installed into the release namespace (`helm install --namespace`), as Helm applies it
            del res.meta["namespace_defaulted"]
            res.id = kubernetes.object_id(str(obj["apiVersion"]), kind, render.namespace, res.name)
        res.meta["helm"] = {"chart": display(render.chart.directory), "values": [display(v) for v in render.values],
                            "set": list(render.sets), "template": template, "located": located}
        where = {"line": "", "file": "; the line inside the template is not known",
                 "archive": "; rendered from a vendored chart archive"}.get(located, "")
        res.meta["origin"] = origin + where
        kubernetes.number_repeats(res, seen)
        result.resources.append(res)
    return result


def _locate(obj: dict[str, Any], source: str, ordinal: int, chart: Chart, templates: dict[str, _Template | None],
            display: Any) -> tuple[Span, dict[str, Span], str, str]:
    """The object's span, its attribute spans in its template, how precise they are and the
    template named (``source`` as Helm printed it)."""
    hit = source_file(chart, source) if source else None
    if hit is None:
        return Span(display(chart.file), 1, 1, 1, 1), {}, "file", source
    path, how = hit
    shown = display(path)
    if how == "archive":
        return Span(shown, 1, 1, 1, 1), {}, "archive", source
    key = str(path)
    if key not in templates:
        try:
            from policyguard.parsers.yaml_source import read_text

            templates[key] = _Template(read_text(path, DEFAULT_LIMITS))
        except Exception:  # unreadable now: the file is still the location
            templates[key] = None
    tpl = templates[key]
    section = tpl.section_for(str(obj.get("kind", "")), ordinal) if tpl is not None else None
    if tpl is None or section is None:
        return Span(shown, 1, 1, 1, 1), {}, "file", shown
    start, spans = _spans(tpl, section, obj, shown)
    return start, spans, "line", shown


def _spans(tpl: _Template, section: tuple[int, int], obj: dict[str, Any], shown: str) -> tuple[Span, dict[str, Span]]:
    """The object's span (its ``kind:`` line) and its attribute spans in a template section."""
    lines: dict[str, int] = {}
    tpl.map(obj, section, "", lines)
    spans = {}
    for p, j in lines.items():
        ln = tpl.lines[j]
        col = ln.key_col if ln.key is not None else ln.indent
        spans[p] = Span(shown, j + 1, col + 1, j + 1, len(ln.text) + 1)
    start = spans.get("kind") or next((Span(shown, j + 1, 1, j + 1, len(tpl.lines[j].text) + 1)
                                       for j in range(*section) if _structural(tpl.lines[j])), Span(shown, 1, 1, 1, 1))
    return start, spans


def locate_in_charts(obj: dict[str, Any], charts: list[Path], display: Any) -> tuple[Span, dict[str, Span]] | None:
    """Where an object that kustomize's helmCharts rendered comes from: kustomize drops Helm's
    ``# Source:`` comments, so the templates of the charts are searched for the one document
    that spells out the object's kind; None when none or several do."""
    from policyguard.parsers.yaml_source import SourceError, read_text

    kind = str(obj.get("kind", ""))
    found: list[tuple[Path, _Template, tuple[int, int]]] = []
    for directory in charts:
        for path in load_chart(directory, DEFAULT_LIMITS).files():
            if "templates" not in path.parts or path.name.startswith("_") or path.suffix not in (".yaml", ".yml"):
                continue
            try:
                tpl = _Template(read_text(path, DEFAULT_LIMITS))
            except SourceError:
                continue
            found += [(path, tpl, sec) for sec in tpl.sections if _spells_kind(tpl, sec, kind)]
    if len(found) != 1:
        return None
    path, tpl, section = found[0]
    return _spans(tpl, section, obj, display(path))


def _spells_kind(tpl: _Template, section: tuple[int, int], kind: str) -> bool:
    return any(ln.key == "kind" and ln.key_col == 0 and ln.text.split(":", 1)[1].strip().strip("\"'") == kind
               for ln in tpl.lines[section[0]:section[1]])
