"""The gate unit by unit (``gate.evaluate.GateRun``) and its spool (``gate.spool``): the same
report as judging the whole scan at once, whatever order the units arrive in and whether the
findings stay in memory or go to disk."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyguard.gate.spool as spool_mod
from policyguard.commands import main
from policyguard.gate.baseline import Baseline
from policyguard.gate.baseline import load as load_baseline
from policyguard.gate.config import Config
from policyguard.gate.evaluate import GateRun, evaluate_gate
from policyguard.gate.spool import FindingSpool
from policyguard.gate.verdict import GateSettings, Tally, compute_verdict
from policyguard.model import CallSite, Finding, Resource, RuleMeta, Severity, Span, Status
from policyguard.report import json_report
from policyguard.scan import ScanResult

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
# a base two overlays render
# policyguard:ignore PG-T-001 reason="reviewed"
# policyguard:ignore PG-T-003 reason="never needed"
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
"""


def _rules() -> dict[str, RuleMeta]:
    return {rid: RuleMeta(id=rid, title=rid, severity=Severity.HIGH) for rid in ("PG-T-001", "PG-T-002", "PG-T-003")}


def _unit(base: Path, overlay: Path) -> tuple[list[Resource], list[Finding]]:
    """One overlay's render of the base, unpatched: the resource and its attribute are in the
    base file, so every overlay's findings are numbered in one scope (the base file)."""
    span = Span(str(base), 4, 1, 9, 20)
    res = Resource(id="Pod/default/web", platform="kubernetes", type="Pod", name="web",
                   attributes={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                               "spec": {"hostNetwork": True}},
                   span=span, attribute_spans={"spec.hostNetwork": Span(str(base), 9, 3, 9, 20)})

    def finding(rule: str, status: Status) -> Finding:
        return Finding(rule, status, Severity.HIGH, res.id, "Pod", "kubernetes", span, f"{rule} says so",
                       "spec.hostNetwork")

    return [res], [finding("PG-T-001", Status.FAIL), finding("PG-T-002", Status.FAIL),
                   finding("PG-T-002", Status.FAIL), finding("PG-T-003", Status.PASS)]


def _tree(tmp_path: Path) -> tuple[Path, list[Path]]:
    base = tmp_path / "base" / "pod.yaml"
    base.parent.mkdir(exist_ok=True)
    base.write_text(BASE)
    overlays = []
    for name in ("dev", "prod", "stage"):
        o = tmp_path / name / "patch.yaml"
        o.parent.mkdir(exist_ok=True)
        o.write_text("spec:\n  template:\n    hostNetwork: true\n")
        overlays.append(o)
    return base, overlays


def _result(tmp_path: Path, files: list[str]) -> ScanResult:
    return ScanResult(rules=_rules(), files=files)


def _render(report: object) -> str:
    out = io.StringIO()
    json_report.write(report, out)  # type: ignore[arg-type]
    doc = json.loads(out.getvalue())
    doc.pop("tool", None)
    return json.dumps(doc, sort_keys=True)


def _whole(tmp_path: Path, baseline: Baseline | None = None) -> str:
    """The reference: every unit's resources and findings in one result, judged at once."""
    base, overlays = _tree(tmp_path)
    result = _result(tmp_path, [str(base), *map(str, overlays)])
    for o in overlays:
        res, fs = _unit(base, o)
        result.resources += res
        result.findings += fs
    bl_path = None
    if baseline is not None:
        bl_path = tmp_path / "baseline.json"
        bl_path.write_text(json.dumps({"policyguard_baseline": 1, "findings": [
            {"fingerprint": fp} for fp in baseline.entries]}))
    report = evaluate_gate(result, Config(), GateSettings(), root=str(tmp_path),
                           baseline_path=str(bl_path) if bl_path else None, paths=[str(tmp_path)])
    return _render(report)


