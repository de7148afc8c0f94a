"""getpower warnings: the 督办单 workbook on the sample data (#15)."""
import datetime as dt
import re
import zipfile

import fastexcel
import polars as pl
import pytest

from getpower import params
from getpower.cli import main
from getpower.escalation import Escalation, escalation, summary_frame, workbook
from getpower.inflight import COLUMNS, inflight
from getpower.table import load_frames

SUMMARY_HEADER, CITY_HEADER = 5, 6  # rows above the table: title, notes, a blank row


@pytest.fixture(scope="module")
def book(sample_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("warnings") / "督办单.xlsx"
    assert main(["warnings", "--as-of", "2023-12-31", "--store", str(sample_store), "--out", str(out)]) == 0
    return out


def sheet(path, name, header):
    return fastexcel.read_excel(path).load_sheet(name, header_row=header).to_polars()


def test_one_sheet_per_city_and_a_summary(book, sample_store):
    r = fastexcel.read_excel(book)
    assert r.sheet_names == ["汇总", *params.cities()]
    items = inflight(load_frames(sample_store), dt.date(2023, 12, 31))
    for city in params.cities():
        listed = sheet(book, city, CITY_HEADER)
        want = items.filter((pl.col("city") == city) & (pl.col("urgency") <= 1))
        # the city's 临期 and 超期 rows, in the order of urgency, numbered
        assert listed["编号"].to_list() == want["id"].to_list()
        assert listed["序号"].to_list() == list(range(1, want.height + 1))
        assert set(listed["预警"]) <= {"超期", "临期"} and "责任方" in listed.columns
    assert sum(sheet(book, c, CITY_HEADER).height for c in params.cities()) > 0
    summary = sheet(book, "汇总", SUMMARY_HEADER)
    totals = summary.filter(pl.col("类别") == "合计")
    assert totals["地市"].to_list() == [*params.cities(), "全省"]
    assert totals.filter(pl.col("地市") == "全省")["在途合计"].item() == items.height
    assert totals.filter(pl.col("地市") == "全省")["超期"].item() == int((items["urgency"] == 0).sum())
    # a city's class rows add up to its total
    for city in params.cities():
        mine = summary.filter(pl.col("地市") == city)
        assert mine.filter(pl.col("类别") != "合计")["在途合计"].sum() == mine.filter(pl.col("类别") == "合计")["在途合计"].item()


def test_currency_print_setup_no_formulas_no_personal_data(book, sample_store):
    from getpower.table import data_version

    z = zipfile.ZipFile(book)
    xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    assert not any("<f>" in text or "<f " in text for text in xml.values())  # no formula cell
    strings = xml["xl/sharedStrings.xml"]
    assert f"数据截至 2026-09-30 · 数据版本 {data_version(sample_store)}" in strings and "预警日期 2023-12-31" in strings
    # the sample's extracts carry names (客户12) and mobile numbers: neither reaches the workbook
    assert not re.search(r"客户\d", strings) and not re.search(r"1[3-9]\d{9}", strings)
    sheet2 = xml["xl/worksheets/sheet2.xml"]
    assert 'orientation="landscape"' in sheet2 and 'paperSize="9"' in sheet2 and "fitToHeight" in sheet2
    assert "&amp;P" in sheet2 and "Print_Titles" in xml["xl/workbook.xml"]  # page numbers, header row repeated


def test_city_option(sample_store, tmp_path):
    out = tmp_path / "hz.xlsx"
    assert main(["warnings", "--as-of", "2023-12-31", "--city", "杭州市", "宁波", "--store", str(sample_store),
                 "--out", str(out)]) == 0
    assert fastexcel.read_excel(out).sheet_names == ["汇总", "杭州", "宁波"]
    assert set(sheet(out, "汇总", SUMMARY_HEADER)["地市"]) == {"杭州", "宁波", "全省"}


@pytest.mark.parametrize("argv, message", [
    (["--as-of", "2026-10-01"], "预警日期 2026-10-01 超出数据范围（数据截至 2026-09-30）"),
    (["--as-of", "2020-12-31"], "预警日期 2020-12-31 超出数据范围（数据始于 2021-01-"),
    (["--as-of", "2023/12/31"], "预警日期应写作 YYYY-MM-DD"),
    (["--city", "上海"], "未知的城市 上海"),
])
def test_refused(sample_store, tmp_path, capsys, argv, message):
    out = tmp_path / "x.xlsx"
    assert main(["warnings", *argv, "--store", str(sample_store), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误: ") and message in err[0]
    assert not out.exists()


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["warnings", "--help"])
    text = capsys.readouterr().out
    assert "用法:" in text and "预警日期" in text and "选项:" in text


def test_default_date_is_the_data_date(sample_store):
    assert escalation(sample_store).as_of == dt.date(2026, 9, 30)


def test_text_that_looks_like_a_formula_is_text():
    row = {c: None for c in COLUMNS} | {"kind": "报装工单", "city": "杭州", "id": "=HYPERLINK(\"http://x\")",
                                        "class": "居民", "stage": "装表接电", "owner": "+owner", "urgency": 0,
                                        "status": "超期"}
    items = pl.DataFrame([row], schema=COLUMNS)
    esc = Escalation(items, dt.date(2023, 12, 31), dt.date(2021, 1, 1), dt.date(2023, 12, 31), "v1", 2, ("杭州",))
    import io

    data = workbook(esc)
    xml = {n: zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
           if n.endswith(".xml")}
    assert not any("<f>" in t for t in xml.values())
    assert "&apos;=HYPERLINK" in xml["xl/sharedStrings.xml"] or "'=HYPERLINK" in xml["xl/sharedStrings.xml"]
    assert summary_frame(items, ("杭州",)).filter(pl.col("类别") == "合计")["超期"].to_list() == [1, 1]


def test_district_shown_where_the_extract_has_it():
    row = {c: None for c in COLUMNS} | {"kind": "报装工单", "city": "杭州", "id": "A1", "class": "居民", "urgency": 0,
                                        "status": "超期"}
    with_district = pl.DataFrame([row | {"district": "西湖区"}], schema=COLUMNS)
    without = pl.DataFrame([row], schema=COLUMNS)
    from getpower.escalation import list_frame

    assert list_frame(with_district)["区县"].to_list() == ["西湖区"]
    assert "区县" not in list_frame(without).columns
