"""The store: accepted rows as Parquet, one file per extract kind, in immutable versions.

Layout::

    store/CURRENT                 name of the current version (replaced atomically)
    store/.lock                   the writer lock (one ingest or rollback at a time, :mod:`getpower.lock`)
    store/versions/v000003/       <kind>/year=YYYY/city=XX/*.parquet (Hive: the kinds with a city),
                                  ledger_status.parquet, stages_pending.parquet + manifest.json
                                  (never modified once published; the manifest holds the checksums
                                  of every file by its relative path and the history of every
                                  version). Versions written before the partitioned layout hold
                                  one <kind>.parquet per kind: both are read (:func:`scan_kind`).
    store/uploads/<id>/           report.json, quarantine CSVs and replaced.csv of each upload
    store/cache/                  what is computed from a version (safe to delete)

An ingest holds the writer lock, validates every file against the current version, writes a
complete new version in a temporary folder, proves that it can be computed (the record cache and
the latest quarter's indicator table are built from it) and only then publishes it with a rename
and switches ``CURRENT`` with an atomic replace. An error, a full disk, SIGINT or SIGTERM at any
point before the switch commits nothing and removes what was written; a crash (SIGKILL, power
loss) leaves the previous version current, and the next writer removes the leftovers.

Records are compared by content, not files by checksum: rows identical to the stored ones change
nothing (no new version when nothing changed); a record whose key (``app_id``, ``event_id`` …) is
stored is replaced by the newer upload, whatever the age of its extract; stages are replaced per
application as a whole (a stages upload carries the full stage history of each application it
mentions); stages whose application is not stored yet are kept as pending (待匹配) and join the
store when it arrives. Within one upload the files are applied in the order given (a folder's
files by name): a later file's record replaces an earlier one's, and every replaced record is
listed in the upload's ``replaced.csv``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

import polars as pl

from getpower import params
from getpower.contract import KIND_BY_NAME, KINDS, Kind
from getpower.intake.discover import NotRead
from getpower.intake.read import ExtractError
from getpower.intake.validate import FileResult, scratch_ipc, sha256_file, validate_batch
from getpower.lock import hold_signals, interruptible, writer_lock

PENDING = "stages_pending"  # stages whose application is not stored yet (待匹配)
FILE = "_file"  # the position of a row's file in its upload (applied in that order)
# the store's Parquet: zstd at level 1 writes about 4× faster than the default level (3) for 5 %
# more bytes, and reads faster too (measured on the 1× stages, docs/benchmarks.md)
PARQUET = {"compression": "zstd", "compression_level": 1}
FAULT_ENV = "GETPOWER_FAULT"  # testing only: "<step>:<SIGINT|SIGTERM|SIGKILL|error>"
# The kinds stored by year and city (docs/scale.md, "Partitions: year × city"): the date whose year
# a record is stored under. An application's year is its first stage's (its acceptance, 申请受理,
# in any orderly record; the earliest stage when one precedes it, so that no date of a record is
# ever in a year before its partition's); stages take their application's year and city; an
# application without stages is in year 0. Kinds without a city (ledger_status) and the pending
# stages (no application yet) stay one file each.
PARTITION_DATE = {"applications": None, "stages": None, "outages": "started_at", "approvals": "submitted_at",
                  "customer_base": "as_of", "service_items": "as_of"}
HIVE_KEYS = {"year": pl.Int32, "city": pl.String}


class StoreError(ExtractError):
    """A store that cannot be written or read as asked (a Chinese message, one line)."""


def keep_versions() -> int:
    return int(params.load("thresholds.yaml")["store_keep_versions"]["value"])


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically: temporary file in the same folder, fsync, rename. On any error
    (a full disk) the temporary file is removed and the target is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_frame(path: Path, frame: pl.DataFrame | pl.LazyFrame, fmt: str = "parquet") -> None:
    """Write ``frame`` to ``path`` whole or not at all (temporary file, fsync, rename; on any
    error the temporary file is removed). A LazyFrame is streamed to the file (``sink_*``), never
    held in memory whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    lazy = isinstance(frame, pl.LazyFrame)
    try:
        if fmt == "parquet":
            frame.sink_parquet(tmp, **PARQUET) if lazy else frame.write_parquet(tmp, **PARQUET)
        elif fmt == "ipc":  # uncompressed Arrow: no decoding on read, for caches read often
            frame.sink_ipc(tmp, compression="uncompressed") if lazy else frame.write_ipc(tmp, compression="uncompressed")
        else:  # csv for Excel users: UTF-8 with BOM, formula-like cells neutralised
            from getpower.spreadsheet import write_csv

            write_csv(frame, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file's accepted rows (they add up to ``rows_accepted``)."""

    new: int = 0  # stored: a record not stored before, or new content for a stored key
    unchanged: int = 0  # identical to a stored record: nothing to do
    pending: int = 0  # stages waiting for their application (待匹配)
    superseded: int = 0  # replaced by a later file of the same upload
    held: int = 0  # stages of an application with a stage row quarantined in this upload: its
    #                stored history is kept (the upload's is incomplete)


@dataclass(frozen=True)
class KindChange:
    added: int = 0  # rows stored with content the store did not hold
    replaced: int = 0  # stored rows removed: their key came again with other content
    unchanged: int = 0
    pending: int = 0  # stages pending after this upload (all of them, not only this upload's)
    pending_matched: int = 0  # stages pending before, now joined by their application


@dataclass(frozen=True)
class IngestResult:
    results: tuple[FileResult, ...]
    version: str | None  # the new version, None when nothing changed
    upload_dir: Path | None = None
    rows_stored: dict = field(default_factory=dict)
    outcomes: tuple[FileOutcome, ...] = ()
    changes: dict = field(default_factory=dict)  # kind → KindChange
    replaced_within: int = 0  # records of this upload replaced by a later file of it
    notes: tuple[str, ...] = ()  # said in the report (an older extract replacing newer values …)
    not_read: tuple[NotRead, ...] = ()  # files given or found and not read, with the reason


def kind_files(folder: Path, name: str) -> list[Path]:
    """The Parquet files of one kind in a version folder: its one file (versions written before
    the partitioned layout) or the files of its partitions; empty when the version has none."""
    flat = folder / f"{name}.parquet"
    if flat.is_file():
        return [flat]
    tree = folder / name
    return sorted(tree.glob("year=*/city=*/*.parquet")) if tree.is_dir() else []


def scan_kind(folder: Path, name: str, city: str | None = None, until: int | None = None) -> pl.LazyFrame | None:
    """The rows of one kind in a version folder, in either layout, with the contract's columns in
    its order (the partitions' ``year`` and ``city`` keys are read from the paths); None when the
    version has none.

    ``city``: that city's rows only. ``until``: rows of the partitions of years ≤ ``until`` (a
    year's tables never need later ones: no date of a record precedes its partition's year). In
    the partitioned layout both are partition filters, so only the matching files are read; in
    the one-file layout the city is a filter (stages: of their applications) and ``until`` is not
    applied (the rows of later years are a superset the period's plans filter anyway)."""
    files = kind_files(folder, name)
    if not files:
        return None
    for f in files:  # a damaged file is named here, not deep inside a query (the footer only)
        try:
            pl.read_parquet_schema(f)
        except Exception as exc:
            raise StoreError(f"{f}: 文件已损坏，无法读取（{type(exc).__name__}）；"
                             "请运行 getpower store check，或 getpower store rollback 回到完好的版本") from exc
    if files[0].parent == folder:  # one file
        lf = pl.scan_parquet(files[0])
        if city is not None:
            if "city" in lf.collect_schema().names():
                lf = lf.filter(pl.col("city") == city)
            elif name in ("stages", PENDING):
                apps = scan_kind(folder, "applications", city)
                lf = lf.join(apps.select("app_id"), on="app_id", how="semi") if apps is not None else lf.clear()
        return lf
    lf = pl.scan_parquet(files, hive_partitioning=True, hive_schema=HIVE_KEYS)
    if city is not None:
        lf = lf.filter(pl.col("city") == city)
    if until is not None:
        lf = lf.filter(pl.col("year") <= until)
    return contract_columns(lf, name)


def contract_columns(lf: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """A scan of partition files (their ``year`` and ``city`` keys read from the paths) as the
    contract's columns of kind ``name``, in its order and types."""
    from getpower.intake.normalise import POLARS_TYPES

    return lf.select([pl.col(c.name).cast(POLARS_TYPES[c.type]) for c in KIND_BY_NAME[name].columns])


def link_kind(src: Path, dst: Path, name: str) -> None:
    """Hard-link one kind's files (either layout) from version folder ``src`` into ``dst``."""
    for f in kind_files(src, name):
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(f, target)


def remove_kind(folder: Path, name: str) -> None:
    """Remove one kind's files (either layout) from an unpublished version folder."""
    (folder / f"{name}.parquet").unlink(missing_ok=True)
    shutil.rmtree(folder / name, ignore_errors=True)


def sink_partitioned(lf: pl.LazyFrame, folder: Path, year: pl.Expr) -> None:
    """Stream ``lf`` into ``folder/year=YYYY/city=XX/*.parquet`` (Hive; the keys are in the paths,
    not in the files), ``year`` the year of each row (null: year 0). Writes nothing for no rows."""
    lf.with_columns(year.fill_null(0).cast(pl.Int32).alias("year")).sink_parquet(
        pl.PartitionBy(folder, key=["year", "city"], include_key=False), mkdir=True, **PARQUET)


def data_files(folder: Path) -> list[str]:
    """The Parquet files of a version folder by relative path (``stages/year=2023/city=…/0….parquet``,
    or ``stages.parquet`` in the one-file layout), scratch (dot) folders left out."""
    found = []
    for top, dirs, files in os.walk(folder):  # scratch folders not entered (being removed meanwhile)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(top).relative_to(folder)
        found += [(rel / f).as_posix() for f in files if f.endswith(".parquet") and not f.startswith(".")]
    return sorted(found)


class Store:
    """A store folder. ``Store(path).read(kind)`` is what every downstream step reads.

    ``version_dir``: read that version folder instead of the one ``CURRENT`` names (the ingest
    proves an unpublished version this way)."""

    def __init__(self, root: Path | str, version_dir: Path | None = None):
        self.root = Path(root)
        self._pinned = Path(version_dir) if version_dir is not None else None

    # --- reading ---------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        if self._pinned is not None:
            return self._pinned
        ptr = self.root / "CURRENT"
        if not ptr.exists():
            return None
        return self.root / "versions" / ptr.read_text(encoding="utf-8").strip()

    def manifest(self) -> dict:
        cur = self.current
        if cur is None:
            return {"version": None, "files": {}, "rows": {}, "fingerprint": None, "history": []}
        try:
            return json.loads((cur / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{cur / 'manifest.json'}: 无法读取（{type(exc).__name__}）；"
                             "请运行 getpower store check，或 getpower store rollback 回到完好的版本") from exc

    def exists(self) -> bool:
        return self.current is not None

    def scan(self, kind: str, city: str | None = None, until: int | None = None) -> pl.LazyFrame | None:
        """The stored rows of ``kind`` (None when the version has none); ``city``: that city's
        rows only, ``until``: rows of partitions of years up to that one too (see
        :func:`scan_kind`: one partition's files are read, the others pruned)."""
        cur = self.current
        if cur is None:
            return None
        lf = scan_kind(cur, kind, city, until)
        if lf is None and kind in KIND_BY_NAME and kind in self.manifest().get("rows", {}):
            return _empty(KIND_BY_NAME[kind])  # stored with no row: partitions hold no file for it
        return lf

    def read(self, kind: str) -> pl.DataFrame | None:
        lf = self.scan(kind)
        return lf.collect() if lf is not None else None

    @property
    def fingerprint(self) -> str | None:
        return self.manifest().get("fingerprint")

    # --- writing ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path | str], *, fail_after: str | None = None,
               on_wait: Callable[[], None] | None = None, by: str | None = None,
               batch: str | None = None, prove_version: bool = True) -> IngestResult:
        """Validate extracts and store what they change, as one new version (or none).

        ``by``: who imports (the dashboard user, or the account running the command), recorded in
        the upload's report, the manifest and the history (``store log``).
        ``batch``: the id of a ``getpower watch`` batch, recorded in the upload's report and the
        history (a restarted watcher finds there whether its batch was committed).
        ``on_wait``: called once when another writer holds the store (the call then waits).
        ``fail_after`` (testing only) raises after that step: ``"validated"``, ``"written"``,
        ``"proved"``, ``"publish"`` (version folder renamed, ``CURRENT`` not switched).
        ``prove_version=False``: published without building the record cache and the latest
        quarter's table first (:func:`folder_store`, whose caller computes at once)."""
        files = list(paths)
        with interruptible(), writer_lock(self.root, on_wait):
            self._recover()
            return self._ingest(files, fail_after, by, batch, prove_version)

    def _ingest(self, files: list[Path | str], fail_after: str | None, by: str | None = None,
                watch_batch: str | None = None, prove_version: bool = True) -> IngestResult:
        manifest = self.manifest()
        cur = self.current
        tmp = self.root / "versions" / f".tmp-{uuid.uuid4().hex}"
        made: list[Path] = [tmp]  # removed on any failure before CURRENT is switched
        cleaner: threading.Thread | None = None  # removes the upload's scratch in the background
        synced: Future | None = None  # the new version's files and folders brought to disk, in the background
        try:
            parts = tmp / ".accepted"
            parts.mkdir(parents=True)
            # each file's accepted rows go to disk as soon as it is validated: one file's rows in
            # memory; orphan stages are decided below, against the applications of the new version
            base = self.scan("customer_base")  # outages are bounded by their city-area's customers
            # every file is read or named; what can be read is stored even when another file fails
            # (its stages wait as pending if their applications were in the failed file)
            # each file's typed rows spilled to disk batch by batch (memory stays flat at any size),
            # but for the Parquet rows that fit in validation's budget (HELD_ROWS), kept in memory
            batch = validate_batch(files, spill=parts, orphans=False,
                                   known_customers=base.collect() if base is not None else None)
            results, not_read = list(batch.results), batch.not_read
            del batch  # its results hold the accepted rows kept in memory: released after the merge
            if not results:
                raise ExtractError("没有可读取的提取文件：" + "；".join(f"{n.name}: {n.reason}" for n in not_read)
                                   if not_read else "没有可读取的提取文件")
            _checkpoint("validated", fail_after)
            now = datetime.now().isoformat(timespec="seconds")
            upload_id = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
            made.append(self.root / "uploads" / f".tmp-{upload_id}")
            merge = _merge(tmp, cur, results, made[1], f"数据仓库 {cur.name}" if cur else "数据仓库")
            # the accepted rows validation kept in memory are in the new version now: let go
            # before it is proved (the counts stay)
            results = [r.released() for r in results]
            # the upload's scratch (hundreds of MB at 1×) removed beside the work that follows;
            # gone before the version folder is renamed (it never reaches a published version)
            cleaner = threading.Thread(target=shutil.rmtree, args=(parts, True), name="getpower-scratch")
            cleaner.start()
            number = int(manifest["version"] or 0) + 1
            name = f"v{number:06d}" if merge.changed else None
            notes = _notes(manifest, results, merge)
            entry = _history_entry(name, now, upload_id, results, merge, by)
            if watch_batch is not None:
                entry["batch"] = watch_batch
            _write_upload(merge.upload_tmp, results, merge, entry, notes, not_read)
            upload_dir = self.root / "uploads" / upload_id
            if not merge.changed:  # nothing new: no version; the upload's report is still kept
                os.rename(merge.upload_tmp, upload_dir)
                cleaner.join()
                shutil.rmtree(tmp)
                return IngestResult(tuple(results), None, upload_dir, dict(manifest["rows"]), merge.outcomes,
                                    merge.changes, merge.replaced_within, notes, not_read)
            files_meta = dict(manifest["files"])
            for r in results:
                files_meta.setdefault(r.sha256, {"name": Path(r.file).name, "kind": r.kind, "version": name,
                                                 "upload": upload_id, "ingested_at": now, "by": by,
                                                 "rows_accepted": r.rows_accepted,
                                                 "rows_quarantined": r.rows_quarantined})
            # by relative path; two files at a time (hashlib lets go of the GIL while it hashes)
            pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="getpower-checksum")
            try:
                names = data_files(tmp)
                checksums = dict(zip(names, pool.map(lambda n: sha256_file(tmp / n), names)))
            finally:  # interrupted: the files not yet hashed are not (30×: seconds of hashing)
                pool.shutdown(wait=True, cancel_futures=True)
            new_manifest = {"version": number, "name": name, "created_at": now, "by": by, "files": files_meta,
                            "rows": merge.rows, "pending": merge.pending, "checksums": checksums,
                            "fingerprint": _fingerprint(checksums),
                            "history": [*manifest.get("history", []), entry]}
            _write_json(tmp / "manifest.json", new_manifest)
            # the version reaches the disk while it is proved (waiting on the disk, not the CPU;
            # proving only reads it), and is published only once it has: a crash before leaves
            # the previous version current, as always
            syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="getpower-fsync")
            synced = syncer.submit(_fsync_dir, tmp)
            syncer.shutdown(wait=False)
            _checkpoint("written", fail_after)
            if prove_version:
                prove(self.root, tmp, cur.name if cur else None)
            _checkpoint("proved", fail_after)
            synced.result()  # its error (a full disk …) fails the ingest here
            cleaner.join()
            if parts.exists():  # not removed in the background (an error it ignored): now, or fail
                shutil.rmtree(parts)
            hold_signals()  # from here the version is published: a signal waits till the end
            os.rename(tmp, self.root / "versions" / name)
            _fsync_dir_entry(self.root / "versions")  # the rename on disk before CURRENT names it
            made[0] = self.root / "versions" / name
            _checkpoint("publish", fail_after)
            os.rename(merge.upload_tmp, upload_dir)
            made[1] = upload_dir
            atomic_write_bytes(self.root / "CURRENT", name.encode())
            _fsync_dir_entry(self.root)
        except BaseException:
            if cleaner is not None:
                cleaner.join()
            if synced is not None:
                wait([synced])
            for p in made:
                shutil.rmtree(p, ignore_errors=True)
            raise
        self._prune()
        self.prune_cache(cache_suffix(new_manifest["fingerprint"]))
        return IngestResult(tuple(results), name, upload_dir, merge.rows, merge.outcomes, merge.changes,
                            merge.replaced_within, notes, not_read)

    def _recover(self) -> None:
        """Remove what an interrupted writer left (called holding the lock): temporary folders,
        versions never made current and their uploads' reports, temporary files."""
        versions = self.root / "versions"
        cur = self.current
        # versions after the current one were never made current; with no valid CURRENT (a
        # damaged pointer) no version is judged so: they are what a rollback can restore
        current = cur.name if cur is not None and (cur / "manifest.json").exists() else None
        for d in versions.iterdir() if versions.exists() else []:
            if d.name.startswith(".tmp-") or (current and d.name.startswith("v") and d.name > current):
                shutil.rmtree(d, ignore_errors=True)
        uploads = self.root / "uploads"
        for d in uploads.iterdir() if uploads.exists() else []:
            if d.name.startswith(".tmp-"):
                shutil.rmtree(d, ignore_errors=True)
            elif current and (d / "report.json").exists():
                try:
                    version = json.loads((d / "report.json").read_text(encoding="utf-8")).get("version")
                except (OSError, ValueError):
                    continue
                if version and version > current:
                    shutil.rmtree(d, ignore_errors=True)
        for f in self.root.glob(".*.tmp"):
            f.unlink(missing_ok=True)

    def prune_cache(self, key: str) -> int:
        """Delete cached results whose name does not end with ``key`` (data fingerprint, params
        and source version: they were computed from other data or by other code). Returns how many."""
        removed = 0
        try:
            for f in (self.root / "cache").glob("*") if (self.root / "cache").exists() else []:
                if f.is_file() and not f.name.startswith(".") and not f.stem.endswith(key):
                    f.unlink(missing_ok=True)
                    removed += 1
        except OSError:  # a read-only store: its cache is kept as it is
            pass
        return removed

    def _prune(self) -> None:
        """Keep the last versions (``store_keep_versions``), the current one always. A failure
        here (the version is committed) leaves more versions than needed, nothing worse."""
        versions = self.root / "versions"
        try:
            published = sorted(d for d in versions.iterdir() if d.name.startswith("v"))
            current = self.current
            for d in published[:-keep_versions()]:
                if d != current:
                    shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


