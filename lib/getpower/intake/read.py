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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import polars as pl

from getpower.contract import KINDS, Kind, norm_header
from getpower.intake.errors import ExtractError
from getpower.intake.normalise import MISSING_SPELLINGS
from getpower.intake.sniff import DELIMITER_NAMES, HeaderGuess, TextLayout, find_header, limit, sniff_text

__all__ = ["ExtractError", "Extract", "open_extract", "read_any", "with_fallbacks"]

RAGGED = "__ragged__"  # marks CSV rows whose field count differs from the header's
LOST_DIGITS = "__lost_digits__"  # headers of Excel number cells too long to hold an id exactly
T = TypeVar("T")
BATCH_ROWS = 1_000_000  # rows read, typed and checked at a time: memory stays bounded at any file size
ENCODING_ERROR = "无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030）"
CHINA_TZ = "Asia/Shanghai"


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-8, then GB18030 (a superset of GBK), never lossily.

    Returns the text and the encoding name used.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ExtractError(f"{name}: {ENCODING_ERROR}")


class FastPathFailed(Exception):
    """polars could not read the CSV file as it is (not UTF-8, CR-only line ends, or rows of the
    wrong width): start again on the file read another way (:func:`with_fallbacks`)."""


def _polars_csv(path: Path, layout: TextLayout) -> Iterator[pl.DataFrame]:
    """UTF-8 text read by polars straight from disk, in batches of rows, from the header row on."""
    try:
        lf = pl.scan_csv(path, infer_schema=False, separator=layout.delimiter, skip_rows=layout.header.row)
        headers = lf.collect_schema().names()
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield batch
        if empty:  # a header line and no rows
            yield pl.DataFrame(schema={h: pl.String for h in headers})
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FastPathFailed(str(exc)) from exc


