"""The overview's linked heat map (#15 item 3): the scorecard picture's cells, each in its status's
colour, a link to the city page with the cell's record list (when it has one) for the cities the
viewer may open. A literal table of two rows with targets, values by hand."""
import re

import polars as pl
import pytest

from getpower import params
from getpower.access import Grant
from getpower.present import heat_view as hv
from getpower.status import COLOURS

CITIES = params.cities()
# (city, indicator, segment, unit, value, n, target, met, met_by)
ROWS = [
    ("杭州", "outage_hours", "市区", "hours", 2.5, 40, 3.0, True, "目标值"),
    ("宁波", "outage_hours", "市区", "hours", 3.5, 35, 3.0, False, "—"),
    ("温州", "outage_hours", "市区", "hours", None, 0, 3.0, None, None),  # no event: 无数据, nothing to list
    ("杭州", "outage_hours", "全口径", "hours", 4.0, 90, None, None, None),   # no target: not in the map
    ("全省", "outage_hours", "市区", "hours", 3.0, 75, 3.0, True, "目标值"),  # the province: not a column
    ("杭州", "lv_access_rate", "全部", "ratio", 0.981, 52, 0.98, True, "目标值"),
]
TABLE = pl.DataFrame(ROWS, schema=["city", "indicator", "segment", "unit", "value", "n", "target", "met", "met_by"],
                     orient="row")
HZ = Grant("hz", "地市", frozenset({"overview", "city"}), ("杭州",))
NO_CITY_PAGE = Grant("x", "看板", frozenset({"overview"}), None)


def test_frame_has_every_row_with_a_target_times_every_city():
    f = hv.heat_frame(TABLE)
    assert f.height == 2 * len(CITIES)
    assert f["label"].unique(maintain_order=True).to_list() == ["用户平均停电时间·市区", "160千瓦及以下低压接入率·全部"]
    got = {(r["city"], r["indicator"]): (r["status"], r["n"]) for r in f.iter_rows(named=True)}
    assert got[("杭州", "outage_hours")] == ("达标", 40)
    assert got[("宁波", "outage_hours")] == ("未达标", 35)
    assert got[("温州", "outage_hours")] == ("无数据", 0)
    assert got[("丽水", "outage_hours")] == ("无数据", 0)  # no row at all: 无数据, not blank
    assert got[("杭州", "lv_access_rate")] == ("达标", 52)


def _cells(page_html: str) -> dict:
    """(city, key) → (background, href or None, text)."""
    out = {}
    for m in re.finditer(r'<td style="background:(#\w+)" data-city="([^"]+)" data-key="([^"]+)" '
                         r'data-status="[^"]+">(?:<a href="([^"]+)"[^>]*>|<span[^>]*>)([^<]*)<', page_html):
        colour, city, key, href, text = m.groups()
        out[(city, key)] = (colour, href.replace("&amp;", "&") if href else None, text)
    return out


CASES = [  # grant, city, key → (colour, href, text)
    (None, "杭州", "outage_hours|市区|hours",
     (COLOURS["达标"], "city.ipynb?city=%E6%9D%AD%E5%B7%9E&period=2023Q4&indicator=outage_hours"
                      "&segment=%E5%B8%82%E5%8C%BA&unit=hours", "2.50")),
    (None, "宁波", "outage_hours|市区|hours",
     (COLOURS["未达标"], "city.ipynb?city=%E5%AE%81%E6%B3%A2&period=2023Q4&indicator=outage_hours"
                        "&segment=%E5%B8%82%E5%8C%BA&unit=hours", "3.50")),
    # n = 0: the city page, no list to open
    (None, "温州", "outage_hours|市区|hours", (COLOURS["无数据"], "city.ipynb?city=%E6%B8%A9%E5%B7%9E&period=2023Q4", "—")),
    (None, "杭州", "lv_access_rate|全部|ratio",
     (COLOURS["达标"], "city.ipynb?city=%E6%9D%AD%E5%B7%9E&period=2023Q4&indicator=lv_access_rate"
                      "&segment=%E5%85%A8%E9%83%A8&unit=ratio", "98.1%")),
    # a 杭州 viewer: only 杭州's cells are links
    (HZ, "杭州", "outage_hours|市区|hours",
     (COLOURS["达标"], "city.ipynb?city=%E6%9D%AD%E5%B7%9E&period=2023Q4&indicator=outage_hours"
                      "&segment=%E5%B8%82%E5%8C%BA&unit=hours", "2.50")),
    (HZ, "宁波", "outage_hours|市区|hours", (COLOURS["未达标"], None, "3.50")),
    (NO_CITY_PAGE, "杭州", "outage_hours|市区|hours", (COLOURS["达标"], None, "2.50")),
]


@pytest.mark.parametrize("grant, city, key, expected", CASES)
def test_cells_are_links_in_their_status_colour(grant, city, key, expected):
    cells = _cells(hv.heat_html(TABLE, "2023Q4", grant))
    assert len(cells) == 2 * len(CITIES)
    assert cells[(city, key)] == expected


def test_page_text_is_chinese_with_its_period_and_legend():
    page = hv.heat_html(TABLE, "2023Q4")
    assert 'class="gp-heat" data-period="2023Q4"' in page and hv.TITLE in page
    legend = re.search(r'<p class="gp-heat-legend">(.*?)</p>', page).group(1)
    assert re.findall(r">([^<]+)</span>", legend) == ["达标", "未达标", "无数据"]  # the statuses shown, in order
