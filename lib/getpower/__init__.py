"""getpower — supervision analytics for Zhejiang's 获得电力 action plan 2021–2023."""
__version__ = "0.1.0"


def compute(path, period):
    """The indicator table (indicators.md §10) of ``period`` from a store or a folder of extracts."""
    from getpower.table import compute as _compute

    return _compute(path, period)


__all__ = ["compute", "__version__"]
