"""Dashboard timings with a warm server (issue #5): time until the overview shows its widgets, and
until a selection change has updated the page. Run: .venv/bin/python benchmarks/dashboards.py [STORE]."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

from getpower.present import dashboard
from getpower.serve import voila_command

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(store: str = "data/store", port: int = 8899, rounds: int = 5) -> dict:
    dashboard.warm(store)
    cmd, env = voila_command(port=port, store=store)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/voila/render"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
                break
            except Exception:
                time.sleep(0.5)
        time.sleep(20)  # let the preheated overview kernel finish rendering: a warm server
        loads, changes, city_changes = [], [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for i in range(rounds):
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(f"{base}/overview.ipynb")
                page.wait_for_selector("[data-page=overview]")
                page.wait_for_selector(".widget-dropdown select")
                loads.append(time.perf_counter() - t0)
                before = page.locator("img[alt=达标热力图]").get_attribute("src")  # the last picture drawn
                options = page.locator(".widget-dropdown select").first.locator("option").all_inner_texts()
                t0 = time.perf_counter()
                page.locator(".widget-dropdown select").first.select_option(options[-2 - i % 3])
                page.wait_for_function("s => document.querySelector('img[alt=达标热力图]').src !== s", arg=before)
                changes.append(time.perf_counter() - t0)
                page.close()
                time.sleep(8)  # the pool refills its preheated kernel
            page = browser.new_page()
            page.goto(f"{base}/city.ipynb?city=杭州&period=2023Q4")
            page.wait_for_selector("[data-page=city][data-city=杭州]")
            for city in ["宁波", "温州", "丽水", "舟山", "杭州"]:
                t0 = time.perf_counter()
                page.locator(".widget-dropdown", has_text="城市").locator("select").select_option(city)
                # the download links are the last thing the page updates
                page.wait_for_selector(f"a.gp-download[download^='{city}_']")
                city_changes.append(time.perf_counter() - t0)
            browser.close()
    finally:
        proc.terminate()
    out = {"overview_load_s": loads, "overview_period_change_s": changes, "city_change_s": city_changes}
    for k, v in out.items():
        print(f"{k}: median {statistics.median(v):.2f} s, max {max(v):.2f} s ({', '.join(f'{x:.2f}' for x in v)})")
    return out


if __name__ == "__main__":
    main(*sys.argv[1:2])
