"""Extracts shaped the way real systems export them: report layouts, delimiters, line ends, old Excel,
containers, stray files. Every file is built here, literally."""
from __future__ import annotations

import gzip
import io
import re
import zipfile
from datetime import datetime

import polars as pl
import pytest

from getpower.intake.validate import R_BLANK, R_FOOTER, validate_batch, validate_paths

HEADER = ["工单编号", "地市", "客户类别", "申请容量(kW)", "供电电压(kV)", "申请渠道", "客户投资(元)"]
ROWS = [["A1", "杭州", "居民", "8", "220V", "网上国网", "0"],
        ["A2", "宁波市", "低压非居民", "100", "380V", "浙里办", "1200"]]
EXPECTED = [("A1", "杭州", 8.0, 0.0), ("A2", "宁波", 100.0, 1200.0)]


def accepted(r):
    return r.accepted.select("app_id", "city", "capacity_kw", "customer_investment_yuan").rows()


def reasons_by_row(r):
    return dict(zip(r.quarantined["行号"].to_list(), r.quarantined["隔离原因"].to_list()))


def text_file(path, lines, sep=",", newline="\n", encoding="utf-8"):
    path.write_bytes(newline.join(sep.join(cells) for cells in lines).encode(encoding) + newline.encode())
    return path


# --- where the header is -----------------------------------------------------------------------

def report_workbook(path, title_rows=2, footer=True):
    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")
    ws.merge_range(0, 0, 0, len(HEADER) - 1, "报装工单明细表（2023年）")
    r = title_rows
    ws.write_row(r, 0, HEADER)
    for i, row in enumerate(ROWS, start=r + 1):
        ws.write_row(i, 0, row)
    if footer:
        ws.write_row(r + len(ROWS) + 1, 0, ["合  计", None, None, "108"])
    wb.close()
    return path


def test_report_style_workbook_header_below_title_and_blank_rows(tmp_path):
    [r] = validate_paths([report_workbook(tmp_path / "报装工单明细.xlsx")])
    assert r.header_row == 3 and "表头在第 3 行" in r.notes
    assert accepted(r) == EXPECTED
    assert reasons_by_row(r) == {6: R_FOOTER}  # the 合计 row: its own reason, with its Excel row number
    assert r.rows_read == r.rows_accepted + r.rows_quarantined == 3


def test_report_style_csv_title_blank_and_footer_rows(tmp_path):
    lines = [["报装工单明细表（2023年10月）"], [""], HEADER, *ROWS, [""], ["总计", "", "", "108"]]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", lines)])
    assert r.header_row == 3
    assert accepted(r) == EXPECTED
    assert reasons_by_row(r) == {6: R_BLANK, 7: R_FOOTER}


def test_title_rows_not_recognised_say_so(tmp_path):
    p = text_file(tmp_path / "applications.csv", [["标题"], ["编号", "城市"], ["A1", "杭州"]])
    v = validate_batch([p])
    [nr] = v.not_read
    assert nr.error and "缺少必填列「工单编号」" in nr.reason and "未找到表头行" in nr.reason


def test_kind_found_from_a_header_below_title_rows(tmp_path):
    p = text_file(tmp_path / "export_0931.csv", [["某某系统导出"], HEADER, *ROWS])
    [r] = validate_paths([p])
    assert r.kind == "applications" and accepted(r) == EXPECTED


# --- delimiters and line ends ----------------------------------------------------------------

@pytest.mark.parametrize("sep, name", [(",", "applications.csv"), ("\t", "applications.txt"), ("\t", "applications.tsv"),
                                       (";", "applications.csv"), ("|", "applications.txt")])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_delimiters_line_ends_and_encodings(tmp_path, sep, name, newline, encoding):
    [r] = validate_paths([text_file(tmp_path / name, [HEADER, *ROWS], sep, newline, encoding)])
    assert accepted(r) == EXPECTED and r.rows_quarantined == 0
    assert r.fmt == ("csv:gb18030" if encoding == "gbk" else "csv:utf-8")


def test_cr_only_file_with_title_rows_and_a_bad_row(tmp_path):
    lines = [["明细"], HEADER, *ROWS, ["A3", "上海", "居民", "8", "220V", "微信", "0"]]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", lines, newline="\r")])
    assert accepted(r) == EXPECTED and reasons_by_row(r) == {5: "地市取值无法识别"}
    assert "换行符: 仅 CR（旧版 Mac）" in r.notes


# --- containers and formats --------------------------------------------------------------------

