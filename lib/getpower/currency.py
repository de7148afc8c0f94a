"""Data currency (indicators.md §9; issue #12): up to when each extract kind runs, what a period
asks of it, and what every value of the table stands on.

- The **extent** of a source (an extract kind; ``applications`` stands for the 报装工单 with their
  环节记录) is its first and last date over the whole extract, and its rows per city.
- A **flow** source (applications, outages, approvals) records events in time: a period that
  begins after all of them end, or ends before all of them begin, is refused (:class:`DataRangeError`)
  unless asked for explicitly; then, like a period only partly covered, its values are marked.
  A **snapshot** (customer numbers, the service catalogue, the ledger's half-yearly status
  reports) holds until the next one and is not judged against the period, except that it does
  not hold beyond all the data.
- The month of the first and of the last record are taken as covered: extracts are taken by the
  month, and the last day of a month may pass without an event. Dates are judged over the whole
  extract, not per city: a city's quiet month is not missing data.
- A city without a single row of a kind that other cities have is **missing** it: the values that
  stand on it are null with the reason, and the composite score says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from getpower import params
from getpower.periods import Period

FLOW = ("applications", "outages", "approvals")
SNAPSHOT = ("customer_base", "service_items", "ledger_status")
LABELS = {"applications": "报装工单", "outages": "停电事件", "customer_base": "用户数", "approvals": "接入工程审批",
          "service_items": "业务事项目录", "ledger_status": "台账进展"}
EXTENT_SCHEMA = {"source": pl.String, "city": pl.String, "rows": pl.Int64, "first": pl.Date, "last": pl.Date}
PARTIAL = "期间数据不完整"
OUTSIDE = "期间超出数据范围"


class DataRangeError(ValueError):
    """No data at all, or a period outside the data (one Chinese line for the user)."""


def _by_city(lf: pl.LazyFrame, source: str, city: str, first: pl.Expr, last: pl.Expr) -> pl.LazyFrame:
    return lf.group_by(pl.col(city).cast(pl.String).alias("city")).agg(
        pl.len().cast(pl.Int64).alias("rows"), first.dt.date().alias("first"), last.dt.date().alias("last"),
    ).with_columns(pl.lit(source).alias("source"))


def extent(frames: dict[str, pl.LazyFrame], spans: pl.LazyFrame | None = None,
           recs: pl.LazyFrame | None = None) -> pl.DataFrame:
    """Rows, first and last date of every source per city, and over the whole extract as the
    province's row (``city`` = 全省); sources without a row are absent. ``spans`` / ``recs``: the
    record-level frames when the caller has them (their ``city`` saves joining the stages to the
    applications again)."""
    if spans is None or recs is None:
        recs = frames["applications"].select("app_id", "city")
        spans = frames["stages"].join(recs, on="app_id", how="inner")
    app_rows = recs.group_by(pl.col("city").cast(pl.String)).agg(pl.len().cast(pl.Int64).alias("rows"))
    plans = [
        _by_city(spans, "applications", "city", pl.col("started_at").min(),
                 pl.max_horizontal(pl.col("started_at").max(), pl.col("finished_at").max()))
        .drop("rows").join(app_rows, on="city", how="full", coalesce=True)
        .with_columns(pl.lit("applications").alias("source")),
        _by_city(frames["outages"], "outages", "city", pl.col("started_at").min(), pl.col("started_at").max()),
        _by_city(frames["customer_base"], "customer_base", "city", pl.col("as_of").min(), pl.col("as_of").max()),
        _by_city(frames["approvals"], "approvals", "city", pl.col("submitted_at").min(),
                 pl.max_horizontal(pl.col("submitted_at").max(), pl.col("approved_at").max())),
        _by_city(frames["service_items"], "service_items", "city", pl.col("as_of").min(), pl.col("as_of").max()),
        _by_city(frames["ledger_status"], "ledger_status", "unit", pl.col("reported_at").min(),
                 pl.col("reported_at").max()),
    ]
    every = pl.concat([f.select(list(EXTENT_SCHEMA)).cast(EXTENT_SCHEMA)
                       for f in pl.collect_all([p.select(list(EXTENT_SCHEMA)) for p in plans])])
    every = every.filter(pl.col("rows") > 0)
    whole = every.group_by("source").agg(pl.col("rows").sum(), pl.col("first").min(), pl.col("last").max()) \
        .with_columns(pl.lit(params.province()).alias("city"))
    order = {s: i for i, s in enumerate(LABELS)}
    cities = {c: i for i, c in enumerate([*params.cities(), params.province()])}
    return pl.concat([every.filter(pl.col("city").is_in(list(params.cities()))), whole.select(list(EXTENT_SCHEMA))]) \
        .sort(pl.col("source").replace_strict(order, default=99), pl.col("city").replace_strict(cities, default=99))


@dataclass(frozen=True)
class Range:
    """The dates a source runs over (the whole extract)."""

    first: dt.date
    last: dt.date

    @property
    def covered_from(self) -> dt.date:
        return self.first.replace(day=1)

    @property
    def covered_to(self) -> dt.date:
        nxt = (self.last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=1)

    def judge(self, window: Period) -> str:
        """``outside`` (no day of the window is covered), ``partial`` or ``covered``.

        >>> r = Range(dt.date(2021, 1, 4), dt.date(2023, 11, 29))
        >>> [r.judge(Period.parse(p)) for p in ("2023Q3", "2023Q4", "2024Q1", "2020", "2021")]
        ['covered', 'partial', 'outside', 'outside', 'covered']
        """
        if window.start.date() > self.covered_to or window.last_day < self.covered_from:
            return "outside"
        if window.start.date() < self.covered_from or window.last_day > self.covered_to:
            return "partial"
        return "covered"


def ranges(ext: pl.DataFrame) -> dict[str, Range]:
    """Each source's range over the whole extract (the province's row of :func:`extent`)."""
    return {r["source"]: Range(r["first"], r["last"])
            for r in ext.filter(pl.col("city") == params.province()).iter_rows(named=True)
            if r["first"] is not None}


def overall(ext: pl.DataFrame) -> Range | None:
    """The span of the flow sources together (of the snapshots when there is no flow at all)."""
    rs = ranges(ext)
    chosen = [r for s, r in rs.items() if s in FLOW] or list(rs.values())
    if not chosen:
        return None
    return Range(min(r.first for r in chosen), max(r.last for r in chosen))


def check_period(ext: pl.DataFrame, period: Period) -> None:
    """Raise :class:`DataRangeError` for no data at all, or for a period outside the data."""
    span = overall(ext)
    if span is None:
        raise DataRangeError("没有可计算的数据（请先导入提取文件）")
    if period.start.date() > span.last:
        raise DataRangeError(f"所选期间 {period.label} 超出数据范围（数据截至 {span.last.isoformat()}）")
    if period.last_day < span.first:
        raise DataRangeError(f"所选期间 {period.label} 超出数据范围（数据始于 {span.first.isoformat()}）")


def _window(source: str, period: Period) -> Period:
    return period.outage_window() if source == "outages" else period


def row_marks(ext: pl.DataFrame, period: Period, specs) -> pl.DataFrame:
    """Per indicator and city: ``data_from`` / ``data_to`` (the dates of the source its value is
    bounded by), ``missing_source`` (the label of a kind the city lacks and other cities have),
    ``_outside`` (no day of its window is in the data) and ``_mark`` (why it is marked)."""
    rs = ranges(ext)
    span = overall(ext)
    present = {(r["source"], r["city"]) for r in ext.iter_rows(named=True)}
    rows = []
    for s in specs:
        src = s.source
        rng = rs.get(src)
        state, mark = "covered", None
        if rng is not None and src in SNAPSHOT and span is not None and period.start.date() > span.covered_to:
            # a snapshot holds until the next one, but not beyond all the data: nothing says it still held
            state, mark = "outside", f"{OUTSIDE}（数据截至 {span.last.isoformat()}）"
        elif rng is not None and src in FLOW:
            state = rng.judge(_window(src, period))
            if state == "outside":
                mark = (f"{OUTSIDE}（{LABELS[src]}数据截至 {rng.last.isoformat()}）"
                        if _window(src, period).start.date() > rng.covered_to
                        else f"{OUTSIDE}（{LABELS[src]}数据始于 {rng.first.isoformat()}）")
            elif state == "partial":
                mark = f"{PARTIAL}（{LABELS[src]}数据 {rng.first.isoformat()} 至 {rng.last.isoformat()}）"
        for city in [*params.cities(), params.province()]:
            missing = next((LABELS[k] for k in s.sources
                            if (k, params.province()) in present and (k, city) not in present), None)
            rows.append((s.id, city, None if rng is None else rng.first, None if rng is None else rng.last,
                         missing, state == "outside", mark))
    return pl.DataFrame(rows, schema={"indicator": pl.String, "city": pl.String, "data_from": pl.Date,
                                      "data_to": pl.Date, "missing_source": pl.String, "_outside": pl.Boolean,
                                      "_mark": pl.String}, orient="row")


def apply_marks(table: pl.DataFrame, marks: pl.DataFrame) -> pl.DataFrame:
    """Null the values a city lacks the data for or that lie outside the data, each with its
    reason; mark the values of a period only partly covered (the value stays)."""
    t = table.join(marks, on=["indicator", "city"], how="left")
    missing, outside = pl.col("missing_source").is_not_null(), pl.col("_outside").fill_null(False)
    reason = (pl.when(missing).then(pl.lit("缺少该市") + pl.col("missing_source") + pl.lit("数据"))
              .when(outside).then(pl.col("_mark"))
              .otherwise(pl.concat_str([pl.col("reason"), pl.col("_mark")], separator="；", ignore_nulls=True)))
    return t.with_columns(
        pl.when(missing | outside).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(missing | outside).then(0).otherwise(pl.col("n")).alias("n"),
        pl.when(reason == "").then(None).otherwise(reason).alias("reason"),
    ).drop("_outside", "_mark")


def sources_of(table: pl.DataFrame) -> pl.DataFrame:
    """Per source (label), the first and last date the table's values stand on, from its rows."""
    from getpower.registry import declared

    src = pl.DataFrame({"indicator": [s.id for s in declared()], "source": [s.source for s in declared()]})
    order = {s: i for i, s in enumerate(LABELS)}
    out = (table.select("indicator", "data_from", "data_to").unique().join(src, on="indicator")
           .filter(pl.col("data_to").is_not_null())
           .group_by("source").agg(pl.col("data_from").min(), pl.col("data_to").max())
           .sort(pl.col("source").replace_strict(order, default=99)))
    return out.with_columns(pl.col("source").replace_strict(LABELS, default=pl.col("source")).alias("label"))


def data_through(table: pl.DataFrame) -> dt.date | None:
    """数据截至: the last date of the flow sources the table stands on (of any source without flow)."""
    s = sources_of(table)
    flow = s.filter(pl.col("source").is_in(list(FLOW)))
    chosen = flow if flow.height else s
    return chosen["data_to"].max() if chosen.height else None


def currency_text(table: pl.DataFrame, detail: bool = True) -> str:
    """One line for every output: 数据截至, each source's dates and the data version.

    ``数据截至 2023-12-31 · 数据版本 v000001（…）`` (with ``detail``, each source's first and last date)."""
    last = data_through(table)
    head = f"数据截至 {last.isoformat() if last else '—'}"
    if detail:
        parts = [f"{r['label']} {r['data_from']} 至 {r['data_to']}" for r in sources_of(table).iter_rows(named=True)]
        if parts:
            head += "（" + "；".join(parts) + "）"
    version = table["data_version"].drop_nulls().first() if "data_version" in table.columns and table.height else None
    return head + f" · 数据版本 {version or '—'}"
