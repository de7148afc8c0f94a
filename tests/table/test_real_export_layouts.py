"""Issue #10's "done when": the sample extracts exported the way real systems do — a report-style
workbook with title and 合计 rows, old .xls, tab-separated .txt, a CR-only CSV, a zip, sub-folders,
stray documents and lock files, variant personal-data headers, formula-like cells — give exactly the
indicator table of the same records in clean files, quarantine exactly the bad rows (plus the footer
and blank rows, as such), drop every personal-data value and name every file not read."""
from __future__ import annotations

import gzip
import zipfile

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from getpower import sample
from getpower.intake.read import read_any
from getpower.intake.validate import R_BLANK, R_FOOTER, validate_batch
from getpower.table import compute


def _text(df: pl.DataFrame, sep: str, newline: str = "\n", title: str | None = None, footer: str | None = None) -> str:
    body = df.write_csv(separator=sep, line_terminator=newline)
    head = f"{title}{newline}{newline}" if title else ""
    tail = f"{newline}{footer}{sep * (df.width - 1)}{newline}" if footer else ""
    return head + body + tail


def _report_workbook(df: pl.DataFrame, path, title: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("明细")
    ws.merge_range(0, 0, 0, df.width - 1, title)
    ws.write_row(2, 0, df.columns)
    for i, row in enumerate(df.iter_rows(), start=3):
        ws.write_row(i, 0, ["" if v is None else v for v in row])
    ws.write_row(df.height + 3, 0, ["合计", f"{df.height} 条"])
    wb.close()


def _xls(df: pl.DataFrame, path) -> None:
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("接入工程审批")
    ws.write(0, 0, "电力接入工程审批情况表")
    for j, h in enumerate(df.columns):
        ws.write(1, j, h)
    for i, row in enumerate(df.iter_rows(), start=2):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    wb.save(str(path))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("layouts")
    clean = root / "clean"
    paths = sample.generate(clean)
    text = {k: read_any(p)[0] for k, p in paths.items()}
    messy = root / "messy"
    (messy / "2023" / "环节").mkdir(parents=True)

    # applications: report-style workbook, personal data under variant and repeated headers, formula-like cells
    apps = text["applications"].rename({"户名": "客户姓名", "联系电话": "联系电话"}).with_columns(
        pl.col("联系电话").alias("联系电话 "), pl.lit("330102199001011234").alias("证件号（详细）"),
        pl.lit("=HYPERLINK(\"http://evil\")").alias("备注"), pl.col("联系电话").alias("其他"))
    _report_workbook(apps, messy / "报装工单明细表.xlsx", "报装工单明细表（2021—2023年）")
    # stages: CR-only ("CSV (Macintosh)"), GBK, in a sub-folder
    (messy / "2023" / "环节" / "环节记录.csv").write_bytes(_text(text["stages"], ",", "\r").encode("gb18030"))
    # outages: tab-separated .txt with a title row and a 合计 row
    (messy / "停电事件.txt").write_text(_text(text["outages"], "\t", "\r\n", "停电事件明细", "合计"), encoding="utf-8")
    # customer base: inside a zip, semicolon-delimited
    with zipfile.ZipFile(messy / "用户数_2023.zip", "w") as zf:
        zf.writestr("用户数/用户数.csv", _text(text["customer_base"], ";"))
        zf.writestr("用户数/说明.docx", b"PK\x03\x04")
    _xls(text["approvals"], messy / "接入工程审批.xls")
    with gzip.open(messy / "2023" / "service_items.parquet.gz", "wb") as gz:
        gz.write(paths["service_items"].read_bytes())
    (messy / "台账进展.csv").write_text(_text(text["ledger_status"], "|"), encoding="utf-8-sig")
    (messy / "~$报装工单明细表.xlsx").write_bytes(b"lock")
    (messy / "工作说明.docx").write_bytes(b"PK\x03\x04")
    (messy / "README.txt").write_text("本目录为 2023 年提取文件\n", encoding="utf-8")
    return clean, messy


def test_same_table_from_real_layouts_as_from_clean_files(folders):
    clean, messy = folders
    # the same values; the data version names each folder of files
    assert_frame_equal(compute(messy, "2023Q4").drop("data_version"), compute(clean, "2023Q4").drop("data_version"))


def test_same_quarantine_plus_footers_every_file_named_no_personal_data(folders):
    clean, messy = folders
    c, m = validate_batch([clean]), validate_batch([messy])
    by_kind = lambda v: {r.kind: r for r in v.results}  # noqa: E731
    for kind, rc in by_kind(c).items():
        rm = by_kind(m)[kind]
        assert rm.rows_accepted == rc.rows_accepted, kind
        extra = {R_FOOTER: 1} if kind in ("applications", "outages") else {}
        if kind == "outages":
            extra[R_BLANK] = 1  # the blank line between the data and the 合计 row
        assert rm.reasons == {**rc.reasons, **extra}, kind
    assert {n.name.removeprefix(f"{messy}/") for n in m.not_read} == {
        "~$报装工单明细表.xlsx", "工作说明.docx", "README.txt", "用户数_2023.zip/用户数/说明.docx"}
    assert not m.errors
    apps = by_kind(m)["applications"]
    assert {"客户姓名", "联系电话", "联系电话 ", "证件号（详细）", "其他"} <= set(apps.dropped_columns)
    from getpower.intake import report

    out = report.to_json(m.results, m.not_read) + "".join(r.quarantined.write_csv() for r in m.results)
    assert "3301021990" not in out and "HYPERLINK" not in out
    assert "表头在第 3 行" in apps.notes
