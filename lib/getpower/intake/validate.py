"""Validation of extracts against the data contract: kind recognition, header mapping, typed
coercion, row rules, cross-file rules, quarantine with reasons.

Every row read ends either accepted or quarantined with one reason (the first rule it breaks), so
``rows_read = rows_accepted + rows_quarantined`` holds for every file by construction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

import polars as pl

from getpower.contract import (
    KIND_BY_NAME, KINDS, PERSONAL_DATA_NORM, Column, Kind, header_map, norm_header,
)
from getpower.intake.normalise import POLARS_TYPES, coerce, coerce_fast
from getpower.keys import key_hash, superseded
from getpower.intake.read import RAGGED, Extract, ExtractError, decode_text, open_extract, with_fallbacks

ROW = "_row"
REASON = "_reason"
KEY_HASH = "_key_hash"
# columns of the quarantine file (Chinese, for Excel users)
Q_FILE, Q_ROW, Q_REASON = "源文件", "行号", "隔离原因"

R_DUPLICATE = "{label}重复（保留首条）"
R_ORPHAN = "孤立环节：工单不存在或已被隔离"
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


@lru_cache(maxsize=1024)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def kind_from_name(path: Path) -> Kind | None:
    """The kind named in the file name (English or Chinese), longest name first."""
    stem = norm_header(path.stem)
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
    # the store's ingest writes the accepted rows to a file of its own as soon as the file is
    # validated and lets them go (``accepted`` is then empty; the count is kept)
    written_to: Path | None = None
    written_rows: int = 0

    @property
    def rows_accepted(self) -> int:
        return self.written_rows if self.written_to is not None else self.accepted.height

    def written(self, path: Path) -> "FileResult":
        """The accepted rows written to ``path`` (Parquet) and released from memory."""
        self.accepted.write_parquet(path)
        return replace(self, accepted=self.accepted.clear(), written_to=path, written_rows=self.accepted.height)

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
        }


def _map_headers(kind: Kind, headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Original header → canonical name; personal-data headers; ignored headers."""
    hm = header_map(kind)
    mapping: dict[str, str] = {}
    dropped: list[str] = []
    ignored: list[str] = []
    for h in headers:
        if h == RAGGED:
            continue
        n = norm_header(h)
        if n in PERSONAL_DATA_NORM:
            dropped.append(h)
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


