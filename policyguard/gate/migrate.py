"""Other tools' suppressions, found and turned into governed policyguard suppressions
(``policyguard migrate-suppressions``), and counted by every scan so they are never silently
ignored (they are never honoured: a peer's id is not a policyguard rule).

Forms read:

- comments ``checkov:skip=CKV_AWS_20:reason`` (``#`` or ``//``), ``trivy:ignore:ID`` and
  ``tfsec:ignore:ID`` with ``:exp:YYYY-MM-DD`` / ``:ws:WORKSPACE`` qualifiers;
- CloudFormation ``Metadata: {checkov: {skip: [{id, comment}]}}`` (YAML and JSON templates) and
  Kubernetes ``checkov.io/skip1: CKV_K8S_20=reason`` annotations;
- ``.trivyignore`` (one id a line, ``exp:`` qualifier, ``#`` comment lines above as the reason),
  ``.trivyignore.yaml`` (``misconfigurations: [{id, paths, statement, expired_at}]``) and
  ``.checkov.yaml``/``.checkov.yml`` ``skip-check`` lists.

Where they go: a comment (or a YAML template's ``checkov:`` metadata key) gets an inline
``policyguard:ignore`` comment on the line above it, so the suppression stays next to the code it
excuses and shows in review; a file-wide ignore file (and a JSON template, which has no comments)
becomes config ``suppressions:`` entries, scoped to its directory, in the config a scan of the
same paths reads.
The peer's marker is kept (the other tool may still run). Peer ids map to rule ids through
``policyguard/data/peer_ids.yaml``; an id it does not know is reported as unmapped.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import fnmatch
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.gate.foreign import COMMAND, IGNORE_FILES, MAX_BYTES, ignore_files_near, may_hold

if TYPE_CHECKING:
    from policyguard.gate.config import SuppressionPolicy

PEER_IDS = Path(__file__).resolve().parent.parent / "data" / "peer_ids.yaml"
TEXT_SUFFIXES = (".tf", ".tf.json", ".yaml", ".yml", ".json", ".template", ".hcl")
SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__"})
MARKER = "policyguard:ignore"

_CHECKOV = re.compile(r"(#|//)\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?")
_TRIVY = re.compile(r"(#|//)\s*(trivy|tfsec):ignore:([^\s]+)")
_CFN_KEY = re.compile(r"^(\s*)checkov:\s*$")
_K8S_ANNOTATION = re.compile(r"""^\s*["']?checkov\.io/skip\d*["']?\s*:\s*["']?([A-Za-z0-9_]+)(?:=(.*?))?["']?\s*$""")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")


class MigrateError(Exception):
    """An ignore file that cannot be read, already formatted as ``file:line: what is wrong``."""


@dataclass(slots=True)
class Foreign:
    """One suppression written for another tool."""

    tool: str  # checkov | trivy | tfsec
    peer_id: str
    file: str
    line: int
    form: str  # comment | cfn-metadata | cfn-json | k8s-annotation | trivyignore | trivyignore-yaml | checkov-config
    reason: str = ""
    expires: str = ""
    paths: tuple[str, ...] = ()  # .trivyignore.yaml: the paths it is limited to
    workspace: str = ""  # trivy ``ws:`` qualifier
    condition: str = ""  # trivy ``ID[attr=value]``: only resources whose attribute has that value
    resource: str = ""  # cfn-json: the logical id
    anchor: int = 0  # inline forms: the line a policyguard comment goes above
    indent: str = ""
    comment: str = "#"
    # the policyguard:ignore comments right above ``anchor``: it is migrated when one names its rules
    above: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def label(self) -> str:
        return f"{self.tool} {self.peer_id}"

    def migrated(self, rules: tuple[str, ...]) -> bool:
        return bool(rules) and any(all(re.search(rf"[\s,]{re.escape(r)}(?=[\s,]|$)", d) for r in rules)
                                   for d in self.above)


