"""Dashboard timings and memory (issues #5, #13), with the server `getpower serve` starts.

1. **Start**: seconds until the server answers, and until every page's pool of preheated kernels
   is filled (Voila logs it).
2. **Warm, one visitor**: each page opened ``rounds`` times (a fresh browser context each time),
   timed until its widgets show; selection changes timed until the page has updated.
3. **Many at once**: ``visitors`` browser contexts open pages at the same moment (``--page city``
   by default: the leaders of the cities on the day a ranking is announced; ``--page mix``: the
   pages in turn), each timed until its widgets show; CPU seconds of the server's tree and of the
   browser during the burst; the server's process tree (Voila and its kernels) sampled every
   0.5 s during the burst and ``--settle`` seconds after it (the pools refill then).
   ``--page brief-city`` / ``brief-overview`` / ``brief-mix``: the brief pages (plain HTML drawn
   by the server itself, no kernel, ``getpower.present.brief``), timed until their selectors show.
4. **Idle views**: the memory of the process tree with the concurrent views left open, per view.

Memory is the tree's PSS (proportional set size, ``/proc/PID/smaps_rollup``): each page shared by
n processes counts 1/n in each, so the sum is the physical memory the tree holds. RSS is printed
beside it; summed over 40 kernels it counts the shared libraries' pages (polars alone ~70 MB per
kernel) 40 times. A watchdog kills the server's tree and stops the run past 7 GiB of PSS (the
machine is shared).

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
# the brief pages (plain HTML from the server, no kernel): shown when their selectors are
BRIEF = {"brief-overview": "main.gp-brief[data-page=overview]", "brief-city": "main.gp-brief[data-page=city][data-city]"}
BRIEF_WIDGET = ".gp-select select"
MIXES = {"mix": list(MARKERS), "brief-mix": list(BRIEF)}


def _tree(pid: int) -> list[psutil.Process]:
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_memory(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS, processes) of the tree. PSS (``/proc/PID/smaps_rollup``) shares each page among
    the processes that map it: summed over the tree it is the physical memory the tree holds."""
    pss = rss = n = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p.pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        r = int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        rss += r
                        n += 1
                        break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return pss, rss, n


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the tree's live processes and their waited-for children."""
    total = 0.0
    for p in _tree(pid):
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


WATCHDOG_GIB = 7.0  # the machine is shared: a run whose server tree holds more is stopped


class MemoryLimit(RuntimeError):
    pass


