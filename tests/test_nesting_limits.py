"""A nesting bomb is a located ``limit-exceeded`` error in every reader of YAML or JSON, whichever
layer stops it first: libyaml (which stops deep nesting itself since PyYAML 6.0.4), PyYAML's
pure-Python parser, the JSON decoder (``RecursionError``) or our own depth check.

The assertions are on behaviour (error kind, file, line, column of the first bracket or key
past the limit), never on a library's wording. YAML cases run with both event parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyguard.limits import DEFAULT_LIMITS, json_too_deep
from policyguard.model import ErrorKind
from policyguard.parsers import yaml_source

LIMIT = DEFAULT_LIMITS.max_depth
BOMB = 100_000  # far past libyaml's own limit and the interpreter's recursion limit
BETWEEN = 600  # past our limit, below libyaml's and the JSON decoder's


@pytest.fixture(params=["c", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """"c": PyYAML with libyaml; "python": PyYAML as installed without it (no CSafeLoader, so
    every reader, ours and ``yaml.load`` callers alike, falls back to the pure-Python classes)."""
    import yaml

    if request.param == "c" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    if request.param == "python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    monkeypatch.setattr(yaml_source, "EVENT_LOADER", request.param)
    return str(request.param)


HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n"
YAML_CASES = ["flow sequence", "flow mapping", "spaced flow", "json in yaml", "block mapping", "block sequence"]


def _yaml_case(name: str, n: int) -> tuple[str, int, int]:
    """(text nesting ``n`` levels below ``data``, line, column of the collection opening level LIMIT + 1)."""
    if name == "flow sequence":
        return HEAD + "data: " + "[" * n + "]" * n + "\n", 4, 7 + LIMIT - 1
    if name == "flow mapping":
        return HEAD + "data: " + "{a: " * n + "1" + "}" * n + "\n", 4, 7 + 4 * (LIMIT - 1)
    if name == "spaced flow":
        return HEAD + "data: " + "[ " * n + "]" * n + "\n", 4, 7 + 2 * (LIMIT - 1)
    if name == "json in yaml":
        return HEAD + "data: " + '{"k": ' * n + "1" + "}" * n + "\n", 4, 7 + 6 * (LIMIT - 1)
    # block nesting grows quadratically in bytes: 1500 levels are past libyaml's own limit
    n = min(n, 1500)
    if name == "block mapping":  # a mapping starts at its first key
        body = "".join(" " * (i + 1) + "k:\n" for i in range(n)) + " " * (n + 1) + "v: 1\n"
        return HEAD + "data:\n" + body, 4 + LIMIT, LIMIT + 1
    body = "".join(" " * (2 * i + 1) + "-\n" for i in range(n)) + " " * (2 * n + 1) + "- x\n"
    return HEAD + "data:\n" + body, 4 + LIMIT, 2 * LIMIT


@pytest.mark.parametrize("name", YAML_CASES)
@pytest.mark.parametrize("n", [BETWEEN, BOMB])
def test_yaml_nesting_bomb_is_located_limit_error(loader: str, name: str, n: int) -> None:
    text, line, col = _yaml_case(name, n)
    docs, err = yaml_source.load_yaml(text, "deep.yaml")
    assert err is not None
    assert (err.kind, err.file, err.line, err.column) == (ErrorKind.LIMIT, "deep.yaml", line, col)


@pytest.mark.parametrize("name", YAML_CASES)
def test_yaml_nesting_at_the_limit_loads(loader: str, name: str) -> None:
    """Exactly LIMIT levels load with either parser: no layer is stricter than our limit."""
    # the document root is level 1; a block case's innermost "v: 1" / "- x" is one level more
    text, _, _ = _yaml_case(name, LIMIT - 1 - name.startswith("block"))
    docs, err = yaml_source.load_yaml(text, "ok.yaml")
    assert err is None and len(docs) == 1


def test_yaml_syntax_error_stays_a_parse_error(loader: str) -> None:
    """A syntax error after deep-but-allowed nesting is not mistaken for a limit error."""
    text = "a: " + "[" * (LIMIT - 10) + "1, }" + "]" * (LIMIT - 10) + "\n"
    _, err = yaml_source.load_yaml(text, "bad.yaml")
    assert err is not None and err.kind == ErrorKind.PARSE and err.line == 1


def _json_bomb(n: int, bracket: str = "[") -> str:
    close = "]" if bracket == "[" else "}"
    opener = "[" if bracket == "[" else '{"k":'
    return '{"a": 1,\n "b": ' + opener * n + ("1" if bracket == "{" else "") + close * n + "}\n"


@pytest.mark.parametrize("bracket", ["[", "{"])
@pytest.mark.parametrize("n", [BETWEEN, BOMB])
def test_json_nesting_bomb_is_located_limit_error(loader: str, bracket: str, n: int) -> None:
    docs, err = yaml_source.load_json(_json_bomb(n, bracket), "deep.json")
    step = 1 if bracket == "[" else 5
    assert err is not None
    assert (err.kind, err.file, err.line, err.column) == (ErrorKind.LIMIT, "deep.json", 2, 7 + step * (LIMIT - 1))


def test_json_too_deep_ignores_brackets_in_strings() -> None:
    assert json_too_deep(json.dumps({"s": "[" * 1000, "t": "\\\"[{" * 300}), LIMIT) is None
    assert json_too_deep("[" * LIMIT + "]" * LIMIT, LIMIT) is None
    assert json_too_deep("\n  " + "[" * (LIMIT + 1), LIMIT) == (2, 3 + LIMIT)
    assert json_too_deep('["x\\"[[[",' + "[" * LIMIT, LIMIT) == (1, 11 + LIMIT - 1)


# --------------------------------------------------------------------------- every reader
def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


@pytest.mark.parametrize("n", [BETWEEN, BOMB])
def test_kubernetes_and_cloudformation_files(loader: str, tmp_path: Path, n: int) -> None:
    from policyguard.parsers import cloudformation, kubernetes

    k8s = _write(tmp_path, "k.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + "[" * n + "]" * n + "\n")
    cfn_yaml = _write(tmp_path, "t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: " + "[" * n + "]" * n + "\n")
    cfn_json = _write(tmp_path, "t.json", '{"Resources":\n {"B": {"Type": "AWS::S3::Bucket", "Properties": ' + "[" * n + "]" * n + "}}}")
    for path, parse, line in ((k8s, kubernetes.parse_file, 4), (cfn_yaml, cloudformation.parse_file, 4), (cfn_json, cloudformation.parse_file, 2)):
        (err,) = parse(path).errors
        assert (err.kind, err.file, err.line) == (ErrorKind.LIMIT, str(path), line), path


@pytest.mark.parametrize("n", [BETWEEN, BOMB])
def test_terraform_json_readers(tmp_path: Path, n: int) -> None:
    from policyguard.parsers.terraform import parse_directory
    from policyguard.parsers.terraform.plan import parse_plan_file

    plan = _write(tmp_path / "plan", "plan.json", '{"format_version": "1.2",\n "planned_values": ' + "[" * n + "]" * n + "}")
    (err,) = parse_plan_file(plan).errors
    assert (err.kind, err.file, err.line, err.column) == (ErrorKind.LIMIT, str(plan), 2, 20 + LIMIT - 1)

    tfjson = _write(tmp_path / "tfjson", "main.tf.json", '{"locals":\n {"x": ' + "[" * n + "]" * n + "}}")
    errors = [e for e in parse_directory(tfjson.parent).errors if e.kind == ErrorKind.LIMIT]
    assert [(e.file, e.line) for e in errors] == [(str(tfjson), 2)]

    d = tmp_path / "vars"
    _write(d, "main.tf", 'variable "x" {}\n')
    tfvars = _write(d, "terraform.tfvars.json", '{"x":\n ' + "[" * n + "]" * n + "}")
    errors = [e for e in parse_directory(d).errors if e.kind == ErrorKind.LIMIT]
    assert [(e.file, e.line) for e in errors] == [(str(tfvars), 2)]


def test_terraform_decode_functions_refuse_bombs() -> None:
    from policyguard.parsers.terraform.functions import FUNCTIONS, FuncError

    for name, text in (("jsondecode", "[" * BOMB + "]" * BOMB), ("yamldecode", "[" * BOMB + "]" * BOMB),
                       ("jsondecode", "[" * BETWEEN + "]" * BETWEEN)):  # fmt: skip
        with pytest.raises(FuncError, match=str(LIMIT)):
            FUNCTIONS[name](text)


def test_config_file_nesting_bomb_exits_2_with_location(loader: str, tmp_path: Path) -> None:
    from policyguard.gate.config import ConfigError, load_config

    cfg = _write(tmp_path, ".policyguard.yaml", "version: 1\nexclude: " + "[" * BOMB + "]" * BOMB + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert str(info.value).startswith(f"{cfg}:2: ")


def test_webhook_config_nesting_bomb(loader: str, tmp_path: Path) -> None:
    from policyguard.webhook.config import WebhookConfigError, load_file_section

    cfg = _write(tmp_path, ".policyguard.yaml", "webhook:\n  x: " + "[" * BOMB + "]" * BOMB + "\n")
    with pytest.raises(WebhookConfigError) as info:
        load_file_section(cfg)
    assert str(info.value).startswith(f"{cfg}:2:")


def test_baseline_nesting_bomb(tmp_path: Path) -> None:
    from policyguard.gate.baseline import BaselineError, load

    for n in (BETWEEN, BOMB):
        b = _write(tmp_path, "b.json", '{"policyguard_baseline": 1,\n "findings": ' + "[" * n + "]" * n + "}")
        with pytest.raises(BaselineError) as info:
            load(str(b))
        assert str(info.value).startswith(f"{b}:2:{14 + LIMIT - 1}: ")


@pytest.mark.parametrize("n", [80, BOMB])
def test_admission_body_nesting_bomb(n: int) -> None:
    from policyguard.webhook.admission import AdmissionError, parse_review

    body = ('{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",\n "request": ' + "[" * n + "]" * n + "}").encode()
    with pytest.raises(AdmissionError) as info:
        parse_review(body, max_depth=64)
    assert info.value.code == 400
    assert f"(line 2, column {13 + 64 - 1})" in info.value.message


def test_rule_metadata_nesting_bomb(loader: str, tmp_path: Path) -> None:
    """A rule directory can come from the scanned repository's config (`rules.dirs`)."""
    from policyguard.engine.rules import load_rego_file

    rule = _write(tmp_path, "deep.rego", "# METADATA\n# title: x\n# custom:\n#   id: X-1\n#   deep: " + "[" * BOMB + "]" * BOMB
                  + "\npackage p.x\nimport rego.v1\nfail contains 1 if false\n")
    meta, _, _, errors = load_rego_file(rule)
    assert meta is None
    assert [(e.kind, e.file, e.line) for e in errors] == [(ErrorKind.RULE_LOAD, str(rule), 5)]


def test_rule_expectations_nesting_bomb(loader: str, tmp_path: Path) -> None:
    from policyguard.ruletest import load_expect as _load_expect

    exp = _write(tmp_path / "case", "expect.yaml", "fail:\n  - " + "[" * BOMB + "]" * BOMB + "\n")
    doc, err = _load_expect(exp.parent)
    assert doc == {} and err is not None and err.startswith(f"{exp}:2:")
