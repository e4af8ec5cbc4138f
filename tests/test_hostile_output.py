"""Hostile ``--out`` directories for ``staffing plan`` and :func:`staffing.plan.write_plan`.

No pipeline runs here: a stand-in plan with tiny frames goes through the real writers, with the
report rendering replaced, so each case takes milliseconds (the subprocess cases about a second).
"""

from __future__ import annotations

import errno
import importlib
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import staffing.datasets
import staffing.io
import staffing.output
from staffing.cli import main
from staffing.errors import DataError
from staffing.plan import OUTPUT_FILES

PLAN_MODULE = importlib.import_module("staffing.plan")  # ``staffing.plan`` is the function
SRC = Path(PLAN_MODULE.__file__).parents[1]


class FakePlan:
    """A stand-in for :class:`staffing.plan.Plan`: tiny frames for the real CSV writers."""

    def __init__(self, tag="new"):
        stamps = pd.date_range("2025-01-06", periods=2, freq="h", tz="UTC")
        self.tag = tag
        self.forecast = pd.DataFrame({"interval_start": stamps, "queue": tag, "volume": 1.0})
        self.requirements = self.forecast.assign(agents=1, open=True, scheduled=1)
        self.roster = pd.DataFrame()
        self.lines = pd.DataFrame()
        self.coverage = self.forecast.assign(required=1, scheduled=1)
        self.simulation = self.forecast.assign(service_level=0.8)
        # what schedule.xlsx reads: the configuration, the plan's grid (None: the history's)
        from staffing.config import PlanConfig
        from staffing.datasets import load_example_config

        self.config = PlanConfig.from_toml(load_example_config())
        self.grid = None
        self.queues = [tag]

    def summary(self):
        horizon = {
            "first_interval": "2025-01-06T00:00:00+00:00",
            "last_interval": "2025-01-06T01:00:00+00:00",
        }
        totals = {"scheduled_agent_hours": 2.0, "required_agent_hours": 2.0}
        return {"horizon": horizon, "queues": {}, "totals": totals, "tag": self.tag}

    def write(self, directory, *, force=False):
        from staffing.plan import write_plan

        return write_plan(self, directory, force=force)


#: The stand-in plan, for the subprocesses below.
FAKE_PLAN = "import pandas as pd\n\n" + inspect.getsource(FakePlan)


def report(result) -> str:
    return f"<html>{result.tag}</html>"


@pytest.fixture(autouse=True)
def fast_report(monkeypatch):
    """The report is the only slow writer: render a one-liner instead."""
    monkeypatch.setattr(staffing.output, "report_html", report)


@pytest.fixture(autouse=True)
def no_rmtree_outside_staging(monkeypatch, tmp_path):
    """Safety net: a regression must fail this file, not delete the machine's directories.

    Only hidden (staging) directories inside the test's temporary directory may be removed.
    """
    real = shutil.rmtree

    def guarded(path, *args, **kwargs):
        path = Path(path).absolute()
        if tmp_path not in path.parents or not path.name.startswith("."):
            raise AssertionError(f"refusing to rmtree {path}")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", guarded)


@pytest.fixture
def planned(monkeypatch):
    """``staffing plan`` runs no pipeline: record the calls, return a stand-in plan."""
    calls = []

    def fake_plan(history, config, *, client=None, progress=None):
        calls.append(history)
        return FakePlan("new")

    monkeypatch.setattr(PLAN_MODULE, "plan", fake_plan)
    monkeypatch.setattr(staffing.datasets, "load_example", lambda: "the example history")
    return calls


def run(*args: str):
    return CliRunner().invoke(main, ["plan", "--example", "--quiet", *args])


