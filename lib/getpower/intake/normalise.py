"""Coercion of text cells to the contract's types, as polars expressions.

Each coercion returns the typed value, null where the text cannot be read; the validator turns
"text present but value null" into a quarantine reason.
"""
from __future__ import annotations

import re
from datetime import datetime

import polars as pl

from getpower import params
from getpower.contract import EXTRA_ALIASES, Column

TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d")
# cells that stand for a missing value in real exports
MISSING_WORDS = ("nan", "null", "none", "n/a", "#n/a", "na", "空", "无", "-", "--", "—", "——", "/", "\\")


def _spellings(words: tuple[str, ...]) -> frozenset[str]:
    """Every upper/lower-case and full-width spelling of ``words``: cells are compared with a set
    (a hash look-up), not normalised one by one (NFKC on every cell of a file is slow)."""
    import itertools

    out = set()
    for w in words:
        for cased in itertools.product(*({ch.lower(), ch.upper()} for ch in w)):
            half = "".join(cased)
            out.add(half)
            out.add("".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in half))
    return frozenset(out)


MISSING_SPELLINGS = _spellings(MISSING_WORDS)
# Excel serial day numbers accepted as dates: 1954-10-03 .. 2119-01-09 (outside: not a date)
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20000.0, 80000.0)
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "1.0", "√")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "0.0", "×")
PROVINCE_WORDS = ("全省", "浙江省", "浙江", "省级", "省")


def _as_written(words: tuple[str, ...]) -> list[str]:
    """``words`` in lower, upper and title case: spellings :func:`norm_value` leaves as one of them."""
    return sorted({v for w in words for v in (w, w.upper(), w.capitalize())})


_TRUE_EXACT, _FALSE_EXACT = _as_written(TRUE_WORDS), _as_written(FALSE_WORDS)
_PLAIN_KV = r"^[0-9]+(?:\.[0-9]+)?$"  # what :func:`voltage_kv_expr` reads as a number without a unit


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


# A number: optional sign, digits with or without thousands separators (groups of exactly three),
# an optional decimal point, an optional unit of the column (`160kW`, `1200元`). Anything else —
# a decimal comma (`1,2`, `1.200,00`), `约50`, `1.2万` — is not read, never guessed.
NUMBER_RE = r"^([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+)"
AMBIGUOUS_NUMBER_RE = r"^[+-]?[0-9]+(?:[.,][0-9]+)*,[0-9]{1,2}$|^[+-]?[0-9]+,[0-9]{4,}$|^[+-]?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$"


def number_expr(expr: pl.Expr, units: tuple[str, ...] = ()) -> pl.Expr:
    """`1,250` → 1250, `１２.５` → 12.5, `160kW` / `160 kW` → 160, `¥1,200` → 1200 (a unit of the
    column; ¥ for yuan); null for anything else — `16 0`, NaN and infinities included.

    >>> import polars as pl
    >>> pl.DataFrame({"v": ["1,200.5", "¥1,200", "160 元", "16 0", "1e3"]}).select(number_expr(pl.col("v"), ("元",)))["v"].to_list()
    [1200.5, 1200.0, 160.0, None, None]
    """
    v = expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    if "元" in units:
        v = v.str.replace(r"^¥\s*", "")
    if units:
        alternatives = "|".join(sorted((re.escape(u.lower()) for u in units), key=len, reverse=True))
        v = v.str.replace(f"\\s*(?:{alternatives})$", "")
    ok = v.str.contains(NUMBER_RE + "$")
    x = pl.when(ok).then(v.str.replace_all(",", "")).otherwise(None).cast(pl.Float64, strict=False)
    return pl.when(x.is_finite()).then(x).otherwise(None)


def integer_expr(expr: pl.Expr, units: tuple[str, ...] = ()) -> pl.Expr:
    x = number_expr(expr, units)
    return pl.when(x == x.round(0)).then(x).otherwise(None).cast(pl.Int64, strict=False)