@dataclass(frozen=True, slots=True)
class PeerIds:
    checkov: dict[str, tuple[str, ...]]
    trivy: dict[str, tuple[str, ...]]  # AVD id and long names, normalised -> rule ids

    @staticmethod
    def load(path: Path = PEER_IDS) -> PeerIds:
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        checkov = {str(k).upper(): tuple(v) for k, v in (doc.get("checkov") or {}).items()}
        trivy: dict[str, tuple[str, ...]] = {}
        for entry in doc.get("trivy") or []:
            for name in [entry.get("id") or "", *(entry.get("names") or [])]:
                if name:
                    trivy[_trivy_key(str(name))] = tuple(entry["policyguard"])
        return PeerIds(checkov, trivy)

    def rules(self, tool: str, peer_id: str) -> tuple[str, ...]:
        """The policyguard rule ids for a peer id; () when unmapped."""
        if tool == "checkov":
            return self.checkov.get(peer_id.upper(), ())
        return self.trivy.get(_trivy_key(peer_id), ())


def _trivy_key(peer_id: str) -> str:
    """``AVD-AWS-0086``, ``AWS-0086`` (newer Trivy drops the prefix) and ``avd-aws-0086`` are one id."""
    key = peer_id.strip().lower()
    if re.fullmatch(r"[a-z0-9]+-\d{3,}", key) and not key.startswith("avd-"):
        key = "avd-" + key
    return key


# --------------------------------------------------------------------------- finding them


def _clean_reason(text: str) -> str:
    return " ".join(text.replace("*/", "").split()).strip(" \"'")


def _directives_above(lines: list[str], anchor: int) -> tuple[str, ...]:
    """The policyguard:ignore directives in the comment lines right above line ``anchor`` (1-based)."""
    out: list[str] = []
    i = anchor - 2
    while i >= 0 and re.match(r"\s*(#|//|/\*|\*)", lines[i]):
        at = lines[i].find(MARKER)
        if at >= 0:
            out.append(lines[i][at + len(MARKER):].split(" reason=")[0])
        i -= 1
    return tuple(out)


def find_in_text(text: str, file: str) -> list[Foreign]:
    """Every peer suppression comment (and CloudFormation ``checkov`` metadata) in a file."""
    if not may_hold(text):
        return []
    lines = text.splitlines()
    out: list[Foreign] = []
    for n, line in enumerate(lines, 1):
        indent = line[: len(line) - len(line.lstrip())]
        m = _CHECKOV.search(line)
        if m:
            out.append(Foreign("checkov", m.group(2), file, n, "comment", reason=_clean_reason(m.group(3) or ""),
                               anchor=n, indent=indent, comment=m.group(1)))
            continue
        m = _TRIVY.search(line)
        if m:
            f = Foreign(m.group(2), "", file, n, "comment", anchor=n, indent=indent, comment=m.group(1))
            parts = m.group(3).rstrip("*/").split(":")
            f.reason = _clean_reason(line[m.end():])
            cond = re.search(r"\[(.*)\]$", parts[0])  # trivy:ignore:ID[attr=value]
            f.peer_id = parts[0][: cond.start()] if cond else parts[0]
            f.condition = cond.group(1) if cond else ""
            for key, value in zip(parts[1::2], parts[2::2], strict=False):
                if key == "exp":
                    f.expires = value
                elif key == "ws":
                    f.workspace = value
            out.append(f)
            continue
        m = _CFN_KEY.match(line)
        if m:
            out.extend(_cfn_yaml_skips(lines, n, file, m.group(1)))
            continue
        m = _K8S_ANNOTATION.match(line)
        if m:  # Kubernetes metadata.annotations: checkov.io/skip1: CKV_K8S_20=reason
            out.append(Foreign("checkov", m.group(1), file, n, "k8s-annotation", reason=_clean_reason(m.group(2) or ""),
                               anchor=n, indent=indent))
    if file.lower().endswith((".json", ".template")) and '"checkov"' in text:
        out.extend(_cfn_json_skips(text, file))
    for f in out:
        if f.anchor:
            f.above = _directives_above(lines, f.anchor)
        if f.form == "comment" and not f.reason:
            f.reason = _prose_above(lines, f.line)
    return out