def xls_file(path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("报装工单")
    ws.write(0, 0, "报装工单明细表")
    for j, h in enumerate(HEADER):
        ws.write(2, j, h)
    for i, row in enumerate(ROWS, start=3):
        for j, v in enumerate(row):
            ws.write(i, j, float(v) if v.isdigit() else v)
    wb.save(str(path))
    return path


def test_old_binary_xls(tmp_path):
    [r] = validate_paths([xls_file(tmp_path / "报装工单.xls")])
    assert r.fmt == "xls" and r.header_row == 3 and accepted(r) == EXPECTED


def test_encrypted_workbook_is_named_as_such(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = report_workbook(tmp_path / "plain.xlsx")
    enc = tmp_path / "applications.xlsx"
    with open(plain, "rb") as fh, open(enc, "wb") as out:
        OOXMLFile(fh).encrypt("secret", out)
    plain.unlink()
    v = validate_batch([tmp_path])
    [nr] = v.not_read
    assert nr.error and "加密/受密码保护" in nr.reason and nr.name.endswith("applications.xlsx")


def test_folder_walk_every_file_accounted_for(tmp_path):
    d = tmp_path / "drop"
    (d / "2023" / "10月").mkdir(parents=True)
    (d / ".git").mkdir()
    text_file(d / "2023" / "10月" / "applications.csv", [HEADER, ROWS[0]])
    with gzip.open(d / "2023" / "applications2.csv.gz", "wb") as gz:
        gz.write(("\n".join(",".join(c) for c in [HEADER, ROWS[1]]) + "\n").encode("gbk"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("内层/applications_z.csv", "\n".join(",".join(c) for c in [HEADER, ["A9", "温州", "居民", "5", "220V", "微信", "0"]]) + "\n")
        zf.writestr("说明.pdf", b"%PDF-1.4")
        zf.writestr("__MACOSX/._applications_z.csv", b"\x00")
    (d / "batch.zip").write_bytes(buf.getvalue())
    (d / "~$报装工单.xlsx").write_bytes(b"lock")
    (d / "说明.docx").write_bytes(b"PK")
    (d / "备注.txt").write_text("这是一份说明，不是提取文件\n", encoding="utf-8")
    (d / ".git" / "config").write_text("x")
    (d / "notes").write_text("no suffix")
    v = validate_batch([d])
    got = sorted((r.file.removeprefix(str(d) + "/"), r.rows_accepted) for r in v.results)
    assert got == [("2023/10月/applications.csv", 1), ("2023/applications2.csv.gz", 1),
                   ("batch.zip/内层/applications_z.csv", 1)]
    not_read = {n.name.removeprefix(str(d) + "/"): n for n in v.not_read}
    assert set(not_read) == {"batch.zip/说明.pdf", "batch.zip/__MACOSX/._applications_z.csv", "~$报装工单.xlsx",
                             "说明.docx", "备注.txt", "notes", ".git/"}
    assert not_read[".git/"].reason == "隐藏或系统文件夹（其中的文件未读取）"
    assert not_read["~$报装工单.xlsx"].reason == "Office 临时锁定文件"
    assert "不支持的文件类型 .docx" in not_read["说明.docx"].reason
    assert "无法识别提取文件类型" in not_read["备注.txt"].reason
    assert not v.errors  # stray files in a folder are named, not errors


def test_a_broken_file_is_named_and_the_others_still_read(tmp_path):
    text_file(tmp_path / "applications.csv", [HEADER, *ROWS])
    (tmp_path / "stages.csv").write_bytes("工单编号\n".encode() + b"\xff\xfe\xfa\x80\x81\n")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    v = validate_batch([tmp_path])
    assert [r.kind for r in v.results] == ["applications"]
    reasons = {n.name.rsplit("/", 1)[-1]: n.reason for n in v.errors}
    assert "无法识别文件编码" in reasons["stages.csv"] and "zip 文件损坏" in reasons["broken.zip"]


def test_zip_bomb_stops_at_the_size_limit(tmp_path, monkeypatch):
    from getpower.intake import discover

    caps = {"max_file_mb": 2, "max_unpacked_mb": 3}
    monkeypatch.setattr(discover, "limit", lambda name: caps.get(name, 1000))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a_big.csv", b"0" * (3 << 20))  # over the file limit: refused by its declared size
        for name in ("b1.csv", "b2.csv"):  # each under it, together over the batch's total
            zf.writestr(name, b"0" * int(1.6 * 2**20))
    (tmp_path / "a.zip").write_bytes(buf.getvalue())
    v = validate_batch([tmp_path / "a.zip"])
    reasons = {n.name.rsplit("/", 1)[-1]: n.reason for n in v.errors}
    assert reasons["a_big.csv"] == "解压后 3.0 MB，超过上限 2 MB"
    assert "b1.csv" not in reasons and "超过上限" in reasons["b2.csv"]
    assert not list(tmp_path.glob("getpower-unpack-*"))


def test_names_that_are_not_utf8_or_hold_line_breaks(tmp_path):
    import os

    gbk = os.fsdecode(str(tmp_path).encode() + b"/" + "报装工单".encode("gbk") + b".csv")
    text_file(__import__("pathlib").Path(gbk), [HEADER, *ROWS])
    text_file(tmp_path / "a\n合计 9 .csv", [HEADER, *ROWS])
    v = validate_batch([tmp_path])
    names = sorted(r.file.rsplit("/", 1)[-1] for r in v.results)
    assert names == ["a?合计 9 .csv", "报装工单.csv"] and all(r.rows_accepted == 2 for r in v.results)
    assert not v.not_read


def test_symlinked_folders_followed_once_broken_links_named(tmp_path):
    d, other = tmp_path / "d", tmp_path / "other"
    d.mkdir(), other.mkdir()
    text_file(other / "applications.csv", [HEADER, *ROWS])
    (d / "link").symlink_to(other)
    (d / "loop").symlink_to(d)
    (d / "broken.csv").symlink_to(tmp_path / "nowhere.csv")
    v = validate_batch([d])
    assert [r.rows_accepted for r in v.results] == [2]
    reasons = {n.name.rsplit("/", 1)[-1] or n.name: n.reason for n in v.not_read}
    assert reasons["broken.csv"] == "链接指向的文件不存在"
    assert any("循环" in r for r in reasons.values())
    empty = tmp_path / "empty"
    empty.mkdir()
    [nr] = validate_batch([empty]).not_read
    assert nr.error and nr.reason == "文件夹中没有文件"


# --- spellings ----------------------------------------------------------------------------------

STAGE_HEADER = ["工单编号", "环节名称", "环节开始时间", "环节结束时间"]


@pytest.mark.parametrize("raw, expected", [
    ("2023年10月1日", datetime(2023, 10, 1)),
    ("2023年10月1日 9:05", datetime(2023, 10, 1, 9, 5)),
    ("2023.10.01", datetime(2023, 10, 1)),
    ("2023.10.01 09:05:07", datetime(2023, 10, 1, 9, 5, 7)),
    ("2023/10/1 9:05", datetime(2023, 10, 1, 9, 5)),
    ("20231001", datetime(2023, 10, 1)),
    ("２０２３－１０－０１　０９：０５", datetime(2023, 10, 1, 9, 5)),
    ("2023-10-01T01:05:00Z", datetime(2023, 10, 1, 9, 5)),
    ("2023-10-01T09:05:00+08:00", datetime(2023, 10, 1, 9, 5)),
    ("2023-10-01 03:05:00+0200", datetime(2023, 10, 1, 9, 5)),
    ("45200", datetime(2023, 10, 1)),
    ("45200.375", datetime(2023, 10, 1, 9, 0)),
])
def test_date_spellings(tmp_path, raw, expected):
    from getpower.contract import KIND_BY_NAME
    from getpower.intake.normalise import coerce

    col = KIND_BY_NAME["stages"].column("started_at")
    got = pl.DataFrame({"v": [raw]}).select(coerce(col, pl.col("v")))["v"].to_list()
    assert got == [expected]


@pytest.mark.parametrize("raw, reason", [
    ("23/10/1", "环节开始时间日期写法不明确（两位数年份或日月次序不明），未作猜测"),
    ("23-10-01 09:00:00", "环节开始时间日期写法不明确（两位数年份或日月次序不明），未作猜测"),
    ("10/01/2023", "环节开始时间日期写法不明确（两位数年份或日月次序不明），未作猜测"),
    ("2023-13-01", "环节开始时间取值无法识别"),
    ("上周五", "环节开始时间取值无法识别"),
    ("NaN", "缺少环节开始时间"),
    ("—", "缺少环节开始时间"),
])
def test_unreadable_dates_quarantine_that_row_only(tmp_path, raw, reason):
    text_file(tmp_path / "applications.csv", [HEADER, *ROWS])
    text_file(tmp_path / "stages.csv", [STAGE_HEADER, ["A1", "申请受理", raw, ""],
                                        ["A2", "申请受理", "2023-10-01 09:00:00", "2023-10-01 10:00:00"]])
    _, s = validate_paths([tmp_path / "applications.csv", tmp_path / "stages.csv"])
    assert reasons_by_row(s) == {2: reason} and s.accepted["app_id"].to_list() == ["A2"]


@pytest.mark.parametrize("raw, value, reason", [
    ("1,200", 1200.0, None),
    ("1,200.50", 1200.5, None),
    ("１２００", 1200.0, None),
    ("1200元", 1200.0, None),
    ("1,200 元", 1200.0, None),
    ("0", 0.0, None),
    ("1.200,00", None, "客户投资(元)数字写法不明确（疑似小数逗号），未作猜测"),
    ("1,2", None, "客户投资(元)数字写法不明确（疑似小数逗号），未作猜测"),
    ("1200kW", None, "客户投资(元)取值无法识别"),   # a unit of another column
    ("约1200", None, "客户投资(元)取值无法识别"),
    ("inf", None, "客户投资(元)取值无法识别"),
    ("NULL", None, "缺少客户投资(元)"),
    ("/", None, "缺少客户投资(元)"),
    ("空", None, "缺少客户投资(元)"),
])
def test_number_spellings(tmp_path, raw, value, reason):
    row = ["A1", "杭州", "居民", "160kW", "220V", "网上国网", raw]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [HEADER, row, ROWS[1]], sep="\t")])
    if reason is None:
        assert r.accepted.filter(pl.col("app_id") == "A1")["customer_investment_yuan"].to_list() == [value]
        assert r.accepted["capacity_kw"].to_list()[0] == 160.0
    else:
        assert reasons_by_row(r) == {2: reason}
    assert r.accepted.filter(pl.col("app_id") == "A2").height == 1  # the other row is unaffected


def test_nan_in_a_number_column_quarantines_the_row_not_the_file(tmp_path):
    p = tmp_path / "outages.parquet"
    pl.DataFrame({"事件编号": ["E1", "E2"], "地市": ["杭州", "杭州"], "区域类型": ["市区", "市区"],
                  "停电性质": ["故障", "故障"], "停电开始时间": ["2023-01-01 08:00", "2023-01-01 08:00"],
                  "恢复送电时间": ["2023-01-01 09:00", "2023-01-01 09:00"],
                  "停电用户数": [float("nan"), 12.0]}).write_parquet(p)
    [r] = validate_paths([p])
    assert reasons_by_row(r) == {2: "缺少停电用户数"} and r.accepted["customers_affected"].to_list() == [12]


def test_time_zone_aware_parquet_timestamps_in_china_time(tmp_path):
    p = tmp_path / "outages.parquet"
    utc = datetime(2023, 1, 1, 0, 0)
    pl.DataFrame({"event_id": ["E1"], "city": ["杭州"], "area_type": ["市区"], "kind": ["故障"],
                  "started_at": [utc], "restored_at": [datetime(2023, 1, 1, 1, 30)], "customers_affected": [5]},
                 ).with_columns(pl.col("started_at", "restored_at").dt.replace_time_zone("UTC")).write_parquet(p)
    [r] = validate_paths([p])
    assert r.accepted.select("started_at", "restored_at").row(0) == (datetime(2023, 1, 1, 8), datetime(2023, 1, 1, 9, 30))


def test_long_numeric_ids_in_excel_keep_their_digits_or_are_refused(tmp_path):
    import openpyxl
    import xlsxwriter

    exact = tmp_path / "exact" / "applications.xlsx"
    exact.parent.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([12345678901234567890, "杭州", "居民", 8, "220V", "网上国网", 0])
    wb.save(tmp_path / "tmp.xlsx")
    # a number cell whose XML holds all 20 digits (as some exporters write it; calamine reads a float)
    with zipfile.ZipFile(tmp_path / "tmp.xlsx") as src, zipfile.ZipFile(exact, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>1.234567890123457e+19</v>", b"<v>12345678901234567890</v>")
                assert b"12345678901234567890" in data
            dst.writestr(item, data)
    [r] = validate_paths([exact])
    assert r.accepted["app_id"].to_list() == ["12345678901234567890"]

    rounded = tmp_path / "rounded" / "applications.xlsx"
    rounded.parent.mkdir()
    wb = xlsxwriter.Workbook(rounded)  # as Excel itself stores it: 15 significant digits
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, [12345678901234567890, "杭州", "居民", 8, "220V", "网上国网", 0])
    ws.write_row(2, 0, ["12345678901234567891", "杭州", "居民", 8, "220V", "网上国网", 0])  # text: exact
    wb.close()
    [r] = validate_paths([rounded])
    assert r.accepted["app_id"].to_list() == ["12345678901234567891"]
    assert reasons_by_row(r) == {2: "工单编号为超过 15 位的数值，Excel 已舍入末位数字（请将该列设为文本后重新导出）"}


# --- personal data --------------------------------------------------------------------------------

def test_personal_data_under_variant_repeated_and_unknown_headers(tmp_path):
    header = [*HEADER, "客户姓名", "身份证号", "电话号码", "联系电话", "联系电话", "用电地址（详细）", "备注", "其他"]
    rows = [[*ROWS[0], "张三", "330102199001011234", "0571-88886666", "13800000000", "13900000000", "西湖区某路1号", "无", "13712345678"],
            ["A3", "上海", "居民", "8", "220V", "微信", "0", "李四", "330102199001011235", "0571-1", "13800000001", "1", "某路2号", "x", "330102198807074321"]]
    p = text_file(tmp_path / "applications.csv", [header, *rows])
    [r] = validate_paths([p])
    assert set(r.dropped_columns) == {"客户姓名", "身份证号", "电话号码", "联系电话", "联系电话_duplicated_0",
                                       "用电地址（详细）", "其他"}  # 其他: by its values
    assert r.ignored_columns == ("备注",)
    from getpower.intake import report

    report.write_quarantine(tmp_path / "q", [r])
    written = "".join(f.read_text(encoding="utf-8-sig") for f in (tmp_path / "q").iterdir())
    shown = r.accepted.write_csv() + r.quarantined.write_csv() + written + report.to_json([r])
    for secret in ("张三", "李四", "3301021990", "13800000", "1390000", "1371234", "某路", "88886666", "19880707"):
        assert secret not in shown
    assert "上海" in written  # the quarantined row is there, with the contract's columns only


# --- limits, names, safe output ----------------------------------------------------------------

def test_a_header_too_wide_is_refused_at_once(tmp_path):
    p = tmp_path / "applications.csv"
    p.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n1\n", encoding="utf-8")
    [nr] = validate_batch([p]).not_read
    assert nr.error and "超过上限 500" in nr.reason


def test_long_and_repeated_names_give_short_distinct_quarantine_files(tmp_path):
    from getpower.intake import report

    long_name = "报装工单" + "很长的名字" * 15 + ".csv"
    bad = ["A1", "上海", "居民", "8", "220V", "微信", "0"]
    paths = [text_file(tmp_path / long_name, [HEADER, bad])]
    for sub in ("十月", "十一月"):
        (tmp_path / sub).mkdir()
        paths.append(text_file(tmp_path / sub / "applications.csv", [HEADER, bad]))
    results = validate_paths(paths)
    written = report.write_quarantine(tmp_path / "q", results)
    assert len(set(written)) == 3 and all(len(w.name.encode()) < 120 for w in written)
    assert all(w.exists() for w in written)


def test_quarantine_csv_neutralises_formula_cells(tmp_path):
    from getpower.intake import report

    rows = [["=HYPERLINK(\"http://x\")", "上海", "居民", "8", "220V", "+cmd", "-1"],
            ["A2", "@SUM(1)", "居民", "8", "220V", "\tx", "0"]]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [HEADER, *rows])])
    [q] = report.write_quarantine(tmp_path / "q", [r])
    df = pl.read_csv(q, infer_schema=False)
    cells = [c for row in df.rows() for c in row if c]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) or c.lstrip("+-").isdigit() for c in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+cmd" in cells and "-1" in cells  # a number stays one


