"""The ``staffing`` command: a thin shell over the library.

Exit status: ``0`` success; ``1`` bad data, an infeasible plan or a solver failure;
``2`` a usage or configuration error (unknown option, bad value, unknown config key). Errors are
one line on standard error, never a traceback (set ``STAFFING_DEBUG=1`` to see one).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from staffing import __version__
from staffing.errors import StaffingError

__all__ = ["main"]


def _fail(message: str, code: int) -> None:
    click.echo(f"staffing: error: {message}", err=True)
    sys.exit(code)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


#: Subcommand name -> module under ``staffing.cli`` defining a click command of that name.
#: Loaded lazily so that ``staffing --help`` does not import the numerical stack.
SUBCOMMANDS = ("plan", "scenarios", "forecast", "erlang", "roster", "simulate")


class StaffingGroup(click.Group):
    """A click group that loads subcommands lazily and turns errors into one line and a status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in SUBCOMMANDS if self._module_name(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self._module_name(cmd_name) if cmd_name in SUBCOMMANDS else None
        if module is None:
            return None
        return getattr(importlib.import_module(module), cmd_name)

    @staticmethod
    def _module_name(name: str) -> str | None:
        module = f"staffing.cli.{name}"
        return module if importlib.util.find_spec(module) is not None else None

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        try:
            result = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except click.UsageError as err:
            hint = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
            _fail(_one_line(err.format_message()) + hint, 2)
        except click.ClickException as err:
            _fail(_one_line(err.format_message()), err.exit_code)
        except StaffingError as err:
            if os.environ.get("STAFFING_DEBUG"):
                raise
            _fail(_one_line(str(err)), err.exit_code)
        except (ValueError, OSError) as err:
            if os.environ.get("STAFFING_DEBUG"):
                raise
            code = 2 if isinstance(err, ValueError) else 1
            _fail(_one_line(str(err)), code)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=StaffingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="staffing")
def main() -> None:
    """Contact-centre workforce planning: forecast, Erlang staffing, rosters, simulation.

    \b
    Examples:
      staffing plan --example --out plan-example
      staffing erlang --calls 100 --interval-minutes 30 --aht 180 --target 80/20
    """
