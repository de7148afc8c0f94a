"""The overview's heat map (indicator × city, coloured by status) as HTML whose cells are links
(#15 item 3): a cell opens the city page on its period with that cell's record list open
(``city.ipynb?city=…&period=…&indicator=…&segment=…&unit=…``; the city page reads them with
:func:`getpower.present.drill_view.query_key`). The same cells and colours as the scorecard's
picture (:func:`getpower.present.scorecard.heatmap_chart`, colours from :mod:`getpower.status`).
"""
from __future__ import annotations

import html
from urllib.parse import urlencode

import polars as pl

from getpower import access, params
from getpower.present.labels import fmt_value, indicator_labels
from getpower.status import COLOURS, NO_DATA, STATUSES, with_status

TITLE = "指标 × 地市 达标情况"
# the cell's own look: kept with the table, so that any page showing it shows it alike
STYLE = ("<style>.gp-heat{overflow-x:auto;max-width:100%}.gp-heat table{border-collapse:collapse;font-size:12px}"
         ".gp-heat th{font-weight:normal;text-align:right;padding:2px 6px;white-space:nowrap}"
         ".gp-heat thead th{text-align:center}.gp-heat td{padding:0;border:1px solid #fff;min-width:52px}"
         ".gp-heat td a,.gp-heat td span{display:block;padding:4px 2px;color:#fff;text-align:center;text-decoration:none}"
         ".gp-heat td a:hover,.gp-heat td a:focus{outline:2px solid #212121}"
         ".gp-heat-legend span{display:inline-block;padding:2px 8px;margin-right:6px;color:#fff;border-radius:3px}</style>")


def heat_frame(table: pl.DataFrame) -> pl.DataFrame:
    """The heat map's cells: every (indicator · segment with a target) × the 11 cities, in the
    table's order, a city without the row 无数据.

    Parameters
    ----------
    table : pl.DataFrame
        One period's indicator table (``city``, ``indicator``, ``segment``, ``unit``, ``value``,
        ``n``, ``target``, ``met`` …).

    Returns
    -------
    pl.DataFrame
        ``label`` (indicator name · segment), ``indicator``, ``segment``, ``unit``, ``city``,
        ``status``, ``value``, ``n``; rows in label order, then city order.
    """
    labels = indicator_labels()
    t = with_status(table.filter(pl.col("city").is_in(list(params.cities())) & pl.col("target").is_not_null()))
    t = t.with_columns((pl.col("indicator").replace_strict(labels, default=pl.col("indicator")) + "·"
                        + pl.col("segment")).alias("label"))
    order = t.select("label", "indicator", "segment", "unit").unique(subset="label", maintain_order=True)
    grid = order.join(pl.DataFrame({"city": list(params.cities())}), how="cross")
    return grid.join(t.select("label", "city", "status", "value", "n"), on=["label", "city"], how="left").with_columns(
        pl.col("status").fill_null(NO_DATA), pl.col("n").fill_null(0))


def cell_href(city: str, period: str, indicator: str, segment: str, unit: str, with_records: bool,
              target: str = "city.ipynb") -> str:
    """The city page's address for a cell: its city and period, and the cell when it has records.

    >>> cell_href("宁波", "2023Q4", "outage_hours", "市区", "hours", True)
    'city.ipynb?city=%E5%AE%81%E6%B3%A2&period=2023Q4&indicator=outage_hours&segment=%E5%B8%82%E5%8C%BA&unit=hours'
    >>> cell_href("宁波", "2023Q4", "outage_hours", "市区", "hours", False)
    'city.ipynb?city=%E5%AE%81%E6%B3%A2&period=2023Q4'
    """
    query = {"city": city, "period": period}
    if with_records:
        query |= {"indicator": indicator, "segment": segment, "unit": unit}
    return f"{target}?" + urlencode(query)


def heat_html(table: pl.DataFrame, period: str, grant: access.Grant | None = None, target: str = "city.ipynb") -> str:
    """The heat map as an HTML table: one row per indicator · segment with a target, one column
    per city, each cell in its status's colour with its value; a cell of a city whose page the
    viewer may open is a link to it (:func:`cell_href`), with the cell's record list when the
    cell has records (``n`` > 0, an indicator with a record list). ``grant`` None: every city.

    Parameters
    ----------
    table : pl.DataFrame
        The period's indicator table.
    period : str
        The period the links open.
    grant : access.Grant, optional
        The viewer's rights.
    target : str
        The city page the cells open (the Voila page by default; a brief page links the Voila
        page by its path from there, the record lists being the Voila page's).

    Returns
    -------
    str
        ``<div class="gp-heat" data-period=…>``: the table (each cell ``data-city``,
        ``data-key`` = ``indicator|segment|unit``, ``data-status``) and a legend.
    """
    from getpower.present.drill_view import SEP, drillable

    cells = heat_frame(table)
    cities = list(params.cities())
    openable = set(cities if grant is None else grant.allowed_cities(params.cities()) if grant.may_open("city") else ())
    records = {i: drillable(i) for i in cells["indicator"].unique().to_list()}
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in cities)
    rows = []
    for label, group in cells.group_by("label", maintain_order=True):
        tds = []
        for r in group.iter_rows(named=True):
            key = SEP.join((r["indicator"], r["segment"], r["unit"]))
            text = fmt_value(r["value"], r["unit"])
            tip = f"{r['city']} · {label[0]} · {r['status']} · {text}"
            style = f"background:{COLOURS[r['status']]}"
            attrs = f'data-city="{html.escape(r["city"])}" data-key="{html.escape(key)}" data-status="{html.escape(r["status"])}"'
            if r["city"] in openable:
                href = cell_href(r["city"], period, r["indicator"], r["segment"], r["unit"],
                                 records[r["indicator"]] and r["n"] > 0, target)
                inner = f'<a href="{html.escape(href)}" title="{html.escape(tip)}">{html.escape(text)}</a>'
            else:
                inner = f'<span title="{html.escape(tip)}">{html.escape(text)}</span>'
            tds.append(f'<td style="{style}" {attrs}>{inner}</td>')
        rows.append(f'<tr><th scope="row">{html.escape(label[0])}</th>{"".join(tds)}</tr>')
    present = set(cells["status"].to_list())
    legend = "".join(f'<span style="background:{COLOURS[s]}">{html.escape(s)}</span>' for s in STATUSES if s in present)
    return (f'{STYLE}<div class="gp-heat" data-period="{html.escape(period)}"><h4>{TITLE}</h4>'
            f'<table><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p class="gp-heat-legend">{legend}</p>'
            '<p class="gp-note">点击单元格：打开该市页面，并列出该单元格所依据的记录。</p></div>')
