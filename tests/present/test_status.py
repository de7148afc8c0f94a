"""The one status vocabulary and colour map (getpower.status), and that nothing else spells it."""
import re
from pathlib import Path

import polars as pl
import pytest

from getpower.status import COLOURS, JUDGED, STATUSES, status, status_expr

LIB = Path(__file__).resolve().parents[2] / "lib" / "getpower"

CASES = [  # met, target, value, met_by → status
    (True, 7.0, 5.0, "目标值", "达标"),
    (True, 7.0, 7.0, None, "达标"),                       # met_by absent: met by value
    (True, 2.0, 2.3, "同比下降 ≥ 8 %", "达标（同比下降）"),
    (False, 7.0, 9.0, "—", "未达标"),
    (None, 7.0, None, "—", "无数据"),                     # no data is never met
    (None, None, 3.0, "—", "无目标"),
    (None, None, None, None, "无目标"),                   # no target wins over no data
]


@pytest.mark.parametrize("met, target, value, met_by, expected", CASES)
def test_status_of_a_row(met, target, value, met_by, expected):
    assert status(met, target, value, met_by) == expected


def test_the_expression_agrees_with_the_function():
    rows = [c[:4] for c in CASES]
    df = pl.DataFrame(rows, schema={"met": pl.Boolean, "target": pl.Float64, "value": pl.Float64, "met_by": pl.String},
                      orient="row")
    assert df.select(status_expr())[:, 0].to_list() == [c[4] for c in CASES]
    assert (df.rename(lambda c: c + "_b").select(status_expr("_b").alias("s"))["s"].to_list()
            == [c[4] for c in CASES])


def test_every_status_has_one_colour_and_the_colours_differ():
    assert tuple(COLOURS) == STATUSES and set(JUDGED) < set(STATUSES)
    assert len(set(COLOURS.values())) == len(COLOURS)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in COLOURS.values())


def test_no_other_module_spells_a_status():
    """A status word as a string literal anywhere else in the library would be a second vocabulary."""
    word = re.compile(r"""["'](达标|达标（同比下降）|未达标|无数据|无目标)["']""")
    found = [f"{p.relative_to(LIB)}:{i}" for p in LIB.rglob("*.py") if p.name != "status.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if word.search(line)]
    assert found == []
