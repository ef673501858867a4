"""Helpers shared by the built-in Python rules (rules/README.md "Shared helpers"): the workload
pseudo type, a pod spec's containers and security contexts with their result paths, quoting and
unknown markers as the Rego rules word them.

Rules read the resource envelope (JSON data), never a file format, so this module knows only the
model: a workload's ``pod_spec`` and the paths the engine maps from ``pod_spec...`` onto the real
path. Every helper takes data of any shape (a scanned manifest is untrusted: ``containers`` may be
a string, a container ``null``) and skips what is not a mapping instead of raising.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policyguard.model import UNKNOWN_KEY

# the pseudo type of every object with a pod spec: built-in workload kinds and any pod carrier
# (resource_types={"kubernetes": [WORKLOAD]}; rules/README.md "Input")
WORKLOAD = "workload"

# the container lists of a pod spec, in the order results are reported
CONTAINER_KINDS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a pod spec: ``kind`` (a CONTAINER_KINDS entry), its index in that list,
    the mapping itself and ``path``, its result path (``pod_spec.initContainers[1]``)."""

    kind: str
    index: int
    spec: dict[str, Any]

    @property
    def path(self) -> str:
        return f"pod_spec.{self.kind}[{self.index}]"

    @property
    def name(self) -> Any:
        return self.spec.get("name")


@dataclass(frozen=True, slots=True)
class SecurityContext:
    """The pod's or a container's ``securityContext`` as written (``value``: anything, None when
    absent), its result ``path`` and ``who`` owns it for a message (``the pod``, ``container "app"``)."""

    path: str
    who: str
    value: Any

    def get(self, key: str) -> Any:
        """The context's ``key``, or None when the context is not a mapping."""
        return self.value.get(key) if isinstance(self.value, dict) else None


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The workload's pod spec (``resource["pod_spec"]``), or None when it is not a mapping."""
    spec = resource.get("pod_spec")
    return spec if isinstance(spec, dict) else None


def containers(spec: dict[str, Any]) -> Iterator[Container]:
    """Every container, init and ephemeral container of a pod spec that is a mapping, in
    CONTAINER_KINDS order then list order."""
    for kind in CONTAINER_KINDS:
        items = spec.get(kind)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield Container(kind, i, c)


def security_contexts(spec: dict[str, Any]) -> Iterator[SecurityContext]:
    """The pod's securityContext, then each container's (containers()), as written."""
    yield SecurityContext("pod_spec.securityContext", "the pod", spec.get("securityContext"))
    for c in containers(spec):
        yield SecurityContext(f"{c.path}.securityContext", f"container {quoted(c.name)}", c.spec.get("securityContext"))


def quoted(value: Any) -> str:
    """A value in double quotes as the Rego rules' messages show it (booleans in lower case)."""
    return '"' + (str(value).lower() if isinstance(value, bool) else str(value)) + '"'


def unknown_expr(value: Any) -> str | None:
    """The expression an unknown marker stands for (a result's ``expr``), None for a known value."""
    return str(value[UNKNOWN_KEY]) if isinstance(value, dict) and UNKNOWN_KEY in value else None
