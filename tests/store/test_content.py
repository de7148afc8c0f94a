"""The store compares records, not files: identical rows change nothing, an older extract rolls
values back, stages wait for their application (待匹配), a stages upload replaces each
application's stage history as a whole, repeated ids across an upload's files go by its order."""
import datetime as dt
import json

import polars as pl
import pytest

from getpower.store import Store
from getpower.table import load_frames

from extracts import APPS, STAGES
from extracts import write_csv as _csv


def _stages(store):
    return sorted(store.read("stages").select("app_id", "stage", "started_at").rows())


def _pending(store):
    p = store.current / "stages_pending.parquet"
    return sorted(pl.read_parquet(p)["app_id"].to_list()) if p.exists() else []


A1 = "A1,杭州,居民,8,220V,网上国网,0"
A2 = "A2,宁波,居民,8,220V,营业厅,0"
S1 = ["A1,申请受理,2023-03-01 09:00,2023-03-01 10:00", "A1,装表接电,2023-03-02 09:00,2023-03-03 10:00"]
S2 = ["A2,申请受理,2023-03-01 09:00,2023-03-01 10:00", "A2,装表接电,2023-03-02 09:00,2023-03-06 10:00"]


def test_stages_before_their_applications_wait_then_join(tmp_path):
    store = Store(tmp_path / "store")
    first = store.ingest([_csv(tmp_path / "1" / "stages.csv", STAGES, S1 + S2)])
    [o] = first.outcomes
    assert (o.new, o.pending) == (0, 4) and first.version == "v000001"
    assert _pending(store) == ["A1", "A1", "A2", "A2"]
    assert load_frames(store.root)["stages"].collect().height == 0  # pending stages count in no indicator
    second = store.ingest([_csv(tmp_path / "2" / "applications.csv", APPS, [A1])])
    assert second.changes["stages"].pending_matched == 2
    assert [a for a, *_ in _stages(store)] == ["A1", "A1"] and _pending(store) == ["A2", "A2"]
    store.ingest([_csv(tmp_path / "3" / "applications.csv", APPS, [A2])])
    assert len(_stages(store)) == 4 and _pending(store) == []
    assert store.manifest()["pending"] == 0


def test_same_file_again_makes_no_version_and_an_older_extract_rolls_values_back(tmp_path):
    store = Store(tmp_path / "store")
    old = _csv(tmp_path / "old" / "applications.csv", APPS, [A1, A2])
    store.ingest([old])
    store.ingest([_csv(tmp_path / "new" / "applications.csv", APPS, [A1.replace("网上国网", "浙里办")])])
    assert dict(store.read("applications").select("app_id", "channel").rows())["A1"] == "浙里办"
    again = store.ingest([old])  # the older extract: its values replace the newer, and the report says so
    assert again.version == "v000003"
    assert dict(store.read("applications").select("app_id", "channel").rows())["A1"] == "网上国网"
    [o] = again.outcomes
    assert (o.new, o.unchanged) == (1, 1)
    assert any("v000001" in n and "替换了之后导入的值" in n for n in again.notes)
    report = json.loads((again.upload_dir / "report.json").read_text(encoding="utf-8"))
    assert report["version"] == "v000003" and report["notes"] == list(again.notes)
    assert pl.read_csv(again.upload_dir / "replaced.csv").rows() == [
        ("用电报装工单", "A1", "applications.csv", "数据仓库 v000002")]
    nothing = store.ingest([old])
    assert nothing.version is None and store.manifest()["version"] == 3


def test_a_corrected_stage_replaces_the_application_history_as_a_whole(tmp_path):
    store = Store(tmp_path / "store")
    store.ingest([_csv(tmp_path / "1" / "applications.csv", APPS, [A1, A2]),
                  _csv(tmp_path / "1" / "stages.csv", STAGES, S1 + S2)])
    fixed = ["A1,申请受理,2023-03-01 08:30,2023-03-01 10:00", S1[1]]  # a new start time for 申请受理
    res = store.ingest([_csv(tmp_path / "2" / "stages.csv", STAGES, fixed)])
    got = _stages(store)
    assert [s for a, s, _ in got if a == "A1"] == ["申请受理", "装表接电"]  # not two 申请受理
    assert str([t for a, s, t in got if a == "A1" and s == "申请受理"][0]) == "2023-03-01 08:30:00"
    assert [a for a, *_ in got].count("A2") == 2  # applications not mentioned are untouched
    c = res.changes["stages"]
    assert (c.added, c.replaced, c.unchanged) == (1, 1, 1)
    # an application whose history drops a stage loses it: the upload carries the full history
    store.ingest([_csv(tmp_path / "3" / "stages.csv", STAGES, [S2[0]])])
    assert [s for a, s, _ in _stages(store) if a == "A2"] == ["申请受理"]


