"""Test rule: raises on resources named 'boom'."""

from policyguard.engine.python_rules import fail, rule


@rule(id="TEST-PY-RAISE", title="Test rule - raises on 'boom'", severity="low",
      resource_types={"terraform": ["aws_ebs_volume"]})
def check(resource):
    if resource["name"] == "boom":
        return {}["missing"]
    return fail("always fails elsewhere", path="size") if resource["name"] == "bad" else None
