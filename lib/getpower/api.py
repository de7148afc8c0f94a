"""The analyst's API, re-exported by :mod:`getpower` (``getpower.open``, ``getpower.Store`` …).

What the notebooks, the scorecards and the dashboards call, documented, each with an example
that runs on the bundled sample (:func:`sample_store`); ``tests/api`` checks that every public
name has one and the suite runs them. :data:`API_VERSION` follows semantic versioning: a name
removed or a result changed in meaning is a new major version, a name added a new minor one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

API_VERSION = "1.0.0"

# record-level columns that are the library's bookkeeping, not the analyst's
_INTERNAL = ("rec", "_end")


@dataclass(frozen=True, eq=False)
class Store:
    """A data store (``getpower ingest`` writes it), read for analysis. Open one with :func:`open`.

    Every result is computed once per data version, params and code version (in the store's
    ``cache/``), and kept in memory for the life of this object.

    Examples
    --------
    >>> import getpower
    >>> store = getpower.open(getpower.sample_store())
    >>> store.version
    'v000001'
    >>> store.periods()[:3], store.periods()[-1]
    (['2021Q1', '2021Q2', '2021Q3'], '2026Q3')
    """

    path: Path
    _memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from getpower.store import Store as _Store, StoreError

        object.__setattr__(self, "path", Path(self.path).resolve())
        if not _Store(self.path).exists():
            raise StoreError(f"数据仓库 {self.path} 不存在或没有版本（请先运行 getpower ingest）")

    def __repr__(self) -> str:
        return f"getpower.Store('{self.path}', {self.version})"

    @property
    def version(self) -> str:
        """The current version of the store (``v000003``)."""
        from getpower.store import Store as _Store

        return _Store(self.path).manifest()["name"]

    @property
    def fingerprint(self) -> str:
        """A hash of the current version's data: results are cached under it."""
        from getpower.store import Store as _Store

        return _Store(self.path).fingerprint

    def periods(self) -> list[str]:
        """The quarters the store has completed applications in, oldest first.

        >>> import getpower
        >>> getpower.open(getpower.sample_store()).periods()[4]
        '2022Q1'
        """
        from getpower.present.dashboard import periods

        return periods(self.path)

    def indicators(self, period: str, *, allow_empty: bool = False) -> pl.DataFrame:
        """The indicator table of ``period`` (indicators.md §10): one row per city (and 全省),
        indicator, segment and unit, with its value, ``n``, target, status columns, rank and
        ``reason`` when null. ``period``: ``2023Q4``, ``2023`` or ``2023Q3YTD``. A period outside
        the data is refused unless ``allow_empty``.

        Parameters
        ----------
        period : str
            ``2023Q4`` (a quarter), ``2023`` (a year) or ``2023Q3YTD`` (1 January to the quarter's end).
        allow_empty : bool
            Compute a period outside the data (its values null, with the reason) instead of refusing it.

        Returns
        -------
        polars.DataFrame
            The table; ``getpower.readable(table)`` shows it with Chinese headers and labels.

        Raises
        ------
        getpower.currency.DataRangeError
            The period lies outside the data (the message says up to when it runs).

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> t = store.indicators("2023Q4")
        >>> row = t.filter(city="杭州", indicator="process_days_mean", segment="居民", unit="calendar_days")
        >>> row.select("value", "target", "met", "n").row(0)
        (2.565934065934066, 7.0, True, 182)
        """
        key = ("indicators", str(period), allow_empty)
        if key not in self._memo or self._memo.get("fingerprint") != self.fingerprint:
            from getpower.table import cached_compute

            if self._memo.get("fingerprint") != self.fingerprint:  # a new version: forget the old
                self._memo.clear()
                self._memo["fingerprint"] = self.fingerprint
            self._memo[key] = cached_compute(self.path, period, allow_empty=allow_empty)
        return self._memo[key]

    def composite(self, period: str) -> pl.DataFrame:
        """Each city's composite score and rank (indicators.md §9); a city without enough data
        has none (``coverage`` says how much it has).

        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> store.composite("2023Q4").sort("rank", nulls_last=True).select("city", "rank").head(2).rows()
        [('宁波', 1), ('杭州', 2)]
        """
        from getpower.scoring import composite

        return composite(self.indicators(period))

    def currency(self, period: str) -> str:
        """数据截至 and the data version, as every output says it.

        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> store.currency("2023Q4").startswith("数据截至 2026-09-30")
        True
        """
        from getpower.currency import currency_text

        return currency_text(self.indicators(period))

    def _inputs(self, period: str) -> dict:
        key = ("inputs", str(period))
        if key not in self._memo:
            from getpower.periods import Period
            from getpower.table import cached_record_level, load_frames, prepare_inputs

            frames = load_frames(self.path)
            self._memo[key] = prepare_inputs(frames, Period.parse(period), cached_record_level(self.path, frames),
                                             ids=True)
        return self._memo[key]

    def applications(self, period: str, which: str = "completed") -> pl.DataFrame:
        """Record-level applications of ``period``, one row each, with what the indicators
        derive from their stages: ``process_cd`` / ``process_wd`` (全过程办电时间 in calendar and
        working days), ``utility_cd`` / ``utility_wd`` (供电企业办理时间), ``stage_count``, and the
        flags ``repeated``, ``backfill``, ``burst``, ``pre_acceptance`` (indicators.md §1–§2, §7).
        ``which``: ``completed`` (completed in the period, not withdrawn) or ``in_progress``
        (open at the period's end, measured to it). No personal data.

        Parameters
        ----------
        period : str
            As for :meth:`indicators`.
        which : {"completed", "in_progress"}

        Returns
        -------
        polars.DataFrame
            One row per application: ``app_id``, ``city``, ``customer_class``, ``accepted_at``,
            ``completed_at``, ``capacity_kw``, ``channel``, ``customer_investment_yuan``, the day
            counts and the flags.

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> apps = store.applications("2023Q4")
        >>> apps.filter(city="杭州", customer_class="居民").height   # the n of the cell above
        182
        >>> round(apps.filter(city="杭州", customer_class="居民")["process_cd"].mean(), 4)
        2.5659
        """
        if which not in ("completed", "in_progress"):
            raise ValueError(f"which 应为 completed 或 in_progress，而不是 {which!r}")
        frame = self._inputs(period)[which].collect()
        return frame.drop([c for c in _INTERNAL if c in frame.columns])

    def stages(self, period: str) -> pl.DataFrame:
        """The stages of the applications completed in ``period`` (as :meth:`applications`), one
        row per stage: ``app_id``, ``city``, ``customer_class``, ``stage``, ``started_at``,
        ``finished_at``, ``span_cd`` (its calendar days, start day not counted) and
        ``stage_limit`` (annex 1's limit for high-voltage stages, else null).

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> st = store.stages("2023Q4")
        >>> st.filter(customer_class="居民")["stage"].unique().sort().to_list()
        ['申请受理', '供电方案答复', '装表接电']
        >>> st["app_id"].n_unique() == store.applications("2023Q4").height
        True
        """
        from getpower.table import cached_record_level, load_frames

        spans = cached_record_level(self.path, load_frames(self.path))[0]
        apps = self._inputs(period)["completed"].select("rec", "app_id", "customer_class")
        return (spans.join(apps, on="rec", how="inner")
                .select("app_id", "city", "customer_class", "stage", "started_at", "finished_at", "span_cd",
                        "stage_limit")
                .sort("city", "app_id", "started_at").collect())

    def outages(self, period: str) -> pl.DataFrame:
        """The outage events behind the period's outage indicators: those that overlap its
        outage window (the rolling 12 months to a quarter's end, the calendar year for a year) or
        begin in it, as the indicators take them (an event running into the window counts with its
        hours inside it), with ``hours`` (duration), ``customer_hours`` (duration × customers
        affected), ``counted`` (not shorter than the year's short-interruption threshold; null
        when the year has none, ``params/thresholds.yaml``), ``hours_in_window`` (what the
        outage-hours indicators count) and ``starts_in_window`` (what the frequency ones count).

        Parameters
        ----------
        period : str
            As for :meth:`indicators`; its outage window is ``Period.parse(period).outage_window()``.

        Returns
        -------
        polars.DataFrame
            The outage extract's columns (``event_id``, ``city``, ``district``, ``area_type``,
            ``kind``, ``cause``, ``started_at``, ``restored_at``, ``customers_affected``) and the five above.

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> ev = store.outages("2023Q4")
        >>> ev.columns[-5:]
        ['hours', 'customer_hours', 'counted', 'hours_in_window', 'starts_in_window']
        >>> ev["started_at"].min() < dt.datetime(2023, 1, 1)  # begun in 2022, running into the window
        True
        >>> sorted(ev["kind"].unique().to_list())
        ['故障', '预安排']
        """
        from getpower.indicators.rules import Rules
        from getpower.periods import Period
        from getpower.table import load_frames

        p = Period.parse(period)
        window = p.outage_window()
        minimum = Rules.for_year(p.year).outage_min_minutes
        hours = (pl.col("restored_at") - pl.col("started_at")).dt.total_seconds() / 3600
        counted = pl.lit(None, pl.Boolean) if minimum is None else hours * 60 >= minimum
        # the window's arithmetic is reliability.window_events' (the indicators'), on every event
        inside = (pl.min_horizontal("restored_at", pl.lit(window.end))
                  - pl.max_horizontal("started_at", pl.lit(window.start))).dt.total_seconds().clip(lower_bound=0) / 3600
        starts = (pl.col("started_at") >= window.start) & (pl.col("started_at") < window.end)
        return (load_frames(self.path)["outages"]
                .with_columns(hours.alias("hours"), (hours * pl.col("customers_affected")).alias("customer_hours"),
                              counted.alias("counted"), inside.alias("hours_in_window"), starts.alias("starts_in_window"))
                .filter((pl.col("hours_in_window") > 0) | pl.col("starts_in_window"))
                .sort("city", "started_at").collect())

    def lists(self, period: str) -> dict[str, pl.DataFrame]:
        """The named drill-down lists of the period (零投资违规工单, 在途超时工单 …, keyed by
        name; :data:`getpower.drilldown.LISTS` has their Chinese titles). Each has ``city`` and
        the record's identifying fields, never personal data.

        Returns
        -------
        dict of str to polars.DataFrame

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> overdue = store.lists("2023Q4")["open_overdue"]
        >>> overdue.columns
        ['city', 'app_id', 'customer_class', 'accepted_at', 'days', 'limit', 'limit_unit']
        """
        from getpower.drilldown import cached_lists

        return cached_lists(self.path, str(period))

    def records_behind(self, period: str, indicator: str, city: str | None = None, segment: str = "全部",
                       counted: bool = False, unit: str | None = None) -> pl.DataFrame:
        """The records behind one cell of the indicator table: as many as the cell's ``n``; with
        ``counted``, only those its numerator counts (a ratio's numerator, a count's value). From
        the indicator's declaration, so that the list holds the very records the value was
        computed from. An outage cell's records are the events it sums, each with ``weight``
        (what it adds to the numerator: Σ ``weight`` / customers is the value).

        Parameters
        ----------
        period, indicator : str
            The cell's period and indicator id (``getpower.label(id)`` is its name).
        city : str, optional
            A city; None or 全省 for every city.
        segment : str
            The cell's segment (全部 by default).
        counted : bool
            Only the records the numerator counts (ratios and counts; a ratio's records have a
            ``counted`` column either way).
        unit : str, optional
            For a mean in two units, which one (the first by default).

        Returns
        -------
        polars.DataFrame

        Raises
        ------
        ValueError
            An outage segment that is not an area type or aggregate (``outage_hours_yoy``, a change
            between two windows, lists this window's events, as many as its ``n``).

        Examples
        --------
        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> late = store.records_behind("2023Q4", "within_limit_rate", city="杭州", segment="居民")
        >>> cell = store.indicators("2023Q4").filter(city="杭州", indicator="within_limit_rate", segment="居民")
        >>> late.height == cell["n"][0], round(late["counted"].mean(), 6) == round(cell["value"][0], 6)
        (True, True)
        """
        from getpower.drilldown import records_behind

        frame = records_behind(self.path, str(period), indicator, city, segment, counted, unit)
        return frame.drop([c for c in _INTERNAL if c in frame.columns])

    def export(self, period: str, out: Path | str) -> Path:
        """Write the period's workbook for people (as ``getpower export``).

        >>> import getpower
        >>> store = getpower.open(getpower.sample_store())
        >>> import tempfile, pathlib
        >>> store.export("2023Q4", pathlib.Path(tempfile.mkdtemp()) / "2023Q4.xlsx").name
        '2023Q4.xlsx'
        """
        from getpower.exports import export

        return export(self.path, str(period), out)


