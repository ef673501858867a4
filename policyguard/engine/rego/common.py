"""What every Rego backend shares apart from the driver (driver.py): the error a backend raises,
the shaping of engine error messages, and the reading of rule and library module text.

The module text read here is input (the rule pack, a user's rules): its package and its
``data.`` references are found with strings and comments blanked, so ``data`` in a message or
a comment is no reference. The driver is never read back this way: it is built as data.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache


class BackendError(Exception):
    """The backend could not evaluate the batch (policy error, engine panic, timeout, I/O)."""


def no_rust_backtraces() -> None:
    """Tell regorus not to capture a Rust backtrace with each error. With ``RUST_BACKTRACE=1``
    in the environment (CI images, this build machine) its first error symbolized one: 0.2 s
    and +55 MiB of the scanning process, for text ``first_line`` drops. Set before the first
    regorus error; children inherit it (the guarded helper benefits too)."""
    os.environ["RUST_LIB_BACKTRACE"] = "0"


def first_line(exc: BaseException) -> str:
    """regorus errors carry a Rust backtrace: keep the located message only."""
    text = str(exc).strip()
    keep = []
    for ln in text.splitlines():
        if ln.strip().startswith("Stack backtrace"):
            break
        if ln.strip():
            keep.append(ln.strip())
    return " ".join(keep)[:500] or type(exc).__name__


def restore_names(message: str, names: dict[str, str]) -> str:
    """Error messages name the copies OPA loaded (temp files, policy ids): name the rule files."""
    for alias in sorted(names, key=len, reverse=True):
        message = message.replace(alias, names[alias])
    return message


# Rego source with strings and comments blanked: `data` in a message or a comment is no reference
LEXEMES_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')


MODULE_PACKAGE_RE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.M)


# `data` after a dot is a field of some object (``sel.data``, ``input.data``), not the data
# document: it neither reads a package nor reads data dynamically
DATA_REF_RE = re.compile(r"(?<!\.)\bdata((?:\.[A-Za-z_]\w*)+)")


DYNAMIC_DATA_RE = re.compile(r"(?<!\.)\bdata\b(?!\.[A-Za-z_])")  # `data[x]`, `import data`, `x := data`


def code_only(source: str) -> str:
    return LEXEMES_RE.sub(lambda m: '""' if m.group(0)[0] in "\"`" else "", source)


def module_package(source: str) -> tuple[str, ...]:
    """The package path of a module (``()`` without a package statement). The statement
    precedes any string, and comment lines start with ``#``, so the raw text is searched.
    Memoised: three backends ask it of every module of the pack in every process."""
    return _module_package(source)


@lru_cache(maxsize=4096)
def _module_package(source: str) -> tuple[str, ...]:
    """``MODULE_PACKAGE_RE.search``, found by ``str.find``: a multi-line anchor makes the regular
    expression engine try every position of the (long) metadata comment above the statement."""
    pos = 0
    while (at := source.find("package", pos)) >= 0:
        line = source.rfind("\n", 0, at) + 1
        if not source[line:at].strip(" \t"):
            m = _PACKAGE_AT.match(source, at)
            if m:
                return tuple(m.group(1).split("."))
        pos = at + 1
    return ()


_PACKAGE_AT = re.compile(r"package[ \t]+([A-Za-z_][\w.]*)")


def data_refs(source: str) -> tuple[tuple[str, ...], ...] | None:
    """The ``data.<path>`` references of a module's code, or None when it reads ``data``
    dynamically (``data[x]``, ``import data``): then it may read anything."""
    code = code_only(source)
    if DYNAMIC_DATA_RE.search(code):
        return None
    return tuple(tuple(m.group(1)[1:].split(".")) for m in DATA_REF_RE.finditer(code))

