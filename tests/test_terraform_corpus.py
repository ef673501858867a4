"""Robustness over the real-world corpus: every Terraform directory and plan parses into
resources or located errors, with zero crashes. Skipped when the corpus is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policyguard.model import ParseError, Resource
from policyguard.parsers.terraform import parse_directory
from policyguard.parsers.terraform.hcl import HclSyntaxError
from policyguard.parsers.terraform.module import load_file
from policyguard.parsers.terraform.plan import _walk_modules, parse_plan_file

CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))


def _dirs(sub: str, pattern: str) -> list[Path]:
    root = CORPUS / sub
    if not root.is_dir():
        pytest.skip(f"corpus not found at {root} (set POLICYGUARD_CORPUS)")
    return sorted({p.parent for p in root.rglob(pattern)})


def _check_located(errors: list[ParseError], resources: list[Resource]) -> None:
    for e in errors:
        assert e.file and e.message, e
        assert e.line >= 1 and e.column >= 1, e
    for r in resources:
        assert r.id and r.type and r.platform == "terraform", r.id
        assert r.span.start_line >= 1 and r.span.end_line >= r.span.start_line, r.id
        assert Path(r.span.file).is_file(), r.span.file
        for key, s in r.attribute_spans.items():
            assert s.start_line >= 1 and s.end_line >= s.start_line, (r.id, key)


def test_every_terraform_directory_parses_or_reports_located_errors() -> None:
    dirs = _dirs("terraform", "*.tf")
    total_resources = 0
    for d in dirs:
        result = parse_directory(d, files=None, var_files=[], variables={})
        _check_located(result.errors, result.resources)
        error_files = {e.file for e in result.errors}
        for f in sorted(d.glob("*.tf")):
            # each file either parsed cleanly or is reported with a location
            try:
                load_file(f)
            except HclSyntaxError:
                assert str(f) in error_files, f
        total_resources += len(result.resources)
    assert total_resources > 1000


def test_every_plan_parses_or_reports_located_errors() -> None:
    files = sorted((CORPUS / "tfplan").rglob("*.json")) if (CORPUS / "tfplan").is_dir() else []
    if not files:
        pytest.skip("tfplan corpus not found")
    total = 0
    for f in files:
        result = parse_plan_file(f)
        doc = json.loads(f.read_text(encoding="utf-8"))
        planned = {r["address"] for r in _walk_modules((doc.get("planned_values") or {}).get("root_module") or {})}
        got = {r.id for r in result.resources if not r.type.startswith("provider.")}
        assert got == planned or result.errors, f
        _check_located(result.errors, result.resources)
        for r in result.resources:
            assert r.source_format == "terraform_plan"
        total += len(result.resources)
    assert total > 100
