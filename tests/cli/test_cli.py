"""The getpower command as a user runs it (a subprocess: exit codes, stdout, stderr)."""
import json
import subprocess
import sys

import pytest

HEADER = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元),户名"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "getpower", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def messy(tmp_path):
    d = tmp_path / "extracts"
    d.mkdir()
    (d / "报装工单.csv").write_bytes(("\n".join([
        HEADER, "A1,杭州市,居民,8,220V,网上国网,0,张三", "A1,杭州,居民,8,220V,营业厅,0,张三",
        "A2,上海,居民,8,220V,营业厅,0,李四", "A3,宁波,低压非居民,100,380V,浙里办,0,王五"]) + "\n").encode("gbk"))
    (d / "环节记录.csv").write_text("\n".join([
        "工单编号,环节名称,环节开始时间,环节结束时间", "A1,申请受理,2023-10-01 09:00,2023-10-01 10:00",
        "A2,申请受理,2023-10-01 09:00,2023-10-01 10:00", "A3,装表接电,2023-10-05 09:00,2023-10-04 10:00"]) + "\n",
        encoding="utf-8-sig")
    return d


def test_validate_json_reconciles(messy, tmp_path):
    p = run("validate", str(messy), "--json", "--quarantine-dir", str(tmp_path / "q"))
    assert p.returncode == 0, p.stderr
    files = {f["kind"]: f for f in json.loads(p.stdout)["files"]}
    a, s = files["applications"], files["stages"]
    assert (a["rows_read"], a["rows_accepted"], a["rows_quarantined"]) == (4, 2, 2)
    assert a["reasons"] == {"地市取值无法识别": 1, "工单编号重复（保留首条）": 1}
    assert a["dropped_columns"] == ["户名"]
    assert (s["rows_read"], s["rows_accepted"], s["rows_quarantined"]) == (3, 1, 2)
    assert s["reasons"] == {"孤立环节：工单不存在或已被隔离": 1, "环节结束时间早于开始时间": 1}
    from getpower.intake.report import short_name

    assert (tmp_path / "q" / f"{short_name(a['file'])}.quarantine.csv").exists()


def test_validate_text_report_in_chinese(messy, tmp_path):
    p = run("validate", str(messy), "--quarantine-dir", str(tmp_path / "q"))
    assert p.returncode == 0
    assert "读取 4 行 = 接收 2 行 + 隔离 2 行" in p.stdout and "已删除个人信息列: 户名" in p.stdout


def test_missing_column_is_one_chinese_line_and_nonzero(tmp_path):
    f = tmp_path / "applications.csv"
    f.write_text("工单编号,地市\nA1,杭州\n", encoding="utf-8")
    p = run("validate", str(f), "--json")
    assert p.returncode != 0
    assert len(p.stderr.strip().splitlines()) == 1 and "缺少必填列" in p.stderr and "Traceback" not in p.stderr
    [nr] = json.loads(p.stdout)["not_read"]  # --json: the error is JSON on stdout too
    assert nr["file"] == str(f) and "缺少必填列" in nr["reason"] and nr["error"]


def test_errors_outside_validation_are_json_with_json(tmp_path):
    f = tmp_path / "applications.csv"
    f.write_text("工单编号,地市\nA1,杭州\n", encoding="utf-8")
    p = run("ingest", str(f), "--store", str(tmp_path / "s"), "--json")
    assert p.returncode != 0 and "缺少必填列" in json.loads(p.stdout)["error"]


def test_help_is_chinese_with_defaults():
    p = run("validate", "--help")
    assert p.returncode == 0 and "用法:" in p.stdout and "显示本帮助并退出" in p.stdout
    assert "（默认: reports/quarantine）" in p.stdout and "usage" not in p.stdout
    p = run("validate")
    assert p.returncode == 2 and "错误: 缺少参数: paths" in p.stderr


def test_ingest_twice_is_idempotent(messy, tmp_path):
    store = tmp_path / "store"
    assert run("ingest", str(messy), "--store", str(store)).returncode == 0
    p = run("ingest", str(messy), "--store", str(store))
    assert p.returncode == 0 and "未变化" in p.stdout


def test_ingest_stores_what_it_can_and_names_every_file_it_did_not_read(messy, tmp_path):
    (messy / "环节记录.csv").write_bytes("工单编号\n".encode() + b"\xff\xfe\xfa\x80\x81\n")  # cannot be decoded
    (messy / "说明.docx").write_bytes(b"PK")
    store = tmp_path / "store"
    p = run("ingest", str(messy), "--store", str(store))
    assert p.returncode == 2
    assert "未读取: " in p.stdout and "说明.docx — 不支持的文件类型 .docx" in p.stdout
    assert "环节记录.csv: 无法识别文件编码" in p.stderr and "其余文件已导入" in p.stderr
    [report] = (store / "uploads").glob("*/report.json")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {n["file"].rsplit("/", 1)[-1] for n in data["not_read"]} == {"环节记录.csv", "说明.docx"}
    assert [f["kind"] for f in data["files"]] == ["applications"]

