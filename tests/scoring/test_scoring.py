"""§9 scoring: met, gap, score, competition rank, the 2023 year-on-year rule, no target, nulls."""
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from getpower.scoring import composite, score_table, shortfall


def _table(rows):
    return pl.DataFrame(rows, schema={"city": pl.String, "period": pl.String, "indicator": pl.String,
                                      "segment": pl.String, "unit": pl.String, "value": pl.Float64,
                                      "n": pl.Int64, "reason": pl.String}, orient="row")


def _by_city(t, indicator="process_days_mean"):
    return {r["city"]: r for r in t.filter(pl.col("indicator") == indicator).iter_rows(named=True)}


def test_lower_is_better_met_gap_score_rank():
    # 2023 居民 target 7; benchmark frontier 1, worst 7 → score = 100 × (7 − v) / 6
    rows = [(c, "2023", "process_days_mean", "居民", "calendar_days", v, 10, None)
            for c, v in [("杭州", 4.0), ("宁波", 7.0), ("嘉兴", 4.0), ("温州", None), ("丽水", 9.0), ("全省", 5.0)]]
    t = _by_city(score_table(_table(rows), 2023))
    assert (t["杭州"]["met"], t["杭州"]["gap"], t["杭州"]["score"], t["杭州"]["rank"]) == (True, -3.0, 50.0, 1)
    assert (t["嘉兴"]["rank"], t["宁波"]["rank"], t["丽水"]["rank"]) == (1, 3, 3)  # 1, 1, 3, 3: competition ranking
    assert (t["宁波"]["met"], t["宁波"]["score"]) == (True, 0.0)
    assert (t["丽水"]["met"], t["丽水"]["gap"], t["丽水"]["score"]) == (False, 2.0, 0.0)  # clipped at 0
    assert (t["温州"]["met"], t["温州"]["score"], t["温州"]["rank"]) == (None, None, None)  # no data is never met
    assert t["全省"]["rank"] is None and t["全省"]["target"] == 7.0


def test_higher_is_better():
    rows = [("杭州", "2023", "zero_investment_coverage", "全部", "ratio", 0.95, 10, None),
            ("宁波", "2023", "zero_investment_coverage", "全部", "ratio", 1.0, 10, None)]
    t = _by_city(score_table(_table(rows), 2023), "zero_investment_coverage")
    assert (t["杭州"]["met"], t["杭州"]["gap"], t["杭州"]["score"], t["杭州"]["rank"]) == (False, pytest.approx(0.05), pytest.approx(50.0), 2)
    assert (t["宁波"]["met"], t["宁波"]["gap"], t["宁波"]["score"]) == (True, 0.0, 100.0)


@pytest.mark.parametrize(
    "year, city, hours, yoy, target, met",
    [
        (2023, "温州", 6.0, -0.10, 5.0, True),    # above target, but cut by more than 8 %
        (2023, "温州", 6.0, -0.05, 5.0, False),
        (2023, "杭州", 2.5, -0.05, 2.0, False),   # lead tier target 2
        (2023, "杭州", 1.9, 0.30, 2.0, True),
        (2022, "温州", 6.0, -0.10, 5.0, False),   # the yoy alternative starts in 2023
        (2021, "温州", 6.0, -0.10, None, None),  # no target for 2021: no status
        (2027, "温州", 1.0, -0.10, None, None),  # a year without a targets file borrows nothing
        (2025, "温州", 6.0, -0.10, 5.0, True),   # 2025 declares inherit: 2023 — the 2023 rules, yoy included
    ],
)
def test_outage_targets_by_tier_and_yoy_rule(year, city, hours, yoy, target, met):
    rows = [(city, str(year), "outage_hours", "市区", "hours", hours, 5, None),
            (city, str(year), "outage_hours_yoy", "市区", "ratio", yoy, 5, None)]
    r = _by_city(score_table(_table(rows), year), "outage_hours")[city]
    assert (r["target"], r["met"]) == (target, met)


def test_composite_is_weighted_mean_of_area_means_and_ranked():
    rows = [("杭州", "2023", "process_days_mean", "居民", "calendar_days", 4.0, 10, None),   # time score 50
            ("杭州", "2023", "zero_investment_coverage", "全部", "ratio", 1.0, 10, None),   # cost score 100
            ("宁波", "2023", "process_days_mean", "居民", "calendar_days", 1.0, 10, None),   # time 100
            ("宁波", "2023", "zero_investment_coverage", "全部", "ratio", 0.9, 10, None)]    # cost 0
    c = {r["city"]: r for r in composite(score_table(_table(rows), 2023)).iter_rows(named=True)}
    assert c["杭州"]["composite"] == pytest.approx(75.0) and c["宁波"]["composite"] == pytest.approx(50.0)
    assert (c["杭州"]["rank"], c["宁波"]["rank"]) == (1, 2)
    assert c["杭州"]["tier"] == "lead" and c["杭州"]["expectation"] == "指标排名领跑全国"


