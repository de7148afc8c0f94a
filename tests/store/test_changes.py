"""What changed between two versions: hand-made tables with hand-computed flips, rank moves and
value changes, then a store whose second version turns 杭州's 居民 connection time from 达标 into
未达标 (target 7 calendar days in 2023)."""
import json

import polars as pl
import pytest

from getpower import changes
from getpower.changes import Flip, RankMove
from getpower.store import Store, StoreError

COLS = ["city", "period", "indicator", "segment", "unit", "value", "n", "reason", "target", "met", "gap", "score",
        "rank", "target_source"]


def table(rows):
    """rows: (city, period, indicator, segment, value, target, met, rank)."""
    out = []
    for city, period, ind, seg, value, target, met, rank in rows:
        out.append({"city": city, "period": period, "indicator": ind, "segment": seg, "unit": "calendar_days",
                    "value": value, "n": 0 if value is None else 1, "reason": "无工单" if value is None else None,
                    "target": target, "met": met, "gap": None, "score": None, "rank": rank, "target_source": None})
    return pl.DataFrame(out, schema=changes._schema()).select(COLS)


A = table([
    ("杭州", "2023Q1", "process_days_mean", "居民", 5.0, 7.0, True, 1),
    ("宁波", "2023Q1", "process_days_mean", "居民", 9.0, 7.0, False, 2),
    ("温州", "2023Q1", "process_days_mean", "居民", None, 7.0, None, None),
    ("杭州", "2023Q2", "process_days_mean", "居民", 6.0, 7.0, True, 1),
    ("杭州", "2023Q1", "utility_days_mean", "居民", 2.0, None, None, None),
])
B = table([
    ("杭州", "2023Q1", "process_days_mean", "居民", 8.0, 7.0, False, 2),  # 达标 → 未达标, rank 1 → 2, +60 %
    ("宁波", "2023Q1", "process_days_mean", "居民", 6.0, 7.0, True, 1),  # 未达标 → 达标, rank 2 → 1, −33.3 %
    ("温州", "2023Q1", "process_days_mean", "居民", 4.0, 7.0, True, 1),  # 无数据 → 达标, unranked → 1
    ("杭州", "2023Q2", "process_days_mean", "居民", 6.0, 7.0, True, 1),  # unchanged: 2023Q2 not affected
    ("杭州", "2023Q1", "utility_days_mean", "居民", 3.0, None, None, None),  # 无目标 both: no flip, +50 %
])


def test_flips_ranks_and_values_of_a_hand_made_pair():
    flips, ranks, values = changes.compare_tables(A, B)
    got = [(f.city, f.before, f.after) for f in flips]
    assert got == [("杭州", "达标", "未达标"), ("宁波", "未达标", "达标"), ("温州", "无数据", "达标")]
    assert all(f.period == "2023Q1" and f.indicator == "process_days_mean" for f in flips)
    assert flips[0] == Flip("2023Q1", "杭州", "process_days_mean", "居民", "calendar_days", "达标", "未达标", 5.0, 8.0)
    assert sorted((r.city, r.before, r.after) for r in ranks) == [("宁波", 2, 1), ("杭州", 1, 2), ("温州", None, 1)]
    # largest relative change first; a value that appears (温州, no relative change) before them all
    assert [(v.city, v.indicator, v.relative and round(v.relative, 4)) for v in values] == [
        ("温州", "process_days_mean", None), ("杭州", "process_days_mean", 0.6),
        ("杭州", "utility_days_mean", 0.5), ("宁波", "process_days_mean", 0.3333)]
    assert changes.affected_periods(A, B) == ["2023Q1"]


@pytest.mark.parametrize("a, b, expected", [
    (A, A, []),  # the same table: nothing affected
    (A.filter(pl.col("period") == "2023Q1"), A, ["2023Q2"]),  # a period that appears
    (A, A.with_columns(pl.when(pl.col("period") == "2023Q2").then(pl.lit("无工单")).otherwise(pl.col("reason"))
                       .alias("reason")), ["2023Q2"]),  # only a null's reason changed
    (A, A.with_columns(pl.when(pl.col("city") == "宁波").then(3).otherwise(pl.col("rank")).alias("rank")), ["2023Q1"]),
])
def test_affected_periods(a, b, expected):
    assert changes.affected_periods(a, b) == expected


from extracts import APPS, STAGES
from extracts import write_csv as _csv


@pytest.fixture
def two_versions(tmp_path):
    store = Store(tmp_path / "store")
    store.ingest([_csv(tmp_path / "1" / "applications.csv", APPS, ["A1,杭州,居民,8,220V,网上国网,0"]),
                  _csv(tmp_path / "1" / "stages.csv", STAGES, ["A1,申请受理,2023-03-01 09:00,2023-03-01 10:00",
                                                               "A1,装表接电,2023-03-02 09:00,2023-03-03 10:00"])])
    # the correction: connected on 12 March, 11 days after the application (target 7)
    # an application with no stages yet (counted in no indicator) and a row quarantined
    store.ingest([_csv(tmp_path / "2" / "applications.csv", APPS, ["A2,宁波,居民,8,220V,网上国网,0",
                                                                   "A3,宁波,居民,八,220V,网上国网,0"])])
    return store


