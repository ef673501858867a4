"""The scan flow of issue 16: units handed out largest first, outcomes in unit order whatever
order they complete in, resources cut to their gate views where they were judged, and compact
JSON/SARIF by default (``--pretty`` indents)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import runner as _runner

from policyguard import scan as scan_mod
from policyguard.commands import main
from policyguard.discover import Unit
from policyguard.model import Reference, Resource, Span, get_path, parse_path
from policyguard.options import EvalOptions, ReadOptions, RuleOptions

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
# suppressions of every kind (inline comments, Kubernetes annotations, CloudFormation Metadata),
# parse errors, modules, plans: what the gate reads of resources
GATE_INPUTS = [REPO / "fixtures", DATA / "gate", DATA / "kubernetes", DATA / "cloudformation", DATA / "terraform"]


def _scan_json(*args: str) -> tuple[int, str]:
    got = _runner().invoke(main, ["scan", "-f", "json", "--profile", "strict", *args], catch_exceptions=False)
    return got.exit_code, got.stdout


def _resource() -> Resource:
    attrs = {
        "metadata": {"name": "web", "annotations": {"policyguard.dev/ignore": "PG-X reason=test"}},
        "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "securityContext": {"privileged": True}}],
                 "volumes": [{"name": "v", "hostPath": {"path": "/"}}]},
        "big": {"unrelated": list(range(1000))},
    }
    spans = {
        "metadata": Span("pod.yaml", 2, 1, 4, 1),
        'metadata.annotations["policyguard.dev/ignore"]': Span("pod.yaml", 4, 5, 4, 40),
        "spec.containers[1].securityContext.privileged": Span("pod.yaml", 12, 9, 12, 25),
        "spec.containers[1]": Span("pod.yaml", 10, 7, 13, 1),
        "spec.volumes[0]": Span("patch.yaml", 3, 3, 5, 1),
        "spec.volumes[0].hostPath": Span("patch.yaml", 4, 5, 5, 1),
        "big.unrelated": Span("pod.yaml", 20, 1, 30, 1),
    }
    return Resource("v1/Pod/web", "kubernetes", "Pod", "web", attrs, Span("pod.yaml", 1, 1, 40, 1),
                    source_format="kubernetes", attribute_spans=spans,
                    references=[Reference("spec", "v1/ServiceAccount/web", "web")])


def test_gate_view_keeps_what_the_gate_reads_and_nothing_else() -> None:
    full = _resource()
    paths = {"spec.containers[1].securityContext.privileged", "spec.missing.deeper"}
    view = scan_mod.gate_view(full, paths)
    for p in paths:  # fingerprints hash the value at each finding's path: the same value
        assert get_path(view.attributes, parse_path(p)) == get_path(full.attributes, parse_path(p))
        assert view.span_for(p) == full.span_for(p)  # a finding is pointed at the same attribute
    assert len(view.attributes["spec"]["containers"]) == 2  # an index means the same element
    assert view.attributes["spec"]["containers"][0] is None
    assert "big" not in view.attributes and "volumes" not in view.attributes["spec"]
    assert view.attributes["metadata"] == full.attributes["metadata"]  # annotation suppressions
    anno = 'metadata.annotations["policyguard.dev/ignore"]'
    assert view.span_for(anno) == full.span_for(anno)
    assert {s.file for s in view.attribute_spans.values()} == {"pod.yaml", "patch.yaml"}  # the files it reaches
    assert "big.unrelated" not in view.attribute_spans
    assert view.references == [] and view.referenced_by == []
    assert (view.id, view.span, view.platform, view.type) == (full.id, full.span, full.platform, full.type)
    assert full.attributes["big"]["unrelated"][999] == 999 and full.references  # the original is untouched


def test_gate_view_keeps_cloudformation_metadata_only() -> None:
    r = Resource("B", "cloudformation", "AWS::S3::Bucket", "B", {"BucketName": "x", "Tags": [{"Key": "a"}]},
                 Span("t.yaml", 3, 3, 9, 1), meta={"Metadata": {"policyguard": {"ignore": ["PG-X"]}}, "DependsOn": ["C"]})
    view = scan_mod.gate_view(r, set())
    assert view.attributes == {} and view.meta == {"Metadata": {"policyguard": {"ignore": ["PG-X"]}}}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_gate_views_give_the_same_report_as_full_resources(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    """The whole JSON report (fingerprints, spans, suppressions, stale and invalid directives,
    verdict) is the same whether the gate reads gate views or the full resources. Workers (-j 2)
    send views; a unit judged in the scanning process (-j 1) goes to the gate whole."""
    args = ["-j", jobs, *map(str, GATE_INPUTS)]
    code_views, views = _scan_json(*args)
    calls: list[int] = []

    def whole(resource: Resource, paths: set[str]) -> Resource:
        calls.append(1)
        return resource

    monkeypatch.setattr(scan_mod, "gate_view", whole)
    code_full, full = _scan_json(*args)
    if jobs == "1":
        assert not calls, "a unit judged in the scanning process is not cut: it is dropped after the gate"
    assert code_views == code_full
    doc = json.loads(views)
    assert doc == json.loads(full)
    assert any(f["status"] == "suppressed" for f in doc["findings"])
    assert doc["suppression_notices"]


def test_parse_only_keeps_full_resources() -> None:
    got = _runner().invoke(main, ["scan", "--parse-only", str(DATA / "kubernetes" / "workloads.yaml")],
                           catch_exceptions=False)
    doc = json.loads(got.stdout)
    assert any(r["references"] or r["attributes"].get("spec") for r in doc["resources"])


def _units(tmp_path: Path, sizes: list[int]) -> list[Unit]:
    units = []
    for i, n in enumerate(sizes):
        f = tmp_path / f"cm{i}.yaml"
        pad = "x" * n
        f.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  pad: \"{pad}\"\n")
        units.append(Unit("document", f, [f]))
    return units


def test_units_start_largest_first_and_come_back_in_unit_order(tmp_path: Path) -> None:
    units = _units(tmp_path, [10, 5000, 100, 20000, 1, 100])
    # the largest first; equal estimates in discovery order
    assert scan_mod.schedule(units) == [3, 1, 2, 5, 0, 4]
    seen: list[str] = []
    scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=2, evaluate=False))
    outcomes = scanner.scan_units(units, ReadOptions(), lambda done, total, unit: seen.append(unit))
    assert sorted(seen) == sorted(str(u.path) for u in units)
    assert [p.resources[0].name for p, _ in outcomes] == [f"cm{i}" for i in range(6)]


def test_stream_unit_cost_is_its_text(tmp_path: Path) -> None:
    from policyguard.discover import stdin_unit

    assert scan_mod.unit_cost(stdin_unit("a: 1\n", "stdin")) == 5
    assert scan_mod.unit_cost(Unit("document", tmp_path / "gone.yaml", [tmp_path / "gone.yaml"])) == 0


def test_json_and_sarif_compact_by_default_pretty_on_request(tmp_path: Path) -> None:
    target = str(REPO / "fixtures" / "kubernetes")
    for fmt in ("json", "sarif"):
        outs = {}
        for flag in ((), ("--pretty",)):
            out = tmp_path / f"r{len(flag)}.{fmt}"
            got = _runner().invoke(main, ["scan", "-f", fmt, "-o", str(out), *flag, target], catch_exceptions=False)
            assert got.exit_code in (0, 1), got.stderr
            outs[bool(flag)] = out.read_text()
        compact, pretty = outs[False], outs[True]
        assert compact.count("\n") == 1 and compact.endswith("\n") and ", " not in compact.split('"$schema"')[0]
        assert pretty.count("\n") > 10 and len(compact) < len(pretty)
        assert json.loads(compact) == json.loads(pretty)


def _sample_report(tmp_path: Path) -> Any:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("gate_support", DATA / "gate" / "support.py")
    assert spec and spec.loader
    sup = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gate_support", sup)
    spec.loader.exec_module(sup)
    return sup.sample_report(tmp_path)


class _Watched(list):  # type: ignore[type-arg]
    """A findings list that records how much of the report was written as each finding is read."""

    def __init__(self, items: list[Any], out: io.StringIO) -> None:
        super().__init__(items)
        self.out = out
        self.written_at: list[int] = []

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            self.written_at.append(len(self.out.getvalue()))
            yield item


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("pretty", [False, True])
def test_reports_are_written_as_findings_are_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     fmt: str, pretty: bool) -> None:
    from policyguard.report import jsontext, render, write

    report = _sample_report(tmp_path)
    report.pretty = pretty
    report.findings = report.findings * 6  # more findings than one batch
    whole = render(fmt, report)
    monkeypatch.setattr(jsontext, "BATCH", 2)
    out = io.StringIO()
    report.findings = _Watched(list(report.findings), out)
    write(fmt, report, out)
    assert out.getvalue() == whole  # the same text, batch size aside
    produced = report.findings.written_at[-len(report.findings):]  # the pass that encodes the rows
    assert produced[-1] > produced[0], "findings were written while later ones were still unread"
    if pretty and fmt == "sarif":
        assert whole == json.dumps(json.loads(whole), indent=2) + "\n"
    elif not pretty:
        assert whole == json.dumps(json.loads(whole), separators=(",", ":")) + "\n"


@pytest.mark.parametrize("pretty", [False, True])
def test_jsontext_write_is_json_dumps_with_rows_inlined(pretty: bool) -> None:
    from policyguard.report import jsontext

    def doc(rows: bool) -> dict[str, Any]:
        items: list[Any] = [{"x": [1, {"y": "é\u2028"}], "n": None}, [], "s", 1.5]

        def wrap(v: list[Any], layout: str = "indent") -> Any:
            return jsontext.Rows(iter(v), layout) if rows else v

        return {"a": {"b": wrap(items)}, "empty": wrap([]), "runs": [{"results": wrap(items), "z": [1]}]}

    out = io.StringIO()
    jsontext.write(doc(True), out, pretty=pretty)
    expect = json.dumps(doc(False), indent=2) if pretty else json.dumps(doc(False), separators=(",", ":"))
    assert out.getvalue() == expect + "\n"


def test_rule_page_resolved_once_per_rule_not_per_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolving whether a rule is built in (its file's real path) was most of the main
    process's time writing a large report: once per finding."""
    from policyguard.gate import report as report_mod
    from policyguard.report import render

    report = _sample_report(tmp_path)
    report.findings = report.findings * 50
    calls: list[str] = []
    real = report_mod.is_builtin

    def counted(meta: Any) -> bool:
        calls.append(meta.id)
        return real(meta)

    monkeypatch.setattr(report_mod, "is_builtin", counted)
    render("json", report)
    render("sarif", report)
    assert len(calls) == len(set(calls)) <= len(report.rules)


