"""Fuzz every parser and the Terraform evaluator under a time and memory budget (issue 11).

Hypothesis builds hostile-but-small inputs from a grammar per format: Terraform (expressions
from the function table, nested ``for``, templates, count/for_each, module calls, templatefile),
CloudFormation (intrinsics, conditions, nested ``Fn::ForEach``, aliases), Kubernetes YAML
(anchors, aliases, merge keys, tags, multi-documents) and plan JSON. Each example is parsed for
real in a forked worker under RLIMIT_AS and a per-unit deadline; it must finish within
``EXAMPLE_SECONDS``, never exhaust the memory limit, never kill the worker, and end in
resources and/or located errors, never an internal error.

``POLICYGUARD_FUZZ_EXAMPLES`` raises the number of examples per parser (nightly runs).
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from policyguard.parsers.terraform.functions import FUNCTIONS  # noqa: E402

EXAMPLES = int(os.environ.get("POLICYGUARD_FUZZ_EXAMPLES", "12"))
EXAMPLE_SECONDS = 10.0  # wall clock per example (the unit deadline below is 4 s)
MEMORY = 1536 * 1024 * 1024  # the worker's address-space limit
RSS_BOUND_MB = 1024  # what one example may add to the worker's resident set
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- the worker
def _init() -> None:
    """The parse's budget on top of what the fork already maps: a test process that has loaded
    OPA's Go runtime or regorus programs maps more than 1.5 GiB of address space before parsing
    anything, and a fixed cap then fails C allocations (tree-sitter) instead of bounding the parse."""
    from policyguard import procs

    mapped = procs.address_space_used() or 0
    limit = max(MEMORY, mapped + MEMORY // 2)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _peak_start() -> int | None:
    """Reset this process's peak resident set to its current size and return that size (kB).

    ``ru_maxrss`` cannot measure one example: it never goes down, so the worker's peak over every
    earlier example counts, and a forked worker starts with its parent's resident set (a test
    process several hundred MiB large after the rest of the suite). Linux resets ``VmHWM`` on
    a write of 5 to ``clear_refs``; where it cannot, None (the address-space limit still holds)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except (OSError, LookupError, ValueError):
        return None


def _peak_growth_mb(start_kb: int | None) -> int:
    return 0 if start_kb is None else max(0, _status_kb("VmHWM") - start_kb) // 1024


def _parse(fmt: str, files: dict[str, str], entry: str) -> dict[str, Any]:
    """In the worker: write ``files``, parse the unit at ``entry`` as ``fmt``, report the outcome."""
    from policyguard.discover import Unit
    from policyguard.limits import UnitLimits
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import parse_unit

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start_kb = _peak_start()
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        path = root / entry
        unit_files = sorted(path.glob("*.tf")) if fmt == "terraform" else [path]
        opts = ScanOptions(read=ReadOptions(paths=[str(root)]), evaluation=EvalOptions(evaluate=False, unit_limits=UnitLimits(timeout=4.0)))
        result = parse_unit(Unit(fmt, path, unit_files), opts.read, opts.evaluation.unit_limits)
        json.dumps([r.to_dict() for r in result.resources])  # the report can be written
        return {
            "resources": len(result.resources),
            "errors": [(e.file.replace(tmp, "<tmp>"), e.line, e.kind.value, e.message[:300]) for e in result.errors],
            "rss_mb": _peak_growth_mb(start_kb),
        }


@pytest.fixture(scope="module")
def worker() -> Any:
    import multiprocessing

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_init)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def _check(pool: ProcessPoolExecutor, fmt: str, files: dict[str, str], entry: str) -> None:
    future = pool.submit(_parse, fmt, files, entry)
    try:
        out = future.result(timeout=EXAMPLE_SECONDS)
    except FutureTimeout:
        for p in list(getattr(pool, "_processes", {}).values()):
            p.kill()
        pytest.fail(f"{fmt} input took longer than {EXAMPLE_SECONDS} s:\n{json.dumps(files, indent=1)[:3000]}")
    for file, line, _kind, message in out["errors"]:
        assert "internal" not in message and "Traceback" not in message, (message, files)
        assert "ran out of memory" not in message, (message, files)
        assert file and line >= 1, (file, line, message, files)  # located
    assert out["rss_mb"] < RSS_BOUND_MB, (out, files)


