"""Uploads from the intake dashboard: check size and name, validate without writing to the store,
ingest only on confirmation.

The uploaded files (raw extracts, personal data included) live in a private temporary folder
only between validation and confirmation: the folder is removed when validation fails, after
the ingest (whatever happens), when the upload is discarded (a new upload, the kernel's exit),
and folders older than :data:`STALE_HOURS` (a page closed without confirming) are removed by the
next upload."""
from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from getpower.intake.discover import EXTRACT_SUFFIXES, SUPPORTED, NotRead
from getpower.intake.read import ExtractError
from getpower.intake.validate import FileResult, validate_batch

SUFFIXES = (*EXTRACT_SUFFIXES, ".gz", ".zip")
PREFIX = "getpower-upload-"
STALE_HOURS = 24


@dataclass(frozen=True)
class UploadCheck:
    folder: Path
    results: tuple[FileResult, ...]
    files: tuple[Path, ...] = ()  # in the order of the upload (a later file's records win)
    not_read: tuple[NotRead, ...] = ()  # files of the upload not read, with the reason


def _unique(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``stem (2).suffix`` … when a file of the upload already has it:
    two files of the same name are both kept (the kind is still read from the name)."""
    stem, dot, suffixes = name.partition(".")  # the counter before every suffix: a (2).csv.gz
    path, n = folder / name, 1
    while path.exists():
        n += 1
        path = folder / f"{stem} ({n}){dot}{suffixes}"
    return path


def _sweep(older_than_hours: float = STALE_HOURS) -> None:
    """Remove upload folders left by pages closed without confirming."""
    limit = time.time() - older_than_hours * 3600
    for d in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if d.is_dir() and d.stat().st_mtime < limit:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def check_upload(files: list[tuple[str, bytes]], store=None, max_mb: float = 100) -> UploadCheck:
    """Save the uploaded files in a private temporary folder and validate them as one batch.

    Raises :class:`ExtractError` (a Chinese message) for an oversize file, a name of an unsupported
    type, an empty upload, or an upload of which no file can be read; the files are then deleted at
    once. A file that cannot be read among others that can is named in ``not_read``.
    Nothing is written to the store (``store`` is accepted for callers of the earlier interface)."""
    if not files:
        raise ExtractError("未选择文件")
    _sweep()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    atexit.register(shutil.rmtree, folder, True)  # the kernel exits: nothing stays behind
    try:
        saved = []
        for name, content in files:
            safe = str(name).replace("\\", "/").rsplit("/", 1)[-1]  # never a path from the client, nor C:\ …
            if not safe.lower().endswith(SUFFIXES):
                raise ExtractError(f"{safe}: 不支持的文件类型（{SUPPORTED}）")
            size_mb = len(content) / 2**20
            if size_mb > max_mb:
                raise ExtractError(f"{safe}: 文件过大（{size_mb:.1f} MB，上限 {max_mb:g} MB）")
            path = _unique(folder, safe)
            path.write_bytes(bytes(content))
            saved.append(path)
        # as the store's ingest validates: stages without their application are kept there as
        # pending (待匹配), not quarantined, so they are not counted as quarantined here either
        v = validate_batch(saved, orphans=False)
        shown = {str(p): p.name for p in saved}  # the page names files as uploaded, not by the temp folder
        not_read = tuple(NotRead(_shown(n.name, shown), n.reason, n.error) for n in v.not_read)
        if not v.results:
            raise ExtractError("；".join(f"{n.name}: {n.reason}" for n in not_read) or "没有可读取的提取文件")
        return UploadCheck(folder, v.results, tuple(saved), not_read)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _shown(name: str, shown: dict[str, str]) -> str:
    for full, short in shown.items():
        if name.startswith(full):
            return short + name[len(full):]
    return name


def discard(check: UploadCheck | None) -> None:
    """Delete an upload's files without storing them."""
    if check is not None:
        shutil.rmtree(check.folder, ignore_errors=True)


def ingest_upload(check: UploadCheck, store, by: str | None = None):
    """Store what a confirmed upload holds (the same validation runs again inside the store's
    ingest, against the store as it is then); ``by`` is who confirmed it, recorded in the store.
    The upload's files are deleted afterwards, whether the ingest succeeded or not."""
    from getpower.store import Store

    try:
        if not check.folder.exists():
            raise ExtractError("上传的文件已清理（超过 24 小时未确认），请重新上传")
        return Store(store).ingest(list(check.files) or [check.folder], by=by)
    finally:
        discard(check)
