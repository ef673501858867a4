"""Kustomize directories -> model resources, judged as kustomize renders them.

A directory with a kustomization file is built with ``kustomize build`` (a ``kustomize`` on
PATH or ``--kustomize-binary``) or else ``kubectl kustomize``; the objects it prints are
Kubernetes resources (``source_format`` ``kustomize``), so patches, overlays and generators are
applied before any rule looks. The scanned repository is untrusted input, so the build:

* never fetches: remote bases/resources and directories outside the repository are refused
  before kustomize runs (``kustomize_tree``), and the child gets proxies that lead nowhere,
  ``GIT_ALLOW_PROTOCOL`` that allows none, a HOME in a temporary directory;
* runs no plugin code: no ``--enable-alpha-plugins``/``--enable-exec``/``--enable-helm``
  (``helmCharts`` are refused with a located error), ``--load-restrictor
  LoadRestrictionsRootOnly``;
* is a registered child (``procs``) killed at the unit's deadline, its output bounded by the
  file size limit.

Locations: kustomize records where each object came from when ``buildMetadata`` asks for
``originAnnotations``. The unit is built through a temporary kustomization that names it as its
only resource and asks for them (a user's kustomization is never edited); the annotation is
removed again unless the user's own kustomization asked for it, so rules see what will be
applied. Each resource then points at its document in the origin file, attributes at the same
path there; a field whose value a patch of the tree sets (strategic-merge or JSON 6902, file or
inline) points at that patch. kustomize's own ``transformerAnnotations`` cannot say that: they
name the kustomization and the transformer kind, not the patch file, and list every transformer
that ran over an object whether it changed it or not; so the patches of the tree are matched here
(kind and name, or the patch's target) and a patch is named only for the values it sets to what
was rendered, later patches first. ``meta.kustomize`` says which kustomization rendered the
resource and whether its location is only the file (``located: file``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS
from policyguard.model import ErrorKind, ParseError, ParseResult, Span
from policyguard.parsers import kubernetes
from policyguard.parsers.kustomize_tree import Kustomization, Patch, walk
from policyguard.parsers.render import Build, run_bounded, sandbox_env, unit_display, unit_roots
from policyguard.parsers.yaml_source import Document, SourceError, child_path, load_yaml, read_text, resolve_yn

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext

FORMAT = "kustomize"
ORIGIN = "config.kubernetes.io/origin"
_INSTALL = ("install kubectl (kustomize is built in: `kubectl kustomize`) or kustomize, or name one with "
            "--kustomize-binary PATH")


@dataclass(slots=True)
class Tool:
    argv: tuple[str, ...]  # the command before the directory
    name: str


def find_tool(binary: str = "") -> Tool | str:
    """The kustomize to run, or why there is none. ``binary``: ``--kustomize-binary`` (a
    ``kubectl`` is run as ``kubectl kustomize``, anything else as ``kustomize build``)."""
    if binary:
        path = shutil.which(binary) if os.sep not in binary else (binary if os.access(binary, os.X_OK) else None)
        if path is None:
            return f"--kustomize-binary {binary}: not found or not executable"
    else:
        path = shutil.which("kustomize") or shutil.which("kubectl")
        if path is None:
            return f"cannot render the kustomization: neither kustomize nor kubectl is on PATH; {_INSTALL}"
    restrict = ("--load-restrictor", "LoadRestrictionsRootOnly")
    if os.path.basename(path).startswith("kubectl"):
        return Tool((path, "kustomize", *restrict), "kubectl kustomize")
    return Tool((path, "build", *restrict), "kustomize build")


def _env(home: str) -> dict[str, str]:
    """The child's environment: PATH only from ours, and every way out to a network shut."""
    return sandbox_env(home)


def run_build(tool: Tool, directory: str, cwd: str, env: dict[str, str], max_bytes: int) -> Build:
    """Run one build as a registered child (``parsers.render``): killed at the unit's deadline or
    once its output passes ``max_bytes``."""
    return run_bounded([*tool.argv, directory], tool.name, cwd, env, max_bytes)


