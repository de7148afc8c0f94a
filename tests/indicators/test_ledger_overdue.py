"""ledger_overdue (params/indicators.yaml): count over ``ledger_items`` where ``due``, counting
``not_done`` (the deadline passed, not reported done by the period end)."""
import pytest

from indicator_cases import LEDGER
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2021Q4", "杭州", "全部", (19.0, 21, None)),   # 21 due, 2 done (items 2, 59); item 4's later 已完成 is after the end
    ("2021Q4", "全省", "全部", (39.0, 42, None)),
    ("2021Q4", "宁波", "全部", (None, 0, "无台账报送")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_ledger_overdue(period, city, segment, expected):
    assert values(LEDGER, period, "ledger_overdue")[(city, segment)] == expected
