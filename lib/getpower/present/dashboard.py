"""Data and widgets behind the Voila dashboards (dashboards/*.ipynb). The dashboards hold no
logic: they call these functions, which read the indicator tables computed once per data
fingerprint (``getpower.table.cached_compute``) and draw them offline.

Every value that comes from a widget or the URL is validated here before use.
"""
from __future__ import annotations

import base64
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

import polars as pl

from getpower import access, params
from getpower.periods import Period
from getpower.present.labels import UNIT_LABELS, fmt_value, for_people, indicator_labels
from getpower.status import COLOURS, INSUFFICIENT, MET, MET_BY_YOY, status, status_expr
from getpower.store import Store

MAX_UPLOAD_MB = 100  # an upload larger than this is refused by the page (intake's own limits: params/intake.yaml)


def store_path() -> Path:
    """The store the dashboards read: ``GETPOWER_STORE`` (set by ``getpower serve``) or data/store."""
    return Path(os.environ.get("GETPOWER_STORE", "data/store"))


def reports_path() -> Path:
    """Where the scorecards are (``reports/<period>/<city>.pdf``): ``GETPOWER_REPORTS`` (set by
    ``getpower serve``, an absolute path: a kernel runs in the dashboards' folder), or the workspace's
    reports/."""
    from getpower.workspace import default_path

    env = os.environ.get("GETPOWER_REPORTS")
    return Path(env) if env else default_path("reports")


def data_version(store: Path | str | None = None) -> tuple[str | None, str | None]:
    """The store's current version and data fingerprint, read on every visit and selection (two
    small files): what a page shows is recomputed only when they change."""
    m = Store(store or store_path()).manifest()
    return m.get("name") or m.get("version"), m.get("fingerprint")


def periods(store: Path | str | None = None) -> list[str]:
    """Quarters the store holds completed applications for, oldest first (once per version)."""
    path = str(Path(store or store_path()).resolve())
    return list(_periods(path, data_version(path)[1]))


