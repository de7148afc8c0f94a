"""Year to date (indicators.md Conventions; issue #12): 2023Q3YTD = 1 January to 30 September,
computed like a year over the months so far."""
import pytest

from literal_frames import frames, values

APPS = [{"app_id": f"Y{i}"} for i in range(1, 5)]
STAGES = [
    ("Y1", "申请受理", "2023-01-03 09:00", "2023-01-03 10:00", None), ("Y1", "装表接电", "2023-01-04 09:00", "2023-01-05 09:00", None),  # 2 days, Q1
    ("Y2", "申请受理", "2023-05-08 09:00", "2023-05-08 10:00", None), ("Y2", "装表接电", "2023-05-09 09:00", "2023-05-12 09:00", None),  # 4 days, Q2
    ("Y3", "申请受理", "2023-09-25 09:00", "2023-09-25 10:00", None), ("Y3", "装表接电", "2023-09-26 09:00", "2023-10-03 09:00", None),  # 8 days, Q4
    ("Y4", "申请受理", "2023-08-01 09:00", "2023-08-01 10:00", None), ("Y4", "装表接电", "2023-08-02 09:00", "2023-08-07 09:00", None),  # 6 days, Q3
]
OUTAGES = [("E1", "杭州", None, "市区", "故障", "内部", "2023-01-01 10:00", "2023-01-01 12:00", 10),   # 2 h × 10
           ("E2", "杭州", None, "市区", "故障", "内部", "2023-09-30 23:00", "2023-10-01 01:00", 50),   # 1 h inside × 50
           ("E3", "杭州", None, "市区", "故障", "内部", "2023-11-01 10:00", "2023-11-01 14:00", 10)]   # after Q3
BASE = [("杭州", "市区", "2022-12-31", 100)]
FR = frames(applications=APPS, stages=STAGES, outages=OUTAGES, customer_base=BASE)


@pytest.mark.parametrize("period, mean, n", [("2023Q1YTD", 2.0, 1), ("2023Q2YTD", 3.0, 2), ("2023Q3YTD", 4.0, 3),
                                             ("2023Q4YTD", 5.0, 4)])
def test_ytd_counts_the_applications_completed_so_far(period, mean, n):
    assert values(FR, period, "process_days_mean", "calendar_days")[("杭州", "居民")] == (mean, n, None)


def test_ytd_outage_hours_over_the_months_so_far():
    # Jan 1 – Sep 30: E1 2 h × 10 + E2 the hour before midnight × 50 = 70 customer-hours / 100
    assert values(FR, "2023Q3YTD", "outage_hours")[("杭州", "市区")] == (0.7, 2, None)
    # the full year to date is the year: + E2's hour after midnight × 50 + E3 4 h × 10
    assert values(FR, "2023Q4YTD", "outage_hours")[("杭州", "市区")] == values(FR, "2023", "outage_hours")[("杭州", "市区")]
    assert values(FR, "2023Q4YTD", "outage_hours")[("杭州", "市区")][0] == pytest.approx(1.6)


def test_ytd_label_in_the_table():
    from getpower.table import indicator_table

    t = indicator_table(FR, "2023Q3YTD")
    assert set(t["period"].to_list()) == {"2023Q3YTD"}
    r = t.filter((t["city"] == "杭州") & (t["indicator"] == "process_days_mean") & (t["segment"] == "居民")
                 & (t["unit"] == "calendar_days")).row(0, named=True)
    assert (r["value"], r["target"], r["met"]) == (4.0, 7.0, True)  # the year's targets
