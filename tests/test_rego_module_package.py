"""A Rego module's package statement found without the multi-line regular expression
(``engine.rego.common.module_package``): the same answer as ``MODULE_PACKAGE_RE.search`` on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policyguard.engine.rego.common import MODULE_PACKAGE_RE, _module_package, module_package

PIECES = st.sampled_from(["package", "package ", "package\t", " ", "\t", "\n", "\r\n", "\r", "#", "# package x\n",
                          "a", "b.c", "_x", "1", ".", "policyguard.rules", "import rego.v1", "\"package y\"", "é"])


def _by_regex(source: str) -> tuple[str, ...]:
    m = MODULE_PACKAGE_RE.search(source)
    return tuple(m.group(1).split(".")) if m else ()


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_the_package_is_what_the_regular_expression_finds(source: str) -> None:
    assert _module_package.__wrapped__(source) == _by_regex(source)


def test_a_module_of_the_pack() -> None:
    source = "# METADATA\n# title: x\n# custom:\n#   package: not.this\n\n  package policyguard.aws.s3_public\n\nimport rego.v1\n"
    assert module_package(source) == ("policyguard", "aws", "s3_public") == _by_regex(source)
    assert module_package("# no package here\nimport rego.v1\n") == ()
