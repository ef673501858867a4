"""The input formats policyguard reads, one entry each: how discovery recognises its files, what a
unit of it is, which parser reads it, which platform its resources belong to, and how fixes are
written back to its files. Discovery, the parser dispatch and the fix renderer read this table;
adding a format is one entry here plus its parser module (and an editor, for fixes).

Nothing is imported at import time: parsers are named as ``module:function`` and loaded when a
unit of their format is parsed, so the command line starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policyguard.options import HelmOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from policyguard.model import ParseResult


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a scan gives every parser besides the unit: Terraform variables and where expressions
    may read files (default: the repository around the unit)."""

    var_files: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    read_roots: tuple[str, ...] = ()
    workspace: str = "default"  # Terraform's terraform.workspace
    kustomize_binary: str = ""  # --kustomize-binary: the kustomize (or kubectl) to render with
    helm: HelmOptions = field(default_factory=HelmOptions)  # how Helm charts are rendered


@dataclass(frozen=True, slots=True)
class InputFormat:
    """One input format: how discovery recognises its files, how they group into units, who parses
    them and how fixes are written back."""

    name: str  # the unit kind, and Resource.source_format of what its parser makes
    # the rule platform of its resources (rule metadata ``resource_types`` keys); None: each
    # parsed document decides (a sniffed .yaml/.json file)
    platform: str | None
    unit: str  # "directory": all files of the format in one directory are one unit; "file"
    parser: str  # "module:function", called as function(unit, ParseContext) -> ParseResult
    suffixes: tuple[str, ...] = ()  # lower-case file name endings discovery assigns to it
    not_suffixes: tuple[str, ...] = ()  # endings that look like it but are not (.tfvars.json)
    # how fixes are written to its files: (file name ending, editor) pairs, first match wins,
    # "" matches any name; an editor "" refuses with the reason in ``not_editable``
    editors: tuple[tuple[str, str], ...] = ()
    not_editable: dict[str, str] = field(default_factory=dict)  # file ending -> why not

    def claims(self, name: str) -> bool:
        """Does discovery read a file of this (lower-case) name as this format?"""
        return name.endswith(self.suffixes) and not (self.not_suffixes and name.endswith(self.not_suffixes))

    def editor(self, file: str) -> str:
        """``hcl``, ``yaml`` or ``json`` for a file of this format; "" when it cannot be edited."""
        low = file.lower()
        for ending, editor in self.editors:
            if low.endswith(ending):
                return editor
        return ""

    def why_not_editable(self, file: str) -> str:
        """Why fixes cannot be written to this file of the format ("" when the format says nothing)."""
        low = file.lower()
        return next((why for ending, why in self.not_editable.items() if low.endswith(ending)), "")


TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform_plan"
CLOUDFORMATION = "cloudformation"
KUBERNETES = "kubernetes"
KUSTOMIZE = "kustomize"
# synthesized output: resources whose file says which construct of a CDK app made them
CDK = "cdk"  # CloudFormation from the AWS CDK (`cdk synth`: resources carry aws:cdk:path metadata)
CDKTF = "cdktf"  # Terraform JSON from CDK for Terraform (`cdktf synth`: "//" metadata with the path)
HELM = "helm"
HELM_CHART_FILE = "Chart.yaml"  # the file that makes a directory a Helm chart (exact name, as Helm reads it)
# the file names that make a directory a kustomization, in kustomize's order (exact, no case folding)
KUSTOMIZATION_NAMES: tuple[str, ...] = ("kustomization.yaml", "kustomization.yml", "Kustomization")
DOCUMENT = "document"

