"""Repeated keys in large frames, found without comparing every key with every other."""
from __future__ import annotations

from typing import Literal

import polars as pl


def superseded(frame: pl.DataFrame, key: list[str], keep: Literal["first", "last"]) -> pl.Series:
    """A mask of the rows whose key occurs again and that are not the one kept (the first or the
    last of their key, in row order).

    Repeats are looked for by a 64-bit hash of the key first (a superset: hashes may collide), then
    the keys are compared exactly among those few rows only: comparing tens of millions of keys at
    once takes gigabytes.

    >>> f = pl.DataFrame({"id": ["A", "B", "A", "A"]})
    >>> superseded(f, ["id"], "first").to_list(), superseded(f, ["id"], "last").to_list()
    ([False, False, True, True], [True, False, True, False])
    """
    maybe = frame.select(pl.struct(key).hash()).to_series().is_duplicated()
    if not maybe.any():
        return pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    kept = pl.struct(key).is_first_distinct() if keep == "first" else pl.struct(key).is_last_distinct()
    among = frame.with_row_index("_i").filter(maybe).filter(~kept)["_i"]
    return pl.int_range(frame.height, dtype=pl.UInt32, eager=True).is_in(among.implode())
