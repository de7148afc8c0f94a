"""online_application_rate (params/indicators.yaml): ratio over ``received`` (applications whose
申请受理 started in the period, withdrawn ones too), numerator ``online_channel`` (thresholds:
online_channels), by customer class."""
import pytest

from indicator_cases import ONLINE
from literal_frames import values

CASES = [  # period, city, segment → (value, n, reason)
    ("2023Q4", "杭州", "全部", (0.75, 4, None)),   # A1 网上国网, A3 浙里办 (still open), A4 微信 (withdrawn) of 4
    ("2023Q3", "杭州", "全部", (0.0, 1, None)),    # A5 营业厅, received 09-30
    ("2024Q1", "杭州", "全部", (0.0, 1, None)),    # A6 without a channel: received, not online
    ("2023Q4", "宁波", "全部", (None, 0, "分母为零：期内无受理工单")),
]


@pytest.mark.parametrize("period, city, segment, expected", CASES)
def test_online_application_rate(period, city, segment, expected):
    assert values(ONLINE, period, "online_application_rate")[(city, segment)] == expected
