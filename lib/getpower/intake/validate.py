"""Validation of extracts against the data contract: kind recognition, header mapping, typed
coercion, row rules, cross-file rules, quarantine with reasons.

Every row read ends either accepted or quarantined with one reason (the first rule it breaks), so
``rows_read = rows_accepted + rows_quarantined`` holds for every file by construction.
"""
from __future__ import annotations

import hashlib
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator

import polars as pl

from getpower.contract import (
    FOOTER_PREFIX_CHARS, FOOTER_WORDS, KIND_BY_NAME, SIGNATURE_WORDS, KINDS, Column, Kind, header_map,
    is_personal_header, norm_header,
)
from getpower.intake import plausible
from getpower.intake.discover import NotRead, Source, gather
from getpower.intake.normalise import (
    MISSING_SPELLINGS, POLARS_TYPES, ambiguity, canonical_values, coerce, coerce_fast, coerce_native,
)
from getpower.intake.personal import mask, mask_columns, personal_columns
from getpower.intake.errors import NotAnExtract
from getpower.intake.read import (
    LOST_DIGITS, RAGGED, Extract, ExtractError, as_text, clean, open_extracts, with_fallbacks,
)
from getpower.intake.sniff import limit
from getpower.keys import first_of_key, key_hash

ROW = "_row"
REASON = "_reason"
KEY_HASH = "_key_hash"
# columns of the quarantine file (Chinese, for Excel users)
Q_FILE, Q_ROW, Q_REASON = "源文件", "行号", "隔离原因"

# scratch files (typed batches spilled, the upload's accepted rows, the merge's and the record
# cache's intermediate files) beyond a few million rows as LZ4-compressed Arrow: an uncompressed
# one is memory-mapped when read, and every page read stays in the process's resident set until
# the query ends (at 10× the stage batches alone made 1.7 GB of it); LZ4 is decoded a batch at a
# time. Below that, uncompressed: a few hundred MB mapped at most, and LZ4 cost a 1× ingest 0.1–0.4 s
SCRATCH_IPC = {"compression": "lz4"}
SCRATCH_PLAIN_ROWS = 4_000_000
# intake's own output checked against the pandera schema on the first rows of each file (a bug in
# intake is systematic; the rows' values are decided by the rules): a whole batch took 0.15 s at 1×
SCHEMA_CHECK_ROWS = 50_000


def scratch_ipc(rows: int) -> dict:
    """How to write a scratch file that holds rows up to the ``rows``-th (:data:`SCRATCH_IPC`)."""
    return SCRATCH_IPC if rows > SCRATCH_PLAIN_ROWS else {"compression": "uncompressed"}

R_DUPLICATE = "{label}重复（保留首条）"
R_ORPHAN = "孤立环节：工单不存在或已被隔离"
R_BLANK = "空行（非数据）"
R_FOOTER = "合计/小计行（非数据）"
R_HEADER = "重复的表头行（非数据）"
R_LOST_DIGITS = "{cols}为超过 15 位的数值，Excel 已舍入末位数字（请将该列设为文本后重新导出）"
BLANK, FOOTER, HEADER_AGAIN = "__blank__", "__footer__", "__header__"
INVISIBLE = "[\u200b-\u200d\u2060\ufeff]"  # zero-width characters and stray byte-order marks
MARKERS = (RAGGED, LOST_DIGITS, BLANK, FOOTER, HEADER_AGAIN)  # columns intake adds to the raw rows
# a footer: the row's first cell reads 合计 (after a place name: 全省合计, 杭州市小计) or is a
# signature line (制表人：…, 注：…); a data row never starts so
FOOTER_RE = ("(?i)^(?:(?:全省|全市|[\u4e00-\u9fff]{1," + str(FOOTER_PREFIX_CHARS) + "}?[省市区县])?\\s*(?:"
             + "|".join(r"\s*".join(w) for w in FOOTER_WORDS) + r")\s*(?:[:：].*)?$|(?:"
             + "|".join(re.escape(w) for w in SIGNATURE_WORDS) + r")\s*[:：])")
ROW_RULES = {
    "finished_before_started": ("环节结束时间早于开始时间", lambda: pl.col("finished_at") < pl.col("started_at")),
    "restored_not_after_started": ("恢复送电时间不晚于停电开始时间", lambda: pl.col("restored_at") <= pl.col("started_at")),
    "approved_before_submitted": ("办结时间早于申请时间", lambda: pl.col("approved_at") < pl.col("submitted_at")),
}


def label(column: Column) -> str:
    return column.aliases[0] if column.aliases else column.name


def sha256_file(path: Path) -> str:
    """The file's SHA-256, computed once per process for a given file state (size, change time)."""
    st = Path(path).stat()
    return _sha256(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="getpower-sha256")
