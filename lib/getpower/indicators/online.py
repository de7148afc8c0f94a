"""§3 Online service (线上办电)."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import indicator, ratio_of
from getpower.indicators.rules import Rules


@indicator
def online_application_rate(received: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Share of applications received in the period (申请受理 start) through an online channel
    (params: thresholds.online_channels). Withdrawn applications count: they were received."""
    return ratio_of(received, pl.col("channel").is_in(list(rules.online_channels)), "customer_class",
                    reason="分母为零：期内无受理工单")


@indicator
def online_availability_rate(catalogue: pl.LazyFrame) -> pl.LazyFrame:
    """Items that can be done online / all items, in each city's latest catalogue with
    ``as_of`` ≤ period end (the province pools the cities' latest catalogues)."""
    return ratio_of(catalogue, pl.col("online"), None, reason="分母为零：无期末前的业务事项目录")
