"""One Voila server and one headless Chromium (Debian's) for the whole browser session.
Every request to another host is aborted and recorded; a test fails on any such attempt."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def voila_url(sample_store, tmp_path_factory):
    from getpower.present import dashboard
    from getpower.serve import voila_command

    dashboard.warm(sample_store)  # the tables are computed once, before the server starts
    port = _free_port()
    cmd, env = voila_command(port=port, store=sample_store)
    log = open(tmp_path_factory.mktemp("voila") / "voila.log", "w")
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
def page(browser, voila_url):
    host = urlparse(voila_url).netloc
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
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
    yield p
    context.close()
    assert external == [], f"requests to other hosts: {external}"
    assert errors == [], f"JavaScript errors: {errors}"