# --- merging an upload into a version -----------------------------------------------------------
@dataclass
class _Merge:
    rows: dict
    pending: int
    changes: dict
    outcomes: tuple[FileOutcome, ...]
    replaced_within: int
    replaced_stored: int
    changed: bool
    upload_tmp: Path


def _scan_parts(results: list[FileResult], kind: Kind) -> pl.LazyFrame | None:
    """The upload's accepted rows of one kind, each with the position of its file (``_file``)."""
    parts = [r.scan_accepted().with_columns(pl.lit(i, pl.Int32).alias(FILE))
             for i, r in enumerate(results) if r.kind == kind.name]
    return pl.concat(parts, how="vertical") if parts else None


def _empty(kind: Kind) -> pl.LazyFrame:
    from getpower.intake.normalise import POLARS_TYPES

    return pl.LazyFrame(schema={c.name: POLARS_TYPES[c.type] for c in kind.columns})


def _count(lf: pl.LazyFrame) -> int:
    return lf.select(pl.len()).collect().item()


SRC = "_source"  # the file a row came from, the sheets of one workbook counted as one


def _by_file(lf: pl.LazyFrame) -> Counter:
    got = lf.group_by(FILE).len().collect()
    return Counter(dict(zip(got[FILE].to_list(), got["len"].to_list())))


