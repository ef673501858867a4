"""Terraform HCL parser: one construct per test, exact ids, values, unknowns, references, lines."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from policyguard.model import ErrorKind, Reference, Resource, Span, unknown
from policyguard.parsers.terraform import parse_directory

DATA = Path(__file__).parent / "data" / "terraform"


def scan(tmp_path: Path, files: dict[str, str], **kw: Any) -> dict[str, Resource]:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"))
    result = parse_directory(tmp_path, files=None, var_files=kw.get("var_files", []), variables=kw.get("variables", {}))
    assert not result.errors, result.errors
    return {r.id: r for r in result.resources}


def one(tmp_path: Path, body: str, extra: str = "", **kw: Any) -> dict[str, Any]:
    """Evaluate ``body`` as the attributes of a single resource and return its attributes."""
    res = scan(tmp_path, {"main.tf": extra + '\nresource "t_r" "x" {\n' + textwrap.dedent(body) + "\n}\n"}, **kw)
    return res["t_r.x"].attributes


# --------------------------------------------------------------------------- ids, spans
def test_resource_id_type_name_and_spans(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            # a comment
            resource "aws_s3_bucket" "logs" {
              bucket = "logs"

              versioning {
                enabled = true
              }
            }
            """
        },
    )
    r = res["aws_s3_bucket.logs"]
    f = str(tmp_path / "main.tf")
    assert (r.type, r.name, r.module, r.platform, r.source_format) == ("aws_s3_bucket", "logs", "", "terraform", "terraform")
    assert r.attributes == {"bucket": "logs", "versioning": [{"enabled": True}]}
    assert r.span == Span(f, 2, 1, 8, 2)
    assert r.attribute_spans["bucket"] == Span(f, 3, 3, 3, 18)
    assert r.attribute_spans["versioning[0]"] == Span(f, 5, 3, 7, 4)
    assert r.attribute_spans["versioning[0].enabled"] == Span(f, 6, 5, 6, 19)
    assert r.span_for("versioning[0].enabled.missing") == r.attribute_spans["versioning[0].enabled"]


def test_object_literal_key_spans(tmp_path: Path) -> None:
    res = scan(tmp_path, {"main.tf": 'resource "a" "b" {\n  tags = {\n    Name = "x"\n  }\n}\n'})
    spans = res["a.b"].attribute_spans
    assert spans["tags"].start_line == 2 and spans["tags"].end_line == 4
    assert spans["tags.Name"] == Span(str(tmp_path / "main.tf"), 3, 5, 3, 15)


def test_non_ascii_columns_are_characters(tmp_path: Path) -> None:
    res = scan(tmp_path, {"main.tf": 'resource "a" "b" {\n  d = "é" ; x = 1\n}\n'.replace(" ; ", "\n  ")})
    r = res["a.b"]
    assert r.attributes == {"d": "é", "x": 1}
    assert r.attribute_spans["d"].end_col == 10  # 3 + len('d = "é"')


