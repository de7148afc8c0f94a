"""approval_within_limit_rate (params/indicators.yaml): ratio over ``approvals_against_limit``
where ``with_procedure`` and ``has_limit``, numerator ``approved_within_limit`` (the limit in its
own unit: 低压 5 working days, 10kV 7 calendar days)."""
import pytest

from indicator_cases import APPROVALS
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "10kV", (0.5, 2, None)),     # P1 11 calendar days out, P2 2 in
    ("2023Q4", "杭州", "低压", (1.0, 2, None)),     # P3 4, P4 5 working days: within 5 (≤)
    ("2023Q4", "杭州", "全部", (0.75, 4, None)),
    ("2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无有时限的办结项目")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_approval_within_limit_rate(period, city, segment, expected):
    assert values(APPROVALS, period, "approval_within_limit_rate")[(city, segment)] == expected
