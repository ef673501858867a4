"""Secret detectors: value formats of credentials, and where in a resource they are looked for.

The ``secrets`` rule family (``rules/secrets/``) asks ``hits(resource, detector)``; this module
knows *value* formats (an AWS access key id, a PEM private key, a Slack webhook URL) and attribute
*names* that say password/secret/token, never file formats: it walks the format-neutral
attributes of the resource model. One walk per resource serves every rule of the family (the
result is cached on the envelope's identity), one combined regular expression per string, and
strings shorter than the shortest detector are skipped, so the family costs one linear pass.

Inside a string it also looks at what the string carries: JSON documents (ECS
``container_definitions``, a GCP key file, ``kubectl.kubernetes.io/last-applied-configuration``),
base64 and gzip+base64 payloads (``user_data_base64``, ``Fn::Base64``), and ``NAME=value`` /
``name: value`` lines of scripts and config files, with size and depth caps.

Not findings: unresolved values (the model's unknown markers), references that stayed textual
(``${...}``, ``$(VAR)``, ``{{resolve:...}}``, Helm ``{{ .Values.x }}``, ARNs, absolute paths),
documented example keys (anything holding ``EXAMPLE``), obvious placeholders (``PLACEHOLDERS``,
``<...>``, one repeated character) and the ``data``/``stringData`` of Kubernetes ``Secret``
objects (where a secret belongs). A hit never carries the value, only ``redact.mask(value)``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policyguard import lazyre
from policyguard.model import format_path
from policyguard.redact import mask

MAX_VALUE = 256 * 1024  # characters of one string scanned; the rest is ignored
MAX_DECODED = 1024 * 1024  # bytes a base64/gzip payload may decode to
MAX_NESTING = 3  # strings inside strings (JSON in base64 in an attribute...)
MIN_LEN = 8  # shorter strings are only judged as literal passwords
# Most patterns below are compiled on first use (functools.cache): the strings of most files
# need few of them, and compiling them all took ~5 ms of every run's start-up (the pre-commit
# hook's); the prefilters every string meets (_SHAPE_HINT, _CAMEL) are compiled at import.


# real newlines, and the escaped ones of a quoted expression
_lines = lazyre.lazy(r"\r?\n|\\n")


_MAX_LINE = 4096  # characters of one line searched for NAME=value assignments
_MAX_DEPTH = 100

# detector names (one rule id each, see rules/secrets/)
AWS_KEY_ID = "aws-access-key-id"
AWS_SECRET = "aws-secret-access-key"
GCP_SA_KEY = "gcp-service-account-key"
AZURE_KEY = "azure-storage-key"
GIT_TOKEN = "git-host-token"
SLACK = "slack-token"
STRIPE = "stripe-key"
PRIVATE_KEY = "private-key"
JWT = "jwt"
PASSWORD = "password-literal"
ENTROPY = "high-entropy-secret"
SHAPED = (AWS_KEY_ID, AWS_SECRET, GCP_SA_KEY, AZURE_KEY, GIT_TOKEN, SLACK, STRIPE, PRIVATE_KEY, JWT)

_shapes = lazyre.lazy(
    r"(?P<aws>(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9]))"
    r"|(?P<pem>-----BEGIN (?P<pem_kind>[A-Z0-9 ]{0,40}?)PRIVATE KEY(?: BLOCK)?-----)"
    r"|(?P<git>(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,251}|glpat-[A-Za-z0-9_\-]{20,64})(?![A-Za-z0-9_]))"
    r"|(?P<slack>(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9\-]{10,250}|hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_\-]{4,}/[A-Za-z0-9/_\-]{10,})"
    r"|(?P<stripe>(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{20,247}(?![A-Za-z0-9]))"
    r"|(?P<azconn>(?:AccountKey|SharedAccessKey)=(?P<azconn_v>[^;\s\"']{1,200}))"
    r"|(?P<azkey>(?<![A-Za-z0-9+/\-_])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=]))"
    r"|(?P<jwt>(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})"
    r"|(?P<gcp>\\?\"type\\?\"\s*:\s*\\?\"service_account\\?\")"
    r"|(?P<url>(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/@\"'?#]{1,64}:(?P<url_pw>[^\s:/@\"'?#]{1,128})@)"
)


_SHAPE_HINT = re.compile(r"AKIA|ASIA|ABIA|ACCA|-----BEGIN|gh[pousr]_|github_pat_|glpat-|xox|hooks\.slack|k_live_|Key=|==|eyJ|service_account|://")


_aws_secret_value = lazyre.lazy(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])")


_aws_secret_name = lazyre.lazy(r"(?i)(aws)?_?secret_?(access)?_?key|secretaccesskey|secret_access_key")


# NAME=value, name: value, "name": "value" inside scripts and config files
_assign = lazyre.lazy(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{1,80})[\"']?[ \t]*(?:=|:(?!//))[ \t]*(?P<q>[\"']?)(?P<value>[^\s\"'`,;}{)(]{1,512})"
)

# words in an attribute or variable name
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_PASSWORD_JOINED = ("password", "passwd", "passphrase")
_PASSWORD_WORDS = frozenset({"pwd", "pass", "pw"})
_SECRET_JOINED = ("secret", "token", "apikey", "privatekey", "credential", "accesskey", "authkey", "signingkey",
                  "encryptionkey", "masterkey", "sharedkey", "accountkey", "sastoken", "connectionstring")
# a name whose word says it describes a credential rather than holds one (DB_PASSWORD_FILE, token_ttl)
_DESCRIBES = frozenset({
    "arn", "arns", "name", "names", "id", "ids", "path", "paths", "file", "filename", "dir", "url", "uri", "host",
    "port", "user", "username", "login", "ttl", "expiry", "expires", "expiration", "timeout", "length", "len",
    "enabled", "disabled", "required", "header", "type", "format", "ref", "version", "endpoint", "issuer",
    "audience", "policy", "policies", "rotation", "count", "location", "source", "hash", "hashed", "checksum",
    "digest", "sha", "sha1", "sha256", "sha512", "md5", "fingerprint", "mount", "min", "max", "reset", "age",
    "lifetime", "prompt", "mode", "kms", "selector", "secretref", "template", "generator", "generate", "manage",
    "managed", "rotate", "lookup", "field", "key_id", "wo", "set", "complexity", "strength", "validity", "scope",
    "scopes", "annotation", "label", "provider", "store", "backend", "engine", "class", "volume", "duration",
    "description", "parameter", "param", "env", "variable", "prefix", "suffix", "region", "bucket", "table",
    "account", "project", "namespace", "size", "bits", "algorithm", "alg", "usage", "method", "state", "status",
    "encryption", "prevention", "reuse", "expression", "schedule", "interval", "period", "window", "days",
    "change", "changes", "auth", "authentication", "storage", "provisioner", "pattern", "regex", "validation",
})
# words that contain a secret word without meaning it (tokenizer is not a token)
_NOT_SECRET_WORDS = frozenset({"tokenizer", "tokenizers", "tokenize", "tokenized", "tokenization", "passthrough", "bypass", "compass"})
# values that are not credentials, whatever the name says
PLACEHOLDERS = frozenset({
    "changeme", "changeit", "changethis", "replaceme", "replace", "yourpassword", "password", "passwd", "secret",
    "token", "apikey", "example", "dummy", "placeholder", "redacted", "todo", "tbd", "fixme", "none", "null",
    "nil", "undefined", "empty", "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "default",
    "required", "optional", "sample", "notset", "unset", "xxx", "foo", "bar", "foobar", "mypassword", "mysecret",
    "yoursecret", "yourtoken", "yourapikey", "secretvalue", "insertpasswordhere", "enterpassword",
})


_reference = lazyre.lazy(
    r"\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$|^<[^>]*>$"
    r"|^arn:|^(?:file|s3|ssm|secretsmanager|vault|gs|azurekeyvault|kms)://|^@Microsoft\.KeyVault\(",
    re.IGNORECASE,
)


_path = lazyre.lazy(r"/\S*")


# a path segment no one names a directory or file: 16+ characters mixing upper case, lower case
# and digits, or a base64 '+' (a 40-character AWS secret key may begin with '/')
_random_segment = lazyre.lazy(r"\+|(?=[^/]*[A-Z])(?=[^/]*[a-z])(?=[^/]*[0-9])(?<![^/])[A-Za-z0-9]{16,}(?![^/])")


def _aws_shaped(v: str) -> bool:
    """40 characters of base64 mixing upper case, lower case and digits: an AWS secret access
    key (a fifth of them hold a '/', one in 64 begins with it), not a path."""
    return (_aws_secret_value().fullmatch(v) is not None and not v.islower() and not v.isupper()
            and any(c.isdigit() for c in v))


_separators = lazyre.lazy(r"[\s_\-.]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One secret found: the attribute path holding it, how it was found, and its masked form."""

    detector: str
    path: str
    masked: str
    where: str = ""  # inside the value: "JSON at [0].environment[1]", "base64-decoded", "line 3"
    detail: str = ""  # e.g. "encrypted", the variable name

    def message(self, what: str) -> str:
        inside = f" ({self.where})" if self.where else ""
        detail = f", {self.detail}" if self.detail else ""
        return f"{what} {self.masked} in {self.path or 'the resource'}{inside}{detail}; value not shown"


