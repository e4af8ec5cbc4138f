"""Guards of a claimed output directory: an OS file lock and stop signals turned into exceptions.

Used by :mod:`staffing.output`; see its docstring for the rules they serve.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["SignalGuard", "Terminated"]

_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while an output directory was claimed.

    Raised in the main thread instead of the default (immediate death), so that the claim removes
    its staging directory and lock. It is a :class:`KeyboardInterrupt`: callers and the command
    line treat it like Ctrl-C.

    Parameters
    ----------
    signum : int
        The signal number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class _Lock:
    """An exclusive, non-blocking OS lock on a file that is removed on release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; ``False`` if another process or thread holds it."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _lock_fd(fd)
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except (BlockingIOError, FileNotFoundError) as err:
                os.close(fd)
                if isinstance(err, BlockingIOError):
                    return False
                continue  # removed by the previous holder between open and lock: try again
            except BaseException:
                os.close(fd)
                raise
            if same:
                self._fd = fd
                return True
            os.close(fd)  # replaced by a newer lock file: lock that one instead

    def release(self) -> None:
        """Remove the lock file, then release the lock (later runs recreate the file)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


def _lock_fd(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover - Windows
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as err:  # pragma: no cover - Windows
        raise BlockingIOError(str(err)) from err


class SignalGuard:
    """Turn stop signals into exceptions in the main thread; defer them in critical sections."""

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}
        self._deferring = 0
        self._received: int | None = None
        self._raised = False

    def install(self) -> None:
        """Take over SIGINT, SIGTERM and SIGHUP where their handler is Python's default."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _STOP_SIGNALS:
            current = signal.getsignal(signum)
            if current == signal.SIG_DFL or current is signal.default_int_handler:
                self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        """Put the previous handlers back."""
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """Defer a stop signal until the block ends (then raise it)."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self._received is not None and not self._raised:
            self._stop()

    def _handle(self, signum: int, _frame: Any) -> None:
        if self._received is not None:
            return  # already stopping: let the cleanup finish
        self._received = signum
        if not self._deferring:
            self._stop()

    def _stop(self) -> None:
        self._raised = True
        if self._received == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(self._received or signal.SIGTERM)
