"""Synthetic extracts at a chosen scale, in the data contract's shape, for benchmarks.

Scale 1 = a province-year: 1,000,000 applications, about 3,000,000 stage records, 300,000 outage
events, 11 cities, 2023. Random numbers are polars hashes of the row index (deterministic in
``seed``, vectorised, no Python loop). CSV files carry the Chinese headers real exports have;
Parquet files the canonical column names.

    python benchmarks/generate.py OUT --scale 1 [--seed 1] [--formats csv parquet]
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

import polars as pl

from getpower import params
from getpower.contract import KIND_BY_NAME

YEAR_START = dt.datetime(2023, 1, 1)
SECONDS_IN_YEAR = 365 * 86400
CLASSES = ["居民", "低压非居民", "高压单电源", "高压双电源"]
AREAS = ["市中心区", "市区", "城镇", "农村"]
CHANNELS = ["网上国网", "浙里办", "浙江政务服务网", "微信", "支付宝", "营业厅", "95598", "客户经理上门"]


def uniform(n_expr: pl.Expr, seed: int) -> pl.Expr:
    """A uniform number in [0, 1) per row, from a hash of ``n_expr`` and ``seed``."""
    return (n_expr.hash(seed) % 1_000_000_007).cast(pl.Float64) / 1_000_000_007


def normal(n_expr: pl.Expr, seed: int) -> pl.Expr:
    u1, u2 = uniform(n_expr, seed).clip(1e-12, 1), uniform(n_expr, seed + 7919)
    return (-2 * u1.log()).sqrt() * (2 * math.pi * u2).cos()


def pick(u: pl.Expr, values: list[str], weights: list[float]) -> pl.Expr:
    acc, expr = 0.0, None
    for v, w in zip(values, weights):
        acc += w
        expr = pl.when(u < acc).then(pl.lit(v)) if expr is None else expr.when(u < acc).then(pl.lit(v))
    return expr.otherwise(pl.lit(values[-1]))


def applications(n: int, seed: int, start: int = 0) -> pl.DataFrame:
    i = pl.int_range(start, start + n, dtype=pl.UInt64)
    cities = list(params.cities())
    return pl.select(
        ("B" + i.cast(pl.String).str.zfill(9)).alias("app_id"),
        pl.lit(pl.Series(cities)).gather((uniform(i, seed) * len(cities)).cast(pl.UInt32)).alias("city"),
        pick(uniform(i, seed + 1), AREAS, [0.1, 0.3, 0.3, 0.3]).alias("area_type"),
        pick(uniform(i, seed + 2), CLASSES, [0.55, 0.35, 0.08, 0.02]).alias("customer_class"),
        (uniform(i, seed + 3) < 0.05).alias("important"),
        (uniform(i, seed + 4) < 0.6).alias("small_micro"),
        (uniform(i, seed + 5) * 300).round(0).alias("capacity_kw"),
        pl.lit(0.38).alias("supply_voltage_kv"),
        pick(uniform(i, seed + 6), CHANNELS, [0.4, 0.2, 0.1, 0.1, 0.05, 0.1, 0.03, 0.02]).alias("channel"),
        pl.when(uniform(i, seed + 7) < 0.9).then(0.0).otherwise(5000.0).alias("customer_investment_yuan"),
        pl.lit("已归档").alias("status"),
        i.alias("_i"),
    ).with_columns(
        pl.when(pl.col("customer_class").str.starts_with("高压")).then(10.0).otherwise(pl.col("supply_voltage_kv"))
        .alias("supply_voltage_kv"))


def stages(apps: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Low voltage: 申请受理, 装表接电, and for 60 % a repeated 装表接电; high voltage: 6 stages."""
    lv = ["申请受理", "装表接电", "装表接电"]
    hv = ["申请受理", "供电方案答复", "设计审查", "中间检查", "竣工检验", "装表接电"]
    a = apps.select("app_id", "customer_class", "_i").with_columns(
        (pl.lit(YEAR_START) + pl.duration(seconds=(uniform(pl.col("_i"), seed) * (SECONDS_IN_YEAR - 90 * 86400)).cast(pl.Int64)))
        .alias("t0"),
        pl.when(pl.col("customer_class").str.starts_with("高压")).then(pl.lit(hv)).otherwise(
            pl.when(uniform(pl.col("_i"), seed + 1) < 0.6).then(pl.lit(lv)).otherwise(pl.lit(lv[:2]))).alias("stage"))
    s = a.explode("stage").with_columns(pl.int_range(pl.len()).over("app_id").alias("k"))
    span_h = (normal(pl.col("_i") * 8 + pl.col("k"), seed + 2) * 0.6 + math.log(30)).exp()
    s = s.with_columns(span_h.alias("span_h"))
    s = s.with_columns(
        (pl.col("t0") + pl.duration(hours=(pl.col("span_h").cum_sum().over("app_id") - pl.col("span_h") + pl.col("k") * 12)
                                    .cast(pl.Int64))).alias("started_at"))
    s = s.with_columns((pl.col("started_at") + pl.duration(hours=pl.col("span_h").cast(pl.Int64) + 1)).alias("finished_at"))
    return s.select("app_id", "stage", "started_at", "finished_at",
                    (pl.col("finished_at") + pl.duration(minutes=5)).alias("recorded_at"))


