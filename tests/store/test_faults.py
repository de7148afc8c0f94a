"""Faults during an ingest: a full disk at each write, an error at each step, a corrupted file, a
read-only store, a version that cannot be computed. After each: no accepted row lost, no partial
version, the store computes, the report accounts for every row."""
import errno
import re
import shutil

import polars as pl
import pytest

from getpower.store import Store, StoreError, kind_files
from getpower.table import compute

from store_faults import Writes, leftovers, tree

from extracts import APPS, STAGES
from extracts import write_csv as _csv


def _stage_rows(app, day):
    return [f"{app},申请受理,2023-03-{day:02d} 09:00,2023-03-{day:02d} 10:00",
            f"{app},装表接电,2023-03-{day + 1:02d} 09:00,2023-03-{day + 2:02d} 10:00"]


@pytest.fixture
def base(tmp_path, monkeypatch):
    """A store at v000001 (two applications and their stages) and an upload that changes one,
    adds one and brings a stage whose application is not there yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    store = Store(tmp_path / "store")
    store.ingest([_csv(tmp_path / "u1" / "applications.csv", APPS, ["A1,杭州,居民,8,220V,网上国网,0",
                                                                    "A2,宁波,居民,8,220V,营业厅,0"]),
                  _csv(tmp_path / "u1" / "stages.csv", STAGES, _stage_rows("A1", 1) + _stage_rows("A2", 3))])
    up = tmp_path / "u2"
    _csv(up / "applications.csv", APPS, ["A1,杭州,居民,8,220V,浙里办,0", "A3,温州,居民,8,220V,微信,0", "A4,上海,居民,8,220V,微信,0"])
    _csv(up / "stages.csv", STAGES, _stage_rows("A3", 5) + _stage_rows("A9", 7))
    return store, up


EXPECTED = {"applications": ["A1", "A2", "A3"], "stages": ["A1", "A1", "A2", "A2", "A3", "A3"]}


def _content(store):
    return {k: sorted(store.read(k)["app_id"].to_list()) for k in ("applications", "stages")}


def _data(root):
    return {k: v for k, v in tree(root).items() if k == "CURRENT" or k.startswith("versions/")}


def _accounted(res):
    for r, o in zip(res.results, res.outcomes):
        assert r.rows_read == r.rows_accepted + r.rows_quarantined
        assert r.rows_accepted == o.new + o.unchanged + o.pending + o.superseded + o.held


def test_a_full_disk_at_each_write_commits_nothing_or_everything(base, tmp_path, monkeypatch):
    store, up = base
    template = tmp_path / "template"
    shutil.copytree(store.root, template)
    with monkeypatch.context() as m:
        counting = Writes(m, lambda path, n: False)
        store.ingest([up])
    total = counting.count
    assert total > 10
    failed = 0
    for k in range(1, total + 1):
        root = tmp_path / f"s{k}"
        shutil.copytree(template, root)
        before = _data(root)
        s = Store(root)
        with monkeypatch.context() as m:
            w = Writes(m, lambda path, n: n == k)
            try:
                res = s.ingest([up])
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                res = None
        assert leftovers(root) == [], (k, w.failed)
        if res is None:  # nothing committed: the previous version, byte for byte
            failed += 1
            assert _data(root) == before, (k, w.failed)
        else:  # a write that may fail (a cache, pruning): committed whole
            assert _content(s) == EXPECTED, (k, w.failed)
            _accounted(res)
        assert compute(root, "2023Q1").height > 0
        if res is None:
            res = s.ingest([up])  # and the upload gets in on the next try
            assert _content(s) == EXPECTED
    assert failed > total // 2, (failed, total)  # most writes are the version's: 28 of 34 here


@pytest.mark.parametrize("step", ["validated", "written", "proved", "publish"])
def test_an_error_at_each_step_leaves_the_previous_version(base, step):
    store, up = base
    before = _data(store.root)
    with pytest.raises(RuntimeError, match="simulated"):
        store.ingest([up], fail_after=step)
    assert _data(store.root) == before and leftovers(store.root) == []
    assert [d.name for d in (store.root / "uploads").iterdir()] != [] and \
        len(list((store.root / "uploads").iterdir())) == 1
    res = store.ingest([up])
    assert res.version == "v000002" and _content(store) == EXPECTED
    _accounted(res)


def test_a_version_that_cannot_be_computed_is_not_published(base, monkeypatch):
    store, up = base
    before = _data(store.root)

    def broken(*a, **k):
        raise ValueError("日历不包含 2027 年")

    monkeypatch.setattr("getpower.table.indicator_table", broken)
    with pytest.raises(StoreError, match="新版本无法计算，未发布（当前版本仍为 v000001）：日历不包含 2027 年"):
        store.ingest([up])
    assert _data(store.root) == before and leftovers(store.root) == []
    monkeypatch.undo()
    assert compute(store.root, "2023Q1").height > 0


def test_a_read_only_store_computes_without_writing(base, tmp_path, monkeypatch):
    store, _ = base
    shutil.rmtree(store.root / "cache")
    before = tree(store.root)
    with monkeypatch.context() as m:  # the tests run as root: chmod would not stop a write
        w = Writes(m, lambda path, n: path.startswith(str(store.root)), code=errno.EROFS)
        table = compute(store.root, "2023Q1")
        from getpower.table import cached_compute

        assert cached_compute(store.root, "2023Q1").equals(table)
    assert tree(store.root) == before and w.failed  # it tried, and wrote nothing
    assert list((tmp_path / "usercache" / "getpower").glob("*/records_*.arrow"))  # kept in the user's cache
    with monkeypatch.context() as m:  # nowhere to write at all: computed in memory
        shutil.rmtree(tmp_path / "usercache")
        Writes(m, lambda path, n: True, code=errno.EROFS)
        assert compute(store.root, "2023Q1").equals(table)


def test_a_corrupted_file_is_named(base):
    store, _ = base
    path = kind_files(store.current, "stages")[0]  # one partition's file
    path.write_bytes(path.read_bytes()[:-40])  # the footer cut off
    with pytest.raises(StoreError, match=re.escape(f"{path}: 文件已损坏")):
        compute(store.root, "2023Q1")


def test_a_damaged_cache_is_built_again(base):
    store, _ = base
    table = compute(store.root, "2023Q1")
    for f in (store.root / "cache").glob("records_*.arrow"):
        f.write_bytes(b"not arrow")
    assert compute(store.root, "2023Q1").equals(table)
    assert all(f.read_bytes() != b"not arrow" for f in (store.root / "cache").glob("records_*.arrow"))
