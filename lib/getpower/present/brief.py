"""The leaders' pages (简报): the overview and a city's page as plain HTML, rendered on the server
from the same pieces the Voila pages show, with no kernel and no widget script (#13).

On the day a quarter's ranking is announced the cities' leaders open their pages together, often
on a phone. A Voila page is a JupyterLab front end (≈5.4 MB of scripts) and a kernel per visit
whose widgets send their state (≈2 MB for a city): ~1.8 s of a browser's CPU per visit, on top of
the server's part. A brief page is one HTML document of what the Voila page first shows — the
ranking, the heat map, the city's cards, pictures and indicator table, 数据版本 and 数据截至 — built
once per data version, page, selection and viewer's scope, then served from memory: a visit
costs the server a lookup and the browser one page of HTML. Selections are links and a form
(``?city=宁波&period=2023Q4``), so the address is the selection and can be shared; the
interactive pages (record lists, timelines, downloads of lists, uploads) are one link away.

The server's handler (:mod:`getpower.handlers`) has checked the viewer may open the page and the
city before :func:`page_html` is asked; the HTML offers only what the grant allows (the cities it
may open are the ones linked and listed).
"""
from __future__ import annotations

import base64
import html
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import polars as pl

from getpower import access, params
from getpower.periods import Period
from getpower.present import dashboard as db
from getpower.present import heat_view as hv
from getpower.status import COLOURS

PAGES = {"overview": "总览", "city": "城市"}  # the pages that have a brief form
VOILA = "../../voila/render/"  # the interactive pages, from /getpower/brief/<page>
SCORECARD = "../scorecard"  # the PDF handler, from /getpower/brief/<page>
PICTURE = "../picture/"  # the pictures' handler, from /getpower/brief/<page>

STYLE = """<style>
body{margin:0;font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;color:#212121;background:#fff}
main.gp-brief{max-width:1200px;margin:0 auto;padding:8px 16px 24px}
.gp-nav{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline;padding:6px 0 8px;border-bottom:1px solid #e0e0e0;margin-bottom:8px;font-size:14px}
.gp-nav a{color:#1565c0;text-decoration:none}.gp-nav a.gp-here{color:#212121;font-weight:bold;border-bottom:2px solid #1565c0}
.gp-nav .gp-brand{font-weight:bold}.gp-nav .gp-nav-group{color:#757575}
a.gp-city-link,a.gp-city-link b,a.gp-interactive{color:#1565c0;text-decoration:none}
.gp-select{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0}
.gp-select label{display:flex;gap:6px;align-items:center;font-size:14px;white-space:nowrap}
.gp-select select{font-size:15px;padding:4px 6px;min-width:120px}
.gp-row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.gp-row>div{min-width:0;max-width:100%}
.gp-scroll{overflow-x:auto;max-width:100%}.gp-scroll .gp-table td,.gp-scroll .gp-table th{white-space:nowrap}
.gp-status-cell{color:#fff;white-space:nowrap}
/* below the first screen: laid out and painted when scrolled to (many visitors at once cost less) */
.gp-later{content-visibility:auto;contain-intrinsic-size:auto 800px}
img{max-width:100%;height:auto}
@media (max-width:700px){
 main.gp-brief{padding:6px 8px 16px}
 .gp-select label,.gp-select select{width:100%}.gp-select select{flex:1 1 auto;min-width:0}
 .gp-ranking{min-width:300px}
 .gp-cards .gp-card{width:calc(50% - 34px) !important;min-width:0;padding:8px 10px !important}
 .gp-cards .gp-card-value{font-size:20px !important}
 h2.gp-page{font-size:18px}
}
@media print{
 @page{size:A4 landscape;margin:8mm}
 .gp-nav a:not(.gp-here),.gp-nav .gp-nav-group,.gp-select,.gp-download,.gp-pdf,a.gp-interactive{display:none !important}
 img{page-break-inside:avoid}
 /* the city's table whole (说明 holds the reasons for 无数据): wrapped, not clipped */
 .gp-scroll{overflow:visible}.gp-scroll .gp-table{font-size:9px}
 .gp-scroll .gp-table td,.gp-scroll .gp-table th{white-space:normal;padding:2px 4px}
 /* the overview on one A4 landscape page: ranking, heat map and tiers; its pictures repeat them */
 main.gp-brief[data-page=overview]{zoom:0.62;max-width:none}
 main.gp-brief[data-page=overview] .gp-print-row{flex-wrap:nowrap}
 .gp-print-hide{display:none !important}
 .gp-later{content-visibility:visible}
}
</style>"""


