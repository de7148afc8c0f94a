"""outage_frequency (SAIFI-1; custom, reliability.outage_share with measure frequency): Σ customers
affected / customers, each event in the window that contains its start."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (0.11, 2, None)),      # E1 100 + E4 10 over 1000; E2 started in 2022: counted there
    ("2022", "杭州", "市区", (round(50 / 800, 6), 1, None)),  # E2, customers as of 2022-12-31
    ("2023", "宁波", "市区", (0.1, 1, None)),       # E5 300 / 3000
    ("2022Q3", "全省", "全口径", (None, 0, "停电事件数据始于2022-01，统计窗口早于数据起点")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_frequency(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_frequency")[(city, segment)] == expected
