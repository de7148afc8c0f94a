"""Hands-free monitoring (无感监测): ``getpower watch DROP_DIR`` takes new extracts from a drop folder.

A file is taken once it has stopped changing for ``settle`` seconds; the files that are stable
together (none of the others still being written) are one *batch*, ingested as one upload (one new
version, or none when nothing changed). After a new version the change report is written
(:mod:`getpower.changes`), the scorecards of the affected periods are regenerated, and the
dashboards' tables and pictures are computed for the new data (pages read by data fingerprint,
so the next visit shows it).

Layout of the drop folder::

    DROP/<files>                       arrivals (any sub-folder; hidden, Office lock and
                                       part-downloaded files are left alone)
    DROP/.getpower-watch/<batch>/      a batch being ingested (moved here first, so nothing that
                                       arrives meanwhile is mixed into it)
    DROP/.getpower-watch/post-<v>.json a version whose report and scorecards are still to make
    DROP/done/<version>/               files read into that version, and 导入报告.txt
    DROP/done/unchanged-<batch>/       files read that changed nothing
    DROP/failed/<batch>/<file>         a file that was not read, with <file>.报告.txt beside it

Nothing is lost or read twice: a batch is moved out of the drop folder before it is read, the
store records the batch id with its upload, and a restarted watcher finishes every batch left in
``.getpower-watch/`` (read again only if the store never committed it). SIGINT and SIGTERM stop
the watcher (:func:`getpower.lock.interruptible`): an ingest under way is rolled back, or, once it
is publishing, completes first.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from threading import Event
from typing import Callable

from getpower.lock import interruptible

STATE = ".getpower-watch"
DONE = "done"
FAILED = "failed"
# names of files still being downloaded or saved by common tools: never taken, whatever their age
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".filepart", ".tmp", ".swp")


@dataclass(frozen=True)
class WatchOptions:
    """What the watcher does with a new version.

    ``reports``: where scorecards are regenerated (None: none). ``settle``: seconds a file must
    stay unchanged before it is read. ``max_wait``: seconds stable files wait for others still
    being written before they are read without them."""

    store: Path
    reports: Path | None = Path("reports")
    settle: float = 10.0
    max_wait: float = 600.0
    pdf: bool = True
    jobs: int = 2
    warm: bool = True  # compute the dashboards' tables and pictures of the new data
    poll: bool = False  # watchfiles polls the folder (a network share sends no notifications)


@dataclass(frozen=True)
class BatchOutcome:
    batch: str
    version: str | None  # the new version; None when nothing changed or nothing was read
    done: tuple[str, ...] = ()  # paths (relative to the drop folder) read
    failed: tuple[str, ...] = ()  # paths not read, moved to failed/
    periods: tuple[str, ...] = ()  # affected periods (from the change report)
    resumed: bool = False  # finished after a restart, without reading the batch again
    message: str = ""


# --- what is waiting ------------------------------------------------------------------------------
def _ignored(rel: Path) -> bool:
    if not rel.parts:  # the drop folder itself (a polling watcher reports it): a change there wakes us
        return False
    top = rel.parts[0]
    name = rel.name
    return (top in (DONE, FAILED, STATE) or any(p.startswith(".") for p in rel.parts) or name.startswith("~$")
            or name.lower().endswith(PARTIAL_SUFFIXES) or name in ("Thumbs.db", "desktop.ini"))


def candidates(drop: Path) -> list[Path]:
    """The files waiting in the drop folder, by path."""
    out = []
    for dirpath, dirnames, filenames in os.walk(drop):
        rel_dir = Path(dirpath).relative_to(drop)
        dirnames[:] = [d for d in dirnames if not _ignored(rel_dir / d)]
        for f in filenames:
            if not _ignored(rel_dir / f):
                out.append(Path(dirpath) / f)
    return sorted(out)


class Settle:
    """When each waiting file last changed (size or modification time), by a monotonic clock."""

    def __init__(self, settle: float, clock: Callable[[], float] = time.monotonic):
        self.settle = settle
        self.clock = clock
        self._sig: dict[Path, tuple[int, int]] = {}
        self._changed: dict[Path, float] = {}
        self._stable_since: dict[Path, float] = {}

    def update(self, paths: list[Path]) -> None:
        now = self.clock()
        seen = set()
        for p in paths:
            try:
                st = p.stat()
            except OSError:  # gone meanwhile
                continue
            seen.add(p)
            sig = (st.st_size, st.st_mtime_ns)
            if self._sig.get(p) != sig:
                self._sig[p], self._changed[p] = sig, now
                self._stable_since.pop(p, None)
        for p in set(self._sig) - seen:
            self.forget([p])

    def forget(self, paths) -> None:
        for p in paths:
            self._sig.pop(p, None)
            self._changed.pop(p, None)
            self._stable_since.pop(p, None)

    @property
    def waiting(self) -> bool:
        return bool(self._sig)

    def ready(self, max_wait: float) -> list[Path]:
        """The batch to read now: every stable file when none is still changing; the stable ones
        alone once they have waited ``max_wait`` for the others."""
        now = self.clock()
        stable = [p for p in self._sig if now - self._changed[p] >= self.settle]
        for p in stable:
            self._stable_since.setdefault(p, now)
        if not stable:
            return []
        if len(stable) == len(self._sig) or now - min(self._stable_since[p] for p in stable) >= max_wait:
            return sorted(stable)
        return []


# --- one batch ------------------------------------------------------------------------------------
def new_batch_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def stage(drop: Path, files: list[Path], batch: str | None = None) -> Path | None:
    """Move ``files`` into a new batch folder (same relative paths); None when none was left."""
    staging = drop / STATE / (batch or new_batch_id())
    moved = 0
    for f in files:
        target = staging / f.relative_to(drop)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(f, target)
            moved += 1
        except FileNotFoundError:  # taken away meanwhile
            continue
    for f in files:  # sub-folders the batch emptied go too (the drop folder itself stays)
        for parent in f.parents:
            if parent == drop or drop not in parent.parents:
                break
            try:
                parent.rmdir()
            except OSError:  # not empty: something else arrived there
                break
    if not moved:
        shutil.rmtree(staging, ignore_errors=True)
        return None
    return staging


def committed(store, batch: str) -> dict | None:
    """The report of the upload the store committed for ``batch``, or None (never committed, or
    left by a writer that died before switching ``CURRENT``: that one is not committed)."""
    uploads = store.root / "uploads"
    current = store.manifest().get("name") if store.exists() else None
    for rep in sorted(uploads.glob("*/report.json")) if uploads.exists() else []:
        if rep.parent.name.startswith(".tmp-"):
            continue
        try:
            data = json.loads(rep.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("batch") == batch:
            version = data.get("version")
            if version is None or (current is not None and version <= current):
                return data | {"upload": rep.parent.name}
    return None


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


def _refers(name: str, shown: str) -> bool:
    return name == shown or name.startswith(shown + "/")


def _move(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)


def _write_text(path: Path, text: str) -> None:
    from getpower.store import atomic_write_bytes

    atomic_write_bytes(path, text.encode("utf-8"))


def _fail_files(drop: Path, staging: Path, reasons: dict[Path, list[str]], batch: str, store) -> list[str]:
    out = []
    current = store.manifest().get("name") if store.exists() else None
    for f, why in reasons.items():
        rel = f.relative_to(staging)
        dest = drop / FAILED / batch / rel
        _write_text(dest.with_name(dest.name + ".报告.txt"),
                    f"文件: {rel}\n批次: {batch}\n时间: {dt.datetime.now().isoformat(timespec='seconds')}\n"
                    f"结果: 未读取，此文件的数据未导入数据仓库 {store.root}（当前版本 {current or '无'}）\n原因:\n"
                    + "".join(f"  - {w}\n" for w in why)
                    + "处理: 修正后重新放入监测文件夹即可（重新读取）\n")
        _move(f, dest)
        out.append(str(rel))
    return out


def finish(drop: Path, staging: Path, opts: WatchOptions, log: Callable[[str], None] = print) -> BatchOutcome:
    """Read one staged batch (unless the store committed it already), move its files to done/ or
    failed/, then write the change report and regenerate what the new version affects."""
    from getpower.access import account
    from getpower.intake.discover import shown_name
    from getpower.store import Store

    store = Store(opts.store)
    batch = staging.name
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    report = committed(store, batch)
    resumed = report is not None
    text = None
    if report is None:
        if not files:
            shutil.rmtree(staging, ignore_errors=True)
            return BatchOutcome(batch, None, message="空批次")
        log(f"批次 {batch}: 读取 {len(files)} 个文件（{'、'.join(str(f.relative_to(staging)) for f in files)}）")
        try:
            res = store.ingest(files, by=account("自动监测"), batch=batch,
                               on_wait=lambda: log(f"数据仓库 {store.root} 正被另一个导入使用，等待其完成…"))
        except KeyboardInterrupt:  # the ingest was rolled back; the batch stays staged for a restart
            raise
        except Exception as exc:  # nothing stored: every file of the batch fails with the reason
            why = _first_line(exc)
            failed = _fail_files(drop, staging, {f: [why] for f in files}, batch, store)
            shutil.rmtree(staging, ignore_errors=True)
            log(f"批次 {batch}: 未导入（{why}）；文件已移到 {drop / FAILED / batch}")
            return BatchOutcome(batch, None, failed=tuple(failed), message=why)
        from getpower.cli import ingest_text

        text = ingest_text(store, res)
        report = json.loads((res.upload_dir / "report.json").read_text(encoding="utf-8")) | {
            "upload": res.upload_dir.name}
    read_names = [f["file"] for f in report.get("files", [])]
    not_read = report.get("not_read", [])
    done, reasons = [], {}
    for f in files:
        shown = shown_name(f)
        if any(_refers(n, shown) for n in read_names):
            done.append(f)
        else:
            reasons[f] = [n["reason"] for n in not_read if _refers(n["file"], shown)] or ["未读取"]
    version = report.get("version")
    dest = drop / DONE / (version or f"unchanged-{batch}")
    marker = dest / ".batch"
    if dest.exists() and (not marker.exists() or marker.read_text(encoding="utf-8").strip() != batch):
        dest = drop / DONE / f"{version}-{batch}"  # a store made anew reuses version names
    if done:
        dest.mkdir(parents=True, exist_ok=True)
        _write_text(marker, batch)
        if text is None:
            text = (f"（监测重启后完成）该批次已于上次运行导入：版本 {version or '未变化'}，"
                    f"上传报告 {store.root / 'uploads' / report['upload'] / 'report.json'}\n")
        _write_text(dest / "导入报告.txt", text + "\n")
        for f in done:
            _move(f, dest / f.relative_to(staging))
    failed = _fail_files(drop, staging, reasons, batch, store)
    if version:  # the version's report and scorecards are owed until made, whatever happens next
        _write_text(drop / STATE / f"post-{version}.json", json.dumps({"version": version, "batch": batch}))
    shutil.rmtree(staging, ignore_errors=True)
    read = [str(f.relative_to(staging)) for f in done]
    log(f"批次 {batch}: " + (f"新版本 {version}" if version else "数据未变化（内容与已存记录相同）")
        + (f"，已读取 {len(read)} 个文件 → {dest}" if read else "")
        + (f"；{len(failed)} 个文件未读取 → {drop / FAILED / batch}" if failed else ""))
    periods: tuple[str, ...] = ()
    if version:
        periods = after_version(drop, version, opts, log)
    return BatchOutcome(batch, version, tuple(read), tuple(failed), periods, resumed)


def after_version(drop: Path, version: str, opts: WatchOptions, log: Callable[[str], None] = print) -> tuple[str, ...]:
    """The change report of ``version``; the scorecards of the affected periods that have
    scorecards already and of the latest quarter; the dashboards' tables and pictures."""
    from getpower import changes
    from getpower.store import Store

    store = Store(opts.store)
    record = drop / STATE / f"post-{version}.json"
    periods: tuple[str, ...] = ()
    try:
        c = changes.compare(store, None, version)
        md = changes.write(store, c)
        periods = c.periods
        log(f"{version}: 变化报告 {md}（受影响期间 {'、'.join(periods) or '无'}；达标状态变化 {len(c.flips)} 项）")
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the version stands; only its report is missing (said in the log)
        log(f"{version}: 变化报告未生成（{_first_line(exc)}）")
    if opts.reports is not None and periods and store.manifest().get("name") == version:
        from getpower.reports import scorecards

        latest = periods[-1]
        todo = [p for p in periods if p == latest or (Path(opts.reports) / p / "index.html").exists()]
        for p in todo:
            log(f"{version}: 重新生成 {p} 评分卡…")
            try:
                outcomes = scorecards(store.root, p, out=opts.reports, jobs=opts.jobs, pdf=opts.pdf,
                                      progress=lambda m: None)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # logged, never a crash a restart would repeat forever
                log(f"{version}: {p} 评分卡未生成（{_first_line(exc)}）")
                continue
            bad = [o for o in outcomes if not o.ok]
            log(f"{version}: {p} 评分卡 {len(outcomes) - len(bad)}/{len(outcomes)} 份已生成"
                + "".join(f"；失败 {o.name}: {o.message}" for o in bad))
    if opts.warm and store.manifest().get("name") == version:
        try:
            from getpower.present import dashboard
        except ImportError:  # the dashboards are not installed here
            pass
        else:
            try:
                dashboard.warm(store.root)
                log(f"{version}: 看板的指标表与图已按新数据计算")
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # the pages compute on their first visit instead
                log(f"{version}: 看板预计算未完成（{_first_line(exc)}），页面将在首次访问时计算")
    record.unlink(missing_ok=True)
    return periods


