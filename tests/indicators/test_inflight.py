"""In-flight status (预警, issue #15), hand-computed across National Day 2023.

Calendar: 2023-09-29 (Fri) – 10-06 off (中秋、国庆); 10-07 (Sat) and 10-08 (Sun) are make-up
working days. Day counts exclude the start day. 2023 limits: 居民 7 and 低压非居民 10 calendar days
of process time; 高压单电源 30 calendar days of utility time; annex 1: 供电方案答复 21, 竣工检验 4
calendar days; approvals: 10kV 7 calendar days, 低压 5 working days. 临期: ≤ 2 working days left.
"""
import dataclasses
import datetime as dt

import polars as pl
import pytest

from getpower.inflight import COLUMNS, inflight
from literal_frames import frames

APPS = [
    {"app_id": "R1"},                                  # 居民
    {"app_id": "R2"},                                  # 居民, accepted on a make-up Saturday
    {"app_id": "L1", "customer_class": "低压非居民"},
    {"app_id": "H1", "city": "宁波", "customer_class": "高压单电源", "capacity_kw": 800, "supply_voltage_kv": 10},
    {"app_id": "X1", "status": "已撤销"},              # withdrawn: never warned
    {"app_id": "N1"},                                  # no 申请受理 record: no start to age from
]
STAGES = [
    ("R1", "申请受理", "2023-09-27 09:00", "2023-09-27 09:30", None),
    ("R1", "装表接电", "2023-09-28 10:00", "2023-10-10 15:00", None),
    ("R2", "申请受理", "2023-10-07 09:00", "2023-10-07 10:00", None),
    ("R2", "装表接电", "2023-10-08 09:00", None, None),
    ("L1", "申请受理", "2023-09-20 09:00", "2023-09-20 10:00", None),
    ("L1", "装表接电", "2023-09-21 09:00", None, None),
    ("H1", "申请受理", "2023-09-25 09:00", "2023-09-25 11:00", None),
    ("H1", "供电方案答复", "2023-09-26 09:00", "2023-10-20 09:00", None),
    ("H1", "竣工检验", "2023-11-01 09:00", None, None),
    ("X1", "申请受理", "2023-09-01 09:00", "2023-09-01 10:00", None),
    ("X1", "装表接电", "2023-09-02 09:00", None, None),
    ("N1", "装表接电", "2023-09-20 09:00", None, None),
]
APPROVALS = [
    {"project_id": "P1", "city": "杭州", "voltage_class": "10kV", "line_length_m": 500.0, "mode": "行政许可",
     "submitted_at": "2023-09-27 09:00", "approved_at": "2023-10-12 09:00"},
    {"project_id": "P2", "city": "杭州", "voltage_class": "低压", "line_length_m": 100.0, "mode": "免于审批",
     "submitted_at": "2023-09-27 09:00", "approved_at": None},
    {"project_id": "P3", "city": "杭州", "voltage_class": "低压", "line_length_m": 300.0, "mode": "告知承诺",
     "submitted_at": "2023-09-26 10:00", "approved_at": None},
]
FR = frames(applications=APPS, stages=STAGES, approvals=APPROVALS)
D = dt.date.fromisoformat

