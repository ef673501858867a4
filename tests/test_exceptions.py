"""PolicyException (README "Exceptions"): one document, one matching function and the
suppression governance, honoured by ``scan`` (repository files and ``--exceptions``) and by the
one-object path the webhook and the cluster audit use (``apply_to_object``)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyguard.gate.config import SuppressionPolicy
from policyguard.gate.exceptions import (
    ExceptionFileError,
    Subject,
    apply_to_object,
    from_document,
    load_file,
)
from policyguard.model import Finding, Severity, Span, Status

TODAY = dt.date(2026, 12, 6)

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug-tools
  namespace: team-a
  labels: {app: debug}
spec:
  containers:
    - name: c
      image: busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111
      securityContext: {privileged: true}
"""


def exception_doc(name: str = "debug-privileged", *, rules: list[str] | None = None, match: dict | None = None,
                  expires: str | None = "2027-01-31", **extra: object) -> dict:
    spec: dict = {"rules": ["PG-K8S-POD-004"] if rules is None else rules,
                  "match": {"namespaces": ["team-a"], "kinds": ["Pod"]} if match is None else match,
                  "reason": "node debugging", "owner": "team-sre"}
    if expires is not None:
        spec["expires"] = expires
    spec.update(extra)
    return {"apiVersion": "policyguard.dev/v1alpha1", "kind": "PolicyException", "metadata": {"name": name}, "spec": spec}


def _pg(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policyguard", *args], cwd=cwd, capture_output=True, text=True, timeout=180)


def _repo(tmp_path: Path, *docs: dict, config: str = "") -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    if docs:
        d = tmp_path / ".policyguard" / "exceptions"
        d.mkdir(parents=True)
        (d / "x.yaml").write_text("---\n".join(json.dumps(doc) + "\n" for doc in docs))
    if config:
        (tmp_path / ".policyguard.yaml").write_text(config)
    return tmp_path


def _scan(repo: Path, *args: str) -> tuple[int, dict]:
    p = _pg(repo, "scan", ".", "-f", "json", "--rule", "PG-K8S-POD-004", *args)
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout)


def _status(report: dict) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["status"]) for f in report["findings"] if f["status"] != "pass"]


# ----------------------------------------------------------------------------- matching
def _subject(**kw: object) -> Subject:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web-1", "namespace": "shop", "labels": {"tier": "web", "env": "prod"}}}
    obj["metadata"].update(kw)  # type: ignore[union-attr]
    return Subject.from_object(obj)


