"""Who holds an archive: an ingest writing it, or a server reading it as immutable.

SQLite's own locks order readers and writers of the WAL, but an immutable reader
ignores them (it assumes the file never changes, and answers "database disk
image is malformed" when it does). So both sides leave a mark beside the
archive: an ingest holds an advisory lock on ARCHIVE.ingest-lock for its whole
run (a second ingest waits for it), and `serve --immutable` records its process
id in ARCHIVE.immutable-pid.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Callable, Iterator, Optional


class ArchiveBusy(Exception):
    """The archive is held in a way that forbids what was asked."""


def _lock_path(db_path: str) -> str:
    return f"{db_path}.ingest-lock"


def _pid_path(db_path: str) -> str:
    return f"{db_path}.immutable-pid"


def immutable_server(db_path: str) -> Optional[int]:
    """The process id of a live `serve --immutable` of this archive, if any."""
    try:
        with open(_pid_path(db_path), encoding="ascii") as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def mark_immutable_server(db_path: str) -> None:
    """Record this process as an immutable server (it execs Datasette: same pid)."""
    with open(_pid_path(db_path), "w", encoding="ascii") as fh:
        fh.write(str(os.getpid()))


def ingest_running(db_path: str) -> bool:
    """Whether an ingest holds the archive now (never waits)."""
    try:
        fh = open(_lock_path(db_path), encoding="ascii")
    except FileNotFoundError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@contextlib.contextmanager
def ingesting(db_path: str, waiting: Optional[Callable[[], None]] = None) -> Iterator[None]:
    """Hold the archive for an ingest; refuse while an immutable server reads it.

    Another ingest of the same archive is waited for (`waiting` is called first).
    """
    pid = immutable_server(db_path)
    if pid is not None:
        raise ArchiveBusy(f"{db_path} is being served with --immutable (process {pid}), which cannot "
                          "see changes: stop that server, or serve without --immutable, then ingest")
    with open(_lock_path(db_path), "a", encoding="ascii") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
