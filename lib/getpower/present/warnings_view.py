"""What the city page and the scorecards show of the early warning (#15): the trend of the
backlog as a picture, and a short 当前预警 section. Presentation only: the numbers come from
:mod:`getpower.escalation` and :mod:`getpower.inflight`."""
from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache
from pathlib import Path

import polars as pl

from getpower.inflight import BACKLOG_STATUSES

STATUS_COLORS = dict(zip(BACKLOG_STATUSES, ("#c62828", "#ef6c00", "#2e7d32", "#9e9e9e", "#e0e0e0")))


def backlog_chart(df: pl.DataFrame, city: str):
    """Open applications at each month end, stacked by status (超期, 临期, 正常 …)."""
    import altair as alt

    data = df.filter((pl.col("city") == city) & (pl.col("n") > 0)).with_columns(
        pl.col("date").dt.strftime("%Y-%m").alias("month"))
    scale = alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))
    order = {s: i for i, s in enumerate(BACKLOG_STATUSES)}
    data = data.with_columns(pl.col("status").replace_strict(order, return_dtype=pl.Int64).alias("order"))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-60, labelOverlap=True)),
        y=alt.Y("n:Q", title="在途工单（件）", stack=True),
        color=alt.Color("status:N", scale=scale, title="状态"),
        order=alt.Order("order:Q"),
        tooltip=["month", "status", "n"],
    ).properties(title=f"{city} 在途工单（每月末，按预警状态）", width=560, height=200)


def backlog_html(store, city: str) -> str:
    """The city's backlog trend as an offline picture (drawn once per data version and city)."""
    from getpower.store import Store

    st = Store(store)
    return _backlog_html(str(Path(store).resolve()), st.fingerprint if st.exists() else None, city)


@lru_cache(maxsize=32)
def _backlog_html(store: str, key, city: str) -> str:
    from getpower.escalation import cached_backlog
    from getpower.present.dashboard import png_html

    df = cached_backlog(store)
    if df.filter(pl.col("city") == city)["n"].sum() == 0:
        return f'<p class="gp-backlog gp-message">{html.escape(city)}：各月末均无在途工单</p>'
    last = df["date"].max()
    return (f'<div class="gp-backlog" data-last="{last.isoformat()}">'
            + png_html(backlog_chart(df, city), "在途工单趋势") + "</div>")


def _table(df: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r) + "</tr>"
                   for r in df.iter_rows())
    return f'<table class="gp-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def current_warnings_html(store, city: str, period_last_day: dt.date) -> str:
    """The scorecard's 当前预警: the city's open applications and approvals at the period's end
    (or the data's date, when earlier) by class and status, and its five most overdue
    applications."""
    from getpower.escalation import escalation, list_frame, scorecard_as_of, summary_frame, top_overdue
    from getpower.inflight import data_span
    from getpower.table import load_frames

    as_of = scorecard_as_of(period_last_day, data_span(load_frames(store)))
    if as_of is None:
        return '<p class="gp-message">期末早于数据起始，无在途预警</p>'
    esc = escalation(store, as_of, [city])
    counts = summary_frame(esc.items, esc.cities).filter(pl.col("地市") == city).drop("地市")
    top = list_frame(top_overdue(esc.items), with_city=False, districts=False).select(
        "编号", "类别", "当前环节", "责任方", "考核口径", "已用", "时限", "到期日", "剩余（工作日）")
    head = (f'<p class="gp-currency">预警日期 {as_of.isoformat()}（期末）· {html.escape(esc.currency())} · '
            f"临期：距时限不超过 {esc.near_wd} 个工作日</p>")
    five = ("<p>超期最久的报装工单：</p>" + _table(top)) if top.height else "<p>期末无超期报装工单。</p>"
    return f'<div class="gp-current-warnings">{head}{_table(counts)}{five}</div>'
