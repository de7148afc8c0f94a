"""§2 stage counts and §7 integrity flags, hand-computed."""
import pytest

from literal_frames import frames, values


def _app(app_id, cls="居民", important=False):
    return {"app_id": app_id, "customer_class": cls, "important": important}


def _st(app_id, stage, start, end, rec=None):
    return (app_id, stage, start, end, rec)


FR = frames(
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


def test_stage_count_mean():
    got = values(FR, "2023Q4", "stage_count_mean")
    assert got[("杭州", "居民")] == (2.5, 2, None)  # (2 + 3) / 2 distinct stages
    assert got[("杭州", "全部")] == (4.0, 4, None)  # (2 + 3 + 5 + 6) / 4


def test_stage_compliance_rate():
    got = values(FR, "2023Q4", "stage_compliance_rate")
    assert got[("杭州", "居民")] == (0.5, 2, None)
    assert got[("杭州", "高压单电源")] == (0.0, 1, None)
    assert got[("杭州", "高压双电源")] == (1.0, 1, None)
    assert got[("杭州", "全部")] == (0.5, 4, None)


def test_repeated_stage_rate():
    assert values(FR, "2023Q4", "repeated_stage_rate")[("杭州", "全部")] == (0.25, 4, None)


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


@pytest.mark.parametrize("indicator, flagged", [("backfill_rate", 2), ("burst_rate", 1), ("pre_acceptance_rate", 1)])
def test_integrity_flags(indicator, flagged):
    # I3 is also a backfill (recorded 2 days after its 申请受理 finished)
    assert values(INTEGRITY, "2023Q4", indicator)[("杭州", "全部")] == (flagged / 5, 5, None)
