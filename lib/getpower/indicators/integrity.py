"""§7 Process integrity (如实记录, ledger 18): shares of completed applications with a flag.
The flags are computed per application in :mod:`getpower.indicators.inputs`."""
from __future__ import annotations

import polars as pl

from getpower.indicators.common import indicator, ratio_of

REASON = "分母为零：期内无竣工工单"


@indicator
def backfill_rate(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Share with a stage recorded more than ``backfill_days`` after it finished (后补流程)."""
    return ratio_of(completed, pl.col("backfill"), None, reason=REASON)


@indicator
def burst_rate(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Share whose stages were all recorded within ``burst_minutes`` although spanning > 1 day."""
    return ratio_of(completed, pl.col("burst"), None, reason=REASON)


@indicator
def pre_acceptance_rate(completed: pl.LazyFrame) -> pl.LazyFrame:
    """Share with a stage starting before the 申请受理 stage (体外循环)."""
    return ratio_of(completed, pl.col("pre_acceptance"), None, reason=REASON)