# --------------------------------------------------------------------------- errors
_ERR_PREFIX = re.compile(r"^(?:E\d{4} [\d:.]+\s+\d+ \S+\] \"command failed\" err=|Error: )")


def build_error(message: str, tree: list[Kustomization], unit_file: Path, display: Any) -> ParseError:
    """kustomize's failure as an error located at what its message names: a patch that matches
    nothing (its entry), an entry it quotes (a missing file), else the kustomization (of the
    tree) whose directory it names, else the unit's own."""
    lines = (_ERR_PREFIX.sub("", line).strip().strip('"') for line in message.splitlines() if line.strip())
    msg = " ".join(lines)
    msg = _WRAPPER.sub("", msg.replace("\\\"", "\""))[:2000]  # our temporary kustomization is no business of the user
    where, line = unit_file, 1
    for k in tree:  # the most specific directory the message names
        if str(k.directory.resolve()) in msg or str(k.file.resolve()) in msg:
            where = k.file
    quoted = set(re.findall(r"'([^'\n]{1,200})'", msg))
    found = False
    for k in reversed(tree):
        for patch in k.patches:
            docs, _ = load_yaml(patch.text or "", "patch", DEFAULT_LIMITS) if patch.file is None else ([], None)
            names = {_name_of(d.value) for d in docs} if patch.file is None else _patch_names(patch.file)
            if any(n and f"/{n}." in msg for n in names):
                where, line, found = k.file, patch.line, True
                break
        if found:
            break
        for path, span in k.spans.items():
            value = _value_at(k.data, path)
            if isinstance(value, str) and value in quoted:
                where, line, found = k.file, span.start_line, True
                break
        if found:
            break
    return ParseError(display(where), line, 1, f"kustomize build failed: {msg}", ErrorKind.TEMPLATE)


_WRAPPER = re.compile(r"^accumulating resources: accumulation err='accumulating resources from '[^']*': '[^']*' must resolve "
                      r"to a file': (?:recursed accumulation of path '[^']*': )?")


def _patch_names(path: Path) -> set[str]:
    try:
        docs, _ = load_yaml(read_text(path, DEFAULT_LIMITS), str(path), DEFAULT_LIMITS)
    except SourceError:
        return set()
    return {_name_of(d.value) for d in docs}


def _value_at(data: Any, path: str) -> Any:
    cur = data
    for seg in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if seg.startswith("["):
            i = int(seg[1:-1])
            cur = cur[i] if isinstance(cur, list) and i < len(cur) else None
        else:
            cur = cur.get(seg) if isinstance(cur, dict) else None
    return cur


# --------------------------------------------------------------------------- locations
@dataclass
class _Sources:
    """Parsed origin and patch files, each read once per unit."""

    display: Any
    docs: dict[str, list[Document]] = field(default_factory=dict)

    def of(self, path: Path) -> list[Document]:
        key = str(path)
        if key not in self.docs:
            try:
                text = read_text(path, DEFAULT_LIMITS)
                docs, _ = load_yaml(text, self.display(path), DEFAULT_LIMITS, kubectl_booleans=True)
            except SourceError:
                docs = []
            self.docs[key] = docs
        return self.docs[key]


def _plain(value: Any) -> Any:
    return resolve_yn(value, True)


def _name_of(obj: Any) -> str:
    md = obj.get("metadata") if isinstance(obj, dict) else None
    name = md.get("name") if isinstance(md, dict) else None
    return name if isinstance(name, str) else ""


