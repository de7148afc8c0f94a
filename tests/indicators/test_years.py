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
