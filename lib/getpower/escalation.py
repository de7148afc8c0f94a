"""Escalation lists (督办单, issue #15): the 临期 and 超期 applications and approvals of each city,
most urgent first, with who owns the stage; a summary by city × status × class; the printed
workbook ``getpower warnings`` writes and the 预警督办 page offers.

Everything here presents :func:`getpower.inflight.inflight`; nothing is computed twice. The lists
carry ids, city, district, class, stages and dates only: no personal data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from getpower import params
from getpower.inflight import APPLICATION, APPROVAL, NEAR, NORMAL, NO_LIMIT, OVER, WarningRules, by_urgency, check_as_of, \
    data_span, inflight

UNKNOWN = "无法判断"
ALERT = {0: OVER, 1: NEAR, 2: NORMAL, 3: NO_LIMIT}  # urgency → the worse of the stage's and the whole's status
SUMMARY_STATUSES = (OVER, NEAR, NORMAL, NO_LIMIT, UNKNOWN)
UNIT = {"calendar_days": "自然日", "working_days": "工作日"}


@dataclass(frozen=True)
class Escalation:
    """The in-flight status of some cities on a date, with what it stands on."""

    items: pl.DataFrame
    as_of: dt.date
    data_from: dt.date
    data_to: dt.date
    version: str
    near_wd: int
    cities: tuple[str, ...]

    def currency(self) -> str:
        return f"数据截至 {self.data_to.isoformat()} · 数据版本 {self.version}"

    def basis(self) -> str:
        return (f"预警日期 {self.as_of.isoformat()}（当日 24 时）· 临期：距时限不超过 {self.near_wd} 个工作日 · "
                "状态取当前环节与整体时限中较紧急者 · 已撤销工单与免于审批项目不预警")


def valid_cities(cities) -> tuple[str, ...]:
    """The cities asked for (all when none), each one of params/cities.yaml (``杭州市`` = ``杭州``)."""
    known = params.cities()
    if not cities:
        return known
    out = []
    for c in cities:
        name = c[:-1] if c.endswith("市") and c[:-1] in known else c
        if name not in known:
            raise ValueError(f"未知的城市 {c}（可用：{'、'.join(known)}）")
        out.append(name)
    return tuple(dict.fromkeys(out))


def escalation(path: Path | str, as_of: dt.date | None = None, cities=None, *,
               span: tuple[dt.date, dt.date] | None = None) -> Escalation:
    """The in-flight status on ``as_of`` (default: the data's date) of the cities asked for, from a
    store or a folder of extracts; a date beyond the data is refused (DataRangeError). ``span``:
    the data's :func:`getpower.inflight.data_span` when the caller has it already."""
    from getpower.table import data_version, load_frames

    frames = load_frames(path)
    span = span or data_span(frames)
    as_of = as_of or (span[1] if span else None)
    check_as_of(span, as_of)
    chosen = valid_cities(cities)
    items = inflight(frames, as_of).filter(pl.col("city").is_in(list(chosen)))
    return Escalation(items, as_of, span[0], span[1], data_version(path), WarningRules.load().near_due_wd, chosen)


def alert(items: pl.DataFrame) -> pl.Expr:
    return pl.col("urgency").replace_strict(ALERT, default=UNKNOWN, return_dtype=pl.String)


def urgent(items: pl.DataFrame) -> pl.DataFrame:
    """The 超期 and 临期 rows (by stage or whole), in their order of urgency (:func:`by_urgency`)."""
    return by_urgency(items.filter(pl.col("urgency") <= 1))


def list_frame(items: pl.DataFrame, with_city: bool = True, districts: bool | None = None) -> pl.DataFrame:
    """The rows as a supervisor reads them (Chinese headers), numbered in order of urgency.
    ``districts``: show 区县 (default: when any row has one)."""
    districts = items["district"].is_not_null().any() if districts is None else districts
    unit = lambda c: pl.col(c).replace_strict(UNIT, default=None, return_dtype=pl.String)  # noqa: E731
    cols = [
        pl.int_range(1, pl.len() + 1).alias("序号"), alert(items).alias("预警"), pl.col("kind").alias("类型"),
        *([pl.col("city").alias("地市")] if with_city else []),
        *([pl.col("district").alias("区县")] if districts else []),
        pl.col("id").alias("编号"), pl.col("class").alias("类别"),
        pl.col("stage").alias("当前环节"), pl.col("owner").alias("责任方"),
        pl.col("stage_started_at").dt.strftime("%Y-%m-%d %H:%M").alias("环节开始"),
        pl.col("stage_cd").alias("环节已用（自然日）"), pl.col("stage_wd").alias("环节已用（工作日）"),
        pl.concat_str([pl.col("stage_limit").cast(pl.String), unit("stage_limit_unit")], separator=" ").alias("环节时限"),
        pl.col("stage_due").alias("环节到期日"), pl.col("stage_left_wd").alias("环节剩余（工作日）"),
        pl.col("stage_status").alias("环节状态"),
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M").alias("受理（申请）时间"), pl.col("measure").alias("考核口径"),
        pl.concat_str([pl.col("elapsed").cast(pl.String), unit("limit_unit")], separator=" ").alias("已用"),
        pl.concat_str([pl.col("limit").cast(pl.String), unit("limit_unit")], separator=" ").alias("时限"),
        pl.col("due").alias("到期日"), pl.col("left_cd").alias("剩余（自然日）"), pl.col("left_wd").alias("剩余（工作日）"),
        pl.col("status").alias("整体状态"), pl.col("reason").alias("说明"),
    ]
    return items.select(cols)


def summary_frame(items: pl.DataFrame, cities: tuple[str, ...]) -> pl.DataFrame:
    """Open applications and approvals counted by city × class × status (the worse of stage and
    whole), each city's 合计, and the province; every city asked for has its rows, 0 included."""
    counted = items.with_columns(alert(items).alias("_s"))
    prov = params.province()
    rows = []
    for city in [*cities, prov]:
        mine = counted if city == prov else counted.filter(pl.col("city") == city)
        for cls in [*sorted(set(mine["class"].drop_nulls()), key=_class_order), "合计"]:
            sel = mine if cls == "合计" else mine.filter(pl.col("class") == cls)
            n = dict(sel.group_by("_s").len().iter_rows())
            rows.append((city, cls, *(int(n.get(s, 0)) for s in SUMMARY_STATUSES), sel.height))
    return pl.DataFrame(rows, schema=["地市", "类别", *SUMMARY_STATUSES, "在途合计"], orient="row")


def _class_order(cls: str) -> tuple[int, str]:
    from getpower.contract import CUSTOMER_CLASS, VOLTAGE_CLASS

    order = [*CUSTOMER_CLASS, *VOLTAGE_CLASS]
    return (order.index(cls) if cls in order else len(order), cls)


def workbook(esc: Escalation) -> bytes:
    """The 督办单 workbook: a summary sheet, then one sheet per city of its 临期 and 超期 rows, most
    urgent first; 数据截至, the data version and the basis on every sheet; formatted for printing."""
    from getpower.spreadsheet import Context, PrintSetup, Table, workbook_bytes

    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    notes = (esc.currency(), esc.basis(), f"生成时间 {made} · 不含个人信息")
    title = f"获得电力 在途预警督办单（{esc.as_of.isoformat()}）"
    widths = (("责任方", 22.0), ("当前环节", 16.0), ("说明", 24.0))
    sheets = [Table("汇总", summary_frame(esc.items, esc.cities), Context(f"{title} · 汇总", notes=notes))]
    for city in esc.cities:
        mine = urgent(esc.items.filter(pl.col("city") == city))
        n_over = int((mine["urgency"] == 0).sum())
        context = Context(f"{title} · {city}", notes=(*notes, f"{city}：超期 {n_over} 件，临期 {mine.height - n_over} 件"))
        sheets.append(Table(city, list_frame(mine, with_city=False), context, widths=widths))
    return workbook_bytes(sheets, PrintSetup(footer=f"{esc.currency()} · 预警日期 {esc.as_of.isoformat()}"))


# --- the 预警督办 page (dashboards/warnings.ipynb) ----------------------------------------------------
ALL = "全部"
STATUS_FILTERS = {"超期和临期": (0, 1), OVER: (0,), NEAR: (1,), "全部在途": (0, 1, 2, 3, 9)}


def as_of_options(span: tuple[dt.date, dt.date] | None) -> list[tuple[str, str]]:
    """(label, ISO date) for the page's date selector: the data's date, then every month end
    before it back to the data's first month, latest first."""
    if span is None:
        return []
    first, last = span
    out = [(f"{last.isoformat()}（数据截至）", last.isoformat())]
    month_end = last.replace(day=1) - dt.timedelta(days=1)
    while month_end >= first:
        out.append((month_end.isoformat(), month_end.isoformat()))
        month_end = month_end.replace(day=1) - dt.timedelta(days=1)
    return out


def page_escalation(store, as_of: str | None, cities) -> Escalation:
    """:func:`escalation` for the page, the in-flight status kept in memory per data version and
    date (a filter change reads it again, never recomputes); a date not offered falls back to the
    data's date."""
    from getpower.store import Store

    path = str(Path(store).resolve())
    st = Store(path)
    key = st.fingerprint if st.exists() else None
    span, version = _span(path, key)
    offered = {v for _, v in as_of_options(span)}
    day = dt.date.fromisoformat(as_of) if as_of in offered else (span[1] if span else None)
    check_as_of(span, day)
    chosen = valid_cities(cities)
    items = _items(path, key, day).filter(pl.col("city").is_in(list(chosen)))
    return Escalation(items, day, span[0], span[1], version, WarningRules.load().near_due_wd, chosen)


def data_span_of(store) -> tuple[dt.date, dt.date] | None:
    """:func:`getpower.inflight.data_span` of a store, kept in memory per data version."""
    from getpower.store import Store

    path = str(Path(store).resolve())
    st = Store(path)
    return _span(path, st.fingerprint if st.exists() else None)[0]


def _cached(fn):
    from functools import lru_cache

    inner = lru_cache(maxsize=32)(fn)

    def call(path, key, *args):
        return fn(path, key, *args) if key is None else inner(path, key, *args)  # a folder: every time
    return call


@_cached
def _span(path: str, key) -> tuple[tuple[dt.date, dt.date] | None, str]:
    from getpower.table import data_version, load_frames

    return data_span(load_frames(path)), data_version(path)


@_cached
def _items(path: str, key, day: dt.date) -> pl.DataFrame:
    from getpower.table import load_frames

    return inflight(load_frames(path), day)


def filtered(items: pl.DataFrame, status: str = "超期和临期", kind: str = ALL, cls: str = ALL) -> pl.DataFrame:
    """The rows of a status filter (:data:`STATUS_FILTERS`), a kind and a class (全部: any)."""
    out = items.filter(pl.col("urgency").is_in(list(STATUS_FILTERS.get(status, STATUS_FILTERS["超期和临期"]))))
    if kind != ALL:
        out = out.filter(pl.col("kind") == kind)
    if cls != ALL:
        out = out.filter(pl.col("class") == cls)
    return out


def counts_html(esc: Escalation) -> str:
    """Per city (and the province): open items by status, as a small table."""
    import html

    s = summary_frame(esc.items, esc.cities).filter(pl.col("类别") == "合计").drop("类别")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in s.iter_rows())
    return f'<table class="gp-table gp-warning-counts"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def workbook_link(esc: Escalation, stem: str) -> str:
    """A link that downloads the 督办单 workbook of ``esc`` (a data URI: no request)."""
    import base64

    data = base64.b64encode(workbook(esc)).decode()
    return (f'<a class="gp-download gp-workbook" download="{stem}.xlsx" '
            f'href="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,{data}">'
            "下载督办单（Excel，按地市分表）</a>")


