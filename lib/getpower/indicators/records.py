"""Record-level preparation (period-independent, cached per data version by the driver): one row
per application with its derived times, counts and integrity flags; stage spans.

Definitions (indicators.md §1–§2, §7):

- ``accepted_at``: the earliest ``started_at`` of the application's 申请受理 stage records.
- ``completed_at``: the latest ``finished_at`` of its last stage (装表接电 / 竣工装表接电); an
  application is *completed* when that exists and it is not withdrawn (status 已撤销). Status left
  blank is derived: 已归档 when completed, else 在途.
- ``process_cd`` / ``process_wd``: ``accepted_at`` → ``completed_at`` in calendar / working days.
- ``utility_cd`` / ``utility_wd``: the sum over its stage records of each record's span (a stage
  gone through twice counts twice; time between stages is not counted).
- ``stage_count``: distinct stages; ``repeated``: some stage has two or more records.
- ``backfill``: a stage recorded more than ``backfill_days`` after it finished.
- ``burst``: every stage recorded (all ``recorded_at`` present), the spread of ``recorded_at`` within
  ``burst_minutes``, the spans adding up to more than ``burst_min_span_days``, two or more records.
- ``pre_acceptance``: a stage record starting before ``accepted_at``.
"""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.calendar import add_working_days, calendar_days
from getpower.contract import LAST_STAGES, STAGE
from getpower.periods import Period


def threshold(name: str, year: int | None = None):
    entry = params.load("thresholds.yaml")[name]
    if "by_year" in entry:
        return entry["by_year"].get(year)
    return entry.get("value", entry.get("values"))


def stage_spans(stages: pl.LazyFrame, years: tuple[int, int]) -> pl.LazyFrame:
    """Stage records with ``span_cd`` / ``span_wd`` (null while the stage is open)."""
    lf = stages.with_columns(calendar_days(pl.col("started_at"), pl.col("finished_at")).alias("span_cd"))
    return add_working_days(lf, "started_at", "finished_at", "span_wd", years)


def application_records(applications: pl.LazyFrame, spans: pl.LazyFrame, years: tuple[int, int]) -> pl.LazyFrame:
    """One row per application with everything the §1, §2 and §7 indicators need."""
    p = {k: threshold(k) for k in ("backfill_days", "burst_minutes", "burst_min_span_days")}
    is_last = pl.col("stage").is_in(list(LAST_STAGES))
    # a stage as one bit of a 32-bit mask (its position in the contract's list of stages, fewer
    # than 32): the distinct stages of an application are the bits set in the OR of its rows'
    # masks, a plain aggregation where ``n_unique`` takes a hash set per group (0.14 → 0.10 s
    # CPU for the 3 M stage records at 1×)
    stage_bit = pl.lit(2, pl.UInt32).pow(pl.col("stage").cast(pl.Enum(list(STAGE))).to_physical().cast(pl.UInt32))
    # what a condition picks out of a group is a column of the rows first (null where it does not
    # hold), so that every aggregation is a plain min, max, sum or count over the group: a filter
    # or an expression inside the aggregation takes polars' slower per-group road (half the CPU
    # of building the record cache at 1×)
    rows = spans.with_columns(
        pl.when(pl.col("stage") == "申请受理").then(pl.col("started_at")).alias("_accepted"),
        pl.when(is_last).then(pl.col("finished_at")).alias("_last"),
        ((pl.col("recorded_at") - pl.col("finished_at")) > pl.duration(days=p["backfill_days"])).alias("_late"),
        (pl.col("finished_at") - pl.col("started_at")).alias("_took"),
        stage_bit.alias("_stage_bit"),
    )
    per_app = rows.group_by("app_id").agg(
        pl.col("_accepted").min().alias("accepted_at"),
        pl.col("_last").max().alias("last_finished_at"),
        pl.col("span_cd").sum().alias("utility_cd"),
        pl.col("span_wd").sum().alias("utility_wd"),
        pl.col("_stage_bit").bitwise_or().bitwise_count_ones().alias("stage_count"),
        pl.len().alias("_records"),
        pl.col("_late").any().alias("backfill"),
        pl.col("recorded_at").null_count().alias("_unrecorded"),
        (pl.col("recorded_at").max() - pl.col("recorded_at").min()).alias("_spread"),
        pl.col("_took").sum().alias("_took"),
        pl.col("started_at").min().alias("first_started_at"),
        pl.col("finished_at").null_count().alias("_open"),
    ).select(
        "app_id", "accepted_at", "last_finished_at", "utility_cd", "utility_wd", "stage_count",
        (pl.col("_records") > pl.col("stage_count")).alias("repeated"),
        "backfill",
        ((pl.col("_records") >= 2) & (pl.col("_unrecorded") == 0)
         & (pl.col("_spread") <= pl.duration(minutes=p["burst_minutes"]))
         & (pl.col("_took") > pl.duration(days=p["burst_min_span_days"]))).alias("burst"),
        "first_started_at",
        (pl.col("_open") > 0).alias("has_open_stage"),
    )
    lf = applications.join(per_app, on="app_id", how="left").with_columns(
        (pl.col("first_started_at") < pl.col("accepted_at")).fill_null(False).alias("pre_acceptance"),
        (pl.col("status") == "已撤销").fill_null(False).alias("withdrawn"),
    )
    lf = lf.with_columns(
        pl.when(~pl.col("withdrawn")).then(pl.col("last_finished_at")).alias("completed_at"),
        pl.coalesce(pl.col("status"),
                    pl.when(pl.col("last_finished_at").is_not_null()).then(pl.lit("已归档")).otherwise(pl.lit("在途")))
        .alias("status_eff"),
    ).with_columns(calendar_days(pl.col("accepted_at"), pl.col("completed_at")).alias("process_cd"))
    lf = add_working_days(lf, "accepted_at", "completed_at", "process_wd", years)
    # an application without any stage record has no times: its sums are null, not 0
    return lf.with_columns(
        pl.when(pl.col("stage_count").is_null()).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("utility_cd", "utility_wd")
    )


def in_period(col: str, period: Period) -> pl.Expr:
    return (pl.col(col) >= period.start) & (pl.col(col) < period.end)
