"""CDK output as an input kind (README "CDK output"): AWS CDK cloud assemblies (``cdk.out``) and
CDK for Terraform stacks (``cdktf.out``), from synthesized fixtures in tests/data/cdk.

The fixtures are shaped as the synths write them: templates with ``aws:cdk:path`` metadata, the
``CDKMetadata`` resource, the ``BootstrapVersion`` parameter and ``Rules.CheckBootstrapVersion``,
asset parameters of the legacy synthesizer, a nested stack, the manifests and the construct tree,
and ``asset.*`` directories holding code and a Docker context (with IaC-looking files in them,
which must not be scanned); ``cdk.tf.json`` with ``"//"`` metadata on every resource.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cli_support import runner as _runner

from policyguard.commands import main
from policyguard.discover import discover
from policyguard.model import is_unknown
from policyguard.parsers import parse_unit

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "cdk"
CDK_OUT = DATA / "aws" / "cdk.out"
CDKTF_OUT = DATA / "cdktf" / "cdktf.out"
STACK = CDK_OUT / "StorageStack.template.json"
NESTED = CDK_OUT / "StorageStackNetwork1F6A2C8B.nested.template.json"
LEGACY = CDK_OUT / "LegacyStack.template.json"
CDK_TF = CDKTF_OUT / "stacks" / "web" / "cdk.tf.json"


def _cli(*args: str) -> tuple[int, str, str]:
    result = _runner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@cache
def _scan_json(*paths: Path) -> dict[str, Any]:
    code, out, err = _cli("scan", *map(str, paths), "-f", "json", "--verbose")
    assert code == 1, err
    return json.loads(out)


@cache
def _schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((REPO / "policyguard" / "schemas" / name).read_text()))


def _resources(path: Path) -> dict[str, Any]:
    d = discover([path], excludes=[])
    out = {}
    for unit in d.units:
        result = parse_unit(unit)
        assert result.errors == [], result.errors
        out.update({r.id: r for r in result.resources})
    return out


# --------------------------------------------------------------------------- discovery
def test_a_cloud_assembly_is_its_templates_and_nothing_else() -> None:
    """Templates of the app and of a nested assembly (a CDK Pipelines stage) are units; the
    manifests, the tree and every asset directory (pruned whole) are skipped with the reason."""
    d = discover([CDK_OUT], excludes=[])
    assert d.errors == []
    assert sorted(str(u.path.relative_to(CDK_OUT)) for u in d.units) == sorted(
        [STACK.name, NESTED.name, LEGACY.name, "assembly-Prod/ProdWebStack5C9E2A1B.template.json"])
    skipped = {str(Path(f).relative_to(CDK_OUT)): why for f, why in d.skipped}
    for name in ("manifest.json", "StorageStack.assets.json", "assembly-Prod/manifest.json"):
        assert skipped[name].startswith("CDK cloud assembly manifest, not a template"), name
    assert skipped["tree.json"].startswith("CDK construct tree")
    assert skipped["cdk.out"] == skipped["assembly-Prod/cdk.out"] == "CDK cloud assembly version marker"
    assets = sorted(n for n in skipped if Path(n).name.startswith("asset."))
    assert len(assets) == 4 and all(skipped[n].startswith("CDK asset") for n in assets)
    assert len(skipped) == len(assets) + 6  # nothing inside an asset directory is even listed


def test_a_cdktf_output_is_its_stacks_and_nothing_else() -> None:
    d = discover([CDKTF_OUT], excludes=[])
    assert d.errors == []
    assert [(u.format, u.path.name, [f.name for f in u.files]) for u in d.units] == [("terraform", "web", ["cdk.tf.json"])]
    skipped = {Path(f).name: why for f, why in d.skipped}
    assert "CDK for Terraform manifest" in skipped["manifest.json"]
    assert "CDK for Terraform stack metadata" in skipped["metadata.json"]
    assert "CDK for Terraform assets" in skipped["assets"]


def test_asset_contents_yield_no_findings() -> None:
    """The assets hold a bucket template and a privileged Job: before, both were reported as
    findings against cdk.out/asset.*; now no finding points into an asset."""
    doc = _scan_json(CDK_OUT, CDKTF_OUT)
    files = {f["location"]["file"] for f in doc["findings"]}
    assert files and not any("/asset." in f or "/assets/" in f for f in files), files
    assert not any(r.startswith(("PG-K8S-",)) for r in {f["rule_id"] for f in doc["findings"]})


def test_the_same_names_outside_a_synth_output_are_scanned(tmp_path: Path) -> None:
    """Only a cloud assembly's byproducts are skipped: a project's own manifest.json or asset.*
    file is judged by its content as before."""
    (tmp_path / "manifest.json").write_text('{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}')
    (tmp_path / "stacks" / "network").mkdir(parents=True)  # a stacks/ directory, but no cdktf stack in it
    (tmp_path / "stacks" / "network" / "vpc.tf").write_text('resource "aws_vpc" "v" {}\n')
    (tmp_path / "asset.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n")
    d = discover([tmp_path], excludes=[])
    assert sorted(u.path.name for u in d.units) == ["asset.yaml", "manifest.json", "network"]
    assert [u.path.name for u in discover([tmp_path / "manifest.json"], excludes=[]).units] == ["manifest.json"]


# --------------------------------------------------------------------------- the model
def test_cdk_resources_carry_their_construct_and_source_format() -> None:
    res = _resources(CDK_OUT)
    assert res["UploadsBucket5E1E1B2A"].construct_path == "StorageStack/Uploads/Resource"
    assert res["BastionSecurityGroup9A1B2C3D"].construct_path == "StorageStack/Network/BastionSecurityGroup/Resource"
    assert res["QueueE1F2A3B4"].construct_path == "LegacyStack/Queue/Resource"
    assert res["WebBucket12880F5B"].construct_path == "Prod/WebStack/WebBucket/Resource"
    assert {r.source_format for r in res.values()} == {"cdk"} and {r.platform for r in res.values()} == {"cloudformation"}
    for r in res.values():
        _schema("resource.schema.json").validate(r.to_dict())


def test_cdk_bookkeeping_is_not_judged() -> None:
    """CDKMetadata is no resource; the bootstrap parameter and rule are read by nothing."""
    res = _resources(CDK_OUT)
    assert not any(r.type == "AWS::CDK::Metadata" for r in res.values())
    assert "CDKMetadata" not in res and "CheckBootstrapVersion" not in res and "BootstrapVersion" not in res
    assert not any("BootstrapVersion" in json.dumps(r.attributes) for r in res.values())
    doc = _scan_json(CDK_OUT)
    assert not any("CDKMetadata" in f["resource_id"] or "BootstrapVersion" in json.dumps(f) for f in doc["findings"])


def test_intrinsics_and_asset_parameters_are_resolved_or_unknown_never_guessed() -> None:
    res = _resources(CDK_OUT)
    code = res["Worker6F7A8B9C"].attributes["Code"]  # legacy synthesizer: asset parameters without values
    assert is_unknown(code["S3Bucket"]) and code["S3Bucket"]["__unknown__"].startswith("!Ref AssetParameters")
    assert is_unknown(code["S3Key"])
    fn = res["Processor8E4B2A61"]
    assert fn.attributes["Code"]["S3Key"].endswith(".zip")
    assert is_unknown(fn.attributes["Code"]["S3Bucket"])  # Fn::Sub of the account and region
    assert {(r.path, r.target) for r in fn.references} >= {("Role", "ProcessorServiceRole4C1D2E3F"),
                                                           ("Environment.Variables.DATA_BUCKET", "DataBucketE3889A50")}
    bucket = res["DataBucketE3889A50"].attributes
    kms = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert kms["SSEAlgorithm"] == "aws:kms" and is_unknown(kms["KMSMasterKeyID"])


def test_a_hand_written_template_stays_cloudformation(tmp_path: Path) -> None:
    t = tmp_path / "t.json"
    t.write_text('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Metadata": {"owner": "me"}}}}')
    (r,) = _resources(t).values()
    assert (r.source_format, r.construct_path) == ("cloudformation", "")
    assert "construct_path" not in r.to_dict()


def test_cdktf_comment_keys_are_not_attributes() -> None:
    """Terraform ignores "//" in block bodies (root, resources, nested blocks); a map value keeps it."""
    res = _resources(CDKTF_OUT)
    for r in res.values():
        assert "//" not in r.attributes, r.id
    assert res["aws_security_group.admin"].meta["lifecycle"] == {"create_before_destroy": True}
    assert res["aws_s3_bucket.site"].attributes["tags"] == {"//": "kept: a map key, not a block comment"}
    assert res["aws_s3_bucket.site"].construct_path == "web/site/bucket"
    assert res["data.aws_iam_policy_document.deny_insecure"].construct_path == "web/deny_insecure"
    assert res["aws_s3_bucket.site"].source_format == "cdktf" and res["provider.aws"].source_format == "terraform"
    for r in res.values():
        _schema("resource.schema.json").validate(r.to_dict())


def test_cdktf_attribute_lines_are_not_taken_from_the_comment() -> None:
    """The role's "//" metadata holds a key "path" above its real `path` attribute."""
    lines = CDK_TF.read_text().splitlines()
    role = _resources(CDKTF_OUT)["aws_iam_role.thumbnailer_role"]
    line = role.attribute_spans["path"].start_line
    assert lines[line - 1].strip().rstrip(",") == '"path": "/service/"'
    assert role.attributes["path"] == "/service/"


