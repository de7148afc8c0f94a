"""Drill-down lists behind the indicators (records, not aggregates), for scorecards and dashboards.

Two kinds, both from the indicators' declarations (params/indicators.yaml), so that a list holds
the very records a value was computed from:

- :func:`records_behind`: the records behind any cell of a mean, ratio or count indicator (its
  population filtered by its predicates; a ratio's and count's with the column ``counted``), whose
  number is the cell's ``n``; of an outage indicator, the events it sums (with ``weight``);
- :data:`LISTS` (:func:`lists`, :func:`cached_lists`): the named lists the scorecards and dashboards
  show, each the counted records of one or more declarations.

Each list has a ``city`` column and the record's identifying fields, never personal data.
"""
from __future__ import annotations

import operator
from functools import reduce
from pathlib import Path

import polars as pl

from getpower import params
from getpower.indicators import engine
from getpower.indicators.common import ALL
from getpower.indicators.predicates import allowed_stages
from getpower.periods import Period
from getpower.registry import spec
from getpower.store import atomic_write_frame
from getpower.table import cache_key, cached_record_level, load_frames, prepare_inputs

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
    rules = inp["rules"]

    def counted(indicator_id: str) -> pl.LazyFrame:
        return engine.records(spec(indicator_id), inp, counted=True)

    out = {}
    out["zero_investment_violations"] = counted("zero_investment_violations").select(
        "city", "app_id", "customer_class", "capacity_kw", "customer_investment_yuan", "completed_at")
    # over the allowed count (a class without one is not listed: it cannot be judged over)
    out["stage_noncompliance"] = engine.records(spec("stage_compliance_rate"), inp).filter(
        pl.col("stage_count") > allowed_stages(rules)).select(
        "city", "app_id", "customer_class", "important", "stage_count", allowed_stages(rules).alias("allowed"),
        "completed_at")
    flags = ("backfill", "burst", "pre_acceptance", "repeated")  # backfill_rate … repeated_stage_rate
    out["integrity_flags"] = inp["completed"].filter(
        reduce(operator.or_, (engine.predicate_expr([f], inp) for f in flags))
    ).select("city", "app_id", "customer_class", *flags, "completed_at")
    out["open_overdue"] = counted("open_overdue").select(
        "city", "app_id", "customer_class", "accepted_at", pl.col("limited_value").alias("days"), "limit",
        "limit_unit")
    tasks = pl.LazyFrame([{"item_no": t["item_no"], "task": t["task"], "category": t["category"],
                           "deadline_text": t["deadline_text"]} for t in params.load("ledger.yaml")["tasks"]])
    out["ledger_overdue"] = (counted("ledger_overdue")
                             .join(tasks, on="item_no", how="left")
                             .with_columns(pl.col("unit").alias("city"))
                             .select("city", "item_no", "category", "task", "deadline", "status"))
    # each list sorted by city, then by its identifying column (the second one)
    frames = dict(zip(out, pl.collect_all(list(out.values()))))
    return {k: f.sort(f.columns[0], f.columns[1]) for k, f in frames.items()}


def records_behind(path, period: Period | str, indicator: str, city: str | None = None, segment: str = ALL,
                   counted: bool = False, unit: str | None = None) -> pl.DataFrame:
    """The records behind one cell of the indicator table, from a store or a folder of extracts:
    as many as the cell's ``n`` (``counted``: those its numerator counts, as many as a count's
    value); an outage cell's events. ``city``: None or 全省 for every city. See
    :func:`getpower.indicators.engine.records`."""
    frames = load_frames(path)
    period = period if isinstance(period, Period) else Period.parse(period)
    inp = prepare_inputs(frames, period, cached_record_level(path, frames), ids=True)
    return engine.records(spec(indicator), inp, city, segment, counted, unit).collect()


def cached_lists(path, period: str) -> dict[str, pl.DataFrame]:
    """:func:`lists` computed once per data fingerprint and period (``<store>/cache/``)."""
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
