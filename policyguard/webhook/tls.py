"""A server TLS context whose certificate is reloaded when the files change.

``SSLContext.load_cert_chain`` on a live context replaces the certificate for every handshake
that starts afterwards; established connections keep theirs. So rotation (cert-manager, a
re-mounted Secret) needs no restart: a watcher polls the files' (mtime, size, inode) and
reloads. A half-written pair fails to load and is retried on the next tick; the old
certificate keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections.abc import Callable

log = logging.getLogger("policyguard.webhook")


class TLSConfigError(ValueError):
    pass


def _stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ReloadingTLS:
    def __init__(self, cert: str, key: str) -> None:
        self.cert = cert
        self.key = key
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.set_alpn_protocols(["http/1.1"])
        try:
            self._stamps = (_stamp(cert), _stamp(key))
            self.context.load_cert_chain(cert, key)
        except FileNotFoundError as exc:
            raise TLSConfigError(f"{exc.filename}: no such file (--tls-cert/--tls-key)") from None
        except (ssl.SSLError, OSError) as exc:
            raise TLSConfigError(f"{cert} / {key}: cannot load certificate and key: {exc}") from None
        self.reloads = 0

    def check(self) -> bool | None:
        """Reload if the files changed: True reloaded, False failed (old cert kept), None unchanged."""
        try:
            stamps = (_stamp(self.cert), _stamp(self.key))
        except OSError:
            return False
        if stamps == self._stamps:
            return None
        try:
            self.context.load_cert_chain(self.cert, self.key)
        except (ssl.SSLError, OSError) as exc:
            log.warning("TLS reload of %s failed, keeping the previous certificate: %s", self.cert, exc)
            return False
        self._stamps = stamps
        self.reloads += 1
        log.info("TLS certificate reloaded from %s", self.cert)
        return True

    async def watch(self, interval: float, on_result: Callable[[bool], None] | None = None) -> None:
        while True:
            await asyncio.sleep(interval)
            result = self.check()
            if result is not None and on_result is not None:
                on_result(result)