def test_jsontext_dumps_lays_rows_one_per_line() -> None:
    from policyguard.report import jsontext

    doc = {"a": 1, "findings": [{"x": 1}, {"y": [2, "é"]}], "none": []}
    text = jsontext.dumps(doc, rows=("findings", "none"))
    assert text.splitlines()[2:6] == ['  "findings": [', '    {"x": 1},', '    {"y": [2, "\\u00e9"]}', "  ],"]
    assert json.loads(text) == doc
    assert jsontext.dumps(doc, rows=("findings",), pretty=False) == json.dumps(doc, separators=(",", ":")) + "\n"


def _tf_tree(tmp_path: Path, calls: dict[str, list[str]]) -> list[Unit]:
    """A Terraform unit per directory, each calling the local modules listed for it."""
    units = []
    for d, sources in calls.items():
        path = tmp_path / d
        path.mkdir(parents=True, exist_ok=True)
        body = "".join(f'module "m{k}" {{\n  source = "{src}"\n}}\n' for k, src in enumerate(sources))
        (path / "main.tf").write_text(body + 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
        units.append(Unit("terraform", path, [path / "main.tf"]))
    return units


def test_units_calling_the_same_local_module_are_one_task(tmp_path: Path) -> None:
    """Terraform units that share a module directory (called by both, or one calling the other)
    go to one worker as one task, so the module is parsed once; the rest are tasks alone, and
    every unit is in exactly one task."""
    units = _tf_tree(tmp_path, {
        "repo": [],                                   # 0: a root module its examples call
        "repo/examples/a": ["../.."],                 # 1
        "repo/examples/b": ["../../"],                # 2
        "live/prod": ["../../shared/vpc"],            # 3: calls a directory that is no unit
        "live/dev": ["../../shared/vpc//sub"],        # 4: the same module (a subdirectory form)
        "other": ["./local", "git::https://x/y.git"],  # 5: alone (its module is no unit, nobody shares it)
    })
    cm = tmp_path / "cm.yaml"
    cm.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    units.append(Unit("document", cm, [cm]))  # 6
    costs = [100] * (len(units) - 1) + [10**5]  # a task may hold 1/16 of the scan's bytes (2 workers)
    tasks = scan_mod.affinity_tasks(units, costs, 2)
    assert tasks == [[0, 1, 2], [3, 4], [5], [6]]
    assert sorted(i for t in tasks for i in t) == list(range(len(units)))
    # a group larger than its share of the scan is cut in path order (the pool keeps work to balance)
    small = scan_mod.affinity_tasks(units, [10**6] * len(units), 2)
    assert sorted(map(len, small)) == [1] * len(units)
    assert scan_mod.affinity_tasks(units, [100, 100, 100, 10**6, 100, 100, 10**6], 2)[0] == [0, 1, 2]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_module_file_swapped_for_a_fifo_does_not_block_the_grouping(tmp_path: Path) -> None:
    # discovery keeps FIFOs out of units; one swapped in since must not hang the scanning process
    import os

    units = _tf_tree(tmp_path, {"repo": [], "repo/examples/a": ["../.."]})
    fifo = tmp_path / "repo" / "examples" / "a" / "main.tf"
    fifo.unlink()
    os.mkfifo(fifo)
    assert scan_mod.affinity_tasks(units, [100, 100], 2) == [[0], [1]]


def test_a_task_of_several_units_delivers_each_in_unit_order(tmp_path: Path) -> None:
    units = _tf_tree(tmp_path, {"repo": [], "repo/examples/a": ["../.."], "repo/examples/b": ["../.."], "solo": []})
    seen: list[str] = []
    scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=2, evaluate=False))
    outcomes = scanner.scan_units(units, ReadOptions(), lambda done, total, unit: seen.append(unit))
    assert sorted(seen) == sorted(str(u.path) for u in units)
    assert [next(r.span.file for r in p.resources if r.id == "aws_sqs_queue.q") for p, _ in outcomes] \
        == [str(u.files[0]) for u in units]