# --------------------------------------------------------------------------- value judgements
def name_words(name: str) -> list[str]:
    """``masterUserPassword`` / ``DB_PASSWORD`` / ``client-secret`` -> lower-case words."""
    return [w.lower() for w in _CAMEL.findall(name)]


@functools.lru_cache(maxsize=4096)
def name_kind(name: str) -> str:
    """``"password"`` when a name says it holds a password, ``"secret"`` when it says
    secret/token/key material, else ``""``. A name whose last word describes the credential
    (``password_length``, ``token_ttl``, ``secret_arn``, ``checksum/secret``) holds none."""
    if not name or len(name) > 120:
        return ""
    words = name_words(name)
    if not words:
        return ""
    if words[-1] in _DESCRIBES or any(w in ("checksum", "hash", "digest", "sha256", "fingerprint") for w in words):
        return ""
    if len(words) >= 2 and words[-2] + "_" + words[-1] == "key_id":
        return ""
    joined = "".join(w for w in words if w not in _NOT_SECRET_WORDS)
    if any(p in joined for p in _PASSWORD_JOINED) or (_PASSWORD_WORDS & set(words)):
        return "password"
    if any(p in joined for p in _SECRET_JOINED):
        return "secret"
    return ""


def is_placeholder(value: str) -> bool:
    """A reference or placeholder, not a credential: see the module docstring."""
    v = value.strip().strip("\"'")
    if not v:
        return True
    if "EXAMPLE" in v or _reference().search(v):
        return True
    if v.startswith("/") and _path().fullmatch(v) and not _random_segment().search(v) and not _aws_shaped(v):
        return True  # an absolute path (/run/secrets/db): where the secret is, not the secret
    if len(set(v)) == 1 or set(v) <= set("*xX#.-_0"):
        return True
    return _separators().sub("", v.lower()) in PLACEHOLDERS


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_hex = lazyre.lazy(r"[0-9a-fA-F]+")


