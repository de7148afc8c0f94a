"""Drill-through (#15 item 3): the list the city page shows behind an indicator cell is the records
the value was computed from — for every city and every cell with records of the sample's 2023Q4
table, as many as the cell's n (a count: its value), a ratio's counted ones its numerator."""
import polars as pl
import pytest

from getpower import params
from getpower.present import drill_view as dv
from getpower.registry import declared
from getpower.table import cached_compute

PERIOD = "2023Q4"
KINDS = {s.id: s.kind for s in declared()}


@pytest.fixture(scope="module")
def table(sample_store):
    return cached_compute(sample_store, PERIOD)


@pytest.mark.parametrize("city", [*params.cities(), params.province()])
def test_every_list_matches_its_cell(sample_store, table, city):
    options = dv.cell_options(table, city)
    assert options  # not vacuous: every city has cells with records
    for label, key in options:
        indicator, segment, unit = key.split(dv.SEP)
        row = table.filter((pl.col("city") == city) & (pl.col("indicator") == indicator)
                           & (pl.col("segment") == segment) & (pl.col("unit") == unit)).row(0, named=True)
        records = dv.cell_records(sample_store, PERIOD, key, city)
        listed = dv.shown(records)
        if KINDS[indicator] == "count":  # the records it counted
            assert listed.height == (row["value"] or 0), label
        else:
            assert listed.height == row["n"], label
        if KINDS[indicator] == "ratio" and row["value"] is not None:
            assert (listed["计入分子"] == "是").sum() == round(row["value"] * row["n"]), label
        if city != params.province():
            assert set(listed["地市"]) <= {city}, label


def test_outage_lists_and_no_personal_columns(sample_store, table):
    keys = [k for _, k in dv.cell_options(table, "杭州")]
    # the outage family's cells list their events; the year-on-year change has no list
    assert any(k.startswith("outage_hours|") for k in keys) and any(k.startswith("outage_hours_yoy|") for k in keys)
    records = dv.cell_records(sample_store, PERIOD, "process_days_mean|居民|calendar_days", "杭州")
    assert set(dv.shown(records).columns) <= set(dv.SHOWN.values())
    assert dv.application_ids(records) == records["app_id"].head(500).to_list()
    events = dv.cell_records(sample_store, PERIOD, "outage_hours|全口径|hours", "杭州")
    assert set(dv.shown(events).columns) <= set(dv.SHOWN_EVENTS.values()) and dv.application_ids(events) == []


def test_every_stage_and_received_list_opens_its_applications(sample_store, table):
    """Every list whose grain is an application or its stage carries the application number."""
    for _, key in dv.cell_options(table, "宁波"):
        indicator = key.split(dv.SEP)[0]
        records = dv.cell_records(sample_store, PERIOD, key, "宁波")
        population = next(s.population for s in declared() if s.id == indicator)
        if population in ("completed_stages", "received") or "app_id" in records.columns:
            assert records["app_id"].null_count() == 0, key
            assert len(dv.application_ids(records)) == min(records["app_id"].n_unique(), 500), key
