"""The ``policyguard fix`` command and ``attach_edits`` on small hand-written projects."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonpatch
from click.testing import CliRunner

from policyguard.commands import main

MANIFEST = """\
# web tier
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0   # pinned by the release job
      securityContext:
        privileged: true
"""

TF = """\
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = false # TODO
}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(MANIFEST)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TF)
    os.chmod(tmp_path / "tf" / "main.tf", 0o640)
    return tmp_path


def test_diff_by_default_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-POD-004", "--rule", "PG-AWS-SQS-001", str(root)])
    assert res.exit_code == 0, res.output
    assert "-        privileged: true\n+        privileged: false\n" in res.output
    assert "-  sqs_managed_sse_enabled = false # TODO\n+  sqs_managed_sse_enabled = true # TODO\n" in res.output
    assert (root / "k8s" / "pod.yaml").read_text() == MANIFEST
    assert "2 verified fix(es) (1 safe, 1 behaviour-changing)" in res.output
    # each file's diff is headed by its edits and their class
    assert "# policyguard fix [behaviour-changing] " in res.output and "PG-K8S-POD-004 v1/Pod/shop/web: Set privileged to false\n" in res.output
    assert "# policyguard fix [safe] " in res.output and "PG-AWS-SQS-001 aws_sqs_queue.jobs: Enable SQS managed" in res.output


def test_default_applies_only_safe_fixes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--rule", "PG-K8S-POD-004", "--rule", "PG-AWS-SQS-001", "--write", str(root)])
    assert res.exit_code == 0, res.output
    assert (root / "k8s" / "pod.yaml").read_text() == MANIFEST  # behaviour-changing: left alone
    assert (root / "tf" / "main.tf").read_text() == TF.replace("= false # TODO", "= true # TODO")
    assert "1 verified fix(es) (1 safe, 0 behaviour-changing)" in res.output
    assert "1 not applied (behaviour-changing)" in res.output
    assert "not applied: " in res.output and "PG-K8S-POD-004 v1/Pod/shop/web: Set privileged to false: behaviour-changing: pass --unsafe or allow it in config" in res.output


def test_config_opt_in_per_rule(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".policyguard.yaml").write_text("version: 1\nfix:\n  allow_behaviour_changing: [PG-K8S-POD-004]\n")
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--rule", "PG-K8S-POD-004", "--write", str(root)])
    assert res.exit_code == 0, res.output
    assert (root / "k8s" / "pod.yaml").read_text() == MANIFEST.replace("privileged: true", "privileged: false")


def test_config_opt_in_unknown_id_is_a_located_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".policyguard.yaml").write_text("version: 1\nfix:\n  allow_behaviour_changing:\n    - PG-K8S-POD-004\n    - PG-K8S-NOPE-999\n")
    res = CliRunner().invoke(main, ["fix", "-j", "1", str(root)])
    assert res.exit_code == 2, res.output
    assert ".policyguard.yaml:5: fix.allow_behaviour_changing: 'PG-K8S-NOPE-999' matches no loaded rule" in res.output
    assert "Traceback" not in res.output
    (root / ".policyguard.yaml").write_text("version: 1\nfix:\n  allow_behavior_changing: [PG-K8S-POD-004]\n")
    res = CliRunner().invoke(main, ["fix", "-j", "1", str(root)])
    assert res.exit_code == 2 and ".policyguard.yaml:3: fix.allow_behavior_changing: unknown key 'allow_behavior_changing'" in res.output, res.output
    # a rule without an automatic fix cannot be opted in either
    (root / ".policyguard.yaml").write_text("version: 1\nfix:\n  allow_behaviour_changing: [PG-K8S-IMAGE-*]\n")
    res = CliRunner().invoke(main, ["fix", "-j", "1", str(root)])
    assert res.exit_code == 2 and "names only rules without an automatic fix" in res.output, res.output


