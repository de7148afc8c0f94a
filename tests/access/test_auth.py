"""The identity provider and the authorizer the Voila server uses (getpower.auth), asked with
requests as tornado builds them: who is recognised, from where, what each may open, whose kernel
answers to whom, and that every refusal is recorded."""
import asyncio
import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from tornado import web
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from getpower import access
from getpower.auth import GetpowerIdentityProvider, RoleAuthorizer

ACCESS = """\
roles:
  省级: {pages: [overview, city, ledger], cities: 全部}
  地市: {pages: [overview, city, ledger], cities: 本市}
  数据管理: {pages: [overview, city, ledger, intake], cities: 全部}
users:
  sheng: {role: 省级}
  data: {role: 数据管理}
  张三: {role: 地市, cities: [杭州]}
groups:
  杭州供电: {role: 地市, cities: [杭州], members: [hz]}
"""


class Kernels:
    """A kernel manager holding kernels started with these environments."""

    def __init__(self, envs: dict):
        self.envs = envs

    def get_kernel(self, kernel_id):
        return SimpleNamespace(_launch_args={"env": self.envs[kernel_id]})


def handler(uri="/voila/render/overview.ipynb", headers=None, remote="127.0.0.1", host="127.0.0.1:8866",
            authorizer=None, kernels=None, kernel_id=None):
    line = RequestStartLine("GET", quote(uri, safe="/?&=%"), "HTTP/1.1")  # as a browser sends it
    req = HTTPServerRequest(start_line=line, headers=HTTPHeaders({"Host": host, **(headers or {})}))
    req.remote_ip = remote
    return SimpleNamespace(request=req, settings={"authorizer": authorizer}, path_args=[], xsrf_token=b"t",
                           path_kwargs={"kernel_id": kernel_id} if kernel_id else {},
                           kernel_manager=kernels or Kernels({}))


@pytest.fixture
def server(tmp_path):
    """``server(**traits)``: an identity provider and its authorizer, as Voila makes them."""
    (tmp_path / "access.yaml").write_text(ACCESS, encoding="utf-8")
    log = tmp_path / "refused.jsonl"

    def make(**traits):
        traits = {"access_file": str(tmp_path / "access.yaml"), "refused_log": str(log), "token": ""} | traits
        idp = GetpowerIdentityProvider(**traits)
        return idp, RoleAuthorizer(identity_provider=idp)

    make.log = log
    return make


def ask(idp, authz, **kw):
    h = handler(authorizer=authz, **kw)
    return asyncio.run(idp.get_user(h)), h


def refused_with(idp, authz, **kw) -> str:
    with pytest.raises(web.HTTPError) as exc:
        ask(idp, authz, **kw)
    assert exc.value.status_code == 403
    return exc.value.log_message % exc.value.args


@pytest.mark.parametrize("kw, user", [
    ({"headers": {"X-Forwarded-User": "sheng"}}, "sheng"),
    ({"headers": {"X-Forwarded-User": " sheng "}}, "sheng"),
    ({"headers": {"X-Forwarded-User": "hz"}, "remote": "::1"}, "hz"),  # a member of a group
    # nginx passes $remote_user as UTF-8 bytes; tornado reads header bytes as Latin-1
    ({"headers": {"X-Forwarded-User": "张三".encode().decode("latin-1")}}, "张三"),
])
def test_the_proxys_user_is_recognised(server, kw, user):
    idp, authz = server(user_header="X-Forwarded-User")
    got, _ = ask(idp, authz, **kw)
    assert got.username == user


@pytest.mark.parametrize("traits, kw, message", [
    ({}, {}, "未识别身份：请求没有 X-Forwarded-User，请经组织的登录访问"),
    ({}, {"headers": {"X-Forwarded-User": "  "}}, "未识别身份：请求没有 X-Forwarded-User"),
    ({}, {"headers": {"X-Remote-User": "sheng"}}, "未识别身份：请求没有 X-Forwarded-User"),
    ({}, {"headers": {"X-Forwarded-User": "Sheng"}}, "未授权：用户“Sheng”不在访问权限名单中"),
    ({}, {"headers": {"X-Forwarded-User": "sheng"}, "remote": "10.0.0.9"}, "请求不是来自可信的反向代理（10.0.0.9）"),
    ({"trusted_proxies": "10.0.0.0/24"}, {"headers": {"X-Forwarded-User": "sheng"}},
     "请求不是来自可信的反向代理（127.0.0.1）"),
    ({"user_header": "X-Remote-User"}, {"headers": {"X-Forwarded-User": "sheng"}}, "未识别身份：请求没有 X-Remote-User"),
])
def test_anyone_else_is_refused(server, traits, kw, message):
    idp, authz = server(**traits)
    assert message in refused_with(idp, authz, **kw)


