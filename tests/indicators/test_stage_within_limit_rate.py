"""stage_within_limit_rate (params/indicators.yaml): ratio over ``completed_stages`` (stage
records of completed applications) where ``stage_has_limit``, numerator ``stage_within_limit``
(annex 1's limits in calendar days), by stage."""
import pytest

from indicator_cases import TIMING, TIMING_APPS, TIMING_STAGES
from literal_frames import frames, values

# B1's 装表接电 taking 6 days instead of 3: over annex 1's 4 days
SLOW = frames(applications=TIMING_APPS[-1:],
              stages=TIMING_STAGES[-4:-1] + [("B1", "装表接电", "2024-02-02 10:00", "2024-02-08 10:00", None)])
CASES = [  # frame, period, city, segment → (value, n, reason)
    (TIMING, "2024Q1", "宁波", "全部", (1.0, 4, None)),   # 申请受理 0 ≤ 1, 方案 7 ≤ 21, 竣工检验 1 ≤ 4, 装表接电 3 ≤ 4
    (TIMING, "2024Q1", "宁波", "供电方案答复", (1.0, 1, None)),
    (TIMING, "2024Q1", "宁波", "设计审查", (None, 0, "分母为零：期内无有环节时限的已完成环节")),
    (TIMING, "2023Q4", "杭州", "全部", (None, 0, "分母为零：期内无有环节时限的已完成环节")),  # 居民: no annex-1 limit
    (SLOW, "2024Q1", "宁波", "装表接电", (0.0, 1, None)),
    (SLOW, "2024Q1", "宁波", "全部", (0.75, 4, None)),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_stage_within_limit_rate(fr, period, city, segment, expected):
    assert values(fr, period, "stage_within_limit_rate")[(city, segment)] == expected
