"""One writer at a time, and interrupts that stop a writer cleanly.

A writer (an ingest, a rollback) holds an exclusive ``flock`` on ``<store>/.lock``; the kernel
releases it when the process ends, however it ends (``SIGKILL`` included), so a lock is never
left stale. Readers take no lock: they read the version ``CURRENT`` names, and versions are never
modified once published, so a reader never waits and never sees half a version.
"""
from __future__ import annotations

import fcntl
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

LOCK_NAME = ".lock"


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while a writer was working (it commits nothing)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def writer_lock(root: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the store's writer lock. When another writer holds it, ``on_wait`` is called once (to
    say so) and the call waits until the lock is free."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


_STATE = threading.local()


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` inside the block (once: a second signal is
    ignored so that cleaning up is not itself interrupted). Only the main thread can receive
    signals; elsewhere (a dashboard kernel's thread) the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, _frame):
        if getattr(_STATE, "deferred", None) is not None:  # inside :func:`uninterrupted`: later
            _STATE.deferred.append(signum)
            return
        if not fired:
            fired.append(signum)
            raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def uninterrupted() -> Iterator[list[int]]:
    """Signals that arrive inside the block (the few renames that publish a version) are held
    back: the block completes, and the list it yields says which signals came. The caller has
    then committed and reports normally; an interrupt that late has nothing left to stop."""
    previous = getattr(_STATE, "deferred", None)
    _STATE.deferred = []
    try:
        yield _STATE.deferred
    finally:
        _STATE.deferred = previous