def _find_doc(docs: list[Document], kind: str, name: str) -> Document | None:
    """The document of ``kind`` whose name is ``name`` or part of it (kustomize adds prefixes,
    suffixes and hashes); the only one of ``kind`` when no name fits."""
    same = [d for d in docs if isinstance(d.value, dict) and d.value.get("kind") == kind]
    exact = [d for d in same if _name_of(d.value) == name]
    if exact:
        return exact[0]
    partial = [d for d in same if _name_of(d.value) and _name_of(d.value) in name]
    if partial:
        return max(partial, key=lambda d: len(_name_of(d.value)))
    return same[0] if len(same) == 1 else None


def _item_match(item: Any, candidates: list[Any], index: int) -> int | None:
    """Which item of a source list is the rendered ``item``: the same ``name`` (the merge key of
    containers, volumes, env...), else the same scalar, else the same position."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return next((j for j, c in enumerate(candidates) if isinstance(c, dict) and c.get("name") == item["name"]), None)
    if not isinstance(item, (dict, list)):
        return next((j for j, c in enumerate(candidates) if c == item), None)
    return index if index < len(candidates) else None


def align(rendered: Any, source: Any, rpath: str, spath: str, out: dict[str, str], leaves_only: bool) -> None:
    """Map each path of ``rendered`` that ``source`` also has to its path there. ``leaves_only``
    (a patch): only scalars the patch sets to the rendered value, so a patch is named only for
    what it decided."""
    if isinstance(rendered, dict) and isinstance(source, dict):
        if not leaves_only or _plain(source) == rendered:  # a patch that set the whole mapping
            out[rpath] = spath
        for key, value in rendered.items():
            if key in source:
                align(value, source[key], child_path(rpath, key), child_path(spath, key), out, leaves_only)
    elif isinstance(rendered, list) and isinstance(source, list):
        if not leaves_only or _plain(source) == rendered:  # a patch that set the whole list
            out[rpath] = spath
        for i, item in enumerate(rendered):
            j = _item_match(item, source, i)
            if j is not None:
                align(item, source[j], child_path(rpath, i), child_path(spath, j), out, leaves_only)
    elif not leaves_only or _plain(source) == rendered:
        out[rpath] = spath


def _patch_docs(patch: Patch, sources: _Sources) -> tuple[list[Document], str]:
    """The documents of a patch and the file findings should name."""
    if patch.file is not None:
        return sources.of(patch.file), sources.display(patch.file)
    display = sources.display(patch.kustomization)
    key = f"{patch.kustomization}:{patch.line}"
    if key not in sources.docs:
        docs, _ = load_yaml(patch.text or "", display, DEFAULT_LIMITS, kubectl_booleans=True)
        # inline: every position is the patch's entry in the kustomization
        for d in docs:
            d.spans = {p: Span(display, patch.line, 1, patch.line, 1) for p in d.spans}
            d.span = Span(display, patch.line, 1, patch.line, 1)
        sources.docs[key] = docs
    return sources.docs[key], display


def _targets(patch: Patch, doc_value: Any, kind: str, name: str) -> bool:
    target = patch.target
    if target is not None:
        if target.get("kind") not in (None, kind):
            return False
        tname = target.get("name")
        # a regular expression is not evaluated (untrusted): value equality below decides
        return tname is None or not isinstance(tname, str) or tname in name or bool(re.search(r"[\\^$*+?()\[\]|{}]", tname))
    if not isinstance(doc_value, dict):
        return False
    pname = _name_of(doc_value)
    return doc_value.get("kind") == kind and bool(pname) and pname in name


def _json_pointer_path(pointer: str) -> str:
    out = ""
    for raw in pointer.split("/")[1:]:
        seg = raw.replace("~1", "/").replace("~0", "~")
        out = child_path(out, int(seg)) if seg.isdigit() else child_path(out, seg)
    return out


def _op_target(obj: dict[str, Any], pointer: str, value: Any) -> str | None:
    """The rendered path a JSON 6902 ``add``/``replace`` wrote: its pointer, except for an append
    (``.../-``), whose item is found in the rendered list (the last one equal to the value, or
    with its ``name``)."""
    if not pointer.endswith("/-"):
        return _json_pointer_path(pointer)
    parent = _json_pointer_path(pointer[:-2])
    items = _value_at(obj, parent)
    if not isinstance(items, list):
        return None
    plain = _plain(value)
    for j in range(len(items) - 1, -1, -1):
        if items[j] == plain:
            return child_path(parent, j)
    name = plain.get("name") if isinstance(plain, dict) else None
    for j in range(len(items) - 1, -1, -1):
        if name is not None and isinstance(items[j], dict) and items[j].get("name") == name:
            return child_path(parent, j)
    return None


def _patch_spans(obj: dict[str, Any], kind: str, name: str, patches: list[Patch], sources: _Sources) -> dict[str, Span]:
    """Spans of the fields a patch set (later patches win, as kustomize applies them)."""
    spans: dict[str, Span] = {}
    for patch in patches:
        docs, _ = _patch_docs(patch, sources)
        for doc in docs:
            value = doc.value
            mapping: dict[str, str] = {}
            if isinstance(value, list):  # JSON 6902 operations
                if not _targets(patch, None, kind, name):
                    continue
                for i, op in enumerate(value):
                    if isinstance(op, dict) and op.get("op") in ("add", "replace") and isinstance(op.get("path"), str):
                        rpath = _op_target(obj, op["path"], op.get("value"))
                        if rpath is None:
                            continue
                        rendered = _value_at(obj, rpath)
                        align(rendered, op.get("value"), rpath, child_path(child_path("", i), "value"), mapping, True)
            elif isinstance(value, dict) and _targets(patch, value, kind, name):
                align(obj, value, "", "", mapping, True)
            for rpath, ppath in mapping.items():
                span = doc.spans.get(ppath)
                if span is not None and rpath:
                    spans[rpath] = span
    return spans


def _origin(obj: dict[str, Any], keep: bool) -> dict[str, Any]:
    """Read (and unless ``keep``, remove) the origin annotation kustomize added."""
    import yaml

    md = obj.get("metadata")
    ann = md.get("annotations") if isinstance(md, dict) else None
    if not isinstance(ann, dict) or ORIGIN not in ann:
        return {}
    raw = ann[ORIGIN] if keep else ann.pop(ORIGIN)
    if not keep and not ann and isinstance(md, dict):
        del md["annotations"]
    try:
        origin = yaml.safe_load(raw) if isinstance(raw, str) and len(raw) < 65536 else None
    except (yaml.YAMLError, ValueError):  # ValueError: `0x_` matches PyYAML's int pattern
        origin = None
    return origin if isinstance(origin, dict) else {}


# --------------------------------------------------------------------------- the unit
def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A kustomization directory unit (``policyguard.formats``)."""
    display = unit_display(unit.path)
    roots = unit_roots(unit.path, context.read_roots)
    tree = walk(unit.path, roots, DEFAULT_LIMITS)
    if not tree:
        return ParseResult(errors=[ParseError(str(unit.path), 1, 1, "no kustomization file", ErrorKind.UNREADABLE)])
    top = tree[-1]
    problems = [e for k in tree for e in (*k.errors, *k.refused)]
    if problems:
        return ParseResult(errors=[_redisplay(e, display) for e in problems])
    tool = find_tool(context.kustomize_binary)
    if isinstance(tool, str):
        return ParseResult(errors=[ParseError(display(top.file), 1, 1, tool, ErrorKind.TEMPLATE)])
    charts = [(k, entry) for k in tree for entry, _ in k.charts]
    helm: str | tuple[str] = ""
    if charts:  # helmCharts on disk: kustomize runs helm (parsers.helm's, in the same sandbox)
        from policyguard.parsers.helm import find_helm

        helm = find_helm(context.helm.binary)
        if isinstance(helm, tuple):
            k, entry = charts[0]
            return ParseResult(errors=[ParseError(display(k.file), entry.line, entry.column,
                                                  f"helmCharts entry {entry.value!r}: {helm[0]}", ErrorKind.TEMPLATE)])
    keep = "originAnnotations" in top.build_metadata  # the user asked: the annotation is theirs
    limit = DEFAULT_LIMITS.max_file_bytes
    with tempfile.TemporaryDirectory(prefix="policyguard-kustomize-") as tmp:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        # origin paths are relative to the directory built: the unit's own, or the wrapper's
        if keep:
            base = os.path.realpath(unit.path)
        else:
            base = os.path.join(os.path.realpath(tmp), "build")
            os.mkdir(base)
            rel = os.path.relpath(os.path.realpath(unit.path), base)
            with open(os.path.join(base, "kustomization.yaml"), "w", encoding="utf-8") as fh:
                fh.write(f"resources:\n- {_quote(rel)}\nbuildMetadata: [originAnnotations]\n")
        env = _env(home)
        if helm:
            from policyguard.parsers.helm import helm_env, kustomize_helm_command

            env = helm_env(os.path.join(tmp, "helm"))
            tool = Tool((*tool.argv, "--enable-helm", "--helm-command", kustomize_helm_command(str(helm), tmp)), tool.name)
        build = run_build(tool, ".", base, env, limit)
    if build.error:
        if build.limit:
            return ParseResult(errors=[ParseError(display(top.file), 1, 1, build.error, ErrorKind.LIMIT)])
        return ParseResult(errors=[build_error(build.error, tree, top.file, display)])
    return _resources(build.text, base, keep, tree, top, display)


