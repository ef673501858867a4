"""Judge the objects already stored in a cluster with the webhook's rules, enforcement modes,
namespace exclusions and PolicyExceptions (``policyguard audit``).

Which kinds: those the loaded pack judges, read from the rules' ``resource_types`` (API group +
kind, any version: the server's preferred version is listed) and the built-in workload kinds
for ``workload`` rules; ``extra_kinds`` adds more (a CRD that carries a pod template, kinds for
rules typed ``*``). A kind the server does not serve is reported, not an error: nothing of it
can exist there. Objects are listed in pages (``limit``/``continue``), judged one at a time by
the webhook's ``Judge`` (``managedFields`` dropped: no rule reads them), and excepted by
``gate.exceptions.apply_to_object``, the same call the webhook makes.

An object controlled by another judged object (a Pod of a ReplicaSet of a Deployment) is judged
through its controller only: its spec is the controller's template, and reporting it again per
replica multiplies every finding (``AuditRun.through_controller`` counts them).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policyguard.cluster.client import APIResource, ClusterError, KubeClient, NotServed
from policyguard.cluster.exception_source import list_exceptions
from policyguard.cluster.policyreport import ObjectRef, Result
from policyguard.gate import exceptions as exc_mod
from policyguard.model import Finding, RuleMeta, Span, Status, type_key

if TYPE_CHECKING:
    from policyguard.gate.config import SuppressionPolicy
    from policyguard.gate.suppress import Notice
    from policyguard.webhook.config import WebhookConfig
    from policyguard.webhook.evaluation import Judge

WORKLOAD_KINDS: tuple[tuple[str, str], ...] = (
    ("", "Pod"), ("", "ReplicationController"), ("apps", "Deployment"), ("apps", "StatefulSet"),
    ("apps", "DaemonSet"), ("apps", "ReplicaSet"), ("batch", "Job"), ("batch", "CronJob"),
)
# the apiserver's bootstrap RBAC (cluster-admin, system:* roles and bindings): it reconciles
# them back at every start, so findings on them are noise no one can act on
DEFAULTS_LABEL = ("kubernetes.io/bootstrapping", "rbac-defaults")
OBJECT_DEADLINE = 10.0  # seconds one object may take (the webhook's default request budget)


def judged_kinds(metas: list[RuleMeta], extra: list[str] | tuple[str, ...] = ()) -> tuple[set[tuple[str, str]], list[str]]:
    """((group, kind) pairs the pack judges, ids of rules typed ``*`` that judge only the kinds
    listed). ``extra``: ``Kind`` (core) or ``group/Kind``."""
    kinds: set[tuple[str, str]] = set()
    star: list[str] = []
    for m in metas:
        for t in m.resource_types.get("kubernetes", ()):
            if t == "workload":
                kinds.update(WORKLOAD_KINDS)
            elif t == "*":
                star.append(m.id)
            else:
                group, _, kind = type_key("kubernetes", t).rpartition("/")
                kinds.add((group, kind))
    for e in extra:
        group, _, kind = e.rpartition("/")
        kinds.add(("" if group == "core" else group, kind))
    return kinds, star


@dataclass(slots=True)
class ObjectVerdict:
    ref: ObjectRef
    findings: list[Finding]


@dataclass(slots=True)
class AuditRun:
    objects: list[ObjectVerdict] = field(default_factory=list)
    kinds: list[APIResource] = field(default_factory=list)
    not_served: list[str] = field(default_factory=list)  # group/Kind the pack judges that the server lacks
    excluded: int = 0  # objects in excluded namespaces
    through_controller: int = 0
    defaults: int = 0  # the apiserver's own bootstrap objects (DEFAULTS_LABEL), not judged
    exceptions: list[exc_mod.PolicyException] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # objects the parser or an engine could not judge
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.objects for f in o.findings]


class Auditor:
    def __init__(self, client: KubeClient, judge: Judge, cfg: WebhookConfig, policy: SuppressionPolicy, *,
                 file_exceptions: list[exc_mod.PolicyException] | None = None, extra_kinds: tuple[str, ...] = (),
                 page_size: int = 500, trusted_namespaces: tuple[str, ...] = ("policyguard",),
                 today: _dt.date | None = None, heavy: Callable[[], Judge] | None = None,
                 include_defaults: bool = False) -> None:
        """``judge``: the webhook's ``audit`` lane (Rego on the compiled VM); ``heavy`` builds
        the interpreter lane for what the VM cannot finish, once, when first needed (the
        webhook's two lanes)."""
        self.client = client
        self.judge = judge
        self.heavy_factory = heavy
        self.include_defaults = include_defaults
        self.heavy: Judge | None = None
        self.interpreter_objects = 0
        self.cfg = cfg
        self.policy = policy
        self.file_exceptions = list(file_exceptions or ())
        self.extra_kinds = extra_kinds
        self.page_size = page_size
        self.trusted_namespaces = trusted_namespaces
        self.today = today

    def plan(self, discovered: list[APIResource]) -> tuple[list[APIResource], list[str]]:
        """The API resources to list for the pack's kinds, and the kinds the server lacks."""
        wanted, _ = judged_kinds(list(self.judge.metas.values()), self.extra_kinds)
        by_key: dict[tuple[str, str], APIResource] = {}
        for r in discovered:
            group, _, kind = type_key("kubernetes", f"{r.group}/{r.version}/{r.kind}" if r.group else f"{r.version}/{r.kind}").rpartition("/")
            if (group, kind) in wanted:
                by_key.setdefault((group, kind), r)
        missing = sorted(f"{g}/{k}" if g else k for g, k in wanted - set(by_key))
        return sorted(by_key.values(), key=lambda r: (r.group, r.kind)), missing

    def run(self) -> AuditRun:
        t0 = time.perf_counter()
        run = AuditRun()
        discovered = self.client.discover()
        run.kinds, run.not_served = self.plan(discovered)
        asked, _ = judged_kinds([], self.extra_kinds)
        unserved = sorted(f"{g}/{k}" if g else k for g, k in asked if (f"{g}/{k}" if g else k) in run.not_served)
        if unserved:  # asked for by name: a typo or a CRD not installed must not pass as "nothing found"
            raise NotServed(f"the cluster does not serve {', '.join(unserved)} (--kind); "
                            "check the kind and its API group (kubectl api-resources)")
        served = any(r.group == exc_mod.GROUP and r.plural == exc_mod.PLURAL for r in discovered)
        run.exceptions = self.file_exceptions + (list_exceptions(self.client, self.trusted_namespaces) if served else [])
        listed = {(r.group, r.kind) for r in run.kinds}
        for res in run.kinds:
            for obj in self.client.list_pages(res, limit=self.page_size):
                meta = obj.get("metadata") or {}
                ns = str(meta.get("namespace") or "") if res.namespaced else ""
                # as the webhook sees it: a Namespace object's request namespace is its own name
                scope = str(meta.get("name") or "") if (res.group, res.kind) == ("", "Namespace") else ns
                if scope and any(fnmatch.fnmatchcase(scope, p) for p in self.cfg.exclude_namespaces):
                    run.excluded += 1
                    continue
                labels = meta.get("labels") or {}
                if not self.include_defaults and labels.get(DEFAULTS_LABEL[0]) == DEFAULTS_LABEL[1]:
                    run.defaults += 1
                    continue
                if _controlled_by(meta, listed):
                    run.through_controller += 1
                    continue
                self._judge_one(obj, res, ns, run)
        run.seconds = time.perf_counter() - t0
        return run

    def _judge_one(self, obj: dict[str, Any], res: APIResource, ns: str, run: AuditRun) -> None:
        from policyguard.webhook.evaluation import ObjectError

        meta = obj.get("metadata") or {}
        meta.pop("managedFields", None)
        ref = ObjectRef(res.api_version, res.kind, ns, str(meta.get("name") or ""), str(meta.get("uid") or ""))
        where = res.path(ns, ref.name).lstrip("/")
        from policyguard.engine.rego.compiled import NeedsInterpreter

        try:
            try:
                _, findings = self.judge.evaluate(obj, None, time.monotonic() + OBJECT_DEADLINE, problems_only=False)
            except NeedsInterpreter:
                if self.heavy is None:
                    if self.heavy_factory is None:
                        raise
                    self.heavy = self.heavy_factory()
                self.interpreter_objects += 1
                _, findings = self.heavy.evaluate(obj, None, time.monotonic() + OBJECT_DEADLINE, problems_only=False)
        except ObjectError as exc:
            run.errors.append(f"{where}: {exc}")
            return
        kept = []
        for f in findings:
            if f.status in (Status.FAIL, Status.UNKNOWN, Status.ERROR) and self.cfg.enforcement.mode(f.rule_id, f.severity) == "off":
                continue  # the webhook ignores rules switched off; so does its audit
            f.span = Span(where, 1, 1, 1, 1)
            kept.append(f)
        outcome = exc_mod.apply_to_object(kept, exc_mod.Subject.from_object(obj, namespace=ns), run.exceptions,
                                          self.policy, self.today)
        run.notices.extend(outcome.notices)
        run.objects.append(ObjectVerdict(ref, kept))

    def results(self, run: AuditRun) -> list[Result]:
        """Every finding of the run as a PolicyReport result: pass; fail (the webhook would deny
        or audit it); warn (warn mode, or an unknown); error; skip (excepted, naming the exception)."""
        out = []
        for o in run.objects:
            for f in o.findings:
                meta = self.judge.metas.get(f.rule_id)
                props: list[tuple[str, str]] = []
                if f.status is Status.PASS:
                    value = "pass"
                elif f.status is Status.ERROR:
                    value = "error"
                elif f.status is Status.SUPPRESSED and f.suppression is not None:
                    value = "skip"
                    s = f.suppression
                    props = [("exception", s.name), ("owner", s.owner), ("reason", s.reason)] + \
                        ([("expires", s.expires)] if s.expires else [])
                elif f.status is Status.UNKNOWN:
                    value = "warn"
                else:
                    value = "warn" if self.cfg.enforcement.mode(f.rule_id, f.severity) == "warn" else "fail"
                if f.path:
                    props.append(("path", f.path))
                category = _category(f.rule_id)
                message = f.message if f.status is not Status.PASS else (meta.title if meta is not None else "")
                out.append(Result(o.ref, f.rule_id, value, f.severity.label, category, message[:1000], tuple(props)))
        return out


def _category(rule_id: str) -> str:
    """``PG-K8S-POD-004`` -> ``Kubernetes POD`` (rules without a category of their own)."""
    parts = rule_id.split("-")
    return f"Kubernetes {parts[2]}" if len(parts) > 3 and parts[1] == "K8S" else ""


def _controlled_by(meta: dict[str, Any], listed: set[tuple[str, str]]) -> bool:
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller"):
            group = str(ref.get("apiVersion") or "").rpartition("/")[0] if "/" in str(ref.get("apiVersion") or "") else ""
            if (group, str(ref.get("kind") or "")) in listed:
                return True
    return False


__all__ = ["AuditRun", "Auditor", "ClusterError", "NotServed", "judged_kinds"]
