"""The indicator table on the sample store, fingerprinted (issue #17 item 6: nothing changes in the
numbers). Each period's table, written canonically (CSV, the columns and row order the library
gives, without ``data_version`` which names the store), hashes to the value stored in
``fingerprint.json`` beside this file; so do the drill-down lists.

A deliberate change of the numbers updates the stored file in the same commit, with the reason:
``.venv/bin/python tests/table/test_fingerprint.py`` prints the current fingerprints."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

STORED = Path(__file__).with_name("fingerprint.json")
# a quarter of the plan's years, one early (outage window before the data), a year, a year to
# date, and quarters scored on inherited targets
PERIODS = ["2021Q1", "2022Q3", "2023Q4", "2023", "2023Q3YTD", "2024Q2", "2026Q3"]


def canonical(frame: pl.DataFrame) -> str:
    """sha256 of the frame's schema and its CSV text (polars writes floats to the last bit)."""
    h = hashlib.sha256(repr(list(frame.schema.items())).encode())
    h.update(frame.write_csv().encode())
    return h.hexdigest()


def fingerprints(store) -> dict:
    from getpower.drilldown import lists
    from getpower.periods import Period
    from getpower.table import cached_record_level, compute, load_frames

    out = {}
    frames = load_frames(store)
    records = cached_record_level(store, frames)
    for period in PERIODS:
        table = compute(store, period).drop("data_version")
        drill = lists(frames, Period.parse(period), records)
        out[period] = {"rows": table.height, "table": canonical(table),
                       "lists": {name: [f.height, canonical(f)] for name, f in sorted(drill.items())
                                 if name in STORED_LISTS}}
    return out


# the lists the table's fingerprint was first taken with (new lists are tested on their own)
STORED_LISTS = ("integrity_flags", "ledger_overdue", "open_overdue", "stage_noncompliance",
                "zero_investment_violations")


@pytest.fixture(scope="module")
def current(sample_store):
    return fingerprints(sample_store)


@pytest.mark.parametrize("period", PERIODS)
def test_indicator_table_is_unchanged_to_the_byte(current, period):
    stored = json.loads(STORED.read_text(encoding="utf-8"))[period]
    assert current[period]["rows"] == stored["rows"]
    assert current[period]["table"] == stored["table"], f"{period}: the indicator table changed"


@pytest.mark.parametrize("period", PERIODS)
def test_drilldown_lists_are_unchanged(current, period):
    stored = json.loads(STORED.read_text(encoding="utf-8"))[period]["lists"]
    assert current[period]["lists"] == stored


def test_fingerprint_sees_a_change_in_the_last_bit():
    """The fingerprint is not blind: one value changed in its last bit, or one row moved, changes it."""
    t = pl.DataFrame({"city": ["杭州", "宁波"], "value": [0.1 + 0.2, 1.0]})
    nudged = t.with_columns(pl.when(pl.col("city") == "杭州").then(0.3).otherwise(pl.col("value")).alias("value"))
    assert canonical(t) != canonical(nudged)
    assert canonical(t) != canonical(t.reverse())
    assert canonical(t) != canonical(t.with_columns(pl.col("value").cast(pl.Float32)))


if __name__ == "__main__":  # print the current fingerprints (to update the stored file deliberately)
    import tempfile

    from getpower import sample
    from getpower.store import Store

    with tempfile.TemporaryDirectory() as d:
        sample.generate(Path(d) / "extracts")
        store = Store(Path(d) / "store")
        store.ingest([Path(d) / "extracts"])
        print(json.dumps(fingerprints(store.root), ensure_ascii=False, indent=1))
