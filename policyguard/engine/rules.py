"""Finding, validating and filtering rules (Rego files with ``# METADATA``, Python ``@rule``s).

A rule directory is walked recursively; ``fixtures/`` directories and ``*_test.rego`` files are
skipped. A ``.rego`` file is a *rule* when its package-scope ``# METADATA`` block has a
``custom.id`` or it defines ``fail``; any other ``.rego`` file is a helper module loaded beside
the rules. A ``.py`` file is imported when it uses ``policyguard.engine.python_rules``.
Every problem becomes a ``ParseError(kind=RULE_LOAD)`` naming the file and line.

Loading a Rego rule (Rego syntax check, YAML metadata, JSON Schema validation) is the slow part
of a short scan, so ``load_all`` keeps a per-user on-disk cache of each Rego file's load result
(see ``RuleCache``), and of the schema verdict on each Python rule's metadata.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import importlib.util
import json
import os
import pickle
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.model import ErrorKind, ParseError, RuleMeta, Severity, fast_pickle

if TYPE_CHECKING:
    from policyguard.engine.python_rules import PythonRule
    from policyguard.options import RuleOptions

LIB_PATH = Path(__file__).parent / "rego" / "lib.rego"
# data.policyguard.lib and helper packages kept apart from it: regorus evaluates every rule of a
# package that a rule refers to, once per resource, so the per-unit tables of the CIS monitoring
# and IAM identity rules live in packages only those rules import (keeping them in lib cost
# ~0.8 ms for every rule x resource of the pack)
LIBRARY_FILES = tuple(LIB_PATH.with_name(name) for name in (
    "lib.rego", "cis_monitoring.rego", "iam_identity.rego", "net_exposure.rego", "k8s_pod.rego",
    "net.rego", "azure_nsg.rego", "gcp_firewall.rego",
))
SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "rule-metadata.schema.json"


def library_modules() -> list[tuple[str, str]]:
    """The Rego library every backend loads before the rules: (file, source)."""
    return [(str(p), p.read_text(encoding="utf-8")) for p in LIBRARY_FILES]

_PACKAGE_RE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.M)
_FAIL_RE = re.compile(r"^[ \t]*fail\b[ \t]*(contains\b|\[|:=|=|if\b|\{)", re.M)
_UNKNOWN_RE = re.compile(r"^[ \t]*unknown\b[ \t]*(contains\b|\[|:=|=|if\b|\{)", re.M)
_RESERVED_PACKAGES = (
    "policyguard.lib",
    "policyguard.driver",
    "policyguard.cis_monitoring",
    "policyguard.iam_identity",
    "policyguard.net_exposure",
    "policyguard.k8s_pod",
    "policyguard.net",
    "policyguard.azure_nsg",
    "policyguard.gcp_firewall",
)


@fast_pickle
@dataclass(frozen=True, slots=True)
class RegoRule:
    """A Rego rule of the loaded pack: its id, its package and the file it came from."""

    id: str
    package: str  # e.g. policyguard.rules.aws.s3.encryption
    has_unknown: bool
    file: str


@dataclass(slots=True)
class RuleSet:
    """Rules after filtering. ``modules`` holds every Rego source to load (rules and helpers,
    filtered-out rules included so helper imports between them keep compiling)."""

    metas: list[RuleMeta] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    rego: dict[str, RegoRule] = field(default_factory=dict)
    python: dict[str, PythonRule] = field(default_factory=dict)
    modules: list[tuple[str, str]] = field(default_factory=list)  # (file, source)
    # ids loaded but left out by the profile (strict rules under baseline): real rules, not typos
    profile_skipped: set[str] = field(default_factory=set)
    # rules set aside for want of configuration: id -> the parameters without default not configured
    params_skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # each evaluated rule that declares parameters: id -> its parameters, defaults filled in
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Rego files from a directory a scanned repository's config named (``rego_only`` dirs): the
    # repository's own code, evaluated only where a runaway can be killed (the guarded helper)
    untrusted_files: frozenset[str] = frozenset()

    @property
    def by_id(self) -> dict[str, RuleMeta]:
        return {m.id: m for m in self.metas}


@lru_cache(maxsize=1)
def builtin_rules_dir() -> Path:
    """``<repo>/rules`` in a source checkout, else the copy installed as ``policyguard/builtin_rules``
    (fixed for the process: reports ask once per finding)."""
    pkg = Path(__file__).resolve().parent.parent
    checkout = pkg.parent / "rules"
    if (checkout / "README.md").is_file() and (pkg.parent / "pyproject.toml").is_file():
        return checkout
    return pkg / "builtin_rules"


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


# --------------------------------------------------------------------------- Rego metadata
def _metadata_block(source: str) -> tuple[list[tuple[int, str]], int] | None:
    """The package-scope ``# METADATA`` block: [(file line, yaml text line)], and its first line.

    OPA attaches a METADATA block directly above ``package`` to the package; we take the first
    block that precedes the package statement."""
    lines = source.splitlines()
    pkg = _PACKAGE_RE.search(source)
    pkg_line = source.count("\n", 0, pkg.start()) if pkg else len(lines)
    for i in range(min(pkg_line, len(lines))):
        if lines[i].strip() == "# METADATA":
            block: list[tuple[int, str]] = []
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith("#"):
                text = lines[j].lstrip()[1:]
                block.append((j + 1, text[1:] if text.startswith(" ") else text))
                j += 1
            return block, i + 1
    return None


def _line_of_key(block: list[tuple[int, str]], keys: list[str], default: int) -> int:
    """Best-effort line of a (nested) key inside the YAML block, for schema error messages."""
    line = default
    start = 0
    for key in keys:
        pat = re.compile(rf"^\s*-?\s*[\"']?{re.escape(str(key))}[\"']?\s*:")
        for idx in range(start, len(block)):
            if pat.match(block[idx][1]):
                line, start = block[idx][0], idx + 1
                break
    return line


def _schema_errors(meta: dict[str, Any], file: str, line_for: Any) -> list[ParseError]:
    errors = []
    for err in sorted(_validator().iter_errors(meta), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in err.absolute_path) or "metadata"
        msg = err.message
        if err.validator == "additionalProperties" and not err.absolute_path:
            msg = f"{msg} (allowed: {', '.join(sorted(_validator().schema['properties']))})"
        keys = [str(p) for p in err.absolute_path if not isinstance(p, int)]
        if err.validator == "required" and "then" in list(err.absolute_schema_path):
            # the conditional requirement: a fixable rule must classify its fix
            msg = "fixable: true needs fix_safety: safe or behaviour-changing (see rules/README.md, \"Fix safety\")"
            where, keys = "fix_safety", ["fixable"]
        if "propertyNames" in list(err.absolute_schema_path) and isinstance(err.instance, str):
            keys.append(err.instance)  # the offending key itself
        errors.append(
            ParseError(file, line_for(keys), 1,
                       f"invalid rule metadata at {where}: {msg}", ErrorKind.RULE_LOAD)
        )
    return errors


def _meta_from_dict(meta: dict[str, Any], file: str, language: str) -> RuleMeta:
    return RuleMeta(
        id=meta["id"],
        title=meta["title"],
        severity=Severity.parse(meta["severity"]),
        description=str(meta.get("description", "") or "").strip(),
        remediation=str(meta.get("remediation", "") or "").strip(),
        resource_types={k: tuple(v) for k, v in meta["resource_types"].items()},
        frameworks={k: tuple(str(c) for c in v) for k, v in (meta.get("frameworks") or {}).items()},
        tags=tuple(meta.get("tags") or ()),
        fixable=bool(meta.get("fixable", False)),
        fix_safety=meta.get("fix_safety"),
        source=file,
        language=language,
        profile=str(meta.get("profile", "baseline")),
        confidence=str(meta.get("confidence", "high")),
        params={str(k): dict(v) for k, v in (meta.get("params") or {}).items()},
    )


def _param_default_errors(meta: dict[str, Any], file: str, line_for: Any) -> list[ParseError]:
    """A declared ``default`` must itself be a valid value of its parameter (and ``items`` only
    describes arrays): a rule cannot ship a default its own schema rejects."""
    import jsonschema

    errors = []
    for name, spec in (meta.get("params") or {}).items():
        if "items" in spec and spec.get("type") != "array":
            errors.append(ParseError(file, line_for(["params", name]), 1,
                                     f"invalid rule metadata at params.{name}: items is only for type: array", ErrorKind.RULE_LOAD))
        elif "default" in spec:
            err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(param_schema(spec)).iter_errors(spec["default"]))
            if err is not None:
                errors.append(ParseError(file, line_for(["params", name, "default"]), 1,
                                         f"invalid rule metadata at params.{name}.default: {err.message}", ErrorKind.RULE_LOAD))
    return errors


def param_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema a configured value of a declared parameter must satisfy."""
    out: dict[str, Any] = {"type": spec["type"]}
    if "items" in spec:
        out["items"] = param_schema(spec["items"])
    for key in ("minLength", "pattern"):
        if key in spec:
            out[key] = spec[key]
    return out


