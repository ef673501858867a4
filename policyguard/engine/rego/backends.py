"""Rego backends behind one call: evaluate the driver over a batch input, return its value.

Every backend loads the same modules (``lib.rego``, the rule files and the generated driver)
and evaluates the same query, ``data.policyguard.driver.batch``, over the same input, so the
verdicts are the engine's, never the backend's:

- ``embedded``   regorus in-process (default); one engine per thread, built lazily.
- ``opa-golib``  real OPA v1.20.2 as a Go library (``opa_bindings``), the strict reference.
- ``opa``        the ``opa`` binary: ``opa eval --format json --data <dir> --stdin-input``,
                 one invocation per batch (a scan unit).
- ``opa-server`` a running OPA: policies pushed with ``PUT /v1/policies/<id>``, each batch
                 sent with ``POST /v1/data/policyguard/driver/batch``.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from policyguard.engine.rego.common import BackendError, data_refs, module_package, restore_names
from policyguard.engine.rego.driver import DRIVER_QUERY, RegoPolicy, group_path
from policyguard.engine.rego.embedded import LoadPlan, RegorusBackend

# regorus without its compiled VM: every group on the interpreter (for comparison and audits)
INTERPRETER_ENGINE = "embedded-interpreter"
VM_ENGINE = "embedded-vm"  # regorus's compiled VM for every group it can run (opt-in for scans: make_backend)


class BackendUnavailable(BackendError, click.ClickException):
    """The backend cannot run at all here (binary missing, bad --opa-url): a usage error that
    the CLI prints as one line and exits 2 for."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        BackendError.__init__(self, message)
        click.ClickException.__init__(self, message)

    def __str__(self) -> str:
        return self.message


def check_available(name: str, opa_path: str | None, opa_url: str | None) -> None:
    """Raise BackendUnavailable early (in the parent, before workers start) when the chosen
    backend cannot run here."""
    if name == "opa":
        OpaCliBackend.find_opa(opa_path)
    elif name == "opa-server":
        OpaServerBackend([], opa_url, 1.0)
    elif name == "opa-golib":
        try:
            import opa_bindings  # noqa: F401
        except ImportError:
            raise BackendUnavailable(
                "--rego-engine opa-golib needs opa-golib-python-bindings "
                "(pip install --ignore-requires-python opa-golib-python-bindings)"
            ) from None
    elif name not in ("embedded", INTERPRETER_ENGINE, VM_ENGINE, "", None):
        raise BackendUnavailable(f"unknown Rego engine {name!r} (expected embedded, {INTERPRETER_ENGINE}, {VM_ENGINE}, opa-golib, opa or opa-server)")


def _module_alias(i: int, file: str) -> str:
    """A stable, unique name for a module on OPA's side (file names, policy ids): derived from
    the path, not the position, so re-pushing after a rule is set aside replaces, not adds."""
    import hashlib

    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(file).stem)[:40]
    parent = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(file).parent.name)[:40]
    digest = hashlib.sha1(file.encode()).hexdigest()[:8]
    return f"{parent}_{stem}_{digest}"


def push_order(modules: list[tuple[str, str]]) -> list[int]:
    """The modules' indices in an order an OPA server accepts one ``PUT`` at a time: OPA
    compiles the whole set on every upload, and a call of a function whose package is not there
    yet is a compile error (``undefined function``), so each module follows the modules whose
    packages it references. Otherwise the given order; a module that reads ``data``
    dynamically, and the members of a reference cycle, keep their place after the others."""
    packages = [module_package(src) for _file, src in modules]
    deps: list[set[int]] = []
    for i, (_file, src) in enumerate(modules):
        refs = data_refs(src)
        mine: set[int] = set()
        for ref in refs or ():
            for j, pkg in enumerate(packages):
                if j != i and pkg and (ref[:len(pkg)] == pkg or pkg[:len(ref)] == ref):
                    mine.add(j)
        deps.append(mine)
    order: list[int] = []
    placed: set[int] = set()
    pending = list(range(len(modules)))
    while pending:
        ready = [i for i in pending if deps[i] <= placed]
        if not ready:  # a cycle: OPA reports what it cannot compile
            ready = pending[:1]
        for i in ready:
            placed.add(i)
        order.extend(ready)
        pending = [i for i in pending if i not in placed]
    return order