FORMATS: dict[str, InputFormat] = {
    f.name: f
    for f in (
        InputFormat(
            TERRAFORM, "terraform", "directory", "policyguard.parsers.terraform:parse_unit",
            suffixes=(".tf", ".tf.json"),
            editors=((".tf.json", ""), ("", "hcl")),
            not_editable={".tf.json": "editing Terraform JSON configuration is not supported"},
        ),
        InputFormat(
            TERRAFORM_PLAN, "terraform", "file", "policyguard.parsers.terraform.plan:parse_unit",
            not_editable={"": "a plan is generated output: fix the Terraform configuration instead"},
        ),
        InputFormat(
            CLOUDFORMATION, "cloudformation", "file", "policyguard.parsers.cloudformation:parse_unit",
            editors=((".json", "json"), ("", "yaml")),
        ),
        InputFormat(
            KUBERNETES, "kubernetes", "file", "policyguard.parsers.kubernetes:parse_unit",
            editors=((".json", "json"), ("", "yaml")),
        ),
        # a directory with a kustomization file, rendered by kustomize (discovery knows the
        # file names: parsers.kustomize_tree.KUSTOMIZATION_NAMES)
        InputFormat(
            KUSTOMIZE, "kubernetes", "directory", "policyguard.parsers.kustomize:parse_unit",
            not_editable={"": "the resource is rendered by kustomize from several files (bases, patches, "
                              "generators): fix the base or add a patch by hand"},
        ),
        # source formats only: discovery makes no unit of them (a cdk.out template is a document,
        # a cdktf stack a Terraform directory); the parser names a resource so when its file
        # carries the construct metadata, and fixes are refused: the next synth would undo them
        InputFormat(
            CDK, "cloudformation", "file", "policyguard.parsers.cloudformation:parse_unit",
            not_editable={"": "synthesized by `cdk synth`, which rewrites it on every run: change the "
                              "construct in the CDK app instead"},
        ),
        InputFormat(
            CDKTF, "terraform", "directory", "policyguard.parsers.terraform:parse_unit",
            not_editable={"": "synthesized by `cdktf synth`, which rewrites it on every run: change the "
                              "construct in the CDKTF app instead"},
        ),
        # a directory with Chart.yaml, rendered by `helm template` (parsers.helm)
        InputFormat(
            HELM, "kubernetes", "directory", "policyguard.parsers.helm:parse_unit",
            not_editable={"": "the resource is rendered by Helm from templates and values: fix the template or "
                              "the values file by hand"},
        ),
        # a candidate YAML/JSON file: its content decides whether it is a template, manifests or a plan
        InputFormat(
            DOCUMENT, None, "file", "policyguard.parsers.documents:parse_unit",
            suffixes=(".json", ".yaml", ".yml", ".template"), not_suffixes=(".tfvars.json",),
        ),
    )
}

# rule platforms, in the order reports list them
PLATFORMS: tuple[str, ...] = tuple(dict.fromkeys(f.platform for f in FORMATS.values() if f.platform))


# Checkov's names for input kinds that are not ours (``--framework terraform_plan``)
KIND_ALIASES = {"terraform_plan": TERRAFORM_PLAN, "terraform-plan": TERRAFORM_PLAN, "tf": TERRAFORM,
                "k8s": KUBERNETES, "cfn": CLOUDFORMATION}


def input_kinds() -> dict[str, str]:
    """``--framework`` input kinds: the command-line name -> the input format it keeps. Built
    from the registry, so a format added here becomes a choice; a candidate document is no kind
    of its own (its content makes it one of the others); ``plan`` is a Terraform plan."""
    kinds = {("plan" if name == TERRAFORM_PLAN else name): name for name in FORMATS if name != DOCUMENT}
    return {**kinds, **KIND_ALIASES}


def cli_kinds() -> list[str]:
    """The input kind names the command line offers (aliases left out)."""
    return [k for k in input_kinds() if k not in KIND_ALIASES]


def kind_name(fmt: str) -> str:
    """The command-line name of an input format (``terraform_plan`` -> ``plan``)."""
    return "plan" if fmt == TERRAFORM_PLAN else fmt


def format_of_file(name: str) -> InputFormat | None:
    """The format discovery assigns to a file name (directory formats included), or None."""
    low = name.lower()
    for f in FORMATS.values():
        if f.suffixes and f.claims(low):
            return f
    return None


def directory_suffixes() -> tuple[str, ...]:
    """File endings that make their directory a unit (Terraform today)."""
    return tuple(s for f in FORMATS.values() if f.unit == "directory" for s in f.suffixes)


def load_parser(fmt: InputFormat) -> Callable[..., ParseResult]:
    """The parser function of a format (imported on first use), called with (discover.Unit, ParseContext)."""
    import importlib

    module, _, function = fmt.parser.partition(":")
    return getattr(importlib.import_module(module), function)
