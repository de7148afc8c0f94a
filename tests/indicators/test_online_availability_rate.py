"""online_availability_rate (params/indicators.yaml): ratio over ``catalogue_latest`` (each city's
latest catalogue with as_of ≤ the period end), numerator ``online_item``; the province pools items."""
import pytest

from indicator_cases import CATALOGUE
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q3", "杭州", "全部", (0.8, 10, None)),    # the 06-30 catalogue: 8 of 10
    ("2023Q4", "杭州", "全部", (1.0, 10, None)),    # the 12-31 one replaces it (not added to it)
    ("2023Q4", "全省", "全部", (round(13 / 14, 6), 14, None)),  # pooled items, not a mean of 1.0 and 0.75
    ("2023Q1", "杭州", "全部", (None, 0, "分母为零：无期末前的业务事项目录")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_online_availability_rate(period, city, segment, expected):
    assert values(CATALOGUE, period, "online_availability_rate")[(city, segment)] == expected