# (as_of, id, expected fields)
CASES = [
    # the last working day before the holiday: 6 calendar days left but no working day → 临期
    ("2023-09-28", "R1", dict(stage="装表接电", stage_cd=0, stage_wd=0, process_cd=1, process_wd=1, utility_cd=0,
                              utility_wd=0, limit=7, elapsed=1, due=D("2023-10-04"), left_cd=6, left_wd=0,
                              status="临期", stage_status="无时限")),
    # 8 of 10 days: due on Saturday 9-30, a holiday: 0 working days left → 临期
    ("2023-09-28", "L1", dict(stage="装表接电", stage_cd=7, stage_wd=5, process_cd=8, process_wd=6, limit=10,
                              due=D("2023-09-30"), left_cd=2, left_wd=0, status="临期",
                              owner="供电企业（装表接电）")),
    # 供电方案答复 day 2 of 21: due 10-17; working days (9-28, 10-17] = 10-07, 10-08, 10-09…13, 10-16, 10-17
    ("2023-09-28", "H1", dict(stage="供电方案答复", stage_cd=2, stage_wd=2, stage_limit=21, stage_due=D("2023-10-17"),
                              stage_left_cd=19, stage_left_wd=9, stage_status="正常", process_cd=3, process_wd=3,
                              utility_cd=2, utility_wd=2, measure="合计办理时间", limit=30, elapsed=2,
                              due=D("2023-10-26"), left_cd=28, left_wd=16, status="正常")),
    ("2023-09-28", "P1", dict(kind="接入工程审批", stage="电力接入工程审批", stage_cd=1, stage_wd=1, limit=7,
                              due=D("2023-10-04"), left_cd=6, left_wd=0, status="临期", stage_status="临期")),
    # 5 working days: 2 used (9-27, 9-28) → 3 left, used up on 10-09 (10-07, 10-08 make-up days)
    ("2023-09-28", "P3", dict(limit=5, elapsed=2, due=D("2023-10-09"), left_cd=11, left_wd=3, status="正常",
                              owner="各地电力主管部门（审批部门）")),
    # after the holiday: 12 calendar days, working days 9-28, 10-07, 10-08, 10-09 = 4
    ("2023-10-09", "R1", dict(stage_cd=11, stage_wd=3, process_cd=12, process_wd=4, utility_cd=11, utility_wd=3,
                              due=D("2023-10-04"), left_cd=-5, left_wd=-3, status="超期")),
    # accepted on a make-up Saturday: (10-07, 10-09] = 10-08 (make-up Sunday), 10-09
    ("2023-10-09", "R2", dict(stage="装表接电", stage_cd=1, stage_wd=1, process_cd=2, process_wd=2,
                              due=D("2023-10-14"), left_cd=5, left_wd=4, status="正常")),
    ("2023-10-09", "L1", dict(process_cd=19, due=D("2023-09-30"), left_cd=-9, left_wd=-3, status="超期")),
    ("2023-10-09", "H1", dict(stage_cd=13, stage_wd=5, stage_left_cd=8, stage_left_wd=6, stage_status="正常",
                              utility_cd=13, utility_wd=5, left_cd=17)),
    # exactly at a working-day limit: not past it, due today
    ("2023-10-09", "P3", dict(elapsed=5, due=D("2023-10-09"), left_cd=0, left_wd=0, status="临期")),
    ("2023-10-10", "P3", dict(elapsed=6, due=D("2023-10-09"), left_cd=-1, left_wd=-1, status="超期")),
    # between stages (the customer's works): aged from the last finish, no stage limit; the
    # utility's clock stopped at 24 calendar / 14 working days
    ("2023-10-25", "H1", dict(stage="环节间（客户工程或等待）", owner="客户", stage_started_at=dt.datetime(2023, 10, 20, 9),
                              stage_cd=5, stage_wd=3, stage_status="无时限", utility_cd=24, utility_wd=14,
                              due=D("2023-10-31"), left_cd=6, left_wd=4, status="正常")),
    # 竣工检验 day 1 of 4: due Sunday 11-05, one working day left (11-03) → 临期 for the stage
    ("2023-11-02", "H1", dict(stage="竣工检验", stage_cd=1, stage_wd=1, stage_limit=4, stage_due=D("2023-11-05"),
                              stage_left_cd=3, stage_left_wd=1, stage_status="临期", utility_cd=25, utility_wd=15,
                              left_cd=5, left_wd=3, status="正常", urgency=1)),
]


@pytest.mark.parametrize("as_of, key, expected", CASES, ids=[f"{a}-{k}" for a, k, _ in CASES])
def test_inflight_cases(as_of, key, expected):
    out = inflight(FR, D(as_of))
    assert out.columns == list(COLUMNS)
    row = out.filter(pl.col("id") == key)
    assert row.height == 1
    got = row.row(0, named=True)
    assert {k: got[k] for k in expected} == expected


# 三零 (ledger 7, 2023: 15 working days of process time): S1 a small and micro 低压非居民 enterprise
# within 160 kW paying nothing; its twin T1 pays 5000 yuan (not 三零: the class's 10 calendar days).
# Both accepted 9-20 like L1. S1 is bound by both promises and judged against the one due first:
# in 2023 the class's 10 calendar days (due 9-30) come long before the 15 working days (9-21, 22,
# 25–28 (6), the holiday, 10-07 and 10-08 make-up (8), 10-09–13 (13), 10-16 (14), 10-17 (15)).
# With a 三零 limit of 3 working days (a year where the 三零 promise is the stricter; limits
# patched) S1 is due on 9-25 (9-21, 22, 25) and judged on it, T1 still on its class's.
SANLING = frames(
    applications=[{"app_id": "S1", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 100.0},
                  {"app_id": "T1", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 100.0,
                   "customer_investment_yuan": 5000.0}],
    stages=[(a, s, start, end, None) for a in ("S1", "T1") for s, start, end in
            (("申请受理", "2023-09-20 09:00", "2023-09-20 10:00"), ("装表接电", "2023-09-21 09:00", None))])
