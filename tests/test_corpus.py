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
        # a symlinked directory is listed by discovery too (walked, or named as a duplicate)
        out.update(str(Path(dirpath) / d) for d in dirnames if (Path(dirpath) / d).is_symlink())
    return out


def _missing(root: Path, accounted: set[str]) -> set[str]:
    """Files (and symlinked directories) under ``root`` that a scan neither read, skipped nor erred on."""
    missing = _all_files(root) - accounted
    # a symlinked directory that was walked is accounted for by the files found below it
    return {m for m in missing if not (Path(m).is_symlink() and any(a.startswith(m + os.sep) for a in accounted))}


def check_discovery_accounts_for_every_file(corpus: Path) -> None:
    found = discover([corpus], excludes=[])
    in_units = {str(f) for u in found.units for f in u.files}
    skipped = {f for f, _ in found.skipped}
    errored = {e.file for e in found.errors}
    assert all(why for _, why in found.skipped)
    assert _missing(corpus, in_units | skipped | errored) == set()
    assert not (in_units & skipped)
    # Terraform directories only where Terraform lives; documents are classified by their parse
    for unit in found.units:
        top = unit.path.relative_to(corpus).parts[0]
        expected = {"cloudformation": {"document"}, "kubernetes": {"document"},
                    "terraform": {"terraform", "document"}, "tfplan": {"document"}}[top]  # fmt: skip
        assert unit.format in expected, unit


def check_templates_and_manifests(root: Path, folder: str, min_units: int, min_resources: int) -> None:
    found = discover([root], excludes=[])
    assert found.errors == []
    assert len(found.units) > min_units
    started = time.perf_counter()
    results: list[tuple[Path, ParseResult]] = [(u.path, parse_unit(u)) for u in found.units]
    elapsed = time.perf_counter() - started
    resources = 0
    for path, result in results:
        if result.skipped:  # its parse found no IaC: named, with the reason
            assert result.skipped.startswith("not IaC") and not result.resources and not result.errors
            continue
        resources += len(result.resources)
        assert result.resources or result.errors, f"{path}: neither resources nor a located error"
        assert result.format == folder, (path, result.format)
        for err in result.errors:
            assert err.file == str(path)
            assert err.line >= 1 and err.column >= 1
            assert "internal" not in err.message, err
        for res in result.resources:
            assert res.span.file == str(path)
            assert res.span.start_line >= 1
            assert res.platform == folder
    assert resources > min_resources
    # the whole folder (hundreds of files) parses in a few seconds on the 2-core CI machine
    assert elapsed < 20, f"{folder}: {elapsed:.1f}s"


def check_through_scan(root: Path) -> None:
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    result = scan(ScanOptions(read=ReadOptions(paths=[str(root)]), evaluation=EvalOptions(evaluate=False, jobs=2)))
    assert result.resources
    for err in result.errors:
        assert "internal parser error" not in err.message, err
        assert err.line >= 1 and err.column >= 1
    files = set(result.files) | {f for f, _ in result.skipped} | {e.file for e in result.errors}
    assert _missing(root, files) == set()


def test_whole_corpus_discovery_accounts_for_every_file() -> None:
    check_discovery_accounts_for_every_file(CORPUS)


@pytest.mark.parametrize("folder", ["cloudformation", "kubernetes"])
def test_every_template_and_manifest_parses_or_fails_located(folder: str) -> None:
    root = CORPUS / folder
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    check_templates_and_manifests(root, folder, 100, 1000)


@pytest.mark.skipif(importlib.util.find_spec("policyguard.parsers.terraform") is None, reason="Terraform parser not built yet")
@pytest.mark.parametrize("folder", ["terraform", "tfplan"])
def test_terraform_and_plans_through_scan(folder: str) -> None:
    root = CORPUS / folder
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    check_through_scan(root)