_b64ish = lazyre.lazy(r"[A-Za-z0-9+/=_\-.~]+")


# google/gemma-3-27b-it: a name, not a key
_lower_path = lazyre.lazy(r"[a-z0-9_.\-]+(?:/[a-z0-9_.\-]+)+")


def high_entropy(v: str) -> bool:
    """Random-looking by charset: hex needs 32+ characters and 3.0 bits per character; base64ish
    (letters, digits, ``+/=_-.~``) 16+ characters, two character classes and 3.3 bits (a word
    or a dashed name stays below). Whitespace means prose, not a token."""
    if len(v) < 16 or len(v) > 4096 or any(c.isspace() for c in v):
        return False
    if _hex().fullmatch(v):
        return len(v) >= 32 and entropy(v) >= 3.0
    if not _b64ish().fullmatch(v) or _lower_path().fullmatch(v):
        return False
    classes = sum(1 for pat in (str.islower, str.isupper, str.isdigit) if any(pat(c) for c in v))
    return classes >= 2 and entropy(v) >= 3.3


# --------------------------------------------------------------------------- the walk
_Path = str | tuple[str | int, ...]  # an attribute path, formatted lazily (most strings hold no secret)


def _text(path: _Path) -> str:
    return path if isinstance(path, str) else format_path(path)


