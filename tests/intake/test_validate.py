"""Quarantine rules, reconciliation, missing columns, personal data, kind recognition."""
from pathlib import Path

import pytest

from getpower.intake.read import ExtractError
from getpower.intake.validate import kind_from_headers, kind_from_name, validate_paths

OK = "A{n},杭州,居民,8,220V,网上国网,0"


@pytest.fixture(autouse=True, params=[None, 1, "spilled"], ids=["whole-file", "row-by-row", "spilled-row-by-row"])
def batch_rows(request, monkeypatch, tmp_path_factory):
    """Every rule holds whether a file is read whole or in batches (here, one row per batch), and
    whether the typed batches are held in memory or spilled to disk as the store's ingest does
    (with the repeated keys looked for a slice of their hashes at a time)."""
    if request.param:
        monkeypatch.setattr("getpower.intake.read.BATCH_ROWS", 1)
        monkeypatch.setattr("getpower.intake.read.SLOW_BATCH_ROWS", 1)
    if request.param == "spilled":
        from dataclasses import replace

        from getpower.intake import validate

        plain = validate.validate_file

        def spilled(f, app_ids=None, customers=None, spill=None, stop=None):
            r = plain(f, app_ids, customers, tmp_path_factory.mktemp("spill"), stop)
            assert r.written_to is not None and r.accepted.is_empty()
            return replace(r, accepted=r.accepted_frame(), written_to=None, written_rows=0)

        monkeypatch.setattr(validate, "validate_file", spilled)
        monkeypatch.setattr("getpower.keys.ROWS_PER_PASS", 2)  # repeated keys looked for in many passes
    return request.param


def reasons_by_row(result):
    return dict(zip(result.quarantined["行号"].to_list(), result.quarantined["隔离原因"].to_list()))


@pytest.mark.parametrize(
    "row, reason",
    [
        (",杭州,居民,8,220V,网上国网,0", "缺少工单编号"),
        ("B1,上海,居民,8,220V,网上国网,0", "地市取值无法识别"),
        ("B1,,居民,8,220V,网上国网,0", "缺少地市"),
        ("B1,杭州,大客户,8,220V,网上国网,0", "客户类别取值无法识别"),
        ("B1,杭州,居民,-1,220V,网上国网,0", "申请容量(kW)应≥0"),
        ("B1,杭州,居民,八,220V,网上国网,0", "申请容量(kW)取值无法识别"),
        ("B1,杭州,居民,8,高压,网上国网,0", "供电电压(kV)取值无法识别"),
        ("B1,杭州,居民,8,220V,,0", "缺少申请渠道"),
        ("B1,杭州,居民,8,220V,网上国网,-100", "客户投资(元)应≥0"),
        ("A1,杭州,居民,8,220V,营业厅,0", "工单编号重复（保留首条）"),
    ],
)
def test_application_row_rules(apps_csv, row, reason):
    [r] = validate_paths([apps_csv([OK.format(n=1), row])])
    assert r.rows_read == 2 and r.rows_accepted == 1
    assert reasons_by_row(r) == {3: reason}
    assert r.accepted["app_id"].to_list() == ["A1"]


@pytest.mark.parametrize("cities, classes, typed", [
    (["杭州", "宁波"], ["居民", "居民"], [("杭州", "居民"), ("宁波", "居民")]),  # all canonical: typed as they are
    (["杭州", "宁波市"], ["居民", "resident"], [("杭州", "居民"), ("宁波", "居民")]),  # one spelled otherwise
    ([" 杭州 ", "国网宁波供电公司"], ["居民", " 居民"], [("杭州", "居民"), ("宁波", "居民")]),
])
def test_enumerations_typed_whether_or_not_every_value_is_canonical(apps_csv, cities, classes, typed):
    [r] = validate_paths([apps_csv([f"A{i},{c},{k},8,220V,网上国网,0" for i, (c, k) in enumerate(zip(cities, classes))])])
    assert r.accepted.select("city", "customer_class").rows() == typed and r.quarantined.is_empty()


@pytest.mark.parametrize("channel, reason", [
    ("网上国网", None), (" 网上国网 ", None), ("NULL", "缺少申请渠道"), (" ｎａｎ ", "缺少申请渠道"), ("—", "缺少申请渠道"),
])
def test_missing_spellings_in_a_column_that_has_one(apps_csv, channel, reason):
    [r] = validate_paths([apps_csv([OK.format(n=1), f"A2,杭州,居民,8,220V,{channel},0"])])
    assert reasons_by_row(r) == ({3: reason} if reason else {})
    assert r.accepted["channel"].to_list() == ["网上国网"] * (1 if reason else 2)


