"""``policyguard rules docs``: one page per rule from its metadata and fixtures, the committed
pages of the built-in pack kept fresh, and every report linking to them."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_support import runner as cli_runner

from policyguard import ruledocs
from policyguard.commands import main
from policyguard.commands.rules import run_rules_docs

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "rules"
TEST_RULE = REPO / "tests" / "data" / "rules" / "ebs_encrypted"


def _invoke(*args: str) -> tuple[int, str, str]:
    runner = cli_runner()
    res = runner.invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def test_committed_builtin_pages_are_fresh() -> None:
    """docs/rules/ is what `policyguard rules docs --output docs/rules` writes today: a rule, a
    fixture or the generator changed without regenerating fails here."""
    assert run_rules_docs(str(DOCS), check=True) == 0, "regenerate: policyguard rules docs --output docs/rules"


def test_check_finds_a_stale_missing_or_orphan_page(tmp_path: Path) -> None:
    out = tmp_path / "pages"
    shutil.copytree(DOCS, out)
    page = out / "PG-AWS-EC2-001.md"
    page.write_text(page.read_text().replace("Security groups", "Security grops"))
    (out / "PG-K8S-POD-004.md").unlink()
    (out / "PG-GONE-001.md").write_text(ruledocs.GENERATED + "\n# gone\n")
    (out / "notes.md").write_text("# hand-written, kept\n")
    code, _, err = _invoke("rules", "docs", "--output", str(out), "--check")
    assert code == 1
    assert {line.split(": ")[1].rsplit("/", 1)[-1] for line in err.splitlines()} == {
        "PG-AWS-EC2-001.md", "PG-K8S-POD-004.md", "PG-GONE-001.md"}
    code, _, err = _invoke("rules", "docs", "--output", str(out))
    assert code == 0 and "2 written, 1 removed" in err
    assert not (out / "PG-GONE-001.md").exists() and (out / "notes.md").exists()
    assert _invoke("rules", "docs", "--output", str(out), "--check")[0] == 0


def _custom_rule(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rdir = rules / "ebs"
    shutil.copytree(TEST_RULE, rdir)
    fail = rdir / "fixtures" / "fail" / "terraform"
    ok = rdir / "fixtures" / "pass" / "cloudformation"
    fail.mkdir(parents=True)
    ok.mkdir(parents=True)
    (fail / "main.tf").write_text('resource "aws_ebs_volume" "v" {\n  size = 10\n}\n')
    (fail / "expect.yaml").write_text("fail: [aws_ebs_volume.v]\n")
    (ok / "template.yaml").write_text("Resources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: true\n")
    return rules


def test_page_from_metadata_and_fixtures(tmp_path: Path) -> None:
    rules = _custom_rule(tmp_path)
    out = tmp_path / "out"
    code, _, err = _invoke("rules", "docs", "--output", str(out), "--rules", str(rules), "--no-builtin-rules")
    assert code == 0, err
    page = (out / "TEST-EBS-001.md").read_text()
    assert page.startswith(ruledocs.GENERATED)
    assert "# TEST-EBS-001: Test rule - EBS volumes are encrypted" in page
    assert "| Severity | medium |" in page and "| Frameworks | nist-800-53 SC-28 |" in page
    assert "| Rule | `rules/ebs/rule.rego` (rego) |" in page
    assert "behaviour-changing" in page and "## How to fix\n\nSet encrypted = true." in page
    tf = page.index("### Terraform")
    cfn = page.index("### CloudFormation")
    assert page.index("Fails (`fixtures/fail/terraform`)", tf) < cfn
    assert '```hcl\nresource "aws_ebs_volume" "v" {' in page and "expect.yaml" not in page
    assert page.index("Passes (`fixtures/pass/cloudformation`)") > cfn and "Encrypted: true" in page
    index = (out / "README.md").read_text()
    assert "| [TEST-EBS-001](TEST-EBS-001.md) | medium | baseline |" in index


def test_fix_shown_as_a_diff_from_the_golden_file() -> None:
    page = (DOCS / "PG-AWS-EC2-001.md").read_text()
    assert "`policyguard fix` on `fixtures/fail/terraform`:" in page
    assert '-    cidr_blocks = ["10.20.0.0/16", "0.0.0.0/0"]\n+    cidr_blocks = ["10.20.0.0/16"]' in page


def test_secret_examples_are_masked() -> None:
    page = (DOCS / "PG-SECRETS-001.md").read_text()
    assert 'access_key = "AKIA****#' in page


def test_output_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "taken"
    f.write_text("")
    code, _, err = _invoke("rules", "docs", "--output", str(f))
    assert code == 2 and str(f) in err and "Traceback" not in err


def test_a_rule_that_does_not_load_gets_no_page(tmp_path: Path) -> None:
    code, _, err = _invoke("rules", "docs", "--output", str(tmp_path / "o"), "--no-builtin-rules",
                           "--rules", str(REPO / "tests" / "data" / "rules" / "bad_meta"))
    assert code == 2 and "error:" in err and not (tmp_path / "o").exists()
