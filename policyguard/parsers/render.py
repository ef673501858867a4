"""Running a renderer (kustomize, kubectl, helm) on untrusted input as a bounded child.

The child is registered with ``procs`` (reaped on every exit path) and killed when the unit's
deadline passes, when its output passes the file size limit, or when its resident memory passes
``max_rss``. Its environment comes from the caller: the renderers give it a temporary HOME and
proxies that lead nowhere."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policyguard.limits import current_budget

NOWHERE = "http://127.0.0.1:9"  # the discard port: any proxied request fails at once


@dataclass(slots=True)
class Build:
    text: str = ""
    error: str = ""  # the tool's message (its stderr), or why it did not finish
    limit: bool = False  # stopped by the deadline, the output limit or the memory limit


def unit_display(unit_path: Path) -> Callable[[Path | str], str]:
    """How a rendered unit's files are named in reports: absolute when the unit was given
    absolute, else relative to the current directory (as every other parser names them)."""
    here = os.getcwd()
    absolute = unit_path.is_absolute()

    def display(p: Path | str) -> str:
        real = os.path.abspath(p)
        return real if absolute else os.path.relpath(real, here)

    return display


def unit_roots(unit_path: Path, read_roots: Sequence[str]) -> tuple[Path, ...]:
    """The trees a rendered unit may read: the scan's roots, else the repository around it."""
    from policyguard.roots import repository_roots

    return tuple(Path(r) for r in read_roots) or repository_roots([unit_path])


def sandbox_env(home: str) -> dict[str, str]:
    """A child's environment: PATH only from ours, a temporary HOME, and every way out to a
    network shut (proxies to the discard port, git with no protocol, no kubeconfig)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "XDG_CONFIG_HOME": home,
           "XDG_CACHE_HOME": home, "XDG_DATA_HOME": home, "KUBECONFIG": os.path.join(home, "none"), "LANG": "C",
           "GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "none", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "NO_PROXY": "", "no_proxy": ""}
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[var] = NOWHERE
    return env


def _rss(pid: int) -> int:
    """Resident memory of ``pid`` in bytes (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_bounded(argv: list[str], name: str, cwd: str, env: dict[str, str], max_bytes: int, max_rss: int = 0) -> Build:
    """Run one render as a registered child; killed at the unit's deadline, once its output
    passes ``max_bytes`` or its resident memory ``max_rss`` (0: no memory watch)."""
    from policyguard import procs

    # a little before the unit's alarm, so the error names the unit and the tool
    deadline = current_budget().deadline - 0.5
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*unlimited_address_space(), *argv], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                cwd=cwd, env=env, start_new_session=True)
        procs.adopt(proc.pid, name, proc.kill)
        why = ""
        try:
            ticks = 0
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    why = "the unit's deadline passed (--unit-timeout)"
                elif os.fstat(out.fileno()).st_size > max_bytes:
                    why = f"its output passed the {max_bytes}-byte file size limit"
                elif max_rss and ticks % 5 == 0 and _rss(proc.pid) > max_rss:
                    why = f"it used more than {max_rss // (1024 * 1024)} MiB of memory (--unit-memory)"
                if why:
                    break
                ticks += 1
                time.sleep(0.01)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            procs.release(proc.pid)
        if why:
            return Build(error=f"{name} stopped: {why}", limit=True)
        out.seek(0)
        text = out.read(max_bytes + 1).decode("utf-8", "replace")
        if len(text) > max_bytes:
            return Build(error=f"{name} output passed the {max_bytes}-byte file size limit", limit=True)
        if proc.returncode != 0:
            err.seek(0)
            return Build(error=err.read(16384).decode("utf-8", "replace").strip() or f"exit status {proc.returncode}")
        return Build(text=text)


def unlimited_address_space() -> tuple[str, ...]:
    """A scan worker runs under an address-space limit (``--unit-memory``) that its children
    inherit, and the Go runtime of kustomize/kubectl/helm dies at start under it (it reserves far
    more address space than it uses). The child gets the soft limit lifted to the hard one
    through the shell (no ``preexec_fn`` in a process that may have threads); it stays bounded
    by the deadline, the output limit and (helm) the resident-memory watch."""
    try:
        import resource
    except ImportError:
        return ()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft == hard:
        return ()
    return ("/bin/sh", "-c", 'ulimit -S -v "$(ulimit -H -v)" && exec "$@"', "sh")
