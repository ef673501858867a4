"""The gate: scan, then turn findings into reports and an exit code.

(First cut: text/json reports and the basic exit code. Config, suppressions, baselines,
thresholds and the other reporters are built on this by the gate work.)
"""

from __future__ import annotations

import json
import sys
from typing import Any

from policyguard.model import Severity, Status
from policyguard.scan import ScanOptions, ScanResult, scan

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def options_from_cli(kw: dict[str, Any]) -> ScanOptions:
    variables = {}
    for item in kw.get("variables") or ():
        name, _, value = str(item).partition("=")
        variables[name] = value
    return ScanOptions(
        paths=list(kw["paths"]),
        excludes=list(kw.get("excludes") or ()),
        rule_dirs=list(kw.get("rule_dirs") or ()),
        builtin_rules=not kw.get("no_builtin_rules"),
        enabled_rules=list(kw.get("only_rules") or ()),
        disabled_rules=list(kw.get("skip_rules") or ()),
        frameworks=list(kw.get("frameworks") or ()),
        var_files=list(kw.get("var_files") or ()),
        variables=variables,
        jobs=int(kw.get("jobs") or 0),
        rego_engine=str(kw.get("rego_engine") or "embedded"),
        opa_path=kw.get("opa_path"),
        opa_url=kw.get("opa_url"),
        evaluate=not kw.get("parse_only"),
    )


def exit_code(result: ScanResult, fail_on: Severity = Severity.HIGH) -> int:
    if result.errors:
        return EXIT_ERROR
    if any(f.status == Status.FAIL and f.severity >= fail_on for f in result.findings):
        return EXIT_FAIL
    return EXIT_OK


def run_scan_command(**kw: Any) -> int:
    result = scan(options_from_cli(kw))
    fmt = (kw.get("formats") or ("text",))[0]
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        for e in result.errors:
            print(str(e))
        for f in result.findings:
            if f.status != Status.PASS:
                print(f"{f.span.file}:{f.span.start_line}: {f.status} {f.rule_id} {f.severity.label} {f.resource_id}: {f.message}")
    return exit_code(result)
