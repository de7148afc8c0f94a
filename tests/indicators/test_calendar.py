"""Working-day counting with holidays and make-up days (调休); start day not counted."""
import datetime as dt

import polars as pl
import pytest

from getpower import calendar, params
from getpower.calendar import CalendarError, add_working_days
from getpower.periods import Period


@pytest.mark.parametrize(
    "start, end, calendar_days, working_days",
    [
        ("2023-09-28 09:00", "2023-10-09 09:00", 11, 3),   # National Day 2023: 9-29..10-6 off, 10-7 and 10-8 make-up
        ("2023-10-06 17:00", "2023-10-07 08:00", 1, 1),    # Saturday 10-7 is a make-up working day
        ("2024-02-08 09:00", "2024-02-19 09:00", 11, 3),   # Spring Festival 2024: 2-10..2-17 off, 2-4 and 2-18 make-up
        ("2024-02-03 09:00", "2024-02-04 09:00", 1, 1),    # Sunday 2-4 is a make-up working day
        ("2023-12-29 10:00", "2024-01-05 10:00", 7, 4),    # across the year end; 2024-01-01 off
        ("2023-03-01 09:00", "2023-03-01 17:00", 0, 0),    # same day = 0
        ("2023-03-03 09:00", "2023-03-06 09:00", 3, 1),    # Friday → Monday
    ],
)
def test_day_counting(start, end, calendar_days, working_days):
    lf = pl.LazyFrame({"s": [dt.datetime.fromisoformat(start)], "e": [dt.datetime.fromisoformat(end)]})
    out = add_working_days(lf.with_columns(calendar.calendar_days(pl.col("s"), pl.col("e")).alias("cd")),
                           "s", "e", "wd", (2023, 2024)).collect()
    assert out.row(0, named=True)["cd"] == calendar_days
    assert out.row(0, named=True)["wd"] == working_days


def test_null_end_gives_null():
    lf = pl.LazyFrame({"s": [dt.datetime(2023, 1, 3)], "e": [None]}, schema={"s": pl.Datetime("us"), "e": pl.Datetime("us")})
    assert add_working_days(lf, "s", "e", "wd", (2023, 2023)).collect()["wd"].to_list() == [None]


def test_unknown_year_is_an_error_naming_it():
    with pytest.raises(CalendarError, match="2031"):
        calendar.is_workday(dt.date(2031, 5, 6))
    with pytest.raises(CalendarError, match="2031"):
        calendar.workday_table(2031, 2031)


def test_table_agrees_with_day_by_day_rule_over_every_known_year():
    first, last = min(calendar.known_years()), max(calendar.known_years())
    t = calendar.workday_table(first, last)
    assert t["workday"].to_list() == [calendar.is_workday(d) for d in t["date"]]


@pytest.mark.parametrize("last_year, span", [(2023, (2004, 2023)), (2026, (2004, 2026))])
def test_calendar_span_ending_with_a_year(last_year, span):
    assert calendar.span_to(last_year) == span


def test_calendar_span_of_unknown_year_is_an_error_naming_it():
    with pytest.raises(CalendarError, match="2031"):
        calendar.span_to(2031)


