"""Targets by year, tier and segment (params/targets/<year>.yaml) and benchmarks (params/benchmarks.yaml).

A year without a targets file, or an indicator absent from it, has **no target**: nothing is
borrowed from another year silently. A year after the plan may declare ``inherit: 2023``: it then
has 2023's targets (its own ``targets``, if any, replace those of the same indicator, segment,
unit and tiers), each marked in its source as 沿用 2023 年目标（暂定）, and every output says so
(:func:`target_basis`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import polars as pl

from getpower import params


@dataclass(frozen=True)
class Target:
    indicator: str
    segment: str
    unit: str
    value: float
    source: str
    tiers: tuple[str, ...] | None = None  # None: every city and the province
    or_yoy_at_most: float | None = None  # from 2023, outage hours also met by a yoy change ≤ this


@dataclass(frozen=True)
class Benchmark:
    indicator: str
    segment: str
    unit: str
    frontier: float
    worst: float
    source: str
    verified: bool


def _own(data: dict) -> list[Target]:
    return [Target(t["indicator"], str(t["segment"]), t["unit"], float(t["value"]), str(t["source"]),
                   tuple(t["tiers"]) if t.get("tiers") else None, t.get("or_yoy_at_most"))
            for t in data.get("targets") or []]


@params.derived
@lru_cache(maxsize=None)
def targets_for(year: int, _seen: tuple[int, ...] = ()) -> tuple[Target, ...]:
    path = params.params_dir() / "targets" / f"{year}.yaml"
    if not path.exists():
        return ()
    data = params.load(f"targets/{year}.yaml")
    own = _own(data)
    inherit = data.get("inherit")
    if inherit is None:
        return tuple(own)
    inherit = int(inherit)
    if inherit in _seen or inherit == year:
        raise ValueError(f"params/targets/{year}.yaml: inherit 形成循环（{inherit}）")
    mark = f"沿用 {inherit} 年目标（暂定）"
    key = lambda t: (t.indicator, t.segment, t.unit, t.tiers)  # noqa: E731
    mine = {key(t) for t in own}
    inherited = [replace(t, source=t.source if t.source.startswith("沿用 ") else f"{mark}：{t.source}")
                 for t in targets_for(inherit, (*_seen, year)) if key(t) not in mine]
    return tuple(inherited + own)


def target_basis(year: int) -> str | None:
    """What the year's targets rest on when they are not the year's own: 沿用 2023 年目标（暂定）
    for a year that declares ``inherit``, 该年无目标 for a year without a file; None otherwise."""
    path = params.params_dir() / "targets" / f"{year}.yaml"
    if not path.exists():
        return f"{year} 年无目标（params/targets/{year}.yaml 未配置）"
    inherit = params.load(f"targets/{year}.yaml").get("inherit")
    return f"沿用 {inherit} 年目标（暂定）" if inherit else None


def targets_frame(year: int) -> pl.DataFrame:
    """One row per (city incl. province, indicator, segment, unit) that has a target in ``year``."""
    tiers = params.city_tiers()
    rows = []
    for t in targets_for(year):
        cities = [c for c, tier in tiers.items() if t.tiers is None or tier in t.tiers]
        if t.tiers is None:
            cities.append(params.province())
        for c in cities:
            rows.append((c, t.indicator, t.segment, t.unit, t.value, t.or_yoy_at_most, t.source))
    return pl.DataFrame(rows, schema={"city": pl.String, "indicator": pl.String, "segment": pl.String,
                                      "unit": pl.String, "target": pl.Float64, "or_yoy_at_most": pl.Float64,
                                      "target_source": pl.String}, orient="row")


@params.derived
@lru_cache(maxsize=None)
def benchmarks() -> tuple[Benchmark, ...]:
    return tuple(Benchmark(b["indicator"], str(b["segment"]), b["unit"], float(b["frontier"]), float(b["worst"]),
                           b["source"], bool(b["verified"])) for b in params.load("benchmarks.yaml")["benchmarks"])


def benchmarks_frame() -> pl.DataFrame:
    return pl.DataFrame([(b.indicator, b.segment, b.unit, b.frontier, b.worst) for b in benchmarks()],
                        schema={"indicator": pl.String, "segment": pl.String, "unit": pl.String,
                                "frontier": pl.Float64, "worst": pl.Float64}, orient="row")
