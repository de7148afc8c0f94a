"""Scoring (indicators.md §9): met, gap, distance-to-frontier score, competition rank, composite.

- ``met``: value meets target in the indicator's direction; null value → null (无数据), never met.
  Outage hours from 2023 are also met by a year-on-year change ≤ the target's ``or_yoy_at_most``.
- ``gap`` = value − target for lower-is-better, target − value for higher-is-better (positive = worse).
- ``score`` = 100 × (worst − value) / (worst − frontier) (mirrored for higher-is-better), clipped to [0, 100].
- ``rank``: standard competition ranking (1, 2, 2, 4 …) of the 11 cities on score, best first.
"""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.registry import declared
from getpower.targets import benchmarks_frame, targets_frame

KEY = ["city", "indicator", "segment", "unit"]


def score_table(table: pl.DataFrame, year: int) -> pl.DataFrame:
    """Add target, met, gap, score and rank to the raw indicator rows of one period."""
    directions = pl.DataFrame({"indicator": [s.id for s in declared()],
                               "_lower": [s.lower_is_better for s in declared()]})
    yoy = table.filter(pl.col("indicator") == "outage_hours_yoy").select(
        "city", "segment", pl.lit("outage_hours").alias("indicator"), pl.col("value").alias("_yoy"))
    t = (table.join(directions, on="indicator", how="left")
         .join(targets_frame(year), on=KEY, how="left")
         .join(benchmarks_frame(), on=["indicator", "segment", "unit"], how="left")
         .join(yoy, on=["city", "indicator", "segment"], how="left"))
    v, tg, lower = pl.col("value"), pl.col("target"), pl.col("_lower")
    by_value = pl.when(lower).then(v <= tg).otherwise(v >= tg)
    by_yoy = (pl.col("_yoy") <= pl.col("or_yoy_at_most")).fill_null(False)
    raw_score = pl.when(lower).then((pl.col("worst") - v) / (pl.col("worst") - pl.col("frontier"))) \
        .otherwise((v - pl.col("worst")) / (pl.col("frontier") - pl.col("worst"))) * 100
    t = t.with_columns(
        pl.when(v.is_null() | tg.is_null()).then(None).otherwise(by_value | by_yoy).alias("met"),
        pl.when(v.is_null() | tg.is_null()).then(None).otherwise(pl.when(lower).then(v - tg).otherwise(tg - v)).alias("gap"),
        pl.when(v.is_null()).then(None).otherwise(raw_score.clip(0, 100)).alias("score"),
    )
    cities = list(params.cities())
    rank = (pl.col("score").rank(method="min", descending=True).over(["indicator", "segment", "unit"])
            .cast(pl.Int64))
    ranked = t.filter(pl.col("city").is_in(cities) & pl.col("score").is_not_null()).with_columns(rank.alias("rank"))
    t = t.join(ranked.select(*KEY, "rank"), on=KEY, how="left")
    return t.drop("_lower", "frontier", "worst", "_yoy", "or_yoy_at_most")


def composite(table: pl.DataFrame) -> pl.DataFrame:
    """Composite score per city: the weighted mean over areas of the mean indicator score in the area
    (weights in params/scoring.yaml), ranked among the 11 cities; with each city's tier expectation."""
    weights = params.load("scoring.yaml")["weights"]
    areas = pl.DataFrame({"indicator": [s.id for s in declared()], "area": [s.area for s in declared()]})
    w = pl.DataFrame({"area": list(weights), "weight": [float(x) for x in weights.values()]})
    per_area = (table.filter(pl.col("score").is_not_null()).join(areas, on="indicator").join(w, on="area")
                .group_by("city", "period", "area", "weight").agg(pl.col("score").mean().alias("area_score"),
                                                                  pl.len().alias("n_scores")))
    comp = per_area.group_by("city", "period").agg(
        ((pl.col("area_score") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("composite"),
        pl.col("n_scores").sum(),
    )
    cfg = params.load("cities.yaml")
    tiers = pl.DataFrame({"city": [c["name"] for c in cfg["cities"]], "tier": [c["tier"] for c in cfg["cities"]]})
    tier_info = pl.DataFrame({"tier": list(cfg["tiers"]), "tier_label": [v["label"] for v in cfg["tiers"].values()],
                              "expectation": [v["expectation"] for v in cfg["tiers"].values()]})
    comp = comp.join(tiers, on="city", how="left").join(tier_info, on="tier", how="left")
    in_rank = pl.col("city").is_in(list(params.cities()))
    comp = comp.with_columns(
        pl.when(in_rank).then(pl.col("composite").rank(method="min", descending=True).over(in_rank)).cast(pl.Int64).alias("rank"))
    order = {c: i for i, c in enumerate([*params.cities(), params.province()])}
    return comp.sort(pl.col("rank").fill_null(99), pl.col("city").replace_strict(order, default=99))
