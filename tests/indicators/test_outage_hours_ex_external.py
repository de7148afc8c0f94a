"""outage_hours_ex_external (SAIDI-2; custom, reliability.outage_share with exclude_causes
[外部影响])."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (0.3, 2, None)),       # E4 (外部影响) left out: (200 + 100) / 1000
    ("2023", "宁波", "市区", (0.1, 1, None)),       # 系统电源不足限电 is not external
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours_ex_external(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours_ex_external")[(city, segment)] == expected