@pytest.mark.parametrize("rows, reasons", [
    (["A1,申请受理,2023-03-01 09:00", "A2,申请受理,2023-03-01 10:00"], {}),  # no row may be a footer
    (["A1,申请受理,2023-03-01 09:00", "合计,,"], {3: "合计/小计行（非数据）"}),  # its key cells empty: a footer
    (["A1,申请受理,2023-03-01 09:00", "杭州市小计,,", "制表人：张三,,"],
     {3: "合计/小计行（非数据）", 4: "合计/小计行（非数据）"}),
    (["合计,申请受理,2023-03-01 10:00"], {}),  # its key cells hold more: a record
    (["A1,,", "A2,申请受理,2023-03-01 10:00"], {2: "缺少环节名称"}),  # may be a footer, is not: its own reason
])
def test_footers_among_records_keyed_by_several_columns(tmp_path, rows, reasons):
    p = tmp_path / "stages.csv"
    p.write_text("工单编号,环节名称,环节开始时间\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    [r] = validate_paths([p], orphans=False)
    assert reasons_by_row(r) == reasons and r.rows_accepted == len(rows) - len(reasons)


@pytest.mark.parametrize("important, voltage, typed", [
    ("true", "10", (True, 10.0)),  # the spellings written most often: read at once
    ("FALSE", "0.38", (False, 0.38)),
    ("否", "380V", (False, 0.38)),  # any other: read the careful way, to the same values
    ("Ｙ", "１０", (True, 10.0)),
    ("yEs", "交流220伏", (True, 0.22)),
    ("maybe", "10", "重要用户取值无法识别"),
    ("是", "5.", "供电电压(kV)取值无法识别"),  # not a number the careful way reads
    ("是", ".5", "供电电压(kV)取值无法识别"),
    ("是", "0", "供电电压(kV)取值无法识别"),
])
def test_booleans_and_voltages_read_the_same_whichever_way(apps_csv, important, voltage, typed):
    header = "工单编号,地市,客户类别,重要用户,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"
    [r] = validate_paths([apps_csv([f"A1,杭州,居民,{important},8,{voltage},网上国网,0"], header=header)])
    if isinstance(typed, str):
        assert reasons_by_row(r) == {2: typed}
    else:
        assert r.accepted.select("important", "supply_voltage_kv").rows() == [typed]


def test_duplicate_keeps_first_valid_row(apps_csv):
    [r] = validate_paths([apps_csv(["A1,上海,居民,8,220V,网上国网,0", OK.format(n=1), OK.format(n=1)])])
    assert reasons_by_row(r) == {2: "地市取值无法识别", 4: "工单编号重复（保留首条）"}
    assert r.accepted["city"].to_list() == ["杭州"]
    # quarantined rows keep their text as read, whichever rule (and batch) caught them
    assert r.quarantined.select("行号", "工单编号", "地市", "申请渠道").rows() == [
        (2, "A1", "上海", "网上国网"), (4, "A1", "杭州", "网上国网")]


def test_gbk_file_in_batches_keeps_rows_and_text(tmp_path):
    p = tmp_path / "applications.csv"
    rows = ["工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)", OK.format(n=1),
            "A2,温州,居民,8,220V,浙里办,0", "A3,上海,居民,8,220V,营业厅,0", OK.format(n=1)]
    p.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    [r] = validate_paths([p])
    assert r.fmt == "csv:gb18030" and (r.rows_read, r.rows_accepted) == (4, 2)
    assert r.accepted.select("app_id", "city", "channel").rows() == [("A1", "杭州", "网上国网"), ("A2", "温州", "浙里办")]
    assert r.quarantined.select("行号", "地市", "隔离原因").rows() == [
        (4, "上海", "地市取值无法识别"), (5, "杭州", "工单编号重复（保留首条）")]


STAGE_HEADER = "工单编号,环节名称,环节开始时间,环节结束时间"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("A1,装表接电,2023-10-05 10:00,2023-10-04 10:00", "环节结束时间早于开始时间"),
        ("A9,申请受理,2023-10-01 09:00,2023-10-01 10:00", "孤立环节：工单不存在或已被隔离"),
        ("A2,申请受理,2023-10-01 09:00,2023-10-01 10:00", "孤立环节：工单不存在或已被隔离"),  # A2 quarantined
        ("A1,勘查,2023-10-01 09:00,", "环节名称取值无法识别"),
        ("A1,申请受理,十月一日,", "环节开始时间取值无法识别"),
        ("A1,申请受理,,", "缺少环节开始时间"),
        ("A1,申请受理,2023-10-01 09:00,2023-10-01 10:00", "工单编号+环节名称+环节开始时间重复（保留首条）"),
    ],
)
def test_stage_rules(tmp_path, apps_csv, row, reason):
    apps = apps_csv([OK.format(n=1), "A2,上海,居民,8,220V,网上国网,0"])
    stages = tmp_path / "stages.csv"
    stages.write_text("\n".join([STAGE_HEADER, "A1,申请受理,2023-10-01 09:00,2023-10-01 10:00", row]) + "\n",
                      encoding="utf-8")
    results = {r.kind: r for r in validate_paths([apps, stages])}
    r = results["stages"]
    assert (r.rows_read, r.rows_accepted, r.rows_quarantined) == (2, 1, 1)
    assert reasons_by_row(r) == {3: reason}


