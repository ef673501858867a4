"""Bounded everything (issue 11, deliverable 3): no unit of the scanned repository may stall the
gate, exhaust its memory or lose the report.

Each attack here used to run for minutes, take gigabytes, crash the worker pool or pass silently;
now it is a located ``limit-exceeded`` error for its unit (file, line, the expression or block,
the limit), the rest of the scan is judged and the gate exits 2.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from policyguard.limits import DEFAULT_UNIT_LIMITS, UnitBudget, UnitLimits
from policyguard.model import ErrorKind, ParseResult
from policyguard.parsers.cloudformation import parse_file as parse_cfn
from policyguard.parsers.terraform import parse_directory

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("POLICYGUARD_CORPUS", REPO.parent / "shared" / "corpus"))


def _tf(tmp_path: Path, text: str, **extra: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    for name, body in extra.items():
        (tmp_path / name).write_text(body)
    return tmp_path


def _limits(result: ParseResult) -> list[str]:
    return [f"{Path(e.file).name}:{e.line}: {e.message}" for e in result.errors if e.kind is ErrorKind.LIMIT]


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - start


# --------------------------------------------------------------------------- Terraform
def test_thirty_blocks_of_count_10000_stop_at_the_instance_budget(tmp_path: Path) -> None:
    # 2.4 KB of text: 300,000 instances, 300 s and 3.6 GB before
    blocks = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  count = 10000\n  bucket = "b-${{count.index}}"\n}}\n' for i in range(30))
    result, took = _timed(parse_directory, _tf(tmp_path, blocks))
    errors = _limits(result)
    assert len(errors) == 1 and "main.tf:" in errors[0] and "max_instances" in errors[0], errors
    line = int(errors[0].split(":")[1])
    assert blocks.splitlines()[line - 1].strip() == "count = 10000"  # located at the count that passed it
    assert result.resources == []  # a spent unit is not judged in part
    assert took < 10


def test_nested_module_counts_multiply_into_the_instance_budget(tmp_path: Path) -> None:
    # module count 100 -> count 100 -> count 100 -> ...: 4.3 GB then BrokenProcessPool before
    for level in range(1, 6):
        d = tmp_path / f"l{level}"
        d.mkdir()
        (d / "main.tf").write_text(f'module "c" {{\n  source = "../l{level + 1}"\n  count = 100\n}}\n' if level < 5 else
                                   'resource "aws_s3_bucket" "b" { bucket = "x" }\n')
    (tmp_path / "root").mkdir()
    root = _tf(tmp_path / "root", 'module "c" {\n  source = "../l1"\n  count = 100\n}\n')
    result, took = _timed(parse_directory, root)
    errors = _limits(result)
    assert errors and all("max_instances" in e for e in errors), errors
    assert "module.c[" in errors[0]  # names the module instance where the total passed the limit
    assert took < 20


def test_format_width_is_refused_before_it_is_allocated(tmp_path: Path) -> None:
    # format("%0999999999d", 1): 7.7 GB (or a segfault under a memory limit) before
    result, took = _timed(parse_directory, _tf(tmp_path, 'resource "aws_s3_bucket" "b" {\n  bucket = "kept"\n'
                                               '  acl = format("%0999999999d", 1)\n  tags = { p = format("%.999999999f", 1.5) }\n}\n'))
    errors = _limits(result)
    assert len(errors) == 2 and all("max_string" in e for e in errors), errors
    assert {e.split(":")[1] for e in errors} == {"3", "4"}
    (bucket,) = result.resources
    assert bucket.attributes["bucket"] == "kept"  # the rest of the resource is judged
    assert "limit exceeded" in bucket.attributes["acl"]["reason"]
    assert took < 5


def test_nested_for_products_stop(tmp_path: Path) -> None:
    text = ('locals {\n  x = [for a in range(1000): [for b in range(1000): [for c in range(1000): "${a}-${b}-${c}"]]]\n}\n'
            'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = { n = length(local.x) }\n}\n')
    result, took = _timed(parse_directory, _tf(tmp_path, text))
    errors = _limits(result)
    assert errors and errors[0].startswith("main.tf:2:"), errors
    assert took < 30


def test_a_shared_value_counts_everywhere_it_appears(tmp_path: Path) -> None:
    """``l1 = [l0, l0]`` thirty times: a few objects in memory, 2**30 elements to flatten(),
    jsonencode(), ``==``, every rule and every report."""
    lines = ['  l0 = ["x"]'] + [f"  l{i} = [local.l{i - 1}, local.l{i - 1}]" for i in range(1, 31)]
    text = ("locals {\n" + "\n".join(lines) + "\n}\n"
            'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n  tags = { n = local.l30 }\n}\n'
            'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  policy = jsonencode(flatten(local.l30))\n}\n')
    result, took = _timed(parse_directory, _tf(tmp_path, text))
    errors = _limits(result)
    assert errors and all("max_items" in e for e in errors), errors
    assert {r.attributes["bucket"] for r in result.resources} == {"a", "b"}
    assert took < 5


@pytest.mark.parametrize(
    ("expr", "limit"),
    [
        ('join("", [for i in range(100): local.s1])', "max_string"),  # 10 MB by join
        ('replace(local.s0, "x", local.s0)', "max_string"),  # 25 M characters by replace
        ("indent(1000000, local.lines)", "max_string"),
        ('formatlist("%0999999999d", [1, 2])', "max_string"),
        ("setproduct(local.l, local.l)", "max_items"),  # a million pairs
        ("zipmap([for i in range(1000): tostring(i)], [for i in range(1000): local.l])", "max_items"),
        ('"${local.t5}${local.t5}"', "max_string"),  # string doubling through templates
        ('format("%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s", local.s1)', "max_string"),
        ("yamldecode(local.bomb)", "max_alias_nodes"),
        ("jsondecode(jsonencode(local.l))", None),  # within every limit: a value, no error
    ],
)
def test_growth_through_functions_is_a_located_limit_error(tmp_path: Path, expr: str, limit: str | None) -> None:
    bomb = "\\n".join([f'l{i}: &l{i} [{", ".join([f"*l{i - 1}"] * 10)}]' for i in range(1, 8)])
    text = f"""locals {{
  s0 = join("", [for i in range(100): "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
  s1 = join("", [for i in range(20): local.s0])
  lines = join("\\n", [for i in range(100): "a"])
  l = [for i in range(1000): i]
  t0 = local.s1
  t1 = "${{local.t0}}${{local.t0}}"
  t2 = "${{local.t1}}${{local.t1}}"
  t3 = "${{local.t2}}${{local.t2}}"
  t4 = "${{local.t3}}${{local.t3}}"
  t5 = "${{local.t4}}${{local.t4}}"
  bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\\n{bomb}"
}}
resource "aws_s3_bucket" "b" {{
  bucket = "kept"
  policy = {expr}
}}
"""
    result, took = _timed(parse_directory, _tf(tmp_path, text))
    errors = _limits(result)
    if limit is None:
        assert errors == [] and result.resources[0].attributes["policy"] == list(range(1000))
        return
    assert len(errors) == 1 and f"({limit};" in errors[0], errors
    assert errors[0].startswith("main.tf:16:"), errors
    (bucket,) = result.resources  # a per-value limit: the value is unknown, the resource judged
    assert bucket.attributes["bucket"] == "kept"
    assert took < 20


def test_try_and_can_cannot_hide_a_limit(tmp_path: Path) -> None:
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = can(format("%099999999d", 1)) ? "a" : "b"\n  policy = try(format("%099999999d", 1), "fallback")\n}\n'
    errors = _limits(parse_directory(_tf(tmp_path, text)))
    assert [e.split(":")[1] for e in errors] == ["3", "4"], errors


def test_self_calling_templatefile_fan_out_is_bounded(tmp_path: Path) -> None:
    # try() catches the nesting error 200 levels down, so each level calls itself twice again:
    # 2**200 renders before
    tpl = '${try(templatefile("t.tpl", {}), "")}${try(templatefile("t.tpl", {}), "")}'
    result, took = _timed(parse_directory, _tf(tmp_path, 'resource "aws_s3_bucket" "b" {\n  bucket = templatefile("t.tpl", {})\n}\n',
                                               **{"t.tpl": tpl}))
    errors = _limits(result)
    assert len(errors) == 1 and "(max_steps;" in errors[0] and "t.tpl" in errors[0], errors
    assert took < 30


def test_the_unit_deadline_stops_evaluation(tmp_path: Path) -> None:
    from policyguard.discover import Unit
    from policyguard.options import ReadOptions
    from policyguard.scan import parse_unit

    tpl = '${try(templatefile("t.tpl", {}), "")}${try(templatefile("t.tpl", {}), "")}'
    d = _tf(tmp_path, 'resource "aws_s3_bucket" "b" {\n  bucket = templatefile("t.tpl", {})\n}\n', **{"t.tpl": tpl})
    limits = UnitLimits(timeout=0.5, max_steps=10**12)
    result, took = _timed(parse_unit, Unit("terraform", d, [d / "main.tf"]), ReadOptions(paths=[str(d)]), limits)
    errors = _limits(result)
    assert len(errors) == 1 and "0.5 s deadline" in errors[0], errors
    assert took < 5


def test_the_deadline_alarm_stops_code_that_spends_no_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser loop outside the evaluator (no budget checks) is stopped by the wall-clock alarm."""

    def spin(*args: object, **kwargs: object) -> ParseResult:
        try:
            while True:
                pass
        except Exception:  # a broad handler swallows the first alarm: the next one comes a second later
            pass
        while True:
            pass

    _assert_the_alarm_stops(spin, tmp_path, monkeypatch)


def _assert_the_alarm_stops(parse: Callable[..., ParseResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``parse`` in place of the parsers, under a 0.3 s unit deadline: the unit ends in a limit error, soon."""
    from policyguard import parsers
    from policyguard.discover import Unit
    from policyguard.options import ReadOptions
    from policyguard.scan import parse_unit

    monkeypatch.setattr(parsers, "parse_unit", parse)
    d = _tf(tmp_path, "")
    result, took = _timed(parse_unit, Unit("terraform", d, [d / "main.tf"]), ReadOptions(paths=[str(d)]), UnitLimits(timeout=0.3))
    assert [e.file for e in result.errors if e.kind is ErrorKind.LIMIT] == [str(d)]
    assert took < 5


def test_a_deadline_that_lands_in_a_finaliser_prints_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The alarm fires while a ``__del__`` runs: Python cannot raise it there and would print
    "Exception ignored in ..." with a traceback. Nothing is printed, and the next alarm stops the unit."""
    import sys
    import time

    reported: list[BaseException | None] = []  # what Python's default hook would have printed
    monkeypatch.setattr(sys, "unraisablehook", lambda report: reported.append(report.exc_value))

    class SlowToDie:
        def __del__(self) -> None:
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                pass

    def parse(*args: object, **kwargs: object) -> ParseResult:
        SlowToDie()  # dropped at once: its finaliser spins past the 0.3 s deadline
        while True:
            pass

    _assert_the_alarm_stops(parse, tmp_path, monkeypatch)
    assert reported == []


def test_budget_defaults_sit_far_above_the_corpus() -> None:
    # the largest corpus unit: 19,970 steps, 240 instances (README "Unit limits")
    assert DEFAULT_UNIT_LIMITS.max_steps >= 50 * 19_970
    assert DEFAULT_UNIT_LIMITS.max_instances >= 50 * 240
    b = UnitBudget(replace(DEFAULT_UNIT_LIMITS, max_items=10))
    shared = ["a"] * 3
    assert b.measure([shared, shared], "x") == 9  # a shared part counts where it appears
    with pytest.raises(Exception, match="max_items|elements"):
        b.measure([shared] * 4, "x")


# --------------------------------------------------------------------------- CloudFormation
def _cfn(tmp_path: Path, resources: dict[str, object], name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::LanguageExtensions",
                                "Resources": resources}, indent=1))
    return path


def test_nested_foreach_product_stops_before_it_is_built(tmp_path: Path) -> None:
    items = [f"i{i}" for i in range(300)]
    inner = {"Q${X}${Y}": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b-${X}-${Y}"}}}
    path = _cfn(tmp_path, {"Fn::ForEach::A": ["X", items, {"Fn::ForEach::B": ["Y", items, inner]}],
                           "Ok": {"Type": "AWS::S3::Bucket"}})
    result, took = _timed(parse_cfn, path)  # 90,001 resources, 6.3 s and 141 MB before
    errors = _limits(result)
    assert len(errors) == 1 and "300 x 300" in errors[0] and "t.json:" in errors[0], errors
    assert result.resources == []
    assert took < 5


def test_foreach_of_foreach_within_the_budget_expands(tmp_path: Path) -> None:
    items = [f"i{i}" for i in range(20)]
    inner = {"Q${X}${Y}": {"Type": "AWS::S3::Bucket"}}
    result = parse_cfn(_cfn(tmp_path, {"Fn::ForEach::A": ["X", items, {"Fn::ForEach::B": ["Y", items, inner]}]}))
    assert len(result.resources) == 400 and not result.errors


def test_join_sub_and_split_over_aliased_values_are_bounded(tmp_path: Path) -> None:
    # 5,000 aliases of a 1 MB string joined: 48 s, 14.6 GB and a segfault before
    big = "x" * 1_000_000
    text = (f"AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P:\n    Type: String\n    Default: &s {big}\n"
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
            f"      BucketName: !Join ['', [{', '.join(['*s'] * 5000)}]]\n"
            f"      Tags:\n        - Key: a\n          Value: !Sub ['{'${V}' * 10000}', {{V: !Ref P}}]\n"
            "        - Key: b\n          Value: !Select [0, !Split [x, !Ref P]]\n"
            "  C:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: ok\n")
    path = tmp_path / "t.yaml"
    path.write_text(text)
    result, took = _timed(parse_cfn, path)
    errors = _limits(result)
    assert [e.split(":")[1] for e in errors] == ["10", "13", "15"], errors
    assert {r.id for r in result.resources} == {"B", "C"}
    assert took < 10


def test_long_unknown_expressions_are_cut(tmp_path: Path) -> None:
    path = _cfn(tmp_path, {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Join": ["", [{"Ref": "AWS::Region"}] + ["x" * 100] * 1000]}}}})
    (b,) = parse_cfn(path).resources
    assert len(b.attributes["BucketName"]["__unknown__"]) <= 240


# --------------------------------------------------------------------------- worker death
def _units(tmp_path: Path, names: list[str]) -> Path:
    for name in names:
        d = tmp_path / name
        d.mkdir()
        (d / "main.tf").write_text(f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{name}"\n}}\n')
    return tmp_path


@pytest.mark.parametrize("how", ["exit", "segv", "memory"])
def test_a_worker_that_dies_is_an_error_for_its_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A unit that kills its worker (os._exit, SIGSEGV, a MemoryError) becomes an error naming it;
    every other unit is judged. Before: BrokenProcessPool and no report."""
    from policyguard import parsers
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    real = parsers.parse_unit

    def crashing(unit, **kwargs):  # type: ignore[no-untyped-def]
        if unit.path.name == "boom":
            if how == "exit":
                os._exit(3)
            if how == "segv":
                os.kill(os.getpid(), signal.SIGSEGV)
            raise MemoryError
        return real(unit, **kwargs)

    monkeypatch.setattr(parsers, "parse_unit", crashing)
    root = _units(tmp_path, ["a", "b", "boom", "c", "d", "e"])
    result = scan(ScanOptions(read=ReadOptions(paths=[str(root)]), evaluation=EvalOptions(jobs=2, evaluate=False)))
    assert sorted(r.name for r in result.resources) == ["a", "b", "c", "d", "e"]
    (err,) = result.errors
    assert err.file == str(root / "boom") and err.kind is ErrorKind.LIMIT
    assert ("memory" if how == "memory" else "worker process") in err.message


def test_a_pool_that_cannot_start_is_an_error_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard import scan as scan_module
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    monkeypatch.setattr(scan_module, "_forked_worker_init", lambda *a: os._exit(5))
    root = _units(tmp_path, ["a", "b", "c"])
    result, took = _timed(scan, ScanOptions(read=ReadOptions(paths=[str(root)]), evaluation=EvalOptions(jobs=2, evaluate=False)))
    assert sorted(e.file for e in result.errors) == [str(root / n) for n in "abc"]
    assert took < 60


@pytest.mark.parametrize("exc", [MemoryError, RecursionError])
def test_single_process_unit_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: type[BaseException]) -> None:
    from policyguard import parsers
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    real = parsers.parse_unit

    def failing(unit, **kwargs):  # type: ignore[no-untyped-def]
        if unit.path.name == "boom":
            raise exc
        return real(unit, **kwargs)

    monkeypatch.setattr(parsers, "parse_unit", failing)
    root = _units(tmp_path, ["a", "boom"])
    result = scan(ScanOptions(read=ReadOptions(paths=[str(root)]), evaluation=EvalOptions(jobs=1, evaluate=False)))
    assert [r.name for r in result.resources] == ["a"]
    assert [(e.file, e.kind) for e in result.errors] == [(str(root / "boom"), ErrorKind.LIMIT)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_real_memory_blow_up_under_the_worker_limit_still_writes_the_report(tmp_path: Path, jobs: str) -> None:
    """With the size limits raised out of the way, ``format("%0999999999d")`` really allocates a
    gigabyte: under the workers' --unit-memory (jobs 2) or a process limit (jobs 1) it is an error
    for that unit, the other unit is parsed and the report is written (exit 2)."""
    root = _units(tmp_path, ["a"])
    (root / "boom").mkdir()
    (root / "boom" / "main.tf").write_text('resource "aws_s3_bucket" "boom" {\n  bucket = format("%0999999999d", 1)\n}\n')
    code = ("import dataclasses, sys, resource\n"
            "import policyguard.limits as l\n"
            "l.DEFAULT_UNIT_LIMITS = dataclasses.replace(l.DEFAULT_UNIT_LIMITS, max_string=10**12, max_produced=10**13)\n"
            "if sys.argv[1] == '1':\n"
            "    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, resource.RLIM_INFINITY))\n"
            "from policyguard.commands import main\n"
            "sys.argv = ['policyguard', 'scan', sys.argv[2], '-j', sys.argv[1], '--unit-memory', '1024', '--parse-only']\n"
            "main()\n")
    proc = subprocess.run([sys.executable, "-c", code, jobs, str(root)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)  # --parse-only: the resource model and the errors
    assert [e["file"] for e in doc["errors"]] == [str(root / "boom")], doc["errors"]
    assert [r["name"] for r in doc["resources"]] == ["a"]
    assert "memory" in doc["errors"][0]["message"] or "worker process" in doc["errors"][0]["message"]


# --------------------------------------------------------------------------- the corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set POLICYGUARD_CORPUS)")
def test_the_defaults_do_not_bite_real_code() -> None:
    """Every unit of the corpus parses and evaluates without a limit error."""
    from policyguard.discover import discover
    from policyguard.options import ReadOptions
    from policyguard.roots import repository_roots
    from policyguard.scan import parse_unit

    read = ReadOptions(paths=[str(CORPUS)], read_roots=tuple(str(r) for r in repository_roots([str(CORPUS)])))
    found = discover([CORPUS], excludes=[])
    limited = [e for u in found.units for e in parse_unit(u, read).errors if e.kind is ErrorKind.LIMIT and "limit" in e.message.lower()
               and ("(max_" in e.message or "(timeout;" in e.message)]
    assert len(found.units) > 1000
    assert limited == []
