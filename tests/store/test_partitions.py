"""The store laid out by year and city (docs/scale.md, "Partitions: year × city"): where each record
goes, a version written before the layout still read and rolled back to, every partition file
checked, untouched partitions linked, and one city's partitions giving the whole store's rows."""
import json
import os
from urllib.parse import quote

import polars as pl
import pytest

from getpower import params
from getpower.store import Store, _fingerprint, data_files, kind_files, scan_kind
from getpower.store_history import check, rollback
from getpower.currency import DataRangeError
from getpower.table import cached_compute, compute, partition_table

from extracts import APPS, STAGES
from extracts import write_csv as _csv

OUTAGES = "停电事件编号,地市,区域类型,停电性质,停电开始时间,恢复送电时间,停电户数"
BASE = "地市,区域类型,统计日期,用户总数"


def _part(kind: str, year: int, city: str) -> str:
    return f"{kind}/year={year}/city={quote(city)}"


def _parts(store: Store, kind: str) -> dict[str, list]:
    """Partition folder (relative) → the key column's values stored there."""
    key = {"applications": "app_id", "stages": "app_id", "outages": "event_id", "customer_base": "as_of"}[kind]
    out = {}
    for f in kind_files(store.current, kind):
        out.setdefault(f.parent.relative_to(store.current).as_posix(), []).extend(
            pl.read_parquet(f)[key].cast(pl.String).to_list())
    return {k: sorted(v) for k, v in out.items()}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    s = Store(tmp_path / "store")
    s.ingest([
        _csv(tmp_path / "1" / "applications.csv", APPS, ["A1,杭州,居民,8,220V,网上国网,0", "A2,宁波,居民,8,220V,微信,0",
                                                         "A3,杭州,居民,8,220V,微信,0"]),
        _csv(tmp_path / "1" / "stages.csv", STAGES, [
            "A1,申请受理,2022-12-30 09:00,2022-12-30 10:00", "A1,装表接电,2023-01-04 09:00,2023-01-04 10:00",
            # a stage before the acceptance: the application goes by its earliest date
            "A2,供电方案答复,2022-12-31 09:00,2023-01-03 10:00", "A2,申请受理,2023-01-02 09:00,2023-01-02 10:00",
            "A9,申请受理,2023-02-01 09:00,"]),  # no application yet: pending, one file
        _csv(tmp_path / "1" / "base.csv", BASE, ["杭州,市区,2022-12-31,1000", "宁波,农村,2022-12-31,2000"]),
        _csv(tmp_path / "1" / "outages.csv", OUTAGES, ["E1,杭州,市区,故障,2023/03/01 10:00,2023/03/01 12:00,100",
                                                       "E2,杭州,市区,预安排,2022/12/31 23:00,2023/01/01 02:00,50",
                                                       "E5,宁波,农村,故障,2023/07/01 10:00,2023/07/01 14:00,500"]),
        _csv(tmp_path / "1" / "items.csv", "地市,事项名称,是否线上可办,统计日期", ["宁波,低压报装,是,2023-06-30"]),
        _csv(tmp_path / "1" / "ledger.csv", "序号,责任单位,完成情况,报送日期", ["1,杭州,已完成,2023-06-30"]),
    ])
    return s


def test_each_record_is_stored_in_its_year_and_city(store):
    assert store.manifest()["rows"] == {"applications": 3, "stages": 4, "outages": 3, "customer_base": 2,
                                        "service_items": 1, "ledger_status": 1}
    assert store.read("ledger_status")["unit"].to_list() == ["杭州"]  # no city column: one file
    assert (store.current / "ledger_status.parquet").is_file()
    assert [f.parent.relative_to(store.current).as_posix() for f in kind_files(store.current, "service_items")] == \
        [_part("service_items", 2023, "宁波")]
    assert _parts(store, "applications") == {
        _part("applications", 2022, "杭州"): ["A1"], _part("applications", 2022, "宁波"): ["A2"],
        _part("applications", 0, "杭州"): ["A3"]}  # no stages: year 0
    assert _parts(store, "stages") == {  # the application's year and city, not the stage's own
        _part("stages", 2022, "杭州"): ["A1", "A1"], _part("stages", 2022, "宁波"): ["A2", "A2"]}
    assert _parts(store, "outages") == {_part("outages", 2023, "杭州"): ["E1"], _part("outages", 2022, "杭州"): ["E2"],
                                        _part("outages", 2023, "宁波"): ["E5"]}
    assert _parts(store, "customer_base") == {_part("customer_base", 2022, "杭州"): ["2022-12-31"],
                                              _part("customer_base", 2022, "宁波"): ["2022-12-31"]}
    assert (store.current / "stages_pending.parquet").is_file()  # no application: no city, one file
    assert not (store.current / "stages").joinpath("year=2023").exists()
    # the files carry the contract's columns only; the keys are in the paths, read back as columns
    assert "city" not in pl.read_parquet_schema(kind_files(store.current, "outages")[0])
    assert store.read("outages").columns == ["event_id", "city", "district", "area_type", "kind", "cause",
                                             "started_at", "restored_at", "customers_affected"]
    # the manifest lists every file by its relative path
    assert sorted(store.manifest()["checksums"]) == data_files(store.current)
    assert _part("stages", 2022, "宁波") + "/00000000.parquet" in store.manifest()["checksums"]