def resume(drop: Path, opts: WatchOptions, log: Callable[[str], None] = print) -> list[BatchOutcome]:
    """Finish what a stopped watcher left: staged batches, then owed reports and scorecards."""
    out = []
    state = drop / STATE
    for staging in sorted(d for d in state.iterdir() if d.is_dir()) if state.exists() else []:
        log(f"继续上次未完成的批次 {staging.name}")
        out.append(finish(drop, staging, opts, log))
    for record in sorted(state.glob("post-*.json")) if state.exists() else []:
        version = json.loads(record.read_text(encoding="utf-8"))["version"]
        log(f"继续生成 {version} 的变化报告与评分卡")
        after_version(drop, version, opts, log)
    return out


# --- the watcher ----------------------------------------------------------------------------------
def watch(drop: Path | str, opts: WatchOptions, *, once: bool = False, stop_event: Event | None = None,
          timeout: float | None = None, log: Callable[[str], None] = print) -> list[BatchOutcome]:
    """Watch ``drop`` and take each batch as it settles. ``once``: take what is there (waiting for
    it to settle), then return (a cron job). ``stop_event`` / ``timeout`` (seconds): return when
    set / elapsed (tests, an embedding service). SIGINT and SIGTERM raise
    :class:`getpower.lock.Interrupted` (a KeyboardInterrupt) after rolling back an ingest under way."""
    import watchfiles

    from getpower.intake.read import ExtractError
    from getpower.lock import writer_lock

    drop = Path(drop)
    if not drop.is_dir():
        raise ExtractError(f"监测文件夹不存在: {drop}")
    for d in (DONE, FAILED, STATE):
        (drop / d).mkdir(exist_ok=True)

    def busy():  # one watcher per drop folder (a cron run while the last one still works stops here)
        raise ExtractError(f"另一个监测进程正在处理 {drop}（{drop / STATE / '.lock'}）")
    outcomes: list[BatchOutcome] = []
    tick_ms = int(max(0.05, min(opts.settle / 4, 1.0)) * 1000)
    deadline = time.monotonic() + timeout if timeout is not None else None
    stop = stop_event or Event()

    def relevant(_change, path: str) -> bool:
        try:
            return not _ignored(Path(path).relative_to(drop.resolve()))
        except ValueError:
            return True

    with interruptible(), writer_lock(drop / STATE, on_wait=busy):
        outcomes += resume(drop, opts, log)
        tracker = Settle(opts.settle)
        tracker.update(candidates(drop))
        if once and not tracker.waiting:
            return outcomes
        for events in watchfiles.watch(drop.resolve(), watch_filter=relevant, stop_event=stop, rust_timeout=tick_ms,
                                       yield_on_timeout=True, debounce=max(100, tick_ms), step=50,
                                       force_polling=opts.poll or None):
            if events or tracker.waiting:  # woken by a change, or files waiting to settle
                tracker.update(candidates(drop))
                batch = tracker.ready(opts.max_wait)
                if batch:
                    tracker.forget(batch)
                    staging = stage(drop, batch)
                    if staging is not None:
                        outcomes.append(finish(drop, staging, opts, log))
                    tracker.update(candidates(drop))
            if once and not tracker.waiting:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
    return outcomes