def test_comment_keys_at_every_block_level(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps({
        "//": "generated",
        "locals": {"//": "locals note", "name": "x"},
        "resource": {"//": "type level", "aws_s3_bucket": {"//": "label level", "b": {
            "//": {"metadata": {"path": "app/b", "uniqueId": "b"}}, "bucket": "${local.name}"}}},
    }, indent=1))
    res = _resources(tmp_path)
    assert sorted(res) == ["aws_s3_bucket.b"]
    assert res["aws_s3_bucket.b"].attributes == {"bucket": "x"}
    assert res["aws_s3_bucket.b"].construct_path == "app/b"


# --------------------------------------------------------------------------- findings and reports
def test_a_rule_fails_on_the_cdk_bucket_and_names_the_construct() -> None:
    doc = _scan_json(CDK_OUT)
    _schema("report.schema.json").validate(doc)
    hits = [f for f in doc["findings"] if f["resource_id"] == "UploadsBucket5E1E1B2A" and f["rule_id"] == "PG-AWS-S3-002"]
    assert [(f["status"], f["path"], f["construct_path"]) for f in hits] == [
        ("fail", "PublicAccessBlockConfiguration.BlockPublicPolicy", "StorageStack/Uploads/Resource")]
    assert hits[0]["location"]["file"].endswith("StorageStack.template.json")
    nested = [f for f in doc["findings"] if f["rule_id"] == "PG-AWS-EC2-001" and f["status"] == "fail"]
    assert [f["construct_path"] for f in nested] == ["StorageStack/Network/BastionSecurityGroup/Resource"]
    stage = [f for f in doc["findings"] if f["resource_id"] == "WebBucket12880F5B" and f["rule_id"] == "PG-AWS-S3-003"]
    assert [(f["status"], f["construct_path"]) for f in stage] == [("fail", "Prod/WebStack/WebBucket/Resource")]
    # every finding on a synthesized resource names its construct, passes included
    assert all(f.get("construct_path") for f in doc["findings"])