def _rego_syntax_error(file: str, source: str) -> ParseError | None:
    """Parse the module with the embedded engine: a syntax error names file, line and column."""
    from policyguard.engine.rego.embedded import make_regorus_engine

    try:
        eng = make_regorus_engine()
        eng.add_policy(file, source)
    except Exception as exc:  # regorus raises RuntimeError with a rendered, located message
        text = str(exc).strip()
        m = re.search(r"-->\s*.*?:(\d+):(\d+)", text)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        err = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")), "")
        detail = err.removeprefix("error:").strip() or text.splitlines()[0] if text else repr(exc)
        return ParseError(file, line, col, f"Rego syntax error: {detail}", ErrorKind.RULE_LOAD)
    return None


def load_rego_file(path: Path) -> tuple[RuleMeta | None, RegoRule | None, tuple[str, str] | None, list[ParseError]]:
    file = str(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, None, [ParseError(file, 1, 1, f"cannot read rule file: {exc}", ErrorKind.RULE_LOAD)]
    syntax = _rego_syntax_error(file, source)
    if syntax is not None:
        return None, None, None, [syntax]
    pkg_m = _PACKAGE_RE.search(source)
    if pkg_m is None:
        return None, None, None, [ParseError(file, 1, 1, "Rego file has no package statement", ErrorKind.RULE_LOAD)]
    package = pkg_m.group(1)
    pkg_line = source.count("\n", 0, pkg_m.start()) + 1
    if package in _RESERVED_PACKAGES:
        return None, None, None, [ParseError(file, pkg_line, 1, f"package {package} is reserved by policyguard", ErrorKind.RULE_LOAD)]
    defines_fail = bool(_FAIL_RE.search(source))
    block = _metadata_block(source)
    raw: dict[str, Any] | None = None
    if block is not None:
        import yaml

        lines, first = block
        meta_text = "\n".join(t for _, t in lines)
        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
            raw = yaml.load(meta_text, Loader=loader) or {}  # noqa: S506 - a safe loader
        except (yaml.YAMLError, RecursionError) as exc:
            # a nesting bomb may stop libyaml (a syntax error) or PyYAML's recursive composer
            from policyguard.parsers.yaml_source import yaml_limit_error

            limit = yaml_limit_error(meta_text, file)
            if limit is not None or isinstance(exc, RecursionError):
                line = lines[min(limit.line, len(lines)) - 1][0] if limit is not None and lines else first
                why = limit.message if limit is not None else "nested too deeply"
                return None, None, None, [ParseError(file, line, 1, f"# METADATA: {why}", ErrorKind.RULE_LOAD)]
            mark = getattr(exc, "problem_mark", None)
            line = lines[min(mark.line, len(lines) - 1)][0] if mark is not None and lines else first
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            return None, None, None, [ParseError(file, line, 1, f"# METADATA is not valid YAML: {problem}", ErrorKind.RULE_LOAD)]
        if not isinstance(raw, dict):
            return None, None, None, [ParseError(file, first, 1, "# METADATA must be a YAML mapping", ErrorKind.RULE_LOAD)]
    custom = raw.get("custom") if raw else None
    if not defines_fail and not (isinstance(custom, dict) and "id" in custom):
        return None, None, (file, source), []  # a helper module
    if raw is None:
        return None, None, None, [ParseError(file, pkg_line, 1, "rule defines `fail` but has no # METADATA block above its package", ErrorKind.RULE_LOAD)]
    assert block is not None
    lines, first = block
    if not isinstance(custom, dict):
        return None, None, None, [ParseError(file, _line_of_key(lines, ["custom"], first), 1,
                                             "# METADATA has no `custom:` mapping with the policyguard fields (id, severity, resource_types...)",
                                             ErrorKind.RULE_LOAD)]
    meta = dict(custom)
    for key in ("title", "description"):
        if key in raw and key not in meta:
            meta[key] = raw[key]
    errors = _schema_errors(meta, file, lambda keys: _line_of_key(lines, keys, first))
    if not errors:
        errors = _param_default_errors(meta, file, lambda keys: _line_of_key(lines, keys, first))
    if not defines_fail:
        errors.append(ParseError(file, pkg_line, 1, "rule defines no `fail` rule (`fail contains result if {...}`)", ErrorKind.RULE_LOAD))
    if errors:
        return None, None, None, errors
    rmeta = _meta_from_dict(meta, file, "rego")
    return rmeta, RegoRule(rmeta.id, package, bool(_UNKNOWN_RE.search(source)), file), (file, source), []


# --------------------------------------------------------------------------- Python rules
def load_python_file(path: Path, cache: RuleCache | None = None) -> tuple[list[tuple[RuleMeta, PythonRule]], list[ParseError]]:
    """Import a Python rule file (always: rules are code) and validate each rule's metadata
    (the schema verdict comes from ``cache`` when the same metadata was validated before)."""
    from policyguard.engine.python_rules import RULE_ATTR, PythonRule

    file = str(path)
    name = "policyguard_rules_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError("cannot create a module spec")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        line = 1
        if isinstance(exc, SyntaxError) and exc.lineno:
            line = exc.lineno
        else:
            for fr in traceback.extract_tb(exc.__traceback__):
                if fr.filename == file or Path(fr.filename).resolve() == path.resolve():
                    line = fr.lineno or 1
        return [], [ParseError(file, line, 1, f"cannot import Python rule: {type(exc).__name__}: {exc}", ErrorKind.RULE_LOAD)]
    found: list[tuple[RuleMeta, PythonRule]] = []
    errors: list[ParseError] = []
    for obj in vars(module).values():
        prule = getattr(obj, RULE_ATTR, None)
        if not isinstance(prule, PythonRule) or getattr(obj, "__module__", None) != name:
            continue
        key = cache.metadata_key(file, prule.line, prule.metadata) if cache is not None else None
        cached = cache.schema_verdict(key) if cache is not None and key is not None else None
        if cached is not None:
            errs = cached
        else:
            errs = _schema_errors(prule.metadata, file, lambda _keys, ln=prule.line: ln)
            if not errs:
                errs = _param_default_errors(prule.metadata, file, lambda _keys, ln=prule.line: ln)
            if cache is not None and key is not None:
                cache.store_schema_verdict(key, errs)
        if errs:
            errors.extend(errs)
            continue
        found.append((_meta_from_dict(prule.metadata, file, "python"), prule))
    return found, errors


# --------------------------------------------------------------------------- directory walk
_Stamp = tuple[int, int, int]  # a file's (size, mtime_ns, inode)
_DirStamp = tuple[int, int, int]  # a directory's (inode, mtime_ns, ctime_ns)
# what the walk of one rule directory found and looked at (``RuleCache.listing``): every directory
# walked with its stamp, every candidate entry (a .rego or .py name the walk could take as a rule
# file) with its stamp (None: not there), and the rule files in load order
_Listing = tuple[tuple[tuple[str, _DirStamp], ...], tuple[tuple[str, _Stamp | None], ...], tuple[str, ...]]
_RULE_SUFFIXES = (".rego", ".py")
_NOT_PY_RULES = ("conftest.py", "setup.py", "__init__.py")


def _file_stamp(file: str) -> _Stamp | None:
    try:
        st = os.stat(file)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _dir_stamp(directory: str) -> _DirStamp | None:
    # ctime too: it changes with the mtime (an entry added, removed or renamed) and also with a
    # permission change, which decides whether the walk can list the directory at all
    try:
        st = os.stat(directory)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def _walk_rule_dir(root: Path) -> tuple[list[str], _Listing | None]:
    """The rule files under the directory ``root`` in load order, and the listing that lets the
    next run skip this walk while nothing it looked at changed (None: not reusable, because a
    directory or file could not be read or changed too recently to tell a further change)."""
    candidates: list[Path] = []
    walked: list[tuple[str, _DirStamp]] = []
    watched: dict[str, _Stamp | None] = {}
    reusable = True

    def unreadable(_exc: OSError) -> None:
        nonlocal reusable
        reusable = False

    # os.walk pruning fixtures/, __pycache__/ and dot directories: the pack's fixture trees hold
    # most of its files (rglob + filter walked all of them: ~50 ms per scan)
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        stamp = _dir_stamp(dirpath)
        if stamp is None:
            reusable = False
        else:
            walked.append((dirpath, stamp))
        # an entry named like a rule file that the walk took for a directory (a symlink to one)
        # becomes a candidate if it turns into a file, which its directory's mtime does not show
        for d in dirnames:
            if d.endswith(_RULE_SUFFIXES):
                watched[os.path.join(dirpath, d)] = _file_stamp(os.path.join(dirpath, d))
        dirnames[:] = [d for d in dirnames if d not in ("fixtures", "__pycache__") and not d.startswith(".")]
        base = Path(dirpath)
        candidates.extend(base / f for f in filenames if f.endswith(_RULE_SUFFIXES))
    out: list[str] = []
    for p in sorted(candidates):
        file = str(p)
        if p.suffix == ".rego" and not p.name.endswith("_test.rego"):
            watched[file] = _file_stamp(file)
            if p.is_file():
                out.append(file)
        elif p.suffix == ".py" and p.name not in _NOT_PY_RULES:
            watched[file] = _file_stamp(file)
            if not p.is_file():
                continue
            try:
                text = p.read_text(encoding="utf-8", errors="replace")
            except OSError:
                reusable = False
                continue
            if "python_rules" in text:
                out.append(file)
    if not reusable:
        return out, None
    recent = time.time_ns() - _RACY_NS
    if any(s[1] > recent or s[2] > recent for _, s in walked) or any(s is not None and s[1] > recent for s in watched.values()):
        return out, None
    return out, (tuple(walked), tuple(watched.items()), tuple(out))


def _listing_stamps(listing: _Listing) -> dict[str, _Stamp | None] | None:
    """The stamps of a stored listing's candidates when nothing it looked at changed (so its
    rule files are still the walk's), else None."""
    walked, watched, _files = listing
    for directory, dstamp in walked:
        if _dir_stamp(directory) != dstamp:
            return None
    now: dict[str, _Stamp | None] = {}
    for file, stamp in watched:
        st = _file_stamp(file)
        if st != stamp:
            return None
        now[file] = st
    return now


# --------------------------------------------------------------------------- on-disk cache
_RegoLoad = tuple[RuleMeta | None, RegoRule | None, tuple[str, str] | None, list[ParseError]]
_CACHE_FORMAT = 1
_RACY_NS = 2_000_000_000  # a file changed this recently may change again within its mtime tick
_MAX_CACHE_FILES = 16


def cache_dir() -> Path | None:
    """Where the rule cache lives, or None when disabled (``POLICYGUARD_NO_CACHE=1``)."""
    if os.environ.get("POLICYGUARD_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no"):
        return None
    explicit = os.environ.get("POLICYGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "policyguard"


def code_stamp() -> str:
    """What a cached load result depends on besides the rule file: the policyguard version, the
    metadata schema, the loader and model code, the Rego parser (regorus) and Python."""
    import importlib.util

    from policyguard import __version__

    here = Path(__file__)
    parts: list[Any] = [_CACHE_FORMAT, __version__, sys.version_info[:3],
                        hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()]
    parts += [_file_stamp(str(p)) for p in (here, here.parent.parent / "model.py")]
    try:
        spec = importlib.util.find_spec("regorus")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        pkg_dir = Path(spec.origin).parent
        try:
            parts += sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(pkg_dir)
                            if e.name.endswith((".so", ".pyd", ".py")))
        except OSError:
            parts.append(None)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _plain(value: Any) -> bool:
    """JSON-like data only (its repr is a faithful key)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


class RuleCache:
    """One pickle per set of rule directories: each Rego file's load result keyed by its path,
    size, mtime_ns and inode, plus schema verdicts on Python rule metadata keyed by the metadata
    itself, plus each rule directory's listing (``_walk_rule_dir``: its rule files, valid while
    every directory walked keeps its inode, mtime and ctime and every candidate file its stamp,
    so a run stats the pack instead of walking it); the whole file is dropped when
    ``code_stamp`` changes. A missing, unreadable, corrupt or foreign-owned file is ignored (full
    load); writes are atomic (temp file + rename) and failures to write are ignored. Entries for
    files (and listings of directories) modified in the last 2 s are not stored (a same-size edit
    within the file system's mtime granularity would go unnoticed)."""

    def __init__(self, directory: Path, dirs: list[Path]) -> None:
        self.stamp = code_stamp()
        name = hashlib.sha256(repr([str(d.resolve()) for d in dirs]).encode()).hexdigest()[:24]
        self.path = directory / f"rules-{name}.pickle"
        self.rego: dict[str, tuple[_Stamp, _RegoLoad]] = {}
        self.schema: dict[str, list[ParseError]] = {}
        self.listing: dict[str, _Listing] = {}
        self._seen_rego: set[str] = set()
        self._seen_schema: set[str] = set()
        self._seen_listing: set[str] = set()
        self.dirty = False
        self.hits = 0
        self.misses = 0
        self._read()

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                # a pickle runs code when loaded: only trust a file this user owns and nobody else can write
                if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                    return
                doc = pickle.load(fh)
            if not isinstance(doc, dict) or doc.get("stamp") != self.stamp:
                return
            rego, schema, listing = doc["rego"], doc["schema"], doc.get("listing", {})
            if isinstance(rego, dict) and isinstance(schema, dict) and isinstance(listing, dict):
                self.rego, self.schema, self.listing = rego, schema, listing
        except Exception:  # noqa: BLE001 - any unreadable cache means a full load, never a failure
            self.rego, self.schema, self.listing = {}, {}, {}

    def rule_files(self, root: Path) -> tuple[list[str], dict[str, _Stamp | None]]:
        """The rule files of the directory ``root`` in load order (``_walk_rule_dir``), from the
        stored listing while it is valid, and the stamps taken of its files (empty after a walk)."""
        key = str(root)
        self._seen_listing.add(key)
        listing = self.listing.get(key)
        if listing is not None:
            try:
                stamps = _listing_stamps(listing)
            except Exception:  # noqa: BLE001 - a malformed entry is a miss
                stamps = None
            if stamps is not None:
                return list(listing[2]), stamps
        files, fresh = _walk_rule_dir(root)
        if fresh is not None:
            self.listing[key] = fresh
            self.dirty = True
        elif listing is not None:
            del self.listing[key]
            self.dirty = True
        return files, {}

    def load_rego(self, file: str, stamp: _Stamp | None = None) -> _RegoLoad:
        """``file``'s load result (``stamp``: its stamp if just taken)."""
        self._seen_rego.add(file)
        if stamp is None:
            stamp = _file_stamp(file)
        hit = self.rego.get(file)
        if stamp is not None and hit is not None and hit[0] == stamp:
            self.hits += 1
            meta, rrule, module, errs = hit[1]
            return meta, rrule, module, list(errs)
        self.misses += 1
        result = load_rego_file(Path(file))
        if stamp is not None and stamp == _file_stamp(file) and time.time_ns() - stamp[1] > _RACY_NS:
            self.rego[file] = (stamp, (result[0], result[1], result[2], list(result[3])))
            self.dirty = True
        elif file in self.rego:
            del self.rego[file]
            self.dirty = True
        return result

    @staticmethod
    def metadata_key(file: str, line: int, metadata: Any) -> str | None:
        if not _plain(metadata):
            return None
        return repr((file, line, metadata))

    def schema_verdict(self, key: str) -> list[ParseError] | None:
        self._seen_schema.add(key)
        hit = self.schema.get(key)
        return list(hit) if hit is not None else None

    def store_schema_verdict(self, key: str, errors: list[ParseError]) -> None:
        self.schema[key] = list(errors)
        self.dirty = True

    def save(self) -> None:
        """Write back when anything changed (entries of files no longer present are dropped)."""
        stale_rego = set(self.rego) - self._seen_rego
        stale_schema = set(self.schema) - self._seen_schema
        stale_listing = set(self.listing) - self._seen_listing
        if not (self.dirty or stale_rego or stale_schema or stale_listing):
            return
        for k in stale_rego:
            del self.rego[k]
        for k in stale_schema:
            del self.schema[k]
        for k in stale_listing:
            del self.listing[k]
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"stamp": self.stamp, "rego": self.rego, "schema": self.schema, "listing": self.listing}, fh,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            tmp = None
            self._prune()
        except Exception:  # noqa: BLE001 - an unwritable cache only costs the next run a full load
            pass
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


    def _prune(self) -> None:
        """Keep the newest ``_MAX_CACHE_FILES`` caches (one per set of rule directories: scans
        with ever-new ``--rules`` directories, e.g. temporary ones, must not fill the disk)."""
        files = []
        for e in os.scandir(self.path.parent):
            if e.name.startswith("rules-") and e.name.endswith(".pickle") and e.name != self.path.name:
                try:
                    files.append((e.stat().st_mtime_ns, e.path))
                except OSError:
                    continue
        for _mtime, old in sorted(files, reverse=True)[max(0, _MAX_CACHE_FILES - 1):]:
            try:
                os.unlink(old)
            except OSError:
                pass


