"""The one engine: every mean, ratio and count indicator computed from its declaration
(params/indicators.yaml), and the custom ones (the outage family) called with their declared
arguments.

For a declaration with population P, predicates ``where`` W₁ … and ``numerator`` N:

- mean:  per cell, Σ measure / n over the records of P where all Wᵢ hold and the measure is known;
- ratio: Σ [N] / n over the records of P where all Wᵢ hold (n = 0: null, ``zero_denominator``);
- count: Σ [N] over the records of P where all Wᵢ hold (``n`` = those records).

Cells are city × segment (the ``segment_by`` column's values, and 全部 for all of them) and the
province 全省 pooled from the records; each extra segment is the same computed over its own
population, labelled. A predicate that is null for a record counts as false. :func:`records`
gives the very records a cell stands on (the drill-down lists).
"""
from __future__ import annotations

import inspect

import polars as pl

from getpower import params
from getpower.indicators.common import ALL, count_of, finish, mean_of, ratio_of
from getpower.indicators.inputs import resolve
from getpower.indicators.predicates import PREDICATES
from getpower.indicators.reliability import CUSTOM, RECORDS
from getpower.registry import IndicatorSpec


def predicate_expr(names, values: dict) -> pl.Expr | None:
    """The named predicates, all of them (and), their parameters resolved from ``values``; None for none."""
    expr = None
    for name in names:
        fn = PREDICATES[name]
        e = fn(**{p: resolve(p, values) for p in inspect.signature(fn).parameters})
        expr = e if expr is None else expr & e
    return expr


def _aggregate(spec: IndicatorSpec, population: str, where, segment_by: str | None, values: dict) -> pl.LazyFrame:
    lf = resolve(population, values)
    den = predicate_expr(where, values)
    if spec.kind == "mean":
        lf = lf if den is None else lf.filter(den.fill_null(False))
        return pl.concat([mean_of(lf, column, unit, segment_by) for unit, column in spec.measure])
    num = predicate_expr([spec.numerator], values)
    if spec.kind == "ratio":
        return ratio_of(lf, num, segment_by, denominator=den, reason=spec.zero_denominator)
    return count_of(lf, num, segment_by, population=den)


def inputs_of(spec: IndicatorSpec) -> tuple[str, ...]:
    """The named inputs an indicator reads its records from (its populations; a custom function's parameters)."""
    if spec.kind == "custom":
        return tuple(n for n, p in inspect.signature(CUSTOM[spec.function]).parameters.items()
                     if p.kind is not p.KEYWORD_ONLY)
    return spec.populations()


def compute(spec: IndicatorSpec, values: dict) -> pl.LazyFrame:
    """The indicator's rows (city × segment × unit: value, n, reason) from the inputs in ``values``
    (completed on demand with what the declaration names)."""
    if spec.kind == "custom":
        fn = CUSTOM[spec.function]
        kwargs = {n: resolve(n, values) for n, p in inspect.signature(fn).parameters.items()
                  if p.kind is not p.KEYWORD_ONLY}
        return fn(**kwargs, **spec.kwargs)
    parts = [_aggregate(spec, spec.population, spec.where, spec.segment_by, values)]
    for extra in spec.extra_segments:  # a sub-population, labelled; not added into 全部
        parts.append(_aggregate(spec, extra.population, extra.where, None, values)
                     .with_columns(pl.lit(extra.segment).alias("segment")))
    out = pl.concat(parts)
    if spec.zero_in is None:
        return out
    # the cells that count 0, not null, when nothing is counted (and only those cells)
    segments = resolve(spec.zero_in, values)
    cities = [*params.cities(), params.province()]
    grid = pl.LazyFrame({"city": [c for c in cities for _ in segments], "segment": [s for _ in cities for s in segments]},
                        schema={"city": pl.String, "segment": pl.String})
    return finish(grid.join(out, on=["city", "segment"], how="left").with_columns(
        pl.col("value").fill_null(0.0), pl.col("n").fill_null(0), pl.lit(spec.kind).alias("unit")))


def records(spec: IndicatorSpec, values: dict, city: str | None = None, segment: str = ALL,
            counted: bool = False, unit: str | None = None) -> pl.LazyFrame:
    """The records behind a cell: the population filtered by the declaration's predicates (for a
    mean, those with a known measure in ``unit``, by default its first), for ``city`` (None or 全省: every city) and ``segment``;
    ``counted``: only those the numerator counts. Their number is the cell's ``n`` (``counted``:
    a count's value, a ratio's numerator). With the column ``counted`` (ratio and count).

    A custom indicator's records come from the function registered for it
    (:data:`~getpower.indicators.reliability.RECORDS`, called with its declared arguments and the
    segment): the outage family's are the events its cells sum (``outage_hours_yoy``: this window's,
    its ``n``). A custom indicator without a registered list: ValueError."""
    if spec.kind == "custom":
        lf = _custom_records(spec, values, segment)
        if city is not None and city != params.province():
            lf = lf.filter(pl.col("city").cast(pl.String) == city)
        return lf
    extra = next((e for e in spec.extra_segments if e.segment == segment), None)
    population, where = (extra.population, extra.where) if extra else (spec.population, spec.where)
    lf = resolve(population, values)
    den = predicate_expr(where, values)
    if den is not None:
        lf = lf.filter(den.fill_null(False))
    if spec.kind == "mean":
        column = dict(spec.measure)[unit or spec.units[0]]
        lf = lf.filter(pl.col(column).is_not_null())
    else:
        lf = lf.with_columns(predicate_expr([spec.numerator], values).fill_null(False).alias("counted"))
        if counted:
            lf = lf.filter(pl.col("counted"))
    if city is not None and city != params.province():
        lf = lf.filter(pl.col("city").cast(pl.String) == city)
    if extra is None and segment != ALL:
        lf = lf.filter(pl.col(spec.segment_by).cast(pl.String) == segment)
    return lf


def drillable(spec: IndicatorSpec) -> bool:
    """Whether :func:`records` can list the records behind the indicator's cells."""
    return spec.kind != "custom" or spec.function in RECORDS


def _custom_records(spec: IndicatorSpec, values: dict, segment: str) -> pl.LazyFrame:
    """The records behind a custom indicator's cell of ``segment`` (every city)."""
    if spec.function not in RECORDS:
        raise ValueError(f"{spec.id} 是自定义指标，没有记录明细")
    fn = RECORDS[spec.function]
    kwargs = {n: resolve(n, values) for n, p in inspect.signature(fn).parameters.items()
              if p.kind is not p.KEYWORD_ONLY}
    return fn(**kwargs, segment=segment, **spec.kwargs)
