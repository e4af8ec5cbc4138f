"""Parameter types shared by the ``staffing`` subcommands."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["Number", "check_out", "cluster_options"]


class Number(click.ParamType):
    """A finite number in a range; click names the option in its one-line error.

    Click's ``FloatRange`` lets ``nan`` through (every comparison with it is false) and
    ``inf`` through an open upper end; this type refuses both.
    """

    name = "number"

    def __init__(self, low: float, high: float = math.inf, *, low_open: bool = False,
                 high_open: bool = False) -> None:  # fmt: skip
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def _describe(self) -> str:
        left = f"{'>' if self.low_open else '>='} {self.low:g}"
        if math.isinf(self.high):
            return left
        return f"{left} and {'<' if self.high_open else '<='} {self.high:g}"

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        above = number > self.low or (not self.low_open and number == self.low)
        below = number < self.high or (not self.high_open and number == self.high)
        if not (math.isfinite(number) and above and below):
            self.fail(f"{value!r} is not a finite number {self._describe()}", param, ctx)
        return number


def check_out(path: Path, *, force: bool, files: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, an ``--out`` that would lose a file or can never be written.

    :func:`staffing.output.check_output_files` with its error as a usage error naming
    ``--out`` (exit status 2).

    Parameters
    ----------
    path : pathlib.Path
        The ``--out`` value: a file, or with ``files`` a directory that will hold them.
    force : bool
        Whether ``--force`` allows replacing the existing output files.
    files : tuple of str
        Names written inside the directory ``path``; empty when ``path`` is the file itself.

    Raises
    ------
    click.UsageError
        Naming ``--out`` and what is wrong.
    """
    from staffing.output import check_output_files

    try:
        check_output_files(path, files=files, force=force)
    except OSError as err:
        raise click.UsageError(f"--out {err}") from None


def cluster_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--workers N`` and ``--scheduler ADDRESS``: where the queues' tasks run (Dask)."""
    command = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run the queues' tasks on a running Dask cluster (e.g. tcp://10.0.0.5:8786, as "
        "'dask scheduler' prints). Needs the dask extra. Default: in this process.",
    )(command)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Start a local Dask cluster of N worker processes for the run and plan the "
        "queues on it. Needs the dask extra. Default: in this process.",
    )(command)