# --- what a hostile tester found ---------------------------------------------------------------

def test_a_stray_quote_quarantines_its_row_only_and_leaks_nothing(tmp_path):
    header = [*HEADER, "区县", "联系电话"]
    rows = [[f"A{i}", "杭州", "居民", "8", "220V", "网上国网", "0", "西湖区", f"138{i:08d}"] for i in range(5000)]
    rows[10][7] = '"西湖区'  # an opening quote never closed
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [header, *rows])])
    assert (r.rows_read, r.rows_accepted) == (5000, 4999)
    assert reasons_by_row(r) == {12: "字段数与表头不一致"}
    assert "138" not in r.quarantined.write_csv() and "联系电话" in r.dropped_columns


def test_one_long_row_does_not_read_the_file_whole(tmp_path, monkeypatch):
    monkeypatch.setattr("getpower.intake.read.SLOW_BATCH_ROWS", 1000)
    rows = [[f"A{i}", "杭州", "居民", "8", "220V", "网上国网", "0"] for i in range(3500)]
    rows[-1] = rows[-1] + ["多余"]
    seen = []
    from getpower.intake import read

    orig = read._text_batches

    def spy(*a, **k):
        for b in orig(*a, **k):
            seen.append(b.height)
            yield b
    monkeypatch.setattr(read, "_text_batches", spy)
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [HEADER, *rows])])
    assert r.rows_accepted == 3499 and reasons_by_row(r) == {3501: "字段数与表头不一致"}
    assert max(seen) == 1000  # the slow path reads in batches too


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_blank_first_row_then_title_then_header(tmp_path, fmt):
    cells = {1: ["报装工单明细表"], 2: HEADER, 3: ROWS[0], 4: ["A3", "上海", "居民", "8", "220V", "微信", "0"], 5: ROWS[1]}
    p = tmp_path / f"applications.{fmt}"
    if fmt == "xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(p)
        ws = wb.add_worksheet()
        for r, row in cells.items():
            ws.write_row(r, 0, row)
        wb.close()
    else:
        import xlwt

        wb = xlwt.Workbook()
        ws = wb.add_sheet("s")
        for r, row in cells.items():
            for j, v in enumerate(row):
                ws.write(r, j, v)
        wb.save(str(p))
    [r] = validate_paths([p])
    assert r.header_row == 3 and accepted(r) == EXPECTED
    assert reasons_by_row(r) == {5: "地市取值无法识别"}  # the row number Excel shows


