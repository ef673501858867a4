"""Parsers: one per source format, each turning files into the common resource model.

Parsers know nothing of rules. Each exposes a function returning ``ParseResult`` and never
raises on bad input: problems become located ``ParseError`` records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policyguard.model import ParseResult

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.options import HelmOptions


def parse_unit(
    unit: Unit,
    *,
    var_files: list[str] | None = None,
    variables: dict[str, str] | None = None,
    read_roots: tuple[str, ...] = (),
    workspace: str = "default",
    kustomize_binary: str = "",
    helm: HelmOptions | None = None,
) -> ParseResult:
    """Dispatch a discovered unit to the parser of its format (``policyguard.formats``; parsers
    are imported on first use, for start-up). ``read_roots``: where expressions may read files
    (default: the repository around the unit)."""
    from policyguard.formats import FORMATS, ParseContext, load_parser
    from policyguard.options import HelmOptions

    fmt = FORMATS.get(unit.format)
    if fmt is None:
        raise ValueError(f"no parser for format {unit.format!r}")
    context = ParseContext(tuple(var_files or ()), tuple((variables or {}).items()), read_roots, workspace,
                           kustomize_binary, helm or HelmOptions())
    return load_parser(fmt)(unit, context)


def preload(units: list[Unit]) -> None:
    """Import the parsers of these units' formats (and PyYAML when a file is YAML) now: a scan
    calls it before forking its workers, so each worker does not import them again (PyYAML alone
    is ~20 ms a process). A document file may hold any of the document formats."""
    from policyguard.formats import CLOUDFORMATION, DOCUMENT, FORMATS, KUBERNETES, TERRAFORM_PLAN, load_parser

    wanted = {u.format for u in units}
    if DOCUMENT in wanted:
        wanted |= {CLOUDFORMATION, KUBERNETES, TERRAFORM_PLAN}
    for name in sorted(wanted):
        fmt = FORMATS.get(name)
        if fmt is not None:
            load_parser(fmt)
    if any(f.suffix in (".yaml", ".yml") for u in units for f in u.files):
        import yaml  # noqa: F401 - YAML documents compose through PyYAML's events
