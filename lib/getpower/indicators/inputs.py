"""The named inputs of the indicators: small pure functions, each named for what an indicator
asks for (``completed``, ``in_progress``, ``approvals_done``, ``catalogue_latest``,
``outage_window_cells`` …). A declaration in ``params/indicators.yaml`` names its population (one
of these) and its predicates (:mod:`getpower.indicators.predicates`); the driver
(:func:`resolve`) calls an input with the inputs its parameters name, the way Hamilton resolves a
dataflow, starting from the base values:

- ``period`` (:class:`~getpower.periods.Period`), ``ids`` (keep identifying columns for lists);
- ``records`` (one row per application) and ``spans`` (stage records), from
  :mod:`getpower.indicators.records`, cached per data version;
- each extract kind by its name (``applications``, ``stages``, ``outages``, ``customer_base``,
  ``approvals``, ``service_items``, ``ledger_status``).

The inputs in :data:`MATERIALISED` are collected once, together; the others are lazy plans over
them (a few columns more, a filter), collected where an indicator aggregates them.
"""
from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass

import polars as pl

from getpower import params
from getpower.calendar import add_working_days, calendar_days, known_years
from getpower.contract import CUSTOMER_CLASS
from getpower.indicators.common import ALL
from getpower.indicators.records import (  # noqa: F401  (their old home: importable from here too)
    application_records, in_period, stage_spans, threshold,
)
from getpower.indicators.predicates import sanling
from getpower.indicators.reliability import Coverage, event_cells
from getpower.indicators.rules import Rules
from getpower.periods import Period
from getpower.targets import targets_for

INPUTS: dict = {}
BASE = ("period", "ids", "records", "spans", "applications", "stages", "outages", "customer_base", "approvals",
        "service_items", "ledger_status")
# collected once, all in one go: every indicator then aggregates from memory
MATERIALISED = ("completed", "received", "completed_stages", "in_progress", "outage_window_cells",
                "outage_year_ago_cells", "outage_first_day", "customer_base", "approvals_done", "catalogue_latest",
                "ledger_items")
# what identifies an application (its number and dates): kept only for lists of records
IDENTIFYING = ("rec", "app_id", "accepted_at", "completed_at", "withdrawn")
RECEIVED_COLUMNS = ("city", "customer_class", "channel")  # what the indicators of received applications read
PSEUDO_PROVINCE_UNIT = "__province_unit__"


def named_input(fn):
    """Register an input under its function's name (the name declarations and parameters use)."""
    INPUTS[fn.__name__] = fn
    return fn


def resolve(name: str, values: dict):
    """The value of input ``name``, computing (and keeping in ``values``) what it needs first."""
    if name not in values:
        if name not in INPUTS:
            raise KeyError(f"未知的指标输入：{name}")
        fn = INPUTS[name]
        values[name] = fn(**{p: resolve(p, values) for p in inspect.signature(fn).parameters})
    return values[name]


def dependencies(name: str) -> tuple[str, ...]:
    """The names an input's function takes (none for a base value)."""
    return tuple(inspect.signature(INPUTS[name]).parameters) if name in INPUTS else ()


# --- the year's rules and limits ------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """The year's handling-time limits by customer class: (measure, unit, limit)."""

    by_class: dict[str, tuple[str, str, float]]
    year: int = 0
    sanling: tuple[str, str, float] | None = None  # the 三零 segment's limit (ledger 6–7)

    @classmethod
    def for_year(cls, year: int) -> "Limits":
        label = params.load("thresholds.yaml")["sanling"]["label"]
        out, sanling = {}, None
        for t in targets_for(year):
            if t.indicator in ("process_days_mean", "utility_days_mean") and t.tiers is None:
                measure = "process" if t.indicator == "process_days_mean" else "utility"
                if t.segment in CUSTOMER_CLASS:
                    out[t.segment] = (measure, t.unit, float(t.value))
                elif t.segment == label:
                    sanling = (measure, t.unit, float(t.value))
        return cls(out, year, sanling)


