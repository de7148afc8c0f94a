"""approval_days_mean (params/indicators.yaml): mean over ``approvals_done`` (done in the period)
where ``with_procedure`` (not 免于审批), of ``days_cd`` / ``days_wd``, by voltage class."""
import pytest

from indicator_cases import APPROVALS
from literal_frames import values

CASES = [  # period, unit, city, segment → (value, n, reason)
    ("2023Q4", "calendar_days", "杭州", "10kV", (6.5, 2, None)),   # P1 11 (across National Day), P2 2
    ("2023Q4", "working_days", "杭州", "10kV", (2.5, 2, None)),    # P1 3, P2 2
    ("2023Q4", "working_days", "杭州", "低压", (4.5, 2, None)),    # P3 4, P4 5; P5 免于审批 left out, P6 pending
    ("2023Q4", "calendar_days", "杭州", "20kV", (None, 0, "期内无办结的审批项目")),
    ("2023Q3", "calendar_days", "杭州", "10kV", (4.0, 1, None)),   # P7, approved in Q3
]


@pytest.mark.parametrize("period, unit, city, segment, expected", CASES)
def test_approval_days_mean(period, unit, city, segment, expected):
    assert values(APPROVALS, period, "approval_days_mean", unit)[(city, segment)] == expected