def test_override_year_from_params(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(params.params_dir(), tmp_path / "params")
    (tmp_path / "params" / "holidays" / "2031.yaml").write_text(
        "year: 2031\nsource: test\nholidays:\n  元旦: [2031-01-01, 2031-01-02]\n  春节: [2031-01-22, 2031-01-23, 2031-01-24, 2031-01-27]\n"
        "  清明节: [2031-04-07]\n  劳动节: [2031-05-01, 2031-05-02]\n  端午节: [2031-06-02]\n  中秋节: [2031-10-06]\n"
        "  国庆节: [2031-10-01, 2031-10-02, 2031-10-03]\nworkdays: [2031-01-04]\n", encoding="utf-8")
    monkeypatch.setenv("GETPOWER_PARAMS", str(tmp_path / "params"))
    calendar._overrides.cache_clear()
    calendar.workday_table.cache_clear()
    try:
        # 2030-12-31 (Tue) → 2031-01-06 (Mon): 1-1, 1-2 off; 1-3 Fri work; 1-4 Sat make-up; 1-5 Sun; 1-6 Mon
        assert [calendar.is_workday(dt.date(2031, 1, d)) for d in range(1, 7)] == [False, False, True, True, False, True]
        t = calendar.workday_table(2031, 2031)
        assert t.filter(pl.col("date") == dt.date(2031, 1, 6))["cum_workdays"].item() == 3
        assert calendar.span_to(2031) == (2031, 2031)  # 2027–2030 unknown: the run starts in 2031
    finally:
        monkeypatch.undo()
        calendar._overrides.cache_clear()
        calendar.workday_table.cache_clear()


@pytest.mark.parametrize(
    "text, start, end, window_start",
    [
        ("2023Q4", dt.datetime(2023, 10, 1), dt.datetime(2024, 1, 1), dt.datetime(2023, 1, 1)),
        ("2023q1", dt.datetime(2023, 1, 1), dt.datetime(2023, 4, 1), dt.datetime(2022, 4, 1)),
        ("2023", dt.datetime(2023, 1, 1), dt.datetime(2024, 1, 1), dt.datetime(2023, 1, 1)),
    ],
)
def test_periods(text, start, end, window_start):
    p = Period.parse(text)
    assert (p.start, p.end, p.outage_window().start, p.outage_window().end) == (start, end, window_start, end)


def test_bad_period():
    with pytest.raises(ValueError, match="无法识别的期间"):
        Period.parse("2023Q5")


def _holiday_file(path, year=2025, drop=None, extra_workday=None):
    """A holiday file for ``year`` written from chinesecalendar (its festival names mapped)."""
    import chinese_calendar.constants as c
    import yaml

    names = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
             "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节"}
    holidays = {}
    for d, name in sorted(c.holidays.items()):
        if d.year == year and names[name] != drop:
            holidays.setdefault(names[name], []).append(d)
    workdays = sorted(d for d in c.workdays if d.year == year) + ([extra_workday] if extra_workday else [])
    path.write_text(yaml.safe_dump({"year": year, "source": "国办发明电〔2024〕12号", "holidays": holidays,
                                    "workdays": workdays}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_complete_holiday_file_gives_the_official_calendar(tmp_path, monkeypatch):
    import shutil

    import chinese_calendar

    shutil.copytree(params.params_dir(), tmp_path / "params")
    f = _holiday_file(tmp_path / "params" / "holidays" / "2025.yaml")
    assert calendar.check_holiday_file(f) == []
    monkeypatch.setenv("GETPOWER_PARAMS", str(tmp_path / "params"))
    calendar._overrides.cache_clear()
    try:
        days = pl.date_range(dt.date(2025, 1, 1), dt.date(2025, 12, 31), eager=True).to_list()
        assert [calendar.is_workday(d) for d in days] == [chinese_calendar.is_workday(d) for d in days]
    finally:
        monkeypatch.undo()
        calendar._overrides.cache_clear()


@pytest.mark.parametrize("kwargs, problem", [
    ({"drop": "端午节"}, "缺少端午节"),
    ({"extra_workday": dt.date(2025, 3, 5)}, "调休上班日应在周末: 2025-03-05"),   # a Wednesday
    ({"extra_workday": dt.date(2026, 1, 4)}, "日期不在该年: 2026-01-04"),
])
def test_an_incomplete_holiday_file_is_named_and_refused(tmp_path, monkeypatch, kwargs, problem):
    import shutil

    shutil.copytree(params.params_dir(), tmp_path / "params")
    f = _holiday_file(tmp_path / "params" / "holidays" / "2025.yaml", **kwargs)
    assert problem in calendar.check_holiday_file(f)
    monkeypatch.setenv("GETPOWER_PARAMS", str(tmp_path / "params"))
    calendar._overrides.cache_clear()
    try:
        with pytest.raises(CalendarError, match="2025.yaml 不完整"):
            calendar.is_workday(dt.date(2025, 3, 5))
    finally:
        monkeypatch.undo()
        calendar._overrides.cache_clear()


def test_dates_beyond_the_calendar_null_working_days_with_the_reason():
    """2027 has no holiday schedule yet: calendar days are counted, working days are not guessed."""
    from literal_frames import frames, values

    fr = frames(applications=[{"app_id": "X1"}, {"app_id": "X2"}],
                stages=[("X1", "申请受理", "2027-01-04 09:00", "2027-01-04 10:00", None),
                        ("X1", "装表接电", "2027-01-05 09:00", "2027-01-08 10:00", None),     # 4 calendar days
                        ("X2", "申请受理", "2026-12-28 09:00", "2026-12-28 10:00", None),
                        ("X2", "装表接电", "2026-12-29 09:00", "2026-12-30 10:00", None)])    # 2026: known
    assert values(fr, "2027Q1", "process_days_mean", "calendar_days")[("杭州", "居民")] == (4.0, 1, None)
    assert values(fr, "2027Q1", "process_days_mean", "working_days")[("杭州", "居民")] == (None, 0, "2027 年节假日安排未配置")
    # 2026-12-28 → 12-30: Tue, Wed = 2 working days (the data reaching 2027 does not stop 2026)
    assert values(fr, "2026Q4", "process_days_mean", "working_days")[("杭州", "居民")] == (2.0, 1, None)


def test_rates_judged_against_working_day_limits_are_null_without_the_calendar(monkeypatch):
    """Were 2026's holidays unknown: the low-voltage approval limit (5 working days) cannot be judged,
    the 10kV one (7 calendar days) can; 全部 mixes both, so it is null too."""
    from literal_frames import frames, values

    fr = frames(approvals=[("P1", "杭州", "10kV", 800, "并联审批", "2026-03-02 09:00", "2026-03-05 09:00"),   # 3 days
                           ("P2", "杭州", "低压", 120, "行政许可", "2026-03-02 09:00", "2026-03-04 09:00")])  # 2 days
    monkeypatch.setattr(calendar, "_builtin_years", lambda: frozenset(range(2004, 2026)))
    calendar.workday_table.cache_clear()
    try:
        rate = values(fr, "2026Q1", "approval_within_limit_rate")
        assert rate[("杭州", "10kV")] == (1.0, 1, None)
        assert rate[("杭州", "低压")][0::2] == (None, "2026 年节假日安排未配置")
        assert rate[("杭州", "全部")][0::2] == (None, "2026 年节假日安排未配置")
        assert values(fr, "2026Q1", "approval_days_mean", "calendar_days")[("杭州", "低压")] == (2.0, 1, None)
        assert values(fr, "2026Q1", "approval_days_mean", "working_days")[("杭州", "低压")][0::2] == (
            None, "2026 年节假日安排未配置")
    finally:
        monkeypatch.undo()
        calendar.workday_table.cache_clear()
