"""The four dashboards in a real browser: they load offline, widgets appear, selections change the
content, URL parameters are honoured, uploads are validated, downloads work, nothing is written
before the user confirms."""
import json
from pathlib import Path

from getpower.intake.validate import sha256_file
from getpower.store import Store


def assert_no_error_output(page):
    content = page.content()
    assert "Traceback" not in content and "There was an error when executing cell" not in content
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0


def open_page(page, url, marker):
    page.goto(url)
    page.wait_for_selector(marker)
    page.wait_for_selector(".widget-dropdown select, .widget-upload", state="attached")
    assert_no_error_output(page)


def select(page, label, value):
    page.locator(".widget-dropdown", has_text=label).locator("select").select_option(value)


def test_overview(page, voila_url):
    open_page(page, f"{voila_url}/voila/render/overview.ipynb", "[data-page=overview]")
    assert page.locator(".gp-table").first.locator("tbody tr").count() == 11
    assert "数据截至 " in page.locator(".gp-currency").inner_text()
    assert page.locator("img[alt=地市分布]").count() == 1 and page.locator(".gp-heat td a").count() > 0
    before = page.locator("img[alt=全省趋势]").get_attribute("src")
    options = page.locator(".widget-dropdown select").first.locator("option").all_inner_texts()
    select(page, "期间", options[-3])
    page.wait_for_function("s => document.querySelector('img[alt=全省趋势]').src !== s", arg=before)
    assert_no_error_output(page)
    # fonts and icons are served locally (the template's Font Awesome, no CDN)
    assert "cdn.jsdelivr" not in page.content()


def test_city_url_parameters_and_selection(page, voila_url):
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=宁波&period=2023Q3", "[data-page=city]")
    title = page.locator("[data-page=city]")
    assert (title.get_attribute("data-city"), title.get_attribute("data-period")) == ("宁波", "2023Q3")
    assert page.locator(".gp-card").count() >= 8
    assert "数据截至 " in page.locator(".gp-currency").inner_text() and page.locator(".gp-status").count() == 1
    cards_before = page.locator(".gp-cards").inner_text()
    select(page, "城市", "丽水")
    page.wait_for_selector("[data-page=city][data-city=丽水]")
    assert page.locator(".gp-cards").inner_text() != cards_before
    assert page.locator("input[type=search]").count() >= 1  # the drill-down grid searches and pages
    assert_no_error_output(page)


def test_city_download(page, voila_url):
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=杭州&period=2023Q4", "[data-page=city][data-city=杭州]")
    with page.expect_download() as dl:
        page.locator("a.gp-download", has_text="CSV").click()
    lines = open(dl.value.path(), encoding="utf-8-sig").read().splitlines()
    # the title and the context above the header, then a blank line (getpower.exports)
    assert lines[0] == "获得电力 杭州 · 2023Q4 · 指标明细" and lines[1].startswith("期间：2023Q4（2023-10-01 至 2023-12-31）")
    assert lines[2].startswith("数据截至 ") and "数据版本 v" in lines[2] and any(x.startswith("目标来源：") for x in lines)
    header = lines[lines.index("") + 1]
    assert header.startswith("指标,分项,单位,数值") and "全过程办电时间" in "\n".join(lines)
    assert ",状态,达标依据," in header and header.endswith(",数据截至,数据版本")
    assert any(",%," in x and x.split(",")[3].endswith("%") for x in lines)  # ratios as percentages
    with page.expect_download() as dl:
        page.locator("a.gp-download", has_text="Excel").click()
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active  # the path has no suffix
    assert ws["A1"].value == "获得电力 杭州 · 2023Q4 · 指标明细" and ws["A2"].value.startswith("期间：")


def test_ledger(page, voila_url):
    """The 66 tasks once each, with the unit the seed makes responsible; progress across units."""
    from getpower import params

    open_page(page, f"{voila_url}/voila/render/ledger.ipynb", "[data-page=ledger]")
    rows = page.locator(".gp-ledger tbody tr")
    assert rows.count() == 66
    assert [int(x) for x in rows.locator("td:nth-child(1)").all_inner_texts()] == list(range(1, 67))
    seed = {t["item_no"]: t["unit"] for t in params.load("ledger.yaml")["tasks"]}
    shown = rows.locator("td:nth-child(4)").all_inner_texts()
    assert shown[0] == seed[1] == "各地电力主管部门" and shown[4] == seed[5] == "各供电企业"
    assert shown[50] == "（原文空缺）" and not seed[51]  # row 51 is empty in the seed, and said so
    assert page.locator(".gp-ledger tr.gp-overdue").count() > 0
    assert "共 12 个单位" in rows.first.inner_text()
    assert "数据截至 " in page.locator(".gp-currency").inner_text()
    select(page, "单位", "杭州")
    page.wait_for_selector(".gp-ledger[data-units=杭州]")
    assert page.locator(".gp-ledger tbody tr").count() == 66
    assert_no_error_output(page)


def test_intake_validates_then_ingests_on_confirmation(page, voila_url, sample_store, tmp_path):
    good = tmp_path / "applications.csv"
    good.write_text("工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元),户名\n"
                    "UP1,杭州,居民,8,220V,网上国网,0,张三\nUP2,上海,居民,8,220V,网上国网,0,李四\n", encoding="utf-8")
    bad = tmp_path / "stages.csv"
    bad.write_text("工单编号,开始\nUP1,2023-01-01\n", encoding="utf-8")
    before = json.dumps(Store(sample_store).manifest(), sort_keys=True)
    open_page(page, f"{voila_url}/voila/render/intake.ipynb", "[data-page=intake]")
    def upload(path):
        with page.expect_file_chooser() as chooser:
            page.locator(".widget-upload").click()
        chooser.value.set_files(str(path))

    upload(bad)
    page.wait_for_selector(".gp-error")
    # the kernel's message, not the upload's progress line (gone within half a second)
    assert "缺少必填列" in page.locator(".gp-upload-message .gp-message").inner_text()
    upload(good)
    page.wait_for_selector(".gp-counts")
    assert "读取 2 行 = 接收 1 行 + 隔离 1 行" in page.locator(".gp-counts").inner_text()
    assert "户名" in page.locator(".gp-file").inner_text()  # reported as dropped
    assert json.dumps(Store(sample_store).manifest(), sort_keys=True) == before  # nothing written yet
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector(".gp-ok")
    assert "已写入数据仓库" in page.locator(".gp-ok").inner_text()
    assert "UP1" in Store(sample_store).read("applications")["app_id"].to_list()
    # the import is attributed to the user the proxy named, in the manifest and the upload's report
    manifest = Store(sample_store).manifest()
    stored = manifest["files"][sha256_file(good)]
    assert manifest["by"] == "data" and stored["by"] == "data"
    report = json.loads((Path(sample_store) / "uploads" / stored["upload"] / "report.json").read_text("utf-8"))
    assert (report["by"], report["version"]) == ("data", manifest["name"])
    assert [f["sha256"] for f in report["files"]] == [sha256_file(good)]
    assert_no_error_output(page)
