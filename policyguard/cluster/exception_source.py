"""PolicyExceptions stored in a cluster, for the audit (read once per run) and the webhook
(``ExceptionStore``: listed again every ``refresh`` seconds on a background thread).

Why a periodic list and not a watch: exceptions change a few times a day, a list of them is one
small request (measured in README "Exceptions"), and a list cannot silently miss an event the
way a dropped watch does; the price is at most ``refresh`` seconds before a new exception is
honoured. A failed refresh keeps the last good list (logged); before the first success the
webhook honours no cluster exception, which only ever denies more, never less.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from policyguard.cluster.client import APIResource, ClusterError, KubeClient, NotServed
from policyguard.gate import exceptions as exc_mod

if TYPE_CHECKING:
    from policyguard.webhook.config import ExceptionSettings

log = logging.getLogger("policyguard.webhook")
RESOURCE = APIResource(exc_mod.GROUP, exc_mod.VERSION, exc_mod.KIND, exc_mod.PLURAL, True, ("get", "list"))


def list_exceptions(client: KubeClient, trusted_namespaces: tuple[str, ...] | list[str]) -> list[exc_mod.PolicyException]:
    """Every PolicyException of the cluster ([] when the CRD is not installed). One in a
    namespace outside ``trusted_namespaces`` only excuses objects of its own namespace: whoever
    may create exceptions in a team namespace cannot excuse another team's objects."""
    out = []
    try:
        for obj in client.list_pages(RESOURCE):
            meta = obj.get("metadata") or {}
            where = f"policyexception/{meta.get('namespace', '')}/{meta.get('name', '')}"
            doc = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
                   "metadata": {k: meta[k] for k in ("name", "namespace") if k in meta}, "spec": obj.get("spec")}
            e = exc_mod.from_document(doc, where, origin="cluster")
            if e.namespace and e.namespace not in trusted_namespaces:
                e.confine_to = e.namespace
            out.append(e)
    except NotServed:
        return []
    return out


class ExceptionStore:
    """The webhook worker's current exceptions: files once, cluster objects every ``refresh``."""

    def __init__(self, settings: ExceptionSettings) -> None:
        self.settings = settings
        self.files: list[exc_mod.PolicyException] = []
        for p in settings.files:
            for f in exc_mod.files_in(p):
                self.files.extend(exc_mod.load_file(f))
        self._cluster: list[exc_mod.PolicyException] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_refresh_seconds = 0.0
        self.refreshes = 0

    def current(self) -> list[exc_mod.PolicyException]:
        return self.files + self._cluster  # the list is replaced whole, never mutated: no lock

    def refresh(self, client: KubeClient) -> None:
        t0 = time.perf_counter()
        self._cluster = list_exceptions(client, self.settings.trusted_namespaces)
        self.last_refresh_seconds = time.perf_counter() - t0
        self.refreshes += 1

    def start(self) -> None:
        if not self.settings.cluster:
            return
        self._thread = threading.Thread(target=self._loop, name="policyguard-exceptions", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        from policyguard.cluster import client as kube

        client: KubeClient | None = None
        while not self._stop.is_set():
            try:
                if client is None:
                    creds = kube.from_kubeconfig(self.settings.kubeconfig) if self.settings.kubeconfig else kube.in_cluster()
                    client = KubeClient(creds, timeout=min(10.0, self.settings.refresh))
                self.refresh(client)
            except ClusterError as exc:
                log.warning("cannot list PolicyExceptions (keeping the %d known): %s", len(self._cluster), exc)
            except Exception as exc:  # noqa: BLE001 - a refresh bug must not stop the worker
                log.warning("PolicyException refresh failed: %s: %s", type(exc).__name__, exc)
            self._stop.wait(self.settings.refresh)
        if client is not None:
            client.close()

    def stop(self) -> None:
        self._stop.set()