def _quote(path: str) -> str:
    """A YAML scalar for any path (a JSON string is a YAML double-quoted scalar)."""
    import json

    return json.dumps(path)


def _redisplay(e: ParseError, display: Any) -> ParseError:
    return ParseError(display(e.file), e.line, e.column, e.message, e.kind)


def _resources(text: str, base: str, keep: bool, tree: list[Kustomization], top: Kustomization, display: Any) -> ParseResult:
    """The rendered objects as resources located in the files that define and patch them."""
    rendered = display(top.file)
    docs, err = load_yaml(text, f"{rendered} (rendered)", DEFAULT_LIMITS)
    result = ParseResult()
    if err is not None:
        result.errors.append(ParseError(rendered, 1, 1, f"kustomize printed YAML that cannot be read: {err.message}"))
        return result
    sources = _Sources(display)
    patches = [p for k in tree for p in k.patches]
    seen: dict[str, int] = {}
    for doc in docs:
        obj = doc.value
        if obj is None:
            continue
        if not isinstance(obj, dict):
            result.errors.append(ParseError(rendered, 1, 1, "kustomize printed a document that is not an object"))
            continue
        origin = _origin(obj, keep)
        kind, name = str(obj.get("kind", "")), _name_of(obj)
        span, spans, located = _locate(obj, origin, base, top, sources, display, tree)
        spans.update(_patch_spans(obj, kind, name, patches, sources))
        try:
            res = kubernetes.resource_from_object(obj, file=span.file, spans=spans, span=span)
        except ValueError as exc:
            result.errors.append(ParseError(span.file, span.start_line, span.start_col, f"kustomize output: {exc}"))
            continue
        res.source_format = FORMAT
        res.meta["kustomize"] = {"kustomization": rendered, "located": located}
        by = origin.get("configuredBy")
        if isinstance(by, dict) and by.get("kind") == "HelmChartInflationGenerator" and isinstance(origin.get("configuredIn"), str):
            res.meta["origin"] = _helm_origin(Path(os.path.normpath(os.path.join(base, origin["configuredIn"]))), tree, display)
        kubernetes.number_repeats(res, seen)
        result.resources.append(res)
    return result