def test_rounds_cut_the_schedule_by_bytes() -> None:
    assert list(scan_mod.rounds([3, 1, 2, 0], [10, 50, 30, 200], 80)) == [[3], [1, 2], [0]]
    assert list(scan_mod.rounds([], [], 10)) == []
    assert list(scan_mod.rounds([0, 1], [1, 1], 10)) == [[0, 1]]


def test_a_large_scan_is_judged_by_rounds_of_fresh_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``RECYCLE_BYTES`` a worker judges no more: the next units go to a fresh pool. Every
    unit's outcome arrives once, in unit order, and more workers than ``--jobs`` were used."""
    import os

    units = _units(tmp_path, [3000, 2500, 2000, 1500, 1000, 500, 400, 300])
    monkeypatch.setattr(scan_mod, "RECYCLE_BYTES", 2000)  # 2 workers: 4000 bytes a round
    pids: set[int] = set()
    real = scan_mod._scan_unit

    def judged_by(unit: Unit, read: ReadOptions, scanner: scan_mod.Scanner, full: bool = True) -> tuple:  # type: ignore[type-arg]
        parsed, findings = real(unit, read, scanner, full)
        parsed.resources[0].meta["pid"] = os.getpid()
        return parsed, findings

    monkeypatch.setattr(scan_mod, "_scan_unit", judged_by)
    scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=2, evaluate=False))
    outcomes = scanner.scan_units(units, ReadOptions())
    assert [p.resources[0].name for p, _ in outcomes] == [f"cm{i}" for i in range(8)]
    pids = {p.resources[0].meta["pid"] for p, _ in outcomes}
    assert len(pids) > 2 and os.getpid() not in pids


