"""The store: accepted rows as Parquet, one file per extract kind, in immutable versions.

Layout::

    store/CURRENT                 name of the current version (replaced atomically)
    store/versions/v000003/       <kind>.parquet + manifest.json (never modified once published)
    store/uploads/<id>/           report.json and quarantine CSVs of each upload

An ingest writes a complete new version in a temporary folder, publishes it with a rename and
then switches ``CURRENT`` with an atomic replace: a crash at any point leaves the previous
version current, readable and intact. Unchanged kinds are hard-linked, not copied.
Files already ingested (same SHA-256) are skipped, so re-ingesting is idempotent; records whose
key (``app_id``, ``event_id`` …) is already stored are replaced by the newer upload.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

import polars as pl

from getpower.contract import KIND_BY_NAME, KINDS
from getpower.keys import superseded
from getpower.intake.validate import FileResult, expand_paths, sha256_file, validate_paths

KEEP_VERSIONS = 3


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically: temporary file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_frame(path: Path, frame: pl.DataFrame | pl.LazyFrame, fmt: str = "parquet") -> None:
    """Write ``frame`` to ``path`` whole or not at all (temporary file, fsync, rename). A LazyFrame
    is streamed to the file (``sink_*``), never held in memory whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    lazy = isinstance(frame, pl.LazyFrame)
    if fmt == "parquet":
        frame.sink_parquet(tmp) if lazy else frame.write_parquet(tmp)
    elif fmt == "ipc":  # uncompressed Arrow: no decoding on read, for caches read often
        frame.sink_ipc(tmp, compression="uncompressed") if lazy else frame.write_ipc(tmp, compression="uncompressed")
    else:  # csv for Excel users: UTF-8 with BOM, formula-like cells neutralised
        from getpower.spreadsheet import write_csv

        write_csv(frame, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class IngestResult:
    results: tuple[FileResult, ...]
    skipped: tuple[str, ...]  # files already in the store (same SHA-256)
    version: str | None  # the new version, None when nothing changed
    upload_dir: Path | None = None
    rows_stored: dict = field(default_factory=dict)


class Store:
    """A store folder. ``Store(path).read(kind)`` is what every downstream step reads."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # --- reading ---------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        ptr = self.root / "CURRENT"
        if not ptr.exists():
            return None
        return self.root / "versions" / ptr.read_text(encoding="utf-8").strip()

    def manifest(self) -> dict:
        cur = self.current
        if cur is None:
            return {"version": None, "files": {}, "rows": {}, "fingerprint": None}
        return json.loads((cur / "manifest.json").read_text(encoding="utf-8"))

    def exists(self) -> bool:
        return self.current is not None

    def scan(self, kind: str) -> pl.LazyFrame | None:
        cur = self.current
        path = cur / f"{kind}.parquet" if cur else None
        if path is None or not path.exists():
            return None
        return pl.scan_parquet(path)

    def read(self, kind: str) -> pl.DataFrame | None:
        lf = self.scan(kind)
        return lf.collect() if lf is not None else None

    @property
    def fingerprint(self) -> str | None:
        return self.manifest().get("fingerprint")

    # --- writing ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path | str], *, fail_after: str | None = None) -> IngestResult:
        """Validate and store extracts. ``fail_after`` (testing only) raises after that step:
        ``"write"`` (files written, not published) or ``"publish"`` (published, CURRENT not switched).
        """
        files = expand_paths(paths)
        self._recover()
        manifest = self.manifest()
        known = manifest["files"]
        new_files, skipped, seen = [], [], set()
        for f in files:
            sha = sha256_file(f)
            if sha in known or sha in seen:
                skipped.append(str(f))
            else:
                seen.add(sha)
                new_files.append(f)
        if not new_files:
            return IngestResult((), tuple(skipped), None)

        tmp = self.root / "versions" / f".tmp-{uuid.uuid4().hex}"  # removed by _recover if we stop here
        parts = tmp / ".accepted"
        parts.mkdir(parents=True)
        apps = self.scan("applications")
        known_ids = apps.select("app_id").collect()["app_id"] if apps is not None else None
        # each file's accepted rows go to disk as soon as it is validated: one file's rows in memory
        try:
            results = validate_paths(new_files, known_app_ids=known_ids,
                                     keep=lambda r: r.written(parts / f"{uuid.uuid4().hex}.parquet"))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

        now = datetime.now().isoformat(timespec="seconds")
        upload_id = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        upload_dir = self.root / "uploads" / upload_id
        self._write_upload(upload_dir, results, now)

        cur = self.current
        number = int(manifest["version"] or 0) + 1
        name = f"v{number:06d}"
        rows: dict[str, int] = {}
        for kind in KINDS:
            new = [r.written_to for r in results if r.kind == kind.name]
            old_path = cur / f"{kind.name}.parquet" if cur else None
            old_exists = old_path is not None and old_path.exists()
            if not new:
                if old_exists:
                    os.link(old_path, tmp / old_path.name)
                    rows[kind.name] = manifest["rows"].get(kind.name, 0)
                continue
            incoming = pl.scan_parquet(new[0])
            if len(new) > 1:  # within a file, repeated keys were quarantined; across files the later wins
                both = pl.concat([pl.read_parquet(f) for f in new], how="vertical")
                incoming = both.filter(~superseded(both, list(kind.key), keep="last")).lazy()
            merged = incoming
            if old_exists:  # stored records with the same key are replaced
                kept = pl.scan_parquet(old_path).join(incoming.select(kind.key), on=list(kind.key), how="anti",
                                                      nulls_equal=True, maintain_order="left")
                merged = pl.concat([kept, incoming], how="vertical")
            out = tmp / f"{kind.name}.parquet"
            merged.sink_parquet(out)  # streamed: never the whole kind in memory
            rows[kind.name] = pl.scan_parquet(out).select(pl.len()).collect().item()
        shutil.rmtree(parts)
        files_meta = dict(known)
        for r in results:
            files_meta[r.sha256] = {"name": Path(r.file).name, "kind": r.kind, "upload": upload_id,
                                    "ingested_at": now, "rows_accepted": r.rows_accepted,
                                    "rows_quarantined": r.rows_quarantined}
        new_manifest = {"version": number, "name": name, "created_at": now, "files": files_meta,
                        "rows": rows, "fingerprint": _fingerprint(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(new_manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_dir(tmp)
        if fail_after == "write":
            raise RuntimeError("simulated failure after write")
        os.rename(tmp, self.root / "versions" / name)
        if fail_after == "publish":
            raise RuntimeError("simulated failure after publish")
        atomic_write_bytes(self.root / "CURRENT", name.encode())
        self._prune()
        return IngestResult(tuple(results), tuple(skipped), name, upload_dir, rows)

    def _write_upload(self, upload_dir: Path, results: list[FileResult], when: str) -> None:
        from getpower.intake.report import quarantine_path

        report = {"created_at": when, "files": [r.summary() | {"sha256": r.sha256, "format": r.fmt}
                                                 for r in results]}
        for r in results:
            if r.rows_quarantined:
                atomic_write_frame(quarantine_path(upload_dir, r), r.quarantined, "csv")
        atomic_write_bytes(upload_dir / "report.json", json.dumps(report, ensure_ascii=False, indent=1).encode())

    def _recover(self) -> None:
        """Remove what an interrupted ingest left: temporary folders and versions never made current."""
        versions = self.root / "versions"
        if not versions.exists():
            return
        current = self.current.name if self.current else ""
        for d in versions.iterdir():
            if d.name.startswith(".tmp-") or (d.name.startswith("v") and d.name > current):
                shutil.rmtree(d, ignore_errors=True)

    def prune_cache(self, key: str) -> int:
        """Delete cached results whose name does not end with ``key`` (data fingerprint, params
        and source version: they were computed from other data or by other code). Returns how many."""
        removed = 0
        for f in (self.root / "cache").glob("*") if (self.root / "cache").exists() else []:
            if f.is_file() and not f.name.startswith(".") and not f.stem.endswith(key):
                f.unlink(missing_ok=True)
                removed += 1
        return removed

    def _prune(self) -> None:
        versions = self.root / "versions"
        for d in versions.glob(".tmp-*"):
            shutil.rmtree(d, ignore_errors=True)
        published = sorted(d for d in versions.iterdir() if d.name.startswith("v"))
        for d in published[:-KEEP_VERSIONS]:
            shutil.rmtree(d, ignore_errors=True)


def _fingerprint(folder: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for kind in KIND_BY_NAME:
        p = folder / f"{kind}.parquet"
        if p.exists():
            h.update(kind.encode())
            h.update(sha256_file(p).encode())
    return h.hexdigest()[:16]


def _fsync_dir(folder: Path) -> None:
    for p in folder.iterdir():
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