def open_cache(dirs: list[Path]) -> RuleCache | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        return RuleCache(directory, dirs)
    except Exception:  # noqa: BLE001 - e.g. no home directory: load without a cache
        return None


def load_dirs(dirs: list[Path], cache: bool = False, rego_only: frozenset[Path] = frozenset()) -> RuleSet:
    """Every rule under ``dirs`` (unfiltered); duplicate ids are load errors. ``cache``: use the
    on-disk rule cache (``RuleCache``) unless ``POLICYGUARD_NO_CACHE`` is set. Under a directory in
    ``rego_only`` (named by a scanned repository's config) Python rule files are never imported:
    each is a load error saying how to trust it."""
    store = open_cache(dirs) if cache else None
    rs = _load_dirs(dirs, store, rego_only)
    if store is not None:
        store.save()
    return rs


def _not_imported(path: Path) -> ParseError:
    return ParseError(
        str(path), 1, 1,
        "Python rule not imported: its directory is named by the scanned repository's config (rules.dirs), "
        "and code from the repository under review never runs in the gate; name the directory with --rules "
        "or in a trusted config (--config, --org-config) to load it",
        ErrorKind.RULE_LOAD,
    )


def _load_dirs(dirs: list[Path], store: RuleCache | None, rego_only: frozenset[Path] = frozenset()) -> RuleSet:
    rs = RuleSet()
    seen: dict[str, str] = {}
    packages: dict[str, str] = {}
    for root in dirs:
        if not root.exists():
            rs.errors.append(ParseError(str(root), 1, 1, "rule directory does not exist", ErrorKind.RULE_LOAD))
            continue
        stamps: dict[str, _Stamp | None] = {}
        root_is_file = root.is_file()
        if root_is_file:
            files = [str(root)]
        elif store is not None:
            files, stamps = store.rule_files(root)
        else:
            files = _walk_rule_dir(root)[0]
        # a listed file named *.rego is a Rego file (the walk took no other); a root given as a
        # file is one by its suffix, as Path.suffix has it (not a hidden file named ".rego")
        as_rego = os.path.splitext(files[0])[1] == ".rego" if root_is_file else True
        for file in files:
            if file.endswith(".rego") and as_rego:
                meta, rrule, module, errs = store.load_rego(file, stamps.get(file)) if store is not None \
                    else load_rego_file(Path(file))
                rs.errors.extend(errs)
                if module is not None:
                    rs.modules.append(module)
                    if root in rego_only:
                        rs.untrusted_files = rs.untrusted_files | {module[0]}
                if meta is not None and rrule is not None:
                    if meta.id in seen:
                        rs.errors.append(ParseError(file, 1, 1, f"duplicate rule id {meta.id} (also in {seen[meta.id]})", ErrorKind.RULE_LOAD))
                        rs.modules.pop()
                        continue
                    if rrule.package in packages:
                        rs.errors.append(ParseError(file, 1, 1, f"package {rrule.package} is also used by {packages[rrule.package]}; each rule needs its own package", ErrorKind.RULE_LOAD))
                        rs.modules.pop()
                        continue
                    seen[meta.id] = file
                    packages[rrule.package] = file
                    rs.metas.append(meta)
                    rs.rego[meta.id] = rrule
            elif root in rego_only:
                rs.errors.append(_not_imported(Path(file)))
            else:
                found, errs = load_python_file(Path(file), store)
                rs.errors.extend(errs)
                for meta, prule in found:
                    if meta.id in seen:
                        rs.errors.append(ParseError(file, prule.line, 1, f"duplicate rule id {meta.id} (also in {seen[meta.id]})", ErrorKind.RULE_LOAD))
                        continue
                    seen[meta.id] = file
                    rs.metas.append(meta)
                    rs.python[meta.id] = prule
    return rs