def _merge(tmp: Path, cur: Path | None, results: list[FileResult], upload_tmp: Path, stored_label: str) -> _Merge:
    """Write every kind of the new version into ``tmp`` (hard links for what does not change) and
    the list of replaced records into ``upload_tmp/replaced.csv``.

    Each incoming row is compared with the stored rows once (a left join on every column, the
    flags written aside with the rows); the counts and the rows to store are read from there."""
    upload_tmp.mkdir(parents=True)
    rows, changes, replaced = {}, {}, []
    new, unchanged, pending, superseded, held = Counter(), Counter(), Counter(), Counter(), Counter()
    pending_total, changed = 0, False
    deferred = None  # (position, rows) of the stages file whose waiting rows are found once the stages are written
    names = [Path(r.file).name for r in results]
    if len(set(names)) < len(names):  # files of one name from two folders: named by their paths
        names = [r.file for r in results]
    positions = list(range(len(names)))

    def old_of(name: str) -> pl.LazyFrame | None:  # the stored rows, in either layout
        return scan_kind(cur, name) if cur else None

    # the new applications and stages, when this upload changes them, until both are known (an
    # application's year is its stages', a stage's city its application's), then written by year
    # and city (_partition_applications): a scratch Arrow file, or with nothing stored the plan
    # itself (it reads the upload's spilled rows only: cheaper read again than copied)
    written: dict[str, pl.LazyFrame] = {}

    def new_of(name: str) -> pl.LazyFrame | None:
        return written[name] if name in written else scan_kind(tmp, name)

    def write_scratch(name: str, lf: pl.LazyFrame, stored: list[pl.LazyFrame | None], rows_at_most: int) -> None:
        if all(p is None for p in stored):
            written[name] = lf
            return
        path = tmp / ".accepted" / f"{name}.new.arrow"
        lf.sink_ipc(path, **scratch_ipc(rows_at_most))
        written[name] = pl.scan_ipc(path)

    def link(name: str) -> None:
        link_kind(cur, tmp, name)
        if name != PENDING:
            rows[name] = _count(scan_kind(tmp, name))

    def listed(frame: pl.LazyFrame, kind: Kind, kept: pl.Expr, lost: pl.Expr) -> pl.DataFrame:
        return frame.select(pl.lit(kind.label).alias("类型"),
                            pl.concat_str([pl.col(k).cast(pl.String) for k in kind.key], separator=" | ",
                                          ignore_nulls=True).alias("记录键"),
                            kept.alias("保留（来源文件）"), lost.alias("被替换（来源）")).collect()

    def file_name(col: str, default: str | None = None) -> pl.Expr:
        return pl.col(col).replace_strict(positions, names, default=default, return_dtype=pl.String)

    for kind in KINDS:
        cols, key = [c.name for c in kind.columns], list(kind.key)
        stages = kind.name == "stages"
        group = ["app_id"] if stages else key  # stages are replaced per application
        sent_parts = [(i, r) for i, r in enumerate(results) if r.kind == kind.name]
        old_rows = old_of(kind.name)  # the stored rows, None when there are none
        old_pending = old_of(PENDING) if stages else None
        if not sent_parts and old_pending is None:  # nothing sent (stages: and none waiting)
            if old_rows is not None:
                link(kind.name)
            continue
        olds = [p for p in (old_rows, old_pending) if p is not None]
        old = pl.concat(olds, how="vertical") if olds else None
        # the sheets of one workbook are one file: monthly sheets of stages make up one history
        source = {i: next(j for j, q in enumerate(results) if q.sha256 == r.sha256 and q.kind == r.kind)
                  for i, r in enumerate(results)}
        if sent_parts:
            inc = pl.concat([r.scan_accepted().with_columns(pl.lit(i, pl.Int32).alias(FILE),
                                                            pl.lit(source[i] if stages else i, pl.Int32).alias(SRC))
                             for i, r in sent_parts], how="vertical")
        else:  # no stages sent, but waiting ones may meet their application now
            inc = _empty(kind).with_columns(pl.lit(None, pl.Int32).alias(FILE), pl.lit(None, pl.Int32).alias(SRC))
        if len(sent_parts) > 1:  # within the upload the last file that has a key (an application's stages) wins
            last = (pl.col(SRC) == pl.col(SRC).max().over(group)) & (pl.col(FILE) == pl.col(FILE).max().over(key))
            lost = inc.filter(~last)
            inc = inc.filter(last)
            # what the kept file repeats as it is (the same extract in two layouts) is not replaced:
            # a record, or (stages) an application's whole history
            repeated = lost.join(inc.select(cols), on=cols, how="semi", nulls_equal=True)
            if stages:
                per = ["app_id", FILE]
                whole = (lost.group_by(per).len("_n").join(repeated.group_by(per).len("_m"), on=per, how="left")
                         .join(inc.group_by("app_id").len("_k"), on="app_id", how="left")
                         .filter((pl.col("_n") == pl.col("_m")) & (pl.col("_n") == pl.col("_k"))).select(per))
                same = lost.join(whole, on=per, how="semi")
                lost = lost.join(whole, on=per, how="anti")
            else:
                same = repeated
                lost = lost.join(inc.select(cols), on=cols, how="anti", nulls_equal=True)
            unchanged += _by_file(same)
            lost_by_file = _by_file(lost)
            superseded += lost_by_file
            if lost_by_file:
                kept_file = inc.group_by(group).agg(pl.col(FILE).first().alias("_kept"))
                replaced.append(listed(lost.join(kept_file, on=group, how="left"), kind,
                                       file_name("_kept"), file_name(FILE)))
        inc = inc.drop(SRC)
        if stages and old is not None:  # an incomplete history never replaces a stored one
            partial = _quarantined_apps(results, kind)
            if partial is not None:
                partial = partial.join(old.select("app_id").unique(), on="app_id", how="semi")
                held += _by_file(inc.join(partial, on="app_id", how="semi"))
                inc = inc.join(partial, on="app_id", how="anti", maintain_order="left")
        # one pass: is each incoming row identical to a stored one; has its application arrived
        flagged = inc
        if old is not None:
            flagged = flagged.join(old.select(cols).with_columns(pl.lit(True).alias("_same")), on=cols,
                                   how="left", nulls_equal=True, maintain_order="left")
        else:
            flagged = flagged.with_columns(pl.lit(None, pl.Boolean).alias("_same"))
        apps = None
        if stages:
            apps = new_of("applications")  # the new version's (written or linked above)
            apps = apps.select("app_id") if apps is not None else pl.LazyFrame(schema={"app_id": pl.String})
            flagged = flagged.join(apps.with_columns(pl.lit(True).alias("_matched")), on="app_id", how="left",
                                   maintain_order="left")
        else:
            flagged = flagged.with_columns(pl.lit(True).alias("_matched"))
        flagged = flagged.with_columns(pl.col("_same").fill_null(False), pl.col("_matched").fill_null(False))
        defer = None
        if stages and old is None and len(sent_parts) == 1:
            # nothing stored, one file: every row is new and is written as it is (no join here,
            # no scratch copy); those that wait for their application are the rows the stages'
            # join with the applications written by year and city leaves out, counted and written
            # as pending then (_deferred_pending): one pass over the stages fewer
            defer = sent_parts[0][0], inc.select(cols)
            flagged = inc.with_columns(pl.lit(False).alias("_same"), pl.lit(True).alias("_matched"))
        elif old is not None or stages or len(sent_parts) > 1:  # joins: the result kept, read twice
            marked = tmp / ".accepted" / f"{kind.name}.flagged.arrow"  # scratch
            flagged.sink_ipc(marked, **scratch_ipc(sum(r.rows_accepted for _, r in sent_parts)))
            flagged = pl.scan_ipc(marked)
        counts = flagged.group_by(FILE, "_same", "_matched").len().collect()
        for f, same, matched, n in counts.iter_rows():
            if f is None:
                continue
            (unchanged if same else new if matched else pending)[f] += n
        n_same = int(counts.filter(pl.col("_same"))["len"].sum())
        n_fresh = int(counts.filter(~pl.col("_same"))["len"].sum())
        fresh = flagged.filter(~pl.col("_same"))
        if old is not None:
            # stored rows whose key (application) came again and that the upload does not repeat
            dropped = (old.join(fresh.select(key), on=key, how="semi", nulls_equal=True) if not stages else
                       old.join(flagged.select(group).unique(), on=group, how="semi").join(
                           flagged.select(cols), on=cols, how="anti", nulls_equal=True))
            n_dropped = _count(dropped)
        else:
            dropped, n_dropped = None, 0
        if n_dropped:
            owner = fresh.group_by(group).agg(pl.col(FILE).first().alias("_f"))
            replaced.append(listed(dropped.join(owner, on=group, how="left"), kind,
                                   file_name("_f", "（本次上传未再包含此记录）"), pl.lit(stored_label)))
        matched_now = 0
        if stages and old_pending is not None:
            matched_now = _count(old_pending.join(apps, on="app_id", how="semi"))
        if not n_fresh and not n_dropped and not matched_now:  # nothing new: the stored files, linked
            for name in (kind.name, PENDING) if stages else (kind.name,):
                if old_of(name) is not None:
                    link(name)
            if stages:
                pending_total = _count(old_pending) if old_pending is not None else 0
            changes[kind.name] = KindChange(0, 0, n_same, pending_total if stages else 0)
            continue
        changed = True
        if not stages:
            # stored records keep their place but those whose key came with new content
            # (nothing stored: no join, whose table of the upload's keys took 2 GiB at 10×)
            date = PARTITION_DATE.get(kind.name)
            if date is not None and cur is not None and _partitioned(cur, kind.name):
                # only the partitions the upload touches are written, the others linked
                _merge_partitions(cur, tmp, kind, fresh.select(cols), date)
            else:
                merged = fresh.select(cols) if old_rows is None else pl.concat(
                    [old_rows.join(fresh.select(key), on=key, how="anti", nulls_equal=True),
                     fresh.select(cols)], how="vertical")
                if date is not None:  # streamed: never the whole kind in memory
                    sink_partitioned(merged, tmp / kind.name, pl.col(date).dt.year())
                elif kind.name == "applications":  # by year and city once their stages are known
                    write_scratch(kind.name, merged, [old_rows], n_fresh + (_count(old_rows) if old_rows is not None else 0))
                else:  # no city (the ledger): one file
                    merged.sink_parquet(tmp / f"{kind.name}.parquet", **PARQUET)
            found = new_of(kind.name)
            rows[kind.name] = _count(found) if found is not None else 0
            changes[kind.name] = KindChange(n_fresh, n_dropped, n_same)
            continue
        # stages: the applications sent replace their stored stages whole; kept, or pending until
        # their application is stored
        sent = flagged.select("app_id").unique()
        olds = [p.join(sent, on="app_id", how="anti", maintain_order="left")
                for p in (old_rows, old_pending) if p is not None]  # nothing stored: no join
        kept = pl.concat(olds, how="vertical") if olds else _empty(kind)
        # the upload's rows know already whether their application is stored (``_matched``): only
        # the kept ones are joined with the applications again
        write_scratch("stages", pl.concat([kept.join(apps, on="app_id", how="semi", maintain_order="left"),
                                           flagged.filter(pl.col("_matched")).select(cols)], how="vertical"),
                      [old_rows, old_pending], n_fresh + sum(_count(p) for p in (old_rows, old_pending) if p is not None))
        rows["stages"] = _count(new_of("stages"))
        waiting = pl.concat([kept.join(apps, on="app_id", how="anti", maintain_order="left"),
                             flagged.filter(~pl.col("_matched")).select(cols)], how="vertical")
        pending_total = 0  # none waits when nothing is stored (the upload's: found below, when deferred)
        deferred = defer
        if deferred is None:
            waiting.sink_parquet(tmp / f"{PENDING}.parquet", **PARQUET)
            pending_total = _count(pl.scan_parquet(tmp / f"{PENDING}.parquet"))
            if not pending_total:
                (tmp / f"{PENDING}.parquet").unlink()
        changes["stages"] = KindChange(n_fresh, n_dropped, n_same, pending_total, matched_now)
    if changed:  # written by year and city: the applications and stages, and kinds linked from a version before partitions
        # the applications this upload may change: those it sends (records or stages), and those
        # of the stages that were waiting for them
        ids = [lf.select("app_id") for lf in (*(_scan_parts(results, KIND_BY_NAME[k]) for k in ("applications", "stages")),
                                              old_of(PENDING)) if lf is not None]
        _partition_applications(tmp, written, cur, pl.concat(ids).unique() if ids else None)
        if deferred is not None:
            i, sent_stages = deferred
            waits = _deferred_pending(tmp, sent_stages, rows["stages"])
            if waits:
                rows["stages"] -= waits
                new[i] -= waits
                pending[i] += waits
                pending_total = waits
                changes["stages"] = replace(changes["stages"], pending=waits)
        for name, date in PARTITION_DATE.items():
            flat = tmp / f"{name}.parquet"
            if date is not None and flat.exists():
                sink_partitioned(pl.scan_parquet(flat), tmp / name, pl.col(date).dt.year())
                flat.unlink()
    if replaced:
        atomic_write_frame(upload_tmp / "replaced.csv", pl.concat(replaced), "csv")
    outcomes = tuple(FileOutcome(new[i], unchanged[i], pending[i], superseded[i], held[i]) for i in range(len(results)))
    return _Merge(rows, pending_total, changes, outcomes, sum(superseded.values()),
                  sum(c.replaced for c in changes.values()), changed, upload_tmp)


