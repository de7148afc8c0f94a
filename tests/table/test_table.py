"""The §10 indicator table end to end: a messy extract folder → `getpower compute` → values that
match an independent hand computation, for a quarter and for a year."""
import datetime as dt
import subprocess
import sys

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from getpower import compute, params
from getpower.periods import Period
from getpower.registry import declared
from getpower.table import COLUMNS, raw_indicators
from literal_frames import frames


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    d = tmp_path_factory.mktemp("extracts")
    apps = ["工单编号,地市,客户类别,申请容量（kW）,供电电压等级,受理渠道,客户承担费用(元),工单状态,户名",
            "A1,杭州市,居民,8,220V,网上国网,0,已归档,张三",
            "A2,杭州,居民,8,220V,营业厅,0,,李四",
            "A3,宁波市,低压非居民,100,380V,浙里办,0,已归档,王五",
            "A4,宁波,低压非居民,100,380V,浙里办,0,已撤销,赵六",
            "A1,杭州,居民,8,220V,营业厅,0,已归档,重复",
            "A9,上海,居民,8,220V,营业厅,0,已归档,外省"]
    (d / "报装工单.csv").write_bytes(("\n".join(apps) + "\n").encode("gbk"))
    import xlsxwriter

    wb = xlsxwriter.Workbook(d / "环节记录.xlsx")
    ws = wb.add_worksheet("环节记录")
    f = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, ["工单编号", "环节名称", "环节开始时间", "环节结束时间"])
    stage_rows = [
        ("A1", "申请受理", dt.datetime(2023, 9, 28, 9), dt.datetime(2023, 9, 28, 10)),
        ("A1", "装表接电", dt.datetime(2023, 10, 7, 9), dt.datetime(2023, 10, 9, 15)),   # 11 cd / 3 wd
        ("A2", "申请受理", dt.datetime(2023, 2, 1, 9), dt.datetime(2023, 2, 1, 10)),
        ("A2", "装表接电", dt.datetime(2023, 2, 2, 9), dt.datetime(2023, 2, 3, 9)),       # Q1: 2 cd / 2 wd
        ("A3", "申请受理", dt.datetime(2023, 11, 6, 9), dt.datetime(2023, 11, 6, 10)),
        ("A3", "装表接电", dt.datetime(2023, 11, 9, 9), dt.datetime(2023, 11, 17, 9)),    # 11 cd / 9 wd
        ("A4", "申请受理", dt.datetime(2023, 11, 6, 9), dt.datetime(2023, 11, 6, 10)),
        ("A4", "装表接电", dt.datetime(2023, 11, 7, 9), dt.datetime(2023, 11, 8, 9)),
        ("A9", "申请受理", dt.datetime(2023, 11, 6, 9), dt.datetime(2023, 11, 6, 10)),    # orphan: A9 quarantined
        ("A3", "装表接电", dt.datetime(2023, 11, 20, 9), dt.datetime(2023, 11, 19, 9)),   # finishes before it starts
    ]
    for i, (a, s, b, e) in enumerate(stage_rows, start=1):
        ws.write_row(i, 0, [a, s])
        ws.write_datetime(i, 2, b, f)
        ws.write_datetime(i, 3, e, f)
    wb.close()
    (d / "停电事件.csv").write_text("\n".join([
        "停电事件编号,地市,区域类型,停电性质,停电开始时间,恢复送电时间,停电户数",
        "E1,杭州,市区,故障,2023/03/01 10:00,2023/03/01 12:00,100",
        "E2,杭州,市区,预安排,2022/12/31 23:00,2023/01/01 02:00,50",
        "E3,杭州,市区,故障,2023/05/01 10:00,2023/05/01 09:00,10",   # restored before it started
        "E4,杭州,市区,故障,2023/05/01 10:00,2023/05/01 11:00,0",    # zero customers
        "E5,宁波,农村,故障,2023/07/01 10:00,2023/07/01 14:00,500",
    ]) + "\n", encoding="utf-8")
    (d / "用户数.csv").write_text("地市,区域类型,统计日期,用户总数\n杭州,市区,2022-12-31,1000\n宁波,农村,2022-12-31,2000\n",
                                 encoding="utf-8")
    return d


def _value(t, city, indicator, segment, unit):
    r = t.filter((pl.col("city") == city) & (pl.col("indicator") == indicator) & (pl.col("segment") == segment)
                 & (pl.col("unit") == unit))
    assert r.height == 1
    return r.row(0, named=True)


