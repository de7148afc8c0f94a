"""Identity and authorisation for the Voila dashboards, through jupyter_server's extension points.

What Voila 0.5 / jupyter_server 2 call, and so where each check sits:

- every request handled by a ``JupyterHandler`` (the dashboard pages ``/voila/render/<page>``, the
  tree, the kernel API and the kernel WebSocket, the shutdown API …) asks
  ``IdentityProvider.get_user`` in ``prepare()``, before the handler runs;
- jupyter_server's kernel handlers then ask ``Authorizer.is_authorized`` with resource ``kernels``
  (``execute`` for the WebSocket, ``read`` / ``write`` for the REST API);
- Voila's render handler asks no authorizer (only ``@web.authenticated``), and its
  ``prelaunch_hook`` cannot be used with preheated kernels.

A preheated kernel is started before anyone asks (every page has a pool, ``getpower.serve``): it
belongs to nobody until Voila hands it a visit, passing the visit's request (the verified grant
headers among it) to the kernel through ``RequestInfoSocketHandler.send_updates``. That request is
recorded here (:func:`track_preheated_requests`), and from then on the kernel answers only to the
user it was handed to, as a kernel started for a request does; before, it answers to no one.

So :class:`GetpowerIdentityProvider` identifies the user (the local analyst, or the name a trusted
reverse proxy sends in a header) and, for a dashboard page or a kernel shutdown, asks
:class:`RoleAuthorizer` before the handler runs — before any kernel starts. It then replaces the
``X-Getpower-*`` headers with the verified grant, which Voila passes to the kernel
(``VoilaConfiguration.http_header_envs``). Every refusal is answered 403 with one Chinese line
and appended to the refused-access log (JSON lines).
"""
from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from urllib.parse import unquote

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Bool, Unicode

from getpower import access

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# kernel id → the request (environment variables) Voila handed a preheated kernel
PREHEATED_REQUESTS: dict[str, dict[str, str]] = {}


def track_preheated_requests() -> None:
    """Record the request each preheated kernel is handed (Voila's own hand-over, wrapped once)."""
    from voila.request_info_handler import RequestInfoSocketHandler

    original = RequestInfoSocketHandler.__dict__["send_updates"].__func__
    if getattr(original, "_getpower", False):
        return

    def send_updates(cls, msg):
        PREHEATED_REQUESTS[msg["kernel_id"]] = dict(msg["payload"])
        return original(cls, msg)

    send_updates._getpower = True
    RequestInfoSocketHandler.send_updates = classmethod(send_updates)