VALIDATING_AT_ONCE = 2  # files validated at once (validate_batch), one of them at most of several batches
# the Parquet rows of a batch kept in memory instead of spilled (validate_batch): when all of the
# batch's Parquet files hold this many rows at most (≈ 90 bytes a typed row: about 450 MB), they
# are held, so memory stays bounded at any size; a province-year's extracts (4.3 M rows) are, and
# the ingest no longer writes and maps 380 MB of scratch (3.1 → 2.9 s at 1×); a larger batch, or
# a text file (not counted ahead), is spilled batch by batch as before
HELD_ROWS = 5_000_000


def _warm_schemas() -> None:
    """Import pandera and register its polars backends (hypothesis' strategies come with them:
    0.15–0.2 s of imports) in a thread of their own, beside the reading of the first file; the
    first check of intake's output (:func:`_validate`) then finds them imported. Once a process."""
    global _WARMING
    if _WARMING is None:
        _WARMING = threading.Thread(target=_warm, name="getpower-schemas", daemon=True)
        _WARMING.start()


def _warm() -> None:
    try:
        from getpower.contract import KIND_BY_NAME
        from getpower.intake.schemas import schema_for

        kind = KIND_BY_NAME["customer_base"]
        schema_for(kind).validate(pl.DataFrame(schema={c.name: POLARS_TYPES[c.type] for c in kind.columns}))
    except Exception:  # noqa: BLE001 — the check itself, in the validating thread, raises what is wrong
        pass


_WARMING: threading.Thread | None = None


def _counted_rows(f: Opened) -> int | None:
    """The rows of a Parquet file (in its footer); None for a text file or a workbook (not counted
    ahead) or a file that cannot be read (the validation names what is wrong with it)."""
    if f.extract.fmt != "parquet":
        return None
    try:
        return pl.scan_parquet(f.path).select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError):
        return None


def _beyond_one_batch(f: Opened) -> bool:
    """Whether the file may hold more rows than one batch (:data:`~getpower.intake.read.BATCH_ROWS`)."""
    from getpower.intake import read

    rows = _counted_rows(f)
    return rows is None or rows > read.BATCH_ROWS


class Stopped(Exception):
    """A file's validation stopped before its end: the batch it belonged to was interrupted."""


@lru_cache(maxsize=1024)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def kind_from_name(path: Path | str) -> Kind | None:
    """The kind named in the file name (English or Chinese), longest name first.

    >>> kind_from_name("2023年10月/报装工单明细.xlsx").name, kind_from_name("stages.csv.gz").name
    ('applications', 'stages')
    """
    stem = norm_header(Path(str(path)).name.split(".")[0])
    names = sorted(((norm_header(n), k) for k in KINDS for n in (k.name, *k.file_names)),
                   key=lambda t: -len(t[0]))
    return next((k for n, k in names if n in stem), None)


def kind_from_headers(headers: Iterable[str]) -> Kind | None:
    """The kind whose required columns are all present, with the most columns matched."""
    normed = {norm_header(h) for h in headers}
    best: tuple[int, int, Kind] | None = None
    for kind in KINDS:
        hm = header_map(kind)
        present = {hm[h] for h in normed if h in hm}
        if not set(kind.required) <= present:
            continue
        score = (len(present), -len(kind.columns))
        if best is None or score > best[:2]:
            best = (*score, kind)
    return best[2] if best else None


@dataclass(frozen=True)
class FileResult:
    """The outcome of validating one file."""

    file: str
    kind: str
    fmt: str
    sha256: str
    rows_read: int
    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    dropped_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    header_row: int = 1  # the header's line (text) or row (Excel), 1-based
    notes: tuple[str, ...] = ()  # what reading found: delimiter, sheet, line ends
    # the store's ingest keeps the accepted rows on disk as soon as the file is validated and lets
    # them go (``accepted`` is then empty; the count is kept): Arrow files, one file or the
    # spilled typed batches themselves (which may hold columns of intake's own beside the contract's)
    written_to: Path | tuple[Path, ...] | None = None
    written_rows: int = 0

    @property
    def rows_accepted(self) -> int:
        return self.written_rows if self.written_to is not None else self.accepted.height

    def written(self, path: Path) -> "FileResult":
        """The accepted rows written to ``path`` (uncompressed Arrow) and released from memory."""
        if self.written_to is not None:
            return self
        self.accepted.write_ipc(path, compression="uncompressed")
        return replace(self, accepted=self.accepted.clear(), written_to=path, written_rows=self.accepted.height)

    def released(self) -> "FileResult":
        """The result without the accepted rows it holds in memory (once the store has merged
        them into a version), their count kept; ``written_to`` is then ``()``: written nowhere of
        its own. A result whose rows are on disk is returned as it is."""
        if self.written_to is not None:
            return self
        return replace(self, accepted=self.accepted.clear(), written_to=(), written_rows=self.accepted.height)

    def accepted_frame(self, columns: list[str] | None = None) -> pl.DataFrame:
        """The accepted rows, read back when they were written to disk."""
        if self.written_to is None:
            return self.accepted if columns is None else self.accepted.select(columns)
        return self.scan_accepted(columns).collect()

    def scan_accepted(self, columns: list[str] | None = None) -> pl.LazyFrame:
        """The accepted rows as a lazy scan (of the files they were written to, else of memory),
        the contract's columns only (``columns``: these)."""
        if self.written_to is None:
            return self.accepted.lazy().select(columns or self.accepted.columns)
        files = [self.written_to] if isinstance(self.written_to, Path) else list(self.written_to)
        return pl.scan_ipc(files).select(columns or [c.name for c in KIND_BY_NAME[self.kind].columns])

    @property
    def rows_quarantined(self) -> int:
        return self.quarantined.height

    @property
    def reasons(self) -> dict[str, int]:
        if self.quarantined.is_empty():
            return {}
        counts = self.quarantined.group_by(Q_REASON).len().sort(["len", Q_REASON], descending=[True, False])
        return dict(zip(counts[Q_REASON].to_list(), counts["len"].to_list()))

    def summary(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "reasons": self.reasons,
            "dropped_columns": list(self.dropped_columns),
            "header_row": self.header_row,
            "format": self.fmt,
            "notes": list(self.notes),
        }


