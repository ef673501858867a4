"""The text report (grouped by rule, snippets, summary, verdict last), the one message builder
every reporter uses, rule documentation links, and the scan progress callback.

Golden files: ``tests/data/report/*.txt``; regenerate with ``POLICYGUARD_REGEN_GOLDEN=1`` and read
the diff before committing it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli_support import runner as cli_runner

from policyguard.gate.report import DEFAULT_DOCS_URL, SourceReader, finding_text
from policyguard.model import Finding, Severity, Span, Status
from policyguard.report import render

_spec = importlib.util.spec_from_file_location("gate_support", Path(__file__).parent / "data" / "gate" / "support.py")
assert _spec and _spec.loader
sup = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gate_support", sup)
_spec.loader.exec_module(sup)

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "report"
DOCS = "https://docs.example.org/rules/{id}.html"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _report(tmp_path: Path, *, snippets: bool, **kw: Any) -> Any:
    report = sup.sample_report(tmp_path, **kw)
    report.docs_url = DOCS
    report.snippets = snippets
    report.sources = SourceReader(roots=(str(tmp_path),)) if snippets else None
    return report


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("POLICYGUARD_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (POLICYGUARD_REGEN_GOLDEN=1 regenerates it)"


def test_golden_plain_compact(tmp_path: Path) -> None:
    _golden("compact.txt", render("text", _report(tmp_path, snippets=False)))


def test_golden_tty_snippets(tmp_path: Path) -> None:
    """The terminal form: colour (click styles) and the offending lines under each location."""
    text = render("text", _report(tmp_path, snippets=True), color=True)
    assert "\x1b[" in text
    _golden("tty.txt", text)


def test_grouped_by_rule_remediation_once(tmp_path: Path) -> None:
    plain = render("text", _report(tmp_path, snippets=False))
    assert plain.count("fix:  Fix PG-T-001.") == 1 and plain.count("docs: https://docs.example.org/rules/PG-T-001.html") == 1
    head = plain.index("HIGH  PG-T-001  PG-T-001 title")
    assert plain.index("  infra/main.tf:2:3  aws_db_instance.a  instance is publicly accessible") > head
    # sections in order, the verdict last
    order = [plain.index(s) for s in ("Failed (2 in 2 rules)", "Unknown", "Suppressed (1 in 1 rule)", "File errors",
                                      "Summary", "Gate: FAIL (exit 2)")]
    assert order == sorted(order) and plain.rstrip().splitlines()[-1].startswith("Gate: FAIL (exit 2)")
    assert "  infra/broken.yaml:3:7  parse-error  mapping values are not allowed here" in plain
    assert "depends on var.kms" in plain
    assert "suppressed by inline (infra/main.tf:3): migrating, ticket OPS-1 owner=dba expires=2099-01-01" in plain


def test_summary_counts_per_severity_and_rule(tmp_path: Path) -> None:
    plain = render("text", _report(tmp_path, snippets=False))
    summary = plain[plain.index("Summary"):]
    rows = {r.split()[0]: r.split()[1:] for r in summary.splitlines()[1:] if r.startswith("  ") and r.split()}
    assert rows["high"] == ["1", "0", "1", "1"]  # failed, unknown, suppressed, passed
    assert rows["medium"] == ["0", "1", "0", "0"] and rows["low"] == ["1", "0", "0", "0"]
    assert rows["total"] == ["2", "1", "1", "1"]
    assert rows["PG-T-001"] == ["high", "1", "0", "0", "1"] and rows["PG-T-002"] == ["high", "0", "0", "1", "0"]
    assert "Files: 1 scanned, 1 not judged (errors above)" in summary


def test_compact_merges_one_rules_findings_on_one_resource(tmp_path: Path) -> None:
    report = _report(tmp_path, snippets=False)
    first = next(f for f in report.findings if f.rule_id == "PG-T-004")
    report.findings.append(replace(first, span=replace(first.span, start_line=9, start_col=3), message="second"))
    plain = render("text", report)
    assert "[2 failed on 1 resource]" in plain
    line = next(x for x in plain.splitlines() if "aws_db_instance.b" in x and "low <thing>" in x)
    assert line.endswith("(+1 more at 9:3)")
    report.snippets = True
    full = render("text", report)  # snippets: every finding has its own line and lines of code
    assert "  infra/main.tf:9:3  aws_db_instance.b\n      second\n" in full


def test_snippet_marks_the_judged_line(tmp_path: Path) -> None:
    plain = render("text", _report(tmp_path, snippets=True))
    block = plain[plain.index("  infra/main.tf:2:3  aws_db_instance.a"):]
    assert block.splitlines()[1] == "      instance is publicly accessible"
    assert block.splitlines()[2:5] == [
        "      1 | resource \"aws_db_instance\" \"a\" {",
        "    > 2 |   publicly_accessible = true",
        "      3 |   storage_encrypted   = false # policyguard:ignore PG-T-002 reason=\"migrating, ticket OPS-1\" "
        "expires=2099-01-01 owner=dba",
    ]
    tty = render("text", _report(tmp_path, snippets=True), color=True)
    marked = next(x for x in tty.splitlines() if "publicly_accessible" in x and "> 2" in ANSI.sub("", x))
    assert "\x1b[" in marked.split("publicly_accessible")[0] or "\x1b[" in marked.split("=")[1]  # span highlighted


def _secret_report(tmp_path: Path, line: str, message: str, col: tuple[int, int]) -> Any:
    report = _report(tmp_path, snippets=True)
    f = tmp_path / "infra" / "secret.tf"
    f.write_text('resource "x" "y" {\n' + line + "\n}\n")
    report.findings.append(Finding("PG-T-001", Status.FAIL, Severity.HIGH, "x.y", "x", "terraform",
                                   Span(str(f), 2, col[0], 2, col[1]), message=message))
    return report


def test_snippet_masks_secrets(tmp_path: Path) -> None:
    key = "AKIA" + "Q3EGRXMPLE7TESTKEY2"[:16]
    report = _secret_report(tmp_path, f'  access_key = "{key}"', "literal AWS key", (16, 38))
    out = render("text", report)
    assert key not in out and "AKIA****#" in out
    # a value the rule withheld ("redacted") is withheld even when no masking pattern knows it
    report = _secret_report(tmp_path, '  tenant_blob = "plainwordsnotrandom"', "literal value (19 characters, redacted)", (17, 38))
    out = render("text", report)
    assert "plainwordsnotrandom" not in out and "****#" in out
    # masking earlier on the same line moves the columns: the withheld value is cut from the file's line
    value = "zqxjkvbpwmfyhg"
    line = f'  a = "{key}", b = "{value}"'
    start = line.index(f'"{value}"')
    report = _secret_report(tmp_path, line, "literal value (14 characters, redacted)", (start + 1, start + len(value) + 3))
    out = render("text", report)
    assert key not in out and not any(value[i:i + 4] in out for i in range(len(value) - 3))


def test_snippet_never_reads_outside_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.tf"
    outside.write_text("secret line\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.tf").symlink_to(outside)
    reader = SourceReader(roots=(str(repo),))
    assert reader.lines(str(outside)) is None and reader.lines(str(repo / "link.tf")) is None
    fifo = repo / "pipe.tf"
    os.mkfifo(fifo)
    assert reader.lines(str(fifo)) is None  # never blocks on a FIFO
    (repo / "ok.tf").write_text("a\nb\n")
    assert reader.lines(str(repo / "ok.tf")) == ["a", "b"]
    assert SourceReader(memory={"stdin": "x: 1\n"}).lines("stdin") == ["x: 1"]


def test_snippet_control_characters_cannot_drive_the_terminal(tmp_path: Path) -> None:
    report = _secret_report(tmp_path, '  name = "\x1b[2J\x1b]0;owned\x07"', "bad name \x1b[31m", (10, 20))
    out = render("text", report)
    assert "\x1b" not in out and "\x07" not in out and "\ufffd[2J" in out


def test_verbose_lists_skipped_files(tmp_path: Path) -> None:
    report = _report(tmp_path, snippets=False)
    report.skipped = [(str(tmp_path / "docs" / "notes.yaml"), "not IaC (no apiVersion/kind, no Resources)")]
    plain = render("text", report)
    assert "1 skipped (--verbose lists them)" in plain and "notes.yaml" not in plain
    report.verbose = True
    plain = render("text", report)
    assert "Skipped (not scanned): 1 file(s)" in plain
    assert "  docs/notes.yaml: not IaC (no apiVersion/kind, no Resources)" in plain


def test_quiet_shows_only_what_fails_the_gate(tmp_path: Path) -> None:
    report = _report(tmp_path, snippets=False)
    report.quiet = True
    quiet = render("text", report)
    assert "PG-T-001" in quiet and "parse" in quiet
    assert "HIGH  PG-T-002" not in quiet and "LOW  PG-T-004" not in quiet


# --------------------------------------------------------------------------- one message builder
def _doubled(tmp_path: Path) -> Any:
    """A rule message that opens with the resource id, and an unknown the engine already worded."""
    report = _report(tmp_path, snippets=False)
    for f in report.findings:
        if f.rule_id == "PG-T-001" and f.status == Status.FAIL:
            f.message = f"{f.resource_id}: instance is publicly accessible"
        if f.status == Status.UNKNOWN:
            f.message = "key unknown (depends on unresolved var.kms)"
    return report


def test_finding_text_says_the_resource_and_the_unknown_once() -> None:
    f = Finding("R", Status.UNKNOWN, Severity.HIGH, "aws_s3_bucket.b", "t", "terraform", Span("f", 1, 1, 1, 1),
                message="aws_s3_bucket.b: no policy (depends on unresolved var.x)", unknowns=("var.x",))
    assert finding_text(f) == "no policy"
    assert finding_text(replace(f, message="aws_s3_bucket.bucket2: other")) == "aws_s3_bucket.bucket2: other"
    assert finding_text(replace(f, message="")) == "R"


def test_sarif_message_not_doubled(tmp_path: Path) -> None:
    doc = json.loads(render("sarif", _doubled(tmp_path)))
    texts = [r["message"]["text"] for r in doc["runs"][0]["results"] if r["ruleId"] in ("PG-T-001", "PG-T-003")]
    assert "aws_db_instance.a: instance is publicly accessible" in texts
    assert "aws_db_instance.a: key unknown (unknown: depends on var.kms)" in texts
    assert not any(t.count("aws_db_instance.a") > 1 or t.count("var.kms") > 1 for t in texts)


def test_github_annotation_not_doubled(tmp_path: Path) -> None:
    lines = render("github", _doubled(tmp_path)).splitlines()
    fail = next(x for x in lines if "PG-T-001" in x and x.startswith("::error"))
    assert "::aws_db_instance.a: instance is publicly accessible%0ARemediation" in fail
    unknown = next(x for x in lines if "PG-T-003" in x)
    assert unknown.count("var.kms") == 1


def test_junit_and_text_not_doubled(tmp_path: Path) -> None:
    report = _doubled(tmp_path)
    root = ET.fromstring(render("junit", report))
    failure = root.find(".//testcase[@classname='PG-T-001']/failure")
    assert failure is not None and failure.get("message") == "aws_db_instance.a: instance is publicly accessible"
    plain = render("text", report)
    assert "aws_db_instance.a  instance is publicly accessible" in plain and "aws_db_instance.a: instance" not in plain
    assert plain.count("var.kms") == 1


# --------------------------------------------------------------------------- documentation links
def test_every_report_links_the_rule_page(tmp_path: Path) -> None:
    report = _report(tmp_path, snippets=False)
    url = "https://docs.example.org/rules/PG-T-001.html"
    sarif = json.loads(render("sarif", report))
    rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "PG-T-001")
    assert rule["helpUri"] == url and f"({url})" in rule["help"]["markdown"]
    doc = json.loads(render("json", report))
    assert doc["rules"]["PG-T-001"]["doc_url"] == url
    assert all(f["doc_url"] == DOCS.format(id=f["rule_id"]) for f in doc["findings"])
    assert f"documentation: {url}" in (ET.fromstring(render("junit", report)).find(".//failure").text or "")  # type: ignore[union-attr]
    assert f"%0ADocs: {url.replace(':', ':')}" in render("github", report)
    assert f"docs: {url}" in render("text", report)


def test_default_docs_url_links_builtin_rules_only(tmp_path: Path) -> None:
    report = sup.sample_report(tmp_path)
    assert report.docs_url == DEFAULT_DOCS_URL and report.doc_url("PG-T-001") == ""  # a test rule: no page of ours
    builtin = REPO / "rules" / "aws" / "ec2" / "ssh_open_to_internet" / "rule.rego"
    report.rules["PG-T-001"] = replace(report.rules["PG-T-001"], source=str(builtin))
    assert report.doc_url("PG-T-001") == DEFAULT_DOCS_URL.replace("{id}", "PG-T-001")
    report.docs_url = ""
    assert report.doc_url("PG-T-001") == "" and "helpUri" not in render("sarif", report)


def _config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / ".policyguard.yaml"
    cfg.write_text(text)
    return cfg


def test_docs_url_config_validated_with_file_and_line(tmp_path: Path) -> None:
    from policyguard.gate.config import ConfigError, load_config

    good = load_config(_config(tmp_path, 'version: 1\ndocs_url: "https://wiki.example.org/pg/{id}"\n'))
    assert good.docs_url == "https://wiki.example.org/pg/{id}"
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, "version: 1\n\ndocs_url: https://wiki.example.org/pg/\n"))
    assert ".policyguard.yaml:3: docs_url:" in str(err.value)


def test_untrusted_repository_cannot_change_the_links(tmp_path: Path) -> None:
    from policyguard.gate import trust

    _config(tmp_path, 'version: 1\ndocs_url: "https://evil.example/{id}"\n')
    (tmp_path / "main.tf").write_text("")
    cfg, untrusted = trust.resolve(None, [str(tmp_path)], untrusted=True)
    assert untrusted and cfg.docs_url is None
    assert any("docs_url" in n.message for n in cfg.notices)
    cfg, _ = trust.resolve(None, [str(tmp_path)])
    assert cfg.docs_url == "https://evil.example/{id}"


# --------------------------------------------------------------------------- the command line
def _cli(*args: str) -> Any:
    from policyguard.commands import main

    runner = cli_runner()
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo() -> Path:
    return REPO / "fixtures" / "kubernetes"


def test_cli_default_is_compact_off_a_terminal_and_snippets_on_request(demo: Path) -> None:
    res = _cli("scan", str(demo), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "PG-K8S-POD-004" in res.output and " | " not in res.output  # no snippet lines
    res = _cli("scan", str(demo), "-j", "1", "--snippets")
    assert "> 34 |             privileged: true" in res.output
    res = _cli("scan", str(demo), "-j", "1", "--snippets", "--compact")  # the last one wins, as click does
    assert " | " not in res.output


def test_cli_docs_url_from_config(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy.yaml").write_text((REPO / "fixtures" / "kubernetes" / "deployment.yaml").read_text())
    _config(tmp_path, 'version: 1\ndocs_url: "https://wiki.example.org/pg/{id}"\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = _cli("scan", ".", "-j", "1", "-f", "sarif")
    finally:
        os.chdir(cwd)
    doc = json.loads(res.output)
    uris = {r["id"]: r.get("helpUri") for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert uris["PG-K8S-POD-004"] == "https://wiki.example.org/pg/PG-K8S-POD-004"


# --------------------------------------------------------------------------- progress
@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_reports_progress_per_unit(jobs: int) -> None:
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.scan import scan

    calls: list[tuple[int, int, str]] = []
    options = ScanOptions(ReadOptions(paths=(str(REPO / "fixtures"),)), RuleOptions(), EvalOptions(jobs=jobs))
    result = scan(options, lambda done, total, unit: calls.append((done, total, unit)))
    assert result.findings
    total = calls[0][1]
    assert total >= 4 and [c[0] for c in calls] == list(range(1, total + 1))
    assert all(c[1] == total for c in calls) and len({c[2] for c in calls}) == total


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.commands import common

    monkeypatch.setattr(common.ScanProgress, "DELAY", 0.0)
    for tty in (True, False):
        err = _Terminal(tty)
        monkeypatch.setattr(sys, "stderr", err)
        with common.ScanProgress(err.isatty(), "policyguard: scanning") as progress:
            for i, unit in enumerate(("infra/a.tf", "k8s/b.yaml", "k8s/c.yaml"), 1):
                progress(i, 3, unit)
        if tty:
            assert "2/3" in err.text and "k8s/b.yaml" in err.text and "3/3" in err.text
        else:
            assert err.text == ""  # a pipe or a CI log gets nothing


def test_json_links_validate_against_the_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    doc = json.loads(render("json", _report(tmp_path, snippets=False)))
    schema = json.loads((REPO / "policyguard" / "schemas" / "report.schema.json").read_text())
    assert [e.message for e in Draft202012Validator(schema).iter_errors(doc)] == []
    assert doc["findings"][0]["doc_url"].startswith("https://docs.example.org/rules/")


def test_terminal_default_leaves_snippets_out_of_a_long_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.commands import common
    from policyguard.options import ReadOptions, ScanOptions
    from policyguard.scan import ScanResult

    options = ScanOptions(ReadOptions(paths=(str(tmp_path),)))
    monkeypatch.setattr(sys, "stdout", _Terminal(True))
    report = sup.sample_report(tmp_path)
    common.lay_out(report, [("text", "-")], {}, None, ScanResult(), options)
    assert report.snippets and report.sources is not None and not report.layout_note  # 3 findings: snippets
    monkeypatch.setattr(common, "SNIPPETS_UP_TO", 2)
    common.lay_out(report, [("text", "-")], {}, None, ScanResult(), options)
    assert not report.snippets and "3 findings: snippets left out above 2" in render("text", report)
    common.lay_out(report, [("text", "-")], {"compact": False}, None, ScanResult(), options)
    assert report.snippets  # asked for: shown, however many
    monkeypatch.setattr(sys, "stdout", _Terminal(False))
    report = sup.sample_report(tmp_path)
    common.lay_out(report, [("text", "-")], {}, None, ScanResult(), options)
    assert not report.snippets and not report.layout_note  # a pipe: compact, as documented


def test_builtin_rule_files_are_known_with_or_without_resolving(tmp_path: Path) -> None:
    """Reports link the built-in pack's pages for its own rules only: a rule file under the
    pack's directory (as the loader names it, or reached through a symlink) is built in; a
    copy elsewhere, or a path that leaves the directory through '..', is not."""
    from policyguard.engine.rules import builtin_rules_dir
    from policyguard.gate import report as report_mod

    pack = Path(builtin_rules_dir())
    rule = next(pack.rglob("rule.rego"))
    copy = tmp_path / "rule.rego"
    copy.write_text(rule.read_text())
    link = tmp_path / "link.rego"
    link.symlink_to(rule)
    report_mod._builtin_source.cache_clear()
    assert report_mod._builtin_source(str(rule))
    assert report_mod._builtin_source(str(link))
    assert not report_mod._builtin_source(str(copy))
    assert not report_mod._builtin_source(str(pack / ".." / "README.md"))
    assert not report_mod._builtin_source(str(pack) + "-other/x/rule.rego")
