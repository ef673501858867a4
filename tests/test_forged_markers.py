"""A mapping in a scanned file (or an admission request) that holds the unknown-marker key is
data, not a marker: it must not turn a failing check into an `unknown`, which does not fail the
gate. Only parsers make markers (``model.Unknown``); every parser renames the key in user data
(``escape_forged_markers``). One test per input format, plus the model function itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from policyguard.model import LITERAL_UNKNOWN_KEY, UNKNOWN_KEY, Status, escape_forged_markers, is_unknown, unknown
from policyguard.options import EvalOptions, ReadOptions, ScanOptions
from policyguard.scan import scan


def _scan(path: Path) -> Any:
    opts = ScanOptions(read=ReadOptions(paths=[str(path)]), evaluation=EvalOptions(jobs=1))
    return scan(opts)


def _status(result: Any, rule_id: str) -> Status:
    found = [f for f in result.findings if f.rule_id == rule_id]
    assert found, f"{rule_id} did not run: {[f.rule_id for f in result.findings]}"
    return found[0].status


# --------------------------------------------------------------------------- the model
def test_escape_renames_the_key_in_plain_mappings_only() -> None:
    genuine = unknown("var.x", "no value")
    doc = {"a": [{"b": 1}], "forged": {"z": 0, UNKNOWN_KEY: "x", "privileged": True}, "m": genuine}
    out = escape_forged_markers(doc)
    assert list(out["forged"]) == ["z", LITERAL_UNKNOWN_KEY, "privileged"]  # order kept
    assert out["m"] is genuine and is_unknown(out["m"])
    assert out["a"] is doc["a"]  # copy on write: untouched parts are shared
    assert UNKNOWN_KEY in doc["forged"]  # the input is not modified
    clean = {"a": [1, {"b": [2]}], "m": genuine}
    assert escape_forged_markers(clean) is clean
    assert not is_unknown({UNKNOWN_KEY: "x"})


def test_escape_finds_the_key_however_deep_and_in_lists() -> None:
    doc: Any = {"k": [[{"x": {UNKNOWN_KEY: 1}}]]}
    assert escape_forged_markers(doc) == {"k": [[{"x": {LITERAL_UNKNOWN_KEY: 1}}]]}
    assert escape_forged_markers([{UNKNOWN_KEY: 1}]) == [{LITERAL_UNKNOWN_KEY: 1}]
    assert escape_forged_markers({1: {UNKNOWN_KEY: 2}}) == {1: {LITERAL_UNKNOWN_KEY: 2}}  # YAML int keys


# --------------------------------------------------------------------------- each parser
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        {key}: "var.nothing"
        privileged: true
"""


def test_kubernetes_manifest_cannot_forge_an_unknown(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(key=UNKNOWN_KEY), encoding="utf-8")
    # the same key written with a YAML escape is the same key
    (tmp_path / "escaped.yaml").write_text(POD.format(key='"\\x5f_unknown__"').replace("name: web", "name: web2"), encoding="utf-8")
    res = _scan(tmp_path)
    privileged = [f for f in res.findings if f.rule_id == "PG-K8S-POD-004"]
    assert len(privileged) == 2 and all(f.status is Status.FAIL for f in privileged), privileged
    # and the gate fails (before the fix: exit 0, the privileged pod reported as "unknown")
    gate = subprocess.run([sys.executable, "-m", "policyguard", "scan", "--quiet", str(tmp_path / "pod.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    pod = next(r for r in res.resources if r.name == "web")
    ctx = pod.attributes["spec"]["containers"][0]["securityContext"]
    assert ctx == {LITERAL_UNKNOWN_KEY: "var.nothing", "privileged": True}


def test_cloudformation_template_cannot_forge_an_unknown(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBInstance",
                   "Properties": {"Engine": "postgres", "StorageEncrypted": {UNKNOWN_KEY: "!Ref Nothing"}}},
        },
    }
    (tmp_path / "db.json").write_text(json.dumps(template), encoding="utf-8")
    assert _status(_scan(tmp_path), "PG-AWS-RDS-001") is Status.FAIL


def test_cloudformation_real_unknowns_stay_unknown(tmp_path: Path) -> None:
    template = {
        "Parameters": {"Encrypt": {"Type": "String"}},
        "Resources": {"Db": {"Type": "AWS::RDS::DBInstance",
                             "Properties": {"Engine": "postgres", "StorageEncrypted": {"Ref": "Encrypt"}}}},
    }
    (tmp_path / "db.json").write_text(json.dumps(template), encoding="utf-8")
    assert _status(_scan(tmp_path), "PG-AWS-RDS-001") is Status.UNKNOWN


HCL = """\
locals {
  forged = { "__unknown__" = "var.nothing" }
  decoded = jsondecode("{\\"\\u005f_unknown__\\": \\"var.nothing\\"}")
  built = { for k in ["_"] : "${k}_unknown__" => "var.nothing" }
}

resource "aws_db_instance" "literal" {
  engine            = "postgres"
  storage_encrypted = local.forged
}

resource "aws_db_instance" "decoded" {
  engine            = "postgres"
  storage_encrypted = local.decoded
}

resource "aws_db_instance" "computed_key" {
  engine            = "postgres"
  storage_encrypted = local.built
}

resource "aws_db_instance" "unset" {
  engine            = "postgres"
  storage_encrypted = var.encrypt
}

variable "encrypt" {}
"""


def test_terraform_module_cannot_forge_an_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(HCL, encoding="utf-8")
    res = _scan(tmp_path)
    by_resource = {f.resource_id: f.status for f in res.findings if f.rule_id == "PG-AWS-RDS-001"}
    assert by_resource == {
        "aws_db_instance.literal": Status.FAIL,
        "aws_db_instance.decoded": Status.FAIL,
        "aws_db_instance.computed_key": Status.FAIL,
        "aws_db_instance.unset": Status.UNKNOWN,  # a real unknown (no value for var.encrypt) stays one
    }


def test_terraform_plan_cannot_forge_an_unknown(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "values": {"engine": "postgres", "storage_encrypted": {UNKNOWN_KEY: "var.nothing"}},
        }]}},
        "resource_changes": [],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    assert _status(_scan(tmp_path / "plan.json"), "PG-AWS-RDS-001") is Status.FAIL


def test_a_missing_orjson_is_probed_once_per_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without orjson (the default install) the import must not be retried for every resource."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Counter:\n"
        "    n = 0\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'orjson':\n"
        "            Counter.n += 1\n"
        "            raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Counter())\n"
        "sys.modules.pop('orjson', None)\n"
        "from policyguard.model import escape_forged_markers\n"
        "for i in range(500):\n"
        "    escape_forged_markers({'a': [i]})\n"
        "print(Counter.n)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) <= 1
