"""Discovery: walk the paths given to a scan and cut them into parse *units*, by content.

A unit is what one parser call handles: a Terraform directory (all its ``.tf``/``.tf.json``
files), a plan JSON, a CloudFormation template or a Kubernetes manifest file. The format of a
``.json``/``.yaml``/``.yml`` file is decided by sniffing its first few KB with regexes (never
a full parse: that is the parser's job). Files that are not IaC (README, docker-compose, Helm
values, GitHub workflows, ...) are listed in ``skipped`` with the reason, for ``--debug``
output. A candidate file that cannot be read (permissions, not UTF-8, above the size limit)
is a located ``ParseError``: the gate must not pass it silently.

Excludes are ``fnmatch`` globs checked against the path relative to the scan root, the path as
the user wrote it, and the basename; ``dir/**`` prunes a whole directory.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError

PRUNE_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".terragrunt-cache"})

TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform_plan"
CLOUDFORMATION = "cloudformation"
KUBERNETES = "kubernetes"


@dataclass(frozen=True)
class Unit:
    """One parser call: ``path`` is a directory for ``terraform``, else the file itself."""

    format: str
    path: Path
    files: list[Path]


@dataclass
class Discovery:
    units: list[Unit] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it is not IaC)


# --------------------------------------------------------------------------- content sniffing
_CFN_JSON = re.compile(r'"AWSTemplateFormatVersion"\s*:|"Type"\s*:\s*"(?:AWS|Alexa)::|"Transform"\s*:\s*\[?\s*"AWS::Serverless')
_PLAN_JSON = re.compile(r'"format_version"\s*:')
_PLAN_JSON_BODY = re.compile(r'"(?:planned_values|resource_changes|terraform_version|prior_state)"\s*:')
_K8S_JSON_API = re.compile(r'"apiVersion"\s*:\s*"')
_K8S_JSON_KIND = re.compile(r'"kind"\s*:\s*"')

_CFN_YAML = re.compile(
    r"^(?:AWSTemplateFormatVersion\s*:|Transform\s*:\s*\[?\s*['\"]?AWS::Serverless)|"
    r"^\s+Type\s*:\s*['\"]?(?:AWS|Alexa)::\w+::",
    re.MULTILINE,
)
_K8S_YAML_API = re.compile(r"^(?:['\"]?apiVersion['\"]?)\s*:\s*\S", re.MULTILINE)
_K8S_YAML_KIND = re.compile(r"^(?:['\"]?kind['\"]?)\s*:\s*\S", re.MULTILINE)
_BUILD_CONFIG = re.compile(r"^kind\s*:\s*['\"]?(?:Kustomization|Component|Config)['\"]?\s*$", re.MULTILINE)
_OTHER_KIND = re.compile(r"^kind\s*:\s*['\"]?(?!(?:Kustomization|Component|Config)['\"]?\s*$)\S", re.MULTILINE)
_TEMPLATE = re.compile(r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|template\s|toYaml|tpl\s|if\s|range\s|with\s|define\s|end\s*-?\}\})")


def _why_not_yaml(name: str, head: str) -> str:
    low = name.lower()
    if re.search(r"^jobs\s*:", head, re.MULTILINE) and re.search(r"^['\"]?on['\"]?\s*:", head, re.MULTILINE):
        return "not IaC: CI workflow (GitHub Actions style)"
    if re.search(r"^services\s*:", head, re.MULTILINE):
        return "not IaC: docker-compose file"
    if low in ("values.yaml", "values.yml") or low.startswith("values-"):
        return "not IaC: Helm values file"
    if low in ("chart.yaml", "chart.yml"):
        return "not IaC: Helm chart metadata"
    if _K8S_YAML_API.search(head) and not _K8S_YAML_KIND.search(head):
        return "not IaC: has apiVersion but no kind (not a Kubernetes object)"
    return "not IaC: YAML that is neither a CloudFormation template nor Kubernetes objects"


def sniff(path: Path, head: str, *, full: str | None = None) -> tuple[str | None, str]:
    """(format or None, reason) for a JSON/YAML file from its first KB (``full``: whole text)."""
    name = path.name
    text = full if full is not None else head
    low = name.lower()
    if low.endswith(".json") or (low.endswith(".template") and text.lstrip().startswith("{")):
        if _PLAN_JSON.search(text) and _PLAN_JSON_BODY.search(text):
            return TERRAFORM_PLAN, ""
        if _CFN_JSON.search(text):
            return CLOUDFORMATION, ""
        if _K8S_JSON_API.search(text) and _K8S_JSON_KIND.search(text):
            return KUBERNETES, ""
        if full is None:
            return None, "more"  # keys may come in any order (plans are often key-sorted): look further
        return None, "not IaC: JSON that is neither a CloudFormation template, a Terraform plan nor Kubernetes objects"
    if _CFN_YAML.search(text):
        return CLOUDFORMATION, ""
    if _K8S_YAML_API.search(text) and _K8S_YAML_KIND.search(text):
        if _BUILD_CONFIG.search(text) and not _OTHER_KIND.search(text):
            return None, "not IaC: Kustomize/kubeconfig configuration, not cluster objects (scan `kustomize build` output)"
        return KUBERNETES, ""
    if "{{" in text and _TEMPLATE.search(text) and (_K8S_YAML_API.search(text) or _K8S_YAML_KIND.search(text)):
        return KUBERNETES, ""  # a Helm template: the Kubernetes parser reports "template, not rendered"
    if full is None:
        return None, "more"  # a long header or Parameters section may hide what follows
    return None, _why_not_yaml(name, text)


def _decode_head(data: bytes, complete: bool) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(data) - 3:  # a character cut by the sniff window
            try:
                return data[: exc.start].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return None


# --------------------------------------------------------------------------- the walk
class _Walker:
    def __init__(self, excludes: list[str], limits: Limits) -> None:
        self.excludes = [e.rstrip("/") if not e.endswith("/**") else e for e in excludes]
        self.limits = limits
        self.out = Discovery()
        self.seen: set[str] = set()
        self.tf_dirs: dict[str, tuple[Path, list[Path]]] = {}

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

    def add_path(self, arg: Path) -> None:
        if arg.is_dir():
            self.walk(arg)
        elif arg.exists():
            self.file(arg, arg.parent, explicit=True)
        else:
            self.out.errors.append(ParseError(str(arg), 1, 1, "no such file or directory", ErrorKind.UNREADABLE))

    def walk(self, root: Path) -> None:
        def onerror(exc: OSError) -> None:
            self.out.errors.append(
                ParseError(str(exc.filename or root), 1, 1, f"cannot list directory: {exc.strerror}", ErrorKind.UNREADABLE)
            )

        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d for d in dirnames if d not in PRUNE_DIRS and not self.excluded(here / d, root, is_dir=True)
            )
            for fn in sorted(filenames):
                self.file(here / fn, root, explicit=False)

    def file(self, path: Path, root: Path, *, explicit: bool) -> None:
        if self.excluded(path, root, is_dir=False):
            return
        key = os.path.realpath(path)
        if key in self.seen:
            return
        self.seen.add(key)
        name = path.name.lower()
        if name.endswith(".tf") or name.endswith(".tf.json"):
            self.terraform_file(path, explicit=explicit)
            return
        if name.endswith((".tfvars", ".tfvars.json")):
            self.out.skipped.append((str(path), "Terraform variables: read with the configuration directory"))
            return
        if not name.endswith((".json", ".yaml", ".yml", ".template")):
            self.out.skipped.append((str(path), f"not IaC: file type {path.suffix or '(none)'} is not scanned"))
            return
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            self.out.errors.append(ParseError(str(path), 1, 1, f"cannot read file: {exc.strerror or exc}", ErrorKind.UNREADABLE))
            return
        if not stat.S_ISREG(mode):  # a FIFO or device would block the reader forever
            self.out.skipped.append((str(path), "not IaC: not a regular file"))
            return
        self.document_file(path)

    def terraform_file(self, path: Path, *, explicit: bool) -> None:
        directory = path.parent
        key = os.path.realpath(directory)
        if key in self.tf_dirs:
            if path not in self.tf_dirs[key][1]:
                self.tf_dirs[key][1].append(path)
            if not explicit:
                return
        else:
            self.tf_dirs[key] = (directory, [path])
        if explicit:  # a single .tf file given: the unit is its whole directory
            try:
                siblings = sorted(directory.iterdir())
            except OSError as exc:
                self.out.errors.append(ParseError(str(directory), 1, 1, f"cannot list directory: {exc.strerror}", ErrorKind.UNREADABLE))
                siblings = []
            files = self.tf_dirs[key][1]
            for sib in siblings:
                low = sib.name.lower()
                if (low.endswith(".tf") or low.endswith(".tf.json")) and sib.is_file() and sib not in files:
                    files.append(sib)
                    self.seen.add(os.path.realpath(sib))

    def document_file(self, path: Path) -> None:
        limits = self.limits
        name = str(path)
        try:
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                self.out.errors.append(
                    ParseError(name, 1, 1, f"file is {size} bytes, above the {limits.max_file_bytes}-byte limit", ErrorKind.LIMIT)
                )
                return
            with path.open("rb") as fh:
                data = fh.read(limits.sniff_bytes)
        except OSError as exc:
            self.out.errors.append(ParseError(name, 1, 1, f"cannot read file: {exc.strerror or exc}", ErrorKind.UNREADABLE))
            return
        complete = len(data) >= size
        head = _decode_head(data, complete)
        if head is None:
            # only an error if it might be IaC at all: decode leniently to decide
            lenient = data.decode("utf-8", errors="replace")
            fmt, _ = sniff(path, lenient, full=lenient if complete else None)
            if fmt is not None or not complete:
                self.out.errors.append(ParseError(name, 1, 1, "not valid UTF-8 text", ErrorKind.UNREADABLE))
            else:
                self.out.skipped.append((name, "not IaC: binary or non-UTF-8 data"))
            return
        fmt, why = sniff(path, head.lstrip("\ufeff"))
        if fmt is None and why == "more" and not complete:
            try:
                full = path.read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                self.out.errors.append(ParseError(name, 1, 1, f"cannot read file: {exc.strerror or exc}", ErrorKind.UNREADABLE))
                return
            fmt, why = sniff(path, head, full=full)
        elif fmt is None and why == "more":
            fmt, why = sniff(path, head, full=head)
        if fmt is None:
            self.out.skipped.append((name, why))
            return
        self.out.units.append(Unit(fmt, path, [path]))

    def finish(self) -> Discovery:
        limit = self.limits.max_file_bytes
        for directory, files in self.tf_dirs.values():
            kept: list[Path] = []
            for f in sorted(files):
                try:
                    size = f.stat().st_size
                except OSError as exc:
                    self.out.errors.append(ParseError(str(f), 1, 1, f"cannot read file: {exc.strerror}", ErrorKind.UNREADABLE))
                    continue
                if size > limit:
                    self.out.errors.append(
                        ParseError(str(f), 1, 1, f"file is {size} bytes, above the {limit}-byte limit", ErrorKind.LIMIT)
                    )
                    continue
                kept.append(f)
            if kept:
                self.out.units.append(Unit(TERRAFORM, directory, kept))
        self.out.units.sort(key=lambda u: (str(u.path), u.format))
        return self.out


def discover(paths: list[Path], *, excludes: list[str], limits: Limits = DEFAULT_LIMITS) -> Discovery:
    """Walk ``paths`` (files or directories) into parse units, errors and skipped files."""
    walker = _Walker(list(excludes), limits)
    for p in paths:
        walker.add_path(Path(p))
    return walker.finish()