@lru_cache(maxsize=8)
def _periods(store: str, fingerprint: str | None) -> tuple[str, ...]:
    st = Store(store)
    lf = st.scan("stages")
    if lf is None:
        return ()
    r = lf.select(pl.col("finished_at").min().alias("lo"), pl.col("finished_at").max().alias("hi")).collect()
    lo, hi = r["lo"][0], r["hi"][0]
    if lo is None:
        return ()
    out, p = [], Period.quarter_of(lo.year, (lo.month - 1) // 3 + 1)
    last = Period.quarter_of(hi.year, (hi.month - 1) // 3 + 1)
    while p.start <= last.start:
        out.append(p.label)
        p = Period.quarter_of(p.year + (p.quarter == 4), p.quarter % 4 + 1)
    return tuple(out)


def period_options(store=None) -> list[tuple[str, str]]:
    """(label, period) for the period selectors: each quarter, then its year to date.

    The quarters' tables are computed before the server starts (:func:`warm`); a year to date is
    computed when first chosen, then cached like the others."""
    out = []
    for p in periods(store):
        out += [(p, p), (f"{p} 年初至今", f"{p}YTD")]
    return out


def valid_period(value, store=None) -> str:
    """The period if the store has it (a quarter or its year to date), else the latest quarter."""
    ps = periods(store)
    if not ps:
        raise ValueError("数据仓库为空：请先导入提取文件")
    return value if value in ps or (isinstance(value, str) and value.endswith("YTD") and value[:-3] in ps) else ps[-1]


def valid_city(value, allowed: tuple[str, ...] | None = None) -> str:
    """The city if the viewer may see it, else the first one they may (none: PermissionError)."""
    allowed = params.cities() if allowed is None else allowed
    if not allowed:
        raise PermissionError("无权查看任何城市的数据")
    return value if value in allowed else allowed[0]


# --- a visit ------------------------------------------------------------------------------------
# what each page imports after its visit arrives, imported before it (the same for every viewer):
# a visit then only reads cached pieces and builds widgets (altair, great_tables and vl-convert
# are imported only to draw a picture missing from the cache)
PAGE_MODULES = {
    "overview": ("ipywidgets", "getpower.changes", "getpower.scoring"),
    "city": ("ipywidgets", "itables.widget", "getpower.drilldown", "getpower.present.warnings_view",
             "getpower.present.drill_view", "getpower.exports", "getpower.spreadsheet", "getpower.currency"),
    "ledger": ("ipywidgets", "getpower.currency"),
    "warnings": ("ipywidgets", "itables.widget", "getpower.escalation", "getpower.present.warnings_view",
                 "getpower.spreadsheet"),
    "intake": ("ipywidgets",),
}


def preload(page: str) -> None:
    """What a page's preheated kernel does before a visit arrives, the same for every viewer:
    the modules the page uses (:data:`PAGE_MODULES`), the latest quarter's table and composite
    scores, the pictures, the drill-down lists."""
    import importlib

    for module in PAGE_MODULES.get(page, ()):
        importlib.import_module(module)
    ps = periods()
    if not ps:
        return
    latest = ps[-1]
    table(latest)
    composite_of(latest)
    if page == "overview":
        overview_pictures(latest)
    elif page == "city":
        from getpower.drilldown import cached_lists

        if len(ps) > 1:
            table(ps[-2])
        cached_lists(store_path(), latest)
    elif page in ("ledger", "warnings"):
        from getpower.table import load_frames

        load_frames(store_path())


def wait_for_visit() -> None:
    """In a preheated kernel, wait until Voila hands it a visit: the visit's URL and verified
    identity then arrive in the environment; at once otherwise.

    This is ``voila.utils.wait_for_request`` of Voila 0.5 (the same socket, address and message),
    without importing ``voila``: its package imports jupyter_server and jupyterlab_server, which
    cost every pooled kernel 1.1 s of CPU and 42 MB of private memory (measured), for one socket.
    When the socket cannot be reached nothing arrives, and the page refuses (no identity)."""
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    import json

    from websockets.sync.client import connect

    try:
        with connect(request_info_url(), open_timeout=5) as ws:
            info = ws.recv()
    except (OSError, TimeoutError):
        return
    for k, v in json.loads(info).items():
        os.environ[k] = v


def request_info_url(env=None) -> str:
    """Where Voila hands a preheated kernel its visit (``voila.utils.wait_for_request``).

    >>> request_info_url({"VOILA_APP_PORT": "8899", "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": "k1"})
    'ws://127.0.0.1:8899/voila/query/k1'
    >>> request_info_url({"VOILA_APP_IP": "10.0.0.2", "VOILA_SERVER_URL": "/", "VOILA_WS_BASE_URL": "/gp/",
    ...                   "VOILA_WS_PROTOCOL": "wss", "VOILA_KERNEL_ID": "k1"})
    'wss://10.0.0.2:8866/gp/voila/query/k1'
    """
    env = os.environ if env is None else env
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
            f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID')}")


def sync_periods(dropdown, ytd: bool = True) -> None:
    """Refresh a period selector's choices when the store's version has changed (a new import
    adds quarters), keeping the chosen period when it still exists."""
    options = period_options() if ytd else [(p, p) for p in periods()]
    if list(dropdown.options) != options:
        value = dropdown.value
        dropdown.options = options
        dropdown.value = value if value in [v for _, v in options] else valid_period(None)


# --- who is looking -------------------------------------------------------------------------------
def viewer() -> access.Grant | None:
    """The grant the server verified for the request that opened this page (``getpower.auth``)."""
    return access.grant_from_env()


def require(page: str) -> access.Grant:
    """The viewer's grant if they may open ``page`` with this URL. The server refused already
    (403) otherwise; this second check, inside the kernel, shows the refusal and stops the page."""
    grant = viewer()
    why = "未识别身份：看板须经 getpower serve 打开" if grant is None else access.refusal(
        grant, page, os.environ.get("QUERY_STRING", ""))
    if why:
        from IPython.display import HTML, display

        display(HTML(refused_html(why)))
        raise PermissionError(why)
    return grant


def refused_html(message: str) -> str:
    import html

    return f'<div class="gp-message gp-refused">{html.escape(message)}</div>'


def ledger_units(grant: access.Grant) -> tuple[str, ...]:
    """The reporting units whose ledger rows the viewer sees: all, or their own cities."""
    return (params.province(), *params.cities()) if grant.cities is None else grant.allowed_cities(params.cities())


BRIEF_URL = "../../getpower/brief/"  # the brief pages (getpower.present.brief), from /voila/render/<page>


def nav_html(page: str, grant: access.Grant | None, query: dict[str, str] | None = None) -> str:
    """The header every page shows: the pages the viewer may open (``access.PAGES``, so a page
    added there is listed too), this one marked, and the brief form of this page (of the overview
    from the pages without one); ``data-query`` is the page's selection, which
    the page template writes into the URL so that a link can be shared (a key with an empty value
    is taken out of it: a selection cleared).

    >>> 'data-query="city=%E5%AE%81%E6%B3%A2&amp;indicator="' in nav_html("city", None, {"city": "宁波", "indicator": ""})
    True
    """
    import html
    from urllib.parse import urlencode

    query = dict(query or {})
    carry = {k: v for k, v in query.items() if k == "period" and v}
    links = []
    for p, label in access.PAGES.items():
        if grant is not None and not grant.may_open(p):
            continue
        here = ' class="gp-here" aria-current="page"' if p == page else ""
        href = f"{p}.ipynb" + (f"?{urlencode(carry)}" if carry and p != "intake" else "")
        links.append(f'<a href="{html.escape(href)}" data-nav="{p}"{here}>{html.escape(label)}</a>')
    brief = "city" if page == "city" else "overview"
    if grant is None or grant.may_open(brief):  # the same page as plain HTML: a phone, a print, many at once
        keep = {k: v for k, v in query.items() if k in ("city", "period") and v} if brief == page else carry
        href = f"{BRIEF_URL}{brief}" + (f"?{urlencode(keep)}" if keep else "")
        links.append(f'<a class="gp-brief-link" href="{html.escape(href)}" data-nav="brief">简报</a>')
    return (f'<nav class="gp-nav" data-query="{html.escape(urlencode(query))}"><span class="gp-brand">获得电力 监管看板</span>'
            + "".join(links) + "</nav>")


def version_html(t: pl.DataFrame | None = None) -> str:
    """数据版本 and 数据截至 of the store's current version (pages without a table: intake)."""
    import html

    from getpower.currency import currency_text

    if t is not None and t.height:
        return f'<p class="gp-currency">{html.escape(currency_text(t, detail=False))}</p>'
    name, fp = data_version()
    return f'<p class="gp-currency">数据版本 {html.escape(str(name or "—"))}（{html.escape(str(fp or "—")[:12])}）</p>'


def city_link(city: str, period: str, grant: access.Grant | None, target: str = "city.ipynb") -> str:
    """The city's name, a link to its page when the viewer may open it (``target``: the Voila
    page, or the brief city page from a brief page)."""
    import html
    from urllib.parse import urlencode

    if grant is not None and (not grant.may_open("city") or city not in grant.allowed_cities(params.cities())):
        return f"<b>{html.escape(city)}</b>"
    href = f"{target}?" + urlencode({"city": city, "period": period})
    return f'<a class="gp-city-link" href="{html.escape(href)}" data-city="{html.escape(city)}"><b>{html.escape(city)}</b></a>'


def query_params() -> dict[str, str]:
    """``?city=宁波&period=2023Q4`` of the page (Voila passes it to the kernel), validated later."""
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(qs).items() if v}


def table(period: str, store=None) -> pl.DataFrame:
    """The period's indicator table: from memory, else the store's cache, else computed once."""
    from getpower.table import cache_key

    path = str(Path(store or store_path()).resolve())
    return _table(path, period, cache_key(path, period))


@lru_cache(maxsize=64)
def _table(path: str, period: str, key: str | None) -> pl.DataFrame:
    from getpower.table import cached_compute

    return cached_compute(path, period)


def warm(store=None, progress=None) -> list[str]:
    """Compute (or find cached) every quarter's table and the overview's pictures, and the city
    pages' pictures of the latest quarter (the one leaders open first) and their in-flight
    trends: a visit then draws nothing."""
    done = []
    for p in periods(store):
        table(p, store)
        overview_pictures(p, store)
        done.append(p)
        if progress:
            progress(p)
    if done:
        from getpower.present.warnings_view import backlog_html

        for city in params.cities():
            city_pictures(city, done[-1], store)
            backlog_html(store or store_path(), city)  # the city page's in-flight trend (#15)
    return done


def _pictures(name: str, period: str, store, draw) -> dict[str, str]:
    """Pictures as HTML, drawn by ``draw()`` once per data fingerprint and period and kept in the
    store's cache (``<name>_<key>.json``), so that a selection change only reads them."""
    import json

    from getpower.store import atomic_write_bytes
    from getpower.table import cache_key

    path = Path(store or store_path())
    key = cache_key(path, period)
    cached = path / "cache" / f"{name}_{key}.json"
    if key is not None and cached.exists():
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):  # damaged (a full disk, a cut copy): drawn again
            pass
    out = draw()
    if key is not None:
        try:
            atomic_write_bytes(cached, json.dumps(out).encode("utf-8"))
        except OSError:  # a read-only store or a full disk: drawn, just not kept
            pass
    return out


