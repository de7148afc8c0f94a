"""§5 Outage hours (用户平均停电时间, DL/T 836). Grain: city × window × area type or aggregate.

For a window W (rolling 12 months for a quarter, the calendar year for a year), from the events
summed once per window by :func:`event_cells`::

    outage_hours = Σ_events (hours of the event inside W × customers_affected) / customers

``customers``: the ``customer_base`` row with the latest ``as_of`` ≤ W's last day for the city and
area type (summed for the province and the aggregates 城网, 农网, 全口径). Events shorter than
``outage_min_minutes`` in their whole duration are left out of every outage indicator. A city with
no event at all in W gets null (no data is not zero hours); a city-area without customers gets null.

A window that begins before the outage extract does (:class:`Coverage`: the first month with an
event, over the whole province) gets null for every city: a rolling window reaching back before the
data starts would sum fewer months than it stands for, and look better than it is.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from getpower import params
from getpower.indicators.common import finish, province
from getpower.indicators.rules import Rules
from getpower.periods import Period

AREAS = tuple(params.load("indicators.yaml")["area_types"])  # the four area types, before aggregates
MS_PER_HOUR = 3_600_000
NO_CUSTOMERS = "缺少用户数"
NO_EVENTS = "期内无该市停电事件记录"


@dataclass(frozen=True)
class Coverage:
    """Where the outage extract starts: the first day of the month of its earliest event (all cities,
    every event recorded, however short). A window that begins earlier is not covered.

    The end is not judged: an extract may end on a quiet day, and a period after the data is the
    caller's choice, not a gap in the data.

    >>> c = Coverage(dt.date(2021, 1, 1))
    >>> c.covers(Period.parse("2021Q4").outage_window()), c.covers(Period.parse("2021Q3").outage_window())
    (True, False)
    >>> c.reason
    '停电事件数据始于2021-01，统计窗口早于数据起点'
    """

    first_day: dt.date | None

    @classmethod
    def of(cls, outage_events: pl.LazyFrame) -> pl.LazyFrame:
        """A one-row frame: ``first_day``, the first day of the month of the earliest event (or null)."""
        return outage_events.select(pl.col("started_at").min().dt.month_start().dt.date().alias("first_day"))

    def covers(self, window: Period) -> bool:
        return self.first_day is not None and self.first_day <= window.start.date()

    @property
    def reason(self) -> str:
        if self.first_day is None:
            return "无停电事件数据"
        return f"停电事件数据始于{self.first_day:%Y-%m}，统计窗口早于数据起点"


def customers_at(customer_base: pl.LazyFrame, day) -> pl.LazyFrame:
    """Customers per city and area type as of ``day``: the latest row with ``as_of`` ≤ day."""
    return (customer_base.filter(pl.col("as_of") <= day)
            .sort("as_of").group_by("city", "area_type").agg(pl.col("customers").last().cast(pl.Float64).alias("cust")))


def counted_events(outage_events: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """The events every outage indicator counts: those lasting at least ``outage_min_minutes``."""
    # a year without the threshold: its outage values are made null with the reason (Rules.missing)
    minutes = rules.outage_min_minutes or 0
    return outage_events.filter((pl.col("restored_at") - pl.col("started_at")) >= pl.duration(minutes=minutes))


def window_events(outage_events: pl.LazyFrame, window: Period, rules: Rules) -> pl.LazyFrame:
    """The counted events (:func:`counted_events`) that touch the window, each with ``_ms``
    (milliseconds of it inside the window) and ``_starts`` (it starts in the window): the rows
    :func:`event_cells` sums and :func:`outage_share_events` lists."""
    s = pl.max_horizontal(pl.col("started_at"), pl.lit(window.start))
    e = pl.min_horizontal(pl.col("restored_at"), pl.lit(window.end))
    ms = (e - s).dt.total_milliseconds().clip(lower_bound=0)
    starts = (pl.col("started_at") >= window.start) & (pl.col("started_at") < window.end)
    return (counted_events(outage_events, rules).with_columns(ms.alias("_ms"), starts.alias("_starts"))
            .filter((pl.col("_ms") > 0) | pl.col("_starts")))


def event_cells(outage_events: pl.LazyFrame, window: Period, rules: Rules) -> pl.LazyFrame:
    """The events of a window summed per city × area type × kind × cause (done once per window;
    every outage indicator filters and sums these few rows):

    - ``w``: Σ milliseconds of the event inside the window × customers_affected; ``n``: events
      overlapping it;
    - ``f``: Σ customers_affected of the events that start in the window; ``fn``: those events.

    Integer sums: exact, so the result does not depend on the order events are added in (float sums
    of thousands of events differ in the last bits from one run to the next). Events shorter than
    ``outage_min_minutes`` in their whole duration are left out."""
    return window_events(outage_events, window, rules).group_by("city", "area_type", "kind", "cause").agg(
        # 128-bit: a sum of millisecond × customer products cannot overflow (64 bits would after
        # a few hundred city-wide, month-long events)
        (pl.col("_ms").cast(pl.Int128) * pl.col("customers_affected").cast(pl.Int128)).sum().alias("w"),
        (pl.col("_ms") > 0).sum().alias("n"),
        pl.col("customers_affected").filter(pl.col("_starts")).cast(pl.Int128).sum().alias("f"),
        pl.col("_starts").sum().alias("fn"))


def outage_cells(cells: pl.LazyFrame, customer_base: pl.LazyFrame, window: Period, rules: Rules,
                 keep: pl.Expr | None = None, frequency: bool = False) -> pl.LazyFrame:
    """Σ weight, customers and event count per city (and province) and segment, before dividing.
    ``cells``: :func:`event_cells` of the window; ``keep`` selects kinds / causes."""
    wcol, ncol = ("f", "fn") if frequency else ("w", "n")
    city_has_events = cells.group_by("city").agg(pl.col(ncol).sum().alias("_city_n"))
    if keep is not None:
        cells = cells.filter(keep)
    w = cells.group_by("city", "area_type").agg(pl.col(wcol).sum().alias("w"), pl.col(ncol).sum().alias("n"))
    cust = customers_at(customer_base, window.last_day)
    cells = (w.join(cust, on=["city", "area_type"], how="full", coalesce=True)
             .join(city_has_events, on="city", how="left")
             .with_columns(pl.col("w").fill_null(0), pl.col("n").fill_null(0), pl.col("_city_n").fill_null(0)))
    # the province: pooled city cells (Σ customer-hours, Σ customers); a city without events adds nothing
    prov = cells.filter(pl.col("_city_n") > 0).with_columns(pl.lit(province()).alias("city"))
    cells = pl.concat([cells, prov]).group_by("city", "area_type").agg(
        pl.col("w").sum(), pl.col("n").sum(), pl.col("_city_n").sum(),
        pl.when(pl.col("cust").null_count() > 0).then(None).otherwise(pl.col("cust").sum()).alias("cust"))
    segments = [cells.filter(pl.col("area_type").is_in(AREAS)).with_columns(pl.col("area_type").alias("segment"))]
    for name, members in rules.area_aggregates:
        segments.append(cells.filter(pl.col("area_type").is_in(list(members))).group_by("city").agg(
            pl.col("w").sum(), pl.col("n").sum(), pl.col("_city_n").max(),
            pl.when(pl.col("cust").null_count() > 0).then(None).otherwise(pl.col("cust").sum()).alias("cust"),
        ).with_columns(pl.lit(name).alias("segment")))
    cols = ["city", "segment", "w", "n", "cust", "_city_n"]
    # summed exactly as integers; customer-hours (or customers affected) only now
    weight = pl.col("w").cast(pl.Float64) if frequency else pl.col("w") / MS_PER_HOUR
    return pl.concat([s.select(cols) for s in segments]).with_columns(weight.alias("w"))


def _ratio(cells: pl.LazyFrame, unit: str, window: Period, rules: Rules, coverage: Coverage) -> pl.LazyFrame:
    ok = (pl.col("_city_n") > 0) & pl.col("cust").is_not_null() & (pl.col("cust") > 0)
    out = finish(cells.with_columns(
        pl.when(ok).then(pl.col("w") / pl.col("cust")).otherwise(None).alias("value"),
        pl.when(pl.col("_city_n") == 0).then(pl.lit(NO_EVENTS))
        .when(~ok).then(pl.lit(NO_CUSTOMERS)).otherwise(None).alias("reason"),
        pl.lit(unit).alias("unit"),
    ))
    if coverage.covers(window):
        return out
    # a window the extract does not cover: every city and segment null, for that reason
    grid = pl.LazyFrame({"city": [*params.cities(), province()]}).join(
        pl.LazyFrame({"segment": [*AREAS, *(name for name, _ in rules.area_aggregates)]}), how="cross")
    return finish(grid.join(out.select("city", "segment", "n"), on=["city", "segment"], how="left").with_columns(
        pl.col("n").fill_null(0), pl.lit(None, pl.Float64).alias("value"), pl.lit(coverage.reason).alias("reason"),
        pl.lit(unit).alias("unit")))


CUSTOM: dict = {}


def custom(fn):
    """Register a custom indicator function (declared with ``kind: custom, function: <name>``)."""
    CUSTOM[fn.__name__] = fn
    return fn


@custom
def outage_share(outage_window_cells: pl.LazyFrame, customer_base: pl.LazyFrame, window: Period, rules: Rules,
                 outage_coverage: Coverage, *, measure: str = "hours", kinds: list[str] | None = None,
                 exclude_causes: list[str] | None = None) -> pl.LazyFrame:
    """The outage family (DL/T 836), one function for every member: per city × area type or
    aggregate, Σ weight / customers over the window's events of the declared ``kinds`` (all when
    none), leaving out the ``exclude_causes``.

    ``measure``: ``hours`` (SAIDI: weight = hours inside the window × customers affected) or
    ``frequency`` (SAIFI: weight = customers affected, each event in the window it starts in).
    The declarations (params/indicators.yaml) say which member is which: outage_hours (all),
    _planned / _fault (kinds 预安排 / 故障), _ex_external / _ex_shortage (causes 外部影响 /
    系统电源不足限电 left out), outage_frequency."""
    frequency = measure == "frequency"
    cells = outage_cells(outage_window_cells, customer_base, window, rules, _keep(kinds, exclude_causes),
                         frequency=frequency)
    return _ratio(cells, "per_customer" if frequency else "hours", window, rules, outage_coverage)


def _keep(kinds: list[str] | None, exclude_causes: list[str] | None) -> pl.Expr | None:
    """Which events a member of the family counts, by kind and cause (None: all)."""
    keep = None
    if kinds:
        keep = pl.col("kind").is_in(kinds)
    if exclude_causes:
        # an event without a cause is not counted in these (its cause cannot be shown not excluded;
        # intake defaults a blank cause to 内部, so such an event is rare)
        drop = pl.col("cause").is_in(exclude_causes)
        keep = ~drop if keep is None else keep & ~drop
    return keep


def segment_areas(segment: str, rules: Rules) -> tuple[str, ...]:
    """The area types an outage segment stands for: itself, or an aggregate's members.

    Raises
    ------
    ValueError
        For a segment that is neither an area type nor an aggregate.
    """
    if segment in AREAS:
        return (segment,)
    aggregates = dict(rules.area_aggregates)
    if segment not in aggregates:
        raise ValueError(f"停电指标没有分组“{segment}”：应为区域类型或{'、'.join(aggregates)}")
    return tuple(aggregates[segment])


RECORDS: dict = {}  # custom function name → the function listing the records behind its cells


def records_of(name: str):
    """Register the record list of the custom function ``name`` (engine.records calls it)."""
    def register(fn):
        RECORDS[name] = fn
        return fn
    return register


@records_of("outage_share")
def outage_share_events(outages: pl.LazyFrame, window: Period, rules: Rules, *, segment: str,
                        measure: str = "hours", kinds: list[str] | None = None,
                        exclude_causes: list[str] | None = None) -> pl.LazyFrame:
    """The outage events behind a cell of a member of the outage family: the very events
    :func:`outage_share` sums (:func:`window_events`, the member's kinds and causes), of the
    segment's area types, one row each with

    - ``hours_in_window``: hours of the event inside the window;
    - ``weight``: what the event adds to the cell's numerator — ``hours_in_window`` ×
      ``customers_affected`` (``hours``), or ``customers_affected`` (``frequency``).

    ``measure`` ``hours``: every event overlapping the window (as many as the cell's ``n``);
    ``frequency``: those starting in it. Σ ``weight`` / the cell's customers is the cell's value.

    Parameters
    ----------
    outages : pl.LazyFrame
        The outage extract.
    window : Period
        The outage window of the period.
    rules : Rules
        The year's rules (``outage_min_minutes``, the area aggregates).
    segment : str
        An area type or an aggregate (城网, 农网, 全口径).
    measure, kinds, exclude_causes
        The member's declared arguments (params/indicators.yaml).

    Returns
    -------
    pl.LazyFrame
        ``event_id``, ``city``, ``district``, ``area_type``, ``kind``, ``cause``, ``started_at``,
        ``restored_at``, ``customers_affected``, ``hours_in_window``, ``weight``; by start.
    """
    counted = pl.col("_starts") if measure == "frequency" else pl.col("_ms") > 0
    keep = _keep(kinds, exclude_causes)
    ev = window_events(outages, window, rules).filter(
        counted & pl.col("area_type").cast(pl.String).is_in(list(segment_areas(segment, rules))))
    if keep is not None:
        ev = ev.filter(keep.fill_null(False))
    hours = (pl.col("_ms") / MS_PER_HOUR).alias("hours_in_window")
    weight = (pl.col("customers_affected").cast(pl.Float64) if measure == "frequency"
              else pl.col("hours_in_window") * pl.col("customers_affected")).alias("weight")
    return (ev.with_columns(hours).with_columns(weight)
            .select("event_id", "city", "district", "area_type", "kind", "cause", "started_at", "restored_at",
                    "customers_affected", "hours_in_window", "weight")
            .sort("started_at", "event_id"))


@records_of("outage_hours_yoy")
def outage_hours_yoy_events(outages: pl.LazyFrame, window: Period, rules: Rules, *, segment: str) -> pl.LazyFrame:
    """The events behind a cell of :func:`outage_hours_yoy`: this window's, as ``outage_hours``
    sums them (as many as the cell's ``n``); the year-earlier side of the change is
    ``outage_hours``' cell of the period a year earlier, with its own events.

    Returns
    -------
    pl.LazyFrame
        As :func:`outage_share_events` with ``measure="hours"``.
    """
    return outage_share_events(outages, window, rules, segment=segment)


@custom
def outage_hours_yoy(outage_window_cells: pl.LazyFrame, outage_year_ago_cells: pl.LazyFrame,
                     customer_base: pl.LazyFrame, window: Period, rules: Rules,
                     outage_coverage: Coverage) -> pl.LazyFrame:
    """Relative change of ``outage_hours`` against the same window one year earlier: (this − last) / last.
    Null when either window is not covered by the outage extract."""
    this = outage_share(outage_window_cells, customer_base, window, rules, outage_coverage)
    ago = window.shifted_year_ago()
    last = outage_share(outage_year_ago_cells, customer_base, ago, rules, outage_coverage).select(
        "city", "segment", pl.col("value").alias("last"))
    no_last = "上年同期无数据或为零" if outage_coverage.covers(ago) else "上年同期" + outage_coverage.reason
    out = this.join(last, on=["city", "segment"], how="left").with_columns(
        pl.when(pl.col("value").is_not_null() & (pl.col("last") > 0))
        .then((pl.col("value") - pl.col("last")) / pl.col("last")).otherwise(None).alias("value"),
        pl.when(pl.col("value").is_null()).then(pl.col("reason"))
        .when(~(pl.col("last") > 0).fill_null(False)).then(pl.lit(no_last)).otherwise(None).alias("reason"),
        pl.lit("ratio").alias("unit"),
    )
    return finish(out)
