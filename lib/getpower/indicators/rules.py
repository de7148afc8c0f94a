"""The year's rules from params/thresholds.yaml as one small immutable value."""
from __future__ import annotations

from dataclasses import dataclass

from getpower import params


@dataclass(frozen=True)
class Rules:
    online_channels: tuple[str, ...]
    zero_investment_threshold_kw: float | None
    lv_access_capacity_kw: float | None
    lv_voltage_max_kv: float
    outage_min_minutes: float | None
    lv_exemption_line_m: float
    lv_exemption_modes: tuple[str, ...]
    approval_no_procedure_modes: tuple[str, ...]
    allowed_stages: tuple[tuple[str, int], ...]
    allowed_stages_important: int
    area_aggregates: tuple[tuple[str, tuple[str, ...]], ...]
    year: int = 0
    sanling_label: str = "低压小微（三零）"

    @classmethod
    def for_year(cls, year: int) -> "Rules":
        t = params.load("thresholds.yaml")

        def by_year(name):
            v = t[name]["by_year"].get(year)
            return None if v is None else float(v)

        return cls(
            online_channels=tuple(t["online_channels"]["values"]),
            zero_investment_threshold_kw=by_year("zero_investment_threshold_kw"),
            lv_access_capacity_kw=by_year("lv_access_capacity_kw"),
            lv_voltage_max_kv=float(t["lv_voltage_max_kv"]["value"]),
            outage_min_minutes=by_year("outage_min_minutes"),
            lv_exemption_line_m=float(t["lv_exemption_line_m"]["value"]),
            lv_exemption_modes=tuple(t["lv_exemption_modes"]["values"]),
            approval_no_procedure_modes=tuple(t["approval_no_procedure_modes"]["values"]),
            allowed_stages=tuple(t["allowed_stages"]["by_class"].items()),
            allowed_stages_important=int(t["allowed_stages"]["important"]),
            area_aggregates=tuple((k, tuple(v)) for k, v in params.load("indicators.yaml")["area_aggregates"].items()),
            year=year,
            sanling_label=t["sanling"]["label"],
        )

    def missing(self) -> dict[str, str]:
        """Reason by name, for the year-dependent parameters the year lacks: the values of the
        indicators that declare they require one (params/indicators.yaml, ``requires``) are null
        with the reason, not computed on a borrowed value."""
        t = params.load("thresholds.yaml")
        return {name: f"{self.year} 年{t[name]['label']}未配置（params/thresholds.yaml）"
                for name in ("zero_investment_threshold_kw", "lv_access_capacity_kw", "outage_min_minutes")
                if getattr(self, name) is None}
