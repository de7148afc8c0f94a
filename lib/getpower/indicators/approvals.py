"""§6 Access-works approval (电力接入工程审批). Grain: city × period (by ``approved_at``) × voltage class."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import indicator, mean_of, ratio_of
from getpower.indicators.rules import Rules


def _with_procedure(approvals_done: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    return approvals_done.filter(~pl.col("mode").is_in(list(rules.approval_no_procedure_modes)))


@indicator
def approval_days_mean(approvals_done: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Mean time from submission to approval over projects that went through a procedure
    (mode other than 免于审批), in working days and calendar days."""
    lf = _with_procedure(approvals_done, rules)
    return pl.concat([mean_of(lf, "days_cd", "calendar_days", "voltage_class"),
                      mean_of(lf, "days_wd", "working_days", "voltage_class")])


@indicator
def approval_within_limit_rate(approvals_done: pl.LazyFrame, rules: Rules, approval_limits: pl.LazyFrame) -> pl.LazyFrame:
    """Share of projects approved within the limit of their voltage class, in the limit's unit
    (targets: 低压 5 working days; 10kV / 20kV 7 calendar days from 2021)."""
    lf = _with_procedure(approvals_done, rules).join(approval_limits, on="voltage_class", how="left").with_columns(
        pl.when(pl.col("limit_unit") == "working_days").then(pl.col("days_wd"))
        .otherwise(pl.col("days_cd")).alias("_days")
    )
    return ratio_of(lf, pl.col("_days") <= pl.col("limit"), "voltage_class",
                    denominator=pl.col("limit").is_not_null(), reason="分母为零：期内无有时限的办结项目")


@indicator
def lv_exemption_rate(approvals_done: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Among low-voltage projects with line length ≤ 200 m (param), the share handled without a
    permit (mode 告知承诺, 备案 or 免于审批)."""
    den = (pl.col("voltage_class") == "低压") & (pl.col("line_length_m") <= rules.lv_exemption_line_m)
    return ratio_of(approvals_done, pl.col("mode").is_in(list(rules.lv_exemption_modes)), None, denominator=den,
                    reason="分母为零：期内无低压200米及以下项目")
