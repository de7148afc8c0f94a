"""Uploads from the intake dashboard: check size and name, validate without writing to the store,
ingest only on confirmation."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from getpower.intake.read import ExtractError
from getpower.intake.validate import FileResult, validate_paths

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet")


@dataclass(frozen=True)
class UploadCheck:
    folder: Path
    results: tuple[FileResult, ...]


def check_upload(files: list[tuple[str, bytes]], store=None, max_mb: float = 100) -> UploadCheck:
    """Save the uploaded files in a private temporary folder and validate them as one batch.

    Raises :class:`ExtractError` (a Chinese message) for an oversize file, a name of an unsupported
    type, an empty upload, or a file that cannot be read. Nothing is written to the store."""
    from getpower.store import Store

    if not files:
        raise ExtractError("未选择文件")
    folder = Path(tempfile.mkdtemp(prefix="getpower-upload-"))
    for name, content in files:
        safe = Path(str(name)).name  # never a path from the client
        if not safe.lower().endswith(SUFFIXES):
            raise ExtractError(f"{safe}: 不支持的文件类型（支持 .csv .xlsx .parquet）")
        size_mb = len(content) / 2**20
        if size_mb > max_mb:
            raise ExtractError(f"{safe}: 文件过大（{size_mb:.1f} MB，上限 {max_mb:g} MB）")
        (folder / safe).write_bytes(bytes(content))
    known = None
    if store is not None and Store(store).exists():
        apps = Store(store).scan("applications")
        known = apps.select("app_id").collect()["app_id"] if apps is not None else None
    return UploadCheck(folder, tuple(validate_paths([folder], known_app_ids=known)))


def ingest_upload(check: UploadCheck, store):
    """Store what a confirmed upload holds (the same validation runs again inside the store's ingest)."""
    from getpower.store import Store

    return Store(store).ingest([check.folder])