def test_open_stage_and_known_ids_from_store(tmp_path):
    import polars as pl

    stages = tmp_path / "环节记录.csv"
    stages.write_text(STAGE_HEADER + "\nA7,申请受理,2023-10-01 09:00,\n", encoding="utf-8")
    [r] = validate_paths([stages], known_app_ids=pl.Series(["A7"]))
    assert r.rows_accepted == 1 and r.accepted["finished_at"].to_list() == [None]


OUT_HEADER = "停电事件编号,地市,区域类型,停电性质,停电开始时间,恢复送电时间,停电用户数,停电原因"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("E2,杭州,农村,故障,2023-05-01 10:00,2023-05-01 09:00,10,", "恢复送电时间不晚于停电开始时间"),
        ("E2,杭州,农村,故障,2023-05-01 10:00,2023-05-01 10:00,10,", "恢复送电时间不晚于停电开始时间"),
        ("E2,杭州,农村,故障,2023-05-01 10:00,2023-05-01 11:00,0,", "停电用户数应>0"),
        ("E2,杭州,农村,故障,2023-05-01 10:00,2023-05-01 11:00,2.5,", "停电用户数取值无法识别"),
        ("E2,杭州,山区,故障,2023-05-01 10:00,2023-05-01 11:00,5,", "区域类型取值无法识别"),
        ("E2,杭州,农村,检修,2023-05-01 10:00,2023-05-01 11:00,5,", "停电性质取值无法识别"),
        ("E2,杭州,农村,故障,2023-05-01 10:00,,5,", "缺少恢复送电时间"),
        ("E1,杭州,农村,故障,2023-05-01 10:00,2023-05-01 11:00,5,", "停电事件编号重复（保留首条）"),
    ],
)
def test_outage_rules(tmp_path, row, reason):
    p = tmp_path / "停电事件.csv"
    p.write_text("\n".join([OUT_HEADER, "E1,杭州,农村,故障,2023-05-01 10:00,2023-05-01 12:00,10,", row]) + "\n",
                 encoding="utf-8")
    [r] = validate_paths([p])
    assert reasons_by_row(r) == {3: reason}
    assert r.accepted.row(0, named=True)["cause"] == "内部"  # default


@pytest.mark.parametrize(
    "name, text, reason",
    [
        ("customer_base.csv", "地市,区域类型,统计日期,用户总数\n杭州,市区,2023-12-31,100\n杭州,市区,2023-12-31,0\n", "用户总数应>0"),
        ("approvals.csv", "项目编号,地市,电压等级,线路长度(米),办理方式,申请时间,办结时间\n"
         "P1,杭州,10kV,10,并联审批,2023-01-02,2023-01-05\nP2,杭州,10kV,10,并联审批,2023-01-05,2023-01-02\n",
         "办结时间早于申请时间"),
        ("service_items.csv", "地市,事项名称,是否线上可办,统计日期\n杭州,新装,是,2023-12-31\n杭州,增容,可以,2023-12-31\n",
         "是否线上可办取值无法识别"),
        ("ledger_status.csv", "序号,责任单位,完成情况,报送日期\n1,全省,已完成,2023-12-31\n67,全省,已完成,2023-12-31\n",
         "序号应≤66"),
    ],
)
def test_other_kinds(tmp_path, name, text, reason):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    [r] = validate_paths([p])
    assert (r.rows_read, r.rows_accepted) == (2, 1)
    assert reasons_by_row(r) == {3: reason}


def test_missing_required_column_names_column_and_file(apps_csv):
    p = apps_csv(["A1,杭州,居民,8,220V,0"], header="工单编号,地市,客户类别,申请容量(kW),供电电压(kV),客户投资(元)")
    p = Path(p)
    with pytest.raises(ExtractError) as err:
        validate_paths([p])
    assert "申请渠道" in str(err.value) and "channel" in str(err.value) and p.name in str(err.value)


