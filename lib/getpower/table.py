"""The indicator table (indicators.md §10): every declared indicator for every city and the
province, for one period, scored against the year's targets.

``compute(path, period)`` is the entry point: ``path`` is a store or a folder of extracts
(validated on the fly; quarantined rows are left out).
"""
from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

import polars as pl

from getpower import params, source_fingerprint
from getpower.calendar import unknown_reason, unknown_years, year_range
from getpower.contract import CUSTOMER_CLASS, KINDS, STAGE
from getpower.currency import DataRangeError, apply_marks, check_period, extent, overall, row_marks
from getpower.indicators import engine
from getpower.indicators.common import ALL
from getpower.indicators.inputs import (  # noqa: F401  (IDENTIFYING, PSEUDO_PROVINCE_UNIT: importable from here)
    IDENTIFYING, MATERIALISED, PSEUDO_PROVINCE_UNIT, Limits, dependencies, resolve, stage_limits,
)
from getpower.indicators.records import application_records, stage_spans
from getpower.intake.normalise import POLARS_TYPES
from getpower.intake.validate import SCRATCH_IPC
from getpower.periods import Period
from getpower.registry import declared
from getpower.scoring import score_table
from getpower.store import (HIVE_KEYS, Store, atomic_write_frame, cache_dirs, cache_suffix, contract_columns,
                            folder_store, kind_files)
from getpower.targets import targets_for

COLUMNS = ["city", "period", "indicator", "segment", "unit", "value", "n", "reason",
           "target", "met", "met_by", "gap", "score", "rank", "target_source",
           "data_from", "data_to", "missing_source", "data_version"]
# Indicator queries whose inputs are all smaller than this run on polars' in-memory engine: the
# streaming engine costs about 5 ms to start a query, more than a small query takes in memory
# (measured at 1× a province-year, docs/benchmarks.md). Large inputs stream.
SMALL_INPUT_ROWS = 200_000
# The record cache is built for this many applications at a time (a part chosen by a hash of
# app_id): the per-application group-by holds one part (about 1 GiB) whatever the store's size.
RECORDS_PER_PART = 2_000_000


# --- sources ----------------------------------------------------------------------------------
def load_frames(path: Path | str, city: str | None = None, until: int | None = None) -> dict[str, pl.LazyFrame]:
    """Accepted rows per extract kind, from a store (folder with ``CURRENT``) or a folder of extracts.

    ``city`` / ``until`` (a store only): one partition's rows, the city's in the partitions of
    years up to ``until`` (:meth:`~getpower.store.Store.scan`; the ledger, which has no city, whole)."""
    frames: dict[str, pl.LazyFrame] = {}
    if isinstance(path, Store) or (Path(path) / "CURRENT").exists():
        store = path if isinstance(path, Store) else Store(path)
        for kind in KINDS:
            lf = store.scan(kind.name, city, until)
            if lf is not None:
                frames[kind.name] = lf
    else:  # a folder of extracts: stored as an ingest stores it (a private store), then read alike
        root = folder_store(path)
        if root is not None:
            return load_frames(root)
    for kind in KINDS:  # an absent kind is an empty frame of the right schema
        if kind.name not in frames:
            frames[kind.name] = pl.LazyFrame(schema={c.name: POLARS_TYPES[c.type] for c in kind.columns})
    return frames


# --- record-level work (period-independent, cached per data version) ------------------------------
# what the period inputs read of the record-level frames (the cache holds these and no more).
# ``rec`` numbers the applications: spans refer to their application by it (a 4-byte integer is
# cheaper to read and join than the ``app_id`` text, which only the records keep).
RECORD_COLUMNS = ("rec", "app_id", "city", "customer_class", "accepted_at", "completed_at", "withdrawn",
                  "important", "small_micro", "capacity_kw", "supply_voltage_kv", "channel",
                  "customer_investment_yuan", "process_cd", "process_wd", "utility_cd", "utility_wd",
                  "stage_count", "repeated", "backfill", "burst", "pre_acceptance")
