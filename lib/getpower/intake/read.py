"""Reading extract files into all-text polars frames, whatever their encoding or format.

Every cell is read as text (``pl.String``) so that coercion and its failures are decided in one
place (:mod:`getpower.intake.normalise`), and nothing is lost before validation.
"""
from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import polars as pl

from getpower.contract import KINDS, Kind, norm_header


RAGGED = "__ragged__"  # marks CSV rows whose field count differs from the header's
T = TypeVar("T")
BATCH_ROWS = 1_000_000  # rows read, typed and checked at a time: memory stays bounded at any file size


class ExtractError(Exception):
    """A file that cannot be read or misses a required column: one Chinese line for the user."""


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
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
    raise ExtractError(f"{path.name}: 无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030）")


class FastPathFailed(Exception):
    """polars could not read the CSV file as it is (not UTF-8, or rows of the wrong width): start
    again on the file read another way (:func:`with_fallbacks`)."""


def _polars_csv(path: Path) -> Iterator[pl.DataFrame]:
    """UTF-8 CSV (with or without BOM) read by polars straight from disk, in batches of rows."""
    try:
        lf = pl.scan_csv(path, infer_schema=False)
        headers = lf.collect_schema().names()
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield batch
        if empty:  # a header line and no rows
            yield pl.DataFrame(schema={h: pl.String for h in headers})
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FastPathFailed(str(exc)) from exc


def _utf8_or_bom(path: Path) -> str:
    with open(path, "rb") as fh:
        return "utf-8-sig" if fh.read(3) == codecs.BOM_UTF8 else "utf-8"


def _transcoded(path: Path, folder: Path) -> tuple[Path, str] | None:
    """A UTF-8 copy of a CSV file that is not UTF-8 (decoded as GB18030, a superset of GBK), written
    in pieces so that a large file is never held in memory; None when the file is UTF-8 already."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return None
        fh.seek(0)
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(1 << 24), b""):
                dec.decode(chunk)
            dec.decode(b"", final=True)
            return None
        except UnicodeDecodeError:
            pass
        fh.seek(0)
        out = folder / (path.stem + ".utf8.csv")
        dec = codecs.getincrementaldecoder("gb18030")()
        try:
            with open(out, "w", encoding="utf-8", newline="") as w:
                for chunk in iter(lambda: fh.read(1 << 24), b""):
                    w.write(dec.decode(chunk))
                w.write(dec.decode(b"", final=True))
        except UnicodeDecodeError:
            raise ExtractError(f"{path.name}: 无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030）") from None
    return out, "gb18030"


def _read_csv(path: Path) -> tuple[pl.DataFrame, str]:
    """The whole file at once: decoded here, rows of the wrong width kept and marked."""
    text, enc = decode_text(path.read_bytes(), path)
    if not text.strip():
        raise ExtractError(f"{path.name}: 文件为空")
    try:
        df = pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False)
    except pl.exceptions.ComputeError:
        # rows with more fields than the header: read them one by one and mark them
        df = _read_ragged_csv(text, path)
    return df, enc


def _read_ragged_csv(text: str, path: Path) -> pl.DataFrame:
    """Slow path for CSV files whose rows do not all have the header's field count: every row is
    kept, the ragged ones marked in ``RAGGED`` so that validation quarantines them."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ExtractError(f"{path.name}: 文件为空")
    header, body = rows[0], [r for r in rows[1:] if r]
    width = len(header)
    data = {h: [r[i] if i < len(r) else None for r in body] for i, h in enumerate(header)}
    data[RAGGED] = [len(r) != width for r in body]
    return pl.DataFrame(data, schema={**{h: pl.String for h in header}, RAGGED: pl.Boolean})


def _sheet_for(names: list[str], kind_hint: Kind | None) -> int | str:
    wanted = set()
    for kind in ([kind_hint] if kind_hint else KINDS):
        wanted |= {norm_header(n) for n in (kind.name, kind.label, *kind.file_names)}
    for name in names:
        if norm_header(name) in wanted:
            return name
    return 0