class _Walk:
    __slots__ = ("hits", "seen")

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, detector: str, where_path: str | tuple[str | int, ...], value: str, where: str = "", detail: str = "") -> None:
        path = where_path if isinstance(where_path, str) else format_path(where_path)  # formatted only for a hit
        key = (detector, path, value)
        if key in self.seen:
            return
        self.seen.add(key)
        self.hits.append(Hit(detector, path, mask(value), where, detail))

    # -- structures
    def node(self, value: Any, segs: tuple[str | int, ...], name: str, depth: int, nest: int, where: str,
             path: str = "") -> None:
        """``segs``: the attribute path of ``value``; inside a string (``where`` set) the findings
        point at the attribute holding the string, ``path``."""
        if depth > _MAX_DEPTH:
            return
        # a string child is judged here, not through a call of this method: ``string`` does
        # nothing with one shorter than MIN_LEN unless its name says password (most strings)
        deeper = depth + 1
        if isinstance(value, str):
            self.string(value, path if where else segs, name, nest, where)
        elif isinstance(value, dict):
            if "__unknown__" in value:  # an unresolved expression is source text: secrets in it leak too
                expr = value["__unknown__"]
                if isinstance(expr, str) and len(expr) >= MIN_LEN and nest < MAX_NESTING:
                    # reported at the nearest resolved parent: a path holding a marker reads as unknown
                    at = path if where else format_path(segs[:-1])
                    inside = f"unresolved expression at {format_path(segs)}" if segs and not where else "unresolved expression"
                    self.string(expr, at, "", nest + 1, _inner(where, inside))
                return
            secret_object = value.get("kind") == "Secret" and isinstance(value.get("apiVersion"), str) and value["apiVersion"] in ("v1", "")
            label = ""
            for k in ("name", "Name", "key", "Key"):
                if isinstance(value.get(k), str):
                    label = value[k]
                    break
            for k, v in value.items():
                if not isinstance(k, str):
                    continue
                if (secret_object and k in ("data", "stringData")) or k == "managedFields":
                    continue  # a Secret holds secrets by design; managedFields hold field names only
                if secret_object and k == "metadata" and isinstance(v, dict):
                    v = {kk: vv for kk, vv in v.items() if kk != "annotations"}
                child_name = label if (k in ("value", "Value") and label) else k
                if isinstance(v, str):
                    if deeper <= _MAX_DEPTH and (len(v) >= MIN_LEN or name_kind(child_name) == "password"):
                        self.string(v, path if where else (*segs, k), child_name, nest, where)
                elif isinstance(v, (dict, list)):
                    self.node(v, (*segs, k), child_name, deeper, nest, where, path)
        elif isinstance(value, list):
            password = name_kind(name) == "password"
            for i, v in enumerate(value):
                if isinstance(v, str):
                    if deeper <= _MAX_DEPTH and (len(v) >= MIN_LEN or password):
                        self.string(v, path if where else (*segs, i), name, nest, where)
                elif isinstance(v, (dict, list)):
                    self.node(v, (*segs, i), name, deeper, nest, where, path)

    # -- one string
    def string(self, value: str, path: _Path, name: str, nest: int, where: str) -> None:
        v = value[:MAX_VALUE]
        kind = name_kind(name)
        if kind == "password":
            self.password(v, path, name, where)
        if len(v) < MIN_LEN:
            return
        if kind == "secret" and _aws_secret_name().search(name) and _aws_secret_value().fullmatch(v.strip()):
            self.aws_secret(v.strip(), path, where)
        shaped = self.shapes(v, path, where, name) if _SHAPE_HINT.search(v) else False
        if kind == "secret" and not shaped:
            s = v.strip()
            if not is_placeholder(s) and high_entropy(s):
                self.add(ENTROPY, path, s, where, f"named {name!r}" if name else "")
        if nest >= MAX_NESTING:
            return
        head = v.lstrip()[:1]
        if head in ("{", "[") and len(v) >= MIN_LEN:
            try:
                doc = json.loads(v)
            except (ValueError, RecursionError):
                doc = None
            if isinstance(doc, (dict, list)):
                self.node(doc, (), name, 0, nest + 1, _inner(where, "JSON"), _text(path))
                return
        if "\n" in v or "\\n" in v or ("=" in v and ";" in v) or where:
            self.assignments(v, path, where)
        if len(v) >= 24:
            decoded = _decode(v)
            if decoded is not None:
                self.string(decoded, _text(path), "", nest + 1, _inner(where, "base64-decoded"))

    def password(self, v: str, path: _Path, name: str, where: str) -> None:
        s = v.strip()
        if not is_placeholder(s) and len(s) <= 512:
            self.add(PASSWORD, path, s, where, f"named {name!r}")

    def shapes(self, v: str, path: _Path, where: str, name: str) -> bool:
        found = False
        for m in _shapes().finditer(v):
            g = m.lastgroup
            tok = m.group(0)
            if g == "aws":
                if "EXAMPLE" not in tok and len(set(tok[4:])) > 4:
                    self.add(AWS_KEY_ID, path, tok, where)
                    found = True
            elif g == "pem":
                body = v[m.end():m.end() + 600]
                if len(re.findall(r"[A-Za-z0-9+/]", body)) >= 40 and "EXAMPLE" not in body[:200]:
                    encrypted = "ENCRYPTED" in m.group("pem_kind") or "ENCRYPTED" in body[:120]
                    end = v.find("-----END", m.end())
                    self.add(PRIVATE_KEY, path, v[m.start():end if end > 0 else m.end() + 600], where,
                             "encrypted (still a finding: offline guessing of the passphrase)" if encrypted else "")
                    found = True
            elif g == "git":
                if len(set(tok.split("_")[-1].split("-")[-1])) > 4:
                    self.add(GIT_TOKEN, path, tok, where)
                    found = True
            elif g == "slack":
                if len(set(tok[-10:])) > 3 and "EXAMPLE" not in tok.upper():
                    self.add(SLACK, path, tok, where)
                    found = True
            elif g == "stripe":
                if len(set(tok[8:])) > 4:
                    self.add(STRIPE, path, tok, where)
                    found = True
            elif g == "azconn":
                val = m.group("azconn_v")
                if not is_placeholder(val) and len(val) >= 16:
                    self.add(AZURE_KEY, path, val, where, "connection string")
                    found = True
            elif g == "azkey":
                if high_entropy(tok):
                    self.add(AZURE_KEY, path, tok, where)
                    found = True
            elif g == "jwt":
                if _jwt_header(tok):
                    self.add(JWT, path, tok, where)
                    found = True
            elif g == "gcp":
                if "private_key" in v and "PRIVATE KEY" in v:
                    self.add(GCP_SA_KEY, path, v, where, "service-account key file")
                    found = True
            elif g == "url":
                pw = m.group("url_pw")
                if _SHAPE_HINT.search(pw) and self.shapes(pw, path, where, name):
                    found = True  # a token used as the URL's password: its own format's finding
                elif not is_placeholder(pw):
                    self.add(PASSWORD, path, pw, where, "password in a URL")
                    found = True
        return found

    def aws_secret(self, tok: str, path: _Path, where: str) -> bool:
        if "EXAMPLE" in tok or not high_entropy(tok):
            return False
        self.add(AWS_SECRET, path, tok, where)
        return True

    def assignments(self, v: str, path: _Path, where: str) -> None:
        """``NAME=value`` / ``name: value`` lines of a script or config file held in a string."""
        lines = _lines().split(v)
        for number, text in enumerate(lines, 1):
            if "=" in text or ":" in text:
                self.line_assignments(text[:_MAX_LINE], path, _inner(where, f"line {number}") if len(lines) > 1 else where)

    def line_assignments(self, text: str, path: _Path, at: str) -> None:
        for m in _assign().finditer(text):
            name, val = m.group("name"), m.group("value")
            last = name.rsplit(".", 1)[-1]
            kind = name_kind(last) if last.lower() != "passwd" else ""  # nsswitch/PAM "passwd: files"
            if not kind or _code_value(val, text, m.end()):
                continue
            if is_placeholder(val) or val.startswith(("$", "{")):
                continue
            if _aws_secret_name().search(name) and _aws_secret_value().fullmatch(val) and self.aws_secret(val, path, at):
                continue
            if kind == "password":
                self.add(PASSWORD, path, val, at, f"assigned to {name}")
            elif high_entropy(val) and not _SHAPE_HINT.search(val):
                self.add(ENTROPY, path, val, at, f"assigned to {name}")


