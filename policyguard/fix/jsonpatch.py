"""Fix definitions as RFC 6902 JSON Patch operations against a Kubernetes object.

Used by the mutating webhook (``/mutate``) and ``policyguard fix --format jsonpatch``. The ops
are computed against a working copy that each op updates, so a later op sees the containers an
earlier one created, and an op whose result is already in the object produces nothing (applying
the patch to its own output is a no-op). ``add_resource`` has no meaning inside one object and
is skipped.
"""

from __future__ import annotations

import copy
from typing import Any

from policyguard.model import Fix, map_pod_spec_path, parse_path

# the only parts of an object's (or pod template's) metadata a patch may change: keys inside
# these maps. Everything else there (namespace, name, uid, resourceVersion, generation,
# managedFields, ownerReferences, finalizers...) belongs to the user or the apiserver.
OWNED_METADATA = ("annotations", "labels")


def live_object_refusal(fix: Fix, pod_spec_path: str | None) -> str | None:
    """Why ``fix`` must not be applied to a live object (the admission webhook), or None.

    A fix is written for the manifest in a repository; on an admitted object some of its edits
    mean something else: ``PG-K8S-NS-001`` removes ``metadata.namespace`` so the deploy context
    chooses it, but on an admission request the namespace is already chosen and removing it
    from the object is a corruption. So a fix may only touch keys inside ``annotations`` and
    ``labels`` of a ``metadata`` mapping, and may not create other objects."""
    for op in fix.ops:
        if op.op == "add_resource":
            return "it creates another object, which a patch of this object cannot do"
        try:
            segs = parse_path(map_pod_spec_path(pod_spec_path, op.path))
        except ValueError:
            return f"its path {op.path!r} is malformed"
        for i, seg in enumerate(segs):
            if seg != "metadata":
                continue
            rest = segs[i + 1 :]
            if len(rest) < 2 or rest[0] not in OWNED_METADATA:
                shown = ".".join(str(x) for x in segs[: i + 2])
                return f"it changes {shown}, and a patch only changes keys inside metadata.annotations and metadata.labels"
    return None


def pointer(segs: list[str | int] | tuple[str | int, ...]) -> str:
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in segs)


def _nest(segs: tuple[str | int, ...], value: Any) -> Any:
    for seg in reversed(segs):
        value = [value] if isinstance(seg, int) else {seg: value}
    return value


def json_patch(obj: dict[str, Any], fixes: list[Fix], pod_spec_path: str | None) -> list[dict[str, Any]]:
    """RFC 6902 ops that apply ``fixes`` to ``obj`` (which is not modified)."""
    return patched(obj, fixes, pod_spec_path)[0]


def patched(obj: dict[str, Any], fixes: list[Fix], pod_spec_path: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ops of :func:`json_patch` and the object they produce."""
    work = copy.deepcopy(obj)
    ops: list[dict[str, Any]] = []
    for fix in fixes:
        for op in fix.ops:
            if op.op == "add_resource":
                continue
            segs = parse_path(map_pod_spec_path(pod_spec_path, op.path))
            if not segs:
                continue
            if op.op == "set":
                _set(work, segs, copy.deepcopy(op.value), ops)
            elif op.op == "add":
                _add(work, segs, copy.deepcopy(op.value), ops)
            elif op.op == "remove":
                _remove(work, segs, ops)
            else:
                raise ValueError(f"unknown fix op {op.op!r}")
    return ops, work


def _walk(work: Any, segs: tuple[str | int, ...]) -> tuple[Any, int]:
    """The deepest existing container along ``segs`` and how many segments it consumed."""
    cur = work
    for i, seg in enumerate(segs[:-1]):
        nxt = _child(cur, seg)
        if nxt is _MISSING or not isinstance(nxt, dict | list):
            return cur, i
        cur = nxt
    return cur, len(segs) - 1


_MISSING = object()


def _child(cur: Any, seg: str | int) -> Any:
    if isinstance(cur, dict) and isinstance(seg, str):
        return cur.get(seg, _MISSING)
    if isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
        return cur[seg]
    return _MISSING


def _put(cur: Any, seg: str | int, value: Any, path: tuple[str | int, ...], ops: list[dict[str, Any]]) -> None:
    """Create or replace ``cur[seg]`` and record the op."""
    if isinstance(cur, dict) and isinstance(seg, str):
        kind = "replace" if seg in cur else "add"
        cur[seg] = value
        ops.append({"op": kind, "path": pointer(path), "value": copy.deepcopy(value)})
    elif isinstance(cur, list) and isinstance(seg, int):
        if seg < len(cur):
            cur[seg] = value
            ops.append({"op": "replace", "path": pointer(path), "value": copy.deepcopy(value)})
        elif seg == len(cur):
            cur.append(value)
            ops.append({"op": "add", "path": pointer(path[:-1]) + "/-", "value": copy.deepcopy(value)})
        else:
            raise ValueError(f"index {seg} out of range at {pointer(path)}")
    else:
        raise ValueError(f"{pointer(path)} does not match the object's structure")


def _set(work: Any, segs: tuple[str | int, ...], value: Any, ops: list[dict[str, Any]]) -> None:
    cur, depth = _walk(work, segs)
    if depth == len(segs) - 1:
        if _child(cur, segs[-1]) == value:
            return
        _put(cur, segs[-1], value, segs, ops)
        return
    # an intermediate container is missing (or is a scalar such as null): create it whole
    _put(cur, segs[depth], _nest(segs[depth + 1 :], value), segs[: depth + 1], ops)


def _add(work: Any, segs: tuple[str | int, ...], value: Any, ops: list[dict[str, Any]]) -> None:
    cur, depth = _walk(work, segs)
    if depth == len(segs) - 1:
        existing = _child(cur, segs[-1])
        if isinstance(existing, list):
            if value not in existing:
                existing.append(value)
                ops.append({"op": "add", "path": pointer(segs) + "/-", "value": copy.deepcopy(value)})
            return
        _put(cur, segs[-1], [value], segs, ops)
        return
    _put(cur, segs[depth], _nest(segs[depth + 1 :], [value]), segs[: depth + 1], ops)


def _remove(work: Any, segs: tuple[str | int, ...], ops: list[dict[str, Any]]) -> None:
    cur, depth = _walk(work, segs)
    if depth != len(segs) - 1 or _child(cur, segs[-1]) is _MISSING:
        return
    seg = segs[-1]
    if isinstance(cur, dict) and isinstance(seg, str):
        del cur[seg]
    elif isinstance(cur, list) and isinstance(seg, int):
        del cur[seg]
    ops.append({"op": "remove", "path": pointer(segs)})