def _prose_above(lines: list[str], line: int) -> str:
    """The plain comment lines right above a marker (``# public site`` over ``#trivy:ignore:ID``):
    Trivy's comments carry no reason of their own, so this is where people write it."""
    texts: list[str] = []
    i = line - 2
    while i >= 0:
        m = re.match(r"\s*(#|//)(.*)$", lines[i])
        if not m:
            break
        body = m.group(2).strip()
        if not (may_hold(body) or MARKER in body):
            texts.insert(0, body)
        elif texts:
            break
        i -= 1
    return _clean_reason(" ".join(texts))


def _cfn_yaml_skips(lines: list[str], at: int, file: str, indent: str) -> list[Foreign]:
    """``checkov: {skip: [{id: ..., comment: ...}]}`` under a YAML template's resource Metadata."""
    items: list[dict[str, object]] = []  # one per list item, its keys in either order
    for n in range(at + 1, len(lines) + 1):
        line = lines[n - 1]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= len(indent):
            break
        m = re.match(r"\s*(-\s+)?(id|comment)\s*:\s*(.*?)\s*$", line)
        if not m:
            continue
        if m.group(1) or not items:
            items.append({})
        items[-1][m.group(2)] = m.group(3).strip("\"'")
        if m.group(2) == "id":
            items[-1]["line"] = n
    return [Foreign("checkov", str(it["id"]), file, int(str(it["line"])), "cfn-metadata",
                    reason=_clean_reason(str(it.get("comment") or "")), anchor=at, indent=indent)
            for it in items if it.get("id")]


def _cfn_json_skips(text: str, file: str) -> list[Foreign]:
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    out: list[Foreign] = []
    for logical, res in (resources or {}).items() if isinstance(resources, dict) else ():
        meta = res.get("Metadata") if isinstance(res, dict) else None
        skips = ((meta or {}).get("checkov") or {}).get("skip") if isinstance(meta, dict) else None
        for s in skips if isinstance(skips, list) else ():
            if isinstance(s, dict) and s.get("id"):
                pos = text.find(f'"{s["id"]}"')
                line = text.count("\n", 0, pos) + 1 if pos >= 0 else 1
                out.append(Foreign("checkov", str(s["id"]), file, line, "cfn-json",
                                   reason=_clean_reason(str(s.get("comment") or "")), resource=str(logical)))
    return out


