"""Validation of extracts against the data contract: kind recognition, header mapping, typed
coercion, row rules, cross-file rules, quarantine with reasons.

Every row read ends either accepted or quarantined with one reason (the first rule it breaks), so
``rows_read = rows_accepted + rows_quarantined`` holds for every file by construction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import polars as pl

from getpower.contract import (
    KIND_BY_NAME, KINDS, PERSONAL_DATA_NORM, Column, Kind, header_map, norm_header,
)
from getpower.intake.normalise import POLARS_TYPES, coerce, coerce_fast
from getpower.intake.read import RAGGED, ExtractError, read_any

ROW = "_row"
REASON = "_reason"
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
class Prepared:
    """A file read and typed, before batch rules: ``typed`` holds ``_row`` and ``_reason``."""

    path: Path
    kind: Kind
    fmt: str
    sha256: str
    raw: pl.DataFrame  # original headers (personal data dropped) + _row
    typed: pl.DataFrame
    dropped_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]


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

    @property
    def rows_accepted(self) -> int:
        return self.accepted.height

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
    """Typed columns, then the first broken rule of each row as ``_reason``.

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
    df = df.select(pl.col(ROW), *(pl.col(c.name) for c in kind.columns), _when_chain(reasons).alias(REASON))
    if kind.unique_key:
        key_label = "+".join(label(kind.column(k)) for k in kind.key)
        # among the rows that pass every other rule, the first of each key is kept
        dup = (pl.col(REASON).is_null() & ~pl.struct(kind.key).is_first_distinct().over(pl.col(REASON).is_null()))
        df = df.with_columns(
            pl.when(dup).then(pl.lit(R_DUPLICATE.format(label=key_label))).otherwise(pl.col(REASON)).alias(REASON))
    return df


def prepare(path: Path | str, kind_name: str | None = None) -> Prepared:
    """Read, recognise and type one file. Raises :class:`ExtractError` with a Chinese message."""
    path = Path(path)
    hint = KIND_BY_NAME[kind_name] if kind_name else kind_from_name(path)
    raw, fmt = read_any(path, hint)
    kind = hint or kind_from_headers(raw.columns)
    if kind is None:
        raise ExtractError(f"{path.name}: 无法识别提取文件类型（文件名与表头均不匹配任何类型）")
    mapping, dropped, ignored = _map_headers(kind, raw.columns)
    missing = [c for c in kind.required if c not in mapping.values()]
    if missing:
        col = kind.column(missing[0])
        more = f" 等{len(missing)}列" if len(missing) > 1 else ""
        raise ExtractError(f"{path.name}: 缺少必填列「{label(col)}」({col.name}){more}（类型: {kind.label}）")
    raw = raw.drop(dropped).with_row_index(ROW, offset=2)  # file line number: header is line 1
    typed = _typed(kind, raw, mapping)
    raw = raw.drop(RAGGED, strict=False)
    return Prepared(path, kind, fmt, sha256_file(path), raw, typed, tuple(dropped), tuple(ignored))


def orphan_rule(p: Prepared, app_ids: pl.Series) -> Prepared:
    """A stage whose application is absent (from this batch and the store) or quarantined is an orphan."""
    typed = p.typed.with_columns(
        pl.when(pl.col(REASON).is_null() & ~pl.col("app_id").is_in(app_ids.implode()))
        .then(pl.lit(R_ORPHAN)).otherwise(pl.col(REASON)).alias(REASON))
    return replace(p, typed=typed)


def finalize(p: Prepared) -> FileResult:
    ok = p.typed.filter(pl.col(REASON).is_null()).drop(ROW, REASON)
    bad = p.typed.filter(pl.col(REASON).is_not_null()).select(ROW, REASON)
    quarantined = (
        bad.join(p.raw, on=ROW, how="left")
        .select(pl.lit(p.path.name).alias(Q_FILE), pl.col(ROW).alias(Q_ROW), pl.col(REASON).alias(Q_REASON),
                pl.exclude(ROW, REASON))
        .sort(Q_ROW)
    )
    from getpower.intake.schemas import schema_for  # pandera is imported only when validating

    accepted = schema_for(p.kind).validate(ok)
    return FileResult(str(p.path), p.kind.name, p.fmt, p.sha256, p.raw.height, accepted, quarantined,
                      p.dropped_columns, p.ignored_columns)


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


def validate_paths(paths: Iterable[Path | str], known_app_ids: pl.Series | None = None) -> list[FileResult]:
    """Validate files and folders of extracts as one batch (cross-file rules included).

    Applications are validated first and stages last, so that each file's raw text is released as
    soon as it is done and only the accepted rows stay in memory. Results keep the files' order."""
    files = expand_paths(paths)
    rank = {"applications": 0, "stages": 2}
    order = sorted(range(len(files)), key=lambda i: rank.get(getattr(kind_from_name(files[i]), "name", ""), 1))
    results: dict[int, FileResult] = {}
    ids = [known_app_ids.cast(pl.String).rename("app_id")] if known_app_ids is not None else []
    stages: list[tuple[int, Prepared]] = []
    for i in order:
        p = prepare(files[i])
        if p.kind.name == "stages":
            stages.append((i, p))
            continue
        results[i] = finalize(p)
        if p.kind.name == "applications":
            ids.append(results[i].accepted["app_id"])
    app_ids = pl.concat(ids).unique() if ids else pl.Series("app_id", [], pl.String)
    for i, p in stages:
        results[i] = finalize(orphan_rule(p, app_ids))
    return [results[i] for i in range(len(files))]
