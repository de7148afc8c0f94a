"""Parquet rows that fit in validation's budget (``HELD_ROWS``) are kept in memory instead of
spilled to scratch files: the same version either way, the budget shared by the batch's files,
text files always spilled, and the rows let go (their count kept) once merged."""
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


@pytest.mark.parametrize("budget", [2000, validate.HELD_ROWS])  # a small file or two held; every file
def test_the_same_version_whatever_is_held(parquet_extracts, tmp_path, monkeypatch, budget):
    folder, _ = parquet_extracts
    monkeypatch.setattr(validate, "HELD_ROWS", 0)  # every file spilled, as before the budget
    spilled_store, spilled = _ingest(folder, tmp_path / "reference")
    monkeypatch.setattr(validate, "HELD_ROWS", budget)
    store, res = _ingest(folder, tmp_path / "store")
    assert store.manifest()["fingerprint"] == spilled_store.manifest()["fingerprint"]
    assert store.manifest()["rows"] == spilled_store.manifest()["rows"]
    assert store.manifest()["pending"] == spilled_store.manifest()["pending"]
    assert [(r.file, r.rows_read, r.rows_accepted, r.rows_quarantined) for r in res.results] == \
        [(r.file, r.rows_read, r.rows_accepted, r.rows_quarantined) for r in spilled.results]
    assert all(r.rows_accepted > 0 for r in res.results)
    # once merged, no result holds its rows any more (their count stays, above)
    assert all(r.accepted.is_empty() for r in res.results)


def test_the_budget_is_shared_and_text_is_spilled(parquet_extracts, tmp_path, monkeypatch):
    folder, csv = parquet_extracts
    apps = folder / "报装工单.parquet"
    stages = next(folder.glob("*环节*.parquet"))
    rows = {p: pl.scan_parquet(p).select(pl.len()).collect().item() for p in (apps, stages)}
    # room for one of the two files: the other is spilled
    monkeypatch.setattr(validate, "HELD_ROWS", max(rows.values()))
    spill = tmp_path / "spill"
    v = validate_batch([apps, stages], spill=spill, orphans=False)
    held = [r for r in v.results if r.written_to is None]
    spilled = [r for r in v.results if r.written_to is not None]
    assert len(held) == 1 and len(spilled) == 1
    assert held[0].accepted.height == held[0].rows_accepted > 0
    assert spilled[0].accepted.is_empty() and spilled[0].rows_accepted > 0
    # a text file is not counted ahead: spilled whatever the budget
    monkeypatch.setattr(validate, "HELD_ROWS", 10_000_000)
    v = validate_batch([next(csv.glob("报装工单*.csv"))], spill=tmp_path / "spill-csv", orphans=False)
    assert all(r.written_to is not None for r in v.results)
    # released: the rows go, the count stays
    r = held[0].released()
    assert r.accepted.is_empty() and r.rows_accepted == held[0].rows_accepted
    assert spilled[0].released() is spilled[0]
