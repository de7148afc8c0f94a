"""§4 Zero investment (零投资) and low-voltage access."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import count_of, indicator, ratio_of
from getpower.indicators.rules import Rules


def zero_investment_eligible(rules: Rules) -> pl.Expr:
    """All 居民, and 低压非居民 small and micro enterprises with capacity ≤ the year's threshold."""
    lv = (pl.col("customer_class") == "低压非居民") & pl.col("small_micro")
    if rules.zero_investment_threshold_kw is None:
        lv = pl.lit(False)
    else:
        lv = lv & (pl.col("capacity_kw") <= rules.zero_investment_threshold_kw)
    return (pl.col("customer_class") == "居民") | lv


@indicator
def zero_investment_coverage(completed: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Among eligible completed applications, the share with customer investment = 0."""
    return ratio_of(completed, pl.col("customer_investment_yuan") == 0, "customer_class",
                    denominator=zero_investment_eligible(rules), reason="分母为零：期内无零投资适用工单")


@indicator
def zero_investment_violations(completed: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Count of eligible completed applications with customer investment > 0."""
    return count_of(completed, pl.col("customer_investment_yuan") > 0, "customer_class",
                    population=zero_investment_eligible(rules))


@indicator
def lv_access_rate(completed: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Among completed non-residential applications with capacity ≤ 160 kW (param), the share
    connected at low voltage (supply voltage ≤ 0.4 kV)."""
    if rules.lv_access_capacity_kw is None:  # no cap for the year: null with the reason (Rules.missing)
        den = pl.lit(False)
    else:
        den = (pl.col("customer_class") != "居民") & (pl.col("capacity_kw") <= rules.lv_access_capacity_kw)
    return ratio_of(completed, pl.col("supply_voltage_kv") <= rules.lv_voltage_max_kv, None, denominator=den,
                    reason="分母为零：期内无160千瓦及以下非居民竣工工单")
