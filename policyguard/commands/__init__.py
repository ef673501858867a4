"""The front doors: one module per command, each a thin layer that reads its options and calls
the scan core, the gate, the reporters, the fixer or the webhook (imported lazily inside the
command, so ``policyguard --help`` and the pre-commit hook start fast). A command's module is
itself imported only when that command runs or a listing needs it (``_COMMANDS``). A command
returns its exit code (``policyguard.exitcodes``); the group below turns it into the process's
exit status and turns every unexpected exception into a one-line message and exit 2, never a
traceback."""

from __future__ import annotations

import sys

import click

from policyguard import __version__
from policyguard.exitcodes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED

# command name -> (module under policyguard.commands, the click command in it), in the order the
# commands were registered when every module was imported at start-up
_COMMANDS = {
    "scan": ("scan", "scan"),
    "fix": ("fix", "fix"),
    "compliance": ("compliance", "compliance"),
    "rules": ("rules", "rules"),
    "test": ("test", "test_rules"),
    "baseline": ("baseline", "baseline"),
    "serve": ("serve", "serve"),
    "webhook": ("webhook", "webhook"),
    "migrate-suppressions": ("migrate", "migrate_suppressions"),
    "audit": ("audit", "audit"),
    "merge": ("merge", "merge"),
}


class _Group(click.Group):
    """Runs a command inside ``procs.command_scope`` (every child it starts is reaped before it
    exits), exits with the code the command returns, and turns an interruption or an unexpected
    exception into a message and a distinct exit code. Commands are imported on first use
    (``_COMMANDS``): a run imports the one it runs, a listing (help, completion, a misspelt
    name's suggestions) all of them."""

    def _load(self, name: str) -> None:
        import importlib

        module, attr = _COMMANDS[name]
        self.add_command(getattr(importlib.import_module(f"policyguard.commands.{module}"), attr), name)

    def _load_all(self) -> None:
        for name in _COMMANDS:
            if name not in self.commands:
                self._load(name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _COMMANDS and cmd_name not in self.commands:
            self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in _COMMANDS:
            self._load_all()  # not a command: click's message suggests the nearest names
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        from policyguard import procs
        from policyguard.commands.common import quiet_closed_stdout

        rv: object = None
        try:
            with procs.command_scope():
                rv = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        except BrokenPipeError:  # `policyguard rules list | head`: the reader had enough, not an error
            quiet_closed_stdout()
            sys.exit(rv if isinstance(rv, int) else EXIT_OK)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except procs.Terminated:
            click.echo("policyguard: terminated", err=True)
            sys.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo("policyguard: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # last line of defence: a located message and exit 2
            click.echo(f"policyguard: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("please report this with the command line and input that caused it", err=True)
            sys.exit(EXIT_ERROR)
        if isinstance(rv, int):
            sys.exit(rv)
        return rv


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policyguard")
def main() -> None:
    """policyguard: a policy-as-code gate for Terraform, CloudFormation and Kubernetes."""