@pytest.mark.parametrize(
    "hours, yoy, met, met_by",
    [
        (4.0, -0.10, True, "目标值"),            # both hold: the value says it
        (6.0, -0.10, True, "同比下降 ≥ 8 %"),     # above the target of 5, cut by 10 %
        (6.0, -0.08, True, "同比下降 ≥ 8 %"),     # exactly 8 % is enough
        (6.0, -0.05, False, "—"),
        (None, -0.50, None, "—"),               # no value: no status, never met
    ],
)
def test_met_by_says_which_rule_met_the_target(hours, yoy, met, met_by):
    rows = [("温州", "2023", "outage_hours", "市区", "hours", hours, 5, None),
            ("温州", "2023", "outage_hours_yoy", "市区", "ratio", yoy, 5, None)]
    r = _by_city(score_table(_table(rows), 2023), "outage_hours")["温州"]
    assert (r["met"], r["met_by"]) == (met, met_by)


def test_met_by_of_an_ordinary_target():
    rows = [("杭州", "2023", "process_days_mean", "居民", "calendar_days", 7.0, 3, None),
            ("宁波", "2023", "process_days_mean", "居民", "calendar_days", 7.5, 3, None),
            ("温州", "2023", "stage_count_mean", "全部", "stages", 2.0, 3, None)]  # no target
    t = score_table(_table(rows), 2023)
    assert dict(zip(t["city"], t["met_by"])) == {"杭州": "目标值", "宁波": "—", "温州": "—"}


def _with_missing(rows, missing=()):
    t = _table([r[:8] for r in rows]).with_columns(pl.lit(None, pl.String).alias("missing_source"))
    return t.with_columns(pl.when(pl.col("city").is_in(list(missing))).then(pl.lit("停电事件"))
                          .otherwise(pl.col("missing_source")).alias("missing_source"))


def test_composite_only_where_scores_cover_enough_weight():
    # time: two benchmarked rows (居民, 低压非居民 calendar days); cost: one row. Equal area weights.
    # 居民: score = 100 × (7 − v) / 6; 低压非居民: 100 × (15 − v) / (15 − 4.22); coverage 1: 100 × (v − 0.9) / 0.1
    rows = []
    for city, res, nonres, cov in [("杭州", 4.0, 15.0, 1.0),    # time (50 + 0) / 2 = 25, cost 100 → 62.5
                                    ("宁波", 1.0, 4.22, 0.9),    # time 100, cost 0 → 50
                                    ("温州", 4.0, None, 1.0),    # covers 1/2 of time + cost: (0.5 + 1) / 2 = 75 %
                                    ("丽水", 4.0, 15.0, None),   # 50 % and no cost score at all
                                    ("全省", 4.0, 15.0, 1.0)]:
        rows += [(city, "2023", "process_days_mean", "居民", "calendar_days", res, 3, None),
                 (city, "2023", "process_days_mean", "低压非居民", "calendar_days", nonres, 3, None),
                 (city, "2023", "zero_investment_coverage", "全部", "ratio", cov, 3, None)]
    comp = composite(score_table(_with_missing(rows, missing=["丽水"]), 2023))
    c = {r["city"]: r for r in comp.iter_rows(named=True)}
    assert (c["杭州"]["composite"], c["杭州"]["rank"], c["杭州"]["coverage"], c["杭州"]["status"]) == \
        (pytest.approx(62.5), 1, 1.0, None)
    assert (c["宁波"]["composite"], c["宁波"]["rank"]) == (pytest.approx(50.0), 2)
    assert (c["温州"]["composite"], c["温州"]["rank"], c["温州"]["coverage"], c["温州"]["status"], c["温州"]["missing_areas"]) == \
        (None, None, 0.75, "数据不足（覆盖 75 %）", None)
    assert (c["丽水"]["rank"], c["丽水"]["coverage"], c["丽水"]["missing_areas"], c["丽水"]["missing_sources"]) == \
        (None, 0.5, "办电成本", "停电事件")
    assert shortfall(c["丽水"]) == "数据不足（覆盖 50 %）：缺少停电事件数据；办电成本无得分"
    # ranked cities first, then the unranked in the cities' order, the province last; the 7 cities
    # without any row are listed too (no data: 0 %)
    order = comp["city"].to_list()
    assert order[:2] == ["杭州", "宁波"] and order[-1] == "全省"
    assert order.index("温州") < order.index("丽水") and comp.filter(pl.col("rank").is_null()).height == 10
    assert c["嘉兴"]["status"] == "数据不足（覆盖 0 %）"
    assert c["全省"]["composite"] == pytest.approx(62.5) and c["全省"]["rank"] is None


