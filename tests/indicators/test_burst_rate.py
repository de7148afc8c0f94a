"""burst_rate (params/indicators.yaml): ratio over ``completed``, numerator ``burst`` (every stage
recorded within burst_minutes, 10, although the spans add up to more than a day)."""
import pytest

from indicator_cases import INTEGRITY, STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (INTEGRITY, "2023Q4", "杭州", "全部", (0.2, 5, None)),   # I3; I5 within minutes but spans under a day
    (STAGES, "2023Q4", "杭州", "全部", (0.0, 4, None)),      # recorded_at missing: not a burst
    (INTEGRITY, "2023Q4", "全省", "全部", (0.2, 5, None)),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_burst_rate(fr, period, city, segment, expected):
    assert values(fr, period, "burst_rate")[(city, segment)] == expected
