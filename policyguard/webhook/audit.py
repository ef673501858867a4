"""JSON-lines audit log of admission decisions (one line per judged request with findings).

Each line is written with a single ``os.write`` on an ``O_APPEND`` descriptor, so lines from
several worker processes never interleave. Object bodies are left out unless configured
(they may hold secrets). Dry-run requests are not logged: dry run means no side effects.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from policyguard.webhook.admission import Review, dumps
from policyguard.webhook.enforcement import Decision


class AuditLog:
    def __init__(self, target: str | None, include_object: bool = False) -> None:
        self.include_object = include_object
        self.fd: int | None = None
        if target == "-":
            self.fd = sys.stdout.fileno()
        elif target:
            self.fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)

    @property
    def enabled(self) -> bool:
        return self.fd is not None

    def record(self, review: Review, endpoint: str, decision: Decision | None, outcome: str, note: str = "") -> None:
        if self.fd is None or review.dry_run:
            return
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
            "uid": review.uid,
            "endpoint": endpoint,
            "operation": review.operation,
            "object": review.object_ref(),
            "user": review.user,
            "groups": review.groups,
            "decision": outcome,
            "rules": decision.rule_ids() if decision else {},
        }
        if note:
            from policyguard.redact import mask_text

            entry["note"] = mask_text(note)
        if self.include_object:  # secrets in the bodies are masked (policyguard.secrets.mask_values)
            from policyguard.secrets import mask_values

            entry["object_body"] = mask_values(review.obj)
            if review.old_obj is not None:
                entry["old_object_body"] = mask_values(review.old_obj)
        try:
            os.write(self.fd, dumps(entry) + b"\n")
        except OSError:
            pass  # a full disk must not take admission down; the decision itself is returned
