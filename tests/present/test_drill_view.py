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


def test_no_list_for_outage_indicators_and_no_personal_columns(sample_store, table):
    keys = [k for _, k in dv.cell_options(table, "杭州")]
    assert not any(k.startswith("outage_") for k in keys)
    records = dv.cell_records(sample_store, PERIOD, "process_days_mean|居民|calendar_days", "杭州")
    assert set(dv.shown(records).columns) <= set(dv.SHOWN.values())
    assert dv.application_ids(records) == records["app_id"].head(500).to_list()