def _matches(rule_id: str, patterns: Sequence[str]) -> bool:
    return any(rule_id == p or fnmatch.fnmatchcase(rule_id, p) for p in patterns)


def filter_ruleset(rs: RuleSet, options: RuleOptions) -> RuleSet:
    out = RuleSet(errors=list(rs.errors), modules=list(rs.modules), untrusted_files=rs.untrusted_files)
    wanted_fw = [f.lower() for f in options.frameworks]
    for meta in rs.metas:
        if options.enabled_rules and not _matches(meta.id, options.enabled_rules):
            continue
        if options.disabled_rules and _matches(meta.id, options.disabled_rules):
            continue
        if wanted_fw and not any(fw.lower() in wanted_fw for fw in meta.frameworks):
            continue
        if not meta.in_profile(options.profile) and meta.id not in options.enabled_rules and meta.id not in options.profile_keep:
            out.profile_skipped.add(meta.id)  # a strict rule: runs under --profile strict, or named by its id
            continue
        if meta.params:
            given = options.rule_params.get(meta.id) or {}
            missing = tuple(n for n in meta.required_params if n not in given)
            if missing:
                out.params_skipped[meta.id] = missing  # needs configuration: no findings, reported as such
                continue
            out.params[meta.id] = {**{n: spec["default"] for n, spec in meta.params.items() if "default" in spec},
                                   **{n: v for n, v in given.items() if n in meta.params}}
        override = options.severity_overrides.get(meta.id)
        if override:
            try:
                meta = replace(meta, severity=Severity.parse(override))
            except ValueError as exc:
                out.errors.append(ParseError("<config>", 1, 1, f"severity override for {meta.id}: {exc}", ErrorKind.CONFIG))
        out.metas.append(meta)
        if meta.id in rs.rego:
            out.rego[meta.id] = rs.rego[meta.id]
        if meta.id in rs.python:
            out.python[meta.id] = rs.python[meta.id]
    out.metas.sort(key=lambda m: m.id)
    return out