# --------------------------------------------------------------------------- Terraform
NAMES = ["local.a", "local.b", "var.v", "each.key", "each.value", "count.index", "path.module", "x", "k",
         "aws_s3_bucket.r", "aws_s3_bucket.r[0].bucket", "module.m", "module.m[0].out", "data.aws_caller_identity.c.id"]
ATOMS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(['"a"', '"%0999999999d"', '"%[1]s%[1]s%[1]s"', '"x,y"', '""', "true", "null", '"${local.a}"',
                     '"10.0.0.0/8"', '"W10="', '"a: &a [*a]"', '"[[[[1]]]]"', "1000000000", "1e308", "-1", '"%{ for i in range(3) }${i}%{ endfor }"',
                     '"t.tpl"', '"${path.module}/t.tpl"']),
    st.sampled_from(NAMES),
)
FUNCS = sorted(FUNCTIONS) + ["try", "can", "templatestring", "file", "templatefile", "fileset", "fileexists", "range", "range"]


def _extend(c: Any) -> Any:
    return st.one_of(
        st.lists(c, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from("abc"), c), max_size=3).map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
        st.tuples(c, c).map(lambda t: f"[for x in {t[0]}: {t[1]}]"),
        st.tuples(c, c, c).map(lambda t: f"{{for k, x in {t[0]}: tostring(k) => {t[1]}... if {t[2]}}}"),
        st.tuples(st.sampled_from(FUNCS), st.lists(c, max_size=3), st.booleans()).map(
            lambda t: f"{t[0]}({', '.join(t[1])}{'...' if t[2] and t[1] else ''})"),
        st.tuples(c, c, c).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(c, st.sampled_from(["+", "*", "==", "&&", "%", "<"]), c).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        c.map(lambda x: f'"${{{x}}}-${{{x}}}"'),
        c.map(lambda x: f"{x}[0]"),
        c.map(lambda x: f"{x}[*].a"),
    )


EXPR = st.recursive(ATOMS, _extend, max_leaves=10)


@st.composite
def terraform(draw: Any) -> dict[str, str]:
    e = lambda: draw(EXPR)  # noqa: E731
    count = f"\n  count = {e()}" if draw(st.booleans()) else ""
    main = (f"locals {{\n  a = {e()}\n  b = {e()}\n}}\n"
            f'variable "v" {{\n  default = {e()}\n}}\n'
            f'resource "aws_s3_bucket" "r" {{{count}\n  bucket = {e()}\n  tags = {{ t = {e()} }}\n'
            f'  dynamic "rule" {{\n    for_each = {e()}\n    content {{ id = rule.value }}\n  }}\n}}\n'
            f'resource "aws_s3_bucket" "f" {{\n  for_each = {e()}\n  bucket = each.key\n}}\n'
            f'module "m" {{\n  source = "./m"\n  count = {e()}\n  v = {e()}\n}}\n'
            'output "o" { value = local.a }\n')
    if draw(st.booleans()):  # broken syntax: the parser's errors must be located too
        cut = draw(st.integers(0, len(main) - 1))
        main = main[:cut] + draw(st.sampled_from(["", "{", "}", '"', "${", "[for", "<<EOT\n"])) + main[cut + draw(st.integers(0, 20)):]
    child = (f'variable "v" {{}}\nresource "aws_s3_bucket" "mb" {{\n  count = {e()}\n  bucket = var.v\n}}\n'
             f'output "out" {{ value = {e()} }}\n')
    if draw(st.booleans()):
        child += 'module "again" {\n  source = "../m"\n  count = 3\n}\n'  # a module that calls itself
    tpl = draw(st.sampled_from(['${templatefile("t.tpl", {})}', '${try(templatefile("t.tpl", {}), "")}${try(templatefile("t.tpl", {}), "")}',
                                "%{ for i in range(1000) }${i}%{ endfor }", "${a}", "plain"]))
    return {"root/main.tf": main, "root/m/main.tf": child, "root/t.tpl": tpl}


@FUZZ
@given(files=terraform())
def test_terraform_parser_and_evaluator(worker: Any, files: dict[str, str]) -> None:
    _check(worker, "terraform", files, "root")


# --------------------------------------------------------------------------- CloudFormation
CFN_ATOMS = st.one_of(
    st.sampled_from(["x", "a,b", "", "${AWS::Region}", "${P}", "${B0.Arn}", "10.0.0.0/16", "0", "-1"]),
    st.integers(-5, 300),
    st.booleans(),
    st.sampled_from(["P", "L", "AWS::Region", "AWS::NoValue", "B0", "Nope"]).map(lambda n: {"Ref": n}),
)


