"""The Terraform parser's caches of parsed files and modules are bounded by the bytes of source
they hold (a scan worker parses a whole repository, unit after unit), least recently used out."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyguard.parsers.terraform import module
from policyguard.parsers.terraform.module import SourceCache, cached_module, load_file


def test_source_cache_evicts_least_recently_used_past_its_budget() -> None:
    c = SourceCache(100)
    c.put("a", 1, 40)
    c.put("b", 2, 40)
    assert c.get("a") == 1  # a is now the most recent
    c.put("c", 3, 40)  # 120 > 100: b goes
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
    assert c.weight == 80 and len(c) == 2
    c.put("a", 9, 10)  # replacing an entry takes its old weight back
    assert c.weight == 50 and c.get("a") == 9
    c.put("big", 0, 1000)  # larger than the budget: kept alone (the unit being parsed needs it)
    assert len(c) == 1 and c.get("big") == 0
    c.clear()
    assert len(c) == 0 and c.weight == 0


@pytest.fixture
def small_caches(monkeypatch: pytest.MonkeyPatch) -> tuple[SourceCache, SourceCache]:
    files, modules = SourceCache(2_000), SourceCache(2_000)
    monkeypatch.setattr(module, "_FILE_CACHE", files)
    monkeypatch.setattr(module, "_MODULE_CACHE", modules)
    return files, modules


def test_parsing_many_files_keeps_the_caches_within_their_budget(tmp_path: Path,
                                                                 small_caches: tuple[SourceCache, SourceCache]) -> None:
    files, modules = small_caches
    for i in range(40):
        d = tmp_path / f"root{i}"
        d.mkdir()
        f = d / "main.tf"
        f.write_text(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n  tags = {{ n = "{"x" * 80}" }}\n}}\n')
        body = load_file(f)
        assert load_file(f) is body  # reused while it is in the cache
        cached_module(d)
        assert files.weight <= files.budget and modules.weight <= modules.budget
    assert 0 < len(files) < 40 and 0 < len(modules) < 40


def test_an_edited_file_is_parsed_again(tmp_path: Path, small_caches: tuple[SourceCache, SourceCache]) -> None:
    f = tmp_path / "main.tf"
    f.write_text('resource "aws_s3_bucket" "a" {}\n')
    first = load_file(f)
    f.write_text('resource "aws_s3_bucket" "a" {\n  bucket = "x"\n}\n')  # another size: another key
    assert load_file(f) is not first
