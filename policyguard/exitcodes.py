"""Every exit code policyguard returns, in one place (README "Exit codes" documents the same table).

Kept import-free so the CLI can read it without loading anything else.
"""

from __future__ import annotations

# The gate passed (also: --soft-fail with policy failures, --allow-empty with nothing to scan).
EXIT_OK = 0
# Policy failures at or above --fail-on (unknowns with --unknown-as fail; stale suppressions with
# suppression_policy.stale: fail); `policyguard test`: a fixture gave the wrong verdict;
# `policyguard fix`: a fix was refused or its file not written (outside the scanned tree,
# changed since it was scanned, replaced by a symlink, FIFO or directory);
# `policyguard migrate-suppressions`: a suppression was left unmigrated (unmapped id, missing reason or expiry).
EXIT_FAIL = 1
# Usage, configuration or baseline errors (including a rule selector that matches no rule), or
# the scan produced errors (unreadable/unparsable file, rule pack load error, rule crash);
# `policyguard fix --write`: a file could not be written (read-only, permissions, file system).
EXIT_ERROR = 2
# Nothing to scan: the paths hold no Terraform, CloudFormation or Kubernetes file (an empty
# directory, only READMEs, every file excluded). A gate that looked at nothing must not pass
# quietly; --allow-empty turns this into EXIT_OK.
EXIT_EMPTY = 3
# `policyguard audit`: the cluster could not be reached (connection refused, DNS, timeout, a
# server certificate the CA does not verify).
EXIT_CLUSTER_UNREACHABLE = 4
# `policyguard audit`: the cluster refused the credentials (401) or a permission the audit needs (403).
EXIT_CLUSTER_FORBIDDEN = 5
# `policyguard audit`: the cluster does not serve an API the audit was asked to use (the
# wgpolicyk8s.io PolicyReport CRD for --write-reports).
EXIT_CLUSTER_UNSERVED = 6
# Interrupted by Ctrl-C.
EXIT_INTERRUPTED = 130
# Ended by SIGTERM (128 + 15, the shell's convention), after every child process was reaped.
EXIT_TERMINATED = 143



class UsageError(Exception):
    """A bad combination of options or a rule selection that selects nothing: the command says
    why in one line and exits with ``EXIT_ERROR``."""


__all__ = ["EXIT_CLUSTER_FORBIDDEN", "EXIT_CLUSTER_UNREACHABLE", "EXIT_CLUSTER_UNSERVED", "EXIT_EMPTY", "EXIT_ERROR",
           "EXIT_FAIL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED"]
