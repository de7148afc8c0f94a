"""One application's timeline (#15), hand-computed: stages against annex-1 limits, the calendar
around them, the integrity flags the indicators raise."""
import datetime as dt

import polars as pl
import pytest

from getpower.timeline import timeline
from indicators.test_inflight import FR
from literal_frames import frames

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
FLAGGED = frames(
    applications=[{"app_id": "T1"}, {"app_id": "T2"}, {"app_id": "T3"}],
    stages=[
        # T1: 装表接电 entered 4 days after it finished (后补), then gone through again (重走)
        ("T1", "申请受理", "2023-11-06 09:00", "2023-11-06 10:00", "2023-11-06 10:05"),
        ("T1", "装表接电", "2023-11-07 09:00", "2023-11-08 09:00", "2023-11-12 09:00"),
        ("T1", "装表接电", "2023-11-09 09:00", "2023-11-10 09:00", "2023-11-10 09:30"),
        # T2: work begun before the application was accepted (体外循环), and 装表接电 twice
        ("T2", "装表接电", "2023-11-01 09:00", "2023-11-01 12:00", "2023-11-01 12:30"),
        ("T2", "申请受理", "2023-11-06 09:00", "2023-11-06 10:00", "2023-11-06 10:10"),
        ("T2", "装表接电", "2023-11-07 09:00", "2023-11-08 09:00", "2023-11-08 09:10"),
        # T3: both stages entered within 5 minutes although they span more than a day (集中录入)
        ("T3", "申请受理", "2023-11-06 09:00", "2023-11-08 09:00", "2023-11-08 09:30"),
        ("T3", "装表接电", "2023-11-08 09:00", "2023-11-08 09:20", "2023-11-08 09:35"),
    ])


@pytest.mark.parametrize("app, labels, flags, marks", [
    ("T1", ["申请受理", "装表接电", "装表接电（第 2 次）"], ("后补流程", "重走流程"),
     {"backfilled": [False, True, False], "again": [False, False, True], "before_acceptance": [False] * 3}),
    ("T2", ["装表接电", "申请受理", "装表接电（第 2 次）"], ("重走流程", "体外循环"),
     {"backfilled": [False] * 3, "again": [False, False, True], "before_acceptance": [True, False, False]}),
    ("T3", ["申请受理", "装表接电"], ("集中录入",), {"backfilled": [False, False], "again": [False, False]}),
])
def test_integrity_flags(app, labels, flags, marks):
    t = timeline(FLAGGED, app, D("2023-12-31"))
    assert t.stages["label"].to_list() == labels and t.flags == flags
    assert {k: t.stages[k].to_list() for k in marks} == marks
    assert t.status is None  # completed: not in the warnings


@pytest.mark.parametrize("as_of, labels, last", [
    # 供电方案答复 open on 10-09: 13 calendar days, 5 working days so far, due 10-17 (21 days)
    ("2023-10-09", ["申请受理", "供电方案答复"], dict(open=True, span_cd=13, span_wd=5, due=D("2023-10-17"),
                                                 state="进行中", until=T("2023-10-09 23:59:59"))),
    ("2023-10-19", ["申请受理", "供电方案答复"], dict(open=True, span_cd=23, state="进行中（已超时）")),
    # finished on 10-20 after 24 days: 超时; 竣工检验 (11-01) not begun yet on 10-25
    ("2023-10-25", ["申请受理", "供电方案答复"], dict(open=False, span_cd=24, span_wd=14, state="超时")),
    ("2023-11-02", ["申请受理", "供电方案答复", "竣工检验"], dict(open=True, span_cd=1, stage_limit=4.0,
                                                             due=D("2023-11-05"), state="进行中")),
])
def test_stages_as_they_stood(as_of, labels, last):
    t = timeline(FR, "H1", D(as_of))
    assert t.stages["label"].to_list() == labels
    row = t.stages.row(-1, named=True)
    assert {k: row[k] for k in last} == last
    assert t.stages["state"][0] == "按时"  # 申请受理 within its day
    assert t.status["stage"] == ("环节间（客户工程或等待）" if as_of == "2023-10-25" else labels[-1])


def test_days_off_and_make_up_days():
    t = timeline(FR, "R1", D("2023-10-09"))
    # from 9-26 (a day before acceptance) to 10-10 (a day after the date): National Day and its make-up days
    assert dict(t.days.iter_rows()) == {
        D("2023-09-29"): "节假日", D("2023-09-30"): "周末", D("2023-10-01"): "周末",
        **{D(f"2023-10-0{d}"): "节假日" for d in range(2, 7)},
        D("2023-10-07"): "调休上班", D("2023-10-08"): "调休上班"}
    assert t.status["status"] == "超期" and t.stages["state"].to_list() == ["无时限", "无时限"]


def test_unknown_id():
    with pytest.raises(KeyError, match="没有编号为 NOPE 的报装工单"):
        timeline(FR, "NOPE", D("2023-12-31"))


def test_no_personal_data(sample_store):
    from getpower.table import load_frames

    fr = load_frames(sample_store)
    app = fr["stages"].select("app_id").head(1).collect().item()  # one with stages (the session's store may hold others)
    t = timeline(fr, app, D("2026-09-30"))
    assert set(t.app) == {"app_id", "city", "district", "customer_class", "important", "status"}
    assert not set(t.stages.columns) & {"name", "phone", "customer_name"}
    assert t.stages.height > 0 and t.stages.filter(pl.col("label").is_null()).is_empty()
