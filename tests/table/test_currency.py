"""Data currency and coverage (issue #12): what every value stands on, periods outside the data,
cities missing an extract kind."""
import datetime as dt
import re
import subprocess
import sys

import polars as pl
import pytest

from getpower.currency import DataRangeError, extent
from getpower.periods import Period
from getpower.table import indicator_table, load_frames
from literal_frames import frames

APPS = [{"app_id": "A1", "city": "杭州"}, {"app_id": "A2", "city": "宁波"}]
STAGES = [("A1", "申请受理", "2023-01-05 09:00", "2023-01-05 10:00", None),
          ("A1", "装表接电", "2023-01-06 09:00", "2023-01-09 10:00", None),   # 4 calendar days
          ("A2", "申请受理", "2023-05-10 09:00", "2023-05-10 10:00", None),
          ("A2", "装表接电", "2023-05-11 09:00", "2023-05-12 10:00", None)]   # 2 calendar days: data end 2023-05-12
OUTAGES = [("E1", "杭州", None, "市区", "故障", "内部", "2023-02-01 10:00", "2023-02-01 12:00", 10)]


def _row(t, city, indicator, segment="全部", unit=None):
    t = t.filter((pl.col("city") == city) & (pl.col("indicator") == indicator) & (pl.col("segment") == segment))
    if unit:
        t = t.filter(pl.col("unit") == unit)
    return t.row(0, named=True)


def test_extent_per_source_and_city():
    e = extent(frames(applications=APPS, stages=STAGES, outages=OUTAGES))
    rows = {(r["source"], r["city"]): (r["rows"], r["first"], r["last"]) for r in e.iter_rows(named=True)}
    assert rows[("applications", "杭州")] == (1, dt.date(2023, 1, 5), dt.date(2023, 1, 9))
    assert rows[("applications", "全省")] == (2, dt.date(2023, 1, 5), dt.date(2023, 5, 12))
    assert rows[("outages", "全省")] == (1, dt.date(2023, 2, 1), dt.date(2023, 2, 1))
    assert ("approvals", "全省") not in rows  # no row: absent


@pytest.mark.parametrize("period, message", [
    ("2023Q3", "所选期间 2023Q3 超出数据范围（数据截至 2023-05-12）"),
    ("2022", "所选期间 2022 超出数据范围（数据始于 2023-01-05）"),
])
def test_period_outside_the_data_is_refused(period, message):
    with pytest.raises(DataRangeError) as e:
        indicator_table(frames(applications=APPS, stages=STAGES), period)
    assert str(e.value) == message


def test_no_data_is_an_error_even_when_empty_allowed():
    with pytest.raises(DataRangeError, match="没有可计算的数据"):
        indicator_table(frames(), "2023", allow_empty=True)


def test_outside_period_allowed_is_all_null_with_the_reason():
    t = indicator_table(frames(applications=APPS, stages=STAGES), "2023Q3", allow_empty=True)
    r = _row(t, "杭州", "process_days_mean", unit="calendar_days")
    assert (r["value"], r["n"], r["met"], r["reason"]) == (None, 0, None, "期间超出数据范围（报装工单数据截至 2023-05-12）")
    r = _row(t, "杭州", "open_overdue")
    assert (r["value"], r["reason"]) == (None, "期间超出数据范围（报装工单数据截至 2023-05-12）")
    assert t.filter(pl.col("value").is_not_null()).height == 0


def test_partly_covered_period_marks_values_and_keeps_them():
    # 2023Q2: the applications end on 2023-05-12, so May is covered and June is not
    t = indicator_table(frames(applications=APPS, stages=STAGES, outages=OUTAGES), "2023Q2")
    r = _row(t, "宁波", "process_days_mean", unit="calendar_days")
    assert (r["value"], r["n"]) == (2.0, 1)
    assert r["reason"] == "期间数据不完整（报装工单数据 2023-01-05 至 2023-05-12）"
    assert (r["data_from"], r["data_to"]) == (dt.date(2023, 1, 5), dt.date(2023, 5, 12))
    # 2023Q1 is covered: no mark
    t = indicator_table(frames(applications=APPS, stages=STAGES, outages=OUTAGES), "2023Q1")
    r = _row(t, "杭州", "process_days_mean", unit="calendar_days")
    assert (r["value"], r["reason"]) == (4.0, None)


def test_city_missing_a_kind_others_have_is_null_and_named():
    t = indicator_table(frames(applications=APPS, stages=STAGES, outages=OUTAGES), "2023Q1")
    r = _row(t, "温州", "process_days_mean", unit="calendar_days")  # no application at all in 温州
    assert (r["value"], r["reason"], r["missing_source"]) == (None, "缺少该市报装工单数据", "报装工单")
    r = _row(t, "宁波", "outage_hours", "市区")  # 宁波 has no outage row, 杭州 has
    assert (r["reason"], r["missing_source"]) == ("缺少该市停电事件数据", "停电事件")
    r = _row(t, "杭州", "approval_days_mean", unit="calendar_days")  # nobody has approvals: not missing
    assert (r["missing_source"], r["reason"]) == (None, "期内无办结的审批项目")


