"""outage_hours_planned (SAIDI-S; custom, reliability.outage_share with kinds [预安排]): the
planned part of outage_hours."""
import pytest

from indicator_cases import OUTAGES
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023", "杭州", "市区", (0.2, 1, None)),       # E1 only: 2 h × 100 / 1000
    ("2023", "宁波", "市区", (0.0, 0, None)),       # 宁波's events are faults: 0 planned hours
    ("2023", "温州", "市区", (None, 0, "期内无该市停电事件记录")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_outage_hours_planned(period, city, segment, expected):
    assert values(OUTAGES, period, "outage_hours_planned")[(city, segment)] == expected


def test_planned_and_fault_add_up_to_all():
    for key, (v, n, _) in values(OUTAGES, "2023", "outage_hours").items():
        p, f = values(OUTAGES, "2023", "outage_hours_planned")[key], values(OUTAGES, "2023", "outage_hours_fault")[key]
        if v is not None:
            assert p[0] + f[0] == pytest.approx(v, abs=2e-6) and p[1] + f[1] == n