def measured_against_limit(lf: pl.LazyFrame, limits: Limits, prefix: tuple[str, str] = ("process", "utility")) -> pl.LazyFrame:
    """Attach each record's class limit (``limit``, ``limit_unit``) and the value it is judged on
    (``limited_value``), by customer class (a few classes: conditions, not a join)."""
    limit = value = unit = None
    for cls, (measure, unit_name, lim) in limits.by_class.items():
        if measure not in prefix:
            continue
        cond = pl.col("customer_class") == cls
        col = pl.col(f"{measure}_{'cd' if unit_name == 'calendar_days' else 'wd'}").cast(pl.Float64)
        limit = pl.when(cond).then(pl.lit(lim)) if limit is None else limit.when(cond).then(pl.lit(lim))
        value = pl.when(cond).then(col) if value is None else value.when(cond).then(col)
        unit = pl.when(cond).then(pl.lit(unit_name)) if unit is None else unit.when(cond).then(pl.lit(unit_name))
    if limit is None:
        return lf.with_columns(pl.lit(None, pl.Float64).alias("limit"), pl.lit(None, pl.String).alias("limit_unit"),
                               pl.lit(None, pl.Float64).alias("limited_value"))
    return lf.with_columns(limit.otherwise(None).alias("limit"), unit.otherwise(None).alias("limit_unit"),
                           value.otherwise(None).alias("limited_value"))


@named_input
def rules(period: Period) -> Rules:
    """The period year's rules (params/thresholds.yaml)."""
    return Rules.for_year(period.year)


@named_input
def limits(period: Period) -> Limits:
    """The period year's handling-time limits by customer class (targets)."""
    return Limits.for_year(period.year)


@named_input
def window(period: Period) -> Period:
    """The outage window: rolling 12 months for a quarter, the calendar year for a year."""
    return period.outage_window()


@named_input
def calendar_years(period: Period) -> tuple[int, int]:
    """The calendar up to the period's end; days in a year it does not know count as null."""
    return (min(min(known_years()), period.start.year), period.last_day.year)


@named_input
def stage_limits() -> pl.LazyFrame:
    """Annex 1's per-stage limits (calendar days) by stage and customer class."""
    cfg = params.load("thresholds.yaml")["stage_limits_days"]
    rows = [(stage, cls, float(v)) for stage, by in cfg["by_stage"].items() for cls, v in by.items()]
    return pl.LazyFrame(rows, schema={"stage": pl.String, "customer_class": pl.String, "stage_limit": pl.Float64},
                        orient="row")


@named_input
def approval_limits(period: Period) -> pl.LazyFrame:
    """The year's approval limit (and its unit) by voltage class (targets of approval_days_mean)."""
    rows = [(t.segment, t.unit, t.value) for t in targets_for(period.year)
            if t.indicator == "approval_days_mean" and t.tiers is None]
    return pl.LazyFrame(rows, schema={"voltage_class": pl.String, "limit_unit": pl.String, "limit": pl.Float64},
                        orient="row")


@named_input
def limited_segments(limits: Limits, rules: Rules) -> tuple[str, ...]:
    """The segments the year sets a handling-time limit for (with 全部 over them, and 三零): the
    cells that count 0, not null, when nothing is overdue."""
    segments = [*limits.by_class, ALL] if limits.by_class else []
    if limits.sanling is not None:
        segments.append(rules.sanling_label)
    return tuple(segments)


# --- applications -----------------------------------------------------------------------------------
@named_input
def completed(records: pl.LazyFrame, period: Period, ids: bool) -> pl.LazyFrame:
    """Applications completed in the period (their last stage finished in it; not withdrawn)."""
    return records.filter(in_period("completed_at", period)).drop(() if ids else IDENTIFYING)


@named_input
def received(records: pl.LazyFrame, period: Period, ids: bool) -> pl.LazyFrame:
    """Applications received in the period (their 申请受理 started in it), withdrawn ones too
    (``ids``: with their number and acceptance time, for lists of records)."""
    return records.filter(in_period("accepted_at", period)).select(
        *RECEIVED_COLUMNS, *(("app_id", "accepted_at") if ids else ()))