SPAN_COLUMNS = ("rec", "city", "completed_at", "stage", "started_at", "finished_at", "span_cd", "stage_limit")


def data_years(frames: dict[str, pl.LazyFrame]) -> tuple[int, int]:
    return year_range((frames["stages"], "started_at"), (frames["stages"], "finished_at"),
                      (frames["approvals"], "submitted_at"), (frames["approvals"], "approved_at"))


# low-cardinality text as enumerations: smaller to keep and read, cheaper to group by (the
# distinct stages of ten million applications take a fraction of the memory as names)
STAGE_ENUM = pl.col("stage").cast(pl.Enum(list(STAGE)))


def stage_spans_plan(frames: dict[str, pl.LazyFrame], years: tuple[int, int]) -> pl.LazyFrame:
    """Every stage record with its spans (:func:`~getpower.indicators.records.stage_spans`), the
    stage as an enumeration: what both record-level plans start from."""
    return stage_spans(frames["stages"].with_columns(STAGE_ENUM), years)


def part_number(parts: int) -> pl.Expr:
    """The part (0 … parts − 1) a row's ``app_id`` falls in: a hash of ``app_id``."""
    return pl.col("app_id").hash(seed=0) % parts


def part_of(part: tuple[int, int]) -> pl.Expr:
    """Whether a row's ``app_id`` falls in part k of ``part`` = (k, parts) (:func:`part_number`)."""
    return part_number(part[1]) == part[0]


def record_level_plans(frames: dict[str, pl.LazyFrame], records: pl.LazyFrame | None = None,
                       part: tuple[int, int] = (0, 1), offset: int = 0,
                       years: tuple[int, int] | None = None,
                       spans: pl.LazyFrame | None = None) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The period-independent work as two lazy plans: stage spans (each with its application's
    number ``rec``, city, completion and annex-1 stage limit) and one record per application.

    ``records``: the records plan's output once written (a scan of it), so that the spans refer to
    the very numbers ``rec`` that were written; by default the records plan itself.
    ``part`` = (k, parts): the records of part k of the applications split by a hash of ``app_id``,
    numbered from ``offset`` (the per-application group-by then holds one part at a time).
    ``spans``: :func:`stage_spans_plan` once written (a scan of it; of part k's stage records
    only, when a part is asked), so that the spans of every stage record are computed once."""
    years = years or data_years(frames)
    stage = STAGE_ENUM
    apps = frames["applications"]
    mine = part_of(part)
    if part[1] > 1:
        apps = apps.filter(mine)
    if spans is None:
        spans = stage_spans_plan(frames, years)
        spans = spans.filter(mine) if part[1] > 1 else spans
    city = pl.col("city").cast(pl.Enum(list(params.cities())))
    # day counts fit in 32 bits; the annex-1 stage limits (a few days) are exact in 32-bit floats
    days = [pl.col(c).cast(pl.Int32) for c in ("process_cd", "process_wd", "utility_cd", "utility_wd", "stage_count")]
    recs = (application_records(apps, spans, years).with_row_index("rec", offset=offset)
            .with_columns(city, pl.col("customer_class").cast(pl.Enum(list(CUSTOMER_CLASS))), *days,
                          pl.col("channel").cast(pl.Categorical))
            .select(RECORD_COLUMNS))
    keys = (recs if records is None else records).select("app_id", "rec", "city", "customer_class", "completed_at")
    if part[1] > 1 and records is not None:  # the part's records only: a join table of one part
        keys = keys.filter(mine)
    limits = stage_limits().with_columns(stage, pl.col("customer_class").cast(pl.Enum(list(CUSTOMER_CLASS))))
    spans = (spans.join(keys, on="app_id", how="inner")  # orphan stages were quarantined at intake
             .join(limits, on=["stage", "customer_class"], how="left")
             .with_columns(pl.col("span_cd").cast(pl.Int32),
                           pl.col("stage_limit").cast(pl.Float32))
             .select(SPAN_COLUMNS))
    return spans, recs


def record_level(frames: dict[str, pl.LazyFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`record_level_plans`, collected (for a folder of extracts, which has no cache)."""
    years = data_years(frames)
    recs = record_level_plans(frames, years=years)[1].collect()
    spans = record_level_plans(frames, recs.lazy(), years=years)[0].collect()
    return spans, recs


