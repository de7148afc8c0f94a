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
            v = pl.col(col.name)
            if col.type == "date":
                early, late = v < earliest, v > latest
            else:  # a day before ``earliest`` (after ``latest``) is a time before the midnight that
                # begins it (from the midnight after it): compared as they are, where the day of
                # every timestamp took a third of typing a batch of stages
                early = v < dt.datetime.combine(earliest, dt.time())
                late = v >= dt.datetime.combine(latest + dt.timedelta(days=1), dt.time())
            out.append((early, f"{_label(col)}早于 {earliest}（合理范围下限，参数 plausible.earliest_date）"))
            out.append((late, f"{_label(col)}晚于 {latest}（校验日加 {b['future_margin_days']} 天，"
                              "参数 plausible.future_margin_days）"))
        elif col.name in b["max"]:
            top = b["max"][col.name]
            out.append((pl.col(col.name) > top, f"{_label(col)}超出合理范围（应≤{top}，参数 plausible.max.{col.name}）"))
    if kind.name == "outages":
        hours = (pl.col("restored_at") - pl.col("started_at")).dt.total_seconds() / 3600
        top = b["outage_max_hours"]
        out.append((hours > top, f"停电时长超出合理范围（应≤{top}小时，参数 plausible.outage_max_hours）"))
    return out


def customers(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    """The largest customer count known for each city and area type (``customer_base`` rows of
    the store and of the upload), or None when there is none."""
    frames = [f.select("city", "area_type", "customers") for f in frames if f is not None and f.height]
    if not frames:
        return None
    return pl.concat(frames, how="vertical_relaxed").group_by("city", "area_type").agg(pl.col("customers").max())


def beyond_customers(outages: pl.DataFrame, counts: pl.DataFrame, row: str, reason: str) -> pl.DataFrame:
    """(row, reason) of outage events that affect more customers than their city and area type
    have (a city-area without a known count is not judged).

    >>> ev = pl.DataFrame({"_row": [2, 3, 4], "city": ["杭州", "杭州", "宁波"], "area_type": ["市区"] * 3,
    ...                    "customers_affected": [1000, 1001, 5]})
    >>> cu = pl.DataFrame({"city": ["杭州"], "area_type": ["市区"], "customers": [1000]})
    >>> beyond_customers(ev, cu, "_row", "_reason").rows()
    [(3, '停电用户数超过该地市该区域的用户总数（1000 户，用户数提取）')]
    """
    joined = outages.select(row, "city", "area_type", "customers_affected").join(
        counts, on=["city", "area_type"], how="inner")
    return joined.filter(pl.col("customers_affected") > pl.col("customers")).select(
        row, pl.format("停电用户数超过该地市该区域的用户总数（{} 户，用户数提取）", pl.col("customers")).alias(reason)
    ).sort(row)
