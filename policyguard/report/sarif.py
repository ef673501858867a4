"""SARIF 2.1.0, built with the ``sarif-om`` object model (one run).

Parse errors are *results* of a dedicated ``parse-error`` rule (level ``error``) located at the
file, line and column that failed: GitHub code scanning turns results into alerts and PR
annotations, while ``toolExecutionNotifications`` only show on the tool-status page, where a
broken file would go unseen. The same errors are also listed as notifications for consumers
that judge run health from the invocation. Rule crashes (``error`` verdicts) are notifications
tied to the rule: they are tool failures, not findings about the code.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from policyguard.gate.report import Report
from policyguard.model import Finding, ParseError, RuleMeta, Severity, Status
from policyguard.report import jsontext

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
PARSE_ERROR_RULE = "parse-error"
INFO_URI = "https://github.com/policyguard/policyguard"

# rule confidence -> SARIF precision (very-high is for rules that cannot be wrong: none here)
PRECISION = {"high": "high", "medium": "medium", "low": "low"}
# GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9), low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
INLINE_SOURCES = ("inline", "annotation", "metadata")
# emitted even when equal to the SARIF default: readers should not have to know the defaults
_ALWAYS = {"Result": ("kind", "level"), "Notification": ("level",)}


_FIELDS: dict[type, list[tuple[str, str, Any, bool]]] = {}
_PLAIN = frozenset({str, int, float, bool})  # returned as they are (the common case, tested first)
_NO_DEFAULT = object()


def _fields(cls: type) -> list[tuple[str, str, Any, bool]] | None:
    """(attribute, JSON name, default, always emit) per sarif-om class, computed once."""
    spec = _FIELDS.get(cls)
    if spec is None:
        import attr

        if not attr.has(cls):
            return None
        spec = []
        for f in attr.fields(cls):
            default = f.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            elif default is attr.NOTHING:
                default = _NO_DEFAULT
            name = f.metadata.get("schema_property_name", f.name)
            if name == "state" and cls.__name__ == "Suppression":
                name = "status"
            spec.append((f.name, name, default, name in _ALWAYS.get(cls.__name__, ())))
        _FIELDS[cls] = spec
    return spec


def to_jsonable(obj: Any) -> Any:
    """sarif-om objects (attrs classes) -> plain JSON with the schema's property names.

    Fields left at their attrs default are omitted (sarif-om defaults such as ``rank=-1`` are
    placeholders, not values to emit). sarif-om names the suppression status ``state``; SARIF
    2.1.0 calls it ``status``, so it is renamed here.
    """
    t = type(obj)
    if t in _PLAIN or obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    spec = _FIELDS.get(t) or _fields(t)
    if spec is None:
        return obj
    out: dict[str, Any] = {}
    for attr_name, name, default, explicit in spec:
        value = getattr(obj, attr_name)
        if value is None or (not explicit and default is not _NO_DEFAULT and value == default):
            continue
        out[name] = value if type(value) in _PLAIN else to_jsonable(value)
    return out


def _rule_descriptor(meta: RuleMeta, doc_url: str = "") -> Any:
    import sarif_om as so

    tags = ["security", "iac"]
    tags += sorted(meta.resource_types)
    tags += list(meta.tags)
    compliance = []
    for fw, ids in sorted(meta.frameworks.items()):
        for cid in ids:
            tags.append(f"{fw}/{cid}")
            compliance.append((fw, cid))
    full = meta.description or meta.title
    help_text = full + (f"\n\nRemediation: {meta.remediation}" if meta.remediation else "")
    md = [f"**{meta.title}** ({meta.severity.label})", "", full]
    if meta.remediation:
        md += ["", "**Remediation:** " + meta.remediation]
    if compliance:
        md += ["", "| Framework | Control |", "|---|---|"] + [f"| {fw} | {cid} |" for fw, cid in compliance]
    types = [f"{p}: {', '.join(t)}" for p, t in sorted(meta.resource_types.items())]
    if types:
        md += ["", "Applies to " + "; ".join(types) + "."]
    if meta.fixable:
        md += ["", "`policyguard fix` can remediate this automatically."]
    if doc_url:
        md += ["", f"[Rule documentation]({doc_url}): examples of failing and passing configuration."]
    return so.ReportingDescriptor(
        id=meta.id,
        help_uri=doc_url or None,
        name=meta.id.replace("-", ""),
        short_description=so.MultiformatMessageString(text=meta.title),
        full_description=so.MultiformatMessageString(text=full),
        help=so.MultiformatMessageString(text=help_text, markdown="\n".join(md)),
        default_configuration=so.ReportingConfiguration(level=LEVEL[meta.severity]),
        properties={
            "security-severity": SECURITY_SEVERITY[meta.severity],
            "problem.severity": "error" if meta.severity >= Severity.HIGH else "warning",
            # GitHub code scanning ranks and filters alerts by precision
            "precision": PRECISION.get(meta.confidence, "medium"),
            "tags": list(dict.fromkeys(tags)),
            "policyguard-severity": meta.severity.label,
            "policyguard-profile": meta.profile,
        },
    )


def _parse_error_descriptor() -> Any:
    import sarif_om as so

    text = "policyguard could not parse this file, so no rule judged it. A file that cannot be parsed fails the gate."
    return so.ReportingDescriptor(
        id=PARSE_ERROR_RULE,
        name="ParseError",
        short_description=so.MultiformatMessageString(text="File could not be parsed"),
        full_description=so.MultiformatMessageString(text=text),
        help=so.MultiformatMessageString(text=text + " Fix the syntax error at the reported location.",
                                         markdown="**File could not be parsed.** " + text),
        default_configuration=so.ReportingConfiguration(level="error"),
        properties={"security-severity": "8.0", "problem.severity": "error", "tags": ["policyguard", "parse-error"]},
    )


def _location(report: Report, file: str, sl: int, sc: int, el: int, ec: int) -> Any:
    import sarif_om as so

    sl, sc = max(sl, 1), max(sc, 1)
    el, ec = max(el, sl), max(ec, 1)
    if el == sl and ec < sc:
        ec = sc
    rel = report.rel(file)
    if rel.startswith("/"):
        art = so.ArtifactLocation(uri=Path(rel).as_uri())
    else:
        art = so.ArtifactLocation(uri=rel, uri_base_id=SRCROOT)
    region = so.Region(start_line=sl, start_column=sc, end_line=el, end_column=ec)
    return so.Location(physical_location=so.PhysicalLocation(artifact_location=art, region=region))


def _suppression(report: Report, f: Finding) -> Any:
    import sarif_om as so

    s = f.suppression
    assert s is not None
    just = s.reason or "no reason given"
    if s.owner:
        just += f" (owner: {s.owner})"
    if s.expires:
        just += f" (expires: {s.expires})"
    return so.Suppression(
        kind="inSource" if s.source in INLINE_SOURCES else "external",
        state="accepted",
        justification=just,
        properties={"source": s.source, "owner": s.owner, "expires": s.expires,
                    "location": s.location if s.source == "baseline" else report.rel_location(s.location),
                    **({"name": s.name} if s.name else {})},
    )


def _fixes(report: Report, f: Finding) -> list[Any] | None:
    if not f.edits:
        return None
    import sarif_om as so

    by_file: dict[str, list[Any]] = {}
    for e in f.edits:
        region = so.Region(start_line=e.start_line, start_column=e.start_col, end_line=e.end_line, end_column=e.end_col)
        by_file.setdefault(e.file, []).append(
            so.Replacement(deleted_region=region, inserted_content=so.ArtifactContent(text=e.text))
        )
    changes = []
    for file, repl in by_file.items():
        loc = _location(report, file, 1, 1, 1, 1).physical_location.artifact_location
        changes.append(so.ArtifactChange(artifact_location=loc, replacements=repl))
    desc = f.fix.description if f.fix is not None else "Apply the policyguard fix"
    safety = f.fix.safety if f.fix is not None else "behaviour-changing"
    return [so.Fix(description=so.Message(text=f"{desc} ({safety})"), artifact_changes=changes, properties={"safety": safety})]


def _result(report: Report, f: Finding, rule_index: dict[str, int]) -> Any:
    import sarif_om as so

    if f.status == Status.UNKNOWN and report.verdict.unknown_as != "fail":
        kind, level = "review", "none"
    else:
        kind, level = "fail", LEVEL[f.severity]
    text = report.message(f)
    if f.call_chain:
        text += f" (in {report.called_from(f)})"
    at = report.anchor(f)  # a module downloaded into the cache: the call in the repository
    loc = _location(report, at.file, at.start_line, at.start_col, at.end_line, at.end_col)
    loc.logical_locations = [so.LogicalLocation(fully_qualified_name=f.resource_id, kind="resource")]
    props: dict[str, Any] = {"status": str(f.status), "severity": f.severity.label, "resource_type": f.resource_type}
    if f.path:
        props["attribute_path"] = f.path
    if f.construct_path:  # synthesized CDK output: the construct to change in the app
        props["construct_path"] = f.construct_path
    if f.origin:
        props["origin"] = f.origin
    fp = f.fingerprint or "0"
    res = so.Result(
        rule_id=f.rule_id,
        rule_index=rule_index.get(f.rule_id, -1),
        kind=kind,
        level=level,
        message=so.Message(text=text),
        locations=[loc],
        partial_fingerprints={"primaryLocationLineHash": fp if ":" in fp else fp + ":1"},
        fingerprints={"policyguard/v1": fp},
        properties=props,
    )
    if f.call_chain:
        res.related_locations = _call_sites(report, f, at)
    if f.status == Status.SUPPRESSED:
        res.suppressions = [_suppression(report, f)]
        if f.suppression is not None and f.suppression.source == "baseline":
            res.baseline_state = "unchanged"
    elif report.baseline is not None:
        res.baseline_state = "new"
    fixes = _fixes(report, f)
    if fixes:
        res.fixes = fixes
    return res


def _call_sites(report: Report, f: Finding, at: Any) -> list[Any]:
    """The module blocks a finding's resource was instantiated through, and the resource's own
    place when the primary location is one of those blocks."""
    import sarif_om as so

    out = []
    for i, c in enumerate(f.call_chain):
        loc = _location(report, c.file, c.line, c.column, c.line, c.column + 1)
        loc.id = i + 1
        loc.message = so.Message(text=f"{c.address} called here")
        out.append(loc)
    if at is not f.span:
        s = f.span
        loc = _location(report, s.file, s.start_line, s.start_col, s.end_line, s.end_col)
        loc.id = len(out) + 1
        loc.message = so.Message(text=f"{f.resource_id} is defined here (downloaded module)")
        out.append(loc)
    return out


def _parse_error_result(report: Report, e: ParseError, index: int) -> Any:
    import sarif_om as so

    loc = _location(report, e.file, e.line, e.column, e.line, e.column + 1)
    return so.Result(
        rule_id=PARSE_ERROR_RULE,
        rule_index=index,
        kind="fail",
        level="error",
        message=so.Message(text=f"{e.kind}: {e.message}"),
        locations=[loc],
        partial_fingerprints={"primaryLocationLineHash": f"{e.kind}:{report.rel(e.file)}:1"},
        properties={"kind": str(e.kind)},
    )


def _automation_id(category: str) -> str:
    """GitHub reads ``automationDetails.id`` as ``<category>/<run id>``: a bare category gets the
    trailing slash so it is never taken for a run id."""
    category = category or "policyguard"
    return category if category.endswith("/") else category + "/"


def build(report: Report) -> dict[str, Any]:
    """The whole log as one JSON value (``write`` streams the same value)."""
    doc = document(report)
    for run in doc["runs"]:
        if isinstance(run.get("results"), jsontext.Rows):
            run["results"] = list(run["results"].items)
    return doc


def write(report: Report, out: TextIO) -> None:
    """Write the log to ``out``, each result built, encoded and written in turn: the report's
    memory is that of one result, whatever their number."""
    jsontext.write(document(report), out, pretty=report.pretty)


def _results(report: Report, rule_index: dict[str, int]) -> Iterator[Any]:
    for f in report.findings:
        if f.status in (Status.PASS, Status.ERROR):
            continue
        if f.status == Status.UNKNOWN and report.verdict.unknown_as == "pass":
            continue
        yield to_jsonable(_result(report, f, rule_index))
    for e in report.errors:
        yield to_jsonable(_parse_error_result(report, e, rule_index[PARSE_ERROR_RULE]))


def document(report: Report) -> dict[str, Any]:
    """The log with the run's results as ``jsontext.Rows`` (built when written)."""
    import sarif_om as so

    metas = [report.rules[k] for k in sorted(report.rules)]
    descriptors = [_rule_descriptor(m, report.doc_url(m.id)) for m in metas]
    rule_index = {m.id: i for i, m in enumerate(metas)}
    if report.errors:
        rule_index[PARSE_ERROR_RULE] = len(descriptors)
        descriptors.append(_parse_error_descriptor())

    notifications = []
    for e in report.errors:
        notifications.append(
            so.Notification(
                level="error",
                message=so.Message(text=f"{e.kind}: {e.message}"),
                locations=[_location(report, e.file, e.line, e.column, e.line, e.column + 1)],
                descriptor=so.ReportingDescriptorReference(id=PARSE_ERROR_RULE, index=rule_index[PARSE_ERROR_RULE]),
            )
        )
    for f in report.findings:
        if f.status == Status.ERROR:
            notifications.append(
                so.Notification(
                    level="error",
                    message=so.Message(text=f"rule {f.rule_id} failed on {f.resource_id}: {f.message}"),
                    locations=[_location(report, f.span.file, f.span.start_line, f.span.start_col,
                                         f.span.end_line, f.span.end_col)],
                    associated_rule=so.ReportingDescriptorReference(id=f.rule_id, index=rule_index.get(f.rule_id, -1)),
                )
            )
    for n in report.notices:
        notifications.append(
            so.Notification(
                level="warning",
                message=so.Message(text=f"{n.subject} {n.kind}: {n.message}"),
                locations=[_location(report, n.file, n.line, 1, n.line, 1)],
            )
        )

    if report.display_filter is not None:
        notifications.append(so.Notification(level="warning", message=so.Message(text=report.filter_text())))
    if not report.files and not report.errors:  # an empty scan: say so where run health is judged
        notifications.append(so.Notification(level="warning", message=so.Message(text=report.verdict.reason)))
    root_uri = Path(report.root).as_uri().rstrip("/") + "/" if report.root else None
    invocation = so.Invocation(
        execution_successful=True,
        exit_code=report.verdict.exit_code,
        tool_execution_notifications=notifications or None,
    )
    run = so.Run(
        tool=so.Tool(
            driver=so.ToolComponent(
                name="policyguard",
                version=report.tool_version or None,
                semantic_version=report.tool_version or None,
                information_uri=INFO_URI,
                rules=descriptors,
            )
        ),
        automation_details=so.RunAutomationDetails(id=_automation_id(report.automation_id)),
        invocations=[invocation],
        results=[PARSE_ERROR_RULE],  # a placeholder holding the key's place: the rows go there
        column_kind="unicodeCodePoints",
    )
    if root_uri:
        run.original_uri_base_ids = {SRCROOT: so.ArtifactLocation(uri=root_uri)}
    log = so.SarifLog(version="2.1.0", schema_uri=SARIF_SCHEMA, runs=[run])
    doc: dict[str, Any] = to_jsonable(log)
    doc["runs"][0]["results"] = jsontext.Rows(_results(report, rule_index), layout="indent")
    # keep "$schema" and "version" first for readers that sniff the head of the file
    return {"$schema": doc.pop("$schema"), "version": doc.pop("version"), **doc}


def render(report: Report, *, color: bool = False) -> str:
    """Compact by default (CPython's C encoder; ``indent`` runs the pure-Python one, seconds on a
    large run), indented when ``report.pretty`` (``--pretty``)."""
    buf = io.StringIO()
    write(report, buf)
    return buf.getvalue()
