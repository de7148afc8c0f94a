"""The access file (params/access.yaml): every problem reported at once, one line each; and the
decisions: which page, which city, for which grant."""
import textwrap

import pytest

from getpower import access
from getpower.access import AccessError, Grant

CITIES = ("杭州", "宁波", "温州")
ROLES = """\
roles:
  省级: {pages: [overview, city, ledger], cities: 全部}
  地市: {pages: [overview, city, ledger], cities: 本市}
  数据管理: {pages: [overview, city, ledger, intake], cities: 全部}
"""


def load_text(tmp_path, text: str) -> access.Access:
    path = tmp_path / "access.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return access.load(path, cities=CITIES)


def problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(AccessError) as exc:
        load_text(tmp_path, text)
    prefix = f"{tmp_path / 'access.yaml'}: "
    assert all(p.startswith(prefix) for p in exc.value.problems)
    return [p[len(prefix):] for p in exc.value.problems]


def test_the_shipped_file_is_valid_and_lists_nobody():
    acc = access.load()
    assert acc.grants == {}


def test_users_and_groups_get_their_role_pages_and_cities(tmp_path):
    acc = load_text(tmp_path, ROLES + """\
users:
  sheng: {role: 省级}
  data: {role: 数据管理}
  张三: {role: 地市, cities: [宁波, 宁波]}
groups:
  杭州供电: {role: 地市, cities: [杭州, 温州], members: [hz1, hz2]}
""")
    assert acc.grant("sheng") == Grant("sheng", "省级", frozenset({"overview", "city", "ledger"}), None)
    assert acc.grant("data").may_import and not acc.grant("sheng").may_import
    assert acc.grant("张三").cities == ("宁波",)
    assert acc.grant("hz2") == Grant("hz2", "地市", frozenset({"overview", "city", "ledger"}), ("杭州", "温州"))
    assert acc.grant("HZ1") is None and acc.grant("") is None and acc.grant(None) is None  # names are exact


@pytest.mark.parametrize("text, expected", [
    ("- a\n- b\n", ["文件应为 roles / users / groups 三节的映射"]),
    ("users: {}\n", ["缺少 roles：须定义每个角色可打开的页面（pages）和城市范围（cities）"]),
    (ROLES + "user: {}\n", ["未知的节“user”（只允许 roles、users、groups）"]),
    (ROLES + "users:\n  a: {role: 管理员}\n", ["users 的“a”：未知的角色“管理员”（可用：省级、地市、数据管理）"]),
    (ROLES + "users:\n  a: {cities: [杭州]}\n", ["users 的“a”：缺少 role"]),
    (ROLES + "users:\n  a: {role: 地市}\n", ["users 的“a”：角色“地市”只看本市，须在 cities 列出城市"]),
    (ROLES + "users:\n  a: {role: 地市, cities: []}\n", ["users 的“a”：角色“地市”只看本市，须在 cities 列出城市"]),
    (ROLES + "users:\n  a: {role: 地市, cities: [上海, 杭州]}\n",
     ["users 的“a”：未知的城市 上海（可用：杭州、宁波、温州）"]),
    (ROLES + "users:\n  a: {role: 省级, cities: [杭州]}\n", ["users 的“a”：角色“省级”可看全部城市，不应列出 cities"]),
    (ROLES + "users:\n  a: {role: 省级, city: 杭州}\n", ["users 的“a”：未知的键“city”（只允许 role、cities）"]),
    (ROLES + "users:\n  a: 省级\n", ["users 的“a”：应为 {role: 角色, …}"]),
    (ROLES + "users:\n  ' a': {role: 省级}\n", ["users 的“ a”：用户名“ a”不能含首尾空格或逗号"]),
    (ROLES + "users: [a, b]\n", ["users 应为“用户名: {role: 角色, cities: [城市]}”的映射"]),
    (ROLES + "users:\n  a: {role: 省级}\n  a: {role: 数据管理}\n", ["第 7 行：“a”重复出现"]),
    (ROLES + "users:\n  a: {role: 省级}\ngroups:\n  g: {role: 地市, cities: [杭州], members: [b, a]}\n",
     ["用户“a”同时出现在users 的“a”和组“g”；每个用户只能有一个角色"]),
    (ROLES + "groups:\n  g: {role: 地市, cities: [杭州]}\n", ["组“g”：members 须列出至少一个用户名"]),
    (ROLES + "groups:\n  g: {role: 地市, cities: [杭州], members: [7]}\n", ["组“g”：用户名须为非空文字"]),
    ("roles:\n  r: {pages: [overview, admin], cities: 全部}\n",
     ["角色“r”：未知的页面 admin（可用：overview、city、ledger、warnings、intake）"]),
    ("roles:\n  r: {pages: [], cities: 全部}\n", ["角色“r”：pages 须列出至少一个页面（overview、city、ledger、warnings、intake）"]),
    ("roles:\n  r: {pages: [city], cities: 部分}\n", ["角色“r”：cities 须为“全部”或“本市”，不是“部分”"]),
    ("roles:\n  r: {pages: [city], cities: 全部, write: true}\n", ["角色“r”：未知的键“write”（只允许 pages、cities）"]),
    ("roles: [\n", ["第 2 行不是有效的 YAML"]),
])
def test_each_problem_is_named(tmp_path, text, expected):
    assert problems(tmp_path, text) == expected


