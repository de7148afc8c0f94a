"""Any sequence of uploads (applications and stages, in any order, repeated, corrected) leaves
the store equal to a plain model of the contract: the last record of each id, each application's
last stage history, stages without their application pending; and the store computes."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from getpower.store import Store
from getpower.currency import DataRangeError
from getpower.table import compute

APPS = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"
STAGES = "工单编号,环节名称,环节开始时间,环节结束时间"
IDS = ["A1", "A2", "A3"]
CHANNELS = ["网上国网", "浙里办", "营业厅"]
HISTORIES = [  # (stage, start day) lists an application's stage history may be
    [("申请受理", 1)], [("申请受理", 2)], [("申请受理", 1), ("装表接电", 3)], [("申请受理", 1), ("装表接电", 4)],
]

uploads = st.lists(st.one_of(
    st.tuples(st.just("apps"), st.dictionaries(st.sampled_from(IDS), st.sampled_from(CHANNELS), min_size=1)),
    st.tuples(st.just("stages"), st.dictionaries(st.sampled_from(IDS), st.integers(0, len(HISTORIES) - 1), min_size=1)),
), min_size=1, max_size=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=uploads)
def test_any_sequence_of_uploads_matches_the_model(tmp_path_factory, steps):
    root = tmp_path_factory.mktemp("seq")
    store = Store(root / "store")
    apps, stages = {}, {}
    for n, (what, content) in enumerate(steps):
        folder = root / f"u{n}"
        folder.mkdir()
        if what == "apps":
            rows = [f"{i},杭州,居民,8,220V,{c},0" for i, c in content.items()]
            (folder / "applications.csv").write_text("\n".join([APPS, *rows]) + "\n", encoding="utf-8")
            apps |= content
        else:
            rows = [f"{i},{s},2023-03-{d:02d} 09:00,2023-03-{d:02d} 10:00" for i, h in content.items()
                    for s, d in HISTORIES[h]]
            (folder / "stages.csv").write_text("\n".join([STAGES, *rows]) + "\n", encoding="utf-8")
            stages |= {i: HISTORIES[h] for i, h in content.items()}
        res = store.ingest([folder])
        for r, o in zip(res.results, res.outcomes):
            assert r.rows_read == r.rows_accepted + r.rows_quarantined == o.new + o.unchanged + o.pending + o.superseded + o.held
    frame = store.read("applications")
    assert (dict(frame.select("app_id", "channel").rows()) if frame is not None else {}) == apps
    frame = store.read("stages")
    stored = sorted((a, s, t.day) for a, s, t in frame.select("app_id", "stage", "started_at").rows()) if frame is not None else []
    assert stored == sorted((a, s, d) for a, h in stages.items() if a in apps for s, d in h)
    assert store.manifest().get("pending", 0) == sum(len(h) for a, h in stages.items() if a not in apps)
    if apps:
        assert compute(store.root, "2023Q1").height > 0
    else:  # only stages waiting for their applications: no data to compute on, said so (#12)
        with pytest.raises(DataRangeError):
            compute(store.root, "2023Q1")
