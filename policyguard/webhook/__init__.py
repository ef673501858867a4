"""Kubernetes admission webhook: AdmissionReview v1/v1beta1 over TLS (see README "Admission webhook").

Modules: ``config`` (settings), ``admission`` (review parsing, response building), ``enforcement``
(findings -> decision), ``evaluation`` (one rule engine per worker thread), ``app`` (raw ASGI
app), ``server`` (uvicorn worker processes, slow-client protocol), ``tls`` (reloading context),
``metrics``, ``audit``, ``certs``, ``manifests``, ``command`` (CLI entry points).
"""
