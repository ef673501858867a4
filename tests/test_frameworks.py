"""Compliance framework catalogues (policyguard/frameworks/*.yaml): each validates against
policyguard/schemas/framework.schema.json, its control ids are unique, and every
(framework tag, control id) a built-in rule declares names a control of the one catalogue that
declares that tag, so the compliance report never counts a rule against a control that does
not exist (or against the wrong benchmark version's numbering)."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import policyguard.frameworks
from policyguard.engine import load_ruleset
from policyguard.model import RuleMeta, Severity
from policyguard.options import EvalOptions, RuleOptions

REPO = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = Path(policyguard.frameworks.__file__).resolve().parent
SCHEMA = json.loads((REPO / "policyguard" / "schemas" / "framework.schema.json").read_text())
CATALOGUE_PATHS = sorted(CATALOGUE_DIR.glob("*.yaml"))
# the frameworks issue 12 names; each must have a catalogue (more may be added)
EXPECTED = {"cis-aws-3.0", "cis-kubernetes-1.10", "pss", "nsa-k8s", "cis-azure-2.1", "cis-gcp-3.0",
            "nist-800-53", "pci-dss-4.0", "soc2"}
MAX_TITLE = 120  # short titles: the report prints one per line


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a mapping"
    return doc


@pytest.fixture(scope="module")
def catalogues() -> dict[str, dict[str, Any]]:
    return {p.name: _load(p) for p in CATALOGUE_PATHS}


@pytest.fixture(scope="module")
def rule_metas() -> list[RuleMeta]:
    rs = load_ruleset(RuleOptions(), EvalOptions(evaluate=False))
    assert not rs.errors, rs.errors
    return rs.metas


def tag_owners(catalogues: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """rule tag -> ids of the catalogues declaring it in rule_tags."""
    owners: dict[str, list[str]] = {}
    for cat in catalogues:
        for tag in cat["rule_tags"]:
            owners.setdefault(tag, []).append(cat["id"])
    return owners


def control_keys(cat: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule tag, control id) for every control; a single-tag catalogue's controls carry its tag."""
    default = cat["rule_tags"][0] if len(cat["rule_tags"]) == 1 else None
    return [(c.get("tag", default), c["id"]) for c in cat["controls"]]


def unresolved(metas: Iterable[RuleMeta], catalogues: Iterable[dict[str, Any]]) -> list[str]:
    """Every rule mapping that names an undeclared tag or a control its catalogue lacks."""
    cats = list(catalogues)
    owners = tag_owners(cats)
    known = {key for cat in cats for key in control_keys(cat)}
    problems = []
    for m in metas:
        for tag, ids in sorted(m.frameworks.items()):
            if tag not in owners:
                problems.append(f"{m.id} ({m.source}): framework tag {tag!r} is declared by no catalogue")
                continue
            problems += [f"{m.id} ({m.source}): {tag} control {cid!r} is not in catalogue {owners[tag][0]}"
                         for cid in ids if (tag, cid) not in known]
    return problems


def test_every_framework_of_the_issue_has_a_catalogue(catalogues: dict[str, dict[str, Any]]) -> None:
    assert sorted(EXPECTED - {c["id"] for c in catalogues.values()}) == []


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", CATALOGUE_PATHS, ids=lambda p: p.name)
def test_catalogue_validates_against_the_schema(path: Path) -> None:
    doc = _load(path)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc)]
    assert errors == []
    assert path.name == f"{doc['id']}.yaml", "the file is named after the catalogue id"


@pytest.mark.parametrize("path", CATALOGUE_PATHS, ids=lambda p: p.name)
def test_controls_are_unique_tagged_titled_and_classified(path: Path) -> None:
    cat = _load(path)
    several = len(cat["rule_tags"]) > 1
    for c in cat["controls"]:
        where = f"{path.name} control {c['id']!r}"
        if several or "tag" in c:
            assert c.get("tag") in cat["rule_tags"], f"{where}: tag {c.get('tag')!r} not in rule_tags"
        assert len(c["title"]) <= MAX_TITLE, f"{where}: title longer than {MAX_TITLE}"
        assert c["title"] == c["title"].strip() and "\n" not in c["title"], where
        # the coverage table counts code-checkable controls: every control says which it is
        assert c.get("assessable") in ("code", "manual"), f"{where}: assessable missing"
    dupes = [k for k, n in Counter(control_keys(cat)).items() if n > 1]
    assert dupes == [], f"{path.name}: duplicate (tag, id) {dupes}"


