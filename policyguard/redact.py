"""Messages that quote scanned values are bounded and never carry a secret.

Rule messages often quote an attribute value (``bucket ACL "public-read"``). Values come from
the repository under review and end up in places with a wider audience (CI logs, code-scanning
alerts, annotations), so every finding message passes through ``redact``: a credential-shaped
token keeps its first four characters, any over-long run of text is cut, and so is the message.
"""

from __future__ import annotations

import math
import re

MAX_TOKEN = 120  # characters of one unbroken run kept before it is cut
MAX_MESSAGE = 1000
_KEEP = 4

# credential shapes with a recognisable prefix or framing
_SHAPED = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)"
    r"|\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{20,}\b"
    r"|\bglpat-[A-Za-z0-9_\-]{20,}\b"
    r"|\bxox[abposr]-[A-Za-z0-9\-]{10,}\b"
    r"|\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b"
    r"|\bAIza[0-9A-Za-z_\-]{35}\b"
    r"|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    re.DOTALL,
)
# name=value / "name": "value" where the name says secret
_NAMED = re.compile(
    r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|"
    r"auth|credential)s?[\"']?\s*[:=]\s*[\"']?)(?!(?:true|false|null|none|enabled|disabled)\b)([^\s\"',;}]{6,})"
)
# long unbroken base64/base62-ish runs: masked when their character entropy says random
_LONG = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")


def _mask(token: str) -> str:
    return token[:_KEEP] + "****" if len(token) > _KEEP else "****"


def _entropy(s: str) -> float:
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _random_looking(token: str) -> bool:
    # hex digests (image digests, hashes: <= 4 bits per character) and dashed names stay
    classes = sum(bool(re.search(p, token)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return classes >= 3 and _entropy(token) > 4.3


_RUN16 = re.compile(r"[A-Za-z0-9_\-]{16}")
_OVERLONG = re.compile(r"\S{%d,}" % (MAX_TOKEN + 1))  # noqa: UP031 - a regex quantifier
_NAME_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")


def redact(message: str) -> str:
    """``message`` with credential-shaped tokens masked and over-long text cut."""
    if len(message) < 16:  # shorter than any shape below
        return message
    out = message
    if "-----BEGIN" in out or _RUN16.search(out):  # every shape and long run has one
        out = _SHAPED.sub(lambda m: _mask(m.group(0)), out)
        out = _LONG.sub(lambda m: _mask(m.group(0)) if _random_looking(m.group(0)) else m.group(0), out)
    low = out.lower()
    if any(w in low for w in _NAME_WORDS):
        out = _NAMED.sub(lambda m: m.group(1) + _mask(m.group(2)), out)
    if len(out) > MAX_TOKEN:
        out = _OVERLONG.sub(lambda m: m.group(0)[:MAX_TOKEN] + f"…({len(m.group(0)) - MAX_TOKEN} more)", out)
    if len(out) > MAX_MESSAGE:
        out = out[:MAX_MESSAGE] + f"…({len(out) - MAX_MESSAGE} more characters)"
    return out
