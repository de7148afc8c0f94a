"""getpower watch: files dropped one by one and in a burst, a file still being written, a broken
file, restarts mid-way (nothing lost, nothing read twice), SIGTERM during an ingest. Bounded runs
(``once`` / ``timeout``) with a short settle time; small literal extracts."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from getpower.store import Store
from getpower.watch import STATE, Settle, WatchOptions, candidates, committed, stage, watch

APPS = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"
STAGES = "工单编号,环节名称,环节开始时间,环节结束时间"
A1 = "A1,杭州,居民,8,220V,网上国网,0"
S1 = ["A1,申请受理,2023-03-01 09:00,2023-03-01 10:00", "A1,装表接电,2023-03-02 09:00,2023-03-03 10:00"]
SETTLE = 0.2


def _csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def drop(tmp_path):
    d = tmp_path / "drop"
    d.mkdir()
    return d


@pytest.fixture
def opts(tmp_path):
    return WatchOptions(store=tmp_path / "store", reports=None, settle=SETTLE, warm=False)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != ".batch")


def _history(opts):
    return Store(opts.store).manifest()["history"]


def test_files_dropped_one_by_one_make_one_version_each(drop, opts):
    _csv(drop / "applications.csv", APPS, [A1])
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert (o.version, o.done, o.failed) == ("v000001", ("applications.csv",), ())
    _csv(drop / "stages.csv", STAGES, S1)
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert (o.version, o.done, o.periods) == ("v000002", ("stages.csv",), ("2023Q1",))
    assert _files(drop / "done") == ["v000001/applications.csv", "v000001/导入报告.txt",
                                     "v000002/stages.csv", "v000002/导入报告.txt"]
    assert candidates(drop) == [] and _files(drop / STATE) == [".lock"]
    assert "已更新到版本 v000002" in (drop / "done" / "v000002" / "导入报告.txt").read_text(encoding="utf-8")
    assert [e["batch"] for e in _history(opts)] == [p.read_text().strip() for p in
                                                     sorted((drop / "done").glob("*/.batch"))]
    assert (opts.store / "changes" / "v000002.md").exists() and (opts.store / "changes" / "v000002.json").exists()
    assert watch(drop, opts, once=True, log=lambda m: None) == []  # nothing waiting: nothing done


def test_a_burst_becomes_one_version_and_temporary_files_are_left_alone(drop, opts):
    _csv(drop / "1" / "applications.csv", APPS, [A1])
    _csv(drop / "1" / "stages.csv", STAGES, S1)
    for name in ("~$报装工单.xlsx", ".hidden.csv", "stages.csv.part"):
        (drop / name).write_text("x", encoding="utf-8")
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert o.version == "v000001" and sorted(o.done) == ["1/applications.csv", "1/stages.csv"]
    assert len(_history(opts)) == 1 and Store(opts.store).read("stages").height == 2
    assert sorted(p.name for p in drop.iterdir()) == [".getpower-watch", ".hidden.csv", "done", "failed",
                                                      "stages.csv.part", "~$报装工单.xlsx"]  # folder 1 emptied, gone


def test_the_same_file_again_changes_nothing_and_is_kept_apart(drop, opts):
    _csv(drop / "applications.csv", APPS, [A1])
    watch(drop, opts, once=True, log=lambda m: None)
    _csv(drop / "applications.csv", APPS, [A1])
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert o.version is None and o.done == ("applications.csv",)
    assert _files(drop / "done") == ["unchanged-" + o.batch + "/applications.csv",
                                     "unchanged-" + o.batch + "/导入报告.txt",
                                     "v000001/applications.csv", "v000001/导入报告.txt"]


def test_a_file_still_being_written_is_read_once_it_is_whole(drop, opts):
    import dataclasses

    opts = dataclasses.replace(opts, settle=1.0)  # far above the writer's pauses, even on a loaded machine
    path = drop / "applications.csv"
    path.write_text(APPS + "\n", encoding="utf-8")
    rows = [f"A{i},杭州,居民,8,220V,网上国网,0" for i in range(12)]

    def writer():  # a row every 0.05 s: never still for 1 s until the end
        for r in rows:
            time.sleep(0.05)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(r + "\n")

    t = threading.Thread(target=writer)
    t.start()
    try:
        outcomes = watch(drop, opts, once=True, timeout=10, log=lambda m: None)
    finally:
        t.join()
    assert [o.version for o in outcomes] == ["v000001"]
    assert Store(opts.store).read("applications").height == 12


@pytest.mark.parametrize("rel, ignored", [
    ("applications.csv", False), ("2023年11月/报装工单.xlsx", False), ("done/v000001/a.csv", True),
    ("failed/b/a.csv", True), (".getpower-watch/b/a.csv", True), (".hidden.csv", True), ("sub/.x/a.csv", True),
    ("~$报装工单.xlsx", True), ("环节记录.csv.part", True), ("a.CRDOWNLOAD", True), ("Thumbs.db", True),
    ("sub/done/a.csv", False),  # only the drop folder's own done/ is set aside
])
def test_what_is_left_alone(drop, rel, ignored):
    (drop / rel).parent.mkdir(parents=True, exist_ok=True)
    (drop / rel).write_text("x", encoding="utf-8")
    assert candidates(drop) == ([] if ignored else [drop / rel])


@pytest.mark.parametrize("events, at, expected", [
    # (time, {file: size}) observations; the batch ready at time `at` (settle 1 s, max wait 5 s)
    ([(0, {"a": 1})], 0.5, []),  # not yet still for 1 s
    ([(0, {"a": 1})], 1.0, ["a"]),
    ([(0, {"a": 1}), (0.8, {"a": 2})], 1.5, []),  # grew at 0.8: still for 0.7 s only
    ([(0, {"a": 1, "b": 1}), (0.8, {"a": 1, "b": 2})], 1.5, []),  # a is still, b is not: a waits for b
    ([(0, {"a": 1, "b": 1}), (0.8, {"a": 1, "b": 2})], 1.8, ["a", "b"]),  # both still: one batch
    ([(0, {"a": 1, "b": 1}), (1.0, {"a": 1, "b": 2}), (2, {"a": 1, "b": 3}), (3, {"a": 1, "b": 4}),
      (4, {"a": 1, "b": 5}), (5, {"a": 1, "b": 6}), (6, {"a": 1, "b": 7})], 6.0, ["a"]),  # a waited 5 s for b
])
def test_settle(tmp_path, events, at, expected):
    now = [0.0]
    s = Settle(1.0, clock=lambda: now[0])
    for t, sizes in events:
        now[0] = t
        for name, size in sizes.items():
            (tmp_path / name).write_bytes(b"x" * size)
            os.utime(tmp_path / name, ns=(0, 0))  # only the size tells a change here
        s.update([tmp_path / n for n in sizes])
        s.ready(5.0)
    now[0] = at
    assert [p.name for p in s.ready(5.0)] == expected


def test_a_broken_file_goes_to_failed_with_its_report_and_the_rest_is_read(drop, opts):
    _csv(drop / "applications.csv", APPS, [A1])
    (drop / "extract.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    (drop / "notes.csv").write_text("随便写的一行\n", encoding="utf-8")
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert o.version == "v000001" and o.done == ("applications.csv",)
    assert sorted(o.failed) == ["extract.zip", "notes.csv"]
    failed = drop / "failed" / o.batch
    assert _files(failed) == ["extract.zip", "extract.zip.报告.txt", "notes.csv", "notes.csv.报告.txt"]
    report = (failed / "extract.zip.报告.txt").read_text(encoding="utf-8")
    assert "zip 文件损坏" in report and "（当前版本 v000001）" in report
    assert (failed / "extract.zip").read_bytes() == b"PK\x03\x04 not a zip at all"  # kept as it came


def test_a_batch_of_broken_files_only_stores_nothing(drop, opts):
    (drop / "extract.zip").write_bytes(b"PK\x03\x04 broken")
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert o.version is None and o.failed == ("extract.zip",) and not Store(opts.store).exists()
    assert "没有可读取的提取文件" in (drop / "failed" / o.batch / "extract.zip.报告.txt").read_text(encoding="utf-8")


def test_a_restart_after_staging_reads_the_batch(drop, opts):
    staged = stage(drop, [_csv(drop / "applications.csv", APPS, [A1])])  # then the watcher died
    assert candidates(drop) == []
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert (o.batch, o.version, o.resumed) == (staged.name, "v000001", False)
    assert _files(drop / "done") == ["v000001/applications.csv", "v000001/导入报告.txt"]


def test_a_restart_after_the_commit_moves_the_files_without_reading_them_again(drop, opts):
    staged = stage(drop, [_csv(drop / "applications.csv", APPS, [A1]), _csv(drop / "stages.csv", STAGES, S1)])
    Store(opts.store).ingest(sorted(staged.iterdir()), batch=staged.name)  # committed, then the watcher died
    (drop / STATE / "post-v000001.json").write_text(json.dumps({"version": "v000001"}), encoding="utf-8")
    assert committed(Store(opts.store), staged.name)["version"] == "v000001"
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert (o.version, o.resumed, sorted(o.done)) == ("v000001", True, ["applications.csv", "stages.csv"])
    assert len(_history(opts)) == 1 and len(list((opts.store / "uploads").iterdir())) == 1  # read once
    assert "重启后完成" in (drop / "done" / "v000001" / "导入报告.txt").read_text(encoding="utf-8")
    assert (opts.store / "changes" / "v000001.md").exists() and [p.name for p in (drop / STATE).iterdir()] == [".lock"]


def _watch_process(drop, store, fault=None):
    env = {**os.environ, "GETPOWER_FAULT": fault} if fault else {**os.environ}
    return subprocess.run([sys.executable, "-m", "getpower", "watch", str(drop), "--store", str(store), "--once",
                           "--settle", str(SETTLE), "--no-scorecards", "--no-warm"],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fault, stored", [
    ("proved:SIGTERM", None),  # before publishing: rolled back, the batch read again after the restart
    ("publish:SIGTERM", "v000001"),  # while publishing: the version completes, then the watcher stops
])
def test_sigterm_during_an_ingest_then_a_restart(tmp_path, drop, fault, stored):
    store = tmp_path / "store"
    _csv(drop / "applications.csv", APPS, [A1])
    first = _watch_process(drop, store, fault)
    assert first.returncode == 130, first.stderr
    assert "监测已停止" in first.stderr
    assert Store(store).manifest().get("name") == stored
    assert len(list((drop / STATE).iterdir())) == 2 and candidates(drop) == []  # staged, not lost
    second = _watch_process(drop, store)
    assert second.returncode == 0, second.stderr
    assert Store(store).manifest()["name"] == "v000001" and len(Store(store).manifest()["history"]) == 1
    assert _files(drop / "done") == ["v000001/applications.csv", "v000001/导入报告.txt"]
    assert [p.name for p in (drop / STATE).iterdir()] == [".lock"]


@pytest.mark.parametrize("poll", [False, True])
def test_the_watcher_takes_a_file_dropped_while_it_runs(drop, opts, poll):
    import dataclasses

    opts = dataclasses.replace(opts, poll=poll)
    def later():
        time.sleep(0.3)
        _csv(drop / "applications.csv", APPS, [A1])

    stop = threading.Event()
    t = threading.Thread(target=later)
    t.start()
    seen = []

    def log(message):
        seen.append(message)
        if "新版本" in message:
            stop.set()

    outcomes = watch(drop, opts, stop_event=stop, timeout=20, log=log)
    t.join()
    assert [o.version for o in outcomes] == ["v000001"] and stop.is_set()


def test_one_watcher_per_drop_folder(drop, opts):
    from getpower.intake.read import ExtractError
    from getpower.lock import writer_lock

    _csv(drop / "applications.csv", APPS, [A1])
    with writer_lock(drop / STATE):  # another watcher at work
        with pytest.raises(ExtractError, match="另一个监测进程正在处理"):
            watch(drop, opts, once=True, log=lambda m: None)
    assert candidates(drop) == [drop / "applications.csv"]  # untouched
    with pytest.raises(ExtractError, match="监测文件夹不存在"):
        watch(drop / "nowhere", opts, once=True)


@pytest.mark.parametrize("existing, expected", [
    ([], ["2023Q2"]),  # the latest affected quarter only
    (["2023Q1"], ["2023Q1", "2023Q2"]),  # and an affected quarter whose scorecards exist already
    (["2022Q4"], ["2023Q2"]),  # scorecards of a quarter the version did not affect are left as they are
])
def test_after_a_new_version_the_affected_scorecards_and_the_dashboards(drop, tmp_path, monkeypatch, existing,
                                                                        expected):
    import getpower.present.dashboard as dashboard
    import getpower.reports as reports
    from getpower.reports import Outcome

    made, warmed = [], []
    monkeypatch.setattr(reports, "scorecards", lambda store, period, **kw: made.append((period, kw["pdf"])) or
                        [Outcome("杭州", True)])
    monkeypatch.setattr(dashboard, "warm", lambda store: warmed.append(store))
    opts = WatchOptions(store=tmp_path / "store", reports=tmp_path / "reports", settle=SETTLE, pdf=False)
    for p in existing:
        (tmp_path / "reports" / p).mkdir(parents=True)
        (tmp_path / "reports" / p / "index.html").write_text("", encoding="utf-8")
    _csv(drop / "applications.csv", APPS, [A1])
    _csv(drop / "stages.csv", STAGES, S1)
    watch(drop, opts, once=True, log=lambda m: None)
    made.clear()
    _csv(drop / "applications.csv", APPS, [A1, "A2,宁波,居民,8,220V,网上国网,0"])
    _csv(drop / "stages.csv", STAGES, [S1[0], "A1,装表接电,2023-03-02 09:00,2023-03-12 10:00",
                                       "A2,申请受理,2023-05-01 09:00,2023-05-01 10:00",
                                       "A2,装表接电,2023-05-02 09:00,2023-05-03 10:00"])
    [o] = watch(drop, opts, once=True, log=lambda m: None)
    assert o.version == "v000002" and o.periods == ("2023Q1", "2023Q2")
    assert made == [(p, False) for p in expected]
    assert warmed == [opts.store, opts.store]  # after each version


def test_a_failing_scorecard_run_or_change_report_is_logged_and_the_watcher_goes_on(drop, tmp_path, monkeypatch):
    import getpower.changes as changes
    import getpower.reports as reports

    def broken(*a, **kw):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(reports, "scorecards", broken)
    opts = WatchOptions(store=tmp_path / "store", reports=tmp_path / "reports", settle=SETTLE, warm=False)
    _csv(drop / "applications.csv", APPS, [A1])
    _csv(drop / "stages.csv", STAGES, S1)
    seen = []
    [o] = watch(drop, opts, once=True, log=seen.append)
    assert o.version == "v000001" and any("2023Q1 评分卡未生成（磁盘已满）" in m for m in seen)
    monkeypatch.setattr(changes, "compare", broken)
    _csv(drop / "applications.csv", APPS, ["A2,宁波,居民,8,220V,网上国网,0"])
    [o] = watch(drop, opts, once=True, log=seen.append)
    assert o.version == "v000002" and seen[-1] == "v000002: 变化报告未生成（磁盘已满）"
    assert [p.name for p in (drop / STATE).iterdir()] == [".lock"]  # nothing owed is retried forever


def test_sigterm_stops_a_watcher_that_is_waiting(tmp_path, drop):
    import signal

    p = subprocess.Popen([sys.executable, "-m", "getpower", "watch", str(drop), "--store", str(tmp_path / "store"),
                          "--settle", str(SETTLE), "--no-scorecards", "--no-warm"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "监测" in p.stdout.readline()  # started: watching
        _csv(drop / "applications.csv", APPS, [A1])
        deadline = time.monotonic() + 60
        while not (drop / "done" / "v000001" / "applications.csv").exists():
            assert time.monotonic() < deadline and p.poll() is None
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == 130 and "监测已停止" in err
    assert Store(tmp_path / "store").manifest()["name"] == "v000001"