def test_data_source_and_provider(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            provider "aws" {
              region = "eu-west-1"
            }
            provider "aws" {
              alias  = "west"
              region = "us-west-2"
            }
            data "aws_iam_policy_document" "p" {
              statement {
                actions = ["s3:GetObject"]
              }
            }
            resource "aws_iam_policy" "x" {
              policy = data.aws_iam_policy_document.p.json
            }
            """
        },
    )
    assert res["provider.aws"].type == "provider.aws"
    assert res["provider.aws"].attributes == {"region": "eu-west-1"}
    assert res["provider.aws.west"].attributes["region"] == "us-west-2"
    d = res["data.aws_iam_policy_document.p"]
    assert d.type == "data.aws_iam_policy_document" and d.name == "p"
    assert d.attributes == {"statement": [{"actions": ["s3:GetObject"]}]}
    pol = res["aws_iam_policy.x"]
    assert pol.attributes["policy"]["__unknown__"] == "data.aws_iam_policy_document.p.json"
    assert pol.references == [Reference("policy", "data.aws_iam_policy_document.p", "data.aws_iam_policy_document.p.json")]


# --------------------------------------------------------------------------- count / for_each
def test_count_expansion(tmp_path: Path) -> None:
    res = scan(tmp_path, {"main.tf": 'resource "aws_instance" "web" {\n  count = 2\n  name = "web-${count.index}"\n}\n'})
    assert sorted(res) == ["aws_instance.web[0]", "aws_instance.web[1]"]
    assert res["aws_instance.web[1]"].attributes == {"name": "web-1"}
    assert res["aws_instance.web[1]"].meta["index"] == 1


def test_count_zero_creates_nothing(tmp_path: Path) -> None:
    assert scan(tmp_path, {"main.tf": 'resource "a" "b" {\n  count = 0\n}\n'}) == {}


def test_for_each_map(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {"main.tf": 'resource "aws_instance" "web" {\n  for_each = { a = "t3.micro", b = "t3.large" }\n  instance_type = each.value\n  name = each.key\n}\n'},
    )
    assert sorted(res) == ['aws_instance.web["a"]', 'aws_instance.web["b"]']
    assert res['aws_instance.web["b"]'].attributes == {"instance_type": "t3.large", "name": "b"}


def test_for_each_set(tmp_path: Path) -> None:
    res = scan(tmp_path, {"main.tf": 'resource "u" "x" {\n  for_each = toset(["b", "a", "b"])\n  n = each.value\n}\n'})
    assert sorted(res) == ['u.x["a"]', 'u.x["b"]']
    assert res['u.x["a"]'].attributes == {"n": "a"}


def test_unknown_count_is_one_resource_with_unknown_index(tmp_path: Path) -> None:
    res = scan(tmp_path, {"main.tf": 'variable "n" {}\nresource "a" "b" {\n  count = var.n\n  i = count.index\n}\n'})
    r = res["a.b"]
    assert r.meta["expansion"]["__unknown__"] == "var.n"
    assert r.attributes["i"]["__unknown__"] == "count.index"


# --------------------------------------------------------------------------- dynamic blocks
def test_dynamic_block_expansion(tmp_path: Path) -> None:
    attrs = one(
        tmp_path,
        """
        ingress {
          port = 22
        }
        dynamic "ingress" {
          for_each = [80, 443]
          content {
            port = ingress.value
            idx  = ingress.key
          }
        }
        dynamic "rule" {
          for_each = { a = 1 }
          iterator = it
          content {
            id = "${it.key}-${it.value}"
          }
        }
        """,
    )
    assert attrs["ingress"] == [{"port": 22}, {"port": 80, "idx": 0}, {"port": 443, "idx": 1}]
    assert attrs["rule"] == [{"id": "a-1"}]


def test_dynamic_block_spans_and_unknown_for_each(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            variable "rules" {}
            resource "t_r" "x" {
              dynamic "a" {
                for_each = [1]
                content {
                  v = a.value
                }
              }
              dynamic "b" {
                for_each = var.rules
                content {
                  v = b.value
                }
              }
            }
            """
        },
    )
    r = res["t_r.x"]
    assert r.attribute_spans["a[0]"].start_line == 5
    assert r.attribute_spans["a[0].v"].start_line == 6
    assert r.attributes["b"]["__unknown__"] == 'dynamic "b" for_each = var.rules'
    assert "var.rules" in r.attributes["b"]["reason"]


# --------------------------------------------------------------------------- variables and locals
def test_locals_chain(tmp_path: Path) -> None:
    attrs = one(
        tmp_path,
        "name = local.full",
        extra='locals {\n  prefix = "app"\n  env = "prod"\n  full = "${local.prefix}-${local.env}"\n}\n',
    )
    assert attrs == {"name": "app-prod"}


def test_local_cycle_becomes_unknown(tmp_path: Path) -> None:
    attrs = one(tmp_path, "v = local.a", extra="locals {\n  a = local.b\n  b = local.a\n}\n")
    assert attrs["v"]["__unknown__"] == "local.a"
    assert "cycle" in attrs["v"]["reason"]


