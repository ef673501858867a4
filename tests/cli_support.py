"""The CLI under click's test runner, stderr kept apart from stdout on every click version."""

from __future__ import annotations

from click.testing import CliRunner


def runner() -> CliRunner:
    try:  # click 8.1 mixes stderr into stdout unless told not to; 8.2+ always separates them
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()