def _every_cell(out: pl.LazyFrame, records: pl.LazyFrame, segment: str | None, unit: str, reason: str) -> pl.DataFrame:
    """Every city and 全省 × 全部 and each segment value of the records: a cell without records
    is there, its value null with ``reason`` (no data is never 0, never met)."""
    segments = ["全部"]
    if segment is not None:
        segments += sorted(records.select(pl.col(segment).cast(pl.String).unique().drop_nulls()).collect()
                           .to_series().to_list())
    cities = city_order()
    grid = pl.DataFrame({"city": [c for c in cities for _ in segments], "segment": [g for _ in cities for g in segments]})
    got = out.with_columns(pl.col("city").cast(pl.String), pl.col("segment").cast(pl.String)).collect()
    return (grid.join(got.drop("unit"), on=["city", "segment"], how="left")
            .with_columns(pl.lit(unit).alias("unit"), pl.col("n").fill_null(0),
                          pl.when(pl.col("value").is_null()).then(pl.coalesce("reason", pl.lit(reason)))
                          .otherwise(pl.col("reason")).alias("reason"))
            .select("city", "segment", "unit", "value", "n", "reason"))


def mean(records: pl.DataFrame | pl.LazyFrame, column: str, unit: str, segment: str | None = None,
         reason: str = "无记录") -> pl.DataFrame:
    """An indicator the way the library computes its means: per city (and 全省, pooled from the
    records, not averaged over cities) and segment, the mean of ``column`` over the records where
    it is known; ``n`` = those records.

    Parameters
    ----------
    records : one row per record, with ``city`` (e.g. :meth:`Store.applications`)
    column : the measure; ``unit`` : its unit (``calendar_days`` …), written in the rows
    segment : a column to split by (its values are the segments, 全部 is all of them)
    reason : why a cell without records has no value

    Returns
    -------
    polars.DataFrame
        Rows like the indicator table's: ``city`` (the 11 cities in order, then 全省), ``segment``,
        ``unit``, ``value``, ``n``, ``reason``; a cell without records is there, null, with ``reason``.

    Examples
    --------
    >>> import getpower, polars as pl
    >>> recs = pl.DataFrame({"city": ["杭州", "杭州", "宁波"], "kind": ["a", "b", "a"], "days": [2.0, 4.0, None]})
    >>> out = getpower.mean(recs, "days", "calendar_days")
    >>> out.filter(pl.col("city").is_in(["杭州", "宁波", "全省"])).select("city", "value", "n", "reason").rows()
    [('杭州', 3.0, 2, None), ('宁波', None, 0, '无记录'), ('全省', 3.0, 2, None)]
    """
    from getpower.indicators.common import mean_of

    return _every_cell(mean_of(records.lazy(), column, unit, segment), records.lazy(), segment, unit, reason)


