"""``terraform show -json`` plans -> the common resource model.

Planned values give the attributes (already shaped as rules expect); ``after_unknown`` from
``resource_changes`` becomes unknown markers naming ``<address>.<attribute path>``. When the
configuration (``.tf`` files) sits in the plan's directory or ``config_dir``, every resource is
mapped back onto its HCL block and attribute spans; otherwise spans point at the resource's
``"address"`` line in the plan file. References come from the HCL evaluation when available,
else from the plan's ``configuration`` section (its ``references`` lists).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.limits import DEFAULT_LIMITS, depth_message, json_too_deep
from policyguard.model import (
    ErrorKind,
    ParseError,
    ParseResult,
    Reference,
    Resource,
    Span,
    format_path,
    unknown,
)
from policyguard.parsers import numbers

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext


MAX_PLAN_BYTES = 512 * 1024 * 1024
_ADDRESS = re.compile(r'"address"\s*:\s*("(?:[^"\\\n]|\\.)*")')
_INDEX = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')


def parse_plan_file(path: Path, config_dir: Path | None = None) -> ParseResult:
    """Read a plan JSON file; never raises on bad input."""
    from policyguard.fsread import ReadError, decode_text, read_regular

    path = Path(path)
    sp = str(path)
    try:
        text = decode_text(read_regular(path, MAX_PLAN_BYTES))
    except ReadError as exc:
        msg = exc.message.replace("file is", "plan is") if exc.kind == ErrorKind.LIMIT else exc.message
        return ParseResult(errors=[ParseError(sp, exc.line, exc.column, msg, exc.kind)])
    try:
        doc = numbers.json_loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:  # RecursionError: the decoder stopped a nesting bomb
        deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
        if deep is not None or not isinstance(exc, json.JSONDecodeError):
            line, col = deep or (1, 1)
            return ParseResult(errors=[ParseError(sp, line, col, depth_message(DEFAULT_LIMITS.max_depth), ErrorKind.LIMIT)])
        return ParseResult(errors=[ParseError(sp, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")])
    except numbers.NumberError as exc:
        return ParseResult(errors=[ParseError(sp, *numbers.locate(text, exc.text), exc.message,
                                              ErrorKind.LIMIT if exc.limit else ErrorKind.PARSE)])
    deep = json_too_deep(text, DEFAULT_LIMITS.max_depth)
    if deep is not None:
        return ParseResult(errors=[ParseError(sp, deep[0], deep[1], depth_message(DEFAULT_LIMITS.max_depth), ErrorKind.LIMIT)])
    return parse_plan_document(doc, path, text, config_dir)


def parse_plan_document(doc: Any, path: Path, text: str | None, config_dir: Path | None = None) -> ParseResult:
    """A loaded plan file (``text``: its source, for line numbers); the configuration next to it
    (``*.tf`` in its directory) gives spans in the configuration."""
    if config_dir is None and any(path.parent.glob("*.tf")):
        config_dir = path.parent
    return _parse(doc, str(path), config_dir, text)


def parse_plan(doc: dict[str, Any], file: str, config_dir: Path | None = None) -> ParseResult:
    """Turn an already loaded plan document into resources."""
    return _parse(doc, file, config_dir, None)


def is_plan(doc: Any) -> bool:
    """A ``terraform show -json`` document: a plan, or a state (``values`` instead of ``planned_values``)."""
    return isinstance(doc, dict) and "format_version" in doc and any(k in doc for k in ("planned_values", "resource_changes", "values"))


# --------------------------------------------------------------------------- internals
def _address_lines(text: str | None) -> dict[str, tuple[int, int, int]]:
    """Address -> (line, start column, end column) of its first ``"address": "..."`` entry."""
    if not text:
        return {}
    out: dict[str, tuple[int, int, int]] = {}
    line = 1
    last = 0
    for m in _ADDRESS.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        try:
            addr = json.loads(m.group(1))
        except ValueError:
            continue
        if addr not in out:
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            out[addr] = (line, col, col + (m.end() - m.start()))
    return out


def _merge_unknown(value: Any, marks: Any, address: str, path: tuple[str | int, ...]) -> Any:
    if marks is True:
        return unknown(f"{address}.{format_path(path)}" if path else address, "known after apply")
    if isinstance(marks, dict):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for k, m in marks.items():
            if m is True or (isinstance(m, (dict, list)) and _has_true(m)):
                out[k] = _merge_unknown(value.get(k), m, address, path + (k,))
        return out
    if isinstance(marks, list):
        if value is None:
            value = []
        if not isinstance(value, list):
            return value
        out_l = list(value)
        for i, m in enumerate(marks):
            if m is True or (isinstance(m, (dict, list)) and _has_true(m)):
                if i < len(out_l):
                    out_l[i] = _merge_unknown(out_l[i], m, address, path + (i,))
                else:
                    out_l.append(_merge_unknown(None, m, address, path + (i,)))
        return out_l
    return value


def _has_true(m: Any) -> bool:
    stack = [m]
    while stack:
        x = stack.pop()
        if x is True:
            return True
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return False


_MODULE_STEP = re.compile(r'module\.[^.\[]+(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.')


def _module_of(address: str) -> str:
    """``module.a[0].module.b.aws_x.y`` -> ``module.a[0].module.b``."""
    out: list[str] = []
    pos = 0
    while True:
        m = _MODULE_STEP.match(address, pos)
        if not m:
            return ".".join(out)
        out.append(address[m.start() : m.end() - 1])
        pos = m.end()


def _strip_index(address: str) -> str:
    return _INDEX.sub("", address)


def _dict(v: Any) -> dict[str, Any]:
    """A plan field that should be an object: anything else reads as empty (the file is
    untrusted; a wrong shape must not become an internal error)."""
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _walk_modules(module: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [module]
    while stack:
        m = stack.pop(0)
        if not isinstance(m, dict):
            continue
        out.extend(r for r in _list(m.get("resources")) if isinstance(r, dict))
        stack.extend(c for c in _list(m.get("child_modules")) if isinstance(c, dict))
    return out


def _config_references(config: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Base resource address -> [(attribute path, referenced expression)] from ``configuration``."""
    out: dict[str, list[tuple[str, str]]] = {}
    stack: list[tuple[dict[str, Any], str]] = [(_dict(_dict(config).get("root_module")), "")]
    while stack:
        mod, prefix = stack.pop()
        if not isinstance(mod, dict):
            continue
        for r in _list(mod.get("resources")):
            if not isinstance(r, dict) or not isinstance(r.get("address"), str):
                continue
            refs: list[tuple[str, str]] = []
            _expr_refs(r.get("expressions") or {}, (), refs)
            out[prefix + r["address"]] = refs
        for name, call in _dict(mod.get("module_calls")).items():
            if isinstance(call, dict):
                stack.append((_dict(call.get("module")), f"{prefix}module.{name}."))
    return out