def _cfn_extend(c: Any) -> Any:
    return st.one_of(
        st.lists(c, max_size=4),
        st.dictionaries(st.sampled_from(["A", "B", "Key", "Value"]), c, max_size=3),
        st.tuples(st.sampled_from(["", ",", "x"]), st.lists(c, max_size=4)).map(lambda t: {"Fn::Join": list(t)}),
        st.tuples(st.sampled_from(["${V}${V}", "${P}-${AWS::Region}", "${!Literal}"]), c).map(lambda t: {"Fn::Sub": [t[0], {"V": t[1]}]}),
        st.tuples(st.sampled_from([",", "", "x"]), c).map(lambda t: {"Fn::Split": list(t)}),
        st.tuples(c, c).map(lambda t: {"Fn::Select": list(t)}),
        st.tuples(st.sampled_from(["C1", "C2", "Loop"]), c, c).map(lambda t: {"Fn::If": list(t)}),
        c.map(lambda x: {"Fn::Length": x}),
        st.tuples(c, c).map(lambda t: {"Fn::FindInMap": ["M", t[0], t[1]]}),
        c.map(lambda x: {"Fn::Base64": x}),
        st.tuples(c, c, c).map(lambda t: {"Fn::Cidr": list(t)}),
        c.map(lambda x: {"Fn::ToJsonString": x}),
        st.tuples(c, c).map(lambda t: {"Fn::Equals": list(t)}),
        c.map(lambda x: {"Fn::GetAtt": ["B0", x]}),
    )


INTRINSIC = st.recursive(CFN_ATOMS, _cfn_extend, max_leaves=10)


@st.composite
def cloudformation(draw: Any) -> tuple[dict[str, str], str]:
    coll = draw(st.one_of(st.lists(st.sampled_from(["a", "b", "c-1", "${X}"]), max_size=6), st.just({"Ref": "L"}), INTRINSIC))
    body = {"R${X}": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": draw(INTRINSIC)}}}
    if draw(st.booleans()):
        body = {"Fn::ForEach::In": ["Y", draw(st.lists(st.sampled_from(["p", "q", "r"]), max_size=4)), body]}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::LanguageExtensions",
        "Parameters": {"P": {"Type": "String", "Default": "x"}, "L": {"Type": "CommaDelimitedList", "Default": "a,b,c"}},
        "Mappings": {"M": {"x": {"a": 1}, "y": {"a": draw(INTRINSIC)}}},
        "Conditions": {"C1": {"Fn::Equals": [{"Ref": "P"}, draw(INTRINSIC)]}, "C2": {"Fn::Not": [{"Condition": "C1"}]},
                       "Loop": {"Fn::Not": [{"Condition": "Loop"}]}},
        "Resources": {
            "B0": {"Type": "AWS::S3::Bucket", "Properties": {"A": draw(INTRINSIC), "B": draw(INTRINSIC)}, "Condition": "C2"},
            "Fn::ForEach::Out": ["X", coll, body],
        },
    }
    text = json.dumps(template, indent=1)
    if draw(st.booleans()):  # as YAML with an anchor shared by aliases (JSON is YAML)
        props = json.dumps(template["Resources"]["B0"]["Properties"])
        text = text.replace('"Resources": {', '"Resources": {"Shared": {"Type": "AWS::SQS::Queue", "Properties": &p ' + props + "},\n"
                            '"Uses": {"Type": "AWS::SQS::Queue", "Properties": {"A": [*p, *p, *p], "B": {"Fn::Join": ["", [*p, *p]]}}},', 1)
        return {"t.yaml": text}, "t.yaml"
    return {"t.json": text}, "t.json"


@FUZZ
@given(case=cloudformation())
def test_cloudformation_intrinsics(worker: Any, case: tuple[dict[str, str], str]) -> None:
    files, entry = case
    _check(worker, "cloudformation", files, entry)


# --------------------------------------------------------------------------- Kubernetes YAML
YAML_SCALARS = st.sampled_from(["x", '"quoted"', "~", "null", ".inf", "0x1F", "1e400", "9" * 5000, "!!str 3", "!!int '3'",
                                "!!binary aGk=", "!!timestamp 2001-12-14", "!Custom tag", "yes", "2001-12-14t21:59:43.10-05:00",
                                "*l", "*l", "'it''s'", "|\n  block\n", "[]", "{}"])


