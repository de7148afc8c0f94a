"""Analyst views that are not indicators of the table: distributions and breakdowns for the
exploration notebooks. Computed here, shown there."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import segmented, with_province
from getpower.indicators.engine import records
from getpower.indicators.reliability import counted_events
from getpower.indicators.rules import Rules
from getpower.periods import Period
from getpower.registry import spec
from getpower.table import cached_record_level, load_frames, prepare_inputs


def process_days_distribution(path, period: str) -> pl.DataFrame:
    """Mean, median and 90th percentile of 全过程办电时间 (calendar days) by city and customer class,
    over applications completed in the period (indicators.md §1: distributions)."""
    frames = load_frames(path)
    inp = prepare_inputs(frames, Period.parse(period), cached_record_level(path, frames))
    # the records process_days_mean (calendar days) averages, from its declaration
    done = records(spec("process_days_mean"), inp, unit="calendar_days").with_columns(
        pl.col("city", "customer_class").cast(pl.String))
    recs = segmented(with_province(done), "customer_class")
    return recs.group_by("city", "segment").agg(
        pl.len().alias("n"), pl.col("process_cd").mean().alias("mean"), pl.col("process_cd").median().alias("median"),
        pl.col("process_cd").quantile(0.9, interpolation="nearest").alias("p90"), pl.col("process_cd").max().alias("max"),
    ).sort("city", "segment").collect()


def outage_by_month(path, year: int) -> pl.DataFrame:
    """Customer-hours and events by city, month and kind (planned / fault) in a calendar year,
    events of at least the minimum duration, by their start."""
    # the events every outage indicator counts (at least the year's minimum duration)
    ev = counted_events(load_frames(path)["outages"], Rules.for_year(year)).filter(pl.col("started_at").dt.year() == year)
    return ev.with_columns(
        ((pl.col("restored_at") - pl.col("started_at")).dt.total_microseconds() / 3.6e9 * pl.col("customers_affected"))
        .alias("customer_hours"), pl.col("started_at").dt.month().alias("month"),
    ).group_by("city", "month", "kind").agg(pl.col("customer_hours").sum(), pl.len().alias("events")).sort(
        "city", "month", "kind").collect()
