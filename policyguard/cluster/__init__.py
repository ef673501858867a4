"""The cluster audit (``policyguard audit``): a Kubernetes API client (client.py), judging the
objects already stored in a cluster with the webhook's rules and exceptions (cluster_audit.py),
and ``wgpolicyk8s.io/v1alpha2`` PolicyReports (policyreport.py). Not to be confused with
``webhook/audit.py``, the admission decision log."""