def test_compute_warns_once_for_a_year_without_holidays(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "applications.csv").write_text(HEADER.rsplit(",", 1)[0] + "\nX1,杭州,居民,8,220V,网上国网,0\n", encoding="utf-8")
    (d / "stages.csv").write_text("工单编号,环节名称,环节开始时间,环节结束时间\nX1,申请受理,2027-01-04 09:00,2027-01-04 10:00\n"
                                  "X1,装表接电,2027-01-05 09:00,2027-01-08 10:00\n", encoding="utf-8")
    # extracts dated early next year: today's plausibility bound (the day of validation + 31 days)
    # is widened in a copy of params/, as it will be by the calendar itself in January
    import os
    import shutil

    from getpower import params

    shutil.copytree(params.params_dir(), tmp_path / "params")
    t = (tmp_path / "params" / "thresholds.yaml").read_text(encoding="utf-8")
    (tmp_path / "params" / "thresholds.yaml").write_text(
        t.replace("future_margin_days: 31", "future_margin_days: 3650"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "getpower", "compute", str(d), "--period", "2027Q1", "--out",
                        str(tmp_path / "t.csv"), "--quiet"], capture_output=True, text=True,
                       env={**os.environ, "GETPOWER_PARAMS": str(tmp_path / "params")})
    assert p.returncode == 0, p.stderr
    warnings = [line for line in p.stderr.splitlines() if line.startswith("警告")]
    assert len(warnings) == 1 and "2027 年" in warnings[0] and "params/holidays/2027.yaml" in warnings[0]
    import polars as pl

    t = pl.read_csv(tmp_path / "t.csv").filter((pl.col("city") == "杭州") & (pl.col("indicator") == "process_days_mean")
                                              & (pl.col("segment") == "居民"))
    assert dict(zip(t["unit"], t["value"])) == {"calendar_days": 4.0, "working_days": None}
    assert t.filter(pl.col("unit") == "working_days")["reason"].item().startswith("2027 年节假日安排未配置；期间数据不完整")


def test_holidays_check_names_what_is_missing(tmp_path):
    f = tmp_path / "2027.yaml"
    f.write_text("year: 2027\nsource: 国办发明电〔2026〕1号\nholidays:\n  元旦: [2027-01-01]\nworkdays: [2027-01-06]\n",
                 encoding="utf-8")
    p = run("holidays", "check", str(f))
    assert p.returncode == 1 and "缺少春节" in p.stdout and "调休上班日应在周末: 2027-01-06" in p.stdout


def test_ingest_warns_once_about_years_without_a_holiday_schedule(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "applications.csv").write_text("工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\n"
                                        "A1,杭州,居民,8,220V,网上国网,0\n", encoding="utf-8")
    (d / "stages.csv").write_text("工单编号,环节名称,环节开始时间,环节结束时间\n"  # 2003: before chinesecalendar's years
                                  "A1,申请受理,2003-06-02 09:00,2003-06-02 10:00\n", encoding="utf-8")
    p = run("ingest", str(d), "--store", str(tmp_path / "s"))
    assert p.returncode == 0 and p.stderr.count("2003 年") == 1 and "params/holidays/2003.yaml" in p.stderr


def test_watch_once_and_changes(messy, tmp_path):
    drop = tmp_path / "drop"
    messy.rename(drop)
    (drop / "备注.docx").write_bytes(b"not an extract")
    store = str(tmp_path / "store")
    p = run("watch", str(drop), "--store", store, "--once", "--settle", "0.1", "--no-scorecards", "--no-warm")
    assert p.returncode == 2, p.stderr  # a file not read: named, and a non-zero exit
    assert "新版本 v000001" in p.stdout and "1 个文件未读取" in p.stdout
    assert sorted(f.name for f in (drop / "done" / "v000001").iterdir()) == [
        ".batch", "导入报告.txt", "报装工单.csv", "环节记录.csv"]
    [failed] = (drop / "failed").iterdir()
    assert "不支持的文件类型 .docx" in (failed / "备注.docx.报告.txt").read_text(encoding="utf-8")
    p = run("changes", "--store", store)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("# 数据更新：（无） → v000001")
    p = run("changes", "v000001", "--store", store, "--format", "json")
    assert json.loads(p.stdout)["version_b"] == "v000001"
    p = run("changes", "v000001", "v000009", "--store", store)
    assert p.returncode == 2 and p.stderr.strip().splitlines() == [
        "错误: 版本 v000009 不在数据仓库中（已清理或从未存在）；可比较的版本: v000001"]
    p = run("watch", str(tmp_path / "nowhere"), "--store", store, "--once")
    assert p.returncode == 2 and p.stderr.strip() == f"错误: 监测文件夹不存在: {tmp_path / 'nowhere'}"


def test_indicators_check_lists_every_problem_of_the_declarations(tmp_path):
    import os
    import shutil
    from pathlib import Path

    assert run("indicators", "check").returncode == 0
    params_copy = tmp_path / "params"
    shutil.copytree(Path(__file__).resolve().parents[2] / "params", params_copy)
    f = params_copy / "indicators.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("population: completed_stages", "population: stages_done")
                 .replace("numerator: paid_nothing", "numerator: paid_zero"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "getpower", "indicators", "check"], capture_output=True, text=True,
                       env={**os.environ, "GETPOWER_PARAMS": str(params_copy)})
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 2 and "stage_within_limit_rate：未知的人群输入 stages_done" in lines[0]
    assert "zero_investment_coverage：未知的谓词 paid_zero" in lines[1]
