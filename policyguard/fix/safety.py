"""Which fixes a front door may apply: safe ones always, behaviour-changing ones only when the
user says so (``--unsafe``, or ``fix.allow_behaviour_changing`` in ``.policyguard.yaml``).

A fix's class comes from its rule's ``fix_safety`` (required when ``fixable: true``), possibly
raised to ``behaviour-changing`` by the individual result (``model.Fix.safety``)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from policyguard.model import SAFE, Fix, RuleMeta

WITHHELD_REASON = "behaviour-changing: pass --unsafe or allow it in config (fix.allow_behaviour_changing)"


@dataclass(frozen=True, slots=True)
class FixPolicy:
    """``unsafe``: every class; ``allowed``: rule ids or globs whose behaviour-changing fixes
    may be applied. The default applies safe fixes only."""

    unsafe: bool = False
    allowed: tuple[str, ...] = ()

    def permits(self, rule_id: str, fix: Fix) -> bool:
        if fix.safety == SAFE or self.unsafe:
            return True
        return any(fnmatch.fnmatchcase(rule_id, pat) for pat in self.allowed)

    def withheld_reason(self, rule_id: str, fix: Fix) -> str | None:
        """Why ``fix`` is not applied under this policy (None: it is)."""
        return None if self.permits(rule_id, fix) else WITHHELD_REASON


EVERY_CLASS = FixPolicy(unsafe=True)


def check_allowed(patterns: Iterable[tuple[str, int]], metas: Iterable[RuleMeta], source: str) -> list[str]:
    """Problems with ``fix.allow_behaviour_changing`` entries ((pattern, line) pairs): an id or
    glob that names no loaded rule, or only rules without an automatic fix. Each message
    is located (``file:line: ...``)."""
    metas = list(metas)
    problems = []
    for pat, line in patterns:
        hit = [m for m in metas if fnmatch.fnmatchcase(m.id, pat)]
        where = f"{source}:{line}: fix.allow_behaviour_changing"
        if not hit:
            problems.append(f"{where}: {pat!r} matches no loaded rule")
        elif not any(m.fixable for m in hit):
            problems.append(f"{where}: {pat!r} names only rules without an automatic fix ({', '.join(sorted(m.id for m in hit)[:5])})")
    return problems