def test_signed_footer_and_phone_numbers_in_kept_text_never_written(tmp_path):
    header = [*HEADER, "区县"]
    rows = [[*ROWS[0], "西湖区"], [*ROWS[1], "13912345678"],
            ["A3", "上海", "居民", "8", "220V", "客户13800138000", "0", "x"],
            ["制表人：张三", "联系电话：13800138000", "", "", "", "审核人：李四 13912345678", ""],
            ["", "", "全省合计", "108"]]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [header, *rows])])
    assert reasons_by_row(r) == {4: "地市取值无法识别", 5: R_FOOTER, 6: R_FOOTER}
    text = r.quarantined.write_csv() + r.accepted.write_csv()
    assert "1380013" not in text and "1391234" not in text and "张三" not in text
    assert r.accepted["district"].to_list() == ["西湖区", "[已屏蔽]"]  # the column is kept, the number masked
    assert "区县: 1 个值含疑似手机号/身份证号/邮箱，已屏蔽" in r.notes
    assert r.quarantined.filter(pl.col("行号") == 4)["申请渠道"].to_list() == ["客户[已屏蔽]"]


def test_long_numeric_id_in_xls_is_refused_not_invented(tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("s")
    for j, h in enumerate(HEADER):
        ws.write(0, j, h)
    for i, first in enumerate([12345678901234567890.0, "12345678901234567891"], start=1):
        for j, v in enumerate([first, "杭州", "居民", 8, "220V", "网上国网", 0]):
            ws.write(i, j, v)
    wb.save(str(tmp_path / "applications.xls"))
    [r] = validate_paths([tmp_path / "applications.xls"])
    assert r.accepted["app_id"].to_list() == ["12345678901234567891"]
    assert reasons_by_row(r) == {2: "工单编号为超过 15 位的数值，Excel 已舍入末位数字（请将该列设为文本后重新导出）"}


def test_wide_header_below_a_title_row_is_refused_as_wide(tmp_path):
    p = tmp_path / "applications.csv"
    p.write_text("报装工单\n" + ",".join(f"c{i}" for i in range(100_000)) + "\n1\n", encoding="utf-8")
    [nr] = validate_batch([p]).not_read
    assert nr.error and re.fullmatch(r"第 2 行有 [0-9]+以上 列，超过上限 500（按逗号分隔）", nr.reason)  # read no further


def test_scientific_notation_double_bom_nested_parquet_and_unsafe_member(tmp_path):
    row = ["A1", "杭州", "居民", "1.23457E+11", "220V", "网上国网", "0"]
    p = tmp_path / "a" / "applications.csv"
    p.parent.mkdir()
    p.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + ("\n".join(",".join(c) for c in [HEADER, row, ROWS[1]]) + "\n").encode())
    [r] = validate_paths([p])  # a file saved with two byte-order marks: its header is still found
    assert reasons_by_row(r) == {2: "申请容量(kW)数字为科学计数法（可能已被 Excel 舍入），未作猜测"}

    q = tmp_path / "outages.parquet"
    pl.DataFrame({"event_id": ["E1"], "city": ["杭州"], "area_type": ["市区"], "kind": ["故障"],
                  "started_at": ["2023-01-01 08:00"], "restored_at": ["2023-01-01 09:00"],
                  "customers_affected": [5], "tags": [["a", "b"]]}).write_parquet(q)
    [r] = validate_paths([q])
    assert r.rows_accepted == 1 and r.ignored_columns == ("tags",)

    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../evil.csv", "a\n")
    [nr] = validate_batch([z]).not_read
    assert nr.reason == "压缩包内路径不安全（含 .. 或绝对路径）"


