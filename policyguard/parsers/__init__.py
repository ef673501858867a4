"""Parsers: one per source format, each turning files into the common resource model.

Parsers know nothing of rules. Each exposes a function returning ``ParseResult`` and never
raises on bad input: problems become located ``ParseError`` records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policyguard.model import ParseResult

if TYPE_CHECKING:
    from policyguard.discover import Unit


def parse_unit(
    unit: Unit,
    *,
    var_files: list[str] | None = None,
    variables: dict[str, str] | None = None,
    read_roots: tuple[str, ...] = (),
) -> ParseResult:
    """Dispatch a discovered unit to the parser of its format (imports stay lazy for start-up).
    ``read_roots``: where expressions may read files (default: the repository around the unit)."""
    fmt = unit.format
    if fmt == "document":  # a .json/.yaml/.yml/.template file: its parse decides the format
        from policyguard.parsers.documents import parse_document_file

        return parse_document_file(unit.path)
    if fmt == "terraform":
        from policyguard.parsers.terraform import parse_directory

        return parse_directory(unit.path, files=unit.files, var_files=var_files or [], variables=variables or {},
                               read_roots=read_roots)
    if fmt == "terraform_plan":
        from policyguard.parsers.terraform.plan import parse_plan_file

        return parse_plan_file(unit.path)
    if fmt == "cloudformation":
        from policyguard.parsers.cloudformation import parse_file as parse_cfn

        return parse_cfn(unit.path)
    if fmt == "kubernetes":
        from policyguard.parsers.kubernetes import parse_file as parse_k8s

        return parse_k8s(unit.path)
    raise ValueError(f"no parser for format {fmt!r}")
