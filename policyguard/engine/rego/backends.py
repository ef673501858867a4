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

DRIVER_PACKAGE = "policyguard.driver"
DRIVER_QUERY = "data.policyguard.driver.batch"
DRIVER_DATA_PATH = "policyguard/driver/batch"


class BackendError(Exception):
    """The backend could not evaluate the batch (policy error, engine panic, timeout, I/O)."""


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
    elif name not in ("embedded", "", None):
        raise BackendUnavailable(f"unknown Rego engine {name!r} (expected embedded, opa-golib, opa or opa-server)")


PARAM_OUT = "param_out_"  # driver rules that evaluate one parameterised rule under its params


def driver_source(rules: list[tuple[str, str, bool]], groups: dict[str, list[str]] | None = None,
                  with_params: frozenset[str] | set[str] = frozenset()) -> str:
    """The generated driver module. ``rules``: (rule id, package, defines ``unknown``);
    ``groups``: group name -> the rule ids that apply to one resource type; ``with_params``: the
    rule ids that declare parameters. Each of those is evaluated by a driver rule of its own,
    ``param_out_<n>``, which rebinds ``input.params`` to that rule's entry of the batch
    document's ``rule_params`` (``with``), so a rule sees its own parameters and no other's,
    however it reads ``input``; rules without parameters are evaluated exactly as before.

    Two entry points, same results:
    - ``batch_<group>``: every batch item of that group (``{"id", "group"}``) judged by all the
      group's rules; ``input.resource`` is rebound with ``with`` so ``input.resources`` is shared,
      not copied. One definition per group means a resource pays only for its applicable rules.
    - ``batch``: items ``{"id", "rules": {id: true}}`` judged by any subset of rules (used to
      isolate a failing rule x resource pair)."""
    lines = [f"package {DRIVER_PACKAGE}", "", "import rego.v1", ""]
    refs: dict[str, str] = {}
    n_params = 0
    for rid, package, has_unknown in rules:
        ref = "data." + package
        body = f'"fail": {ref}.fail'
        if has_unknown:
            body += f', "unknown": {ref}.unknown'
        refs[rid] = "{" + body + "}"
        if rid in with_params:  # one line each: split_driver and the VM driver read this shape
            name = f"{PARAM_OUT}{n_params}"
            n_params += 1
            lines.append(f"{name} := o if {{ o := {refs[rid]} with input.params as input.rule_params[{json.dumps(rid)}] }}")
            refs[rid] = f"data.{DRIVER_PACKAGE}.{name}"
        lines.append(f"out[{json.dumps(rid)}] := {refs[rid]} if input.rules[{json.dumps(rid)}]")
    lines += [
        "",
        "batch := [r |",
        "\tsome b in input.batch",
        "\tres := input.resources[b.id]",
        "\to := out with input.resource as res with input.rules as b.rules",
        "\tr := {\"id\": b.id, \"out\": o}",
        "]",
        "",
    ]
    for name, ids in sorted((groups or {}).items()):
        members = [f"\t{json.dumps(rid)}: {refs[rid]}," for rid in ids if rid in refs]
        lines += [
            f"group_{name} := {{",
            *members,
            "}",
            "",
            f"batch_{name} := [r |",
            "\tsome b in input.batch",
            f"\tb.group == {json.dumps(name)}",
            "\tres := input.resources[b.id]",
            f"\to := group_{name} with input.resource as res",
            "\tr := {\"id\": b.id, \"out\": o}",
            "]",
            "",
        ]
    return "\n".join(lines)


def _group_path(group: str | None) -> str:
    return DRIVER_DATA_PATH if group is None else f"{DRIVER_DATA_PATH}_{group}"


def _first_line(exc: BaseException) -> str:
    """regorus errors carry a Rust backtrace: keep the located message only."""
    text = str(exc).strip()
    keep = []
    for ln in text.splitlines():
        if ln.strip().startswith("Stack backtrace"):
            break
        if ln.strip():
            keep.append(ln.strip())
    return " ".join(keep)[:500] or type(exc).__name__


