"""Issue #12's "done when", as a user runs it: the sample extracts with one city's applications,
outages and approvals removed; a period after the data; a quarter after the plan; a year to date."""
import re
import shutil
import subprocess
import sys

import polars as pl
import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "getpower", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def without_lishui(sample_store, tmp_path_factory):
    src = sample_store.parent / "extracts"
    d = tmp_path_factory.mktemp("without_lishui")
    for f in src.iterdir():
        shutil.copy(f, d / f.name)
    for name, encoding in (("报装工单.csv", "gb18030"), ("停电事件.csv", "utf-8")):
        lines = (src / name).read_bytes().decode(encoding).splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[1] not in ("丽水", "丽水市")]
        (d / name).write_bytes(("\n".join(kept) + "\n").encode(encoding))
    approvals = pl.read_excel(src / "接入工程审批.xlsx")
    approvals.filter(pl.col("地市") != "丽水").write_excel(d / "接入工程审批.xlsx", worksheet="接入工程审批",
                                                          dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm"})
    return d


def test_a_city_without_its_extracts_is_flagged_and_unranked(without_lishui, tmp_path):
    out = tmp_path / "t.csv"
    p = run("compute", str(without_lishui), "--period", "2023Q4", "--out", str(out))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    ranked = [line for line in lines if re.match(r"^\s+\d+\s", line)]
    assert len(ranked) == 10 and not any("丽水" in line for line in ranked)
    lishui = next(line for line in lines if "丽水" in line)
    assert re.search(r"-  丽水\s+数据不足（覆盖 \d+ %）：缺少报装工单、停电事件、接入工程审批数据", lishui)
    assert lines.index(lishui) > lines.index(ranked[-1])  # after the ranked cities
    t = pl.read_csv(out)
    assert set(t.filter(pl.col("city") == "丽水")["missing_source"].drop_nulls().unique()) == {
        "报装工单", "停电事件", "接入工程审批"}


def test_a_period_after_the_data_is_refused(sample_store, tmp_path):
    p = run("compute", str(sample_store), "--period", "2027Q1", "--out", str(tmp_path / "t.csv"))
    assert p.returncode == 2 and p.stderr.strip() == "错误: 所选期间 2027Q1 超出数据范围（数据截至 2026-09-30）"


def test_a_quarter_after_the_plan_uses_the_inherited_targets_marked(sample_store, tmp_path):
    out = tmp_path / "t.csv"
    p = run("compute", str(sample_store), "--period", "2025Q2", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "目标：沿用 2023 年目标（暂定）" in p.stdout and "数据截至 2026-09-30" in p.stdout
    t = pl.read_csv(out).filter(pl.col("target").is_not_null())
    assert t.height > 0 and t["target_source"].str.starts_with("沿用 2023 年目标（暂定）：").all()


def test_a_year_to_date(sample_store, tmp_path):
    out = tmp_path / "t.csv"
    p = run("compute", str(sample_store), "--period", "2026Q3YTD", "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert pl.read_csv(out)["period"].unique().to_list() == ["2026Q3YTD"]
