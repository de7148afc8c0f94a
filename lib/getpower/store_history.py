"""The store's history: list the versions, go back to one, check that every file is whole.

Every version's manifest carries the history of all versions before it (one entry each: when,
which files, rows added / replaced / quarantined / pending), so the log outlives the versions
that are pruned. A rollback does not move ``CURRENT`` backwards: it publishes a new version with
the older version's files (hard links), so that the rollback is itself in the log and can be
undone like any change.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import polars as pl

from getpower.intake.validate import sha256_file
from getpower.lock import hold_signals, interruptible, writer_lock
from getpower.store import (
    Store, StoreError, _fsync_dir, data_files, _fsync_dir_entry, _write_json, atomic_write_bytes, cache_suffix, prove,
)


@dataclass(frozen=True)
class LogLine:
    version: str
    created_at: str
    text: str  # what the version did, in Chinese
    current: bool
    kept: bool  # its files are still in the store (it can be rolled back to)


def log(store: Store) -> list[LogLine]:
    """One line per version, oldest first."""
    manifest = store.manifest()
    current = manifest.get("name")
    kept = {d.name for d in (store.root / "versions").glob("v*")} if (store.root / "versions").exists() else set()
    lines = []
    for e in manifest.get("history", []):
        if e.get("action") == "rollback":
            text = f"回滚到 {e['to']}"
        else:
            files = "、".join(f["name"] for f in e["files"])
            kinds = e.get("kinds", {}).values()
            text = (f"导入 {len(e['files'])} 个文件（{files}）：新增或更新 {sum(f['new'] for f in e['files'])} 行，"
                    f"替换已存 {sum(k['replaced'] for k in kinds)} 行，"
                    f"相同 {sum(f['unchanged'] for f in e['files'])} 行，"
                    f"隔离 {sum(f['rows_quarantined'] for f in e['files'])} 行，"
                    f"待匹配 {sum(f['pending'] for f in e['files'])} 行")
            held = sum(f.get("held", 0) for f in e["files"])
            text += f"，暂缓 {held} 行" if held else ""
        if e.get("by"):  # who: the dashboard user, or the account that ran the command
            text = f"{e['by']} {text}"
        lines.append(LogLine(e["version"], e["created_at"], text, e["version"] == current, e["version"] in kept))
    return lines


def log_text(store: Store) -> str:
    lines = log(store)
    if not lines:
        return f"数据仓库 {store.root} 没有版本"
    out = []
    for line in lines:
        mark = "*" if line.current else " "
        gone = "" if line.kept else "（文件已清理，不可回滚）"
        out.append(f"{mark} {line.version}  {line.created_at}  {line.text}{gone}")
    out.append("（* 当前版本）")
    return "\n".join(out)


def check_version(folder: Path) -> list[str]:
    """Problems of one version folder, each naming its file (none: every file is whole)."""
    problems = []
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{folder / 'manifest.json'}: 无法读取（{type(exc).__name__}）"]
    sums = manifest.get("checksums")  # by relative path (``stages/year=2023/city=…/….parquet``)
    names = sorted(sums) if sums is not None else data_files(folder)
    if sums is not None:  # a file the manifest does not list would be read with the others
        problems += [f"{folder / name}: 清单中没有此文件（不属于该版本）" for name in data_files(folder) if name not in sums]
    for name in names:
        path = folder / name
        if not path.exists():
            problems.append(f"{path}: 文件缺失")
            continue
        if sums is not None and sha256_file(path) != sums[name]:
            problems.append(f"{path}: 校验和不符（文件已被改动或损坏）")
            continue
        try:  # every column decoded: a damaged page is found too
            pl.scan_parquet(path).select(pl.all().null_count()).collect()
        except Exception as exc:
            problems.append(f"{path}: 无法读取（{type(exc).__name__}）")
    return problems


def check(store: Store) -> tuple[list[str], list[str]]:
    """(what was checked, problems) over ``CURRENT`` and every version kept."""
    checked, problems = [], []
    current = store.current
    if current is None:  # damaged only when versions were published (a first import interrupted leaves none)
        published = any((store.root / "versions").glob("v*"))
        return [], [f"{store.root / 'CURRENT'}: 缺失"] if published else []
    if not current.exists():
        problems.append(f"{store.root / 'CURRENT'}: 指向不存在的版本 {current.name}")
    for folder in sorted((store.root / "versions").glob("v*")):
        found = check_version(folder)
        problems += found
        mark = "（当前）" if folder == current else ""
        checked.append(f"{folder.name}{mark}: " + (f"{len(found)} 个问题" if found else "完好"))
    return checked, problems


def rollback(store: Store, target: str, on_wait: Callable[[], None] | None = None) -> str:
    """Publish a new version holding ``target``'s data; returns its name. Atomic as an ingest:
    an error or a signal before the switch leaves the current version."""
    with interruptible(), writer_lock(store.root, on_wait):
        store._recover()
        source = store.root / "versions" / target
        try:
            manifest = store.manifest()
        except StoreError:  # a damaged CURRENT: the rollback repairs it, after the newest version kept
            newest = max((d for d in (store.root / "versions").glob("v*") if (d / "manifest.json").exists()),
                         default=None)
            manifest = json.loads((newest / "manifest.json").read_text(encoding="utf-8")) if newest else \
                {"version": 0, "files": {}, "history": []}
            manifest["name"] = None
        if not target.startswith("v") or not source.is_dir():
            kept = ", ".join(sorted(d.name for d in (store.root / "versions").glob("v*"))) or "无"
            raise StoreError(f"版本 {target} 不在数据仓库中（已清理或从未存在）；可回滚的版本: {kept}")
        if manifest.get("name") == target:
            raise StoreError(f"{target} 已是当前版本")
        problems = check_version(source)
        if problems:
            raise StoreError(f"版本 {target} 已损坏，不能回滚到它: {problems[0]}")
        old = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        number = int(manifest["version"]) + 1
        name = f"v{number:06d}"
        now = datetime.now().isoformat(timespec="seconds")
        tmp = store.root / "versions" / f".tmp-{uuid.uuid4().hex}"
        made = [tmp]
        try:
            tmp.mkdir()
            for p in source.rglob("*"):  # either layout: the partitions' folders made as met
                if p.is_file() and p.name != "manifest.json":
                    (tmp / p.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
                    os.link(p, tmp / p.relative_to(source))
            checksums = old.get("checksums") or {name: sha256_file(tmp / name) for name in data_files(tmp)}
            entry = {"version": name, "created_at": now, "action": "rollback", "to": target}
            _write_json(tmp / "manifest.json", {
                **old, "version": number, "name": name, "created_at": now, "checksums": checksums,
                "files": manifest["files"], "history": [*manifest.get("history", []), entry]})
            _fsync_dir(tmp)
            prove(store.root, tmp, manifest.get("name"))
            hold_signals()  # from here the version is published: a signal waits till the end
            os.rename(tmp, store.root / "versions" / name)
            made[0] = store.root / "versions" / name
            atomic_write_bytes(store.root / "CURRENT", name.encode())
            _fsync_dir_entry(store.root)
        except BaseException:
            for p in made:
                shutil.rmtree(p, ignore_errors=True)
            raise
        store._prune()
        store.prune_cache(cache_suffix(old["fingerprint"]))
        return name