def _expr_refs(expr: Any, path: tuple[str | int, ...], out: list[tuple[str, str]]) -> None:
    if isinstance(expr, dict):
        refs = expr.get("references")
        if isinstance(refs, list) and all(isinstance(x, str) for x in refs):
            for ref in refs:
                out.append((format_path(path), ref))
            return
        for k, v in expr.items():
            if k != "constant_value":
                _expr_refs(v, path + (k,), out)
    elif isinstance(expr, list):
        for i, v in enumerate(expr):
            _expr_refs(v, path + (i,), out)


def _providers(doc: dict[str, Any], file: str) -> list[Resource]:
    out: list[Resource] = []
    pcfg = _dict(_dict(doc.get("configuration")).get("provider_config"))
    if not isinstance(pcfg, dict):
        return out
    for _key, p in pcfg.items():
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            continue
        name = p["name"].split("/")[-1]
        module_address = p.get("module_address")
        module = module_address if isinstance(module_address, str) else ""
        pid = (module + "." if module else "") + f"provider.{name}" + (f".{p['alias']}" if p.get("alias") else "")
        attrs: dict[str, Any] = {}
        for k, e in _dict(p.get("expressions")).items():
            if isinstance(e, dict) and "constant_value" in e:
                attrs[k] = e["constant_value"]
            elif isinstance(e, dict) and e.get("references"):
                attrs[k] = unknown(", ".join(map(str, _list(e["references"]))), "provider configuration from an expression")
        out.append(
            Resource(
                id=pid,
                platform="terraform",
                type=f"provider.{name}",
                name=name,
                attributes=attrs,
                span=Span(file, 1, 1, 1, 1),
                source_format="terraform_plan",
                module=module,
                meta={"full_name": p.get("full_name", "")},
            )
        )
    return out