def test_every_problem_is_reported_at_once(tmp_path):
    got = problems(tmp_path, ROLES + """\
users:
  a: {role: 管理员}
  b: {role: 地市, cities: [上海]}
  c: {role: 省级}
  c: {role: 省级}
groups:
  g: {role: 地市, cities: [杭州], members: [c]}
""")
    assert got == ["第 9 行：“c”重复出现", "users 的“a”：未知的角色“管理员”（可用：省级、地市、数据管理）",
                   "users 的“b”：未知的城市 上海（可用：杭州、宁波、温州）",
                   "用户“c”同时出现在users 的“c”和组“g”；每个用户只能有一个角色"]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(AccessError, match="访问权限文件不存在"):
        access.load(tmp_path / "nope.yaml")


SHENG = Grant("sheng", "省级", frozenset({"overview", "city", "ledger"}), None)
HZ = Grant("hz", "地市", frozenset({"overview", "city", "ledger"}), ("杭州",))
DATA = Grant("data", "数据管理", frozenset(access.PAGES), None)


@pytest.mark.parametrize("grant, page, query, expected", [
    (SHENG, "overview", "", None),
    (SHENG, "city", "city=宁波&period=2023Q4", None),
    (SHENG, "intake", "", "无权打开“数据上传”页面（角色：省级）"),
    (DATA, "intake", "", None),
    (HZ, "overview", "", None),
    (HZ, "city", "", None),  # the kernel opens their own city
    (HZ, "city", "city=杭州", None),
    (HZ, "city", "city=%E6%9D%AD%E5%B7%9E", None),  # percent-encoded 杭州
    (HZ, "city", "city=宁波", "无权查看宁波的数据（可查看：杭州）"),
    (HZ, "city", "period=2023Q4&city=%E5%AE%81%E6%B3%A2", "无权查看宁波的数据（可查看：杭州）"),
    (HZ, "city", "city=杭州&city=宁波", "无权查看宁波的数据（可查看：杭州）"),  # a repeat is no way round
    (HZ, "city", "city=", None),  # blank: no city asked (the page opens their own)
    (HZ, "city", "city=&city=宁波", "无权查看宁波的数据（可查看：杭州）"),
    (HZ, "city", "city=上海", "无权查看上海的数据（可查看：杭州）"),
    (HZ, "ledger", "city=宁波", "无权查看宁波的数据（可查看：杭州）"),
    (HZ, "intake", "", "无权打开“数据上传”页面（角色：地市）"),
    (HZ, "admin", "", "没有名为“admin”的看板页面"),
    (None, "overview", "", "未授权：不在访问权限名单中"),
])
def test_refusal(grant, page, query, expected):
    assert access.refusal(grant, page, query) == expected


@pytest.mark.parametrize("path, page", [
    ("/voila/render/city.ipynb", "city"), ("/base/voila/render/intake.ipynb", "intake"),
    ("/voila/render/sub/x.ipynb", "sub/x"), ("/voila/static/voila.js", None), ("/", None),
])
def test_page_of(path, page):
    assert access.page_of(path) == page


@pytest.mark.parametrize("grant", [SHENG, HZ, DATA, Grant("张三", "地市", frozenset({"city"}), ("杭州", "宁波"))])
def test_the_grant_reaches_the_kernel_as_the_server_verified_it(grant):
    env = {access.header_env(k): v for k, v in access.grant_headers(grant).items()}
    assert access.grant_from_env(env) == grant


def test_no_grant_in_the_kernel_without_the_servers_headers():
    assert access.grant_from_env({}) is None
    assert access.header_env("X-Getpower-User") == "HTTP_X_GETPOWER_USER"


def test_allowed_cities_keep_the_province_order():
    assert Grant("x", "地市", frozenset({"city"}), ("温州", "杭州")).allowed_cities(CITIES) == ("杭州", "温州")
    assert SHENG.allowed_cities(CITIES) == CITIES