@named_input
def completed_stages(spans: pl.LazyFrame, records: pl.LazyFrame, period: Period, ids: bool) -> pl.LazyFrame:
    """Stage records of the applications completed in the period, those with an annex-1 limit.

    ``ids``: each with its application's number and class, the stage's start and end and the
    application's completion (a list of stage records then opens an application's timeline); the
    indicators read none of them, so by default they are not joined."""
    lf = spans.filter(in_period("completed_at", period) & pl.col("stage_limit").is_not_null())
    if not ids:
        return lf.select("city", "stage", "span_cd", "stage_limit")
    # spans carry the application's row number ``rec`` only: its number comes from the records
    return (lf.join(records.select("rec", "app_id", "customer_class"), on="rec", how="left")
            .select("city", "app_id", "customer_class", "stage", "started_at", "finished_at", "completed_at",
                    "span_cd", "stage_limit"))


@named_input
def in_progress(records: pl.LazyFrame, spans: pl.LazyFrame, period: Period,
                calendar_years: tuple[int, int]) -> pl.LazyFrame:
    """Applications in progress at the period end (received before it, not withdrawn, not completed
    by then), aged to the period's last day: ``process_cd`` / ``process_wd`` from 申请受理 to the
    period end, ``utility_cd`` / ``utility_wd`` the stage spans so far (an open stage up to the end)."""
    end_ts = dt.datetime.combine(period.last_day, dt.time(23, 59, 59))
    is_open = ((pl.col("accepted_at") < period.end) & ~pl.col("withdrawn")
               & (pl.col("completed_at").is_null() | (pl.col("completed_at") >= period.end)))
    open_apps = records.filter(is_open)
    not_done = pl.col("completed_at").is_null() | (pl.col("completed_at") >= period.end)
    so_far = (spans.filter(not_done & (pl.col("started_at") < period.end))
              .join(open_apps.select("rec"), on="rec", how="semi")
              .with_columns(pl.min_horizontal(pl.col("finished_at").fill_null(end_ts), pl.lit(end_ts)).alias("_until")))
    so_far = add_working_days(so_far.with_columns(calendar_days(pl.col("started_at"), pl.col("_until")).alias("_cd")),
                              "started_at", "_until", "_wd", calendar_years)
    so_far = so_far.group_by("rec").agg(pl.col("_cd").sum().alias("utility_cd"), pl.col("_wd").sum().alias("utility_wd"))
    aged = (open_apps.drop("utility_cd", "utility_wd", "process_cd", "process_wd")
            .join(so_far, on="rec", how="left")
            .with_columns(pl.lit(end_ts).alias("_end"),
                          calendar_days(pl.col("accepted_at"), pl.lit(end_ts)).alias("process_cd")))
    return add_working_days(aged, "accepted_at", "_end", "process_wd", calendar_years)


@named_input
def completed_against_limit(completed: pl.LazyFrame, limits: Limits) -> pl.LazyFrame:
    """Completed applications with their class's limit and the value judged against it."""
    return measured_against_limit(completed, limits)


@named_input
def in_progress_against_limit(in_progress: pl.LazyFrame, limits: Limits) -> pl.LazyFrame:
    """In-progress applications with their class's limit and their age as the limit measures it."""
    return measured_against_limit(in_progress, limits)