def test_one_partition_is_read_alone(store):
    lf = store.scan("stages", "宁波", 2022)
    assert sorted(lf.collect()["app_id"]) == ["A2", "A2"]
    plan = lf.explain()  # the other city's files are not even scanned
    assert quote("宁波") in plan and quote("杭州") not in plan
    assert store.scan("outages", "杭州", 2022).collect()["event_id"].to_list() == ["E2"]  # E1 (2023) pruned
    assert sorted(store.scan("applications", "杭州", 2022).collect()["app_id"]) == ["A1", "A3"]  # year 0 kept


def test_an_upload_rewrites_only_the_partitions_it_touches(store, tmp_path):
    before = {f.relative_to(store.current).as_posix(): f.stat().st_ino for f in kind_files(store.current, "outages")}
    store.ingest([_csv(tmp_path / "2" / "outages.csv", OUTAGES, [
        "E6,宁波,农村,故障,2023/08/01 10:00,2023/08/01 11:00,10",     # new, in 宁波 2023
        "E2,杭州,市区,预安排,2023/01/02 23:00,2023/01/03 02:00,50"])])  # corrected: 2022 → 2023
    after = {f.relative_to(store.current).as_posix(): f.stat().st_ino for f in kind_files(store.current, "outages")}
    assert _parts(store, "outages") == {_part("outages", 2023, "杭州"): ["E1", "E2"],
                                        _part("outages", 2023, "宁波"): ["E5", "E6"]}
    assert set(after) == {p for p in before if "2022" not in p}  # 杭州 2022 emptied: gone
    assert all(after[p] != before[p] for p in after)  # both touched: written again
    store.ingest([_csv(tmp_path / "3" / "outages.csv", OUTAGES, ["E7,宁波,农村,故障,2023/09/01 10:00,2023/09/01 11:00,10"])])
    again = {f.relative_to(store.current).as_posix(): f.stat().st_ino for f in kind_files(store.current, "outages")}
    hz = _part("outages", 2023, "杭州") + "/00000000.parquet"
    assert again[hz] == after[hz]  # untouched: the previous version's file, hard-linked
    assert check(store)[1] == []


def _inodes(store: Store, *kinds: str) -> dict[str, int]:
    return {f.relative_to(store.current).as_posix(): f.stat().st_ino for k in kinds for f in kind_files(store.current, k)}


def test_applications_and_stages_rewrite_only_the_partitions_they_touch(store, tmp_path):
    before = _inodes(store, "applications", "stages")
    # A3's first stages: from year 0 to 2023, its stages with it
    store.ingest([_csv(tmp_path / "2" / "stages.csv", STAGES, ["A3,申请受理,2023-05-04 09:00,2023-05-04 10:00"])])
    after = _inodes(store, "applications", "stages")
    assert _parts(store, "applications")[_part("applications", 2023, "杭州")] == ["A3"]
    assert _part("applications", 0, "杭州") not in _parts(store, "applications")
    assert _parts(store, "stages")[_part("stages", 2023, "杭州")] == ["A3"]
    untouched = [p for p in before if "year=2022" in p]
    assert len(untouched) == 4 and all(after[p] == before[p] for p in untouched)  # linked, not written
    # A2's city corrected: it moves with its stages; the others stay linked
    store.ingest([_csv(tmp_path / "3" / "applications.csv", APPS, ["A2,温州,居民,8,220V,微信,0"])])
    assert _parts(store, "applications") == {
        _part("applications", 2022, "杭州"): ["A1"], _part("applications", 2022, "温州"): ["A2"],
        _part("applications", 2023, "杭州"): ["A3"]}
    assert _parts(store, "stages") == {_part("stages", 2022, "杭州"): ["A1", "A1"],
                                       _part("stages", 2022, "温州"): ["A2", "A2"],
                                       _part("stages", 2023, "杭州"): ["A3"]}
    again = _inodes(store, "applications", "stages")
    assert all(again[p] == after[p] for p in again if "2022/city=" + quote("杭州") in p or "2023" in p)
    # pending stages meeting their application: its partition written, the others linked
    store.ingest([_csv(tmp_path / "4" / "applications.csv", APPS, ["A9,宁波,居民,8,220V,微信,0"])])
    assert _parts(store, "stages")[_part("stages", 2023, "宁波")] == ["A9"]
    assert not (store.current / "stages_pending.parquet").exists()
    last = _inodes(store, "applications", "stages")
    assert all(last[p] == again[p] for p in again)
    assert check(store)[1] == []
    assert compute(store.root, "2023Q2").height > 0


