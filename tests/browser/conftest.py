"""One Voila server and one headless Chromium (Debian's) for the whole browser session.
Every request to another host is aborted and recorded; a test fails on any such attempt.

The server runs as behind the organisation's reverse proxy: it trusts ``X-Forwarded-User`` from
127.0.0.1, and the browser sends it (Playwright's extra HTTP headers) for one user of each role of
``ACCESS``. ``page`` is the data manager (every page); ``page_as(user)`` any other, or nobody."""
from __future__ import annotations

import shutil
import socket
import textwrap
import subprocess
import time
import urllib.request
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


HEADER = "X-Forwarded-User"
# one provincial supervisor, one 杭州 viewer, one data manager (the "done when")
ACCESS = textwrap.dedent("""\
    roles:
      省级: {pages: [overview, city, ledger, warnings], cities: 全部}
      地市: {pages: [overview, city, ledger, warnings], cities: 本市}
      数据管理: {pages: [overview, city, ledger, warnings, intake], cities: 全部}
    users:
      sheng: {role: 省级}
      data: {role: 数据管理}
    groups:
      杭州供电: {role: 地市, cities: [杭州], members: [hz]}
    """)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory):
    """The scorecards' folder the server offers PDFs from (tests put files in it)."""
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def voila_url(sample_store, reports_dir, tmp_path_factory):
    from getpower.present import dashboard
    from getpower.serve import Identity, voila_command

    dashboard.warm(sample_store)  # the tables are computed once, before the server starts
    port = _free_port()
    folder = tmp_path_factory.mktemp("voila")
    (folder / "access.yaml").write_text(ACCESS, encoding="utf-8")
    identity = Identity(header=HEADER, access_file=folder / "access.yaml")
    cmd, env = voila_command(port=port, store=sample_store, identity=identity, reports=reports_dir)
    log = open(folder / "voila.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=2)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(f"Voila exited: {open(log.name).read()[-2000:]}")
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("Voila did not start")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page_as(browser, voila_url):
    """``page_as("hz")``: a page whose every request says it comes from that user (None: no one)."""
    host = urlparse(voila_url).netloc
    opened = []

    def make(user: str | None, viewport: dict | None = None, **extra: str):
        headers = ({HEADER: user} if user else {}) | extra
        context = browser.new_context(accept_downloads=True, locale="zh-CN", extra_http_headers=headers,
                                      viewport=viewport or {"width": 1440, "height": 900})
        external, errors = [], []

        def route(r):
            url = urlparse(r.request.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.netloc != host:
                external.append(r.request.url)
                return r.abort()
            return r.continue_()

        context.route("**/*", route)
        p = context.new_page()
        p.on("pageerror", lambda e: errors.append(str(e)))
        p.set_default_timeout(60_000)
        opened.append((context, external, errors))
        return p

    yield make
    for context, external, errors in opened:
        context.close()
        assert external == [], f"requests to other hosts: {external}"
        assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def page(page_as):
    """The data manager's page: every dashboard, every city, imports."""
    return page_as("data")
