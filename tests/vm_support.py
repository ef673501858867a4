"""policyguard_rvm (native/rvm) for the tests that hold the compiled VM to the interpreter.

Without it every group runs on the interpreter, so those tests would compare the interpreter
with itself: they skip with the reason on a developer machine and fail under ``PG_CI=1``
(``.ci/run`` builds and installs it)."""

from __future__ import annotations

import os
from typing import Any

import pytest


def need_vm() -> Any:
    """The ``policyguard_rvm`` module, or skip / fail (``PG_CI=1``) naming what is missing."""
    from policyguard.engine.rego.compiled import vm_module

    rvm = vm_module()
    if rvm is not None:
        return rvm
    why = "policyguard_rvm is not installed (`pip install ./native/rvm`, which needs cargo; .ci/run does it)"
    if os.environ.get("PG_CI") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture
def rvm_installed() -> Any:
    return need_vm()