def read_ignore_file(path: Path) -> list[Foreign]:
    """The entries of a ``.trivyignore``, ``.trivyignore.yaml`` or ``.checkov.yaml`` file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise MigrateError(f"{path}:1: over the {MAX_BYTES // (1024 * 1024)} MiB limit for an ignore file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(f"{path}:1: cannot read: {exc}") from None
    name = path.name
    if name == ".trivyignore":
        return _trivyignore(text, str(path))
    doc, lines = _yaml(text, path)
    out: list[Foreign] = []
    if name.startswith(".trivyignore"):
        items = doc.get("misconfigurations") or []
        if not isinstance(items, list):
            raise MigrateError(f"{path}:{lines.get(('misconfigurations',), 1)}: misconfigurations: expected a list")
        for i, item in enumerate(items):
            at = lines.get(("misconfigurations", i), 1)
            if not isinstance(item, dict) or not item.get("id"):
                raise MigrateError(f"{path}:{at}: misconfigurations[{i}]: expected a mapping with an id")
            paths = item.get("paths") or []
            out.append(Foreign("trivy", str(item["id"]), str(path), at, "trivyignore-yaml",
                               reason=_clean_reason(str(item.get("statement") or "")),
                               expires=str(item.get("expired_at") or ""),
                               paths=tuple(str(p) for p in (paths if isinstance(paths, list) else [paths]))))
        return out
    skips = doc.get("skip-check") or doc.get("skip_check") or []
    key = "skip-check" if "skip-check" in doc else "skip_check"
    if isinstance(skips, str):
        skips = [s for s in skips.split(",")]
    if not isinstance(skips, list):
        raise MigrateError(f"{path}:{lines.get((key,), 1)}: {key}: expected a list or a comma-separated string")
    for i, value in enumerate(skips):
        for one in str(value).split(","):
            if one.strip():
                out.append(Foreign("checkov", one.strip(), str(path), lines.get((key, i), lines.get((key,), 1)),
                                   "checkov-config"))
    return out


def _yaml(text: str, path: Path) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    import yaml

    from policyguard.gate.config import line_index
    from policyguard.parsers.yaml_source import yaml_limit_error

    limit = yaml_limit_error(text, str(path))
    if limit is not None:
        raise MigrateError(f"{path}:{limit.line}: {limit.message}")
    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: `0x_` matches PyYAML's int pattern
        mark = getattr(exc, "problem_mark", None)
        raise MigrateError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: "
                           f"{getattr(exc, 'problem', None) or exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise MigrateError(f"{path}:1: expected a mapping at the top level")
    return doc, line_index(text)


def _trivyignore(text: str, file: str) -> list[Foreign]:
    out: list[Foreign] = []
    comments: list[str] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            comments = []
            continue
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
            continue
        fields = line.split()
        f = Foreign("trivy", fields[0], file, n, "trivyignore", reason=_clean_reason(" ".join(comments)))
        for extra in fields[1:]:
            if extra.startswith("exp:"):
                f.expires = extra[4:]
        out.append(f)
        comments = []
    return out


def walk(paths: list[str]) -> tuple[list[Foreign], list[str]]:
    """Every peer suppression under ``paths`` (files or directories), and the located errors."""
    found: list[Foreign] = []
    errors: list[str] = []
    for top in paths:
        p = Path(top)
        files = [p] if p.is_file() else _files(p)
        for f in files:
            try:
                if f.name in IGNORE_FILES:
                    found.extend(read_ignore_file(f))
                elif f.name.lower().endswith(TEXT_SUFFIXES) and f.stat().st_size <= MAX_BYTES:
                    found.extend(find_in_text(f.read_text(encoding="utf-8", errors="replace"), str(f)))
            except MigrateError as exc:
                errors.append(str(exc))
            except OSError as exc:
                errors.append(f"{f}:1: cannot read: {exc}")
    return found, errors


def _files(top: Path) -> list[Path]:
    out: list[Path] = []
    for d, dirs, names in os.walk(top):  # symlinked directories are not followed
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS)
        # a symlinked file is not read (and so never written through: --write edits files in place)
        out.extend(Path(d) / n for n in sorted(names) if not (Path(d) / n).is_symlink())
    return out


@lru_cache(maxsize=1)
def _peer_ids() -> PeerIds:
    """The peers' rule id tables, read once per process (a scan summarises file by file)."""
    return PeerIds.load()


def scan_summary(texts: dict[str, str] | Iterable[tuple[str, str]], ignore_files: list[Path],
                 config_rules: set[str]) -> tuple[dict[str, int], Foreign | None]:
    """For the scan's notice: how many not-yet-migrated peer suppressions of each kind there are
    (``checkov:skip``, ``trivy:ignore``, ``.trivyignore``...) and the first one. A comment is
    migrated when a policyguard:ignore sits right above it; an ignore file's entry when config
    suppressions name every rule it maps to (``config_rules``). Unreadable or malformed ignore
    files count once (the migration command names the problem)."""
    counts: dict[str, int] = {}
    first: Foreign | None = None
    items: list[Foreign] = []
    ids: PeerIds | None = None
    for file, text in sorted(texts.items()) if isinstance(texts, dict) else texts:  # pairs: in file order
        for f in find_in_text(text, file):
            ids = ids or _peer_ids()
            rules = ids.rules(f.tool, f.peer_id)
            if f.form == "cfn-json" and rules and set(rules) <= config_rules:
                continue  # migrated to config entries
            if not f.migrated(rules):
                items.append(f)
    for path in ignore_files:
        try:
            entries = read_ignore_file(path)
        except MigrateError:
            items.append(Foreign("unknown", "", str(path), 1, path.name))
            continue
        ids = ids or _peer_ids()
        for f in entries:
            rules = ids.rules(f.tool, f.peer_id)
            if not rules or not set(rules) <= config_rules:
                items.append(f)
    for f in items:
        kind = {"comment": f"{f.tool}:{'skip' if f.tool == 'checkov' else 'ignore'}",
                "cfn-metadata": "Metadata.checkov.skip", "cfn-json": "Metadata.checkov.skip",
                "k8s-annotation": "checkov.io/skip"}.get(f.form)
        kind = kind or Path(f.file).name
        counts[kind] = counts.get(kind, 0) + 1
        first = first or f
    return counts, first


