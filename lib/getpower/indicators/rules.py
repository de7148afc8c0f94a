"""The year's rules from params/thresholds.yaml as one small immutable value."""
from __future__ import annotations

from dataclasses import dataclass

from getpower import params


@dataclass(frozen=True)
class Rules:
    online_channels: tuple[str, ...]
    zero_investment_threshold_kw: float | None
    lv_access_capacity_kw: float
    lv_voltage_max_kv: float
    outage_min_minutes: float
    lv_exemption_line_m: float
    lv_exemption_modes: tuple[str, ...]
    approval_no_procedure_modes: tuple[str, ...]
    allowed_stages: tuple[tuple[str, int], ...]
    allowed_stages_important: int
    area_aggregates: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def for_year(cls, year: int) -> "Rules":
        t = params.load("thresholds.yaml")
        zi = t["zero_investment_threshold_kw"]["by_year"].get(year)
        return cls(
            online_channels=tuple(t["online_channels"]["values"]),
            zero_investment_threshold_kw=None if zi is None else float(zi),
            lv_access_capacity_kw=float(t["lv_access_capacity_kw"]["value"]),
            lv_voltage_max_kv=float(t["lv_voltage_max_kv"]["value"]),
            outage_min_minutes=float(t["outage_min_minutes"]["value"]),
            lv_exemption_line_m=float(t["lv_exemption_line_m"]["value"]),
            lv_exemption_modes=tuple(t["lv_exemption_modes"]["values"]),
            approval_no_procedure_modes=tuple(t["approval_no_procedure_modes"]["values"]),
            allowed_stages=tuple(t["allowed_stages"]["by_class"].items()),
            allowed_stages_important=int(t["allowed_stages"]["important"]),
            area_aggregates=tuple((k, tuple(v)) for k, v in params.load("indicators.yaml")["area_aggregates"].items()),
        )