# --- what a second hostile tester found ---------------------------------------------------------

def test_mac_csv_with_a_line_break_inside_a_cell(tmp_path):
    header = [*HEADER, "备注"]
    body = "\r".join([",".join(header), ",".join([*ROWS[0], '"第一行\n第二行"']), ",".join([*ROWS[1], "无"])]) + "\r"
    p = tmp_path / "applications.csv"
    p.write_bytes(body.encode("utf-8"))
    [r] = validate_paths([p])
    assert accepted(r) == EXPECTED and "换行符: 仅 CR（旧版 Mac）" in r.notes


@pytest.mark.parametrize("quotes", [(7, 7), (7, 6)])
def test_two_stray_quotes_never_merge_rows(tmp_path, quotes):
    header = [*HEADER, "区县", "备注"]
    rows = [[f"A{i}", "杭州", "居民", "8", "220V", "网上国网", "0", "西湖区", "x"] for i in range(1, 9)]
    rows[2][quotes[0]] = '"' + rows[2][quotes[0]]
    rows[3][quotes[1]] = rows[3][quotes[1]] + '"'
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [header, *rows])])
    assert r.rows_read == 8  # one row per line, none swallowed by another
    assert set(reasons_by_row(r)) <= {4, 5} and len(r.accepted) + r.rows_quarantined == 8
    assert "A4" in r.accepted["app_id"].to_list() or 5 in reasons_by_row(r)


