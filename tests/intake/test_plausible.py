"""Plausibility bounds: a typo no real record has is quarantined with the bound named."""
import datetime as dt

import polars as pl
import pytest

from getpower.intake.validate import validate_paths
from getpower.store import Store
from getpower.table import compute

TODAY = dt.date.today()
LATEST = TODAY + dt.timedelta(days=31)
OUT = "停电事件编号,地市,区域类型,停电性质,停电开始时间,恢复送电时间,停电用户数"
APP = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"
STAGE = "工单编号,环节名称,环节开始时间,环节结束时间"
APR = "项目编号,地市,电压等级,线路长度(米),办理方式,申请时间,办结时间"


@pytest.mark.parametrize("name, header, row, reason", [
    ("outages.csv", OUT, "E1,杭州,市区,故障,2023-03-01 10:00,2023-03-01 12:00,1000000000000000000",
     "停电用户数超出合理范围（应≤10000000，参数 plausible.max.customers_affected）"),
    ("outages.csv", OUT, "E1,杭州,市区,故障,2013-03-01 10:00,2023-03-01 12:00,100",  # a ten-year outage
     "停电时长超出合理范围（应≤720小时，参数 plausible.outage_max_hours）"),
    ("outages.csv", OUT, "E1,杭州,市区,故障,2023-03-01 10:00,2023-03-31 10:00,100", None),  # 30 days: kept
    ("stages.csv", STAGE, "A1,申请受理,2029-03-01 09:00,2029-03-01 10:00",
     f"环节开始时间晚于 {LATEST}（校验日加 31 天，参数 plausible.future_margin_days）"),
    ("stages.csv", STAGE, "A1,申请受理,2023-03-01 09:00,2029-03-01 10:00",
     f"环节结束时间晚于 {LATEST}（校验日加 31 天，参数 plausible.future_margin_days）"),
    ("stages.csv", STAGE, "A1,申请受理,1999-12-31 09:00,2023-03-01 10:00",
     "环节开始时间早于 2000-01-01（合理范围下限，参数 plausible.earliest_date）"),
    ("stages.csv", STAGE, "A1,申请受理,2000-01-01 09:00,2023-03-01 10:00", None),  # the bound itself: kept
    ("stages.csv", STAGE, "A1,申请受理,2000-01-01 00:00:00,2023-03-01 10:00", None),  # its first second: kept
    ("stages.csv", STAGE, "A1,申请受理,1999-12-31 23:59:59,2023-03-01 10:00",  # the last second before it
     "环节开始时间早于 2000-01-01（合理范围下限，参数 plausible.earliest_date）"),
    ("stages.csv", STAGE, f"A1,申请受理,2023-03-01 09:00,{LATEST} 23:59:59", None),  # the latest day's last second
    ("stages.csv", STAGE, f"A1,申请受理,2023-03-01 09:00,{LATEST + dt.timedelta(days=1)} 00:00:00",
     f"环节结束时间晚于 {LATEST}（校验日加 31 天，参数 plausible.future_margin_days）"),
    ("customer_base.csv", "地市,区域类型,统计日期,用户总数", f"杭州,市区,{LATEST},100", None),  # a date: its day compared
    ("customer_base.csv", "地市,区域类型,统计日期,用户总数", f"杭州,市区,{LATEST + dt.timedelta(days=1)},100",
     f"统计日期晚于 {LATEST}（校验日加 31 天，参数 plausible.future_margin_days）"),
    ("applications.csv", APP, "A1,杭州,低压非居民,5000000,10kV,网上国网,0",
     "申请容量(kW)超出合理范围（应≤2000000，参数 plausible.max.capacity_kw）"),
    ("applications.csv", APP, "A1,杭州,低压非居民,50,0.4kV,网上国网,20000000000",
     "客户投资(元)超出合理范围（应≤10000000000，参数 plausible.max.customer_investment_yuan）"),
    ("approvals.csv", APR, "P1,杭州,10kV,300000,行政许可,2023-03-01,2023-03-05",
     "线路长度(米)超出合理范围（应≤200000，参数 plausible.max.line_length_m）"),
])
def test_bounds(tmp_path, name, header, row, reason):
    f = tmp_path / name
    f.write_text(f"{header}\n{row}\n", encoding="utf-8")
    [r] = validate_paths([f], orphans=False)
    assert r.quarantined["隔离原因"].to_list() == ([reason] if reason else [])


def test_a_mistyped_year_is_quarantined_and_the_store_computes_every_quarter(tmp_path):
    d = tmp_path / "u"
    d.mkdir()
    (d / "applications.csv").write_text(f"{APP}\nA1,杭州,居民,8,220V,网上国网,0\nA2,杭州,居民,8,220V,网上国网,0\n",
                                        encoding="utf-8")
    (d / "stages.csv").write_text(f"{STAGE}\nA1,申请受理,2023-03-01 09:00,2023-03-01 10:00\n"
                                  "A1,装表接电,2023-03-02 09:00,2023-03-03 10:00\n"
                                  "A2,申请受理,2029-03-01 09:00,2029-03-01 10:00\n", encoding="utf-8")
    store = Store(tmp_path / "store")
    res = store.ingest([d])
    stages = next(r for r in res.results if r.kind == "stages")
    assert stages.reasons == {f"环节开始时间晚于 {LATEST}（校验日加 31 天，参数 plausible.future_margin_days）": 1}
    assert res.version == "v000001"
    for period in ("2023Q1", "2023Q4", "2023"):  # 2023Q4 lies after the data (#12): computed when asked
        assert compute(store.root, period, allow_empty=True).height > 0
    # the corrected row gets in: nothing remembers the file as done
    (d / "stages.csv").write_text(f"{STAGE}\nA2,申请受理,2023-03-01 09:00,2023-03-01 10:00\n", encoding="utf-8")
    store.ingest([d / "stages.csv"])
    assert sorted(store.read("stages").select("app_id", "stage").rows()) == [
        ("A1", "申请受理"), ("A1", "装表接电"), ("A2", "申请受理")]
    from getpower.intake.report import quarantine_path

    assert pl.read_csv(quarantine_path(res.upload_dir, stages))["行号"].to_list() == [4]


def test_more_customers_affected_than_the_city_area_has(tmp_path):
    d = tmp_path / "u"
    d.mkdir()
    (d / "用户数.csv").write_text("地市,区域类型,统计日期,用户总数\n杭州,市区,2022-12-31,1000\n杭州,市区,2023-06-30,1200\n",
                                 encoding="utf-8")
    (d / "outages.csv").write_text(f"{OUT}\nE1,杭州,市区,故障,2023-03-01 10:00,2023-03-01 12:00,1200\n"
                                   "E2,杭州,市区,故障,2023-03-02 10:00,2023-03-02 12:00,1201\n"
                                   "E3,宁波,市区,故障,2023-03-02 10:00,2023-03-02 12:00,5000\n", encoding="utf-8")
    out = next(r for r in validate_paths([d]) if r.kind == "outages")
    assert out.quarantined.select("行号", "隔离原因").rows() == [(3, "停电用户数超过该地市该区域的用户总数（1200 户，用户数提取）")]
    # in the store: against the customers stored before
    store = Store(tmp_path / "store")
    store.ingest([d / "用户数.csv"])
    res = store.ingest([d / "outages.csv"])
    [r] = res.results
    assert (r.rows_accepted, r.reasons) == (2, {"停电用户数超过该地市该区域的用户总数（1200 户，用户数提取）": 1})
