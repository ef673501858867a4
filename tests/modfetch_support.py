"""Loopback servers for the module download tests: HTTPS with a CA generated per test session
(passed to policyguard with --module-ca-bundle), serving a Terraform registry, archives and git
repositories (through the real ``git http-backend``), and counting every request."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Route = Callable[["Handler"], None]


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost: (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policyguard test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        srv = self.server.owner
        srv.requests.append(self.path)
        path = self.path.split("?", 1)[0]
        if path.startswith("/git/") and srv.git_root is not None:
            self._git()
            return
        route = srv.routes.get(path)
        if route is None:
            self.reply(404, b"not found")
            return
        route(self)

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _git(self) -> None:
        srv = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", ""), "GIT_PROJECT_ROOT": str(srv.git_root), "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path[len("/git"):], "QUERY_STRING": query, "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1", "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "HOME": str(srv.git_root),
        }
        proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=30)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status = 200
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                if k.lower() == "status":
                    status = int(v.strip().split()[0])
                else:
                    headers[k.strip()] = v.strip()
        self.reply(status, payload, headers)


class _Server(ThreadingHTTPServer):
    owner: TlsServer
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is expected, not news


@dataclass
class TlsServer:
    """An HTTPS server on 127.0.0.1 (a random port) in a thread."""

    cert: Path
    key: Path
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    git_root: Path | None = None

    def __post_init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.owner = self
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.cert), str(self.key))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"https://{self.host}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def static(self, path: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.routes[path] = lambda h: h.reply(status, body, headers)

    def registry(self, namespace: str, name: str, provider: str, versions: dict[str, str], *,
                 json_location: bool = False) -> None:
        """A module registry (service discovery + modules.v1) whose versions download from the
        X-Terraform-Get location given per version (or a JSON ``location`` body)."""
        self.static("/.well-known/terraform.json", json.dumps({"modules.v1": "/v1/modules/"}).encode())
        mod = f"/v1/modules/{namespace}/{name}/{provider}"
        doc = {"modules": [{"versions": [{"version": v} for v in versions]}]}
        self.static(f"{mod}/versions", json.dumps(doc).encode())
        for v, location in versions.items():
            if json_location:
                self.static(f"{mod}/{v}/download", json.dumps({"location": location}).encode())
            else:
                self.static(f"{mod}/{v}/download", b"", 204, {"X-Terraform-Get": location})

    def count(self, prefix: str = "") -> int:
        return sum(1 for r in self.requests if r.startswith(prefix))


def tar_gz(files: dict[str, bytes | tuple[str, str]]) -> bytes:
    """A .tar.gz: name -> content, or ("symlink"|"hardlink", target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.mtime = int(time.time())
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = content[1]
                tf.addfile(info)
            else:
                info.size = len(content)
                tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes | tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(content, tuple):
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, content[1])
            else:
                info.external_attr = (0o100644 << 16)
                zf.writestr(info, content)
    return buf.getvalue()


def git_repo(root: Path, name: str, commits: list[tuple[dict[str, str], list[str]]]) -> Path:
    """A bare repository ``root/name`` built from commits of (files, tags to put on it)."""
    work = root / f"{name}-work"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, env=env)
    for files, tags in commits:
        for rel, text in files.items():
            p = work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        subprocess.run(["git", "-C", str(work), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(work), "commit", "-q", "-m", "c"], check=True, env=env)
        for t in tags:
            subprocess.run(["git", "-C", str(work), "tag", t], check=True, env=env)
    bare = root / name
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, env=env)
    shutil.rmtree(work)
    return bare


def head_commit(bare: Path, ref: str = "HEAD") -> str:
    return subprocess.run(["git", "-C", str(bare), "rev-parse", ref], check=True, capture_output=True,
                          text=True).stdout.strip()


class ConnectProxy:
    """A forward proxy on loopback that only does CONNECT tunnels (what HTTPS through a proxy
    uses), recording each target."""

    def __init__(self) -> None:
        import socketserver

        owner = self
        self.targets: list[str] = []

        class _H(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                import socket

                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                line = head.split(b"\r\n", 1)[0].decode()
                method, target, _ = line.split(" ", 2)
                if method != "CONNECT":
                    self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    return
                owner.targets.append(target)
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _relay(self.request, upstream)

        class _S(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = _S(("127.0.0.1", 0), _H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _relay(a: Any, b: Any) -> None:
    import select

    try:
        while True:
            ready, _, _ = select.select([a, b], [], [], 10)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    finally:
        b.close()
