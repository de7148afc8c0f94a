"""backfill_rate (params/indicators.yaml): ratio over ``completed``, numerator ``backfill`` (a
stage recorded more than backfill_days, 1 day, after it finished: 后补流程)."""
import pytest

from indicator_cases import INTEGRITY, STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (INTEGRITY, "2023Q4", "杭州", "全部", (0.4, 5, None)),   # I1 (2 days), I3 (2 days); I2 exactly 1 day is not
    (STAGES, "2023Q4", "杭州", "全部", (0.0, 4, None)),      # no recorded_at: nothing to flag
    (INTEGRITY, "2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无竣工工单")),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_backfill_rate(fr, period, city, segment, expected):
    assert values(fr, period, "backfill_rate")[(city, segment)] == expected
