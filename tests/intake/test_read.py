"""Every reading path: encodings, XLSX date cells and serial numbers, Parquet, bad files."""
from datetime import datetime

import polars as pl
import pytest

from getpower.intake.read import ExtractError, read_any
from getpower.intake.validate import validate_paths

TEXT = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\nA1,杭州市,居民,8,220V,网上国网,0\n"


@pytest.mark.parametrize(
    "encoding, prefix, expected_fmt",
    [
        ("utf-8", b"", "csv:utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "csv:utf-8-sig"),
        ("gbk", b"", "csv:gb18030"),
        ("gb18030", b"", "csv:gb18030"),
    ],
)
def test_csv_encodings(tmp_path, encoding, prefix, expected_fmt):
    p = tmp_path / "applications.csv"
    p.write_bytes(prefix + TEXT.encode(encoding))
    df, fmt = read_any(p)
    assert fmt == expected_fmt
    assert df.columns[0] == "工单编号"
    assert df.row(0) == ("A1", "杭州市", "居民", "8", "220V", "网上国网", "0")


def test_undecodable_bytes_are_an_error_not_a_lossy_read(tmp_path):
    p = tmp_path / "applications.csv"
    p.write_bytes("工单编号\n".encode() + b"\xff\xfe\xfa\x80\x81\n")
    with pytest.raises(ExtractError, match="无法识别文件编码"):
        read_any(p)


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(ExtractError, match="不支持的文件类型"):
        doc = tmp_path / "a.doc"
        doc.write_text("x")
        read_any(doc)
    with pytest.raises(ExtractError, match="文件不存在"):
        read_any(tmp_path / "nope.csv")


def test_xlsx_date_cells_serial_numbers_and_text(tmp_path):
    import xlsxwriter

    p = tmp_path / "审批.xlsx"
    wb = xlsxwriter.Workbook(p)
    wb.add_worksheet("说明").write(0, 0, "封面")
    ws = wb.add_worksheet("接入工程审批")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, ["项目编号", "地市", "电压等级", "线路长度(米)", "办理方式", "申请时间", "办结时间"])
    ws.write_row(1, 0, ["P1", "杭州", "10kV", 300, "并联审批"])
    ws.write_datetime(1, 5, datetime(2023, 9, 28, 9, 30), fmt)
    ws.write_number(1, 6, 45205.5)  # Excel serial: 2023-10-06 12:00
    ws.write_row(2, 0, ["P2", "宁波市", "lv", 150, "exempt", "2023/10/09 08:00", "2023-10-10"])
    wb.close()
    [r] = validate_paths([p])
    assert (r.kind, r.rows_accepted) == ("approvals", 2)
    got = r.accepted.select("project_id", "submitted_at", "approved_at", "voltage_class", "mode").rows()
    assert got == [
        ("P1", datetime(2023, 9, 28, 9, 30), datetime(2023, 10, 6, 12, 0), "10kV", "并联审批"),
        ("P2", datetime(2023, 10, 9, 8, 0), datetime(2023, 10, 10, 0, 0), "低压", "免于审批"),
    ]


def test_parquet_with_native_types(tmp_path):
    p = tmp_path / "outages.parquet"
    pl.DataFrame({
        "event_id": ["E1"], "city": ["温州市"], "area_type": ["rural"], "kind": ["fault"],
        "started_at": [datetime(2023, 1, 1, 10)], "restored_at": [datetime(2023, 1, 1, 12, 30)],
        "customers_affected": [120],
    }).write_parquet(p)
    [r] = validate_paths([p])
    assert r.rows_accepted == 1
    row = r.accepted.row(0, named=True)
    assert (row["city"], row["area_type"], row["kind"], row["cause"]) == ("温州", "农村", "故障", "内部")
    assert row["restored_at"] == datetime(2023, 1, 1, 12, 30)


