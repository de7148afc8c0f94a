"""The 预警督办 page in the real browser (#15): it lists the same applications as the library (and
the `getpower warnings` workbook), its filters change the list, the URL is honoured, downloads
work, a city viewer sees their own city only."""
import datetime as dt

import fastexcel
import polars as pl

from getpower.escalation import filtered
from getpower.inflight import inflight
from getpower.table import load_frames

from .test_dashboards import assert_no_error_output, open_page, select

URL = "/voila/render/warnings.ipynb"


def shown(page) -> int:
    return int(page.locator("[data-page=warnings]").get_attribute("data-rows"))


def test_lists_the_same_applications_and_filters(page, voila_url, sample_store):
    open_page(page, f"{voila_url}{URL}?as_of=2023-12-31&city=宁波", "[data-page=warnings][data-as-of='2023-12-31']")
    title = page.locator("[data-page=warnings]")
    assert title.get_attribute("data-city") == "宁波"
    assert "数据截至 2026-09-30 · 数据版本 " in page.locator(".gp-currency").inner_text()
    items = inflight(load_frames(sample_store), dt.date(2023, 12, 31)).filter(pl.col("city") == "宁波")
    want = filtered(items)  # 超期和临期
    assert shown(page) == want.height > 0
    # the grid holds the same ids (its search box narrows to one of them)
    page.locator("input[type=search]").first.fill(want["id"][0])
    page.wait_for_function("() => document.querySelectorAll('table.dataTable tbody tr').length === 1")
    assert want["id"][0] in page.locator("table.dataTable tbody").inner_text()
    # the counts table: 宁波 and the province's row
    assert page.locator(".gp-warning-counts tbody tr").count() == 2

    select(page, "状态", "全部在途")
    page.wait_for_selector("[data-page=warnings][data-status=全部在途]")
    assert shown(page) == items.height
    select(page, "类型", "接入工程审批")
    page.wait_for_function("n => document.querySelector('[data-page=warnings]').dataset.rows != n", arg=str(items.height))
    assert shown(page) == filtered(items, "全部在途", "接入工程审批").height
    select(page, "城市", "全部地市")
    page.wait_for_selector("[data-page=warnings][data-city=全部]")
    assert page.locator(".gp-warning-counts tbody tr").count() == 12  # 11 cities and the province
    assert_no_error_output(page)


def test_date_choice_and_downloads(page, voila_url):
    open_page(page, f"{voila_url}{URL}?city=杭州", "[data-page=warnings][data-city=杭州]")
    # without a date in the URL: the data's date
    assert page.locator("[data-page=warnings]").get_attribute("data-as-of") == "2026-09-30"
    select(page, "预警日期", "2023-12-31")
    page.wait_for_selector("[data-page=warnings][data-as-of='2023-12-31']")
    with page.expect_download() as dl:
        page.locator("a.gp-download", has_text="CSV").click()
    head = open(dl.value.path(), encoding="utf-8-sig").read().splitlines()[0]
    assert head.startswith("序号,预警,类型,地市") and "责任方" in head
    with page.expect_download() as dl:
        page.locator("a.gp-workbook").click()
    r = fastexcel.read_excel(dl.value.path())
    assert r.sheet_names == ["汇总", "杭州"]
    assert_no_error_output(page)


def test_city_viewer_sees_their_city_only(page_as, voila_url):
    page = page_as("hz")
    open_page(page, f"{voila_url}{URL}", "[data-page=warnings][data-city=杭州]")
    assert page.locator(".widget-dropdown", has_text="城市").locator("option").all_inner_texts() == ["杭州"]
    assert page.goto(f"{voila_url}{URL}?city=宁波").status == 403


def test_city_page_backlog_trend(page, voila_url):
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=宁波&period=2023Q4", "[data-page=city][data-city=宁波]")
    page.wait_for_selector(".gp-backlog img[alt=在途工单趋势]")
    assert page.locator(".gp-backlog").get_attribute("data-last") == "2026-09-30"
    before = page.locator(".gp-backlog img").get_attribute("src")
    select(page, "城市", "丽水")
    page.wait_for_function("s => document.querySelector('.gp-backlog img').src !== s", arg=before)
    assert_no_error_output(page)


def test_timeline_of_one_application(page, voila_url, sample_store):
    items = inflight(load_frames(sample_store), dt.date(2023, 12, 31))
    nb = filtered(items.filter((pl.col("city") == "宁波") & (pl.col("kind") == "报装工单")), "全部在途")["id"]
    open_page(page, f"{voila_url}{URL}?city=宁波&as_of=2023-12-31&app={nb[0]}", f"[data-page=warnings][data-city=宁波]")
    page.wait_for_selector(f".gp-timeline[data-app='{nb[0]}'] img[alt=工单时间线]")
    assert "申请受理" in page.locator(".gp-timeline table").inner_text()
    select(page, "状态", "全部在途")
    page.wait_for_selector("[data-page=warnings][data-status=全部在途]")
    select(page, "时间线", nb[1])  # another application of the list
    page.wait_for_selector(f".gp-timeline[data-app='{nb[1]}'] img[alt=工单时间线]")
    assert_no_error_output(page)