def test_variable_without_value_is_unknown(tmp_path: Path) -> None:
    attrs = one(tmp_path, "v = var.x\nw = \"p-${var.x}\"", extra='variable "x" {\n  type = string\n}\n')
    assert attrs["v"] == unknown("var.x", "input variable has no value (no default, not set by tfvars or -var)")
    assert attrs["w"]["__unknown__"] == '"p-${var.x}"'
    assert attrs["w"]["reason"].startswith("depends on var.x")


def test_variable_precedence(tmp_path: Path) -> None:
    decl = "\n".join(f'variable "{n}" {{\n  default = "default"\n}}' for n in "abcdef")
    files = {
        "main.tf": decl + '\nresource "t_r" "x" {\n  a = var.a\n  b = var.b\n  c = var.c\n  d = var.d\n  e = var.e\n  f = var.f\n}\n',
        "terraform.tfvars": 'b = "tfvars"\nc = "tfvars"\nd = "tfvars"\ne = "tfvars"\nf = "tfvars"\n',
        "terraform.tfvars.json": '{"c": "tfvars.json", "d": "tfvars.json", "e": "tfvars.json", "f": "tfvars.json"}',
        "a.auto.tfvars": 'd = "auto-a"\ne = "auto-a"\nf = "auto-a"\n',
        "b.auto.tfvars.json": '{"e": "auto-b", "f": "auto-b"}',
        "extra.tfvars": 'f = "var-file"\n',
    }
    res = scan(tmp_path, files, var_files=[str(tmp_path / "extra.tfvars")])
    assert res["t_r.x"].attributes == {
        "a": "default",
        "b": "tfvars",
        "c": "tfvars.json",
        "d": "auto-a",
        "e": "auto-b",
        "f": "var-file",
    }
    res = scan(tmp_path, {}, var_files=[str(tmp_path / "extra.tfvars")], variables={"f": "cli", "a": "cli-a"})
    assert res["t_r.x"].attributes["f"] == "cli"
    assert res["t_r.x"].attributes["a"] == "cli-a"


def test_cli_variable_is_typed_by_declaration(tmp_path: Path) -> None:
    extra = 'variable "n" {\n  type = number\n}\nvariable "l" {\n  type = list(string)\n}\nvariable "s" {}\n'
    attrs = one(tmp_path, "n = var.n + 1\nl = var.l\ns = var.s", extra=extra, variables={"n": "41", "l": '["a", "b"]', "s": "[x]"})
    assert attrs == {"n": 42, "l": ["a", "b"], "s": "[x]"}


def test_optional_object_attributes_get_defaults(tmp_path: Path) -> None:
    extra = """
    variable "cfg" {
      type = object({
        name = string
        size = optional(number, 10)
        tags = optional(map(string))
      })
      default = { name = "n" }
    }
    """
    attrs = one(tmp_path, "size = var.cfg.size\ntags = var.cfg.tags", extra=textwrap.dedent(extra))
    assert attrs == {"size": 10, "tags": None}


# --------------------------------------------------------------------------- modules
def test_local_module_recursion_inputs_and_outputs() -> None:
    result = parse_directory(DATA / "modroot", files=None, var_files=[], variables={})
    assert not result.errors
    res = {r.id: r for r in result.resources}
    vpc = res["module.net.aws_vpc.this"]
    assert vpc.module == "module.net"
    assert vpc.attributes == {"cidr_block": "10.0.0.0/16", "tags": {"Name": "core-dev"}}
    assert vpc.span.file.endswith("modules/net/main.tf") and vpc.span.start_line == 7
    assert res["module.net.aws_subnet.s[1]"].attributes["cidr_block"] == "10.0.1.0/24"
    assert res["module.net.aws_subnet.s[0]"].references == [
        Reference("vpc_id", "module.net.aws_vpc.this", "aws_vpc.this.id")
    ]
    flow = res["aws_flow_log.this"]
    assert flow.attributes["traffic_type"] == "ALL"
    assert flow.attributes["vpc_id"]["__unknown__"] == "aws_vpc.this.id"
    assert Reference("vpc_id", "module.net.aws_vpc.this", "aws_vpc.this.id") in flow.references
    assert Reference("vpc_id", "module.net", "module.net") in flow.references
    call = res["module.net"]
    assert call.type == "module" and call.meta["resolved"] is True
    assert call.attributes == {"cidr": "10.0.0.0/16", "name": "core-dev"}