def _map_headers(kind: Kind, headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Original header → canonical name; personal-data headers; ignored headers."""
    hm = header_map(kind)
    mapping: dict[str, str] = {}
    dropped: list[str] = []
    ignored: list[str] = []
    for h in headers:
        if h in MARKERS:
            continue
        n = norm_header(h)
        if is_personal_header(h) or mask(h) != h:  # a phone or ID number as a header: a data row read as one
            dropped.append(h)
        elif not n or re.fullmatch(r"(?:__unnamed__|_)[0-9]+", n):  # a blank header cell: nothing to name
            continue
        elif n in hm and hm[n] not in mapping.values():
            mapping[h] = hm[n]
        else:
            ignored.append(h)
    return mapping, dropped, ignored


def _when_chain(reasons: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The first reason whose condition holds, else null."""
    chain = None
    for cond, text in reasons:
        c = cond.fill_null(False)
        chain = pl.when(c).then(pl.lit(text)) if chain is None else chain.when(c).then(pl.lit(text))
    return chain.otherwise(pl.lit(None, pl.String)) if chain is not None else pl.lit(None, pl.String)


def _non_ascii(text: pl.Series) -> bool:
    """Whether any value holds a character beyond ASCII: one of more than a byte (the lengths
    compared, where a regular expression looked at every character: 7× the time)."""
    return bool((text.str.len_bytes() != text.str.len_chars()).any())


def _spelled(batch: pl.DataFrame, spellings: dict[str, list[str]]) -> set[str]:
    """The columns of ``spellings`` (raw header → the values an enumeration or a city reads as
    themselves, :func:`~getpower.intake.normalise.canonical_values`) whose every value in ``batch``
    is one of theirs or missing: nothing in them to clean (:func:`~getpower.intake.read.clean`)
    nor to look up (:func:`_typed`). Most exports spell every value so."""
    cols = [h for h in spellings if batch.schema.get(h) == pl.String]
    if not cols:
        return set()
    found = batch.select(pl.col(h).is_in(spellings[h]).all() for h in cols).row(0)
    return {h for h, ok in zip(cols, found) if ok}


def _typed(kind: Kind, raw: pl.DataFrame, mapping: dict[str, str], as_is: Collection[str] = ()) -> pl.DataFrame:
    """Typed columns, then the first row rule each row breaks as ``_reason`` (rules that look at
    one row only; duplicates and orphans are decided over the whole file, :func:`_validate`).

    The coercion runs once per column (phase 1, raw text kept under private names); the reasons
    then compare the typed value with the raw text (phase 2). A column of a native Parquet type
    that fits the contract's (:func:`~getpower.intake.normalise.coerce_native`) is typed as it is, and
    so is an enumeration or a city of ``as_is`` (canonical names; :func:`_spelled`)."""
    by_name = {v: k for k, v in mapping.items()}
    native = {c.name: coerce_native(c, raw.schema[by_name[c.name]]) for c in kind.columns
              if c.name in by_name and raw.schema[by_name[c.name]] != pl.String}
    raw_name = {col.name: f"__raw_{i}" for i, col in enumerate(kind.columns)}
    src_cols = [pl.col(by_name[c.name]).alias(raw_name[c.name]) if c.name in by_name
                else pl.lit(None, dtype=pl.String).alias(raw_name[c.name]) for c in kind.columns]
    extra = [pl.col(m) for m in MARKERS if m in raw.columns]
    df = raw.select(pl.col(ROW), *extra, *src_cols)
    typed, slow = [], []
    for col in kind.columns:
        raw_e = pl.col(raw_name[col.name])
        if col.name in native:  # a native Parquet value: typed as it is, no text and no slow path
            val = native[col.name](raw_e)
            if col.default is not None:  # a missing value is the default, as an empty cell of text is
                val = pl.when(raw_e.is_null()).then(pl.lit(col.default)).otherwise(val)
            typed.append(val.cast(POLARS_TYPES[col.type]).alias(col.name))
            continue
        fast = raw_e if col.name in as_is else coerce_fast(col, raw_e)
        val = coerce(col, raw_e) if fast is None else fast
        if col.type == "text" and col.name.endswith("_id") and col.name in by_name and \
                _non_ascii(raw[by_name[col.name]]):  # ids as a person reads them: Ｑ004 = Q004
            val = val.str.normalize("NFKC").str.replace_all(INVISIBLE, "")
        if fast is not None and col.name not in as_is:
            slow.append(col)
        if col.default is not None:
            val = pl.when(raw_e.is_null()).then(pl.lit(col.default)).otherwise(val)
        typed.append(val.cast(POLARS_TYPES[col.type]).alias(col.name))
    df = df.with_columns(typed)
    for col in slow:  # the full coercion, on the rows the fast path could not read only
        raw_e = pl.col(raw_name[col.name])
        miss = df.filter(pl.col(col.name).is_null() & raw_e.is_not_null())
        if miss.height:
            fixed = miss.select(pl.col(ROW), coerce(col, raw_e).cast(POLARS_TYPES[col.type]).alias(col.name))
            df = df.update(fixed, on=ROW)

    reasons: list[tuple[pl.Expr, str]] = [(pl.col(BLANK), R_BLANK), (pl.col(FOOTER), R_FOOTER),
                                          (pl.col(HEADER_AGAIN), R_HEADER)]
    if RAGGED in raw.columns:
        reasons.append((pl.col(RAGGED), "字段数与表头不一致"))
    if LOST_DIGITS in raw.columns:
        reasons += [(pl.col(LOST_DIGITS) == h, R_LOST_DIGITS.format(cols=h))
                    for h in raw[LOST_DIGITS].drop_nulls().unique().sort()]
    for col in kind.columns:
        raw_e, val = pl.col(raw_name[col.name]), pl.col(col.name)
        if col.required:
            reasons.append((raw_e.is_null(), f"缺少{label(col)}"))
        reasons.append((raw_e.is_not_null() & val.is_null(), f"{label(col)}取值无法识别"))
        if col.minimum is not None:
            bad = val <= col.minimum if col.exclusive_minimum else val < col.minimum
            sign = ">" if col.exclusive_minimum else "≥"
            reasons.append((bad, f"{label(col)}应{sign}{col.minimum:g}"))
        if col.maximum is not None:
            reasons.append((val > col.maximum, f"{label(col)}应≤{col.maximum:g}"))
    reasons += [(ROW_RULES[r][1](), ROW_RULES[r][0]) for r in kind.row_rules if r in ROW_RULES]
    reasons += plausible.reasons(kind)  # a typo no real record has: a date in 2029, 10^18 customers
    out = df.select(pl.col(ROW), *(pl.col(c.name) for c in kind.columns), *raw_name.values(),
                    _when_chain(reasons).alias(REASON))
    # an unreadable value spelled ambiguously (`23/10/1`, `1,2`) says so; looked at on those rows only
    for col in kind.columns:
        if col.name in native:  # no text to be ambiguous
            continue
        unread = f"{label(col)}取值无法识别"
        for cond, text in ambiguity(col, pl.col(raw_name[col.name])):
            if out[REASON].eq(unread).any():
                out = out.with_columns(pl.when((pl.col(REASON) == unread) & cond)
                                       .then(pl.lit(f"{label(col)}{text}")).otherwise(pl.col(REASON)).alias(REASON))
    return out.drop(raw_name.values())


@dataclass(frozen=True)
class Opened:
    """A file opened for validation: its kind, known before any row is validated."""

    path: Path
    kind: Kind
    extract: Extract

    @property
    def name(self) -> str:
        return self.extract.name


def open_files(path: Path | str | Source, kind_name: str | None = None) -> list[Opened]:
    """Open one file and recognise its kind: the kind its name says, unless its header names all
    the required columns of another kind and not those of the named one (a file named
    ``报装工单环节记录.csv`` holding stages); else the kind of its header. A workbook whose sheets
    share a kind gives one per sheet."""
    src = path if isinstance(path, Source) else Source(Path(path), str(path), True)
    named = KIND_BY_NAME[kind_name] if kind_name else kind_from_name(src.name)
    out = []
    for ext in open_extracts(src.path, named, src.name):
        g = ext.header
        kind = named if named is not None and (g.covers(named) or not g.complete) else g.kind
        if kind is None and ext.fmt == "parquet":
            kind = kind_from_headers(next(ext.batches()).columns)
        if kind is None:
            raise NotAnExtract(f"{src.name}: 无法识别提取文件类型（文件名与前 {limit('header_search_rows')} 行均不匹配任何类型的表头）")
        if named is not None and kind is not named:
            ext = replace(ext, notes=(f"按表头识别为{kind.label}（文件名像{named.label}）", *ext.notes))
        out.append(Opened(src.path, kind, ext))
    return out


def _columns(f: Opened, headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    mapping, dropped, ignored = _map_headers(f.kind, headers)
    missing = [c for c in f.kind.required if c not in mapping.values()]
    if missing:
        col = f.kind.column(missing[0])
        more = f" 等{len(missing)}列" if len(missing) > 1 else ""
        where = (f"，未找到表头行（前 {limit('header_search_rows')} 行均不含该类型的列名，请检查标题行或分隔符）"
                 if f.extract.header.matched == 0 and f.extract.fmt != "parquet" else
                 f"，表头在第 {f.extract.header_row} 行" if f.extract.header_row > 1 else "")
        raise ExtractError(f"{f.name}: 缺少必填列「{label(col)}」({col.name}){more}（类型: {f.kind.label}{where}）")
    return mapping, dropped, ignored


def _then(head: list[pl.DataFrame], rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """``head`` then ``rest``, each batch let go of as soon as it is handed on."""
    while head:
        yield head.pop(0)
    yield from rest


def _numbered(batches: Iterable[pl.DataFrame], dropped: list[str], first_row: int,
              keys: list[str]) -> Iterator[pl.DataFrame]:
    """Raw batches without personal-data columns, rows numbered as lines (rows) of the file from
    ``first_row``, blank rows and footer rows marked. A footer's first cell reads 合计 or is a
    signature line (:data:`FOOTER_RE`), and no key column (``keys``: the raw headers of the record's
    key) holds anything else: a record whose 备注 comes first and says 说明：… is still a record."""
    n = 0
    for raw in batches:
        text = {c for c, dt in raw.schema.items() if dt == pl.String}
        cells = [c for c in raw.columns if c not in MARKERS and c not in dropped]
        # a native Parquet value (a date, a number) is a first cell no footer has
        first_cell = pl.coalesce(pl.col(c) if c in text else pl.when(pl.col(c).is_not_null()).then(pl.lit("\x00"))
                                 for c in cells) if cells else pl.lit(None, pl.String)
        keyed = pl.any_horizontal((pl.col(k).is_not_null() & ((pl.col(k) != first_cell) if k in text else pl.lit(True)))
                                  for k in keys) if keys else pl.lit(False)
        blank = first_cell.is_null()
        # the header again (files concatenated one after another): its key cells name their columns
        again = pl.all_horizontal((pl.col(k) == k).fill_null(False) if k in text else pl.lit(False)
                                  for k in keys) if keys else pl.lit(False)
        # rows that may be a footer first (no key column holds anything else); the first cell's
        # text is matched only when there is one (a record keyed by several columns never is)
        marked = raw.drop(dropped).with_row_index(ROW, offset=first_row + n).with_columns(
            blank.alias(BLANK), (~keyed.fill_null(False) & ~blank).alias(FOOTER), again.alias(HEADER_AGAIN))
        if marked[FOOTER].any():
            marked = marked.with_columns(pl.col(FOOTER) & first_cell.str.contains(FOOTER_RE).fill_null(False))
        yield marked
        n += raw.height


def _validate(f: Opened, ext: Extract, app_ids: pl.Series | None, customers: pl.DataFrame | None = None,
              spill: Path | None = None, stop: threading.Event | None = None) -> FileResult:
    """Validate a file batch by batch. Each batch is typed and its rows checked on their own (then
    its raw text is released but for the rows quarantined); the rules that look across rows — the
    first valid row of each key is kept, a stage needs its application (``app_ids``) — are decided
    once over the file's typed rows. The raw text of rows quarantined by those is read again.

    ``spill``: a folder where each batch's typed rows are written as soon as they are checked
    (uncompressed Arrow), so that memory holds one batch and a 12-byte row number and key hash per
    row, whatever the file's size; the accepted rows are then streamed to ``spill/accepted.arrow``
    (``FileResult.written_to``) and not held. Without it, they are held in memory (``accepted``).

    Quarantined rows carry the raw text of the contract's columns only: a column the contract does
    not know is never written anywhere (it may hold personal data under a header nobody foresaw).

    ``stop``: once set, the validation stops before its next batch (:class:`Stopped`)."""
    names = [c.name for c in f.kind.columns]
    # the file's checksum is computed beside the validation (hashlib lets go of the GIL while it
    # hashes): a 250 MB file's SHA-256 no longer adds its second to the ingest
    checksum = _HASHER.submit(sha256_file, f.path)
    batches = ext.batches(native=True, cleaned=False)
    first = next(batches)
    mapping, dropped, ignored = _columns(f, first.columns)
    # an enumeration or a city whose every value in a batch is spelled canonically (most exports) is
    # neither cleaned nor looked up, only checked (a set look-up a cell), where stripping, the
    # missing spellings and the mapping built the column anew three times (:func:`_spelled`)
    spellings = {h: [v for v in vals if v and v == v.strip() and v not in MISSING_SPELLINGS]
                 for h, c in mapping.items() if first.schema[h] == pl.String
                 and (vals := canonical_values(f.kind.column(c))) is not None}
    spelled: list[set[str]] = []  # such columns (canonical names), a set per batch cleaned, in order

    def cleaned(batch: pl.DataFrame) -> pl.DataFrame:
        kept = _spelled(batch, spellings)
        spelled.append({mapping[h] for h in kept})
        return clean(batch, keep=kept)

    first = cleaned(first)
    batches = (cleaned(b) for b in batches)
    # native Parquet columns the contract types as they are stay so; every other one is text
    typed_as_is = {h for h, c in mapping.items()
                   if first.schema[h] != pl.String and coerce_native(f.kind.column(c), first.schema[h]) is not None}
    to_text = [c for c, dt in first.schema.items() if dt != pl.String and c not in typed_as_is and c not in MARKERS]
    if to_text:
        first = as_text(first, to_text)
        batches = (as_text(b, to_text) for b in batches)
    # text the contract keeps (区县, 申请渠道, 佐证材料 …; not a record's key): a phone or ID number or an
    # e-mail address in it is masked, not stored
    free_text = [h for h, c in mapping.items() if f.kind.column(c).type == "text" and c not in f.kind.key]
    by_value = personal_columns(first, ignored, limit("personal_value_sample"))
    if by_value:
        dropped = dropped + by_value
        ignored = [h for h in ignored if h not in by_value]
    shown = list(mapping)  # raw columns a quarantined row carries, in the file's order
    keys = [h for h, c in mapping.items() if c in f.kind.key]  # the raw headers of the record's key
    masked = dict.fromkeys(free_text, 0)
    text_schema = {c: pl.String for c in shown}
    first_row = ext.header_row + 1
    cands, beyond, bads, read, n_cand = [], [], [], 0, 0
    typed_schema = None
    for k, raw in enumerate(_numbered(_then([first], batches), dropped, first_row, keys)):
        first = None
        if stop is not None and stop.is_set():
            raise Stopped(f.name)
        read += raw.height
        if free_text:
            raw, hits = mask_columns(raw, free_text)
            masked = {h: masked[h] + hits[h] for h in free_text}
        typed = _typed(f.kind, raw, mapping, spelled.pop(0))  # one set per batch, as they came
        bad = typed.filter(pl.col(REASON).is_not_null()).select(ROW, REASON)
        if bad.height:
            bads.append(as_text(bad.join(raw.select(ROW, *shown), on=ROW, how="left"), shown))
        del raw
        cand = typed.filter(pl.col(REASON).is_null()).drop(REASON)
        del typed
        # a failure here is a bug in intake, not a bad row: the checks on the first rows, the
        # types (which every batch shares by construction) on every one
        if typed_schema is None:
            # pandera imported here, not before the first batch: while its import runs (in a
            # thread of its own, :func:`_warm_schemas`) the module is locked, and a file started
            # meanwhile waited for it before reading a row
            from getpower.intake.schemas import schema_for

            schema_for(f.kind).validate(cand.select(names).head(SCHEMA_CHECK_ROWS))
            typed_schema = cand.schema
        elif cand.schema != typed_schema:
            raise AssertionError(f"intake: batch {k} of {f.name} typed as {cand.schema}, not {typed_schema}")
        if f.kind.unique_key:  # hashed now, while the batch is one piece; kept (spilled) with its rows
            cand = cand.with_columns(key_hash(cand, list(f.kind.key)).alias(KEY_HASH))
        n_cand += cand.height
        if customers is not None and f.kind.name == "outages":  # more customers than the city-area has
            beyond.append(plausible.beyond_customers(cand, customers, ROW, REASON))
        if spill is not None:
            cands.append(spill / f"typed-{k}.arrow")
            cand.write_ipc(cands[-1], **scratch_ipc(read))
        else:
            cands.append(cand)
        del cand

    rows = pl.scan_ipc(cands) if spill is not None else pl.concat(cands, how="vertical", rechunk=False).lazy()
    late = []  # (row, reason) of rows that break a rule across rows: a duplicate key before an orphan
    if f.kind.unique_key:  # among the rows that pass every row rule, the first of each key is kept
        reason = R_DUPLICATE.format(label="+".join(label(f.kind.column(k)) for k in f.kind.key))
        dups = first_of_key(rows, ROW, list(f.kind.key), n_cand, KEY_HASH)
        late.append(dups.select(ROW, pl.lit(reason).alias(REASON)))
    if app_ids is not None:  # a stage whose application is absent or quarantined
        orphans = rows.select(ROW, "app_id").join(app_ids.to_frame("app_id").lazy(), on="app_id", how="anti").collect()
        late.append(orphans.sort(ROW).select(ROW, pl.lit(R_ORPHAN).alias(REASON)))
    late += beyond
    late = pl.concat(late).unique(ROW, keep="first", maintain_order=True) if late else None
    accepted = rows
    if late is not None and late.height:
        accepted = rows.join(late.select(ROW).lazy(), on=ROW, how="anti", maintain_order="left")
        wanted = late[ROW].implode()
        texts = pl.concat([raw.filter(pl.col(ROW).is_in(wanted)).select(ROW, *shown)
                           for raw in _numbered(ext.batches(), dropped, first_row, keys)])
        bads.append(late.join(texts, on=ROW, how="left"))
    accepted = accepted.select(names)
    written_to, written_rows = None, 0
    if spill is not None and (late is None or not late.height):
        # no row broke a rule across rows: the spilled typed batches are the accepted rows as they
        # are (no copy of the whole file; readers select the contract's columns)
        written_to, written_rows = tuple(cands), n_cand
        accepted = pl.DataFrame(schema=typed_schema).select(names)
    elif spill is not None:  # streamed to one file without the rows quarantined late; the batches let go
        written_to = spill / "accepted.arrow"
        accepted.sink_ipc(written_to, **scratch_ipc(n_cand))
        for p in cands:
            p.unlink()
        written_rows = pl.scan_ipc(written_to).select(pl.len()).collect().item()
        accepted = pl.DataFrame(schema=typed_schema).select(names)
    else:
        accepted = accepted.collect()
    q = pl.concat(bads, how="vertical_relaxed") if bads else pl.DataFrame(
        schema={ROW: pl.UInt32, REASON: pl.String, **text_schema})
    # what a quarantined row shows: nothing of a blank or footer row (a footer may be signed with a
    # name and a phone), phone and ID numbers masked in any column but the record's own id
    not_data = pl.col(REASON).is_in([R_BLANK, R_FOOTER])
    q = q.with_columns(pl.when(not_data).then(None).otherwise(pl.col(h)).alias(h) for h in shown)
    q = mask_columns(q, [h for h in shown if h not in keys])[0]
    quarantined = q.select(pl.lit(f.name).alias(Q_FILE), pl.col(ROW).alias(Q_ROW), pl.col(REASON).alias(Q_REASON),
                           pl.exclude(ROW, REASON)).sort(Q_ROW)
    notes = list(ext.notes)
    notes += [f"{h}: {n} 个值含疑似手机号/身份证号/邮箱，已屏蔽" for h, n in masked.items() if n]
    if ext.header_row > 1:
        notes.insert(0, f"表头在第 {ext.header_row} 行")
    return FileResult(f.name, f.kind.name, ext.fmt, checksum.result(), read, accepted,
                      quarantined, tuple(mask(h) for h in dropped), tuple(ignored), ext.header_row, tuple(notes),
                      written_to, written_rows)


def validate_file(f: Opened, app_ids: pl.Series | None = None, customers: pl.DataFrame | None = None,
                  spill: Path | None = None, stop: threading.Event | None = None) -> FileResult:
    """:func:`_validate` on the file as polars reads it, or, when it cannot (a CSV file in GBK, with
    CR-only line ends or with rows of the wrong width), on the file read another way."""
    return with_fallbacks(f.extract, lambda ext: _validate(f, ext, app_ids, customers, spill, stop))


@dataclass(frozen=True)
class Validation:
    """What a batch of paths held: a result per file read (in the order given), and every file
    not read with its reason."""

    results: tuple[FileResult, ...]
    not_read: tuple[NotRead, ...]

    @property
    def errors(self) -> tuple[NotRead, ...]:
        return tuple(n for n in self.not_read if n.error)


def validate_batch(paths: Iterable[Path | str], known_app_ids: pl.Series | None = None,
                   keep: Callable[[FileResult], FileResult] | None = None, orphans: bool = True,
                   known_customers: pl.DataFrame | None = None, spill: Path | None = None) -> Validation:
    """Validate files, folders (walked recursively), gzip files and zip archives as one batch
    (cross-file rules included). Every file is accounted for: read, or in ``not_read`` with its
    reason (a file that fails is named there and the others are still read).

    Every file is opened and recognised first; then validated two at a time
    (:data:`VALIDATING_AT_ONCE`; one of them at most of more rows than a batch), applications
    first and stages last; outages wait for the
    customer base, and stages (when ``orphans``) for the applications: they are checked against
    the applications accepted here or already known (``known_app_ids``). ``keep``:
    what to do with each result as soon as it is ready (the store writes its accepted rows to disk,
    so that one file's rows are in memory at a time). ``orphans=False``: stages are not checked
    against applications (the store keeps those without their application as pending). Results
    keep the files' order. ``spill``: a folder for each file's typed rows (:func:`_validate`): the
    results come with their accepted rows written there (``written_to``), memory stays flat; but
    when the batch's Parquet files hold :data:`HELD_ROWS` rows at most, they keep theirs in
    memory (``accepted``: nothing to write and map again for rows that fit)."""
    _warm_schemas()
    with gather(paths) as found:
        opened: list[Opened] = []
        not_read = list(found.not_read)
        for src in found.sources:
            try:
                opened.extend(open_files(src))
            except ExtractError as exc:
                # a stray document in a folder that is no extract is named, not an error
                stray = isinstance(exc, NotAnExtract) and not src.given
                not_read.append(NotRead(src.name, str(exc).removeprefix(f"{src.name}: "), error=not stray))
        rank = {"applications": 0, "customer_base": 0, "stages": 2}  # outages: after customer_base
        order = sorted(range(len(opened)), key=lambda i: rank.get(opened[i].kind.name, 1))
        # what a file waits for: outages the customer base (customers per city-area), stages the
        # applications (orphans) when checked here; the other files need nothing of another
        needs = {"outages": {"customer_base"}, "stages": {"applications"} if orphans else set()}
        done: dict[int, Future] = {}
        shared: dict[str, object] = {}
        lock = threading.Lock()
        reading = {o.path: threading.Lock() for o in opened}
        several = threading.Lock()
        # an upload whose Parquet rows all fit in HELD_ROWS keeps them in memory; a larger one is
        # spilled whole, as before (keeping part of it — 10×'s outages — raised its peak, which
        # comes later, in the merge, by 0.4 GiB)
        counted = {o.path: _counted_rows(o) for o in opened}
        held_all = sum(n for n in counted.values() if n is not None) <= HELD_ROWS

        def hold(f: Opened) -> bool:
            """Whether the file's accepted rows are kept in memory rather than spilled."""
            return held_all and counted[f.path] is not None

        def result_of(i: int) -> FileResult | None:
            exc = done[i].exception()
            return None if exc is not None else done[i].result()

        def app_ids() -> pl.Series:  # once, when the first stage file needs them
            with lock:
                if "app_ids" not in shared:
                    ids = [known_app_ids.cast(pl.String).rename("app_id")] if known_app_ids is not None else []
                    ids += [r.accepted_frame(["app_id"])["app_id"] for j in order
                            if opened[j].kind.name == "applications" and (r := result_of(j)) is not None]
                    shared["app_ids"] = pl.concat(ids).unique() if ids else pl.Series("app_id", [], pl.String)
                return shared["app_ids"]

        def customers() -> pl.DataFrame | None:  # customers per city-area
            counts = [known_customers] if known_customers is not None else []
            counts += [r.accepted_frame() for j in order
                       if opened[j].kind.name == "customer_base" and (r := result_of(j)) is not None]
            return plausible.customers(counts)

        def run(i: int) -> FileResult:
            f = opened[i]
            for j in order:  # submitted before this one (``start``): taken by a worker before it
                if opened[j].kind.name in needs.get(f.kind.name, ()):
                    wait([done[j]])
            mine = None
            if spill is not None and not hold(f):
                mine = spill / f"{i:04d}"
                mine.mkdir(parents=True)
            # a file of several batches waits for the other one (its repeated keys, mapped
            # batches and read-backs are a file's whole state: two at once took 0.55 GiB more at
            # 10×); then the sheets of one workbook share its reader: one at a time
            with (several if _beyond_one_batch(f) else nullcontext()), reading[f.path]:
                return validate_file(f, app_ids() if f.kind.name == "stages" and orphans else None,
                                     customers() if f.kind.name == "outages" else None, mine, stop)

        # two files at a time, one of them at most of several batches: a file's validation leaves
        # a core idle much of the time (a batch is typed by many small steps); memory holds one
        # file of several batches and one batch more
        pool = ThreadPoolExecutor(max_workers=VALIDATING_AT_ONCE, thread_name_prefix="getpower-validate")
        stop = threading.Event()
        def size(i: int) -> int:
            try:
                return opened[i].path.stat().st_size
            except OSError:
                return 0

        # started: the files that wait for none first, the largest first (the longest validation
        # decides when the batch ends: started last, it would run alone), then those that wait,
        # after what they wait for (submitted earlier, so taken by a worker earlier: no deadlock)
        start = sorted(order, key=lambda i: (bool(needs.get(opened[i].kind.name)), -size(i)))
        try:
            for i in start:
                done[i] = pool.submit(run, i)
            results: dict[int, FileResult] = {}
            for i in order:  # in the order a file at a time took them: the same results, the same not_read
                try:
                    result = done[i].result()
                except ExtractError as exc:
                    f = opened[i]
                    not_read.append(NotRead(f.name, str(exc).removeprefix(f"{f.name}: "), error=True))
                    continue
                results[i] = keep(result) if keep else result
        except BaseException:  # interrupted, or a file failed unexpectedly: the others stop at their next batch
            stop.set()
            raise
        finally:  # nothing is left running that still writes to ``spill``
            pool.shutdown(wait=True, cancel_futures=True)
        return Validation(tuple(results[i] for i in range(len(opened)) if i in results), tuple(not_read))


def validate_paths(paths: Iterable[Path | str], known_app_ids: pl.Series | None = None,
                   keep: Callable[[FileResult], FileResult] | None = None,
                   orphans: bool = True, known_customers: pl.DataFrame | None = None) -> list[FileResult]:
    """:func:`validate_batch`, strict: raises :class:`ExtractError` for the first file that should
    have been read and was not (stray documents in folders are passed over)."""
    v = validate_batch(paths, known_app_ids, keep, orphans, known_customers)
    if v.errors:
        raise ExtractError(f"{v.errors[0].name}: {v.errors[0].reason}")
    return list(v.results)
