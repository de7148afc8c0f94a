"""Reading extract files into all-text polars frames, whatever their encoding or format.

Every cell is read as text (``pl.String``) so that coercion and its failures are decided in one
place (:mod:`getpower.intake.normalise`), and nothing is lost before validation.
"""
from __future__ import annotations

import codecs
import io
from pathlib import Path

import polars as pl

from getpower.contract import KINDS, Kind, norm_header


RAGGED = "__ragged__"  # marks CSV rows whose field count differs from the header's


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


def _read_csv(path: Path) -> tuple[pl.DataFrame, str]:
    # fast path: polars reads UTF-8 (with or without BOM) straight from the file and refuses
    # anything that is not valid UTF-8; then the bytes are decoded here (GB18030) or the rows
    # read one by one (ragged rows)
    with open(path, "rb") as fh:
        head = fh.read(3)
    if head and path.stat().st_size > len(codecs.BOM_UTF8):
        try:
            df = pl.read_csv(path, infer_schema=False)
            return df, "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
            pass
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


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_parquet(path)
    except Exception as exc:
        raise ExtractError(f"{path.name}: Parquet 文件无法读取（{str(exc).splitlines()[0]}）") from exc
    return df.with_columns(pl.all().cast(pl.String))


def read_any(path: Path, kind_hint: Kind | None = None) -> tuple[pl.DataFrame, str]:
    """Read one extract file as an all-text frame. Returns ``(frame, format)``.

    ``format`` is ``csv:<encoding>``, ``xlsx`` or ``parquet``.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df, enc = _read_csv(path)
        fmt = f"csv:{enc}"
    elif suffix in (".xlsx", ".xlsm"):
        df, fmt = _read_xlsx(path, kind_hint), "xlsx"
    elif suffix == ".parquet":
        df, fmt = _read_parquet(path), "parquet"
    else:
        raise ExtractError(f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'}（支持 .csv .xlsx .parquet）")
    # strip whitespace; empty cells are missing values
    df = df.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in df.columns if c != RAGGED
    )
    return df, fmt