def ratio(records: pl.DataFrame | pl.LazyFrame, numerator: pl.Expr, segment: str | None = None,
          where: pl.Expr | None = None, reason: str = "分母为零") -> pl.DataFrame:
    """An indicator the way the library computes its rates: per city (and 全省) and segment, the
    share of the records (those where ``where`` holds) for which ``numerator`` holds; ``n`` = the
    denominator's records; none: a null value with ``reason``. A null predicate counts as false.

    Parameters
    ----------
    records : polars.DataFrame or polars.LazyFrame
        One row per record, with ``city``.
    numerator : polars.Expr
        What the counted records satisfy.
    segment : str, optional
        A column to split by.
    where : polars.Expr, optional
        The denominator: the records looked at (all by default).
    reason : str
        Why a cell without records has no value.

    Returns
    -------
    polars.DataFrame
        As :func:`mean`, ``unit`` ``ratio``.

    Examples
    --------
    >>> import getpower, polars as pl
    >>> recs = pl.DataFrame({"city": ["杭州", "杭州", "杭州", "宁波"], "days": [1, 5, None, 9]})
    >>> out = getpower.ratio(recs, pl.col("days") <= 3, where=pl.col("days").is_not_null())
    >>> out.filter(pl.col("city").is_in(["杭州", "宁波", "温州", "全省"])).select("city", "value", "n", "reason").rows()
    [('杭州', 0.5, 2, None), ('宁波', 0.0, 1, None), ('温州', None, 0, '分母为零'), ('全省', 0.3333333333333333, 3, None)]
    """
    from getpower.indicators.common import ratio_of

    return _every_cell(ratio_of(records.lazy(), numerator, segment, denominator=where, reason=reason),
                       records.lazy(), segment, "ratio", reason)


