"""Test rule: loops forever on resources named 'loop' (exercises the per-rule time budget)."""

from policyguard.engine.python_rules import fail, rule


@rule(id="TEST-PY-LOOP", title="Test rule - loops forever on 'loop'", severity="low",
      resource_types={"terraform": ["aws_ebs_volume"]})
def check(resource, resources):
    if resource["name"] == "loop":
        n = 0
        while True:
            try:
                n += 1
            except Exception:  # a rule that swallows exceptions still gets stopped
                pass
    if resource["attributes"].get("size", 0) > 1000:
        yield fail("volume is larger than 1000 GiB", path="size")
