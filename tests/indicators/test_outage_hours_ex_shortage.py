"""outage_hours_ex_shortage (SAIDI-3; custom, reliability.outage_share with exclude_causes
[系统电源不足限电])."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (0.305, 3, None)),     # no shortage in 杭州: as outage_hours
    ("2023", "宁波", "市区", (0.0, 0, None)),       # E5 was rationing: left out, 宁波 still has events
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours_ex_shortage(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours_ex_shortage")[(city, segment)] == expected
