"""`make bench`: everything issue #18 asks for, printed in one run, at the scales asked (1× = a
province-year, 1,000,000 applications; 30× = national). Each step runs in its own process; wall
times are whole processes (interpreter start-up included) unless said otherwise, and peak memory
is that process's maximum resident set (``wait4``). Ratios are taken within the same run.

    python benchmarks/run.py [--scales 1 3 10] [--data benchmarks/data] [--csv-max 10] [--no-scorecards]

Per scale: the **read floor** (a process that reads every input file whole and does nothing
else: Parquet as it is, CSV as all-text columns the way intake reads it), ``getpower ingest`` of
the Parquet and of the CSV extracts into a new store (wall, peak, ratio to the floor),
``compute STORE`` and ``compute FOLDER`` (the folder road is ingest + compute), the store's
partitions (year × city) computed one by one, and the core indicators by getpower, by DuckDB SQL
over the raw extracts, and by pandas (1× only). Once: the quarter's 12 scorecards, HTML and PDF.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
GETPOWER = [PY, "-m", "getpower"]

# the floor: every input file read whole, nothing else (a whole process, as ingest is measured)
FLOOR = """
import glob, json, sys, time, polars as pl
t = time.perf_counter(); rows = 0
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    rows += (pl.read_parquet(f) if f.endswith(".parquet") else pl.read_csv(f, infer_schema=False)).height
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""
STORE_FLOOR = """
import json, sys, time, polars as pl
from getpower.store import Store
st = Store(sys.argv[1]); t = time.perf_counter()
rows = sum(pl.read_parquet(st.current / f"{k}.parquet").height for k in st.manifest()["rows"])
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""
COMPUTE = """
import json, sys, time
from getpower.table import compute
out = {}
for label in sys.argv[2:]:  # what `getpower compute` does, timed in-process (start-up excluded)
    t = time.perf_counter(); compute(sys.argv[1], label); out[label] = time.perf_counter() - t
print(json.dumps(out))
"""
CORE_POLARS = """
import json, sys, time
from getpower.indicators.engine import compute
from getpower.periods import Period
from getpower.registry import spec
from getpower.table import load_frames, prepare_inputs
import polars as pl
t = time.perf_counter(); p = Period.parse(sys.argv[2]); inp = prepare_inputs(load_frames(sys.argv[1]), p)  # no cache
pl.collect_all([compute(spec("process_days_mean"), inp), compute(spec("outage_hours"), inp)])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
CORE_PANDAS = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
import pandas as pd
from pandas_peer import outage_hours, process_days
from getpower.store import Store
st = Store(sys.argv[1]); year = int(sys.argv[2]); t = time.perf_counter()
read = lambda k: pd.read_parquet(st.current / f"{k}.parquet")
process_days(read("stages"), read("applications"), year)
outage_hours(read("outages"), read("customer_base"), year)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
PARTITIONS = """
import json, statistics, sys, time
import polars as pl
from getpower import params
from getpower.store import Store
from getpower.table import indicator_table, load_frames, record_level
# the same lazy plans, run on one partition (year x city) of the store at a time: every kind
# filtered to the city (stages by their application's city), no cache; then the whole store alike
frames = load_frames(Store(sys.argv[1])); period = sys.argv[2]; year = int(period[:4])
def part(city):
    apps = frames["applications"].filter(pl.col("city") == city)
    out = {}
    for k, lf in frames.items():
        names = lf.collect_schema().names()
        out[k] = (lf.join(apps.select("app_id"), on="app_id", how="semi") if k == "stages" else
                  lf.filter(pl.col("city") == city) if "city" in names else lf)
    return out
times = []
for city in params.cities():
    t = time.perf_counter(); f = part(city); indicator_table(f, period, record_level(f)); times.append(time.perf_counter() - t)
t = time.perf_counter(); indicator_table(frames, period, record_level(frames)); whole = time.perf_counter() - t
print(json.dumps({"count": len(times), "year": year, "median_seconds": statistics.median(times), "max_seconds": max(times),
                  "sum_seconds": sum(times), "whole_seconds": whole}))
"""


CPU: dict[str, float] = {}  # CPU seconds (user + system) of the last process run_one ran, by its first words


