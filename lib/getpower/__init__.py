"""getpower — supervision analytics for Zhejiang's 获得电力 action plan 2021–2023.

The analyst's API (:mod:`getpower.api`, version :data:`API_VERSION`, semantic versioning):

- ``getpower.open(path=None) -> Store``: a data store (the workspace's ``data/store`` by default);
  ``store.indicators(period)`` (the §10 table, cached on the store), ``store.composite(period)``,
  ``store.currency(period)`` (数据截至 and version), ``store.applications(period)`` and
  ``store.stages(period)``, ``store.outages(period)`` (record-level frames), ``store.lists(period)`` (drill-down lists),
  ``store.records_behind(period, indicator, city, segment)`` (the records behind one cell),
  ``store.export(period, out)`` (the workbook for people);
- ``label(id)`` / ``labels()`` (Chinese labels of indicators, units, areas, columns),
  ``readable(table)``, ``city_order()``, ``status_colours()``, ``show(chart)``, ``working_days(a, b)``, ``year_targets(year)``;
- ``mean``, ``ratio``, ``count``: a new indicator from records, computed as the library computes its own;
- ``sample_store()``: the bundled sample as a store, to try all of it on.

>>> import getpower
>>> store = getpower.open(getpower.sample_store())
>>> t = store.indicators("2023Q4")
>>> view = getpower.readable(t.filter(indicator="process_days_mean", segment="居民", unit="calendar_days"))
>>> view.select("地市", "数值", "目标", "样本数").head(2).rows()
[('杭州', 2.565934065934066, 7.0, 182), ('宁波', 2.7248677248677247, 7.0, 189)]
>>> view["状态"].unique().to_list() == [getpower.status.MET]  # every city met the 7 days
True
"""
__version__ = "0.1.0"


def source_fingerprint() -> str:
    """A short hash of the package's own source files: cached results are keyed by it, so that a
    code change (even without a version bump) never reads results an older code computed."""
    global _SOURCE_FINGERPRINT
    if _SOURCE_FINGERPRINT is None:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256()
        root = Path(__file__).parent
        for p in sorted(root.rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
        _SOURCE_FINGERPRINT = f"{__version__}-{h.hexdigest()[:10]}"
    return _SOURCE_FINGERPRINT


_SOURCE_FINGERPRINT: str | None = None


def compute(path, period, *, allow_empty: bool = False):
    """The indicator table (indicators.md §10) of ``period`` from a store or a folder of extracts,
    computed afresh (a store's :meth:`Store.indicators` reads it from the cache); a period outside
    the data is refused unless ``allow_empty``.

    >>> import getpower
    >>> getpower.compute(getpower.sample_store(), "2023Q4").height
    1680
    """
    from getpower.table import compute as _compute

    return _compute(path, period, allow_empty=allow_empty)


from getpower.api import (  # noqa: E402 - after the helpers above, which api's imports use
    API_VERSION, Store, city_order, count, label, labels, mean, open, png, ratio, readable,
    sample_store, show, status_colours, working_days, year_targets)

__all__ = ["API_VERSION", "Store", "city_order", "compute", "count", "label", "labels", "mean", "open", "png",
           "ratio", "readable", "sample_store", "show", "status_colours", "working_days", "year_targets", "__version__"]