def _restore_names(message: str, names: dict[str, str]) -> str:
    """Error messages name the copies OPA loaded (temp files, policy ids): name the rule files."""
    for alias in sorted(names, key=len, reverse=True):
        message = message.replace(alias, names[alias])
    return message


def _module_alias(i: int, file: str) -> str:
    """A stable, unique name for a module on OPA's side (file names, policy ids): derived from
    the path, not the position, so re-pushing after a rule is set aside replaces, not adds."""
    import hashlib

    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(file).stem)[:40]
    parent = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(file).parent.name)[:40]
    digest = hashlib.sha1(file.encode()).hexdigest()[:8]
    return f"{parent}_{stem}_{digest}"


# --------------------------------------------------------------------------- embedded regorus
def make_regorus_engine() -> Any:
    """A regorus engine whose policy size limits match OPA's (regorus defaults to 1,024
    columns per line, which real policies and generated data tables exceed)."""
    import regorus

    eng = regorus.Engine()
    try:
        eng.set_policy_length_config(max_col=1 << 20, max_file_bytes=64 << 20, max_lines=1 << 20)
    except (AttributeError, TypeError, ValueError):
        pass
    return eng


# Rego source with strings and comments blanked: `data` in a message or a comment is no reference
_LEXEMES_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')
_MODULE_PACKAGE_RE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.M)
_DATA_REF_RE = re.compile(r"\bdata((?:\.[A-Za-z_]\w*)+)")
_DYNAMIC_DATA_RE = re.compile(r"\bdata\b(?!\.[A-Za-z_])")  # `data[x]`, `import data`, `x := data`
_DRIVER_GROUP_RE = re.compile(r"^group_(\w+) := \{\n(.*?)^\}", re.M | re.S)
_DRIVER_OUT_RE = re.compile(r'^out\[("(?:[^"\\]|\\.)*")\] := (\{.*\}|data\.policyguard\.driver\.param_out_\d+) if input\.rules', re.M)
# `param_out_<n> := o if { o := {...} with input.params as input.rule_params["<rule id>"] }`
_DRIVER_PARAM_RE = re.compile(
    r'^(param_out_\d+) := o if \{ o := (\{.*\}) with input\.params as input\.rule_params\[("(?:[^"\\]|\\.)*")\] \}$', re.M)


def _code_only(source: str) -> str:
    return _LEXEMES_RE.sub(lambda m: '""' if m.group(0)[0] in "\"`" else "", source)


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two data paths overlap when one is a prefix of the other (``data.a.b`` holds ``a.b.c``)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


_DRIVER_HEADER = f"package {DRIVER_PACKAGE}\n\nimport rego.v1\n\n"


def split_driver(source: str) -> dict[str, str] | None:
    """The generated driver (``driver_source``) as independent modules of the same package:
    ``core`` (the ``batch`` entry point), ``out:<rule id>`` (one ``out`` entry each) and
    ``group:<name>`` (``group_<name>`` + ``batch_<name>``). Together they define exactly what
    the whole driver does (Rego merges a package's rules across modules). None when the text
    is not in the generated shape."""
    if not source.startswith(_DRIVER_HEADER):
        return None
    lines = source[len(_DRIVER_HEADER):].split("\n")
    parts: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        p = _DRIVER_PARAM_RE.match(line)
        if p:  # referenced as data.policyguard.driver.param_out_<n>: the load plan follows it
            key = "param:" + p.group(1)
            if key in parts:
                return None
            parts[key] = [line]
            i += 1
            continue
        m = _DRIVER_OUT_RE.match(line)
        if m:
            key = "out:" + json.loads(m.group(1))
            if key in parts:
                return None
            parts[key] = [line]
            i += 1
            continue
        g = re.match(r"(group|batch)_(\w+) := [\[{]", line)
        if line.startswith("batch := [r |"):
            key, close = "core", "]"
        elif g:
            key, close = f"group:{g.group(2)}", "}" if g.group(1) == "group" else "]"
        else:
            return None
        j = i
        while j < len(lines) and lines[j] != close:
            j += 1
        if j == len(lines):
            return None
        parts.setdefault(key, []).extend([*lines[i:j + 1], ""])
        i = j + 1
    if "core" not in parts:
        return None
    return {k: _DRIVER_HEADER + "\n".join(v) + "\n" for k, v in parts.items()}