def _streamed(tmp_path: Path, order: list[int], keep: int, baseline: Baseline | None = None, rows: bool = False) -> str:
    base, overlays = _tree(tmp_path)
    result = _result(tmp_path, [str(base), *map(str, overlays)])
    if baseline is not None:
        path = tmp_path / "baseline.json"
        path.write_text(json.dumps({"policyguard_baseline": 1, "findings": [{"fingerprint": fp} for fp in baseline.entries]}))
        baseline = load_baseline(str(path), str(tmp_path))
    render = None
    if rows:  # each unit rendered to JSON rows as it is judged; renumbered units rendered again
        from functools import partial

        from policyguard.gate.report import DEFAULT_DOCS_URL

        s = GateSettings()
        render = partial(json_report.row_renderer, root=str(tmp_path), docs_url=DEFAULT_DOCS_URL, fail_on=s.fail_on,
                         unknown_as=s.unknown_as, soft_fail_on=s.soft_fail_on)
    run = GateRun(Config(), GateSettings(), root=str(tmp_path), baseline=baseline, paths=[str(tmp_path)], keep=keep,
                  render=render)
    run.begin(result)
    for i in order:
        res, fs = _unit(base, overlays[i])
        run.unit(i, res, fs)
    report = run.finish(result)
    assert (report.rows is not None) == rows
    return _render(report)


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("order", [[2, 1, 0], [1, 2, 0], [0, 1, 2]])
@pytest.mark.parametrize("keep", [0, 3, 1000])
def test_units_sharing_a_file_give_one_report_whatever_their_order(tmp_path: Path, order: list[int], keep: int,
                                                                   rows: bool) -> None:
    reference = _whole(tmp_path)
    doc = json.loads(reference)
    fps = [f["fingerprint"] for f in doc["findings"]]
    assert len(set(fps)) == len(fps), "repeated fingerprints are numbered over the scan"
    assert any(fp.endswith(":5") for fp in fps)  # PG-T-002 twice in each of three overlays
    stale = [n for n in doc["suppression_notices"] if n["kind"] == "stale"]
    assert [n["rule_id"] for n in stale] == ["PG-T-003"], "one directive, stale once, used in no unit"
    assert all(f["status"] == "suppressed" for f in doc["findings"] if f["rule_id"] == "PG-T-001")
    assert _streamed(tmp_path, order, keep, rows=rows) == reference


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1]])
@pytest.mark.parametrize("which", [1, 2])
def test_baseline_matches_the_fingerprints_numbered_over_the_scan(tmp_path: Path, order: list[int], which: int,
                                                                  rows: bool) -> None:
    """``which`` 1: dev's second ``:1``, which every unit numbers so on its own (three matches
    taken back to one); 2: prod's first ``:2``, which no unit numbers so on its own."""
    reference = json.loads(_whole(tmp_path))
    second = [f["fingerprint"] for f in reference["findings"] if f["rule_id"] == "PG-T-002"][which]
    assert second.endswith(f":{which}")
    bl = Baseline("baseline.json", {second: {"fingerprint": second}})
    expected = _whole(tmp_path, bl)
    doc = json.loads(expected)
    assert doc["baseline"]["matched"] == 1 and doc["baseline"]["absent"] == []
    assert [f["fingerprint"] for f in doc["findings"] if f["status"] == "suppressed" and f["rule_id"] == "PG-T-002"] \
        == [second]
    assert _streamed(tmp_path, order, 0, bl, rows=rows) == expected


def test_spool_reads_units_in_order_from_memory_and_disk() -> None:
    span = Span("f.tf", 1, 1, 1, 2)

    def fs(unit: int, n: int) -> list[Finding]:
        return [Finding(f"R-{unit}-{k}", Status.PASS, Severity.LOW, "r", "t", "terraform", span) for k in range(n)]

    spool = FindingSpool(keep=5)
    spool.add(2, fs(2, 3))
    spool.add(0, fs(0, 2))
    assert not spool.on_disk and spool.as_list() is not None
    spool.add(1, fs(1, 4))  # past the bound: every unit held goes to disk
    assert spool.on_disk and spool.as_list() is None
    spool.add(3, fs(3, 1))
    ids = [f.rule_id for f in spool]
    assert ids == [f"R-{u}-{k}" for u, n in ((0, 2), (1, 4), (2, 3), (3, 1)) for k in range(n)]
    assert len(spool) == 10 and [f.rule_id for f in spool] == ids  # read again: the same
    seg = spool.segment(1)
    seg[0].status = Status.FAIL
    assert next(iter(spool.segment(1))).status == Status.PASS  # a copy, until put back
    spool.put(1, seg)
    assert spool.segment(1)[0].status == Status.FAIL
    with pytest.raises(ValueError):
        spool.add(0, [])
    spool.close()


