"""Terraform parsers: HCL configuration directories and ``terraform show -json`` plans.

``parse_directory`` evaluates one root module (and the local or downloaded modules it calls)
into the common resource model. The plan parser lives in ``plan``. Heavy imports (tree-sitter)
happen on first use, not at import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.model import ErrorKind, ParseError, ParseResult

__all__ = ["parse_directory"]


if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext
    from policyguard.modfetch.manifest import FetchedModule


def _auto_var_files(directory: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    picked: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    picked += [n for n in names if n.endswith(".auto.tfvars") or n.endswith(".auto.tfvars.json")]
    # anything but a directory: a FIFO or dangling link is a located error when read, not a silent skip
    return [directory / n for n in picked if not (directory / n).is_dir()]


def parse_directory(
    path: Path,
    *,
    files: list[Path] | None = None,
    var_files: list[str] | None = None,
    variables: dict[str, str] | None = None,
    read_roots: tuple[str, ...] = (),
    workspace: str = "default",
    fetched: tuple[FetchedModule, ...] = (),
) -> ParseResult:
    """Evaluate the Terraform root module in ``path`` into resources (never raises on bad input).
    ``workspace``: the value of ``terraform.workspace``.
    ``file()`` and its kin read only inside ``read_roots`` (default: the repository around
    ``path``, see policyguard.roots). ``fetched``: remote module calls already downloaded
    (``policyguard.modfetch``); each downloaded package may be read by its own ``file()`` calls.

    Variable precedence follows Terraform: defaults < ``terraform.tfvars`` <
    ``terraform.tfvars.json`` < ``*.auto.tfvars(.json)`` (lexical order) < ``var_files`` (in
    order) < ``variables`` (``-var``, later wins).
    """
    from policyguard.limits import LimitExceeded, unit_budget
    from policyguard.parsers.errors import limit_error

    path = Path(path)
    result = ParseResult()
    with unit_budget() as budget:
        try:
            _evaluate(path, result, files, var_files, variables, read_roots, workspace, fetched)
        except LimitExceeded as exc:  # the unit's budget is spent: none of its resources is judged
            result.resources.clear()
            result.errors.append(limit_error(exc, str(path)))
        seen = {(e.file, e.line, e.column, e.message) for e in result.errors}
        for lost in budget.errors:  # values lost to a limit, once per place
            err = limit_error(lost, str(path))
            if (err.file, err.line, err.column, err.message) not in seen:
                seen.add((err.file, err.line, err.column, err.message))
                result.errors.append(err)
        budget.errors.clear()
    return result


def _evaluate(path: Path, result: ParseResult, files: list[Path] | None, var_files: list[str] | None,
              variables: dict[str, str] | None, read_roots: tuple[str, ...], workspace: str = "default",
              fetched: tuple[FetchedModule, ...] = ()) -> None:
    from policyguard.roots import repository_roots

    from .evaluate import EvalError
    from .module import Context, ModuleInstance, cli_variable, load_module, read_var_file

    roots = tuple(Path(r) for r in read_roots) or repository_roots([path])
    roots += tuple(dict.fromkeys(Path(f.package).resolve() for f in fetched if f.package))
    ctx = Context(path, result, roots, workspace, fetched)
    try:
        mdef = load_module(path, [Path(f) for f in files] if files is not None else None)
        for err in mdef.errors:
            ctx.error(err)
        values: dict[str, Any] = {}
        for vf in _auto_var_files(path):
            values.update(read_var_file(vf, path, result.errors))
        for name in var_files or []:
            vp = Path(name)
            if not vp.exists() and not vp.is_absolute() and (path / vp).exists():
                vp = path / vp
            if not vp.exists():
                result.errors.append(ParseError(str(vp), 0, 0, "variables file given with --var-file not found", ErrorKind.CONFIG))
                continue
            values.update(read_var_file(vp, path, result.errors))
        for name, text in (variables or {}).items():
            try:
                values[name] = cli_variable(name, text, mdef.variables.get(name))
            except EvalError as exc:
                result.errors.append(ParseError(f"-var {name}", 0, 0, str(exc), ErrorKind.CONFIG))
        root = ModuleInstance(ctx, mdef, "", "", None, values, (str(path.resolve()),))
        root.build()
    except RecursionError:
        result.errors.append(ParseError(str(path), 1, 1, "configuration nested too deeply to evaluate", ErrorKind.LIMIT))


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A Terraform directory unit (``policyguard.formats``)."""
    return parse_directory(unit.path, files=unit.files, var_files=list(context.var_files),
                           variables=dict(context.variables), read_roots=context.read_roots,
                           workspace=context.workspace, fetched=unit.fetched)
