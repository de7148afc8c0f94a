"""§5 outage hours, hand-computed: clipping at window edges, the 3-minute minimum, customers as of
the window end, aggregates, the province from pooled records, year on year."""
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from getpower.periods import Period
from getpower.table import raw_indicators
from literal_frames import frames, values

CUSTOMERS = [
    ("杭州", "市区", "2022-12-31", 800), ("杭州", "市区", "2023-06-30", 1000),
    ("杭州", "市区", "2024-03-31", 2000),  # after the 2023 window: not used for 2023
    ("杭州", "市中心区", "2022-12-31", 500),
    ("宁波", "市区", "2022-12-31", 3000),
    ("温州", "市区", "2022-12-31", 4000),  # customers but no event at all
]
EVENTS = [
    # a minute: left out of every indicator, but the extract's first month with an event (2022-01)
    ("E0", "宁波", None, "市区", "故障", "内部", "2022-01-10 10:00", "2022-01-10 10:01", 20),
    ("E1", "杭州", None, "市区", "预安排", "内部", "2023-03-01 10:00", "2023-03-01 12:00", 100),  # 2 h × 100
    ("E2", "杭州", None, "市区", "故障", "内部", "2022-12-31 23:00", "2023-01-01 02:00", 50),  # 2 h inside 2023, 1 h in 2022
    ("E3", "杭州", None, "市区", "故障", "内部", "2023-05-01 10:00", "2023-05-01 10:02", 9999),  # 2 min < 3: left out
    ("E4", "杭州", None, "市区", "故障", "外部影响", "2023-12-31 23:30", "2024-01-01 00:30", 10),  # 0.5 h inside 2023
    ("E5", "宁波", None, "市区", "故障", "系统电源不足限电", "2023-06-01 10:00", "2023-06-01 11:00", 300),
]
FR = frames(outages=EVENTS, customer_base=CUSTOMERS)


@pytest.mark.parametrize(
    "indicator, segment, expected, n",
    [
        ("outage_hours", "市区", (200 + 100 + 5) / 1000, 3),
        ("outage_hours_planned", "市区", 200 / 1000, 1),
        ("outage_hours_fault", "市区", 105 / 1000, 2),
        ("outage_hours_ex_external", "市区", 300 / 1000, 2),
        ("outage_hours_ex_shortage", "市区", 305 / 1000, 3),
        ("outage_frequency", "市区", (100 + 10) / 1000, 2),  # E2 starts in 2022: counted there
        ("outage_hours", "市中心区", 0.0, 0),
        ("outage_hours", "城网", 305 / 1500, 3),
        ("outage_hours", "全口径", 305 / 1500, 3),
    ],
)
def test_hangzhou_2023(indicator, segment, expected, n):
    got = values(FR, "2023", indicator)[("杭州", segment)]
    assert got == (round(expected, 6), n, None)


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


def test_yoy():
    # 2022: E2's hour inside 2022 → 50 / 800 = 0.0625; 2023: 0.305 → (0.305 − 0.0625) / 0.0625
    got = values(FR, "2023", "outage_hours_yoy")
    assert got[("杭州", "市区")] == (round((0.305 - 0.0625) / 0.0625, 6), 3, None)
    assert got[("宁波", "市区")] == (None, 1, "上年同期无数据或为零")


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