@pytest.fixture(scope="module")
def without_lishui(sample_store):
    """The sample with 丽水's applications, outages and approvals extracts not arrived."""
    fr = load_frames(sample_store)
    for kind in ("applications", "outages", "approvals"):
        fr[kind] = fr[kind].filter(pl.col("city") != "丽水")
    return indicator_table(fr, "2023Q4")


def test_city_without_its_extracts_is_flagged_and_not_ranked(without_lishui):
    from getpower.cli import _ranking_text
    from getpower.scoring import composite

    comp = composite(without_lishui)
    c = {r["city"]: r for r in comp.iter_rows(named=True)}
    assert c["丽水"]["rank"] is None and c["丽水"]["composite"] is None
    assert c["丽水"]["missing_sources"] == "报装工单、停电事件、接入工程审批"
    assert c["丽水"]["status"].startswith("数据不足（覆盖 ") and c["丽水"]["coverage"] < 0.8
    assert sorted(r for r in comp["rank"].to_list() if r is not None) == list(range(1, 11))
    assert comp["city"].to_list()[-2:] == ["丽水", "全省"]  # after the ranked cities
    text = _ranking_text(without_lishui)
    assert re.search(r"\n   -  丽水\s+数据不足（覆盖 \d+ %）：缺少报装工单、停电事件、接入工程审批数据", text)
    assert "数据截至 " in text and "数据版本" in text


def test_cli_refuses_a_period_after_the_data(sample_store, tmp_path):
    p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(sample_store), "--period", "2026Q4",
                        "--out", str(tmp_path / "t.csv")], capture_output=True, text=True)
    assert p.returncode != 0 and p.stdout == "" and not (tmp_path / "t.csv").exists()
    assert p.stderr.strip().splitlines() == [f"错误: 所选期间 2026Q4 超出数据范围（数据截至 {_sample_end(sample_store)}）"]


def _sample_end(store):
    from getpower.currency import overall

    return overall(extent(load_frames(store))).last.isoformat()


def test_cli_on_no_data_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()  # intake names an empty folder
    (tmp_path / "header_only").mkdir()  # files, but not one row to compute on
    (tmp_path / "header_only" / "applications.csv").write_text(
        "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\n", encoding="utf-8")
    for folder in ("empty", "header_only"):
        p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(tmp_path / folder), "--period", "2023",
                            "--out", str(tmp_path / "t.csv")], capture_output=True, text=True)
        assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "t.csv").exists()
    assert p.stderr.strip() == "错误: 没有可计算的数据（请先导入提取文件）"


def test_an_allowed_empty_period_is_not_read_back_when_not_allowed(sample_store):
    from getpower.table import cached_compute

    from getpower.scoring import composite

    t = cached_compute(sample_store, "2026Q4", allow_empty=True)
    # the applications, approvals and ledger lie outside; the rolling outage year reaches back into the data
    assert t.filter(pl.col("value").is_not_null() & ~pl.col("indicator").str.starts_with("outage")).height == 0
    assert t.filter(pl.col("value").is_not_null() & ~pl.col("reason").str.starts_with("期间数据不完整")).height == 0
    assert composite(t)["rank"].null_count() == 12  # never ranked on the outage hours alone
    with pytest.raises(DataRangeError, match="超出数据范围"):
        cached_compute(sample_store, "2026Q4")


def test_a_store_without_current_is_an_error_not_a_folder_of_extracts(sample_store, tmp_path):
    import shutil

    broken = tmp_path / "store"
    shutil.copytree(sample_store / "versions", broken / "versions")
    p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(broken), "--period", "2023",
                        "--out", str(tmp_path / "t.csv")], capture_output=True, text=True)
    assert p.returncode != 0 and p.stderr.strip().splitlines() == [
        f"错误: 数据仓库 {broken} 没有当前版本（缺少 CURRENT），无法计算：请重新导入或恢复该文件"]


def test_the_table_proved_at_ingest_carries_the_data_version(tmp_path):
    """The store proves a new version by computing its latest quarter (kept in the cache): that
    table, read back later, names the version like any other."""
    from getpower.store import Store
    from getpower.table import cached_compute

    d = tmp_path / "x"
    d.mkdir()
    (d / "applications.csv").write_text("工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\n"
                                        "X1,杭州,居民,8,220V,网上国网,0\n", encoding="utf-8")
    (d / "stages.csv").write_text("工单编号,环节名称,环节开始时间,环节结束时间\nX1,申请受理,2023-11-06 09:00,2023-11-06 10:00\n"
                                  "X1,装表接电,2023-11-07 09:00,2023-11-08 10:00\n", encoding="utf-8")
    store = Store(tmp_path / "store")
    store.ingest([d])
    assert list((store.root / "cache").glob("indicators_2023Q4_*.parquet"))  # proved and kept
    from getpower.store import cache_suffix

    # the extent too, under the name every later compute of this version reads (``cached_extent``)
    assert [p.name for p in (store.root / "cache").glob("extent_*")] == [f"extent_{cache_suffix(store.fingerprint)}.parquet"]
    t = cached_compute(store.root, "2023Q4")
    assert t["data_version"].unique().to_list() == [f"v000001（{store.fingerprint[:12]}）"]
