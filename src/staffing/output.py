"""Writing a plan's output directory without losing anything.

:func:`write_plan` (and ``staffing plan --out``) follow these rules; the plan guide's "Output
directory" section states them for planners.

1. **Claim first.** A run *claims* its output directory before any expensive work
   (:func:`claim_output_dir`): the path is checked (:func:`check_output_dir`), missing parent
   directories are created, and an OS lock on ``<parent>/.<name>.staffing-lock`` is taken and
   held until the files are in place. A second run on the same directory fails at once with
   :class:`BlockingIOError`; two runs never mix their files.
2. **Replace only a plan.** An existing directory is written into only if it is empty or holds
   a previous plan: nothing but files named in :data:`OUTPUT_FILES` (desktop litter such as
   ``.DS_Store`` is tolerated and kept), including a ``summary.json`` written by a plan. A
   previous plan is replaced only with ``force``; anything else is refused even with ``force``.
   The filesystem root, the home directory, a directory holding the current directory and a
   symbolic link are always refused. Nothing is ever deleted except old plan files that the new
   ones replace.
3. **Stage, then swap.** Files are written into a hidden staging directory
   ``<parent>/.<name>.staffing-<8 hex>.tmp`` and moved into place only when all are written. A
   new directory appears in one rename; into an existing one the old ``summary.json`` is removed
   first and the new one moved in last, so a directory with a ``summary.json`` is complete.
4. **Clean up.** On any error, Ctrl-C (SIGINT), SIGTERM or SIGHUP the staging directory, the
   lock file and the parent directories the run created are removed. In the main thread SIGTERM
   and SIGHUP (when their handler is the default) raise :class:`Terminated` for the duration of
   the claim; the previous handlers are restored afterwards. Staging left by a killed run
   (SIGKILL, power loss) is removed by the next run on the same directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from staffing._guards import SignalGuard, Terminated, _Lock

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = [
    "OUTPUT_FILES",
    "Terminated",
    "check_output_dir",
    "check_output_files",
    "claim_output_dir",
    "replace_file",
    "report_html",
    "write_plan",
]

#: Files :func:`write_plan` writes into the output directory.
OUTPUT_FILES = (
    "forecast.csv",
    "requirements.csv",
    "roster.csv",
    "lines.csv",
    "blend.csv",
    "blend_roster.csv",
    "blend_lines.csv",
    "coverage.csv",
    "simulation.csv",
    "risk.csv",
    "tradeoff.csv",
    "schedule.xlsx",
    "summary.json",
    "report.html",
)

_SUMMARY = "summary.json"
#: Files a desktop puts into any folder it shows: tolerated (and kept) beside a plan.
_DESKTOP_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: Largest ``summary.json`` read when recognising a previous plan [bytes].
_SUMMARY_MAX_BYTES = 10_000_000

Writer = Callable[[Path], Any]


def replace_file(path: str | Path, write: Writer) -> Path:
    """Write one file so that it appears complete or not at all.

    ``write`` writes a hidden sibling ``.tmp-<8 hex>-<name>`` (ending like ``path``, so that
    ``pandas`` infers compression from it), which then replaces ``path`` in
    one rename; on any error or interruption the sibling is removed and ``path`` is left as it
    was. Missing parent directories are created.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace.
    write : callable
        Called with the temporary path; writes the whole file there.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        Naming the file when it cannot be written (full disk, permissions, a parent that is a
        file).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "notes" / "a.txt"
    >>> _ = replace_file(out, lambda tmp: tmp.write_text("complete"))
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('complete', ['a.txt'])
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _named(err, str(path), "create its folder") from None
    temporary = path.with_name(f".tmp-{secrets.token_hex(4)}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise _named(err, str(path), "write") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


# -- checks -----------------------------------------------------------------------------------


def check_output_dir(directory: str | Path, *, force: bool = False) -> None:
    """Refuse an output directory that would lose a user's files or can never be written.

    Has no side effect: nothing is created or locked (:func:`claim_output_dir` does that).

    Parameters
    ----------
    directory : str or pathlib.Path
        Intended output directory. Missing parent directories are allowed (they are created).
    force : bool
        Allow replacing a previous plan (a directory holding only :data:`OUTPUT_FILES`).

    Raises
    ------
    FileExistsError
        ``directory`` holds files that are not plan outputs, holds a previous plan and ``force``
        is false, is a symbolic link, the filesystem root, the home directory, or holds the
        current directory.
    NotADirectoryError
        ``directory`` or one of its parents is a file.
    PermissionError
        The directory, or the parent it would be created in, is not writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> taken = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (taken / "mine.txt").write_text("keep")
    >>> check_output_dir(taken, force=True)
    Traceback (most recent call last):
    ...
    FileExistsError: ...: holds files that are not plan outputs (mine.txt); ...
    """
    shown = os.fspath(directory) or "."
    try:
        cwd = Path(os.path.realpath(os.getcwd()))
    except FileNotFoundError:
        raise FileNotFoundError(f"{shown}: the current directory no longer exists") from None
    target = _absolute(directory)
    _check_location(target, shown, cwd)
    if os.path.islink(target):
        raise FileExistsError(
            f"{shown}: is a symbolic link; give the directory itself (staffing does not write "
            "through links)"
        )
    if os.path.exists(target) and not os.path.isdir(target):
        raise NotADirectoryError(f"{shown}: exists and is not a directory")
    _check_parent(target, shown)
    if os.path.isdir(target):
        _check_contents(target, shown, force)
        if not os.access(target, os.W_OK | os.X_OK):
            raise PermissionError(f"{shown}: directory is not writable")


def check_output_files(
    path: str | Path, *, files: tuple[str, ...] = (), force: bool = False
) -> None:
    """Refuse output files that would replace a file unasked or can never be written.

    The check for commands that write single files (``staffing forecast``, ``roster`` and
    ``simulate``); :func:`check_output_dir` is the one for a plan's directory. Has no side
    effect.

    Parameters
    ----------
    path : str or pathlib.Path
        The output file, or with ``files`` the directory that holds them (created when
        missing, with its parents).
    files : tuple of str
        Names written inside the directory ``path``; empty when ``path`` is the file itself.
    force : bool
        Allow replacing existing output files (never a directory or a symbolic link).

    Raises
    ------
    FileExistsError
        An output file exists and ``force`` is false; ``path`` or an output file is a
        symbolic link, or an output file is a directory.
    IsADirectoryError
        ``path`` is a directory where a file is expected.
    NotADirectoryError
        ``path`` (with ``files``) or one of its parents is a file.
    PermissionError
        The folder the files would be created in is not writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_files(folder / "new" / "forecast.csv")
    >>> check_output_files(folder)
    Traceback (most recent call last):
    ...
    IsADirectoryError: ...: is a directory; expected a file name
    """
    shown, target = os.fspath(path), Path(path)
    if os.path.islink(target):
        raise FileExistsError(f"{shown}: is a symbolic link; give the real path")
    if files:
        if os.path.exists(target) and not os.path.isdir(target):
            raise NotADirectoryError(f"{shown}: is a file; expected a directory")
        targets = [target / name for name in files]
    else:
        if os.path.isdir(target):
            raise IsADirectoryError(f"{shown}: is a directory; expected a file name")
        targets = [target]
    for file in targets:
        if os.path.islink(file) or os.path.isdir(file):
            raise FileExistsError(f"{file}: is a link or a directory; it is never replaced")
        if os.path.exists(file) and not force:
            raise FileExistsError(f"{file}: exists; use --force to overwrite it")
    _check_creatable(_absolute(targets[0]), shown)


def _absolute(directory: str | Path) -> Path:
    """Absolute, normalised (``.`` and ``..`` folded), symbolic links kept."""
    return Path(os.path.abspath(os.fspath(directory) or "."))


def _check_location(target: Path, shown: str, cwd: Path) -> None:
    real = Path(os.path.realpath(target))
    refusal = None
    if target.parent == target or real.parent == real:
        refusal = "is the filesystem root"
    elif (home := os.path.expanduser("~")) != "~" and real == Path(os.path.realpath(home)):
        refusal = "is your home directory"
    elif real in cwd.parents:
        refusal = "holds the current directory"
    if refusal:
        raise FileExistsError(f"{shown}: {refusal}; choose a new directory for the plan")


def _check_creatable(target: Path, shown: str) -> Path:
    """The nearest existing parent of ``target``, checked to be a directory one can write."""
    existing = next(p for p in target.parents if os.path.lexists(p))
    if not existing.is_dir():
        raise NotADirectoryError(f"{shown}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"{shown}: cannot create files in {existing} (permission denied)")
    return existing


def _check_parent(target: Path, shown: str) -> None:
    existing = _check_creatable(target, shown)
    longest = _name_max(existing) - (len(os.fsencode(_staging_name(""))))
    if len(os.fsencode(target.name)) > longest:
        raise OSError(f"{shown}: name too long (at most {longest} bytes here)")


def _name_max(directory: Path) -> int:
    """Longest file name in ``directory`` [bytes]."""
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows) or no answer
        return 255


def _staging_name(name: str, token: str = "0" * 8) -> str:
    """Name of a staging directory of the output directory ``name`` (``token``: 8 hex digits)."""
    return f".{name}.staffing-{token}.tmp"


def _check_contents(target: Path, shown: str, force: bool) -> None:
    try:
        with os.scandir(target) as found:
            entries = [e for e in found if e.name not in _DESKTOP_FILES]
    except OSError as err:
        raise _named(err, shown, "cannot read the directory") from err
    if not entries:
        return
    foreign = sorted(
        e.name
        for e in entries
        if e.name not in OUTPUT_FILES or not e.is_file(follow_symlinks=False)
    )
    advice = "choose a new or empty directory (--force replaces only a previous plan)"
    if foreign:
        listed = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise FileExistsError(
            f"{shown}: holds files that are not plan outputs ({listed}); {advice}"
        )
    if not _is_plan_summary(target / _SUMMARY):
        raise FileExistsError(
            f"{shown}: holds plan file names but no summary.json of a previous plan; {advice}"
        )
    if not force:
        raise FileExistsError(f"{shown}: holds a previous plan; use --force to replace it")


def _is_plan_summary(path: Path) -> bool:
    """Whether ``path`` is a ``summary.json`` written by a plan (an object with its keys)."""
    try:
        if path.is_symlink() or path.stat().st_size > _SUMMARY_MAX_BYTES:
            return False
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and {"horizon", "queues"} <= summary.keys()


def _named(err: OSError, path: str, action: str) -> OSError:
    """The same kind of error, its message naming ``path``, the action and the reason."""
    kind = type(err) if type(err).__module__ == "builtins" else OSError
    named = kind(f"{path}: {action}: {err.strerror or err}")
    named.errno = err.errno
    return named


# -- claiming: lock, signals, parents ---------------------------------------------------------


class _Claim:
    """An output directory claimed by one thread (re-entrant for that thread)."""

    def __init__(self, target: Path, shown: str, guard: SignalGuard) -> None:
        self.target = target
        self.shown = shown
        self.guard = guard
        self.owner = threading.get_ident()


_CLAIMS: dict[str, _Claim] = {}
_CLAIMS_LOCK = threading.Lock()


@contextlib.contextmanager
def claim_output_dir(directory: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Check, lock and hold an output directory until the block ends.

    Run the expensive work and :func:`write_plan` inside the block: no other staffing run can
    write the directory meanwhile, and on an error or a stop signal everything the claim created
    is removed. Claims by the same thread nest (:func:`write_plan` claims again).

    Parameters
    ----------
    directory : str or pathlib.Path
        Output directory; missing parent directories are created (and removed again if the
        directory was not written).
    force : bool
        Allow replacing a previous plan.

    Yields
    ------
    pathlib.Path
        The absolute output directory.

    Raises
    ------
    BlockingIOError
        Another staffing run (process or thread) is writing the directory.
    OSError
        As :func:`check_output_dir`, or a parent directory or the lock file cannot be created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "plan"
    >>> with claim_output_dir(out) as target:
    ...     with claim_output_dir(out):  # the same thread may claim again
    ...         pass
    >>> target == out
    True
    """
    with _claim(directory, force) as claim:
        yield claim.target


@contextlib.contextmanager
def _claim(directory: str | Path, force: bool) -> Iterator[_Claim]:
    check_output_dir(directory, force=force)
    shown, target = os.fspath(directory) or ".", _absolute(directory)
    key = os.path.join(os.path.realpath(target.parent), target.name)
    with _CLAIMS_LOCK:
        held = _CLAIMS.get(key)
    if held is not None and held.owner == threading.get_ident():
        yield held
        return
    if held is not None:
        raise _busy(shown)
    guard = SignalGuard()
    guard.install()
    created: list[Path] = []
    lock = _Lock(target.parent / f".{target.name}.staffing-lock")
    try:
        created = _make_parents(target.parent, shown)
        _acquire(lock, shown)
        claim = _Claim(target, shown, guard)
        with _CLAIMS_LOCK:
            _CLAIMS[key] = claim
        check_output_dir(directory, force=force)  # again: it may have changed before the lock
        _remove_stale_staging(target)
        yield claim
    finally:
        with guard.critical():
            with _CLAIMS_LOCK:
                if _CLAIMS.get(key) is not None and _CLAIMS[key].guard is guard:
                    del _CLAIMS[key]
            lock.release()
            if not os.path.lexists(target):
                _remove_created(created)
            guard.restore()


def _busy(shown: str) -> BlockingIOError:
    return BlockingIOError(
        f"{shown}: another staffing run is writing this directory; wait for it to finish or "
        "choose another directory"
    )


def _acquire(lock: _Lock, shown: str) -> None:
    try:
        acquired = lock.acquire()
    except OSError as err:
        raise _named(err, shown, f"cannot create the lock file {lock.path}") from err
    if not acquired:
        raise _busy(shown)


def _make_parents(parent: Path, shown: str) -> list[Path]:
    """Create ``parent`` and its missing ancestors; return those created, deepest first."""
    missing = []
    ancestor = parent
    while not os.path.lexists(ancestor):
        missing.append(ancestor)
        ancestor = ancestor.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _named(err, shown, f"cannot create the parent directory {parent}") from err
    return missing


def _remove_created(created: list[Path]) -> None:
    for path in created:
        try:
            os.rmdir(path)
        except OSError:
            return  # not empty (someone else uses it) or gone: leave the rest


def _staging_pattern(target: Path) -> re.Pattern[str]:
    prefix, suffix = _staging_name(target.name, "\0").split("\0")  # no file name holds NUL
    return re.compile(re.escape(prefix) + "[0-9a-f]{8}" + re.escape(suffix))


def _remove_stale_staging(target: Path) -> None:
    """Remove staging directories of ``target`` left by killed runs (its lock is held)."""
    pattern = _staging_pattern(target)
    with contextlib.suppress(OSError):
        for name in os.listdir(target.parent):
            stale = target.parent / name
            if (
                pattern.fullmatch(name)
                and not stale.is_symlink()
                and _holds_only_plan_files(stale)
            ):
                shutil.rmtree(stale, ignore_errors=True)


def _holds_only_plan_files(directory: Path) -> bool:
    try:
        with os.scandir(directory) as entries:
            return all(
                e.name in OUTPUT_FILES and e.is_file(follow_symlinks=False) for e in entries
            )
    except OSError:
        return False


# -- writing ----------------------------------------------------------------------------------


def write_plan(result: Plan, directory: str | Path, *, force: bool = False) -> Path:
    """Write a plan's files (:data:`OUTPUT_FILES`) into ``directory``.

    The files are written into a staging directory beside ``directory`` and moved into place
    only when all of them are complete, under the claim of :func:`claim_output_dir`; a failed or
    interrupted run leaves the directory as it was (see the module notes for the rules).

    Parameters
    ----------
    result : Plan
        The plan to write.
    directory : str or pathlib.Path
        Output directory; created (with missing parents) if absent.
    force : bool
        Replace a previous plan in ``directory`` (default ``False``: refuse). Never replaces a
        directory holding other files.

    Returns
    -------
    pathlib.Path
        The output directory.

    Raises
    ------
    FileExistsError
        ``directory`` holds a previous plan and ``force`` is false, or holds other files.
    BlockingIOError
        Another staffing run is writing ``directory``.
    OSError
        A file cannot be written (the message names it and gives the reason, e.g. no space
        left on device).
    """
    with _claim(directory, force) as claim:
        _write_directory(claim, _plan_files(result))
    return Path(directory)


def _write_directory(claim: _Claim, files: dict[str, Writer]) -> None:
    """Write ``files`` (name -> writer of that path) into a staging directory, then swap."""
    staging = _make_staging(claim)
    try:
        for name, write in files.items():
            try:
                write(staging / name)
            except OSError as err:
                raise _named(err, os.path.join(claim.shown, name), "cannot write") from err
        with claim.guard.critical():
            _move_into_place(staging, claim)
    except BaseException:
        with claim.guard.critical():
            shutil.rmtree(staging, ignore_errors=True)
        raise


def _make_staging(claim: _Claim) -> Path:
    """A new staging directory beside the target, with the default permissions."""
    while True:
        staging = claim.target.parent / _staging_name(claim.target.name, secrets.token_hex(4))
        try:
            staging.mkdir()
            return staging
        except FileExistsError:
            continue
        except OSError as err:
            raise _named(
                err, claim.shown, f"cannot create a staging directory in {claim.target.parent}"
            ) from err


def _move_into_place(staging: Path, claim: _Claim) -> None:
    """Rename ``staging`` to the target, or move its files into the existing target."""
    target = claim.target
    try:
        if not os.path.lexists(target):
            os.rename(staging, target)
            return
        (target / _SUMMARY).unlink(missing_ok=True)  # an incomplete plan has no summary
        new = sorted(os.listdir(staging))
        for name in (n for n in new if n != _SUMMARY):
            os.replace(staging / name, target / name)
        for name in (n for n in OUTPUT_FILES if n not in new):
            (target / name).unlink(missing_ok=True)  # old plan files the new plan lacks
        if _SUMMARY in new:
            os.replace(staging / _SUMMARY, target / _SUMMARY)
        staging.rmdir()
    except OSError as err:
        raise _named(err, claim.shown, "cannot move the new files into place") from err


def _plan_files(result: Plan) -> dict[str, Writer]:
    """Writer of each output file of a plan, by file name (the tidy schema of
    :mod:`staffing.timegrid`: ``interval_start`` and ``queue``, times with UTC offsets)."""
    from staffing.blending import blend_tables
    from staffing.io import write_frame_csv  # staffing.timegrid's, looked up at call time

    blends = blend_tables(getattr(result, "blend", None))
    blends["blend_roster.csv"] = _roster_output(blends["blend_roster.csv"], key="group")

    def text(make: Callable[[], str]) -> Writer:
        return lambda path: path.write_text(make(), encoding="utf-8")

    files: dict[str, Writer] = {
        "forecast.csv": lambda p: write_frame_csv(_forecast_output(result.forecast), p),
        "requirements.csv": lambda p: write_frame_csv(result.requirements, p),
        "roster.csv": lambda p: write_frame_csv(_roster_output(result.roster), p),
        "coverage.csv": lambda p: write_frame_csv(result.coverage, p),
        "simulation.csv": lambda p: write_frame_csv(result.simulation, p),
        "summary.json": text(lambda: json.dumps(result.summary(), indent=2, default=str) + "\n"),
        "report.html": text(lambda: report_html(result)),
        # weekly lines of work (roster.contracts), one row per line; only a header without
        "lines.csv": lambda p: write_frame_csv(_lines_output(result.lines), p),
        # the blended roster of skill groups ([blending]); only headers without
        **{name: _writer(frame, write_frame_csv) for name, frame in blends.items()},
        # the risk check and the staff-to trade-off ([risk]); only headers without
        "risk.csv": lambda p: write_frame_csv(_frame_or_header(result, "risk"), p),
        "tradeoff.csv": lambda p: write_frame_csv(_frame_or_header(result, "tradeoff"), p),
    }
    from staffing.workbook import write_schedule_xlsx, xlsx_available

    if xlsx_available():  # the io extra (openpyxl); without it no schedule.xlsx is written
        files["schedule.xlsx"] = lambda p: write_schedule_xlsx(result, p)
    return files


def _frame_or_header(result: Plan, name: str) -> pd.DataFrame:
    """The plan's risk or trade-off frame, or its header alone when the check did not run."""
    from staffing.tradeoff import RISK_COLUMNS, TRADEOFF_COLUMNS

    frame = getattr(result, name, None)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=RISK_COLUMNS if name == "risk" else TRADEOFF_COLUMNS)
    return frame


def report_html(result: Plan) -> str:
    """The plan's ``report.html``: its summary and figures rendered by :mod:`staffing.report`.

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    str
        The self-contained HTML page.
    """
    from staffing.plot import plan_figures
    from staffing.report import render_report

    return render_report(result.summary(), plan_figures(result))


def _roster_output(roster: pd.DataFrame, key: str = "queue") -> pd.DataFrame:
    """``queue,start,end,agents,breaks,shift`` (``group`` first for skill groups) with breaks
    as ``start/end;start/end``."""
    if roster.empty:
        return pd.DataFrame(columns=[key, "start", "end", "agents", "breaks", "shift"])
    from staffing.roster.output import roster_to_csv_frame

    frame = roster_to_csv_frame(roster)
    frame.insert(0, key, roster[key].to_numpy())
    return frame


def _writer(frame: pd.DataFrame, write: Callable) -> Writer:
    return lambda path: write(frame, path)


def _lines_output(lines: pd.DataFrame) -> pd.DataFrame:
    """``queue,line,weeks,contract,...``: the lines-of-work table, or its header alone."""
    if lines.empty:
        return pd.DataFrame(columns=["queue", "line", "weeks", "contract", "shift", "days"])
    return lines


def _forecast_output(forecast: pd.DataFrame) -> pd.DataFrame:
    """``interval_start,queue,volume`` then the quantile columns, as ``staffing forecast``."""
    first = ["interval_start", "queue", "volume"]
    return forecast[first + [c for c in forecast.columns if c not in first]]