def test_timeline_of_another_city_is_refused(page_as, voila_url, sample_store):
    items = inflight(load_frames(sample_store), dt.date(2023, 12, 31))
    other = items.filter((pl.col("city") == "宁波") & (pl.col("kind") == "报装工单"))["id"][0]
    page = page_as("hz")
    open_page(page, f"{voila_url}{URL}?as_of=2023-12-31&app={other}", "[data-page=warnings][data-city=杭州]")
    page.wait_for_selector(".gp-timeline.gp-refused")
    assert page.locator("img[alt=工单时间线]").count() == 0


def test_city_page_list_to_timeline(page, voila_url, sample_store):
    """From an application of the city page's drill-down list to its timeline: an application the
    integrity list holds shows the flags it was listed for."""
    from getpower.drilldown import cached_lists

    flagged = cached_lists(sample_store, "2023Q4")["integrity_flags"].filter(pl.col("city") == "宁波").row(0, named=True)
    want = [label for key, label in (("backfill", "后补流程"), ("burst", "集中录入"), ("repeated", "重走流程"),
                                     ("pre_acceptance", "体外循环")) if flagged[key]]
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=宁波&period=2023Q4", "[data-page=city][data-city=宁波]")
    select(page, "明细", "流程完整性异常工单")
    page.wait_for_function("id => [...document.querySelectorAll('.widget-dropdown select option')]"
                           ".some(o => o.textContent === id)", arg=flagged["app_id"])
    select(page, "时间线", flagged["app_id"])
    tl = page.locator(f".gp-timeline[data-app='{flagged['app_id']}']")
    tl.locator("img[alt=工单时间线]").wait_for()
    assert tl.get_attribute("data-flags") == "、".join(want) != ""
    assert_no_error_output(page)


def test_city_page_cell_to_records_to_timeline(page, voila_url, sample_store):
    """Drill-through: an indicator cell → the records behind it (as many as its n) → one
    application's timeline."""
    from getpower.present import drill_view as dv
    from getpower.table import cached_compute

    table = cached_compute(sample_store, "2023Q4")
    label, key = next(o for o in dv.cell_options(table, "宁波") if o[1] == "within_limit_rate|低压非居民|ratio")
    n = table.filter((pl.col("city") == "宁波") & (pl.col("indicator") == "within_limit_rate")
                     & (pl.col("segment") == "低压非居民"))["n"].item()
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=宁波&period=2023Q4", "[data-page=city][data-city=宁波]")
    select(page, "穿透", label)
    page.wait_for_selector(f".gp-drill[data-key='{key}']")
    assert int(page.locator(".gp-drill").get_attribute("data-rows")) == n > 0
    first = dv.application_ids(dv.cell_records(sample_store, "2023Q4", key, "宁波"))[0]
    page.wait_for_function("id => [...document.querySelectorAll('.widget-dropdown select option')]"
                           ".some(o => o.textContent === id)", arg=first)
    select(page, "时间线", first)
    page.locator(f".gp-timeline[data-app='{first}'] img[alt=工单时间线]").wait_for()
    assert_no_error_output(page)


def test_overview_heat_cell_opens_its_records(page, voila_url, sample_store):
    """Drill-through from the overview: a heat-map cell → the city page on that period with the
    cell's records open (an outage cell: the events it sums, as many as its n)."""
    from getpower.table import cached_compute

    key = "outage_hours|市区|hours"
    n = cached_compute(sample_store, "2023Q4").filter(
        (pl.col("city") == "宁波") & (pl.col("indicator") == "outage_hours") & (pl.col("segment") == "市区"))["n"].item()
    open_page(page, f"{voila_url}/voila/render/overview.ipynb?period=2023Q4", "[data-page=overview]")
    page.wait_for_selector(".gp-heat[data-period='2023Q4']")
    page.locator(f".gp-heat td[data-city=宁波][data-key='{key}'] a").click()
    page.wait_for_selector("[data-page=city][data-city=宁波][data-period='2023Q4']")
    page.wait_for_selector(f".gp-drill[data-key='{key}']")
    assert int(page.locator(".gp-drill").get_attribute("data-rows")) == n > 0
    # the address names the cell: shared, it opens the same records
    assert "indicator=outage_hours" in page.locator(".gp-nav").get_attribute("data-query")
    page.wait_for_function("() => location.search.includes('indicator=outage_hours')")
    # closed again, the address no longer names it
    select(page, "穿透", "（选择指标单元格）")
    page.wait_for_function("() => !location.search.includes('indicator=') && location.search.includes('city=')")
    # the grid shows the events (their columns in Chinese)
    page.wait_for_function("() => [...document.querySelectorAll('table.dataTable th')]"
                           ".some(th => th.textContent.trim() === '停电事件编号')")
    assert_no_error_output(page)


def test_overview_heat_links_only_to_the_viewers_cities(page_as, voila_url):
    page = page_as("hz")
    open_page(page, f"{voila_url}/voila/render/overview.ipynb?period=2023Q4", "[data-page=overview]")
    page.wait_for_selector(".gp-heat[data-period='2023Q4']")
    assert page.locator(".gp-heat td[data-city=杭州] a").count() > 0
    assert page.locator(".gp-heat td[data-city=宁波] a").count() == 0
    assert page.locator(".gp-heat td[data-city=宁波]").count() > 0  # shown, not linked