def _typed(kind: Kind, raw: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """Typed columns, then the first row rule each row breaks as ``_reason`` (rules that look at
    one row only; duplicates and orphans are decided over the whole file, :func:`_validate`).

    The coercion runs once per column (phase 1, raw text kept under private names); the reasons
    then compare the typed value with the raw text (phase 2)."""
    by_name = {v: k for k, v in mapping.items()}
    raw_name = {col.name: f"__raw_{i}" for i, col in enumerate(kind.columns)}
    src_cols = [pl.col(by_name[c.name]).alias(raw_name[c.name]) if c.name in by_name
                else pl.lit(None, dtype=pl.String).alias(raw_name[c.name]) for c in kind.columns]
    extra = [pl.col(RAGGED)] if RAGGED in raw.columns else []
    df = raw.select(pl.col(ROW), *extra, *src_cols)
    typed, slow = [], []
    for col in kind.columns:
        raw_e = pl.col(raw_name[col.name])
        fast = coerce_fast(col, raw_e)
        val = coerce(col, raw_e) if fast is None else fast
        if fast is not None:
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

    reasons: list[tuple[pl.Expr, str]] = []
    if extra:
        reasons.append((pl.col(RAGGED), "字段数与表头不一致"))
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
    return df.select(pl.col(ROW), *(pl.col(c.name) for c in kind.columns), _when_chain(reasons).alias(REASON))


@dataclass(frozen=True)
class Opened:
    """A file opened for validation: its kind, known before any row is validated."""

    path: Path
    kind: Kind
    extract: Extract


def _first_line_headers(path: Path) -> list[str]:
    import csv

    with open(path, "rb") as fh:
        line = fh.readline(1 << 20)
    try:
        return next(csv.reader([decode_text(line, path)[0]]), [])
    except ExtractError:  # not decodable: no kind recognised, said by the caller
        return []


def open_file(path: Path | str, kind_name: str | None = None) -> Opened:
    """Open one file and recognise its kind (by its name, else its headers)."""
    path = Path(path)
    hint = KIND_BY_NAME[kind_name] if kind_name else kind_from_name(path)
    ext = open_extract(path, hint)
    kind = hint
    if kind is None:
        headers = _first_line_headers(path) if ext.fmt.startswith("csv") else next(ext.batches()).columns
        kind = kind_from_headers(headers)
    if kind is None:
        raise ExtractError(f"{path.name}: 无法识别提取文件类型（文件名与表头均不匹配任何类型）")
    return Opened(path, kind, ext)


def _columns(f: Opened, headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    mapping, dropped, ignored = _map_headers(f.kind, headers)
    missing = [c for c in f.kind.required if c not in mapping.values()]
    if missing:
        col = f.kind.column(missing[0])
        more = f" 等{len(missing)}列" if len(missing) > 1 else ""
        raise ExtractError(f"{f.path.name}: 缺少必填列「{label(col)}」({col.name}){more}（类型: {f.kind.label}）")
    return mapping, dropped, ignored


def _then(head: list[pl.DataFrame], rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """``head`` then ``rest``, each batch let go of as soon as it is handed on."""
    while head:
        yield head.pop(0)
    yield from rest


def _numbered(batches: Iterable[pl.DataFrame], dropped: list[str]) -> Iterator[pl.DataFrame]:
    """Raw batches without personal-data columns, rows numbered as lines of the file (header = 1)."""
    n = 0
    for raw in batches:
        yield raw.drop(dropped).with_row_index(ROW, offset=2 + n)
        n += raw.height


def _validate(f: Opened, ext: Extract, app_ids: pl.Series | None) -> FileResult:
    """Validate a file batch by batch. Each batch is typed and its rows checked on their own (then
    its raw text is released but for the rows quarantined); the rules that look across rows — the
    first valid row of each key is kept, a stage needs its application (``app_ids``) — are decided
    once over the file's typed rows. The raw text of rows quarantined by those is read again."""
    from getpower.intake.schemas import schema_for  # pandera is imported only when validating

    schema, names = schema_for(f.kind), [c.name for c in f.kind.columns]
    batches = ext.batches()
    first = next(batches)
    mapping, dropped, ignored = _columns(f, first.columns)
    text_schema = {c: pl.String for c in first.columns if c not in dropped and c != RAGGED}
    cands, bads, read = [], [], 0
    for raw in _numbered(_then([first], batches), dropped):
        first = None
        read += raw.height
        typed = _typed(f.kind, raw, mapping)
        bad = typed.filter(pl.col(REASON).is_not_null()).select(ROW, REASON)
        if bad.height:
            bads.append(bad.join(raw.drop(RAGGED, strict=False), on=ROW, how="left"))
        cand = typed.filter(pl.col(REASON).is_null()).drop(REASON)
        schema.validate(cand.select(names))  # a failure here is a bug in intake, not a bad row
        if f.kind.unique_key:  # hashed now, while the batch is one piece
            cand = cand.with_columns(key_hash(cand, list(f.kind.key)).alias(KEY_HASH))
        cands.append(cand)

    cand = pl.concat(cands, how="vertical", rechunk=False)
    late = []  # (row, reason) of rows that break a rule across rows: a duplicate key before an orphan
    if f.kind.unique_key:  # among the rows that pass every row rule, the first of each key is kept
        reason = R_DUPLICATE.format(label="+".join(label(f.kind.column(k)) for k in f.kind.key))
        dups = cand.filter(superseded(cand, list(f.kind.key), keep="first", hashes=cand[KEY_HASH]))
        late.append(dups.select(ROW, pl.lit(reason).alias(REASON)))
    if app_ids is not None:  # a stage whose application is absent or quarantined
        orphans = cand.select(ROW, "app_id").join(app_ids.to_frame("app_id"), on="app_id", how="anti")
        late.append(orphans.select(ROW, pl.lit(R_ORPHAN).alias(REASON)))
    late = pl.concat(late).unique(ROW, keep="first", maintain_order=True) if late else None
    accepted = cand
    if late is not None and late.height:
        accepted = cand.join(late.select(ROW), on=ROW, how="anti", maintain_order="left")
        rows = late[ROW].implode()
        texts = pl.concat([raw.filter(pl.col(ROW).is_in(rows)) for raw in _numbered(ext.batches(), dropped)])
        bads.append(late.join(texts.drop(RAGGED, strict=False), on=ROW, how="left"))
    q = pl.concat(bads, how="vertical_relaxed") if bads else pl.DataFrame(
        schema={ROW: pl.UInt32, REASON: pl.String, **text_schema})
    quarantined = q.select(pl.lit(f.path.name).alias(Q_FILE), pl.col(ROW).alias(Q_ROW), pl.col(REASON).alias(Q_REASON),
                           pl.exclude(ROW, REASON)).sort(Q_ROW)
    return FileResult(str(f.path), f.kind.name, ext.fmt, sha256_file(f.path), read, accepted.select(names),
                      quarantined, tuple(dropped), tuple(ignored))


def validate_file(f: Opened, app_ids: pl.Series | None = None) -> FileResult:
    """:func:`_validate` on the file as polars reads it, or, when it cannot (a CSV file in GBK, or
    with rows of the wrong width), on the file read another way."""
    return with_fallbacks(f.extract, lambda ext: _validate(f, ext, app_ids))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, folders expanded to their extract files (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".parquet") and not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return out


def validate_paths(paths: Iterable[Path | str], known_app_ids: pl.Series | None = None,
                   keep: Callable[[FileResult], FileResult] | None = None) -> list[FileResult]:
    """Validate files and folders of extracts as one batch (cross-file rules included).

    Every file is opened and recognised first (a missing column fails before any long work); then
    applications are validated first and stages last, against the applications accepted here or
    already known (``known_app_ids``). ``keep``: what to do with each result as soon as it is
    ready (the store writes its accepted rows to disk, so that one file's rows are in memory at a
    time). Results keep the files' order."""
    opened = [open_file(p) for p in expand_paths(paths)]
    rank = {"applications": 0, "stages": 2}
    order = sorted(range(len(opened)), key=lambda i: rank.get(opened[i].kind.name, 1))
    ids = [known_app_ids.cast(pl.String).rename("app_id")] if known_app_ids is not None else []
    results: dict[int, FileResult] = {}
    app_ids = None
    for i in order:
        f = opened[i]
        if f.kind.name == "stages" and app_ids is None:
            app_ids = pl.concat(ids).unique() if ids else pl.Series("app_id", [], pl.String)
        result = validate_file(f, app_ids if f.kind.name == "stages" else None)
        if f.kind.name == "applications":
            ids.append(result.accepted["app_id"])
        results[i] = keep(result) if keep else result
    return [results[i] for i in range(len(opened))]
