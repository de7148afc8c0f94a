"""The aggregations the engine and the custom functions share: pooled province rows, segments,
means, ratios and counts.

Every indicator's rows are a LazyFrame with the columns of :data:`RESULT` — one row per city (and
the province 全省 computed from pooled records), segment and unit.
"""
from __future__ import annotations

import polars as pl

from getpower import params

ALL = "全部"
RESULT = {"city": pl.String, "segment": pl.String, "unit": pl.String, "value": pl.Float64, "n": pl.Int64,
          "reason": pl.String}


def province() -> str:
    return params.province()


def with_province(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The records once per city and once more pooled as the province (never a mean of cities)."""
    return pl.concat([lf, lf.with_columns(pl.lit(province()).alias("city"))], how="vertical")


def segmented(lf: pl.LazyFrame, column: str | None) -> pl.LazyFrame:
    """Records labelled by segment: each record once under its own ``column`` value and once under 全部."""
    whole = lf.with_columns(pl.lit(ALL).alias("segment"))
    if column is None:
        return whole
    return pl.concat([whole, lf.with_columns(pl.col(column).cast(pl.String).alias("segment"))], how="vertical")


def finish(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Cast to the result schema and order the columns."""
    cols = []
    for name, dtype in RESULT.items():
        cols.append(pl.col(name).cast(dtype) if name in lf.collect_schema() else pl.lit(None, dtype).alias(name))
    return lf.select(cols)


def _rollup(cells: pl.LazyFrame, sums: list[str], segment: str | None) -> pl.LazyFrame:
    """From per-(city, segment) partial sums, add 全部 (all segments) and the province (all cities).

    Aggregating first and summing the partial sums is the same as pooling the records: the province
    value is Σ over all records / Σ over all records, never a mean of city values."""
    if segment is None:
        by_city = cells.with_columns(pl.lit(ALL).alias("segment"))
    else:
        whole = cells.group_by("city").agg(pl.col(c).sum() for c in sums).with_columns(pl.lit(ALL).alias("segment"))
        by_city = pl.concat([cells.rename({segment: "segment"}).with_columns(pl.col("segment").cast(pl.String)),
                             whole], how="diagonal_relaxed")
    prov = by_city.group_by("segment").agg(pl.col(c).sum() for c in sums).with_columns(pl.lit(province()).alias("city"))
    return pl.concat([by_city, prov], how="diagonal_relaxed")


def _cells(lf: pl.LazyFrame, segment: str | None, aggs: list[pl.Expr]) -> pl.LazyFrame:
    keys = ["city"] if segment is None else ["city", segment]
    # cached: the roll-up reads the cells more than once, and the records must be aggregated once
    return lf.group_by(keys).agg(aggs).cache()


def mean_of(lf: pl.LazyFrame, value: str, unit: str, segment: str | None = None) -> pl.LazyFrame:
    """Mean of ``value`` per city and segment over non-null records; ``n`` = records averaged."""
    cells = _cells(lf.filter(pl.col(value).is_not_null()), segment,
                   [pl.col(value).cast(pl.Float64).sum().alias("_sum"), pl.len().cast(pl.Int64).alias("n")])
    out = _rollup(cells, ["_sum", "n"], segment).with_columns(
        (pl.col("_sum") / pl.col("n")).alias("value"), pl.lit(unit).alias("unit"))
    return finish(out)


def ratio_of(lf: pl.LazyFrame, numerator: pl.Expr, segment: str | None = None,
             denominator: pl.Expr | None = None, reason: str = "分母为零") -> pl.LazyFrame:
    """Σ numerator / Σ denominator per city and segment (records where ``denominator`` holds).

    ``n`` = the denominator's record count; a zero denominator gives a null value with ``reason``.
    """
    den = pl.lit(True) if denominator is None else denominator.fill_null(False)
    cells = _cells(lf.filter(den), segment, [numerator.fill_null(False).cast(pl.Int64).sum().alias("_num"),
                                             pl.len().cast(pl.Int64).alias("n")])
    out = _rollup(cells, ["_num", "n"], segment).with_columns(
        pl.when(pl.col("n") > 0).then(pl.col("_num") / pl.col("n")).otherwise(None).alias("value"),
        pl.when(pl.col("n") > 0).then(None).otherwise(pl.lit(reason)).alias("reason"),
        pl.lit("ratio").alias("unit"),
    )
    return finish(out)


def count_of(lf: pl.LazyFrame, condition: pl.Expr, segment: str | None = None,
             population: pl.Expr | None = None) -> pl.LazyFrame:
    """Number of records where ``condition`` holds, among ``population``; ``n`` = population size."""
    pop = pl.lit(True) if population is None else population.fill_null(False)
    cells = _cells(lf.filter(pop), segment, [condition.fill_null(False).cast(pl.Int64).sum().alias("_count"),
                                             pl.len().cast(pl.Int64).alias("n")])
    out = _rollup(cells, ["_count", "n"], segment).with_columns(
        pl.col("_count").cast(pl.Float64).alias("value"), pl.lit("count").alias("unit"))
    return finish(out)
