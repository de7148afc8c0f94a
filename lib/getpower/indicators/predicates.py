"""Named predicates: the conditions declarations use (``where``: which records of the population
count, the denominator; ``numerator``: which of them a ratio or count counts). Each is a small pure
function returning a polars expression over its population's columns; its parameters name inputs
(``rules``, ``limits`` …) that the driver passes.

A predicate may be null for a record (a missing value); the engine reads null as false (a
record whose condition cannot be decided is not counted), in ``where`` and ``numerator`` alike.
"""
from __future__ import annotations

import polars as pl

from getpower.indicators.rules import Rules

PREDICATES: dict = {}


def predicate(fn):
    """Register a predicate under its function's name."""
    PREDICATES[fn.__name__] = fn
    return fn


# --- handling time (§1) --------------------------------------------------------------------------------
@predicate
def has_limit() -> pl.Expr:
    """The record's class has a limit in the year (``limit`` from an ``*_against_limit`` input)."""
    return pl.col("limit").is_not_null()


@predicate
def has_limit_and_value() -> pl.Expr:
    """A limit applies and the value judged against it is known."""
    return pl.col("limit").is_not_null() & pl.col("limited_value").is_not_null()


@predicate
def within_limit() -> pl.Expr:
    """The judged value is within the limit (≤)."""
    return pl.col("limited_value") <= pl.col("limit")


@predicate
def over_limit() -> pl.Expr:
    """The judged value (an age, for applications in progress) is past the limit (>)."""
    return pl.col("limited_value") > pl.col("limit")


@predicate
def stage_has_limit() -> pl.Expr:
    """A finished stage record with an annex-1 limit for its class."""
    return pl.col("stage_limit").is_not_null() & pl.col("span_cd").is_not_null()


@predicate
def stage_within_limit() -> pl.Expr:
    """The stage's span (calendar days) is within its annex-1 limit."""
    return pl.col("span_cd") <= pl.col("stage_limit")


@predicate
def sanling(rules: Rules) -> pl.Expr:
    """The 三零 sub-population (ledger 6–7): 低压非居民 small and micro enterprises within the year's
    zero-investment capacity cap that paid nothing (零投资)."""
    if rules.zero_investment_threshold_kw is None:
        return pl.lit(False)
    return ((pl.col("customer_class") == "低压非居民") & pl.col("small_micro").fill_null(False)
            & (pl.col("capacity_kw") <= rules.zero_investment_threshold_kw)
            & (pl.col("customer_investment_yuan") == 0)).fill_null(False)


# --- stages (§2) and integrity (§7) ------------------------------------------------------------------
@predicate
def has_stages() -> pl.Expr:
    """The application has stage records (its stage count is known)."""
    return pl.col("stage_count").is_not_null()


def allowed_stages(rules: Rules) -> pl.Expr:
    """Allowed stage count: 6 for important / high-risk customers, else the class's count."""
    expr = pl.when(pl.col("important")).then(pl.lit(rules.allowed_stages_important, pl.Int64))
    for cls, n in rules.allowed_stages:
        expr = expr.when(pl.col("customer_class") == cls).then(pl.lit(n, pl.Int64))
    return expr.otherwise(None)


@predicate
def within_allowed_stages(rules: Rules) -> pl.Expr:
    """Distinct stage count ≤ the count allowed for the class (thresholds: allowed_stages)."""
    return pl.col("stage_count") <= allowed_stages(rules)


@predicate
def repeated() -> pl.Expr:
    """Went through the same stage twice or more (重走流程; records.application_records)."""
    return pl.col("repeated")


@predicate
def backfill() -> pl.Expr:
    """A stage recorded more than ``backfill_days`` after it finished (后补流程; records.application_records)."""
    return pl.col("backfill")


@predicate
def burst() -> pl.Expr:
    """All stages recorded within ``burst_minutes`` though spanning more than a day (records.application_records)."""
    return pl.col("burst")


@predicate
def pre_acceptance() -> pl.Expr:
    """A stage starting before 申请受理 (体外循环; records.application_records)."""
    return pl.col("pre_acceptance")


# --- online (§3) ------------------------------------------------------------------------------------------
@predicate
def online_channel(rules: Rules) -> pl.Expr:
    """Received through an online channel (thresholds: online_channels)."""
    return pl.col("channel").is_in(list(rules.online_channels))


@predicate
def online_item() -> pl.Expr:
    """A catalogue item that can be done online."""
    return pl.col("online")


# --- cost (§4) --------------------------------------------------------------------------------------------
@predicate
def zero_investment_eligible(rules: Rules) -> pl.Expr:
    """All 居民, and 低压非居民 small and micro enterprises with capacity ≤ the year's threshold."""
    lv = (pl.col("customer_class") == "低压非居民") & pl.col("small_micro")
    if rules.zero_investment_threshold_kw is None:
        lv = pl.lit(False)
    else:
        lv = lv & (pl.col("capacity_kw") <= rules.zero_investment_threshold_kw)
    return (pl.col("customer_class") == "居民") | lv


@predicate
def paid_nothing() -> pl.Expr:
    """Customer investment = 0 (零投资)."""
    return pl.col("customer_investment_yuan") == 0


@predicate
def paid_something() -> pl.Expr:
    """Customer investment > 0."""
    return pl.col("customer_investment_yuan") > 0


@predicate
def lv_access_eligible(rules: Rules) -> pl.Expr:
    """Not 居民, capacity ≤ the year's cap (thresholds: lv_access_capacity_kw; none: nobody)."""
    if rules.lv_access_capacity_kw is None:  # no cap for the year: null with the reason (Rules.missing)
        return pl.lit(False)
    return (pl.col("customer_class") != "居民") & (pl.col("capacity_kw") <= rules.lv_access_capacity_kw)


@predicate
def connected_low_voltage(rules: Rules) -> pl.Expr:
    """Supply voltage ≤ the low-voltage maximum (0.4 kV)."""
    return pl.col("supply_voltage_kv") <= rules.lv_voltage_max_kv


# --- approvals (§6) ---------------------------------------------------------------------------------------
@predicate
def with_procedure(rules: Rules) -> pl.Expr:
    """The project went through a procedure (mode not in approval_no_procedure_modes: 免于审批)."""
    return ~pl.col("mode").is_in(list(rules.approval_no_procedure_modes))


@predicate
def approved_within_limit() -> pl.Expr:
    """Days to approval (in the limit's unit) within the voltage class's limit."""
    return pl.col("limited_days") <= pl.col("limit")


@predicate
def lv_short_line(rules: Rules) -> pl.Expr:
    """A low-voltage project with line length ≤ lv_exemption_line_m (200 m)."""
    return (pl.col("voltage_class") == "低压") & (pl.col("line_length_m") <= rules.lv_exemption_line_m)


@predicate
def permit_exempt(rules: Rules) -> pl.Expr:
    """Handled without a permit (mode in lv_exemption_modes: 告知承诺, 备案, 免于审批)."""
    return pl.col("mode").is_in(list(rules.lv_exemption_modes))


# --- ledger (§8) ------------------------------------------------------------------------------------------
@predicate
def due() -> pl.Expr:
    """The task's deadline is on or before the period's last day."""
    return pl.col("due")


@predicate
def done() -> pl.Expr:
    """The unit's latest report by the period end says 已完成."""
    return pl.col("done")


@predicate
def not_done() -> pl.Expr:
    """Not reported done."""
    return ~pl.col("done")
