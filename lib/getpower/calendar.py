"""The official mainland-China working-day calendar, with make-up working days (调休).

``chinesecalendar`` is the source of truth for the years it knows; ``params/holidays/<year>.yaml``
adds later years or overrides (see the README.yaml there). A date in a year neither knows is an
error that names the year, never a guess.

Day counting follows the legal convention of indicators.md (the start day is not counted):
``working_days(start, end)`` = number of working days ``d`` with ``start.date() < d <= end.date()``.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import polars as pl
import yaml

from getpower import params


class CalendarError(ValueError):
    """A date outside every year the calendar knows."""


@lru_cache(maxsize=None)
def _overrides() -> dict[int, dict]:
    out = {}
    folder = params.params_dir() / "holidays"
    for p in sorted(folder.glob("[0-9][0-9][0-9][0-9].yaml")) if folder.exists() else []:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        out[int(data["year"])] = {"holidays": set(data.get("holidays") or []), "workdays": set(data.get("workdays") or [])}
    return out


@lru_cache(maxsize=1)
def _builtin_years() -> frozenset[int]:
    import chinese_calendar.constants as c

    return frozenset(range(min(c.holidays).year, max(c.holidays).year + 1))


def known_years() -> set[int]:
    return set(_builtin_years()) | set(_overrides())


def require_known(years) -> None:
    """Raise :class:`CalendarError` naming the first of ``years`` the calendar does not know."""
    known = known_years()
    for y in years:
        if y not in known:
            raise CalendarError(f"日历不包含 {y} 年：请在 params/holidays/{y}.yaml 中补充该年节假日安排")


def is_workday(day: dt.date) -> bool:
    """Official working day? (make-up days count as working days; public holidays do not).

    >>> is_workday(dt.date(2023, 10, 7)), is_workday(dt.date(2023, 10, 2)), is_workday(dt.date(2024, 2, 4))
    (True, False, True)
    """
    ov = _overrides().get(day.year)
    if ov is not None:
        if day in ov["workdays"]:
            return True
        if day in ov["holidays"]:
            return False
        return day.weekday() < 5
    if day.year not in _builtin_years():
        require_known([day.year])
    import chinese_calendar

    return chinese_calendar.is_workday(day)


@lru_cache(maxsize=64)
def workday_table(first_year: int, last_year: int) -> pl.DataFrame:
    """One row per date of the years: ``date`` and ``cum_workdays`` (working days up to and
    including that date, counted from the first day of ``first_year``).

    The same rule as :func:`is_workday`, applied to every date at once: a make-up day works, a
    holiday does not, other days work from Monday to Friday (holidays and make-up days from
    chinesecalendar, or from ``params/holidays/<year>.yaml`` for the years it overrides)."""
    import chinese_calendar.constants as c

    require_known(range(first_year, last_year + 1))
    ov = _overrides()
    holidays = [d for d in c.holidays if d.year not in ov] + [d for o in ov.values() for d in o["holidays"]]
    workdays = [d for d in c.workdays if d.year not in ov] + [d for o in ov.values() for d in o["workdays"]]
    days = pl.date_range(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31), "1d", eager=True).alias("date")
    flags = days.is_in(pl.Series(workdays, dtype=pl.Date).implode()) | (
        (days.dt.weekday() <= 5) & ~days.is_in(pl.Series(holidays, dtype=pl.Date).implode()))
    return pl.DataFrame({"date": days, "workday": flags}).with_columns(
        pl.col("workday").cast(pl.Int32).cum_sum().alias("cum_workdays")
    )


def span_to(last_year: int) -> tuple[int, int]:
    """The longest run of known years ending with ``last_year`` (the calendar a period ending in
    that year can need); an unknown ``last_year`` is an error naming it."""
    require_known([last_year])
    known = known_years()
    first = last_year
    while first - 1 in known:
        first -= 1
    return (first, last_year)


def calendar_days(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """``end.date() − start.date()`` in days (same day = 0)."""
    return (end.dt.date() - start.dt.date()).dt.total_days()


def add_working_days(lf: pl.LazyFrame, start: str, end: str, out: str, years: tuple[int, int]) -> pl.LazyFrame:
    """Add column ``out`` = working days from ``start`` to ``end`` (start day not counted).

    Null when either end is null. ``years`` bounds the calendar used; a date outside it raises
    :class:`CalendarError` when the frame is collected… so callers pass the data's year range.
    """
    return lf.with_columns(working_days(pl.col(start), pl.col(end), years).alias(out))


def working_days(start: pl.Expr, end: pl.Expr, years: tuple[int, int]) -> pl.Expr:
    """Working days ``d`` with ``start.date() < d <= end.date()``, as an expression: a look-up of
    cumulative working-day counts by day number (no join). Null when either end is null."""
    table = workday_table(*years)
    first = table["date"][0]
    cum = table["cum_workdays"].cast(pl.Int64)
    n = len(cum)

    def lookup(ts: pl.Expr) -> pl.Expr:
        idx = (ts.dt.date() - pl.lit(first)).dt.total_days()
        # outside the table's years: null here, but year_range() has checked the data's years
        ok = (idx >= 0) & (idx < n)
        return pl.when(ok).then(pl.lit(cum).gather(idx.clip(0, n - 1))).otherwise(None)

    return (lookup(end) - lookup(start)).cast(pl.Int64)


def year_range(*frames_and_cols: tuple[pl.LazyFrame, str]) -> tuple[int, int]:
    """The span of years of some timestamp columns, checked against the calendar."""
    lo, hi = None, None
    plans = [lf.select(pl.col(col).dt.year().min().alias("lo"), pl.col(col).dt.year().max().alias("hi"))
             for lf, col in frames_and_cols]
    for r in pl.collect_all(plans):  # one pass over each source
        a, b = r["lo"][0], r["hi"][0]
        if a is None:
            continue
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    if lo is None:
        return (2021, 2021)
    require_known(range(lo, hi + 1))
    return (lo, hi)