def overview_pictures(period: str, store=None) -> dict[str, str]:
    """The overview's two pictures for a period: tile map and province trend (its heat map is a
    table of links, :mod:`getpower.present.heat_view`)."""

    def draw():  # altair and vl-convert only when a picture is drawn: a visit reads the cache
        comp = composite_of(period, store)
        return {"tiles": png_html(tile_map(comp), "地市分布"),
                "trend": png_html(province_trend(store, upto=period), "全省趋势")}

    return _pictures("overview", period, store, draw)


def city_pictures(city: str, period: str, store=None) -> dict[str, str]:
    """The city page's two pictures for a city and period: handling time and outage hours."""

    def draw():  # importing altair costs a visit ~2.5 s of CPU (jsonschema's grammars): only to draw
        from getpower.present import scorecard as sc

        t = table(period, store)
        return {"handling": png_html(sc.handling_chart(t, city), "办电时间"),
                "outage": png_html(sc.outage_chart(t, city), "停电时间")}

    return _pictures(f"city-{city}", period, store, draw)


def composite_of(period: str, store=None) -> pl.DataFrame:
    from getpower.scoring import composite

    return composite(table(period, store))


# --- pictures -----------------------------------------------------------------------------------
def png_html(chart, alt_text: str = "") -> str:
    from getpower.present import charts

    data = base64.b64encode(charts.to_png(chart)).decode()
    return f'<img alt="{alt_text}" style="max-width:100%" src="data:image/png;base64,{data}">'