def test_cdktf_findings_name_the_construct() -> None:
    doc = _scan_json(CDKTF_OUT)
    _schema("report.schema.json").validate(doc)
    sg = [f for f in doc["findings"] if f["resource_id"] == "aws_security_group.admin" and f["status"] == "fail"]
    assert {f["construct_path"] for f in sg} == {"web/admin-sg"} and {f["rule_id"] for f in sg} >= {"PG-AWS-EC2-001"}
    pab = [f for f in doc["findings"] if f["resource_id"] == "aws_s3_bucket_public_access_block.site_pab" and f["status"] == "fail"]
    assert len(pab) == 4 and {f["construct_path"] for f in pab} == {"web/site/public-access"}


def test_sarif_text_junit_and_github_show_the_construct() -> None:
    code, out, _ = _cli("scan", str(STACK), "-f", "sarif")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    uploads = [r for r in results if r["ruleId"] == "PG-AWS-S3-002" and "UploadsBucket5E1E1B2A" in r["message"]["text"]]
    assert uploads and uploads[0]["properties"]["construct_path"] == "StorageStack/Uploads/Resource"
    code, out, _ = _cli("scan", str(STACK), "-f", "text")
    assert "      construct: StorageStack/Uploads/Resource" in out
    code, out, _ = _cli("scan", str(STACK), "-f", "junit")
    assert "construct: StorageStack/Uploads/Resource" in out
    code, out, _ = _cli("scan", str(STACK), "-f", "github")
    assert "Construct: StorageStack/Uploads/Resource" in out