def _deferred_pending(tmp: Path, stages: pl.LazyFrame, sent: int) -> int:
    """The stages of a first upload that no application took (``sent``: how many ``stages`` holds),
    once the applications and stages are written by year and city: those waiting for their
    application are the ones the stages' partitions do not hold (counted from the files' footers),
    written as pending in their order. Returns how many wait."""
    files = kind_files(tmp, "stages")
    waits = sent - (pl.scan_parquet(files).select(pl.len()).collect().item() if files else 0)
    if waits:
        apps = scan_kind(tmp, "applications")
        waiting = stages if apps is None else stages.join(apps.select("app_id"), on="app_id", how="anti",
                                                         maintain_order="left")
        waiting.sink_parquet(tmp / f"{PENDING}.parquet", **PARQUET)
    return waits


def _partitioned(folder: Path, name: str) -> bool:
    return (folder / name).is_dir()


def _partition_key(path: Path) -> tuple[int, str]:
    """(year, city) of a partition file, from its folders' names (the city percent-encoded)."""
    from urllib.parse import unquote

    return int(path.parent.parent.name.split("=", 1)[1]), unquote(path.parent.name.split("=", 1)[1])


def _merge_partitions(cur: Path, tmp: Path, kind: Kind, fresh: pl.LazyFrame, date: str) -> None:
    """A kind dated by a column of its own (outages …) merged partition by partition: the
    partitions the upload touches (those of its new rows, and those of the stored rows whose key
    it sends again) are written again, the stored rows whose key came again left out; every other
    partition's files are hard-linked from the current version."""
    key = list(kind.key)
    old_files = kind_files(cur, kind.name)
    old = pl.scan_parquet(old_files, hive_partitioning=True, hive_schema=HIVE_KEYS)
    touched = pl.concat([
        fresh.select(pl.col(date).dt.year().fill_null(0).cast(pl.Int32).alias("year"), "city"),
        old.join(fresh.select(key), on=key, how="semi", nulls_equal=True).select("year", "city"),
    ]).unique().collect()
    hit = set(touched.iter_rows())
    rewrite = [f for f in old_files if _partition_key(f) in hit]
    cols = [c.name for c in kind.columns]
    kept = (pl.scan_parquet(rewrite, hive_partitioning=True, hive_schema=HIVE_KEYS).select(cols)
            .join(fresh.select(key), on=key, how="anti", nulls_equal=True) if rewrite else None)
    sink_partitioned(pl.concat([kept, fresh], how="vertical") if kept is not None else fresh,
                     tmp / kind.name, pl.col(date).dt.year())
    for f in old_files:
        if f not in rewrite:
            target = tmp / f.relative_to(cur)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(f, target)


