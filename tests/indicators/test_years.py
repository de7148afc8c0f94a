"""After the plan: year-dependent parameters per year, and the 三零 segment with its own limits."""
from literal_frames import frames, values

OUT = [("E1", "杭州", None, "市区", "故障", "内部", "2027-01-01 10:00", "2027-01-01 12:00", 10)]
BASE = [("杭州", "市区", "2026-12-31", 100)]


def test_a_year_without_its_policy_parameters_is_null_with_the_reason():
    fr = frames(outages=OUT, customer_base=BASE)
    got = values(fr, "2027", "outage_hours")
    assert got[("杭州", "市区")] == (None, 1, "2027 年短时停电阈值未配置（params/thresholds.yaml）")
    # 2026 lists the threshold (3 minutes, DL/T 836-2016 in force): computed
    fr = frames(outages=[(*OUT[0][:6], "2026-01-01 10:00", "2026-01-01 12:00", 10)], customer_base=BASE)
    assert values(fr, "2026", "outage_hours")[("杭州", "市区")] == (0.2, 1, None)  # 2 h × 10 / 100


SL = "低压小微（三零）"
LV = {"customer_class": "低压非居民", "small_micro": True, "capacity_kw": 100.0, "supply_voltage_kv": 0.38,
      "customer_investment_yuan": 0.0}
APPS = [{"app_id": "S1", **LV}, {"app_id": "S2", **LV},
        {"app_id": "S3", **LV, "customer_investment_yuan": 5000.0},   # paid: not 三零
        {"app_id": "S4", **LV, "small_micro": False},                 # not small and micro: not 三零
        {"app_id": "S5", **LV}]                                       # 三零, still open at the year end
STAGES = [
    # S1: Wed 11-01 → Wed 11-22: 21 calendar days; working days (11-01, 11-22] = 2 + 5 + 5 + 3 = 15
    ("S1", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S1", "装表接电", "2023-11-20 09:00", "2023-11-22 10:00", None),
    # S2: one day more: 22 calendar, 16 working
    ("S2", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S2", "装表接电", "2023-11-20 09:00", "2023-11-23 10:00", None),
    ("S3", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S3", "装表接电", "2023-11-02 09:00", "2023-11-03 10:00", None),
    ("S4", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S4", "装表接电", "2023-11-02 09:00", "2023-11-03 10:00", None),
    # S5: accepted Fri 12-01, open at Sun 12-31: working days (12-01, 12-31] = 4 weeks × 5 = 20 > 15
    ("S5", "申请受理", "2023-12-01 09:00", "2023-12-01 10:00", None),
]
FR = frames(applications=APPS, stages=STAGES)


def test_sanling_segment_values():
    assert values(FR, "2023Q4", "process_days_mean", "calendar_days")[("杭州", SL)] == (21.5, 2, None)
    assert values(FR, "2023Q4", "process_days_mean", "working_days")[("杭州", SL)] == (15.5, 2, None)
    assert values(FR, "2023Q4", "within_limit_rate")[("杭州", SL)] == (0.5, 2, None)    # S1 15 ≤ 15, S2 16 > 15
    assert values(FR, "2023Q4", "open_overdue")[("杭州", SL)] == (1.0, 1, None)         # S5 20 > 15
    assert values(FR, "2023Q4", "open_overdue")[("宁波", SL)] == (0.0, 0, None)         # a limit, none overdue
    # not added into 全部 a second time: 全部 holds S1–S4 once (21 + 22 + 2 + 2) / 4
    assert values(FR, "2023Q4", "process_days_mean", "calendar_days")[("杭州", "全部")] == (11.75, 4, None)
    assert values(FR, "2023Q4", "process_days_mean", "calendar_days")[("全省", SL)] == (21.5, 2, None)


def test_sanling_limits_by_year_and_scoring():
    from getpower.indicators.inputs import Limits
    from getpower.table import indicator_table

    assert [Limits.for_year(y).sanling for y in (2020, 2021, 2022, 2023, 2025)] == [
        None, ("process", "working_days", 20.0), ("process", "working_days", 15.0),
        ("process", "working_days", 15.0), ("process", "working_days", 15.0)]   # 2025: inherited from 2023
    t = indicator_table(FR, "2023Q4")
    r = t.filter((t["city"] == "杭州") & (t["segment"] == SL) & (t["unit"] == "working_days")).row(0, named=True)
    # 15.5 against 15: not met, 0.5 over; score 100 × (20 − 15.5) / (20 − 3)
    assert (r["target"], r["met"], r["gap"], r["met_by"]) == (15.0, False, 0.5, "—")
    assert abs(r["score"] - 100 * 4.5 / 17) < 1e-9
