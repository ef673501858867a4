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
    """None when ``scan`` works end to end on a Terraform input, else why not (for pytest.skip)."""
    try:
        from policyguard.scan import ScanOptions, scan

        res = scan(ScanOptions(paths=[str(DATA / "terraform")], jobs=1))
    except Exception as exc:  # parsers/engine not landed yet
        return f"scan pipeline not available: {type(exc).__name__}: {exc}"
    if not any(f.status == Status.FAIL for f in res.findings):
        return "scan pipeline produces no findings yet (rule pack not landed)"
    return None


def run_scan(*paths: str | Path) -> ScanResult:
    from policyguard.scan import ScanOptions, scan

    return scan(ScanOptions(paths=[str(p) for p in paths], jobs=1))