_dotted = lazyre.lazy(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+")


def _code_value(val: str, text: str, end: int) -> bool:
    """In a script or program (inline Lambda code, a ConfigMap's Python file) ``x = obj.attr``,
    ``x = f(...)`` and ``x = d[k]`` name another value; they are not literals."""
    if not (val[:1] in ("'", '"') or text[end - len(val) - 1:end - len(val)] in ("'", '"')):
        if _dotted().fullmatch(val) or text[end:end + 1] in ("(", "[", ".") or "[" in val:
            return True
    return False


def _inner(where: str, what: str) -> str:
    return f"{where}, {what}" if where else what


_b64_value = lazyre.lazy(r"[A-Za-z0-9+/\r\n]+={0,2}")


def _decode(v: str) -> str | None:
    """The text a base64 (or gzip+base64) string carries, or None when it is not that."""
    s = v.strip()
    if len(s) < 24 or len(s) > MAX_DECODED * 2 or not _b64_value().fullmatch(s):
        return None
    compact = s.replace("\n", "").replace("\r", "")
    if len(compact) % 4:
        return None
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    if raw[:2] == b"\x1f\x8b":
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = d.decompress(raw, MAX_DECODED)
        except zlib.error:
            return None
    try:
        text = raw[:MAX_DECODED].decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for c in text[:2048] if c.isprintable() or c in "\n\r\t")
    return text if text and printable >= 0.95 * min(len(text), 2048) else None