class _LoadPlan:
    """Which modules an evaluation needs: the library, the parts of the driver it runs, and the
    closure of those parts' data references (``data.<path>``, read from the code with strings
    and comments blanked) over the rule and helper modules. A module with a dynamic ``data``
    reference (``data[x]``, ``import data``) pulls in every module."""

    def __init__(self, modules: list[tuple[str, str]]) -> None:
        driver_pkg = tuple(DRIVER_PACKAGE.split("."))
        self.units: dict[str, tuple[str, str]] = {}  # key -> (policy name, source), in load order
        self.packages: dict[str, tuple[str, ...]] = {}
        self.ok = True
        drivers = 0
        for i, (file, source) in enumerate(modules):
            # the package statement precedes any string, and comment lines start with `#`
            m = _MODULE_PACKAGE_RE.search(source)
            pkg = tuple(m.group(1).split(".")) if m else ()
            if pkg == driver_pkg and drivers == 0:
                drivers += 1
                split = split_driver(source)
                if split is None:
                    self.ok = False
                    return
                for key, text in split.items():
                    self.units[key] = (f"{file}#{key}", text)
                    self.packages[key] = driver_pkg
                continue
            key = f"m{i}"
            self.units[key] = (file, source)
            self.packages[key] = pkg
        self.base = {k for k, p in self.packages.items() if p == ("policyguard", "lib")} | {"core"}
        self._refs: dict[str, tuple[tuple[str, ...], ...] | None] = {}
        # closures by root set: a server evaluates the same few groups thousands of times, and
        # the closure walk cost ~0.3-0.8 ms per evaluation (more than half the Rego time)
        self._closures: dict[frozenset[str], set[str] | None] = {}

    @staticmethod
    def _refs_in(code: str) -> tuple[tuple[str, ...], ...] | None:
        if _DYNAMIC_DATA_RE.search(code):
            return None
        return tuple(tuple(m.group(1)[1:].split(".")) for m in _DATA_REF_RE.finditer(code))

    def refs(self, key: str) -> tuple[tuple[str, ...], ...] | None:
        if key not in self._refs:
            self._refs[key] = self._refs_in(_code_only(self.units[key][1]))
        return self._refs[key]

    def closure(self, roots: set[str]) -> set[str] | None:
        """The units to load for these driver parts (None: all of them). Cached per root set
        (callers only test membership; the returned set is never mutated)."""
        key = frozenset(roots)
        try:
            return self._closures[key]
        except KeyError:
            pass
        need = self._closure(roots)
        if len(self._closures) < 4096:
            self._closures[key] = need
        return need

    def _closure(self, roots: set[str]) -> set[str] | None:
        need = set(self.base) | roots
        todo: list[tuple[str, ...]] = []
        for key in need:
            r = self.refs(key)
            if r is None:
                return None
            todo.extend(r)
        seen: set[tuple[str, ...]] = set()
        while todo:
            ref = todo.pop()
            if ref in seen:
                continue
            seen.add(ref)
            for key, pkg in self.packages.items():
                if key in need or key.startswith(("out:", "group:")) or (pkg and not _overlaps(ref, pkg)):
                    continue
                need.add(key)  # (a module without a package statement is always loaded: OPA's view)
                r = self.refs(key)
                if r is None:
                    return None
                todo.extend(r)
        return need

    def for_groups(self, groups: list[str]) -> set[str] | None:
        roots = {f"group:{g}" for g in groups}
        return self.closure(roots) if roots <= self.units.keys() else None

    def for_batch(self, input_json: str) -> set[str] | None:
        """The ``batch`` entry point: the rules named by the items (none for the empty check)."""
        try:
            items = json.loads(input_json)["batch"]
            roots = {"out:" + rid for item in items for rid in item["rules"]}
        except (ValueError, TypeError, KeyError):
            return None
        if items and not roots:
            return None
        return self.closure(roots) if roots <= self.units.keys() else None