def _read_xlsx(path: Path, kind_hint: Kind | None) -> pl.DataFrame:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheet = _sheet_for(reader.sheet_names, kind_hint)
        # dtypes="string": date cells arrive as ISO text, serial numbers as their digits
        return reader.load_sheet(sheet, dtypes="string").to_polars()
    except Exception as exc:
        raise ExtractError(f"{path.name}: Excel 文件无法读取（{str(exc).splitlines()[0]}）") from exc


def _parquet_batches(path: Path) -> Iterator[pl.DataFrame]:
    try:
        lf = pl.scan_parquet(path)
        schema = lf.collect_schema()
        empty = True
        for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield batch.with_columns(pl.all().cast(pl.String))
        if empty:
            yield pl.DataFrame(schema={h: pl.String for h in schema})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ExtractError(f"{path.name}: Parquet 文件无法读取（{str(exc).splitlines()[0]}）") from exc


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """Strip whitespace; empty cells are missing values."""
    return df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in df.columns if c != RAGGED)


@dataclass(frozen=True)
class Extract:
    """An extract file opened for reading: its format and its rows as all-text batches, read from
    disk batch by batch (a batch at a time is in memory, whatever the file's size).

    ``batches()`` raises :class:`FastPathFailed` when a CSV file is not UTF-8 or has rows of the
    wrong width: :func:`with_fallbacks` then starts again on the file read another way."""

    path: Path
    fmt: str
    _read: Callable[[], Iterator[pl.DataFrame]]

    def batches(self) -> Iterator[pl.DataFrame]:
        for df in self._read():
            yield _clean(df)


def with_fallbacks(ext: Extract, work: Callable[[Extract], T]) -> T:
    """``work(ext)``; when polars cannot read the CSV file as it is, ``work`` again from the start on
    the file transcoded to UTF-8 (GBK/GB18030, read in batches too), and, when its rows are not all
    of the header's width, on the file read whole with the bad rows marked."""
    import tempfile

    try:
        return work(ext)
    except FastPathFailed:
        pass
    with tempfile.TemporaryDirectory(prefix="getpower-") as scratch:
        copy = _transcoded(ext.path, Path(scratch))
        if copy is not None:
            utf8, enc = copy
            try:
                return work(Extract(ext.path, f"csv:{enc}", lambda: _polars_csv(utf8)))
            except FastPathFailed:
                pass
        df, enc = _read_csv(ext.path if copy is None else copy[0])
        enc = enc if copy is None else copy[1]
        return work(Extract(ext.path, f"csv:{enc}", lambda: iter([df])))


def open_extract(path: Path | str, kind_hint: Kind | None = None) -> Extract:
    """Open one extract file (CSV, XLSX or Parquet) for reading in batches of text rows."""
    path = Path(path)
    if not path.exists():
        raise ExtractError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        if path.stat().st_size <= len(codecs.BOM_UTF8):
            raise ExtractError(f"{path.name}: 文件为空")
        return Extract(path, f"csv:{_utf8_or_bom(path)}", lambda: _polars_csv(path))
    if suffix in (".xlsx", ".xlsm"):  # a sheet holds at most about a million rows: read whole
        return Extract(path, "xlsx", lambda: iter([_read_xlsx(path, kind_hint)]))
    if suffix == ".parquet":
        return Extract(path, "parquet", lambda: _parquet_batches(path))
    raise ExtractError(f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'}（支持 .csv .xlsx .parquet）")


def read_any(path: Path, kind_hint: Kind | None = None) -> tuple[pl.DataFrame, str]:
    """Read one extract file as an all-text frame. Returns ``(frame, format)``.

    ``format`` is ``csv:<encoding>``, ``xlsx`` or ``parquet``.
    """
    return with_fallbacks(open_extract(path, kind_hint), lambda e: (pl.concat(list(e.batches())), e.fmt))