def count(records: pl.DataFrame | pl.LazyFrame, condition: pl.Expr, segment: str | None = None,
          where: pl.Expr | None = None, reason: str = "无记录") -> pl.DataFrame:
    """An indicator the way the library counts: per city (and 全省) and segment, the records
    (among those where ``where`` holds) for which ``condition`` holds; ``n`` = the records looked at;
    a city without records has no count (null, with ``reason``), not 0.

    >>> import getpower, polars as pl
    >>> recs = pl.DataFrame({"city": ["杭州", "杭州", "宁波"], "late": [True, False, None]})
    >>> out = getpower.count(recs, pl.col("late"))
    >>> out.filter(pl.col("city").is_in(["杭州", "宁波", "温州", "全省"])).select("city", "value", "n").rows()
    [('杭州', 1.0, 2), ('宁波', 0.0, 1), ('温州', None, 0), ('全省', 1.0, 3)]
    """
    from getpower.indicators.common import count_of

    return _every_cell(count_of(records.lazy(), condition, segment, population=where), records.lazy(), segment,
                       "count", reason)


def open(path: Path | str | None = None) -> Store:  # noqa: A001 - getpower.open reads as intended
    """Open a store: ``path``, else the workspace's ``data/store`` (``getpower init``), else
    ``data/store`` in the current folder.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A store folder.

    Returns
    -------
    Store

    Raises
    ------
    getpower.store.StoreError
        No store there (the message names the folder).

    Examples
    --------
    >>> import getpower
    >>> getpower.open(getpower.sample_store()).version
    'v000001'
    """
    from getpower.workspace import default_path

    return Store(Path(path) if path is not None else default_path("data/store"))


