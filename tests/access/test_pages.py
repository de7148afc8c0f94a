"""Inside a dashboard's kernel: the grant the server verified decides the cities offered and the
ledger rows shown, and a page opened without one (or against it) shows the refusal and stops."""
import pytest

from getpower import access, params
from getpower.present import dashboard as db

HZ = access.Grant("hz", "地市", frozenset({"overview", "city", "ledger"}), ("杭州",))
DATA = access.Grant("data", "数据管理", frozenset(access.PAGES), None)


def kernel_env(monkeypatch, grant, query=""):
    for k in list(access.HEADERS.values()):
        monkeypatch.delenv(access.header_env(k), raising=False)
    for k, v in (access.grant_headers(grant) if grant else {}).items():
        monkeypatch.setenv(access.header_env(k), v)
    monkeypatch.setenv("QUERY_STRING", query)


@pytest.mark.parametrize("value, allowed, expected", [
    ("宁波", None, "宁波"), ("上海", None, params.cities()[0]),
    ("宁波", ("杭州",), "杭州"), ("杭州", ("杭州",), "杭州"), (None, ("温州", "杭州"), "温州"),
])
def test_valid_city_keeps_to_the_allowed(value, allowed, expected):
    assert db.valid_city(value, allowed) == expected


def test_no_allowed_city_is_never_every_city():
    with pytest.raises(PermissionError):
        db.valid_city("杭州", ())


def test_ledger_units():
    assert db.ledger_units(HZ) == ("杭州",)
    assert db.ledger_units(DATA) == (params.province(), *params.cities())


@pytest.mark.parametrize("grant, page, query, refused", [
    (HZ, "city", "city=杭州", None),
    (HZ, "city", "city=宁波", "无权查看宁波的数据（可查看：杭州）"),
    (HZ, "intake", "", "无权打开“数据上传”页面（角色：地市）"),
    (DATA, "intake", "", None),
    (None, "ledger", "", "未识别身份：看板须经 getpower serve 打开"),
])
def test_require(monkeypatch, grant, page, query, refused):
    kernel_env(monkeypatch, grant, query)
    if refused is None:
        assert db.require(page) == grant
    else:
        with pytest.raises(PermissionError, match=refused):
            db.require(page)