def one_line_error(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("staffing: error: ")
    return lines[0]


def make_plan(directory: Path, tag: str = "old") -> Path:
    """A previous plan as staffing writes it."""
    FakePlan(tag).write(directory)
    return directory


def snapshot(directory: Path) -> dict[str, str | bytes]:
    """Every path under ``directory`` with its content (or its kind)."""
    out = {}
    for path in sorted(directory.rglob("*")):
        key = str(path.relative_to(directory))
        if path.is_symlink():
            out[key] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            out[key] = "<dir>"
        else:
            out[key] = path.read_bytes()  # schedule.xlsx is binary
    return out


def tags(directory: Path) -> set[str]:
    """Which run wrote each file of a plan directory."""
    found = {json.loads((directory / "summary.json").read_text())["tag"]}
    found |= set(pd.read_csv(directory / "forecast.csv")["queue"])
    found.add((directory / "report.html").read_text()[6:-7])
    return found


# -- 1. --force never deletes what it cannot replace ------------------------------------------


@pytest.mark.parametrize("out", [".", ".."])
def test_force_into_the_current_directory_or_its_parent_keeps_every_file(
    tmp_path, monkeypatch, planned, out
):
    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "notes.txt").write_text("mine")
    (work / "src" / "model.py").write_text("x = 1")
    before = snapshot(tmp_path)
    monkeypatch.chdir(work)
    result = run("--out", out, "--force")
    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert f"--out {out}:" in line
    assert "notes.txt" in line or "holds the current directory" in line
    assert snapshot(tmp_path) == before
    assert planned == []  # refused before any work


def test_home_and_filesystem_root_are_refused_even_when_empty(tmp_path, monkeypatch, planned):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for out, reason in ((str(home), "home directory"), ("/", "filesystem root")):
        result = run("--out", out, "--force")
        assert result.exit_code == 2, result.output
        line = one_line_error(result)
        assert f"--out {out}: is the {reason}" in line or f"--out {out}: is your {reason}" in line
    assert list(home.iterdir()) == []
    assert planned == []


def test_force_replaces_a_previous_plan_in_the_current_directory_in_place(
    tmp_path, monkeypatch, planned
):
    work = make_plan(tmp_path / "plan-w46")
    (work / ".DS_Store").write_text("desktop litter")
    inode = work.stat().st_ino
    monkeypatch.chdir(work)
    result = run("--out", ".", "--force")
    assert result.exit_code == 0, result.output
    # the shell of whoever ran it is still in a live directory, now holding the new plan
    assert work.stat().st_ino == inode
    assert sorted(p.name for p in work.iterdir()) == sorted([*OUTPUT_FILES, ".DS_Store"])
    assert tags(work) == {"new"}
    assert (work / ".DS_Store").read_text() == "desktop litter"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan-w46"]  # no lock, no staging


def test_force_refuses_a_plan_directory_holding_another_file(tmp_path):
    out = make_plan(tmp_path / "plan")
    (out / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match=r"plan: holds files that are not plan outputs \(k"):
        FakePlan("new").write(out, force=True)
    assert snapshot(tmp_path) == before


ENTRY_NAMES = [*OUTPUT_FILES, "notes.txt", ".DS_Store", ".hidden", "sub"]
KINDS = ["file", "dir", "symlink", "plan summary"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(contents=st.dictionaries(st.sampled_from(ENTRY_NAMES), st.sampled_from(KINDS)))
def test_force_replaces_only_a_previous_plan_and_otherwise_changes_nothing(tmp_path, contents):
    root = Path(tmp_path / f"case-{len(list(tmp_path.iterdir()))}")
    out = root / "plan"
    out.mkdir(parents=True)
    (root / "elsewhere.txt").write_text("linked")
    for name, kind in contents.items():
        path = out / name
        if kind == "dir":
            path.mkdir()
        elif kind == "symlink":
            path.symlink_to(root / "elsewhere.txt")
        elif kind == "plan summary":
            path.write_text(json.dumps(FakePlan("old").summary()))
        else:
            path.write_text(f"user {name}")
    before = snapshot(root)
    plan_only = all(
        (name in OUTPUT_FILES and kind in ("file", "plan summary")) or name == ".DS_Store"
        for name, kind in contents.items()
    )
    previous_plan = contents.get("summary.json") == "plan summary"
    desktop = [".DS_Store"] if ".DS_Store" in contents else []
    try:
        FakePlan("new").write(out, force=True)
    except FileExistsError:
        assert snapshot(root) == before  # refused: nothing changed
        assert not (plan_only and (previous_plan or set(contents) <= {".DS_Store"}))
    else:
        # written: only plan files (and desktop litter, kept) were there before
        assert plan_only
        assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUT_FILES, *desktop])
        assert tags(out) == {"new"}
    assert sorted(p.name for p in root.iterdir()) == ["elsewhere.txt", "plan"]


