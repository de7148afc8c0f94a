"""within_limit_rate (params/indicators.yaml): ratio over ``completed_against_limit`` where
``has_limit_and_value``, numerator ``within_limit`` (the class's limit, measure and unit from the
year's targets); the 三零 segment against its own limit."""
import pytest

from indicator_cases import SANLING, SL, TIMING
from literal_frames import values

NONE = "分母为零：期内无有时限目标的竣工工单"
CASES = [  # frame, period, city, segment → (value, n, reason)
    (TIMING, "2023Q4", "杭州", "居民", (0.5, 2, None)),        # 7 calendar days of process time: A1 11 out, A2 2 in
    (TIMING, "2024Q1", "宁波", "高压单电源", (1.0, 1, None)),  # inherited 2023 limit, 30 days of utility time: 11 in
    (TIMING, "2020Q4", "杭州", "居民", (None, 0, NONE)),       # a year without targets: no limit, no denominator
    (SANLING, "2023Q4", "杭州", SL, (0.5, 2, None)),          # 15 working days: S1 15 in (≤), S2 16 out
    (SANLING, "2023Q4", "宁波", SL, (None, 0, NONE)),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_within_limit_rate(fr, period, city, segment, expected):
    assert values(fr, period, "within_limit_rate")[(city, segment)] == expected
