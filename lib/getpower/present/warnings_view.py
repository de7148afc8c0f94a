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
    """Drawn once per data, params and code version and city, kept in the store's cache (each
    page visit is a new kernel: the picture is read, not drawn again)."""
    from getpower.store import atomic_write_bytes, cache_suffix

    cached = Path(store) / "cache" / f"backlogpng_{city}_{cache_suffix(key)}.html" if key else None
    if cached is not None and cached.exists():
        return cached.read_text(encoding="utf-8")
    out = _draw_backlog(store, city)
    if cached is not None:
        try:
            atomic_write_bytes(cached, out.encode("utf-8"))
        except OSError:  # a read-only store or a full disk: drawn, just not kept
            pass
    return out


def _draw_backlog(store: str, city: str) -> str:
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


def current_warnings_html(store, city: str | None, period_last_day: dt.date) -> str:
    """The scorecard's 当前预警: open applications and approvals at the period's end (or the data's
    date, when earlier) by status — a city's by class, the province's (``city`` None) by city —
    and the five most overdue items (applications and approvals, as the 督办单 orders them).
    Computed here; the scorecards read it from the prepared data instead
    (:func:`scorecard_escalation`, :func:`warnings_html`)."""
    return warnings_html(scorecard_escalation(store, period_last_day), city)


def scorecard_escalation(store, period_last_day: dt.date):
    """The in-flight status of every city on the date a scorecard shows (the period's end, or the
    data's date when earlier); None when the data begins after the period."""
    from getpower.escalation import escalation, scorecard_as_of
    from getpower.inflight import data_span
    from getpower.table import load_frames

    span = data_span(load_frames(store))
    as_of = scorecard_as_of(period_last_day, span)
    return None if as_of is None else escalation(store, as_of, span=span)


def warnings_html(esc, city: str | None) -> str:
    """:func:`current_warnings_html` of an :class:`getpower.escalation.Escalation` already computed
    (for every city: the city's rows are taken here)."""
    from getpower import params
    from getpower.escalation import list_frame, summary_frame, top_overdue

    if esc is None:
        return '<p class="gp-message">期末早于数据起始，无在途预警</p>'
    items, cities = (esc.items.filter(pl.col("city") == city), (city,)) if city else (esc.items, esc.cities)
    summary = summary_frame(items, cities)
    if city:
        counts = summary.filter(pl.col("地市") == city).drop("地市")
    else:
        counts = summary.filter(pl.col("类别") == "合计").drop("类别").with_columns(
            pl.col("地市").replace({params.province(): "全省合计"}))
    top = list_frame(top_overdue(items), with_city=city is None, districts=False).select(
        pl.exclude("序号", "预警", "区县", "环节开始", "环节已用（自然日）", "环节已用（工作日）", "环节时限",
                   "环节到期日", "环节剩余（工作日）", "环节状态", "受理（申请）时间", "剩余（自然日）", "整体状态", "说明"))
    head = (f'<p class="gp-currency">预警日期 {esc.as_of.isoformat()}（期末）· {html.escape(esc.currency())} · '
            f"临期：距时限不超过 {esc.near_wd} 个工作日</p>")
    five = (("<p>超期最久的在途事项（报装工单与接入工程审批，与督办单同序）：</p>" + _table(top)) if top.height
            else "<p>期末无超期的报装工单或接入工程审批。</p>")
    return f'<div class="gp-current-warnings">{head}{_table(counts)}{five}</div>'


# --- one application's timeline -------------------------------------------------------------------
STATE_COLORS = {"按时": "#2e7d32", "超时": "#c62828", "进行中": "#1565c0", "进行中（已超时）": "#8e0000", "无时限": "#757575"}
DAY_COLORS = {"节假日": "#ef9a9a", "周末": "#e0e0e0", "调休上班": "#fff176"}


def stage_marks(stages: pl.DataFrame) -> pl.Expr:
    """The integrity marks of each stage record, as text (后补 / 重走 / 体外循环)."""
    return pl.concat_str([pl.when(pl.col("backfilled")).then(pl.lit("后补")),
                          pl.when(pl.col("again")).then(pl.lit("重走")),
                          pl.when(pl.col("before_acceptance")).then(pl.lit("体外循环"))],
                         separator="、", ignore_nulls=True)