def test_json_output_carries_class_and_status(tmp_path: Path) -> None:
    root = _project(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--rule", "PG-K8S-POD-004", "--rule", "PG-AWS-SQS-001", "--format", "json", str(root)])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    by_rule = {f["rule_id"]: f for f in doc["fixes"]}
    assert by_rule["PG-AWS-SQS-001"]["safety"] == "safe" and by_rule["PG-AWS-SQS-001"]["status"] == "verified"
    assert by_rule["PG-AWS-SQS-001"]["edits"] and by_rule["PG-AWS-SQS-001"]["applied"] is False  # no --write
    assert by_rule["PG-K8S-POD-004"]["safety"] == "behaviour-changing" and by_rule["PG-K8S-POD-004"]["status"] == "withheld"
    assert by_rule["PG-K8S-POD-004"]["reason"].startswith("behaviour-changing: pass --unsafe")
    assert doc["summary"]["safe"] == 1 and doc["summary"]["withheld"] == 1
    assert (root / "k8s" / "pod.yaml").read_text() == MANIFEST


def test_write_applies_and_keeps_mode_and_second_run_is_noop(tmp_path: Path) -> None:
    root = _project(tmp_path)
    args = ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-POD-004", "--rule", "PG-AWS-SQS-001", "--write", str(root)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert (root / "k8s" / "pod.yaml").read_text() == MANIFEST.replace("privileged: true", "privileged: false")
    assert (root / "tf" / "main.tf").read_text() == TF.replace("= false # TODO", "= true # TODO")
    assert stat.S_IMODE((root / "tf" / "main.tf").stat().st_mode) == 0o640
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "0 verified fix(es)" in again.output


def test_severity_filter(tmp_path: Path) -> None:
    root = _project(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-POD-004", "--severity", "critical", str(root / "k8s")])
    assert "privileged: false" in res.output  # PG-K8S-POD-004 is critical


def test_jsonpatch_format_applies(tmp_path: Path) -> None:
    import yaml

    root = _project(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-POD-004", "--format", "jsonpatch", str(root / "k8s")])
    assert res.exit_code == 0, res.output
    start = res.output.index("[")
    report = json.JSONDecoder().raw_decode(res.output[start:])[0]
    assert [r["rules"] for r in report] == [["PG-K8S-POD-004"]]
    assert [f["safety"] for f in report[0]["fixes"]] == ["behaviour-changing"]
    obj = yaml.safe_load(MANIFEST)
    patched = jsonpatch.apply_patch(obj, report[0]["patch"])
    assert patched["spec"]["containers"][0]["securityContext"]["privileged"] is False


def test_jsonpatch_never_touches_object_metadata(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(MANIFEST.replace("namespace: shop", "namespace: default"))
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-NS-001", "--rule", "PG-K8S-POD-004",
                                    "--format", "jsonpatch", str(tmp_path)])
    assert res.exit_code == 0, res.output
    (entry,) = json.loads(res.stdout)
    assert entry["rules"] == ["PG-K8S-POD-004"] and not any(op["path"].startswith("/metadata") for op in entry["patch"])
    assert entry["skipped"] == [{"rule_id": "PG-K8S-NS-001", "reason": "it changes metadata.namespace, and a patch only changes keys inside metadata.annotations and metadata.labels"}]


def test_a_cached_evaluator_gets_a_fresh_budget_per_plan(tmp_path: Path) -> None:
    """The evaluator is kept between plans; its scan budget must start with each scan, not when
    it was built (in a long test run every plan after ten minutes found no failure at all)."""
    import time
    from dataclasses import replace

    from policyguard.fix.plan import plan_fixes
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scanner_for

    (tmp_path / "main.tf").write_text(TF)
    options = ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), evaluation=EvalOptions(jobs=1, rule_timeout=5.0))
    assert len(plan_fixes(options, only_rules=["PG-AWS-SQS-001"]).verified) == 1
    # the scanner plan_fixes scans with (its options: every rule kept, none enabled by id)
    scanner = scanner_for(replace(options, rules=replace(options.rules, enabled_rules=())))
    scanner.evaluator._deadline = time.monotonic() - 1  # as if built scan_timeout ago
    assert len(plan_fixes(options, only_rules=["PG-AWS-SQS-001"]).verified) == 1


def test_interactive_needs_a_tty(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["fix", "-i", str(_project(tmp_path))])
    assert res.exit_code == 2 and "needs a terminal" in res.output


def test_attach_edits_fills_sarif_edits(tmp_path: Path) -> None:
    from policyguard.fix import attach_edits
    from policyguard.fix.common import apply_text_edits
    from policyguard.options import EvalOptions, ReadOptions, RuleOptions, ScanOptions
    from policyguard.scan import scan

    root = _project(tmp_path)
    options = ScanOptions(read=ReadOptions(paths=[str(root / "k8s")]), rules=RuleOptions(enabled_rules=["PG-K8S-POD-004"]), evaluation=EvalOptions(jobs=1))
    result = scan(options)
    attach_edits(result, options)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and all(f.edits for f in failing)
    edits = list(failing[0].edits)
    assert apply_text_edits(MANIFEST, edits) == MANIFEST.replace("privileged: true", "privileged: false")


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    text = MANIFEST.replace(
        "  namespace: shop\n",
        '  namespace: shop\n  annotations:\n    policyguard.dev/ignore: PG-K8S-POD-004 reason="node debugging pod"\n',
    )
    (tmp_path / "pod.yaml").write_text(text)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "--unsafe", "--rule", "PG-K8S-POD-004", "--write", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "pod.yaml").read_text() == text
    assert "0 verified fix(es)" in res.output


def test_reverify_subset_for_interactive_answers(tmp_path: Path) -> None:
    from policyguard.fix.plan import plan_fixes
    from policyguard.fix.safety import EVERY_CLASS
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions

    two = MANIFEST + "---\n" + MANIFEST.replace("name: web\n  namespace", "name: api\n  namespace")
    (tmp_path / "pods.yaml").write_text(two)
    plan = plan_fixes(ScanOptions(read=ReadOptions(paths=[str(tmp_path)]), evaluation=EvalOptions(jobs=1)), only_rules=["PG-K8S-POD-004"], policy=EVERY_CLASS)
    assert len(plan.verified) == 2
    plan.reverify(plan.verified[1:])
    assert len(plan.verified) == 1 and [g.status for g in plan.groups].count("declined") == 1
    (text,) = plan.results.values()
    assert text.count("privileged: false") == 1 and text.count("privileged: true") == 1
