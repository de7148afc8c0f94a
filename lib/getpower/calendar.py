"""The official mainland-China working-day calendar, with make-up working days (调休).

``chinesecalendar`` is the source of truth for the years it knows; ``params/holidays/<year>.yaml``
adds later years or overrides (see the README.yaml there), each checked complete when read
(:func:`check_holiday_file`). A date in a year neither knows is never a guess: asking about one
day (:func:`is_workday`, :func:`require_known`, :func:`span_to`) raises :class:`CalendarError`
naming the year, while counting working days over a column (:func:`working_days`,
:func:`add_working_days`) gives null for such dates without raising; the indicator table then
makes the working-day values null with the reason :func:`unknown_reason`.

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
    """A date outside every year the calendar knows, asked about one day at a time."""


def _days(value) -> list:
    """The dates of a ``holidays`` entry: a list, or a mapping festival → list."""
    if isinstance(value, dict):
        return [d for days in value.values() for d in (days or [])]
    return list(value or [])


def check_holiday_file(path) -> list[str]:
    """What is missing or wrong in a ``params/holidays/<year>.yaml`` (empty: complete).

    Complete: the ``year`` matches the file name, a ``source`` (the notice), ``holidays`` by
    festival with every festival of ``params/holidays/festivals.yaml`` given at least its statutory
    days off, every date in the year, no date both off and working, every make-up working day
    (``workdays``) on a Saturday or Sunday."""
    from pathlib import Path

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [f"无法读取: {exc}"]
    problems = []
    year = data.get("year")
    if path.stem.isdigit() and year != int(path.stem):
        problems.append(f"year 应为 {path.stem}")
    if not str(data.get("source") or "").strip():
        problems.append("缺少 source（国务院办公厅通知的文号）")
    holidays, workdays = data.get("holidays") or {}, list(data.get("workdays") or [])
    festivals = params.load("holidays/festivals.yaml")["festivals"]
    if not isinstance(holidays, dict):
        problems.append("holidays 应按节日列出（" + "、".join(festivals) + "）")
        holidays = {}
    for name, days in festivals.items():
        got = len(holidays.get(name) or [])
        if got < int(days):
            problems.append(f"{name} 未安排或不足 {days} 天" if got else f"缺少{name}")
    unknown = [k for k in holidays if k not in festivals]
    if unknown:
        problems.append("未知节日: " + "、".join(map(str, unknown)))
    every = _days(holidays) + workdays
    if not all(isinstance(d, dt.date) for d in every):
        problems.append("日期应写作 YYYY-MM-DD")
    else:
        outside = sorted({d for d in every if d.year != year})
        if outside:
            problems.append("日期不在该年: " + "、".join(d.isoformat() for d in outside))
        both = sorted(set(_days(holidays)) & set(workdays))
        if both:
            problems.append("既放假又调休上班: " + "、".join(d.isoformat() for d in both))
        weekday = sorted(d for d in workdays if d.weekday() < 5)
        if weekday:
            problems.append("调休上班日应在周末: " + "、".join(d.isoformat() for d in weekday))
    return problems


@params.derived
@lru_cache(maxsize=None)
def _overrides() -> dict[int, dict]:
    out = {}
    folder = params.params_dir() / "holidays"
    for p in sorted(folder.glob("[0-9][0-9][0-9][0-9].yaml")) if folder.exists() else []:
        problems = check_holiday_file(p)
        if problems:  # never used half-filled: a wrong working day is silently wrong everywhere
            raise CalendarError(f"节假日文件 {p.name} 不完整：" + "；".join(problems))
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        out[int(data["year"])] = {"holidays": set(_days(data.get("holidays"))), "workdays": set(data.get("workdays") or [])}
    return out


@lru_cache(maxsize=1)
def _builtin_years() -> frozenset[int]:
    import chinese_calendar.constants as c

    return frozenset(range(min(c.holidays).year, max(c.holidays).year + 1))


def known_years() -> set[int]:
    return set(_builtin_years()) | set(_overrides())


def unknown_years(years) -> list[int]:
    """The years among ``years`` the calendar does not know, in order."""
    known = known_years()
    return sorted({int(y) for y in years if int(y) not in known})


def unknown_reason(years) -> str:
    """The reason a working-day value is null: ``2027 年节假日安排未配置``."""
    return "、".join(str(y) for y in years) + " 年节假日安排未配置"


def unknown_warning(years) -> str:
    """The one warning the command line gives for data in years without a calendar."""
    ys = "、".join(str(y) for y in years)
    files = "、".join(f"params/holidays/{y}.yaml" for y in years)
    return (f"警告: 数据含 {ys} 年，日历未配置其节假日安排：这些年的工作日指标为空（自然日指标照常计算）。"
            f"请按国务院办公厅节假日安排通知添加 {files}（格式见 params/holidays/README.yaml），"
            f"并以 getpower holidays check 检查")


def known_span(first: int, last: int) -> tuple[int, int] | None:
    """The run of known years inside ``first``–``last`` that working days are counted over: the
    run ending with ``last`` when it is known, else from the first known year to the last before a
    gap (None when no year is known).

    >>> known_span(2021, 2023), known_span(2023, 2999)[0], known_span(3000, 3001)
    ((2021, 2023), 2023, None)
    """
    known = known_years()
    if last in known:
        lo = last
        while lo - 1 >= first and lo - 1 in known:
            lo -= 1
        return (lo, last)
    lo = next((y for y in range(first, last + 1) if y in known), None)
    if lo is None:
        return None
    hi = lo
    while hi + 1 <= last and hi + 1 in known:
        hi += 1
    return (lo, hi)


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


@params.derived
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

    Null when either end is null, or outside the known years of ``years`` (callers pass the
    data's year range; the table makes the values that would stand on such days null with the
    reason, :func:`unknown_reason`).
    """
    return lf.with_columns(working_days(pl.col(start), pl.col(end), years).alias(out))


def working_days(start: pl.Expr, end: pl.Expr, years: tuple[int, int]) -> pl.Expr:
    """Working days ``d`` with ``start.date() < d <= end.date()``, as an expression: a look-up of
    cumulative working-day counts by day number (no join). Null when either end is null, or
    outside the known years of ``years`` (a year without a holiday schedule is not guessed)."""
    span = known_span(*years)
    if span is None:
        return pl.lit(None, pl.Int64)
    table = workday_table(*span)
    first = table["date"][0]
    cum = table["cum_workdays"].cast(pl.Int64)
    n = len(cum)

    def lookup(ts: pl.Expr) -> pl.Expr:
        idx = (ts.dt.date() - pl.lit(first)).dt.total_days()
        # outside the known years: null (the table marks the values it makes null)
        ok = (idx >= 0) & (idx < n)
        return pl.when(ok).then(pl.lit(cum).gather(idx.clip(0, n - 1))).otherwise(None)

    return (lookup(end) - lookup(start)).cast(pl.Int64)


def year_range(*frames_and_cols: tuple[pl.LazyFrame, str]) -> tuple[int, int]:
    """The span of years of some timestamp columns (2021 when they are empty); years the
    calendar does not know are not an error here (see :func:`unknown_years`)."""
    lo, hi = None, None
    # the first and last timestamps, then their years (a year is monotone in its timestamp): not
    # the year of every row
    plans = [lf.select(pl.col(col).min().dt.year().alias("lo"), pl.col(col).max().dt.year().alias("hi"))
             for lf, col in frames_and_cols]
    for r in pl.collect_all(plans):  # one pass over each source
        a, b = r["lo"][0], r["hi"][0]
        if a is None:
            continue
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    if lo is None:
        return (2021, 2021)
    return (lo, hi)
