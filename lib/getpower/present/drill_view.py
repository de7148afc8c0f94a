"""Drill-through (issue #15 item 3): from an indicator cell of the city page to the records behind
it — the very records its value was computed from, taken from the indicator's declaration
(:func:`getpower.indicators.engine.records`, issue #17) — and from an application of that list to
its timeline (:mod:`getpower.timeline`).

A mean's list holds the ``n`` records it averaged; a ratio's the ``n`` records of its denominator,
those its numerator counts marked (计入分子 = 是); a count's the records it counted (as many as its
value); an outage cell's the events its value sums (each with what it adds to the numerator;
``outage_hours_yoy``, a change between two windows: this window's, its ``n``). Only identifying
columns are shown: ids, class, dates, the measure; never personal data.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from getpower.present.labels import UNIT_LABELS, indicator_labels

# what a list shows, when the records have it (ids, class, dates and the measures; no person)
SHOWN = {
    "city": "地市", "app_id": "工单编号", "project_id": "项目编号", "item_no": "任务序号", "unit": "责任单位",
    "customer_class": "客户类别", "voltage_class": "电压等级", "stage": "环节", "important": "重要用户",
    "started_at": "环节开始", "finished_at": "环节结束",
    "accepted_at": "受理时间", "completed_at": "竣工时间", "submitted_at": "申请时间", "approved_at": "办结时间",
    "process_cd": "全过程（自然日）", "process_wd": "全过程（工作日）", "utility_cd": "合计办理（自然日）",
    "utility_wd": "合计办理（工作日）", "span_cd": "环节用时（自然日）", "stage_limit": "环节时限（自然日）",
    "days_cd": "审批用时（自然日）", "days_wd": "审批用时（工作日）", "limited_value": "考核用时", "limit": "时限",
    "stage_count": "环节数", "capacity_kw": "申请容量（kW）", "customer_investment_yuan": "客户投资（元）",
    "channel": "申请渠道", "mode": "办理方式", "status": "完成情况", "deadline": "完成期限",
    "counted": "计入分子",
}
# an outage cell's records are events (reliability.outage_share_events): their own labels
SHOWN_EVENTS = {
    "city": "地市", "event_id": "停电事件编号", "district": "区县", "area_type": "区域类型", "kind": "停电性质",
    "cause": "停电原因", "started_at": "停电开始时间", "restored_at": "恢复送电时间",
    "customers_affected": "停电用户数", "hours_in_window": "窗口内停电时长（小时）", "weight": "计入分子的量",
}
SEP = "|"


def drillable(indicator: str) -> bool:
    """Whether a cell of the indicator opens a record list (every declared one today)."""
    from getpower.indicators.engine import drillable as engine_drillable
    from getpower.registry import spec

    return engine_drillable(spec(indicator))


def cell_options(table: pl.DataFrame, city: str) -> list[tuple[str, str]]:
    """(label, key) of the city's cells that have records behind them (``n`` > 0, an indicator
    with a record list: every declared one today), in the table's order; key =
    ``indicator|segment|unit``."""
    from getpower.indicators.engine import drillable as engine_drillable
    from getpower.registry import declared

    labels = indicator_labels()
    rows = table.filter((pl.col("city") == city) & (pl.col("n") > 0)
                        & pl.col("indicator").is_in([s.id for s in declared() if engine_drillable(s)]))
    return [(f"{labels.get(r['indicator'], r['indicator'])} · {r['segment']} · {UNIT_LABELS.get(r['unit'], r['unit'])}"
             f"（n={r['n']}）", SEP.join((r["indicator"], r["segment"], r["unit"])))
            for r in rows.iter_rows(named=True)]


def query_key(query: dict[str, str], options: list[tuple[str, str]]) -> str:
    """The cell the page's URL names (``indicator``, ``segment``, ``unit``: the overview heat map's
    links), when it is one of ``options`` (:func:`cell_options`); else ``""`` (none opened).

    >>> opts = [("…", "outage_hours|市区|hours")]
    >>> query_key({"indicator": "outage_hours", "segment": "市区", "unit": "hours"}, opts)
    'outage_hours|市区|hours'
    >>> query_key({"indicator": "outage_hours", "segment": "农村", "unit": "hours"}, opts), query_key({}, opts)
    ('', '')
    """
    key = SEP.join(query.get(k, "") for k in ("indicator", "segment", "unit"))
    return key if key in {k for _, k in options} else ""


def key_query(key: str) -> dict[str, str]:
    """The URL parameters naming the cell ``key`` (the inverse of :func:`query_key`), so that the
    page's address, shared, opens the same records; empty for ``""`` (no cell open: the page's
    address drops them, :func:`getpower.present.dashboard.nav_html`).

    >>> key_query("outage_hours|市区|hours"), key_query("")
    ({'indicator': 'outage_hours', 'segment': '市区', 'unit': 'hours'}, {'indicator': '', 'segment': '', 'unit': ''})
    """
    names = ("indicator", "segment", "unit")
    return dict(zip(names, key.split(SEP))) if key else dict.fromkeys(names, "")


def cell_records(store, period: str, key: str, city: str) -> pl.DataFrame:
    """The records behind the cell ``key`` (``indicator|segment|unit``) of ``city``: a count's
    counted records, a mean's or ratio's whole ``n`` (a ratio's with ``counted``)."""
    from getpower.indicators import engine
    from getpower.registry import spec

    indicator, segment, unit = key.split(SEP)
    s = spec(indicator)
    path, key_ = _store_key(store)
    inputs = _prepare(path, period) if key_ is None else _inputs(path, key_, period)  # a folder: every time
    lf = engine.records(s, inputs, city, segment, counted=s.kind == "count", unit=unit)
    return lf.with_columns(pl.col("city").cast(pl.String)).collect()


def shown(records: pl.DataFrame) -> pl.DataFrame:
    """The records as the page shows and downloads them: the identifying columns, in Chinese."""
    names = SHOWN_EVENTS if "event_id" in records.columns else SHOWN
    cols = [c for c in names if c in records.columns]
    out = records.select(cols)
    # every yes/no column in Chinese (计入分子, 重要用户 …), never true/false on a page
    out = out.with_columns(pl.col(c).replace_strict({True: "是", False: "否"}, return_dtype=pl.String)
                           for c, t in out.schema.items() if t == pl.Boolean)
    dtypes = out.schema
    out = out.with_columns(pl.col(c).dt.strftime("%Y-%m-%d %H:%M") for c in out.columns
                           if isinstance(dtypes[c], pl.Datetime))
    return out.with_columns(pl.col(c).cast(pl.String) for c in out.columns
                            if isinstance(dtypes[c], (pl.Enum, pl.Categorical))).rename(
        {c: names[c] for c in out.columns})


def application_ids(records: pl.DataFrame, limit: int = 500) -> list[str]:
    """The applications of a list, for the timeline picker (none for other records)."""
    if "app_id" not in records.columns:
        return []
    return list(dict.fromkeys(records["app_id"].cast(pl.String).head(limit).to_list()))


def _store_key(store) -> tuple[str, str | None]:
    from getpower.store import Store

    path = str(Path(store).resolve())
    st = Store(path)
    return path, st.fingerprint if st.exists() else None


@lru_cache(maxsize=8)
def _inputs(path: str, key: str, period: str) -> dict:
    """:func:`_prepare`, once per data version and period."""
    return _prepare(path, period)


def _prepare(path: str, period: str) -> dict:
    """The period's inputs with what identifies the records (the lists need it)."""
    from getpower.periods import Period
    from getpower.table import cached_record_level, load_frames, prepare_inputs

    frames = load_frames(path)
    return prepare_inputs(frames, Period.parse(period), cached_record_level(path, frames), ids=True)