def test_a_slow_gate_holds_the_workers_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks are handed out at most ``WINDOW`` per worker ahead of the gate: when the gate (here
    a slow ``deliver``) cannot keep up, the workers wait instead of their outcomes piling up in
    the scanning process, whatever the number of units."""
    import concurrent.futures
    import time

    units = _units(tmp_path, [10] * 40)
    submitted: list[int] = []
    real_submit = concurrent.futures.ProcessPoolExecutor.submit

    def counting(self: Any, *a: Any, **k: Any) -> Any:
        submitted.append(1)
        return real_submit(self, *a, **k)

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "submit", counting)
    ahead: list[int] = []
    delivered: list[int] = []

    def slow(i: int, outcome: Any) -> None:
        ahead.append(len(submitted) - len(delivered))
        delivered.append(i)
        time.sleep(0.01)

    scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=2, evaluate=False))
    scanner.scan_units(units, ReadOptions(), deliver=slow)
    assert sorted(delivered) == list(range(40))
    assert max(ahead) <= 2 * scan_mod.WINDOW


def test_default_jobs_fork_workers_only_when_they_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the default --jobs a few small files are judged in the scanning process (forking
    workers would cost more than it saves), a large input goes to workers, more cores lower the
    bar, and an explicit -j 2 always forks."""
    for name in ("small", "big", "medium"):
        (tmp_path / name).mkdir()
    small = _units(tmp_path / "small", [100, 200, 300])
    big = _units(tmp_path / "big", [3 * 2**20, 2**20])
    assert not scan_mod.pool_pays(small, 2) and not scan_mod.pool_pays(small, 64)
    assert scan_mod.pool_pays(big, 2)
    medium = _units(tmp_path / "medium", [2**20, 2**20])  # ~1.6 s of YAML: worth 8 workers, not 2
    assert not scan_mod.pool_pays(medium, 2) and scan_mod.pool_pays(medium, 8)
    assert not scan_mod.pool_pays(big, 1)

    pools: list[int] = []
    real = scan_mod._scan_in_pool
    monkeypatch.setattr(scan_mod, "_scan_in_pool", lambda *a, **k: pools.append(a[2]) or real(*a, **k))
    monkeypatch.setattr(scan_mod.os, "cpu_count", lambda: 2)
    for jobs, want in ((0, []), (2, [2])):
        pools.clear()
        scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=jobs, evaluate=False))
        got = scanner.scan_units(small, ReadOptions(paths=(str(tmp_path),)))
        assert pools == want and len(got) == len(small)


