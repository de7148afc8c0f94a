"""zero_investment_coverage (params/indicators.yaml): ratio over ``completed`` where
``zero_investment_eligible`` (all 居民; 低压非居民 small and micro with capacity ≤ the year's
threshold, 160 kW), numerator ``paid_nothing``."""
import pytest

from indicator_cases import ZI
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "全部", (round(2 / 3, 6), 3, None)),   # Z1, Z3 zero of Z1, Z2, Z3
    ("2023Q4", "杭州", "居民", (0.5, 2, None)),
    ("2023Q4", "杭州", "低压非居民", (1.0, 1, None)),          # Z3 at exactly 160 kW is eligible; Z4, Z5 are not
    ("2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无零投资适用工单")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_zero_investment_coverage(period, city, segment, expected):
    assert values(ZI, period, "zero_investment_coverage")[(city, segment)] == expected
