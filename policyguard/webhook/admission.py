"""AdmissionReview parsing and AdmissionResponse building (admission.k8s.io v1 and v1beta1).

Pure functions, no I/O: the ASGI app feeds bytes in and gets a dict (or an ``AdmissionError``
carrying the HTTP status and message) back.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from policyguard.jsonfast import DECODE_ERRORS as _JSONError
from policyguard.jsonfast import dumps_bytes as dumps
from policyguard.jsonfast import loads
from policyguard.limits import json_too_deep
from policyguard.webhook.config import OPERATIONS

API_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")

# The apiserver truncates longer warnings; we keep inside its limits ourselves.
WARNING_MAX_CHARS = 256
WARNINGS_TOTAL_CHARS = 4096


class AdmissionError(Exception):
    """A request we refuse to judge: ``code`` is the HTTP status (400, 408, 413)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message



@dataclass(slots=True)
class Review:
    """The parts of an AdmissionReview the webhook reads."""

    api_version: str
    uid: str
    operation: str
    kind: dict[str, str]
    namespace: str
    name: str
    sub_resource: str
    user: str
    groups: list[str]
    obj: dict[str, Any] | None
    old_obj: dict[str, Any] | None
    dry_run: bool
    request: dict[str, Any]

    @property
    def gvk(self) -> str:
        g = self.kind.get("group", "")
        v = self.kind.get("version", "")
        return f"{g}/{v}/{self.kind.get('kind', '')}" if g else f"{v}/{self.kind.get('kind', '')}"

    def context(self) -> dict[str, Any]:
        """What rules see as ``input.resource.meta.admission``."""
        return {
            "operation": self.operation,
            "namespace": self.namespace,
            "name": self.name,
            "subResource": self.sub_resource,
            "user": self.user,
            "groups": self.groups,
            "dryRun": self.dry_run,
        }

    def object_ref(self) -> dict[str, str]:
        return {
            "group": self.kind.get("group", ""),
            "version": self.kind.get("version", ""),
            "kind": self.kind.get("kind", ""),
            "namespace": self.namespace,
            "name": self.name,
            "subResource": self.sub_resource,
        }


def max_depth_exceeded(value: Any, limit: int) -> bool:
    """True when containers nest deeper than ``limit``. Recursive but bounded: it stops
    descending at ``limit`` + 1, whatever the input's depth (and the JSON decoder has already
    refused input nested past its own limit)."""
    return _deeper(value, 1, limit)


def _deeper(v: Any, depth: int, limit: int) -> bool:
    if depth > limit:
        return True
    t = type(v)
    if t is dict:
        items: Any = v.values()
    elif t is list:
        items = v
    else:
        return False
    for c in items:
        tc = type(c)
        if (tc is dict or tc is list) and _deeper(c, depth + 1, limit):
            return True
    return False


def _reject_deep(body: bytes, max_depth: int) -> None:
    """Raise the located 400 when ``body`` nests deeper than ``max_depth`` levels."""
    deep = json_too_deep(body.decode("utf-8", "replace"), max_depth)
    if deep is not None:
        raise AdmissionError(
            400, f"JSON nested deeper than the limit of {max_depth} levels (line {deep[0]}, column {deep[1]})"
        )


def _str_field(req: dict[str, Any], key: str, *, required: bool = False) -> str:
    v = req.get(key)
    if v is None:
        if required:
            raise AdmissionError(400, f"request.{key} is missing")
        return ""
    if not isinstance(v, str):
        raise AdmissionError(400, f"request.{key} must be a string, got {type(v).__name__}")
    return v