def test_the_change_report_of_two_versions_names_the_flip(two_versions):
    store = two_versions
    # the second version added an application without stages and quarantined a row
    c = changes.compare(store)
    assert (c.version_a, c.version_b) == ("v000001", "v000002")
    assert [(q.kind, q.rows_read, q.rows_quarantined, q.share_before) for q in c.quality] == [
        ("applications", 2, 1, 0.0)]  # v000001's upload quarantined none of its application rows
    assert "- 用电报装工单：读取 2 行，隔离 1 行（50.0%，上次导入 0.0%）：" in changes.to_markdown(c)
    # 宁波 has an application now: its open_overdue is 0 instead of null (no target: no flip) and
    # its null values have another reason, so 2023Q1 is affected, but nothing judged flips
    assert c.flips == () and c.periods == ("2023Q1",)
    assert {(v.city, v.indicator, v.before, v.after) for v in c.values if v.segment == "全部"} == {
        ("宁波", "open_overdue", None, 0.0)}
    store.ingest([_csv(store.root.parent / "3" / "stages.csv", STAGES, [
        "A1,申请受理,2023-03-01 09:00,2023-03-01 10:00", "A1,装表接电,2023-03-02 09:00,2023-03-12 10:00"])])
    c = changes.compare(store)
    assert (c.version_a, c.version_b, c.periods) == ("v000002", "v000003", ("2023Q1",))
    flips = {(f.period, f.city, f.indicator, f.segment, f.unit, f.before, f.after) for f in c.flips}
    assert flips == {("2023Q1", "杭州", "process_days_mean", "居民", "calendar_days", "达标", "未达标"),
                     ("2023Q1", "全省", "process_days_mean", "居民", "calendar_days", "达标", "未达标")}
    assert c.data_until_a == "2023-03-03" and c.data_until_b == "2023-03-12"
    md = changes.write(store, c)
    text = md.read_text(encoding="utf-8")
    assert "v000002 → v000003" in text and "| 2023Q1 | 杭州 | 全过程办电时间（平均）（居民，自然日） | 达标 | 未达标 |" in text
    assert "数据截至 2023-03-12" in text
    data = json.loads((store.root / "changes" / "v000003.json").read_text(encoding="utf-8"))
    assert data["version_b"] == "v000003" and len(data["flips"]) == 2
    assert "<table>" in (store.root / "changes" / "v000003.html").read_text(encoding="utf-8")
    assert changes.latest(store)["version_b"] == "v000003"
    recent = changes.recent_html(store)
    assert "最近更新" in recent and "v000002 → v000003" in recent and "数据截至 2023-03-12" in recent
    assert "<li>2023Q1 杭州 全过程办电时间（平均）（居民，自然日）：达标 → 未达标</li>" in recent
    assert "尚无变化报告" not in recent
    store.ingest([_csv(store.root.parent / "4" / "applications.csv", APPS, ["A4,温州,居民,8,220V,网上国网,0"])])
    assert "（当前版本 v000004 尚无变化报告：getpower changes --write）" in changes.recent_html(store)
    # explicit versions, either way round
    back = changes.compare(store, "v000003", "v000001")
    assert {(f.city, f.before, f.after) for f in back.flips} == {("杭州", "未达标", "达标"), ("全省", "未达标", "达标")}


def test_a_first_version_and_a_pruned_one(two_versions):
    first = changes.compare(two_versions, None, "v000001")
    assert first.version_a is None and first.flips == () and first.periods == ("2023Q1",)
    with pytest.raises(StoreError, match="v000009 不在数据仓库中"):
        changes.compare(two_versions, "v000009")
    assert changes.latest(two_versions) is None and changes.recent_html(two_versions) is None


def test_met_through_the_year_on_year_rule_is_its_own_status():
    def outage(value, met, met_by):
        t = table([("杭州", "2023Q4", "outage_hours", "市区", value, 2.0, met, 1)])
        return t.with_columns(pl.lit(met_by, pl.String).alias("met_by"), pl.lit("hours").alias("unit"))

    a = outage(1.8, True, "目标值")
    b = outage(2.3, True, "同比下降 ≥ 8.0 %")  # above the target, met by falling 8 % year on year
    c = outage(2.3, False, "—")
    assert [(f.before, f.after) for f in changes.compare_tables(a, b)[0]] == [("达标", "达标（同比下降）")]
    assert [(f.before, f.after) for f in changes.compare_tables(b, c)[0]] == [("达标（同比下降）", "未达标")]
    assert changes.affected_periods(a, a.with_columns(pl.lit("同比下降 ≥ 8.0 %").alias("met_by"))) == ["2023Q4"]