def test_packed_findings_keep_every_field() -> None:
    # the spool's disk form and a worker's findings on their way to the scanning process
    from policyguard.model import CallSite, Fix, FixOp, Suppression, TextEdit, pack_findings, unpack_findings

    f = Finding("R", Status.SUPPRESSED, Severity.CRITICAL, "module.a.x", "t", "terraform", Span("a.tf", 1, 2, 3, 4),
                "m", "a.b[0]", ("var.x",), suppression=Suppression(source="inline", reason="r"),
                fingerprint="ab:1", call_chain=(CallSite("module.a", "main.tf", 3, 1),), origin="chart")
    g = Finding("S", Status.FAIL, Severity.LOW, "b", "t", "kubernetes", Span("b.yaml", 5, 1, 9, 2), "n",
                fix=Fix("set it", (FixOp("set", "spec.x", True),)), edits=(TextEdit("b.yaml", 5, 1, 5, 1, "y"),),
                construct_path="Stack/B", legacy_fingerprint="old")
    back = unpack_findings(pack_findings([f, g, f]))
    assert back == [f, g, f]
    assert [type(x.status) for x in back] == [Status] * 3 and [type(x.severity) for x in back] == [Severity] * 3


@pytest.mark.parametrize("soft_fail_on", [(), ("PG-T-002",), ("medium",)])
def test_tally_is_compute_verdict(soft_fail_on: tuple[str, ...]) -> None:
    span = Span("f", 1, 1, 1, 1)
    findings = [Finding(f"PG-T-00{i % 3}", status, sev, "r", "t", "terraform", span)
                for i, (status, sev) in enumerate((s, v) for s in Status for v in Severity)]
    settings = GateSettings(unknown_as="fail", soft_fail_on=soft_fail_on)
    tally = Tally(settings)
    for f in findings:
        tally.add(f)
    v = compute_verdict(findings, [], [], settings)
    assert (tally.failing, tally.soft_failed) == (v.failing, v.soft_failed)
    assert sum(tally.statuses.values()) == len(findings)


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("extra", [[], ["--severity", "high,critical"]])
def test_scan_through_the_spool_writes_the_same_reports(fmt: str, extra: list[str], monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """The CLI's scan with every unit's findings on disk (the bound at 0) against the bound never
    reached: byte for byte the same report and exit code, with and without a display filter."""
    args = ["scan", "-j", "2", "-f", fmt, "--compact", *extra, str(ROOT / "fixtures")]
    outs = []
    for keep in (10**9, 0):
        monkeypatch.setattr(spool_mod, "KEEP", keep)
        out = tmp_path / f"{keep}.{fmt}"
        res = CliRunner().invoke(main, [*args, "-o", str(out)])
        outs.append((res.exit_code, out.read_text()))
    assert outs[0][1] and outs[0] == outs[1]


@pytest.mark.parametrize("keep", [0, 10**9])
@pytest.mark.parametrize("extra", [[], ["--fail-on", "low", "--soft-fail-on", "PG-K8S-*", "--unknown-as", "fail"],
                                   ["-f", "text", "-o", "{tmp}/r.txt"]])
def test_json_rows_rendered_per_unit_are_the_report_written_at_the_end(keep: int, extra: list[str], tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Compact JSON rows rendered as each unit is judged against the rows the reporter writes
    from the findings at the end: byte for byte, in memory and on disk, with the gate settings
    the rows depend on, and beside another report."""
    import policyguard.commands.scan as scan_cmd

    monkeypatch.setattr(spool_mod, "KEEP", keep)
    extra = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    rendered = []
    real = json_report.row_renderer

    def spy(*a: object, **k: object) -> object:
        render, key = real(*a, **k)  # type: ignore[arg-type]
        return (lambda fs: rendered.append(len(fs)) or render(fs)), key

    monkeypatch.setattr(json_report, "row_renderer", spy)
    outs = []
    for rows in (True, False):
        if not rows:
            monkeypatch.setattr(scan_cmd, "json_rows", lambda *a: None)
        out = tmp_path / f"{rows}.json"
        res = CliRunner().invoke(main, ["scan", "-j", "2", "-f", "json", "-o", str(out), *extra, str(ROOT / "fixtures")])
        outs.append((res.exit_code, out.read_text()))
        assert bool(rendered) == rows and (not rows or sum(rendered) >= outs[0][1].count('"rule_id"') - 1)
        rendered.clear()
    assert outs[0][1] and outs[0] == outs[1]


TF = """\
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:access logs go elsewhere
  # policyguard:ignore PG-AWS-S3-999 reason="a rule that does not exist"
  bucket = "logs"
}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    checkov.io/skip1: CKV_K8S_20=reviewed
spec:
  containers:
    - name: web
      image: nginx:1.27
"""


@pytest.mark.parametrize("keep", [0, 10**9])
def test_streamed_scan_reports_what_the_whole_result_reports(keep: int, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    """The streamed gate (JSON alone) against the gate on the whole result (JSON with SARIF,
    whose fixes need it): the same JSON, other tools' suppressions and stale ones included."""
    repo = tmp_path / "repo"
    (repo / "tf").mkdir(parents=True)
    (repo / "tf" / "main.tf").write_text(TF)
    (repo / "k8s").mkdir()
    (repo / "k8s" / "pod.yaml").write_text(POD)
    (repo / ".trivyignore").write_text("AVD-AWS-0086\n")
    monkeypatch.setattr(spool_mod, "KEEP", keep)
    outs = []
    for extra in ([], ["-f", "sarif", "-o", str(tmp_path / "r.sarif")]):
        out = tmp_path / "r.json"
        res = CliRunner().invoke(main, ["scan", "-j", "2", "-f", "json", "-o", str(out), *extra, str(repo)])
        doc = json.loads(out.read_text())
        edits = [f.pop("edits") for f in doc["findings"] if "edits" in f]  # SARIF's fixes, in every report
        assert bool(edits) == bool(extra)
        outs.append((res.exit_code, doc))
    assert outs[0] == outs[1]
    notices = outs[0][1]["suppression_notices"]
    assert {n["subject"] for n in notices} >= {"foreign-suppressions", "suppression"}


def test_spool_that_cannot_read_back_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    span = Span("f", 1, 1, 1, 1)
    spool = FindingSpool(keep=1)
    spool.add(0, [Finding("R", Status.PASS, Severity.LOW, "r", "t", "terraform", span)] * 2)
    assert spool.on_disk

    def broken(*_: object) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(spool._file, "read", broken)
    with pytest.raises(spool_mod.SpoolError, match="cannot read back the scan's findings kept on disk.*Input/output"):
        list(spool)
    spool.close()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_whose_spool_cannot_be_written_fails_with_a_clear_error(jobs: str, tmp_path: Path) -> None:
    # a temporary directory without room (here: a file size limit): exit 2, the reason in one
    # line, no report and no traceback, every child reaped
    import resource
    import subprocess
    import sys

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # Python ignores SIGXFSZ: writes fail

    script = ("import sys, policyguard.gate.spool as s; s.KEEP = 5; from policyguard.commands import main; "
              "sys.argv[0] = 'policyguard'; main()")
    out = subprocess.run([sys.executable, "-c", script, "scan", "-j", jobs, "-f", "json",
                          str(ROOT / "fixtures")],
                         capture_output=True, text=True, timeout=300, preexec_fn=small_files,
                         env={**__import__("os").environ, "TMPDIR": str(tmp_path)})
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert "cannot write the scan's findings kept on disk" in out.stderr and str(tmp_path) in out.stderr
    assert out.stdout == ""


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


_SITES = st.lists(st.builds(
    CallSite, _TEXT, st.sampled_from(["main.tf", "m\u00f6d/main.tf", "/elsewhere/m.tf"]), st.integers(0, 10**6),
    st.integers(0, 10**6), _TEXT, st.sampled_from(["", "1.2.0"]), st.booleans()), max_size=2).map(tuple)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(findings=st.lists(st.builds(
    lambda rule, status, sev, rid, rtype, platform, file, lines, message, path, unknowns, fp, sites, construct, origin: Finding(
        rule_id=rule, status=status, severity=sev, resource_id=rid, resource_type=rtype, platform=platform,
        span=Span(file, *lines), message=message, path=path, unknowns=tuple(unknowns), fingerprint=fp,
        call_chain=sites, construct_path=construct, origin=origin),
    st.sampled_from(["PG-AWS-S3-001", "PG-K8S-001", "CKV_X\u00e9", 'r"q']), st.sampled_from(list(Status)),
    st.sampled_from(list(Severity)), _TEXT, _TEXT, st.sampled_from(["terraform", "kubernetes", "cloudformation"]),
    st.sampled_from(["a.tf", "d\u00e9j\u00e0/b.yaml", 'q"x.json', "/elsewhere/c.tf"]),
    st.tuples(*[st.integers(0, 10**6)] * 4), _TEXT, _TEXT, st.lists(_TEXT, max_size=3),
    st.sampled_from(["", "0123abcd", "0123abcd:2"]), _SITES, st.sampled_from(["", "App/Bucket"]),
    st.sampled_from(["", "chart web-1.2.0, values.yaml"])), max_size=8))
def test_rows_written_from_parts_equal_the_encoded_findings(tmp_path: Path, findings: list[Finding]) -> None:
    """The renderer's fast path (a finding without fix, suppression or edits, module calls,
    construct paths and origins included) gives the same text as encoding the finding's full
    row, for any strings."""
    from policyguard.gate.report import DEFAULT_DOCS_URL, Report, Verdict
    from policyguard.report.json_report import _encoded, row_renderer
    from policyguard.report.jsontext import compact_encoder

    rules = {"PG-AWS-S3-001": RuleMeta(id="PG-AWS-S3-001", title="t", severity=Severity.HIGH, source=str(ROOT / "rules" / "x.rego"))}
    for soft in ((), ("PG-K8S-001",)):
        render, _ = row_renderer(rules, root=str(tmp_path), docs_url=DEFAULT_DOCS_URL, fail_on=Severity.MEDIUM,
                                 unknown_as="fail", soft_fail_on=soft)
        ctx = Report(findings=[], rules=rules, errors=[], root=str(tmp_path), docs_url=DEFAULT_DOCS_URL,
                     verdict=Verdict(0, Severity.MEDIUM, False, "fail", "", soft_fail_on=soft))
        encode = compact_encoder()
        assert render(findings) == [encode(_encoded(ctx, f)) for f in findings]


HOST_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_suppressions_are_read_from_the_bytes_the_parser_judged(jobs: str, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """A file rewritten after its parse (here: given a suppression comment) cannot change the
    gate's verdict on the text that was judged: its comments are read from the parse's bytes,
    not from the file again."""
    import policyguard.scan as scan_mod

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")
    pod = repo / "pod.yaml"
    pod.write_text(HOST_POD)
    real = scan_mod.parse_unit

    def parse_then_swap(unit: object, *a: object, **k: object) -> object:
        out = real(unit, *a, **k)  # type: ignore[arg-type]
        if getattr(unit, "path", None) == pod and pod.read_text() == HOST_POD:
            pod.write_text("# policyguard:ignore PG-K8S-POD-001 reason=\"swapped in after the parse\"\n" + HOST_POD)
        return out

    monkeypatch.setattr(scan_mod, "parse_unit", parse_then_swap)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["scan", "-j", jobs, "-f", "json", "-o", str(out), "--rule", "PG-K8S-POD-001", str(repo)])
    assert pod.read_text() != HOST_POD  # the swap happened
    report = json.loads(out.read_text())
    statuses = [f["status"] for f in report["findings"] if f["rule_id"] == "PG-K8S-POD-001"]
    assert statuses == ["fail"], (res.output, report["findings"])
    assert res.exit_code == 1


def test_the_gate_reads_no_file_the_parse_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every file the gate needs (suppression comments, other tools' suppressions) comes from the
    parse's bytes, including files a parser answered from its cache (a Terraform module two
    units call, parsed once)."""
    import policyguard.fsread as fsread

    repo = tmp_path / "repo"
    for unit in ("a", "b"):
        (repo / unit).mkdir(parents=True)
        (repo / unit / "main.tf").write_text(f'module "shared" {{\n  source = "../modules/s3"\n  name = "{unit}"\n}}\n')
    (repo / "modules" / "s3").mkdir(parents=True)
    (repo / "modules" / "s3" / "main.tf").write_text(
        'variable "name" {}\n# policyguard:ignore PG-AWS-S3-999 reason="not a rule"\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n')
    (repo / "modules" / "s3" / "outputs.tf").write_text('output "id" {\n  value = aws_s3_bucket.b.id\n}\n')
    (repo / "k8s.yaml").write_text(POD)
    gate_reads: list[str] = []
    real = fsread.read_text
    monkeypatch.setattr(fsread, "read_text", lambda path, n: gate_reads.append(str(path)) or real(path, n))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["scan", "-j", "1", "-f", "json", "-o", str(out), str(repo)])
    assert res.exit_code in (0, 1), res.output
    report = json.loads(out.read_text())
    assert report["summary"]["stale_suppressions"] + report["summary"]["suppression_problems"] >= 1  # the comment was read
    assert report["summary"]["foreign_suppressions"] == 1  # so were the other tool's annotations
    assert gate_reads == []