def run_one(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """A child process: wall seconds, its own peak RSS (MiB, from wait4) and its standard output.
    Its CPU seconds (user + system: steadier than wall time on a shared machine) go to ``CPU["last"]``."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    th_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
    th_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    th_out.start()
    th_err.start()
    _, status, usage = os.wait4(proc.pid, 0)
    th_out.join()
    th_err.join()
    wall = time.perf_counter() - t
    CPU["last"] = usage.ru_utime + usage.ru_stime
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:5]))} failed: {b''.join(err_chunks).decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024, b"".join(out_chunks).decode()


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ingest(folder: Path, store: Path, env: dict) -> dict:
    shutil.rmtree(store, ignore_errors=True)
    wall, rss, _ = run_one([*GETPOWER, "ingest", str(folder), "--store", str(store)], env)
    cpu = CPU["last"]
    manifest = json.loads((store / "versions" / (store / "CURRENT").read_text().strip() / "manifest.json").read_text())
    rows = sum(f["rows_accepted"] + f["rows_quarantined"] for f in manifest["files"].values())
    return {"seconds": wall, "cpu_seconds": cpu, "peak_mib": rss, "rows": rows, "rows_per_second": rows / wall}


def floor(folder: Path) -> dict:
    wall, rss, out = run_one([PY, "-c", FLOOR, str(folder)])
    return {"seconds": wall, "cpu_seconds": CPU["last"], "in_process_seconds": json.loads(out)["seconds"], "peak_mib": rss}


def bench_scale(scale: float, data: Path, csv_max: float, env: dict) -> dict:
    folder = data / f"scale-{scale:g}"
    formats = ["parquet"] + (["csv"] if scale <= csv_max else [])
    if not all((folder / fmt / f"stages.{fmt}").exists() for fmt in formats):
        t = time.perf_counter()
        subprocess.run([PY, str(HERE / "generate.py"), str(folder), "--scale", str(scale), "--formats", *formats],
                       check=True)
        print(f"  generated {folder} in {time.perf_counter() - t:.1f} s", flush=True)
    r: dict = {"scale": scale, "load_before": load()}
    store = folder / "store"
    for fmt in formats:
        r[f"floor_{fmt}"] = floor(folder / fmt)
        r[f"ingest_{fmt}"] = ingest(folder / fmt, store if fmt == "parquet" else folder / "store-csv", env)
        f, i = r[f"floor_{fmt}"], r[f"ingest_{fmt}"]
        i["to_floor"] = i["seconds"] / f["seconds"]
        i["cpu_to_floor"] = i["cpu_seconds"] / f["cpu_seconds"]
        print(f"  {fmt}: floor {f['seconds']:.2f} s, CPU {f['cpu_seconds']:.2f} s (in-process {f['in_process_seconds']:.2f} s); "
              f"ingest {i['rows']:,} rows {i['seconds']:.1f} s, CPU {i['cpu_seconds']:.1f} s = {i['to_floor']:.1f}× the floor "
              f"(CPU {i['cpu_to_floor']:.1f}×), {i['rows_per_second']:,.0f} rows/s, peak {i['peak_mib']:,.0f} MiB", flush=True)
    shutil.rmtree(folder / "store-csv", ignore_errors=True)
    _, _, out = run_one([PY, "-c", STORE_FLOOR, str(store)])
    r["store_floor_seconds"] = json.loads(out)["seconds"]
    _, r["compute_year_peak_mib"], out = run_one([PY, "-c", COMPUTE, str(store), "2023"])
    r["compute_year_seconds"] = json.loads(out)["2023"]
    _, _, out = run_one([PY, "-c", COMPUTE, str(store), "2023Q1", "2023Q2", "2023Q3", "2023Q4"])
    r["compute_quarters_seconds"] = json.loads(out)
    out_csv = folder / "t.csv"
    r["compute_store_process_seconds"], _, _ = run_one(
        [*GETPOWER, "compute", str(store), "--period", "2023", "--out", str(out_csv)], env)
    r["compute_store_process_cpu"] = CPU["last"]
    r["compute_folder_seconds"], r["compute_folder_peak_mib"], _ = run_one(
        [*GETPOWER, "compute", str(folder / "parquet"), "--period", "2023", "--out", str(out_csv)], env)
    r["compute_folder_cpu"] = CPU["last"]
    out_csv.unlink(missing_ok=True)
    r["folder_to_ingest_plus_compute"] = r["compute_folder_seconds"] / (
        r["ingest_parquet"]["seconds"] + r["compute_store_process_seconds"])
    print(f"  compute STORE (year): {r['compute_year_seconds']:.2f} s in-process = "
          f"{r['compute_year_seconds'] / r['store_floor_seconds']:.1f}× the store's read floor "
          f"({r['store_floor_seconds']:.2f} s), peak {r['compute_year_peak_mib']:,.0f} MiB; quarters: "
          + ", ".join(f"{k} {v:.2f}" for k, v in r["compute_quarters_seconds"].items()), flush=True)
    r["folder_to_ingest_plus_compute_cpu"] = r["compute_folder_cpu"] / (
        r["ingest_parquet"]["cpu_seconds"] + r["compute_store_process_cpu"])
    print(f"  compute FOLDER {r['compute_folder_seconds']:.1f} s = {r['folder_to_ingest_plus_compute']:.2f}× "
          f"(ingest {r['ingest_parquet']['seconds']:.1f} s + compute STORE {r['compute_store_process_seconds']:.1f} s; "
          f"CPU {r['folder_to_ingest_plus_compute_cpu']:.2f}×), peak {r['compute_folder_peak_mib']:,.0f} MiB", flush=True)
    _, r["partitions_peak_mib"], out = run_one([PY, "-c", PARTITIONS, str(store), "2023"])
    r["partitions"] = json.loads(out)
    p = r["partitions"]
    print(f"  partitions (year × city): {p['count']} partitions of the store, the year's table per partition "
          f"{p['median_seconds']:.2f} s median, {p['max_seconds']:.2f} s max (whole store {p['whole_seconds']:.2f} s), "
          f"peak {r['partitions_peak_mib']:,.0f} MiB", flush=True)
    _, _, out = run_one([PY, "-c", CORE_POLARS, str(store), "2023"])
    r["core_getpower_seconds"] = json.loads(out)["seconds"]
    try:
        _, r["core_duckdb_peak_mib"], out = run_one([PY, str(HERE / "duckdb_peer.py"), str(folder / "parquet"), "2023"])
        r["core_duckdb_seconds"] = json.loads(out)["seconds"]
    except RuntimeError as exc:  # duckdb not installed (it is a bench-only extra)
        r["core_duckdb_seconds"] = None
        print(f"  duckdb peer not run: {str(exc)[-200:]}")
    r["core_pandas_seconds"] = None
    if scale <= 1:
        try:
            _, _, out = run_one([PY, "-c", CORE_PANDAS, str(store), "2023", str(HERE)])
            r["core_pandas_seconds"] = json.loads(out)["seconds"]
        except RuntimeError as exc:
            print(f"  pandas peer failed: {str(exc)[-300:]}")
    line = f"  core indicators: getpower {r['core_getpower_seconds']:.2f} s (from the store, no cache)"
    if r["core_duckdb_seconds"]:
        line += (f", DuckDB SQL over the raw extracts {r['core_duckdb_seconds']:.2f} s "
                 f"(getpower / DuckDB = {r['core_getpower_seconds'] / r['core_duckdb_seconds']:.2f}; "
                 f"getpower's whole road, ingest + compute, / DuckDB = "
                 f"{(r['ingest_parquet']['seconds'] + r['compute_store_process_seconds']) / r['core_duckdb_seconds']:.1f})")
    if r["core_pandas_seconds"]:
        line += f", pandas {r['core_pandas_seconds']:.2f} s"
    print(line, flush=True)
    r["load_after"] = load()
    print(f"  load average before / after: {r['load_before']} / {r['load_after']}", flush=True)
    return r


SCORECARDS = """
import json, sys, time
from getpower import reports
t = time.perf_counter()
out = reports.scorecards(sys.argv[1], sys.argv[2], out=sys.argv[3], jobs=2, progress=lambda line: None)
steps = {}
for o in out:
    for k, v in o.seconds:
        steps[k] = steps.get(k, 0) + v
print(json.dumps({"in_process_seconds": time.perf_counter() - t, "ok": sum(o.ok for o in out), "count": len(out),
                  "steps": steps}))
"""


def bench_scorecards(store: Path, out: Path) -> dict:
    """The quarter's 12 scorecards (11 cities and the province), HTML and PDF, as
    ``getpower scorecards --jobs 2`` makes them; seconds per step summed over the reports (two
    workers run at once: the sums exceed the wall time)."""
    shutil.rmtree(out, ignore_errors=True)
    wall, rss, got = run_one([PY, "-c", SCORECARDS, str(store), "2023Q4", str(out)])
    r = {"seconds": wall, "cpu_seconds": CPU["last"], "peak_mib": rss, **json.loads(got)}
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items())
    print(f"scorecards 2023Q4: {r['ok']}/{r['count']} reports (HTML + PDF) in {wall:.1f} s (process; CPU {r['cpu_seconds']:.1f} s), "
          f"peak {rss:,.0f} MiB; summed over reports: {steps}", flush=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 3, 10])
    ap.add_argument("--data", default=str(HERE / "data"))
    ap.add_argument("--csv-max", type=float, default=10, help="CSV extracts up to this scale (30×: Parquet only)")
    ap.add_argument("--no-scorecards", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    a = ap.parse_args()
    data = Path(a.data)
    env = dict(os.environ)
    results = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                           "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
               "runs": []}
    print(f"machine: {results['machine']}; load average {load()}", flush=True)
    for s in a.scales:
        print(f"scale {s:g}× …", flush=True)
        results["runs"].append(bench_scale(s, data, a.csv_max, env))
    runs = results["runs"]
    if len(runs) > 1:
        base = runs[0]
        print("memory against input (ingest of Parquet): " + "; ".join(
            f"{r['scale']:g}×: {r['ingest_parquet']['peak_mib']:,.0f} MiB "
            f"({r['ingest_parquet']['peak_mib'] / base['ingest_parquet']['peak_mib']:.2f}× for "
            f"{r['ingest_parquet']['rows'] / base['ingest_parquet']['rows']:.1f}× the rows)" for r in runs))
    if not a.no_scorecards and runs:
        first = data / f"scale-{a.scales[0]:g}"
        results["scorecards"] = bench_scorecards(first / "store", first / "reports")
        print(f"load average: {load()}")
    Path(a.out).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"results: {a.out}")


if __name__ == "__main__":
    main()