def test_monthly_sheets_of_one_workbook_are_all_read(tmp_path):
    import xlsxwriter

    p = tmp_path / "报装工单.xlsx"
    wb = xlsxwriter.Workbook(p)
    for sheet, rows in (("10月", [ROWS[0]]), ("11月", [ROWS[1], ["A3", "上海", "居民", "8", "220V", "微信", "0"]]), ("说明", [])):
        ws = wb.add_worksheet(sheet)
        if rows:
            ws.write_row(0, 0, HEADER)
            for i, row in enumerate(rows, start=1):
                ws.write_row(i, 0, row)
        else:
            ws.write(0, 0, "填表说明")
    wb.close()
    results = validate_paths([p])
    assert [(r.file.rsplit("/", 1)[-1], r.rows_read) for r in results] == [("10月", 1), ("11月", 2)]
    assert reasons_by_row(results[1]) == {3: "地市取值无法识别"}
    assert "未读取的工作表: 说明" in results[0].notes


def test_short_rows_same_verdict_whatever_else_the_file_holds(tmp_path):
    header = ["工单编号", "环节名称", "环节开始时间", "环节结束时间", "录入时间"]
    text_file(tmp_path / "applications.csv", [HEADER, ROWS[0], ROWS[1]])
    short = ["A1", "申请受理", "2023-10-02 09:00:00"]
    for extra in ([], [["A2", "申请受理", "2023-10-02 09:00:00", "", "", "多余"]]):
        text_file(tmp_path / "stages.csv", [header, short, *extra])
        _, s = validate_paths([tmp_path / "applications.csv", tmp_path / "stages.csv"])
        assert s.accepted["app_id"].to_list() == ["A1"]


