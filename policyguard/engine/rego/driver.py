"""The driver every Rego backend evaluates, and what the backends share about it.

The driver is a generated module (``package policyguard.driver``) whose ``batch`` /
``batch_<group>`` rules judge each batch item with the rules that apply to it; ``split_driver``
cuts it into independent parts so the embedded engine loads only what an evaluation needs. The
source scanning helpers (strings and comments blanked, ``data.`` references) serve the embedded
engine's load plan and the compiled VM alike.
"""

from __future__ import annotations

import json
import re

DRIVER_PACKAGE = "policyguard.driver"


DRIVER_QUERY = "data.policyguard.driver.batch"


DRIVER_DATA_PATH = "policyguard/driver/batch"


class BackendError(Exception):
    """The backend could not evaluate the batch (policy error, engine panic, timeout, I/O)."""


PARAM_OUT = "param_out_"  # driver rules that evaluate one parameterised rule under its params


def driver_source(rules: list[tuple[str, str, bool]], groups: dict[str, list[str]] | None = None,
                  with_params: frozenset[str] | set[str] = frozenset()) -> str:
    """The generated driver module. ``rules``: (rule id, package, defines ``unknown``);
    ``groups``: group name -> the rule ids that apply to one resource type; ``with_params``: the
    rule ids that declare parameters. Each of those is evaluated by a driver rule of its own,
    ``param_out_<n>``, which rebinds ``input.params`` to that rule's entry of the batch
    document's ``rule_params`` (``with``), so a rule sees its own parameters and no other's,
    however it reads ``input``; rules without parameters are evaluated exactly as before.

    Two entry points, same results:
    - ``batch_<group>``: every batch item of that group (``{"id", "group"}``) judged by all the
      group's rules; ``input.resource`` is rebound with ``with`` so ``input.resources`` is shared,
      not copied. One definition per group means a resource pays only for its applicable rules.
    - ``batch``: items ``{"id", "rules": {id: true}}`` judged by any subset of rules (used to
      isolate a failing rule x resource pair)."""
    lines = [f"package {DRIVER_PACKAGE}", "", "import rego.v1", ""]
    refs: dict[str, str] = {}
    n_params = 0
    for rid, package, has_unknown in rules:
        ref = "data." + package
        body = f'"fail": {ref}.fail'
        if has_unknown:
            body += f', "unknown": {ref}.unknown'
        refs[rid] = "{" + body + "}"
        if rid in with_params:  # one line each: split_driver and the VM driver read this shape
            name = f"{PARAM_OUT}{n_params}"
            n_params += 1
            lines.append(f"{name} := o if {{ o := {refs[rid]} with input.params as input.rule_params[{json.dumps(rid)}] }}")
            refs[rid] = f"data.{DRIVER_PACKAGE}.{name}"
        lines.append(f"out[{json.dumps(rid)}] := {refs[rid]} if input.rules[{json.dumps(rid)}]")
    lines += [
        "",
        "batch := [r |",
        "\tsome b in input.batch",
        "\tres := input.resources[b.id]",
        "\to := out with input.resource as res with input.rules as b.rules",
        "\tr := {\"id\": b.id, \"out\": o}",
        "]",
        "",
    ]
    for name, ids in sorted((groups or {}).items()):
        members = [f"\t{json.dumps(rid)}: {refs[rid]}," for rid in ids if rid in refs]
        lines += [
            f"group_{name} := {{",
            *members,
            "}",
            "",
            f"batch_{name} := [r |",
            "\tsome b in input.batch",
            f"\tb.group == {json.dumps(name)}",
            "\tres := input.resources[b.id]",
            f"\to := group_{name} with input.resource as res",
            "\tr := {\"id\": b.id, \"out\": o}",
            "]",
            "",
        ]
    return "\n".join(lines)


def group_path(group: str | None) -> str:
    return DRIVER_DATA_PATH if group is None else f"{DRIVER_DATA_PATH}_{group}"


def first_line(exc: BaseException) -> str:
    """regorus errors carry a Rust backtrace: keep the located message only."""
    text = str(exc).strip()
    keep = []
    for ln in text.splitlines():
        if ln.strip().startswith("Stack backtrace"):
            break
        if ln.strip():
            keep.append(ln.strip())
    return " ".join(keep)[:500] or type(exc).__name__


def restore_names(message: str, names: dict[str, str]) -> str:
    """Error messages name the copies OPA loaded (temp files, policy ids): name the rule files."""
    for alias in sorted(names, key=len, reverse=True):
        message = message.replace(alias, names[alias])
    return message


# Rego source with strings and comments blanked: `data` in a message or a comment is no reference
LEXEMES_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')


MODULE_PACKAGE_RE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.M)


DATA_REF_RE = re.compile(r"\bdata((?:\.[A-Za-z_]\w*)+)")


DYNAMIC_DATA_RE = re.compile(r"\bdata\b(?!\.[A-Za-z_])")  # `data[x]`, `import data`, `x := data`


DRIVER_GROUP_RE = re.compile(r"^group_(\w+) := \{\n(.*?)^\}", re.M | re.S)


DRIVER_OUT_RE = re.compile(r'^out\[("(?:[^"\\]|\\.)*")\] := (\{.*\}|data\.policyguard\.driver\.param_out_\d+) if input\.rules', re.M)


# `param_out_<n> := o if { o := {...} with input.params as input.rule_params["<rule id>"] }`
DRIVER_PARAM_RE = re.compile(
    r'^(param_out_\d+) := o if \{ o := (\{.*\}) with input\.params as input\.rule_params\[("(?:[^"\\]|\\.)*")\] \}$', re.M)


def code_only(source: str) -> str:
    return LEXEMES_RE.sub(lambda m: '""' if m.group(0)[0] in "\"`" else "", source)


def overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two data paths overlap when one is a prefix of the other (``data.a.b`` holds ``a.b.c``)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


DRIVER_HEADER = f"package {DRIVER_PACKAGE}\n\nimport rego.v1\n\n"


def split_driver(source: str) -> dict[str, str] | None:
    """The generated driver (``driver_source``) as independent modules of the same package:
    ``core`` (the ``batch`` entry point), ``out:<rule id>`` (one ``out`` entry each) and
    ``group:<name>`` (``group_<name>`` + ``batch_<name>``). Together they define exactly what
    the whole driver does (Rego merges a package's rules across modules). None when the text
    is not in the generated shape."""
    if not source.startswith(DRIVER_HEADER):
        return None
    lines = source[len(DRIVER_HEADER):].split("\n")
    parts: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        p = DRIVER_PARAM_RE.match(line)
        if p:  # referenced as data.policyguard.driver.param_out_<n>: the load plan follows it
            key = "param:" + p.group(1)
            if key in parts:
                return None
            parts[key] = [line]
            i += 1
            continue
        m = DRIVER_OUT_RE.match(line)
        if m:
            key = "out:" + json.loads(m.group(1))
            if key in parts:
                return None
            parts[key] = [line]
            i += 1
            continue
        g = re.match(r"(group|batch)_(\w+) := [\[{]", line)
        if line.startswith("batch := [r |"):
            key, close = "core", "]"
        elif g:
            key, close = f"group:{g.group(2)}", "}" if g.group(1) == "group" else "]"
        else:
            return None
        j = i
        while j < len(lines) and lines[j] != close:
            j += 1
        if j == len(lines):
            return None
        parts.setdefault(key, []).extend([*lines[i:j + 1], ""])
        i = j + 1
    if "core" not in parts:
        return None
    return {k: DRIVER_HEADER + "\n".join(v) + "\n" for k, v in parts.items()}
