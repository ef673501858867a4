"""The lock file (constraints.txt) pins every package the test extra pulls in, and the installed
distribution is ours: `policyguard-iac` (the PyPI name `policyguard` is an unrelated project)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

from policyguard import __version__

ROOT = Path(__file__).resolve().parent.parent
DIST = "policyguard-iac"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
            assert m, f"constraints.txt: not an exact pin: {line!r}"
            out[_norm(m.group(1))] = m.group(2)
    return out


def _closure(name: str, extras: set[str]) -> set[str]:
    """Installed distributions ``name[extras]`` needs, transitively (markers evaluated here)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(name, frozenset(extras))]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        dist, ext = todo.pop()
        if (dist, ext) in done:
            continue
        done.add((dist, ext))
        for raw in metadata.requires(dist) or []:
            req = Requirement(raw)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (ext or {""})):
                continue
            key = _norm(req.name)
            if key != _norm(name):
                seen.add(key)
            todo.append((req.name, frozenset(req.extras)))
    return seen


def test_distribution_name_and_version() -> None:
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{DIST} is not installed (run from a checkout without pip install)")
    assert dist.version == __version__ == "0.1.0"
    (script,) = [e for e in dist.entry_points if e.group == "console_scripts"]
    assert (script.name, script.value) == ("policyguard", "policyguard.commands:main")
    assert dist.metadata["License-Expression"] == "Apache-2.0"


def test_lock_pins_every_dependency_of_the_test_extra() -> None:
    try:
        needed = _closure(DIST, {"test"}) | {"opa-golib-python-bindings"}
    except metadata.PackageNotFoundError:
        pytest.skip(f"{DIST}[test] is not installed")
    locked = _locked()
    assert not needed - set(locked), f"not in constraints.txt (run .ci/lock): {sorted(needed - set(locked))}"
    assert DIST not in locked and "policyguard" not in locked


def test_license_is_the_canonical_apache_2_text() -> None:
    import hashlib

    data = (ROOT / "LICENSE").read_bytes()
    # md5 of https://www.apache.org/licenses/LICENSE-2.0.txt, byte for byte
    assert hashlib.md5(data).hexdigest() == "3b83ef96387f14655fc854ddc3c6bd57"


def test_no_install_instruction_names_the_foreign_pypi_project() -> None:
    """`pip install policyguard` / `policyguard==X` / `policyguard[extra]` would fetch somebody
    else's package: every install instruction names a path, a URL or `policyguard-iac`."""
    files = ["README.md", "action.yml", "Dockerfile", ".ci/run", ".ci/lock", "pyproject.toml", "BENCHMARKS.md",
             *(str(p.relative_to(ROOT)) for p in (ROOT / "policyguard").rglob("*.py"))]
    foreign = re.compile(r"pip install(?:(?!&&|;)[^\n`])*?(?<![\w/.-])policyguard(?=$|[\s'\"=\[<>~!]|==)")
    bad = []
    for name in files:
        for n, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
            if foreign.search(line) and "never `pip install policyguard`" not in line:
                bad.append(f"{name}:{n}: {line.strip()}")
    assert not bad, bad
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert all("-c constraints.txt" in cmd for cmd in first_block[:2]), first_block[:2]
    assert "rev: v0.1.0" in readme and f"@v{__version__}" in readme
