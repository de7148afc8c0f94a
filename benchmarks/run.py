"""`make bench`: everything issue #18 asks for, printed in one run, at the scales asked (1× = a
province-year, 1,000,000 applications; 30× = national). Each step runs in its own process; wall
times are whole processes (interpreter start-up included) unless said otherwise, and peak memory
is that process's maximum resident set (``wait4``). Ratios are taken within the same run. A step
that fails is reported in one line and the bench goes on; the run ends with the Done-when lines
of #18, each with its figures and met / NOT MET / not measured.

    python benchmarks/run.py [--scales 1 3 10] [--data benchmarks/data] [--csv-max 3] [--gbk-max 1] [--rounds 3] [--no-scorecards]

Per scale: the **read floor** (a process that reads every input file whole and does nothing
else: Parquet as it is, CSV as all-text columns the way intake reads it), ``getpower ingest`` of
the Parquet and (up to ``--csv-max``) the CSV extracts into a new store (wall, peak, ratio to the
floor; up to ``--gbk-max`` the same CSV in GBK too, the UTF-8 files transcoded when missing, its ratio
to the UTF-8 CSV's floor: polars reads no GBK, the floor is of the same rows), ``compute STORE`` and ``compute FOLDER`` (the folder road is ingest + compute), the
store's partitions (year × city) computed one by one, and the core indicators by getpower, by
DuckDB SQL over the raw extracts, and by pandas (1× only). Once, on the smallest scale's store:
the quarter's 12 scorecards, HTML and PDF (``getpower.reports.scorecards``). At 1× and below the
floors and ingests run ``--rounds`` times (3) one after the other, each reported by its run of
median wall time with the range of all.
"""
from __future__ import annotations

import argparse
import importlib.util
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
st = Store(sys.argv[1]); t = time.perf_counter()  # every Parquet file of the version, whatever its layout
rows = sum(pl.read_parquet(f).height for f in sorted(st.current.rglob("*.parquet")))
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
def read(k):  # the one-file layout, or the Hive partitions (keys from the paths: no year, the city as text)
    if (st.current / f"{k}.parquet").exists():
        return pd.read_parquet(st.current / f"{k}.parquet")
    df = pd.read_parquet(st.current / k).drop(columns="year")
    return df.assign(city=df["city"].astype(str))
process_days(read("stages"), read("applications"), year)
outage_hours(read("outages"), read("customer_base"), year)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
PARTITIONS = """
import json, statistics, sys, time
from getpower import params
from getpower.currency import extent
from getpower.store import Store
from getpower.table import indicator_table, load_frames, partition_table, record_level
# the same lazy plans run on one partition of the store at a time (a city, the years up to the
# period's: only its files read), no cache; the sources' extent is the whole's, computed once
# with the whole store's table (timed there); then the whole store at once
st = Store(sys.argv[1]); period = sys.argv[2]; year = int(period[:4]); frames = load_frames(st)
t = time.perf_counter(); recs = record_level(frames); ext = extent(frames, *(f.lazy() for f in recs))
indicator_table(frames, period, recs, ext=ext); whole = time.perf_counter() - t
times = []
for city in params.cities():
    t = time.perf_counter(); partition_table(st, period, city, ext=ext); times.append(time.perf_counter() - t)
print(json.dumps({"count": len(times), "year": year, "median_seconds": statistics.median(times), "max_seconds": max(times),
                  "sum_seconds": sum(times), "whole_seconds": whole,
                  "layout": "year x city" if (st.current / "stages").is_dir() else "one file per kind"}))
"""


# the peers' processes (pandas, DuckDB) see the packages installed apart from getpower's
# environment (`make bench`: pip install --target benchmarks/.peers -r benchmarks/peers.txt);
# getpower's own processes never do (set by main from --peers)
PEER_ENV: dict[str, str] = dict(os.environ)
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
    return {"seconds": wall, "cpu_seconds": CPU["last"], "peak_mib": rss}