def _decode(value: str) -> str:
    """Header values arrive as Latin-1 (HTTP/1.1); a proxy sends UTF-8 bytes for 张三."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _kernel_id(handler) -> str | None:
    return (getattr(handler, "kernel_id", None) or (handler.path_kwargs or {}).get("kernel_id")
            or (handler.path_args[0] if handler.path_args else None))


class GetpowerIdentityProvider(IdentityProvider):
    """The user is the local analyst (``local``) or the name in ``user_header`` of a request from a
    trusted proxy address; anyone else is refused (403), as is anyone the access file does not list."""

    local = Bool(False, help="本机模式：只接受来自本机、Host 为本机的请求，用户为本机分析员").tag(config=True)
    local_user = Unicode("本机分析员").tag(config=True)
    user_header = Unicode("X-Forwarded-User", help="反向代理传来已认证用户名的请求头").tag(config=True)
    # comma-separated (a List trait of a class Voila does not register is not parsed from the command line)
    trusted_proxies = Unicode("127.0.0.1,::1", help="可信反向代理的地址或网段，逗号分隔；其他地址的请求一律拒绝"
                              ).tag(config=True)
    access_file = Unicode("", help="访问权限文件（默认 params/access.yaml）").tag(config=True)
    refused_log = Unicode("", help="拒绝访问记录（JSON lines）；空则只写服务日志").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._networks = [ipaddress.ip_network(p.strip(), strict=False)
                          for p in self.trusted_proxies.split(",") if p.strip()]
        self.access = None if self.local else access.load(self.access_file or None)
        self._local = access.local_grant(self.local_user)
        track_preheated_requests()

    # no login page of our own: the organisation's login happens at the proxy
    @property
    def auth_enabled(self) -> bool:
        return bool(self.token)

    @property
    def login_available(self) -> bool:
        return False

    def get_handlers(self) -> list:
        """The server's own pages (brief pages, scorecard PDFs), which Voila adds to its
        application; no login page (the organisation's login happens at the proxy)."""
        from getpower.handlers import handlers

        return handlers(getattr(self.parent, "base_url", "/") or "/")

    def grant_of(self, user: User | None) -> access.Grant | None:
        if user is None:
            return None
        if self.local:
            return self._local if user.username == self._local.user else None
        return self.access.grant(user.username)

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        current = getattr(handler, "_jupyter_current_user", None)
        if current:
            return current
        if self.token and await super()._get_user(handler) is None:
            self.refuse(handler, None, "访问令牌无效或缺失")
        name = self._identify(handler)
        grant = self._local if self.local else self.access.grant(name)
        if grant is None:
            self.refuse(handler, name, f"未授权：用户“{name}”不在访问权限名单中")
        headers = handler.request.headers
        for h in access.HEADERS.values():  # whatever a client sent under these names is dropped
            if h in headers:
                del headers[h]
        for k, v in access.grant_headers(grant).items():
            headers[k] = v
        user = User(username=name, name=name, display_name=name)
        self._check_request(handler, user)
        return user

    def _identify(self, handler) -> str:
        remote = handler.request.remote_ip or ""
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            address = None
        if self.local:
            host = handler.request.host_name.lower() if handler.request.host else ""
            if address is None or not address.is_loopback or host not in LOOPBACK_HOSTS:
                self.refuse(handler, None, "本机模式只接受本机（127.0.0.1 / localhost）的请求")
            return self._local.user
        if address is None or not any(address in n for n in self._networks):
            self.refuse(handler, None, f"请求不是来自可信的反向代理（{remote}）")
        name = _decode(handler.request.headers.get(self.user_header, "")).strip()
        if not name:
            self.refuse(handler, None, f"未识别身份：请求没有 {self.user_header}，请经组织的登录访问")
        return name

    def _check_request(self, handler, user: User) -> None:
        """Pages and the shutdown API, which no authorizer guards in Voila, asked here."""
        path = handler.request.path
        if access.page_of(path) is not None:
            action, resource = "read", "dashboards"
        elif "/voila/api/shutdown/" in path:
            action, resource = "write", "kernels"
        else:
            return
        authorizer = handler.settings.get("authorizer")
        if not isinstance(authorizer, RoleAuthorizer):
            self.refuse(handler, user.username, "服务器未配置看板授权")
        why = authorizer.refusal(handler, user, action, resource)
        if why:
            self.refuse(handler, user.username, why)
        if resource == "dashboards":
            # sets the _xsrf cookie, which Voila's page never asks for: its beforeunload beacon
            # sends it back to shut the page's kernel down; without it every closed tab's shutdown
            # was refused (403 "_xsrf argument missing") and its kernel kept until culled. The
            # user first, as jupyter_server's prepare() sets it next (the token asks for it)
            handler.current_user = handler._jupyter_current_user = user
            handler.xsrf_token  # noqa: B018

    def refuse(self, handler, user: str | None, reason: str):
        """Record the refusal and answer 403 with ``reason`` (shown on the error page)."""
        self.record_refusal(handler, user, reason)
        # as jupyter_server does on a refused host: the error page then asks no identity again
        handler.current_user = handler._jupyter_current_user = None
        raise web.HTTPError(403, "%s", reason)

    def record_refusal(self, handler, user: str | None, reason: str) -> None:
        req = handler.request
        entry = {"time": datetime.now().astimezone().isoformat(timespec="seconds"), "user": user,
                 "address": req.remote_ip, "method": req.method, "path": unquote(req.path), "query": unquote(req.query),
                 "reason": reason}
        line = json.dumps(entry, ensure_ascii=False)
        self.log.warning("拒绝访问 %s", line)
        if self.refused_log:
            try:  # one append per refusal: lines of concurrent requests never interleave
                with open(self.refused_log, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError as exc:
                self.log.error("无法写入拒绝访问记录 %s：%s", self.refused_log, exc)


class RoleAuthorizer(Authorizer):
    """Decides from the user's grant (``getpower.access``): dashboard pages by page and city, and
    kernels by owner — a kernel serves only the user whose request started it."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        why = self.refusal(handler, user, action, resource)
        if why:
            self.identity_provider.record_refusal(handler, getattr(user, "username", None), why)
        return why is None

    def refusal(self, handler, user, action: str, resource: str) -> str | None:
        """Why ``user`` may not do ``action`` on ``resource`` in this request, or None."""
        grant = self.identity_provider.grant_of(user)
        if grant is None:
            return "未授权：不在访问权限名单中"
        if resource == "dashboards":
            return access.refusal(grant, access.page_of(handler.request.path) or "", handler.request.query)
        if resource == "kernels":
            return self._kernel_refusal(handler, grant)
        return f"看板不提供此操作（{action} {resource}）"

    def _kernel_refusal(self, handler, grant: access.Grant) -> str | None:
        kernel_id = _kernel_id(handler)
        try:
            kernel = handler.kernel_manager.get_kernel(kernel_id)
        except KeyError:
            return None  # no such kernel: nothing to protect, the handler answers 404
        # jupyter_client keeps the arguments a kernel was started with, the environment included
        env = (getattr(kernel, "_launch_args", None) or {}).get("env") or {}
        if env.get("VOILA_PREHEAT") == "True":  # started before anyone asked: whose visit it took
            env = PREHEATED_REQUESTS.get(kernel_id)
            if env is None:
                return "该内核尚未分配给任何访问"
        owner = env.get(access.header_env(access.HEADERS["user"]))
        if owner is None:
            return "无法确认该内核属于谁"
        if owner != grant.user:
            return "该页面的内核属于其他用户"
        page = access.page_of(env.get("SCRIPT_NAME", "")) or ""
        return access.refusal(grant, page, env.get("QUERY_STRING", ""))
