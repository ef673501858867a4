"""Render one ``model.Fix`` for one resource onto the text of the file that declares it."""

from __future__ import annotations

from typing import Any

from policyguard.fix.common import FixError
from policyguard.model import Fix, FixOp, Resource


def fix_format(resource: Resource) -> str:
    """``hcl``, ``yaml`` or ``json`` (the input format's editor for the file, ``policyguard.formats``);
    FixError for sources that cannot be edited."""
    from policyguard.formats import FORMATS

    name = resource.source_format or resource.platform
    fmt = FORMATS.get(name)
    file = resource.span.file.lower()
    editor = fmt.editor(file) if fmt is not None else ""
    if editor:
        return editor
    why = (fmt.why_not_editable(file) if fmt else "") or f"no editor for {name!r} sources"
    raise FixError(why + (f" (construct {resource.construct_path})" if resource.construct_path else ""))


def logical_id(resource: Resource) -> str:
    meta_id = resource.meta.get("logical_id") if isinstance(resource.meta, dict) else None
    return str(meta_id or resource.name or resource.id)


def apply_fix_text(text: str, resource: Resource, fix: Fix, attrs: dict[str, Any] | None = None) -> str:
    """``text`` with every op of ``fix`` applied to ``resource``'s declaration.

    ``attrs`` (default: the resource's evaluated attributes) decides which ops are already
    satisfied: those produce no edit, which makes a second application a no-op."""
    attrs = resource.attributes if attrs is None else attrs
    fmt = fix_format(resource)
    ops = [FixOp(o.op, resource.real_path(o.path), o.value) for o in fix.ops]
    if fmt == "hcl":
        from policyguard.fix.hcl import HclEditor

        if resource.type.startswith(("data.", "provider.")) or resource.type == "module":
            raise FixError(f"{resource.type} blocks are not fixable")
        hed = HclEditor(text)
        for op in ops:
            hed.text = hed.apply(resource.type, resource.name, op, attrs, resource.span.start_line)
        return hed.text
    from policyguard.fix.yaml_edit import Root, cloudformation_root

    root: Root
    if resource.platform == "cloudformation":
        root = cloudformation_root(logical_id(resource))
    elif fmt == "json":
        from policyguard.fix.json_edit import kubernetes_json_root

        root = kubernetes_json_root(text, resource.span.start_line)
    else:
        from policyguard.fix.yaml_edit import kubernetes_root

        root = kubernetes_root(text, resource.span.start_line)
    if fmt == "json":
        from policyguard.fix.json_edit import JsonEditor

        jed = JsonEditor(text)
        for op in ops:
            jed.text = jed.apply(root, op, attrs)
        return jed.text
    from policyguard.fix.yaml_edit import YamlEditor

    yed = YamlEditor(text)
    for op in ops:
        yed.text = yed.apply(root, op, attrs)
    return yed.text


def pin_fix(fix: Fix, resource: Resource) -> Fix:
    """``fix`` with each ``remove`` pinned to the value it removes (see ``expected_here``), so
    that rendering it again after it was applied is a no-op even for list indices."""
    from policyguard.fix.common import EXPECT_KEY, split_path
    from policyguard.model import get_path

    ops = []
    for o in fix.ops:
        if o.op == "remove" and o.value is None:
            try:
                current = get_path(resource.attributes, split_path(resource.real_path(o.path)))
            except FixError:
                current = None
            if current is not None:
                o = FixOp("remove", o.path, {EXPECT_KEY: current})
        ops.append(o)
    return Fix(fix.description, tuple(ops), fix.safety)
