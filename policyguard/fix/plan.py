"""Plan, render and verify fixes for a set of scan paths.

1. Baseline: every discovered unit is parsed and evaluated on its own, with *all* rules (so
   "no new failure" covers rules the user did not ask to fix).
2. Candidates: failing findings with a fix (filtered by rule and severity). Findings that ask
   for the same edit of the same declaration (``count``/``for_each`` instances, a module used
   twice) form one *group* and are rendered once. A group whose fix would write a reference to
   something that does not exist is refused (``references.py``); a behaviour-changing group the
   ``FixPolicy`` does not permit is *withheld* (listed, never rendered or written).
3. Rendering: per file, groups are applied bottom-up on the running text (each op re-parses
   the text it edits, so two fixes that both create ``securityContext`` merge instead of
   clashing). Each group is also rendered alone against the original bytes: those edits are
   what SARIF ``fixes`` carry.
   Files are keyed by their real path (a symlinked file is one file, edited once), and a file
   outside the scanned tree, or changed since the scan, is refused before rendering
   (``files.py``; ``--write`` checks again right before writing).
4. Verification: the patched files are laid over the real tree in a scratch directory (real
   copies of the patched files, symlinks for everything else, so relative module sources still
   resolve) and every unit that reads them is parsed and evaluated again. A group is verified
   when its file still parses, its targeted findings no longer fail (nor turn unknown or
   error), no new failing finding appears and rendering it again on the result changes
   nothing. Problems are pinned on files; the groups of a blamed file are then verified one
   by one, and what still fails is refused with the reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.fix.common import FixError, diff_edits
from policyguard.fix.files import FileState, NotWritten, outside_reason, read_original, stat_files
from policyguard.fix.safety import FixPolicy
from policyguard.limits import DEFAULT_LIMITS
from policyguard.model import Finding, ParseError, Resource, Severity, Status, TextEdit

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.options import ScanOptions

FKey = tuple[str, str, str, str]  # rule id, resource id, file, path


def _abs(p: str | Path) -> str:
    return os.path.abspath(str(p))


@functools.lru_cache(maxsize=65536)
def _real(p: str) -> str:
    return os.path.realpath(p)


# --------------------------------------------------------------------------- unit scans
@dataclass(slots=True)
class UnitScan:
    unit: Unit
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    def files(self, unmap: Any = _abs) -> set[str]:
        out = {unmap(f) for f in self.unit.files}
        out |= {unmap(r.span.file) for r in self.resources}
        out |= {unmap(e.file) for e in self.errors}
        return out


def scan_units(units: list[Unit], options: ScanOptions) -> list[UnitScan]:
    """Parse and evaluate ``units`` with the scan core's scanner for these rules (its workers,
    budgets and crash isolation; one scan budget per call)."""
    from policyguard.scan import scanner_for

    outs = scanner_for(options).scan_units(units, options.read)
    return [UnitScan(u, p.resources, f, p.errors) for u, (p, f) in zip(units, outs, strict=True)]


# --------------------------------------------------------------------------- overlays
class Overlay:
    """A scratch tree that mirrors the real one with some files replaced."""

    def __init__(self, base: str, patched: dict[str, str], keep_real: Iterable[str]) -> None:
        self.root = tempfile.mkdtemp(prefix="ov", dir=base)
        needed: set[str] = set()
        for p in list(patched) + list(keep_real):
            d = os.path.dirname(p) if p in patched or not os.path.isdir(p) else p
            while True:
                needed.add(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        for d in sorted(needed):
            target = self.map(d)
            os.makedirs(target, exist_ok=True)
            try:
                entries = os.listdir(d)
            except OSError:
                continue
            for name in entries:
                real = os.path.join(d, name)
                if real in needed:
                    continue
                dest = os.path.join(target, name)
                text = patched.get(real)
                if text is None and patched:  # a symlink to a patched file, or a file in a symlinked directory
                    text = patched.get(_real(real))
                if text is not None:
                    with open(dest, "w", encoding="utf-8", newline="") as fh:
                        fh.write(text)
                else:
                    try:
                        os.symlink(real, dest)
                    except OSError:
                        pass

    def map(self, p: str | Path) -> str:
        return self.root + _abs(p)

    def unmap(self, p: str | Path) -> str:
        a = _abs(p)
        return a[len(self.root) :] if a.startswith(self.root + os.sep) else a

    def unit(self, unit: Unit) -> Unit:
        return replace(unit, path=Path(self.map(unit.path)), files=[Path(self.map(f)) for f in unit.files])


# --------------------------------------------------------------------------- planning
@dataclass(slots=True)
class Group:
    """One edit of one declaration, shared by every finding that asks for it."""

    gid: int
    file: str  # absolute, every symlink resolved
    resource: Resource
    findings: list[tuple[int, Finding]]  # (unit index, finding)
    fix: Any = None  # the finding's fix with removals pinned to their values
    new_alone: str = ""
    edits: list[TextEdit] = field(default_factory=list)
    status: str = "candidate"  # candidate | verified | refused | withheld | declined
    reason: str = ""

    @property
    def safety(self) -> str:
        return str(self.fix.safety)

    @property
    def rule_id(self) -> str:
        return self.findings[0][1].rule_id


@dataclass(slots=True)
class FixPlan:
    scans: list[UnitScan]
    groups: list[Group]
    originals: dict[str, str]  # real file -> original text (without a byte order mark)
    results: dict[str, str]  # absolute file -> text with every verified group applied
    unfixable: list[Finding]  # failing findings without a fix definition
    discovery_errors: list[ParseError]
    rounds: int = 0
    options: Any = None  # the scan options verification used
    states: dict[str, FileState] = field(default_factory=dict)  # real file -> what the edits were computed from
    roots: tuple[Path, ...] = ()  # the trees fix may write in

    def reverify(self, keep: list[Group]) -> None:
        """Verify again with only ``keep`` (``--interactive`` answers): the others are declined."""
        for g in self.verified:
            if g not in keep:
                g.status, g.reason = "declined", "declined"
            else:
                g.status = "candidate"
        self.results = {}
        _verify_loop(self, self.options)

    @property
    def verified(self) -> list[Group]:
        return [g for g in self.groups if g.status == "verified"]

    @property
    def refused(self) -> list[Group]:
        return [g for g in self.groups if g.status == "refused"]

    @property
    def withheld(self) -> list[Group]:
        """Behaviour-changing fixes the policy did not permit (not rendered, not verified)."""
        return [g for g in self.groups if g.status == "withheld"]


def _fkey(f: Finding, unmap: Any = _abs) -> FKey:
    return (f.rule_id, f.resource_id, unmap(f.span.file), f.path)


def plan_fixes(
    options: ScanOptions,
    *,
    only_rules: Iterable[str] = (),
    min_severity: Severity | None = None,
    select: Any = None,
    suppressed: Any = None,
    policy: FixPolicy | None = None,
) -> FixPlan:
    """Scan ``options.paths`` and return verified (and refused, withheld) fix groups; writes
    nothing. ``policy`` (default: safe fixes only) decides which classes may be applied.

    ``select(finding) -> bool`` narrows the candidates further (``attach_edits`` uses it);
    ``suppressed(findings, resources) -> set of id(finding)`` names findings a suppression
    covers: an accepted risk is not "fixed"."""
    from policyguard import discover
    from policyguard.fix.references import dangling
    from policyguard.roots import repository_roots

    policy = policy if policy is not None else FixPolicy()
    # every rule judges whether a fix adds failures; a rule named by id (--rule) still runs
    # whatever its profile
    rules = options.rules
    options = replace(options, rules=replace(rules, enabled_rules=(), profile_keep=(*rules.profile_keep, *rules.enabled_rules)))
    read = options.read
    _real.cache_clear()  # symlinks may have changed since an earlier plan in this process
    found = discover.discover(
        [Path(p) for p in read.paths], excludes=list(read.excludes), follow_external_symlinks=read.follow_external_symlinks
    )
    roots = repository_roots(list(read.paths))
    scanned = stat_files(f for u in found.units for f in u.files)  # before the scan reads them
    scans = scan_units(list(found.units), options)
    wanted = set(only_rules)

    groups: dict[tuple[Any, ...], Group] = {}
    unfixable: list[Finding] = []
    originals: dict[str, str] = {}
    for ui, us in enumerate(scans):
        by_id = {r.id: r for r in us.resources}
        skip = suppressed(us.findings, us.resources) if suppressed is not None else set()
        for f in us.findings:
            if f.status != Status.FAIL or id(f) in skip:
                continue
            if wanted and f.rule_id not in wanted:
                continue
            if min_severity is not None and f.severity < min_severity:
                continue
            if select is not None and not select(f):
                continue
            if f.fix is None or not f.fix.ops:
                unfixable.append(f)
                continue
            res = by_id.get(f.resource_id)
            if res is None:
                continue
            file = _real(_abs(res.span.file))
            key = (file, res.type, res.name, res.span.start_line, repr(f.fix.to_dict()))
            g = groups.get(key)
            if g is None:
                from policyguard.fix.render import pin_fix

                g = groups[key] = Group(len(groups), file, res, [], pin_fix(f.fix, res))
                why = dangling(res, f.fix, by_id)
                withheld = policy.withheld_reason(f.rule_id, f.fix)
                where = outside_reason(file, roots)
                if where:
                    g.status, g.reason = "refused", where
                elif why:
                    g.status, g.reason = "refused", why
                elif withheld:
                    g.status, g.reason = "withheld", withheld
            g.findings.append((ui, f))

    glist = list(groups.values())
    states: dict[str, FileState] = {}
    unreadable: dict[str, str] = {}
    for g in glist:
        if g.status != "candidate":
            continue
        if g.file not in originals and g.file not in unreadable:
            try:
                originals[g.file], states[g.file] = read_original(
                    g.file, scanned=scanned.get(g.file), max_bytes=DEFAULT_LIMITS.max_file_bytes
                )
            except NotWritten as exc:
                unreadable[g.file] = exc.reason
        if g.file in unreadable:
            g.status, g.reason = "refused", unreadable[g.file]
            continue
        _render_alone(g, originals[g.file])

    plan = FixPlan(scans, glist, originals, {}, unfixable, list(found.errors), options=options, states=states, roots=roots)
    _verify_loop(plan, options)
    return plan


def _fix_of(g: Group) -> Any:
    return g.fix


def _order(g: Group) -> tuple[Any, ...]:
    """Bottom-up: later resources first; within one resource, higher list indices first so
    that removing item 2 happens before item 0 shifts it."""
    first = g.fix.ops[0].path if g.fix.ops else ""
    try:
        from policyguard.model import parse_path

        segs = tuple((0, s, "") if isinstance(s, int) else (1, 0, s) for s in parse_path(first))
    except ValueError:
        segs = ()
    return (g.resource.span.start_line, segs, g.gid)


def _render_alone(g: Group, original: str) -> None:
    from policyguard.fix.render import apply_fix_text

    if g.status != "candidate":
        return
    try:
        new = apply_fix_text(original, g.resource, _fix_of(g))
    except FixError as exc:
        g.status, g.reason = "refused", str(exc)
        return
    except RecursionError:
        g.status, g.reason = "refused", "the file is nested too deeply to edit"
        return
    if new == original:
        if any(o.op == "add_resource" for o in g.fix.ops):
            names = ", ".join(f'{o.value.get("type")} "{o.value.get("name")}"' for o in g.fix.ops if o.op == "add_resource" and isinstance(o.value, dict))
            g.reason = f"the companion resource {names} already exists in the file but does not satisfy the rule (check its count/for_each or settings)"
        else:
            g.reason = "the fix changes nothing in the file (its ops do not address this finding)"
        g.status = "refused"
        return
    g.new_alone = new
    g.edits = diff_edits(g.resource.span.file, original, new)


def combine(plan: FixPlan, groups: list[Group]) -> tuple[dict[str, str], list[tuple[Group, str]]]:
    """Apply ``groups`` per file, bottom-up; returns the texts and the groups that clash."""
    from policyguard.fix.render import apply_fix_text

    by_file: dict[str, list[Group]] = {}
    for g in groups:
        by_file.setdefault(g.file, []).append(g)
    texts: dict[str, str] = {}
    clashes: list[tuple[Group, str]] = []
    for file, gs in by_file.items():
        text = plan.originals[file]
        for g in sorted(gs, key=_order, reverse=True):
            try:
                text = apply_fix_text(text, g.resource, _fix_of(g))
            except (FixError, RecursionError) as exc:
                clashes.append((g, f"conflicts with another fix in the same file: {exc}"))
        texts[file] = text
    return texts, clashes


@dataclass(slots=True)
class _Check:
    blamed: dict[str, str] = field(default_factory=dict)  # file -> reason
    group_reasons: dict[int, str] = field(default_factory=dict)
    after: dict[int, UnitScan] = field(default_factory=dict)  # unit index -> rescan
    overlay: Overlay | None = None


def _verify_set(plan: FixPlan, options: ScanOptions, sets: list[list[Group]], base: str) -> list[_Check]:
    """Verify several independent group sets in one parallel rescan."""
    jobs: list[tuple[int, int, Unit]] = []  # (set index, unit index, overlay unit)
    checks: list[_Check] = []
    for si, groups in enumerate(sets):
        texts, clashes = combine(plan, groups)
        check = _Check()
        for g, why in clashes:
            check.group_reasons[g.gid] = why
        patched = {f: t for f, t in texts.items() if t != plan.originals[f]}
        affected = [ui for ui, us in enumerate(plan.scans) if us.files(_real) & set(patched)]
        keep = [_abs(plan.scans[ui].unit.path) for ui in affected]
        check.overlay = Overlay(base, patched, keep)
        for ui in affected:
            jobs.append((si, ui, check.overlay.unit(plan.scans[ui].unit)))
        checks.append(check)
    rescans = scan_units([j[2] for j in jobs], options) if jobs else []
    for (si, ui, _), us in zip(jobs, rescans, strict=True):
        checks[si].after[ui] = us
    for si, groups in enumerate(sets):
        _judge(plan, groups, checks[si])
    return checks


def _judge(plan: FixPlan, groups: list[Group], check: _Check) -> None:
    ov = check.overlay
    assert ov is not None
    patched_files = {g.file for g in groups}
    for ui, after in check.after.items():
        before = plan.scans[ui]
        before_fail = {_fkey(f) for f in before.findings if f.status == Status.FAIL}
        after_fail = {_fkey(f, ov.unmap): f for f in after.findings if f.status == Status.FAIL}
        for key, f in after_fail.items():
            if key not in before_fail and not any(key in _targets(g) for g in groups):
                real = _real(key[2])
                file = real if real in patched_files else next(iter(patched_files & {_real(p) for p in after.files(ov.unmap)}), real)
                check.blamed.setdefault(file, f"a new failure would appear: {f.rule_id} on {f.resource_id} ({f.message})")
        before_err = {(_abs(e.file), e.message) for e in before.errors}
        for e in after.errors:
            ef = ov.unmap(e.file)
            if (ef, e.message) not in before_err and _real(ef) in patched_files:
                ef = _real(ef)
                check.blamed.setdefault(ef, f"the patched file would not parse: line {e.line}: {e.message}")
        status_after: dict[tuple[str, str, str], list[Finding]] = {}
        for f in after.findings:
            status_after.setdefault((f.rule_id, f.resource_id, ov.unmap(f.span.file)), []).append(f)
        for g in groups:
            for gui, f in g.findings:
                if gui != ui:
                    continue
                key = _fkey(f)
                if key in after_fail:
                    check.group_reasons.setdefault(g.gid, f"{f.rule_id} still fails on {f.resource_id} after the fix")
                    continue
                for a in status_after.get(key[:3], []):
                    if a.status in (Status.ERROR, Status.UNKNOWN) and (a.path == f.path or not a.path):
                        check.group_reasons.setdefault(g.gid, f"{f.rule_id} on {f.resource_id} turns {a.status} after the fix")


def _targets(g: Group) -> set[FKey]:
    return {_fkey(f) for _, f in g.findings}


def _idempotent(plan: FixPlan, groups: list[Group], texts: dict[str, str], check: _Check) -> None:
    """Rendering each fix again on the patched text (with the re-evaluated resource) must be a
    no-op."""
    from policyguard.fix.render import apply_fix_text

    ov = check.overlay
    assert ov is not None
    for g in groups:
        if g.gid in check.group_reasons:
            continue
        text = texts.get(g.file)
        if text is None:
            continue
        again: Resource | None = None
        for ui, _ in g.findings:
            after = check.after.get(ui)
            if after is None:
                continue
            for r in after.resources:
                if r.id == g.resource.id and _real(ov.unmap(r.span.file)) == g.file:
                    again = r
                    break
            if again is not None:
                break
        if again is None:
            continue
        try:
            twice = apply_fix_text(text, again, _fix_of(g))
        except FixError as exc:
            check.group_reasons[g.gid] = f"applying the fix a second time fails: {exc}"
            continue
        if twice != text:
            check.group_reasons[g.gid] = "applying the fix a second time changes the file again"


def _verify_loop(plan: FixPlan, options: ScanOptions) -> None:
    active = [g for g in plan.groups if g.status == "candidate"]
    if not active:
        return
    alone_tested: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="policyguard-fix-") as base:
        for _ in range(6):
            plan.rounds += 1
            check = _verify_set(plan, options, [active], base)[0]
            texts, _ = combine(plan, active)
            if not check.blamed and not check.group_reasons:
                _idempotent(plan, active, texts, check)
            if not check.blamed and not check.group_reasons:
                for g in active:
                    g.status = "verified"
                plan.results = {f: t for f, t in texts.items() if t != plan.originals[f]}
                return
            drop: set[int] = set()
            for gid, why in check.group_reasons.items():
                g = plan.groups[gid]
                g.status, g.reason = "refused", why
                drop.add(gid)
            suspects = [g for g in active if g.file in check.blamed and g.gid not in drop]
            untested = [g for g in suspects if g.gid not in alone_tested]
            if untested:
                alone = _verify_set(plan, options, [[g] for g in untested], base)
                for g, c in zip(untested, alone, strict=True):
                    alone_tested.add(g.gid)
                    why = c.group_reasons.get(g.gid) or next(iter(c.blamed.values()), "")
                    if why:
                        g.status, g.reason = "refused", why
                        drop.add(g.gid)
                    if c.overlay is not None:
                        shutil.rmtree(c.overlay.root, ignore_errors=True)
            else:
                for g in suspects:
                    g.status, g.reason = "refused", f"fails verification together with the other fixes of its file: {check.blamed[g.file]}"
                    drop.add(g.gid)
            if check.overlay is not None:
                shutil.rmtree(check.overlay.root, ignore_errors=True)
            active = [g for g in active if g.gid not in drop]
            if not active:
                return
        for g in active:
            g.status, g.reason = "refused", "verification did not converge"
