"""The leaders' brief pages (#13), rendered in-process from the sample store: what each viewer is
offered, the same rows and statuses as the indicator table, honest currency, links that keep to
the viewer's rights, and a page drawn once per data version and selection."""
import re
from pathlib import Path

import polars as pl
import pytest

from getpower import access, params
from getpower.present import brief
from getpower.present import dashboard as db
from getpower.status import COLOURS, STATUSES

PERIOD = "2023Q4"
EVERYONE = access.Grant("data", "数据管理", frozenset(access.PAGES), None)
HZ = access.Grant("hz", "地市", frozenset({"overview", "city", "ledger", "warnings"}), ("杭州",))
OVERVIEW_ONLY = access.Grant("o", "访客", frozenset({"overview"}), None)


@pytest.fixture(autouse=True)
def _store(sample_store, tmp_path, monkeypatch):
    monkeypatch.setenv("GETPOWER_STORE", str(sample_store))
    monkeypatch.setenv("GETPOWER_REPORTS", str(tmp_path / "reports"))
    return sample_store


def _options(page: str, name: str) -> list[str]:
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page).group(1)
    return re.findall(r'<option value="([^"]*)"', block)


def test_the_city_page_shows_every_row_of_the_citys_table_with_its_status(sample_store):
    page = brief.page_html("city", EVERYONE, {"city": "宁波", "period": PERIOD})
    rows = db.table(PERIOD).filter(pl.col("city") == "宁波")
    judged = rows.filter(pl.col("target").is_not_null())
    assert f'data-page="city" data-city="宁波" data-period="{PERIOD}"' in page
    assert f"有目标的指标（{judged.height} 项，共 {rows.height} 项）" in page
    table = page.split("有目标的指标（", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == judged.height + 1  # the header and every judged row, none left out
    shown = re.findall(r'class="gp-status-cell" style="background:([^"]+)">([^<]+)<', table)
    assert len(shown) == judged.height and {w for _, w in shown} <= set(STATUSES)
    expected = db.display_rows(db.city_rows(db.table(PERIOD), "宁波", None).filter(pl.col("target").is_not_null()))
    assert [w for _, w in shown] == expected["状态"].to_list()  # each row its own status
    assert all(COLOURS[w] == c for c, w in shown)  # one colour map
    assert "数据截至" in page and "数据版本" in page
    assert _options(page, "city") == list(params.cities()) and PERIOD in _options(page, "period")


def test_a_city_viewer_is_offered_their_city_only():
    page = brief.page_html("city", HZ, {"city": "宁波", "period": PERIOD})  # the handler refuses this; the page too
    assert 'data-city="杭州"' in page and 'data-city="宁波"' not in page
    assert _options(page, "city") == ["杭州"]
    overview = brief.page_html("overview", HZ, {"period": PERIOD})
    linked = set(re.findall(r'class="gp-city-link" href="city\?city=([^&"]+)', overview))
    assert linked == {"%E6%9D%AD%E5%B7%9E"}  # 杭州 alone is a link
    assert "数据上传" not in overview  # a page the viewer may not open is not offered


def test_links_go_to_the_brief_pages_and_the_interactive_ones_by_their_paths():
    overview = brief.page_html("overview", EVERYONE, {"period": PERIOD})
    assert 'href="city?city=%E5%AE%81%E6%B3%A2&amp;period=2023Q4"' in overview  # the ranking: the brief city page
    assert 'href="../../voila/render/city.ipynb?city=' in overview  # the heat map's cells: their records
    assert 'href="../../voila/render/intake.ipynb"' in overview
    assert 'data-nav="brief-overview" class="gp-here"' in overview
    only = brief.page_html("overview", OVERVIEW_ONLY, {"period": PERIOD})
    assert 'class="gp-city-link"' not in only and 'data-nav="brief-city"' not in only


def test_the_scorecard_pdf_is_linked_once_it_exists(tmp_path):
    first = brief.page_html("city", EVERYONE, {"city": "宁波", "period": PERIOD})
    assert "暂无 2023Q4 评分卡 PDF" in first
    pdf = tmp_path / "reports" / PERIOD / "宁波.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page = brief.page_html("city", EVERYONE, {"city": "宁波", "period": PERIOD})  # no restart, no new version
    assert 'class="gp-pdf" download="宁波_2023Q4_评分卡.pdf" href="../scorecard?city=%E5%AE%81%E6%B3%A2&period=2023Q4"' in page
    assert "base64" not in page.split('class="gp-pdf"', 1)[1][:200]  # linked, not embedded


def test_a_page_is_drawn_once_per_version_and_selection():
    a = brief.page_html("city", EVERYONE, {"city": "宁波", "period": PERIOD})
    b = brief.page_html("city", EVERYONE, {"period": PERIOD, "city": "宁波", "unknown": "x"})
    assert a is b  # from memory
    key = brief.cache_key("city", EVERYONE, {"city": "宁波", "period": PERIOD})
    assert key[2] == db.data_version()[1]  # the store's current version is part of the key


@pytest.mark.parametrize("query, expected", [
    ({"city": "宁波", "period": "1999Q1"}, ("宁波", "latest")),
    ({"city": "<script>", "period": PERIOD}, (params.cities()[0], PERIOD)),
    ({}, (params.cities()[0], "latest")),
])
def test_the_query_is_validated(query, expected):
    sel = brief.selection("city", EVERYONE, query)
    assert (sel.city, sel.period) == (expected[0], db.valid_period(None) if expected[1] == "latest" else expected[1])


def test_an_empty_store_or_unknown_page_is_said(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="简报页面"):
        brief.selection("ledger", EVERYONE, {})
    monkeypatch.setenv("GETPOWER_STORE", str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="数据仓库为空"):
        brief.cache_key("overview", EVERYONE, {})


def test_a_change_of_targets_shows_on_the_next_visit(tmp_path, monkeypatch):
    """The server lives for the whole run: the params it read at start must not outlive an edit
    (nor reach a table cached under the new params version)."""
    import shutil

    from getpower.targets import targets_for

    folder = tmp_path / "params"
    shutil.copytree(params.params_dir(), folder)
    monkeypatch.setenv("GETPOWER_PARAMS", str(folder))
    card = 'data-indicator="process_days_mean"><div class="gp-card-title">全过程办电时间（平均） · 居民</div>'

    def target_shown():
        page = brief.page_html("city", EVERYONE, {"city": "宁波", "period": "2022Q2"})
        return re.search(r"目标 ([\d.]+)", page.split(card, 1)[1]).group(1)

    assert target_shown() == "7.00"
    f = folder / "targets" / "2022.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "segment: 居民, unit: calendar_days, value: 7,", "segment: 居民, unit: calendar_days, value: 3,"), encoding="utf-8")
    assert target_shown() == "3.00"
    assert any(t.value == 3 for t in targets_for(2022) if t.segment == "居民" and t.indicator == "process_days_mean")
    fresh = db.table("2022Q2").filter((pl.col("city") == "宁波") & (pl.col("indicator") == "process_days_mean")
                                     & (pl.col("segment") == "居民") & (pl.col("unit") == "calendar_days"))
    assert fresh["target"].to_list() == [3.0]  # computed under the new params, not cached with the old


def test_the_latest_change_report_shows_on_the_next_visit(sample_store, tmp_path, monkeypatch):
    import shutil

    from getpower import changes

    store = tmp_path / "store"
    shutil.copytree(sample_store, store, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("GETPOWER_STORE", str(store))
    assert "最近更新" not in brief.page_html("overview", EVERYONE, {"period": PERIOD})
    changes.write(store, changes.compare(store))  # written after its version was published (getpower watch)
    assert "最近更新" in brief.page_html("overview", EVERYONE, {"period": PERIOD})


def test_pictures_are_loaded_lazily_from_the_server_and_are_the_pages_own():
    page = brief.page_html("city", EVERYONE, {"city": "宁波", "period": PERIOD})
    assert "data:image/png" not in page  # not carried in the page
    srcs = re.findall(r'<img alt="[^"]*" loading="lazy" decoding="async" width="\d+" height="\d+" [^>]*src="([^"]+)"', page)
    assert len(srcs) == 2 and all(s.startswith("../picture/city?name=") for s in srcs)
    import base64

    drawn = db.city_pictures("宁波", PERIOD)["handling"]
    assert brief.picture_png("city", "handling", "宁波", PERIOD) == base64.b64decode(drawn.split("base64,", 1)[1].rstrip('">'))


@pytest.mark.parametrize("args, message", [
    (("city", "handling", "宁波", "1999Q1"), "期间“1999Q1”不在数据范围内"),
    (("city", "handling", "../etc", PERIOD), "没有名为“../etc”的城市"),
    (("city", "secret", "宁波", PERIOD), "没有名为“secret”的图片"),
])
def test_a_picture_that_is_not_there_is_said(args, message):
    with pytest.raises(LookupError, match=message):
        brief.picture_png(*args)
