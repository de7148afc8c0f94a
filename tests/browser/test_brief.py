"""The leaders' brief pages and the scorecard PDFs served by the server itself (#13): the same
rights as the Voila pages (checked before anything is drawn), plain HTML that works offline and at
phone width, selections that are the page's address, and a PDF linked instead of embedded."""
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

from .conftest import HEADER
from .test_dashboards import open_page
from .test_leader import PHONE, _fits, english_words, screenshot


def _get(url: str, user: str | None) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(quote(url, safe=":/?=&%"), headers={HEADER: user} if user else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.mark.parametrize("path, user, status, says", [
    ("/getpower/brief/city?city=杭州&period=2023Q4", "hz", 200, "杭州 · 2023Q4"),
    ("/getpower/brief/city?city=宁波&period=2023Q4", "hz", 403, "无权查看宁波的数据"),  # refused before drawing
    ("/getpower/brief/city?city=杭州&city=宁波", "hz", 403, "无权查看宁波的数据"),  # every value is checked
    ("/getpower/brief/overview", "hz", 200, "综合得分排名"),
    ("/getpower/brief/overview", "nobody", 403, "不在访问权限名单中"),
    ("/getpower/brief/overview", None, 403, "未识别身份"),  # no identity from the proxy
    ("/getpower/brief/ledger", "data", 403, "没有名为“brief/ledger”的看板页面"),
    ("/getpower/scorecard?city=宁波&period=2023Q4", "hz", 403, "无权查看宁波的数据"),
    ("/getpower/scorecard?city=../../etc/passwd&period=2023Q4", "data", 404, "没有名为“../../etc/passwd”的城市"),
    ("/getpower/scorecard?city=丽水&period=2023Q4", "data", 404, "暂无 丽水 2023Q4 评分卡 PDF"),  # none made
    ("/getpower/scorecard?city=丽水", "data", 404, "期间“”无法识别"),
    # nothing English, no traceback, whatever the address
    ("/getpower/brief/city/", "data", 404, "页面不存在"),
    ("/getpower/other", "data", 403, "没有名为“other”的看板页面"),
    ("/getpower/brief/city?period=%FF", "data", 400, "请求无法识别"),
])
def test_the_server_pages_keep_to_the_viewers_rights(voila_url, path, user, status, says):
    code, body, _ = _get(voila_url + path, user)
    assert code == status, body[:300]
    assert says in body.decode(), body[-300:]


def test_a_head_request_for_a_pdf_says_its_size(voila_url, reports_dir):
    pdf = Path(reports_dir) / "2023Q4" / "杭州.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    req = urllib.request.Request(f"{voila_url}/getpower/scorecard?city=%E6%9D%AD%E5%B7%9E&period=2023Q4",
                                 headers={HEADER: "hz"}, method="HEAD")
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200 and r.headers["Content-Length"] == str(pdf.stat().st_size) and r.read() == b""


def test_the_pdf_is_served_to_whom_may_see_the_city(voila_url, reports_dir):
    pdf = Path(reports_dir) / "2023Q4" / "杭州.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes("%PDF-1.4\n% 杭州 2023Q4\n%%EOF\n".encode())
    code, body, headers = _get(f"{voila_url}/getpower/scorecard?city=杭州&period=2023Q4", "hz")
    assert code == 200 and body == pdf.read_bytes()
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == "attachment; filename*=UTF-8''" + quote("杭州_2023Q4_评分卡.pdf")


def test_the_brief_pages_at_phone_width_offline_in_chinese(page_as, voila_url):
    page = page_as("data", viewport=PHONE)  # fails on any request to another host, any script error
    page.goto(f"{voila_url}/getpower/brief/overview?period=2023Q4")
    page.wait_for_selector("main[data-page=overview]")
    assert page.locator(".gp-ranking tbody tr").count() == 11
    assert _fits(page), "the overview scrolls sideways at 390 px"
    texts = [page.locator("body").inner_text()]
    screenshot(page, "phone-brief-overview")
    page.locator(".gp-ranking a.gp-city-link", has_text="宁波").click()  # a city opens its brief page
    page.wait_for_selector("main[data-page=city][data-city=宁波][data-period='2023Q4']")
    assert _fits(page), "the city page scrolls sideways at 390 px"
    for box in page.locator(".gp-select select").all():  # the selectors within reach
        b = box.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 391
    texts.append(page.locator("body").inner_text())
    page.locator("main img").last.scroll_into_view_if_needed()  # loaded as they come into view
    page.wait_for_function("() => [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)")
    assert _fits(page), "a picture makes the page scroll sideways at 390 px"
    screenshot(page, "phone-brief-city")
    page.locator(".gp-select select[name=city]").select_option("丽水")  # the choice is the address
    page.wait_for_selector("main[data-page=city][data-city=丽水]")
    query = parse_qs(urlparse(page.url).query)
    assert query["city"] == ["丽水"] and query["period"] == ["2023Q4"]
    found = set().union(*(english_words(t) for t in texts))
    assert not found, f"English words: {sorted(found)}"


def test_the_brief_page_links_the_interactive_one(page, voila_url):
    page.goto(f"{voila_url}/getpower/brief/city?city=宁波&period=2023Q4")
    page.locator("a.gp-interactive").click()
    page.wait_for_selector("[data-page=city][data-city=宁波][data-period='2023Q4']")
    page.wait_for_selector(".widget-dropdown select", state="attached")
    page.locator(".gp-nav a.gp-brief-link").click()  # and back
    page.wait_for_selector("main.gp-brief[data-page=city][data-city=宁波]")


def test_the_brief_overview_prints_on_one_a4_landscape_page(page, voila_url):
    import re

    page.goto(f"{voila_url}/getpower/brief/overview?period=2023Q4")
    page.wait_for_selector("main[data-page=overview]")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"{pages} pages"


def test_pictures_are_served_to_whom_may_see_them(voila_url, page):
    code, body, headers = _get(f"{voila_url}/getpower/picture/city?name=handling&city=杭州&period=2023Q4", "hz")
    assert code == 200 and headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")
    assert _get(f"{voila_url}/getpower/picture/city?name=handling&city=宁波&period=2023Q4", "hz")[0] == 403
    code, body, _ = _get(f"{voila_url}/getpower/picture/overview?name=tiles&period=1999Q1", "hz")
    assert code == 404 and "不在数据范围内" in body.decode()
    page.goto(f"{voila_url}/getpower/brief/city?city=宁波&period=2023Q4")  # loaded as they come into view
    pictures = page.locator("main img")
    assert pictures.count() == 2
    pictures.last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)")
