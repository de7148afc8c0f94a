"""Where the table starts in a report-style export: the header row (below title and blank rows)
and, for text files, the encoding, delimiter and line ending.

The header is the row, among the first ``header_search_rows`` (``params/intake.yaml``), whose
cells name the most columns of one extract kind; the earliest such row wins a tie.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from getpower import params
from getpower.contract import KINDS, Kind, header_map, norm_header
from getpower.intake.errors import ExtractError

DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}
HEAD_BYTES = 1 << 18  # the part of a text file looked at: enough for the header search rows


def limit(name: str) -> int:
    return int(params.load("intake.yaml")[name]["value"])


@dataclass(frozen=True)
class HeaderGuess:
    """The row taken as the header: its index (0-based), the kind it matches best, how many of that
    kind's columns it names (0: no row looked like a header) and whether it names all of the kind's
    required columns (a kind whose required columns are all there wins over one with more names)."""

    row: int
    kind: Kind | None
    matched: int
    complete: bool = False

    def covers(self, kind: Kind) -> bool:
        return self.kind is kind and self.complete


def _score(cells: Iterable[object], kinds: Sequence[Kind]) -> tuple[bool, int, Kind | None]:
    normed = {norm_header(c) for c in cells if c is not None and str(c).strip()}
    best: tuple[bool, int, Kind | None] = (False, 0, None)
    for kind in kinds:
        hm = header_map(kind)
        named = {hm[h] for h in normed if h in hm}
        score = (set(kind.required) <= named, len(named))
        if named and score > best[:2]:
            best = (*score, kind)
    return best


def find_header(rows: Sequence[Sequence[object]], kind_hint: Kind | None = None) -> HeaderGuess:
    """The header among ``rows``: the first row naming all the required columns of a kind (the
    kind with most columns named), else the row naming most columns of any kind. With
    ``kind_hint``, rows are scored against that kind only.

    >>> g = find_header([["报装工单明细表（2023年）"], [], ["工单编号", "环节名称", "开始时间", "地市", "客户类别"], ["A1"]])
    >>> g.row, g.kind.name, g.matched, g.complete
    (2, 'stages', 3, True)
    """
    kinds = [kind_hint] if kind_hint else list(KINDS)
    best = HeaderGuess(0, kind_hint, 0)
    for i, row in enumerate(rows[: limit("header_search_rows")]):
        complete, n, kind = _score(row, kinds)
        if (complete, n) > (best.complete, best.matched):
            best = HeaderGuess(i, kind, n, complete)
    return best


@dataclass(frozen=True)
class TextLayout:
    """How a text file is written: ``encoding`` (``utf-8``, ``utf-8-sig`` or ``gb18030``, from its
    first bytes), ``delimiter``, ``newline`` (``\\n``, ``\\r\\n`` or ``\\r``) and its header."""

    encoding: str  # utf-8, utf-8-sig, gb18030 or utf-16
    delimiter: str
    newline: str
    header: HeaderGuess
    width: int

    @property
    def cr_only(self) -> bool:
        return self.newline == "\r"


def undecodable_at(path: Path, offset: int) -> str:
    """Where an undecodable byte stands, for people: its line (by LF, or CR in a CR-only file)."""
    with open(path, "rb") as fh:
        head = fh.read(offset)
    line = (head.count(b"\n") if b"\n" in head else head.count(b"\r")) + 1
    return f"第 {line} 行（第 {offset + 1} 个字节）起无法按 UTF-8 或 GBK/GB18030 解码"


def _decode_head(raw: bytes, name: str, path: Path) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode 文本"
        return codecs.getincrementaldecoder("utf-16")().decode(raw), "utf-16"
    if raw.startswith(codecs.BOM_UTF8):
        return codecs.getincrementaldecoder("utf-8")().decode(raw[3:]), "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(enc)().decode(raw), enc
        except UnicodeDecodeError as exc:
            at = exc.start
    raise ExtractError(f"{name}: 无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030）；{undecodable_at(path, at)}")


def sniff_text(path: Path, name: str, kind_hint: Kind | None = None) -> TextLayout:
    """The layout of a CSV / TXT / TSV file, from its first bytes."""
    with open(path, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
        truncated = bool(fh.read(1))
    text, enc = _decode_head(raw, name, path)
    if not text.strip():
        raise ExtractError(f"{name}: 文件为空")
    # the line end most used: a CR-only file may hold LF inside a quoted cell (Excel for Mac's Alt+Enter)
    crlf = text.count("\r\n")
    cr, lf = text.count("\r") - crlf, text.count("\n") - crlf
    newline = "\r" if cr > lf + crlf else "\r\n" if crlf >= lf and crlf else "\n"
    lines = re.split(r"\r\n|\r|\n", text)
    max_cols = limit("max_columns")
    for i, line in enumerate(lines):  # a line too wide is refused before anything parses it
        d = max(DELIMITERS, key=line.count)
        if line.count(d) >= max_cols:
            more = "以上" if truncated and i == len(lines) - 1 else ""
            raise ExtractError(f"{name}: 第 {i + 1} 行有 {line.count(d) + 1}{more} 列，超过上限 {max_cols}（按{DELIMITER_NAMES[d]}分隔）")
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    first = lines[0]
    head = lines[: limit("header_search_rows")]
    best: tuple[bool, int, int, int, str, HeaderGuess] | None = None
    for order, d in enumerate(DELIMITERS):
        try:
            rows = list(csv.reader(head, delimiter=d))
        except csv.Error:  # a field past the csv module's limit: this delimiter does not fit
            continue
        guess = find_header(rows, kind_hint)
        key = (guess.complete, guess.matched, -guess.row, -order)
        if best is None or key > best[:4]:
            best = (*key, d, guess)
    delimiter, guess = (best[4], best[5]) if best else (",", HeaderGuess(0, kind_hint, 0))
    if guess.matched == 0:  # no row names a column: the delimiter most used on the first line
        delimiter = max(DELIMITERS, key=lambda d: (first.count(d), -DELIMITERS.index(d)))
    try:
        width = len(next(csv.reader([head[guess.row]], delimiter=delimiter), []))
    except csv.Error:
        width = head[guess.row].count(delimiter) + 1
    if width > max_cols:
        raise ExtractError(f"{name}: 列数 {width} 超过上限 {max_cols}")
    return TextLayout(enc, delimiter, newline, guess, width)
