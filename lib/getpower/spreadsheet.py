"""Every CSV or Excel file the project writes goes through here, so that opening it runs nothing.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken by
Excel for a formula (CSV injection): it gets a leading ``'`` (the OWASP rule). Numbers, dates and
booleans are left as they are — a negative number is a number, not a formula — and so is text that
is only a signed number or percentage (``-12.9%``, a gap as people read it), which Excel reads as a
number: the ``'`` would show.

>>> import polars as pl
>>> neutralise(pl.DataFrame({"a": ["=1+1", "-5", "-12.9%", "-1+2", "@x", "ok", None]})).to_series().to_list()
["'=1+1", '-5', '-12.9%', "'-1+2", "'@x", 'ok', None]
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"
SIGNED_NUMBER = r"^[+\-]?\d+(\.\d+)?%?$"  # nothing after the sign but a number: no formula
F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


def neutralise(frame: F) -> F:
    """``frame`` with every text cell that Excel would read as a formula prefixed with ``'``."""
    texts = [c for c, t in frame.collect_schema().items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START) & ~pl.col(c).str.contains(SIGNED_NUMBER))
        .then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in texts)


def csv_bytes(frame: pl.DataFrame, bom: bool = True) -> bytes:
    """The frame as CSV, UTF-8 (with a BOM by default, so that Excel reads the Chinese right)."""
    return (b"\xef\xbb\xbf" if bom else b"") + neutralise(frame).write_csv().encode("utf-8")


def excel_bytes(frame: pl.DataFrame, worksheet: str) -> bytes:
    """The frame as one XLSX worksheet; text is written as text, never as a formula."""
    buf = io.BytesIO()
    neutralise(frame).write_excel(buf, worksheet=worksheet)
    return buf.getvalue()


def write_csv(frame: pl.DataFrame | pl.LazyFrame, path) -> None:
    """Write (or, for a LazyFrame, stream) a CSV file for Excel users: UTF-8 with BOM, neutralised."""
    safe = neutralise(frame)
    if isinstance(safe, pl.LazyFrame):
        safe.sink_csv(path, include_bom=True)
    else:
        safe.write_csv(path, include_bom=True)


# --- tables written for people: a title and their context above the header ---------------------
DATETIME_FORMAT = "%Y-%m-%d %H:%M"  # what people read: minutes, no "T", no microseconds
EXCEL_DATETIME = "yyyy-mm-dd hh:mm"
EXCEL_DATE = "yyyy-mm-dd"
EXCEL_PERCENT = "0.0%"


@dataclass(frozen=True)
class Context:
    """What a table written for people says about itself, above its header: a title, the period,
    数据截至 and the data version, its units, where its targets come from, notes."""

    title: str
    period: str | None = None
    currency: str | None = None  # 数据截至 … · 数据版本 …
    units: str | None = None
    targets: str | None = None
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The lines above the header, the title first.

        >>> Context("杭州 · 指标", period="2023Q4", currency="数据截至 2023-12-31 · 数据版本 v000001").lines()
        ['杭州 · 指标', '期间：2023Q4', '数据截至 2023-12-31 · 数据版本 v000001']
        """
        out = [self.title]
        out += [f"期间：{self.period}"] if self.period else []
        out += [self.currency] if self.currency else []
        out += [f"单位：{self.units}"] if self.units else []
        out += [f"目标来源：{self.targets}"] if self.targets else []
        return out + list(self.notes)


@dataclass(frozen=True)
class Table:
    """A frame for people: a sheet name, its context, and which columns hold ratios (0–1) to be
    shown as percentages — in every row, or (``percent_rows``, a boolean column of the frame that
    is not written) only in the rows it marks, as the indicator table's ratio rows."""

    name: str
    frame: pl.DataFrame
    context: Context
    percent: tuple[str, ...] = ()
    percent_rows: str | None = None
    widths: tuple[tuple[str, float], ...] = ()  # column widths in characters by name (others fitted)

    @property
    def shown(self) -> pl.DataFrame:
        return self.frame.drop(self.percent_rows) if self.percent_rows else self.frame


def _is_percent(table: Table) -> pl.Expr:
    return pl.col(table.percent_rows) if table.percent_rows else pl.lit(True)


def _text(table: Table) -> pl.DataFrame:
    """Every cell as the text people read: percentages as ``97.3%``, datetimes as
    ``YYYY-MM-DD HH:MM``, dates as ``YYYY-MM-DD``, booleans as 是/否, floats as written."""
    f = table.frame
    cols = []
    for name, dtype in f.schema.items():
        if name == table.percent_rows:
            continue
        c = pl.col(name)
        if name in table.percent and dtype.is_numeric():
            pct = (c * 100).round(1).cast(pl.String) + "%"
            c = pl.when(_is_percent(table)).then(pct).otherwise(c.cast(pl.String))
        elif isinstance(dtype, pl.Datetime):
            c = c.dt.strftime(DATETIME_FORMAT)
        elif dtype == pl.Date:
            c = c.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            c = c.replace_strict({True: "是", False: "否"}, return_dtype=pl.String)
        cols.append(c.cast(pl.String).alias(name))
    return f.select(cols)