def test_stages_of_one_application_in_two_files_the_later_file_wins(tmp_path):
    store = Store(tmp_path / "store")
    apps = _csv(tmp_path / "u" / "applications.csv", APPS, [A1, A2])
    a = _csv(tmp_path / "u" / "stages_1.csv", STAGES, S1 + S2)
    b = _csv(tmp_path / "u" / "stages_2.csv", STAGES, ["A1,申请受理,2023-03-01 08:00,2023-03-01 09:00"])
    res = store.ingest([tmp_path / "u"])  # a folder: its files by name
    assert [s for a, s, _ in _stages(store) if a == "A1"] == ["申请受理"]
    assert [(o.new, o.superseded) for o in res.outcomes] == [(2, 0), (2, 2), (1, 0)]
    listed = pl.read_csv(res.upload_dir / "replaced.csv")
    assert listed["保留（来源文件）"].to_list() == ["stages_2.csv"] * 2
    assert listed["被替换（来源）"].to_list() == ["stages_1.csv"] * 2
    assert res.replaced_within == 2 and apps.exists()


@pytest.mark.parametrize("rows", [
    [A1, A2],                       # the same records
    [A2, A1],                       # in another order
])
def test_identical_records_change_nothing(tmp_path, rows):
    store = Store(tmp_path / "store")
    store.ingest([_csv(tmp_path / "1" / "applications.csv", APPS, [A1, A2]),
                  _csv(tmp_path / "1" / "stages.csv", STAGES, S1 + S2)])
    res = store.ingest([_csv(tmp_path / "2" / "applications.csv", APPS, rows),
                        _csv(tmp_path / "2" / "stages.csv", STAGES, list(reversed(S1 + S2)))])
    assert res.version is None and store.manifest()["version"] == 1
    assert [(o.new, o.unchanged) for o in res.outcomes] == [(0, 2), (0, 4)]


def test_the_ingest_report_accounts_for_every_row(tmp_path):
    import subprocess
    import sys

    store = tmp_path / "store"
    up = tmp_path / "u"
    _csv(up / "applications.csv", APPS, [A1, A1.replace("A1", "A3").replace("杭州", "上海")])
    _csv(up / "stages_1.csv", STAGES, S1 + S2)
    _csv(up / "stages_2.csv", STAGES, [S1[0]])
    p = subprocess.run([sys.executable, "-m", "getpower", "ingest", str(up), "--store", str(store)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert "applications.csv: 接收 1 行 = 新增或更新 1 + 与已存相同 0" in lines
    assert ("stages_1.csv: 接收 4 行 = 新增或更新 0 + 与已存相同 0 + 待匹配 2（工单尚未导入，暂不计入指标，工单导入后自动接收）"
            " + 被本次后续文件替换 2") in lines
    assert "stages_2.csv: 接收 1 行 = 新增或更新 1 + 与已存相同 0" in lines
    assert any(line.startswith("本次上传的多个文件含相同记录 2 条") for line in lines)


def test_an_incomplete_history_does_not_replace_a_stored_one(tmp_path):
    store = Store(tmp_path / "store")
    store.ingest([_csv(tmp_path / "1" / "applications.csv", APPS, [A1, A2]),
                  _csv(tmp_path / "1" / "stages.csv", STAGES, S1)])
    # A1's 装表接电 is quarantined (ends before it starts): its upload history is incomplete;
    # A2 has no stored stages, so its good row is stored
    res = store.ingest([_csv(tmp_path / "2" / "stages.csv", STAGES, [
        "A1,申请受理,2023-03-01 08:30,2023-03-01 10:00", "A1,装表接电,2023-03-05 09:00,2023-03-01 10:00",
        "A2,申请受理,2023-03-01 09:00,2023-03-01 10:00", "A2,装表接电,2023-03-05 09:00,2023-03-01 10:00"])])
    [r], [o] = res.results, res.outcomes
    assert (r.rows_accepted, r.rows_quarantined, o.new, o.held) == (2, 2, 1, 1)
    assert _stages(store) == sorted([("A1", "申请受理", dt.datetime(2023, 3, 1, 9)), ("A1", "装表接电", dt.datetime(2023, 3, 2, 9)),
                                     ("A2", "申请受理", dt.datetime(2023, 3, 1, 9))])
    assert any("暂缓" in n for n in res.notes)


@pytest.mark.parametrize(("apps", "stored", "waiting"), [
    ([A1, A2], ["A1", "A1", "A2", "A2"], []),  # every stage's application came with it: no pending file
    ([A1], ["A1", "A1"], ["A2", "A2"]),
    ([], [], ["A1", "A1", "A2", "A2"]),
])
def test_a_first_upload_of_one_stages_file_stores_or_holds_each_stage(tmp_path, apps, stored, waiting):
    store = Store(tmp_path / "store")
    files = [_csv(tmp_path / "1" / "applications.csv", APPS, apps)] if apps else []
    res = store.ingest(files + [_csv(tmp_path / "1" / "stages.csv", STAGES, S1 + S2)])
    o = res.outcomes[-1]
    assert (o.new, o.pending) == (len(stored), len(waiting))
    assert [a for a, *_ in _stages(store)] == stored and _pending(store) == waiting
    assert store.manifest()["pending"] == len(waiting) == res.changes["stages"].pending
    assert store.manifest()["rows"]["stages"] == len(stored) == res.rows_stored["stages"]
