"""lv_exemption_rate (params/indicators.yaml): ratio over ``approvals_done`` where
``lv_short_line`` (低压, line ≤ 200 m), numerator ``permit_exempt`` (告知承诺, 备案, 免于审批)."""
import pytest

from indicator_cases import APPROVALS
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "全部", (round(2 / 3, 6), 3, None)),  # P3 告知承诺, P5 免于审批 (done when submitted) of P3–P5
    ("2023Q3", "杭州", "全部", (None, 0, "分母为零：期内无低压200米及以下项目")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_lv_exemption_rate(period, city, segment, expected):
    assert values(APPROVALS, period, "lv_exemption_rate")[(city, segment)] == expected