@pytest.mark.parametrize(("match", "selected"), [
    ({"namespaces": ["shop"]}, True),
    ({"namespaces": ["sh*"]}, True),
    ({"namespaces": ["other"]}, False),
    ({"kinds": ["Deployment"]}, True),
    ({"kinds": ["apps/Deployment"]}, True),
    ({"kinds": ["batch/Deployment"]}, False),
    ({"kinds": ["core/Deployment"]}, False),
    ({"names": ["web-*"]}, True),
    ({"names": ["api-*"]}, False),
    ({"selector": {"matchLabels": {"tier": "web"}}}, True),
    ({"selector": {"matchLabels": {"tier": "db"}}}, False),
    ({"selector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "stage"]}]}}, True),
    ({"selector": {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}}, False),
    ({"selector": {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["x"]}]}}, True),
    ({"selector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}, True),
    ({"selector": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}}, False),
    ({"namespaces": ["shop"], "kinds": ["Pod"]}, False),  # every criterion must hold
])
def test_match_criteria(match: dict, selected: bool) -> None:
    e = from_document(exception_doc(rules=["PG-K8S-*"], match=match), "x.yaml")
    assert e.covers("PG-K8S-POD-001", _subject()) is selected
    assert e.covers("PG-AWS-S3-001", _subject()) is False


def test_an_unknown_namespace_matches_no_namespace_list() -> None:
    """A manifest that states no namespace lands wherever it is deployed: a namespace-scoped
    exception must not excuse it (the scan cannot know), while the webhook passes the
    request's namespace."""
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    e = from_document(exception_doc(match={"namespaces": ["*"]}), "x.yaml")
    assert not e.covers("PG-K8S-POD-004", Subject.from_object(obj))
    assert e.covers("PG-K8S-POD-004", Subject.from_object(obj, namespace="team-a"))


@pytest.mark.parametrize(("doc", "message"), [
    (exception_doc(owner=""), "spec.owner"),
    ({**exception_doc(), "spec": {k: v for k, v in exception_doc()["spec"].items() if k != "reason"}}, "'reason' is a required property"),
    (exception_doc(match={}), "spec.match"),
    (exception_doc(expires="2027-02-30"), "spec.expires"),
    (exception_doc(rules=[]), "spec.rules"),
    (exception_doc(colour="red"), "unknown key 'colour'"),
    (exception_doc(match={"selector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}), "needs values"),
])
def test_bad_documents_are_located_errors(tmp_path: Path, doc: dict, message: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("# leading comment\n" + json.dumps(doc, indent=1) + "\n")
    with pytest.raises(ExceptionFileError) as info:
        load_file(str(f))
    text = str(info.value)
    assert f"{f}:" in text and message in text


def test_yaml_error_and_duplicate_names_are_located(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("apiVersion: policyguard.dev/v1alpha1\nkind: [unclosed\n")
    with pytest.raises(ExceptionFileError, match=rf"{f}:\d+: invalid YAML"):
        load_file(str(f))
    f.write_text(json.dumps(exception_doc()) + "\n---\n" + json.dumps(exception_doc()) + "\n")
    with pytest.raises(ExceptionFileError, match="defined twice"):
        load_file(str(f))


# ----------------------------------------------------------------------------- one object (webhook, audit)
def _finding(rule: str = "PG-K8S-POD-004") -> Finding:
    return Finding(rule_id=rule, status=Status.FAIL, severity=Severity.HIGH, resource_id="v1/Pod/team-a/debug-tools",
                   resource_type="v1/Pod", platform="kubernetes", span=Span("<admission>", 1, 1, 1, 1), message="privileged")


def test_apply_to_object_suppresses_with_the_exceptions_name_owner_and_reason() -> None:
    subject = Subject.from_object({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug-tools", "namespace": "team-a"}})
    e = from_document(exception_doc(), "policyexception/policyguard/debug-privileged", origin="cluster")
    f, other = _finding(), _finding("PG-K8S-POD-001")
    out = apply_to_object([f, other], subject, [e], SuppressionPolicy(), TODAY)
    assert out.excepted == 1 and out.notices == []
    assert f.status is Status.SUPPRESSED and other.status is Status.FAIL
    assert f.suppression is not None and (f.suppression.source, f.suppression.name, f.suppression.owner) == \
        ("exception", "debug-privileged", "team-sre")


@pytest.mark.parametrize(("policy", "expires", "kind"), [
    (SuppressionPolicy(max_expiry_days=30), "2027-06-01", "rejected"),
    (SuppressionPolicy(require_expiry=True), None, "rejected"),
    (SuppressionPolicy(), "2026-12-01", "expired"),
])
def test_governance_holds_for_exceptions(policy: SuppressionPolicy, expires: str | None, kind: str) -> None:
    subject = Subject.from_object({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team-a"}})
    e = from_document(exception_doc(expires=expires), "x.yaml")
    f = _finding()
    out = apply_to_object([f], subject, [e], policy, TODAY)
    assert f.status is Status.FAIL
    assert [n.kind for n in out.notices] == [kind]


def test_a_cluster_exception_with_a_bad_date_is_invalid_not_an_error() -> None:
    e = from_document(exception_doc(expires="2027-02-30"), "policyexception/ns/x", origin="cluster")
    f = _finding()
    out = apply_to_object([f], Subject.from_object({"kind": "Pod", "metadata": {"name": "p", "namespace": "team-a"}}),
                          [e], SuppressionPolicy(), TODAY)
    assert f.status is Status.FAIL and [n.kind for n in out.notices] == ["invalid"]


# ----------------------------------------------------------------------------- scan
def test_scan_honours_a_repository_exception(tmp_path: Path) -> None:
    code, report = _scan(_repo(tmp_path, exception_doc()))
    assert code == 0, report
    assert _status(report) == [("PG-K8S-POD-004", "suppressed")]
    sup = next(f["suppression"] for f in report["findings"] if f["status"] == "suppressed")
    assert sup["source"] == "exception" and sup["name"] == "debug-privileged"
    assert sup["location"] == ".policyguard/exceptions/x.yaml:1"


def test_scan_ignores_an_exception_that_does_not_select_the_object(tmp_path: Path) -> None:
    code, report = _scan(_repo(tmp_path, exception_doc(match={"namespaces": ["team-b"]})))
    assert code == 1 and _status(report) == [("PG-K8S-POD-004", "fail")]
    assert report["suppression_notices"] == []  # nothing in its scope was scanned: not stale either


def test_scan_applies_the_suppression_policy(tmp_path: Path) -> None:
    repo = _repo(tmp_path, exception_doc(expires="2027-12-31"), config="suppression_policy: {max_expiry_days: 90}\n")
    code, report = _scan(repo)
    assert code == 1 and _status(report) == [("PG-K8S-POD-004", "fail")]
    assert [(n["kind"], n["file"]) for n in report["suppression_notices"]] == [("rejected", ".policyguard/exceptions/x.yaml")]


def test_scan_reports_an_expired_exception(tmp_path: Path) -> None:
    code, report = _scan(_repo(tmp_path, exception_doc(expires="2026-01-01")))
    assert code == 1 and _status(report) == [("PG-K8S-POD-004", "fail")]
    assert [n["kind"] for n in report["suppression_notices"]] == ["expired"]


def test_an_untrusted_repository_cannot_grant_itself_an_exception(tmp_path: Path) -> None:
    repo = _repo(tmp_path, exception_doc())
    code, report = _scan(repo, "--untrusted-repo")
    assert code == 1 and _status(report) == [("PG-K8S-POD-004", "fail")]
    notices = [n for n in report["suppression_notices"] if n["subject"] == "config"]
    assert notices and notices[0]["kind"] == "rejected" and "untrusted" in notices[0]["message"]
    # the same document given by whoever runs the gate is trusted
    trusted = tmp_path.parent / f"{tmp_path.name}-trusted.yaml"
    trusted.write_text(json.dumps(exception_doc("from-ci")))
    code, report = _scan(repo, "--untrusted-repo", "--exceptions", str(trusted))
    assert code == 0 and _status(report) == [("PG-K8S-POD-004", "suppressed")]


def test_scan_exits_2_on_a_bad_exception_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path, exception_doc(expires="2027-13-01"))
    p = _pg(repo, "scan", ".")
    assert p.returncode == 2
    assert ".policyguard/exceptions/x.yaml:1: spec.expires" in p.stderr and "Traceback" not in p.stderr


# ----------------------------------------------------------------------------- webhook
def _review(namespace: str, uid: str) -> dict:
    import yaml

    obj = yaml.safe_load(POD)
    obj["metadata"].pop("namespace")  # as kubectl -n sends a CREATE: the namespace is the request's
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": namespace, "name": "debug-tools",
        "operation": "CREATE", "userInfo": {"username": "alice"}, "object": obj}}


def test_the_webhook_honours_the_same_exception_file(tmp_path: Path) -> None:
    from webhook_support import start_server

    f = tmp_path / "exceptions.yaml"
    f.write_text(json.dumps(exception_doc()))
    expired = tmp_path / "expired.yaml"
    expired.write_text(json.dumps(exception_doc("old", match={"namespaces": ["team-c"]}, expires="2026-01-01")))
    srv = start_server(tmp_path / "srv", config={"exceptions": {"files": [str(f), str(expired)]}}, workers=1)
    try:
        allowed = srv.review("/validate", _review("team-a", "1"))["response"]
        denied = srv.review("/validate", _review("team-b", "2"))["response"]
        still = srv.review("/validate", _review("team-c", "3"))["response"]
    finally:
        srv.stop()
    assert allowed["allowed"] is True
    assert denied["allowed"] is False and "PG-K8S-POD-004" in denied["status"]["message"]
    assert still["allowed"] is False  # an expired exception no longer applies
    assert "PolicyException old of PG-K8S-POD-004 expired" in srv.log.read_text()
