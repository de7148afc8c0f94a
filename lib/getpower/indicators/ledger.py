"""§8 Task ledger (重点任务台账). ``ledger_items``: one row per (task, unit) with its deadline
and whether the latest report by the period end says done."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import count_of, indicator, ratio_of


@indicator
def ledger_done_rate(ledger_items: pl.LazyFrame) -> pl.LazyFrame:
    """Share of the tasks due by the period end that are reported done."""
    return ratio_of(ledger_items, pl.col("done"), None, denominator=pl.col("due"),
                    reason="分母为零：期末前无到期任务")


@indicator
def ledger_overdue(ledger_items: pl.LazyFrame) -> pl.LazyFrame:
    """Tasks whose deadline has passed and are not reported done."""
    return count_of(ledger_items, ~pl.col("done"), None, population=pl.col("due"))
