"""HCL allows a comment wherever whitespace may go: each position parses to the same resources
as the comment-free file (tree-sitter puts ``comment`` nodes anywhere in the tree)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from policyguard.parsers.terraform import parse_directory

BASE = '''variable "names" {
  default = ["a", "b"]
}

locals {
  n = 2
}

resource "aws_s3_bucket" "b" {
  acl = "x"
  bucket = "y-${local.n}"
  tags = { a = "1", b = upper("q") }
  count_like = local.n > 1 ? local.n * 3 : -1
  list = [for s in var.names : upper(s) if s != "b"]
  obj = { for i, s in var.names : s => i }
  first = var.names[0]
  nested {
    k = (1 + 2)
  }
}
'''


def _parse(tmp_path: Path, text: str) -> tuple[list[dict[str, Any]], list[str]]:
    for old in tmp_path.glob("*.tf"):
        old.unlink()
    (tmp_path / "main.tf").write_text(text)
    res = parse_directory(tmp_path, files=None, var_files=[], variables={})
    return [{"id": r.id, "attributes": r.attributes} for r in res.resources], [str(e) for e in res.errors]


def _gaps(text: str) -> list[int]:
    """Offsets of single spaces between tokens, outside string literals."""
    out, in_str = [], False
    for i, ch in enumerate(text):
        if ch == '"' and text[i - 1] != "\\":
            in_str = not in_str
        elif ch == " " and not in_str and text[i - 1] not in " \n" and text[i + 1] not in " \n":
            out.append(i)
    return out


def test_comment_between_attribute_name_and_equals(tmp_path):
    want, errs = _parse(tmp_path, 'resource "aws_s3_bucket" "b" {\n  acl = "x"\n}\n')
    assert not errs
    got, errs = _parse(tmp_path, 'resource "aws_s3_bucket" "b" {\n  acl /* c */ = "x"\n}\n')
    assert errs == [] and got == want


@pytest.mark.parametrize("comment", ["/* c */", "/* multi\n   line */", "/**/"])
def test_block_comment_at_every_whitespace_position(tmp_path, comment):
    want, errs = _parse(tmp_path, BASE)
    assert not errs and want
    failures = []
    for gap in _gaps(BASE):
        text = BASE[:gap] + f" {comment} " + BASE[gap + 1:]
        got, errs = _parse(tmp_path, text)
        if errs or got != want:
            line = BASE.count("\n", 0, gap) + 1
            failures.append(f"line {line}: {BASE.splitlines()[line - 1].strip()!r} at col {gap - BASE.rfind(chr(10), 0, gap)}: {errs[:1]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("marker", ["#", "//"])
def test_line_comments_at_line_ends_and_inside_brackets(tmp_path, marker):
    want, _ = _parse(tmp_path, BASE)
    # at the end of every line, and after every opening bracket written over several lines
    text = re.sub(r"\n", f" {marker} note\n", BASE)
    got, errs = _parse(tmp_path, text)
    assert errs == [] and got == want
    multi = BASE.replace('tags = { a = "1", b = upper("q") }',
                         f'tags = {{ {marker} open\n    a = "1", {marker} after a\n    b = upper( {marker} arg\n      "q")\n  }}')
    multi = multi.replace('list = [for s in var.names : upper(s) if s != "b"]',
                          f'list = [ {marker} for\n    for s in var.names : {marker} body\n    upper(s) if s != "b"\n  ]')
    got, errs = _parse(tmp_path, multi)
    assert errs == [] and got == want


def test_comments_around_block_labels_and_braces(tmp_path):
    want, _ = _parse(tmp_path, BASE)
    text = BASE.replace('resource "aws_s3_bucket" "b" {', 'resource /* t */ "aws_s3_bucket" /* n */ "b" /* { */ { # open')
    text = text.replace("  nested {", "  nested /* block */ { // x")
    got, errs = _parse(tmp_path, text)
    assert errs == [] and got == want