def rule_dirs_for(rule_dirs: Sequence[str], builtin: bool) -> list[Path]:
    dirs = [builtin_rules_dir()] if builtin else []
    dirs.extend(Path(d) for d in rule_dirs)
    return dirs


_CACHE: dict[tuple[Any, ...], RuleSet] = {}


def load_all(rule_dirs: Sequence[str], builtin: bool, rego_only_dirs: Sequence[str] | None = None) -> RuleSet:
    """Every rule of the built-in pack and ``rule_dirs``, unfiltered; cached per process (scan
    workers forked from the parent reuse the parent's load) and on disk across processes
    (``RuleCache``: an unchanged Rego file skips its syntax check, YAML and schema validation).
    ``rego_only_dirs`` (a subset of ``rule_dirs``) load Rego only (see ``load_dirs``)."""
    dirs = rule_dirs_for(rule_dirs, builtin)
    rego_only = frozenset(Path(d) for d in rego_only_dirs or ())
    key = tuple(str(d.resolve()) + ("\0rego-only" if d in rego_only else "") for d in dirs)
    hit = _CACHE.get(key)
    if hit is None:
        hit = load_dirs(dirs, cache=True, rego_only=rego_only)
        _CACHE[key] = hit
    return hit


def load_ruleset(options: RuleOptions) -> RuleSet:
    """Load (cached), validate and filter by the options."""
    return filter_ruleset(load_all(options.rule_dirs, options.builtin_rules, options.rego_only_rule_dirs), options)


