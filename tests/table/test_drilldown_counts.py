"""Drill-down lists from the same declarations as the values: for every mean, ratio and count
indicator and every cell of the sample store's table, the records behind the cell number its ``n``,
and those its numerator counts give its value (issue #17 item 4); an outage cell's events number
its ``n`` and give its value (#15)."""
import polars as pl
import pytest

from getpower.drilldown import lists, records_behind
from getpower.indicators.engine import records
from getpower.periods import Period
from getpower.registry import declared
from getpower.registry import spec as spec_of
from getpower.table import cached_record_level, indicator_table, load_frames, prepare_inputs

GENERIC = [s for s in declared() if s.kind != "custom"]


@pytest.fixture(scope="module", params=["2023Q4", "2023", "2021Q1"])
def period_data(sample_store, request):
    frames = load_frames(sample_store)
    recs = cached_record_level(sample_store, frames)
    period = Period.parse(request.param)
    return (indicator_table(frames, period, recs), prepare_inputs(frames, period, recs, ids=True),
            lists(frames, period, recs))


def _cells(spec, inp, unit):
    """(city, segment) → (records, counted) from the records behind each segment, by city and pooled."""
    out = {}
    for seg in spec.segments:
        recs = records(spec, inp, None, seg, unit=unit).with_columns(pl.col("city").cast(pl.String)).collect()
        counted = recs["counted"] if "counted" in recs.columns else pl.Series([False] * recs.height)
        out[("全省", seg)] = (recs.height, int(counted.sum()))
        by_city = recs.with_columns(counted.alias("_c")).group_by("city").agg(pl.len(), pl.col("_c").sum())
        for city, n, c in by_city.iter_rows():
            out[(city, seg)] = (n, int(c))
    return out


@pytest.mark.parametrize("spec", GENERIC, ids=[s.id for s in GENERIC])
def test_records_behind_every_cell_number_its_n(period_data, spec):
    table, inp, _ = period_data
    for unit in spec.units:
        cells = _cells(spec, inp, unit)
        rows = table.filter((pl.col("indicator") == spec.id) & (pl.col("unit") == unit))
        checked = 0
        for r in rows.iter_rows(named=True):
            n, counted = cells.get((r["city"], r["segment"]), (0, 0))
            assert n == r["n"], (spec.id, r["city"], r["segment"], unit)
            if r["value"] is None:
                continue
            checked += 1
            if spec.kind == "count":
                assert counted == r["value"], (spec.id, r["city"], r["segment"])
            elif spec.kind == "ratio":
                assert counted == pytest.approx(r["value"] * n, abs=1e-9), (spec.id, r["city"], r["segment"])
        assert rows.height, spec.id
        # not vacuous: in the plan's last year every indicator has values to check
        assert checked or table["period"][0] != "2023", spec.id


def test_the_named_lists_are_the_counted_records(period_data):
    table, _, named = period_data

    def total(indicator, segment="全部"):
        return table.filter((pl.col("indicator") == indicator) & (pl.col("city") == "全省")
                            & (pl.col("segment") == segment))["value"].item()

    assert named["zero_investment_violations"].height == total("zero_investment_violations")
    assert named["ledger_overdue"].height == (total("ledger_overdue") or 0)
    overdue = total("open_overdue")
    assert named["open_overdue"].height == (overdue or 0)


def test_records_behind_a_cell_from_a_store(sample_store):
    t = indicator_table(load_frames(sample_store), Period.parse("2023Q4"),
                        cached_record_level(sample_store, load_frames(sample_store)))
    row = t.filter((pl.col("indicator") == "zero_investment_coverage") & (pl.col("city") == "杭州")
                   & (pl.col("segment") == "居民")).row(0, named=True)
    got = records_behind(sample_store, "2023Q4", "zero_investment_coverage", "杭州", "居民")
    assert got.height == row["n"] and got["counted"].sum() == round(row["value"] * row["n"])
    assert set(got["city"].cast(pl.String)) == {"杭州"}
    yoy = records_behind(sample_store, "2023Q4", "outage_hours_yoy", "杭州", segment="全口径")
    assert yoy.height == t.filter((pl.col("indicator") == "outage_hours_yoy") & (pl.col("city") == "杭州")
                                  & (pl.col("segment") == "全口径"))["n"].item() > 0


OUTAGE = [s for s in declared() if s.kind == "custom" and s.function == "outage_share"]


@pytest.mark.parametrize("spec", OUTAGE, ids=[s.id for s in OUTAGE])
def test_outage_events_behind_every_cell_give_its_value(sample_store, period_data, spec):
    """Σ weight of the events behind each cell over the cell's customers (the latest count by the
    window's last day, summed over the segment's area types) is the cell's value; their number its n."""
    table, inp, _ = period_data
    window, aggregates = inp["window"], dict(inp["rules"].area_aggregates)
    base = (load_frames(sample_store)["customer_base"].filter(pl.col("as_of") <= window.last_day).collect()
            .sort("as_of").group_by("city", "area_type").agg(pl.col("customers").last())
            .with_columns(pl.col("city").cast(pl.String), pl.col("area_type").cast(pl.String)))
    # the province pools the cities with any counted event in the window (of any kind or cause)
    whole = spec_of("outage_frequency" if spec.kwargs.get("measure") == "frequency" else "outage_hours")
    with_events = records(whole, inp, None, "全口径").select(pl.col("city").cast(pl.String).unique()).collect()
    checked = 0
    for seg in spec.segments:
        events = records(spec, inp, None, seg).with_columns(pl.col("city").cast(pl.String)).collect()
        areas = aggregates.get(seg, [seg])
        for r in table.filter((pl.col("indicator") == spec.id) & (pl.col("segment") == seg)).iter_rows(named=True):
            mine = events if r["city"] == "全省" else events.filter(pl.col("city") == r["city"])
            assert mine.height == r["n"], (spec.id, r["city"], seg)
            if r["value"] is None:
                continue
            cities = with_events["city"].to_list() if r["city"] == "全省" else [r["city"]]
            customers = base.filter(pl.col("city").is_in(cities) & pl.col("area_type").is_in(areas))["customers"].sum()
            assert mine["weight"].sum() / customers == pytest.approx(r["value"], rel=1e-12), (spec.id, r["city"], seg)
            checked += 1
    # not vacuous: the windows of 2023Q4 and 2023 lie inside the sample's outage data
    assert checked or table["period"][0] == "2021Q1", spec.id
