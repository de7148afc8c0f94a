"""The store: idempotent re-ingest, replacement by id, atomic publication."""
import json

import polars as pl
import pytest

from getpower.store import Store

HEADER = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"


def _apps(path, rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _snapshot(root):
    """The store's data: ``CURRENT`` and the versions (an upload's report is kept even when it
    changes nothing)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and (p.name == "CURRENT" or "versions" in p.relative_to(root).parts)}


def test_ingest_then_same_file_again_changes_nothing(tmp_path):
    f = _apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0", "A2,宁波,居民,8,220V,营业厅,0"])
    store = Store(tmp_path / "store")
    first = store.ingest([f])
    assert first.version == "v000001" and store.read("applications").height == 2
    before = _snapshot(store.root)
    again = store.ingest([f])
    assert again.version is None and [(o.new, o.unchanged) for o in again.outcomes] == [(0, 2)]
    assert _snapshot(store.root) == before


def test_later_upload_replaces_records_with_same_id(tmp_path):
    store = Store(tmp_path / "store")
    store.ingest([_apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0", "A2,宁波,居民,8,220V,营业厅,0"])])
    (tmp_path / "v2").mkdir()
    store.ingest([_apps(tmp_path / "v2" / "applications.csv", ["A2,宁波,居民,8,220V,浙里办,0", "A3,温州,居民,8,220V,微信,0"])])
    got = store.read("applications").sort("app_id").select("app_id", "channel").rows()
    assert got == [("A1", "网上国网"), ("A2", "浙里办"), ("A3", "微信")]
    m = store.manifest()
    assert m["version"] == 2 and m["rows"]["applications"] == 3 and len(m["files"]) == 2
    assert m["history"][-1]["kinds"]["applications"] == {"added": 2, "replaced": 1, "unchanged": 0,
                                                         "pending": 0, "pending_matched": 0}


def test_stages_of_stored_applications_are_not_orphans(tmp_path):
    store = Store(tmp_path / "store")
    store.ingest([_apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0"])])
    st = tmp_path / "stages.csv"
    st.write_text("工单编号,环节名称,环节开始时间\nA1,申请受理,2023-01-01 09:00\nA2,申请受理,2023-01-01 09:00\n", encoding="utf-8")
    res = store.ingest([st])
    [r], [o] = res.results, res.outcomes
    assert (r.rows_accepted, r.rows_quarantined, o.new, o.pending) == (2, 0, 1, 1)  # A2 waits for its application
    assert store.read("stages")["app_id"].to_list() == ["A1"]
    assert store.read("applications").height == 1  # untouched kinds carried over


@pytest.mark.parametrize("step", ["validated", "written", "proved", "publish"])
def test_interrupted_ingest_leaves_previous_version_intact(tmp_path, step):
    store = Store(tmp_path / "store")
    store.ingest([_apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0"])])
    before = store.read("applications")
    manifest = store.manifest()
    (tmp_path / "v2").mkdir()
    f2 = _apps(tmp_path / "v2" / "applications.csv", ["A1,杭州,居民,8,220V,营业厅,0", "A9,丽水,居民,8,220V,微信,0"])
    with pytest.raises(RuntimeError, match="simulated"):
        store.ingest([f2], fail_after=step)
    assert store.read("applications").equals(before)
    assert store.manifest() == manifest
    assert not list((store.root / "versions").glob(".tmp-*")) and len(list((store.root / "versions").iterdir())) == 1
    assert not list((store.root / "uploads").glob(".tmp-*")) and len(list((store.root / "uploads").iterdir())) == 1
    # the interrupted upload did not count: ingesting it again works
    res = store.ingest([f2])
    assert res.version == "v000002" and store.read("applications").height == 2


def test_upload_report_and_quarantine_kept_beside_the_store(tmp_path):
    store = Store(tmp_path / "store")
    res = store.ingest([_apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0", "A2,上海,居民,8,220V,微信,0"])])
    report = json.loads((res.upload_dir / "report.json").read_text(encoding="utf-8"))
    [f] = report["files"]
    assert (f["rows_read"], f["rows_accepted"], f["rows_quarantined"]) == (2, 1, 1)
    assert len(f["sha256"]) == 64
    [qfile] = res.upload_dir.glob("applications-*.quarantine.csv")
    q = pl.read_csv(qfile)
    assert q["隔离原因"].to_list() == ["地市取值无法识别"]
    assert qfile.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "rows, key, expected",
    [
        ([("A1", 1), ("A2", 2)], ["id"], [("A1", 1), ("A2", 2)]),                    # nothing repeated
        ([("A1", 1), ("A2", 2), ("A1", 3)], ["id"], [("A2", 2), ("A1", 3)]),          # the last one wins
        ([("A1", 1), ("A1", 2), ("A1", 3)], ["id"], [("A1", 3)]),
        ([("A1", 1), ("A1", 2), ("A1", 1)], ["id", "v"], [("A1", 2), ("A1", 1)]),     # a key of two columns
        ([], ["id"], []),
    ],
)
def test_last_of_each_key_wins(rows, key, expected):
    from getpower.keys import superseded

    frame = pl.DataFrame(rows, schema={"id": pl.String, "v": pl.Int64}, orient="row")
    assert frame.filter(~superseded(frame, key, keep="last")).rows() == expected


@pytest.mark.parametrize("order, channel", [(("1", "2"), "浙里办"), (("2", "1"), "营业厅")])
def test_two_files_of_one_upload_the_later_in_the_order_given_wins(tmp_path, order, channel):
    store = Store(tmp_path / "store")
    files = {"1": _apps(tmp_path / "applications_1.csv", ["A1,杭州,居民,8,220V,网上国网,0", "A2,宁波,居民,8,220V,营业厅,0"]),
             "2": _apps(tmp_path / "applications_2.csv", ["A2,宁波,居民,8,220V,浙里办,0"])}
    res = store.ingest([files[k] for k in order])
    assert dict(store.read("applications").select("app_id", "channel").rows())["A2"] == channel
    assert res.replaced_within == 1 and sum(o.superseded for o in res.outcomes) == 1
    listed = pl.read_csv(res.upload_dir / "replaced.csv")
    loser, winner = (f"applications_{k}.csv" for k in order)
    assert listed.rows() == [("用电报装工单", "A2", winner, loser)]


def test_a_file_that_fails_leaves_nothing_behind(tmp_path):
    from getpower.intake.read import ExtractError

    store = Store(tmp_path / "store")
    store.ingest([_apps(tmp_path / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0"])])
    before = _snapshot(store.root)
    bad = tmp_path / "bad" / "applications.csv"
    bad.parent.mkdir()
    bad.write_text("工单编号,地市\nA2,杭州\n", encoding="utf-8")  # required columns missing
    with pytest.raises(ExtractError, match="缺少必填列"):
        store.ingest([bad])
    assert _snapshot(store.root) == before and not list((store.root / "versions").glob(".tmp-*"))