def _parse(doc: Any, file: str, config_dir: Path | None, text: str | None) -> ParseResult:
    result = ParseResult()
    if not is_plan(doc):
        result.errors.append(ParseError(file, 1, 1, "not a Terraform plan: expected 'format_version' and 'planned_values' or 'values' (terraform show -json)"))
        return result
    lines = _address_lines(text)
    changes: dict[str, dict[str, Any]] = {}
    for rc in _list(doc.get("resource_changes")):
        if isinstance(rc, dict) and isinstance(rc.get("address"), str):
            changes[rc["address"]] = rc
    values_doc = doc.get("planned_values") if "planned_values" in doc else doc.get("values")
    planned = _walk_modules(_dict(_dict(values_doc).get("root_module")))
    seen: set[str] = set()
    hcl: dict[str, Resource] = {}
    hcl_base: dict[str, Resource] = {}
    if config_dir is not None:
        from . import parse_directory

        parsed = parse_directory(config_dir)
        result.errors.extend(parsed.errors)
        for hr in parsed.resources:
            hcl[hr.id] = hr
            hcl_base.setdefault(_strip_index(hr.id), hr)
    cfg_refs = _config_references(_dict(doc.get("configuration"))) if not hcl else {}
    resources: list[Resource] = []
    for r in planned:
        address = r.get("address")
        rtype = r.get("type")
        if not isinstance(address, str) or not isinstance(rtype, str):
            result.errors.append(ParseError(file, 1, 1, "planned resource without 'address' or 'type'"))
            continue
        if address in seen:
            continue
        seen.add(address)
        values = r.get("values") if isinstance(r.get("values"), dict) else {}
        rc = changes.get(address) or {}
        change: dict[str, Any] = rc["change"] if isinstance(rc.get("change"), dict) else {}
        attrs = _merge_unknown(values, change.get("after_unknown"), address, ())
        mode = r.get("mode", "managed")
        meta: dict[str, Any] = {"provider_name": r.get("provider_name", "")}
        if "index" in r:
            meta["index"] = r["index"]
        if change.get("actions"):
            meta["actions"] = change["actions"]
        if r.get("sensitive_values"):
            meta["sensitive_values"] = r["sensitive_values"]
        line, col, end_col = lines.get(address, (1, 1, 1))
        res = Resource(
            id=address,
            platform="terraform",
            type=f"data.{rtype}" if mode == "data" else rtype,
            name=str(r.get("name", "")),
            attributes=attrs,
            span=Span(file, line, col, line, end_col),
            source_format="terraform_plan",
            module=_module_of(address),
            meta=meta,
        )
        src = hcl.get(address) or hcl_base.get(_strip_index(address))
        if src is not None:
            res.span = src.span
            res.attribute_spans = dict(src.attribute_spans)
            res.references = list(src.references)
            res.meta["plan_file"] = file
        resources.append(res)
    # references from the configuration section when there is no HCL to evaluate
    if cfg_refs:
        by_base: dict[str, list[str]] = {}
        for res in resources:
            by_base.setdefault(_strip_index(res.id), []).append(res.id)
        for res in resources:
            for path, ref in cfg_refs.get(_strip_index(res.id), []):
                target_base = _ref_target(ref, res.module, by_base)
                if target_base is None:
                    continue
                for t in by_base[target_base]:
                    if t != res.id:
                        res.references.append(Reference(path, t, ref))
    result.resources.extend(_providers(doc, file))
    result.resources.extend(resources)
    return result


def _ref_target(ref: str, module: str, by_base: dict[str, list[str]]) -> str | None:
    """``aws_s3_bucket.b.id`` (inside ``module``) -> the base address of a planned resource."""
    parts = ref.split(".")
    candidates = []
    if parts[0] == "data" and len(parts) >= 3:
        candidates.append(".".join(_strip_index(p) for p in parts[:3]))
    elif len(parts) >= 2:
        candidates.append(_strip_index(parts[0]) + "." + _strip_index(parts[1]))
    for c in candidates:
        full = f"{module}.{c}" if module else c
        if full in by_base:
            return full
    return None


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A plan file unit (``policyguard.formats``)."""
    return parse_plan_file(unit.path)