def test_remote_module_is_visible_and_unknown() -> None:
    result = parse_directory(DATA / "modroot", files=None, var_files=[], variables={})
    res = {r.id: r for r in result.resources}
    remote = res["module.remote"]
    assert remote.meta["resolved"] is False
    assert remote.meta["source"] == "terraform-aws-modules/vpc/aws"
    assert remote.meta["version"] == "5.0.0"
    lg = res["aws_flow_log.this"].attributes["log_group"]
    assert lg["__unknown__"] == "module.remote.log_group_name"
    assert "not on disk" in lg["reason"]


def test_downloaded_module_from_modules_json(tmp_path: Path) -> None:
    mod = tmp_path / ".terraform" / "modules" / "vpc"
    mod.mkdir(parents=True)
    (mod / "main.tf").write_text('variable "name" {}\nresource "aws_vpc" "this" {\n  tags = { Name = var.name }\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/x/vpc/aws","Dir":".terraform/modules/vpc"}]}'
    )
    res = scan(tmp_path, {"main.tf": 'module "vpc" {\n  source = "x/vpc/aws"\n  name = "main"\n}\n'})
    assert res["module.vpc.aws_vpc.this"].attributes == {"tags": {"Name": "main"}}
    assert res["module.vpc"].meta["resolved"] is True


def test_module_with_count(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": 'module "m" {\n  count = 2\n  source = "./m"\n  n = count.index\n}\nresource "t_r" "x" {\n  v = module.m[1].out\n}\n',
            "m/main.tf": 'variable "n" {}\nresource "t_r" "y" {\n  n = var.n\n}\noutput "out" {\n  value = var.n * 10\n}\n',
        },
    )
    assert res["module.m[0].t_r.y"].attributes == {"n": 0}
    assert res["module.m[1].t_r.y"].attributes == {"n": 1}
    assert res["module.m[1].t_r.y"].module == "module.m[1]"
    assert res["t_r.x"].attributes == {"v": 10}


