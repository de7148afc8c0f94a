"""pre_acceptance_rate (params/indicators.yaml): ratio over ``completed``, numerator
``pre_acceptance`` (a stage starting before 申请受理: 体外循环)."""
import pytest

from indicator_cases import INTEGRITY, STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (INTEGRITY, "2023Q4", "杭州", "全部", (0.2, 5, None)),   # I4's 装表接电 started 10-05, accepted 10-09
    (STAGES, "2023Q4", "杭州", "全部", (0.0, 4, None)),
    (INTEGRITY, "2023Q3", "杭州", "全部", (None, 0, "分母为零：期内无竣工工单")),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_pre_acceptance_rate(fr, period, city, segment, expected):
    assert values(fr, period, "pre_acceptance_rate")[(city, segment)] == expected
