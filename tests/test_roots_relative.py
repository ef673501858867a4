"""``roots.relative`` is ``os.path.relpath(os.path.abspath(file), root)`` with a shortcut for a
file under the root: the two must agree on every path, odd spellings included."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from policyguard.roots import relative

_parts = st.sampled_from(["a", "b", "ab", ".", "..", "", "a.b", "x y", "é"])
_paths = st.builds(lambda lead, parts, trail: lead + "/".join(parts) + trail,
                   st.sampled_from(["", "/", "//", "./", "../"]), st.lists(_parts, max_size=6), st.sampled_from(["", "/"]))


@settings(max_examples=2000, deadline=None)
@given(file=_paths, root=_paths)
def test_relative_is_relpath_of_abspath(file: str, root: str) -> None:
    if not root:
        root = "/"
    assert relative(file, root) == os.path.relpath(os.path.abspath(file), root)


def test_the_usual_case_and_its_edges() -> None:
    assert relative("/repo/k8s/app.yaml", "/repo") == "k8s/app.yaml"
    assert relative("/repo", "/repo") == "."
    assert relative("/repository/x.tf", "/repo") == "../repository/x.tf"  # a sibling sharing the prefix
    assert relative("/repo/a/../b.tf", "/repo") == "b.tf"
    assert relative("/repo/x.tf", "/repo/") == "x.tf"  # a root spelled with a slash
    assert relative("/x.tf", "/") == "x.tf"
    assert relative("rel/x.tf", os.getcwd()) == os.path.join("rel", "x.tf")