def _helm_origin(kfile: Path, tree: list[Kustomization], display: Any) -> str:
    """What kustomize's helm generator rendered with: each helmCharts entry of the
    kustomization, its chart and the values it names (``Finding.origin``)."""
    k = next((k for k in tree if os.path.realpath(k.file) == os.path.realpath(kfile)), None)
    if k is None:
        return f"helmCharts of {display(kfile)}"
    parts = []
    for entry, chart in k.charts:
        raw = _value_at(k.data, entry.field)  # the entry's own mapping (helmCharts[i])
        if not isinstance(raw, dict):
            continue
        files = [raw.get("valuesFile") or os.path.relpath(chart / "values.yaml", k.directory)]
        files += [f for f in raw.get("additionalValuesFiles") or [] if isinstance(f, str)]
        values = ", ".join(display(k.directory / f) for f in files if isinstance(f, str))
        inline = "; inline values" if raw.get("valuesInline") else ""
        parts.append(f"helm chart {display(chart)} via helmCharts entry {entry.value!r} of {display(kfile)} "
                     f"(values: {values}{inline}; release {raw.get('releaseName') or '(generated)'})")
    return "; ".join(parts) or f"helmCharts of {display(kfile)}"


def _helm_located(obj: dict[str, Any], kfile: Path, tree: list[Kustomization], display: Any) -> tuple[Span, dict[str, Span], str]:
    """An object kustomize's helmCharts rendered: the template document that spells it out
    (``parsers.helm.locate_in_charts``), else the helmCharts entry when the kustomization has
    one, else the kustomization."""
    from policyguard.parsers.helm import locate_in_charts

    k = next((k for k in tree if os.path.realpath(k.file) == os.path.realpath(kfile)), None)
    charts = [c for _, c in k.charts] if k is not None else []
    hit = locate_in_charts(obj, charts, display)
    if hit is not None:
        return hit[0], hit[1], "document"
    if k is not None and len(k.charts) == 1:
        entry = k.charts[0][0]
        return Span(display(kfile), entry.line, entry.column, entry.line, entry.column), {}, "file"
    return Span(display(kfile), 1, 1, 1, 1), {}, "kustomization"


