"""outage_hours_yoy (custom, reliability.outage_hours_yoy): (this − last) / last against the same
window a year earlier; null when last year is zero, missing or not covered by the extract."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (round((0.305 - 0.0625) / 0.0625, 6), 3, None)),  # 2022: E2's hour × 50 / 800
    ("2023", "宁波", "市区", (None, 1, "上年同期无数据或为零")),               # 2022: only the 1-minute E0
    ("2022", "杭州", "市区", (None, 1, "上年同期停电事件数据始于2022-01，统计窗口早于数据起点")),
    ("2023", "温州", "市区", (None, 0, "期内无该市停电事件记录")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours_yoy(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours_yoy")[(city, segment)] == expected
