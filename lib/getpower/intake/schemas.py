"""pandera (polars backend) schemas of the accepted rows of each extract kind, built from the
contract. Validation runs on the collected accepted frame: a failure here is a bug in intake, not
a bad row (bad rows were quarantined before)."""
from __future__ import annotations

from functools import lru_cache

import pandera.polars as pa

from getpower import params
from getpower.contract import KIND_BY_NAME, Kind
from getpower.intake.normalise import POLARS_TYPES


def schema_for(kind: Kind) -> pa.DataFrameSchema:
    return _schema(kind.name)


@lru_cache(maxsize=None)
def _schema(name: str) -> pa.DataFrameSchema:
    kind = KIND_BY_NAME[name]
    columns = {}
    for col in kind.columns:
        checks = []
        if col.enum is not None:
            checks.append(pa.Check.isin(list(col.enum)))
        if col.type == "city":
            checks.append(pa.Check.isin(list(params.cities())))
        if col.type == "unit":
            checks.append(pa.Check.isin([*params.cities(), params.province()]))
        if col.minimum is not None:
            checks.append(pa.Check.gt(col.minimum) if col.exclusive_minimum else pa.Check.ge(col.minimum))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum))
        nullable = not (col.required or col.default is not None)
        columns[col.name] = pa.Column(POLARS_TYPES[col.type], checks=checks, nullable=nullable)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=kind.name)
