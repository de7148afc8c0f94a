"""Dashboard timings and memory (issues #5, #13), with the server `getpower serve` starts.

1. **Start**: seconds until the server answers, and until every page's pool of preheated kernels
   is filled (Voila logs it).
2. **Warm, one visitor**: each page opened ``rounds`` times (a fresh browser context each time),
   timed until its widgets show; selection changes timed until the page has updated.
3. **Many at once**: ``visitors`` browser contexts open pages at the same moment (``--page city``
   by default: the leaders of the cities on the day a ranking is announced), each timed until its
   widgets show; the server's process tree (Voila and its kernels) sampled every 0.2 s for its
   peak resident memory.
4. **Idle views**: the memory of the process tree with the concurrent views left open, per view.

The machine is shared: ``os.getloadavg()`` is printed with the figures.

Run: ``.venv/bin/python benchmarks/dashboards.py [--store data/store] [--visitors 20] [--page city]``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from getpower import params
from getpower.present import dashboard
from getpower.serve import parse_pools, pool_sizes, voila_command

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage"]
MARKERS = {"overview": "[data-page=overview]", "city": "[data-page=city][data-city]",
           "ledger": "[data-page=ledger]", "intake": "[data-page=intake]", "warnings": "[data-page=warnings]"}
WIDGET = ".widget-dropdown select, .widget-upload"


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (kernels included)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class Sampler(threading.Thread):
    """The peak of :func:`tree_rss` while it runs."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.2)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def url_of(base: str, page: str, i: int = 0) -> str:
    cities = params.cities()
    return f"{base}/{page}.ipynb" + (f"?city={cities[i % len(cities)]}" if page == "city" else "")


async def visit(browser, url: str, page: str, timeout_s: float = 180) -> tuple[float, object]:
    """Seconds until the page shows its widgets (``inf`` when it never did within ``timeout_s``)."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    p = await context.new_page()
    p.set_default_timeout(timeout_s * 1000)
    t0 = time.perf_counter()
    try:
        await p.goto(url)
        await p.wait_for_selector(MARKERS[page])
        await p.wait_for_selector(WIDGET, state="attached")
    except Exception:
        return float("inf"), context
    return time.perf_counter() - t0, context


async def one_by_one(browser, base: str, rounds: int) -> dict:
    out = {}
    for page in MARKERS:
        times = []
        for i in range(rounds):
            t, context = await visit(browser, url_of(base, page, i), page)
            times.append(t)
            await context.close()
            await asyncio.sleep(3)  # the pool refills in the background
        out[f"{page}_load_s"] = times
    # selections on a page already open
    t, context = await visit(browser, url_of(base, "overview"), "overview")
    p = context.pages[0]
    changes = []
    options = await p.locator(".widget-dropdown select").first.locator("option").all_inner_texts()
    quarters = [o for o in options if "年初至今" not in o]  # the page opens on the latest one
    for i in range(rounds):
        before = await p.locator(".gp-heat").get_attribute("data-period")  # the linked heat map (#15)
        t0 = time.perf_counter()
        await p.locator(".widget-dropdown select").first.select_option(quarters[-2 - i % 3])
        await p.wait_for_function("s => document.querySelector('.gp-heat').dataset.period !== s", arg=before)
        changes.append(time.perf_counter() - t0)
    out["overview_period_change_s"] = changes
    await context.close()
    t, context = await visit(browser, url_of(base, "city"), "city")
    p = context.pages[0]
    changes = []
    for city in ["宁波", "温州", "丽水", "舟山", "杭州"][:max(rounds, 1)]:
        t0 = time.perf_counter()
        await p.locator(".widget-dropdown", has_text="城市").locator("select").select_option(city)
        await p.wait_for_selector(f"[data-page=city][data-city={city}]")
        changes.append(time.perf_counter() - t0)
    out["city_change_s"] = changes
    await context.close()
    return out


async def many_at_once(browser, base: str, page: str, visitors: int, pid: int) -> dict:
    sampler = Sampler(pid)
    sampler.start()
    before = tree_rss(pid)
    results = await asyncio.gather(*(visit(browser, url_of(base, page, i), page) for i in range(visitors)))
    await asyncio.sleep(5)
    idle = tree_rss(pid)
    peak = sampler.stop()
    for _, context in results:
        await context.close()
    return {"concurrent_page": page, "concurrent_visitors": visitors,
            "concurrent_load_s": [t for t, _ in results],
            "server_rss_before_gib": before / 2**30, "server_rss_peak_gib": peak / 2**30,
            "server_rss_idle_views_gib": idle / 2**30, "idle_view_mib": (idle - before) / visitors / 2**20}


async def drive(base: str, rounds: int, visitors: int, page: str, pid: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        out = await one_by_one(browser, base, rounds)
        report(out)
        await asyncio.sleep(10)  # pools refilled: a warm server
        out |= await many_at_once(browser, base, page, visitors, pid)
        await browser.close()
    return out


def main(store: str = "data/store", port: int = 8899, rounds: int = 3, visitors: int = 20, page: str = "city",
         pools: dict[str, int] | None = None) -> dict:
    dashboard.warm(store)
    log_path = Path(f"/tmp/getpower-bench-voila-{port}.log")
    cmd, env = voila_command(port=port, store=store, pools=pool_sizes(pools))
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    out = {"loadavg_start": os.getloadavg(), "pools": pool_sizes(pools)}
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
                break
            except Exception:
                if proc.poll() is not None or time.perf_counter() - t0 > 300:
                    raise RuntimeError(log_path.read_text()[-2000:])
                time.sleep(0.2)
        out["server_answers_s"] = time.perf_counter() - t0
        while len(re.findall(r"Kernel pool of .* is filled", log_path.read_text())) < len(MARKERS) and time.perf_counter() - t0 < 300:
            time.sleep(0.5)
        out["pools_filled_s"] = time.perf_counter() - t0
        out["server_rss_pools_gib"] = tree_rss(proc.pid) / 2**30
        out |= asyncio.run(drive(f"http://127.0.0.1:{port}/voila/render", rounds, visitors, page, proc.pid))
        out["loadavg_end"] = os.getloadavg()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report(out)
    return out


def report(out: dict) -> None:
    for k, v in out.items():
        if isinstance(v, list) and v and isinstance(v[0], float):
            print(f"{k}: median {statistics.median(v):.2f} s, max {max(v):.2f} s ({', '.join(f'{x:.2f}' for x in v)})")
        else:
            print(f"{k}: {v:.2f}" if isinstance(v, float) else f"{k}: {v}")
    print(flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default="data/store")
    ap.add_argument("--port", type=int, default=8899)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--visitors", type=int, default=20)
    ap.add_argument("--page", default="city", choices=list(MARKERS))
    ap.add_argument("--pool", action="append", default=[], metavar="PAGE=N", help="as getpower serve --pool")
    ap.add_argument("--json", default=None, help="write the figures here too")
    a = ap.parse_args()
    res = main(a.store, a.port, a.rounds, a.visitors, a.page, parse_pools(a.pool))
    if a.json:
        Path(a.json).write_text(json.dumps(res, ensure_ascii=False, indent=1))
