"""Auto-remediation: one fix definition (``model.Fix``) rendered as formatting-preserving text
edits (HCL, YAML, JSON), unified diffs, SARIF fixes and RFC 6902 JSON Patch, each verified by a
re-scan before it is offered."""

from __future__ import annotations