def test_every_area_rule_and_threshold_from_params(tmp_path, monkeypatch):
    """80 % of the weight but no score in one area: not ranked; with every_area off it would be."""
    import shutil

    from getpower import params

    rows = []
    for city in ["杭州", "宁波"]:
        rows += [(city, "2023", ind, seg, unit, v, 3, None) for ind, seg, unit, v in [
            ("process_days_mean", "居民", "calendar_days", 4.0), ("stage_compliance_rate", "全部", "ratio", 1.0),
            ("online_availability_rate", "全部", "ratio", 1.0), ("zero_investment_coverage", "全部", "ratio", 1.0),
            ("outage_hours", "市区", "hours", 1.0 if city == "杭州" else None)]]
    t = score_table(_with_missing(rows), 2023)
    c = {r["city"]: r for r in composite(t).iter_rows(named=True)}
    assert (c["宁波"]["coverage"], c["宁波"]["rank"], c["宁波"]["missing_areas"]) == (0.8, None, "供电可靠性")
    folder = tmp_path / "params"
    shutil.copytree(params.params_dir(), folder)
    text = (folder / "scoring.yaml").read_text(encoding="utf-8").replace("every_area: true", "every_area: false")
    (folder / "scoring.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("GETPOWER_PARAMS", str(folder))
    c = {r["city"]: r for r in composite(t).iter_rows(named=True)}
    # 宁波 (50 + 100 + 100 + 100) / 4 = 87.5; 杭州 adds outage 100 × (5 − 1) / (5 − 0.16) = 82.6 → 86.5
    assert (c["宁波"]["rank"], c["杭州"]["rank"]) == (1, 2)


def test_inherited_targets_are_marked_in_their_source():
    rows = [("杭州", "2025", "process_days_mean", "低压非居民", "calendar_days", 9.0, 4, None)]
    r = _by_city(score_table(_table(rows), 2025))["杭州"]
    assert (r["target"], r["met"], r["target_source"]) == (10.0, True, "沿用 2023 年目标（暂定）：ledger 8, §二")
    from getpower.targets import target_basis

    assert (target_basis(2025), target_basis(2023)) == ("沿用 2023 年目标（暂定）", None)
    assert target_basis(2027).startswith("2027 年无目标")


def test_rows_outside_the_data_count_as_expected_so_nobody_ranks_on_the_rest():
    # time lies outside the data (a period after the applications end), outage hours reach back into it
    rows = []
    for city in ["杭州", "宁波"]:
        rows += [(city, "2023", "process_days_mean", "居民", "calendar_days", None, 0, "期间超出数据范围（报装工单数据截至 2023-06-30）"),
                 (city, "2023", "outage_hours", "市区", "hours", 1.0, 5, "期间数据不完整（…）")]
    c = {r["city"]: r for r in composite(score_table(_with_missing(rows), 2023)).iter_rows(named=True)}
    assert (c["杭州"]["rank"], c["杭州"]["coverage"], c["杭州"]["missing_areas"]) == (None, 0.5, "办电时间")


ROWS = [("process_days_mean", "居民", "calendar_days", 4.0, "time"), ("process_days_mean", "低压非居民", "calendar_days", 8.0, "time"),
        ("stage_compliance_rate", "全部", "ratio", 0.95, "stages"), ("online_availability_rate", "全部", "ratio", 0.9, "online"),
        ("zero_investment_coverage", "全部", "ratio", 0.99, "cost"), ("outage_hours", "市区", "hours", 2.0, "reliability"),
        ("outage_hours", "农村", "hours", 9.0, "reliability")]


@settings(max_examples=60, deadline=None)
@given(present=st.lists(st.lists(st.booleans(), min_size=len(ROWS), max_size=len(ROWS)), min_size=11, max_size=11))
def test_coverage_model(present):
    """Against a plain model: coverage = Σ area weight × covered / expected rows ÷ Σ weight over the
    areas some city is scored in; ranked iff ≥ 80 % and a score in each such area; unranked last."""
    from getpower import params

    cities = list(params.cities())
    rows = [(c, "2023", ind, seg, unit, v if present[i][j] else None, 3, None)
            for i, c in enumerate(cities) for j, (ind, seg, unit, v, _a) in enumerate(ROWS)]
    comp = composite(score_table(_with_missing(rows), 2023))
    got = {r["city"]: r for r in comp.iter_rows(named=True)}
    expected_rows = [j for j in range(len(ROWS)) if any(present[i][j] for i in range(11))]
    areas = sorted({ROWS[j][4] for j in expected_rows})
    for i, c in enumerate(cities):
        share = {a: sum(present[i][j] for j in expected_rows if ROWS[j][4] == a)
                 / sum(1 for j in expected_rows if ROWS[j][4] == a) for a in areas}
        coverage = sum(share.values()) / len(areas) if areas else 0.0
        ranked = bool(areas) and coverage >= 0.8 - 1e-9 and all(v > 0 for v in share.values())
        assert got[c]["coverage"] == pytest.approx(coverage)
        assert (got[c]["rank"] is not None) == ranked, (c, share)
        assert (got[c]["composite"] is None) == (not ranked)
    ranks = comp.filter(pl.col("city").is_in(cities))["rank"].to_list()
    assert ranks == sorted(ranks, key=lambda r: (r is None, r or 0))  # the unranked after the ranked
