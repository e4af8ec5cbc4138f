"""The ``staffing`` command group: help, version and the one-line error contract."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

import staffing
from staffing.cli import main


def test_version_prints_the_package_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert staffing.__version__ in result.output


def test_help_lists_the_commands_and_an_example():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "staffing plan --example" in result.output


@pytest.mark.parametrize(
    "args", [["no-such-command"], ["--no-such-option"]], ids=["command", "option"]
)
def test_usage_errors_are_one_line_with_exit_2(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("staffing: error:")
    assert "Traceback" not in result.output


def test_the_console_script_runs_as_a_module_without_traceback():
    done = subprocess.run(
        [sys.executable, "-c", "from staffing.cli import main; main()", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("staffing: error: No such command 'nope'")
    assert "Traceback" not in done.stderr
