"""Ships the top-level ``rules/`` pack inside the wheel as ``policyguard/builtin_rules``.

The rule pack lives at the top of the repository (rules are not Python package code), so a
plain ``pip install .`` copies it into the package at build time. Editable installs read it
from the checkout directly (see ``policyguard.engine.rules.builtin_rules_dir``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithRules(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).parent / "rules"
        dst = Path(self.build_lib) / "policyguard" / "builtin_rules"
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithRules})