def outages(n: int, seed: int, start: int = 0) -> pl.DataFrame:
    i = pl.int_range(start, start + n, dtype=pl.UInt64)
    cities = list(params.cities())
    start = pl.lit(YEAR_START) + pl.duration(seconds=(uniform(i, seed) * SECONDS_IN_YEAR).cast(pl.Int64))
    hours = (normal(i, seed + 1) * 0.7 + math.log(2.0)).exp()
    return pl.select(
        ("E" + i.cast(pl.String).str.zfill(9)).alias("event_id"),
        pl.lit(pl.Series(cities)).gather((uniform(i, seed + 2) * len(cities)).cast(pl.UInt32)).alias("city"),
        pick(uniform(i, seed + 3), AREAS, [0.1, 0.3, 0.3, 0.3]).alias("area_type"),
        pick(uniform(i, seed + 4), ["预安排", "故障"], [0.45, 0.55]).alias("kind"),
        pick(uniform(i, seed + 5), ["内部", "外部影响", "系统电源不足限电"], [0.9, 0.08, 0.02]).alias("cause"),
        start.alias("started_at"),
        (start + pl.duration(seconds=(hours * 3600).cast(pl.Int64) + 60)).alias("restored_at"),
        (uniform(i, seed + 6) * 3000 + 1).cast(pl.Int64).alias("customers_affected"),
    )


def customer_base(scale: float) -> pl.DataFrame:
    rows = [(c, a, d, int(base * 1000 * max(scale, 0.01)))
            for c in params.cities() for a, base in zip(AREAS, (60, 200, 250, 250))
            for d in (dt.date(2022, 12, 31), dt.date(2023, 6, 30), dt.date(2023, 12, 31))]
    return pl.DataFrame(rows, schema={"city": pl.String, "area_type": pl.String, "as_of": pl.Date, "customers": pl.Int64},
                        orient="row")


def approvals(n: int, seed: int, start: int = 0) -> pl.DataFrame:
    i = pl.int_range(start, start + n, dtype=pl.UInt64)
    cities = list(params.cities())
    sub = pl.lit(YEAR_START) + pl.duration(seconds=(uniform(i, seed) * (SECONDS_IN_YEAR - 30 * 86400)).cast(pl.Int64))
    return pl.select(
        ("P" + i.cast(pl.String).str.zfill(9)).alias("project_id"),
        pl.lit(pl.Series(cities)).gather((uniform(i, seed + 1) * len(cities)).cast(pl.UInt32)).alias("city"),
        pick(uniform(i, seed + 2), ["低压", "10kV", "20kV", "35kV及以上"], [0.5, 0.4, 0.05, 0.05]).alias("voltage_class"),
        (uniform(i, seed + 3) * 1000).round(0).alias("line_length_m"),
        pick(uniform(i, seed + 4), ["行政许可", "并联审批", "告知承诺", "备案", "免于审批"], [0.3, 0.3, 0.2, 0.1, 0.1]).alias("mode"),
        sub.alias("submitted_at"),
        (sub + pl.duration(hours=(uniform(i, seed + 5) * 200).cast(pl.Int64))).alias("approved_at"),
    )


def headers(kind: str) -> dict[str, str]:
    return {c.name: (c.aliases[0] if c.aliases else c.name) for c in KIND_BY_NAME[kind].columns}


CHUNK = 1_000_000  # applications generated at a time (30× in a few GiB); the rows are the same in any chunking


def generate(out: Path | str, scale: float = 1.0, seed: int = 1, formats=("csv", "parquet")) -> dict[str, int]:
    """Every kind in one file per format, written a chunk of applications at a time (with their
    stages, and the same share of outages and approvals): memory is one chunk's, whatever the scale."""
    out = Path(out)
    n_apps, n_out, n_appr = int(1_000_000 * scale), int(300_000 * scale), int(50_000 * scale)
    counts = dict.fromkeys(["applications", "stages", "outages", "customer_base", "approvals"], 0)
    for fmt in formats:
        (out / fmt / ".chunks").mkdir(parents=True, exist_ok=True)
    chunks = max(1, -(-n_apps // CHUNK))
    for k in range(chunks):
        def share(n: int) -> tuple[int, int]:
            lo, hi = n * k // chunks, n * (k + 1) // chunks
            return lo, hi - lo
        a0, an = share(n_apps)
        apps = applications(an, seed, a0)
        frames = {"applications": apps.drop("_i"), "stages": stages(apps, seed + 100),
                  "outages": outages(share(n_out)[1], seed + 200, share(n_out)[0]),
                  "approvals": approvals(share(n_appr)[1], seed + 300, share(n_appr)[0])}
        if k == 0:
            frames["customer_base"] = customer_base(scale)
        for kind, df in frames.items():
            counts[kind] += df.height
            for fmt in formats:
                if fmt == "parquet":
                    df.write_parquet(out / fmt / ".chunks" / f"{kind}-{k:04d}.parquet")
                else:
                    with open(out / fmt / f"{kind}.csv", "wb" if k == 0 else "ab") as fh:
                        df.rename(headers(kind), strict=False).write_csv(fh, include_header=k == 0,
                                                                         datetime_format="%Y-%m-%d %H:%M:%S")
        del apps, frames
    if "parquet" in formats:  # the chunks streamed into one file per kind
        for kind in counts:
            pl.scan_parquet(sorted((out / "parquet" / ".chunks").glob(f"{kind}-*.parquet"))).sink_parquet(
                out / "parquet" / f"{kind}.parquet")
    for fmt in formats:
        import shutil

        shutil.rmtree(out / fmt / ".chunks")
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    a = ap.parse_args()
    print(generate(a.out, a.scale, a.seed, a.formats))