# --------------------------------------------------------------------------- planning
@dataclass(slots=True)
class Plan:
    """What a migration would change: new file texts, and what it cannot migrate and why."""

    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (old, new)
    migrated: list[Foreign] = field(default_factory=list)
    already: list[Foreign] = field(default_factory=list)
    unmapped: list[Foreign] = field(default_factory=list)
    needs: list[tuple[Foreign, str]] = field(default_factory=list)  # (item, what is missing)

    def diff(self) -> str:
        out: list[str] = []
        for file, (old, new) in sorted(self.changes.items()):
            out.extend(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                            f"a/{file}" if old else "/dev/null", f"b/{file}"))
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


@dataclass(frozen=True, slots=True)
class Settings:
    owner: str = ""
    expires: str = ""  # YYYY-MM-DD for suppressions whose original has none
    today: _dt.date = field(default_factory=_dt.date.today)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _problems(f: Foreign, expires: str, policy: SuppressionPolicy, settings: Settings, rules: tuple[str, ...],
              inline: bool) -> list[str]:
    missing = []
    if f.workspace:
        missing.append(f"a scope policyguard suppressions do not have (ws:{f.workspace}: only in that Terraform "
                       "workspace); suppress it by hand if it holds in every workspace")
    if f.condition:
        missing.append(f"a scope policyguard suppressions do not have ([{f.condition}]: only resources with that "
                       "value); suppress it by hand on the resources it meant")
    if policy.require_reason and not f.reason:
        missing.append("a reason (the original gives none; add one to it, or write the suppression by hand)")
    if expires:
        if not _DATE.match(expires):
            missing.append(f"a valid expiry ({expires!r} is not YYYY-MM-DD)")
        elif _dt.date.fromisoformat(expires) < settings.today:
            missing.append(f"a future expiry (it expired on {expires}: fix the finding or renew it with --expires)")
        elif policy.max_expiry_days is not None and \
                _dt.date.fromisoformat(expires) > settings.today + _dt.timedelta(days=policy.max_expiry_days):
            missing.append(f"an expiry within suppression_policy.max_expiry_days ({policy.max_expiry_days}); "
                           f"{expires} is later")
    elif policy.require_expiry:
        missing.append("an expiry (suppression_policy.require_expiry: pass --expires YYYY-MM-DD)")
    if inline:
        forbidden = [r for r in rules if any(fnmatch.fnmatchcase(r, g) for g in policy.forbid_inline_rules)]
        if forbidden:
            missing.append(f"a config entry: suppression_policy.forbid_inline names {', '.join(forbidden)} "
                           "(add it to suppressions: by hand, with the resource id)")
    return missing


def _directive(rules: tuple[str, ...], reason: str, expires: str, owner: str) -> str:
    text = f"{MARKER} {','.join(rules)}"
    if reason:
        text += f" reason={_quote(reason)}"
    if expires:
        text += f" expires={expires}"
    if owner:
        text += f" owner={_quote(owner)}" if " " in owner else f" owner={owner}"
    return text


