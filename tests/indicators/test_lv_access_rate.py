"""lv_access_rate (params/indicators.yaml): ratio over ``completed`` where ``lv_access_eligible``
(not 居民, capacity ≤ the year's cap, 160 kW), numerator ``connected_low_voltage`` (≤ 0.4 kV)."""
import pytest

from indicator_cases import ZI
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "全部", (round(2 / 3, 6), 3, None)),   # Z3, Z5 at 0.38 kV, Z6 at 10 kV; Z4 200 kW not eligible
    ("2023Q4", "全省", "全部", (round(2 / 3, 6), 3, None)),
    ("2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无160千瓦及以下非居民竣工工单")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_lv_access_rate(period, city, segment, expected):
    assert values(ZI, period, "lv_access_rate")[(city, segment)] == expected
