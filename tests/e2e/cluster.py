"""A real, throwaway Kubernetes control plane for end-to-end tests: etcd + kube-apiserver.

Built by ``e2e/build.sh`` (kube-apiserver from k8s.io/kubernetes v1.37.2, etcd embedding
go.etcd.io/etcd/server/v3) and started here the way envtest does it: both on loopback ports,
certificates generated for the run, no kubelet, scheduler or controller-manager. Admission runs
inside the apiserver, so webhooks, validation and storage are all real.

Public API (other test modules rely on it; change it only with a note to every user):

* ``find_binaries() -> Binaries | None`` - the two binaries, or None when not built.
* ``start_cluster(workdir, binaries) -> Cluster`` - starts and waits for ``/readyz``; raises
  ``ClusterError`` with the process logs' tail if it cannot.
* ``running_cluster(workdir)`` - context manager: start, yield, always stop.
* ``Cluster``: ``.server`` (``https://127.0.0.1:PORT``), ``.kubeconfig`` (Path),
  ``.ca_pem`` (bytes, the CA that signed the apiserver's serving and client certificates),
  ``.ca_file``, ``.client_cert`` / ``.client_key`` (an admin in ``system:masters``),
  ``.kubectl(*args, input=None, check=True, timeout=60)`` (kubectl v1.37.2 from e2e/build.sh,
  else the one on PATH, with that kubeconfig; returns ``CompletedProcess[str]``), ``.api(method, path, body=None)`` (raw HTTPS
  with the admin certificate; returns ``(status, json)``), ``.pids``, ``.stop()``.

What a control plane without controllers implies: no service-account token controller (the
``ServiceAccount`` admission plugin is disabled, so Pods need no ``default`` ServiceAccount and
get no token volume), no garbage collector (owner references are never followed: delete
children yourself), no namespace controller (a deleted Namespace stays ``Terminating``; its
deletion *request* is still admitted and stored), no scheduler or kubelet (Pods stay
``Pending`` with no node). ``default``, ``kube-system``, ``kube-public`` and
``kube-node-lease`` are created by the apiserver itself.

The child processes are in their own process group and get SIGKILL if the process that started
them dies (``PR_SET_PDEATHSIG``; no one is left to wait for the apiserver's graceful shutdown,
which took over 20 s on a loaded machine), so neither a failing test, ^C nor a killed pytest leaves an
etcd or apiserver behind; ``stop()`` terminates, waits and kills what is left.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

K8S_VERSION = "v1.37.2"
ADMIN_USER = "policyguard-e2e-admin"


class ClusterError(RuntimeError):
    """The control plane could not be started (the message carries the logs' tail)."""


@dataclass(frozen=True, slots=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path


def bin_dir() -> Path:
    """Where e2e/build.sh puts the binaries (``PG_E2E_BIN`` overrides)."""
    if os.environ.get("PG_E2E_BIN"):
        return Path(os.environ["PG_E2E_BIN"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "policyguard-ci" / "go" / "bin" / f"k8s-{K8S_VERSION}"


def find_binaries() -> Binaries | None:
    d = bin_dir()
    etcd, apiserver = d / "etcd", d / "kube-apiserver"
    if os.access(etcd, os.X_OK) and os.access(apiserver, os.X_OK):
        return Binaries(etcd, apiserver)
    return None


def kubectl_path() -> str | None:
    """The kubectl e2e/build.sh built beside the apiserver (same release), else one on PATH."""
    built = bin_dir() / "kubectl"
    return str(built) if os.access(built, os.X_OK) else shutil.which("kubectl")


def missing_reason() -> str | None:
    """Why the e2e tests cannot run here, or None when they can."""
    if find_binaries() is None:
        return f"etcd/kube-apiserver not built in {bin_dir()} (run e2e/build.sh: about 8 minutes on 2 idle cores the first time)"
    if kubectl_path() is None:
        return f"no kubectl in {bin_dir()} (e2e/build.sh builds it) nor on PATH"
    return None


def must_run() -> bool:
    """In CI (``.ci/run`` sets PG_CI=1) a missing binary is a failure, not a skip."""
    return bool(os.environ.get("PG_CI") or os.environ.get("CI"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- certificates -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pki:
    ca_file: Path
    ca_pem: bytes
    serving_cert: Path
    serving_key: Path
    client_cert: Path
    client_key: Path
    sa_key: Path
    sa_pub: Path


def make_pki(d: Path) -> Pki:
    """A CA; a serving pair for 127.0.0.1/localhost; an admin client pair (O=system:masters);
    an RSA key pair that signs service-account tokens."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    d.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=2)
    pem = serialization.Encoding.PEM

    def key_pem(k: Any) -> bytes:
        return bytes(k.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    def write(name: str, data: bytes) -> Path:
        p = d / name
        p.write_bytes(data)
        p.chmod(0o600)
        return p

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policyguard e2e cluster CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(pem)

    def leaf(subject: x509.Name, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName] | None) -> tuple[bytes, bytes]:
        k = ec.generate_private_key(ec.SECP256R1())
        b = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(k.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return b.sign(ca_key, hashes.SHA256()).public_bytes(pem), key_pem(k)

    serving = leaf(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
         x509.DNSName("kubernetes.default.svc"), x509.IPAddress(ipaddress.ip_address("10.0.0.1"))],
    )
    client = leaf(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ADMIN_USER),
                   x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters")]),
        ExtendedKeyUsageOID.CLIENT_AUTH,
        None,
    )
    sa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Pki(
        ca_file=write("ca.crt", ca_pem), ca_pem=ca_pem,
        serving_cert=write("apiserver.crt", serving[0]), serving_key=write("apiserver.key", serving[1]),
        client_cert=write("admin.crt", client[0]), client_key=write("admin.key", client[1]),
        sa_key=write("sa.key", key_pem(sa)),
        sa_pub=write("sa.pub", sa.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)),
    )


# --- processes ----------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """SIGKILL this child when the process that started it dies, however it dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=_die_with_parent, env=_child_env())


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # anything the group left behind
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Cluster:
    """A running etcd + kube-apiserver; see the module docstring for the API."""

    workdir: Path
    server: str
    kubeconfig: Path
    ca_pem: bytes
    ca_file: Path
    client_cert: Path
    client_key: Path
    etcd_url: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.procs.items()}

    def kubectl(self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:  # noqa: A002
        """Run kubectl against this cluster; ``check`` raises with stdout/stderr on a non-zero exit."""
        kubectl = kubectl_path()
        if kubectl is None:
            raise ClusterError("no kubectl: run e2e/build.sh")
        env = _child_env()
        env["KUBECONFIG"] = str(self.kubeconfig)
        env["KUBERC"] = "off"  # no user preferences (aliases, default flags) from ~/.kube/kuberc
        res = subprocess.run([kubectl, *args], input=input, capture_output=True, text=True, timeout=timeout, env=env,
                             check=False)
        if check and res.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} exited {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}")
        return res

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        ctx.load_cert_chain(str(self.client_cert), str(self.client_key))
        return ctx

    def api(self, method: str, path: str, body: Any = None, timeout: float = 30) -> tuple[int, Any]:
        """One raw API request as the admin; returns (HTTP status, decoded JSON body or text)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.ssl_context()),
                                             urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def stop(self) -> None:
        """Stop the apiserver, then etcd; wait for both (idempotent)."""
        for name in ("kube-apiserver", "etcd"):
            if name in self.procs:
                _stop(self.procs[name])


def _wait_ready(cluster: Cluster, deadline: float) -> None:
    last = ""
    while time.monotonic() < deadline:
        for name, p in cluster.procs.items():
            if p.poll() is not None:
                raise ClusterError(f"{name} exited with {p.returncode}:\n{_tail(cluster.logs[name])}")
        try:
            status, body = cluster.api("GET", "/readyz", timeout=5)
            if status == 200:
                return
            last = f"/readyz {status}: {str(body)[-300:]}"
        except (OSError, ssl.SSLError) as exc:
            last = str(exc)
        time.sleep(0.25)
    raise ClusterError(f"kube-apiserver not ready in time ({last}):\n{_tail(cluster.logs['kube-apiserver'])}")


def _wait_port(proc: subprocess.Popen[bytes], port: int, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ClusterError(f"etcd exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise ClusterError(f"etcd not listening on {port} in time:\n{_tail(log)}")


def write_kubeconfig(path: Path, server: str, pki: Pki) -> Path:
    import yaml

    cfg = {
        "apiVersion": "v1", "kind": "Config", "current-context": "e2e", "preferences": {},
        "clusters": [{"name": "e2e", "cluster": {"server": server, "certificate-authority": str(pki.ca_file)}}],
        "users": [{"name": ADMIN_USER, "user": {"client-certificate": str(pki.client_cert), "client-key": str(pki.client_key)}}],
        "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": ADMIN_USER, "namespace": "default"}}],
    }
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    path.chmod(0o600)
    return path


def start_cluster(workdir: Path, binaries: Binaries | None = None, *, timeout: float = 120.0,
                  extra_apiserver_args: tuple[str, ...] = ()) -> Cluster:
    """Start etcd and kube-apiserver under ``workdir`` and wait until ``/readyz`` answers 200.
    On failure everything started is stopped before ``ClusterError`` is raised."""
    binaries = binaries or find_binaries()
    if binaries is None:
        raise ClusterError(missing_reason() or "binaries missing")
    workdir.mkdir(parents=True, exist_ok=True)
    pki = make_pki(workdir / "pki")
    client_port, peer_port, secure_port = free_port(), free_port(), free_port()
    etcd_url = f"http://127.0.0.1:{client_port}"
    server = f"https://127.0.0.1:{secure_port}"
    cluster = Cluster(workdir=workdir, server=server, kubeconfig=workdir / "kubeconfig", ca_pem=pki.ca_pem,
                      ca_file=pki.ca_file, client_cert=pki.client_cert, client_key=pki.client_key, etcd_url=etcd_url)
    write_kubeconfig(cluster.kubeconfig, server, pki)
    pidfile = workdir / "pids"
    deadline = time.monotonic() + timeout
    try:
        cluster.logs["etcd"] = workdir / "etcd.log"
        cluster.procs["etcd"] = _spawn(
            [str(binaries.etcd), f"--data-dir={workdir / 'etcd-data'}", f"--listen-client-urls={etcd_url}",
             f"--listen-peer-urls=http://127.0.0.1:{peer_port}"],
            cluster.logs["etcd"],
        )
        pidfile.write_text(json.dumps(cluster.pids))
        _wait_port(cluster.procs["etcd"], client_port, cluster.logs["etcd"], deadline)
        cluster.logs["kube-apiserver"] = workdir / "kube-apiserver.log"
        cluster.procs["kube-apiserver"] = _spawn(
            [
                str(binaries.kube_apiserver),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={secure_port}",
                f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_file}",
                f"--service-account-key-file={pki.sa_pub}", f"--service-account-signing-key-file={pki.sa_key}",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.0.0.0/24",
                # the endpoint reconciler refuses a loopback address (and there is no node to reach)
                "--endpoint-reconciler-type=none",
                # privileged containers must reach admission (else validation refuses them first)
                "--allow-privileged=true",
                # no token controller runs: Pods must not need a `default` ServiceAccount
                "--disable-admission-plugins=ServiceAccount",
                f"--cert-dir={workdir / 'apiserver-certs'}",
                "--v=1",
                *extra_apiserver_args,
            ],
            cluster.logs["kube-apiserver"],
        )
        pidfile.write_text(json.dumps(cluster.pids))
        _wait_ready(cluster, deadline)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def running_cluster(workdir: Path | None = None, **kw: Any) -> Iterator[Cluster]:
    """Start a cluster (in a temporary directory unless given), yield it, always stop it."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pg-e2e-")))
        cluster = start_cluster(workdir, **kw)
        try:
            yield cluster
        finally:
            cluster.stop()


def main() -> int:
    """``python tests/e2e/cluster.py [seconds]``: start a cluster, print its kubeconfig path, keep it
    up (default until ^C), stop it. Handy to poke at with kubectl."""
    import sys

    hold = float(sys.argv[1]) if len(sys.argv) > 1 else float("inf")
    with running_cluster() as c:
        print(f"KUBECONFIG={c.kubeconfig}  server {c.server}  pids {c.pids}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(hold if hold != float("inf") else 10**9)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
