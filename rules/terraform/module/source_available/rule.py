"""PG-TF-MODULE-001: every module a Terraform root calls is on disk, so its resources are judged.

A module call whose source is not on disk (a registry, git or http source that `terraform init`
has not downloaded into `.terraform/modules`, or a local path with no `.tf` files) hides every
resource inside it: without this rule such a root would pass with nothing evaluated and nothing
said. The verdict is `unknown` (the module may well be compliant), located at the `module` block,
so it is counted, suppressible and gated by `--unknown-as` like every unknown. It is given for
every instance of a call with `count`/`for_each` (`module.x[0]`, `module.x[1]`...): answering
once per call would leave the other instances with a `pass` for code nobody read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, rule, unknown

_LOCAL = ("./", "../")


@rule(
    id="PG-TF-MODULE-001",
    title="Terraform module sources are available to scan",
    # high: a module usually holds the resources the policy is about, and `--unknown-as fail`
    # at the default `--fail-on high` must not let an unscanned module through
    severity="high",
    profile="baseline",
    confidence="high",
    resource_types={"terraform": ["module"]},
    description=(
        "policyguard evaluates the resources inside a module only when the module's source is on disk. "
        "A registry, git or http source is read from .terraform/modules (where `terraform init` puts it, "
        "listed in .terraform/modules/modules.json); a local path must hold .tf files. Otherwise nothing "
        "inside the module was checked, and the call is reported as unknown."
    ),
    remediation=(
        "Run `terraform init` (or `terraform get`) in the root module directory before scanning, or fix "
        "the local module path, or scan with `--download-modules`; suppress PG-TF-MODULE-001 on the module block if it is checked elsewhere."
    ),
    frameworks={},
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    meta = resource.get("meta") or {}
    if meta.get("resolved", True):
        return
    source = str(meta.get("source") or "")
    version = meta.get("version")
    label = f"module.{resource.get('name')}"
    what = f"source {source!r}" + (f" version {version!r}" if version else "")
    download = meta.get("download")
    if isinstance(download, dict) and download.get("error"):
        how = f"{download['error']} (--download-modules)"
    elif source.startswith(_LOCAL) or source in (".", ".."):
        how = "the local path holds no Terraform files: fix the path or check the module out"
    elif source:
        how = ("it is not downloaded: run `terraform init` in the root module directory so "
               ".terraform/modules/modules.json lists it, then scan again (or scan with --download-modules)")
    else:
        how = str(meta.get("reason") or "its source is not a literal string")
    yield unknown(f"{label} ({what}) is not on disk, so nothing inside it was evaluated; {how}",
                  expr=f"module.{resource.get('name')}.source = {source!r}" if source else label)
