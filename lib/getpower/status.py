"""The one status vocabulary and its colours (indicators.md §9), used by scoring, the change
report, scorecards, charts and dashboards.

A row of the indicator table has exactly one status:

- 达标: met by its value;
- 达标（同比下降）: met through the year-on-year rule (outage hours from 2023: a fall of at least
  the target's ``or_yoy_at_most``), ``met_by`` saying by how much;
- 未达标: judged and not met;
- 无数据: a target applies and the value is null (no data is never met, never ranks);
- 无目标: no target for the row in the period's year (shown, not judged).

A city's composite score has its own word when its scores stand on too little data: 数据不足.
"""
from __future__ import annotations

import polars as pl

MET = "达标"
MET_BY_YOY = "达标（同比下降）"
NOT_MET = "未达标"
NO_DATA = "无数据"
NO_TARGET = "无目标"
STATUSES = (MET, MET_BY_YOY, NOT_MET, NO_DATA, NO_TARGET)
JUDGED = (MET, MET_BY_YOY, NOT_MET)  # the statuses a target decided

# ``met_by``: the value met the target (it wins when both hold), or the year-on-year rule did
# (its text begins with YOY_PREFIX and states the threshold), or nothing did
BY_VALUE = "目标值"
YOY_PREFIX = "同比下降"
NOT_MET_BY = "—"

INSUFFICIENT = "数据不足"  # a composite score not given: too little of the scoring weight has data

# One colour per status, for text on white and for chart fills alike (each readable as text; the
# two greys far enough apart to tell a missing value from a row without a target in a heat map).
COLOURS = {MET: "#2e7d32", MET_BY_YOY: "#558b2f", NOT_MET: "#c62828", NO_DATA: "#757575", NO_TARGET: "#bdbdbd"}


def status(met: bool | None, target, value, met_by: str | None = None) -> str:
    """The status of one row.

    >>> status(True, 7, 5.0), status(False, 7, 9.0), status(None, 7, None), status(None, None, 3.0)
    ('达标', '未达标', '无数据', '无目标')
    >>> status(True, 0.8, 1.1, "同比下降 ≥ 8 %")
    '达标（同比下降）'
    """
    if target is None:
        return NO_TARGET
    if value is None or met is None:
        return NO_DATA
    if met:
        return MET_BY_YOY if (met_by or "").startswith(YOY_PREFIX) else MET
    return NOT_MET


def status_expr(suffix: str = "") -> pl.Expr:
    """:func:`status` as a polars expression over the columns ``met``, ``target``, ``value`` and
    ``met_by`` (each with ``suffix``, e.g. ``"_a"`` for ``met_a`` …); ``met_by`` may be absent
    only if no row is met through the year-on-year rule (then read as met by value)."""
    met, target, value = pl.col(f"met{suffix}"), pl.col(f"target{suffix}"), pl.col(f"value{suffix}")
    by_yoy = pl.col(f"met_by{suffix}").fill_null("").str.starts_with(YOY_PREFIX)
    return (pl.when(target.is_null()).then(pl.lit(NO_TARGET))
            .when(value.is_null() | met.is_null()).then(pl.lit(NO_DATA))
            .when(met & by_yoy).then(pl.lit(MET_BY_YOY))
            .when(met).then(pl.lit(MET)).otherwise(pl.lit(NOT_MET)))


def with_status(df: pl.DataFrame | pl.LazyFrame, name: str = "status"):
    """The frame with its rows' status in column ``name``."""
    return df.with_columns(status_expr().alias(name))
