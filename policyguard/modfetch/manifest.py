"""What the resolver hands the Terraform parser: one record per module call key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FetchedModule:
    """A remote module call (``key``: ``a.b`` for ``module.a``'s ``module.b``, as in
    ``modules.json``) resolved to ``directory``, or not (``error`` says why, naming the source
    and the version asked for)."""

    key: str
    source: str
    version: str = ""  # the call's version constraint
    directory: str = ""  # the module's files ("" when ``error``)
    package: str = ""  # the downloaded package root around ``directory`` (where file() may read)
    resolved: str = ""  # what was picked: a registry version, a git commit, an archive sha256
    error: str = ""
