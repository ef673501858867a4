"""The gate: what a scan's findings mean for the change under review.

``config`` and ``trust`` read the configuration (trusted and repository files), ``selection``
checks the rule selection, ``fingerprint`` gives findings stable identities, ``suppress`` and
``baseline`` set findings aside, ``verdict`` decides the exit code and ``evaluate`` runs those
stages in order into the ``report.Report`` every reporter reads. Nothing is imported here, so
a front door pays only for the stages it uses.
"""