def _partition_applications(tmp: Path, written: dict[str, pl.LazyFrame], cur: Path | None = None,
                            sent: pl.LazyFrame | None = None) -> None:
    """Applications and stages of a new version written by year and city, when either was
    changed by this upload (``written``: their new rows) or linked from a version before
    partitions (both, because an application's year is its stages' and a stage's city its
    application's): an application's year is its first stage's, 0 without stages.

    ``sent``: the ``app_id`` of every application whose record or stages this upload may change
    (those it sends, and the stages waiting for their application). When the current version
    ``cur`` is partitioned, only the partitions these applications were or now are in are
    written; every other partition's files, whose applications are all unchanged, are hard-linked."""
    flat = [n for n in ("applications", "stages") if (tmp / f"{n}.parquet").exists()]
    if not flat and not written:  # both linked, partitioned: nothing changed in either
        return
    apps, stages = (written[n] if n in written else scan_kind(tmp, n) for n in ("applications", "stages"))
    if apps is None:  # no applications: no stages either (they wait as pending)
        return
    def first_year(lf: pl.LazyFrame | None) -> pl.LazyFrame:  # each application's first stage's year
        if lf is None:
            return pl.LazyFrame(schema={"app_id": pl.String, "year": pl.Int32})
        return lf.group_by("app_id").agg(pl.col("started_at").min().dt.year().cast(pl.Int32).alias("year"))

    def with_year(lf: pl.LazyFrame, first: pl.LazyFrame) -> pl.LazyFrame:
        return lf.join(first, on="app_id", how="left", maintain_order="left").with_columns(
            pl.col("year").fill_null(0).cast(pl.Int32))

    keyed = with_year(apps, first_year(stages))
    out = tmp / ".partitioned"
    try:
        old = {n: kind_files(cur, n) for n in ("applications", "stages")} if cur is not None else {}
        linked: list[Path] = []
        if (not flat and sent is not None and old and (cur / "applications").is_dir()
                and not (cur / "stages.parquet").exists()):
            # the partitions the upload's applications were in before, and are in now
            was = pl.scan_parquet(old["applications"], hive_partitioning=True, hive_schema=HIVE_KEYS)
            now = with_year(apps.join(sent, on="app_id", how="semi").select("app_id", "city"),
                            first_year(stages.join(sent, on="app_id", how="semi") if stages is not None else None))
            touched = pl.concat([was.join(sent, on="app_id", how="semi").select("year", "city"),
                                 now.select("year", "city")]).unique().collect()
            hit = set(touched.iter_rows())
            keyed = keyed.join(touched.lazy(), on=["year", "city"], how="semi", maintain_order="left")
            linked = [f for n in old for f in old[n] if _partition_key(f) not in hit]
        sink_partitioned(keyed, out / "applications", pl.col("year"))
        written_apps = kind_files(out, "applications")
        if stages is not None and written_apps:
            # the stages take the year and city of their application as just written (read back
            # from the paths: one join, not a second table of every application's key); the city
            # as a category, whose number the join copies to every stage row and the partitions
            # are told by, cheaper than text (the same folders, the same files)
            keys = pl.scan_parquet(written_apps, hive_partitioning=True, hive_schema=HIVE_KEYS).select(
                "app_id", "year", pl.col("city").cast(pl.Categorical))
            sink_partitioned(stages.join(keys, on="app_id", how="inner", maintain_order="left"), out / "stages",
                             pl.col("year"))
        for f in linked:  # untouched: the current version's files
            target = out / f.relative_to(cur)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(f, target)
        for name in ("applications", "stages"):
            remove_kind(tmp, name)
            if (out / name).exists():
                os.rename(out / name, tmp / name)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _quarantined_apps(results: list[FileResult], kind: Kind) -> pl.LazyFrame | None:
    """The applications with a stage row quarantined in this upload (read from the row's text
    under the header that maps to ``app_id``), or None."""
    from getpower.contract import header_map, norm_header
    from getpower.intake.normalise import coerce

    names = header_map(kind)
    found = []
    for r in results:
        if r.kind != kind.name or not r.rows_quarantined:
            continue
        col = next((c for c in r.quarantined.columns if names.get(norm_header(c)) == "app_id"), None)
        if col is not None:
            found.append(r.quarantined.select(coerce(kind.column("app_id"), pl.col(col).cast(pl.String)).alias("app_id")))
    if not found:
        return None
    return pl.concat(found).drop_nulls().unique().lazy()