def test_compute_cli_quarter(messy, tmp_path):
    out = tmp_path / "t.csv"
    p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(messy), "--period", "2023Q4", "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    t = pl.read_csv(out)
    assert t.columns == COLUMNS and set(t["period"].to_list()) == {"2023Q4"}
    r = _value(t, "杭州", "process_days_mean", "居民", "calendar_days")
    assert (r["value"], r["n"], r["target"], r["met"]) == (11.0, 1, 7.0, False)
    assert _value(t, "杭州", "process_days_mean", "居民", "working_days")["value"] == 3.0
    r = _value(t, "宁波", "process_days_mean", "低压非居民", "calendar_days")
    assert (r["value"], r["n"], r["met"]) == (11.0, 1, False)  # A4 withdrawn is left out
    assert _value(t, "全省", "process_days_mean", "全部", "calendar_days")["value"] == 11.0
    # rolling 12 months to 2023-12-31: E1 2 h × 100 + E2 2 h × 50 inside the window → 300 / 1000
    assert _value(t, "杭州", "outage_hours", "市区", "hours")["value"] == pytest.approx(0.3)
    assert _value(t, "宁波", "outage_hours", "农村", "hours")["value"] == pytest.approx(1.0)
    assert _value(t, "全省", "outage_hours", "全口径", "hours")["value"] == pytest.approx((300 + 2000) / 3000)
    r = _value(t, "宁波", "online_application_rate", "全部", "ratio")  # A3 and A4 received 11-06, both online
    assert (r["value"], r["n"]) == (1.0, 2)
    r = _value(t, "杭州", "online_application_rate", "全部", "ratio")  # A1 was received on 9-28, in Q3
    # the extracts end on 2023-11-17: every value of the applications is marked, null or not
    partial = "期间数据不完整（报装工单数据 2023-02-01 至 2023-11-17）"
    assert (r["value"], r["n"], r["reason"]) == (None, 0, "分母为零：期内无受理工单；" + partial)
    r = _value(t, "杭州", "process_days_mean", "居民", "calendar_days")
    assert (r["reason"], r["data_from"], r["data_to"]) == (partial, "2023-02-01", "2023-11-17")
    r = _value(t, "杭州", "outage_hours", "市区", "hours")  # outages through 2023-07: the rolling year is partial
    assert r["reason"] == "期间数据不完整（停电事件数据 2022-12-31 至 2023-07-01）"
    assert t["data_version"].unique().to_list()[0].startswith("提取文件（")

def test_compute_python_year(messy):
    t = compute(messy, "2023")
    r = _value(t, "杭州", "process_days_mean", "居民", "calendar_days")
    assert (r["value"], r["n"]) == (6.5, 2)  # A1 11 and A2 2
    assert _value(t, "杭州", "process_days_mean", "居民", "working_days")["value"] == 2.5
    assert _value(t, "杭州", "outage_hours", "市区", "hours")["value"] == pytest.approx(0.3)
    r = _value(t, "温州", "process_days_mean", "全部", "calendar_days")
    # 温州 has no application in the extracts that 杭州 and 宁波 have: missing, not a quiet year
    assert (r["value"], r["n"], r["met"], r["reason"], r["missing_source"]) == (None, 0, None, "缺少该市报装工单数据", "报装工单")


@pytest.mark.parametrize("period", ["2023", "2023Q4", "2024Q1"])
def test_store_and_folder_give_the_same_table(messy, tmp_path, period):
    """The store's record cache (streamed to Arrow files, scanned lazily) and the same work done in
    memory on a folder of extracts agree."""
    from getpower.store import Store

    store = Store(tmp_path / "store")
    store.ingest([messy])
    a, b = compute(store.root, period, allow_empty=True), compute(messy, period, allow_empty=True)
    assert a.drop("data_version").equals(b.drop("data_version"))


@pytest.mark.parametrize("per_part", [2, 1])
def test_record_cache_built_in_parts_gives_the_same_table(messy, tmp_path, monkeypatch, per_part):
    """A large store's record cache is built a part of the applications at a time: here 2 per part,
    and 1 (a part per application: parts without any stage record, whose spans have no folder)."""
    from getpower import table
    from getpower.store import Store

    monkeypatch.setattr(table, "RECORDS_PER_PART", per_part)
    store = Store(tmp_path / "store")
    store.ingest([messy])
    t = compute(store.root, "2023Q4")
    assert not list((store.root / "cache").glob(".parts-*"))  # the parts are gone once joined
    recs = pl.read_ipc(next((store.root / "cache").glob("records_*.arrow")))
    assert sorted(recs["rec"].to_list()) == list(range(recs.height))  # numbered once across parts
    assert t.drop("data_version").equals(compute(messy, "2023Q4").drop("data_version"))


def test_sample_store_and_its_extracts_give_the_same_table(sample_store):
    from polars.testing import assert_frame_equal

    # sums of thousands of hours may differ in the last bit with the order they are added in
    assert_frame_equal(compute(sample_store, "2023Q2").drop("data_version"),
                       compute(sample_store.parent / "extracts", "2023Q2").drop("data_version"),
                       rel_tol=1e-12, abs_tol=1e-12)


