"""utility_days_mean (params/indicators.yaml): mean over ``completed`` of ``utility_cd`` /
``utility_wd`` — per application the sum of its stage records' spans (time between stages is the
customer's, not counted), by customer class."""
import pytest

from indicator_cases import TIMING
from literal_frames import values

CASES = [  # frame, period, unit, city, segment → (value, n, reason)
    (TIMING, "2023Q4", "calendar_days", "杭州", "居民", (1.5, 2, None)),   # A1 0 + 2, A2 0 + 1
    (TIMING, "2023Q4", "working_days", "杭州", "居民", (1.5, 2, None)),    # A1 (10-7, 10-9] = 2 (10-8 调休), A2 1
    (TIMING, "2024Q1", "calendar_days", "宁波", "高压单电源", (11.0, 1, None)),  # 0 + 7 + 1 + 3 across the year end
    (TIMING, "2024Q1", "working_days", "宁波", "高压单电源", (7.0, 1, None)),    # 0 + 4 + 1 + 2 (1-1 off, 2-4 调休)
    (TIMING, "2024Q1", "calendar_days", "宁波", "居民", (None, 0, "期内无竣工工单")),
    (TIMING, "2024Q1", "calendar_days", "全省", "全部", (7.5, 2, None)),    # A5 0 + 4, B1 11: pooled
]


@pytest.mark.parametrize("fr, period, unit, city, segment, expected", CASES)
def test_utility_days_mean(fr, period, unit, city, segment, expected):
    assert values(fr, period, "utility_days_mean", unit)[(city, segment)] == expected
