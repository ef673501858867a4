"""JSON on the hot paths (rule inputs, engine results, admission bodies): orjson when it is
installed (3-5x faster than the standard library on these documents), the stdlib otherwise.
Both produce compact JSON; values JSON cannot hold are written as ``str(value)``; integers
beyond 64 bits (a Terraform number may be arbitrarily large) go through the stdlib."""

from __future__ import annotations

import json as _json
from typing import Any


def _std_dumps(value: Any) -> str:
    return _json.dumps(value, separators=(",", ":"), default=str)


try:
    import orjson as _orjson

    def dumps_bytes(value: Any) -> bytes:
        try:
            return _orjson.dumps(value, default=str)
        except TypeError:  # orjson holds integers to 64 bits; the model keeps them exact (parsers/numbers.py)
            return _std_dumps(value).encode()

    def dumps(value: Any) -> str:
        return dumps_bytes(value).decode()

    def loads(data: bytes | str) -> Any:
        return _orjson.loads(data)

    DECODE_ERRORS: tuple[type[Exception], ...] = (_orjson.JSONDecodeError, RecursionError)

except ImportError:  # pragma: no cover - depends on the environment

    def dumps(value: Any) -> str:
        return _std_dumps(value)

    def dumps_bytes(value: Any) -> bytes:
        return dumps(value).encode()

    def loads(data: bytes | str) -> Any:
        return _json.loads(data)

    DECODE_ERRORS = (ValueError, RecursionError)
