"""Scoring (indicators.md §9): met, gap, distance-to-frontier score, competition rank, composite.

- ``met``: value meets target in the indicator's direction; null value → null (无数据), never met.
  Outage hours from 2023 are also met by a year-on-year change ≤ the target's ``or_yoy_at_most``.
- ``met_by``: how a met target was met — 目标值 (the value; it wins when both hold) or
  同比下降 ≥ 8 % (the year-on-year rule, its threshold as the params say); — otherwise.
- ``gap`` = value − target for lower-is-better, target − value for higher-is-better (positive = worse).
- ``score`` = 100 × (worst − value) / (worst − frontier) (mirrored for higher-is-better), clipped to [0, 100].
- ``rank``: standard competition ranking (1, 2, 2, 4 …) of the 11 cities on score, best first.
"""
from __future__ import annotations

import polars as pl

from getpower import params
from getpower.currency import LABELS, OUTSIDE
from getpower.registry import declared
from getpower.status import BY_VALUE, INSUFFICIENT, NOT_MET_BY, YOY_PREFIX
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
    no_status = v.is_null() | tg.is_null()
    yoy_label = pl.format(YOY_PREFIX + " ≥ {} %", (-pl.col("or_yoy_at_most") * 100).round(1).cast(pl.String)
                          .str.replace(r"\.0$", ""))
    t = t.with_columns(
        pl.when(no_status).then(None).otherwise(by_value | by_yoy).alias("met"),
        pl.when(no_status).then(pl.lit(NOT_MET_BY)).when(by_value).then(pl.lit(BY_VALUE))
        .when(by_yoy).then(yoy_label).otherwise(pl.lit(NOT_MET_BY)).alias("met_by"),
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
    """Composite score per city: the weighted mean over areas of the mean indicator score in the
    area (weights in params/scoring.yaml), ranked among the 11 cities; with each city's tier
    expectation — given only where the scores stand on enough data (indicators.md §9, Coverage).

    The rows a city can be scored on are those with a benchmark in an area of the composite that
    at least one of the 11 cities has a score for this period (what no city can be scored on is no
    city's shortfall), and those the period lies outside the data for (a period beyond the applications
    is not ranked on the outage hours alone). A city's ``coverage`` is the share of the area weights its scores cover (an
    area's weight split evenly among its rows). It is scored (``scored``) when ``coverage`` reaches
    ``coverage.min_weight_share`` and, if ``coverage.every_area``, it has a score in every such area;
    otherwise ``composite`` and ``rank`` are null, ``status`` reads 数据不足（覆盖 NN %）, and
    ``missing_sources`` / ``missing_areas`` say what is missing. Unranked cities come after the
    ranked ones, the province last."""
    cfg = params.load("scoring.yaml")
    weights, rule, area_labels = cfg["weights"], cfg["coverage"], cfg["area_labels"]
    cities, province = list(params.cities()), params.province()
    areas = pl.DataFrame({"indicator": [s.id for s in declared()], "area": [s.area for s in declared()]})
    w = pl.DataFrame({"area": list(weights), "weight": [float(x) for x in weights.values()]})
    keys = ["indicator", "segment", "unit"]
    scorable = (table.join(areas, on="indicator").join(w, on="area")
                .join(benchmarks_frame().select(keys), on=keys, how="semi"))
    # what some city is scored on, and what the period lies outside the data for (no city can be
    # scored on it, yet it should have data: a period beyond the data is never ranked on the rest)
    outside = pl.col("reason").str.starts_with(OUTSIDE).fill_null(False) if "reason" in table.columns else pl.lit(False)
    expected = scorable.filter(pl.col("city").is_in(cities) & (pl.col("score").is_not_null() | outside)) \
        .select(keys).unique()
    per_area = (scorable.join(expected, on=keys, how="semi")
                .with_columns(pl.col("area").replace_strict({a: i for i, a in enumerate(weights)}, default=99)
                              .alias("_area_order"))
                .group_by("city", "area", "weight", "_area_order").agg(
                    pl.col("score").mean().alias("area_score"), pl.col("score").is_not_null().sum().alias("covered"),
                    pl.len().alias("expected")))
    has = pl.col("covered") > 0
    comp = per_area.group_by("city").agg(
        ((pl.col("area_score") * pl.col("weight")).filter(has).sum() / pl.col("weight").filter(has).sum())
        .alias("composite"),
        ((pl.col("weight") * pl.col("covered") / pl.col("expected")).sum() / pl.col("weight").sum()).alias("coverage"),
        pl.col("covered").sum().alias("n_scores"),
        pl.col("area").sort_by("_area_order").filter(~has.sort_by("_area_order")).alias("_missing_areas"),
    )
    kind_order = {label: i for i, label in enumerate(LABELS.values())}
    missing_sources = (table.filter(pl.col("missing_source").is_not_null()).select("city", "missing_source").unique()
                       .sort(pl.col("missing_source").replace_strict(kind_order, default=99)).group_by("city", maintain_order=True)
                       .agg(pl.col("missing_source").str.join("、").alias("missing_sources"))
                       if "missing_source" in table.columns else pl.DataFrame(schema={"city": pl.String, "missing_sources": pl.String}))
    period = table["period"][0] if table.height else None
    base = pl.DataFrame({"city": [*cities, province]})
    comp = (base.join(comp, on="city", how="left").join(missing_sources, on="city", how="left")
            .with_columns(pl.lit(period, pl.String).alias("period"), pl.col("coverage").fill_null(0.0),
                          pl.col("n_scores").fill_null(0).cast(pl.Int64)))
    comp = comp.with_columns(
        pl.col("_missing_areas").list.eval(pl.element().replace_strict(area_labels, default=pl.element()))
        .list.join("、").replace("", None).alias("missing_areas"))
    enough = pl.col("coverage") >= float(rule["min_weight_share"]) - 1e-9
    if rule.get("every_area", True):
        enough = enough & pl.col("missing_areas").is_null()
    scored = (enough & pl.col("composite").is_not_null()).fill_null(False)
    comp = comp.with_columns(scored.alias("scored")).with_columns(
        pl.when(pl.col("scored")).then(pl.col("composite")).otherwise(None).alias("composite"),
        pl.when(pl.col("scored")).then(None)
        .otherwise(pl.format(INSUFFICIENT + "（覆盖 {} %）", (pl.col("coverage") * 100).floor().cast(pl.Int64))).alias("status"),
    ).drop("_missing_areas")
    cfg_c = params.load("cities.yaml")
    tiers = pl.DataFrame({"city": [c["name"] for c in cfg_c["cities"]], "tier": [c["tier"] for c in cfg_c["cities"]]})
    tier_info = pl.DataFrame({"tier": list(cfg_c["tiers"]), "tier_label": [v["label"] for v in cfg_c["tiers"].values()],
                              "expectation": [v["expectation"] for v in cfg_c["tiers"].values()]})
    comp = comp.join(tiers, on="city", how="left").join(tier_info, on="tier", how="left")
    in_rank = pl.col("city").is_in(cities) & pl.col("scored")
    comp = comp.with_columns(
        pl.when(in_rank).then(pl.col("composite").rank(method="min", descending=True).over(in_rank))
        .cast(pl.Int64).alias("rank"))
    order = {c: i for i, c in enumerate([*cities, province])}
    return comp.select("city", "period", "composite", "rank", "scored", "status", "coverage", "missing_sources",
                       "missing_areas", "n_scores", "tier", "tier_label", "expectation").sort(
        pl.col("rank").fill_null(99), pl.col("city").replace_strict(order, default=99))


def shortfall(row: dict) -> str:
    """What an unscored city lacks, in one line (empty for a scored city).

    >>> shortfall({"scored": False, "status": "数据不足（覆盖 43 %）", "missing_sources": "停电事件、用户数",
    ...            "missing_areas": "供电可靠性"})
    '数据不足（覆盖 43 %）：缺少停电事件、用户数数据；供电可靠性无得分'
    """
    if row.get("scored"):
        return ""
    parts = []
    if row.get("missing_sources"):
        parts.append(f"缺少{row['missing_sources']}数据")
    if row.get("missing_areas"):
        parts.append(f"{row['missing_areas']}无得分")
    return (row.get("status") or INSUFFICIENT) + ("：" + "；".join(parts) if parts else "")


def tier_frame(ranked: pl.DataFrame) -> pl.DataFrame:
    """Each tier's mean composite score and its cities (best first) against the tier's expectation;
    ``ranked``: composite rows of the 11 cities for one period."""
    return (ranked.filter(pl.col("rank").is_not_null()).group_by("tier", "tier_label", "expectation").agg(
        pl.col("composite").mean().round(1).alias("mean_composite"), pl.col("rank").min().alias("best_rank"),
        pl.col("city").sort_by("rank").str.join("、").alias("cities"))
        .sort("mean_composite", descending=True))