def report_csv_bytes(table: Table) -> bytes:
    """The table as CSV for people (UTF-8 with BOM): the context lines, a blank line, then the
    header and the rows as :func:`_text` writes them; text neutralised like every file we write.

    >>> t = Table("x", pl.DataFrame({"率": [0.9731], "时间": [dt.datetime(2023, 12, 4, 14, 20, 5)]}),
    ...           Context("标题", period="2023Q4"), percent=("率",))
    >>> report_csv_bytes(t).decode("utf-8-sig").splitlines()
    ['标题', '期间：2023Q4', '', '率,时间', '97.3%,2023-12-04 14:20']
    """
    head = pl.DataFrame({"_": [*table.context.lines(), None]})
    lines = neutralise(head).write_csv(include_header=False, null_value="")
    return b"\xef\xbb\xbf" + (lines + neutralise(_text(table)).write_csv()).encode("utf-8")


@dataclass(frozen=True)
class PrintSetup:
    """Sheets formatted for printing (the 督办单 of #15): A4 landscape, one page wide, the table's
    header repeated on every page, the title in the page header, ``footer`` and page numbers in the
    page footer."""

    footer: str = ""


def workbook_bytes(tables: list[Table], printed: PrintSetup | None = None) -> bytes:
    """An XLSX workbook, one sheet per table: the title (bold) and the context lines above the
    header, the header frozen, numbers as numbers (ratios with a percent format), datetimes as
    ``yyyy-mm-dd hh:mm``; every text written as text (never a formula, never a link); with
    ``printed``, every sheet set up for printing (:class:`PrintSetup`)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "remove_timezone": True})
    fmt = {"title": wb.add_format({"bold": True, "font_size": 14}), "note": wb.add_format({"font_color": "#424242"}),
           "head": wb.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1, "text_wrap": True}),
           "pct": wb.add_format({"num_format": EXCEL_PERCENT}), "dt": wb.add_format({"num_format": EXCEL_DATETIME}),
           "date": wb.add_format({"num_format": EXCEL_DATE}), "float": wb.add_format({"num_format": "0.00"})}
    used: set[str] = set()
    for table in tables:
        ws = wb.add_worksheet(_sheet_name(table.name, used))
        lines = table.context.lines()
        for i, line in enumerate(lines):
            ws.write_string(i, 0, line, fmt["title"] if i == 0 else fmt["note"])
        top = len(lines) + 1
        frame = neutralise(table.shown)
        pct_rows = (table.frame.select(_is_percent(table).alias("p")).to_series().to_list()
                    if table.percent else [False] * frame.height)
        widths = []
        for j, (name, dtype) in enumerate(frame.schema.items()):
            ws.write_string(top, j, name, fmt["head"])
            kind = ("dt" if isinstance(dtype, pl.Datetime) else "date" if dtype == pl.Date
                    else "float" if dtype.is_float() else None)
            values = frame.get_column(name).to_list()
            for i, v in enumerate(values):
                r = top + 1 + i
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_string(r, j, "是" if v else "否")
                elif isinstance(v, (int, float)):
                    if v != v or v in (float("inf"), float("-inf")):  # NaN/inf: not a number for Excel
                        ws.write_string(r, j, str(v))
                    elif name in table.percent and pct_rows[i]:
                        ws.write_number(r, j, v, fmt["pct"])
                    else:
                        ws.write_number(r, j, v, fmt[kind] if kind == "float" else None)
                elif isinstance(v, (dt.datetime, dt.date)):
                    ws.write_datetime(r, j, v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day),
                                      fmt[kind or "date"])
                else:
                    ws.write_string(r, j, str(v))
            longest = max([_width(name)] + [_width(str(v)) for v in values[:500] if v is not None])
            widths.append(min(max(longest + 2, 8), 60))
        fixed = dict(table.widths)
        for j, (name, w) in enumerate(zip(frame.columns, widths)):
            ws.set_column(j, j, fixed.get(name, w))
        ws.freeze_panes(top + 1, 0)
        if frame.width:
            ws.autofilter(top, 0, top + frame.height, frame.width - 1)
        if printed is not None:
            _set_up_printing(ws, top, lines[0], printed.footer)
    wb.close()
    return buf.getvalue()


def _set_up_printing(ws, header_row: int, title: str, footer: str) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header("&L" + _header_text(title))
    ws.set_footer("&L" + _header_text(footer) + "&R第 &P 页，共 &N 页")


def _width(text: str) -> int:
    """Columns a text takes in Excel: a CJK character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "表"
    out, n = base, 2
    while out.lower() in used:
        out, n = f"{base[:28]}({n})", n + 1
    used.add(out.lower())
    return out


def _header_text(text: str) -> str:
    """Text for a print header or footer: ``&`` is its control character (doubled to show one)."""
    return text.replace("&", "&&")[:200]
