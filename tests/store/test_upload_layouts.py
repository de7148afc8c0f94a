"""One upload holding the same records in several layouts, or a stages workbook split into monthly
sheets: what the store keeps and what the report says."""
import polars as pl

from getpower.store import Store

APPS = ["工单编号", "地市", "客户类别", "申请容量(kW)", "供电电压(kV)", "申请渠道", "客户投资(元)"]
STAGES = ["工单编号", "环节名称", "环节开始时间", "环节结束时间"]
A = [["N001", "杭州", "居民", "8", "220V", "网上国网", "0"], ["N002", "宁波", "居民", "8", "220V", "微信", "0"]]


def _csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def _workbook(path, sheets):
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(path)
    for name, (header, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        ws.write(0, 0, f"{name}明细")  # a title row above each sheet's header
        for i, row in enumerate([header, *rows], start=1):
            ws.write_row(i, 0, row)
    wb.close()
    return path


def test_monthly_sheets_of_one_stages_workbook_make_one_history(tmp_path):
    store = Store(tmp_path / "store")
    apps = _csv(tmp_path / "u" / "报装工单.csv", APPS, A)
    stages = _workbook(tmp_path / "u" / "环节记录.xlsx", {
        "10月": (STAGES, [["N001", "申请受理", "2023-10-30 09:00", "2023-10-30 10:00"]]),
        "11月": (STAGES, [["N001", "装表接电", "2023-11-02 09:00", "2023-11-02 11:00"],
                          ["N002", "申请受理", "2023-11-03 09:00", "2023-11-03 10:00"]]),
    })
    res = store.ingest([apps, stages])
    got = sorted(store.read("stages").select("app_id", "stage").rows())
    assert got == [("N001", "申请受理"), ("N001", "装表接电"), ("N002", "申请受理")]
    assert sum(o.superseded for o in res.outcomes) == 0


def test_the_same_records_in_two_layouts_are_not_replacements(tmp_path):
    store = Store(tmp_path / "store")
    stages = [["N001", "申请受理", "2023-10-30 09:00", "2023-10-30 10:00"]]
    csvs = [_csv(tmp_path / "u" / "报装工单.csv", APPS, A), _csv(tmp_path / "u" / "环节记录.csv", STAGES, stages)]
    book = _workbook(tmp_path / "v" / "报装工单明细.xlsx", {"报装工单": (APPS, A)})
    sbook = _workbook(tmp_path / "v" / "环节记录明细.xlsx", {"环节记录": (STAGES, stages)})
    res = store.ingest([*csvs, book, sbook])
    assert [(o.new, o.unchanged, o.superseded) for o in res.outcomes] == [(0, 2, 0), (0, 1, 0), (2, 0, 0), (1, 0, 0)]
    assert not (res.upload_dir / "replaced.csv").exists()
    assert store.read("applications").height == 2 and store.read("stages").height == 1
