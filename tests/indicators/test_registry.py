"""Declarations (params/indicators.yaml) against the spec's ids, the named inputs, predicates and
custom functions, and their tests; the validate step reports every problem at once."""
import copy
import inspect
import re
from pathlib import Path

import pytest

from getpower import params
from getpower.indicators.inputs import BASE, INPUTS, dependencies
from getpower.indicators.predicates import PREDICATES
from getpower.indicators.reliability import CUSTOM
from getpower.registry import DeclarationError, declared, functions, validate

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "indicators.md"
TESTS = Path(__file__).resolve().parent


def test_the_shipped_declarations_are_valid():
    assert validate() == []
    assert set(functions()) == {s.id for s in declared()}


def test_every_indicator_of_the_spec_is_declared():
    if not SPEC.exists():  # the spec sits beside the repository in shared/
        pytest.skip("shared/spec/indicators.md is not beside this checkout")
    first_cells = [line.split("|")[1] for line in SPEC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    ids = {i for cell in first_cells for i in re.findall(r"`([a-z_]+)`", cell)}
    ids -= {"city", "period", "indicator", "segment", "unit", "value", "n", "target", "met", "gap", "score", "rank",
            "met_by", "reason"}
    assert ids == {s.id for s in declared()}


def test_every_named_function_is_used_and_documented():
    """No input, predicate or custom function that no declaration (or input) reaches."""
    used = set()
    for s in declared():
        used |= {*s.populations(), *s.where, *(e for x in s.extra_segments for e in x.where)}
        used |= {s.numerator, s.zero_in, s.function} - {None}
    for name in list(used):
        if name in PREDICATES:
            used |= set(inspect.signature(PREDICATES[name]).parameters)
        if name in CUSTOM:
            used |= set(inspect.signature(CUSTOM[name]).parameters)
    todo = list(used)
    while todo:  # what the used inputs are built from
        for d in dependencies(todo.pop()):
            if d not in used:
                used.add(d)
                todo.append(d)
    assert sorted(set(INPUTS) - used) == ["stage_limits"]  # read by the record-level plan, not by a period
    assert sorted(set(PREDICATES) - used) == []
    assert sorted(set(CUSTOM) - used) == []
    for fn in [*INPUTS.values(), *PREDICATES.values(), *CUSTOM.values()]:
        assert fn.__doc__ and len(fn.__doc__.strip()) > 15, fn.__name__
    assert set(BASE) & set(INPUTS) == set()


def _broken() -> dict:
    data = copy.deepcopy(params.load("indicators.yaml"))
    ind = {d["id"]: d for d in data["indicators"]}
    ind["process_days_mean"]["population"] = "completd"                 # a typo in an input's name
    ind["within_limit_rate"]["numerator"] = "within_limits"             # a predicate that does not exist
    ind["utility_days_mean"]["measure"] = {"calendar_days": "utility_cd"}  # one unit without a column
    del ind["backfill_rate"]["null_reasons"]["zero_denominator"]       # a ratio without its zero reason
    ind["outage_hours_fault"]["function"] = "outage_hour"               # an unknown custom function
    ind["outage_hours_planned"]["args"]["kind"] = ["预安排"]             # an argument the function lacks
    ind["ledger_overdue"]["segments"] = "ledger"                        # an unknown segment set
    ind["stage_count_mean"]["segment_by"] = None                        # segments without a column
    ind["lv_access_rate"]["kind"] = "share"                             # an unknown kind
    data["indicators"].append(copy.deepcopy(ind["burst_rate"]))         # an id twice
    ind["burst_rate"]["wehre"] = ["has_stages"]                         # a misspelt key
    ind["outage_hours_ex_external"]["args"]["exclude_causes"] = ["外部"]  # not the contract's spelling
    ind["lv_exemption_rate"]["requires"] = ["lv_voltage_max_kv"]        # not a year-dependent parameter
    return data


def test_validate_reports_every_problem_at_once():
    problems = validate(_broken())
    expected = ["process_days_mean：未知的人群输入 completd", "within_limit_rate：未知的谓词 within_limits",
                "utility_days_mean：measure 的单位", "backfill_rate：ratio 指标的 null_reasons 缺少 zero_denominator",
                "outage_hours_fault：未知的自定义函数 outage_hour", "outage_hours_planned：函数 outage_share 没有参数 kind",
                "ledger_overdue：未知的分项集 ledger", "stage_count_mean：分项集 customer_class 有多个分项，却未声明 segment_by",
                "lv_access_rate：kind 应为", "burst_rate：ratio 指标不认识的项 wehre", "burst_rate：id 重复",
                "outage_hours_ex_external：exclude_causes 中的 外部 不是数据约定中的取值",
                "lv_exemption_rate：requires 中的 lv_voltage_max_kv 不是 params/thresholds.yaml 中按年的参数"]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected)


def test_a_broken_file_is_refused_naming_every_problem(monkeypatch):
    broken = _broken()
    real = params.load
    monkeypatch.setattr(params, "load", lambda name: broken if name == "indicators.yaml" else real(name))
    declared.cache_clear()
    try:
        with pytest.raises(DeclarationError, match=r"有 13 处问题") as e:
            declared()
        assert "completd" in str(e.value) and "wehre" in str(e.value)
    finally:
        monkeypatch.undo()
        declared.cache_clear()
def test_every_indicator_has_its_own_test_file():
    assert sorted(s.id for s in declared() if not (TESTS / f"test_{s.id}.py").exists()) == []


