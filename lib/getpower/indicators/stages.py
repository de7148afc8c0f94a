"""§2 Stage counts (办电环节). Grain: city × period × customer class."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import indicator, mean_of, ratio_of
from getpower.indicators.rules import Rules


@indicator
def stage_count_mean(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Mean number of distinct stages per completed application."""
    return mean_of(completed, "stage_count", "stages", "customer_class")


def allowed_stages(rules: Rules) -> pl.Expr:
    """Allowed stage count: 6 for important / high-risk customers, else the class's count."""
    expr = pl.when(pl.col("important")).then(pl.lit(rules.allowed_stages_important, pl.Int64))
    for cls, n in rules.allowed_stages:
        expr = expr.when(pl.col("customer_class") == cls).then(pl.lit(n, pl.Int64))
    return expr.otherwise(None)


@indicator
def stage_compliance_rate(completed: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Share of completed applications whose distinct stage count ≤ the allowed count."""
    return ratio_of(completed.filter(pl.col("stage_count").is_not_null()),
                    pl.col("stage_count") <= allowed_stages(rules), "customer_class",
                    reason="分母为零：期内无竣工工单")


@indicator
def repeated_stage_rate(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Share of completed applications that went through the same stage twice or more (重走流程)."""
    return ratio_of(completed.filter(pl.col("stage_count").is_not_null()), pl.col("repeated"), "customer_class",
                    reason="分母为零：期内无竣工工单")
