"""The analyst notebooks run top to bottom on the sample (papermill), answer their questions with
Chinese labels, and use nothing but the public API (getpower.*) for what they compute."""
import re
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from getpower import reports, workspace

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ANALYST = ["intake_quality", "handling_time", "reliability", "custom_indicator"]


def test_the_workspace_gets_these_notebooks():
    assert [p.stem for p in workspace.analyst_notebooks()] == sorted(ANALYST)


@pytest.mark.parametrize("name", ANALYST)
def test_one_parameters_cell_with_the_store_and_period(name):
    found = pm.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert {"store", "period"} <= set(found) and all(v["help"] for v in found.values())


@pytest.fixture(scope="module")
def executed(sample_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("analyst")
    done = {}
    for name in ANALYST:
        target = out / f"{name}.ipynb"
        reports.execute_notebook(NOTEBOOKS / f"{name}.ipynb", target,
                                 {"store": str(sample_store), "extracts": str(sample_store.parent / "extracts")}, NOTEBOOKS)
        done[name] = nbformat.read(target, as_version=4)
    return done


def text_of(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(o.get("text", ""))
            data = o.get("data", {})
            parts.append(data.get("text/plain", "") + data.get("text/html", ""))
    return "".join(parts)


@pytest.mark.parametrize("name", ANALYST)
def test_runs_without_error_and_says_its_data_version(executed, name):
    nb = executed[name]
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    text = text_of(nb)
    assert "数据截至 " in text and "数据版本 v" in text


@pytest.mark.parametrize("name", ["handling_time", "reliability", "custom_indicator"])
def test_computes_through_the_public_api_only(name):
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells
                       if c.cell_type == "code")
    assert not re.search(r"from getpower\.|getpower\.(table|explore|drilldown|present)\b", source)


def pictures(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def source(name) -> str:
    return "\n".join(c.source for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells)


def test_handling_time_answers_its_questions(executed):
    text = text_of(executed["handling_time"])
    assert "居民客户全过程办电时间（平均）：未达标" in text
    assert "在途超时工单 " in text and "工单编号" in text and "受理时间" in text  # the promised overdue list
    assert pictures(executed["handling_time"]) == 4  # drawn offline (PNG), no script from elsewhere
    # cities in the province's order (全省 last), the target drawn beside the bars
    assert source("handling_time").count("sort=getpower.city_order()") >= 4 and "mark_tick" in source("handling_time")


def test_reliability_answers_its_questions(executed):
    text = text_of(executed["reliability"])
    assert "预安排" in text and "故障" in text and "故障占比（%）" in text and "区域类型" in text
    assert "停电事件编号" in text and "停电户时" in text and "外部影响事件占比（%）" in text
    assert pictures(executed["reliability"]) == 3 and "mark_tick" in source("reliability")


def test_custom_indicator_checks_itself_against_a_hand_count(executed):
    text = text_of(executed["custom_indicator"])
    assert "杭州：手工 " in text and "——一致" in text and "全省：手工 " in text
    assert "个单元格逐格一致（重走流程工单占比）" in text and "分母为零：期内无竣工工单" in text
    assert "杭州 居民：单元格背后 " in text
