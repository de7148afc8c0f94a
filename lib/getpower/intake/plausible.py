"""Plausibility bounds (``params/thresholds.yaml``, ``plausible``): values no real record has,
such as a date in 2029 typed for 2023, a ten-year outage, 10^18 customers. A row outside a bound
is quarantined with the bound named, so that one typo never moves a city's rank nor breaks the
store's computations (a date no calendar knows, a sum that overflows)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from getpower import params
from getpower.contract import Column, Kind


def _label(column: Column) -> str:
    return column.aliases[0] if column.aliases else column.name


def bounds() -> dict:
    return params.load("thresholds.yaml")["plausible"]


def reasons(kind: Kind, today: dt.date | None = None) -> list[tuple[pl.Expr, str]]:
    """(condition, reason) for every bound that applies to ``kind``'s typed columns.

    >>> from getpower.contract import KIND_BY_NAME
    >>> [text for _, text in reasons(KIND_BY_NAME["outages"], dt.date(2024, 1, 31))][-2:]
    ['停电用户数超出合理范围（应≤10000000，参数 plausible.max.customers_affected）', '停电时长超出合理范围（应≤720小时，参数 plausible.outage_max_hours）']
    """
    b = bounds()
    earliest = b["earliest_date"]
    earliest = earliest if isinstance(earliest, dt.date) else dt.date.fromisoformat(str(earliest))
    latest = (today or dt.date.today()) + dt.timedelta(days=int(b["future_margin_days"]))
    out: list[tuple[pl.Expr, str]] = []
    for col in kind.columns:
        if col.type in ("timestamp", "date"):
            day = pl.col(col.name).dt.date() if col.type == "timestamp" else pl.col(col.name)
            out.append((day < earliest, f"{_label(col)}早于 {earliest}（合理范围下限，参数 plausible.earliest_date）"))
            out.append((day > latest, f"{_label(col)}晚于 {latest}（校验日加 {b['future_margin_days']} 天，"
                                      "参数 plausible.future_margin_days）"))
        elif col.name in b["max"]:
            top = b["max"][col.name]
            out.append((pl.col(col.name) > top, f"{_label(col)}超出合理范围（应≤{top}，参数 plausible.max.{col.name}）"))
    if kind.name == "outages":
        hours = (pl.col("restored_at") - pl.col("started_at")).dt.total_seconds() / 3600
        top = b["outage_max_hours"]
        out.append((hours > top, f"停电时长超出合理范围（应≤{top}小时，参数 plausible.outage_max_hours）"))
    return out
