"""open_overdue (params/indicators.yaml): count over ``in_progress_against_limit`` (applications
open at the period end, aged to its last day) where ``has_limit``, counting ``over_limit``; 0, not
null, in the ``limited_segments`` (a class with a limit and nothing overdue)."""
import pytest

from indicator_cases import SANLING, SL, TIMING
from literal_frames import values

CASES = [  # frame, period, city, segment → (value, n, reason)
    (TIMING, "2023Q4", "杭州", "居民", (1.0, 2, None)),        # A4 accepted 12-20: 11 days > 7; A5 (3 days) not
    (TIMING, "2023Q4", "宁波", "高压单电源", (0.0, 1, None)),  # B1: utility so far 0 + 2 ≤ 30
    (TIMING, "2023Q4", "温州", "居民", (0.0, 0, None)),        # a limit, nothing in progress: 0
    (TIMING, "2023Q4", "宁波", "全部", (0.0, 1, None)),
    (TIMING, "2023Q4", "全省", "全部", (1.0, 3, None)),        # A4 of A4, A5, B1; A3 withdrawn is not open
    (TIMING, "2023Q4", "全省", "高压双电源", (0.0, 0, None)),
    (TIMING, "2020Q4", "杭州", "居民", (None, 0, "该年无时限目标")),  # no limit that year: null, not 0
    (SANLING, "2023Q4", "杭州", SL, (1.0, 1, None)),          # S5: 20 working days > 15
    (SANLING, "2023Q4", "宁波", SL, (0.0, 0, None)),
]


@pytest.mark.parametrize("fr, period, city, segment, expected", CASES)
def test_open_overdue(fr, period, city, segment, expected):
    assert values(fr, period, "open_overdue")[(city, segment)] == expected