def _notes(manifest: dict, results: list[FileResult], merge: _Merge) -> tuple[str, ...]:
    """What the report says beyond the counts: an extract ingested before that now replaces
    newer values (re-ingesting an older extract rolls its records back, like any later upload)."""
    notes = []
    for r, o in zip(results, merge.outcomes):
        before = manifest["files"].get(r.sha256)
        if before is not None and o.new:
            notes.append(f"{Path(r.file).name}: 与 {before.get('version') or '此前'} 导入的文件内容相同；"
                         f"其 {o.new} 条记录替换了之后导入的值（与任何后来的上传一样）")
    held = sum(o.held for o in merge.outcomes)
    if held:
        notes.append(f"{held} 行环节暂缓：同一工单另有环节行被隔离，本次上传的环节记录不完整，"
                     "已存的环节记录保留；修正后请重新上传这些工单的全部环节")
    if merge.replaced_within:
        notes.append(f"本次上传的多个文件含相同记录 {merge.replaced_within} 条：按给定顺序（文件夹内按文件名）"
                     "以后者为准，明细见 replaced.csv")
    return tuple(notes)


def _history_entry(name: str | None, now: str, upload_id: str, results: list[FileResult], merge: _Merge,
                   by: str | None = None) -> dict:
    return {
        "version": name, "created_at": now, "action": "ingest", "upload": upload_id, "by": by,
        "files": [{"name": Path(r.file).name, "kind": r.kind, "sha256": r.sha256, "rows_read": r.rows_read,
                   "rows_accepted": r.rows_accepted, "rows_quarantined": r.rows_quarantined,
                   "new": o.new, "unchanged": o.unchanged, "pending": o.pending, "superseded": o.superseded,
                   "held": o.held}
                  for r, o in zip(results, merge.outcomes)],
        "kinds": {k: vars(c) for k, c in merge.changes.items()},
    }