def test_two_runs_give_the_same_table_to_the_last_bit(sample_store, tmp_path):
    """Reproducible: two processes computing from the same store write the same bytes (sums are
    exact; nothing depends on the order threads add rows in)."""
    outs = []
    for i in range(2):
        out = tmp_path / f"run{i}.csv"
        p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(sample_store), "--period", "2023",
                            "--out", str(out), "--quiet"], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_table_holds_every_declared_cell(messy):
    t = compute(messy, "2023Q4")
    expected = sum(len(s.segments) * len(s.units) for s in declared()) * (len(params.cities()) + 1)
    assert t.height == expected
    assert t.filter(pl.col("value").is_null() & pl.col("reason").is_null()).height == 0
    assert t.filter(pl.col("value").is_null() & pl.col("met").is_not_null()).height == 0


@settings(max_examples=20, deadline=None)
@given(durations=st.lists(st.tuples(st.sampled_from(["杭州", "宁波", "温州"]), st.integers(0, 20)), min_size=1, max_size=12))
def test_province_is_pooled_from_records(durations):
    apps, stages = [], []
    for i, (city, days) in enumerate(durations):
        apps.append({"app_id": f"P{i}", "city": city})
        end = dt.datetime(2023, 3, 1, 9) + dt.timedelta(days=days)
        stages += [(f"P{i}", "申请受理", "2023-03-01 09:00", "2023-03-01 10:00", None),
                   (f"P{i}", "装表接电", "2023-03-01 11:00", end.isoformat(sep=" ", timespec="minutes"), None)]
    t = raw_indicators(frames(applications=apps, stages=stages), Period.parse("2023Q1")).filter(
        (pl.col("indicator") == "process_days_mean") & (pl.col("unit") == "calendar_days") & (pl.col("segment") == "全部"))
    prov = t.filter(pl.col("city") == "全省").row(0, named=True)
    all_days = [max(d, 0) for _, d in durations]
    assert prov["n"] == len(durations)
    assert prov["value"] == pytest.approx(sum(all_days) / len(all_days))


def test_cached_compute_once_per_fingerprint(messy, tmp_path):
    from getpower.store import Store
    from getpower.table import cache_key, cached_compute

    store = Store(tmp_path / "store")
    store.ingest([messy])
    first = cached_compute(store.root, "2023Q4")
    key = cache_key(store.root, "2023Q4")
    assert (store.root / "cache" / f"indicators_{key}.parquet").exists()
    assert cached_compute(store.root, "2023Q4").equals(first)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "用户数.csv").write_text("地市,区域类型,统计日期,用户总数\n杭州,市区,2023-06-30,2000\n", encoding="utf-8")
    store.ingest([tmp_path / "more"])
    assert cache_key(store.root, "2023Q4") != key  # new data, new key
    assert _value(cached_compute(store.root, "2023Q4"), "杭州", "outage_hours", "市区", "hours")["value"] == pytest.approx(0.15)
    # what the older data computed is pruned; the new data's results are kept
    cached = sorted(f.name.split("_")[0] for f in (store.root / "cache").iterdir())
    # (the extent of the sources is cached when a compute needs it: the quarter proved at ingest did not)
    assert {"indicators", "records", "spans"} <= set(cached) <= {"extent", "indicators", "records", "spans"}
    assert not (store.root / "cache" / f"indicators_{key}.parquet").exists()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_results_do_not_depend_on_row_order(seed):
    import random

    rng = random.Random(seed)
    apps = [{"app_id": f"R{i}", "city": rng.choice(["杭州", "宁波"]), "customer_class": rng.choice(["居民", "低压非居民"]),
             "channel": rng.choice(["网上国网", "营业厅"]), "customer_investment_yuan": rng.choice([0.0, 100.0])}
            for i in range(12)]
    stages = []
    for i, _ in enumerate(apps):
        start = dt.datetime(2023, 9, 25, 9) + dt.timedelta(days=rng.randrange(20))
        end = start + dt.timedelta(days=rng.randrange(12), hours=3)
        stages += [(f"R{i}", "申请受理", start.isoformat(" "), (start + dt.timedelta(hours=1)).isoformat(" "), None),
                   (f"R{i}", "装表接电", (start + dt.timedelta(hours=2)).isoformat(" "), end.isoformat(" "), None)]
    a = raw_indicators(frames(applications=apps, stages=stages), Period.parse("2023Q4"))
    rng.shuffle(apps)
    rng.shuffle(stages)
    b = raw_indicators(frames(applications=apps, stages=stages), Period.parse("2023Q4"))
    key = ["city", "indicator", "segment", "unit"]
    a, b = a.sort(key), b.sort(key)
    assert a.drop("value").equals(b.drop("value"))
    for x, y in zip(a["value"].to_list(), b["value"].to_list()):
        assert (x is None and y is None) or x == pytest.approx(y)
