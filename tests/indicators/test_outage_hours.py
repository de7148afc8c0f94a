"""outage_hours (SAIDI-1; params/indicators.yaml: custom, reliability.outage_share, measure hours):
Σ hours inside the window × customers affected / customers, all kinds and causes, by area type and
aggregate. OUTAGES (indicator_cases): 杭州 市区 has 1000 customers as of 2023-06-30."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (round((200 + 100 + 5) / 1000, 6), 3, None)),  # E1 2h×100, E2 2h×50 in 2023, E4 0.5h×10
    ("2023", "杭州", "市中心区", (0.0, 0, None)),                  # customers, no event there: 0 hours (the city has events)
    ("2023", "杭州", "城网", (round(305 / 1500, 6), 3, None)),     # Σ customer-hours / Σ customers (市中心区 + 市区)
    ("2023", "杭州", "全口径", (round(305 / 1500, 6), 3, None)),
    ("2023", "杭州", "农村", (None, 0, "缺少用户数")),
    ("2023", "温州", "市区", (None, 0, "期内无该市停电事件记录")),  # no data is not zero hours
    ("2023Q1", "杭州", "市区", (round(350 / 800, 6), 2, None)),    # rolling 2022-04 .. 2023-03, customers of 2022-12-31
    ("2022Q3", "杭州", "市区", (None, 0, "停电事件数据始于2022-01，统计窗口早于数据起点")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours")[(city, segment)] == expected
