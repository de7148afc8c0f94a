"""stage_count_mean (params/indicators.yaml): mean over ``completed`` of ``stage_count`` (distinct
stages; a stage gone through twice counts once), by customer class."""
import pytest

from indicator_cases import STAGES
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (STAGES, "2023Q4", "杭州", "居民", (2.5, 2, None)),        # R1 2, R2 3 (装表接电 twice counts once)
    (STAGES, "2023Q4", "杭州", "高压单电源", (5.0, 1, None)),
    (STAGES, "2023Q4", "杭州", "全部", (4.0, 4, None)),        # (2 + 3 + 5 + 6) / 4
    (STAGES, "2023Q4", "宁波", "全部", (None, 0, "期内无竣工工单")),
    (STAGES, "2023Q3", "杭州", "全部", (None, 0, "期内无竣工工单")),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_stage_count_mean(fr, period, city, segment, expected):
    assert values(fr, period, "stage_count_mean")[(city, segment)] == expected