def _sanling_measured(lf: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """The 三零 records with the 三零 limit and the value it is judged on (none without a limit)."""
    if limits.sanling is None:
        return lf.filter(pl.lit(False)).with_columns(pl.lit(None, pl.Float64).alias("limit"),
                                                     pl.lit(None, pl.Float64).alias("limited_value"))
    measure, unit, lim = limits.sanling
    col = f"{measure}_{'cd' if unit == 'calendar_days' else 'wd'}"
    return lf.filter(sanling(rules)).with_columns(pl.lit(lim).alias("limit"),
                                                  pl.col(col).cast(pl.Float64).alias("limited_value"))


@named_input
def sanling_completed_against_limit(completed: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """The 三零 completed applications with the 三零 limit (working days, ledger 6–7)."""
    return _sanling_measured(completed, limits, rules)


@named_input
def sanling_in_progress_against_limit(in_progress: pl.LazyFrame, limits: Limits, rules: Rules) -> pl.LazyFrame:
    """The 三零 in-progress applications with the 三零 limit."""
    return _sanling_measured(in_progress, limits, rules)


# --- approvals, catalogue, ledger ---------------------------------------------------------------------
@named_input
def approvals_done(approvals: pl.LazyFrame, period: Period, rules: Rules,
                   calendar_years: tuple[int, int]) -> pl.LazyFrame:
    """Access-works approvals done in the period, with ``days_cd`` / ``days_wd`` from submission.
    A project that needs no procedure (``approval_no_procedure_modes``: 免于审批) is done when
    submitted, whether or not an approval date was entered."""
    done_at = pl.coalesce(pl.col("approved_at"),
                          pl.when(pl.col("mode").is_in(list(rules.approval_no_procedure_modes)))
                          .then(pl.col("submitted_at")))
    lf = approvals.with_columns(done_at.alias("_done_at")).filter(in_period("_done_at", period))
    return add_working_days(lf.with_columns(calendar_days(pl.col("submitted_at"), pl.col("_done_at")).alias("days_cd")),
                            "submitted_at", "_done_at", "days_wd", calendar_years)


@named_input
def approvals_against_limit(approvals_done: pl.LazyFrame, approval_limits: pl.LazyFrame) -> pl.LazyFrame:
    """Approvals done with their voltage class's limit and the days in the limit's unit (``limited_days``)."""
    return approvals_done.join(approval_limits, on="voltage_class", how="left").with_columns(
        pl.when(pl.col("limit_unit") == "working_days").then(pl.col("days_wd"))
        .otherwise(pl.col("days_cd")).alias("limited_days"))


@named_input
def catalogue_latest(service_items: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Each city's latest service-item catalogue with ``as_of`` ≤ the period's last day."""
    catalogue = service_items.filter(pl.col("as_of") <= period.last_day)
    return catalogue.filter(pl.col("as_of") == pl.col("as_of").max().over("city"))


@named_input
def ledger_items(ledger_status: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row per (ledger task, reporting unit): its deadline, whether it is due by the period end
    (``due``) and whether the unit's latest report by then says done (``done``)."""
    tasks = [t for t in params.load("ledger.yaml")["tasks"] if t.get("unit")]
    task_frame = pl.LazyFrame({
        "item_no": [t["item_no"] for t in tasks],
        "deadline": [None if t["deadline"] == "ongoing" else dt.date.fromisoformat(t["deadline"]) for t in tasks],
    }, schema={"item_no": pl.Int64, "deadline": pl.Date})
    reports = ledger_status.filter(pl.col("reported_at") <= period.last_day)
    latest = reports.sort("reported_at").group_by("item_no", "unit").agg(pl.col("status").last())
    units = reports.select("unit").unique()
    return (task_frame.join(units, how="cross")
            .join(latest, on=["item_no", "unit"], how="left")
            .with_columns(
                # the province's own unit is pooled into 全省 once, not listed as a city
                pl.when(pl.col("unit") == params.province()).then(pl.lit(PSEUDO_PROVINCE_UNIT))
                .otherwise(pl.col("unit")).alias("city"),
                (pl.col("deadline") <= period.last_day).fill_null(False).alias("due"),
                (pl.col("status") == "已完成").fill_null(False).alias("done"),
            ))


# --- outages -------------------------------------------------------------------------------------------
@named_input
def outage_window_cells(outages: pl.LazyFrame, window: Period, rules: Rules) -> pl.LazyFrame:
    """The window's outage events summed per city × area type × kind × cause (reliability.event_cells)."""
    return event_cells(outages, window, rules)


@named_input
def outage_year_ago_cells(outages: pl.LazyFrame, window: Period, rules: Rules) -> pl.LazyFrame:
    """The same window one year earlier, summed alike (for ``outage_hours_yoy``)."""
    return event_cells(outages, window.shifted_year_ago(), rules)


@named_input
def outage_first_day(outages: pl.LazyFrame) -> pl.LazyFrame:
    """One row: the first day of the month of the earliest outage event (or null)."""
    return Coverage.of(outages)


@named_input
def outage_coverage(outage_first_day: pl.LazyFrame):
    """Where the outage extract starts (:class:`~getpower.indicators.reliability.Coverage`)."""
    return Coverage(**outage_first_day.collect().row(0, named=True))