def voltage_kv_expr(expr: pl.Expr) -> pl.Expr:
    """`10kV` → 10, `380V` → 0.38, `交流220伏` → 0.22, `0.4` → 0.4 (a bare number is in kV)."""
    v = norm_value(expr).str.replace(r"^交流", "")
    parts = v.str.extract_groups(r"^([0-9]+(?:\.[0-9]+)?)(kv|v|千伏|伏)?$")
    num = parts.struct.field("1").cast(pl.Float64, strict=False)
    unit = parts.struct.field("2")
    kv = pl.when(unit.is_in(["v", "伏"])).then(num / 1000).otherwise(num)
    return pl.when(kv > 0).then(kv).otherwise(None)


# Date spellings met in real exports, brought to `YYYY-MM-DD[ HH:MM[:SS]]` before parsing: `年月日`,
# dots and slashes as separators, `T` between date and time, full-width digits (NFKC). The year must
# have four digits: `23/10/1` is not read (quarantined as ambiguous, never taken as the year 23).
_DATE_PART = r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})(?:\s*日)?"
_OFFSET = r"(?:z|[+-][0-9]{2}:?[0-9]{2})$"
AMBIGUOUS_DATE_RE = r"^[0-9]{1,2}\s*[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,4}(?:\D|$)"
CHINA_TZ = "Asia/Shanghai"


def _date_text(expr: pl.Expr) -> pl.Expr:
    t = expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    t = t.str.replace(_DATE_PART, "${1}-${2}-${3}")
    t = t.str.replace(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?:t|\s+)", "${1} ")
    return t.str.replace(r"\s+(z|[+-][0-9]{2}:?[0-9]{2})$", "${1}")


def timestamp_expr(expr: pl.Expr) -> pl.Expr:
    """Text in any of the contract's spellings, or an Excel serial number → naive China time.

    A value with an offset (`2023-10-01T01:05:00Z`, `…+08:00`) is converted to Asia/Shanghai; a
    date alone is taken at 00:00; a year of fewer than four digits gives null."""
    t = _date_text(expr)
    four_digit_year = t.str.contains(r"^[0-9]{4}")
    has_offset = t.str.contains(_OFFSET)
    naive_text = pl.when(four_digit_year & ~has_offset).then(t).otherwise(None)
    parsed = [naive_text.str.strptime(pl.Datetime("us"), f, strict=False) for f in TIMESTAMP_FORMATS]
    aware_text = pl.when(four_digit_year & has_offset).then(t.str.replace(r"z$", "+00:00")).otherwise(None)
    aware = [
        aware_text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False)
        .dt.convert_time_zone(CHINA_TZ).dt.replace_time_zone(None)
        for f in ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z")
    ]
    serial = t.cast(pl.Float64, strict=False)
    lo, hi = EXCEL_SERIAL_RANGE
    from_serial = (
        pl.when(serial.is_between(lo, hi))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64)))
        .otherwise(None)
    )
    return pl.coalesce(*parsed, *aware, from_serial).dt.round("1s").cast(pl.Datetime("us"))


SCIENTIFIC_RE = r"^[+-]?[0-9]*\.?[0-9]+e[+-]?[0-9]+$"