@pytest.mark.parametrize("frozen_before", [False, True])
def test_a_scan_sets_the_collector_aside_and_puts_it_back(tmp_path: Path, frozen_before: bool) -> None:
    """While units are judged, what the process held at the start (the rule pack) is frozen out
    of the collector's sight and the youngest generation is collected less often; afterwards
    both are as they were, and a process that had frozen objects itself keeps them frozen."""
    import gc

    units = _units(tmp_path, [10, 20, 30])
    scanner = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=1))
    scanner.scan_units(units[:1], ReadOptions())  # the rule pack and the engine are built
    before_threshold = gc.get_threshold()
    if frozen_before:
        gc.freeze()
    before_frozen = gc.get_freeze_count()
    seen: list[tuple[tuple[int, int, int], int]] = []
    try:
        outcomes = scanner.scan_units(units, ReadOptions(),
                                      lambda done, total, unit: seen.append((gc.get_threshold(), gc.get_freeze_count())))
        assert len(seen) == 3 and all(t[0] >= scan_mod.SCAN_GC_THRESHOLD[0] for t, _ in seen)
        assert all(n >= 1000 for _, n in seen)  # the rule pack among them
        assert gc.get_threshold() == before_threshold
        # (a frozen object that is freed leaves the count: what the process froze may shrink a little)
        after = gc.get_freeze_count()
        assert after > before_frozen * 0.9 if frozen_before else after == 0
        assert all(findings for _, findings in outcomes)  # the rules ran
    finally:
        if frozen_before:
            gc.unfreeze()


def test_small_units_travel_to_the_workers_together(tmp_path: Path) -> None:
    """Units that are tasks of their own and small are handed out in batches (discovery order,
    up to ``BATCH_BYTES`` and an eighth of a worker's share), so the pool's round trip per task
    is not paid per small file; a large unit and a group of units that share a module stay as
    they were, and every unit is in exactly one task."""
    assert scan_mod.BATCH_BYTES == 64 * 1024
    costs = [100, 100, 1_100_000, 100, 30_000, 40_000, 100]  # an eighth of a worker's share: 73,150
    tasks = [[0], [1], [2], [3, 6], [4], [5]]
    got = scan_mod.small_batches(tasks, costs, 2)
    assert got == [[0, 1, 4], [2], [3, 6], [5]]
    assert sorted(i for t in got for i in t) == list(range(len(costs)))
    # a scan too small to fill the workers keeps its units apart (1/8 of a worker's share)
    assert scan_mod.small_batches([[0], [1], [2]], [100, 100, 100], 2) == [[0], [1], [2]]


def test_a_scan_in_batches_gives_the_findings_of_one_process(tmp_path: Path) -> None:
    """The same outcomes, unit by unit and in unit order, with 2 workers and small units
    batched as with one process."""
    units = _units(tmp_path, [10 * i for i in range(40)])
    one = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=1)).scan_units(units, ReadOptions())
    two = scan_mod.Scanner(RuleOptions(), EvalOptions(jobs=2)).scan_units(units, ReadOptions())

    def digest(outcomes: list[Any]) -> list[Any]:
        return [([r.id for r in p.resources], [(f.rule_id, f.resource_id, str(f.status)) for f in fs]) for p, fs in outcomes]

    assert digest(two) == digest(one)
    assert all(fs for _, fs in one)
