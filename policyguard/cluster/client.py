"""A small Kubernetes API client for the cluster audit: kubeconfig or in-cluster credentials,
verified TLS, paged lists, discovery, server-side apply and delete.

Why not the ``kubernetes`` package: it is not in the lock file, pulls ~10 dependencies and
~1 s of imports for six verbs; ``http.client`` + ``ssl`` do what the audit needs, and every
failure becomes a ``ClusterError`` with its own exit code instead of a library traceback.

Credentials: bearer token (``token``, ``tokenFile``, re-read as it rotates), client certificate
and key (files or ``-data``), an ``exec`` credential plugin (``client.authentication.k8s.io``
ExecCredential: EKS/GKE/AKS kubeconfigs), or the in-cluster service account (token and CA at
the standard paths). ``insecure-skip-tls-verify`` is refused: the audit reads every object of the
cluster and writes reports into it, so it talks to the server the CA vouches for or to none.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policyguard.exitcodes import EXIT_CLUSTER_FORBIDDEN, EXIT_CLUSTER_UNREACHABLE, EXIT_CLUSTER_UNSERVED, EXIT_ERROR

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_REFRESH = 60.0  # seconds between re-reads of a token file (bound tokens rotate hourly)


class ClusterError(Exception):
    """A problem talking to the cluster, worded for the user; ``exit_code`` says which kind."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR, status: int = 0) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.status = status


class NotServed(ClusterError):
    """The server does not serve this API (a CRD not installed, a group/version gone)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_CLUSTER_UNSERVED, 404)


class Gone(ClusterError):
    """A list's continue token expired (410): the list has to start again."""


@dataclass(slots=True)
class Credentials:
    server: str
    ca_pem: bytes | None = None  # None: the system's trust store
    tls_server_name: str = ""
    token: str = ""
    token_file: str = ""
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    exec_spec: dict[str, Any] | None = None
    source: str = ""  # what to name in messages: ``kubeconfig ~/.kube/config, context kind``
    _token_read: float = field(default=0.0, repr=False)

    def bearer(self) -> str:
        if self.token_file and time.monotonic() - self._token_read > TOKEN_REFRESH:
            try:
                with open(self.token_file, encoding="utf-8") as fh:
                    self.token = fh.read().strip()
            except OSError as exc:
                raise ClusterError(f"{self.source}: cannot read token file {self.token_file}: {exc.strerror or exc}") from None
            self._token_read = time.monotonic()
        return self.token


def in_cluster(sa_dir: str = SA_DIR) -> Credentials:
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise ClusterError("no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster "
                           "(KUBERNETES_SERVICE_HOST is not set)")
    try:
        with open(os.path.join(sa_dir, "ca.crt"), "rb") as fh:
            ca = fh.read()
    except OSError as exc:
        raise ClusterError(f"in-cluster: cannot read {sa_dir}/ca.crt: {exc.strerror or exc} "
                           "(is automountServiceAccountToken off?)") from None
    host = f"[{host}]" if ":" in host else host
    return Credentials(server=f"https://{host}:{port}", ca_pem=ca, token_file=os.path.join(sa_dir, "token"),
                       source="in-cluster service account")