def timeline_chart(tl):
    """The stages as bars on the calendar (days off shaded, make-up working days marked), each
    stage's due date as a tick, its integrity marks beside it; the flags in the subtitle."""
    import altair as alt

    one_day = pl.duration(days=1)
    st = tl.stages.with_columns(
        stage_marks(tl.stages).alias("marks"),
        (pl.col("due").cast(pl.Datetime("us")) + one_day).alias("due_end"),  # the end of the last allowed day
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M").alias("开始"),
        pl.col("until").dt.strftime("%Y-%m-%d %H:%M").alias("结束"))
    order = st["label"].to_list()
    days = tl.days.with_columns(pl.col("date").cast(pl.Datetime("us")).alias("start"),
                                (pl.col("date").cast(pl.Datetime("us")) + one_day).alias("end"))
    y = alt.Y("label:N", sort=order, title=None)
    # a day before the first start, two after the last end or due date: room for the marks' text
    lo = st["started_at"].min() - dt.timedelta(days=1)
    hi = max(st["until"].max(), st["due_end"].drop_nulls().max() or lo) + dt.timedelta(days=2)
    when = lambda t: alt.DateTime(year=t.year, month=t.month, date=t.day, hours=t.hour)  # noqa: E731
    x_scale = alt.Scale(domain=[when(lo), when(hi)])
    shade = alt.Chart(days).mark_rect(opacity=0.5).encode(
        x=alt.X("start:T", scale=x_scale), x2="end:T",
        color=alt.Color("kind:N", title="日历", scale=alt.Scale(domain=list(DAY_COLORS), range=list(DAY_COLORS.values()))))
    bars = alt.Chart(st).mark_bar(height=16, cornerRadius=3).encode(
        x=alt.X("started_at:T", title=None, scale=x_scale, axis=alt.Axis(format="%m-%d", tickCount="day")),
        x2="until:T", y=y,
        color=alt.Color("state:N", title="环节", scale=alt.Scale(domain=list(STATE_COLORS), range=list(STATE_COLORS.values()))),
        tooltip=["label", "开始", "结束", "span_cd", "span_wd", "stage_limit", "state", "marks"])
    ticks = alt.Chart(st.filter(pl.col("due_end").is_not_null())).mark_tick(color="#212121", thickness=3, size=26).encode(
        x="due_end:T", y=y)
    text = alt.Chart(st.filter(pl.col("marks") != "")).mark_text(align="left", dx=6, color="#b71c1c", fontWeight="bold").encode(
        x="until:T", y=y, text="marks:N")
    a = tl.app
    flags = "、".join(tl.flags) if tl.flags else "无"
    title = alt.TitleParams(f"{a['app_id']} · {a['city']} · {a['customer_class']}",
                            subtitle=[f"完整性标记：{flags} · 竖线：环节时限到期（附件 1） · 截至 {tl.as_of:%Y-%m-%d}"])
    layered = alt.layer(shade, bars, ticks, text).resolve_scale(color="independent")
    return layered.properties(title=title, width=620, height=max(60, 34 * len(order)))


def timeline_html(store, app_id: str, as_of: dt.date, allowed) -> str:
    """One application's timeline for a page: the picture and its stages as a table, for a
    viewer who may see its city (the list offers only those; a typed id is checked again)."""
    from getpower.present.dashboard import png_html
    from getpower.table import load_frames
    from getpower.timeline import timeline

    try:
        tl = timeline(load_frames(store), app_id, as_of)
    except KeyError as exc:
        return f'<p class="gp-timeline gp-message">{html.escape(str(exc.args[0]))}</p>'
    if tl.app["city"] not in tuple(allowed):
        return f'<p class="gp-timeline gp-message gp-refused">无权查看工单 {html.escape(app_id)}（不属于可查看的城市）</p>'
    rows = tl.stages.select(
        pl.col("label").alias("环节"), pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M").alias("开始"),
        pl.when(pl.col("open")).then(pl.lit("（进行中）")).otherwise(pl.col("finished_at").dt.strftime("%Y-%m-%d %H:%M"))
        .alias("结束"),
        pl.col("span_cd").alias("自然日"), pl.col("span_wd").alias("工作日"),
        pl.col("stage_limit").cast(pl.Int64).alias("时限（自然日）"), pl.col("due").alias("到期日"),
        pl.col("state").alias("状态"), stage_marks(tl.stages).alias("标记"))
    status = ""
    if tl.status:
        s = tl.status
        used = "" if s["elapsed"] is None else f"，已用 {s['elapsed']}，时限 {s['limit']}"
        status = (f"<p>在途：{html.escape(str(s['stage']))}（{html.escape(str(s['owner']))}）· 环节{s['stage_status']} · "
                  f"整体{s['status'] or '无法判断'}（{html.escape(str(s['measure'] or '无时限'))}{used}）</p>")
    return (f'<div class="gp-timeline" data-app="{html.escape(app_id)}" data-flags="{"、".join(tl.flags)}">'
            + png_html(timeline_chart(tl), "工单时间线") + status + _table(rows) + "</div>")


def list_ids(store, period: str, name: str, city: str, limit: int = 500) -> list[str]:
    """The applications of a city's drill-down list (:data:`getpower.drilldown.LISTS`), for the
    timeline picker; none for a list of other records (the ledger's tasks)."""
    from getpower.drilldown import LISTS, cached_lists

    if name not in LISTS:
        return []
    frame = cached_lists(store, period)[name]
    if "app_id" not in frame.columns:
        return []
    return frame.filter(pl.col("city") == city)["app_id"].head(limit).to_list()


def period_as_of(store, period: str) -> dt.date | None:
    """The date a period's lists are seen on: its last day, or the data's date when earlier."""
    from getpower.escalation import data_span_of, scorecard_as_of
    from getpower.periods import Period

    return scorecard_as_of(Period.parse(period).last_day, data_span_of(store))
