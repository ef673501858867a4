"""policyguard_rvm (native/rvm) for the tests that hold the compiled VM to the interpreter (and
``require`` for any native extension the tests need).

Without it every group runs on the interpreter, so those tests would compare the interpreter
with itself: they skip with the reason on a developer machine and fail under ``PG_CI=1``
(``.ci/run`` builds and installs it)."""

from __future__ import annotations

import os
from typing import Any

import pytest


def require(value: Any, why: str) -> Any:
    """``value`` (a native extension or what it provides), or skip / fail (``PG_CI=1``, where
    ``.ci/run`` builds it) with ``why`` when it is None."""
    if value is not None:
        return value
    if os.environ.get("PG_CI") == "1":
        pytest.fail(why)
    pytest.skip(why)


def need_vm() -> Any:
    """The ``policyguard_rvm`` module, or skip / fail (``PG_CI=1``) naming what is missing."""
    from policyguard.engine.rego.compiled import vm_module

    return require(vm_module(), "policyguard_rvm is not installed (`pip install ./native/rvm`, which needs cargo; .ci/run does it)")


@pytest.fixture
def rvm_installed() -> Any:
    return need_vm()