def _to_one_file_layout(store: Store) -> None:
    """The current version rewritten as a version of the layout before partitions (one
    ``<kind>.parquet`` per kind, checksums by file name, the fingerprint of those files)."""
    from getpower.intake.validate import sha256_file

    cur = store.current
    for kind in ("applications", "stages", "outages", "customer_base", "service_items"):
        frame = scan_kind(cur, kind).collect()
        for f in kind_files(cur, kind):
            f.unlink()
        frame.write_parquet(cur / f"{kind}.parquet")
    for d in [p for p in cur.iterdir() if p.is_dir()]:
        for sub in sorted(d.rglob("*"), reverse=True):
            sub.rmdir()
        d.rmdir()
    manifest = json.loads((cur / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"] = {p.name: sha256_file(p) for p in sorted(cur.glob("*.parquet"))}
    manifest["fingerprint"] = _fingerprint(manifest["checksums"])
    (cur / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_a_version_before_partitions_is_read_checked_and_rolled_back_to(store, tmp_path):
    table = compute(store.root, "2023Q1")
    _to_one_file_layout(store)
    assert sorted(data_files(store.current)) == ["applications.parquet", "customer_base.parquet", "ledger_status.parquet",
                                                 "outages.parquet", "service_items.parquet", "stages.parquet",
                                                 "stages_pending.parquet"]
    assert check(store)[1] == []
    assert compute(store.root, "2023Q1").drop("data_version").equals(table.drop("data_version"))
    assert sorted(store.scan("stages", "宁波", 2022).collect()["app_id"]) == ["A2", "A2"]  # a filter here
    old = store.manifest()["name"]
    # the next ingest writes the new layout, every kind, without a migration step
    store.ingest([_csv(tmp_path / "2" / "applications.csv", APPS, ["A4,温州,居民,8,220V,微信,0"])])
    assert [n for n in data_files(store.current) if "/" not in n] == ["ledger_status.parquet", "stages_pending.parquet"]
    assert _parts(store, "outages")[_part("outages", 2023, "宁波")] == ["E5"]
    assert check(store)[1] == []
    assert rollback(store, old) == "v000003"  # across the change, and back
    assert (store.current / "stages.parquet").is_file() and check(store)[1] == []
    assert compute(store.root, "2023Q1").drop("data_version").equals(table.drop("data_version"))
    assert rollback(store, "v000002") == "v000004"
    assert (store.current / "stages").is_dir() and sorted(store.read("applications")["app_id"]) == ["A1", "A2", "A3", "A4"]


def test_check_names_a_damaged_missing_or_unlisted_partition_file(store):
    assert check(store)[1] == []
    files = kind_files(store.current, "stages")
    data = bytearray(files[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    files[0].write_bytes(bytes(data))
    files[1].unlink()
    stray = files[1].parent.parent.parent / "year=2024" / files[1].parent.name / "00000000.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(files[0].read_bytes())
    assert sorted(check(store)[1]) == sorted([f"{files[0]}: 校验和不符（文件已被改动或损坏）", f"{files[1]}: 文件缺失",
                                              f"{stray}: 清单中没有此文件（不属于该版本）"])


def test_an_interrupted_ingest_leaves_the_partitions_as_they_were(store, tmp_path):
    before = {p: os.stat(store.current / p).st_ino for p in data_files(store.current)}
    for step in ("validated", "written", "proved", "publish"):
        with pytest.raises(RuntimeError, match=step):
            store.ingest([_csv(tmp_path / "2" / "outages.csv", OUTAGES,
                               ["E6,宁波,农村,故障,2023/08/01 10:00,2023/08/01 11:00,10"])], fail_after=step)
        assert store.manifest()["name"] == "v000001"
        assert {p: os.stat(store.current / p).st_ino for p in data_files(store.current)} == before
        assert [d.name for d in (store.root / "versions").iterdir()] == ["v000001"]


@pytest.mark.parametrize("period", ["2024", "2025Q2"])
def test_each_city_from_its_partitions_equals_the_whole_store(sample_store, period):
    """The sample store (several years, every city): each city's rows computed from its own
    partitions of the years up to the period's equal the whole store's rows of that city, ranks
    aside (they are among the cities: null in a partition's rows)."""
    whole = cached_compute(sample_store, period)
    order = ["indicator", "city", "segment", "unit"]
    parts = pl.concat([partition_table(sample_store, period, c) for c in params.cities()])
    assert parts["rank"].null_count() == parts.height
    assert parts.sort(order).drop("rank").equals(
        whole.filter(pl.col("city") != params.province()).sort(order).drop("rank"))


def test_a_partition_of_an_unknown_city_is_refused(store):
    with pytest.raises(DataRangeError, match="上海 不是本省的地市"):
        partition_table(store.root, "2023Q1", "上海")
