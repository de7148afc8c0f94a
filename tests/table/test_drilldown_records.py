"""The records behind a cell carry what opens them (#15): a stage's and a received application's
list its application number (the timeline link), an outage cell's list the events it sums, each
with what it adds to the numerator (reliability.outage_share_events). Literal frames, values by hand."""
import polars as pl
import pytest

from getpower.indicators.engine import records
from getpower.periods import Period
from getpower.present import drill_view as dv
from getpower.registry import spec
from getpower.table import prepare_inputs
from indicator_cases import OUTAGES, TIMING, TIMING_APPS, TIMING_STAGES
from literal_frames import frames

# B1's 装表接电 taking 6 days instead of 3: over annex 1's 4 days (as test_stage_within_limit_rate)
SLOW = frames(applications=TIMING_APPS[-1:],
              stages=TIMING_STAGES[-4:-1] + [("B1", "装表接电", "2024-02-02 10:00", "2024-02-08 10:00", None)])


def _records(fr, period, indicator, city, segment):
    inp = prepare_inputs(fr, Period.parse(period), ids=True)
    return records(spec(indicator), inp, city, segment).collect()


APP_CASES = [  # frame, period, indicator, city, segment → [(app_id, stage or None, counted)] in start order
    # every limited stage of B1 (completed 2024-02-08), the slow 装表接电 not counted
    (SLOW, "2024Q1", "stage_within_limit_rate", "宁波", "全部",
     [("B1", "申请受理", True), ("B1", "供电方案答复", True), ("B1", "竣工检验", True), ("B1", "装表接电", False)]),
    (SLOW, "2024Q1", "stage_within_limit_rate", "宁波", "装表接电", [("B1", "装表接电", False)]),
    (SLOW, "2024Q1", "stage_within_limit_rate", "杭州", "全部", []),
    # received in 2023Q4 (申请受理 started in it): A2, A3 (withdrawn too), A4, A5; A1 started 09-28
    (TIMING, "2023Q4", "online_application_rate", "杭州", "全部",
     [("A2", None, True), ("A3", None, True), ("A4", None, True), ("A5", None, True)]),
]


@pytest.mark.parametrize("fr, period, indicator, city, segment, expected", APP_CASES)
def test_records_carry_their_application(fr, period, indicator, city, segment, expected):
    got = _records(fr, period, indicator, city, segment)
    order = "started_at" if "started_at" in got.columns else "accepted_at"
    got = got.sort(order, "app_id")
    stage = got["stage"].cast(pl.String) if "stage" in got.columns else pl.Series([None] * got.height)
    assert list(zip(got["app_id"], stage, got["counted"])) == expected
    # the timeline link: the list's applications, once each
    assert dv.application_ids(got) == list(dict.fromkeys(a for a, _, _ in expected))


def test_yes_no_columns_shown_in_chinese():
    shown = dv.shown(_records(TIMING, "2024Q1", "within_limit_rate", "宁波", "全部"))
    assert shown.select("工单编号", "重要用户", "计入分子").rows() == [("B1", "否", "是")]  # utility 11 ≤ 30 calendar days


def test_stage_records_shown_with_their_application():
    shown = dv.shown(_records(SLOW, "2024Q1", "stage_within_limit_rate", "宁波", "装表接电"))
    assert shown.columns[:3] == ["地市", "工单编号", "客户类别"]
    assert shown.row(0, named=True) == {
        "地市": "宁波", "工单编号": "B1", "客户类别": "高压单电源", "环节": "装表接电", "环节开始": "2024-02-02 10:00",
        "环节结束": "2024-02-08 10:00", "竣工时间": "2024-02-08 10:00", "环节用时（自然日）": 6,
        "环节时限（自然日）": 4.0, "计入分子": "否"}


