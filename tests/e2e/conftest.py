"""The ``apiserver`` fixture: one real etcd + kube-apiserver per test session (per xdist worker).

Tests in ``tests/e2e/`` take ``apiserver`` (a ``cluster.Cluster``: ``.kubeconfig``, ``.server``,
``.kubectl(*args)``, ``.ca_pem``, ``.api(...)``; see ``cluster.py``). Without the binaries
(``e2e/build.sh``) or kubectl they skip with the reason on a developer machine and fail under
CI (``PG_CI=1``, set by ``.ci/run``, or ``CI``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# the webhook tests' helpers (tests/webhook_support.py) live one level up
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cluster import Cluster, missing_reason, must_run, running_cluster  # noqa: E402


def require_cluster_tools() -> None:
    """Skip (developer machine) or fail (CI) when the control plane cannot run here."""
    reason = missing_reason()
    if reason is None:
        return
    if must_run():
        pytest.fail(f"e2e: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _needs_cluster_tools() -> None:
    """Every test here needs the control plane: skip or fail before any work."""
    require_cluster_tools()


@pytest.fixture(scope="session")
def apiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_cluster_tools()
    workdir: Path = tmp_path_factory.mktemp("cluster")
    with running_cluster(workdir) as c:
        yield c
