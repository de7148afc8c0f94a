"""getpower — supervision analytics for Zhejiang's 获得电力 action plan 2021–2023."""
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
    """The indicator table (indicators.md §10) of ``period`` from a store or a folder of extracts;
    a period outside the data is refused unless ``allow_empty``."""
    from getpower.table import compute as _compute

    return _compute(path, period, allow_empty=allow_empty)


__all__ = ["compute", "__version__"]
