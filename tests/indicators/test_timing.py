"""§1 handling time, hand-computed: holidays, make-up days, year ends, withdrawn and open applications."""
from literal_frames import frames, values

# A1 居民 across National Day 2023: process 9-28 → 10-9 = 11 calendar days; working days in
# (9-28, 10-9] = 10-7 (Sat, make-up), 10-8 (Sun, make-up), 10-9 = 3. Utility: accept 0 + connect
# 10-7 → 10-9 = 2 calendar, (10-7, 10-9] = 10-8, 10-9 = 2 working.
# A2 居民: 11-01 → 11-03 (Wed → Fri): 2 calendar, 2 working; utility 0 + 1 = 1 / 1.
# A3 withdrawn, A4 open, A5 completed in 2024 (window edge): none counted in 2023Q4.
APPS = [
    {"app_id": "A1"}, {"app_id": "A2"},
    {"app_id": "A3", "status": "已撤销"}, {"app_id": "A4"}, {"app_id": "A5"},
    {"app_id": "B1", "city": "宁波", "customer_class": "高压单电源", "capacity_kw": 800, "supply_voltage_kv": 10,
     "customer_investment_yuan": 1e5},
]
STAGES = [
    ("A1", "申请受理", "2023-09-28 09:00", "2023-09-28 09:30", None),
    ("A1", "装表接电", "2023-10-07 10:00", "2023-10-09 15:00", None),
    ("A2", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None),
    ("A2", "装表接电", "2023-11-02 09:00", "2023-11-03 09:00", None),
    ("A3", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None),
    ("A3", "装表接电", "2023-11-02 09:00", "2023-11-03 09:00", None),
    ("A4", "申请受理", "2023-12-20 09:00", "2023-12-20 10:00", None),
    ("A5", "申请受理", "2023-12-28 09:00", "2023-12-28 10:00", None),
    ("A5", "装表接电", "2023-12-29 09:00", "2024-01-02 09:00", None),
    # B1 high voltage, stages across the year end, completed 2024-02-05 (2024Q1):
    # utility = 0 + 7 + 1 + 3 = 11 calendar; working = 0 + 4 + 1 + 2 = 7 (2024-01-01 off, 2-4 make-up)
    ("B1", "申请受理", "2023-12-29 09:00", "2023-12-29 10:00", None),
    ("B1", "供电方案答复", "2023-12-29 10:00", "2024-01-05 10:00", None),
    ("B1", "竣工检验", "2024-02-01 09:00", "2024-02-02 09:00", None),
    ("B1", "装表接电", "2024-02-02 10:00", "2024-02-05 10:00", None),
]
FR = frames(applications=APPS, stages=STAGES)


def test_process_days_mean_calendar_and_working():
    cd = values(FR, "2023Q4", "process_days_mean", "calendar_days")
    wd = values(FR, "2023Q4", "process_days_mean", "working_days")
    assert cd[("杭州", "居民")] == (6.5, 2, None)  # (11 + 2) / 2
    assert wd[("杭州", "居民")] == (2.5, 2, None)  # (3 + 2) / 2
    assert cd[("杭州", "全部")] == (6.5, 2, None)
    assert cd[("宁波", "全部")] == (None, 0, "期内无竣工工单")  # nothing completed: null with a reason
    assert cd[("全省", "全部")] == (6.5, 2, None)


def test_utility_days_mean_and_year_end_spanning_stages():
    assert values(FR, "2023Q4", "utility_days_mean", "calendar_days")[("杭州", "居民")] == (1.5, 2, None)
    assert values(FR, "2023Q4", "utility_days_mean", "working_days")[("杭州", "居民")] == (1.5, 2, None)
    q1 = values(FR, "2024Q1", "utility_days_mean", "calendar_days")
    assert q1[("宁波", "高压单电源")] == (11.0, 1, None)
    assert values(FR, "2024Q1", "utility_days_mean", "working_days")[("宁波", "高压单电源")] == (7.0, 1, None)
    assert values(FR, "2024Q1", "process_days_mean", "calendar_days")[("宁波", "高压单电源")] == (38.0, 1, None)
    # A5 completes on 2024-01-02: counted in 2024Q1, not in 2023Q4
    assert values(FR, "2024Q1", "process_days_mean", "calendar_days")[("杭州", "居民")] == (5.0, 1, None)


def test_within_limit_rate():
    # 2023 居民 limit: 7 calendar days of process time → A1 (11) out, A2 (2) in
    assert values(FR, "2023Q4", "within_limit_rate")[("杭州", "居民")] == (0.5, 2, None)
    # 2024 inherits the 2023 limits (30 days of utility time): B1's 11 days are within
    assert values(FR, "2024Q1", "within_limit_rate")[("宁波", "高压单电源")] == (1.0, 1, None)
    # a year without targets (2020) has no limit, so no denominator
    assert values(FR, "2020Q4", "within_limit_rate")[("杭州", "居民")] == (None, 0, "分母为零：期内无有时限目标的竣工工单")


def test_open_overdue():
    # at 2023-12-31: A4 accepted 12-20, open, 11 days > 7 → overdue; A5 accepted 12-28 (3 days) open → not.
    assert values(FR, "2023Q4", "open_overdue")[("杭州", "居民")] == (1.0, 2, None)
    # B1 at 2023-12-31: utility so far 0 + 2 days of an open scheme stage ≤ 30 → not overdue
    assert values(FR, "2023Q4", "open_overdue")[("宁波", "高压单电源")] == (0.0, 1, None)


def test_open_overdue_is_zero_where_a_limit_exists_and_null_where_none():
    got = values(FR, "2023Q4", "open_overdue")
    assert got[("温州", "居民")] == (0.0, 0, None)          # a limit, no application in progress: 0
    assert got[("宁波", "居民")] == (0.0, 0, None)
    assert got[("宁波", "全部")] == (0.0, 1, None)          # B1 in progress, not overdue
    assert got[("全省", "全部")] == (1.0, 3, None)          # A4 overdue; A4, A5, B1 in progress
    assert got[("全省", "高压双电源")] == (0.0, 0, None)
    # a year without targets sets no limit: null with the reason, not 0
    assert values(FR, "2020Q4", "open_overdue")[("杭州", "居民")] == (None, 0, "该年无时限目标")


def test_stage_within_limit_rate():
    # B1 stages vs annex 1 (single supply): 申请受理 0 ≤ 1, 方案 7 ≤ 21, 竣工检验 1 ≤ 4, 装表接电 3 ≤ 4
    got = values(FR, "2024Q1", "stage_within_limit_rate")
    assert got[("宁波", "全部")] == (1.0, 4, None)
    assert got[("宁波", "供电方案答复")] == (1.0, 1, None)
    assert got[("宁波", "设计审查")] == (None, 0, "分母为零：期内无有环节时限的已完成环节")
    slow = frames(applications=APPS[-1:], stages=STAGES[-4:-1] + [("B1", "装表接电", "2024-02-02 10:00", "2024-02-08 10:00", None)])
    assert values(slow, "2024Q1", "stage_within_limit_rate")[("宁波", "装表接电")] == (0.0, 1, None)
