"""What the dashboards write for people (issue #13), from literal inputs: ratios as percentages,
the one status vocabulary, the pages a viewer may open, Chinese drill-down columns and values."""
import polars as pl
import pytest

from getpower import access
from getpower.present import dashboard as db

ROW = {"indicator": "online_application_rate", "segment": "全部", "unit": "ratio", "value": 0.9406, "target": 1.0,
       "met": False, "met_by": None, "gap": 0.0594, "rank": 3, "change": -0.012, "n": 120, "reason": None,
       "data_to": None, "data_version": "v000001"}


@pytest.mark.parametrize("row, expected", [
    # ratio: value, target, gap and change in percent
    ({}, {"单位": "%", "数值": 94.06, "目标": 100.0, "差距": 5.94, "较上期": -1.2, "状态": "未达标"}),
    # days stay days
    ({"unit": "calendar_days", "value": 8.8812, "target": 10.0, "gap": -1.1188, "change": None, "met": True},
     {"单位": "自然日", "数值": 8.88, "目标": 10.0, "差距": -1.12, "较上期": None, "状态": "达标"}),
    ({"value": None, "met": None, "reason": "缺少该市停电事件数据"}, {"数值": None, "状态": "无数据", "说明": "缺少该市停电事件数据"}),
    ({"target": None, "met": None, "gap": None}, {"目标": None, "状态": "无目标"}),
    ({"unit": "hours", "met": True, "met_by": "同比下降 ≥ 8 %"}, {"状态": "达标（同比下降）", "达标依据": "同比下降 ≥ 8 %"}),
])
def test_display_rows(row, expected):
    out = db.display_rows(pl.DataFrame([ROW | row], schema_overrides={"data_to": pl.Date, "change": pl.Float64,
                                                                       "target": pl.Float64, "gap": pl.Float64,
                                                                       "value": pl.Float64, "met": pl.Boolean,
                                                                       "met_by": pl.String, "reason": pl.String}))
    got = out.row(0, named=True)
    assert {k: got[k] for k in expected} == expected


def test_drill_lists_in_chinese():
    df = pl.DataFrame({"city": ["杭州", "杭州"], "app_id": ["A1", "A2"], "customer_class": ["低压非居民", "居民"],
                       "backfill": [True, False], "burst": [None, False]}, schema_overrides={"burst": pl.Boolean})
    out = db.drill_frame(df)
    assert out.columns == ["地市", "工单编号", "客户类别", "后补流程", "集中录入"]
    assert out.rows() == [("杭州", "A1", "低压非居民", "是", "—"), ("杭州", "A2", "居民", "否", "否")]


def test_the_header_lists_the_pages_the_viewer_may_open():
    everyone = access.local_grant("分析员")
    nav = db.nav_html("city", everyone, {"city": "宁波", "period": "2023Q4"})
    assert [p for p in access.PAGES if f'data-nav="{p}"' in nav] == list(access.PAGES)  # one declared list
    assert 'data-query="city=%E5%AE%81%E6%B3%A2&amp;period=2023Q4"' in nav and 'aria-current="page"' in nav
    viewer = access.Grant(user="hz", role="地市", pages=frozenset({"overview", "city"}), cities=("杭州",))
    nav = db.nav_html("overview", viewer, {"period": "2023Q4"})
    assert 'data-nav="ledger"' not in nav and 'data-nav="intake"' not in nav
    assert 'href="city.ipynb?period=2023Q4"' in nav
    assert "gp-city-link" in db.city_link("杭州", "2023Q4", viewer) and "href" not in db.city_link("宁波", "2023Q4", viewer)
