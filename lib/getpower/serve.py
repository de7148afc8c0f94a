"""Serving the dashboards with standalone Voila, offline, to the users the access file names.

Sources stripped, tracebacks hidden, a cell timeout, idle kernels culled early, and a pool of
preheated kernels for every page (:data:`POOLS`): each kernel imports the libraries and reads the
cached tables before a visit arrives, then takes the visit's URL and verified identity from Voila's
request-info socket as ``voila.utils.wait_for_request`` does (``dashboard.wait_for_visit``;
``getpower.auth`` records whose visit a preheated kernel took). Pool kernels start at a pace the
cores bear (``getpower.kernels``): after a burst of visits the pools refill once the visits are drawn.
The indicator tables of every quarter are computed (or found in the store's cache) before the
server starts. WebSocket messages up to the upload limit are accepted (Tornado's default is 10 MiB).

Two ways to know who asks (``getpower.auth``): ``--local`` (one analyst on their own machine: bound
to 127.0.0.1, every page) or a trusted header set by the organisation's reverse proxy
(``--trusted-header X-Forwarded-User``), accepted only from loopback or ``--trusted-proxy`` addresses,
with roles and cities from ``params/access.yaml``.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from getpower import access

from getpower.workspace import package_data

DASHBOARDS = package_data("dashboards")  # package data: served from the install, never written
TEMPLATE_ROOT = DASHBOARDS / "_template"
TEMPLATE = "getpower"
# preheated kernels kept ready per page (default 1): the pages leaders open together get more;
# a page added to access.PAGES is preheated too, with no entry here
POOLS = {"overview": 2, "city": 2}
LOOPBACK = "127.0.0.1"


class ServeError(ValueError):
    """A wrong combination of serve options (one Chinese line)."""


@dataclass(frozen=True)
class Identity:
    """How the server knows who asks. ``header`` None is the local mode."""

    header: str | None = None
    proxies: tuple[str, ...] = ()
    access_file: Path | None = None
    ip: str = LOOPBACK

    @property
    def local(self) -> bool:
        return self.header is None

    @property
    def trusted(self) -> list[str]:
        """Addresses whose header is believed: the configured proxies, and loopback only when the
        server is bound to it (bound elsewhere, a local account could forge the header)."""
        loopback = ["127.0.0.1", "::1"] if self.ip == LOOPBACK else []
        return [*loopback, *self.proxies]

    def check(self) -> access.Access | None:
        """Raise :class:`ServeError` for a wrong combination and :class:`access.AccessError` for
        every problem of the access file; the validated access (None in local mode)."""
        if self.local:
            if self.proxies or self.ip != LOOPBACK or self.access_file:
                raise ServeError("本机模式（--local）只在 127.0.0.1 上服务本机用户，"
                                 "不使用 --trusted-proxy、--ip、--access；经反向代理请用 --trusted-header")
            return None
        if not self.header.strip() or not all(c.isalnum() or c == "-" for c in self.header):
            raise ServeError(f"--trusted-header 不是有效的请求头名称：{self.header!r}")
        for p in self.proxies:
            try:
                ipaddress.ip_network(p, strict=False)
            except ValueError:
                raise ServeError(f"--trusted-proxy 不是有效的地址或网段：{p}") from None
        try:
            loopback = ipaddress.ip_address(self.ip).is_loopback
        except ValueError:
            raise ServeError(f"--ip 不是有效的地址：{self.ip}") from None
        if not loopback and not self.proxies:
            raise ServeError(f"绑定到 {self.ip} 时须用 --trusted-proxy 指明反向代理的地址"
                             "（否则任何人都能伪造用户名请求头）")
        acc = access.load(self.access_file)
        if not acc.grants:
            raise ServeError(f"{acc.source}: 没有列出任何用户，所有请求都将被拒绝")
        return acc


LOCAL = Identity()


def local_user() -> str:
    """The name imports are recorded under in local mode: the account running the server."""
    return access.account("本机")


def pool_sizes(extra: dict[str, int] | None = None) -> dict[str, int]:
    """Preheated kernels per page notebook (Voila's ``kernel_pools_config``): :data:`POOLS`, then
    ``extra`` (``getpower serve --pool city=12``). A preheated kernel shows nothing before it is
    handed a visit (the pages wait for the request first), so every page is preheated whoever may
    open it.

    >>> pool_sizes({"city": 12})["city.ipynb"], pool_sizes()["ledger.ipynb"]
    (12, 1)
    """
    sizes = POOLS | (extra or {})
    return {f"{p}.ipynb": sizes.get(p, 1) for p in access.PAGES}


def parse_pools(specs: list[str]) -> dict[str, int]:
    """``["city=12", "overview=3"]`` → ``{"city": 12, "overview": 3}`` (one Chinese line when wrong)."""
    out = {}
    for spec in specs:
        page, _, n = spec.partition("=")
        if page not in access.PAGES or not n.isdigit():
            raise ServeError(f"--pool 应写作 页面=数量（页面：{'、'.join(access.PAGES)}），而不是 {spec}")
        out[page] = int(n)
    return out


CONFIG_DIR = Path(__file__).resolve().parent / "voila_config"
WAIT_CELL = "db.wait_for_visit()"  # the cell of a page that waits for its visit, alone


def cell_timeout(cell) -> int | None:
    """Seconds a dashboard cell may run (``GETPOWER_CELL_TIMEOUT``, 120); none for the cell in
    which a preheated kernel waits for its visit, which may come hours later (nbclient's
    ``timeout_func``).

    >>> class Cell:
    ...     def __init__(self, source): self.source = source
    >>> cell_timeout(Cell("db.wait_for_visit()  # 访问到来")), cell_timeout(Cell("render()"))
    (None, 120)
    """
    if WAIT_CELL in getattr(cell, "source", ""):
        return None
    return int(os.environ.get("GETPOWER_CELL_TIMEOUT", "120"))


def websocket_limit(max_upload_mb: int) -> int:
    """Bytes of one WebSocket message: the upload limit (an upload's files arrive as one widget
    message) and room for the message around them."""
    return (max_upload_mb + 4) * 1024 * 1024


def install_fontawesome() -> Path:
    """A Jupyter data folder with the template's Font Awesome (linked from the fontawesomefree
    package, in the user's cache folder: nothing is written into the install)."""
    from getpower.workspace import fontawesome_root

    return fontawesome_root()


def refused_log_path(store: Path | str) -> Path:
    """Where refused accesses are recorded: ``<store>/audit/refused.jsonl``."""
    return Path(store).resolve() / "audit" / "refused.jsonl"


def voila_command(port: int = 8866, token: str | None = None, store: Path | str = "data/store",
                  cell_timeout: int = 120, cull_idle: int = 300,
                  identity: Identity = LOCAL, pools: dict[str, int] | None = None,
                  reports: Path | str = "reports") -> tuple[list[str], dict]:
    """The Voila command line and environment (tests start the same server). ``pools``: preheated
    kernels per notebook (default :func:`pool_sizes`)."""
    from getpower.present.dashboard import MAX_UPLOAD_MB

    identity.check()
    fontawesome = install_fontawesome()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HTTP_")}  # only verified ones
    env["GETPOWER_STORE"] = str(Path(store).resolve())
    env["GETPOWER_REPORTS"] = str(Path(reports).resolve())  # kernels run in dashboards/, not here
    env["GETPOWER_CELL_TIMEOUT"] = str(cell_timeout)  # read by the server's cell_timeout
    # glibc's default of one malloc arena per thread and core costs a kernel ~45 MB it never
    # gives back (measured: 186 → 141 MB per preloaded city kernel); kernels inherit this
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATE_ROOT), str(fontawesome),
                                           env.get("JUPYTER_PATH", "")]).strip(os.pathsep)
    log = refused_log_path(store)
    log.parent.mkdir(parents=True, exist_ok=True)
    pools = pool_sizes() if pools is None else pools
    idp = "GetpowerIdentityProvider"
    cmd = [
        sys.executable, "-m", "voila", str(DASHBOARDS),
        "--no-browser", f"--port={port}", f"--Voila.ip={identity.ip}",
        f"--template={TEMPLATE}", "--strip_sources=True", "--show_tracebacks=False",
        f"--VoilaExecutor.timeout={cell_timeout}", f"--Voila.config_file_paths={[str(CONFIG_DIR)]!r}",
        # a kernel idle this long (its tab left open, nobody looking) is stopped; a closed tab
        # stops its kernel at once (Voila's shutdown request)
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}", "--MappingKernelManager.cull_interval=30",
        f"--preheat_kernel={any(pools.values())}", "--pool_size=1",
        f"--VoilaKernelManager.kernel_pools_config={ {k: {'pool_size': v} for k, v in pools.items()}!r}",
        f"--VoilaKernelManager.preheat_denylist={[k for k, v in pools.items() if not v]!r}",
        "--VoilaKernelManager.fill_delay=0.5",
        # pool kernels started at a pace the cores bear: a burst of visits is drawn before the
        # pools are refilled (getpower.kernels)
        "--VoilaConfiguration.multi_kernel_manager_class=getpower.kernels.PacedKernelManager",
        f"--Voila.tornado_settings={ {'websocket_max_message_size': websocket_limit(MAX_UPLOAD_MB)}!r}",
        f"--Voila.token={token or ''}",
        "--Voila.identity_provider_class=getpower.auth.GetpowerIdentityProvider",
        "--Voila.authorizer_class=getpower.auth.RoleAuthorizer",
        f"--{idp}.local={identity.local}",
        f"--{idp}.local_user={local_user()}",
        f"--{idp}.user_header={identity.header or ''}",
        f"--{idp}.trusted_proxies={','.join(identity.trusted)}",
        f"--{idp}.access_file={identity.access_file or ''}",
        f"--{idp}.refused_log={log}",
        f"--VoilaConfiguration.http_header_envs={list(access.HEADERS.values())!r}",
    ]
    return cmd, env