@dataclass(frozen=True)
class Selection:
    """What a brief page shows: the page, its period and city (validated), and the viewer's
    scope — the pages they may open and the cities they may see, all the HTML depends on."""

    page: str
    period: str
    city: str | None
    pages: tuple[str, ...]
    cities: tuple[str, ...] | None


def selection(page: str, grant: access.Grant, query: dict[str, str], store=None) -> Selection:
    """The brief page's selection from the URL's query, each value validated as the Voila pages
    do (an unknown or other period: the latest; a city the viewer may not see: their first).
    Raises ``ValueError`` (one Chinese line) for an unknown page or an empty store."""
    if page not in PAGES:
        raise ValueError(f"没有名为“{page}”的简报页面")
    allowed = grant.allowed_cities(params.cities())
    city = db.valid_city(query.get("city"), allowed) if page == "city" else None
    return Selection(page, db.valid_period(query.get("period"), store), city,
                     tuple(sorted(grant.pages)), grant.cities)


def page_html(page: str, grant: access.Grant, query: dict[str, str], store=None) -> str:
    """The whole HTML document of a brief page for this viewer and query, from memory when the
    same selection and scope was rendered on this data version (the version is read on every
    call: an import shows on the next visit)."""
    return _page_html(*cache_key(page, grant, query, store))


def cache_key(page: str, grant: access.Grant, query: dict[str, str], store=None) -> tuple:
    """What :func:`page_html` is cached by: the selection, the store and its data version, the
    scorecards' folder, and what else may change under the same data version (``made``): the
    params version, the city's PDF (a PDF made after the page was drawn is linked on the next
    visit) or the overview's latest change report. The server renders one page per key at a time."""
    store = str(db.store_path() if store is None else store)
    made = params.version()  # first: a change of params forgets what was read from them
    sel = selection(page, grant, query, store)
    reports = db.reports_path()
    if sel.city:  # the city's PDF, made or made again since the page was drawn
        pdf = reports / sel.period / f"{sel.city}.pdf"
        made += f"|{pdf.stat().st_mtime_ns if pdf.exists() else ''}"
    else:  # the overview's 最近更新: a change report is written after its version is published
        found = sorted((Path(store) / "changes").glob("v*.json"))
        made += f"|{found[-1].name}:{found[-1].stat().st_mtime_ns}" if found else "|"
    return sel, store, db.data_version(store)[1], reports.as_posix(), made


@lru_cache(maxsize=128)  # ~0.3–0.4 MB a page: ≤ ~50 MB in the server
def _page_html(sel: Selection, store: str, fingerprint: str | None, reports: str, made: str) -> str:
    grant = access.Grant("", "", frozenset(sel.pages), sel.cities)
    body = (_overview(sel, grant, store, fingerprint) if sel.page == "overview"
            else _city(sel, grant, store, fingerprint, reports, made))
    title = "获得电力 监管总览" if sel.page == "overview" else f"{sel.city} · {sel.period}"
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} · 简报</title>{STYLE}{db.STYLE}</head><body>{body}</body></html>")


def nav_html(sel: Selection, grant: access.Grant) -> str:
    """The brief pages (this one marked) and the interactive pages the viewer may open, the
    period carried over."""
    carry = urlencode({"period": sel.period})
    briefs = []
    for p, label in PAGES.items():
        if not grant.may_open(p):
            continue
        here = ' class="gp-here" aria-current="page"' if p == sel.page else ""
        briefs.append(f'<a href="{p}?{html.escape(carry)}" data-nav="brief-{p}"{here}>{label}简报</a>')
    pages = [f'<a href="{VOILA}{p}.ipynb{"" if p == access.IMPORT_PAGE else "?" + html.escape(carry)}" data-nav="{p}">'
             f"{html.escape(label)}</a>" for p, label in access.PAGES.items() if grant.may_open(p)]
    return ('<nav class="gp-nav gp-brief-nav"><span class="gp-brand">获得电力 监管看板</span>' + "".join(briefs)
            + '<span class="gp-nav-group">交互看板：</span>' + "".join(pages) + "</nav>")


