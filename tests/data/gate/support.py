"""Hand-built scan results for the gate's unit tests (loaded by path from tests/test_gate*.py).

``build(file, specs)`` makes Resources whose spans point at real lines of ``file``: a spec names
the resource id, the text of its first line and, per attribute path, a text fragment of the
attribute's line, so spans follow the file when its lines move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyguard.model import Finding, Resource, RuleMeta, Severity, Span, Status
from policyguard.scan import ScanResult


@dataclass
class Spec:
    id: str
    header: str  # text on the resource's first line
    attributes: dict[str, Any]
    attr_lines: dict[str, str] = field(default_factory=dict)  # path -> text on its line
    platform: str = "terraform"
    type: str = "aws_s3_bucket"
    meta: dict[str, Any] = field(default_factory=dict)


def _find(lines: list[str], text: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if text in lines[i]:
            return i
    raise AssertionError(f"{text!r} not found in file")


def build_resources(file: Path, specs: list[Spec]) -> list[Resource]:
    lines = file.read_text().splitlines()
    starts = [_find(lines, s.header) for s in specs]
    out = []
    for spec, start in zip(specs, starts, strict=True):
        nxt = min([s for s in starts if s > start], default=len(lines))
        end = nxt - 1
        while end > start and not lines[end].strip():
            end -= 1
        span = Span(str(file), start + 1, 1, end + 1, len(lines[end]) + 1)
        attr_spans = {}
        for path, text in spec.attr_lines.items():
            i = _find(lines, text, start)
            col = len(lines[i]) - len(lines[i].lstrip()) + 1
            attr_spans[path] = Span(str(file), i + 1, col, i + 1, len(lines[i].rstrip()) + 1)
        out.append(
            Resource(
                id=spec.id, platform=spec.platform, type=spec.type, name=spec.id.split(".")[-1],
                attributes=spec.attributes, span=span, attribute_spans=attr_spans, meta=spec.meta,
            )
        )
    return out


def finding(res: Resource, rule_id: str, path: str = "", status: Status = Status.FAIL,
            severity: Severity = Severity.HIGH, message: str = "bad") -> Finding:
    return Finding(rule_id=rule_id, status=status, severity=severity, resource_id=res.id, resource_type=res.type,
                   platform=res.platform, span=res.span_for(path), message=message, path=path)


def meta(rule_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> RuleMeta:
    base: dict[str, Any] = dict(
        title=f"{rule_id} title", severity=severity, description=f"{rule_id} description.",
        remediation=f"Fix {rule_id}.", resource_types={"terraform": ("aws_s3_bucket",)},
        frameworks={"cis-aws": ("2.1.1",), "nist-800-53": ("SC-28",)},
    )
    base.update(kw)
    return RuleMeta(id=rule_id, **base)


def result(resources: list[Resource], findings: list[Finding], metas: list[RuleMeta] | None = None) -> ScanResult:
    r = ScanResult(resources=resources, findings=findings)
    r.rules = {m.id: m for m in (metas or [meta(f.rule_id, f.severity) for f in findings])}
    r.files = sorted({x.span.file for x in resources})
    return r


DATA = Path(__file__).parent


def pipeline_ready() -> str | None:
    """None when the scan pipeline (discover, parsers, engine, rule pack) is installed, else why
    not (for pytest.skip). A pipeline that is present but broken is *not* skipped: the end-to-end
    tests then fail and say so."""
    try:
        from policyguard import discover, engine, parsers  # noqa: F401
        from policyguard.engine.rules import builtin_rules_dir
    except ImportError as exc:
        return f"scan pipeline not available: {exc}"
    if not any(builtin_rules_dir().rglob("*.rego")):
        return "built-in rule pack not available"
    return None


def run_scan(*paths: str | Path) -> ScanResult:
    from policyguard.options import EvalOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan

    return scan(ScanOptions(read=ReadOptions(paths=[str(p) for p in paths]), evaluation=EvalOptions(jobs=1)))


def sample_report(tmp_path: Path, **verdict_kw: Any) -> Any:
    """A Report over a small Terraform file with fail, unknown, pass, suppressed and error findings,
    a parse error, a suppression notice and a fix rendered as text edits."""
    import datetime as dt

    from policyguard.gate.config import Config
    from policyguard.gate.evaluate import evaluate_gate
    from policyguard.gate.verdict import GateSettings
    from policyguard.model import ErrorKind, Fix, FixOp, ParseError, TextEdit

    f = tmp_path / "infra" / "main.tf"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(
        'resource "aws_db_instance" "a" {\n'
        "  publicly_accessible = true\n"
        "  storage_encrypted   = false # policyguard:ignore PG-T-002 reason=\"migrating, ticket OPS-1\" expires=2099-01-01 owner=dba\n"
        "  kms_key_id          = var.kms\n"
        "}\n"
        "\n"
        'resource "aws_db_instance" "b" {\n'
        "  # policyguard:ignore PG-T-009 reason=stale\n"
        "  publicly_accessible = false\n"
        "}\n"
    )
    a, b = build_resources(f, [
        Spec("aws_db_instance.a", '"a"', {"publicly_accessible": True, "storage_encrypted": False,
                                          "kms_key_id": {"__unknown__": "var.kms"}},
             {"publicly_accessible": "publicly_accessible", "storage_encrypted": "storage_encrypted",
              "kms_key_id": "kms_key_id"}, type="aws_db_instance"),
        Spec("aws_db_instance.b", '"b"', {"publicly_accessible": False}, {"publicly_accessible": "publicly_accessible"},
             type="aws_db_instance"),
    ])
    f1 = finding(a, "PG-T-001", "publicly_accessible", message="instance is publicly accessible")
    f1.fix = Fix("Make the instance private", (FixOp("set", "publicly_accessible", False),))
    f1.edits = (TextEdit(str(f), 2, 25, 2, 29, "false"),)
    fs = [
        f1,
        finding(a, "PG-T-002", "storage_encrypted", message="storage is not encrypted"),
        finding(a, "PG-T-003", "kms_key_id", status=Status.UNKNOWN, severity=Severity.MEDIUM, message="key unknown"),
        finding(b, "PG-T-001", "publicly_accessible", status=Status.PASS),
        finding(b, "PG-T-004", "", status=Status.FAIL, severity=Severity.LOW, message="low <thing> & \"quotes\""),
    ]
    fs[2].unknowns = ("var.kms",)
    # engine reports the resource span: the gate refines it to the attribute
    fs[1].span = a.span
    metas = [meta("PG-T-001", Severity.HIGH, fixable=True), meta("PG-T-002"), meta("PG-T-003", Severity.MEDIUM),
             meta("PG-T-004", Severity.LOW)]
    res = result([a, b], fs, metas)
    res.errors.append(ParseError(str(tmp_path / "infra" / "broken.yaml"), 3, 7, "mapping values are not allowed here",
                                 ErrorKind.PARSE))
    settings = GateSettings(**verdict_kw)
    return evaluate_gate(res, Config(), settings, root=str(tmp_path), today=dt.date(2026, 11, 22), tool_version="0.1.0")