@dataclass(frozen=True, slots=True)
class ParamProblem:
    """A configured rule parameter that does not fit its rule: ``name`` None for the rule id."""

    rule_id: str
    name: str | None
    message: str
    at: str = ""  # inside the value: "[0]" for the first item of an array

    def located(self, where: str) -> str:
        """The message after ``where`` (``file:line: rules.params.ID.name``)."""
        return f"{where}{self.at}: {self.message}"


def param_problems(rs: RuleSet, params: dict[str, dict[str, Any]], *, unknown_ids: bool = True) -> list[ParamProblem]:
    """Every configured rule parameter that does not fit what the rule declares (``rs``
    unfiltered): an unknown rule id, a rule without that parameter, a value of the wrong type.
    ``unknown_ids`` False: an unknown id is no problem (some rule file failed to load)."""
    if not params:
        return []  # the usual case: jsonschema (~60 ms to import) stays off the pre-commit path
    import jsonschema

    by_id = rs.by_id
    problems: list[ParamProblem] = []
    for rid, values in sorted(params.items()):
        meta = by_id.get(rid)
        if meta is None:
            if unknown_ids:
                problems.append(ParamProblem(rid, None, f"no such rule {rid!r}{_did_you_mean(rid, list(by_id))}"))
            continue
        if not isinstance(values, dict):
            problems.append(ParamProblem(rid, None, "expected a mapping of parameter name -> value"))
            continue
        for name, value in sorted(values.items()):
            spec = meta.params.get(name)
            if spec is None:
                declared = ", ".join(sorted(meta.params)) or "none"
                problems.append(ParamProblem(rid, name, f"{rid} has no parameter {name!r}"
                                             f"{_did_you_mean(name, list(meta.params))} (its parameters: {declared})"))
                continue
            validator = jsonschema.Draft202012Validator(param_schema(spec))
            for err in sorted(validator.iter_errors(value), key=lambda e: [str(x) for x in e.absolute_path]):
                at = "".join(f"[{p}]" for p in err.absolute_path)
                why = f"{spec.get('description', '')}".strip() if err.validator == "pattern" else f"expected {_type_text(spec)}"
                problems.append(ParamProblem(rid, name, f"{err.message} ({why})" if why else err.message, at))
    return problems


