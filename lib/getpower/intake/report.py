"""The validation report: Chinese text for people, JSON for programs, CSV of quarantined rows."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Iterable

from getpower.contract import KIND_BY_NAME
from getpower.intake.discover import NotRead
from getpower.intake.validate import FileResult

NAME_BYTES = 80  # the part of an input file's name kept in output file names (a file name is ≤ 255 bytes)


def to_json(results: Iterable[FileResult], not_read: Iterable[NotRead] = ()) -> str:
    return json.dumps({"files": [r.summary() for r in results], "not_read": [n.summary() for n in not_read]},
                      ensure_ascii=False, indent=1)


def short_name(name: str) -> str:
    """A short, unique, safe file-name stem for an input file named ``name`` (a path, or a member
    of an archive): its own stem cut to ``NAME_BYTES`` bytes, and a hash of the whole name, so
    that same-named files from two folders never share an output file.

    >>> short_name("2023/十月/报装工单.csv") != short_name("2023/十一月/报装工单.csv")
    True
    >>> len(short_name("长" * 200 + ".csv").encode()) <= 90
    True
    """
    stem = PurePosixPath(name.replace("\\", "/")).name.split(".")[0] or "file"
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    stem = stem.encode()[:NAME_BYTES].decode(errors="ignore")
    return f"{stem}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def quarantine_path(out_dir: Path, result: FileResult) -> Path:
    return Path(out_dir) / f"{short_name(result.file)}.quarantine.csv"


def write_quarantine(out_dir: Path, results: Iterable[FileResult]) -> list[Path]:
    """One CSV per file with quarantined rows (UTF-8 with BOM, opens in Excel, formulas neutralised)."""
    from getpower.store import atomic_write_frame

    written = []
    for r in results:
        if r.rows_quarantined:
            path = quarantine_path(out_dir, r)
            atomic_write_frame(path, r.quarantined, "csv")
            written.append(path)
    return written


def to_text(results: Iterable[FileResult], quarantine_dir: Path | None = None,
            not_read: Iterable[NotRead] = ()) -> str:
    lines = []
    tot = [0, 0, 0]
    results, not_read = list(results), list(not_read)
    for r in results:
        kind = KIND_BY_NAME[r.kind]
        lines.append(f"文件: {r.file}  类型: {kind.label}  格式: {r.fmt}")
        if r.notes:
            lines.append(f"  {'；'.join(r.notes)}")
        lines.append(f"  读取 {r.rows_read} 行 = 接收 {r.rows_accepted} 行 + 隔离 {r.rows_quarantined} 行")
        for reason, n in r.reasons.items():
            lines.append(f"  · {reason}: {n} 行")
        if r.dropped_columns:
            lines.append(f"  已删除个人信息列: {'、'.join(r.dropped_columns)}")
        if r.ignored_columns:
            lines.append(f"  未使用的列: {'、'.join(r.ignored_columns)}")
        if r.rows_quarantined and quarantine_dir is not None:
            lines.append(f"  隔离行明细: {quarantine_path(quarantine_dir, r)}")
        tot[0] += r.rows_read
        tot[1] += r.rows_accepted
        tot[2] += r.rows_quarantined
    for n in not_read:
        lines.append(f"未读取: {n.name} — {n.reason}")
    tail = f"；未读取 {len(not_read)} 个文件" if not_read else ""
    lines.append(f"合计 {len(results)} 个文件: 读取 {tot[0]} 行 = 接收 {tot[1]} 行 + 隔离 {tot[2]} 行{tail}")
    return "\n".join(lines)