def test_a_configured_proxy_network_is_trusted(server):
    idp, authz = server(trusted_proxies="10.0.0.0/24, 192.168.1.5")
    for remote in ("10.0.0.9", "192.168.1.5"):
        assert ask(idp, authz, headers={"X-Forwarded-User": "data"}, remote=remote)[0].username == "data"


def test_the_kernel_gets_the_verified_grant_and_never_what_the_client_sent(server):
    idp, authz = server()
    _, h = ask(idp, authz, uri="/voila/render/city.ipynb", headers={
        "X-Forwarded-User": "hz", "X-Getpower-Cities": "*", "X-Getpower-Pages": "intake", "X-Getpower-User": "data"})
    env = {access.header_env(k): v for k, v in h.request.headers.get_all()}
    assert access.grant_from_env(env) == idp.access.grant("hz")
    assert h.request.headers.get_list("X-Getpower-Cities") == ["杭州"]


@pytest.mark.parametrize("user, uri, message", [
    ("hz", "/voila/render/overview.ipynb", None),
    ("hz", "/voila/render/city.ipynb?city=杭州", None),
    ("hz", "/voila/render/city.ipynb?city=宁波", "无权查看宁波的数据（可查看：杭州）"),
    ("hz", "/voila/render/intake.ipynb", "无权打开“数据上传”页面（角色：地市）"),
    ("sheng", "/voila/render/city.ipynb?city=宁波", None),
    ("sheng", "/voila/render/intake.ipynb", "无权打开“数据上传”页面（角色：省级）"),
    ("data", "/voila/render/intake.ipynb", None),
    ("data", "/voila/render/secret.ipynb", "没有名为“secret”的看板页面"),
    ("hz", "/voila/static/voila.js", None),  # static files and the tree: any listed user
])
def test_pages_are_decided_before_the_handler_runs(server, user, uri, message):
    idp, authz = server()
    kw = {"uri": uri, "headers": {"X-Forwarded-User": user}}
    if message is None:
        assert ask(idp, authz, **kw)[0].username == user
    else:
        assert refused_with(idp, authz, **kw) == message


def test_every_refusal_is_recorded(server):
    idp, authz = server()
    refused_with(idp, authz, uri="/voila/render/city.ipynb?city=宁波", headers={"X-Forwarded-User": "hz"},
                 remote="127.0.0.1")
    refused_with(idp, authz, remote="10.1.1.1")
    entries = [json.loads(line) for line in server.log.read_text(encoding="utf-8").splitlines()]
    assert [(e["user"], e["address"], e["path"], e["query"], e["reason"]) for e in entries] == [
        ("hz", "127.0.0.1", "/voila/render/city.ipynb", "city=宁波", "无权查看宁波的数据（可查看：杭州）"),
        (None, "10.1.1.1", "/voila/render/overview.ipynb", "", "请求不是来自可信的反向代理（10.1.1.1）")]
    assert all(e["time"] for e in entries)


@pytest.mark.parametrize("kw, message", [
    ({}, None),
    ({"host": "localhost:8866"}, None),
    ({"remote": "::1", "host": "[::1]:8866"}, None),
    ({"headers": {"X-Forwarded-User": "stranger"}}, None),  # the header means nothing here
    ({"remote": "10.0.0.2"}, "本机模式只接受本机（127.0.0.1 / localhost）的请求"),
    # a web page the analyst visits cannot reach the server through its own host name (DNS rebinding)
    ({"host": "evil.example:8866"}, "本机模式只接受本机（127.0.0.1 / localhost）的请求"),
])
def test_local_mode_is_one_analyst_on_their_own_machine(server, kw, message):
    idp, authz = server(local=True, access_file="")
    kw.setdefault("uri", "/voila/render/intake.ipynb")
    if message is None:
        user, h = ask(idp, authz, **kw)
        assert user.username == "本机分析员"
        assert access.grant_from_env({access.header_env(k): v for k, v in h.request.headers.get_all()}) \
            == access.local_grant("本机分析员")
    else:
        assert refused_with(idp, authz, **kw) == message


