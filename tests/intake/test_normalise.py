"""Header aliases and value coercion rules, table-driven."""
from datetime import date, datetime

import polars as pl
import pytest

from getpower.contract import KIND_BY_NAME, header_map, norm_header
from getpower.intake.normalise import coerce


@pytest.mark.parametrize(
    "kind, header, canonical",
    [
        ("applications", "申请容量（kW）", "capacity_kw"),
        ("applications", " 申请容量(KW) ", "capacity_kw"),
        ("applications", "报装容量(kVA)", "capacity_kw"),
        ("applications", "供电单位", "city"),
        ("applications", "用户分类", "customer_class"),
        ("applications", "高危及重要用户", "important"),
        ("applications", "客户承担费用（元）", "customer_investment_yuan"),
        ("applications", "受理渠道", "channel"),
        ("applications", "APP_ID", "app_id"),
        ("stages", "完成时间", "finished_at"),
        ("stages", "系统记录时间", "recorded_at"),
        ("outages", "停电户数", "customers_affected"),
        ("outages", "地区特征", "area_type"),
        ("customer_base", "总用户数", "customers"),
        ("approvals", "线路长度（米）", "line_length_m"),
        ("ledger_status", "责任单位", "unit"),
    ],
)
def test_header_aliases(kind, header, canonical):
    assert header_map(KIND_BY_NAME[kind])[norm_header(header)] == canonical


def _coerce(kind, column, values):
    col = KIND_BY_NAME[kind].column(column)
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(coerce(col, pl.col("v")).alias("v"))["v"].to_list()


@pytest.mark.parametrize(
    "kind, column, raw, expected",
    [
        ("applications", "city", ["杭州市", "杭州", " 宁波 ", "国网温州供电公司", "上海", "杭"], ["杭州", "杭州", "宁波", "温州", None, None]),
        ("applications", "customer_class", ["居民", "resident", "LV_NONRES", "高压双电源", "hv_single", "大工业"],
         ["居民", "居民", "低压非居民", "高压双电源", "高压单电源", None]),
        ("applications", "important", ["是", "否", "Y", "n", "1", "0", "TRUE", "false", "也许"],
         [True, False, True, False, True, False, True, False, None]),
        ("applications", "supply_voltage_kv", ["220V", "380V", "10kV", "0.4", "20", "交流10kV", "10千伏", "高压"],
         [0.22, 0.38, 10.0, 0.4, 20.0, 10.0, 10.0, None]),
        ("applications", "capacity_kw", ["160", "1,250", "12.5", "约50"], [160.0, 1250.0, 12.5, None]),
        ("applications", "status", ["已归档", "open", "已撤销", "withdrawn", "挂起"], ["已归档", "在途", "已撤销", "已撤销", None]),
        ("stages", "stage", ["申请受理", "completion_connect", "装表接电", "勘查"], ["申请受理", "竣工装表接电", "装表接电", None]),
        ("outages", "kind", ["预安排", "planned", "故障", "FAULT"], ["预安排", "预安排", "故障", "故障"]),
        ("outages", "cause", ["外部影响", "supply_shortage", "内部"], ["外部影响", "系统电源不足限电", "内部"]),
        ("outages", "area_type", ["市中心区", "urban", "城镇", "rural"], ["市中心区", "市区", "城镇", "农村"]),
        ("outages", "customers_affected", ["12", "12.0", "12.5", "x"], [12, 12, None, None]),
        ("approvals", "voltage_class", ["低压", "10kv", "20kV", "35kv_plus", "lv"], ["低压", "10kV", "20kV", "35kV及以上", "低压"]),
        ("approvals", "mode", ["告知承诺", "filing", "exempt", "并联审批"], ["告知承诺", "备案", "免于审批", "并联审批"]),
        ("ledger_status", "unit", ["全省", "杭州市", "浙江省", "各供电企业"], ["全省", "杭州", "全省", None]),
        ("ledger_status", "status", ["已完成", "in_progress", "未启动"], ["已完成", "推进中", "未启动"]),
    ],
)
def test_value_coercion(kind, column, raw, expected):
    assert _coerce(kind, column, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2023-10-01 08:30", datetime(2023, 10, 1, 8, 30)),
        ("2023-10-01 08:30:15", datetime(2023, 10, 1, 8, 30, 15)),
        ("2023/10/01 08:30", datetime(2023, 10, 1, 8, 30)),
        ("2023/1/5 8:03:00", datetime(2023, 1, 5, 8, 3)),
        ("2023-10-01", datetime(2023, 10, 1)),
        ("2023-10-01T08:30:00.000000", datetime(2023, 10, 1, 8, 30)),
        ("45200", datetime(2023, 10, 1)),
        ("45200.75", datetime(2023, 10, 1, 18, 0)),
        ("123", None),  # a small number is not a date
        ("十月一日", None),
    ],
)
def test_timestamps(raw, expected):
    assert _coerce("stages", "started_at", [raw]) == [expected]


def test_dates():
    assert _coerce("customer_base", "as_of", ["2023-12-31", "2023/6/30", "45291"]) == [
        date(2023, 12, 31), date(2023, 6, 30), date(2023, 12, 31)]