def from_kubeconfig(path: str | None = None, context: str | None = None) -> Credentials:
    """Credentials of ``context`` (default: current-context) from ``path``, else the files of
    ``$KUBECONFIG`` (merged, first wins), else ``~/.kube/config``."""
    import yaml

    files = [path] if path else [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if not files:
        files = [os.path.expanduser("~/.kube/config")]
    merged: dict[str, dict[str, Any]] = {"clusters": {}, "users": {}, "contexts": {}}
    base: dict[str, str] = {}  # (kind:name) -> directory relative paths are resolved against
    current = ""
    read = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh) or {}
        except FileNotFoundError:
            if path:
                raise ClusterError(f"{f}: kubeconfig not found") from None
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ClusterError(f"{f}: cannot read kubeconfig: {exc}") from None
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: `0x_` matches PyYAML's int pattern
            mark = getattr(exc, "problem_mark", None)
            raise ClusterError(f"{f}:{mark.line + 1 if mark else 1}: invalid kubeconfig YAML") from None
        if not isinstance(doc, dict):
            raise ClusterError(f"{f}:1: a kubeconfig must be a mapping")
        read.append(f)
        current = current or str(doc.get("current-context") or "")
        for section, key in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for item in doc.get(section) or ():
                if isinstance(item, dict) and item.get("name") and item["name"] not in merged[section]:
                    merged[section][item["name"]] = item.get(key) or {}
                    base[f"{section}:{item['name']}"] = os.path.dirname(os.path.abspath(f))
    if not read:
        return in_cluster()
    where = read[0] if len(read) == 1 else f"$KUBECONFIG ({', '.join(read)})"
    name = context or current
    if not name:
        raise ClusterError(f"{where}: no current-context; pass --context")
    ctx = merged["contexts"].get(name)
    if ctx is None:
        raise ClusterError(f"{where}: context {name!r} not found (contexts: {', '.join(sorted(merged['contexts'])) or 'none'})")
    source = f"kubeconfig {where}, context {name}"
    cl = merged["clusters"].get(ctx.get("cluster", ""))
    if cl is None:
        raise ClusterError(f"{source}: cluster {ctx.get('cluster')!r} not found")
    user = merged["users"].get(ctx.get("user", ""), {})
    cdir, udir = base.get(f"clusters:{ctx.get('cluster')}", "."), base.get(f"users:{ctx.get('user')}", ".")
    if cl.get("insecure-skip-tls-verify"):
        raise ClusterError(f"{source}: insecure-skip-tls-verify is set; policyguard audit only talks to a server "
                           "whose certificate the cluster CA verifies (set certificate-authority)")
    server = str(cl.get("server") or "")
    if not server.startswith("https://"):
        raise ClusterError(f"{source}: server {server!r} is not an https:// URL")
    creds = Credentials(server=server.rstrip("/"), source=source, tls_server_name=str(cl.get("tls-server-name") or ""))
    creds.ca_pem = _pem(cl, "certificate-authority", cdir, source)
    creds.cert_pem = _pem(user, "client-certificate", udir, source)
    creds.key_pem = _pem(user, "client-key", udir, source)
    creds.token = str(user.get("token") or "")
    if user.get("tokenFile"):
        creds.token_file = os.path.join(udir, str(user["tokenFile"]))
    if isinstance(user.get("exec"), dict):
        creds.exec_spec = dict(user["exec"])
        creds.exec_spec["_dir"] = udir
    if user.get("auth-provider"):
        raise ClusterError(f"{source}: auth-provider plugins are not supported (use a token, a client certificate or exec)")
    return creds


