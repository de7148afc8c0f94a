"""§5 the outage family across its members: rolling windows, the province pooled, honest nulls,
windows before the data, and properties (scaling, row order, overflow). Each member's own cases:
tests/indicators/test_outage_*.py."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from getpower.periods import Period
from getpower.table import raw_indicators
from indicator_cases import CUSTOMERS, EVENTS, OUTAGES
from literal_frames import frames, values

FR = OUTAGES


def test_quarter_uses_rolling_12_months_and_customers_at_window_end():
    # 2023Q1 → window 2022-04-01 .. 2023-03-31: E1 200 + E2 whole 150 = 350; customers as of 2023-03-31 = 800
    assert values(FR, "2023Q1", "outage_hours")[("杭州", "市区")] == (round(350 / 800, 6), 2, None)
    assert values(FR, "2023Q4", "outage_hours")[("杭州", "市区")] == (0.305, 3, None)


def test_province_is_pooled_not_a_mean():
    got = values(FR, "2023", "outage_hours")
    assert got[("宁波", "市区")] == (0.1, 1, None)
    assert got[("全省", "市区")] == (round((305 + 300) / (1000 + 3000), 6), 4, None)  # 温州 has no events: left out


def test_nulls_are_honest():
    got = values(FR, "2023", "outage_hours")
    assert got[("温州", "市区")] == (None, 0, "期内无该市停电事件记录")  # no data is not zero hours
    assert got[("杭州", "农村")] == (None, 0, "缺少用户数")
    assert got[("杭州", "农网")] == (None, 0, "缺少用户数")
    assert got[("衢州", "市区")][0] is None


SPAN = "停电事件数据始于2022-01，统计窗口早于数据起点"


@pytest.mark.parametrize(
    "period, indicator, city, segment, expected",
    [
        ("2022Q4", "outage_hours", "杭州", "市区", (0.0625, 1, None)),  # window 2022: E2's hour in 2022 × 50 / 800
        ("2022Q3", "outage_hours", "杭州", "市区", (None, 0, SPAN)),     # 2021-10 .. 2022-09: before the data
        ("2022Q3", "outage_frequency", "全省", "全口径", (None, 0, SPAN)),
        # 2023-04 .. 2024-03, past the last event: not judged (E4 whole, 1 h × 10 / 2000 as of 2024-03-31)
        ("2024Q1", "outage_hours", "杭州", "市区", (0.005, 1, None)),
        ("2022", "outage_hours_yoy", "杭州", "市区", (None, 1, "上年同期" + SPAN)),  # 2021 is not covered
    ],
)
def test_windows_the_extract_does_not_cover_are_null(period, indicator, city, segment, expected):
    assert values(FR, period, indicator)[(city, segment)] == expected


@settings(max_examples=15, deadline=None)
@given(factor=st.integers(min_value=2, max_value=5))
def test_multiplying_customers_divides_outage_hours(factor):
    more = frames(outages=EVENTS, customer_base=[(c, a, d, n * factor) for c, a, d, n in CUSTOMERS])
    base, scaled = values(FR, "2023", "outage_hours"), values(more, "2023", "outage_hours")
    for key, (v, n, _) in base.items():
        if v is not None:
            assert scaled[key][0] == pytest.approx(v / factor, abs=1e-6)


@settings(max_examples=10, deadline=None)
@given(perm=st.permutations(list(range(len(EVENTS)))))
def test_row_order_does_not_matter(perm):
    shuffled = frames(outages=[EVENTS[i] for i in perm], customer_base=CUSTOMERS[::-1])
    a = raw_indicators(FR, Period.parse("2023")).sort("city", "indicator", "segment", "unit")
    b = raw_indicators(shuffled, Period.parse("2023")).sort("city", "indicator", "segment", "unit")
    assert a.equals(b)


def test_sums_do_not_overflow():
    # 3 000 events of a month × 2 000 000 customers: 1.6e19 customer-milliseconds, beyond 64 bits
    events = [(f"B{i}", "杭州", None, "市区", "故障", "内部", "2023-03-01 00:00", "2023-03-31 00:00", 2_000_000)
              for i in range(3000)]
    events.append(("B-", "杭州", None, "市区", "故障", "内部", "2023-01-01 00:00", "2023-01-01 00:01", 1))  # data from January
    got = values(frames(outages=events, customer_base=[("杭州", "市区", "2022-12-31", 6_000_000)]), "2023", "outage_hours")
    assert got[("杭州", "市区")] == (round(3000 * 720 * 2_000_000 / 6_000_000, 6), 3000, None)
