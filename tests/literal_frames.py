"""Literal inputs for indicator tests: frames built from a few rows, the rest defaulted."""
from __future__ import annotations

import datetime as dt

import polars as pl

from getpower.contract import KINDS
from getpower.intake.schemas import schema_for
from getpower.periods import Period
from getpower.table import raw_indicators

APP_DEFAULTS = dict(city="杭州", district=None, area_type=None, customer_class="居民", important=False,
                    small_micro=False, capacity_kw=8.0, supply_voltage_kv=0.22, channel="网上国网",
                    customer_investment_yuan=0.0, status=None)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def frames(**rows) -> dict[str, pl.LazyFrame]:
    """``frames(applications=[{...}], stages=[("A1", "申请受理", "2023-01-01 09:00", "...", None)])``."""
    out = {}
    for kind in KINDS:
        schema = {c: col.dtype.type for c, col in schema_for(kind).columns.items()}
        data = rows.get(kind.name, [])
        recs = []
        for r in data:
            if isinstance(r, tuple):
                r = dict(zip(schema, r))
            if kind.name == "applications":
                r = {**APP_DEFAULTS, **r}
            r = {c: (ts(v) if schema[c] == pl.Datetime("us") and isinstance(v, str) else
                     dt.date.fromisoformat(v) if schema[c] == pl.Date and isinstance(v, str) else v)
                 for c, v in r.items()}
            recs.append({c: r.get(c) for c in schema})
        out[kind.name] = pl.DataFrame(recs, schema=schema).lazy()
    return out


def values(fr, period: str, indicator: str, unit: str | None = None) -> dict:
    """{(city, segment): (value rounded to 6 places, n, reason)} for one indicator (computing only
    that one), nulls with their reason."""
    t = raw_indicators(fr, Period.parse(period), only=(indicator,))
    if unit:
        t = t.filter(pl.col("unit") == unit)
    return {(r["city"], r["segment"]): (None if r["value"] is None else round(r["value"], 6), r["n"], r["reason"])
            for r in t.iter_rows(named=True)}


