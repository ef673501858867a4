"""Shared helpers of the engine tests (test_engine_*.py, test_rule_pack.py); holds no tests itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from policyguard.model import Reference, Resource, Span, unknown
from policyguard.options import EvalOptions, RuleOptions
from policyguard.scan import ScanOptions, link_references

REPO = Path(__file__).resolve().parent.parent
TEST_RULES = REPO / "tests" / "data" / "rules"


def have_golib() -> bool:
    try:
        import opa_bindings  # noqa: F401
    except ImportError:
        return False
    return True


def tf(rid: str, attrs: dict[str, Any], refs: list[Reference] | None = None, line: int = 1) -> Resource:
    rtype, name = rid.split(".", 1)
    return Resource(id=rid, platform="terraform", type=rtype, name=name, attributes=attrs,
                    span=Span("main.tf", line, 1, line + 4, 2), source_format="terraform",
                    references=list(refs or []))


def options(rules: list[str], engine: str = "embedded", **kw: Any) -> ScanOptions:
    """Test rules ``rules`` (and ``rule_dirs``) alone; other keywords: rule or evaluation options."""
    dirs = [str(TEST_RULES / r) for r in rules] + list(kw.pop("rule_dirs", []))
    evaluation = {k: kw.pop(k) for k in list(kw) if k in EvalOptions.__dataclass_fields__}
    return ScanOptions(rules=RuleOptions(rule_dirs=dirs, builtin_rules=False, **kw),
                       evaluation=EvalOptions(rego_engine=engine, **evaluation))


def s3_unit() -> list[Resource]:
    """Buckets: a (no encryption), b (separate config resource), c (separate, algorithm var.x),
    d (inline block); volumes: v (encrypted = var.enc), w (false), e (true)."""
    rs = [
        tf("aws_s3_bucket.a", {"bucket": "a"}),
        tf("aws_s3_bucket.b", {"bucket": "b"}),
        tf("aws_s3_bucket_server_side_encryption_configuration.b",
           {"bucket": unknown("aws_s3_bucket.b.id"),
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]},
           [Reference("bucket", "aws_s3_bucket.b", "aws_s3_bucket.b.id")]),
        tf("aws_s3_bucket.c", {"bucket": "c"}),
        tf("aws_s3_bucket_server_side_encryption_configuration.c",
           {"bucket": unknown("aws_s3_bucket.c.id"),
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": unknown("var.x")}]}]},
           [Reference("bucket", "aws_s3_bucket.c", "aws_s3_bucket.c.id")]),
        tf("aws_s3_bucket.d", {"bucket": "d", "server_side_encryption_configuration": [
            {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]}]}),
        tf("aws_ebs_volume.v", {"encrypted": unknown("var.enc"), "size": 10}),
        tf("aws_ebs_volume.w", {"encrypted": False, "size": 10}),
        tf("aws_ebs_volume.e", {"encrypted": True, "size": 10}),
    ]
    link_references(rs)
    return rs


def k8s_deployment(privileged: bool, name: str = "web") -> Resource:
    attrs = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "prod"},
        "spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": privileged}}],
        }}},
    }
    return Resource(id=f"apps/v1/Deployment/prod/{name}", platform="kubernetes", type="apps/v1/Deployment",
                    name=name, attributes=attrs, span=Span("manifest.yaml", 1, 1, 12, 1),
                    source_format="kubernetes", pod_spec_path="spec.template.spec",
                    attribute_spans={"spec.template.spec.containers[0].securityContext.privileged":
                                     Span("manifest.yaml", 9, 13, 9, 30)})


def comparable(findings: list[Any]) -> list[tuple[Any, ...]]:
    """What must be identical across backends (error messages may word the engine's error)."""
    out = []
    for f in findings:
        msg = f.message if f.status != "error" else ""
        out.append((f.rule_id, f.resource_id, str(f.status), f.path, msg, f.unknowns,
                    f.fix.to_dict() if f.fix else None, f.span.to_dict()))
    return out


def corpus_dir() -> Path:
    return Path(os.environ.get("POLICYGUARD_CORPUS", str(REPO.parent / "shared" / "corpus")))


def probe_engine(kind: str, probe: str) -> Any:
    """A bare Rego engine ("regorus" or "opa", the golib reference) holding the rule library and
    one probe module: for testing library helpers without the driver."""
    from policyguard.engine.rules import library_modules

    if kind == "regorus":
        import regorus

        eng = regorus.Engine()
    else:
        import opa_bindings

        eng = opa_bindings.OpaEngine()
    for file, source in library_modules():
        eng.add_policy(file, source)
    eng.add_policy("t.rego", probe)
    return eng
