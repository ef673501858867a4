"""Rule-pack parity of the real OPA (``opa eval`` and ``opa run --server``) with embedded regorus,
batched so the whole pack's fixtures take minutes, not hours (holds no tests itself).

Running each fixture case through the ``opa`` backend costs one ``opa eval`` per case (a process
start and a compile of the policy set: 0.5 s for the library and one rule, 8 s for the whole
pack), thousands of cases in all. So the parity is proven one level down, where it is decided:

1. the fixture cases are scanned once, on embedded regorus, with every call the evaluator makes
   to its Rego backend recorded (the batch document, the driver entry points, regorus's answer);
2. OPA answers the same calls: all of them in one ``opa eval`` (each call's document bound with
   ``with input as``), and each through the real ``OpaServerBackend`` against a real server
   holding the same modules;
3. the answers must be equal, call by call. The evaluator turns backend answers into findings
   deterministically, so equal answers to every call it made mean it would have made the same
   calls, in the same order, on OPA and reached the same verdicts.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from policyguard.engine.rego.common import BackendError
from policyguard.engine.rego.driver import RegoPolicy


@dataclass
class Call:
    """One evaluator -> backend call: the entry points (``batch`` or ``batch_<group>``), the batch
    document, and regorus's answer (``("ok", value)`` or ``("error", message)``)."""

    policy: int
    entries: list[str]
    input_json: str
    groups: list[str] | None
    answer: tuple[str, Any]


@dataclass
class Recording:
    policies: list[RegoPolicy] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every evaluator built from now on gets an embedded backend whose calls are recorded."""
        import policyguard.engine.evaluator as evaluator_mod
        from policyguard.engine.rego.backends import make_backend

        rec = self

        class Recorded:
            name = "embedded"

            def __init__(self, inner: Any, index: int) -> None:
                self.inner, self.index = inner, index

            def eval_batch(self, input_doc: dict[str, Any], input_json: str, timeout: float,
                           groups: list[str] | None = None) -> Any:
                entries = ["batch"] if groups is None else [f"batch_{g}" for g in groups]
                try:
                    value = self.inner.eval_batch(input_doc, input_json, timeout, groups)
                except BackendError as exc:
                    rec.calls.append(Call(self.index, entries, input_json, groups, ("error", str(exc))))
                    raise
                rec.calls.append(Call(self.index, entries, input_json, groups, ("ok", json.loads(json.dumps(value)))))
                return value

            def close(self) -> None:
                close = getattr(self.inner, "close", None)
                if close is not None:
                    close()

        def recording_make_backend(name: str, policy: RegoPolicy, **kw: Any) -> Any:
            assert name == "embedded", name
            rec.policies.append(policy)
            return Recorded(make_backend("embedded", policy, **{**kw, "guard": False}), len(rec.policies) - 1)

        monkeypatch.setattr(evaluator_mod, "make_backend", recording_make_backend)


def write_policy_dir(policy: RegoPolicy, root: Path) -> Path:
    """The modules and the whole driver as plain ``.rego`` files (what ``opa eval --data`` and
    ``opa run --server <dir>`` load)."""
    d = Path(tempfile.mkdtemp(prefix="policy-", dir=root))
    for i, (_file, source) in enumerate(policy.sources()):
        (d / f"m{i:04d}.rego").write_text(source, encoding="utf-8")
    return d


# every call's entry points, each under its own input; object keys: the call's position. The
# document is bound to a variable first: ``with input as c.doc`` would read ``c.doc`` from the
# replaced input (OPA evaluated it to an empty batch)
REPLAY_QUERY = ("{i: [v | some e in c.entries; d := c.doc; v := data.policyguard.driver[e] with input as d]"
                " | some i, c in input.calls}")


def _concat(parts: list[Any]) -> Any:
    """What the backend returns for a call: the ``batch`` value, or the group values concatenated."""
    if len(parts) == 1 and not isinstance(parts[0], list):
        return parts[0]
    return [entry for part in parts for entry in part]


def opa_eval_answers(opa: str, policy_dir: Path, calls: list[Call], timeout: float = 600) -> list[tuple[str, Any]]:
    """OPA's answers to ``calls`` from one ``opa eval``; if a call errors at run time the whole
    query does, and then each call is asked alone to find which. Built-in errors are errors, as
    the backend asks for (OpaCliBackend.command)."""
    from policyguard.engine.rego.backends import parse_opa_eval_output

    def ask(chunk: list[Call]) -> dict[str, Any]:
        doc = {"calls": [{"entries": c.entries, "doc": json.loads(c.input_json)} for c in chunk]}
        proc = subprocess.run([opa, "eval", "--format", "json", "--strict-builtin-errors", "--data", str(policy_dir), "--stdin-input", REPLAY_QUERY],  # noqa: S603
                              input=json.dumps(doc).encode(), capture_output=True, timeout=timeout, check=False)
        return dict(parse_opa_eval_output(proc.returncode, proc.stdout, proc.stderr))

    try:
        got = ask(calls)
        return [("ok", _concat(got[str(i)])) if str(i) in got else ("error", "undefined") for i in range(len(calls))]
    except BackendError:
        pass
    out: list[tuple[str, Any]] = []
    for c in calls:
        try:
            one = ask([c])
            out.append(("ok", _concat(one["0"])) if "0" in one else ("error", "undefined"))
        except BackendError as exc:
            out.append(("error", str(exc)))
    return out


def server_answers(url: str, policy: RegoPolicy, calls: list[Call], monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The answers of the real ``OpaServerBackend`` (the server already holds the modules)."""
    from policyguard.engine.rego.backends import OpaServerBackend

    monkeypatch.setenv("POLICYGUARD_OPA_PUSH", "0")
    backend = OpaServerBackend(policy.sources(), url, 60.0)
    out: list[tuple[str, Any]] = []
    for c in calls:
        try:
            out.append(("ok", json.loads(json.dumps(backend.eval_batch(json.loads(c.input_json), c.input_json, 60.0, c.groups)))))
        except BackendError as exc:
            out.append(("error", str(exc)))
    return out


def differences(calls: list[Call], answers: list[tuple[str, Any]]) -> list[str]:
    """Each call whose OPA answer differs from regorus's, down to the rule x resource."""
    diffs: list[str] = []
    for c, (kind, value) in zip(calls, answers, strict=True):
        want_kind, want = c.answer
        if want_kind != kind:
            diffs.append(f"{c.entries}: regorus {want_kind} ({str(want)[:200]}), OPA {kind} ({str(value)[:200]})")
            continue
        if kind == "error" or value == want:
            continue
        mine = {e["id"]: e["out"] for e in want} if isinstance(want, list) else {}
        theirs = {e["id"]: e["out"] for e in value} if isinstance(value, list) else {}
        for rid in sorted(set(mine) | set(theirs)):
            a, b = mine.get(rid, {}), theirs.get(rid, {})
            for rule in sorted(set(a) | set(b)):
                if a.get(rule) != b.get(rule):
                    diffs.append(f"{rule} on {rid}: regorus {json.dumps(a.get(rule))[:300]} != OPA {json.dumps(b.get(rule))[:300]}")
    return diffs