def _type_text(spec: dict[str, Any]) -> str:
    if spec.get("type") == "array" and isinstance(spec.get("items"), dict):
        return f"an array of {spec['items'].get('type', 'values')}s"
    return f"a value of type {spec.get('type')}"


# --------------------------------------------------------------------------- selectors
# Words that name an IaC type (Checkov's --framework values and common short forms), not a
# compliance framework: `--framework terraform` is a Checkov habit that would select no rule.
IAC_TYPES_SCANNED = frozenset({
    "terraform", "terraform_plan", "terraform-plan", "terraform_json", "tf", "hcl", "tfplan",
    "cloudformation", "cfn", "sam", "kubernetes", "k8s",
})
IAC_TYPES_OTHER = frozenset({
    "helm", "kustomize", "arm", "bicep", "serverless", "dockerfile", "docker", "ansible", "github_actions",
    "gitlab_ci", "bitbucket_pipelines", "azure_pipelines", "circleci_pipelines", "secrets", "openapi",
    "sca_package", "sca_image", "argo_workflows", "json", "yaml", "all",
})


@dataclass(frozen=True, slots=True)
class Selector:
    """One rule-id pattern or framework name a user gave, with where it came from
    (``--rule`` or ``.policyguard.yaml:4: rules.enable[0]``) for the error message."""

    origin: str
    value: str