# --------------------------------------------------------------------------- OPA as a Go library
class OpaGolibBackend:
    name = "opa-golib"

    def __init__(self, modules: list[tuple[str, str]]) -> None:
        self._modules = modules
        self._local = threading.local()
        self._opened: list[Any] = []  # every thread's engine, for close()
        self._opened_lock = threading.Lock()

    def close(self) -> None:
        """Free the OPA engines (Go memory the interpreter's garbage collector does not see:
        a process that builds engines for many rule sets, like the shape tests, grew to 6 GB)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for eng in opened:
            try:
                eng.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._local = threading.local()

    def _engine(self) -> Any:
        eng = getattr(self._local, "engine", None)
        if eng is None:
            try:
                import opa_bindings
            except ImportError as exc:
                raise BackendUnavailable(
                    "--rego-engine opa-golib needs opa-golib-python-bindings "
                    "(pip install --ignore-requires-python opa-golib-python-bindings)"
                ) from exc
            failed = getattr(self._local, "failed", None)
            if failed is not None:
                raise BackendError(failed)
            eng = opa_bindings.OpaEngine()
            for file, source in self._modules:
                try:
                    eng.add_policy(file, source)
                except Exception as exc:
                    self._local.failed = f"OPA: {file}: {exc}"
                    raise BackendError(self._local.failed) from None
            self._local.engine = eng
            with self._opened_lock:
                self._opened.append(eng)
        return eng

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        import opa_bindings

        eng = self._engine()
        out: list[Any] = []
        for g in groups if groups is not None else [None]:
            path = group_path(g).replace("/", ".")
            try:
                value = eng.eval_document(path, input_doc)
            except opa_bindings.OpaUndefinedError:
                raise BackendError(f"OPA: data.{path} is undefined") from None
            except opa_bindings.OpaError as exc:
                raise BackendError(f"OPA: {exc}") from None
            if groups is None:
                return value
            out.extend(value)
        return out


# --------------------------------------------------------------------------- opa CLI
def _write_bundle_dir(modules: list[tuple[str, str]]) -> tuple[Path, dict[str, str]]:
    """A temporary directory whose ``all/`` holds every module as a file (the driver whole), and
    the copies' names -> the modules' names (for error messages)."""
    tmp = Path(tempfile.mkdtemp(prefix="policyguard-rego-"))
    atexit.register(shutil.rmtree, tmp, True)
    (tmp / "all").mkdir()
    names = {}
    for i, (file, source) in enumerate(modules):
        target = tmp / "all" / f"{_module_alias(i, file)}.rego"
        target.write_text(source, encoding="utf-8")
        names[str(target)] = file
    return tmp, names


class OpaCliBackend:
    """``opa eval`` per batch. OPA compiles every module it is given on each call (0.5 s for the
    library and a rule, 8 s for the whole built-in pack), so a call loads only what its driver
    entry points reach (the embedded engine's ``LoadPlan``: the library, those driver parts and
    the rule and helper modules they reference); other rules do not apply to the batch, so the
    verdicts are the same. The first call of an evaluator, the empty check, loads everything:
    a rule that breaks the compilation of the whole set is found and set aside there."""

    name = "opa"

    def __init__(self, policy: RegoPolicy, opa_path: str | None) -> None:
        self._policy = policy
        self._modules = policy.sources()
        self._opa = self.find_opa(opa_path)
        self._dir: Path | None = None
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()
        self._plan: LoadPlan | None = None
        self._unit_files: dict[str, str] = {}  # load plan unit key -> its file in _dir/units

    @staticmethod
    def find_opa(opa_path: str | None) -> str:
        if opa_path:
            p = Path(opa_path)
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
            raise BackendUnavailable(f"--opa-path {opa_path}: not an executable file")
        found = shutil.which("opa")
        if not found:
            raise BackendUnavailable(
                "--rego-engine opa: no `opa` binary on PATH; install OPA (https://www.openpolicyagent.org/docs/latest/#running-opa) "
                "or pass --opa-path, or use the default embedded engine"
            )
        return found

    def command(self, groups: list[str] | None = None, input_json: str | None = None) -> list[str]:
        """``opa eval`` of the driver's ``batch``, or of one array per group (one invocation),
        loading the modules the call needs (``input_json`` None: all of them)."""
        with self._lock:
            if self._dir is None:
                self._dir, self._names = _write_bundle_dir(self._modules)
            data = ["--data", str(self._dir / "all")]
            need = self._needed(groups, input_json)
            if need is not None:
                data = [arg for f in need for arg in ("--data", f)]
        query = DRIVER_QUERY if groups is None else "[" + ", ".join("data." + group_path(g).replace("/", ".") for g in groups) + "]"
        # --strict-builtin-errors: OPA otherwise makes a failing built-in call (``to_number("x")``,
        # division by zero) undefined, so a ``fail`` it guards silently passes; regorus reports it
        return [self._opa, "eval", "--format", "json", "--strict-builtin-errors", *data, "--stdin-input", query]

    def _needed(self, groups: list[str] | None, input_json: str | None) -> list[str] | None:
        """The files of the units this call reaches, or None for the whole set (the empty check,
        a module that reads ``data`` dynamically)."""
        if input_json is None or os.environ.get("POLICYGUARD_REGO_LAZY", "1") == "0":
            return None
        if self._plan is None:
            self._plan = LoadPlan(self._policy)
        plan = self._plan
        need = plan.for_batch(input_json) if groups is None else plan.for_groups(groups)
        if need is None:
            return None
        if groups is not None:
            need = need - {"core"}  # ``batch`` (it reads ``out``, defined by the per-rule parts) is not queried
        elif not any(k.startswith("out:") for k in need):
            return None  # no rule named: the empty check, which compiles the whole set
        assert self._dir is not None
        files = []
        for key, (name, source) in plan.units.items():
            if key not in need:
                continue
            f = self._unit_files.get(key)
            if f is None:
                target = self._dir / "units" / f"{_module_alias(0, name)}.rego"
                target.parent.mkdir(exist_ok=True)
                target.write_text(source, encoding="utf-8")
                f = self._unit_files[key] = str(target)
                self._names[f] = name
            files.append(f)
        return files

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        cmd = self.command(groups, input_json)
        try:
            proc = subprocess.run(cmd, input=input_json.encode(), capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BackendError(f"opa eval exceeded its time budget ({timeout:.1f}s)") from None
        except OSError as exc:
            raise BackendUnavailable(f"cannot run {self._opa}: {exc}") from None
        try:
            value = parse_opa_eval_output(proc.returncode, proc.stdout, proc.stderr)
        except BackendError as exc:
            raise BackendError(restore_names(str(exc), self._names)) from None
        if groups is None:
            return value
        if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
            raise BackendError("opa eval: unexpected result shape for the group query")
        return [entry for part in value for entry in part]


def parse_opa_eval_output(returncode: int, stdout: bytes, stderr: bytes) -> Any:
    """Decode ``opa eval --format json`` output: ``{"result": [{"expressions": [{"value"}]}]}``,
    ``{}`` when undefined, ``{"errors": [...]}`` (exit 1) on evaluation errors."""
    try:
        doc = json.loads(stdout or b"{}")
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        msg = (stderr or stdout).decode(errors="replace").strip()[:500]
        raise BackendError(f"opa eval failed (exit {returncode}): {msg or 'no output'}")
    if doc.get("errors"):
        errs = doc["errors"]
        parts = []
        for e in errs if isinstance(errs, list) else [errs]:
            if isinstance(e, dict):
                loc = e.get("location") or {}
                where = f"{loc.get('file', '')}:{loc.get('row', '')}: " if loc else ""
                parts.append(f"{where}{e.get('code', '')}: {e.get('message', '')}")
            else:
                parts.append(str(e))
        raise BackendError("opa eval: " + "; ".join(parts)[:800])
    if returncode != 0:
        raise BackendError(f"opa eval failed (exit {returncode}): {stderr.decode(errors='replace').strip()[:500]}")
    try:
        return doc["result"][0]["expressions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        raise BackendError("opa eval: data.policyguard.driver.batch is undefined") from None


# --------------------------------------------------------------------------- OPA server (REST)
PUSH_TIMEOUT = 60.0  # seconds for one policy upload to an OPA server


class OpaServerBackend:
    """The OPA REST data API through a small stdlib client (see README "Rego backends" for why
    not opa-python-client by default). Policies are pushed once per process unless
    ``POLICYGUARD_OPA_PUSH=0`` (the server then must already hold them as a bundle)."""

    name = "opa-server"

    def __init__(self, modules: list[tuple[str, str]], url: str | None, timeout: float) -> None:
        if not url:
            raise BackendUnavailable("--rego-engine opa-server needs --opa-url (e.g. http://127.0.0.1:8181)")
        import urllib.parse  # here, not at module level: urllib.request costs ~10 ms of every CLI start

        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise BackendUnavailable(f"--opa-url {url!r}: expected http(s)://host:port")
        self.url = url.rstrip("/")
        self._modules = modules
        self._timeout = timeout
        self._pushed = False
        self._lock = threading.Lock()
        self.push = os.environ.get("POLICYGUARD_OPA_PUSH", "1") != "0"
        self._names = {f"policyguard/{_module_alias(i, file)}": file for i, (file, _src) in enumerate(modules)}
        # transport: the stdlib client (default) or opa-python-client (extra `opa-server`)
        self.transport = os.environ.get("POLICYGUARD_OPA_CLIENT", "urllib")
        if self.transport not in ("urllib", "opa-python-client"):
            raise BackendUnavailable(f"POLICYGUARD_OPA_CLIENT={self.transport!r}: expected urllib or opa-python-client")
        self._client: Any = None

    def _opa_client(self, timeout: float) -> Any:
        """opa-python-client's OpaClient (imports requests/aiohttp: ~0.3-0.8 s, hence optional)."""
        if self._client is None:
            try:
                from opa_client.opa import OpaClient
            except ImportError:
                raise BackendUnavailable("POLICYGUARD_OPA_CLIENT=opa-python-client needs: pip install 'policyguard-iac[opa-server]'") from None
            import urllib.parse

            u = urllib.parse.urlparse(self.url)
            self._client = OpaClient(host=u.hostname or "localhost", port=u.port or (443 if u.scheme == "https" else 80),
                                     ssl=u.scheme == "https", retries=0, timeout=timeout)
        self._client.timeout = timeout
        return self._client

    def _send_client(self, method: str, url: str, body: bytes, input_doc: Any, timeout: float) -> Any:
        import requests

        client = self._opa_client(timeout)
        # its query_rule takes a path, no query parameters: built-in errors stay undefined there
        path = url.split("/v1/", 1)[1].split("?", 1)[0]
        try:
            if method == "PUT":
                client.update_policy_from_string(body.decode(), path.removeprefix("policies/"), rego_compat=False)
                return {}
            return client.query_rule(input_doc, path.removeprefix("data/"))
        except requests.Timeout:
            raise BackendError(f"OPA server {method} {url}: timed out after {timeout:.1f}s") from None
        except requests.HTTPError as exc:
            resp = exc.response
            detail = resp.text[:500] if resp is not None else str(exc)
            raise BackendError(f"OPA server {method} {url}: HTTP {getattr(resp, 'status_code', '?')}: {detail}") from None
        except requests.RequestException as exc:
            raise BackendError(f"OPA server {method} {url}: connection failed: {exc}") from None
        except Exception as exc:  # opa_client wraps some failures in its own exception types
            raise BackendError(f"OPA server {method} {url}: {type(exc).__name__}: {exc}") from None

    def policy_requests(self) -> list[tuple[str, str, bytes]]:
        """(method, url, body) of every policy upload."""
        mods = self._modules
        return [("PUT", f"{self.url}/v1/policies/policyguard/{_module_alias(i, mods[i][0])}", mods[i][1].encode())
                for i in push_order(mods)]

    def data_request(self, input_json: str, group: str | None = None) -> tuple[str, str, bytes]:
        """``strict-builtin-errors``: a failing built-in call is an error, not undefined (a silent
        pass of the ``fail`` it guards), as on regorus and ``opa eval`` (OpaCliBackend.command)."""
        return ("POST", f"{self.url}/v1/data/{group_path(group)}?strict-builtin-errors=true",
                b'{"input":' + input_json.encode() + b"}")

    def _send(self, method: str, url: str, body: bytes, content_type: str, timeout: float) -> Any:
        import urllib.error
        import urllib.request

        req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            try:
                d = json.loads(detail)
                detail = f"{d.get('code', '')}: {d.get('message', '')}"
                for e in d.get("errors", []) or []:
                    loc = e.get("location") or {}
                    detail += f"; {loc.get('file', '')}:{loc.get('row', '')}: {e.get('message', '')}"
            except (ValueError, AttributeError):
                pass
            raise BackendError(f"OPA server {method} {url}: HTTP {exc.code}: {detail}") from None
        except TimeoutError:
            raise BackendError(f"OPA server {method} {url}: timed out after {timeout:.1f}s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise BackendError(f"OPA server {method} {url}: timed out after {timeout:.1f}s") from None
            raise BackendError(f"OPA server {method} {url}: connection failed: {reason}") from None
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise BackendError(f"OPA server {method} {url}: response is not JSON") from None

    def _ensure_pushed(self) -> None:
        with self._lock:
            if self._pushed or not self.push:
                return
            # OPA compiles the whole policy set on every PUT: with a few hundred modules that is
            # seconds on a busy machine, set-up rather than rule evaluation, so it gets its own allowance
            push_timeout = max(self._timeout, PUSH_TIMEOUT)
            for method, url, body in self.policy_requests():
                if self.transport == "opa-python-client":
                    self._send_client(method, url, body, None, push_timeout)
                else:
                    self._send(method, url, body, "text/plain", push_timeout)
            self._pushed = True

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        """One POST per group present in the batch (a unit usually holds one to three)."""
        try:
            self._ensure_pushed()
        except BackendError as exc:  # a module OPA refuses: name the rule file, not the policy id
            raise BackendError(restore_names(str(exc), self._names)) from None
        out: list[Any] = []
        for g in groups if groups is not None else [None]:
            method, url, body = self.data_request(input_json, g)
            try:
                if self.transport == "opa-python-client":
                    doc = self._send_client(method, url, body, input_doc, timeout)
                else:
                    doc = self._send(method, url, body, "application/json", timeout)
            except BackendError as exc:
                raise BackendError(restore_names(str(exc), self._names)) from None
            if not isinstance(doc, dict) or "result" not in doc:
                raise BackendError(f"OPA server: data.{group_path(g).replace('/', '.')} is undefined (are the policies loaded?)")
            if groups is None:
                return doc["result"]
            if isinstance(doc["result"], list):
                out.extend(doc["result"])
        return out


def _vm_installed() -> bool:
    from policyguard.engine.rego.compiled import vm_module

    return vm_module() is not None


def make_backend(name: str, policy: RegoPolicy, *, opa_path: str | None, opa_url: str | None, timeout: float,
                 guard: bool | None = None, compiled: bool | None = None, interpret_here: bool = True) -> Any:
    """``policy``: the modules and the driver; the OPA backends load the driver as one module
    (``RegoPolicy.sources``), the embedded engine loads its parts as an evaluation needs them.
    ``guard`` (embedded engine only): run the regorus interpreter in a forked helper (None: the
    ``POLICYGUARD_REGO_GUARD`` environment variable, default on). A server that bounds a
    stuck worker by other means (the webhook's supervisor watchdog) passes False.
    ``compiled`` (embedded): run the driver's rule groups on regorus's compiled VM in this
    process, one resource per execution (compiled.py), what it cannot run on the interpreter
    (guarded as ``guard`` says); None: on when policyguard_rvm (native/rvm, the VM with guarded
    builtins) is installed, unless ``POLICYGUARD_REGO_VM=0`` (and never for
    ``embedded-interpreter``). ``interpret_here`` False: what the VM cannot finish raises
    ``NeedsInterpreter`` instead of running on the interpreter (and every program is compiled
    up front, and an execution stops at regorus's 25,000 instructions rather than a scan's
    ``SCAN_VM_INSTRUCTIONS``)."""
    if name in ("embedded", INTERPRETER_ENGINE, VM_ENGINE, "", None):
        if guard is None:
            guard = os.environ.get("POLICYGUARD_REGO_GUARD", "1") != "0"
        if compiled is None:
            compiled = name == VM_ENGINE or (name != INTERPRETER_ENGINE and os.environ.get("POLICYGUARD_REGO_VM", "1") != "0"
                                             and _vm_installed())
        interpreter: Any
        if guard and hasattr(os, "fork"):
            from policyguard.engine.rego.guard import GuardedBackend

            interpreter = GuardedBackend("embedded", lambda: RegorusBackend(policy))
        else:
            interpreter = RegorusBackend(policy)
        if compiled:
            from policyguard.engine.rego.compiled import SCAN_VM_INSTRUCTIONS, CompiledRegorusBackend, program_cache

            return CompiledRegorusBackend(policy, interpret_here=interpret_here, interpreter=interpreter,
                                          cache=program_cache(), eager=not interpret_here,
                                          max_instructions=SCAN_VM_INSTRUCTIONS if interpret_here else None)
        return interpreter
    if name == "opa-golib":
        return OpaGolibBackend(policy.sources())
    if name == "opa":
        return OpaCliBackend(policy, opa_path)
    if name == "opa-server":
        return OpaServerBackend(policy.sources(), opa_url, timeout)
    raise BackendUnavailable(f"unknown Rego engine {name!r} (expected embedded, {INTERPRETER_ENGINE}, {VM_ENGINE}, opa-golib, opa or opa-server)")