def select_html(sel: Selection, grant: access.Grant, store: str) -> str:
    """The page's selectors: a form whose choice reloads the page (``?city=…&period=…``); without
    script, its button does."""
    def options(pairs, chosen):
        return "".join(f'<option value="{html.escape(v)}"{" selected" if v == chosen else ""}>{html.escape(label)}</option>'
                       for label, v in pairs)

    fields = []
    if sel.page == "city":
        cities = grant.allowed_cities(params.cities())
        fields.append(f'<label>城市 <select name="city" onchange="this.form.submit()">'
                      f"{options([(c, c) for c in cities], sel.city)}</select></label>")
    fields.append(f'<label>期间 <select name="period" onchange="this.form.submit()">'
                  f"{options(db.period_options(store), sel.period)}</select></label>")
    return (f'<form class="gp-select" method="get">{"".join(fields)}'
            '<noscript><button type="submit">查看</button></noscript></form>')


def _overview(sel: Selection, grant: access.Grant, store: str, fp: str | None) -> str:
    from getpower import changes

    p = sel.period
    t, comp, pictures = db.table(p, store), db.composite_of(p, store), db.overview_pictures(p, store)
    recent = changes.recent_html(store) or ""
    return (f'<main class="gp-brief" data-page="overview" data-period="{html.escape(p)}">'
            f"{nav_html(sel, grant)}"
            '<h2 class="gp-page" data-page="overview">获得电力 监管总览</h2>'
            f"{select_html(sel, grant, store)}{db.currency_html(t, p)}{recent}"
            '<div class="gp-row gp-print-row"><div><h3>综合得分排名</h3>'
            f'<div class="gp-scroll">{db.ranking_html(comp, grant, target="city")}</div>'
            f"<h3>各梯队与期望</h3>{db.tiers_html(comp)}</div>"
            f'<div class="gp-later">{hv.heat_html(t, p, grant, target=VOILA + "city.ipynb")}</div></div>'
            f'<div class="gp-row gp-print-hide gp-later"><div>{img(pictures, "tiles", "overview", p, None, fp)}</div>'
            f'<div>{img(pictures, "trend", "overview", p, None, fp)}</div></div>'
            f"{db.STATUS_NOTE}</main>")


def _city(sel: Selection, grant: access.Grant, store: str, fingerprint: str | None, reports: str, made: str) -> str:
    c, p = sel.city, sel.period
    return (f'<main class="gp-brief" data-page="city" data-city="{html.escape(c)}" data-period="{html.escape(p)}">'
            f"{nav_html(sel, grant)}"
            f'<h2 class="gp-page" data-page="city" data-city="{html.escape(c)}" data-period="{html.escape(p)}">'
            f"{html.escape(c)} · {html.escape(p)}</h2>"
            f"{select_html(sel, grant, store)}{_city_body(c, p, store, fingerprint, reports, made)}</main>")


@lru_cache(maxsize=64)
def _city_body(c: str, p: str, store: str, fingerprint: str | None, reports: str, made: str) -> str:
    """The city page below its selectors: the same for every viewer who may see the city, so drawn
    once per data version however many scopes ask (the server draws the latest quarter's for every
    city as it starts, :func:`getpower.handlers._preheat`)."""
    t = db.table(p, store)
    prev = Period.parse(p).previous().label
    rows = db.city_rows(t, c, db.table(prev, store) if prev in db.periods(store) else None)
    frame = db.display_rows(rows)
    # the rows a target judges (the heat map's); the others are in the download and the interactive page
    judged = db.display_rows(rows.filter(pl.col("target").is_not_null()))
    pics = db.city_pictures(c, p, store)
    query = urlencode({"city": c, "period": p})
    title = f"获得电力 {c} · {p} · 指标明细"
    return (f"{db.currency_html(t, p)}{db.city_status_html(db.composite_of(p, store), c)}"
            f"<p>{db.scorecard_pdf_link(c, p, reports, url=SCORECARD)} · "
            f'<a class="gp-interactive" href="{VOILA}city.ipynb?{html.escape(query)}">交互分析：明细清单、穿透到记录、工单时间线</a></p>'
            f"{db.cards_html(rows)}"
            f'<section class="gp-later"><h3>有目标的指标（{judged.height} 项，共 {frame.height} 项）</h3>'
            f'<div class="gp-scroll">{table_html(judged)}</div>'
            f"<p>全部 {frame.height} 项（含无目标的指标）：{db.download_links(frame, f'{c}_{p}_指标明细', t, title)}</p>"
            f'<div class="gp-row">{img(pics, "handling", "city", p, c, fingerprint)}{img(pics, "outage", "city", p, c, fingerprint)}</div></section>'
            f"{db.STATUS_NOTE}")


