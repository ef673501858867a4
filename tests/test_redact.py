"""Finding messages quoting scanned values are bounded and carry no credential."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policyguard.redact import MAX_MESSAGE, MAX_TOKEN, redact

SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "x9Y8w7V6u5T4s3R2q1P0" * 2,
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "glpat-abcdefghij0123456789",
    "xoxb-123456789012-abcdefghijkl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9",  # random-looking, no prefix
]


def test_credentials_are_masked_in_any_context() -> None:
    for secret in SECRETS:
        for msg in (f"value {secret}", f'env FOO="{secret}" is set', f"{secret}"):
            out = redact(msg)
            assert secret not in out, out
            assert "****" in out


def test_named_secrets_are_masked_but_flags_are_not() -> None:
    assert "hunter22" not in redact("password = hunter22 in the connection string")
    assert "s3cr3tvalue" not in redact('"client_secret": "s3cr3tvalue"')
    for keep in ("automountServiceAccountToken: true is set", "auth: none", "enable_key_rotation = false"):
        assert redact(keep) == keep


def test_ordinary_messages_are_untouched() -> None:
    for msg in (
        'Container "nginx" of Deployment default/web runs privileged (securityContext.privileged: true)',
        "image registry.example.com/app@sha256:" + "ab12" * 16 + " is pinned",
        "aws_s3_bucket.logs has no server-side encryption configuration",
        "arn:aws:iam::123456789012:role/deploy allows iam:PassRole on *",
    ):
        assert redact(msg) == msg


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=5000))
def test_bounded_and_idempotent(msg: str) -> None:
    out = redact(msg)
    assert len(out) <= MAX_MESSAGE + 40
    assert all(len(tok) <= MAX_TOKEN + 20 for tok in out.split())
    assert redact(out) == out or len(out) >= MAX_MESSAGE