# --------------------------------------------------------------------------- references
def test_references_become_edges_with_instance_index(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            resource "aws_s3_bucket" "b" {
              count = 2
            }
            resource "aws_kms_key" "k" {}
            resource "aws_s3_bucket_policy" "p" {
              bucket = aws_s3_bucket.b[1].id
              all    = aws_s3_bucket.b[*].arn
              key    = aws_kms_key.k.arn
            }
            """
        },
    )
    p = res["aws_s3_bucket_policy.p"]
    assert p.attributes["bucket"] == unknown("aws_s3_bucket.b[1].id", "attribute of aws_s3_bucket.b known after apply")
    assert p.attributes["key"]["__unknown__"] == "aws_kms_key.k.arn"
    assert p.attributes["all"]["__unknown__"] == "aws_s3_bucket.b[*].arn"
    assert Reference("bucket", "aws_s3_bucket.b[1]", "aws_s3_bucket.b[1].id") in p.references
    assert Reference("all", "aws_s3_bucket.b[0]", "aws_s3_bucket.b") in p.references
    assert Reference("all", "aws_s3_bucket.b[1]", "aws_s3_bucket.b") in p.references
    assert Reference("key", "aws_kms_key.k", "aws_kms_key.k.arn") in p.references


def test_reference_through_local_is_attributed_to_the_attribute(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {"main.tf": 'resource "a" "one" {}\nlocals {\n  id = a.one.id\n}\nresource "b" "two" {\n  x = local.id\n}\n'},
    )
    assert res["b.two"].references == [Reference("x", "a.one", "a.one.id")]


# --------------------------------------------------------------------------- expressions
def test_templates_and_directives(tmp_path: Path) -> None:
    attrs = one(
        tmp_path,
        '''
        a = "x-${1 + 1}-y"
        b = "%{ if true }yes%{ else }no%{ endif }"
        c = "%{ for i in [1, 2, 3] }${i},%{ endfor }"
        d = "esc $${x} %%{y} \\"q\\" \\n"
        e = "${true}"
        f = "%{ for k, v in { a = 1 } ~} ${k}=${v} %{~ endfor }"
        ''',
    )
    assert attrs == {"a": "x-2-y", "b": "yes", "c": "1,2,3,", "d": 'esc ${x} %{y} "q" \n', "e": True, "f": "a=1"}


def test_heredocs(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'a = <<EOT\n  keep ${"indent"}\nEOT\nb = <<-EOT\n    strip\n      nested\n    EOT\n')
    assert attrs == {"a": "  keep indent\n", "b": "strip\n  nested\n"}


def test_conditionals(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'a = 1 > 2 ? "x" : "y"\nb = var.u ? 1 : 2', extra='variable "u" {}\n')
    assert attrs["a"] == "y"
    assert attrs["b"]["__unknown__"] == "var.u ? 1 : 2"
    assert attrs["b"]["reason"].startswith("depends on var.u")


def test_for_expressions(tmp_path: Path) -> None:
    attrs = one(
        tmp_path,
        """
        l = [for s in ["a", "b", "c"] : upper(s) if s != "b"]
        m = { for k, v in { x = 1, y = 2 } : v => k }
        g = { for s in ["a1", "a2", "b1"] : substr(s, 0, 1) => s... }
        i = [for i, v in ["p", "q"] : "${i}${v}"]
        """,
    )
    assert attrs == {"l": ["A", "C"], "m": {"1": "x", "2": "y"}, "g": {"a": ["a1", "a2"], "b": ["b1"]}, "i": ["0p", "1q"]}


def test_operators(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'a = 1 + 2 * 3 - 4 / 2\nb = 7 % 3\nc = !true || (1 == 1 && "a" != "b")\nd = -(2 + 1)\ne = 1 == "1"\nf = 2 >= 2')
    assert attrs == {"a": 5, "b": 1, "c": True, "d": -3, "e": False, "f": True}


def test_splat_and_index(tmp_path: Path) -> None:
    attrs = one(
        tmp_path,
        'a = local.l[*].id\nb = local.l.*.id\nc = local.l[1]["id"]\nd = local.m.k\ne = local.l[0].id',
        extra='locals {\n  l = [{ id = "x" }, { id = "y" }]\n  m = { k = "v" }\n}\n',
    )
    assert attrs == {"a": ["x", "y"], "b": ["x", "y"], "c": "y", "d": "v", "e": "x"}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('lookup({ a = 1 }, "b", 2)', 2),
        ('merge({ a = 1 }, { b = 2 }, { a = 3 })', {"a": 3, "b": 2}),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ('format("%s-%03d-%v", "a", 7, true)', "a-007-true"),
        ('formatlist("%s!", ["a", "b"])', ["a!", "b!"]),
        ('join(",", ["a", "b"])', "a,b"),
        ('split(",", "a,b")', ["a", "b"]),
        ("length([1, 2, 3])", 3),
        ('try(local.nope.x, "fallback")', "fallback"),
        ('can(regex("^a", "abc"))', True),
        ('coalesce("", null, "c")', "c"),
        ("coalescelist([], [1])", [1]),
        ("tomap({ a = 1 })", {"a": 1}),
        ('tolist(["a"])', ["a"]),
        ('toset(["b", "a", "a"])', ["a", "b"]),
        ("tostring(5)", "5"),
        ('tonumber("5")', 5),
        ('tobool("true")', True),
        ('jsonencode({ a = [1, "x"] })', '{"a":[1,"x"]}'),
        ('jsondecode("{\\"a\\": 1}")', {"a": 1}),
        ('yamlencode({ a = 1 })', '"a": 1\n'),
        ('element(["a", "b"], 3)', "b"),
        ('contains(["a"], "a")', True),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ('lower("AbC")', "abc"),
        ('upper("abc")', "ABC"),
        ('replace("a-b-c", "-", "_")', "a_b_c"),
        ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
        ('substr("hello", 1, 3)', "ell"),
        ('trimspace("  x ")', "x"),
        ("flatten([[1], [2, [3]]])", [1, 2, 3]),
        ("distinct([1, 1, 2])", [1, 2]),
        ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
        ("range(3)", [0, 1, 2]),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("abs(-2)", 2),
        ("ceil(1.2)", 2),
        ("floor(1.8)", 1),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ("slice([1, 2, 3, 4], 1, 3)", [2, 3]),
        ('startswith("abc", "ab")', True),
        ('endswith("abc", "bc")', True),
        ('regex("([a-z]+)-(\\\\d+)", "ab-12")', ["ab", "12"]),
        ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
        ('base64encode("hi")', "aGk="),
        ('one(["x"])', "x"),
        ("sum([1, 2, 3])", 6),
        ('setunion(["a"], ["b", "a"])', ["a", "b"]),
    ],
)
def test_functions(tmp_path: Path, expr: str, expected: Any) -> None:
    assert one(tmp_path, f"v = {expr}")["v"] == expected


def test_file_and_templatefile(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text('{"a": 1}')
    (tmp_path / "user.tpl").write_text("hello ${name}%{ for x in xs }-${x}%{ endfor }")
    attrs = one(
        tmp_path,
        'a = file("${path.module}/policy.json")\nb = templatefile("${path.module}/user.tpl", { name = "n", xs = [1, 2] })\nc = file("missing.txt")',
    )
    assert attrs["a"] == '{"a": 1}'
    assert attrs["b"] == "hello n-1-2"
    assert attrs["c"]["__unknown__"] == 'file("missing.txt")'


def test_unknown_function_is_named_not_crashing(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'v = frobnicate(1)\nw = timestamp()')
    assert attrs["v"] == unknown("frobnicate(1)", "function 'frobnicate' is not supported by the evaluator")
    assert attrs["w"]["__unknown__"] == "timestamp()"


def test_evaluation_error_is_unknown_with_reason(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'v = lookup({}, "k")')
    assert attrs["v"]["__unknown__"] == 'lookup({}, "k")'
    assert "not found" in attrs["v"]["reason"]


def test_unknown_inside_function_names_the_call(tmp_path: Path) -> None:
    attrs = one(tmp_path, 'v = upper(var.x)\nm = merge({ a = var.x }, { b = 1 })', extra='variable "x" {}\n')
    assert attrs["v"]["__unknown__"] == "upper(var.x)"
    assert attrs["m"] == {"a": unknown("var.x", "input variable has no value (no default, not set by tfvars or -var)"), "b": 1}


def test_meta_arguments_not_in_attributes(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {"main.tf": 'resource "a" "x" {}\nresource "a" "b" {\n  provider = aws.west\n  depends_on = [a.x]\n  lifecycle {\n    prevent_destroy = true\n  }\n  v = 1\n}\n'},
    )
    r = res["a.b"]
    assert r.attributes == {"v": 1}
    assert r.meta["provider"] == "aws.west"
    assert r.meta["depends_on"] == ["a.x"]
    assert r.meta["lifecycle"] == {"prevent_destroy": True}


def test_override_file_merges(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {"main.tf": 'resource "a" "b" {\n  x = 1\n  y = 2\n}\n', "override.tf": 'resource "a" "b" {\n  y = 3\n}\n'},
    )
    assert res["a.b"].attributes == {"x": 1, "y": 3}


def test_tf_json_syntax(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf.json": '{"variable": {"n": {"default": "v"}},\n "resource": {"aws_s3_bucket": {"b": {"bucket": "x-${var.n}", "tags": {"a": "1"}}}}}'
        },
    )
    r = res["aws_s3_bucket.b"]
    assert r.attributes == {"bucket": "x-v", "tags": {"a": "1"}}
    assert r.span.start_line == 2


# --------------------------------------------------------------------------- errors and limits
def _errors(tmp_path: Path, text: str) -> list[Any]:
    (tmp_path / "main.tf").write_text(text)
    return parse_directory(tmp_path, files=None, var_files=[], variables={}).errors


def test_syntax_error_unclosed_block(tmp_path: Path) -> None:
    errs = _errors(tmp_path, 'resource "a" "b" {\n  x = 1\n')
    assert len(errs) == 1
    e = errs[0]
    assert e.file == str(tmp_path / "main.tf") and e.kind == ErrorKind.PARSE
    assert (e.line, e.column, e.message) == (
        1, 18, "unclosed '{' opened on line 1 (resource \"a\" \"b\"): the block is missing its '}'")


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ('resource "a" "b" {\n  x = 1 @ 2\n}\n', 2, 9, "unexpected '@'"),
        ('resource "a" "b" {\n  x = 1\n  y = = 2\n}\n', 3, 7, "unexpected '='"),
        ('x = "${var.a"\n', 1, 13, "unexpected '\"'"),
        ("x = <<EOT\nabc\n", 3, 1, "unterminated heredoc: closing marker not found"),
        ("x = [1, 2\ny = 3\n", 1, 5, "unclosed '[' opened on line 1 (x): the list is missing its ']'"),
        ("x = {\n  a = 1\n", 1, 5, "unclosed '{' opened on line 1 (x): the object is missing its '}'"),
        ("x = [1, 2}\n", 1, 10, "'}' does not close the '[' opened on line 1, column 5: missing ']' before it"),
        # nested blocks: the block whose '}' is missing, not the outermost one
        ('resource "a" "b" {\n  bucket = "x"\n  versioning {\n    enabled = true\n\n}\n', 3, 14,
         "unclosed '{' opened on line 3 (versioning): the block is missing its '}'"),
        ('resource "a" "b" {\n  x {\n    y = 1\n\nresource "c" "d" {\n  z = 2\n}\n', 2, 5,
         "unclosed '{' opened on line 2 (x): the block is missing its '}'"),
        # braces in comments, strings, heredocs and interpolations are no brackets
        ('# {\nresource "a" "b" {\n  x = "}"  // }\n  y = <<EOT\n}\nEOT\n  z = "${f({a = 1})}"\n', 2, 18,
         "unclosed '{' opened on line 2 (resource \"a\" \"b\"): the block is missing its '}'"),
    ],
)
def test_syntax_error_messages(tmp_path: Path, text: str, line: int, col: int, message: str) -> None:
    errs = _errors(tmp_path, text)
    assert [(e.line, e.column, e.message) for e in errs] == [(line, col, message)]


def test_syntax_error_unexpected_token(tmp_path: Path) -> None:
    errs = _errors(tmp_path, 'resource "a" "b" {\n  x = 1\n}\n}\n')
    assert [(e.line, e.column) for e in errs] == [(4, 1)]
    assert errs[0].message == "'}' closes nothing: no '{', '[' or '(' is open here"


def test_syntax_error_bad_expression_location(tmp_path: Path) -> None:
    errs = _errors(tmp_path, 'resource "a" "b" {\n  x = 1\n  y = = 2\n}\n')
    assert len(errs) == 1 and errs[0].line == 3


def test_file_with_error_does_not_hide_other_files(tmp_path: Path) -> None:
    (tmp_path / "good.tf").write_text('resource "a" "ok" {}\n')
    (tmp_path / "bad.tf").write_text('resource "a" "bad" {\n')
    r = parse_directory(tmp_path, files=None, var_files=[], variables={})
    assert [x.id for x in r.resources] == ["a.ok"]
    assert len(r.errors) == 1 and r.errors[0].file.endswith("bad.tf")


def test_deep_nesting_is_a_limit_error(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "x = " + "[" * 400 + "]" * 400 + "\n")
    assert len(errs) == 1 and errs[0].kind == ErrorKind.LIMIT


def test_huge_file_is_a_limit_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policyguard.parsers.terraform import hcl

    monkeypatch.setattr(hcl, "MAX_FILE_BYTES", 100)
    errs = _errors(tmp_path, "# " + "x" * 200 + "\n")
    assert len(errs) == 1 and errs[0].kind == ErrorKind.LIMIT


def test_duplicate_attribute_is_located(tmp_path: Path) -> None:
    errs = _errors(tmp_path, 'resource "a" "b" {\n  x = 1\n  x = 2\n}\n')
    assert [(e.line, e.column) for e in errs] == [(3, 3)]
    assert "redefined" in errs[0].message


def test_missing_var_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "a" "b" {}\n')
    r = parse_directory(tmp_path, files=None, var_files=["nope.tfvars"], variables={})
    assert len(r.errors) == 1 and r.errors[0].kind == ErrorKind.CONFIG


def test_recursive_module_is_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('module "self" {\n  source = "./"\n}\n')
    r = parse_directory(tmp_path, files=None, var_files=[], variables={})
    assert any("recursive" in e.message for e in r.errors)
    assert {x.id for x in r.resources} == {"module.self"}


def test_path_module_and_templatefile_in_child_module(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": 'module "m" {\n  source = "./mods/m"\n  who = "root"\n}\n',
            "mods/m/main.tf": 'variable "who" {}\nresource "t_r" "x" {\n  p = path.module\n  t = templatefile("${path.module}/hi.tpl", { who = var.who })\n}\n',
            "mods/m/hi.tpl": "hi ${who}",
        },
    )
    assert res["module.m.t_r.x"].attributes == {"p": "mods/m", "t": "hi root"}


def test_null_input_keeps_null_unless_not_nullable(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": 'module "m" {\n  source = "./m"\n  a = null\n  b = null\n}\n',
            "m/main.tf": 'variable "a" {\n  default = "d"\n}\nvariable "b" {\n  default = "d"\n  nullable = false\n}\nresource "t_r" "x" {\n  a = var.a\n  b = var.b\n}\n',
        },
    )
    assert res["module.m.t_r.x"].attributes == {"a": None, "b": "d"}


def test_for_each_module_and_keyed_reference(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            module "svc" {
              for_each = { api = 8080, web = 80 }
              source   = "./svc"
              port     = each.value
            }
            resource "aws_s3_bucket" "b" {
              for_each = toset(["k"])
            }
            resource "t_r" "x" {
              bucket = aws_s3_bucket.b["k"].id
              port   = module.svc["web"].port
              ports  = [for k, m in module.svc : m.port]
            }
            """,
            "svc/main.tf": 'variable "port" {}\nresource "t_r" "listener" {\n  port = var.port\n}\noutput "port" {\n  value = var.port\n}\n',
        },
    )
    assert res['module.svc["api"].t_r.listener'].attributes == {"port": 8080}
    assert res['module.svc["api"].t_r.listener'].module == 'module.svc["api"]'
    x = res["t_r.x"]
    assert x.attributes["port"] == 80
    assert x.attributes["ports"] == [8080, 80]
    assert Reference("bucket", 'aws_s3_bucket.b["k"]', 'aws_s3_bucket.b["k"].id') in x.references


def test_configured_argument_of_another_resource_is_known(tmp_path: Path) -> None:
    res = scan(
        tmp_path,
        {
            "main.tf": """
            variable "env" {
              default = "dev"
            }
            resource "aws_s3_bucket" "b" {
              bucket = "logs-${var.env}"
            }
            resource "aws_sqs_queue" "q" {
              count = 2
              name  = "q${count.index}"
            }
            resource "t_r" "x" {
              name  = aws_s3_bucket.b.bucket
              id    = aws_s3_bucket.b.id
              queue = aws_sqs_queue.q[1].name
              any   = aws_sqs_queue.q[*].name
            }
            """
        },
    )
    x = res["t_r.x"]
    assert x.attributes["name"] == "logs-dev"
    assert x.attributes["queue"] == "q1"
    assert x.attributes["id"]["__unknown__"] == "aws_s3_bucket.b.id"
    assert x.attributes["any"]["__unknown__"] == "aws_sqs_queue.q[*].name"
    assert Reference("name", "aws_s3_bucket.b", "aws_s3_bucket.b.bucket") in x.references
    assert Reference("queue", "aws_sqs_queue.q[1]", "aws_sqs_queue.q[1].name") in x.references
