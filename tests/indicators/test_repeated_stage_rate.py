"""repeated_stage_rate (params/indicators.yaml): ratio over ``completed`` where ``has_stages``,
numerator ``repeated`` (a stage with two or more records: 重走流程)."""
import pytest

from indicator_cases import INTEGRITY, STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (STAGES, "2023Q4", "杭州", "全部", (0.25, 4, None)),       # R2's 装表接电 twice
    (STAGES, "2023Q4", "杭州", "居民", (0.5, 2, None)),
    (STAGES, "2023Q4", "杭州", "高压单电源", (0.0, 1, None)),
    (INTEGRITY, "2023Q4", "杭州", "全部", (0.0, 5, None)),     # every stage once
    (STAGES, "2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无竣工工单")),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_repeated_stage_rate(fr, period, city, segment, expected):
    assert values(fr, period, "repeated_stage_rate")[(city, segment)] == expected