CLASS_FIRST = dict(measure="全过程办电时间", limit=10, limit_unit="calendar_days", due=D("2023-09-30"))
SANLING_CASES = [
    # 2023: the class's limit is due first, for S1 as for T1 (2 calendar days left, none working: 临期)
    (15, "2023-09-28", "S1", dict(CLASS_FIRST, elapsed=8, process_cd=8, process_wd=6, left_cd=2, left_wd=0, status="临期")),
    (15, "2023-09-28", "T1", dict(CLASS_FIRST, elapsed=8, left_cd=2, left_wd=0, status="临期")),
    (15, "2023-10-09", "S1", dict(CLASS_FIRST, elapsed=19, left_cd=-9, left_wd=-3, status="超期", urgency=0)),
    # a 三零 limit of 3 working days: due 9-25, before the class's 9-30
    (3, "2023-09-21", "S1", dict(measure="全过程办电时间（三零）", limit=3, limit_unit="working_days", elapsed=1,
                                 due=D("2023-09-25"), left_cd=4, left_wd=2, status="临期")),
    (3, "2023-09-21", "T1", dict(CLASS_FIRST, elapsed=1, left_cd=9, left_wd=5, status="正常")),  # 9-29 中秋
    (3, "2023-09-25", "S1", dict(limit=3, elapsed=3, left_cd=0, left_wd=0, status="临期")),
    (3, "2023-09-26", "S1", dict(limit=3, elapsed=4, left_cd=-1, left_wd=-1, status="超期", urgency=0)),
]


@pytest.mark.parametrize("sanling_wd, as_of, key, expected", SANLING_CASES,
                         ids=[f"{n}wd-{a}-{k}" for n, a, k, _ in SANLING_CASES])
def test_sanling_judged_against_the_limit_due_first(monkeypatch, sanling_wd, as_of, key, expected):
    from getpower.indicators.inputs import Limits

    real = Limits.for_year.__func__

    def patched(cls, year):
        got = real(cls, year)
        return dataclasses.replace(got, sanling=(got.sanling[0], got.sanling[1], float(sanling_wd)))

    monkeypatch.setattr(Limits, "for_year", classmethod(patched))
    got = inflight(SANLING, D(as_of)).filter(pl.col("id") == key).row(0, named=True)
    assert {k: got[k] for k in expected} == expected
    assert got["class"] == "低压非居民"  # the customer class stays the class


@pytest.mark.parametrize("as_of", ["2023-09-28", "2023-10-09", "2023-10-25"])
def test_never_listed(as_of):
    ids = set(inflight(FR, D(as_of))["id"])
    assert not ids & {"X1", "N1", "P2"}  # withdrawn, no acceptance, 免于审批


@pytest.mark.parametrize("as_of, ids", [
    ("2023-09-19", set()),                                      # nothing accepted yet
    ("2023-09-26", {"L1", "H1", "P3"}),                         # R1 accepted on 9-27
    ("2023-10-10", {"R2", "L1", "H1", "P1", "P3"}),             # R1 done on 10-10 at 15:00
    ("2023-10-12", {"R2", "L1", "H1", "P3"}),                   # P1 approved on 10-12
])
def test_window_edges(as_of, ids):
    assert set(inflight(FR, D(as_of))["id"]) == ids


def test_as_of_a_moment_of_the_day():
    # at noon on 10-10 R1's last stage is still open (it finishes at 15:00)
    assert "R1" in set(inflight(FR, dt.datetime(2023, 10, 10, 12))["id"])


def test_ordered_by_urgency():
    out = inflight(FR, D("2023-10-09"))
    # 超期 first, the furthest overdue first (3 working days each: L1 by 9 calendar days, P1 and R1
    # by 5, then by id); then 临期; then 正常
    assert out["id"].to_list() == ["L1", "P1", "R1", "P3", "R2", "H1"]
    assert out["urgency"].to_list() == [0, 0, 0, 1, 2, 2]


@pytest.mark.parametrize("n, expected", [
    (5, ["L1", "P1", "R1"]),  # every 超期 item, the approval P1 among the applications, in the lists' order
    (2, ["L1", "P1"]),
    (0, []),
])
def test_top_overdue_is_the_head_of_the_escalation_list(n, expected):
    """The scorecards' five most overdue = the first 超期 rows of the 督办单, whatever order the
    rows come in (the same ordering function)."""
    from getpower.escalation import list_frame, top_overdue, urgent

    items = inflight(FR, D("2023-10-09"))
    shuffled = items.sample(fraction=1.0, shuffle=True, seed=7)
    assert top_overdue(shuffled, n)["id"].to_list() == expected
    listed = list_frame(urgent(shuffled))
    assert listed.filter(pl.col("预警") == "超期")["编号"].to_list()[:n] == expected
    assert listed["编号"].to_list() == ["L1", "P1", "R1", "P3"]  # then 临期


