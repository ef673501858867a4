"""The labelled accuracy cases of ``bench/accuracy`` are well-formed and scan cleanly.

The benchmark itself (recall, false-positive rate, Checkov side by side) is
``bench/accuracy/run.py``; targets live in BENCHMARKS.md, not here. These tests keep the labels
honest (every case exists and is labelled, every mapped rule id exists, at least two failing and two
passing cases per concept) and make sure policyguard neither crashes nor reports an error on any
case, so a case that only "passes" because it did not parse cannot hide in the benchmark.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench" / "accuracy"
EXT = {"terraform": {".tf"}, "cloudformation": {".yaml", ".yml", ".json"}, "kubernetes": {".yaml", ".yml"}}
CASE_NAME = re.compile(r"^(bad|good)_\d+\.[a-z]+$")


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("accuracy_run", BENCH / "run.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["accuracy_run"] = mod  # dataclasses resolve their module by name
    spec.loader.exec_module(mod)
    return mod


run = _bench_module()
CONCEPTS = run.load_labels()


def _rule_ids() -> set[str]:
    from policyguard.engine.rules import load_all

    rs = load_all([], True)
    assert not rs.errors, rs.errors
    return {m.id for m in rs.metas}


def test_at_least_80_concepts_over_three_platforms() -> None:
    pairs = {(c.platform, c.id) for c in CONCEPTS}
    assert len(pairs) == len(CONCEPTS), "a concept x platform pair is listed twice"
    assert len(pairs) >= 80
    assert {c.platform for c in CONCEPTS} == set(run.PLATFORMS)


def test_every_case_on_disk_is_labelled_and_every_label_exists() -> None:
    labelled = {c.path for concept in CONCEPTS for c in concept.cases}
    on_disk = {p for p in (BENCH / "cases").glob("*/*/*") if p.is_file()}
    assert on_disk - labelled == set(), "cases without a label"
    assert labelled - on_disk == set(), "labels without a case file"
    dirs = {p for p in (BENCH / "cases").glob("*/*") if p.is_dir()}
    assert dirs == {BENCH / "cases" / c.platform / c.id for c in CONCEPTS}


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: f"{c.platform}/{c.id}")
def test_concept_labels(concept: Any) -> None:
    c = concept
    assert c.description.strip() and c.source.startswith("https://"), "description and documentation URL"
    bad = [k for k in c.cases if k.must_flag]
    good = [k for k in c.cases if not k.must_flag]
    assert len(bad) >= 2 and len(good) >= 2, f"{len(bad)} failing and {len(good)} passing cases"
    for k in c.cases:
        assert CASE_NAME.match(k.name), k.name
        # the file name and the label must agree: a relabelled case is renamed too
        assert k.must_flag == k.name.startswith("bad_"), k.name
        assert Path(k.name).suffix in EXT[c.platform], k.name
    assert c.policyguard, "map at least one policyguard rule (a concept with no rule yet is a known miss)"
    assert all(re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", i) for i in c.checkov), c.checkov


def test_mapped_policyguard_rule_ids_exist() -> None:
    known = _rule_ids()
    missing = sorted({(c.platform, c.id, r) for c in CONCEPTS for r in c.policyguard if r not in known})
    assert missing == []


def test_labels_loader_rejects_an_unknown_platform(tmp_path: Path) -> None:
    bad = tmp_path / "labels.yaml"
    bad.write_text(yaml.safe_dump({"concepts": [{"id": "x", "platform": "pulumi", "description": "d",
                                                 "source": "https://example.com", "cases": {}}]}))
    with pytest.raises(ValueError, match="concept x: unknown platform 'pulumi'"):
        run.load_labels(bad)


def test_scoring_counts_only_the_concepts_mapped_ids() -> None:
    concept = next(c for c in CONCEPTS if c.platform == "kubernetes" and c.id == "privileged")
    bad = next(k for k in concept.cases if k.must_flag)
    good = next(k for k in concept.cases if not k.must_flag)
    # another rule failing on the good case is irrelevant; the mapped id on the bad case counts
    tool_run = run.ToolRun(failed={bad.key: {"PG-K8S-POD-004"}, good.key: {"PG-K8S-RES-004"}})
    result = run.score([concept], "policyguard", {"kubernetes": tool_run})
    k8s = result["platforms"]["kubernetes"]
    n_bad = sum(k.must_flag for k in concept.cases)
    n_good = len(concept.cases) - n_bad
    assert (k8s["bad"], k8s["good"]) == (n_bad, n_good)
    assert k8s["recall"] == round(1 / n_bad, 4) and k8s["fp_rate"] == 0.0
    assert result["misses"] == [f"kubernetes/privileged/{k.name}" for k in concept.cases if k.must_flag and k != bad]
    assert result["false_positives"] == []
    # a good case flagged by a mapped id is a false positive
    tool_run.failed[good.key].add("PG-K8S-POD-004")
    again = run.score([concept], "policyguard", {"kubernetes": tool_run})
    assert again["false_positives"] == [f"kubernetes/privileged/{good.name}"]
    assert again["platforms"]["kubernetes"]["fp_rate"] == round(1 / n_good, 4)


@pytest.mark.parametrize("platform", run.PLATFORMS)
def test_policyguard_scans_every_case_without_errors(platform: str, tmp_path: Path) -> None:
    concepts = [c for c in CONCEPTS if c.platform == platform]
    dirs = run.stage(concepts, tmp_path)
    result = run.run_policyguard([sys.executable, "-m", "policyguard"], dirs[platform])
    assert result.exit_code in (0, 1), result.errors  # 0 clean, 1 gate failed: never an error exit
    assert result.errors == []
    # every passing case was parsed into resources that some rule judged: a good case cannot
    # "pass" by being empty or unread (a bad case nothing judges is a miss the benchmark reports)
    good = {k.key for c in concepts for k in c.cases if not k.must_flag}
    assert good - result.judged == set()


def test_run_scores_policyguard_alone_when_checkov_is_absent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result.json"
    rc = run.main(["--checkov", str(tmp_path / "no-checkov"), "--only", "kubernetes", "--json", str(out)])
    assert rc == 0
    captured = capsys.readouterr()
    assert "Checkov not found at" in captured.err and "scoring policyguard only" in captured.err
    result = json.loads(out.read_text())
    assert set(result["tools"]) == {"policyguard"}
    assert result["platforms"] == ["kubernetes"]
    k8s = result["tools"]["policyguard"]["platforms"]["kubernetes"]
    concepts = [c for c in CONCEPTS if c.platform == "kubernetes"]
    assert k8s["bad"] == sum(k.must_flag for c in concepts for k in c.cases)
    assert "| kubernetes |" in captured.out


def test_run_rejects_an_unknown_platform(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["--only", "pulumi"]) == 2
    assert "unknown platform(s): pulumi" in capsys.readouterr().err
