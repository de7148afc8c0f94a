"""The validation report: Chinese text for people, JSON for programs, CSV of quarantined rows."""
from __future__ import annotations

import json
from pathlib import Path

from getpower.contract import KIND_BY_NAME
from getpower.intake.validate import FileResult


def to_json(results: list[FileResult]) -> str:
    return json.dumps({"files": [r.summary() for r in results]}, ensure_ascii=False, indent=1)


def quarantine_path(out_dir: Path, result: FileResult) -> Path:
    return Path(out_dir) / f"{Path(result.file).stem}.quarantine.csv"


def write_quarantine(out_dir: Path, results: list[FileResult]) -> list[Path]:
    """One CSV per file with quarantined rows (UTF-8 with BOM, opens in Excel)."""
    from getpower.store import atomic_write_frame

    written = []
    for r in results:
        if r.rows_quarantined:
            path = quarantine_path(out_dir, r)
            atomic_write_frame(path, r.quarantined, "csv")
            written.append(path)
    return written


def to_text(results: list[FileResult], quarantine_dir: Path | None = None) -> str:
    lines = []
    tot = [0, 0, 0]
    for r in results:
        kind = KIND_BY_NAME[r.kind]
        lines.append(f"文件: {Path(r.file).name}  类型: {kind.label}（{r.kind}）  格式: {r.fmt}")
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
    lines.append(f"合计 {len(results)} 个文件: 读取 {tot[0]} 行 = 接收 {tot[1]} 行 + 隔离 {tot[2]} 行")
    return "\n".join(lines)
