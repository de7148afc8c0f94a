"""§1 Handling time (办电时间). Grain: city × period × customer class (segment) × day unit."""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.indicators.common import ALL, count_of, finish, indicator, mean_of, ratio_of
from getpower.indicators.inputs import Limits, measured_against_limit


@indicator
def process_days_mean(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Mean 全过程办电时间 over completed applications: 申请受理 start → last stage finish.

    value = Σ process_days / n, in calendar days and in working days (start day not counted).
    """
    return pl.concat([mean_of(completed, "process_cd", "calendar_days", "customer_class"),
                      mean_of(completed, "process_wd", "working_days", "customer_class")])


@indicator
def utility_days_mean(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Mean 合计办理时间: per application the sum of its stage records' spans; calendar and working days."""
    return pl.concat([mean_of(completed, "utility_cd", "calendar_days", "customer_class"),
                      mean_of(completed, "utility_wd", "working_days", "customer_class")])


@indicator
def within_limit_rate(completed: pl.LazyFrame, limits: Limits) -> pl.LazyFrame:
    """Share of completed applications within their class's limit (measure and unit from the targets:
    process time for 居民 / 低压非居民, utility time for high voltage). Classes without a limit in the
    year are left out of the denominator."""
    lf = measured_against_limit(completed, limits)
    return ratio_of(lf, pl.col("limited_value") <= pl.col("limit"), "customer_class",
                    denominator=pl.col("limit").is_not_null() & pl.col("limited_value").is_not_null(),
                    reason="分母为零：期内无有时限目标的竣工工单")


@indicator
def stage_within_limit_rate(completed_stages: pl.LazyFrame) -> pl.LazyFrame:
    """Share of finished stage records (of completed applications) within their annex-1 stage limit
    (calendar days); segment = stage. Only stages with a limit for the class count."""
    lf = completed_stages.filter(pl.col("stage_limit").is_not_null() & pl.col("span_cd").is_not_null())
    return ratio_of(lf, pl.col("span_cd") <= pl.col("stage_limit"), "stage",
                    reason="分母为零：期内无有环节时限的已完成环节")


@indicator
def open_overdue(in_progress: pl.LazyFrame, limits: Limits) -> pl.LazyFrame:
    """In-progress applications at the period end already past their class's limit (aging).

    The age is measured like the limit: process age (申请受理 start → period end) or utility time so
    far (finished stage spans plus open stages up to the period end).

    Every city (and the province) has a count, 0 when none is overdue, for each class the year
    sets a limit for and for 全部 (over those classes); a class without a limit has none (null)."""
    lf = measured_against_limit(in_progress, limits)
    counted = count_of(lf, pl.col("limited_value") > pl.col("limit"), "customer_class",
                       population=pl.col("limit").is_not_null())
    segments = [*limits.by_class, ALL] if limits.by_class else []
    zero = pl.LazyFrame({"city": [c for c in [*params.cities(), params.province()] for _ in segments],
                         "segment": [s for _ in [*params.cities(), params.province()] for s in segments]},
                        schema={"city": pl.String, "segment": pl.String})
    return finish(zero.join(counted, on=["city", "segment"], how="left").with_columns(
        pl.col("value").fill_null(0.0), pl.col("n").fill_null(0), pl.lit("count").alias("unit")))

