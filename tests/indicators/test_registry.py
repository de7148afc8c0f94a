"""Declared indicators (params/indicators.yaml) and implemented functions are the same set."""
import inspect
import re
from pathlib import Path

import pytest

from getpower.registry import declared, functions

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "indicators.md"


def test_declared_ids_equal_implemented_functions():
    assert {s.id for s in declared()} == set(functions())


def test_every_function_is_named_by_its_id_and_documented():
    for name, fn in functions().items():
        assert fn.__name__ == name
        assert fn.__doc__ and len(fn.__doc__.strip()) > 20, name
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in inspect.signature(fn).parameters.values())


def test_declarations_are_complete():
    for s in declared():
        assert s.direction in ("lower_is_better", "higher_is_better")
        assert set(s.units) <= {"calendar_days", "working_days", "hours", "ratio", "count", "stages", "per_customer"}
        assert s.segments and s.null_reason and s.label


def test_every_indicator_of_the_spec_is_declared():
    if not SPEC.exists():  # the spec sits beside the repository in shared/
        pytest.skip("shared/spec/indicators.md is not beside this checkout")
    first_cells = [line.split("|")[1] for line in SPEC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    ids = {i for cell in first_cells for i in re.findall(r"`([a-z_]+)`", cell)}
    ids -= {"city", "period", "indicator", "segment", "unit", "value", "n", "target", "met", "gap", "score", "rank",
            "met_by", "reason"}
    assert ids == {s.id for s in declared()}
