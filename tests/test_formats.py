"""The input-format registry (policyguard.formats): every entry is complete and the published
schemas list exactly the formats and platforms it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyguard.discover import discover
from policyguard.formats import FORMATS, PLATFORMS, format_of_file, load_parser

SCHEMAS = Path(__file__).resolve().parent.parent / "policyguard" / "schemas"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_has_a_parser_and_known_editors(name: str) -> None:
    fmt = FORMATS[name]
    assert fmt.name == name
    assert callable(load_parser(fmt))
    assert fmt.unit in ("directory", "file")
    assert {editor for _, editor in fmt.editors} <= {"", "hcl", "json", "yaml"}
    for ending, editor in fmt.editors:
        if editor == "":
            assert any(ending.endswith(e) for e in fmt.not_editable), f"{name}: {ending} refused without a reason"


def test_resource_schema_lists_the_registry() -> None:
    schema = json.loads((SCHEMAS / "resource.schema.json").read_text())
    props = schema["properties"]
    assert tuple(props["platform"]["enum"]) == PLATFORMS
    assert props["source_format"]["enum"] == [f.name for f in FORMATS.values() if f.platform]


@pytest.mark.parametrize(("name", "expected"), [
    ("main.tf", "terraform"), ("MAIN.TF.JSON", "terraform"), ("deploy.yaml", "document"), ("t.template", "document"),
    ("prod.tfvars.json", None), ("prod.tfvars", None), ("README.md", None), ("values.yml", "document"),
])
def test_discovery_assigns_formats_by_name(name: str, expected: str | None) -> None:
    f = format_of_file(name)
    assert (f.name if f else None) == expected


def test_a_unit_of_every_discovered_kind_parses_through_the_registry(tmp_path: Path) -> None:
    from policyguard.parsers import parse_unit

    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n")
    (tmp_path / "t.json").write_text('{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}')
    units = discover([tmp_path], excludes=[]).units
    kinds = sorted(u.format for u in units)
    assert kinds == ["document", "document", "terraform"]
    platforms = sorted(r.platform for u in units for r in parse_unit(u).resources)
    assert platforms == ["cloudformation", "kubernetes", "terraform"]
