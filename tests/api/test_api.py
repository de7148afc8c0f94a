"""The analyst's API (getpower.*): every public name documented with an example that runs, the
surface of API_VERSION, and what the functions say checked against literal cases and the table."""
import datetime as dt
import doctest
import inspect

import polars as pl
import pytest

import getpower
from getpower import api
from getpower.calendar import CalendarError

# the public surface of API 1.x: removing or renaming a name is a new major version
SURFACE_1 = {"API_VERSION", "Store", "city_order", "compute", "count", "label", "labels", "mean", "open", "ratio",
             "readable", "status_colours", "png", "show",
             "sample_store", "working_days", "year_targets", "__version__"}
STORE_METHODS_1 = {"version", "fingerprint", "periods", "indicators", "composite", "currency", "applications",
                   "stages", "outages", "lists", "records_behind", "export"}


def test_surface_matches_the_api_version():
    major = int(getpower.API_VERSION.split(".")[0])
    assert major == 1 and set(getpower.__all__) == SURFACE_1
    public = {n for n, _ in inspect.getmembers(getpower.Store) if not n.startswith("_")}
    assert public == STORE_METHODS_1


def documented():
    for name in sorted(SURFACE_1 - {"API_VERSION", "__version__"}):
        yield name, getattr(getpower, name)
    for name in sorted(STORE_METHODS_1):
        yield f"Store.{name}", getattr(getpower.Store, name)


@pytest.mark.parametrize("name, obj", list(documented()))
def test_every_public_name_has_a_numpy_docstring_with_an_example(name, obj):
    doc = inspect.getdoc(obj.fget if isinstance(obj, property) else obj) or ""
    if isinstance(obj, property):
        assert doc, name  # a property says what it is; its class's example shows it
        return
    assert ">>> " in doc, f"{name}: no example"


def test_the_documented_examples_run():
    """The examples of getpower and getpower.api, run as doctest runs them (the suite's
    --doctest-modules runs them too; this test fails even where that is switched off)."""
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(getpower, "getpower") + finder.find(api, "getpower.api")
    assert sum(len(t.examples) for t in tests) >= 40
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("start, end, expected", [
    (dt.date(2023, 9, 28), dt.date(2023, 10, 9), 3),          # 中秋国庆 off, 7–8 Oct 调休 work
    (dt.date(2023, 10, 6), dt.date(2023, 10, 8), 2),          # the two make-up Saturdays/Sundays
    (dt.date(2023, 12, 29), dt.date(2024, 1, 2), 1),          # over the year end, New Year's Day off
    (dt.datetime(2023, 5, 5, 23, 59), dt.datetime(2023, 5, 6, 0, 1), 1),  # 6 May 2023 is a make-up Saturday
    (dt.date(2023, 11, 6), dt.date(2023, 11, 6), 0),          # the start day is not counted
    (dt.date(2023, 11, 7), dt.date(2023, 11, 6), -1),         # backwards: negative, as the indicators see it
])
def test_working_days(start, end, expected):
    assert getpower.working_days(start, end) == expected


def test_working_days_of_an_unknown_year_is_an_error():
    with pytest.raises(CalendarError, match="2099"):
        getpower.working_days(dt.date(2099, 1, 1), dt.date(2099, 2, 1))


@pytest.fixture(scope="module")
def store(sample_store):
    return getpower.open(sample_store)


def test_applications_are_the_records_behind_the_handling_time_cells(store):
    t = store.indicators("2023Q4").filter(pl.col("city").cast(pl.String).is_in(getpower.city_order()[:-1]),
                                          indicator="process_days_mean", unit="calendar_days")
    apps = store.applications("2023Q4")
    mine = apps.group_by(pl.col("city").cast(pl.String), pl.col("customer_class").cast(pl.String).alias("segment")).agg(
        pl.len().alias("n_api"), pl.col("process_cd").mean().alias("mean_api"))
    classes = ["居民", "低压非居民", "高压单电源", "高压双电源"]
    cells = t.filter(pl.col("segment").is_in(classes)).with_columns(pl.col("city").cast(pl.String)).join(
        mine, on=["city", "segment"], how="left")
    assert cells.height == 11 * 4  # every city, every customer class
    assert (cells["n"].fill_null(0) == cells["n_api"].fill_null(0)).all()
    assert cells["n_api"].null_count() < 5 and (cells["value"].is_null() == cells["n_api"].is_null()).all()
    assert ((cells["value"] - cells["mean_api"]).abs() < 1e-9).all()
    assert not {"rec", "_end"} & set(apps.columns)  # no bookkeeping columns
    assert store.applications("2023Q4", "in_progress").height > 0
    with pytest.raises(ValueError, match="completed 或 in_progress"):
        store.applications("2023Q4", "withdrawn")


def test_outages_are_the_events_of_the_window(store):
    """As the indicators take them: events overlapping the window, with their hours inside it."""
    ev = store.outages("2023Q4")  # a quarter: the rolling 12 months to its end
    start, end = dt.datetime(2023, 1, 1), dt.datetime(2024, 1, 1)
    assert ((ev["restored_at"] > start) | ev["starts_in_window"]).all() and (ev["started_at"] < end).all()
    one = ev.filter(pl.col("starts_in_window") & (pl.col("restored_at") < end)).row(0, named=True)
    hours = (one["restored_at"] - one["started_at"]).total_seconds() / 3600
    assert one["hours"] == pytest.approx(hours) and one["customer_hours"] == pytest.approx(hours * one["customers_affected"])
    assert one["hours_in_window"] == pytest.approx(hours)
    before = ev.filter(pl.col("started_at") < start).row(0, named=True)  # begun in 2022: the 2023 part only
    assert not before["starts_in_window"]
    assert before["hours_in_window"] == pytest.approx((before["restored_at"] - start).total_seconds() / 3600)
    after = ev.filter(pl.col("restored_at") > end).row(0, named=True)  # running into 2024: up to the end
    assert after["hours_in_window"] == pytest.approx((end - after["started_at"]).total_seconds() / 3600)
    assert ev["counted"].dtype == pl.Boolean


def test_readable_orders_cities_as_the_province_does(store):
    r = getpower.readable(store.indicators("2023Q4"))
    cities = r["地市"].unique(maintain_order=True).to_list()
    assert cities == getpower.city_order()
    assert set(r["状态"].unique()) <= {"达标", "达标（同比下降）", "未达标", "无数据", "无目标"}


def test_open_finds_the_workspace_store(tmp_path, monkeypatch, sample_store):
    from getpower.cli import main
    from getpower.store import StoreError

    monkeypatch.delenv("GETPOWER_WORKSPACE", raising=False)
    main(["init", str(tmp_path / "ws")])
    monkeypatch.chdir(tmp_path / "ws" / "notebooks")
    with pytest.raises(StoreError, match="ws/data/store 不存在或没有版本"):
        getpower.open()
    import shutil

    shutil.copytree(sample_store, tmp_path / "ws" / "data" / "store")
    assert getpower.open().path == tmp_path / "ws" / "data" / "store"


def test_year_targets(store):
    t = getpower.year_targets(2024)  # inherits 2023's, and says so
    assert t.height > 0 and t["target_source"].str.starts_with("沿用 2023 年目标（暂定）").all()
    assert getpower.year_targets(2099).is_empty()