# --- the trend of the backlog and the scorecards' 当前预警 ---------------------------------------
def cached_backlog(store) -> pl.DataFrame:
    """:func:`getpower.inflight.backlog` of the applications at every month end of the data (and
    its last date), kept in ``<store>/cache/`` per data, params and code version (a folder of
    extracts: computed every time)."""
    from getpower.inflight import backlog, month_ends
    from getpower.store import Store, atomic_write_frame, cache_suffix
    from getpower.table import load_frames

    st = Store(store)
    cached = Path(store) / "cache" / f"backlog_{cache_suffix(st.fingerprint)}.parquet" if st.exists() else None
    if cached is not None and cached.exists():
        try:
            return pl.read_parquet(cached)
        except Exception:  # damaged: computed again
            pass
    frames = load_frames(store)
    span = data_span(frames)
    out = backlog(frames, month_ends(span) if span else [])
    if cached is not None:
        try:
            atomic_write_frame(cached, out)
        except OSError:  # a read-only store or a full disk: computed, just not kept
            pass
    return out


def scorecard_as_of(period_last_day: dt.date, span: tuple[dt.date, dt.date] | None) -> dt.date | None:
    """The date a period's scorecard shows the warnings of: the period's last day, or the data's
    date when the data ends before it; None when the data begins after it."""
    if span is None or period_last_day < span[0]:
        return None
    return min(period_last_day, span[1])


def top_overdue(items: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The ``n`` most overdue items (超期, furthest past their limit first): applications and
    pending access-works approvals alike, the first ``n`` 超期 rows of the escalation lists, in
    their order (:func:`urgent`)."""
    return urgent(items).filter(pl.col("urgency") == 0).head(n)
