"""The indicator table's lazy plans run on one partition (year × city) at a time, beside the whole
store at once, and DuckDB's core indicators over the same Hive layout
(``<kind>/year=YYYY/city=XX/*.parquet``: what DuckDB, Spark, Trino and polars scan with partition
pruning).

A store written since the partitioned layout is read as it is (its current version's folder is the
Hive layout: nothing is copied); a store written before it is first copied once into ``LAKE`` in
that layout (``write_lake``), and its own one-file-per-kind layout filtered by city is timed too.

    python benchmarks/partitions.py STORE LAKE PERIOD
    python benchmarks/partitions.py --duckdb LAKE YEAR     (DuckDB only, over a layout written before)

An application's year is the year its first stage record starts (its acceptance; 0 without any);
stages take their application's city and year; outages go by ``started_at``, approvals by
``submitted_at``, the customer base by ``as_of`` (``store.PARTITION_DATE``). A year's table reads
the partitions of that year and the years before it (an application accepted in December may be
connected in January).
"""
from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import polars as pl

from getpower import params
from getpower.store import Store
from getpower.currency import extent
from getpower.table import indicator_table, load_frames, partition_table, record_level

DATED = {"outages": "started_at", "approvals": "submitted_at", "customer_base": "as_of", "service_items": "as_of"}


def write_lake(store: Path | str, lake: Path | str) -> float:
    """Every kind of the current version streamed into ``lake`` by year and city; seconds taken."""
    t = time.perf_counter()
    lake = Path(lake)
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    cur = Store(store).current
    scan = lambda k: pl.scan_parquet(cur / f"{k}.parquet")  # noqa: E731
    year = (scan("stages").group_by("app_id").agg(pl.col("started_at").min().dt.year().alias("year"))
            .join(scan("applications").select("app_id", "city"), on="app_id", how="right"))
    year.with_columns(pl.col("year").fill_null(0)).sink_parquet(lake / "_keys.parquet")
    keys = pl.scan_parquet(lake / "_keys.parquet")
    by = pl.PartitionBy  # noqa: N806
    scan("applications").join(keys.select("app_id", "year"), on="app_id", how="left").sink_parquet(
        by(lake / "applications", key=["year", "city"], include_key=False))
    scan("stages").join(keys, on="app_id", how="inner").sink_parquet(
        by(lake / "stages", key=["year", "city"], include_key=False))
    for kind, col in DATED.items():
        if (cur / f"{kind}.parquet").exists():
            scan(kind).with_columns(pl.col(col).dt.year().alias("year")).sink_parquet(
                by(lake / kind, key=["year", "city"], include_key=False))
    (lake / "_keys.parquet").unlink()
    return time.perf_counter() - t


def lake_frames(lake: Path, city: str, year: int, like: dict[str, pl.LazyFrame]) -> dict[str, pl.LazyFrame]:
    """One partition's frames: every kind's files of the city and of the years up to ``year``
    (pruned by the Hive keys), in the store's column order and types; a kind not in the layout
    (the ledger has no city) whole."""
    out = {}
    for kind, lf in like.items():
        schema = lf.collect_schema()
        if not (lake / kind).exists():  # no city (the ledger), or no rows: the store's, whole
            out[kind] = lf
            continue
        part = pl.scan_parquet(lake / kind, hive_partitioning=True).filter(
            (pl.col("city") == city) & (pl.col("year") <= year))
        out[kind] = part.select([pl.col(c).cast(t) for c, t in schema.items()])
    return out


