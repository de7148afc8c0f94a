"""The straightforward pandas implementation an analyst would otherwise write, of the core
indicators: mean process days by city and customer class, and outage hours by city and area type,
for one calendar year. Benchmarks only: the library itself never imports pandas."""
from __future__ import annotations

import pandas as pd


def process_days(stages: pd.DataFrame, apps: pd.DataFrame, year: int) -> pd.DataFrame:
    accept = stages[stages["stage"] == "申请受理"].groupby("app_id")["started_at"].min().rename("accepted_at")
    last = stages[stages["stage"].isin(["装表接电", "竣工装表接电"])].groupby("app_id")["finished_at"].max().rename("done_at")
    a = apps.set_index("app_id").join(accept).join(last)
    a = a[(a["status"] != "已撤销") & a["done_at"].notna() & (a["done_at"].dt.year == year)]
    a["days"] = (a["done_at"].dt.normalize() - a["accepted_at"].dt.normalize()).dt.days
    return a.groupby(["city", "customer_class"])["days"].agg(["mean", "count"]).reset_index()


def outage_hours(outages: pd.DataFrame, customers: pd.DataFrame, year: int, min_minutes: float = 3) -> pd.DataFrame:
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)
    ev = outages[(outages["restored_at"] - outages["started_at"]) >= pd.Timedelta(minutes=min_minutes)].copy()
    s = ev["started_at"].clip(lower=start)
    e = ev["restored_at"].clip(upper=end)
    ev["hours"] = ((e - s).dt.total_seconds() / 3600).clip(lower=0)
    ev["ch"] = ev["hours"] * ev["customers_affected"]
    ch = ev.groupby(["city", "area_type"])["ch"].sum()
    base = customers[customers["as_of"] <= (end - pd.Timedelta(days=1)).date()]
    base = base.sort_values("as_of").groupby(["city", "area_type"])["customers"].last()
    return (ch / base).rename("outage_hours").reset_index()