def parse_review(body: bytes, *, max_depth: int = 64) -> Review:
    """Decode and check an AdmissionReview; raises ``AdmissionError(400, ...)`` naming the problem."""
    if not body:
        raise AdmissionError(400, "empty body: expected an AdmissionReview JSON object")
    try:
        doc = loads(body)
    except _JSONError as exc:
        # the decoder may have stopped a nesting bomb itself (RecursionError, orjson's own limit,
        # each in its own words): whichever it was, the body's own nesting decides
        _reject_deep(body, max_depth)
        raise AdmissionError(400, f"body is not valid JSON: {exc}") from None
    # d levels of nesting take d opening brackets: fewer brackets than the limit, no walk
    if body.count(b"{") + body.count(b"[") > max_depth and max_depth_exceeded(doc, max_depth):
        _reject_deep(body, max_depth)
        raise AdmissionError(400, f"JSON nested deeper than the limit of {max_depth} levels")
    if not isinstance(doc, dict):
        raise AdmissionError(400, f"expected an AdmissionReview JSON object, got a JSON {type(doc).__name__}")
    kind = doc.get("kind")
    if kind != "AdmissionReview":
        raise AdmissionError(400, f"kind must be AdmissionReview, got {kind!r}")
    api_version = doc.get("apiVersion")
    if api_version not in API_VERSIONS:
        raise AdmissionError(400, f"apiVersion must be one of {', '.join(API_VERSIONS)}, got {api_version!r}")
    req = doc.get("request")
    if req is None:
        raise AdmissionError(400, "request is missing: an AdmissionReview sent to a webhook carries a request")
    if not isinstance(req, dict):
        raise AdmissionError(400, f"request must be an object, got {type(req).__name__}")
    uid = _str_field(req, "uid", required=True)
    if not uid:
        raise AdmissionError(400, "request.uid is empty")
    operation = _str_field(req, "operation", required=True)
    if operation not in OPERATIONS:
        raise AdmissionError(400, f"request.operation must be one of {', '.join(OPERATIONS)}, got {operation!r}")
    kind_obj = req.get("kind")
    if not isinstance(kind_obj, dict) or not isinstance(kind_obj.get("kind"), str):
        raise AdmissionError(400, "request.kind must be an object with group, version and kind")
    gvk = {k: kind_obj.get(k) or "" for k in ("group", "version", "kind")}
    if not all(isinstance(v, str) for v in gvk.values()):
        raise AdmissionError(400, "request.kind group/version/kind must be strings")
    obj = req.get("object")
    old = req.get("oldObject")
    for key, val in (("object", obj), ("oldObject", old)):
        if val is not None and not isinstance(val, dict):
            raise AdmissionError(400, f"request.{key} must be an object or null, got {type(val).__name__}")
    if operation in ("CREATE", "UPDATE", "CONNECT") and obj is None:
        raise AdmissionError(400, f"request.object is missing for a {operation}")
    user_info = req.get("userInfo") or {}
    if not isinstance(user_info, dict):
        raise AdmissionError(400, "request.userInfo must be an object")
    user = user_info.get("username") or ""
    groups = user_info.get("groups") or []
    if not isinstance(user, str) or not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise AdmissionError(400, "request.userInfo.username must be a string and groups a list of strings")
    dry_run = req.get("dryRun", False)
    if dry_run is None:
        dry_run = False
    if not isinstance(dry_run, bool):
        raise AdmissionError(400, f"request.dryRun must be a boolean, got {dry_run!r}")
    return Review(
        api_version=api_version,
        uid=uid,
        operation=operation,
        kind=gvk,
        namespace=_str_field(req, "namespace"),
        name=_str_field(req, "name"),
        sub_resource=_str_field(req, "subResource"),
        user=user,
        groups=groups,
        obj=obj,
        old_obj=old,
        dry_run=dry_run,
        request=req,
    )


def with_type(obj: dict[str, Any], gvk: dict[str, str]) -> dict[str, Any]:
    """``obj`` with apiVersion/kind filled from ``request.kind`` when it lacks them (a shallow copy;
    the apiserver always sends them, hand-written test requests sometimes do not)."""
    if isinstance(obj.get("apiVersion"), str) and obj.get("apiVersion") and isinstance(obj.get("kind"), str) and obj.get("kind"):
        return obj
    out = dict(obj)
    if not (isinstance(out.get("apiVersion"), str) and out.get("apiVersion")) and gvk.get("version"):
        out["apiVersion"] = f"{gvk['group']}/{gvk['version']}" if gvk.get("group") else gvk["version"]
    if not (isinstance(out.get("kind"), str) and out.get("kind")) and gvk.get("kind"):
        out["kind"] = gvk["kind"]
    return out


def limit_warnings(warnings: list[str], total: int = WARNINGS_TOTAL_CHARS) -> list[str]:
    """Keep every warning under 256 characters and the list under ``total`` characters."""
    out: list[str] = []
    used = 0
    for i, w in enumerate(warnings):
        w = " ".join(w.split())  # no control characters or newlines in an HTTP Warning header
        if len(w) > WARNING_MAX_CHARS:
            w = w[: WARNING_MAX_CHARS - 3] + "..."
        remaining = len(warnings) - i - 1
        reserve = 48 if remaining else 0  # room for the "N more" note
        if used + len(w) + reserve > total:
            out.append(f"policyguard: {len(warnings) - i} more warnings not shown")
            break
        out.append(w)
        used += len(w)
    return out


def response(
    review_version: str,
    uid: str,
    allowed: bool,
    *,
    code: int | None = None,
    message: str = "",
    reason: str = "",
    warnings: list[str] | None = None,
    patch: list[dict[str, Any]] | None = None,
    audit_annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An AdmissionReview carrying the response, in the apiVersion the request used."""
    resp: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if code is not None or message:
        status: dict[str, Any] = {"metadata": {}, "code": code or (200 if allowed else 403), "message": message}
        if not allowed:
            status["status"] = "Failure"
            status["reason"] = reason or "Forbidden"
        else:
            status["status"] = "Success"
        resp["status"] = status
    if warnings:
        resp["warnings"] = limit_warnings(warnings)
    if patch:
        resp["patchType"] = "JSONPatch"
        resp["patch"] = base64.b64encode(dumps(patch)).decode("ascii")
    if audit_annotations:
        resp["auditAnnotations"] = audit_annotations
    return {"apiVersion": review_version, "kind": "AdmissionReview", "response": resp}


def http_error_body(code: int, message: str) -> bytes:
    """A metav1.Status body for 4xx answers (what the apiserver logs when a webhook call fails)."""
    reasons = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 408: "Timeout", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType"}
    return dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reasons.get(code, "InternalError"),
            "code": code,
        }
    )