def test_a_token_is_still_required_when_set(server):
    idp, authz = server(local=True, access_file="", token="secret")
    h = handler(authorizer=authz)
    h.token, h.get_cookie, h.get_secure_cookie = None, lambda *a, **k: None, lambda *a, **k: None  # none sent
    with pytest.raises(web.HTTPError) as exc:
        asyncio.run(idp.get_user(h))
    assert exc.value.args == ("访问令牌无效或缺失",)


OWNED = {access.header_env("X-Getpower-User"): "data", "SCRIPT_NAME": "/voila/render/intake.ipynb",
         "QUERY_STRING": ""}
HZ_CITY = {access.header_env("X-Getpower-User"): "hz", "SCRIPT_NAME": "/voila/render/city.ipynb",
           "QUERY_STRING": "city=杭州"}
PREHEATED = {"VOILA_PREHEAT": "True"}


@pytest.mark.parametrize("user, env, handed, message", [
    ("data", OWNED, None, None),
    ("hz", OWNED, None, "该页面的内核属于其他用户"),  # a viewer posting to the intake kernel
    ("sheng", OWNED, None, "该页面的内核属于其他用户"),
    ("hz", HZ_CITY, None, None),
    ("hz", HZ_CITY | {"QUERY_STRING": "city=宁波"}, None, "无权查看宁波的数据（可查看：杭州）"),
    # a preheated kernel (started before anyone asked) belongs to nobody until Voila hands it a
    # visit, then to that visit's user, as a kernel started for a request does
    ("hz", PREHEATED, None, "该内核尚未分配给任何访问"),
    ("hz", PREHEATED, HZ_CITY, None),
    ("data", PREHEATED, HZ_CITY, "该页面的内核属于其他用户"),
    ("hz", PREHEATED, HZ_CITY | {"QUERY_STRING": "city=宁波"}, "无权查看宁波的数据（可查看：杭州）"),
    ("hz", PREHEATED, OWNED, "该页面的内核属于其他用户"),
    ("hz", {}, None, "无法确认该内核属于谁"),
])
def test_a_kernel_answers_only_to_whoever_started_it(server, monkeypatch, user, env, handed, message):
    from getpower import auth

    monkeypatch.setattr(auth, "PREHEATED_REQUESTS", {} if handed is None else {"k-1": handed})
    idp, authz = server()
    h = handler(uri="/api/kernels/k-1/channels", kernels=Kernels({"k-1": env}), kernel_id="k-1")
    h.kernel_id = "k-1"
    u = SimpleNamespace(username=user)
    assert authz.refusal(h, u, "execute", "kernels") == message
    assert authz.is_authorized(h, u, "execute", "kernels") is (message is None)


def test_the_requests_voila_hands_preheated_kernels_are_recorded():
    from voila.request_info_handler import RequestInfoSocketHandler

    from getpower import auth

    auth.track_preheated_requests()
    auth.track_preheated_requests()  # wrapped once
    RequestInfoSocketHandler.send_updates({"kernel_id": "k-9", "payload": HZ_CITY})
    assert auth.PREHEATED_REQUESTS.pop("k-9") == HZ_CITY
    RequestInfoSocketHandler._cache.pop("k-9", None)


def test_the_shutdown_api_is_asked_too(server):
    """Voila's kernel shutdown API asks no authorizer: the identity provider asks it."""
    idp, authz = server()
    kernels = Kernels({"k-2": OWNED})
    h = handler(uri="/voila/api/shutdown/k-2", headers={"X-Forwarded-User": "hz"}, authorizer=authz,
                kernels=kernels)
    h.path_args = ["k-2"]
    with pytest.raises(web.HTTPError) as exc:
        asyncio.run(idp.get_user(h))
    assert exc.value.args == ("该页面的内核属于其他用户",)


def test_other_resources_are_refused(server):
    idp, authz = server()
    u = SimpleNamespace(username="data")
    assert authz.refusal(handler(), u, "read", "contents") == "看板不提供此操作（read contents）"
    assert authz.refusal(handler(), SimpleNamespace(username="x"), "read", "kernels") == "未授权：不在访问权限名单中"