@lru_cache(maxsize=1)
def sample_store() -> Path:
    """The bundled sample (11 cities, 2021–2026Q3, the same every time), generated and ingested
    once per process into a temporary folder: a store to try everything on.

    >>> import getpower
    >>> store = getpower.open(getpower.sample_store())
    """
    import tempfile

    from getpower import sample
    from getpower.store import Store as _Store

    root = Path(tempfile.mkdtemp(prefix="getpower-sample-"))
    sample.generate(root / "extracts")
    _Store(root / "store").ingest([root / "extracts"])
    return root / "store"


def label(name: str) -> str:
    """The Chinese label of an indicator id, a unit, an area or a record-level column; the name
    itself when it has none.

    >>> import getpower
    >>> getpower.label("process_days_mean"), getpower.label("calendar_days"), getpower.label("reliability")
    ('全过程办电时间（平均）', '自然日', '供电可靠性')
    >>> getpower.label("capacity_kw"), getpower.label("no_such_id")
    ('申请容量（kW）', 'no_such_id')
    """
    return labels().get(name, name)


def labels() -> dict[str, str]:
    """Every Chinese label :func:`label` knows, by id.

    >>> import getpower
    >>> getpower.labels()["open_overdue"]
    '在途超时工单数'
    """
    from getpower import params
    from getpower.exports import column_labels
    from getpower.present.labels import UNIT_LABELS, indicator_labels

    units = {**UNIT_LABELS, "ratio": "比率（%）"}
    return {**column_labels(), **params.load("scoring.yaml")["area_labels"], **units, **indicator_labels()}


def readable(table: pl.DataFrame) -> pl.DataFrame:
    """An indicator table as people read it: Chinese headers and labels, the province's city
    order (全省 last), statuses 达标 / 未达标 / 无数据 / 无目标 (what exports write).

    >>> import getpower
    >>> store = getpower.open(getpower.sample_store())
    >>> getpower.readable(store.indicators("2023Q4")).columns[:7]
    ['地市', '指标', '分项', '单位', '数值', '目标', '状态']
    """
    from getpower.exports import indicator_frame

    return indicator_frame(table).drop("_pct")


