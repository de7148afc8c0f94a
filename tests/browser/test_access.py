"""Who may see and change what, by any URL, in the real browser: one user of each role of
``conftest.ACCESS`` (a provincial supervisor, a 杭州 viewer, a data manager), an unknown user and
no identity at all. Refusals are 403 with one Chinese line on the page, before any kernel starts,
and each is recorded in the refused-access log."""
import csv
import json
import re
import urllib.error
import urllib.request

import pytest

from getpower.serve import refused_log_path

from .conftest import HEADER
from .test_dashboards import assert_no_error_output, open_page, select


def refused(page, url, message):
    """Open ``url``: 403 and ``message`` on the page, and no widget (no kernel was started)."""
    response = page.goto(url)
    assert response.status == 403
    assert message in page.locator(".gp-refused-message").inner_text()
    assert page.locator(".jupyter-widgets").count() == 0


def refused_log(store) -> list[dict]:
    path = refused_log_path(store)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("user, message", [
    (None, "未识别身份：请求没有 X-Forwarded-User"),
    ("stranger", "未授权：用户“stranger”不在访问权限名单中"),
])
def test_no_identity_or_unknown_user_gets_nothing(page_as, voila_url, user, message):
    page = page_as(user)
    for name in ("overview", "city", "ledger", "intake"):
        refused(page, f"{voila_url}/voila/render/{name}.ipynb", message)
    # nor the tree of dashboards nor the kernel API
    assert page.goto(f"{voila_url}/").status == 403


def test_province_supervisor_sees_every_city_but_cannot_import(page_as, voila_url, sample_store):
    page = page_as("sheng")
    open_page(page, f"{voila_url}/voila/render/city.ipynb?city=宁波&period=2023Q4", "[data-page=city][data-city=宁波]")
    assert len(page.locator(".widget-dropdown", has_text="城市").locator("option").all_inner_texts()) == 11
    refused(page, f"{voila_url}/voila/render/intake.ipynb", "无权打开“数据上传”页面（角色：省级）")
    assert any(e["user"] == "sheng" and e["path"].endswith("intake.ipynb") for e in refused_log(sample_store))


def test_city_viewer_sees_the_ranking_and_only_their_own_city(page_as, voila_url, sample_store):
    # a header the client makes up for itself is dropped: the grant comes from the access file
    page = page_as("hz", **{"X-Getpower-Cities": "*", "X-Getpower-Pages": "intake"})
    open_page(page, f"{voila_url}/voila/render/overview.ipynb", "[data-page=overview]")
    assert page.locator(".gp-table").first.locator("tbody tr").count() == 11  # the whole ranking
    # the city page opens on their city, whatever the URL leaves out, and offers no other
    open_page(page, f"{voila_url}/voila/render/city.ipynb?period=2023Q4", "[data-page=city][data-city=杭州]")
    assert page.locator(".widget-dropdown", has_text="城市").locator("option").all_inner_texts() == ["杭州"]
    select(page, "明细", "零投资违规工单")  # a customer-level list: 杭州's rows only
    page.wait_for_function("() => document.querySelector('a.gp-download').download.includes('零投资违规工单')")
    with page.expect_download() as dl:
        page.locator("a.gp-download", has_text="CSV").click()
    lines = open(dl.value.path(), encoding="utf-8-sig").read().splitlines()
    rows = list(csv.DictReader(lines[lines.index("") + 1:]))  # below the title and its context
    assert rows and {r["地市"] for r in rows} == {"杭州"} and "工单编号" in rows[0]  # columns in Chinese
    assert_no_error_output(page)
    # editing ?city= in the URL, alone or repeated, is refused before any kernel starts
    for query in ("city=宁波", "city=宁波&period=2023Q4", "city=杭州&city=宁波", "city=%E5%AE%81%E6%B3%A2"):
        refused(page, f"{voila_url}/voila/render/city.ipynb?{query}", "无权查看宁波的数据（可查看：杭州）")
    refused(page, f"{voila_url}/voila/render/intake.ipynb", "无权打开“数据上传”页面（角色：地市）")
    # the ledger lists 杭州's tasks only
    open_page(page, f"{voila_url}/voila/render/ledger.ipynb", "[data-page=ledger]")
    assert page.locator(".gp-ledger").get_attribute("data-units") == "杭州"
    log = [e for e in refused_log(sample_store) if e["user"] == "hz"]
    assert {e["reason"] for e in log} >= {"无权查看宁波的数据（可查看：杭州）", "无权打开“数据上传”页面（角色：地市）"}


def _kernel_id(html: str) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', html).group(1)


def _status(url: str, user: str, **headers) -> int:
    req = urllib.request.Request(url, headers={HEADER: user, **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_viewer_cannot_use_the_data_managers_intake_kernel(page_as, voila_url):
    """The intake kernel a data manager's page started answers only to them: its WebSocket and
    the kernel API refuse the 杭州 viewer and the provincial supervisor alike."""
    page = page_as("data")
    open_page(page, f"{voila_url}/voila/render/intake.ipynb", "[data-page=intake]")
    kernel = _kernel_id(page.content())
    websocket = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    channels = f"{voila_url}/api/kernels/{kernel}/channels"
    for user in ("hz", "sheng"):
        assert _status(channels, user, **websocket) == 403
        assert _status(f"{voila_url}/api/kernels/{kernel}", user) == 403
    assert _status(f"{voila_url}/api/kernels/{kernel}", "data") == 200  # the check can say yes


def test_a_closed_tab_stops_its_kernel(page_as, voila_url):
    """The page's beforeunload beacon shuts its kernel down (it carries the _xsrf cookie the
    page request set); a kernel of a closed tab no longer waits to be culled."""
    import time

    page = page_as("data")
    open_page(page, f"{voila_url}/voila/render/ledger.ipynb", "[data-page=ledger]")
    kernel = _kernel_id(page.content())
    assert _status(f"{voila_url}/api/kernels/{kernel}", "data") == 200
    page.close(run_before_unload=True)
    deadline = time.time() + 15
    while _status(f"{voila_url}/api/kernels/{kernel}", "data") != 404 and time.time() < deadline:
        time.sleep(0.5)
    assert _status(f"{voila_url}/api/kernels/{kernel}", "data") == 404
