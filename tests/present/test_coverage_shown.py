"""What scorecards and dashboards show of coverage, met_by and data currency, from one table where
丽水's applications, outages and approvals extracts have not arrived."""
import polars as pl
import pytest

from getpower.present import dashboard as db
from getpower.present import scorecard as sc
from getpower.scoring import composite
from getpower.table import indicator_table, load_frames


@pytest.fixture(scope="module")
def data(sample_store):
    fr = load_frames(sample_store)
    for kind in ("applications", "outages", "approvals"):
        fr[kind] = fr[kind].filter(pl.col("city") != "丽水")
    table = indicator_table(fr, "2023Q4", version="v9（测试）").with_columns(
        pl.lit(None, pl.Float64).alias("change"))
    meta = {"period": "2023Q4", "data_through": "2024-02-22", "currency": "数据截至 2024-02-22 · 数据版本 v9（测试）"}
    return sc.ScorecardData(table, table, composite(table), {}, pl.DataFrame(), meta)


def test_scorecard_header_of_a_city_without_enough_data(data):
    html = sc.header_html(data, "丽水")
    assert "数据不足" in html and "（覆盖 " in html and "不排名" in html and "缺少报装工单、停电事件、接入工程审批数据" in html
    assert sc.record(data, "丽水")["rank"] is None and sc.record(data, "丽水")["composite"] is None
    first = data.composite.filter(pl.col("rank") == 1)["city"][0]
    assert "第 1 名" in sc.header_html(data, first)


def test_province_ranking_lists_the_unranked_after_the_ranked(data):
    df = sc.ranking_gt(data)._tbl_data
    assert df["城市"].to_list()[-1] == "丽水" and df["排名"].to_list()[-1] == "—"
    assert df["综合得分"].to_list()[-1] == "数据不足" and df["说明"].to_list()[-1].startswith("数据不足（覆盖 ")
    assert sc.province_record(data)["unranked"] == ["丽水"] and "丽水" not in sc.province_record(data)["ranking"]


def test_scorecard_rows_and_provenance_show_met_by_and_currency(data):
    rows = sc.indicator_rows(data, "杭州")
    assert rows.columns.index("达标依据") == rows.columns.index("状态") + 1
    assert set(rows["达标依据"].to_list()) <= {"目标值", "—", "同比下降 ≥ 8 %"}
    assert "数据截至 2024-02-22" in sc.provenance_html(data.meta)


def test_dashboard_ranking_status_and_rows(data):
    html = db.ranking_html(data.composite)
    assert html.count("<tr>") == 1 + 10 and html.count('class="gp-unranked"') == 1  # header + 10 ranked
    last_ranked = data.composite.filter(pl.col("rank") == 10)["city"][0]
    assert html.index("丽水") > html.index(f"<b>{last_ranked}</b>")
    assert "数据不足（覆盖 " in db.city_status_html(data.composite, "丽水")
    first = data.composite.filter(pl.col("rank") == 1)["city"][0]
    assert "全省第 <b>1</b> 名" in db.city_status_html(data.composite, first)
    assert "达标依据" in db.display_rows(db.city_rows(data.table, "杭州", None)).columns
    assert "数据版本 v9（测试）" in db.currency_html(data.table, "2023Q4")


def test_dashboard_period_choices_include_the_year_to_date(sample_store):
    options = db.period_options(sample_store)
    assert ("2023Q3 年初至今", "2023Q3YTD") in options and ("2023Q3", "2023Q3") in options
    assert db.valid_period("2023Q3YTD", sample_store) == "2023Q3YTD"
    assert db.valid_period("1999Q1YTD", sample_store) == db.periods(sample_store)[-1]


def test_met_by_the_year_on_year_rule_is_its_own_status_in_tables_and_charts(data):
    yoy = data.table.filter(pl.col("met_by").str.starts_with("同比"))
    assert yoy.height > 0  # the sample has outage rows above target met by a fall of 8 % or more
    city = yoy["city"][0]
    rows = sc.indicator_rows(data, city)
    assert rows.filter(pl.col("达标依据").str.starts_with("同比"))["状态"].unique().to_list() == ["达标（同比下降）"]


def test_city_cards_show_the_sanling_segment(data):
    html = db.cards_html(db.city_rows(data.table, "宁波", None))
    assert "全过程办电时间（平均） · 低压小微（三零）" in html and "目标 15.00" in html


def test_quarterly_rows_show_the_year_to_date_beside_the_quarter(data):
    d = sc.ScorecardData(data.table.with_columns((pl.col("value") * 2).alias("ytd_value")), data.history,
                         data.composite, {}, pl.DataFrame(), data.meta)
    rows = sc.indicator_rows(d, "宁波")
    assert rows.columns[rows.columns.index("数值") + 1] == "年初至今"
    assert "年初至今" not in sc.indicator_rows(data, "宁波").columns  # a year or a YTD: no such column
