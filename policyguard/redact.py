"""Messages that quote scanned values are bounded and never carry a secret.

Rule messages often quote an attribute value (``bucket ACL "public-read"``). Values come from
the repository under review and end up in places with a wider audience (CI logs, code-scanning
alerts, annotations), so every finding message passes through ``redact``: a credential-shaped
token is replaced by ``mask`` (its first four characters when it is long enough, and a short
stable hash so two secrets can be told apart), any over-long run of text is cut, and so is the
message. ``mask_text`` is the same masking without the cutting, for text that quotes scanned
files (fix diffs, parse errors, fix replacement text) and must keep its shape; ``mask_values``
(policyguard/secrets.py) masks the secrets inside a JSON value (the webhook audit log's bodies).
"""

from __future__ import annotations

import hashlib
import math
import re

from policyguard import lazyre

MAX_TOKEN = 120  # characters of one unbroken run kept before it is cut
MAX_MESSAGE = 1000
_KEEP = 4

# The patterns below are compiled on first use (functools.cache): most messages and texts need
# none of them, and compiling them all took ~4 ms of every run's start-up (the pre-commit hook's).

# credential shapes with a recognisable prefix or framing (the detectors of the secrets rule
# family, policyguard/secrets.py, know the same formats in more detail)
_shaped = lazyre.lazy(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"
    r"|\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{20,}\b"
    r"|\bglpat-[A-Za-z0-9_\-]{20,}\b"
    r"|\bxox[abposr]-[A-Za-z0-9\-]{10,}\b"
    r"|hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_\-]{8,}"
    r"|\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b"
    r"|\bAIza[0-9A-Za-z_\-]{35}\b"
    r"|(?<=AccountKey=)[A-Za-z0-9+/=]{8,}|(?<=SharedAccessKey=)[A-Za-z0-9+/=]{8,}"
    r"|(?<=://)[^\s:/@\"'*]{1,64}:[^\s:/@\"'*]{1,128}(?=@)"
    r"|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    re.DOTALL,
)


# name=value / "name": "value" where the name says secret
_named = lazyre.lazy(
    r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|"
    r"auth|credential)s?[\"']?\s*[:=]\s*[\"']?)(?!(?:true|false|null|none|enabled|disabled)\b)(?![^\s\"',;}]{0,4}\*\*\*\*#)"
    r"([^\s\"',;}]{6,})"
)


# long unbroken base64/base62-ish runs: masked when their character entropy says random
_long = lazyre.lazy(r"[A-Za-z0-9+/=_\-]{32,}")


_SHOW_PREFIX_FROM = 16  # shorter values show no character at all: 4 of 8 is half a password


def mask(value: str) -> str:
    """The one printable form of a secret: ``AKIA****#3f2a1c``. The first four characters only
    for values of 16 characters or more, and the first 6 hex digits of the value's SHA-256, so a
    reader can tell two masked secrets apart (and find the same one across reports) without
    seeing either. Stable across runs and machines. (A stable hash lets someone who already
    guesses a weak password confirm the guess: rotate any secret that was committed.)"""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    keep = value[:_KEEP] if len(value) >= _SHOW_PREFIX_FROM else ""
    return f"{keep}****#{digest}"


_mask = mask


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


_overlong = lazyre.lazy(r"\S{%d,}" % (MAX_TOKEN + 1))  # noqa: UP031 - a regex quantifier


_NAME_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")


def redact(message: str) -> str:
    """``message`` with credential-shaped tokens masked and over-long text cut."""
    if len(message) < 16:  # shorter than any shape below
        return message
    out = message
    if "-----BEGIN" in out or _RUN16.search(out) or "://" in out or "Key=" in out:  # every shape has one
        out = _shaped().sub(lambda m: _mask(m.group(0)), out)
        out = _long().sub(lambda m: _mask(m.group(0)) if _random_looking(m.group(0)) else m.group(0), out)
    low = out.lower()
    if any(w in low for w in _NAME_WORDS):
        out = _named().sub(lambda m: m.group(1) + _mask(m.group(2)), out)
    if len(out) > MAX_TOKEN:
        out = _overlong().sub(lambda m: m.group(0)[:MAX_TOKEN] + f"…({len(m.group(0)) - MAX_TOKEN} more)", out)
    if len(out) > MAX_MESSAGE:
        out = out[:MAX_MESSAGE] + f"…({len(out) - MAX_MESSAGE} more characters)"
    return out


_next_value = lazyre.lazy(r"^(\s*-?\s*[\"']?value[\"']?\s*:\s*[\"']?)([^\s\"']{1,})", re.IGNORECASE)


_env_name = lazyre.lazy(r"[\"']?name[\"']?\s*:\s*[\"']?([A-Za-z0-9_.\-]+)", re.IGNORECASE)


_env_words = lazyre.lazy(r"(?i)pass|pwd|secret|token|api_?key|private_?key|credential")


def mask_text(text: str) -> str:
    """``text`` (a diff, a quoted source line, fix replacement text) with every credential shape,
    ``name = value`` credential assignment, random-looking long run and the value line after a
    ``- name: DB_PASSWORD`` line (Kubernetes/ECS env lists) masked; nothing is cut, line
    structure is kept. Idempotent."""
    if len(text) < 6:
        return text
    out = text
    if "-----BEGIN" in out or _RUN16.search(out) or "://" in out or "Key=" in out:
        out = _shaped().sub(lambda m: _mask(m.group(0)), out)
        out = _long().sub(lambda m: _mask(m.group(0)) if _random_looking(m.group(0)) else m.group(0), out)
    low = out.lower()
    if any(w in low for w in _NAME_WORDS):
        out = _named().sub(lambda m: m.group(1) + _mask(m.group(2)), out)
        lines = out.split("\n")
        for i, line in enumerate(lines[:-1]):
            m = _env_name().search(line)
            if not m or not _env_words().search(m.group(1)):
                continue
            for j in (i + 1, i + 2):  # the value line follows the name (a diff may put a marker first)
                if j >= len(lines):
                    break
                body = lines[j][1:] if lines[j][:1] in ("+", "-", " ") and lines[j][1:2].isspace() else lines[j]
                v = _next_value().match(body)
                if v and "****#" not in v.group(2):
                    start = len(lines[j]) - len(body) + v.start(2)
                    lines[j] = lines[j][:start] + _mask(v.group(2)) + lines[j][start + len(v.group(2)):]
                    break
        out = "\n".join(lines)
    return out



_quoted_token = lazyre.lazy(r"(unexpected |token )(['\"])([^'\"\n]{8,})\2")


def mask_error(message: str) -> str:
    """A parse error's message: ``mask_text``, plus the scanned token a parser quotes
    (``unexpected 'hunter2hunter2'``), which may be half of a broken ``password = ...`` line;
    its line and column still say where to look."""
    out = mask_text(message)
    if "unexpected " in out or "token " in out:
        out = _quoted_token().sub(lambda m: m.group(1) + m.group(2) + (m.group(3) if "****#" in m.group(3) else _mask(m.group(3))) + m.group(2), out)
    return out