# OUTAGES (indicator_cases): 杭州 市区 1000 customers as of 2023-06-30, 市中心区 500; 宁波 市区 3000
OUTAGE_CASES = [  # period, indicator, city, segment → [(event, hours in window, weight)] by start; cell value
    # E2 2 h of 3 inside 2023 × 50, E1 2 h × 100, E4 0.5 h × 10; E3 (2 min) left out: 305 / 1000
    ("2023", "outage_hours", "杭州", "市区", [("E2", 2.0, 100.0), ("E1", 2.0, 200.0), ("E4", 0.5, 5.0)], 0.305),
    # the aggregate: the same events over 市中心区 + 市区's 1500 customers
    ("2023", "outage_hours", "杭州", "城网", [("E2", 2.0, 100.0), ("E1", 2.0, 200.0), ("E4", 0.5, 5.0)], 305 / 1500),
    ("2023", "outage_hours", "杭州", "农村", [], None),  # no customers there: null, and no event
    # frequency: customers affected of the events starting in the window (E2 started in 2022)
    ("2023", "outage_frequency", "杭州", "市区", [("E1", 2.0, 100.0), ("E4", 0.5, 10.0)], 0.11),
    ("2023", "outage_hours_fault", "杭州", "市区", [("E2", 2.0, 100.0), ("E4", 0.5, 5.0)], 0.105),
    ("2023", "outage_hours_ex_external", "杭州", "市区", [("E2", 2.0, 100.0), ("E1", 2.0, 200.0)], 0.3),
    # the province: every city's events, 宁波's shortage left out of this member
    ("2023", "outage_hours_ex_shortage", "全省", "市区",
     [("E2", 2.0, 100.0), ("E1", 2.0, 200.0), ("E4", 0.5, 5.0)], 305 / 4000),
    ("2023", "outage_hours", "全省", "市区",
     [("E2", 2.0, 100.0), ("E1", 2.0, 200.0), ("E5", 1.0, 300.0), ("E4", 0.5, 5.0)], 605 / 4000),
    # 2022: E0 lasts a minute (left out); E2's last hour of 2022 × 50 over 800 customers
    ("2022", "outage_hours", "杭州", "市区", [("E2", 1.0, 50.0)], 50 / 800),
    ("2022", "outage_hours", "宁波", "市区", [], None),
]


@pytest.mark.parametrize("period, indicator, city, segment, expected, value", OUTAGE_CASES)
def test_outage_records_are_the_events_summed(period, indicator, city, segment, expected, value):
    from literal_frames import values

    got = _records(OUTAGES, period, indicator, city, segment)
    assert got["event_id"].to_list() == [e for e, _, _ in expected]
    assert got["hours_in_window"].to_list() == pytest.approx([h for _, h, _ in expected])
    assert got["weight"].to_list() == pytest.approx([w for _, _, w in expected])
    cell_value, n, _ = values(OUTAGES, period, indicator)[(city, segment)]
    assert got.height == n
    assert cell_value == (None if value is None else round(value, 6))


def test_outage_records_shown_in_chinese_without_applications():
    got = _records(OUTAGES, "2023", "outage_hours", "杭州", "市区")
    assert dv.shown(got).columns == ["地市", "停电事件编号", "区县", "区域类型", "停电性质", "停电原因", "停电开始时间",
                                     "恢复送电时间", "停电用户数", "窗口内停电时长（小时）", "计入分子的量"]
    assert dv.application_ids(got) == []
    assert dv.drillable("outage_hours") and dv.drillable("outage_hours_yoy")
    # a change between two windows: this window's events, those outage_hours sums (its n)
    assert _records(OUTAGES, "2023", "outage_hours_yoy", "杭州", "市区").equals(_records(OUTAGES, "2023", "outage_hours", "杭州", "市区"))


@pytest.mark.parametrize("indicator, segment, message", [
    ("outage_hours_yoy", "全部", "停电指标没有分组“全部”"),
    ("outage_hours", "全部", "停电指标没有分组“全部”"),   # not an area type or aggregate
])
def test_outage_records_refused(indicator, segment, message):
    with pytest.raises(ValueError, match=message):
        _records(OUTAGES, "2023", indicator, "杭州", segment)
