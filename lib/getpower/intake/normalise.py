"""Coercion of text cells to the contract's types, as polars expressions.

Each coercion returns the typed value, null where the text cannot be read; the validator turns
"text present but value null" into a quarantine reason.
"""
from __future__ import annotations

from datetime import datetime

import polars as pl

from getpower import params
from getpower.contract import EXTRA_ALIASES, Column

TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d")
# Excel serial day numbers accepted as dates: 1954-10-03 .. 2119-01-09 (outside: not a date)
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20000.0, 80000.0)
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "1.0", "√")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "0.0", "×")
PROVINCE_WORDS = ("全省", "浙江省", "浙江", "省级", "省")


def norm_value(expr: pl.Expr) -> pl.Expr:
    """NFKC, no whitespace, lower case: the form in which enumerations are matched."""
    return expr.str.normalize("NFKC").str.replace_all(r"\s+", "").str.to_lowercase()


def enum_lookup(column: Column) -> dict[str, str]:
    """Every accepted spelling (normalised) → canonical Chinese value."""
    assert column.enum is not None
    out: dict[str, str] = {}
    for canonical, code in column.enum.items():
        for spelling in (canonical, code):
            out["".join(spelling.split()).lower()] = canonical
    for spelling, canonical in EXTRA_ALIASES.get(column.name, {}).items():
        out.setdefault("".join(spelling.split()).lower(), canonical)
    return out


def city_expr(expr: pl.Expr, allow_province: bool = False) -> pl.Expr:
    """`杭州市`, `杭州`, `国网杭州供电公司` → `杭州`; anything else → null."""
    short = (
        norm_value(expr)
        .str.replace(r"^国网", "")
        .str.replace(r"(供电分公司|供电公司|供电局)$", "")
        .str.replace(r"市$", "")
    )
    cities = list(params.cities())
    mapping = {c: c for c in cities}
    if allow_province:
        mapping |= {w: params.province() for w in PROVINCE_WORDS}
    return short.replace_strict(mapping, default=None, return_dtype=pl.String)


def bool_expr(expr: pl.Expr) -> pl.Expr:
    v = norm_value(expr)
    return (
        pl.when(v.is_in(TRUE_WORDS)).then(True)
        .when(v.is_in(FALSE_WORDS)).then(False)
        .otherwise(None)
    )


def number_expr(expr: pl.Expr) -> pl.Expr:
    return norm_value(expr).str.replace_all(",", "").cast(pl.Float64, strict=False)


def integer_expr(expr: pl.Expr) -> pl.Expr:
    x = number_expr(expr)
    return pl.when(x == x.round(0)).then(x).otherwise(None).cast(pl.Int64, strict=False)


def voltage_kv_expr(expr: pl.Expr) -> pl.Expr:
    """`10kV` → 10, `380V` → 0.38, `交流220伏` → 0.22, `0.4` → 0.4 (a bare number is in kV)."""
    v = norm_value(expr).str.replace(r"^交流", "")
    parts = v.str.extract_groups(r"^([0-9]+(?:\.[0-9]+)?)(kv|v|千伏|伏)?$")
    num = parts.struct.field("1").cast(pl.Float64, strict=False)
    unit = parts.struct.field("2")
    kv = pl.when(unit.is_in(["v", "伏"])).then(num / 1000).otherwise(num)
    return pl.when(kv > 0).then(kv).otherwise(None)


def timestamp_expr(expr: pl.Expr) -> pl.Expr:
    """Text, ISO, `YYYY/MM/DD`, date-only (00:00) or an Excel serial number → naive datetime."""
    text = expr.str.strip_chars().str.replace_all("/", "-").str.replace("T", " ")
    parsed = [text.str.strptime(pl.Datetime("us"), f, strict=False) for f in TIMESTAMP_FORMATS]
    serial = expr.cast(pl.Float64, strict=False)
    lo, hi = EXCEL_SERIAL_RANGE
    from_serial = (
        pl.when(serial.is_between(lo, hi))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64)))
        .otherwise(None)
    )
    return pl.coalesce(*parsed, from_serial).dt.round("1s").cast(pl.Datetime("us"))


def coerce(column: Column, raw: pl.Expr) -> pl.Expr:
    """The typed value of one column from its raw text (null where unreadable)."""
    t = column.type
    if t == "text":
        return raw
    if t == "city":
        return city_expr(raw)
    if t == "unit":
        return city_expr(raw, allow_province=True)
    if t == "enum":
        return norm_value(raw).replace_strict(enum_lookup(column), default=None, return_dtype=pl.String)
    if t == "bool":
        return bool_expr(raw)
    if t == "number":
        return number_expr(raw)
    if t == "integer":
        return integer_expr(raw)
    if t == "voltage_kv":
        return voltage_kv_expr(raw)
    if t == "timestamp":
        return timestamp_expr(raw)
    if t == "date":
        return timestamp_expr(raw).dt.date()
    raise ValueError(f"unknown column type {t!r}")


def coerce_fast(column: Column, raw: pl.Expr) -> pl.Expr | None:
    """A cheap coercion for the common spelling (exact enumeration values, ``YYYY-MM-DD HH:MM:SS``),
    or None when the column has no fast path. Rows it leaves null while the text is present are
    coerced again with :func:`coerce` (the validator does that on those rows only)."""
    t = column.type
    if t == "enum":
        exact = {**{k: k for k in column.enum}, **{v: k for k, v in column.enum.items()}}
        return raw.replace_strict(exact, default=None, return_dtype=pl.String)
    if t in ("city", "unit"):
        exact = {**{c: c for c in params.cities()}, **{c + "市": c for c in params.cities()}}
        if t == "unit":
            exact[params.province()] = params.province()
        return raw.replace_strict(exact, default=None, return_dtype=pl.String)
    if t == "timestamp":
        return raw.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    if t == "date":
        return raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return None


POLARS_TYPES = {
    "text": pl.String, "city": pl.String, "unit": pl.String, "enum": pl.String, "bool": pl.Boolean,
    "number": pl.Float64, "integer": pl.Int64, "voltage_kv": pl.Float64,
    "timestamp": pl.Datetime("us"), "date": pl.Date,
}