def test_header_decides_when_the_name_says_another_kind(tmp_path):
    text_file(tmp_path / "applications.csv", [HEADER, ROWS[0]])
    stages = [["工单编号", "地市", "区县", "客户类别", "申请容量(kW)", "环节名称", "环节开始时间", "环节结束时间"],
              ["A1", "杭州", "西湖区", "居民", "8", "申请受理", "2023-10-01 09:00", "2023-10-01 10:00"]]
    s1 = text_file(tmp_path / "用电报装工单环节记录.csv", stages)
    s2 = text_file(tmp_path / "export_20231001.csv", stages)
    results = validate_paths([tmp_path / "applications.csv", s1, s2])
    assert [r.kind for r in results] == ["applications", "stages", "stages"]
    assert "按表头识别为流程环节记录（文件名像用电报装工单）" in results[1].notes


@pytest.mark.parametrize("item", ["光伏发电累计", "电费总计/明细查询", "Total Power查询", "说明：办电指南"])
def test_real_rows_are_not_taken_for_footers(tmp_path, item):
    lines = [["地市", "事项名称", "是否线上可办", "统计日期"], ["杭州", item, "是", "2023-12-31"], ["合计", "", "", ""]]
    [r] = validate_paths([text_file(tmp_path / "service_items.csv", lines)])
    assert r.accepted["item"].to_list() == [item] and reasons_by_row(r) == {3: R_FOOTER}
    app = [*HEADER, "备注"]
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [["备注", *HEADER], ["说明：加急", *ROWS[0]]])])
    assert r.rows_accepted == 1


