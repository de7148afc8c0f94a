"""Literal inputs shared by the per-indicator tests (tests/indicators/test_<id>.py), each row
commented with what it is there to test. Values are worked out by hand in the tests that use them."""
from literal_frames import frames


# --- §1 handling time: holidays and 调休, year ends, withdrawn and open applications ------------
# A1 居民 across National Day 2023: process 9-28 → 10-9 = 11 calendar days; working days in
# (9-28, 10-9] = 10-7 (Sat, make-up), 10-8 (Sun, make-up), 10-9 = 3. Utility: accept 0 + connect
# 10-7 → 10-9 = 2 calendar, (10-7, 10-9] = 10-8, 10-9 = 2 working.
# A2 居民: 11-01 → 11-03 (Wed → Fri): 2 calendar, 2 working; utility 0 + 1 = 1 / 1.
# A3 withdrawn, A4 open, A5 completed in 2024 (window edge): none counted in 2023Q4.
TIMING_APPS = [
    {"app_id": "A1"}, {"app_id": "A2"},
    {"app_id": "A3", "status": "已撤销"}, {"app_id": "A4"}, {"app_id": "A5"},
    {"app_id": "B1", "city": "宁波", "customer_class": "高压单电源", "capacity_kw": 800, "supply_voltage_kv": 10,
     "customer_investment_yuan": 1e5},
]
TIMING_STAGES = [
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
TIMING = frames(applications=TIMING_APPS, stages=TIMING_STAGES)



# --- §2 stage counts and §7 integrity flags ---------------------------------------------------
def _app(app_id, cls="居民", important=False):
    return {"app_id": app_id, "customer_class": cls, "important": important}


def _st(app_id, stage, start, end, rec=None):
    return (app_id, stage, start, end, rec)


STAGES = frames(
    applications=[_app("R1"), _app("R2"), _app("H1", "高压单电源"), _app("H2", "高压双电源", important=True)],
    stages=[
        # R1: 2 stages, compliant
        _st("R1", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00"), _st("R1", "装表接电", "2023-10-10 09:00", "2023-10-11 09:00"),
        # R2: 装表接电 twice (repeated) and an extra 供电方案答复: 3 distinct stages > 2 allowed
        _st("R2", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00"), _st("R2", "供电方案答复", "2023-10-09 11:00", "2023-10-10 10:00"),
        _st("R2", "装表接电", "2023-10-10 11:00", "2023-10-11 09:00"), _st("R2", "装表接电", "2023-10-12 09:00", "2023-10-13 09:00"),
        # H1: ordinary high voltage with 5 distinct stages > 4 allowed
        *[_st("H1", s, "2023-11-01 09:00", "2023-11-02 09:00") for s in ("申请受理", "供电方案答复", "设计审查", "竣工检验", "装表接电")],
        # H2: important, 6 stages allowed
        *[_st("H2", s, "2023-11-01 09:00", "2023-11-02 09:00") for s in ("申请受理", "供电方案答复", "设计审查", "中间检查", "竣工检验", "装表接电")],
    ],
)



INTEGRITY = frames(
    applications=[_app(f"I{i}") for i in range(1, 6)],
    stages=[
        # I1: 装表接电 recorded 2 days after it finished → backfill
        _st("I1", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00", "2023-10-09 10:05"),
        _st("I1", "装表接电", "2023-10-10 09:00", "2023-10-11 09:00", "2023-10-13 09:00"),
        # I2: recorded exactly 1 day after → not a backfill (more than 1 day is)
        _st("I2", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00", "2023-10-09 10:05"),
        _st("I2", "装表接电", "2023-10-10 09:00", "2023-10-11 09:00", "2023-10-12 09:00"),
        # I3: both recorded within 5 minutes although the spans add up to 2 days → burst
        _st("I3", "申请受理", "2023-10-09 09:00", "2023-10-10 09:00", "2023-10-12 09:00"),
        _st("I3", "装表接电", "2023-10-11 09:00", "2023-10-12 08:00", "2023-10-12 09:05"),
        # I4: 装表接电 started before acceptance → 体外循环
        _st("I4", "装表接电", "2023-10-05 09:00", "2023-10-11 09:00", "2023-10-11 09:10"),
        _st("I4", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00", "2023-10-09 10:05"),
        # I5: recorded within minutes but the spans add up to under a day → not a burst
        _st("I5", "申请受理", "2023-10-09 09:00", "2023-10-09 10:00", "2023-10-09 15:00"),
        _st("I5", "装表接电", "2023-10-09 11:00", "2023-10-09 14:00", "2023-10-09 15:01"),
    ],
)



# --- §3 online service and §4 cost --------------------------------------------------------------
def _done(app_id, day="2023-10-10"):
    return [(app_id, "申请受理", f"{day} 09:00", f"{day} 10:00", None), (app_id, "装表接电", f"{day} 11:00", f"{day} 15:00", None)]



ONLINE = frames(
    applications=[{"app_id": "A1", "channel": "网上国网"}, {"app_id": "A2", "channel": "营业厅"},
                  {"app_id": "A3", "channel": "浙里办"}, {"app_id": "A4", "channel": "微信", "status": "已撤销"},
                  {"app_id": "A5", "channel": "营业厅"}, {"app_id": "A6", "channel": None}],
    stages=[*_done("A1"), *_done("A2"), ("A3", "申请受理", "2023-12-30 09:00", None, None), *_done("A4"),
            *_done("A5", "2023-09-30"),  # A5 received in Q3
            *_done("A6", "2024-01-02")],  # A6: no channel recorded, received in 2024Q1
)
CATALOGUE = frames(service_items=[("杭州", f"事项{i}", i < 8, "2023-06-30") for i in range(10)]
                   + [("杭州", f"事项{i}", True, "2023-12-31") for i in range(10)]
                   + [("宁波", f"事项{i}", i < 3, "2023-12-31") for i in range(4)])


ZI = frames(
    applications=[
        {"app_id": "Z1", "customer_investment_yuan": 0},  # 居民, eligible, zero
        {"app_id": "Z2", "customer_investment_yuan": 500},  # 居民, eligible, violation
        {"app_id": "Z3", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 160, "supply_voltage_kv": 0.38},
        {"app_id": "Z4", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 200,
         "supply_voltage_kv": 0.38, "customer_investment_yuan": 1000},  # above 160 kW: not eligible
        {"app_id": "Z5", "customer_class": "低压非居民", "small_micro": False, "capacity_kw": 50,
         "supply_voltage_kv": 0.38, "customer_investment_yuan": 300},  # not small/micro: not eligible
        {"app_id": "Z6", "customer_class": "高压单电源", "capacity_kw": 150, "supply_voltage_kv": 10,
         "customer_investment_yuan": 9000},  # ≤ 160 kW connected at 10 kV
    ],
    stages=[s for a in ("Z1", "Z2", "Z3", "Z4", "Z5", "Z6") for s in _done(a)],
)



# --- §6 approvals and §8 the ledger ------------------------------------------------------------
APPROVALS = frames(approvals=[
    # 10kV across National Day: 9-28 → 10-9 = 11 calendar days, 3 working days
    ("P1", "杭州", "10kV", 800, "并联审批", "2023-09-28 09:00", "2023-10-09 16:00"),
    ("P2", "杭州", "10kV", 500, "行政许可", "2023-11-06 09:00", "2023-11-08 09:00"),  # 2 / 2
    ("P3", "杭州", "低压", 150, "告知承诺", "2023-11-06 09:00", "2023-11-10 09:00"),  # 4 / 4
    ("P4", "杭州", "低压", 120, "行政许可", "2023-11-06 09:00", "2023-11-13 09:00"),  # 7 / 5
    ("P5", "杭州", "低压", 100, "免于审批", "2023-11-06 09:00", None),  # no procedure: no days
    ("P6", "杭州", "低压", 300, "行政许可", "2023-11-06 09:00", None),  # pending: not in the period
    ("P7", "杭州", "10kV", 900, "并联审批", "2023-09-01 09:00", "2023-09-05 09:00"),  # approved in Q3
])



# deadlines by 2021-12-31 in params/ledger.yaml: 18 × 2021-12-31, 2 × 2021-05-31, 1 × 2021-05-15 = 21 due
LEDGER = frames(ledger_status=[
    (2, "杭州", "已完成", "2021-12-31", None), (4, "杭州", "推进中", "2021-12-31", None),
    (59, "杭州", "已完成", "2021-06-30", None),
    (4, "杭州", "已完成", "2022-01-05", None),  # reported after the period end: not counted
    (2, "全省", "已完成", "2021-12-31", None),
])


# --- the 三零 segment (ledger 6–7): a sub-population of 低压非居民 with its own limit ----------------
SL = "低压小微（三零）"
LV = {"customer_class": "低压非居民", "small_micro": True, "capacity_kw": 100.0, "supply_voltage_kv": 0.38,
      "customer_investment_yuan": 0.0}
SANLING_APPS = [{"app_id": "S1", **LV}, {"app_id": "S2", **LV},
        {"app_id": "S3", **LV, "customer_investment_yuan": 5000.0},   # paid: not 三零
        {"app_id": "S4", **LV, "small_micro": False},                 # not small and micro: not 三零
        {"app_id": "S5", **LV}]                                       # 三零, still open at the year end
SANLING_STAGES = [
    # S1: Wed 11-01 → Wed 11-22: 21 calendar days; working days (11-01, 11-22] = 2 + 5 + 5 + 3 = 15
    ("S1", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S1", "装表接电", "2023-11-20 09:00", "2023-11-22 10:00", None),
    # S2: one day more: 22 calendar, 16 working
    ("S2", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S2", "装表接电", "2023-11-20 09:00", "2023-11-23 10:00", None),
    ("S3", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S3", "装表接电", "2023-11-02 09:00", "2023-11-03 10:00", None),
    ("S4", "申请受理", "2023-11-01 09:00", "2023-11-01 10:00", None), ("S4", "装表接电", "2023-11-02 09:00", "2023-11-03 10:00", None),
    # S5: accepted Fri 12-01, open at Sun 12-31: working days (12-01, 12-31] = 4 weeks × 5 = 20 > 15
    ("S5", "申请受理", "2023-12-01 09:00", "2023-12-01 10:00", None),
]
SANLING = frames(applications=SANLING_APPS, stages=SANLING_STAGES)



# --- §5 outages: window edges, the 3-minute minimum, customers as of the window end ------------
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
OUTAGES = frames(outages=EVENTS, customer_base=CUSTOMERS)