def _pem(section: dict[str, Any], key: str, base: str, source: str) -> bytes | None:
    data = section.get(f"{key}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except ValueError:
            raise ClusterError(f"{source}: {key}-data is not base64") from None
    path = section.get(key)
    if path:
        full = os.path.join(base, os.path.expanduser(str(path)))
        try:
            with open(full, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise ClusterError(f"{source}: cannot read {key} {full}: {exc.strerror or exc}") from None
    return None


@dataclass(frozen=True, slots=True)
class APIResource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str = "", name: str = "") -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        ns = f"/namespaces/{urllib.parse.quote(namespace, safe='')}" if namespace and self.namespaced else ""
        tail = f"/{urllib.parse.quote(name, safe='')}" if name else ""
        return f"{prefix}{ns}/{self.plural}{tail}"


class KubeClient:
    """One keep-alive HTTPS connection to the apiserver; every call returns parsed JSON or raises
    ``ClusterError``. Not thread-safe: one per thread."""

    def __init__(self, creds: Credentials, *, timeout: float = 30.0, user_agent: str = "policyguard-audit") -> None:
        self.creds = creds
        self.timeout = timeout
        self.user_agent = user_agent
        u = urllib.parse.urlsplit(creds.server)
        self.host, self.port = u.hostname or "", u.port or 443
        self.prefix = u.path.rstrip("/")
        self._ctx = self._ssl_context()
        self._conn: http.client.HTTPSConnection | None = None
        self._exec_token: tuple[str, float] | None = None

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        try:
            if self.creds.ca_pem:
                ctx.load_verify_locations(cadata=self.creds.ca_pem.decode("ascii", "replace"))
            cert, key = self.creds.cert_pem, self.creds.key_pem
            if self.creds.exec_spec and not (cert and key):
                cred = self._exec_credential()
                cert, key = cred.get("cert"), cred.get("key")
            if cert and key:
                # ssl loads a chain only from files: a private temporary directory, removed at once
                with tempfile.TemporaryDirectory(prefix="policyguard-kube-") as d:
                    cf, kf = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
                    for p, data in ((cf, cert), (kf, key)):
                        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                        with os.fdopen(fd, "wb") as fh:
                            fh.write(data if isinstance(data, bytes) else str(data).encode())
                    ctx.load_cert_chain(cf, kf)
        except (ssl.SSLError, ValueError, OSError) as exc:
            raise ClusterError(f"{self.creds.source}: bad TLS material (CA or client certificate/key): {exc}") from None
        return ctx

    def _exec_credential(self) -> dict[str, Any]:
        """Run the kubeconfig's exec plugin (its own command: the kubeconfig is the user's, not
        the scanned repository's) and read its ExecCredential status."""
        import subprocess

        spec = self.creds.exec_spec or {}
        cmd = [str(spec.get("command", ""))] + [str(a) for a in spec.get("args") or ()]
        env = dict(os.environ)
        for e in spec.get("env") or ():
            if isinstance(e, dict) and "name" in e:
                env[str(e["name"])] = str(e.get("value", ""))
        env["KUBERNETES_EXEC_INFO"] = json.dumps({"apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1"),
                                                  "kind": "ExecCredential", "spec": {"interactive": False}})
        try:
            p = subprocess.run(cmd, env=env, cwd=spec.get("_dir") or None, capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterError(f"{self.creds.source}: exec credential plugin {cmd[0]!r} failed: {exc}") from None
        if p.returncode != 0:
            raise ClusterError(f"{self.creds.source}: exec credential plugin {cmd[0]!r} exited {p.returncode}: "
                               f"{p.stderr.strip()[:300]}", EXIT_CLUSTER_FORBIDDEN)
        try:
            status = json.loads(p.stdout).get("status") or {}
        except (ValueError, AttributeError):
            raise ClusterError(f"{self.creds.source}: exec credential plugin {cmd[0]!r} printed no ExecCredential") from None
        return {"token": status.get("token", ""), "cert": (status.get("clientCertificateData") or "").encode() or None,
                "key": (status.get("clientKeyData") or "").encode() or None}

    def _token(self) -> str:
        tok = self.creds.bearer()
        if tok or not self.creds.exec_spec:
            return tok
        if self._exec_token is None or time.monotonic() - self._exec_token[1] > 300:
            self._exec_token = (str(self._exec_credential().get("token") or ""), time.monotonic())
        return self._exec_token[0]

    # ------------------------------------------------------------------ transport
    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, *, params: dict[str, str] | None = None, body: bytes | None = None,
                content_type: str = "application/json", what: str = "") -> dict[str, Any]:
        """``what``: the permission the call needs, for a 403 (``list pods``)."""
        url = self.prefix + path + ("?" + urllib.parse.urlencode(params) if params else "")
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        tok = self._token()
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):  # a keep-alive connection the server closed is retried once
            if self._conn is None:
                self._conn = _Connection(self.host, self.port, self._ctx, self.timeout,
                                         self.creds.tls_server_name or self.host)
            try:
                self._conn.request(method, url, body=body, headers=headers)
                resp = self._conn.getresponse()
                data = resp.read()
                break
            except ssl.SSLCertVerificationError as exc:
                self.close()
                raise ClusterError(f"{self.creds.server}: the server's certificate is not trusted ({exc.verify_message}); "
                                   f"check the CA of {self.creds.source}", EXIT_CLUSTER_UNREACHABLE) from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if attempt == 2:
                    raise ClusterError(f"{self.creds.server}: connection lost: {exc}", EXIT_CLUSTER_UNREACHABLE) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise ClusterError(f"cannot reach the cluster at {self.creds.server} ({self.creds.source}): {why}",
                                   EXIT_CLUSTER_UNREACHABLE) from None
        return self._answer(resp.status, data, method, path, what)

    def _answer(self, status: int, data: bytes, method: str, path: str, what: str) -> dict[str, Any]:
        try:
            doc = json.loads(data) if data else {}
        except ValueError:
            doc = {}
        if 200 <= status < 300:
            if not isinstance(doc, dict):
                raise ClusterError(f"{method} {path}: the server answered {status} with no JSON object")
            return doc
        message = str(doc.get("message") or data[:200].decode("utf-8", "replace")) if isinstance(doc, dict) else ""
        if status == 401:
            raise ClusterError(f"the cluster did not accept the credentials of {self.creds.source} (401 Unauthorized)",
                               EXIT_CLUSTER_FORBIDDEN, status)
        if status == 403:
            need = f"; the audit needs '{what}' (ClusterRole from `policyguard webhook manifests --audit`)" if what else ""
            raise ClusterError(f"forbidden: {message}{need}", EXIT_CLUSTER_FORBIDDEN, status)
        if status == 404:
            raise NotServed(f"{method} {path}: not found ({message})")
        if status == 410:
            raise Gone(f"{method} {path}: {message}", EXIT_ERROR, status)
        raise ClusterError(f"{method} {path}: the server answered {status}: {message}", EXIT_ERROR, status)

    # ------------------------------------------------------------------ verbs
    def get(self, path: str, params: dict[str, str] | None = None, what: str = "") -> dict[str, Any]:
        return self.request("GET", path, params=params, what=what)

    def list_pages(self, res: APIResource, *, limit: int = 500, namespace: str = "",
                   label_selector: str = "") -> Iterator[dict[str, Any]]:
        """Every object of ``res`` (all namespaces), ``limit`` per page, following ``continue``.
        A list whose continue token expired (410: a long audit of a busy cluster) starts over,
        up to three times, skipping the objects (by uid) already handed out; items carry
        ``apiVersion``/``kind`` (lists omit them per item)."""
        what = f"list {res.plural}" + (f".{res.group}" if res.group else "")
        seen: set[str] = set()
        for _attempt in range(3):
            cont = ""
            try:
                while True:
                    params = {"limit": str(limit)}
                    if label_selector:
                        params["labelSelector"] = label_selector
                    if cont:
                        params["continue"] = cont
                    page = self.get(res.path(namespace), params, what=what)
                    for item in page.get("items") or ():
                        if not isinstance(item, dict):
                            continue
                        uid = str((item.get("metadata") or {}).get("uid") or "")
                        if uid and uid in seen:
                            continue
                        if uid:
                            seen.add(uid)
                        item.setdefault("apiVersion", res.api_version)
                        item.setdefault("kind", res.kind)
                        yield item
                    cont = str((page.get("metadata") or {}).get("continue") or "")
                    if not cont:
                        return
            except Gone:
                continue
        raise ClusterError(f"{what}: the list expired (410) three times in a row; rerun, or lower --page-size")

    def apply(self, path: str, obj: dict[str, Any], field_manager: str, what: str = "") -> dict[str, Any]:
        """Server-side apply (``force``: policyguard owns its reports' fields)."""
        body = json.dumps(obj, separators=(",", ":")).encode()
        return self.request("PATCH", path, params={"fieldManager": field_manager, "force": "true"}, body=body,
                            content_type="application/apply-patch+yaml", what=what)

    def delete(self, path: str, what: str = "") -> None:
        try:
            self.request("DELETE", path, what=what)
        except NotServed:
            pass  # already gone

    def discover(self) -> list[APIResource]:
        """Every listable resource of the preferred version of each group (subresources left out)."""
        out: list[APIResource] = []
        core = self.get("/api/v1", what="get /api/v1 (discovery)")
        out += _resources(core, "", "v1")
        groups = self.get("/apis", what="get /apis (discovery)")
        for g in groups.get("groups") or ():
            pref = (g.get("preferredVersion") or {}).get("version") or ((g.get("versions") or [{}])[0].get("version"))
            if not pref:
                continue
            try:
                doc = self.get(f"/apis/{g['name']}/{pref}", what=f"get /apis/{g['name']}/{pref} (discovery)")
            except NotServed:
                continue  # an aggregated API that went away between the two calls
            except ClusterError as exc:
                if exc.status == 503:  # an aggregated API server that is down: its kinds are not listed
                    continue
                raise
            out += _resources(doc, str(g["name"]), str(pref))
        return out


class _Connection(http.client.HTTPSConnection):
    """HTTPS to ``host`` verifying the certificate for ``server_name`` (kubeconfig
    ``tls-server-name``: an apiserver reached by IP or through a tunnel)."""

    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, timeout: float, server_name: str) -> None:
        super().__init__(host, port, timeout=timeout, context=ctx)
        self.ctx = ctx
        self.server_name = server_name

    def connect(self) -> None:
        import socket

        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.ctx.wrap_socket(sock, server_hostname=self.server_name)


def _resources(doc: dict[str, Any], group: str, version: str) -> list[APIResource]:
    out = []
    for r in doc.get("resources") or ():
        name = str(r.get("name", ""))
        if "/" in name or "list" not in (r.get("verbs") or ()):
            continue
        out.append(APIResource(group, version, str(r.get("kind", "")), name, bool(r.get("namespaced")),
                               tuple(str(v) for v in r.get("verbs") or ())))
    return out