def test_masking_leaves_amounts_and_codes_alone(tmp_path):
    header = ["序号", "责任单位", "完成情况", "报送日期", "佐证材料"]
    rows = [["1", "杭州", "已完成", "2023-12-31", "完成投资15000000000元"],
            ["2", "杭州", "已完成", "2023-12-31", "项目代码330106202310150012"],
            ["3", "杭州", "已完成", "2023-12-31", "联系人 13800138000"],
            ["4", "杭州", "已完成", "2023-12-31", "身份证11010519491231002X"]]
    [r] = validate_paths([text_file(tmp_path / "ledger_status.csv", [header, *rows])])
    assert r.accepted["evidence"].to_list() == ["完成投资15000000000元", "项目代码330106202310150012",
                                                "联系人 [已屏蔽]", "身份证[已屏蔽]"]


def test_files_read_for_what_they_are_not_their_extension(tmp_path):
    import xlsxwriter

    tab = tmp_path / "a" / "applications.xls"  # a tab-separated text saved as .xls, a common export habit
    tab.parent.mkdir()
    text_file(tab, [HEADER, *ROWS], sep="\t", encoding="gbk")
    book = tmp_path / "b" / "applications.csv"  # a workbook named .csv
    book.parent.mkdir()
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet()
    for i, row in enumerate([HEADER, *ROWS]):
        ws.write_row(i, 0, row)
    wb.close()
    utf16 = tmp_path / "c" / "applications.txt"  # Excel's "Unicode 文本"
    utf16.parent.mkdir()
    utf16.write_bytes("\r\n".join("\t".join(r) for r in [HEADER, *ROWS]).encode("utf-16"))
    for p, note in ((tab, "扩展名为 .xls，内容实为文本文件"), (book, "扩展名为 .csv，内容实为Excel 工作簿"),
                    (utf16, "编码: UTF-16（Unicode 文本）")):
        [r] = validate_paths([p])
        assert accepted(r) == EXPECTED and note in r.notes, p
    html = tmp_path / "d" / "applications.xls"
    html.parent.mkdir()
    html.write_text("<html><table><tr><td>工单编号</td></tr></table></html>", encoding="utf-8")
    [nr] = validate_batch([html]).not_read
    assert "网页（HTML）表格" in nr.reason


def test_a_data_row_read_as_header_shows_no_phone_number(tmp_path):
    p = text_file(tmp_path / "applications.csv", [["A1", "杭州", "13912345678"], ["A2", "宁波", "13912345679"]])
    v = validate_batch([p])
    assert "1391234" not in str(v.not_read) + "".join(str(r.summary()) for r in v.results)


def test_ids_as_a_person_reads_them_and_more_personal_spellings(tmp_path):
    text_file(tmp_path / "applications.csv", [[*HEADER, "区县"],
              ["Ｑ004", "杭州", "居民", "8", "220V", "网上国网13912345678", "0", "西湖区 139 8765 1111"],
              ["R003\u200b", "杭州", "居民", "8", "220V", "微信", "0", "kongming@example.com"],
              ["\ufeffR004", "杭州", "居民", "8", "220V", "微信", "0", "旧证330106850312123"]])
    text_file(tmp_path / "stages.csv", [["工单编号", "环节名称", "环节开始时间"],
                                        *[[i, "申请受理", "2023-10-01 09:00"] for i in ("Q004", "R003", "R004")]])
    a, s = validate_paths([tmp_path / "applications.csv", tmp_path / "stages.csv"])
    assert a.accepted["app_id"].to_list() == ["Q004", "R003", "R004"] and s.rows_accepted == 3
    kept = a.accepted.select("channel", "district").rows()
    assert kept == [("网上国网[已屏蔽]", "西湖区 [已屏蔽]"), ("微信", "[已屏蔽]"), ("微信", "旧证[已屏蔽]")]


def test_undecodable_byte_named_by_line_and_repeated_header_rows(tmp_path):
    from getpower.intake.validate import R_HEADER

    lines = [HEADER] + [[f"A{i}", "杭州", "居民", "8", "220V", "网上国网", "0"] for i in range(200)]
    raw = ("\n".join(",".join(r) for r in lines) + "\n").encode("gbk").split(b"\n")
    raw[100] += b"\xff"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "applications.csv").write_bytes(b"\n".join(raw))
    [nr] = validate_batch([tmp_path / "a" / "applications.csv"]).not_read
    assert nr.reason.endswith("第 101 行（第 3261 个字节）起无法按 UTF-8 或 GBK/GB18030 解码")
    [r] = validate_paths([text_file(tmp_path / "applications.csv", [HEADER, ROWS[0], HEADER, ROWS[1]])])
    assert accepted(r) == EXPECTED and reasons_by_row(r) == {3: R_HEADER}


def test_a_damaged_workbook_is_named_in_chinese(tmp_path):
    p = tmp_path / "applications.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip header and nothing a workbook needs
    [nr] = validate_batch([p]).not_read
    assert nr.error and nr.reason == "Excel 文件已损坏或不是 Excel 格式，无法读取"