def img(pictures: dict[str, str], name: str, page: str, period: str, city: str | None, fingerprint: str | None) -> str:
    """A picture of the page as an ``<img>`` the browser loads when it is about to be seen (from
    :func:`picture_png` through the server), its size given so that nothing moves when it comes.

    >>> img({"a": '<img alt="图" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAYAAAC56t6BAAAADklEQVR4nGNgYGBgYAQAAA8ABFPsAEYAAAAASUVORK5CYII=">'}, "a", "city", "2023Q4", "宁波", "abc")
    '<img alt="图" loading="lazy" decoding="async" width="2" height="3" style="max-width:100%;height:auto" src="../picture/city?name=a&amp;period=2023Q4&amp;city=%E5%AE%81%E6%B3%A2&amp;v=abc">'
    """
    width, height = _png_size(_png_of(pictures[name]))
    alt = re.search(r'alt="([^"]*)"', pictures[name])
    query = {"name": name, "period": period, **({"city": city} if city else {}), "v": (fingerprint or "")[:12]}
    return (f'<img alt="{alt.group(1) if alt else ""}" loading="lazy" decoding="async" width="{width}" height="{height}" '
            f'style="max-width:100%;height:auto" src="{PICTURE}{page}?{html.escape(urlencode(query))}">')


def _png_of(img_html: str) -> bytes:
    found = re.search(r'src="data:image/png;base64,([^"]+)"', img_html)
    if not found:
        raise LookupError("图片不存在")
    return base64.b64decode(found.group(1))


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (IHDR, PNG spec §11.2.2)."""
    return struct.unpack(">II", png[16:24])


def picture_png(page: str, name: str, city: str, period: str, store=None) -> bytes:
    """The PNG of a page's picture (``overview``: tiles, trend; ``city``: handling, outage) for a
    valid period (and city) of the store's current version; ``LookupError`` (one Chinese line)
    for anything else. Rights are the server's to check before."""
    store = str(db.store_path() if store is None else store)
    if period not in {v for _, v in db.period_options(store)}:
        raise LookupError(f"期间“{period}”不在数据范围内")
    if page == "city":
        if city not in params.cities():
            raise LookupError(f"没有名为“{city}”的城市")
        pictures = db.city_pictures(city, period, store)
    else:
        pictures = db.overview_pictures(period, store)
    if name not in pictures:
        raise LookupError(f"没有名为“{name}”的图片")
    return _png_of(pictures[name])


def message_html(message: str) -> str:
    """A brief page that has nothing to show but why (an empty store, an unknown page).

    >>> "数据仓库为空" in message_html("数据仓库为空")
    True
    """
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>简报</title>{STYLE}{db.STYLE}</head>'
            f'<body><main class="gp-brief"><p class="gp-message">{html.escape(message)}</p></main></body></html>')


def table_html(df: pl.DataFrame, status: str = "状态") -> str:
    """Every row of a frame as an HTML table (escaped), the status cell in its colour.

    >>> from getpower.status import NOT_MET
    >>> table_html(pl.DataFrame({"指标": ["<a>"], "状态": [NOT_MET], "数值": [None]}))
    '<table class="gp-table"><thead><tr><th>指标</th><th>状态</th><th>数值</th></tr></thead><tbody><tr><td>&lt;a&gt;</td><td class="gp-status-cell" style="background:#c62828">未达标</td><td></td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    at = df.columns.index(status) if status in df.columns else -1
    body = []
    for row in df.iter_rows():
        cells = []
        for i, v in enumerate(row):
            text = html.escape("" if v is None else str(v))
            if i == at and v in COLOURS:
                cells.append(f'<td class="gp-status-cell" style="background:{COLOURS[v]}">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="gp-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
