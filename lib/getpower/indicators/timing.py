"""§1 Handling time (办电时间). Grain: city × period × customer class (segment) × day unit.

The 三零 segment (低压小微（三零）, :func:`~getpower.indicators.inputs.sanling`) is a sub-population of
低压非居民 with its own process-time limit in working days (ledger 6–7: 20 in 2021, 15 from 2022):
``process_days_mean``, ``within_limit_rate`` and ``open_overdue`` give it a row of its own, which
is not added into 全部 (its applications are there already, as 低压非居民)."""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.indicators.common import ALL, count_of, finish, indicator, mean_of, ratio_of
from getpower.indicators.inputs import Limits, measured_against_limit, sanling
from getpower.indicators.rules import Rules


def _as_segment(lf: pl.LazyFrame, label: str) -> pl.LazyFrame:
    return lf.with_columns(pl.lit(label).alias("segment"))


@indicator
def process_days_mean(completed: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Mean 全过程办电时间 over completed applications: 申请受理 start → last stage finish.

    value = Σ process_days / n, in calendar days and in working days (start day not counted); by
    customer class, and for the 三零 segment.
    """
    sl = completed.filter(sanling(rules))
    return pl.concat([mean_of(completed, "process_cd", "calendar_days", "customer_class"),
                      mean_of(completed, "process_wd", "working_days", "customer_class"),
                      _as_segment(mean_of(sl, "process_cd", "calendar_days"), rules.sanling_label),
                      _as_segment(mean_of(sl, "process_wd", "working_days"), rules.sanling_label)])


@indicator
def utility_days_mean(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Mean 合计办理时间: per application the sum of its stage records' spans; calendar and working days."""
    return pl.concat([mean_of(completed, "utility_cd", "calendar_days", "customer_class"),
                      mean_of(completed, "utility_wd", "working_days", "customer_class")])


def _sanling_measured(lf: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """The 三零 records with the 三零 limit and the value it is judged on (none without a limit)."""
    if limits.sanling is None:
        return lf.filter(pl.lit(False)).with_columns(pl.lit(None, pl.Float64).alias("limit"),
                                                     pl.lit(None, pl.Float64).alias("limited_value"))
    measure, unit, lim = limits.sanling
    col = f"{measure}_{'cd' if unit == 'calendar_days' else 'wd'}"
    return lf.filter(sanling(rules)).with_columns(pl.lit(lim).alias("limit"),
                                                  pl.col(col).cast(pl.Float64).alias("limited_value"))


@indicator
def within_limit_rate(completed: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """Share of completed applications within their class's limit (measure and unit from the targets:
    process time for 居民 / 低压非居民, utility time for high voltage; the 三零 segment against its
    own limit in working days). Classes without a limit in the year are left out of the denominator."""
    lf = measured_against_limit(completed, limits)
    within = pl.col("limited_value") <= pl.col("limit")
    den = pl.col("limit").is_not_null() & pl.col("limited_value").is_not_null()
    reason = "分母为零：期内无有时限目标的竣工工单"
    return pl.concat([
        ratio_of(lf, within, "customer_class", denominator=den, reason=reason),
        _as_segment(ratio_of(_sanling_measured(completed, limits, rules), within, None, denominator=den,
                             reason=reason), rules.sanling_label)])


@indicator
def stage_within_limit_rate(completed_stages: pl.LazyFrame) -> pl.LazyFrame:
    """Share of finished stage records (of completed applications) within their annex-1 stage limit
    (calendar days); segment = stage. Only stages with a limit for the class count."""
    lf = completed_stages.filter(pl.col("stage_limit").is_not_null() & pl.col("span_cd").is_not_null())
    return ratio_of(lf, pl.col("span_cd") <= pl.col("stage_limit"), "stage",
                    reason="分母为零：期内无有环节时限的已完成环节")


@indicator
def open_overdue(in_progress: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """In-progress applications at the period end already past their class's limit (aging).

    The age is measured like the limit: process age (申请受理 start → period end) or utility time so
    far (finished stage spans plus open stages up to the period end).

    Every city (and the province) has a count, 0 when none is overdue, for each class the year
    sets a limit for and for 全部 (over those classes); a class without a limit has none (null)."""
    lf = measured_against_limit(in_progress, limits)
    over = pl.col("limited_value") > pl.col("limit")
    counted = pl.concat([
        count_of(lf, over, "customer_class", population=pl.col("limit").is_not_null()),
        _as_segment(count_of(_sanling_measured(in_progress, limits, rules), over, None,
                             population=pl.col("limit").is_not_null()), rules.sanling_label)])
    segments = [*limits.by_class, ALL] if limits.by_class else []
    if limits.sanling is not None:
        segments.append(rules.sanling_label)
    zero = pl.LazyFrame({"city": [c for c in [*params.cities(), params.province()] for _ in segments],
                         "segment": [s for _ in [*params.cities(), params.province()] for s in segments]},
                        schema={"city": pl.String, "segment": pl.String})
    return finish(zero.join(counted, on=["city", "segment"], how="left").with_columns(
        pl.col("value").fill_null(0.0), pl.col("n").fill_null(0), pl.lit("count").alias("unit")))

