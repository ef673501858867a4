"""From findings to an admission decision: enforcement modes, exclusions, operation scoping."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from policyguard.model import Finding, RuleMeta, Severity, Status
from policyguard.webhook.admission import Review
from policyguard.webhook.config import WebhookConfig


@dataclass(slots=True)
class Hit:
    """One failing (or erroring) rule on the reviewed object, with the mode it is enforced in."""

    rule_id: str
    mode: str
    severity: Severity
    message: str
    path: str
    remediation: str
    status: Status = Status.FAIL

    def short(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"[{self.rule_id}] {self.message}{where}"


@dataclass(slots=True)
class Decision:
    deny: list[Hit] = field(default_factory=list)
    warn: list[Hit] = field(default_factory=list)
    audit: list[Hit] = field(default_factory=list)
    errors: list[Hit] = field(default_factory=list)  # rules that crashed/timed out

    @property
    def allowed(self) -> bool:
        return not self.deny

    def rule_ids(self) -> dict[str, list[str]]:
        return {
            "deny": [h.rule_id for h in self.deny],
            "warn": [h.rule_id for h in self.warn],
            "audit": [h.rule_id for h in self.audit],
            "error": [h.rule_id for h in self.errors],
        }


def skip_reason(review: Review, cfg: WebhookConfig, operation_rule_ids: set[str]) -> str | None:
    """Why this request is allowed without evaluation, or None when it must be judged."""
    if review.sub_resource and not ("*" in cfg.subresources or review.sub_resource in cfg.subresources):
        return f"subresource {review.sub_resource!r} is not judged"
    if review.namespace and any(fnmatch.fnmatchcase(review.namespace, p) for p in cfg.exclude_namespaces):
        return f"namespace {review.namespace!r} is excluded"
    if review.user and any(fnmatch.fnmatchcase(review.user, p) for p in cfg.exclude_users):
        return f"user {review.user!r} is excluded"
    for g in review.groups:
        if any(fnmatch.fnmatchcase(g, p) for p in cfg.exclude_groups):
            return f"group {g!r} is excluded"
    if review.operation in ("DELETE", "CONNECT") and not operation_rule_ids:
        return f"no rule targets {review.operation}"
    return None


def rules_for_operation(operation: str, cfg: WebhookConfig, metas: dict[str, RuleMeta]) -> set[str]:
    """Rule ids that judge a DELETE/CONNECT: listed in ``operation_rules`` or tagged ``admission:<op>``."""
    ids = set(cfg.operation_rules.get(operation, []))
    tag = f"admission:{operation.lower()}"
    ids.update(rid for rid, m in metas.items() if tag in m.tags)
    return ids


def decide(
    findings: list[Finding],
    metas: dict[str, RuleMeta],
    cfg: WebhookConfig,
    *,
    only_rules: set[str] | None = None,
    ignore: set[tuple[str, str]] | None = None,
) -> Decision:
    """Sort failing findings into deny/warn/audit by the configured modes.

    ``only_rules`` restricts to the rules that target the operation (DELETE/CONNECT);
    ``ignore`` drops (rule id, path) pairs that already failed on ``oldObject``.
    """
    d = Decision()
    seen: set[tuple[str, str, str]] = set()
    for f in findings:
        if f.status not in (Status.FAIL, Status.ERROR):
            continue
        if only_rules is not None and f.rule_id not in only_rules:
            continue
        if ignore and (f.rule_id, f.path) in ignore:
            continue
        key = (f.rule_id, f.path, f.message)
        if key in seen:
            continue
        seen.add(key)
        meta = metas.get(f.rule_id)
        mode = cfg.enforcement.mode(f.rule_id, f.severity)
        if mode == "off":
            continue
        hit = Hit(f.rule_id, mode, f.severity, f.message, f.path, meta.remediation if meta else "", f.status)
        if f.status is Status.ERROR:
            d.errors.append(hit)
            if mode == "deny" and cfg.failure_mode == "deny":
                d.deny.append(hit)
            continue
        {"deny": d.deny, "warn": d.warn, "audit": d.audit}[mode].append(hit)
    order = lambda h: (-int(h.severity), h.rule_id, h.path)  # noqa: E731
    d.deny.sort(key=order)
    d.warn.sort(key=order)
    d.audit.sort(key=order)
    return d


def deny_message(review: Review, decision: Decision, limit: int = 8192) -> str:
    """The status message kubectl shows: rule ids, messages and remediation."""
    what = review.kind.get("kind") or "object"
    name = f" {review.namespace}/{review.name}" if review.namespace and review.name else (f" {review.name}" if review.name else "")
    parts = [f"policyguard denied {what}{name}: {len(decision.deny)} polic{'y' if len(decision.deny) == 1 else 'ies'} violated"]
    remediations: dict[str, str] = {}
    for h in decision.deny:
        if h.status is Status.ERROR:
            parts.append(f"[{h.rule_id}] {_error_text(h)}")
        else:
            parts.append(f"{h.short()} [{h.severity.label}]")
        if h.remediation:
            remediations.setdefault(h.rule_id, h.remediation)
    for rid, rem in remediations.items():
        parts.append(f"fix {rid}: {rem}")
    msg = "; ".join(parts)
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def _error_text(h: Hit) -> str:
    # the engine's message usually says it already ("rule X could not be evaluated: ...")
    return h.message if "could not be evaluated" in h.message else f"could not be evaluated: {h.message}"


def warning_texts(decision: Decision) -> list[str]:
    out = [f"policyguard: {h.short()}" + (f" -- {h.remediation}" if h.remediation else "") for h in decision.warn]
    out += [f"policyguard: [{h.rule_id}] {_error_text(h)}" for h in decision.errors if h not in decision.deny]
    return out