def floor(folder: Path) -> dict:
    wall, rss, out = run_one([PY, "-c", FLOOR, str(folder)])
    got = json.loads(out)
    return {"seconds": wall, "cpu_seconds": CPU["last"], "in_process_seconds": got["seconds"], "rows": got["rows"],
            "peak_mib": rss}


def median_run(runs: list[dict | None]) -> dict | None:
    """The run of median wall time among those that did not fail (None when all did), with every
    run's wall time (``all_seconds``)."""
    ok = sorted((x for x in runs if x is not None), key=lambda x: x["seconds"])
    if not ok:
        return None
    return {**ok[(len(ok) - 1) // 2], "all_seconds": [x["seconds"] for x in ok]}


def spread(run: dict) -> str:
    return "–".join(f"{x:.2f}" for x in (min(run["all_seconds"]), max(run["all_seconds"])))


def step(r: dict, name: str, fn, *args):
    """Run one step; a failure is printed as one line and kept in ``r["failed"]``, and the bench
    goes on with the next step (what depends on it is reported as not measured)."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 — any failure of a step is reported, not raised
        lines = [line for line in str(exc).strip().splitlines() if line.strip()]
        msg = f"{type(exc).__name__}: {lines[0][:160] if lines else ''}" + (f" … {lines[-1][-240:]}" if len(lines) > 1 else "")
        r.setdefault("failed", {})[name] = msg
        print(f"  {name}: FAILED — {msg}", flush=True)
        return None


def to_gbk(src: Path, dst: Path) -> None:
    """The UTF-8 CSV extracts of ``src`` written in GBK to ``dst`` (a line at a time), as
    ``iconv -t GBK`` would: a supervisor's Excel on a Chinese Windows saves them so."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in sorted(src.glob("*.csv")):
        with open(f, encoding="utf-8", newline="") as a, open(tmp / f.name, "w", encoding="gbk", newline="") as b:
            shutil.copyfileobj(a, b, 1 << 20)
    os.replace(tmp, dst)


def bench_scale(scale: float, data: Path, csv_max: float, env: dict, gbk_max: float = 1, rounds: int = 1) -> dict:
    folder = data / f"scale-{scale:g}"
    formats = ["parquet"] + (["csv"] if scale <= csv_max else [])
    r: dict = {"scale": scale, "load_before": load()}
    if not all((folder / fmt / f"stages.{fmt}").exists() for fmt in formats):
        t = time.perf_counter()
        gen = [PY, str(HERE / "generate.py"), str(folder), "--scale", str(scale), "--formats", *formats]
        if step(r, "generate", run_one, gen) is None:
            return r
        print(f"  generated {folder} in {time.perf_counter() - t:.1f} s", flush=True)
    if "csv" in formats and scale <= gbk_max:
        if not (folder / "csv-gbk" / "stages.csv").exists():
            step(r, "transcode to GBK", to_gbk, folder / "csv", folder / "csv-gbk")
        if (folder / "csv-gbk" / "stages.csv").exists():
            formats.append("csv-gbk")
    store = folder / "store"
    for fmt in formats:
        # the floor and the ingest measured ``rounds`` times, one after the other, each the run of
        # median wall time (a 3 s process on a shared machine varies by ±10 % from minute to
        # minute: one run decides nothing); every run's wall time is kept (``all_seconds``)
        floors, ingests = [], []
        for _ in range(rounds):
            floors.append(r.get("floor_csv") if fmt == "csv-gbk" else  # the same rows, read as UTF-8
                          step(r, f"floor {fmt}", floor, folder / fmt))
            ingests.append(step(r, f"ingest {fmt}", ingest, folder / fmt,
                                store if fmt == "parquet" else folder / f"store-{fmt}", env))
        f = r[f"floor_{fmt}"] = median_run(floors)
        i = r[f"ingest_{fmt}"] = median_run(ingests)
        if i is None:
            continue
        line = f"  {fmt}: ingest {i['seconds']:.1f} s, CPU {i['cpu_seconds']:.1f} s, peak {i['peak_mib']:,.0f} MiB"
        if f is not None:
            i["rows"] = f["rows"]
            i["rows_per_second"] = f["rows"] / i["seconds"]
            i["to_floor"] = i["seconds"] / f["seconds"]
            i["cpu_to_floor"] = i["cpu_seconds"] / f["cpu_seconds"]
            line = (f"  {fmt}: floor {f['seconds']:.2f} s, CPU {f['cpu_seconds']:.2f} s (in-process {f['in_process_seconds']:.2f} s"
                    + ("; the UTF-8 CSV's" if fmt == "csv-gbk" else "") + "); "
                    f"ingest {f['rows']:,} rows {i['seconds']:.2f} s, CPU {i['cpu_seconds']:.1f} s = {i['to_floor']:.1f}× the floor "
                    f"(CPU {i['cpu_to_floor']:.1f}×), {i['rows_per_second']:,.0f} rows/s, peak {i['peak_mib']:,.0f} MiB")
            if rounds > 1:
                line += (f"; medians of {rounds} runs (floor {spread(f)} s; ingest {spread(i)} s)")
        print(line, flush=True)
    for fmt in formats[1:]:
        shutil.rmtree(folder / f"store-{fmt}", ignore_errors=True)
    if r.get("ingest_parquet") is None:
        print("  no store at this scale: compute, partitions and the core indicators not measured", flush=True)
        r["load_after"] = load()
        return r

    def compute_in_process() -> None:
        _, _, out = run_one([PY, "-c", STORE_FLOOR, str(store)])
        r["store_floor_seconds"] = json.loads(out)["seconds"]
        _, r["compute_year_peak_mib"], out = run_one([PY, "-c", COMPUTE, str(store), "2023"])
        r["compute_year_seconds"] = json.loads(out)["2023"]
        _, _, out = run_one([PY, "-c", COMPUTE, str(store), "2023Q1", "2023Q2", "2023Q3", "2023Q4"])
        r["compute_quarters_seconds"] = json.loads(out)
        print(f"  compute STORE (year): {r['compute_year_seconds']:.2f} s in-process = "
              f"{r['compute_year_seconds'] / r['store_floor_seconds']:.1f}× the store's read floor "
              f"({r['store_floor_seconds']:.2f} s), peak {r['compute_year_peak_mib']:,.0f} MiB; quarters: "
              + ", ".join(f"{k} {v:.2f}" for k, v in r["compute_quarters_seconds"].items()), flush=True)

    def compute_processes() -> None:
        out_csv = folder / "t.csv"
        try:
            r["compute_store_process_seconds"], _, _ = run_one(
                [*GETPOWER, "compute", str(store), "--period", "2023", "--out", str(out_csv)], env)
            r["compute_store_process_cpu"] = CPU["last"]
            r["compute_folder_seconds"], r["compute_folder_peak_mib"], _ = run_one(
                [*GETPOWER, "compute", str(folder / "parquet"), "--period", "2023", "--out", str(out_csv)], env)
            r["compute_folder_cpu"] = CPU["last"]
        finally:
            out_csv.unlink(missing_ok=True)
        ing = r["ingest_parquet"]
        r["folder_to_ingest_plus_compute"] = r["compute_folder_seconds"] / (ing["seconds"] + r["compute_store_process_seconds"])
        r["folder_to_ingest_plus_compute_cpu"] = r["compute_folder_cpu"] / (
            ing["cpu_seconds"] + r["compute_store_process_cpu"])
        print(f"  compute FOLDER {r['compute_folder_seconds']:.1f} s = {r['folder_to_ingest_plus_compute']:.2f}× "
              f"(ingest {ing['seconds']:.1f} s + compute STORE {r['compute_store_process_seconds']:.1f} s; "
              f"CPU {r['folder_to_ingest_plus_compute_cpu']:.2f}×), peak {r['compute_folder_peak_mib']:,.0f} MiB", flush=True)

    def partitions() -> None:
        _, r["partitions_peak_mib"], out = run_one([PY, "-c", PARTITIONS, str(store), "2023"])
        p = r["partitions"] = json.loads(out)
        print(f"  partitions (year × city; store layout: {p.get('layout')}): {p['count']} cities, the year's table per partition "
              f"{p['median_seconds']:.2f} s median, {p['max_seconds']:.2f} s max (whole store {p['whole_seconds']:.2f} s), "
              f"peak {r['partitions_peak_mib']:,.0f} MiB", flush=True)

    def core_getpower() -> None:
        _, _, out = run_one([PY, "-c", CORE_POLARS, str(store), "2023"])
        r["core_getpower_seconds"] = json.loads(out)["seconds"]

    def core_duckdb() -> None:
        _, r["core_duckdb_peak_mib"], out = run_one([PY, str(HERE / "duckdb_peer.py"), str(folder / "parquet"), "2023"],
                                                    PEER_ENV)
        r["core_duckdb_seconds"] = json.loads(out)["seconds"]

    def core_pandas() -> None:
        _, _, out = run_one([PY, "-c", CORE_PANDAS, str(store), "2023", str(HERE)], PEER_ENV)
        r["core_pandas_seconds"] = json.loads(out)["seconds"]

    step(r, "compute STORE", compute_in_process)
    step(r, "compute FOLDER", compute_processes)
    step(r, "partitions", partitions)
    step(r, "core indicators, getpower", core_getpower)
    step(r, "core indicators, DuckDB", core_duckdb)  # the peers are installed apart (benchmarks/peers.txt)
    if scale <= 1:
        step(r, "core indicators, pandas", core_pandas)
    if r.get("core_getpower_seconds") or r.get("core_duckdb_seconds"):
        parts = []
        if r.get("core_getpower_seconds"):
            parts.append(f"getpower {r['core_getpower_seconds']:.2f} s (from the store, no cache)")
        if r.get("core_duckdb_seconds"):
            parts.append(f"DuckDB SQL over the raw extracts {r['core_duckdb_seconds']:.2f} s")
        if r.get("core_getpower_seconds") and r.get("core_duckdb_seconds"):
            r["core_to_duckdb"] = r["core_getpower_seconds"] / r["core_duckdb_seconds"]
            parts.append(f"getpower / DuckDB = {r['core_to_duckdb']:.2f}")
            if r.get("compute_store_process_seconds"):
                r["road_to_duckdb"] = (r["ingest_parquet"]["seconds"] + r["compute_store_process_seconds"]) / r["core_duckdb_seconds"]
                parts.append(f"getpower's whole road, ingest + compute, / DuckDB = {r['road_to_duckdb']:.1f}")
        if r.get("core_pandas_seconds"):
            parts.append(f"pandas {r['core_pandas_seconds']:.2f} s")
        print("  core indicators: " + "; ".join(parts), flush=True)
    r["load_after"] = load()
    print(f"  load average before / after: {r['load_before']} / {r['load_after']}", flush=True)
    return r


SCORECARDS = """
import json, sys, time
from getpower import reports
t = time.perf_counter(); stats = {}
out = reports.scorecards(sys.argv[1], sys.argv[2], out=sys.argv[3], jobs=2, progress=lambda line: None, stats=stats)
steps = {}
for o in out:
    for k, v in o.seconds:
        steps[k] = steps.get(k, 0) + v
print(json.dumps({"in_process_seconds": time.perf_counter() - t, "ok": sum(o.ok for o in out), "count": len(out),
                  "steps": steps, **stats, "failed": {o.name: o.message for o in out if not o.ok}}, ensure_ascii=False))
"""
SCORECARDS_TARGET = 30.0  # seconds, issue #18
# runs measured by hand and recorded with their commands (docs/benchmarks.md): the 30× run, cited by
# the Done-when line when neither this run nor the results file has one
RECORDED = HERE / "recorded.json"


def bench_scorecards(store: Path, out: Path) -> dict:
    """The quarter's 12 scorecards (11 cities and the province), HTML and PDF, as
    ``getpower scorecards --jobs 2`` makes them (``reports.scorecards``), on a store just
    ingested (its record cache built, the other quarters' tables not): the whole process's wall
    and CPU, the run's phases (prepared, last HTML, last PDF, from the start) and the CPU of this
    process, the kernels and Chromium; seconds per step summed over the reports (two workers and
    two tabs at once: the sums exceed the wall time)."""
    shutil.rmtree(out, ignore_errors=True)
    load_before = load()
    wall, rss, got = run_one([PY, "-c", SCORECARDS, str(store), "2023Q4", str(out)])
    r = {"process_seconds": wall, "process_cpu_seconds": CPU["last"], "peak_mib": rss, "load_before": load_before,
         "load_after": load(), **json.loads(got)}
    ph, cpu = r["phases"], r["cpu"]
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items())
    print(f"scorecards 2023Q4: {r['ok']}/{r['count']} reports (HTML + PDF) in {wall:.1f} s (whole process; "
          f"{r['seconds']:.1f} s in reports.scorecards: data prepared at {ph.get('prepared_at', 0):.1f} s, last HTML at "
          f"{ph.get('executed_at', 0):.1f} s, last PDF at {ph.get('printed_at', 0):.1f} s); "
          f"CPU {cpu['main'] + cpu['kernels'] + cpu['chromium']:.1f} s = this process {cpu['main']:.1f} + "
          f"kernels {cpu['kernels']:.1f} + Chromium {cpu['chromium']:.1f}; peak {rss:,.0f} MiB; load {load_before} → {r['load_after']}",
          flush=True)
    print(f"  summed over the reports: {steps}", flush=True)
    for name, msg in r["failed"].items():
        print(f"  {name}: FAILED — {msg}", flush=True)
    return r


def fmt_ratio(x, spec=".1f", unit="×") -> str:
    return "—" if x is None else f"{x:{spec}}{unit}"


def verdict(ok) -> str:
    return "not measured" if ok is None else "met" if ok else "NOT MET"


def done_when(results: dict, scales: list[float], data: Path) -> list[str]:
    """The Done-when lines of issue #18, each with this run's figures and a verdict."""
    runs = {r["scale"]: r for r in results["runs"]}
    lines = []
    one = runs.get(1.0) or runs.get(1)
    if one:
        formats = ("parquet", "csv", "csv-gbk")
        ratios = {fmt: (one.get(f"ingest_{fmt}") or {}).get("to_floor") for fmt in formats}
        cpus = {fmt: (one.get(f"ingest_{fmt}") or {}).get("cpu_to_floor") for fmt in formats}
        limits = {"parquet": 10, "csv": 10, "csv-gbk": 15}  # issue #18: GBK within 15×
        measured = [(v, limits[fmt]) for fmt, v in ratios.items() if v is not None]
        ok = all(v <= lim for v, lim in measured) if ratios["parquet"] is not None else None
        lines.append(f"[{verdict(ok)}] ingest ≤ 10× the input read floor at 1×: Parquet {fmt_ratio(ratios['parquet'])} "
                     f"(CPU {fmt_ratio(cpus['parquet'])}), UTF-8 CSV {fmt_ratio(ratios['csv'])} (CPU {fmt_ratio(cpus['csv'])}); "
                     + (f"GBK CSV (≤ 15×, against the UTF-8 CSV's floor) {fmt_ratio(ratios['csv-gbk'])} "
                        f"(CPU {fmt_ratio(cpus['csv-gbk'])})" if ratios["csv-gbk"] is not None else "GBK CSV not measured"))
    else:
        lines.append("[not measured] ingest ≤ 10× the input read floor at 1×: 1× not in SCALES")
    ten = runs.get(10.0)
    peak = ((ten or {}).get("ingest_parquet") or {}).get("peak_mib")
    lines.append(f"[{verdict(None if peak is None else peak < 2048)}] ingest peak < 2 GiB at 10×: "
                 + (f"{peak:,.0f} MiB (Parquet)" if peak is not None else "10× not in SCALES or its ingest failed"))
    peaks = [(s, (r.get("ingest_parquet") or {}).get("peak_mib"), (r.get("floor_parquet") or {}).get("rows"))
             for s, r in sorted(runs.items())]
    peaks = [p for p in peaks if p[1] and p[2]]
    if len(peaks) > 1:
        lines.append("      peak against input: " + "; ".join(
            f"{s:g}×: {m:,.0f} MiB ({m / peaks[0][1]:.2f}× for {n / peaks[0][2]:.1f}× the rows)" for s, m, n in peaks))
    thirty = runs.get(30.0)
    earlier = (results.get("earlier_runs") or {}).get("30")
    recorded = json.loads(RECORDED.read_text(encoding="utf-8")).get("30") if RECORDED.exists() else None
    if not thirty and not earlier and recorded:  # never run by this bench here: the run recorded by hand
        i, c = recorded["ingest_parquet"], recorded["compute_store_year"]
        lines.append(f"[{verdict(recorded['completed'])} in a recorded run, not this one: {recorded['when']}, "
                     f"code {recorded['code']}] 30× completes: ingest {i['seconds']:.0f} s (CPU {i['cpu_seconds']:.0f} s), "
                     f"peak {i['peak_mib']:,.0f} MiB; compute STORE (year, whole process) {c['seconds']:.1f} s, "
                     f"peak {c['peak_mib']:,.0f} MiB ({RECORDED.name}; `make bench SCALES=\"30\"` runs it, about 15 min here)")
    elif not thirty and earlier:  # not run now: the last run of it that the results file keeps, said so
        i = earlier.get("ingest_parquet") or {}
        ok = bool(i) and "compute_year_seconds" in earlier
        lines.append(f"[{verdict(ok)} in an earlier run, {earlier.get('started', '?')}] 30× completes: ingest "
                     + (f"{i['seconds']:.0f} s, peak {i['peak_mib']:,.0f} MiB; compute (year) "
                        f"{earlier.get('compute_year_seconds', float('nan')):.1f} s" if i else "failed"))
    elif thirty:
        ok = bool(thirty.get("ingest_parquet")) and "compute_year_seconds" in thirty
        i = thirty.get("ingest_parquet") or {}
        lines.append(f"[{verdict(ok)}] 30× completes: ingest "
                     + (f"{i['seconds']:.0f} s, peak {i['peak_mib']:,.0f} MiB; compute (year) "
                        f"{thirty.get('compute_year_seconds', float('nan')):.1f} s" if i else "failed"))
    else:
        there = (data / "scale-30" / "parquet" / "stages.parquet").exists()
        lines.append("[not measured] 30× completes: not in SCALES in this run (the default is 1 3 10: the 30× ingest alone "
                     "takes about 15 min here); run `make bench SCALES=\"30\"`"
                     + (f" (its extracts are in {data / 'scale-30'})" if there else ""))
    folder = [(s, r.get("folder_to_ingest_plus_compute"), r.get("folder_to_ingest_plus_compute_cpu"))
              for s, r in sorted(runs.items())]
    got = [f for f in folder if f[1] is not None]
    ok = all(0.8 <= f[1] <= 1.25 or 0.8 <= f[2] <= 1.25 for f in got) if got else None
    lines.append(f"[{verdict(ok)}] compute from a folder ≈ ingest + compute (0.8–1.25×, wall or CPU): "
                 + ("; ".join(f"{s:g}×: {w:.2f}× (CPU {c:.2f}×)" for s, w, c in got) if got else "not measured"))
    sc = results.get("scorecards")
    if sc:
        ok = sc["ok"] == sc["count"] and sc["process_seconds"] <= SCORECARDS_TARGET
        cpu = sc["cpu"]
        lines.append(f"[{verdict(ok)}] the quarter's scorecards ≤ {SCORECARDS_TARGET:.0f} s: {sc['ok']}/{sc['count']} in "
                     f"{sc['process_seconds']:.1f} s, CPU {cpu['main'] + cpu['kernels'] + cpu['chromium']:.1f} s "
                     f"(load {sc['load_before']} → {sc['load_after']})")
    else:
        lines.append("[not measured] the quarter's scorecards ≤ 30 s: not run (--no-scorecards, or no store at the smallest scale)")
    duck = [(s, r.get("core_to_duckdb"), r.get("road_to_duckdb")) for s, r in sorted(runs.items())]
    duck = [d for d in duck if d[1] is not None]
    lines.append(("[reported] " if duck else "[not measured] ") + "the DuckDB ratio (core indicators, getpower from its store / "
                 "DuckDB SQL over the raw Parquet; and getpower's whole road, ingest + compute, / DuckDB): "
                 + ("; ".join(f"{s:g}×: {a:.2f} (road {fmt_ratio(b, '.1f', '')})" for s, a, b in duck) if duck
                    else "duckdb missing or failing"))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 3, 10])
    ap.add_argument("--data", default=str(HERE / "data"))
    ap.add_argument("--csv-max", type=float, default=3,
                    help="CSV extracts up to this scale (10× CSV is over params/intake.yaml's file size limit)")
    ap.add_argument("--gbk-max", type=float, default=1,
                    help="the CSV extracts in GBK too, up to this scale (transcoded from the UTF-8 ones when missing)")
    ap.add_argument("--no-scorecards", action="store_true")
    ap.add_argument("--rounds", type=int, default=3,
                    help="at 1× and below, the floors and ingests run this many times, the median reported")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    ap.add_argument("--peers", default=str(HERE / ".peers"),
                    help="the peers (pandas, DuckDB) installed apart from getpower's environment (benchmarks/peers.txt)")
    a = ap.parse_args()
    PEER_ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(a.peers).resolve()), os.environ.get("PYTHONPATH")) if p)
    data = Path(a.data)
    env = dict(os.environ)
    # pandas in getpower's own environment would be imported by pandera in every getpower process
    # timed (≈0.35 s a process; a user's install has none): said on the machine line
    pandas_here = importlib.util.find_spec("pandas") is not None
    results = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                           "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                           "pandas_in_getpower_env": pandas_here},
               "command": " ".join([Path(sys.executable).name, *sys.argv]), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
               "runs": []}
    # the last run of each scale not run now is carried over from the results file, marked as
    # earlier (the Done-when line of 30× cites it when SCALES leaves 30× out)
    try:
        old = json.loads(Path(a.out).read_text(encoding="utf-8"))
        earlier = dict(old.get("earlier_runs") or {})
        earlier.update({f"{r['scale']:g}": {**r, "started": old.get("started")} for r in old.get("runs", [])})
        results["earlier_runs"] = {k: v for k, v in earlier.items() if float(k) not in a.scales}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    t0 = time.perf_counter()
    print(f"machine: {results['machine']}; load average {load()}", flush=True)
    print(f"command: {results['command']} (make bench SCALES=\"{' '.join(f'{s:g}' for s in a.scales)}\" "
          f"BENCH_DATA={data}); started {results['started']}", flush=True)
    for s in a.scales:
        print(f"scale {s:g}× …", flush=True)
        results["runs"].append(bench_scale(s, data, a.csv_max, env, a.gbk_max, a.rounds if s <= 1 else 1))
    if not a.no_scorecards:
        first = data / f"scale-{min(a.scales):g}" / "store"
        if (first / "CURRENT").exists():
            failed: dict = {}
            results["scorecards"] = step(failed, "scorecards", bench_scorecards, first, first.parent / "reports")
            if failed:
                results["scorecards_failed"] = failed
        else:
            print(f"scorecards: not run (no store at {first})", flush=True)
    print(f"\nDone when (issue #18), this run ({(time.perf_counter() - t0) / 60:.0f} min, load average now {load()}):")
    for line in done_when(results, a.scales, data):
        print("  " + line)
    Path(a.out).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"results: {a.out}")


if __name__ == "__main__":
    main()
