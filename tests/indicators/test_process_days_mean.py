"""process_days_mean (params/indicators.yaml): mean over ``completed`` of ``process_cd`` /
``process_wd`` (申请受理 start → last stage finish), by customer class, and the 三零 segment over
the 三零 records (not added into 全部 again)."""
import pytest

from indicator_cases import SANLING, SL, TIMING
from literal_frames import values

CASES = [  # frame, period, unit, city, segment → (value, n, reason)
    (TIMING, "2023Q4", "calendar_days", "杭州", "居民", (6.5, 2, None)),   # (11 + 2) / 2, across National Day
    (TIMING, "2023Q4", "working_days", "杭州", "居民", (2.5, 2, None)),    # (3 + 2) / 2: 10-7, 10-8 are 调休 workdays
    (TIMING, "2023Q4", "calendar_days", "杭州", "全部", (6.5, 2, None)),   # A3 withdrawn, A4 open: not counted
    (TIMING, "2023Q4", "calendar_days", "宁波", "全部", (None, 0, "期内无竣工工单")),  # nothing completed
    (TIMING, "2023Q4", "calendar_days", "全省", "全部", (6.5, 2, None)),
    (TIMING, "2024Q1", "calendar_days", "宁波", "高压单电源", (38.0, 1, None)),  # B1 12-29 → 2-05
    (TIMING, "2024Q1", "calendar_days", "杭州", "居民", (5.0, 1, None)),   # A5 completed 2024-01-02: the window edge
    (SANLING, "2023Q4", "calendar_days", "杭州", SL, (21.5, 2, None)),     # S1 21, S2 22
    (SANLING, "2023Q4", "working_days", "杭州", SL, (15.5, 2, None)),      # S1 15, S2 16
    (SANLING, "2023Q4", "calendar_days", "杭州", "全部", (11.75, 4, None)),  # S1–S4 once: (21 + 22 + 2 + 2) / 4
    (SANLING, "2023Q4", "calendar_days", "全省", SL, (21.5, 2, None)),
]


@pytest.mark.parametrize("fr, period, unit, city, segment, expected", CASES)
def test_process_days_mean(fr, period, unit, city, segment, expected):
    assert values(fr, period, "process_days_mean", unit)[(city, segment)] == expected