def ambiguity(column: Column, raw: pl.Expr) -> list[tuple[pl.Expr, str]]:
    """Conditions on the raw text under which a value is refused as ambiguous rather than merely
    unreadable, with the reason's wording (none for columns without such spellings)."""
    if column.type in ("timestamp", "date"):
        t = raw.str.normalize("NFKC").str.strip_chars()
        return [(t.str.contains(AMBIGUOUS_DATE_RE), "日期写法不明确（两位数年份或日月次序不明），未作猜测")]
    if column.type in ("number", "integer"):
        t = norm_value(raw)
        return [(t.str.contains(AMBIGUOUS_NUMBER_RE), "数字写法不明确（疑似小数逗号），未作猜测"),
                (t.str.contains(SCIENTIFIC_RE), "数字为科学计数法（可能已被 Excel 舍入），未作猜测")]
    return []


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
        return number_expr(raw, column.units)
    if t == "integer":
        return integer_expr(raw, column.units)
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
    if t in ("number", "integer"):  # plain digits; anything else (1,200 / 160kW / １２) on the slow path
        scientific = raw.str.contains("e", literal=True) | raw.str.contains("E", literal=True)
        x = raw.cast(pl.Float64, strict=False)
        x = pl.when(x.is_finite() & ~scientific).then(x)
        return x if t == "number" else pl.when(x == x.round(0)).then(x).cast(pl.Int64, strict=False)
    exact = exact_spellings(column)
    if exact is not None:
        return raw.replace_strict(exact, default=None, return_dtype=pl.String)
    if t == "bool":  # the words as written most often (true, TRUE, 是); any other spelling on the slow path
        return pl.when(raw.is_in(_TRUE_EXACT)).then(True).when(raw.is_in(_FALSE_EXACT)).then(False)
    if t == "voltage_kv":  # a bare number of kV in plain digits (0.38, 10); 380V, 10kV, １０ on the slow path
        x = raw.cast(pl.Float64, strict=False)
        return pl.when(raw.str.contains(_PLAIN_KV) & (x > 0)).then(x)
    # exact widths only: chrono's %Y also reads `23-10-01` as the year 23
    # not cached: a cache of the distinct texts pays off for dates, not for times to the second,
    # nearly all distinct (it doubled the time of reading them)
    if t == "timestamp":
        return pl.when(raw.str.len_bytes() == 19).then(
            raw.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False, cache=False))
    if t == "date":
        return pl.when(raw.str.len_bytes() == 10).then(raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
    return None


def exact_spellings(column: Column) -> dict[str, str] | None:
    """The spellings :func:`coerce_fast` reads for an enumeration, a city or a unit (the canonical
    value, an enumeration's code, a city with 市) → the canonical value; None for other types."""
    if column.type == "enum":
        return {**{k: k for k in column.enum}, **{v: k for k, v in column.enum.items()}}
    if column.type in ("city", "unit"):
        exact = {**{c: c for c in params.cities()}, **{c + "市": c for c in params.cities()}}
        if column.type == "unit":
            exact[params.province()] = params.province()
        return exact
    return None


def canonical_values(column: Column) -> list[str] | None:
    """The values :func:`coerce_fast` reads as themselves (:func:`exact_spellings` mapped to
    themselves): a column holding only these (and missing values) is typed as it is, without a
    look-up of every cell. None for columns of other types.

    >>> from getpower.contract import KIND_BY_NAME
    >>> canonical_values(KIND_BY_NAME["outages"].column("kind"))
    ['故障', '预安排']
    """
    exact = exact_spellings(column)
    return None if exact is None else sorted(k for k, v in exact.items() if k == v)


def coerce_native(column: Column, dtype: pl.DataType):
    """The typed value of one column from a native Parquet column of ``dtype``, as a function of
    the column's expression, or None when that type does not fit the column's (the column is then
    read as text, :func:`coerce`). Gives what :func:`coerce` gives on the value's text: seconds
    rounded, a date's midnight, a whole float for an integer, null for an infinite number (NaN
    was made a missing value when read, as its text ``NaN`` is)."""
    t = column.type
    numeric = dtype.is_numeric()
    if t == "timestamp" and isinstance(dtype, pl.Datetime):
        return lambda e: e.cast(pl.Datetime("us")).dt.round("1s")
    if t == "timestamp" and dtype == pl.Date:
        return lambda e: e.cast(pl.Datetime("us"))
    if t == "date" and dtype == pl.Date:
        return lambda e: e
    if t == "date" and isinstance(dtype, pl.Datetime):
        return lambda e: e.dt.date()
    if t == "bool" and dtype == pl.Boolean:
        return lambda e: e
    if t == "number" and numeric:
        return lambda e: pl.when(e.cast(pl.Float64).is_finite()).then(e.cast(pl.Float64))
    if t == "voltage_kv" and numeric:
        return lambda e: pl.when(e.cast(pl.Float64).is_finite() & (e > 0)).then(e.cast(pl.Float64))
    if t == "integer" and dtype.is_integer():
        return lambda e: e.cast(pl.Int64, strict=False)
    if t == "integer" and dtype.is_float():
        return lambda e: pl.when(e.is_finite() & (e == e.round(0))).then(e).cast(pl.Int64, strict=False)
    return None


POLARS_TYPES = {
    "text": pl.String, "city": pl.String, "unit": pl.String, "enum": pl.String, "bool": pl.Boolean,
    "number": pl.Float64, "integer": pl.Int64, "voltage_kv": pl.Float64,
    "timestamp": pl.Datetime("us"), "date": pl.Date,
}