def test_ids_and_aliases_are_unique_across_catalogues(catalogues: dict[str, dict[str, Any]]) -> None:
    names = Counter(n for cat in catalogues.values() for n in [cat["id"], *cat.get("aliases", [])])
    assert [n for n, k in names.items() if k > 1] == []


def test_every_rule_tag_is_declared_by_exactly_one_catalogue(
        catalogues: dict[str, dict[str, Any]], rule_metas: list[RuleMeta]) -> None:
    owners = tag_owners(catalogues.values())
    assert {t: o for t, o in owners.items() if len(o) > 1} == {}
    used = {tag for m in rule_metas for tag in m.frameworks}
    assert sorted(used - owners.keys()) == []


def test_every_rule_control_exists_in_its_catalogue(
        catalogues: dict[str, dict[str, Any]], rule_metas: list[RuleMeta]) -> None:
    mapped = sum(len(ids) for m in rule_metas for ids in m.frameworks.values())
    assert mapped > 500, "the built-in pack maps its rules to controls"
    assert unresolved(rule_metas, catalogues.values()) == []


def test_the_resolution_check_reports_unknown_tags_and_controls(catalogues: dict[str, dict[str, Any]]) -> None:
    """The check above is not vacuous: a control id from another benchmark version, a level's
    control filed under the wrong level, and an undeclared tag are each reported."""
    def meta(rule_id: str, frameworks: dict[str, tuple[str, ...]]) -> RuleMeta:
        return RuleMeta(id=rule_id, title="t", severity=Severity.LOW, frameworks=frameworks, source="x.rego")

    probes = [
        meta("T-1", {"cis-aws": ("2.1.1", "3.10")}),             # 3.10 is not in v3.0.0
        meta("T-2", {"pss-restricted": ("HostProcess",)}),       # a Baseline control
        meta("T-3", {"pss-baseline": ("Pod Security Admission",)}),  # the enforcer, not a control
        meta("T-4", {"cis-docker": ("1.1",)}),
        meta("T-5", {"nist-800-53": ("AC-3", "IA-5(1)"), "soc2": ("CC6.1",)}),  # all exist
    ]
    problems = unresolved(probes, catalogues.values())
    assert [p.split(" ")[0] for p in problems] == ["T-1", "T-2", "T-3", "T-4"]
    assert "'3.10' is not in catalogue cis-aws-3.0" in problems[0]
    assert "declared by no catalogue" in problems[3]


# Tags corrected when the catalogues were written: CIS Azure v2.1.0 renumbered storage and App
# Service controls (3.7 is now public network access, anonymous blob access moved to 3.17; 9.10
# is Key Vault for app secrets, FTP is 9.9).
CORRECTED = [
    ("PG-AZURE-STORAGE-003", "cis-azure", "3.17", "Anonymous"),
    ("PG-AZURE-APPSERVICE-003", "cis-azure", "9.9", "FTP"),
]


@pytest.mark.parametrize(("rule_id", "tag", "control", "word"), CORRECTED, ids=[c[0] for c in CORRECTED])
def test_renumbered_controls_are_tagged_with_the_catalogue_version_numbering(
        catalogues: dict[str, dict[str, Any]], rule_metas: list[RuleMeta],
        rule_id: str, tag: str, control: str, word: str) -> None:
    meta = next(m for m in rule_metas if m.id == rule_id)
    assert meta.frameworks[tag] == (control,)
    cat = next(c for c in catalogues.values() if tag in c["rule_tags"])
    title = next(c["title"] for c in cat["controls"] if c["id"] == control)
    assert word.lower() in title.lower()


def test_pod_security_admission_rules_map_to_cis_not_to_a_pss_control(rule_metas: list[RuleMeta]) -> None:
    """Pod Security Admission enforces the standard's levels; it is not one of its controls."""
    psa = [m for m in rule_metas if m.id in ("PG-K8S-NS-002", "PG-K8S-NS-003")]
    assert len(psa) == 2
    for m in psa:
        assert "pss-baseline" not in m.frameworks and "pss-restricted" not in m.frameworks
        assert m.frameworks["cis-kubernetes"] == ("5.2.1",)


def test_catalogues_are_package_data() -> None:
    """The wheel ships the catalogues: pyproject's package-data globs match every file."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["policyguard"]
    for path in CATALOGUE_PATHS:
        rel = path.relative_to(REPO / "policyguard").as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} not matched by {globs}"