def test_the_construct_path_is_not_part_of_the_fingerprint(tmp_path: Path) -> None:
    """Fingerprints (and so baselines) are what they were before construct paths: the same
    template at the same path, with and without the CDK metadata, fingerprints alike."""
    template = json.loads(STACK.read_text())
    target = tmp_path / STACK.name

    def prints() -> dict[tuple[str, str, str], str]:
        code, out, _ = _cli("scan", str(target), "-f", "json")
        assert code == 1
        return {(f["rule_id"], f["resource_id"], f["path"]): f["fingerprint"] for f in json.loads(out)["findings"]}

    target.write_text(json.dumps(template, indent=1))
    synthesized = prints()
    for body in template["Resources"].values():
        body.get("Metadata", {}).pop("aws:cdk:path", None)
    template["Resources"].pop("CDKMetadata")
    target.write_text(json.dumps(template, indent=1))
    assert prints() == synthesized and len(synthesized) > 20


def test_fixes_are_refused_on_synthesized_output(tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(DATA, work)
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    code, out, err = _cli("fix", str(work / "aws" / "cdk.out"), str(work / "cdktf" / "cdktf.out"), "--unsafe", "--write")
    text = out + err
    assert "refused: " in text
    assert ("synthesized by `cdk synth`, which rewrites it on every run: change the construct in the CDK app "
            "instead (construct StorageStack/Uploads/Resource)") in text
    assert "synthesized by `cdktf synth`" in text and "(construct web/admin-sg)" in text
    assert "verified fix" in text and " 0 verified fix(es)" in text
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file()} == before


def test_cdk_synth_yaml_on_stdin_names_the_construct(tmp_path: Path) -> None:
    """`cdk synth StorageStack | policyguard scan -`: the YAML the synth prints."""
    stream = yaml.safe_dump(json.loads(STACK.read_text()), sort_keys=False)
    proc = subprocess.run([sys.executable, "-m", "policyguard", "scan", "-", "--stdin-name", "StorageStack.yaml", "-f", "json"],
                          input=stream, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    hits = [f for f in doc["findings"] if f["resource_id"] == "UploadsBucket5E1E1B2A" and f["status"] == "fail"]
    assert hits and {f["construct_path"] for f in hits} == {"StorageStack/Uploads/Resource"}
    assert {f["location"]["file"] for f in hits} == {"StorageStack.yaml"}


@pytest.mark.parametrize(("name", "reason"), [
    ("manifest.json", "CDK cloud assembly manifest"),
    ("tree.json", "CDK construct tree"),
    ("asset.1c4d051549a3b64208b84f4b5b9eae3c1091e49b0a26173bb37445f756098162/k8s/job.yaml", "CDK asset"),
    ("asset.0f5de2a58e43ee1329e66fcea368cd6c74f75a74bf89514f4c6b9acf7b3f0d22/settings.json", "CDK asset"),
])
def test_byproducts_given_as_files_are_skipped_as_the_walk_skips_them(name: str, reason: str) -> None:
    """pre-commit passes changed files: a committed cdk.out's manifests and assets are skipped
    with the walk's reason (exit 3: nothing to judge), never judged as project files."""
    code, out, _ = _cli("scan", str(CDK_OUT / name), "-f", "json", "--verbose")
    doc = json.loads(out)
    assert code == 3 and doc["findings"] == [] and doc["errors"] == []
    assert [s["reason"].startswith(reason) for s in doc["skipped"]] == [True]


def test_a_cdktf_asset_given_as_a_file_is_skipped() -> None:
    asset = next((CDKTF_OUT / "stacks" / "web" / "assets").rglob("deploy.yaml"))
    d = discover([asset], excludes=[])
    assert d.units == [] and [why for _, why in d.skipped] == [
        "CDK for Terraform assets (copied files and archives), not IaC: their sources are scanned where they live in the project"]
    d = discover([CDK_TF], excludes=[])
    assert [u.format for u in d.units] == ["terraform"]
