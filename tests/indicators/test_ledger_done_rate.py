"""ledger_done_rate (params/indicators.yaml): ratio over ``ledger_items`` (task × reporting unit)
where ``due`` (deadline ≤ period end), numerator ``done`` (the latest report by then says 已完成)."""
import pytest

from indicator_cases import LEDGER
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2021Q4", "杭州", "全部", (round(2 / 21, 6), 21, None)),  # 21 due by 2021-12-31: items 2 and 59 done, 4 推进中
    ("2021Q4", "全省", "全部", (round(3 / 42, 6), 42, None)),  # pooled: 杭州's and the province unit's tasks
    ("2021Q4", "宁波", "全部", (None, 0, "无台账报送或期末前无到期任务")),  # 宁波 never reported
    ("2021Q1", "杭州", "全部", (None, 0, "无台账报送或期末前无到期任务")),  # nothing reported by 03-31
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_ledger_done_rate(period, city, segment, expected):
    assert values(LEDGER, period, "ledger_done_rate")[(city, segment)] == expected


def test_more_tasks_fall_due_with_time():
    assert values(LEDGER, "2022Q4", "ledger_done_rate")[("杭州", "全部")][1] == 21 + 2  # two 2022-12-31 deadlines
