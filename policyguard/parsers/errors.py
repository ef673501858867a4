"""Errors every parser reports the same way (a module of its own, so that the format parsers
need not import the ``policyguard.parsers`` dispatcher that imports them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policyguard.model import ErrorKind, ParseError

if TYPE_CHECKING:
    from policyguard.limits import LimitExceeded


def limit_error(exc: LimitExceeded, file: str) -> ParseError:
    """The located ``limit-exceeded`` error of a unit that went over a budget (``file``: where,
    when no expression or block located it)."""
    where = f" in `{exc.where}`" if exc.where else ""
    what = "the unit stopped" if exc.exhausted else "the value is unknown"
    return ParseError(exc.file or file, exc.line or 1, exc.column or 1, f"{exc.message}{where} ({exc.limit}; {what})",
                      ErrorKind.LIMIT)
