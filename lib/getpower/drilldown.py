"""Drill-down lists behind the indicators (records, not aggregates), for scorecards and dashboards.

Each list has a ``city`` column and the record's identifying fields, never personal data.
"""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.indicators.investment import zero_investment_eligible
from getpower.indicators.inputs import measured_against_limit
from getpower.indicators.stages import allowed_stages
from getpower.periods import Period
from getpower.table import prepare_inputs

LISTS = {
    "zero_investment_violations": "零投资违规工单",
    "stage_noncompliance": "办电环节超标工单",
    "integrity_flags": "流程完整性异常工单",
    "open_overdue": "在途超时工单",
    "ledger_overdue": "逾期未完成任务",
}


def lists(frames: dict[str, pl.LazyFrame], period: Period, records=None) -> dict[str, pl.DataFrame]:
    """Every drill-down list of the period, by name (keys of :data:`LISTS`)."""
    inp = prepare_inputs(frames, period, records, ids=True)
    rules, completed = inp["rules"], inp["completed"]
    out = {}
    out["zero_investment_violations"] = completed.filter(
        zero_investment_eligible(rules) & (pl.col("customer_investment_yuan") > 0)
    ).select("city", "app_id", "customer_class", "capacity_kw", "customer_investment_yuan", "completed_at")
    out["stage_noncompliance"] = completed.filter(pl.col("stage_count") > allowed_stages(rules)).select(
        "city", "app_id", "customer_class", "important", "stage_count", allowed_stages(rules).alias("allowed"),
        "completed_at")
    out["integrity_flags"] = completed.filter(
        pl.col("backfill") | pl.col("burst") | pl.col("pre_acceptance") | pl.col("repeated")
    ).select("city", "app_id", "customer_class", "backfill", "burst", "pre_acceptance", "repeated", "completed_at")
    out["open_overdue"] = measured_against_limit(inp["in_progress"], inp["limits"]).filter(
        pl.col("limited_value") > pl.col("limit")
    ).select("city", "app_id", "customer_class", "accepted_at", pl.col("limited_value").alias("days"), "limit",
             "limit_unit")
    tasks = pl.LazyFrame([{"item_no": t["item_no"], "task": t["task"], "category": t["category"],
                           "deadline_text": t["deadline_text"]} for t in params.load("ledger.yaml")["tasks"]])
    out["ledger_overdue"] = (inp["ledger_items"].filter(pl.col("due") & ~pl.col("done"))
                             .join(tasks, on="item_no", how="left")
                             .with_columns(pl.col("unit").alias("city"))
                             .select("city", "item_no", "category", "task", "deadline", "status"))
    # each list sorted by city, then by its identifying column (the second one)
    frames = dict(zip(out, pl.collect_all(list(out.values()))))
    return {k: f.sort(f.columns[0], f.columns[1]) for k, f in frames.items()}


def cached_lists(path, period: str) -> dict[str, pl.DataFrame]:
    """:func:`lists` computed once per data fingerprint and period (``<store>/cache/``)."""
    from pathlib import Path

    from getpower.store import atomic_write_frame
    from getpower.table import cache_key, cached_record_level, load_frames

    key = cache_key(path, period)
    folder = Path(path) / "cache"
    files = {name: folder / f"drill_{name}_{key}.parquet" for name in LISTS}
    if key is not None and all(f.exists() for f in files.values()):
        return {name: pl.read_parquet(f) for name, f in files.items()}
    frames = load_frames(path)
    out = lists(frames, Period.parse(period), cached_record_level(path, frames))
    if key is not None:
        try:
            for name, frame in out.items():
                atomic_write_frame(files[name], frame)
        except OSError:  # a read-only store or a full disk: computed, just not kept
            pass
    return out
