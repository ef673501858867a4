"""A YAML/JSON candidate file (``.json``, ``.yaml``, ``.yml``, ``.template``): the parse decides.

Discovery only knows that a file *could* be IaC by its name. Here it is read once (bounded,
regular files only, UTF-8 or UTF-16/32 with a BOM), loaded once (JSON first when the text
starts with ``{`` or ``[`` and it is valid JSON, else YAML, which also reads flow mappings,
JSON-in-``.yaml``, tags, quoted or escaped keys, explicit ``?`` keys...) and the loaded
documents decide the format:

* a Terraform plan: one document with ``format_version`` and ``planned_values`` /
  ``resource_changes`` / ``values``;
* CloudFormation: the first document is a mapping with ``AWSTemplateFormatVersion``, a SAM
  ``Transform``, or ``Resources`` whose entries have a ``Type`` (or are ``Fn::ForEach`` loops);
* Kubernetes: any document is a mapping with string ``apiVersion`` and ``kind`` (a file whose
  objects are all Kustomize/kubeconfig configuration is not cluster objects).

The documents then go to that format's parser as they are (no second read or parse). The only
shortcut is one that cannot be wrong: text with no backslash (so no escaped key) that contains
none of ``kind``, ``Resources``, ``AWSTemplateFormatVersion``, ``Transform`` or
``format_version`` cannot hold any of the above, so it is not parsed.

A file the loader cannot read is judged by the old text heuristics (line-start ``kind:``,
``apiVersion:``, ``Type: AWS::...`` and JSON key patterns): when they say IaC, the load error
(or "Helm template, not rendered") is reported; otherwise the file is skipped as not IaC.
Everything skipped carries its reason in ``ParseResult.skipped``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard import lazyre
from policyguard.formats import CLOUDFORMATION, KUBERNETES, TERRAFORM_PLAN
from policyguard.limits import DEFAULT_LIMITS, Limits
from policyguard.model import ErrorKind, ParseError, ParseResult

if TYPE_CHECKING:
    from policyguard.discover import Unit
    from policyguard.formats import ParseContext



# every IaC document spells one of these key names (a backslash could spell it escaped)
_KEY_NAMES = re.compile(r"kind|Resources|AWSTemplateFormatVersion|Transform|format_version")
_BUILD_KINDS = frozenset({"Kustomization", "Component", "Config"})
_PLAN_BODY = ("planned_values", "resource_changes", "values", "prior_state")

# --------------------------------------------------------------------------- text heuristics
# Used only for files the loader cannot read (a template, a syntax error) and for the reason
# a skipped file gives: they never decide that a readable file is not IaC. Compiled on first use
# (functools.cache): most scans, the pre-commit hook's included, need none of them.
_cfn_json = lazyre.lazy(r'"AWSTemplateFormatVersion"\s*:|"Type"\s*:\s*"(?:AWS|Alexa)::|"Transform"\s*:\s*\[?\s*"AWS::Serverless')


_plan_json = lazyre.lazy(r'"format_version"\s*:')


_plan_json_body = lazyre.lazy(r'"(?:planned_values|resource_changes|terraform_version|prior_state)"\s*:')


_k8s_json_api = lazyre.lazy(r'"apiVersion"\s*:\s*"')


_k8s_json_kind = lazyre.lazy(r'"kind"\s*:\s*"')


_cfn_yaml = lazyre.lazy(
    r"^(?:AWSTemplateFormatVersion\s*:|Transform\s*:\s*\[?\s*['\"]?AWS::Serverless)|"
    r"^\s+Type\s*:\s*['\"]?(?:AWS|Alexa)::\w+::",
    re.MULTILINE,
)


_k8s_yaml_api = lazyre.lazy(r"^(?:['\"]?apiVersion['\"]?)\s*:\s*\S", re.MULTILINE)


_k8s_yaml_kind = lazyre.lazy(r"^(?:['\"]?kind['\"]?)\s*:\s*\S", re.MULTILINE)


_template = lazyre.lazy(r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|template\s|toYaml|tpl\s|if\s|range\s|with\s|define\s|end\s*-?\}\})")


_workflow_jobs = lazyre.lazy(r"^jobs\s*:", re.MULTILINE)


_workflow_on = lazyre.lazy(r"^['\"]?on['\"]?\s*:", re.MULTILINE)


_compose = lazyre.lazy(r"^services\s*:", re.MULTILINE)


def guess_from_text(text: str) -> str | None:
    """The format an unreadable (broken or templated) file was meant to be, from its text."""
    if text.lstrip().startswith(("{", "[")):
        if _plan_json().search(text) and _plan_json_body().search(text):
            return TERRAFORM_PLAN
        if _cfn_json().search(text):
            return CLOUDFORMATION
        if _k8s_json_api().search(text) and _k8s_json_kind().search(text):
            return KUBERNETES
    if _cfn_yaml().search(text):
        return CLOUDFORMATION
    if _k8s_yaml_api().search(text) and _k8s_yaml_kind().search(text):
        return KUBERNETES
    if "{{" in text and _template().search(text) and (_k8s_yaml_api().search(text) or _k8s_yaml_kind().search(text)):
        return KUBERNETES  # a Helm template: the Kubernetes parser reports "template, not rendered"
    return None


def why_not_iac(name: str, text: str, values: list[Any]) -> str:
    """The reason a file is not IaC, for ``--verbose`` and the skipped list."""
    low = name.lower()
    maps = [v for v in values if isinstance(v, dict)]
    if any("jobs" in m and "on" in m for m in maps) or (
        _workflow_jobs().search(text) and _workflow_on().search(text)
    ):
        return "not IaC: CI workflow (GitHub Actions style)"
    if any("services" in m and "apiVersion" not in m for m in maps) or _compose().search(text):
        return "not IaC: docker-compose file"
    if low in ("values.yaml", "values.yml") or low.startswith("values-"):
        return "not IaC: Helm values file"
    if low in ("chart.yaml", "chart.yml"):
        return "not IaC: Helm chart metadata"
    objects = [m for m in maps if isinstance(m.get("apiVersion"), str) and isinstance(m.get("kind"), str)]
    if objects and all(m["kind"] in _BUILD_KINDS for m in objects):
        return "not IaC: Kustomize/kubeconfig configuration, not cluster objects (scan `kustomize build` output)"
    if any("apiVersion" in m and "kind" not in m for m in maps):
        return "not IaC: has apiVersion but no kind (not a Kubernetes object)"
    if text.lstrip().startswith(("{", "[")):
        return "not IaC: JSON that is neither a CloudFormation template, a Terraform plan nor Kubernetes objects"
    return "not IaC: YAML that is neither a CloudFormation template nor Kubernetes objects"


# --------------------------------------------------------------------------- classification
def _is_cfn(v: Any) -> bool:
    if not isinstance(v, dict):
        return False
    if "AWSTemplateFormatVersion" in v:
        return True
    transform = v.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms):
        return True
    resources = v.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(
        (isinstance(r, dict) and "Type" in r) or (isinstance(k, str) and k.startswith("Fn::ForEach::"))
        for k, r in resources.items()
    )


def _is_object(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("apiVersion"), str) and isinstance(v.get("kind"), str) and bool(v["kind"])


def classify(values: list[Any]) -> str | None:
    """The format of a file's loaded documents (``None`` entries are empty documents)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    if len(values) == 1 and isinstance(values[0], dict) and "format_version" in values[0] and any(
        k in values[0] for k in _PLAN_BODY
    ):
        return TERRAFORM_PLAN
    if _is_cfn(values[0]):
        return CLOUDFORMATION
    objects = [v for v in values if _is_object(v)]
    if objects and not all(v["kind"] in _BUILD_KINDS for v in objects):
        return KUBERNETES
    return None