def duckdb_partitions(lake: Path, year: int) -> dict:
    """The core indicators of ``duckdb_peer`` (DuckDB SQL) over the same Hive layout, one city at a
    time (DuckDB prunes the other cities' files: ``EXPLAIN ANALYZE`` shows 1 of 11 read) and all
    at once. Empty when duckdb is not installed (a peer installed apart: benchmarks/peers.txt)."""
    try:
        import duckdb
    except ImportError:
        return {}
    if not all((lake / k).exists() for k in ("stages", "applications", "outages", "customer_base")):
        return {}
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from duckdb_peer import OUTAGE_HOURS, PROCESS_DAYS

    def run(where: str) -> float:
        con = duckdb.connect()
        for kind in ("stages", "applications", "outages", "customer_base"):
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet('{lake / kind}/*/*/*.parquet', "
                        f"hive_partitioning = true) {where}")
        sql = {k: v.replace("read_parquet($stages)", "stages").replace("read_parquet($apps)", "applications")
               .replace("read_parquet($outages)", "outages").replace("read_parquet($customers)", "customer_base")
               for k, v in (("days", PROCESS_DAYS), ("hours", OUTAGE_HOURS))}
        t = time.perf_counter()
        con.execute(sql["days"], {"year": year}).fetchall()
        con.execute(sql["hours"], {"year": year}).fetchall()
        return time.perf_counter() - t

    per = [run(f"WHERE city = '{c}'") for c in params.cities()]
    return {"duckdb_city_median_seconds": statistics.median(per), "duckdb_city_max_seconds": max(per),
            "duckdb_whole_seconds": run("")}


def main(store: str, lake: str, period: str) -> dict:
    st = Store(store)
    partitioned = (st.current / "stages").is_dir()  # the store's own layout: read where it lies
    lake_p = st.current if partitioned else Path(lake)
    written = None if partitioned else write_lake(store, lake_p)
    frames = load_frames(st)
    year = int(period[:4])

    def filtered(city: str) -> dict[str, pl.LazyFrame]:  # the one-file layout's files, filtered
        apps = frames["applications"].filter(pl.col("city") == city)
        return {k: (lf.join(apps.select("app_id"), on="app_id", how="semi") if k == "stages" else
                    lf.filter(pl.col("city") == city) if "city" in lf.collect_schema().names() else lf)
                for k, lf in frames.items()}

    # the whole store first: the extent of every source (数据截至 and coverage marks) is the whole
    # source's, one small table every partition is given (a partition alone would see its own)
    t = time.perf_counter()
    recs = record_level(frames)
    ext = extent(frames, *(f.lazy() for f in recs))
    whole = indicator_table(frames, period, recs, ext=ext)
    whole_s = time.perf_counter() - t
    del recs
    times: dict[str, list[float]] = {"lake": [], "filtered": []}
    tables = []
    for city in params.cities():
        t = time.perf_counter()
        if partitioned:  # the library's per-partition run over the store itself
            tables.append(partition_table(st, period, city, ext=ext))
        else:
            fr = lake_frames(lake_p, city, year, frames)
            tables.append(indicator_table(fr, period, record_level(fr), ext=ext).filter(pl.col("city") == city))
        times["lake"].append(time.perf_counter() - t)
        if not partitioned:
            t = time.perf_counter()
            fr = filtered(city)
            indicator_table(fr, period, record_level(fr), ext=ext)
            times["filtered"].append(time.perf_counter() - t)
    # the cities' rows of the partitions are the whole store's (a check, not a timing; ranks are
    # among the cities, so they are the one thing a partition alone cannot give)
    order = ["indicator", "city", "segment", "unit"]
    same = pl.concat(tables).sort(order).drop("rank", "data_version").equals(
        whole.filter(pl.col("city") != params.province()).sort(order).drop("rank", "data_version"))
    files = sum(1 for _ in lake_p.rglob("*.parquet"))
    duck = duckdb_partitions(lake_p, year)
    out = {"layout": "store (year x city)" if partitioned else "copy of a one-file store",
           "write_seconds": written, "files": files, "partitions": len(times["lake"]),
           "lake_median_seconds": statistics.median(times["lake"]), "lake_max_seconds": max(times["lake"]),
           "lake_sum_seconds": sum(times["lake"]), "whole_seconds": whole_s, "cities_equal_whole": same, **duck}
    if times["filtered"]:
        out |= {"filtered_median_seconds": statistics.median(times["filtered"]),
                "filtered_sum_seconds": sum(times["filtered"])}
    return out


if __name__ == "__main__":
    if sys.argv[1] == "--duckdb":  # DuckDB only, over a layout written before: LAKE YEAR
        print(json.dumps(duckdb_partitions(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(main(*sys.argv[1:4])))