def suggest(word: str, candidates: list[str], n: int = 3) -> list[str]:
    """Close matches for ``word`` (case-insensitive), best first: difflib on the whole word,
    else candidates that contain it (``S3`` -> ``PG-AWS-S3-001``...)."""
    by_low: dict[str, str] = {}
    for c in candidates:
        by_low.setdefault(c.lower(), c)
    low = word.lower()
    close = [by_low[c] for c in difflib.get_close_matches(low, list(by_low), n=n, cutoff=0.6)]
    if not close and len(low) >= 2:
        close = sorted(c for lc, c in by_low.items() if low.strip("*?") and low.strip("*?") in lc)[:n]
    return close


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = suggest(word, candidates)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def framework_names(metas: list[RuleMeta]) -> list[str]:
    return sorted({k for m in metas for k in m.frameworks})


def selector_problems(rs: RuleSet, rules: list[Selector], frameworks: list[Selector],
                      kinds: Sequence[str] = ()) -> list[str]:
    """A message for every rule-id pattern and framework name that selects no rule of ``rs``
    (the unfiltered set). Globs are fine as long as they match something. ``kinds``: the input
    kinds the same option also accepts (``scan --framework terraform``), offered as close matches."""
    ids = [m.id for m in rs.metas]
    problems: list[str] = []
    for sel in rules:
        if not any(_matches(i, [sel.value]) for i in ids):
            what = "no rule matches" if any(ch in sel.value for ch in "*?[") else "no such rule"
            problems.append(f"{sel.origin}: {what} {sel.value!r}{_did_you_mean(sel.value, ids)}")
    names = framework_names(rs.metas)
    known = {n.lower() for n in names}
    for sel in frameworks:
        low = sel.value.lower()
        if low in known:
            continue
        listed = ", ".join(names) or "none in the loaded rules"
        if kinds and low not in IAC_TYPES_OTHER:
            problems.append(f"{sel.origin}: unknown input kind or framework {sel.value!r}"
                            f"{_did_you_mean(sel.value, [*kinds, *names])} (input kinds: {', '.join(kinds)}; "
                            f"compliance frameworks: {listed})")
        elif kinds:
            problems.append(f"{sel.origin}: policyguard does not scan {sel.value} files (input kinds: {', '.join(kinds)}; "
                            f"compliance frameworks: {listed})")
        elif low in IAC_TYPES_SCANNED or low in IAC_TYPES_OTHER:
            kind = ("policyguard finds Terraform, CloudFormation and Kubernetes files by content, no type filter is "
                    "needed (scan or --exclude paths instead)" if low in IAC_TYPES_SCANNED
                    else f"policyguard does not scan {sel.value} files")
            problems.append(f"{sel.origin}: {sel.value!r} is an IaC type, not a compliance framework: {kind}; "
                            f"--framework selects compliance frameworks: {listed}")
        else:
            problems.append(f"{sel.origin}: unknown framework {sel.value!r}{_did_you_mean(sel.value, names)} "
                            f"(frameworks: {listed})")
    if rs.errors and problems:
        problems.append(f"({len(rs.errors)} rule file error(s) while loading the rules may explain a missing rule)")
    return problems
