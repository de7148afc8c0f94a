"""stage_compliance_rate (params/indicators.yaml): ratio over ``completed`` where ``has_stages``,
numerator ``within_allowed_stages`` (居民 / 低压非居民 2, ordinary high voltage 4, important 6)."""
import pytest

from indicator_cases import STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (STAGES, "2023Q4", "杭州", "居民", (0.5, 2, None)),        # R1 2 ≤ 2, R2 3 > 2
    (STAGES, "2023Q4", "杭州", "高压单电源", (0.0, 1, None)),  # H1 5 > 4
    (STAGES, "2023Q4", "杭州", "高压双电源", (1.0, 1, None)),  # H2 important: 6 ≤ 6
    (STAGES, "2023Q4", "杭州", "全部", (0.5, 4, None)),
    (STAGES, "2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无竣工工单")),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_stage_compliance_rate(fr, period, city, segment, expected):
    assert values(fr, period, "stage_compliance_rate")[(city, segment)] == expected
