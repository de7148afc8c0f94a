"""Fault injection for the store's tests: every way the library writes a file goes through one
of these functions; the patch makes the chosen ones fail as a full or read-only disk would."""
from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Callable

import polars as pl

WRITERS = [(pl.DataFrame, "write_parquet"), (pl.DataFrame, "write_ipc"), (pl.DataFrame, "write_csv"),
           (pl.LazyFrame, "sink_parquet"), (pl.LazyFrame, "sink_ipc"), (pl.LazyFrame, "sink_csv")]


class Writes:
    """Patch the writers; ``fail(path, n)`` decides whether the n-th write (to ``path``) fails
    with ``code``. ``count`` is how many writes were attempted."""

    def __init__(self, monkeypatch, fail: Callable[[str, int], bool], code: int = errno.ENOSPC):
        self.count, self.paths, self.failed = 0, [], []

        def check(path) -> None:
            self.count += 1
            self.paths.append(str(path))
            if fail(str(path), self.count):
                self.failed.append(str(path))
                raise OSError(code, os.strerror(code), str(path))

        for cls, name in WRITERS:
            original = getattr(cls, name)

            def wrapped(frame, target=None, *a, __original=original, **k):
                if target is not None and not hasattr(target, "write"):  # a path, not a buffer
                    check(target)
                return __original(frame, target, *a, **k)

            monkeypatch.setattr(cls, name, wrapped)

        real_open = builtins.open

        def opener(file, mode="r", *a, **k):
            if isinstance(file, (str, Path)) and any(c in mode for c in "wax+"):
                check(file)
            return real_open(file, mode, *a, **k)

        monkeypatch.setattr(builtins, "open", opener)
        monkeypatch.setattr(io, "open", opener)
        for name in ("link", "rename", "replace"):
            real = getattr(os, name)

            def two(src, dst, *a, __real=real, **k):
                check(dst)
                return __real(src, dst, *a, **k)

            monkeypatch.setattr(os, name, two)
        real_mkdir = Path.mkdir

        def mkdir(self, *a, **k):
            if not self.exists():
                check(self)
            return real_mkdir(self, *a, **k)

        monkeypatch.setattr(Path, "mkdir", mkdir)
        real_os_open = os.open

        def os_open(path, flags, *a, **k):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                check(path)
            return real_os_open(path, flags, *a, **k)

        monkeypatch.setattr(os, "open", os_open)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Temporary files or folders left under ``root``."""
    return [p.relative_to(root).as_posix() for p in Path(root).rglob("*")
            if p.name.startswith(".tmp-") or p.name.endswith(".tmp") or p.name.startswith(".parts-")]