# -- 2. two runs on one directory -------------------------------------------------------------


def test_a_second_writer_in_another_thread_is_refused_and_files_never_mix(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    writing, release = threading.Event(), threading.Event()
    errors = []

    def slow_report(result):
        if result.tag == "first":
            writing.set()
            release.wait(10)
        return report(result)

    def first():
        try:
            FakePlan("first").write(out)
        except BaseException as err:  # reported below
            errors.append(err)

    monkeypatch.setattr(staffing.output, "report_html", slow_report)
    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert writing.wait(10)
        with pytest.raises(BlockingIOError, match=r"plan: another staffing run is writing"):
            FakePlan("second").write(out)
    finally:
        release.set()
        thread.join(10)
    assert errors == []
    assert tags(out) == {"first"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


CHILD_WRITER = FAKE_PLAN + textwrap.dedent(
    """
    import sys
    import staffing.output

    def blocking_report(result):
        print("writing", flush=True)
        sys.stdin.readline()
        return "<html>" + result.tag + "</html>"

    staffing.output.report_html = blocking_report
    FakePlan("child").write(sys.argv[1])
    print("done", flush=True)
    """
)


def start(script: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = child.stdout.readline()
    if line.strip() != "writing":
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"child did not start writing: {line!r} {err}")
    return child


def test_the_cli_fails_fast_while_another_process_writes_the_directory(tmp_path, planned):
    out = tmp_path / "plan"
    child = start(CHILD_WRITER, str(out))
    try:
        result = run("--out", str(out))
    finally:
        _, err = child.communicate("\n", timeout=30)
    assert result.exit_code == 1, result.output
    line = one_line_error(result)
    assert f"--out {out}: another staffing run is writing this directory" in line
    assert planned == []
    assert child.returncode == 0, err
    assert tags(out) == {"child"}  # the other run's plan, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


# -- 3. stop signals while writing ------------------------------------------------------------

CHILD_CLI = FAKE_PLAN + textwrap.dedent(
    """
    import signal, sys, time
    import importlib
    import staffing.datasets, staffing.output
    from staffing.cli import main

    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal

    def slow_report(result):
        print("writing", flush=True)
        time.sleep(60)

    staffing.datasets.load_example = lambda: None
    plan_module = importlib.import_module("staffing.plan")  # not the function staffing.plan
    plan_module.plan = lambda history, config, client=None, progress=None: FakePlan("new")
    staffing.output.report_html = slow_report
    main(["plan", "--example", "--quiet", *sys.argv[1:]])
    """
)


@pytest.mark.parametrize(
    ("signum", "previous"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-replacing-a-plan"],
)
def test_a_stop_signal_while_writing_leaves_no_debris(tmp_path, signum, previous):
    out = make_plan(tmp_path / "plan") if previous else tmp_path / "new" / "plan"
    before = snapshot(tmp_path)
    child = start(CHILD_CLI, "--out", str(out), *(["--force"] if previous else []))
    child.send_signal(signum)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 1, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["staffing: error: aborted"]
    # no staging folder, no lock file, no parent created for the run; a previous plan intact
    assert snapshot(tmp_path) == before


CHILD_KILLED = CHILD_WRITER.replace("sys.stdin.readline()", "import time; time.sleep(60)")


def test_the_next_run_removes_staging_left_by_a_killed_run_and_nothing_else(tmp_path):
    out = tmp_path / "plan"
    lookalikes = {
        ".plan.staffing-0123abcd.tmp": "notes.txt",  # not only plan files: not ours to remove
        ".plan2.staffing-0123abcd.tmp": "forecast.csv",  # staging of another directory
        ".plan.staffing-0123abcd.tmp.bak": "forecast.csv",
    }
    for name, file in lookalikes.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / file).write_text("keep")
    child = start(CHILD_KILLED, str(out))
    child.kill()
    child.communicate(timeout=30)
    debris = {p.name for p in tmp_path.iterdir()} - set(lookalikes)
    assert debris, "the killed run left nothing to clean up"
    FakePlan("next").write(out)
    assert {p.name for p in tmp_path.iterdir()} == {"plan", *lookalikes}
    assert tags(out) == {"next"}


# -- 4. unusable paths, checked before any work -----------------------------------------------


def _file_parent(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("mine")
    return tmp_path / "notes.txt" / "plan"


def _symlink_to_empty(tmp_path: Path) -> Path:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    return tmp_path / "link"


def _symlink_to_plan(tmp_path: Path) -> Path:
    make_plan(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    return tmp_path / "link"


def _dangling_symlink(tmp_path: Path) -> Path:
    (tmp_path / "link").symlink_to(tmp_path / "missing")
    return tmp_path / "link"


def _long_name(tmp_path: Path) -> Path:
    return tmp_path / ("p" * 250)  # fits the file system, but not with a staging suffix


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_file_parent, "notes.txt is not a directory"),
        (_long_name, "name too long"),
        (_symlink_to_empty, "is a symbolic link"),
        (_symlink_to_plan, "is a symbolic link"),
        (_dangling_symlink, "is a symbolic link"),
    ],
    ids=[
        "parent-is-a-file",
        "name-too-long",
        "symlink-to-empty-dir",
        "symlink-to-a-plan",
        "dangling-symlink",
    ],
)
def test_an_unusable_out_is_a_usage_error_before_any_work(tmp_path, planned, make, reason):
    out = make(tmp_path)
    before = snapshot(tmp_path)
    result = run("--out", str(out), "--force")
    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert f"--out {out}: " in line
    assert reason in line
    assert planned == []
    assert snapshot(tmp_path) == before


def test_a_deleted_working_directory_is_a_usage_error_before_any_work(
    tmp_path, monkeypatch, planned
):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # e.g. an earlier run deleted it under the shell
    result = run("--out", "plan")
    assert result.exit_code == 2, result.output
    assert "--out plan: the current directory no longer exists" in one_line_error(result)
    assert planned == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_parent_is_a_usage_error_before_any_work(tmp_path, planned):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run("--out", str(locked / "plan"))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert "permission denied" in one_line_error(result)
    assert planned == []


def test_missing_parents_are_created_and_the_directory_gets_default_permissions(
    tmp_path, monkeypatch, planned
):
    out = tmp_path / "a" / "b" / "plan"
    old_umask = os.umask(0o022)
    try:
        result = run("--out", str(out))
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o755  # not private to the writer
    assert tags(out) == {"new"}

    def bad_history(history, config, *, client=None, progress=None):
        raise DataError("history.csv: column 'volume', row 3: expected a number")

    monkeypatch.setattr(PLAN_MODULE, "plan", bad_history)
    result = run("--out", str(tmp_path / "c" / "d" / "plan"))
    assert result.exit_code == 1
    assert "row 3" in one_line_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # c/d removed again


# -- 5. a full disk or a permission error while writing ---------------------------------------


@pytest.mark.parametrize(
    ("code", "previous"),
    [(errno.ENOSPC, False), (errno.EACCES, True)],
    ids=["no-space-new-directory", "permission-replacing-a-plan"],
)
def test_a_write_error_names_the_file_and_leaves_the_directory_as_it_was(
    tmp_path, monkeypatch, planned, code, previous
):
    out = make_plan(tmp_path / "plan") if previous else tmp_path / "new" / "plan"
    before = snapshot(tmp_path)
    real = staffing.io.write_frame_csv

    def failing(frame, path, **kwargs):
        if Path(path).name == "roster.csv":
            raise OSError(code, os.strerror(code))
        return real(frame, path, **kwargs)

    monkeypatch.setattr(staffing.io, "write_frame_csv", failing)
    result = run("--out", str(out), *(["--force"] if previous else []))
    assert result.exit_code == 1, result.output
    line = one_line_error(result)
    assert f"{out / 'roster.csv'}: cannot write: {os.strerror(code)}" in line
    assert snapshot(tmp_path) == before


# -- 6. the other commands' --out -------------------------------------------------------------


def test_simulate_out_that_is_a_file_is_a_usage_error_before_simulating(tmp_path):
    fixtures = Path(__file__).parent / "fixtures"
    taken = tmp_path / "results"
    taken.write_text("mine")
    args = [
        str(fixtures / "simulate_roster.csv"),
        "--forecast",
        str(fixtures / "simulate_forecast.csv"),
    ]
    args += ["--aht", "300", "--target", "20", "--out", str(taken)]
    result = CliRunner().invoke(main, ["simulate", *args])
    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert "--out" in line
    assert str(taken) in line
    assert taken.read_text() == "mine"


# -- --out of forecast, roster and simulate ---------------------------------------------------


def _file_command(kind: str, out: Path) -> list[str]:
    fixtures = Path(__file__).parent / "fixtures"
    if kind == "forecast":
        return ["forecast", "--example", "--queue", "phone", "--model", "seasonal_naive_week",
                "--horizon-days", "1", "--out", str(out)]  # fmt: skip
    if kind == "roster":
        return ["roster", "--example", "--time-limit", "5", "--out", str(out)]
    return ["simulate", str(fixtures / "simulate_roster.csv"), "--forecast",
            str(fixtures / "simulate_forecast.csv"), "--aht", "300", "--target", "20",
            "--replications", "2", "--out", str(out)]  # fmt: skip


@pytest.mark.parametrize("kind", ["forecast", "roster", "simulate"])
@pytest.mark.parametrize("case", ["parent is a file", "symlink", "kind mismatch"])
def test_unusable_out_is_a_usage_error_naming_out_before_any_work(tmp_path, kind, case):
    blocker = tmp_path / "blocker"
    blocker.write_text("mine")
    real = tmp_path / "real"
    real.mkdir()
    if case == "parent is a file":
        out = blocker / "out"
    elif case == "symlink":
        out = tmp_path / "link"
        out.symlink_to(real)
    else:  # a directory where a file is written, a file where a directory is
        out = real if kind == "forecast" else blocker
    result = CliRunner().invoke(main, _file_command(kind, out))
    assert result.exit_code == 2, result.output
    assert "--out" in result.output
    assert "Traceback" not in result.output
    assert blocker.read_text() == "mine"
    assert list(real.iterdir()) == []


@pytest.mark.parametrize("kind", ["forecast", "roster", "simulate"])
def test_out_under_missing_parents_is_created_with_no_temporary_files(tmp_path, kind):
    out = tmp_path / "a" / "b" / ("fc.csv" if kind == "forecast" else "run")
    result = CliRunner().invoke(main, _file_command(kind, out))
    assert result.exit_code == 0, result.output
    written = [p.name for p in (tmp_path / "a" / "b").rglob("*")]
    assert written
    assert not [name for name in written if name.startswith(".tmp-")]


def test_an_interrupted_file_write_leaves_the_old_file_and_no_debris(tmp_path):
    out = tmp_path / "fc.csv"
    out.write_text("old")

    def explode(path):
        Path(path).write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        staffing.output.replace_file(out, explode)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["fc.csv"]


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    frame = pd.DataFrame({"volume": [1]})
    with pytest.raises(OSError, match=r"fc\.csv.*No space left"):
        staffing.io.write_frame_csv(frame, tmp_path / "fc.csv")
    assert list(tmp_path.iterdir()) == []
