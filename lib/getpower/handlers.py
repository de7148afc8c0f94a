"""The server's own pages beside Voila's: the leaders' brief pages and the scorecard PDFs (#13).

Registered through the identity provider's ``get_handlers`` (Voila adds them to its application),
they are ``JupyterHandler`` s: ``prepare()`` asks :class:`getpower.auth.GetpowerIdentityProvider`
who asks, and the provider asks :class:`getpower.auth.RoleAuthorizer` whether they may open the
page (``access.page_of`` maps these paths to the dashboard page they show: ``city`` for a city's
brief and its PDF) and see the city named in the query — before the handler runs, refusals
answered 403 and logged as for every Voila page.

- ``/getpower/brief/overview?period=…`` and ``/getpower/brief/city?city=…&period=…``: the page's
  HTML (:mod:`getpower.present.brief`), rendered in a worker thread once per data version,
  selection and scope, then from memory; visits asking for a page being rendered wait for that
  one rendering.
- ``/getpower/scorecard?city=…&period=…``: the city's scorecard PDF of the period from the
  scorecards' folder, as a download.
- ``/getpower/picture/city?city=…&period=…&name=handling`` (and ``/overview?period=…&name=tiles``):
  a page's picture as PNG, from the pictures drawn once per data version (the brief pages load
  them lazily instead of carrying them in their HTML).
"""
from __future__ import annotations

import asyncio
import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from getpower import params
from getpower.periods import Period

BRIEF = "/getpower/brief/(overview|city)"
SCORECARD = "/getpower/scorecard"
PICTURE = "/getpower/picture/(overview|city)"
ANY = "/getpower/.*"  # any other path of the server's own: answered in Chinese

# two pools, so that a visit to a page already drawn (its key looked up: a few small files) never
# waits behind pages being drawn; one drawing at a time, so that pages of a new version never
# compute the same table twice at once (and a burst of new pages costs one core, not all)
_KEYS = ThreadPoolExecutor(2, thread_name_prefix="getpower-brief-key")
_DRAW = ThreadPoolExecutor(1, thread_name_prefix="getpower-brief-draw")
_rendering: dict[tuple, asyncio.Future] = {}  # key → the one drawing under way (the event loop's thread only)
# what a status means when the reason is not one of ours (tornado's and jupyter_server's are English)
STATUS_TEXT = {400: "请求无法识别（网址参数有误）", 403: "无权执行此操作", 404: "页面不存在",
               405: "不支持此请求方式", 500: "服务器内部错误"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def handlers(base_url: str = "/", preheat: bool = True) -> list[tuple]:
    """The URL patterns and handlers, under the server's base URL; ``preheat``: the brief pages'
    modules and the latest quarter's tables read in the background as the server starts
    (:func:`_preheat`)."""
    from jupyter_server.utils import url_path_join

    if preheat:
        threading.Thread(target=_preheat, name="getpower-brief-preheat", daemon=True).start()
    return [(url_path_join(base_url, BRIEF), BriefHandler), (url_path_join(base_url, SCORECARD), ScorecardHandler),
            (url_path_join(base_url, PICTURE), PictureHandler), (url_path_join(base_url, ANY), NotFoundHandler)]


def _preheat() -> None:
    """Draw the latest quarter's brief pages before anyone asks — the overview and every city's
    page, for a viewer of every page and city (a narrower viewer's differs only in its header and
    links: the rest is drawn once, :func:`getpower.present.brief._city_body`). On the day a
    ranking is announced the first visits then find them in memory (measured: the first overview
    took 5–6.5 s cold; 20 city pages drawn one after another amid 20 browsers on two cores, 4.5–6.3 s)."""
    try:
        from getpower import access
        from getpower.present import brief

        everyone = access.Grant("", "", frozenset(access.PAGES), None)
        brief.page_html("overview", everyone, {})
        for city in params.cities():
            brief.page_html("city", everyone, {"city": city})
    except Exception:  # an empty or damaged store: each visit says so itself
        pass


class _GrantHandler(JupyterHandler):
    def write_error(self, status_code: int, **kwargs) -> None:
        """The refusal or the missing thing in one Chinese line (jupyter_server's error page
        needs a static folder this server does not have, and its reasons are English)."""
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        reason = ""
        if isinstance(exc, web.HTTPError) and exc.log_message:
            reason = exc.log_message % exc.args if exc.args else exc.log_message
        if not CJK.search(reason):
            reason = STATUS_TEXT.get(status_code, "请求无法完成")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>无法打开</title></head>'
                    f'<body><p class="gp-error" data-status="{status_code}">{html.escape(reason)}</p></body></html>')

    def grant(self):
        grant = self.identity_provider.grant_of(self.current_user)
        if grant is None:  # prepare() refused already; kept as a second lock
            raise web.HTTPError(403, "未授权：不在访问权限名单中")
        return grant

    def query(self) -> dict[str, str]:
        return {k: self.get_query_argument(k) for k in self.request.query_arguments}


