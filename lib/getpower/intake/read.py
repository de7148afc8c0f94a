"""Reading extract files into all-text polars frames, whatever their encoding, layout or format.

Every cell is read as text (``pl.String``) so that coercion and its failures are decided in one
place (:mod:`getpower.intake.normalise`), and nothing is lost before validation. The header may
stand below title and blank rows (:mod:`getpower.intake.sniff` finds it); text files may be
delimited by commas, tabs, semicolons or ``|``, with LF, CRLF or CR-only line ends.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection, Iterator, TypeVar

import polars as pl

from getpower.contract import KINDS, Kind, norm_header
from getpower.intake.errors import ExtractError
from getpower.intake.normalise import MISSING_SPELLINGS
from getpower.intake.sniff import (
    DELIMITER_NAMES, HeaderGuess, TextLayout, find_header, limit, sniff_text, undecodable_at,
)

__all__ = ["ExtractError", "Extract", "open_extract", "read_any", "with_fallbacks"]

RAGGED = "__ragged__"  # marks CSV rows whose field count differs from the header's
LOST_DIGITS = "__lost_digits__"  # headers of Excel number cells too long to hold an id exactly
T = TypeVar("T")
BATCH_ROWS = 1_000_000  # rows read, typed and checked at a time: memory stays bounded at any file size
ENCODING_ERROR = "无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030）"
CHINA_TZ = "Asia/Shanghai"


class FastPathFailed(Exception):
    """polars could not read the CSV file as it is (not UTF-8, CR-only line ends, or rows of the
    wrong width): start again on the file read another way (:func:`with_fallbacks`)."""


def _polars_csv(path: Path, layout: TextLayout) -> Iterator[pl.DataFrame]:
    """UTF-8 text read by polars straight from disk, in batches of rows, from the header row on."""
    try:
        lf = pl.scan_csv(path, infer_schema=False, separator=layout.delimiter, skip_rows=layout.header.row)
        headers = lf.collect_schema().names()
        runaway = runs_on(len(headers), layout.delimiter)
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            for c in batch.columns:  # a cell with a line break: a real one, or two stray quotes paired?
                broken = batch[c].filter(batch[c].str.contains("\n", literal=True))
                if broken.len() and any(runaway(v) for v in broken.to_list()):
                    raise FastPathFailed("a quoted field spans records")
            yield batch
        if empty:  # a header line and no rows
            yield pl.DataFrame(schema={h: pl.String for h in headers})
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FastPathFailed(str(exc)) from exc


def _transcoded(path: Path, name: str, folder: Path, cr_only: bool) -> tuple[Path, str] | None:
    """A UTF-8 copy with LF line ends of a text file that is not UTF-8 (UTF-16 with its BOM, or else
    GB18030, a superset of GBK) or ends its lines with CR alone, written in pieces so that a large
    file is never held in memory; None when the file can be read as it is."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            enc, skip = "utf-16", 0
        elif head == codecs.BOM_UTF8:
            enc, skip = "utf-8-sig", 3
        else:
            enc, skip = "utf-8", 0
            dec = codecs.getincrementaldecoder("utf-8")()
            fh.seek(0)
            try:
                for chunk in iter(lambda: fh.read(1 << 24), b""):
                    dec.decode(chunk)
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                enc = "gb18030"
        if enc not in ("gb18030", "utf-16") and not cr_only:
            return None
        fh.seek(skip)
        out = folder / "utf8.csv"
        dec = codecs.getincrementaldecoder("utf-8" if enc == "utf-8-sig" else enc)()
        done = skip  # bytes decoded before the current chunk
        try:
            with open(out, "w", encoding="utf-8", newline="") as w:
                for chunk in iter(lambda: fh.read(1 << 24), b""):
                    text = dec.decode(chunk)
                    w.write(text.replace("\r\n", "\n").replace("\r", "\n") if cr_only else text)
                    done += len(chunk)
                w.write(dec.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise ExtractError(f"{name}: {ENCODING_ERROR}；{undecodable_at(path, done + max(exc.start, 0))}") from None
    return out, enc


MAX_RECORD_LINES = 20  # a quoted field may span lines, but not more than this: a stray `"` stops here
SLOW_BATCH_ROWS = 200_000  # records held as Python lists on the slow path: a smaller batch


class RunawayQuote(FastPathFailed):
    """A quoted field ran on over what looks like a whole next record: two stray quotes paired."""


def runs_on(width: int, delimiter: str) -> Callable[[str], bool]:
    """Whether the text after a line break inside a quoted field looks like another record (half
    the header's delimiters or more) rather than the second line of a cell (Alt+Enter)."""
    least = max(2, (width - 1) // 2)
    return lambda text: any(part.count(delimiter) >= least for part in text.split("\n")[1:])


def _parse(text: str, delimiter: str) -> tuple[list[str], bool]:
    try:
        return next(csv.reader([text], delimiter=delimiter), []), False
    except csv.Error:  # a field past the csv module's size limit: a broken record, never a crash
        return [], True


def _records(lines: Iterator[str], delimiter: str, runaway: Callable[[str], bool]) -> Iterator[tuple[list[str], bool]]:
    """CSV records from physical lines, and whether each is broken. A record goes on over the next
    line while its quotes are unbalanced (a quoted line break), at most ``MAX_RECORD_LINES`` lines
    and never over a line that looks like a record of its own: a stray quote makes its own line a
    broken record, never swallows the rows after it."""
    pending: list[str] = []
    for line in lines:
        pending.append(line.rstrip("\r\n"))
        text = "\n".join(pending)
        odd = text.count('"') % 2
        if odd and len(pending) < MAX_RECORD_LINES and not runaway(text):
            continue
        if odd or (len(pending) > 1 and runaway(text)):  # the first line alone is a broken record
            first, rest = pending[0], pending[1:]
            pending = []
            yield _parse(first, delimiter)[0], True
            yield from _records(iter(rest), delimiter, runaway)
            continue
        pending = []
        yield _parse(text, delimiter)
    if pending:  # the file ends inside quotes
        yield _parse(pending[0], delimiter)[0], True
        yield from _records(iter(pending[1:]), delimiter, runaway)


def _text_batches(path: Path, name: str, layout: TextLayout, careful: bool) -> Iterator[pl.DataFrame]:
    """Slow path for text files whose rows do not all have the header's field count, or with stray
    quotes: every row kept, the bad ones marked in ``RAGGED`` so that validation quarantines them
    (short rows padded with nulls, as polars reads them; blank lines stay as rows of nulls, so row
    numbers stay those of the file). Read in batches: memory is one batch.

    First by the csv module's reader (C, fast); when a quoted field runs on over what looks like
    another record (:class:`RunawayQuote`) or past the module's field limit, ``careful``: line by
    line (:func:`_records`)."""
    with open(path, encoding="utf-8-sig", newline="" if not careful else None) as fh:
        runaway: Callable[[str], bool] = lambda text: False  # noqa: E731  (until the header is known)
        if careful:
            records = _records(fh, layout.delimiter, lambda text: runaway(text))
        else:
            records = ((r, False) for r in csv.reader(fh, delimiter=layout.delimiter))
        header: list[str] | None = None
        try:
            for i, (rec, _) in enumerate(records):
                if i == layout.header.row:
                    header = _unique(rec)
                    break
        except csv.Error as exc:
            raise RunawayQuote(str(exc)) from exc
        if header is None:
            raise ExtractError(f"{name}: 文件为空")
        width = len(header)
        runaway = runs_on(width, layout.delimiter)
        schema = {**{h: pl.String for h in header}, RAGGED: pl.Boolean}
        batch: list[tuple[list[str], bool]] = []
        empty = True

        def frame() -> pl.DataFrame:
            data = {h: [r[j] if j < len(r) else None for r, _ in batch] for j, h in enumerate(header)}
            data[RAGGED] = [bad or len(r) > width for r, bad in batch]
            return pl.DataFrame(data, schema=schema)

        try:
            for rec in records:
                if not careful and any("\n" in f and runaway(f) for f in rec[0]):
                    raise RunawayQuote("a quoted field spans records")
                batch.append(rec)
                if len(batch) >= SLOW_BATCH_ROWS:
                    empty = False
                    yield frame()
                    batch = []
        except csv.Error as exc:
            raise RunawayQuote(str(exc)) from exc
        if batch or empty:
            yield frame()


def _unique(headers: list[str]) -> list[str]:
    """Blank and repeated headers made unique the way polars does (``_duplicated_N``)."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h if h.strip() else f"_{i}"
        if h in seen:
            seen[h] += 1
            h = f"{h}_duplicated_{seen[h] - 1}"
        else:
            seen[h] = 1
        out.append(h)
    return out


def _sheets(reader, name: str, kind_hint: Kind | None) -> list[tuple[str, HeaderGuess]]:
    """The sheets to read with their header rows: the sheet named after the kind, else the one whose
    header fits best — and every other sheet whose header names all the required columns of the
    same kind (monthly sheets of one workbook)."""
    names = list(reader.sheet_names)
    wanted = set()
    for kind in ([kind_hint] if kind_hint else KINDS):
        wanted |= {norm_header(n) for n in (kind.name, kind.label, *kind.file_names)}
    guesses = []
    for sheet in names:
        # skip_rows=0: rows from the sheet's first row (else calamine starts at the first non-empty
        # one, and the header's index would not be the one load_sheet(header_row=…) counts from)
        head = reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=limit("header_search_rows"),
                                 dtypes="string").to_polars()
        if head.width > limit("max_columns"):
            raise ExtractError(f"{name}: 工作表「{sheet}」列数 {head.width} 超过上限 {limit('max_columns')}")
        guesses.append((sheet, find_header(head.rows())))
    if not guesses:
        raise ExtractError(f"{name}: 工作簿中没有工作表")
    named = [g for g in guesses if norm_header(g[0]) in wanted]
    first = named[0] if named else max(guesses, key=lambda g: (g[1].complete, g[1].matched))
    kind = first[1].kind
    return [first] + [g for g in guesses if g is not first and g[1].complete and g[1].kind is kind]


def _excel_error(path: Path, name: str, exc: Exception) -> ExtractError:
    """The real cause of an Excel file that cannot be opened: encryption said as such."""
    try:
        import msoffcrypto

        with open(path, "rb") as fh:
            if msoffcrypto.OfficeFile(fh).is_encrypted():
                return ExtractError(f"{name}: Excel 文件已加密/受密码保护，请解除密码后再导出")
    except Exception:  # not an Office file msoffcrypto knows: the cause said below
        pass
    return ExtractError(f"{name}: Excel 文件已损坏或不是 Excel 格式，无法读取")


def _sheet_rows(path: Path, sheet: str) -> Iterator[tuple]:
    """The sheet's rows from its first, as the workbook stores them: numbers as numbers (openpyxl
    reads a number written with all its digits as an exact int), text as text."""
    if _content_format(path) == "xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            ws = book.sheet_by_name(sheet)
            for r in range(ws.nrows):
                yield tuple(c.value if c.ctype != xlrd.XL_CELL_EMPTY else None for c in ws.row(r))
        finally:
            book.release_resources()
        return
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield from wb[sheet].iter_rows(values_only=True)
    finally:
        wb.close()


def _exact_ids(path: Path, sheet: str, header_row: int, df: pl.DataFrame) -> pl.DataFrame:
    """Columns with digit strings of 16 digits or more, which a number cell cannot hold exactly:
    their digits as the workbook holds them; a number cell of 16 digits or more whose digits Excel
    has already rounded (any such cell of an .xls, whose numbers are binary floats) is marked in
    ``LOST_DIGITS``, never guessed."""
    long_cols = [c for c in df.columns if df[c].str.contains(r"^[0-9]{16,}$").any()]
    if not long_cols:
        return df
    rows = _sheet_rows(path, sheet)
    for r, row in enumerate(rows):
        if r == header_row:
            break
    else:
        return df
    texts = ["" if v is None else str(v).strip() for v in row]
    base = lambda c: c if c in texts else re.sub(r"_(?:duplicated_)?[0-9]+$", "", c)  # noqa: E731
    cols = {c: texts.index(base(c)) for c in long_cols if base(c) in texts}
    exact: dict[str, list[str | None]] = {c: [] for c in cols}
    lost: list[str | None] = []
    for row in rows:
        if len(lost) == df.height:
            break
        bad = []
        for c, j in cols.items():
            v = row[j] if j < len(row) else None
            if isinstance(v, float) and abs(v) >= 1e15:
                bad.append(c)
            exact[c].append(None if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        lost.append("、".join(bad) or None)
    if len(lost) != df.height:  # the rows could not be matched: keep calamine's reading
        return df
    return df.with_columns(*(pl.Series(c, exact[c], pl.String) for c in cols), pl.Series(LOST_DIGITS, lost, pl.String))


def _excel_extracts(path: Path, name: str, fmt: str, kind_hint: Kind | None) -> list["Extract"]:
    """One extract per sheet read (:func:`_sheets`); with several, each is named ``file/sheet``."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheets = _sheets(reader, name, kind_hint)
    except ExtractError:
        raise
    except Exception as exc:
        raise _excel_error(path, name, exc) from exc
    read = {s for s, _ in sheets}
    others = [s for s in reader.sheet_names if s not in read]
    out = []
    for sheet, guess in sheets:
        def load(sheet=sheet, guess=guess) -> Iterator[pl.DataFrame]:
            try:  # dtypes="string": date cells arrive as ISO text, serial numbers as their digits
                df = reader.load_sheet(sheet, header_row=guess.row, dtypes="string").to_polars()
            except Exception as exc:
                raise _excel_error(path, name, exc) from exc
            yield _exact_ids(path, sheet, guess.row, df)

        notes = [f"工作表「{sheet}」"] + ([f"未读取的工作表: {'、'.join(others)}"] if others else [])
        shown = f"{name}/{sheet}" if len(sheets) > 1 else name
        out.append(Extract(path, shown, fmt, load, guess, tuple(notes)))
    return out


MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0": "xls", b"PAR1": "parquet"}


def _content_format(path: Path) -> str | None:
    """What the first bytes say the file is (``xlsx``, ``xls``, ``parquet``), None for text."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    return next((fmt for magic, fmt in MAGIC.items() if head.startswith(magic)), None)


def text_of(e: pl.Expr, dt: pl.DataType) -> pl.Expr:
    """A native Parquet column as the text intake reads: time-zone-aware timestamps in China time,
    whole seconds as ``YYYY-MM-DD HH:MM:SS``, whole floats without ``.0`` (an id stored as a float
    keeps its digits); nested and binary columns (no column of the contract is one) as nulls."""
    if dt == pl.String:
        return e
    if dt.is_nested() or dt == pl.Binary:
        return pl.lit(None, pl.String)
    if isinstance(dt, pl.Datetime):
        if dt.time_zone is not None:
            e = e.dt.convert_time_zone(CHINA_TZ).dt.replace_time_zone(None)
        # the spelling coercion reads on its fast path (polars' own cast adds `.000000`)
        return pl.when(e.dt.truncate("1s") == e).then(e.dt.to_string("%Y-%m-%d %H:%M:%S")).otherwise(e.cast(pl.String))
    if dt in (pl.Float32, pl.Float64):
        return pl.when(e.is_finite() & (e == e.round(0)) & (e.abs() < 2**53)).then(e.cast(pl.Int64).cast(pl.String)).otherwise(e.cast(pl.String))
    return e.cast(pl.String)


def as_text(batch: pl.DataFrame, columns: list[str] | None = None) -> pl.DataFrame:
    """``batch`` with ``columns`` (default: all) as text (:func:`text_of`)."""
    cols = batch.columns if columns is None else columns
    return batch.with_columns(text_of(pl.col(c), batch.schema[c]).alias(c) for c in cols if batch.schema[c] != pl.String)


def _parquet_text(batch: pl.DataFrame) -> pl.DataFrame:
    return as_text(batch)


NATIVE_TYPES = (pl.Boolean, pl.Date, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                pl.UInt64, pl.Float32, pl.Float64)


def _parquet_native(batch: pl.DataFrame) -> pl.DataFrame:
    """Native Parquet types kept where validation can type them without text (timestamps in China
    time, NaN as a missing value as its text ``NaN`` is); any other type as text (:func:`text_of`)."""
    out = []
    for c, dt in batch.schema.items():
        e = pl.col(c)
        if isinstance(dt, pl.Datetime):
            if dt.time_zone is not None:
                e = e.dt.convert_time_zone(CHINA_TZ).dt.replace_time_zone(None)
        elif dt in (pl.Float32, pl.Float64):
            e = e.fill_nan(None)
        elif dt not in NATIVE_TYPES:
            e = text_of(e, dt)
        out.append(e.alias(c))
    return batch.select(out)


def _parquet_batches(path: Path, name: str, native: bool = False) -> Iterator[pl.DataFrame]:
    try:
        lf = pl.scan_parquet(path)
        schema = lf.collect_schema()
        if len(schema) > limit("max_columns"):
            raise ExtractError(f"{name}: 列数 {len(schema)} 超过上限 {limit('max_columns')}")
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield _parquet_native(batch) if native else _parquet_text(batch)
        if empty:
            yield pl.DataFrame(schema={h: pl.String for h in schema})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ExtractError(f"{name}: Parquet 文件无法读取（{str(exc).splitlines()[0]}）") from exc


_MISSING = sorted(MISSING_SPELLINGS | {""})  # built once, not per batch; an empty cell is missing too


def clean(df: pl.DataFrame, keep: Collection[str] = ()) -> pl.DataFrame:
    """Strip whitespace; empty cells and the spellings of a missing value (``NaN``, ``NULL``,
    ``空``, ``—``, ``/`` …) are missing values. ``keep``: columns known to need neither (every
    value one of a few exact spellings, :func:`~getpower.intake.validate._spelled`), left as they are."""
    cols = [c for c in df.columns if df.schema[c] == pl.String and c not in (RAGGED, LOST_DIGITS) and c not in keep]
    if not cols:
        return df
    df = df.with_columns(pl.col(c).str.strip_chars() for c in cols)
    # the spellings looked up first (one set look-up a cell), the cells made missing only in the
    # columns that have one: most have none, and the when/then copied every cell of a column again
    # (half the time of cleaning a batch of text)
    found = df.select(pl.col(c).is_in(_MISSING).any() for c in cols).row(0)
    spelled = [c for c, f in zip(cols, found) if f]
    return df.with_columns(pl.when(~pl.col(c).is_in(_MISSING)).then(pl.col(c)).alias(c) for c in spelled) if spelled else df


@dataclass(frozen=True)
class Extract:
    """An extract file opened for reading: its format, where its header is, and its rows as all-text
    batches read from disk batch by batch (a batch at a time is in memory, whatever the file's size).

    ``name`` is how reports call the file; ``header_row`` is the header's line or row (1-based), so
    the first data row is ``header_row + 1``; ``notes`` say what was found (delimiter, sheet …).
    ``batches()`` raises :class:`FastPathFailed` when a text file is not UTF-8, has CR-only line ends
    or rows of the wrong width: :func:`with_fallbacks` then starts again on the file read another way."""

    path: Path
    name: str
    fmt: str
    _read: Callable[[], Iterator[pl.DataFrame]]
    header: HeaderGuess = HeaderGuess(0, None, 0)
    notes: tuple[str, ...] = ()
    layout: TextLayout | None = None
    # Parquet: batches with the native types validation types without text (``batches(native=True)``)
    _native: Callable[[], Iterator[pl.DataFrame]] | None = None

    @property
    def header_row(self) -> int:
        return self.header.row + 1

    def batches(self, native: bool = False, cleaned: bool = True) -> Iterator[pl.DataFrame]:
        """All-text batches; ``native``: Parquet's timestamps, dates, numbers and booleans kept as
        they are (typing 30 million timestamps from text is most of an ingest). ``cleaned=False``:
        as read, not yet :func:`clean` (the caller cleans them, knowing which columns need it)."""
        for df in (self._native if native and self._native is not None else self._read)():
            yield clean(df) if cleaned else df


def with_fallbacks(ext: Extract, work: Callable[[Extract], T]) -> T:
    """``work(ext)``; when polars cannot read the text file as it is, ``work`` again from the start
    on the file transcoded to UTF-8 with LF line ends (GBK/GB18030 or CR-only; read in batches
    too), and, when its rows are not all of the header's width, on the file read line by line with
    the bad rows marked (in batches too)."""
    import tempfile

    try:
        return work(ext)
    except FastPathFailed:
        pass
    layout = ext.layout
    assert layout is not None
    with tempfile.TemporaryDirectory(prefix="getpower-") as scratch:
        copy = _transcoded(ext.path, ext.name, Path(scratch), layout.cr_only)
        src, enc = copy if copy is not None else (ext.path, layout.encoding)
        fmt = f"csv:{enc}"
        if copy is not None:
            try:
                return work(replace(ext, fmt=fmt, _read=lambda: _polars_csv(src, layout)))
            except FastPathFailed:
                pass
        try:
            return work(replace(ext, fmt=fmt, _read=lambda: _text_batches(src, ext.name, layout, careful=False)))
        except RunawayQuote:
            return work(replace(ext, fmt=fmt, _read=lambda: _text_batches(src, ext.name, layout, careful=True)))


TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def open_extracts(path: Path | str, kind_hint: Kind | None = None, name: str | None = None) -> list[Extract]:
    """Open one extract file (CSV/TXT/TSV, XLSX/XLSM/XLS or Parquet) for reading in batches of
    text rows: one extract, or one per sheet of a workbook whose sheets share a kind. The format is
    the content's (a workbook saved as ``.csv``, a tab-separated text saved as ``.xls`` are read
    for what they are, and the report says so). ``name``: how messages call the file."""
    path = Path(path)
    name = name or str(path)
    if not path.exists():
        raise ExtractError(f"{name}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, *EXCEL_SUFFIXES, ".parquet"):
        raise ExtractError(f"{name}: 不支持的文件类型 {suffix or '(无扩展名)'}（支持 .csv .txt .tsv .xlsx .xlsm .xls .parquet）")
    if path.stat().st_size <= len(codecs.BOM_UTF8):
        raise ExtractError(f"{name}: 文件为空")
    content = _content_format(path)
    said = {"xlsx": "Excel 工作簿", "xls": "Excel 97-2003 工作簿", "parquet": "Parquet 文件", None: "文本文件"}
    expected = "parquet" if suffix == ".parquet" else "xls" if suffix == ".xls" else "xlsx" if suffix in EXCEL_SUFFIXES else None
    renamed = () if content == expected else (f"扩展名为 {suffix}，内容实为{said[content]}",)
    if content in ("xlsx", "xls"):  # a workbook (an encrypted .xlsx is an OLE file, like .xls)
        fmt = suffix[1:] if suffix in EXCEL_SUFFIXES else content
        exts = _excel_extracts(path, name, fmt, kind_hint)
        return [replace(e, notes=renamed + e.notes) for e in exts]
    if content == "parquet":
        return [Extract(path, name, "parquet", lambda: _parquet_batches(path, name), notes=renamed,
                        _native=lambda: _parquet_batches(path, name, native=True))]
    if path.read_bytes()[:512].lstrip().lower().startswith((b"<!doctype html", b"<html", b"<table")):
        raise ExtractError(f"{name}: 内容为网页（HTML）表格，不是 Excel 文件：请在 Excel 中打开后另存为 .xlsx")
    layout = sniff_text(path, name)
    notes = [*renamed, f"分隔符: {DELIMITER_NAMES[layout.delimiter]}"]
    if layout.cr_only:
        notes.append("换行符: 仅 CR（旧版 Mac）")
    if layout.encoding == "utf-16":
        notes.append("编码: UTF-16（Unicode 文本）")

    def fast() -> Iterator[pl.DataFrame]:
        if layout.cr_only or layout.encoding == "utf-16":
            raise FastPathFailed("line ends or encoding polars does not read")
        return _polars_csv(path, layout)

    return [Extract(path, name, f"csv:{layout.encoding}", fast, layout.header, tuple(notes), layout)]


def open_extract(path: Path | str, kind_hint: Kind | None = None, name: str | None = None) -> Extract:
    """The first of :func:`open_extracts` (one sheet of a workbook)."""
    return open_extracts(path, kind_hint, name)[0]


def read_any(path: Path, kind_hint: Kind | None = None) -> tuple[pl.DataFrame, str]:
    """Read one extract file as an all-text frame. Returns ``(frame, format)``.

    ``format`` is ``csv:<encoding>``, ``xlsx``, ``xlsm``, ``xls`` or ``parquet``.
    """
    return with_fallbacks(open_extract(path, kind_hint), lambda e: (pl.concat(list(e.batches())), e.fmt))
