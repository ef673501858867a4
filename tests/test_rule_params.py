"""Rule parameters: declared in rule metadata, set in trusted configuration (rules.params),
validated against the declaration, handed to each rule alone (Rego ``input.params`` on every
backend, Python ``ctx.params``); a rule whose parameter has no default and is not configured is
set aside and reported, never a silent pass. Plus PG-K8S-IMAGE-004 (trusted registries)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_engine_helpers import REPO, comparable, have_golib

from policyguard import engine
from policyguard.commands import main
from policyguard.commands.common import prepare_scan
from policyguard.engine.evaluator import EvalMode
from policyguard.engine.rego.driver import Driver
from policyguard.gate import trust
from policyguard.gate.config import ConfigError
from policyguard.model import Resource, Span, Status, unknown
from policyguard.options import EvalOptions, RuleOptions, ScanOptions

RULE_DIR = REPO / "rules" / "kubernetes" / "image" / "trusted_registry"
RID = "PG-K8S-IMAGE-004"

# two parameterised Rego rules judging the same resources (one driver group): each must see its own
WORD_RULE = """\
# METADATA
# title: Test - word {n}
# custom:
#   id: TEST-PARAM-{n}
#   severity: high
#   resource_types:
#     kubernetes: [workload]
#   params:
#     word:
#       type: string
#       description: the word to report
#     times:
#       type: integer
#       description: how many results
#       default: {default}
package test.params.r{n}

import rego.v1

fail contains {{"msg": sprintf("%v %v of %v", [input.params.word, i, input.params.times]), "path": "metadata.name"}} if {{
\tsome i in numbers.range(1, input.params.times)
}}
"""

PY_RULE = """\
from policyguard.engine.python_rules import fail, rule


@rule(id="TEST-PARAM-PY", title="Test - Python params", severity="low", resource_types={"kubernetes": ["*"]},
      params={"names": {"type": "array", "items": {"type": "string"}, "description": "names that fail"},
              "suffix": {"type": "string", "description": "appended", "default": "!"}})
def check(resource, resources, ctx):
    if resource["name"] in ctx.params["names"]:
        yield fail(resource["name"] + ctx.params["suffix"], path="metadata.name")
