"""Compliance framework catalogues: one YAML file per framework in this directory, validated by
``policyguard/schemas/framework.schema.json``. A catalogue lists the framework's controls (ids as
the framework numbers them, titles in policyguard's own words) and the rule tags that map onto
it: a rule tagged ``frameworks: {cis-aws: ["2.1.1"]}`` covers control 2.1.1 of the catalogue whose
``rule_tags`` hold ``cis-aws``. Read by ``policyguard compliance`` and the README's coverage tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).parent
SCHEMA = Path(__file__).parent.parent / "schemas" / "framework.schema.json"


class CatalogueError(Exception):
    """A catalogue that is missing, unreadable or invalid; the message names the file."""


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str
    tag: str  # the rule tag whose values name this control
    section: str = ""
    assessable: str = "code"  # code | manual

    @property
    def key(self) -> tuple[str, str]:
        return (self.tag, self.id)


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    version: str
    rule_tags: tuple[str, ...]
    controls: tuple[Control, ...]
    publisher: str = ""
    url: str = ""
    scope: str = ""
    aliases: tuple[str, ...] = ()
    file: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def parse(data: Any, file: str) -> Framework:
    """A validated ``Framework`` from one catalogue document (``CatalogueError`` naming the file
    and every problem otherwise)."""
    problems = [f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
                for e in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))]
    if problems:
        raise CatalogueError(f"{file}: invalid framework catalogue:\n  " + "\n  ".join(problems[:20]))
    tags = tuple(data["rule_tags"])
    controls: list[Control] = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(data["controls"]):
        tag = c.get("tag") or (tags[0] if len(tags) == 1 else "")
        if tag not in tags:
            problems.append(f"controls.{i} ({c['id']}): tag {tag or '(none)'!r} is not one of rule_tags {list(tags)}")
            continue
        ctl = Control(id=str(c["id"]), title=c["title"], tag=tag, section=c.get("section", ""),
                      assessable=c.get("assessable", "code"))
        if ctl.key in seen:
            problems.append(f"controls.{i}: duplicate control {tag}/{ctl.id}")
        seen.add(ctl.key)
        controls.append(ctl)
    if problems:
        raise CatalogueError(f"{file}: invalid framework catalogue:\n  " + "\n  ".join(problems[:20]))
    return Framework(id=data["id"], title=data["title"], version=str(data["version"]), rule_tags=tags,
                     controls=tuple(controls), publisher=data.get("publisher", ""), url=data.get("url", ""),
                     scope=data.get("scope", ""), aliases=tuple(data.get("aliases", ())), file=file)


def load_file(path: Path) -> Framework:
    import yaml

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        raise CatalogueError(f"{path}: cannot read framework catalogue: {exc}") from None
    return parse(data, str(path))


@cache
def load_all() -> tuple[Framework, ...]:
    """Every bundled catalogue, sorted by id."""
    return tuple(sorted((load_file(p) for p in sorted(CATALOGUE_DIR.glob("*.yaml"))), key=lambda f: f.id))


def find(name: str) -> Framework:
    """The catalogue called ``name`` (its id or an alias, case-insensitive)."""
    wanted = name.strip().lower()
    frameworks = load_all()
    for fw in frameworks:
        if wanted in (n.lower() for n in fw.names()):
            return fw
    for fw in frameworks:  # a rule tag names its framework too (cis-aws -> cis-aws-3.0)
        if wanted in fw.rule_tags and len(fw.rule_tags) == 1:
            return fw
    import difflib

    names = sorted(n for fw in frameworks for n in fw.names())
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise CatalogueError(f"unknown framework {name!r}{hint}; available: {', '.join(names)}")
