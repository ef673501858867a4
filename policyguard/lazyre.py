"""Regular expressions compiled on first use: a large pattern costs milliseconds to compile,
and a pre-commit run that never needs it should not pay for it at import."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled on its first call."""
    return functools.cache(lambda: re.compile(pattern, flags))