def test_year_without_a_calendar():
    # 2027 has no holiday schedule and no targets: no class limit (无时限); the stage limit is
    # annex 1's, but working days cannot be counted: status null with the reason
    fr = frames(applications=[{"app_id": "H9", "customer_class": "高压单电源", "capacity_kw": 800,
                               "supply_voltage_kv": 10}],
                stages=[("H9", "申请受理", "2027-01-04 09:00", "2027-01-04 10:00", None),
                        ("H9", "供电方案答复", "2027-01-05 09:00", None, None)])
    r = inflight(fr, D("2027-01-06")).row(0, named=True)
    assert (r["stage_cd"], r["stage_wd"], r["stage_left_cd"], r["stage_status"]) == (1, None, 20, None)
    assert r["status"] == "无时限" and r["reason"] == "2027、2028 年节假日安排未配置"
    # past a calendar-day limit it is 超期 whatever the calendar
    r = inflight(fr, D("2027-02-01")).row(0, named=True)
    assert (r["stage_left_cd"], r["stage_status"]) == (-6, "超期")


def test_open_overdue_is_the_overdue_list(sample_store):
    """超期 on a quarter's last day = the applications the indicator open_overdue counts in any of
    its cells: its class's (全部) or the 三零 segment's (a 三零 one is judged on the limit due first)."""
    from getpower.indicators.engine import records
    from getpower.periods import Period
    from getpower.registry import spec
    from getpower.table import cached_record_level, load_frames, prepare_inputs

    frames = load_frames(sample_store)
    out = inflight(frames, D("2023-12-31"))
    got = set(out.filter((pl.col("kind") == "报装工单") & (pl.col("status") == "超期"))["id"])
    inp = prepare_inputs(frames, Period.parse("2023Q4"), cached_record_level(sample_store, frames), ids=True)

    def ids(segment, counted=True):
        return set(records(spec("open_overdue"), inp, None, segment, counted=counted).collect()["app_id"])

    sanling = ids("低压小微（三零）", counted=False)
    assert got == ids("全部") | ids("低压小微（三零）") and len(got - sanling) > 0
    # the sample has 三零 applications open then (2023: the class's limit comes first for them)
    assert sanling and set(out.filter(pl.col("id").is_in(list(sanling)))["measure"]) == {"全过程办电时间"}


def test_month_ends():
    from getpower.inflight import month_ends

    assert month_ends((D("2023-11-15"), D("2024-02-10"))) == [D("2023-11-30"), D("2023-12-31"), D("2024-01-31"),
                                                              D("2024-02-10")]
    assert month_ends((D("2023-11-15"), D("2023-12-31"))) == [D("2023-11-30"), D("2023-12-31")]


def test_backlog_by_status_at_each_date():
    from getpower.inflight import backlog

    b = backlog(FR, [D("2023-09-28"), D("2023-10-09"), D("2023-10-25")])
    got = {(r["date"].isoformat(), r["city"], r["status"]): r["n"] for r in b.filter(pl.col("n") > 0).iter_rows(named=True)}
    assert got == {
        # 9-28: R1 and L1 临期 (no working day before their due dates), H1 正常
        ("2023-09-28", "杭州", "临期"): 2, ("2023-09-28", "宁波", "正常"): 1,
        ("2023-09-28", "全省", "临期"): 2, ("2023-09-28", "全省", "正常"): 1,
        # 10-09: R1, L1 超期; R2 正常; H1 正常 (approvals are not applications)
        ("2023-10-09", "杭州", "超期"): 2, ("2023-10-09", "杭州", "正常"): 1, ("2023-10-09", "宁波", "正常"): 1,
        ("2023-10-09", "全省", "超期"): 2, ("2023-10-09", "全省", "正常"): 2,
        # 10-25: R1 done; L1 and R2 (18 days) 超期; H1 between stages, 正常
        ("2023-10-25", "杭州", "超期"): 2, ("2023-10-25", "宁波", "正常"): 1,
        ("2023-10-25", "全省", "超期"): 2, ("2023-10-25", "全省", "正常"): 1,
    }
    # every date × city × status is there, 0 included
    assert b.height == 3 * 12 * 5 and b["n"].sum() == sum(got.values())