def _yaml_extend(c: Any) -> Any:
    return st.one_of(
        st.lists(c, max_size=4).map(lambda xs: "[" + ", ".join(x for x in xs if "\n" not in x) + "]"),
        st.lists(st.tuples(st.sampled_from(["a", "b", "<<", "name", "image", "? complex"]), c), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv if "\n" not in v) + "}"),
    )


YAML_VALUE = st.recursive(YAML_SCALARS, _yaml_extend, max_leaves=12)


@st.composite
def kubernetes(draw: Any) -> dict[str, str]:
    docs = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Pod", "Deployment", "ConfigMap", "List", "Role", "CronJob"]))
        api = draw(st.sampled_from(["v1", "apps/v1", "rbac.authorization.k8s.io/v1", ""]))
        name = draw(st.sampled_from(["n", "*l", '""', "!!binary aGk="]))
        docs.append(f"apiVersion: {api}\n"
                    f"kind: {kind}\n"
                    f"metadata: {{name: {name}, labels: &l {{app: x}}}}\n"
                    f"spec: {draw(YAML_VALUE)}\n"
                    f"data: {{<<: *l, k: {draw(YAML_VALUE)}}}\n")
    sep = draw(st.sampled_from(["---\n", "...\n---\n", "--- !!map\n"]))
    text = draw(st.sampled_from(["", "%YAML 1.2\n---\n"])) + sep.join(docs)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text) - 1))
        text = text[:cut] + draw(st.sampled_from(["", ":", "&", "*", "!", "\t", "{", "- "])) + text[cut + draw(st.integers(0, 10)):]
    return {"k.yaml": text}


@FUZZ
@given(files=kubernetes())
def test_kubernetes_yaml(worker: Any, files: dict[str, str]) -> None:
    _check(worker, "document", files, "k.yaml")
    _check(worker, "kubernetes", files, "k.yaml")


# --------------------------------------------------------------------------- plan JSON
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["address", "type", "name", "values", "mode", "index", "after",
                                                                         "change", "actions", "module_address", "child_modules", "x"]), c, max_size=4),
    max_leaves=25,
)


@st.composite
def plan(draw: Any) -> dict[str, str]:
    resources = draw(st.lists(st.fixed_dictionaries({"address": st.sampled_from(["aws_s3_bucket.b", "module.m.x.y", "", "a[0]"]),
                                                     "type": st.sampled_from(["aws_s3_bucket", "", "x"]), "mode": st.sampled_from(["managed", "data", 1]),
                                                     "name": st.text(max_size=5), "values": JSON}), max_size=4))
    doc = {"format_version": draw(st.sampled_from(["1.2", "0.1", "9"])), "terraform_version": "1.9.0",
           "planned_values": {"root_module": {"resources": resources, "child_modules": draw(st.lists(JSON, max_size=2))}},
           "resource_changes": draw(st.lists(JSON, max_size=3)), "configuration": draw(JSON)}
    text = json.dumps(doc)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    if draw(st.booleans()):
        text = text.replace("{", "[" * 300 + "{", 1)
    return {"plan.json": text}


@FUZZ
@given(files=plan())
def test_plan_json(worker: Any, files: dict[str, str]) -> None:
    _check(worker, "terraform_plan", files, "plan.json")


def test_the_worker_survived(worker: Any) -> None:
    """No example killed the worker (a dead worker fails every later example with BrokenProcessPool)."""
    assert worker.submit(int, "7").result(timeout=30) == 7


def _grow(mb: int) -> tuple[int, int]:
    """In the worker: one example's measure around touching ``mb`` MiB, then one around nothing."""
    start = _peak_start()
    block = bytearray(mb * 1024 * 1024)
    block[::4096] = b"\1" * len(block[::4096])
    grown = _peak_growth_mb(start)
    del block
    return grown, _peak_growth_mb(_peak_start())


def test_the_memory_measure_is_per_example(worker: Any) -> None:
    """The bound above measures what one example adds: it sees a 300 MiB block, and the next
    example does not inherit that peak (nor the parent's resident set)."""
    if _peak_start() is None:
        pytest.skip("this kernel cannot reset the peak resident set")
    grown, after = worker.submit(_grow, 300).result(timeout=60)
    assert grown >= 290, grown
    assert after < 50, after