def serve(port: int = 8866, token: str | None = None, store: Path | str = "data/store",
          identity: Identity = LOCAL, reports: Path | str = "reports", pools: dict[str, int] | None = None) -> int:
    from getpower.present import dashboard

    acc = identity.check()  # before the long precomputation: a wrong file is reported at once
    os.environ["GETPOWER_STORE"] = str(Path(store).resolve())
    print("预计算各季度指标表（按数据指纹缓存）…")
    dashboard.warm(store, progress=lambda p: print(f"  {p}"))
    cmd, env = voila_command(port, token, store, identity=identity, reports=reports, pools=pool_sizes(pools))
    if acc is None:
        print("本机模式：只接受本机的请求，可打开全部页面")
    else:
        print(f"经反向代理：用户名取自 {identity.header}（只信任 {', '.join(identity.trusted)}），"
              f"权限见 {acc.source}（{len(acc.grants)} 个用户）；拒绝记录 {refused_log_path(store)}")
    print(f"看板: http://{identity.ip}:{port}/voila/render/overview.ipynb （Ctrl+C 停止）")
    print(f"简报（手机、打印、多人同时打开）: http://{identity.ip}:{port}/getpower/brief/overview")
    return supervise(cmd, env)


def supervise(cmd: list[str], env: dict[str, str], grace: float = 5.0) -> int:
    """Run Voila in a process group of its own and take its kernels down with it.

    ``subprocess.call`` alone left Voila and every kernel running when ``getpower serve`` was sent
    SIGTERM (a service manager's stop), and Voila itself ignored SIGTERM for over 10 s. Here SIGTERM,
    SIGINT (Ctrl+C) and SIGHUP are passed to the whole group; what still runs after ``grace``
    seconds is killed. Returns Voila's exit code (128 + the signal when stopped)."""
    import signal
    import subprocess
    import time

    child = subprocess.Popen(cmd, env=env, start_new_session=True)
    stopped: list[tuple[int, float]] = []

    def stop(signum, _frame):
        stopped.append((signum, time.monotonic()))
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:  # short waits: a wait without a limit resumes after the handler and never ends
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stopped and time.monotonic() - stopped[0][1] > grace:
                    os.killpg(child.pid, signal.SIGKILL)
    finally:
        try:  # kernels Voila left behind in its group
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for s, h in previous.items():
            signal.signal(s, h)
    return 128 + stopped[0][0] if stopped else code
