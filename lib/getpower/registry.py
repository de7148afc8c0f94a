"""Indicator declarations (params/indicators.yaml) as small immutable values, and their functions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from getpower import params


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    label: str
    units: tuple[str, ...]
    direction: str  # lower_is_better | higher_is_better
    segments: tuple[str, ...]
    null_reason: str
    target: str  # "targets" or "none"
    area: str
    section: int
    sources: tuple[str, ...] = ()  # extract kinds it stands on; the first bounds its dates

    @property
    def source(self) -> str | None:
        return self.sources[0] if self.sources else None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@lru_cache(maxsize=None)
def declared() -> tuple[IndicatorSpec, ...]:
    data = params.load("indicators.yaml")
    sets = data["segment_sets"]
    out = []
    for d in data["indicators"]:
        out.append(IndicatorSpec(d["id"], d["label"], tuple(d["units"]), d["direction"], tuple(sets[d["segments"]]),
                                 d["null_reason"], d["target"], d["area"], int(d["section"]),
                                 tuple(d.get("sources") or ())))
    return tuple(out)


def spec(indicator_id: str) -> IndicatorSpec:
    return next(s for s in declared() if s.id == indicator_id)


def functions() -> dict:
    from getpower.indicators import REGISTRY

    return dict(REGISTRY)
