"""The real-world corpus: every file is parsed into resources, a located error, or skipped as not IaC.

The corpus lives outside the repository (``POLICYGUARD_CORPUS``, default ``<repo>/../shared/corpus``);
these tests skip cleanly when it is absent.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from policyguard.discover import discover
from policyguard.model import ParseResult
from policyguard.parsers import parse_unit

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")


def _all_files(root: Path) -> set[str]:
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".terraform", "node_modules")]
        out.update(str(Path(dirpath) / f) for f in filenames)
    return out


def test_whole_corpus_discovery_accounts_for_every_file() -> None:
    found = discover([CORPUS], excludes=[])
    in_units = {str(f) for u in found.units for f in u.files}
    skipped = {f for f, _ in found.skipped}
    errored = {e.file for e in found.errors}
    assert all(why for _, why in found.skipped)
    missing = _all_files(CORPUS) - in_units - skipped - errored
    assert missing == set()
    assert not (in_units & skipped)
    # content sniffing puts each corpus folder's files in the right format
    for unit in found.units:
        top = unit.path.relative_to(CORPUS).parts[0]
        expected = {"cloudformation": {"cloudformation"}, "kubernetes": {"kubernetes"},
                    "terraform": {"terraform"}, "tfplan": {"terraform_plan"}}[top]  # fmt: skip
        assert unit.format in expected, unit


@pytest.mark.parametrize("folder", ["cloudformation", "kubernetes"])
def test_every_template_and_manifest_parses_or_fails_located(folder: str) -> None:
    root = CORPUS / folder
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    found = discover([root], excludes=[])
    assert found.errors == []
    assert len(found.units) > 100
    started = time.perf_counter()
    results: list[tuple[Path, ParseResult]] = [(u.path, parse_unit(u)) for u in found.units]
    elapsed = time.perf_counter() - started
    resources = 0
    for path, result in results:
        resources += len(result.resources)
        assert result.resources or result.errors, f"{path}: neither resources nor a located error"
        for err in result.errors:
            assert err.file == str(path)
            assert err.line >= 1 and err.column >= 1
            assert "internal" not in err.message, err
        for res in result.resources:
            assert res.span.file == str(path)
            assert res.span.start_line >= 1
            assert res.platform == folder
    assert resources > 1000
    # the whole folder (hundreds of files) parses in a few seconds on the 2-core CI machine
    assert elapsed < 20, f"{folder}: {elapsed:.1f}s"


@pytest.mark.skipif(importlib.util.find_spec("policyguard.parsers.terraform") is None, reason="Terraform parser not built yet")
@pytest.mark.parametrize("folder", ["terraform", "tfplan"])
def test_terraform_and_plans_through_scan(folder: str) -> None:
    from policyguard.scan import ScanOptions, scan

    root = CORPUS / folder
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    result = scan(ScanOptions(paths=[str(root)], evaluate=False, jobs=2))
    assert result.resources
    for err in result.errors:
        assert "internal parser error" not in err.message, err
        assert err.line >= 1 and err.column >= 1
    files = set(result.files) | {f for f, _ in result.skipped} | {e.file for e in result.errors}
    assert _all_files(root) - files == set()