def test_native_parquet_types_are_typed_as_their_text_would_be(tmp_path):
    """Parquet timestamps, dates, numbers and booleans are typed without text (fast), with the same
    accepted values and quarantine reasons as the same cells written as text."""
    from datetime import date

    rows = {  # one row per case: (started_at, restored_at, customers_affected)
        "E1": (datetime(2023, 1, 1, 8), datetime(2023, 1, 1, 9, 30), 12.0),  # plain
        "E2": (datetime(2023, 1, 1, 8, 0, 0, 600_000), datetime(2023, 1, 1, 9), 5.0),  # sub-second: rounded
        "E3": (datetime(2023, 1, 1, 8), datetime(2023, 1, 1, 9), float("nan")),  # NaN: missing
        "E4": (datetime(2023, 1, 1, 8), datetime(2023, 1, 1, 9), float("inf")),  # unreadable
        "E5": (datetime(2023, 1, 1, 8), datetime(2023, 1, 1, 9), 2.5),  # not whole: unreadable
        "E6": (datetime(2023, 1, 1, 9), datetime(2023, 1, 1, 8), 3.0),  # restored before started
        "E7": (datetime(1999, 1, 1, 8), datetime(1999, 1, 1, 9), 3.0),  # implausible date
        "E8": (None, datetime(2023, 1, 1, 9), 3.0),  # missing required
    }
    native = pl.DataFrame({
        "事件编号": list(rows) + ["全省合计"], "地市": ["杭州"] * 9, "区域类型": ["市区"] * 9, "停电性质": ["故障"] * 9,
        "停电开始时间": [r[0] for r in rows.values()] + [None], "恢复送电时间": [r[1] for r in rows.values()] + [None],
        "停电用户数": [r[2] for r in rows.values()] + [None],
    })
    as_text = native.with_columns(
        pl.col("停电开始时间", "恢复送电时间").dt.to_string("%Y-%m-%d %H:%M:%S%.f"),
        pl.col("停电用户数").cast(pl.String))
    (tmp_path / "n").mkdir()
    (tmp_path / "t").mkdir()
    native.write_parquet(tmp_path / "n" / "outages.parquet")
    as_text.write_parquet(tmp_path / "t" / "outages.parquet")
    [n] = validate_paths([tmp_path / "n" / "outages.parquet"])
    [t] = validate_paths([tmp_path / "t" / "outages.parquet"])
    reasons = dict(zip(n.quarantined["行号"].to_list(), n.quarantined["隔离原因"].to_list()))
    assert reasons == {4: "缺少停电用户数", 5: "停电用户数取值无法识别", 6: "停电用户数取值无法识别",
                       7: "恢复送电时间不晚于停电开始时间", 8: reasons[8], 9: "缺少停电开始时间", 10: "合计/小计行（非数据）"}
    assert reasons[8].startswith("停电开始时间早于 2000-01-01")
    assert n.quarantined["隔离原因"].to_list() == t.quarantined["隔离原因"].to_list()
    assert n.accepted.equals(t.accepted)
    assert n.accepted.select("event_id", "started_at", "customers_affected").rows() == [
        ("E1", datetime(2023, 1, 1, 8), 12), ("E2", datetime(2023, 1, 1, 8, 0, 1), 5)]
    # a quarantined row shows its cells as text, as a text file's would
    assert n.quarantined.filter(pl.col("行号") == 7)["停电开始时间"].to_list() == ["2023-01-01 09:00:00"]
    d = pl.DataFrame({"地市": ["杭州"], "区域类型": ["市区"], "统计日期": [date(2023, 6, 30)], "用户数": [1000]})
    d.write_parquet(tmp_path / "customer_base.parquet")
    [c] = validate_paths([tmp_path / "customer_base.parquet"])
    assert c.accepted.select("as_of", "customers").rows() == [(date(2023, 6, 30), 1000)]


@pytest.mark.parametrize("important", [[True, None, False], ["是", None, "否"]], ids=["native", "text"])
def test_a_missing_parquet_boolean_is_its_default_as_a_missing_text_is(tmp_path, important):
    """A null in a native Boolean column with a default (重要用户: 否) is the default, as an empty
    cell is (it was kept null, and the schema check of intake's output failed the whole ingest)."""
    pl.DataFrame({"工单编号": ["A1", "A2", "A3"], "地市": ["杭州"] * 3, "客户类别": ["居民"] * 3, "重要用户": important,
                  "申请容量(kW)": [8.0] * 3, "供电电压(kV)": [0.38] * 3, "申请渠道": ["网上国网"] * 3,
                  "客户投资(元)": [0.0] * 3}).write_parquet(tmp_path / "applications.parquet")
    [r] = validate_paths([tmp_path / "applications.parquet"])
    assert r.accepted["important"].to_list() == [True, False, False] and r.quarantined.is_empty()


@pytest.mark.parametrize(("fmt", "rows", "batch", "several"), [
    ("parquet", 3, 3, False),  # one batch exactly: validated beside a larger file
    ("parquet", 4, 3, True),
    ("parquet", 0, 3, False),
    ("csv", 1, 3, True),  # a text file is not counted ahead
])
def test_a_file_of_several_batches_is_known_before_it_is_read(tmp_path, monkeypatch, fmt, rows, batch, several):
    from getpower.intake.validate import _beyond_one_batch, open_files

    monkeypatch.setattr("getpower.intake.read.BATCH_ROWS", batch)
    frame = pl.DataFrame({"工单编号": [f"A{i}" for i in range(rows)], "地市": ["杭州"] * rows}, schema={"工单编号": pl.String, "地市": pl.String})
    path = tmp_path / f"applications.{fmt}"
    frame.write_parquet(path) if fmt == "parquet" else frame.write_csv(path)
    assert _beyond_one_batch(open_files(path)[0]) is several