def _jwt_header(tok: str) -> bool:
    head = tok.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        doc = json.loads(raw)
    except (ValueError, binascii.Error):
        return False
    return isinstance(doc, dict) and "alg" in doc


# --------------------------------------------------------------------------- the API
_CACHE: OrderedDict[int, tuple[Any, dict[str, list[Hit]]]] = OrderedDict()


_CACHE_SIZE = 512


def scan(attributes: Any) -> list[Hit]:
    """Every secret in a resource's attributes (uncached)."""
    w = _Walk()
    w.node(attributes, (), "", 0, 0, "")
    return w.hits


def hits(resource: Any, detector: str) -> Iterator[Hit]:
    """The hits of one detector in a rule envelope (``{"attributes": ...}``). The walk runs once
    per envelope for all rules of the family: the cache holds the envelope itself, so its
    identity cannot be reused by another object while the entry lives."""
    if not isinstance(resource, dict):
        return iter(())
    key = id(resource)
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not resource:
        entry = (resource, _by_detector(scan(resource.get("attributes"))))
        _CACHE[key] = entry
        if len(_CACHE) > _CACHE_SIZE:
            try:
                _CACHE.popitem(last=False)
            except KeyError:  # another evaluation thread emptied it first
                pass
    return iter(entry[1].get(detector, ()))


def _by_detector(found: list[Hit]) -> dict[str, list[Hit]]:
    """Each detector's hits, in order, as ``hits`` reports them (nearly every resource has none:
    the rules of the family then ask an empty dict)."""
    if not found:
        return {}
    whole = {h.path for h in found if h.detector == GCP_SA_KEY}
    shaped = {(h.path, h.masked) for h in found if h.detector in SHAPED}
    out: dict[str, list[Hit]] = {}
    for h in found:
        if h.detector == PRIVATE_KEY and h.path in whole:
            continue  # the key of a service-account key file is that rule's finding
        if h.detector in (PASSWORD, ENTROPY) and (h.path, h.masked) in shaped:
            continue  # a value a format detector named is reported once, there
        out.setdefault(h.detector, []).append(h)
    return out


def mask_values(value: Any) -> Any:
    """A copy of a JSON value with every string holding a secret replaced by its mask (the
    webhook audit log keeps the object's shape, never its secrets)."""
    return _mask_values(value, "", 0)


def _mask_values(value: Any, name: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, dict):
        label = next((value[k] for k in ("name", "Name", "key", "Key") if isinstance(value.get(k), str)), "")
        return {k: _mask_values(v, label if k in ("value", "Value") and label else str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_values(v, name, depth + 1) for v in value]
    if isinstance(value, str) and value:
        w = _Walk()
        w.string(value, "", name, 0, "")
        if w.hits:
            return mask(value)
    return value


# --------------------------------------------------------------------------- rule metadata
EVERY_RESOURCE = {"terraform": ["*"], "cloudformation": ["*"], "kubernetes": ["*"]}
FRAMEWORKS = {"nist-800-53": ["IA-5(7)", "SC-28"], "pci-dss-4.0": ["8.6.2"], "soc2": ["CC6.1"]}