class Sampler(threading.Thread):
    """The peaks of :func:`tree_memory` while it runs (every 0.5 s: reading smaps_rollup of 40
    processes costs CPU too); past :data:`WATCHDOG_GIB` of PSS the server's tree is killed."""

    def __init__(self, pid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.interval, self.running = pid, interval, True
        self.peak_pss = self.peak_rss = self.peak_procs = 0
        self.tripped = False

    def run(self):
        while self.running:
            pss, rss, n = tree_memory(self.pid)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.peak_procs = max(self.peak_procs, n)
            if pss > WATCHDOG_GIB * 2**30:
                self.tripped = True
                for p in reversed(_tree(self.pid)):
                    try:
                        p.kill()
                    except psutil.NoSuchProcess:
                        pass
                return
            time.sleep(self.interval)

    def stop(self) -> tuple[int, int]:
        self.running = False
        self.join()
        if self.tripped:
            raise MemoryLimit(f"the server's tree passed {WATCHDOG_GIB} GiB (PSS): stopped")
        return self.peak_pss, self.peak_rss


def browser_cpu(server: int) -> float:
    """CPU seconds of this benchmark's browser (Playwright's driver and Chromium, which share the
    2 cores with the server): this process's tree without itself and the server's tree."""
    me = psutil.Process()
    t = me.cpu_times()
    return tree_cpu(me.pid) - (t.user + t.system) - tree_cpu(server)


def url_of(base: str, page: str, i: int = 0) -> str:
    """The page's address on the server ``base`` (``http://host:port``), the city page's city
    changing with ``i``."""
    cities = params.cities()
    city = f"?city={cities[i % len(cities)]}" if page in ("city", "brief-city") else ""
    if page in BRIEF:
        return f"{base}/getpower/brief/{page.removeprefix('brief-')}{city}"
    return f"{base}/voila/render/{page}.ipynb{city}"


async def visit(browser, url: str, page: str, timeout_s: float = 180, html: list | None = None) -> tuple[float, object]:
    """Seconds until the page shows its widgets (``inf`` when it never did within ``timeout_s``);
    ``html`` gets the seconds until the page's HTML had arrived (Voila sends its end once every
    cell has run: the server's part)."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    p = await context.new_page()
    p.set_default_timeout(timeout_s * 1000)
    t0 = time.perf_counter()
    try:
        await p.goto(url, wait_until="commit")
        await p.wait_for_load_state("domcontentloaded")
        if html is not None:
            html.append(time.perf_counter() - t0)
        await p.wait_for_selector(MARKERS[page] if page in MARKERS else BRIEF[page])
        await p.wait_for_selector(WIDGET if page in MARKERS else BRIEF_WIDGET, state="attached")
    except Exception:
        return float("inf"), context
    return time.perf_counter() - t0, context


def fetch_page(url: str, timeout_s: float = 180) -> float:
    """Seconds until the page's whole HTML has arrived (every cell run), without a browser."""
    from urllib.parse import quote

    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(quote(url, safe=":/?=&"), timeout=timeout_s) as r:
            while r.read(65536):
                pass
    except Exception:
        return float("inf")
    return time.perf_counter() - t0


def cpu_split(pid: int) -> tuple[float, float]:
    """CPU seconds of the Voila process itself and of its kernels (live ones)."""
    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    own = t.user + t.system
    return own, tree_cpu(pid) - own - t.children_user - t.children_system


async def close(context) -> None:
    """Close a visitor's tab as a person does: the page's beforeunload beacon stops its kernel
    (Playwright's plain close runs no unload handler and leaves the kernel until culled)."""
    for p in context.pages:
        try:
            await p.close(run_before_unload=True)
        except Exception:
            pass
    await asyncio.sleep(0.5)  # the beacon is sent while the page unloads
    await context.close()


async def one_by_one(browser, base: str, rounds: int) -> dict:
    out = {}
    for page in [*MARKERS, *BRIEF]:
        times = []
        for i in range(rounds):
            t, context = await visit(browser, url_of(base, page, i), page)
            times.append(t)
            await close(context)
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
    await close(context)
    t, context = await visit(browser, url_of(base, "city"), "city")
    p = context.pages[0]
    changes = []
    for city in ["宁波", "温州", "丽水", "舟山", "杭州"][:max(rounds, 1)]:
        t0 = time.perf_counter()
        await p.locator(".widget-dropdown", has_text="城市").locator("select").select_option(city)
        await p.wait_for_selector(f"[data-page=city][data-city={city}]")
        changes.append(time.perf_counter() - t0)
    out["city_change_s"] = changes
    await close(context)
    return out


async def many_at_once(browser, base: str, page: str, visitors: int, pid: int, settle: float = 60) -> dict:
    """``visitors`` contexts open ``page`` at once (``mix``: the pages in turn); then the views are
    left open and the tree sampled for ``settle`` seconds more (the pools refill after a burst)."""
    sampler = Sampler(pid)
    pss0, rss0, n0 = tree_memory(pid)
    sampler.start()
    (voila0, kernels0), cpu_browser, t0 = cpu_split(pid), browser_cpu(pid), time.perf_counter()
    pages = [MIXES[page][i % len(MIXES[page])] if page in MIXES else page for i in range(visitors)]
    html: list[float] = []
    if browser is None:  # --client http: the server's part alone, no browser on these cores
        from concurrent.futures import ThreadPoolExecutor

        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(visitors) as pool:
            times = await asyncio.gather(*(loop.run_in_executor(pool, fetch_page, url_of(base, p, i))
                                           for i, p in enumerate(pages)))
        results = [(t, None) for t in times]
    else:
        results = await asyncio.gather(*(visit(browser, url_of(base, p, i), p, html=html) for i, p in enumerate(pages)))
    burst = time.perf_counter() - t0
    voila1, kernels1 = cpu_split(pid)
    cpu = {"burst_s": burst, "voila_cpu_s": voila1 - voila0, "kernels_cpu_s": kernels1 - kernels0,
           "browser_cpu_s": browser_cpu(pid) - cpu_browser, "loadavg_after_burst": os.getloadavg()}
    if html:
        cpu["concurrent_html_s"] = sorted(html)
    peak_burst = (sampler.peak_pss, sampler.peak_rss)
    await asyncio.sleep(1)  # the views drawn, the pools not yet refilling (they wait 2 s of quiet)
    pss1, rss1, n1 = tree_memory(pid)
    await asyncio.sleep(max(0.0, settle - 1))
    pss2, rss2, n2 = tree_memory(pid)
    peak_pss, peak_rss = sampler.stop()
    for _, context in results:
        if context is not None:
            await close(context)
    g = 2**30
    return {"concurrent_page": page, "concurrent_visitors": visitors,
            "concurrent_pages": pages if page in MIXES else page,
            "concurrent_load_s": [t for t, _ in results], **cpu,
            "server_before_gib (pss, rss, processes)": (pss0 / g, rss0 / g, n0),
            "server_peak_burst_gib (pss, rss)": (peak_burst[0] / g, peak_burst[1] / g),
            "server_idle_views_gib (pss, rss, processes)": (pss1 / g, rss1 / g, n1),
            f"server_after_{settle:.0f}s_gib (pss, rss, processes)": (pss2 / g, rss2 / g, n2),
            f"server_peak_{settle:.0f}s_gib (pss, rss)": (peak_pss / g, peak_rss / g),
            "peak_processes": sampler.peak_procs,
            "idle_view_mib (pss, rss)": ((pss1 - pss0) / visitors / 2**20, (rss1 - rss0) / visitors / 2**20)}


def wait_idle(pid: int, limit: float = 180, window: float = 2.0) -> float:
    """Seconds until the server's tree used less than 0.1 CPU second over ``window`` seconds (the
    pools preloaded: Voila logs a pool as filled when its kernels have started, before they
    have imported and read anything)."""
    t0 = time.perf_counter()
    last = tree_cpu(pid)
    while time.perf_counter() - t0 < limit:
        time.sleep(window)
        now = tree_cpu(pid)
        if now - last < 0.1:
            break
        last = now
    return time.perf_counter() - t0


async def drive(base: str, rounds: int, visitors: int, page: str, pid: int, settle: float = 60,
                client: str = "browser") -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        out = await one_by_one(browser, base, rounds) if rounds else {}
        report(out)
        out["refilled_after_s"] = await asyncio.to_thread(wait_idle, pid)  # pools refilled: a warm server
        out["server_warm_gib (pss, rss, processes)"] = tuple(
            x / 2**30 if i < 2 else x for i, x in enumerate(tree_memory(pid)))
        out["concurrent_client"] = client
        out |= await many_at_once(browser if client == "browser" else None, base, page, visitors, pid, settle)
        await browser.close()
    return out


def main(store: str = "data/store", port: int = 8899, rounds: int = 3, visitors: int = 20, page: str = "city",
         pools: dict[str, int] | None = None, settle: float = 60, client: str = "browser") -> dict:
    dashboard.warm(store)
    log_path = Path(f"/tmp/getpower-bench-voila-{port}.log")
    cmd, env = voila_command(port=port, store=store, pools=pool_sizes(pools))
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        out["pools_preloaded_s"] = out["pools_filled_s"] + wait_idle(proc.pid)
        out["server_pools_gib (pss, rss, processes)"] = tuple(
            x / 2**30 if i < 2 else x for i, x in enumerate(tree_memory(proc.pid)))
        out |= asyncio.run(drive(f"http://127.0.0.1:{port}", rounds, visitors, page, proc.pid, settle, client))
        out["loadavg_end"] = os.getloadavg()
    finally:  # Voila and every kernel (its process group), as getpower serve stops them
        import signal

        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    report(out)
    return out


def report(out: dict) -> None:
    for k, v in out.items():
        if isinstance(v, list) and v and isinstance(v[0], float):
            print(f"{k}: median {statistics.median(v):.2f} s, max {max(v):.2f} s ({', '.join(f'{x:.2f}' for x in v)})")
        elif isinstance(v, tuple):
            print(f"{k}: " + ", ".join(f"{x:.2f}" if isinstance(x, float) else str(x) for x in v))
        else:
            print(f"{k}: {v:.2f}" if isinstance(v, float) else f"{k}: {v}")
    print(flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default="data/store")
    ap.add_argument("--port", type=int, default=8899)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--visitors", type=int, default=20)
    ap.add_argument("--page", default="city", choices=[*MARKERS, *BRIEF, *MIXES],
                    help="mix: the Voila pages in turn; brief-mix: the brief pages in turn")
    ap.add_argument("--settle", type=float, default=60, help="seconds the tree is watched after the visits")
    ap.add_argument("--client", default="browser", choices=["browser", "http"],
                    help="the concurrent visitors: Chromium contexts (on these cores), or plain HTTP requests "
                         "timed until the page's HTML has arrived (the server's part alone)")
    ap.add_argument("--pool", action="append", default=[], metavar="PAGE=N", help="as getpower serve --pool")
    ap.add_argument("--json", default=None, help="write the figures here too")
    a = ap.parse_args()
    res = main(a.store, a.port, a.rounds, a.visitors, a.page, parse_pools(a.pool), a.settle, a.client)
    if a.json:
        Path(a.json).write_text(json.dumps(res, ensure_ascii=False, indent=1))