def plan(found: list[Foreign], ids: PeerIds, policy_for: Any, settings: Settings) -> Plan:
    """``policy_for(path) -> (SuppressionPolicy, config file Path | None, existing suppressions)``
    gives the config governing a file (its (rule, path, resource) set grows as entries are planned)."""
    result = Plan()
    inserts: dict[str, list[tuple[int, str]]] = {}
    entries: dict[Path, list[dict[str, str]]] = {}
    for f in found:
        rules = ids.rules(f.tool, f.peer_id)
        if not rules:
            result.unmapped.append(f)
            continue
        if f.migrated(rules):
            result.already.append(f)
            continue
        expires = f.expires or settings.expires
        inline = f.form in ("comment", "cfn-metadata", "k8s-annotation")
        policy, cfg_path, existing = policy_for(Path(f.file))
        missing = _problems(f, expires, policy, settings, rules, inline)
        if missing:
            result.needs.extend((f, m) for m in missing)
            continue
        if inline:
            line = f"{f.indent}{f.comment} {_directive(rules, f.reason, expires, settings.owner)}"
            inserts.setdefault(f.file, []).append((f.anchor, line))
            result.migrated.append(f)
            continue
        cfg_path = cfg_path or Path(f.file).parent / ".policyguard.yaml"
        base = cfg_path.parent
        here = os.path.relpath(Path(f.file).parent, base).replace(os.sep, "/")
        scopes: list[tuple[str, str]]
        if f.form == "cfn-json":
            scopes = [(os.path.relpath(f.file, base).replace(os.sep, "/"), f.resource)]
        elif f.paths:
            scopes = [(p if here == "." else f"{here}/{p}", "") for p in f.paths]
        else:
            scopes = [("" if here == "." else f"{here}/**", "")]
        new = [{"rule": r, "path": p, "resource": res} for r in rules for p, res in scopes]
        new = [e for e in new if (e["rule"], e["path"], e["resource"]) not in existing]
        if not new:
            result.already.append(f)
            continue
        for e in new:
            existing.add((e["rule"], e["path"], e["resource"]))  # the same id twice in one run: one entry
            e.update(reason=f.reason, expires=expires, owner=settings.owner)
        entries.setdefault(cfg_path, []).extend(new)
        result.migrated.append(f)
    for file, adds in inserts.items():
        old = Path(file).read_text(encoding="utf-8")
        lines = old.splitlines(keepends=True)
        # bottom up, so earlier anchors keep their numbers; several at one anchor keep their order
        for anchor, text in sorted(reversed(adds), key=lambda a: -a[0]):
            lines.insert(anchor - 1, text + "\n")
        result.changes[file] = (old, "".join(lines))
    for cfg, new_entries in entries.items():
        old = cfg.read_text(encoding="utf-8") if cfg.is_file() else ""
        result.changes[str(cfg)] = (old, add_config_entries(old, new_entries, str(cfg)))
    return result


def add_config_entries(text: str, entries: list[dict[str, str]], file: str) -> str:
    """``text`` (a config file, "" for a new one) with ``entries`` appended to its
    ``suppressions:`` list, leaving every other line (and comment) as it was."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    key = next((i for i, ln in enumerate(lines) if re.match(r"suppressions\s*:", ln)), None)
    item = "  - "
    if key is None:
        if not lines:
            lines = ["version: 1\n"]
        lines.append("suppressions:\n")
        at = len(lines)
    else:
        rest = lines[key].split(":", 1)[1].split("#", 1)[0].strip()
        if rest == "[]":
            lines[key] = "suppressions:\n"
        elif rest:
            raise MigrateError(f"{file}:{key + 1}: suppressions: is a flow-style list; write it as a block list "
                               "(one '- rule: ...' item a line) so entries can be added")
        at = key + 1
        while at < len(lines) and (not lines[at].strip() or lines[at][:1] in (" ", "\t", "-", "#")):
            if lines[at].lstrip().startswith("- "):
                item = lines[at][: len(lines[at]) - len(lines[at].lstrip())] + "- "
            at += 1
        while at > key + 1 and not lines[at - 1].strip():
            at -= 1
    pad = " " * len(item)
    block: list[str] = []
    for e in entries:
        keys = [k for k in ("rule", "path", "resource", "reason", "expires", "owner") if e.get(k)]
        for j, k in enumerate(keys):
            value = e[k] if k in ("rule", "expires") else json.dumps(e[k])
            block.append(f"{item if j == 0 else pad}{k}: {value}\n")
    return "".join(lines[:at] + block + lines[at:])


__all__ = ["COMMAND", "Foreign", "MigrateError", "PeerIds", "Plan", "Settings", "add_config_entries",
           "find_in_text", "ignore_files_near", "plan", "read_ignore_file", "scan_summary", "walk"]
