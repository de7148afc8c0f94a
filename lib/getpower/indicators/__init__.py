"""Every indicator of indicators.md §1–§8: one pure polars function per id, registered by name.

Modules by section: timing (§1), stages (§2), online (§3), investment (§4), reliability (§5),
approvals (§6), integrity (§7), ledger (§8). Record-level preparation is in ``inputs``.
"""
from getpower.indicators import (  # noqa: F401  (importing registers the functions)
    approvals, integrity, investment, ledger, online, reliability, stages, timing,
)
from getpower.indicators.common import REGISTRY

__all__ = ["REGISTRY"]
