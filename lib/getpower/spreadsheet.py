"""Every CSV or Excel file the project writes goes through here, so that opening it runs nothing.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken by
Excel for a formula (CSV injection): it gets a leading ``'`` (the OWASP rule). Numbers, dates and
booleans are left as they are — a negative number is a number, not a formula.

>>> import polars as pl
>>> neutralise(pl.DataFrame({"a": ["=1+1", "-5", "@x", "ok", None], "n": [-1, 2, 3, 4, 5]})).rows()
[("'=1+1", -1), ("'-5", 2), ("'@x", 3), ('ok', 4), (None, 5)]
"""
from __future__ import annotations

import io
from typing import TypeVar

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"
F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


def neutralise(frame: F) -> F:
    """``frame`` with every text cell that Excel would read as a formula prefixed with ``'``."""
    texts = [c for c, t in frame.collect_schema().items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
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