"""


def _pod(name: str, images: dict[str, Any], kind: str = "containers") -> Resource:
    containers = [{"name": n, "image": img} for n, img in images.items()]
    attrs = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "prod"},
             "spec": {"template": {"spec": {kind: containers}}}}
    return Resource(id=f"apps/v1/Deployment/prod/{name}", platform="kubernetes", type="apps/v1/Deployment",
                    name=name, attributes=attrs, span=Span("manifest.yaml", 1, 1, 12, 1),
                    source_format="kubernetes", pod_spec_path="spec.template.spec")


def _rules_dir(tmp_path: Path) -> Path:
    d = tmp_path / "prules"
    for n, default in (("A", 1), ("B", 2)):
        (d / n).mkdir(parents=True)
        (d / n / "rule.rego").write_text(WORD_RULE.format(n=n, default=default))
    (d / "py").mkdir()
    (d / "py" / "rule.py").write_text(PY_RULE)
    return d


def _evaluate(resources: list[Resource], params: dict[str, Any], engine_name: str = "embedded",
              dirs: list[str] | None = None, compiled: bool = False, **kw: Any) -> list[Any]:
    rules = RuleOptions(rule_dirs=dirs or [str(RULE_DIR)], builtin_rules=False, rule_params=params)
    evaluation = EvalOptions(rego_engine=engine_name, **kw)
    mode = EvalMode(rego_guard=False, rego_compiled=True) if compiled else None
    ev = engine.make_evaluator(engine.load_ruleset(rules, evaluation), evaluation, mode)
    return ev.evaluate(resources)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- configuration
@pytest.mark.parametrize(("params", "where", "what"), [
    ("      registries: registry.example.com\n", f"rules.params.{RID}.registries", "is not of type 'array'"),
    ("      registries: [1]\n", f"rules.params.{RID}.registries[0]", "is not of type 'string'"),
    ("      registries: ['*.example.com']\n", f"rules.params.{RID}.registries[0]", "does not match"),
    ("      registries: ['ghcr.io/acme/app:1.0']\n", f"rules.params.{RID}.registries[0]", "does not match"),
    ("      registries: ['registry.local:http']\n", f"rules.params.{RID}.registries[0]", "does not match"),
    ("      registry: [a.example.com]\n", f"rules.params.{RID}.registry", "has no parameter 'registry'"),
])
def test_a_bad_parameter_value_is_a_located_config_error(tmp_path: Path, params: str, where: str, what: str) -> None:
    cfg = _write(tmp_path / "cfg.yaml", f"rules:\n  params:\n    {RID}:\n{params}")
    with pytest.raises(ConfigError) as exc:
        prepare_scan({"paths": [str(tmp_path)], "config_path": str(cfg)})
    assert f"{cfg}:4: {where}" in str(exc.value) and what in str(exc.value)


def test_an_unknown_rule_id_is_a_config_error(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "cfg.yaml", "rules:\n  params:\n    PG-K8S-IMAGE-04:\n      registries: [a.io]\n")
    with pytest.raises(ConfigError, match=rf"{cfg}:3: rules.params.PG-K8S-IMAGE-04: no such rule .*did you mean {RID}"):
        prepare_scan({"paths": [str(tmp_path)], "config_path": str(cfg)})


def test_the_cli_exits_2_on_a_bad_parameter_without_a_traceback(tmp_path: Path) -> None:
    _write(tmp_path / "repo" / "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n")
    cfg = _write(tmp_path / "cfg.yaml", f"rules:\n  params:\n    {RID}:\n      registries: {{a: 1}}\n")
    proc = subprocess.run([sys.executable, "-m", "policyguard", "scan", str(tmp_path / "repo"), "--config", str(cfg)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert f"{cfg}:4: rules.params.{RID}.registries" in proc.stderr and "Traceback" not in proc.stderr


def test_untrusted_repository_params_are_ignored_with_a_notice(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo / ".policyguard.yaml", f"rules:\n  params:\n    {RID}:\n      registries: ['*']\n")
    cfg, untrusted = trust.resolve(None, [str(repo)], untrusted=True)
    assert untrusted and cfg.rule_params == {}
    [notice] = [n for n in cfg.notices if "rules.params" in n.message]
    assert notice.file == str(repo / ".policyguard.yaml") and notice.line == 2 and "may_loosen: [rules]" in notice.message
    # local mode: the repository's params apply
    cfg, _ = trust.resolve(None, [str(repo)])
    assert cfg.rule_params == {RID: {"registries": ["*"]}}
    # a trusted config allowing `rules`: applied, but the trusted config's own params win
    org = _write(tmp_path / "org.yaml", f"repo_config: {{trust: untrusted, may_loosen: [rules]}}\nrules:\n  params:\n"
                                       f"    {RID}:\n      registries: [registry.example.com]\n")
    cfg, untrusted = trust.resolve(None, [str(repo)], org_config=str(org))
    assert untrusted and cfg.rule_params == {RID: {"registries": ["registry.example.com"]}}
    assert cfg.param_where(RID, "registries") == f"{org}:5: rules.params.{RID}.registries"
    # in local mode too: trusted configuration wins over the repository's
    org.write_text(f"rules:\n  params:\n    {RID}:\n      registries: [registry.example.com]\n")
    cfg, untrusted = trust.resolve(None, [str(repo)], org_config=str(org))
    assert not untrusted and cfg.rule_params == {RID: {"registries": ["registry.example.com"]}}


# --------------------------------------------------------------------------- unconfigured rules
def test_an_unconfigured_rule_is_set_aside_and_reported(tmp_path: Path) -> None:
    opts = ScanOptions(rules=RuleOptions(rule_dirs=[str(RULE_DIR)], builtin_rules=False))
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    assert rs.metas == [] and rs.params_skipped == {RID: ("registries",)}
    assert _evaluate([_pod("web", {"app": "nginx:1"})], {}) == []  # no findings at all: not a pass
    # the CLI says so: text summary, JSON summary, and `rules list`
    manifest = _write(tmp_path / "repo" / "deploy.yaml", (RULE_DIR / "fixtures/fail/cronjob_prefix_boundary/manifest.yaml").read_text())
    runner = CliRunner()
    res = runner.invoke(main, ["scan", str(manifest.parent), "-j", "1", "--profile", "baseline"])
    assert f"1 rule(s) not evaluated for want of configuration (needs: rules.params.{RID}.registries" in res.output
    out = tmp_path / "r.json"
    runner.invoke(main, ["scan", str(manifest.parent), "-j", "1", "-f", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    assert report["summary"]["rules_needing_params"] == 1 and RID not in report["rules"]
    assert not any(f["rule_id"] == RID for f in report["findings"])
    res = runner.invoke(main, ["rules", "list"])
    assert f"needs: rules.params.{RID}.registries" in next(ln for ln in res.output.splitlines() if ln.startswith(RID))
    res = runner.invoke(main, ["rules", "list", "-f", "json"])
    rows = {r["id"]: r for r in json.loads(res.stdout)["rules"]}
    assert rows[RID]["needs_params"] == [f"rules.params.{RID}.registries"] and rows["PG-K8S-IMAGE-001"]["needs_params"] == []
    # naming only that rule explains why nothing would run
    res = runner.invoke(main, ["scan", str(manifest.parent), "--rule", RID])
    assert res.exit_code == 2 and f"need configuration first: rules.params.{RID}.registries" in res.output


def test_a_default_that_its_own_schema_rejects_is_a_load_error(tmp_path: Path) -> None:
    d = _write(tmp_path / "r" / "rule.rego", WORD_RULE.format(n="C", default='"three"')).parent
    rs = engine.load_ruleset(RuleOptions(rule_dirs=[str(d)], builtin_rules=False), EvalOptions())
    [err] = rs.errors
    assert "params.times.default" in err.message and "is not of type 'integer'" in err.message and err.line == 15  # the `default:` line


# --------------------------------------------------------------------------- evaluation
BACKENDS = ["embedded", "embedded-vm", "opa-golib", "opa", "opa-server"]


@pytest.fixture(scope="module")
def opa_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from opa_fixtures import start_server

    server = start_server(tmp_path_factory.mktemp("opa"))
    yield server
    server.stop()


def _on(backend: str, resources: list[Resource], params: dict[str, Any], dirs: list[str], shim: Any) -> list[Any]:
    if backend == "embedded-vm":
        return _evaluate(resources, params, "embedded", dirs, compiled=True)
    from opa_fixtures import require_opa

    extra: dict[str, Any] = {"opa_path": require_opa()} if backend == "opa" else {"opa_url": shim.url} if backend == "opa-server" else {}
    return _evaluate(resources, params, backend, dirs, **extra)


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_rule_sees_its_own_params_on_every_backend(tmp_path: Path, backend: str, request: Any) -> None:
    if backend == "opa-golib" and not have_golib():
        pytest.skip("opa-golib-python-bindings not installed")
    shim = request.getfixturevalue("opa_server") if backend == "opa-server" else None
    d = _rules_dir(tmp_path)
    dirs = [str(d / "A"), str(d / "B"), str(d / "py"), str(RULE_DIR)]
    params = {"TEST-PARAM-A": {"word": "alpha"}, "TEST-PARAM-B": {"word": "beta", "times": 3},
              "TEST-PARAM-PY": {"names": ["web"]}, RID: {"registries": ["ghcr.io/acme/"]}}
    resources = [_pod("web", {"app": "ghcr.io/acme/app:1", "side": "ghcr.io/acme-evil/app:1"})]
    got = _on(backend, resources, params, dirs, shim)
    msgs = sorted((f.rule_id, f.message) for f in got if f.status is Status.FAIL)
    assert msgs == [
        (RID, 'container "side" image "ghcr.io/acme-evil/app:1" (ghcr.io/acme-evil/app) is not from a trusted registry (allowed: ghcr.io/acme/)'),
        ("TEST-PARAM-A", "alpha 1 of 1"),  # the default filled in
        ("TEST-PARAM-B", "beta 1 of 3"), ("TEST-PARAM-B", "beta 2 of 3"), ("TEST-PARAM-B", "beta 3 of 3"),
        ("TEST-PARAM-PY", "web!"),
    ]
    [reg] = [f for f in got if f.rule_id == RID]
    assert reg.path == "spec.template.spec.containers[1].image"
    if backend != "embedded":
        assert comparable(got) == comparable(_on("embedded", resources, params, dirs, None))


def test_the_vm_runs_parameterised_rules_itself(tmp_path: Path) -> None:
    d = _rules_dir(tmp_path)
    opts = ScanOptions(rules=RuleOptions(rule_dirs=[str(RULE_DIR)], builtin_rules=False, rule_params={RID: {"registries": ["*"]}}))
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation, EvalMode(rego_guard=False, rego_compiled=True))
    assert [f.status for f in ev.evaluate([_pod("web", {"a": "nginx"})]) if f.rule_id == RID] == [Status.PASS]
    assert ev.vm_status() == ({}, 0)
    # a rule iterating numbers.range over a parameter runs on the interpreter (its cost is not
    # bounded by the VM's instruction limit), with the same verdicts
    opts = ScanOptions(rules=RuleOptions(rule_dirs=[str(d / "A"), str(RULE_DIR)], builtin_rules=False, rule_params={"TEST-PARAM-A": {"word": "w"}, RID: {"registries": ["*"]}}))
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation, EvalMode(rego_guard=False, rego_compiled=True))
    assert [f.status for f in ev.evaluate([_pod("web", {"a": "nginx"})]) if f.rule_id == RID] == [Status.PASS]
    reasons, fallbacks = ev.vm_status()
    assert fallbacks == 0 and reasons and all("numbers.range" in why for why in reasons.values())


def test_rules_without_params_get_the_same_driver_and_input() -> None:
    rules = [("A", "p.a", False), ("B", "p.b", True)]
    assert Driver.build(rules, {"g0": ["A", "B"]}).text() == Driver.build(rules, {"g0": ["A", "B"]}, set()).text()
    assert "rule_params" not in Driver.build(rules, {"g0": ["A", "B"]}).text()
    opts = ScanOptions(rules=RuleOptions(rule_dirs=[str(REPO / "rules" / "kubernetes" / "image" / "latest_tag")], builtin_rules=False))
    ev = engine.make_evaluator(engine.load_ruleset(opts.rules, opts.evaluation), opts.evaluation)
    seen: list[dict[str, Any]] = []
    backend = ev.backend
    real = backend.eval_batch
    backend.eval_batch = lambda doc, *a: seen.append(doc) or real(doc, *a)  # type: ignore[method-assign]
    ev.evaluate([_pod("web", {"a": "nginx"})])
    assert seen and all(set(doc) == {"resources", "batch"} for doc in seen)


# --------------------------------------------------------------------------- the registry matcher
@pytest.mark.parametrize(("image", "entries", "trusted"), [
    ("nginx:1.27", ["docker.io"], True),  # no host: Docker Hub
    ("nginx:1.27", ["docker.io/library/"], True),  # one component: docker.io/library/nginx
    ("nginx", ["docker.io/library/nginx"], True),
    ("someone/nginx", ["docker.io/library/"], False),
    ("index.docker.io/library/nginx:1", ["docker.io/library"], True),
    ("docker.io/nginx@sha256:" + "a" * 64, ["docker.io/library/nginx"], True),
    ("registry.example.com:5000/app:1", ["registry.example.com:5000"], True),
    ("registry.example.com:5000/app:1", ["registry.example.com"], False),  # another port, another registry
    ("registry.example.com/app:1", ["registry.example.com:5000"], False),
    ("registry.example.com.evil.com/app:1", ["registry.example.com"], False),
    ("evil.com/registry.example.com/app:1", ["registry.example.com"], False),
    ("REGISTRY.Example.COM/app:1", ["registry.example.com"], True),  # host names ignore case
    ("ghcr.io/acme/app:1", ["ghcr.io/acme"], True),
    ("ghcr.io/acmeevil/app:1", ["ghcr.io/acme"], False),  # a prefix ends on a "/" boundary
    ("ghcr.io/acme-evil/app:1", ["ghcr.io/acme/"], False),
    ("ghcr.io/acme:1", ["ghcr.io/acme/"], True),
    ("localhost/app", ["localhost"], True),
    ("localhost:5000/app", ["docker.io"], False),
    ("quay.io/org/app@sha256:" + "b" * 64, ["*"], True),
    ("quay.io/org/app:1", [], False),
])
def test_registry_matching(image: str, entries: list[str], trusted: bool) -> None:
    got = _evaluate([_pod("web", {"app": image})], {RID: {"registries": entries}})
    assert [f.status for f in got] == [Status.PASS if trusted else Status.FAIL], [f.message for f in got]


def test_every_container_kind_is_judged_and_unresolved_images_are_unknown() -> None:
    params = {RID: {"registries": ["registry.example.com"]}}
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        [f] = _evaluate([_pod("web", {"x": "quay.io/x:1"}, kind)], params)
        assert f.status is Status.FAIL and f.path == f"spec.template.spec.{kind}[0].image"
    for image in (unknown("var.image"), "${REGISTRY}/app:1", "{{ .Values.image }}"):
        [f] = _evaluate([_pod("web", {"x": image})], params)
        assert f.status is Status.UNKNOWN, (image, f.message)


def test_fixtures_params_file_configures_policyguard_test(tmp_path: Path) -> None:
    from policyguard.ruletest import run_fixture_cases

    results, errors, _ = run_fixture_cases([RULE_DIR], builtin=False)
    assert errors == [] and results and all(c.ok for c in results)
    # without the params file the rule is reported as needing configuration, not skipped
    import shutil

    copy = tmp_path / "trusted_registry"
    shutil.copytree(RULE_DIR, copy)
    (copy / "fixtures" / "params.yaml").unlink()
    results, errors, _ = run_fixture_cases([copy], builtin=False)
    assert [c.ok for c in results] == [False] and "fixtures/params.yaml" in results[0].problems[0]
    # a params file setting what the rule does not declare is an error
    (copy / "fixtures" / "params.yaml").write_text(f"{RID}:\n  registries: [a.io]\n  extra: 1\n")
    _, errors, _ = run_fixture_cases([copy], builtin=False)
    [err] = [e for e in errors if "has no parameter 'extra'" in e.message]
    assert err.file == str(copy / "fixtures" / "params.yaml") and err.line == 3 and err.message.startswith(f"{RID}.extra: ")


def test_the_webhook_takes_params_from_its_config_and_refuses_bad_ones(tmp_path: Path, capsys: Any) -> None:
    from policyguard.commands.serve import build_config, run_serve

    p = _write(tmp_path / ".policyguard.yaml", f"rules:\n  params:\n    {RID}:\n      registries: [registry.example.com]\n"
                                              "webhook:\n  failure_mode: deny\n")
    _, options = build_config({"config_path": str(p)})
    assert options.rules.rule_params == {RID: {"registries": ["registry.example.com"]}}
    pytest.importorskip("uvicorn")
    p.write_text(f"rules:\n  params:\n    {RID}:\n      registries: registry.example.com\n")
    assert run_serve(config_path=str(p), insecure=True) == 2  # before it serves anything
    assert f"{p}:4: rules.params.{RID}.registries" in capsys.readouterr().err


def test_every_bad_item_is_reported(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "cfg.yaml", f"rules:\n  params:\n    {RID}:\n      registries:\n        - 1\n        - '*.x.io'\n")
    with pytest.raises(ConfigError) as exc:
        prepare_scan({"paths": [str(tmp_path)], "config_path": str(cfg)})
    text = str(exc.value)
    assert f"rules.params.{RID}.registries[0]: 1 is not of type 'string'" in text
    assert f"rules.params.{RID}.registries[1]: '*.x.io' does not match" in text and "Trusted registries" in text


def test_compliance_reports_name_the_rules_waiting_for_configuration(tmp_path: Path) -> None:
    case = RULE_DIR / "fixtures" / "fail" / "pod_lookalike_hosts"
    out = tmp_path / "c.json"
    CliRunner().invoke(main, ["compliance", "--framework", "nsa-k8s", str(case), "-f", "compliance-json", "-o", str(out)])
    doc = json.loads(out.read_text())
    assert doc["needs_params"] == [f"rules.params.{RID}.registries"]
    [image] = [c for c in doc["controls"] if c["id"] == "Image scanning"]
    assert RID not in image["rules"]  # not evaluated: not counted as covering the control here
    cfg = _write(tmp_path / "cfg.yaml", f"rules:\n  params:\n    {RID}:\n      registries: [registry.example.com]\n")
    CliRunner().invoke(main, ["compliance", "--framework", "nsa-k8s", str(case), "--config", str(cfg),
                              "-f", "compliance-json", "-o", str(out)])
    doc = json.loads(out.read_text())
    [image] = [c for c in doc["controls"] if c["id"] == "Image scanning"]
    assert doc["needs_params"] == [] and RID in image["rules"] and image["status"] == "fail"


def test_rules_show_lists_the_parameters() -> None:
    res = CliRunner().invoke(main, ["rules", "show", RID])
    assert f"param registries: array (no default: needs rules.params.{RID}.registries) Trusted registries" in res.output