def _locate(obj: dict[str, Any], origin: dict[str, Any], base: str, top: Kustomization, sources: _Sources,
            display: Any, tree: list[Kustomization]) -> tuple[Span, dict[str, Span], str]:
    """The object's span, its attribute spans in the origin file and how precise they are
    (``document``: the object's document; ``file``: only the file; ``kustomization``: the
    kustomization that rendered it)."""
    kind, name = str(obj.get("kind", "")), _name_of(obj)
    path = origin.get("path")
    if isinstance(path, str) and not origin.get("repo"):
        file = Path(os.path.normpath(os.path.join(base, path)))
        doc = _find_doc(sources.of(file), kind, name)
        if doc is None:
            return Span(display(file), 1, 1, 1, 1), {}, "file"
        mapping: dict[str, str] = {}
        align(obj, _plain(doc.value), "", "", mapping, False)
        spans = {r: doc.spans[s] for r, s in mapping.items() if s in doc.spans and r}
        return doc.span, spans, "document"
    configured = origin.get("configuredIn")
    if isinstance(configured, str):  # a generator: its entry in the kustomization that configured it
        kfile = Path(os.path.normpath(os.path.join(base, configured)))
        by = origin.get("configuredBy")
        if isinstance(by, dict) and by.get("kind") == "HelmChartInflationGenerator":
            return _helm_located(obj, kfile, tree, display)
        gen = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}.get(
            by.get("kind", "") if isinstance(by, dict) else "", "")
        for doc in sources.of(kfile):
            entries = doc.value.get(gen) if gen and isinstance(doc.value, dict) else None
            for i, g in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(g, dict) and isinstance(g.get("name"), str) and name.startswith(g["name"]):
                    span = doc.spans.get(child_path(gen, i))
                    if span is not None:
                        return span, {}, "document"
        return Span(display(kfile), 1, 1, 1, 1), {}, "file"
    return Span(display(top.file), 1, 1, 1, 1), {}, "kustomization"