def _transcoded(path: Path, name: str, folder: Path, cr_only: bool) -> tuple[Path, str] | None:
    """A UTF-8 copy with LF line ends of a text file that is not UTF-8 (decoded as GB18030, a
    superset of GBK) or ends its lines with CR alone, written in pieces so that a large file is never
    held in memory; None when the file can be read as it is."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        enc = "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
        if enc == "utf-8":
            fh.seek(0)
            dec = codecs.getincrementaldecoder("utf-8")()
            try:
                for chunk in iter(lambda: fh.read(1 << 24), b""):
                    dec.decode(chunk)
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                enc = "gb18030"
        if enc != "gb18030" and not cr_only:
            return None
        fh.seek(3 if enc == "utf-8-sig" else 0)
        out = folder / "utf8.csv"
        dec = codecs.getincrementaldecoder("utf-8" if enc != "gb18030" else "gb18030")()
        try:
            with open(out, "w", encoding="utf-8", newline="") as w:
                for chunk in iter(lambda: fh.read(1 << 24), b""):
                    text = dec.decode(chunk)
                    w.write(text.replace("\r", "\n") if cr_only else text)
                w.write(dec.decode(b"", final=True))
        except UnicodeDecodeError:
            raise ExtractError(f"{name}: {ENCODING_ERROR}") from None
    return out, enc


MAX_RECORD_LINES = 20  # a quoted field may span lines, but not more than this: a stray `"` stops here


def _parse(text: str, delimiter: str) -> tuple[list[str], bool]:
    try:
        return next(csv.reader([text], delimiter=delimiter), []), False
    except csv.Error:  # a field past the csv module's size limit: a broken record, never a crash
        return [], True


def _records(lines: Iterator[str], delimiter: str) -> Iterator[tuple[list[str], bool]]:
    """CSV records from physical lines, and whether each is broken. A record goes on over the next
    line while its quotes are unbalanced (a quoted line break), at most ``MAX_RECORD_LINES`` lines:
    a stray quote makes its own line a broken record, never swallows the rest of the file."""
    pending: list[str] = []
    for line in lines:
        pending.append(line.rstrip("\r\n"))
        text = "\n".join(pending)
        if text.count('"') % 2 and len(pending) < MAX_RECORD_LINES:
            continue
        if text.count('"') % 2:  # unterminated: the first line alone is a broken record
            first, pending = pending[0], pending[1:]
            yield _parse(first, delimiter)[0], True
            yield from _records(iter(pending), delimiter)
            pending = []
            continue
        pending = []
        yield _parse(text, delimiter)
    if pending:  # the file ends inside quotes
        yield _parse(pending[0], delimiter)[0], True
        yield from _records(iter(pending[1:]), delimiter)


def _text_batches(path: Path, name: str, layout: TextLayout) -> Iterator[pl.DataFrame]:
    """Slow path for text files whose rows do not all have the header's field count, or with a
    stray quote: read line by line in batches, every row kept, the bad ones marked in ``RAGGED`` so
    that validation quarantines them (blank lines stay as rows of nulls, so row numbers stay those
    of the file). Memory is one batch, as on the fast path."""
    with open(path, encoding="utf-8-sig", newline=None) as fh:
        records = _records(fh, layout.delimiter)
        header: list[str] | None = None
        for i, (rec, _) in enumerate(records):
            if i == layout.header.row:
                header = _unique(rec)
                break
        if header is None:
            raise ExtractError(f"{name}: 文件为空")
        width = len(header)
        schema = {**{h: pl.String for h in header}, RAGGED: pl.Boolean}
        batch: list[tuple[list[str], bool]] = []
        empty = True

        def frame() -> pl.DataFrame:
            data = {h: [r[j] if j < len(r) else None for r, _ in batch] for j, h in enumerate(header)}
            data[RAGGED] = [bad or (bool(r) and len(r) != width) for r, bad in batch]
            return pl.DataFrame(data, schema=schema)

        for rec in records:
            batch.append(rec)
            if len(batch) >= BATCH_ROWS:
                empty = False
                yield frame()
                batch = []
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


def _sheet_and_header(reader, name: str, kind_hint: Kind | None) -> tuple[str, HeaderGuess, list[str]]:
    """The sheet to read (named after the kind, else the one whose header matches best) and its
    header row; also the names of the other sheets, which are not read."""
    names = list(reader.sheet_names)
    wanted = set()
    for kind in ([kind_hint] if kind_hint else KINDS):
        wanted |= {norm_header(n) for n in (kind.name, kind.label, *kind.file_names)}
    named = [s for s in names if norm_header(s) in wanted]
    best: tuple[int, int, str, HeaderGuess] | None = None
    for i, sheet in enumerate(named[:1] or names):
        # skip_rows=0: rows from the sheet's first row (else calamine starts at the first non-empty
        # one, and the header's index would not be the one load_sheet(header_row=…) counts from)
        head = reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=limit("header_search_rows"),
                                 dtypes="string").to_polars()
        if head.width > limit("max_columns"):
            raise ExtractError(f"{name}: 工作表「{sheet}」列数 {head.width} 超过上限 {limit('max_columns')}")
        guess = find_header(head.rows(), kind_hint)
        if best is None or (guess.matched, -i) > best[:2]:
            best = (guess.matched, -i, sheet, guess)
    if best is None:
        raise ExtractError(f"{name}: 工作簿中没有工作表")
    return best[2], best[3], [s for s in names if s != best[2]]


def _excel_error(path: Path, name: str, exc: Exception) -> ExtractError:
    """The real cause of an Excel file that cannot be opened: encryption said as such."""
    try:
        import msoffcrypto

        with open(path, "rb") as fh:
            if msoffcrypto.OfficeFile(fh).is_encrypted():
                return ExtractError(f"{name}: Excel 文件已加密/受密码保护，请解除密码后再导出")
    except Exception:  # not an Office file msoffcrypto knows: the reader's own message below
        pass
    return ExtractError(f"{name}: Excel 文件无法读取（{str(exc).splitlines()[0]}）")


def _sheet_rows(path: Path, sheet: str) -> Iterator[tuple]:
    """The sheet's rows from its first, as the workbook stores them: numbers as numbers (openpyxl
    reads a number written with all its digits as an exact int), text as text."""
    if path.suffix.lower() == ".xls":
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


def _read_excel(path: Path, name: str, kind_hint: Kind | None) -> tuple[pl.DataFrame, HeaderGuess, list[str]]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheet, guess, others = _sheet_and_header(reader, name, kind_hint)
        # dtypes="string": date cells arrive as ISO text, serial numbers as their digits
        df = reader.load_sheet(sheet, header_row=guess.row, dtypes="string").to_polars()
    except ExtractError:
        raise
    except Exception as exc:
        raise _excel_error(path, name, exc) from exc
    df = _exact_ids(path, sheet, guess.row, df)
    notes = [f"工作表「{sheet}」"] + ([f"未读取的工作表: {'、'.join(others)}"] if others else [])
    return df, guess, notes


def _parquet_text(batch: pl.DataFrame) -> pl.DataFrame:
    """Native Parquet types as the text intake reads: time-zone-aware timestamps in China time,
    whole floats without ``.0`` (an id stored as a float keeps its digits)."""
    out = []
    for c, dt in batch.schema.items():
        e = pl.col(c)
        if dt.is_nested() or dt == pl.Binary:  # no column of the contract is nested: not read
            out.append(pl.lit(None, pl.String).alias(c))
            continue
        if isinstance(dt, pl.Datetime) and dt.time_zone is not None:
            e = e.dt.convert_time_zone(CHINA_TZ).dt.replace_time_zone(None)
        elif dt in (pl.Float32, pl.Float64):
            e = pl.when(e.is_finite() & (e == e.round(0)) & (e.abs() < 2**53)).then(e.cast(pl.Int64).cast(pl.String)).otherwise(e.cast(pl.String))
        out.append(e.cast(pl.String).alias(c))
    return batch.select(out)


def _parquet_batches(path: Path, name: str) -> Iterator[pl.DataFrame]:
    try:
        lf = pl.scan_parquet(path)
        schema = lf.collect_schema()
        if len(schema) > limit("max_columns"):
            raise ExtractError(f"{name}: 列数 {len(schema)} 超过上限 {limit('max_columns')}")
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield _parquet_text(batch)
        if empty:
            yield pl.DataFrame(schema={h: pl.String for h in schema})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ExtractError(f"{name}: Parquet 文件无法读取（{str(exc).splitlines()[0]}）") from exc


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """Strip whitespace; empty cells and the spellings of a missing value (``NaN``, ``NULL``,
    ``空``, ``—``, ``/`` …) are missing values."""
    def one(c: str) -> pl.Expr:
        v = pl.col(c).str.strip_chars()
        return pl.when(v.is_in(list(MISSING_SPELLINGS)) | (v == "")).then(None).otherwise(v).alias(c)

    return df.with_columns(one(c) for c in df.columns if df.schema[c] == pl.String and c not in (RAGGED, LOST_DIGITS))


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

    @property
    def header_row(self) -> int:
        return self.header.row + 1

    def batches(self) -> Iterator[pl.DataFrame]:
        for df in self._read():
            yield _clean(df)


def with_fallbacks(ext: Extract, work: Callable[[Extract], T]) -> T:
    """``work(ext)``; when polars cannot read the text file as it is, ``work`` again from the start
    on the file transcoded to UTF-8 with LF line ends (GBK/GB18030 or CR-only; read in batches
    too), and, when its rows are not all of the header's width, on the file read line by line with
    the bad rows marked (in batches too)."""
    import tempfile
    from dataclasses import replace

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
        return work(replace(ext, fmt=fmt, _read=lambda: _text_batches(src, ext.name, layout)))


def open_extract(path: Path | str, kind_hint: Kind | None = None, name: str | None = None) -> Extract:
    """Open one extract file (CSV/TXT/TSV, XLSX/XLSM/XLS or Parquet) for reading in batches of
    text rows. ``name``: how messages call the file (its path by default)."""
    path = Path(path)
    name = name or str(path)
    if not path.exists():
        raise ExtractError(f"{name}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        if path.stat().st_size <= len(codecs.BOM_UTF8):
            raise ExtractError(f"{name}: 文件为空")
        layout = sniff_text(path, name, kind_hint)
        notes = [f"分隔符: {DELIMITER_NAMES[layout.delimiter]}"]
        if layout.cr_only:
            notes.append("换行符: 仅 CR（旧版 Mac）")

        def fast() -> Iterator[pl.DataFrame]:
            if layout.cr_only:
                raise FastPathFailed("CR-only line ends")
            return _polars_csv(path, layout)

        return Extract(path, name, f"csv:{layout.encoding}", fast, layout.header, tuple(notes), layout)
    if suffix in (".xlsx", ".xlsm", ".xls"):  # a sheet holds at most about a million rows: read whole
        df, guess, notes = _read_excel(path, name, kind_hint)
        return Extract(path, name, suffix[1:], lambda: iter([df]), guess, tuple(notes))
    if suffix == ".parquet":
        return Extract(path, name, "parquet", lambda: _parquet_batches(path, name))
    raise ExtractError(f"{name}: 不支持的文件类型 {suffix or '(无扩展名)'}（支持 .csv .txt .tsv .xlsx .xlsm .xls .parquet）")


def read_any(path: Path, kind_hint: Kind | None = None) -> tuple[pl.DataFrame, str]:
    """Read one extract file as an all-text frame. Returns ``(frame, format)``.

    ``format`` is ``csv:<encoding>``, ``xlsx``, ``xlsm``, ``xls`` or ``parquet``.
    """
    return with_fallbacks(open_extract(path, kind_hint), lambda e: (pl.concat(list(e.batches())), e.fmt))