def city_order() -> list[str]:
    """The 11 cities in the province's order, then 全省 (for charts and tables).

    >>> import getpower
    >>> getpower.city_order()[:3], getpower.city_order()[-1]
    (['杭州', '宁波', '温州'], '全省')
    """
    from getpower.exports import city_order as order

    return order()


def png(chart) -> bytes:
    """An altair chart drawn offline as PNG (vl-convert, CJK fonts): what scorecards show.

    >>> import altair as alt, polars as pl, getpower
    >>> chart = alt.Chart(pl.DataFrame({"地市": ["杭州", "宁波"], "天数": [3, 4]})).mark_bar().encode(x="地市", y="天数")
    >>> getpower.png(chart)[:4]
    b'\\x89PNG'
    """
    from getpower.present.charts import to_png

    return to_png(chart)


def show(chart) -> None:
    """Display an altair chart in a notebook as :func:`png` draws it: no JavaScript, nothing
    loaded from another host, the same in JupyterLab, in an exported HTML file and on paper.

    >>> import altair as alt, polars as pl, getpower
    >>> getpower.show(alt.Chart(pl.DataFrame({"天数": [3, 4]})).mark_bar().encode(y="天数"))  # outside a notebook: its repr
    <IPython.core.display.Image object>
    """
    from IPython.display import Image, display

    display(Image(data=png(chart)))


def status_colours() -> dict[str, str]:
    """The one status vocabulary, in order, with the colour every chart gives it.

    >>> import getpower
    >>> from getpower.status import STATUSES
    >>> tuple(getpower.status_colours()) == STATUSES, getpower.status_colours()[STATUSES[0]]
    (True, '#2e7d32')
    """
    from getpower.status import COLOURS

    return dict(COLOURS)


def working_days(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int | None:
    """Working days from ``start`` to ``end`` as the indicators count them: days ``d`` with
    ``start < d <= end`` that are official working days (make-up days 调休 work, public holidays
    do not). An error names a year without a holiday schedule.

    Parameters
    ----------
    start, end : datetime.date or datetime.datetime
        Only the dates count; ``end`` before ``start`` gives a negative number.

    Returns
    -------
    int

    Raises
    ------
    getpower.calendar.CalendarError
        A year that neither chinesecalendar nor ``params/holidays/<year>.yaml`` knows.

    Examples
    --------
    >>> import datetime as dt, getpower
    >>> getpower.working_days(dt.date(2023, 9, 28), dt.date(2023, 10, 9))  # 中秋国庆: 29 Sep – 6 Oct off, 7–8 Oct 调休
    3
    >>> getpower.working_days(dt.datetime(2023, 10, 9, 17, 0), dt.datetime(2023, 10, 9, 9, 0))  # same day
    0
    """
    from getpower.calendar import require_known
    from getpower.calendar import working_days as expr

    years = (min(start.year, end.year), max(start.year, end.year))
    require_known(range(years[0], years[1] + 1))
    to_ts = (lambda d: d if isinstance(d, dt.datetime) else dt.datetime(d.year, d.month, d.day))
    return pl.select(expr(pl.lit(to_ts(start)), pl.lit(to_ts(end)), years)).item()


def year_targets(year: int) -> pl.DataFrame:
    """The targets of ``year`` by city (and 全省), indicator, segment and unit, with their source
    (``沿用 2023 年目标（暂定）`` for a year that inherits them); empty for a year without targets.

    Parameters
    ----------
    year : int

    Returns
    -------
    polars.DataFrame
        ``city``, ``indicator``, ``segment``, ``unit``, ``target``, ``or_yoy_at_most`` (met also
        by a year-on-year fall of at least this), ``target_source``.

    Examples
    --------
    >>> import getpower
    >>> t = getpower.year_targets(2023).filter(city="杭州", indicator="process_days_mean", segment="居民")
    >>> t.select("unit", "target", "target_source").row(0)
    ('calendar_days', 7.0, 'ledger 1')
    """
    from getpower.targets import targets_frame

    return targets_frame(year)