class NotFoundHandler(_GrantHandler):
    @web.authenticated
    def get(self):
        raise web.HTTPError(404, "%s", "页面不存在：请从看板的页首进入")


class BriefHandler(_GrantHandler):
    @web.authenticated
    async def get(self, page: str):
        from getpower.present import brief

        grant, query = self.grant(), self.query()
        loop = asyncio.get_running_loop()
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")  # the store's current version is asked on each visit
        try:
            key = await loop.run_in_executor(_KEYS, brief.cache_key, page, grant, query)
            future = _rendering.get(key)
            if future is None:
                future = _rendering[key] = asyncio.ensure_future(loop.run_in_executor(_DRAW, brief._page_html, *key))
                future.add_done_callback(lambda _: _rendering.pop(key, None))
            page_html = await future
        except PermissionError as exc:  # no city the viewer may see (the access file is checked for it at start)
            raise web.HTTPError(403, "%s", str(exc)) from None
        except ValueError as exc:  # an empty store: said as the Voila pages say it
            page_html = brief.message_html(str(exc))
        except Exception as exc:  # a damaged store or cache: said, logged, never a traceback
            self.log.exception("简报页面无法生成")
            self.set_status(500)
            page_html = brief.message_html(f"数据仓库或其缓存无法读取（{type(exc).__name__}）："
                                           "请数据管理员运行 getpower store check")
        self.finish(page_html)


class ScorecardHandler(_GrantHandler):
    def _pdf(self):
        from getpower.present.dashboard import reports_path

        self.grant()
        city, period = self.get_query_argument("city", ""), self.get_query_argument("period", "")
        try:
            period = Period.parse(period).label
        except (ValueError, TypeError):
            raise web.HTTPError(404, "%s", f"期间“{period}”无法识别") from None
        if city not in params.cities():  # a known name only: never a path from the query
            raise web.HTTPError(404, "%s", f"没有名为“{city}”的城市")
        pdf = reports_path() / period / f"{city}.pdf"
        if not pdf.is_file():
            raise web.HTTPError(404, "%s", f"暂无 {city} {period} 评分卡 PDF（请数据管理员生成本期评分卡）")
        self.set_header("Content-Type", "application/pdf")
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(f'{city}_{period}_评分卡.pdf')}")
        self.set_header("Cache-Control", "no-store")
        return pdf

    @web.authenticated
    def get(self):
        self.finish(self._pdf().read_bytes())

    @web.authenticated
    def head(self):
        self.set_header("Content-Length", str(self._pdf().stat().st_size))
        self.finish()


class PictureHandler(_GrantHandler):
    @web.authenticated
    async def get(self, page: str):
        from getpower.present import brief

        self.grant()
        args = (page, self.get_query_argument("name", ""), self.get_query_argument("city", ""),
                self.get_query_argument("period", ""))
        try:
            png = await asyncio.get_running_loop().run_in_executor(_KEYS, brief.picture_png, *args)
        except LookupError as exc:
            raise web.HTTPError(404, "%s", str(exc.args[0])) from None
        self.set_header("Content-Type", "image/png")
        # the address names the data version (v=…): a new version is a new address
        self.set_header("Cache-Control", "private, max-age=86400")
        self.finish(png)
