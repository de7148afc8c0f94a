"""After the plan: year-dependent parameters per year, and the 三零 segment scored against its own
limits by year (its values: test_process_days_mean, test_within_limit_rate, test_open_overdue)."""
from indicator_cases import SANLING, SL
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


FR = SANLING


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
