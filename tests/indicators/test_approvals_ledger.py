"""§6 access-works approvals and §8 the task ledger, hand-computed."""
from literal_frames import frames, values

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


def test_approval_days_mean():
    cd = values(APPROVALS, "2023Q4", "approval_days_mean", "calendar_days")
    wd = values(APPROVALS, "2023Q4", "approval_days_mean", "working_days")
    assert cd[("杭州", "10kV")] == (6.5, 2, None)  # (11 + 2) / 2
    assert wd[("杭州", "10kV")] == (2.5, 2, None)  # (3 + 2) / 2
    assert wd[("杭州", "低压")] == (4.5, 2, None)  # (4 + 5) / 2: P5 exempt is left out
    assert cd[("杭州", "20kV")] == (None, 0, "期内无办结的审批项目")


def test_approval_within_limit_rate():
    got = values(APPROVALS, "2023Q4", "approval_within_limit_rate")
    assert got[("杭州", "10kV")] == (0.5, 2, None)  # 7 calendar days: P1 (11) out, P2 (2) in
    assert got[("杭州", "低压")] == (1.0, 2, None)  # 5 working days: P3 (4) and P4 (5) in
    assert got[("杭州", "全部")] == (0.75, 4, None)


def test_lv_exemption_rate():
    # low voltage ≤ 200 m in the period: P3 告知承诺, P4 行政许可, P5 免于审批 (period by submission) → 2 / 3
    assert values(APPROVALS, "2023Q4", "lv_exemption_rate")[("杭州", "全部")] == (round(2 / 3, 6), 3, None)


def test_ledger_done_rate_and_overdue():
    # deadlines by 2021-12-31 in params/ledger.yaml: 18 × 2021-12-31, 2 × 2021-05-31, 1 × 2021-05-15 = 21 due
    fr = frames(ledger_status=[
        (2, "杭州", "已完成", "2021-12-31", None), (4, "杭州", "推进中", "2021-12-31", None),
        (59, "杭州", "已完成", "2021-06-30", None),
        (4, "杭州", "已完成", "2022-01-05", None),  # reported after the period end: not counted
        (2, "全省", "已完成", "2021-12-31", None),
    ])
    done = values(fr, "2021Q4", "ledger_done_rate")
    assert done[("杭州", "全部")] == (round(2 / 21, 6), 21, None)
    assert values(fr, "2021Q4", "ledger_overdue")[("杭州", "全部")] == (19.0, 21, None)
    assert done[("全省", "全部")] == (round(3 / 42, 6), 42, None)  # pooled: 杭州's and the province unit's tasks
    assert done[("宁波", "全部")] == (None, 0, "无台账报送或期末前无到期任务")  # 宁波 never reported
    assert values(fr, "2022Q4", "ledger_done_rate")[("杭州", "全部")][1] == 21 + 2  # + two 2022-12-31 deadlines