def tile_map(comp: pl.DataFrame):
    """The 11 cities in their rough geographic positions, coloured by composite score."""
    import altair as alt

    pos = {c["name"]: c["pos"] for c in params.load("cities.yaml")["cities"]}
    df = comp.filter(pl.col("city").is_in(list(pos))).with_columns(
        pl.col("city").replace_strict({k: v[0] for k, v in pos.items()}, return_dtype=pl.Int64).alias("x"),
        pl.col("city").replace_strict({k: v[1] for k, v in pos.items()}, return_dtype=pl.Int64).alias("y"),
        (pl.col("city") + "\n" + pl.col("composite").round(1).cast(pl.String).fill_null(INSUFFICIENT)).alias("label"),
    )
    base = alt.Chart(df).encode(x=alt.X("x:O", axis=None), y=alt.Y("y:O", axis=None))
    tiles = base.mark_rect(cornerRadius=6, stroke="white", strokeWidth=3).encode(
        color=alt.Color("composite:Q", scale=alt.Scale(scheme="greens", domain=[60, 95]), title="综合得分"))
    text = base.mark_text(fontSize=14, fontWeight="bold", lineBreak="\n").encode(text="label:N")
    return (tiles + text).properties(title="地市分布（按综合得分着色）", width=380, height=300)


