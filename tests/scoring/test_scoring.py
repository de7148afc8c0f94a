"""§9 scoring: met, gap, score, competition rank, the 2023 year-on-year rule, no target, nulls."""
import polars as pl
import pytest

from getpower.scoring import composite, score_table


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
        (2024, "温州", 1.0, -0.10, None, None),  # a year without a targets file borrows nothing
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
