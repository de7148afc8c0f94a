"""Tables written for people: title and context above the header, percentages, dates, the one
status vocabulary, the province's city order, no formula cells; the period's workbook."""
import datetime as dt
import io
import re

import openpyxl
import polars as pl
import pytest

from getpower import exports
from getpower.cli import main
from getpower.spreadsheet import Context, Table, report_csv_bytes, workbook_bytes

CTX = Context("标题 · 2023Q4", period="2023Q4（2023-10-01 至 2023-12-31）", currency="数据截至 2023-12-31 · 数据版本 v000001",
              units="比率以百分数表示", targets="方案附件", notes=("共 3 条记录",))


def literal_table() -> Table:
    frame = pl.DataFrame({
        "指标": ["=HYPERLINK(\"http://x\")", "办电时间", "线上办电率"],
        "数值": [0.5, 8.25, 0.9731],
        "时间": [dt.datetime(2023, 12, 4, 14, 20, 5, 123), None, dt.datetime(2024, 1, 1)],
        "日期": [dt.date(2023, 12, 31), None, None],
        "是否": [True, False, None],
        "件数": [1, None, 3],
        "_pct": [True, False, True],
    })
    return Table("明细/表", frame, CTX, percent=("数值",), percent_rows="_pct")


def test_csv_for_people():
    lines = report_csv_bytes(literal_table()).decode("utf-8-sig").splitlines()
    assert lines == [
        "标题 · 2023Q4", "期间：2023Q4（2023-10-01 至 2023-12-31）", "数据截至 2023-12-31 · 数据版本 v000001",
        "单位：比率以百分数表示", "目标来源：方案附件", "共 3 条记录", "",
        "指标,数值,时间,日期,是否,件数",
        "\"'=HYPERLINK(\"\"http://x\"\")\",50.0%,2023-12-04 14:20,2023-12-31,是,1",
        "办电时间,8.25,,,否,",
        "线上办电率,97.3%,2024-01-01 00:00,,,3",
    ]


def test_workbook_for_people():
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes([literal_table(), literal_table()])))
    assert wb.sheetnames == ["明细_表", "明细_表(2)"]  # no "/" in a sheet name, names unique
    ws = wb.worksheets[0]
    assert [ws.cell(r, 1).value for r in range(1, 7)] == CTX.lines() and ws["A1"].font.b
    assert ws["A7"].value is None and [c.value for c in ws[8]] == ["指标", "数值", "时间", "日期", "是否", "件数"]
    assert ws.freeze_panes == "A9"
    row = {c.column_letter: c for c in ws[9]}
    assert row["A"].value == "'=HYPERLINK(\"http://x\")" and row["A"].data_type == "s"
    assert (row["B"].value, row["B"].number_format) == (0.5, "0.0%")
    assert (row["C"].value, row["C"].number_format) == (dt.datetime(2023, 12, 4, 14, 20, 5), "yyyy-mm-dd hh:mm")
    assert row["D"].number_format == "yyyy-mm-dd" and row["E"].value == "是" and row["F"].value == 1
    assert ws["B10"].number_format == "0.00" and ws["B11"].number_format == "0.0%"  # percent rows only
    assert [c.value for c in ws[10]][2:] == [None, None, "否", None]
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)  # never a formula


@pytest.mark.parametrize("met, target, value, met_by, expected", [
    (True, 7.0, 5.0, "目标值", "达标"),
    (True, 10.0, 9.0, "同比下降 ≥ 8 %", "达标（同比下降）"),
    (False, 7.0, 9.0, "—", "未达标"),
    (None, None, 3.0, None, "无目标"),
    (None, 7.0, None, None, "无数据"),  # no data never scores as met
])
def test_status_in_the_exported_table(met, target, value, met_by, expected):
    row = pl.DataFrame({"city": ["杭州"], "period": ["2023Q4"], "indicator": ["process_days_mean"], "segment": ["居民"],
                        "unit": ["calendar_days"], "value": [value], "n": [1], "reason": [None], "target": [target],
                        "met": [met], "met_by": [met_by], "gap": [None], "score": [None], "rank": [None],
                        "target_source": ["ledger 1"]},
                       schema_overrides={"value": pl.Float64, "target": pl.Float64, "met": pl.Boolean, "met_by": pl.String,
                                         "reason": pl.String, "gap": pl.Float64, "score": pl.Float64, "rank": pl.Int64})
    assert exports.indicator_frame(row)["状态"].to_list() == [expected]


def test_cities_in_the_provinces_order_province_last():
    shuffled = pl.DataFrame({"city": ["全省", "丽水", "杭州", "宁波"]})
    assert shuffled.sort(exports.city_rank())["city"].to_list() == ["杭州", "宁波", "丽水", "全省"]


@pytest.fixture(scope="module")
def book(sample_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "2023Q4.xlsx"
    assert main(["export", "--period", "2023Q4", "--out", str(out), "--store", str(sample_store)]) == 0
    return openpyxl.load_workbook(out)


def test_export_has_every_area_and_list_each_with_its_context(book):
    from getpower.drilldown import LISTS

    sheets = [s["name"] for s in exports.params.load("exports.yaml")["sheets"]]
    assert book.sheetnames == ["说明", "综合排名", *sheets, *LISTS.values()]
    for ws in book.worksheets:
        assert ws["A1"].value.startswith("获得电力 ") and "2023Q4" in ws["A1"].value, ws.title
        assert ws["A2"].value == "期间：2023Q4（2023-10-01 至 2023-12-31）", ws.title
        assert ws["A3"].value.startswith("数据截至 ") and re.search(r"数据版本 v\d{6}（", ws["A3"].value), ws.title
        assert ws["A4"].value.startswith("单位："), ws.title
        assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r), ws.title
    ws = book["办电时间"]
    top = next(r for r in range(1, 12) if ws.cell(r, 1).value == "地市")
    header = [c.value for c in ws[top]]
    assert header[:7] == ["地市", "指标", "分项", "单位", "数值", "目标", "状态"] and "目标来源" in header
    cities = [ws.cell(r, 1).value for r in range(top + 1, ws.max_row + 1)]
    assert cities[0] == "杭州" and cities[-1] == "全省" and set(cities) == set(exports.city_order())
    for r in range(top + 1, ws.max_row + 1):
        unit, value = ws.cell(r, 4).value, ws.cell(r, 5)
        if value.value is not None:
            assert (value.number_format == "0.0%") == (unit == "%"), r
    overdue = book["在途超时工单"]
    top = next(r for r in range(1, 12) if overdue.cell(r, 1).value == "地市")
    assert [c.value for c in overdue[top]] == ["地市", "工单编号", "客户类别", "受理时间", "已用时间", "时限", "时限单位"]
    assert overdue.cell(top + 1, 4).number_format == "yyyy-mm-dd hh:mm"


def test_compute_to_xlsx_for_people(sample_store, tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["compute", str(sample_store), "--period", "2023Q4", "--out", str(out), "--quiet"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["综合排名", "指标表"]
    assert wb["指标表"]["A1"].value == "获得电力 指标表 · 2023Q4 · 各地市与全省"


def test_export_needs_xlsx_and_a_store(sample_store, tmp_path, capsys):
    assert main(["export", "--period", "2023Q4", "--out", str(tmp_path / "x.csv"), "--store", str(sample_store)]) == 2
    assert capsys.readouterr().err.strip() == "错误: x.csv: 导出文件应以 .xlsx 结尾"
    assert main(["export", "--period", "2023Q4", "--out", str(tmp_path / "x.xlsx"), "--store", str(tmp_path / "no")]) == 2
    assert "不存在或没有版本" in capsys.readouterr().err
