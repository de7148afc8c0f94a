"""Periods: quarters (``2023Q4``), years (``2023``), year to date (``2023Q3YTD``: 1 January to
the quarter's end, computed like a year over the months so far), rolling 12-month windows.

A period is a half-open interval of timestamps ``[start, end)``; ``last_day`` is its last date.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_RE = re.compile(r"^\s*(\d{4})\s*(?:[Qq]([1-4])\s*(YTD|ytd|年初至今)?)?\s*$")


@dataclass(frozen=True)
class Period:
    """A reporting period or a measurement window.

    >>> p = Period.parse("2023Q4")
    >>> p.start, p.end, p.last_day
    (datetime.datetime(2023, 10, 1, 0, 0), datetime.datetime(2024, 1, 1, 0, 0), datetime.date(2023, 12, 31))
    >>> p.rolling_12m().start, p.ytd().start, p.previous().label, p.year_ago().label
    (datetime.datetime(2023, 1, 1, 0, 0), datetime.datetime(2023, 1, 1, 0, 0), '2023Q3', '2022Q4')
    >>> y = Period.parse("2023Q3YTD")
    >>> y.start, y.last_day, y.outage_window().label, y.previous().label, y.year_ago().label
    (datetime.datetime(2023, 1, 1, 0, 0), datetime.date(2023, 9, 30), '2023Q3YTD', '2023Q2YTD', '2022Q3YTD')
    >>> Period.parse("2023Q1YTD").previous().label, Period.parse("2023q2 ytd").label
    ('2022Q4YTD', '2023Q2YTD')
    """

    label: str
    start: dt.datetime
    end: dt.datetime
    year: int
    quarter: int | None = None
    ytd_of: int | None = None  # a year to date: the quarter it runs to

    @classmethod
    def parse(cls, text: str | int) -> "Period":
        m = _RE.match(str(text))
        if not m:
            raise ValueError(f"无法识别的期间「{text}」：应为年份（2023）、季度（2023Q4）或年初至今（2023Q3YTD）")
        year = int(m.group(1))
        if m.group(3):
            return cls.quarter_of(year, int(m.group(2))).ytd()
        if m.group(2):
            return cls.quarter_of(year, int(m.group(2)))
        return cls(str(year), dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1), year)

    @classmethod
    def quarter_of(cls, year: int, q: int) -> "Period":
        start = dt.datetime(year, 3 * q - 2, 1)
        end = dt.datetime(year + 1, 1, 1) if q == 4 else dt.datetime(year, 3 * q + 1, 1)
        return cls(f"{year}Q{q}", start, end, year, q)

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None and self.ytd_of is None

    @property
    def is_ytd(self) -> bool:
        return self.ytd_of is not None

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    def ytd(self) -> "Period":
        """From 1 January of the period's year to the period's end (a year is its own)."""
        if not self.is_quarter:
            return self
        return Period(f"{self.label}YTD", dt.datetime(self.year, 1, 1), self.end, self.year, None, self.quarter)

    def rolling_12m(self) -> "Period":
        """The 12 months ending on the period's last day (for a year, the calendar year)."""
        start = self.end.replace(year=self.end.year - 1)
        return Period(f"{self.label}R12", start, self.end, self.year, self.quarter)

    def outage_window(self) -> "Period":
        """The window of the outage indicators: rolling 12 months for a quarter, the year for a year,
        the months so far for a year to date."""
        return self.rolling_12m() if self.is_quarter else self

    def year_ago(self) -> "Period":
        if self.is_ytd:
            return Period.quarter_of(self.year - 1, self.ytd_of).ytd()
        if self.is_quarter:
            return Period.quarter_of(self.year - 1, self.quarter)
        return Period.parse(self.year - 1)

    def previous(self) -> "Period":
        if self.is_ytd:
            q = Period.quarter_of(self.year, self.ytd_of).previous()
            return q.ytd()
        if not self.is_quarter:
            return Period.parse(self.year - 1)
        return Period.quarter_of(self.year, self.quarter - 1) if self.quarter > 1 else Period.quarter_of(self.year - 1, 4)

    def shifted_year_ago(self) -> "Period":
        """The same window one year earlier (for year-on-year change)."""
        return Period(self.label + "-1y", self.start.replace(year=self.start.year - 1),
                      self.end.replace(year=self.end.year - 1), self.year - 1, self.quarter, self.ytd_of)