class RegorusBackend:
    """regorus in-process. Lazy by default: an engine holds only the modules its evaluations
    have needed so far (the lib, the driver parts of the evaluated groups and the rule modules
    they reference), so a scan of a few files does not parse and prepare the whole pack (the
    whole set costs ~140 ms). Rules of other groups do not apply to the evaluated resources,
    so the verdicts are the same; ``POLICYGUARD_REGO_LAZY=0`` loads everything up front."""

    name = "embedded"

    def __init__(self, modules: list[tuple[str, str]], lazy: bool | None = None) -> None:
        self._modules = modules
        self._local = threading.local()
        self._lazy = os.environ.get("POLICYGUARD_REGO_LAZY", "1") != "0" if lazy is None else lazy
        self._plan: _LoadPlan | None = None
        self._plan_lock = threading.Lock()

    def _units(self, input_json: str, groups: list[str] | None) -> list[tuple[str, str, str]]:
        """(key, policy name, source) of every module this evaluation needs, in load order."""
        plan = None
        if self._lazy:
            with self._plan_lock:
                if self._plan is None:
                    self._plan = _LoadPlan(self._modules)
                plan = self._plan if self._plan.ok else None
        if plan is None:
            return [(f"m{i}", f, s) for i, (f, s) in enumerate(self._modules)]
        need = plan.for_batch(input_json) if groups is None else plan.for_groups(groups)
        return [(k, f, s) for k, (f, s) in plan.units.items() if need is None or k in need]

    def _engine(self, units: list[tuple[str, str, str]] | None = None) -> Any:
        if units is None:
            units = [(f"m{i}", f, s) for i, (f, s) in enumerate(self._modules)]
        eng = getattr(self._local, "engine", None)
        if eng is None:
            eng = make_regorus_engine()
            self._local.engine, self._local.loaded, self._local.failed = eng, set(), {}
        loaded: set[str] = self._local.loaded
        failed: dict[str, str] = self._local.failed  # key -> message: not retried (slow) on every call
        for key, file, source in units:
            if key in failed:
                raise BackendError(failed[key])
            if key in loaded:
                continue
            try:
                eng.add_policy(file, source)
            except Exception as exc:
                failed[key] = f"{file}: {_first_line(exc)}"
                raise BackendError(failed[key]) from None
            loaded.add(key)
        return eng

    def eval_raw(self, input_json: str, groups: list[str] | None = None) -> str:
        """JSON text of the results: the driver's ``batch`` (groups None) or the concatenated
        ``batch_<group>`` arrays."""
        eng = self._engine(self._units(input_json, groups))
        try:
            eng.set_input_json(input_json)
            if groups is None:
                out: str = eng.eval_rule_as_json(DRIVER_QUERY)
                return out
            parts = [eng.eval_rule_as_json("data." + _group_path(g).replace("/", ".")).strip() for g in groups]
        except BaseException as exc:  # pyo3 PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise BackendError(f"embedded Rego engine: {_first_line(exc)}") from None
        inner = [p[1:-1].strip() for p in parts]
        return "[" + ",".join(x for x in inner if x) + "]"

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        return json.loads(self.eval_raw(input_json, groups))


# --------------------------------------------------------------------------- OPA as a Go library
class OpaGolibBackend:
    name = "opa-golib"

    def __init__(self, modules: list[tuple[str, str]]) -> None:
        self._modules = modules
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
        return eng

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        import opa_bindings

        eng = self._engine()
        out: list[Any] = []
        for g in groups if groups is not None else [None]:
            path = _group_path(g).replace("/", ".")
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
    tmp = Path(tempfile.mkdtemp(prefix="policyguard-rego-"))
    atexit.register(shutil.rmtree, tmp, True)
    names = {}
    for i, (file, source) in enumerate(modules):
        target = tmp / f"{_module_alias(i, file)}.rego"
        target.write_text(source, encoding="utf-8")
        names[str(target)] = file
    return tmp, names


