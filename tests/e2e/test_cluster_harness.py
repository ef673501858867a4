"""The harness itself: a cluster answers, and no etcd or kube-apiserver outlives the process
that started it, whether it stops normally, on ^C or killed outright."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster import Cluster

HERE = Path(__file__).resolve().parent

STARTER = """
import sys, time
sys.path.insert(0, {here!r})
from pathlib import Path
from cluster import running_cluster
with running_cluster(Path({workdir!r})) as c:
    time.sleep(600)
"""


def test_cluster_answers(apiserver: Cluster) -> None:
    version = json.loads(apiserver.kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert (version["major"], version["minor"]) == ("1", "37"), version
    names = apiserver.kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert {"namespace/default", "namespace/kube-system"} <= set(names)
    status, body = apiserver.api("GET", "/api/v1/namespaces/default")
    assert status == 200 and body["metadata"]["name"] == "default"
    assert apiserver.ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert apiserver.kubeconfig.is_file() and apiserver.server.startswith("https://127.0.0.1:")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_no_orphans_when_the_starter_dies(tmp_path: Path, sig: signal.Signals) -> None:
    """The starter is interrupted while the apiserver is still coming up: ^C (SIGINT) runs the
    cleanup; SIGKILL runs none, and the children's parent-death signal ends them."""
    workdir = tmp_path / "c"
    proc = subprocess.Popen([sys.executable, "-c", STARTER.format(here=str(HERE), workdir=str(workdir))],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pidfile = workdir / "pids"
    deadline = time.monotonic() + 60
    pids: dict[str, int] = {}
    while len(pids) < 2:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
        assert time.monotonic() < deadline, "the harness never started both processes"
        time.sleep(0.1)
        if pidfile.exists():
            try:
                pids = json.loads(pidfile.read_text())
            except ValueError:
                pids = {}
    assert all(_alive(p) for p in pids.values())
    proc.send_signal(sig)
    proc.wait(30)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in pids.values()):
        assert time.monotonic() < deadline, {n: p for n, p in pids.items() if _alive(p)}
        time.sleep(0.1)