def test_ragged_rows_are_quarantined_not_fatal(apps_csv):
    [r] = validate_paths([apps_csv([OK.format(n=1), "A2,杭州,居民,8,220V,网上国网,0,多余", "A3,杭州", OK.format(n=4)])])
    # a row with more fields than the header is broken; a short one is padded with nulls, as polars
    # reads it when no row is long (the same verdict whatever else the file holds)
    assert reasons_by_row(r) == {3: "字段数与表头不一致", 4: "缺少客户类别"}
    assert r.accepted["app_id"].to_list() == ["A1", "A4"]


def test_gbk_file_with_ragged_rows_read_once(tmp_path):
    p = tmp_path / "applications.csv"
    rows = ["工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)", OK.format(n=1),
            "A2,温州,居民,8,220V,浙里办,0,多余", OK.format(n=3)]
    p.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    [r] = validate_paths([p])
    assert r.fmt == "csv:gb18030" and (r.rows_read, r.rows_accepted, r.rows_quarantined) == (3, 2, 1)
    assert r.accepted["app_id"].to_list() == ["A1", "A3"]
    assert reasons_by_row(r) == {3: "字段数与表头不一致"}


def test_personal_data_dropped_and_reported(apps_csv):
    header = "工单编号,户名,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元),身份证号,联系电话,用电地址,备注"
    p = apps_csv(["A1,张三,杭州,居民,8,220V,网上国网,0,330102199001011234,13800000000,西湖区某路1号,无",
                  "A1,李四,杭州,居民,8,220V,网上国网,0,330102199001011235,13800000001,某路2号,无"], header=header)
    [r] = validate_paths([p])
    assert r.dropped_columns == ("户名", "身份证号", "联系电话", "用电地址")
    assert r.summary()["dropped_columns"] == ["户名", "身份证号", "联系电话", "用电地址"]
    text = r.accepted.write_csv() + r.quarantined.write_csv()
    for secret in ("张三", "李四", "3301021990", "138000000", "某路"):
        assert secret not in text
    assert r.ignored_columns == ("备注",)


def test_reconciliation_on_messy_sample(tmp_path, batch_rows, monkeypatch):
    from getpower import sample

    if batch_rows:  # several batches per file, not one per row
        monkeypatch.setattr("getpower.intake.read.BATCH_ROWS", 3000)
    sample.generate(tmp_path, seed=7)
    results = validate_paths([tmp_path])
    assert {r.kind for r in results} == {"applications", "stages", "outages", "customer_base", "approvals",
                                         "service_items", "ledger_status"}
    for r in results:
        assert r.rows_read == r.rows_accepted + r.rows_quarantined
        assert sum(r.reasons.values()) == r.rows_quarantined
    by = {r.kind: r for r in results}
    assert by["applications"].reasons == {"地市取值无法识别": 1, "工单编号重复（保留首条）": 1, "申请容量(kW)取值无法识别": 1}
    assert by["stages"].reasons == {"孤立环节：工单不存在或已被隔离": 2, "环节结束时间早于开始时间": 1}
    assert by["outages"].reasons == {"停电事件编号重复（保留首条）": 1, "停电用户数应>0": 1, "恢复送电时间不晚于停电开始时间": 1}
    assert by["applications"].fmt == "csv:gb18030" and by["approvals"].fmt == "xlsx"
    assert by["stages"].fmt == "csv:utf-8-sig" and by["service_items"].fmt == "parquet"


@pytest.mark.parametrize(
    "name, kind",
    [("applications.csv", "applications"), ("2023年报装工单导出.xlsx", "applications"), ("环节记录.csv", "stages"),
     ("outages_2023.parquet", "outages"), ("用户数.csv", "customer_base"), ("接入工程审批.csv", "approvals"),
     ("业务事项目录.csv", "service_items"), ("台账进展.csv", "ledger_status"), ("export.csv", None)],
)
def test_kind_from_name(name, kind):
    k = kind_from_name(Path(name))
    assert (k.name if k else None) == kind


@pytest.mark.parametrize(
    "headers, kind",
    [
        (["工单编号", "环节名称", "开始时间", "完成时间"], "stages"),
        (["工单编号", "地市", "客户类别", "申请容量(kW)", "供电电压(kV)", "申请渠道", "客户投资(元)"], "applications"),
        (["停电事件编号", "地市", "区域类型", "停电性质", "停电开始时间", "恢复送电时间", "停电户数"], "outages"),
        (["地市", "区域类型", "统计日期", "总用户数"], "customer_base"),
        (["序号", "责任单位", "完成情况", "报送日期"], "ledger_status"),
        (["a", "b"], None),
    ],
)
def test_kind_from_headers(headers, kind):
    k = kind_from_headers(headers)
    assert (k.name if k else None) == kind
