"""The import structure of the package (README "Architecture"): no import cycles, no private
name imported from another module, and every import going down the flow

    base (model, limits, ...) <- parsers <- engine <- scan core <- gate <- reporters
    <- fix / webhook <- commands

Read from the source with ``ast``; every import counts, those inside functions and under
``TYPE_CHECKING`` too (a lazy or a typing-only import is still a dependency). The redesign of issue 13 is removing the cycles and back-imports recorded in
``KNOWN``; the test fails on any new one, and on a recorded one that is gone (delete it)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "policyguard"

# layer order: a module may import modules of its own layer and of the layers before it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("policyguard", "policyguard.model", "policyguard.limits", "policyguard.exitcodes", "policyguard.fsread",
              "policyguard.procs", "policyguard.redact", "policyguard.jsonfast", "policyguard.roots", "policyguard.secrets",
              "policyguard.options", "policyguard.sharding")),
    ("parsers", ("policyguard.parsers", "policyguard.discover", "policyguard.formats", "policyguard.modfetch")),
    ("engine", ("policyguard.engine",)),
    ("scan", ("policyguard.scan", "policyguard.ruletest", "policyguard.ruledocs")),
    ("gate", ("policyguard.gate", "policyguard.frameworks")),
    ("report", ("policyguard.report",)),
    ("outputs", ("policyguard.fix", "policyguard.webhook", "policyguard.cluster")),
    ("commands", ("policyguard.__main__", "policyguard.commands")),
]

# (importer, imported) pairs against the flow, and cycles (sorted module lists), that exist today
KNOWN_BACK_IMPORTS: set[tuple[str, str]] = set()
KNOWN_CYCLES: set[tuple[str, ...]] = set()
# private names imported across modules today (same rule: new ones fail, gone ones must go)
KNOWN_PRIVATE: set[str] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_pkg = _modules()[importer].name == "__init__.py"
    base = importer.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


@cache
def _imports() -> list[tuple[str, str, list[str], bool]]:
    """(importer, imported module, names taken, only for type checking) for every import of the package."""
    mods = _modules()
    out: list[tuple[str, str, list[str], bool]] = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("policyguard"):
                        out.append((name, a.name, [], node.lineno in typing_only))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, node)
                if not target.startswith("policyguard"):
                    continue
                plain = [a.name for a in node.names if f"{target}.{a.name}" not in mods]
                for a in node.names:  # `from pkg import submodule` imports the submodule
                    if f"{target}.{a.name}" in mods:
                        out.append((name, f"{target}.{a.name}", [], node.lineno in typing_only))
                if plain:
                    out.append((name, target, plain, node.lineno in typing_only))
    return out


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), i
    return rank


def test_every_module_has_a_layer() -> None:
    assert [m for m in _modules() if _layer(m) < 0] == []


def test_no_private_names_across_modules() -> None:
    crossing = sorted({f"{a} imports {n} from {b}" for a, b, names, _ in _imports() if a != b
                       for n in names if n.startswith("_") and not n.startswith("__")})
    assert sorted(set(crossing) - KNOWN_PRIVATE) == [], "new private names across modules"
    assert sorted(KNOWN_PRIVATE - set(crossing)) == [], "gone: delete them from KNOWN_PRIVATE"


def test_imports_follow_the_flow() -> None:
    back = {(a, b) for a, b, _, _ in _imports() if _layer(b) > _layer(a)}
    assert sorted(back - KNOWN_BACK_IMPORTS) == [], "new imports against the flow"
    assert sorted(KNOWN_BACK_IMPORTS - back) == [], "gone: delete them from KNOWN_BACK_IMPORTS"


def _cycles(edges: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: set[tuple[str, ...]] = set()
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.add(tuple(sorted(comp)))
    return found


def test_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {}
    for a, b, _, _ in _imports():
        if a != b:
            edges.setdefault(a, set()).add(b)
    cycles = _cycles(edges)
    assert sorted(cycles - KNOWN_CYCLES) == [], "new import cycles"
    assert sorted(KNOWN_CYCLES - cycles) == [], "gone: delete them from KNOWN_CYCLES"


def test_rego_backends_share_pieces_from_below() -> None:
    """The Rego backends take what they share (error type, message helpers, module reading, the
    driver) from ``common`` and ``driver``, which import no backend; the backends themselves
    import downwards only: backends -> compiled / guard -> embedded -> driver -> common."""
    rank = {f"policyguard.engine.rego.{m}": i for i, m in
            enumerate(["common", "driver", "embedded", "guard", "compiled", "backends"])}
    up = sorted(f"{a} imports {b}" for a, b, _, _ in _imports()
                if a in rank and b in rank and a != b and rank[b] >= rank[a])
    assert up == []
    shared = {b for a, b, _, _ in _imports() if a in ("policyguard.engine.rego.common", "policyguard.engine.rego.driver")}
    assert shared <= {"policyguard.engine.rego.common"}
