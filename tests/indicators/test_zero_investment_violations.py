"""zero_investment_violations (params/indicators.yaml): count over ``completed`` where
``zero_investment_eligible``, counting ``paid_something`` (n = the eligible)."""
import pytest

from indicator_cases import ZI
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "全部", (1.0, 3, None)),     # Z2 paid 500; Z4 (200 kW) and Z5 (not small) not eligible
    ("2023Q4", "杭州", "居民", (1.0, 2, None)),
    ("2023Q4", "杭州", "低压非居民", (0.0, 1, None)),
    ("2023Q4", "宁波", "全部", (None, 0, "期内无零投资适用工单")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_zero_investment_violations(period, city, segment, expected):
    assert values(ZI, period, "zero_investment_violations")[(city, segment)] == expected
