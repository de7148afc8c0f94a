"""An upload whose Parquet rows fit in validation's budget (``HELD_ROWS``) keeps them in memory
instead of spilling them to scratch files: the same version either way, a larger upload spilled
whole, text files always spilled, and the rows let go (their count kept) once merged."""
import polars as pl
import pytest

from getpower import sample
from getpower.intake import validate
from getpower.intake.read import read_any
from getpower.intake.validate import validate_batch
from getpower.store import Store


@pytest.fixture(scope="module")
def parquet_extracts(tmp_path_factory):
    """The sample extracts (with their broken rows: a duplicate id, an orphan stage …) as
    all-text Parquet files, and the CSV files themselves."""
    root = tmp_path_factory.mktemp("held")
    paths = sample.generate(root / "csv")
    out = root / "parquet"
    out.mkdir()
    for path in paths.values():
        read_any(path)[0].write_parquet(out / f"{path.stem}.parquet")
    return out, root / "csv"


def _ingest(folder, root):
    store = Store(root)
    res = store.ingest([folder])
    return store, res


def test_the_same_version_held_or_spilled(parquet_extracts, tmp_path, monkeypatch):
    folder, _ = parquet_extracts
    monkeypatch.setattr(validate, "HELD_ROWS", 0)  # every file spilled, as before the budget
    spilled_store, spilled = _ingest(folder, tmp_path / "reference")
    monkeypatch.undo()  # the sample's files all held
    store, res = _ingest(folder, tmp_path / "store")
    assert store.manifest()["fingerprint"] == spilled_store.manifest()["fingerprint"]
    assert store.manifest()["rows"] == spilled_store.manifest()["rows"]
    assert store.manifest()["pending"] == spilled_store.manifest()["pending"]
    assert [(r.file, r.rows_read, r.rows_accepted, r.rows_quarantined) for r in res.results] == \
        [(r.file, r.rows_read, r.rows_accepted, r.rows_quarantined) for r in spilled.results]
    assert all(r.rows_accepted > 0 for r in res.results)
    # once merged, no result holds its rows any more (their count stays, above)
    assert all(r.accepted.is_empty() for r in res.results)


def test_a_batch_is_held_whole_or_spilled_whole_and_text_is_spilled(parquet_extracts, tmp_path, monkeypatch):
    folder, csv = parquet_extracts
    apps = folder / "报装工单.parquet"
    stages = next(folder.glob("*环节*.parquet"))
    rows = sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in (apps, stages))
    # room for both files: both held
    monkeypatch.setattr(validate, "HELD_ROWS", rows)
    v = validate_batch([apps, stages], spill=tmp_path / "both", orphans=False)
    assert all(r.written_to is None and r.accepted.height == r.rows_accepted > 0 for r in v.results)
    # one row short: both spilled (a batch too large to hold is spilled whole)
    monkeypatch.setattr(validate, "HELD_ROWS", rows - 1)
    v = validate_batch([apps, stages], spill=tmp_path / "none", orphans=False)
    assert all(r.written_to is not None and r.accepted.is_empty() and r.rows_accepted > 0 for r in v.results)
    held = validate_batch([apps], spill=tmp_path / "one", orphans=False).results[0]
    assert held.written_to is None
    # a text file is not counted ahead: spilled whatever the budget
    monkeypatch.setattr(validate, "HELD_ROWS", 10_000_000)
    v = validate_batch([next(csv.glob("报装工单*.csv"))], spill=tmp_path / "csv", orphans=False)
    assert all(r.written_to is not None for r in v.results)
    # released: the rows go, the count stays; a spilled result is left as it is
    r = held.released()
    assert r.accepted.is_empty() and r.rows_accepted == held.rows_accepted > 0
    assert v.results[0].released() is v.results[0]
