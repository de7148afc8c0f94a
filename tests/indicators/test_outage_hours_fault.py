"""outage_hours_fault (SAIDI-F; custom, reliability.outage_share with kinds [故障]): the fault part
of outage_hours."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (0.105, 2, None)),     # E2 2 h × 50 + E4 0.5 h × 10 over 1000; E3 (2 min) left out
    ("2023", "宁波", "市区", (0.1, 1, None)),       # E5 1 h × 300 / 3000
    ("2023", "全省", "市区", (round((105 + 300) / 4000, 6), 3, None)),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours_fault(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours_fault")[(city, segment)] == expected