class OpaCliBackend:
    name = "opa"

    def __init__(self, modules: list[tuple[str, str]], opa_path: str | None) -> None:
        self._modules = modules
        self._opa = self.find_opa(opa_path)
        self._dir: Path | None = None
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

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

    def command(self, groups: list[str] | None = None) -> list[str]:
        """``opa eval`` of the driver's ``batch``, or of one array per group (one invocation)."""
        with self._lock:
            if self._dir is None:
                self._dir, self._names = _write_bundle_dir(self._modules)
        query = DRIVER_QUERY if groups is None else "[" + ", ".join("data." + _group_path(g).replace("/", ".") for g in groups) + "]"
        return [self._opa, "eval", "--format", "json", "--data", str(self._dir), "--stdin-input", query]

    def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                   groups: list[str] | None = None) -> Any:
        cmd = self.command(groups)
        try:
            proc = subprocess.run(cmd, input=input_json.encode(), capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BackendError(f"opa eval exceeded its time budget ({timeout:.1f}s)") from None
        except OSError as exc:
            raise BackendUnavailable(f"cannot run {self._opa}: {exc}") from None
        try:
            value = parse_opa_eval_output(proc.returncode, proc.stdout, proc.stderr)
        except BackendError as exc:
            raise BackendError(_restore_names(str(exc), self._names)) from None
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
        path = url.split("/v1/", 1)[1]
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
        return [("PUT", f"{self.url}/v1/policies/policyguard/{_module_alias(i, file)}", source.encode())
                for i, (file, source) in enumerate(self._modules)]

    def data_request(self, input_json: str, group: str | None = None) -> tuple[str, str, bytes]:
        return ("POST", f"{self.url}/v1/data/{_group_path(group)}", b'{"input":' + input_json.encode() + b"}")

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
        self._ensure_pushed()
        out: list[Any] = []
        for g in groups if groups is not None else [None]:
            method, url, body = self.data_request(input_json, g)
            try:
                if self.transport == "opa-python-client":
                    doc = self._send_client(method, url, body, input_doc, timeout)
                else:
                    doc = self._send(method, url, body, "application/json", timeout)
            except BackendError as exc:
                raise BackendError(_restore_names(str(exc), self._names)) from None
            if not isinstance(doc, dict) or "result" not in doc:
                raise BackendError(f"OPA server: data.{_group_path(g).replace('/', '.')} is undefined (are the policies loaded?)")
            if groups is None:
                return doc["result"]
            if isinstance(doc["result"], list):
                out.extend(doc["result"])
        return out


def make_backend(name: str, modules: list[tuple[str, str]], *, opa_path: str | None, opa_url: str | None, timeout: float,
                 guard: bool | None = None, compiled: tuple[dict[str, list[str]], dict[str, str]] | None = None) -> Any:
    """``guard`` (embedded engine only): run regorus in a forked helper (None: the
    ``POLICYGUARD_REGO_GUARD`` environment variable, default on). A server that bounds a
    stuck worker by other means (the webhook's supervisor watchdog) passes False.
    ``compiled`` (embedded, unguarded): (groups, rule id -> package) to run the rule groups on
    regorus's compiled VM, one resource per execution (compiled.py)."""
    if name in ("embedded", "", None):
        if guard is None:
            guard = os.environ.get("POLICYGUARD_REGO_GUARD", "1") != "0"
        if compiled is not None and not guard:
            from policyguard.engine.rego.compiled import CompiledRegorusBackend

            return CompiledRegorusBackend(modules, *compiled)
        if guard and hasattr(os, "fork"):
            from policyguard.engine.rego.guard import GuardedBackend

            return GuardedBackend("embedded", lambda: RegorusBackend(modules))
        return RegorusBackend(modules)
    if name == "opa-golib":
        return OpaGolibBackend(modules)
    if name == "opa":
        return OpaCliBackend(modules, opa_path)
    if name == "opa-server":
        return OpaServerBackend(modules, opa_url, timeout)
    raise BackendUnavailable(f"unknown Rego engine {name!r} (expected embedded, opa-golib, opa or opa-server)")