def ranking_html(comp: pl.DataFrame, grant: access.Grant | None = None, target: str = "city.ipynb") -> str:
    """Ranked cities, then those without enough data (数据不足, with what they lack), unranked;
    each city a link to its page ``target`` (when the viewer may open it)."""
    import html

    from getpower.scoring import shortfall

    period = comp["period"][0] if "period" in comp.columns and comp.height else ""
    rows = "".join(
        f"<tr><td>{r['rank']}</td><td>{city_link(r['city'], period, grant, target)}</td><td>{r['composite']:.1f}</td><td>{html.escape(str(r['tier_label']))}</td></tr>"
        for r in comp.filter(pl.col("rank").is_not_null()).sort("rank").iter_rows(named=True))
    rows += "".join(
        f'<tr class="gp-unranked"><td>—</td><td>{city_link(r["city"], period, grant, target)}</td><td colspan="2">{html.escape(shortfall(r))}</td></tr>'
        for r in comp.filter(pl.col("rank").is_null() & pl.col("city").is_in(list(params.cities()))).iter_rows(named=True))
    return (f'<table class="gp-table gp-ranking"><thead><tr><th>排名</th><th>城市</th><th>综合得分</th><th>梯队</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def currency_html(t: pl.DataFrame, period: str) -> str:
    """数据截至, each source's dates, the data version, and what the year's targets rest on."""
    import html

    from getpower.currency import currency_text
    from getpower.targets import target_basis

    basis = target_basis(Period.parse(period).year)
    return (f'<p class="gp-currency">{html.escape(currency_text(t))}</p>'
            + (f'<p class="gp-basis gp-message">目标：{html.escape(basis)}</p>' if basis else ""))


def tiers_html(comp: pl.DataFrame) -> str:
    import html

    from getpower.scoring import tier_frame  # not scorecard's: that imports altair (~2.5 s)

    def cell(v) -> str:
        return f"<td>{html.escape(str(v))}</td>"

    rows = "".join(f"<tr>{cell(r['tier_label'])}{cell(r['expectation'])}<td>{r['mean_composite']:.1f}</td>{cell(r['cities'])}</tr>"
                   for r in tier_frame(comp).iter_rows(named=True))
    return (f'<table class="gp-table"><thead><tr><th>梯队</th><th>期望</th><th>平均综合得分</th><th>城市</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def province_trend(store=None, upto: str | None = None):
    """The province's composite score and a few headline indicators over the quarters."""
    from getpower.present import charts

    ps = [p for p in periods(store) if upto is None or p <= upto]
    comp = pl.concat([composite_of(p, store).filter(pl.col("city") == params.province()) for p in ps])
    return charts.trend(comp.select("period", "composite"), "composite", "全省综合得分趋势", "综合得分")


# --- city page ------------------------------------------------------------------------------------
CARD_INDICATORS = [
    ("process_days_mean", "居民", "calendar_days"), ("process_days_mean", "低压非居民", "calendar_days"),
    ("process_days_mean", "低压小微（三零）", "working_days"),  # thresholds.yaml: sanling (ledger 6–7)
    ("utility_days_mean", "高压单电源", "calendar_days"), ("utility_days_mean", "高压双电源", "calendar_days"),
    ("online_availability_rate", "全部", "ratio"), ("online_application_rate", "全部", "ratio"),
    ("zero_investment_coverage", "全部", "ratio"), ("outage_hours", "全口径", "hours"),
    ("approval_days_mean", "10kV", "calendar_days"), ("stage_compliance_rate", "全部", "ratio"),
]


def city_rows(t: pl.DataFrame, city: str, prev: pl.DataFrame | None) -> pl.DataFrame:
    rows = t.filter(pl.col("city") == city)
    if prev is not None:
        rows = rows.join(prev.filter(pl.col("city") == city).select(
            "indicator", "segment", "unit", pl.col("value").alias("prev")), on=["indicator", "segment", "unit"], how="left")
    else:
        rows = rows.with_columns(pl.lit(None, pl.Float64).alias("prev"))
    return rows.with_columns((pl.col("value") - pl.col("prev")).alias("change"))


def cards_html(rows: pl.DataFrame) -> str:
    labels = indicator_labels()
    cards = []
    for ind, seg, unit in CARD_INDICATORS:
        r = rows.filter((pl.col("indicator") == ind) & (pl.col("segment") == seg) & (pl.col("unit") == unit))
        if r.is_empty():
            continue
        r = r.row(0, named=True)
        word = status(r["met"], r["target"], r["value"], r.get("met_by"))
        met = f"{MET}（{r['met_by']}）" if word == MET_BY_YOY else word  # by how much it fell
        change = "—" if r["change"] is None else ("+" if r["change"] > 0 else "") + fmt_value(r["change"], unit)
        gap = "" if r["gap"] is None else f' · 差距 {("+" if r["gap"] > 0 else "") + fmt_value(r["gap"], unit)}'
        cards.append(
            f'<div class="gp-card" data-indicator="{ind}"><div class="gp-card-title">{labels[ind]} · {seg}</div>'
            f'<div class="gp-card-value">{fmt_value(r["value"], unit)}<small> {UNIT_LABELS[unit] if unit != "ratio" else ""}</small></div>'
            f'<div>目标 {fmt_value(r["target"], unit)} · <span style="color:{COLOURS[word]}">{met}</span>{gap}</div>'
            f'<div>排名 {r["rank"] or "—"} · 较上期 {change}</div></div>')
    return '<div class="gp-cards">' + "".join(cards) + "</div>"


def display_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The city's table as people read it, for the drill-down grid and downloads: ratios as
    percentages (value, target, gap and change alike), the status in the one vocabulary."""
    labels = indicator_labels()
    pct = pl.col("unit") == "ratio"

    def scaled(col: str, digits: int) -> pl.Expr:
        return pl.when(pct).then(pl.col(col) * 100).otherwise(pl.col(col)).round(digits)

    return rows.select(
        pl.col("indicator").replace_strict(labels, default=pl.col("indicator")).alias("指标"),
        pl.col("segment").alias("分项"), pl.col("unit").replace_strict(UNIT_LABELS, default=pl.col("unit")).alias("单位"),
        scaled("value", 2).alias("数值"), scaled("target", 2).alias("目标"),
        status_expr().alias("状态"), pl.col("met_by").fill_null("—").alias("达标依据"),
        scaled("gap", 2).alias("差距"), pl.col("rank").alias("排名"), scaled("change", 2).alias("较上期"),
        pl.col("n").alias("样本数"), pl.col("reason").fill_null("").alias("说明"),
        pl.col("data_to").cast(pl.String).alias("数据截至"), pl.col("data_version").alias("数据版本"))


def drill_frame(df: pl.DataFrame) -> pl.DataFrame:
    """A drill-down list as people read it (Chinese columns and values, 是/否)."""
    return for_people(df)


# DataTables' controls in Chinese (the grid is drawn in the browser, offline)
ITABLE_LANGUAGE = {
    "search": "搜索：", "info": "第 _START_–_END_ 条，共 _TOTAL_ 条", "infoEmpty": "共 0 条",
    "infoFiltered": "（从 _MAX_ 条中筛选）", "lengthMenu": "每页 _MENU_ 条", "zeroRecords": "没有匹配的记录",
    "emptyTable": "本期无记录", "loadingRecords": "加载中…", "processing": "处理中…",
    "paginate": {"first": "首页", "last": "末页", "next": "下一页", "previous": "上一页"},
    "aria": {"orderable": "点击排序", "orderableReverse": "点击倒序", "paginate": {
        "first": "首页", "last": "末页", "next": "下一页", "previous": "上一页", "number": ""}},
}
ITABLE_OPTIONS = {"paging": True, "pageLength": 10, "searching": True, "show_dtypes": False,
                  "show_index": False, "language": ITABLE_LANGUAGE, "lengthMenu": [10, 25, 50, 100],
                  "maxBytes": 0, "scrollX": True}


def download_links(df: pl.DataFrame, stem: str, table: pl.DataFrame | None = None, title: str | None = None) -> str:
    """Links that download the frame as CSV (UTF-8 BOM) and Excel, from data URIs (no request).
    With the period's indicator ``table``, each file carries its title, period, 数据截至 and data
    version, units and target sources above the header (``getpower.exports``)."""
    from getpower.spreadsheet import csv_bytes, excel_bytes

    if table is None:
        csv, xlsx = csv_bytes(df), excel_bytes(df, "指标")
    else:
        from getpower.exports import download_table
        from getpower.spreadsheet import report_csv_bytes, workbook_bytes

        people = download_table(df, table, title or stem, "明细")
        csv, xlsx = report_csv_bytes(people), workbook_bytes([people])
    csv, xlsx = base64.b64encode(csv).decode(), base64.b64encode(xlsx).decode()
    return (f'<a class="gp-download" download="{stem}.csv" href="data:text/csv;base64,{csv}">下载 CSV</a> · '
            f'<a class="gp-download" download="{stem}.xlsx" '
            f'href="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,{xlsx}">下载 Excel</a>')


SCORECARD_URL = "../../getpower/scorecard"  # the server's PDF handler, from /voila/render/<page>


def scorecard_pdf_link(city: str, period: str, reports_dir: Path | str | None = None, url: str = SCORECARD_URL) -> str:
    """A link that downloads the city's scorecard PDF of the period, or how to make one.

    The PDF is served by the server (``getpower.handlers.ScorecardHandler``, which checks the
    viewer may see the city) when the link is followed: embedded, its ~1 MB travelled to every
    visitor of the page whether or not they wanted it. ``url`` is the handler's address relative
    to the page (the Voila pages', by default)."""
    from urllib.parse import urlencode

    pdf = Path(reports_dir or reports_path()) / period / f"{city}.pdf"
    if not pdf.exists():
        return (f'<span class="gp-no-pdf" title="getpower scorecards --period {period}">'
                f"暂无 {period} 评分卡 PDF（请数据管理员生成本期评分卡）</span>")
    href = f"{url}?" + urlencode({"city": city, "period": period})
    return f'<a class="gp-pdf" download="{city}_{period}_评分卡.pdf" href="{href}">下载评分卡 PDF</a>'


# --- ledger -----------------------------------------------------------------------------------------
LEDGER_STATES = ("已完成", "推进中", "未启动", "未报送")


def ledger_view(period: str, units: tuple[str, ...] | list[str], store=None) -> pl.DataFrame:
    """The 66 tasks of ``params/ledger.yaml`` with their progress across ``units`` by the
    period's end (:func:`ledger_progress`), from the store's ledger reports."""
    from getpower.table import load_frames

    status = load_frames(store or store_path())["ledger_status"]
    return ledger_progress(status, params.load("ledger.yaml")["tasks"], period, units)


def ledger_progress(status: pl.LazyFrame | pl.DataFrame, tasks: list[dict], period: str,
                    units: tuple[str, ...] | list[str]) -> pl.DataFrame:
    """Every task once, with the responsible unit the seed names (its annex 2; blank there:
    原文空缺), and its progress across the reporting ``units`` by the period's end: how many units
    report each status in their latest report (none yet: 未报送), and how many are overdue (the
    deadline passed and not 已完成; ``ongoing`` tasks have no deadline).

    >>> import datetime as dt
    >>> st = pl.DataFrame({"item_no": [1, 1, 2, 1], "unit": ["杭州", "宁波", "杭州", "杭州"],
    ...                    "status": ["推进中", "已完成", "推进中", "已完成"],
    ...                    "reported_at": [dt.date(2021, 6, 30), dt.date(2021, 6, 30), dt.date(2021, 6, 30), dt.date(2022, 6, 30)]})
    >>> tasks = [{"item_no": 1, "category": "甲", "task": "一", "unit": "省能源局", "deadline_text": "2021 年底前", "deadline": "2021-12-31"},
    ...          {"item_no": 2, "category": "甲", "task": "二", "unit": "", "deadline_text": "持续推进", "deadline": "ongoing"}]
    >>> ledger_progress(st, tasks, "2021Q4", ["杭州", "宁波", "温州"]).select(
    ...     "item_no", "responsible", "已完成", "推进中", "未报送", "overdue_units", "overdue_list").rows()
    [(1, '省能源局', 1, 1, 1, 2, '杭州、温州'), (2, '（原文空缺）', 0, 1, 2, 0, '')]
    """
    p = Period.parse(period)
    latest = (status.lazy().filter(pl.col("reported_at") <= p.last_day).sort("reported_at")
              .group_by("item_no", "unit").agg(pl.col("status").last()).collect())
    tasks = pl.DataFrame([{"item_no": t["item_no"], "category": t["category"], "task": t["task"],
                           "responsible": t["unit"] or "（原文空缺）", "deadline_text": t["deadline_text"],
                           "deadline": t["deadline"]} for t in tasks])
    grid = tasks.join(pl.DataFrame({"unit": list(units)}, schema={"unit": pl.String}), how="cross").join(
        latest, on=["item_no", "unit"], how="left").with_columns(pl.col("status").fill_null("未报送"))
    due = pl.when(pl.col("deadline") == "ongoing").then(False).otherwise(
        pl.col("deadline").str.to_date(strict=False) <= p.last_day).fill_null(False)
    grid = grid.with_columns(due.alias("due")).with_columns(
        (pl.col("due") & (pl.col("status") != "已完成")).alias("overdue"))
    progress = grid.group_by("item_no").agg(
        *[(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in LEDGER_STATES],
        pl.col("overdue").sum().cast(pl.Int64).alias("overdue_units"),
        pl.col("unit").filter(pl.col("overdue")).sort().str.join("、").alias("overdue_list"),
        pl.col("status").first().alias("status"))
    return tasks.join(progress, on="item_no", how="left").with_columns(
        due.alias("due"), pl.lit(len(units)).alias("units")).sort("item_no")


def ledger_html(df: pl.DataFrame, units: tuple[str, ...] | list[str]) -> str:
    """The tasks with their progress; one unit: its status; overdue rows highlighted."""
    import html

    one = len(units) == 1
    rows = []
    for r in df.iter_rows(named=True):
        cls = ' class="gp-overdue"' if r["overdue_units"] else ""
        if one:
            progress = r["status"]
            late = "逾期" if r["overdue_units"] else ""
        else:
            progress = " · ".join(f"{s} {r[s]}" for s in LEDGER_STATES if r[s]) + f"（共 {r['units']} 个单位）"
            late = f"逾期 {r['overdue_units']} 个单位" if r["overdue_units"] else ""
        title = f' title="{html.escape(r["overdue_list"])}"' if r["overdue_list"] else ""
        rows.append(f'<tr{cls} data-item="{r["item_no"]}"><td>{r["item_no"]}</td><td>{html.escape(r["category"])}</td>'
                    f'<td class="gp-task">{html.escape(r["task"])}</td><td>{html.escape(r["responsible"])}</td>'
                    f'<td>{html.escape(r["deadline_text"])}</td><td>{html.escape(progress)}</td><td{title}>{late}</td></tr>')
    head = "完成情况" if one else "各报送单位进展"
    return (f'<p>共 {df.height} 项任务；报送单位：{html.escape("、".join(units))}。</p>'
            f'<div class="gp-scroll"><table class="gp-table gp-ledger" data-units="{html.escape(",".join(units))}">'
            f"<thead><tr><th>序号</th><th>分类</th><th>任务</th><th>责任单位</th><th>完成时间</th><th>{head}</th>"
            "<th>逾期</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


STATUS_NOTE = ('<p class="gp-note">达标（同比下降）：未达目标值，但较上年同期的下降幅度达到行动方案的要求，'
               "按规则视为达标（城市页“达标依据”列出）。无数据：本期没有可计算的数据，不算达标，也不参与排名；"
               "无目标：本期无目标。</p>")

STYLE = """<style>
.gp-table{border-collapse:collapse;font-size:13px}.gp-table td,.gp-table th{border:1px solid #e0e0e0;padding:4px 8px;text-align:left}
.gp-cards{display:flex;flex-wrap:wrap;gap:10px}.gp-card{border:1px solid #e0e0e0;border-radius:8px;padding:10px 14px;width:200px;font-size:12px}
.gp-task{min-width:220px;max-width:520px}.gp-card-title{color:#555}.gp-card-value{font-size:24px;font-weight:bold}.gp-overdue td{background:#ffebee;color:#b71c1c}
.gp-unranked td{color:#9e9e9e}.gp-ranking td:nth-child(-n+2),.gp-ranking th{white-space:nowrap}.gp-currency{color:#424242;font-size:13px}
.gp-note{color:#616161;font-size:12px}.gp-message{padding:8px 12px;border-radius:6px;background:#fff3e0;color:#e65100}.gp-ok{background:#e8f5e9;color:#1b5e20}
</style>"""


def frame_html(df: pl.DataFrame, limit: int = 20) -> str:
    """A small frame as an HTML table (escaped)."""
    import html

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                   for row in df.head(limit).iter_rows())
    return f'<table class="gp-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def city_status_html(comp: pl.DataFrame, city: str) -> str:
    """The city's composite score and rank, or 数据不足 with what it lacks (not ranked)."""
    import html

    from getpower.scoring import shortfall

    rows = comp.filter(pl.col("city") == city)
    if rows.is_empty():
        return ""
    r = rows.row(0, named=True)
    if r["rank"] is not None:
        return (f'<p class="gp-status">综合得分 <b>{r["composite"]:.1f}</b> · 全省第 <b>{r["rank"]}</b> 名 / '
                f'{len(params.cities())} · {html.escape(str(r["tier_label"] or ""))}</p>')
    return f'<p class="gp-status gp-shortfall gp-message">{html.escape(shortfall(r))}（不排名）</p>'