def cached_record_level(path, frames: dict[str, pl.LazyFrame],
                        prune: bool = True) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """:func:`record_level` kept in a cache per data fingerprint, params and code version, as lazy
    scans: a query reads only the columns it uses. Built by streaming from the store's files to
    the cache's, so that memory stays bounded at any scale.

    ``path``: a store folder or a :class:`~getpower.store.Store`. The cache is the store's
    ``cache/``, else (a read-only store, a full disk) the user's cache folder, else none: the
    records are then computed in memory. A failed build never leaves a file behind."""
    store = path if isinstance(path, Store) else Store(path)
    if not store.exists():
        return tuple(f.lazy() for f in record_level(frames))
    key = cache_suffix(store.fingerprint)
    for folder in cache_dirs(store):
        sp, rc = folder / f"spans_{key}.arrow", folder / f"records_{key}.arrow"
        if sp.exists() and rc.exists():
            try:  # a damaged cache (a disk error, a copy cut short) is built again, never read
                pl.read_ipc_schema(sp), pl.read_ipc_schema(rc)
                break
            except Exception:
                for f in (sp, rc):
                    try:
                        f.unlink(missing_ok=True)
                    except OSError:
                        pass
        try:
            _build_record_cache(store, frames, sp, rc)
        except OSError:  # not writable here (read-only, disk full): the next place, else memory
            continue
        if prune and folder == store.root / "cache":
            store.prune_cache(key)  # what older data, params or code computed is never read again
        break
    else:
        return tuple(f.lazy() for f in record_level(frames))
    # uncompressed Arrow IPC, mapped from disk: nothing to decode, and unused columns are not read
    return pl.scan_ipc(sp), pl.scan_ipc(rc)


def _partition_groups(store: Store, frames: dict[str, pl.LazyFrame]) -> list[dict[str, pl.LazyFrame]]:
    """``frames`` a partition (year × city) at a time (its applications and stages, the other
    kinds whole), in the order of the partitions' paths, when the store's current version lays
    both out by year and city, else ``[frames]``. An application and its stages share one
    partition. Each partition's files are listed once (:func:`load_frames` per partition would
    read every file's footer again each time)."""
    folder = store.current
    if not all((folder / name).is_dir() for name in ("applications", "stages")):
        return [frames]
    by_part: dict[tuple[str, str], dict[str, list[Path]]] = {}
    for name in ("applications", "stages"):  # the applications' partitions first, in path order
        for f in kind_files(folder, name):
            by_part.setdefault((f.parent.parent.name, f.parent.name), {}).setdefault(name, []).append(f)
    groups = []
    for files in by_part.values():
        g = dict(frames)
        for name in ("applications", "stages"):
            g[name] = (contract_columns(pl.scan_parquet(files[name], hive_partitioning=True, hive_schema=HIVE_KEYS), name)
                       if name in files else frames[name].clear())
        groups.append(g)
    return groups or [frames]


