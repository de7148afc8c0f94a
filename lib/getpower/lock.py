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
    ignored so that cleaning up is not itself interrupted), until :func:`hold_signals` is called.
    Only the main thread can receive signals; elsewhere (a dashboard kernel's thread) the block
    runs unchanged. Nested in another block, a signal held back by :func:`hold_signals` is passed
    on to the enclosing block when the inner one ends (it raises there)."""
    _STATE.held = None
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            _STATE.held = None
        return
    fired = []

    def handler(signum, _frame):
        if getattr(_STATE, "held", None) is not None:  # publishing: the block completes
            _STATE.held.append(signum)
            return
        if not fired:
            fired.append(signum)
            raise Interrupted(signum)

    handler.interruptible = True
    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        held, _STATE.held = getattr(_STATE, "held", None), None
        for s, h in old.items():
            signal.signal(s, h)
        # inside an enclosing block (getpower watch around an ingest) a signal held back while
        # publishing is the enclosing block's too: it stops there, after the version is published
        if held and getattr(old.get(held[0]), "interruptible", False):
            old[held[0]](held[0], None)


def hold_signals() -> None:
    """From here to the end of :func:`interruptible`, SIGINT and SIGTERM are held back: the writer
    is publishing (a few renames) and then has committed, so an interrupt that late has nothing
    left to stop and the command ends normally."""
    if getattr(_STATE, "held", None) is None:
        _STATE.held = []