def _write_upload(upload_dir: Path, results: list[FileResult], merge: _Merge, entry: dict,
                  notes: tuple[str, ...], not_read: tuple[NotRead, ...] = ()) -> None:
    from getpower.intake.report import quarantine_path

    for r in results:
        if r.rows_quarantined:
            atomic_write_frame(quarantine_path(upload_dir, r), r.quarantined, "csv")
    report = {"created_at": entry["created_at"], "by": entry.get("by"), "version": entry["version"], "notes": list(notes),
              "files": [r.summary() | {"sha256": r.sha256, "format": r.fmt} | {k: f[k] for k in
                        ("new", "unchanged", "pending", "superseded", "held")} for r, f in zip(results, entry["files"])],
              "kinds": entry["kinds"], "not_read": [n.summary() for n in not_read]}
    if entry.get("batch"):
        report["batch"] = entry["batch"]
    _write_json(upload_dir / "report.json", report)


# --- proving a version before it is published ----------------------------------------------------
def latest_period(frames: dict[str, pl.LazyFrame]):
    """The last quarter any dated record falls in (None without dated records)."""
    from getpower.periods import Period

    cols = [("stages", "finished_at"), ("stages", "started_at"), ("outages", "started_at"),
            ("approvals", "submitted_at")]
    last = [f.item() for f in pl.collect_all([frames[k].select(pl.col(c).max()) for k, c in cols if k in frames])]
    last = [d for d in last if d is not None]
    if not last:
        return None
    d = max(last)
    return Period.parse(f"{d.year}Q{(d.month - 1) // 3 + 1}")


