"""Every test session keeps policyguard's caches (rule pack, compiled Rego programs) in a
directory of its own, so running the suite never evicts the user's cache (it holds at most 16
entries, and the suite loads far more rule configurations than that), nor reads an entry a
developer's own runs left. The controller makes the directory (whatever ``POLICYGUARD_CACHE_DIR``
said) and removes it at the end; xdist workers inherit it with the environment. A test that
sets ``POLICYGUARD_CACHE_DIR`` itself still wins."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_OWNED = "_PG_TEST_CACHE_OWNED"


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller's directory is in its environment
    os.environ["POLICYGUARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="policyguard-test-cache-")
    os.environ[_OWNED] = "1"


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not os.environ.pop(_OWNED, ""):
        return
    shutil.rmtree(os.environ.pop("POLICYGUARD_CACHE_DIR", ""), ignore_errors=True)