def _build_record_cache(store, frames: dict[str, pl.LazyFrame], sp: Path, rc: Path) -> None:
    years = data_years(frames)
    parts = -(-store.manifest()["rows"].get("applications", 0) // RECORDS_PER_PART)
    if parts <= 1:
        # one part: the stage records read and spanned once, in memory (one part's: a few hundred
        # MB at most), the records and their spans collected from them, then written; streaming
        # both plans from the store read and spanned every stage record twice (0.5 s of CPU at 1×).
        # A store laid out by year and city holds an application and its stages in one partition:
        # the work runs a partition at a time (all at once), each one's joins and group-bys on
        # ``app_id`` a table a fraction the size, which the processor's cache holds (a third less
        # CPU than one table of every application), the records numbered across the partitions
        # in their order (another order than one table's, the same records and tables)
        groups = _partition_groups(store, frames)
        counts = [f.item() for f in pl.collect_all([g["applications"].select(pl.len()) for g in groups])]
        offsets = [sum(counts[:k]) for k in range(len(groups))]
        spans = [f.lazy() for f in pl.collect_all([stage_spans_plan(g, years) for g in groups])]
        recs = pl.collect_all([record_level_plans(g, years=years, spans=s, offset=o)[1]
                               for g, s, o in zip(groups, spans, offsets)])
        spanned = pl.collect_all([record_level_plans(g, r.lazy(), years=years, spans=s)[0]
                                  for g, r, s in zip(groups, recs, spans)])
        atomic_write_frame(rc, pl.concat(recs), "ipc")
        try:
            atomic_write_frame(sp, pl.concat(spanned), "ipc")
        except BaseException:  # records without their spans would be read as a complete cache
            rc.unlink(missing_ok=True)
            raise
        return
    scratch = rc.parent / f".parts-{uuid.uuid4().hex}"
    scratch.mkdir(parents=True)
    try:
        # the stages read, typed as enumerations and spanned once, written a part per folder in
        # one pass: each part's records and spans then read their own part (not every stage
        # record again), and the spans are joined with their part's records only
        plan = stage_spans_plan(frames, years)
        plan.with_columns(part_number(parts).alias("_part")).sink_ipc(
            pl.PartitionBy(scratch / "spans", key="_part", include_key=False), **SCRATCH_IPC)

        def spans_of(k: int) -> pl.LazyFrame:  # a part without stage records has no folder
            files = sorted((scratch / "spans" / f"_part={k}").glob("*"))
            return pl.scan_ipc(files) if files else pl.LazyFrame(schema=plan.collect_schema())

        files, offset = [], 0
        for k in range(parts):  # a part of the applications at a time, then streamed into one file
            files.append(scratch / f"{k}.arrow")
            record_level_plans(frames, part=(k, parts), offset=offset, years=years, spans=spans_of(k))[1].sink_ipc(
                files[-1], **SCRATCH_IPC)
            offset += pl.scan_ipc(files[-1]).select(pl.len()).collect().item()
        atomic_write_frame(rc, pl.scan_ipc(files), "ipc")
        try:
            files = [scratch / f"spans-{k}.arrow" for k in range(parts)]
            for k, f in enumerate(files):
                record_level_plans(frames, pl.scan_ipc(rc), part=(k, parts), years=years,
                                   spans=spans_of(k))[0].sink_ipc(f, **SCRATCH_IPC)
            atomic_write_frame(sp, pl.scan_ipc(files), "ipc")
        except BaseException:  # records without their spans would be read as a complete cache
            rc.unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def prepare_inputs(frames: dict[str, pl.LazyFrame], period: Period,
                   records: tuple[pl.DataFrame | pl.LazyFrame, pl.DataFrame | pl.LazyFrame] | None = None,
                   ids: bool = False) -> dict:
    """The inputs of the period (:mod:`getpower.indicators.inputs`), the populations of
    :data:`~getpower.indicators.inputs.MATERIALISED` collected once, together; the others are
    resolved from them on demand (:func:`~getpower.indicators.inputs.resolve`).
    ``records``: the output of :func:`record_level` or :func:`cached_record_level` when the caller
    has it already. ``ids``: keep what identifies the records (application number and dates) for
    lists of records; the indicators do not read them, so by default they are not copied."""
    spans, recs = (f.lazy() for f in (records if records is not None else record_level(frames)))
    values = {**frames, "period": period, "ids": ids, "records": recs, "spans": spans}
    plans = [resolve(name, values) for name in MATERIALISED]
    values.update(zip(MATERIALISED, (f.lazy() for f in pl.collect_all(plans))))
    for name in ("outage_coverage", "limits", "rules", "window", "approval_limits"):  # what callers read
        resolve(name, values)
    values["catalogue"] = values["catalogue_latest"]  # its name before #17
    return values


def _grid(specs=None) -> pl.DataFrame:
    """Every (city, indicator, segment, unit) the table must hold, with the declared null reason."""
    rows = []
    for s in specs if specs is not None else declared():
        for city in [*params.cities(), params.province()]:
            for seg in s.segments:
                for unit in s.units:
                    rows.append((city, s.id, seg, unit, s.null_reason))
    return pl.DataFrame(rows, schema={"city": pl.String, "indicator": pl.String, "segment": pl.String,
                                      "unit": pl.String, "_null_reason": pl.String}, orient="row")


def input_rows(name: str, values: dict, rows: dict) -> int:
    """Rows of an input: a collected one's height, else the largest of what it is built from."""
    if name not in rows:
        v = values.get(name)
        if name in MATERIALISED and isinstance(v, pl.LazyFrame):
            rows[name] = v.collect(engine="in-memory").height
        else:
            rows[name] = max((input_rows(d, values, rows) for d in dependencies(name)), default=0)
    return rows[name]


def raw_indicators(frames: dict[str, pl.LazyFrame], period: Period,
                   records: tuple[pl.DataFrame, pl.DataFrame] | None = None,
                   only: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every declared indicator (``only``: those ids) computed for the period, before scoring."""
    values = prepare_inputs(frames, period, records)
    specs = [s for s in declared() if only is None or s.id in only]
    rows: dict[str, int] = {}
    small, large = [], []
    for s in specs:
        query = engine.compute(s, values).with_columns(pl.lit(s.id).alias("indicator"))
        size = max((input_rows(n, values, rows) for n in engine.inputs_of(s)), default=0)
        (large if size > SMALL_INPUT_ROWS else small).append(query)
    computed = pl.concat([*pl.collect_all(small, engine="in-memory"), *pl.collect_all(large, engine="streaming")])
    table = _grid(specs).join(computed, on=["city", "indicator", "segment", "unit"], how="left")
    table = table.with_columns(
        pl.lit(period.label).alias("period"),
        pl.col("n").fill_null(0),
        pl.when(pl.col("value").is_null()).then(pl.coalesce(pl.col("reason"), pl.col("_null_reason")))
        .otherwise(None).alias("reason"),
    ).drop("_null_reason")
    missing = values["rules"].missing()  # year-dependent parameters the year lacks
    for s in specs:
        reason = next((missing[name] for name in s.requires if name in missing), None)
        if reason is None:
            continue
        hit = pl.col("indicator") == s.id
        table = table.with_columns(pl.when(hit).then(None).otherwise(pl.col("value")).alias("value"),
                                   pl.when(hit).then(pl.lit(reason)).otherwise(pl.col("reason")).alias("reason"))
    return without_calendar(table, period, values["limits"])


def working_day_rows(limits: Limits) -> pl.Expr:
    """The rows whose value counts working days: in working days, or judged against a limit in
    working days (the year's class limits, the 三零 limit, the approval limits)."""
    wd_rows = pl.col("unit") == "working_days"
    wd_classes = [cls for cls, (_measure, unit, _limit) in limits.by_class.items() if unit == "working_days"]
    judged = [(ind, seg) for ind in ("within_limit_rate", "open_overdue")
              for seg in ([*wd_classes, ALL] if wd_classes else [])]
    judged += [("approval_within_limit_rate", t.segment) for t in targets_for(limits.year)
               if t.indicator == "approval_days_mean" and t.unit == "working_days" and t.tiers is None]
    if any(ind == "approval_within_limit_rate" for ind, _ in judged):
        judged.append(("approval_within_limit_rate", ALL))
    if limits.sanling is not None and limits.sanling[1] == "working_days":
        label = params.load("thresholds.yaml")["sanling"]["label"]
        judged += [("within_limit_rate", label), ("open_overdue", label)]
    for ind, seg in judged:
        wd_rows = wd_rows | ((pl.col("indicator") == ind) & (pl.col("segment") == seg))
    return wd_rows


def without_calendar(table: pl.DataFrame, period: Period, limits: Limits) -> pl.DataFrame:
    """A period in a year the calendar does not know (no holiday schedule yet): its working-day
    values are null with the reason, its calendar-day values stand."""
    missing = unknown_years(range(period.start.year, period.last_day.year + 1))
    if not missing:
        return table
    hit = working_day_rows(limits)
    return table.with_columns(
        pl.when(hit).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(hit).then(pl.lit(unknown_reason(missing))).otherwise(pl.col("reason")).alias("reason"))


def indicator_table(frames: dict[str, pl.LazyFrame], period: Period | str,
                    records: tuple[pl.DataFrame, pl.DataFrame] | None = None, *,
                    allow_empty: bool = False, version: str | None = None,
                    ext: pl.DataFrame | None = None) -> pl.DataFrame:
    """The §10 table for one period: raw values, marked with what they stand on (the dates of
    their source, a source the city lacks, a period only partly covered), scored against the
    period year's targets.

    No data at all (not one row) is an error (:class:`DataRangeError`); so is a period outside
    the data unless ``allow_empty`` (then its values are null with the reason). ``version``: the data version
    written in every row; ``ext``: the data's :func:`~getpower.currency.extent` when the caller has it."""
    period = period if isinstance(period, Period) else Period.parse(period)
    records = records if records is not None else record_level(frames)
    ext = ext if ext is not None else extent(frames, *(f.lazy() for f in records))
    if ext.is_empty():  # not one row of any kind
        raise DataRangeError("没有可计算的数据（请先导入提取文件）")
    if not allow_empty and overall(ext) is not None:  # rows without any date (applications whose
        check_period(ext, period)                      # stages are pending) have no range to judge
    raw = apply_marks(raw_indicators(frames, period, records), row_marks(ext, period, declared()))
    table = score_table(raw, period.year).with_columns(pl.lit(version, pl.String).alias("data_version"))
    order_ind = {s.id: i for i, s in enumerate(declared())}
    order_city = {c: i for i, c in enumerate([*params.cities(), params.province()])}
    seg_order = {}
    for s in declared():
        for i, seg in enumerate(s.segments):
            seg_order.setdefault(seg, i)
    return table.select(COLUMNS).sort(
        pl.col("indicator").replace_strict(order_ind, default=999),
        pl.col("city").replace_strict(order_city, default=999),
        pl.col("segment").replace_strict(seg_order, default=999),
        "unit",
    )


def data_version(path) -> str:
    """The version of the data at ``path`` (a folder or a :class:`~getpower.store.Store`): the
    store's version and fingerprint, or for a folder of extracts a hash of its files' names, sizes
    and modification times."""


    store = path if isinstance(path, Store) else Store(path)
    if store.exists():
        return f"{store.manifest().get('name')}（{str(store.fingerprint)[:12]}）"
    h = hashlib.sha256()
    root = Path(path)
    for f in sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(root) if f != root else f.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return f"提取文件（{h.hexdigest()[:12]}）"


def compute(path: Path | str, period: Period | str, *, allow_empty: bool = False) -> pl.DataFrame:
    """The indicator table of ``period`` (``"2023Q4"``, ``"2023"``, ``"2023Q3YTD"``) from a store
    or a folder of extracts. No data, or a period outside the data, raises :class:`DataRangeError`
    (unless ``allow_empty`` for the latter)."""
    path = Path(path)
    if not path.exists():
        raise DataRangeError(f"数据路径不存在: {path}")
    if (path / "versions").is_dir() and not Store(path).exists():  # not a folder of extracts either
        raise DataRangeError(f"数据仓库 {path} 没有当前版本（缺少 CURRENT），无法计算：请重新导入或恢复该文件")
    # a folder of extracts is ingested into a private store first: the one road (issue #18)
    src = path if Store(path).exists() else (folder_store(path) or path)
    frames = load_frames(src)
    records = cached_record_level(src, frames)
    return indicator_table(frames, period, records, allow_empty=allow_empty, version=data_version(path),
                           ext=cached_extent(src, frames, records))


def partition_table(path: Path | str | Store, period: Period | str, city: str, *,
                    ext: pl.DataFrame | None = None) -> pl.DataFrame:
    """The indicator table's rows of one city, computed from that city's partitions of the store
    alone (the years up to the period's: every other file pruned by the scan) with the same lazy
    plans as the whole (docs/scale.md, "Partitions: year × city"). They equal the whole store's
    rows of the city (every indicator is a sum, count, mean or rate over the city's records), but
    for the rank among cities, which is the whole's alone: null here.

    ``ext``: the sources' extent over the whole store (数据截至 and the coverage marks are the
    whole's, not a partition's): computed once for the whole and given to every partition; by
    default :func:`cached_extent` (kept per data version)."""
    period = period if isinstance(period, Period) else Period.parse(period)
    store = path if isinstance(path, Store) else Store(path)
    if not store.exists():
        raise DataRangeError(f"数据仓库 {store.root} 没有当前版本，无法按分区计算")
    if city not in params.cities():
        raise DataRangeError(f"{city} 不是本省的地市（{'、'.join(params.cities())}）")
    if ext is None:
        whole = load_frames(store)
        ext = cached_extent(store.root, whole, cached_record_level(store.root, whole))
    frames = load_frames(store, city, period.last_day.year)
    table = indicator_table(frames, period, record_level(frames), version=data_version(store), ext=ext)
    return table.filter(pl.col("city") == city).with_columns(pl.lit(None, table.schema["rank"]).alias("rank"))


def cached_extent(path: Path | str, frames: dict[str, pl.LazyFrame], records) -> pl.DataFrame:
    """:func:`~getpower.currency.extent`, once per data version of a store (in ``<store>/cache/``;
    a scan of every source that each period's compute would otherwise repeat)."""
    store = Store(path)
    if not store.exists():
        return extent(frames, *(f.lazy() for f in records))
    cached = store.root / "cache" / f"extent_{store.fingerprint}_{params.version()}_{source_fingerprint()}.parquet"
    if cached.exists():
        return pl.read_parquet(cached)
    ext = extent(frames, *(f.lazy() for f in records))
    try:
        atomic_write_frame(cached, ext)
    except OSError:  # a read-only store or a full disk: computed, just not kept
        pass
    return ext


def cache_key(path: Path | str, period: Period | str) -> str | None:
    """Data fingerprint × params version × source fingerprint × period, or None for a folder of extracts."""
    store = Store(path)
    if not store.exists():
        return None
    label = period.label if isinstance(period, Period) else Period.parse(period).label
    return f"{label}_{store.fingerprint}_{params.version()}_{source_fingerprint()}"


def cached_compute(path: Path | str, period: Period | str, *, allow_empty: bool = False) -> pl.DataFrame:
    """:func:`compute`, computed once per data fingerprint, params version and period (stored in
    ``<store>/cache/``); a folder of extracts is computed every time."""
    if allow_empty:  # asked for explicitly, computed every time: never read back when not allowed
        return compute(path, period, allow_empty=True)
    key = cache_key(path, period)
    if key is None:
        return compute(path, period)
    cached = Path(path) / "cache" / f"indicators_{key}.parquet"
    if cached.exists():
        try:
            return pl.read_parquet(cached)
        except Exception:  # damaged: computed again (and written again below)
            pass
    table = compute(path, period)
    try:
        atomic_write_frame(cached, table)
    except OSError:  # a read-only store or a full disk: computed, just not kept
        pass
    return table