def prove(root: Path, version_dir: Path, current: str | None) -> None:
    """Build from an unpublished version what every computation needs (the record cache, kept in
    the store's cache for later) and the latest quarter's indicator table (kept too). Raises
    :class:`StoreError` naming the cause when it cannot: the version is then not published."""
    from getpower.currency import extent
    from getpower.table import cached_record_level, data_version, indicator_table, load_frames

    pinned = Store(root, version_dir)
    try:
        frames = load_frames(pinned)
        records = cached_record_level(pinned, frames, prune=False)
        period = latest_period(frames)
        if period is not None:
            # the sources' extent, which every later compute of this version reads (``cached_extent``)
            ext = extent(frames, *(f.lazy() for f in records))
            table = indicator_table(frames, period, records, version=data_version(pinned), ext=ext)
            try:  # the table a later compute of that quarter would make, and the extent: kept
                suffix = cache_suffix(pinned.fingerprint)
                atomic_write_frame(root / "cache" / f"indicators_{period.label}_{suffix}.parquet", table)
                atomic_write_frame(root / "cache" / f"extent_{suffix}.parquet", ext)
            except OSError:
                pass
    except (OSError, KeyboardInterrupt):
        raise
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"新版本无法计算，未发布（当前版本仍为 {current or '空'}）：{first}") from exc


# --- a folder of extracts, computed the way a store is ---------------------------------------------
_FOLDER_STORES: dict[str, "tempfile.TemporaryDirectory"] = {}


def folder_store(folder: Path | str) -> Path | None:
    """A folder of extracts ingested into a private store (a temporary folder, removed when the
    process ends), once per process and state of the folder: computing from extracts takes the
    road ingest + compute take — the same validation, cross-file rules, spilled batches and record
    cache — not a second one. None when the folder holds no row to store. A file that should have
    been read and was not raises :class:`ExtractError`, as ``validate`` does."""
    import tempfile

    from getpower.table import data_version

    key = f"{Path(folder).resolve()}|{data_version(folder)}"
    if key not in _FOLDER_STORES:
        tmp = tempfile.TemporaryDirectory(prefix="getpower-extracts-")
        try:
            res = Store(Path(tmp.name) / "store").ingest([Path(folder)], prove_version=False)
        except BaseException:
            tmp.cleanup()
            raise
        errors = [n for n in res.not_read if n.error]
        if errors:
            tmp.cleanup()
            raise ExtractError(f"{errors[0].name}: {errors[0].reason}")
        _FOLDER_STORES[key] = tmp
    root = Path(_FOLDER_STORES[key].name) / "store"
    return root if Store(root).exists() else None


# --- helpers -------------------------------------------------------------------------------------
def _checkpoint(step: str, fail_after: str | None) -> None:
    """Fault injection for tests: ``fail_after`` raises here; ``GETPOWER_FAULT=<step>:<signal>``
    sends the process that signal here (a subprocess test kills an ingest at a known point)."""
    if fail_after == step:
        raise RuntimeError(f"simulated failure after {step}")
    spec = os.environ.get(FAULT_ENV, "")
    if spec.startswith(f"{step}:"):
        import signal

        what = spec.split(":", 1)[1]
        if what == "error":
            raise RuntimeError(f"simulated failure after {step}")
        os.kill(os.getpid(), getattr(signal, what))


def _write_json(path: Path, data: dict) -> None:
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def _fingerprint(checksums: dict[str, str]) -> str:
    """The data's fingerprint: the checksums of the kinds' files, each with its relative path
    without ``.parquet`` (pending stages are not data any computation reads). A version in the
    one-file layout (``stages.parquet``) keeps the fingerprint it had: its paths are the kinds' names."""
    h = hashlib.sha256()
    for kind in KIND_BY_NAME:
        for name in sorted(n for n in checksums if n == f"{kind}.parquet" or n.startswith(f"{kind}/")):
            h.update(name.removesuffix(".parquet").encode())
            h.update(checksums[name].encode())
    return h.hexdigest()[:16]


def _fsync_dir(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (the partitions' folders too), then ``folder``."""
    for p in folder.iterdir():
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
        elif p.is_dir() and not p.name.startswith("."):
            _fsync_dir(p)
    _fsync_dir_entry(folder)


def _fsync_dir_entry(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cache_suffix(fingerprint: str) -> str:
    """How the names of cached results of this data, params and code end."""
    from getpower import source_fingerprint

    return f"{fingerprint}_{params.version()}_{source_fingerprint()}"


def cache_dirs(store: Store) -> list[Path]:
    """Where to keep what is computed from a store, in order of preference: its own ``cache/``,
    then the user's cache folder (a read-only store, an archived copy) under a name of the
    store's path."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.sha256(str(store.root.resolve()).encode()).hexdigest()[:16]
    return [store.root / "cache", base / "getpower" / name]