def might_be_iac(text: str) -> bool:
    """False only when no IaC key name can be spelled in ``text`` (no name, no escape)."""
    return "\\" in text or _KEY_NAMES.search(text) is not None


def parse_document_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    """Read, load, classify and parse one candidate file; never raises on bad input."""
    from policyguard.fsread import ReadError, decode_text, read_regular

    file = str(path)
    try:
        data = read_regular(path, limits.max_file_bytes)
    except ReadError as exc:
        return ParseResult(errors=[ParseError(file, exc.line, exc.column, exc.message, exc.kind)])
    try:
        text = decode_text(data)
    except ReadError as exc:
        # an error only if it might be IaC: decode leniently to decide
        lenient = data.decode("utf-8", errors="replace")
        if guess_from_text(lenient) is not None or (might_be_iac(lenient) and b"\0" not in data):
            return ParseResult(errors=[ParseError(file, exc.line, exc.column, exc.message, exc.kind)])
        return ParseResult(skipped="not IaC: binary or non-UTF-8 data")
    return parse_document_text(text, file, path, limits=limits)


def parse_document_text(text: str, file: str, path: Path | None = None, *, limits: Limits = DEFAULT_LIMITS,
                        expect: str | None = None) -> ParseResult:
    """Classify and parse the text of a candidate file (``path``: where a plan looks for its
    configuration; ``expect``: the format to parse it as whatever its content looks like)."""
    from policyguard.parsers.yaml_source import Document, decode_json, json_document, json_unplaced, load_yaml

    name = Path(file).name
    if not might_be_iac(text):
        return ParseResult(skipped=why_not_iac(name, text, []))
    docs: list[Document] = []
    err: ParseError | None = None
    if text.lstrip().startswith(("{", "[")):
        value, err = decode_json(text, file, limits)
        if err is None:
            # a plan reads no node positions (``_parse`` finds each address in the text)
            plan = (expect or classify([value])) == TERRAFORM_PLAN
            unplaced = json_unplaced(text, file, value, limits) if plan else None
            docs, err = ([unplaced], None) if unplaced is not None else json_document(text, file, value, limits)
        if err is not None and err.kind != ErrorKind.LIMIT:
            ydocs, yerr = load_yaml(text, file, limits, yn_marker=True)
            if yerr is None:  # YAML flow syntax (unquoted keys...), not JSON
                docs, err = ydocs, None
    else:
        docs, err = load_yaml(text, file, limits, yn_marker=True)
    values = [d.value for d in docs]
    fmt = expect if expect is not None and values else classify(values)
    if fmt is None and (err is not None or "{{" in text):
        guess = guess_from_text(text)
        if guess == KUBERNETES:
            from policyguard.parsers.kubernetes import template_error

            terr = template_error(text, file)
            if terr is not None:
                return ParseResult(errors=[terr], format=KUBERNETES)
        if guess is not None and err is not None:
            return ParseResult(errors=[err], format=guess)
    if fmt is None:
        if err is not None and err.kind == ErrorKind.LIMIT:
            return ParseResult(errors=[err])  # too big to tell: never a silent pass
        return ParseResult(skipped=why_not_iac(name, text, values))
    if fmt == KUBERNETES:
        from policyguard.parsers.kubernetes import parse_documents as parse_k8s

        result = parse_k8s(text, file, docs, err)
    elif fmt == CLOUDFORMATION:
        from policyguard.parsers.cloudformation import parse_documents as parse_cfn

        result = parse_cfn(file, docs, err)
    else:
        from policyguard.parsers.terraform.plan import parse_plan_document
        from policyguard.parsers.yaml_source import resolve_yn

        doc = docs[0] if len(docs) == 1 else next(d for d in docs if d.value is not None)
        value = resolve_yn(doc.value, False) if doc.yn else doc.value
        result = parse_plan_document(value, path or Path(file), text)
        if err is not None:
            result.errors.append(err)
    result.format = fmt
    return result


def parse_unit(unit: Unit, context: ParseContext) -> ParseResult:
    """A YAML/JSON file unit whose content decides its format (``policyguard.formats``), or a
    stream held in memory (``unit.text``, ``scan -``)."""
    if unit.text is not None:
        return parse_document_text(unit.text, str(unit.path), expect=unit.expect)
    return parse_document_file(unit.path)
