"""`make bench`: ingest, compute, read floor, peak memory and the pandas peer, at 1× and 10× a
province-year. Each step runs in its own process; peak RSS is that process's maximum resident set.

    python benchmarks/run.py [--scales 1 10] [--data benchmarks/data]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

READ_FLOOR = """
import json, sys, time, polars as pl
from pathlib import Path
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


def bench_scale(scale: float, data: Path) -> dict:
    folder = data / f"scale-{scale:g}"
    if not (folder / "csv" / "stages.csv").exists():
        t = time.perf_counter()
        subprocess.run([PY, str(HERE / "generate.py"), str(folder), "--scale", str(scale)], check=True)
        print(f"  generated {folder} in {time.perf_counter() - t:.1f} s")
    store = folder / "store"
    shutil.rmtree(store, ignore_errors=True)
    wall, rss_ingest, _ = run_one([PY, "-m", "getpower", "ingest", str(folder / "csv"), "--store", str(store)])
    manifest = json.loads((store / "versions" / (store / "CURRENT").read_text().strip() / "manifest.json").read_text())
    total_rows = sum(f["rows_accepted"] + f["rows_quarantined"] for f in manifest["files"].values())
    _, _, out = run_one([PY, "-c", READ_FLOOR, str(store)])
    floor = json.loads(out)["seconds"]
    periods = ["2023", "2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    _, rss_year, out = run_one([PY, "-c", COMPUTE, str(store), "2023"])
    year = json.loads(out)["2023"]
    _, _, out = run_one([PY, "-c", COMPUTE, str(store), *periods[1:]])
    quarters = json.loads(out)
    _, _, out = run_one([PY, "-c", CORE_POLARS, str(store), "2023"])
    core_polars = json.loads(out)["seconds"]
    try:
        _, rss_pandas, out = run_one([PY, "-c", CORE_PANDAS, str(store), "2023", str(HERE)])
        core_pandas = json.loads(out)["seconds"]
    except RuntimeError as exc:  # e.g. out of memory at 10×
        core_pandas, rss_pandas = None, None
        print(f"  pandas peer failed: {str(exc)[-300:]}")
    return {
        "scale": scale, "rows_ingested": total_rows, "ingest_seconds": wall,
        "ingest_rows_per_second": total_rows / wall, "ingest_peak_rss_mib": rss_ingest,
        "read_floor_seconds": floor, "compute_year_seconds": year, "compute_year_peak_rss_mib": rss_year,
        "compute_quarters_seconds": quarters, "compute_to_floor_ratio": year / floor,
        "core_polars_seconds": core_polars, "core_pandas_seconds": core_pandas,
        "core_pandas_peak_rss_mib": rss_pandas,
        "pandas_to_getpower_ratio": (core_pandas / core_polars) if core_pandas else None,
    }


def run_one(cmd: list[str]) -> tuple[float, float, str]:
    """A child process: wall seconds, its own peak RSS (MiB, from wait4) and its standard output."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks = []
    import threading

    err_chunks: list[bytes] = []
    th_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
    th_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    th_out.start()
    th_err.start()
    _, status, usage = os.wait4(proc.pid, 0)
    th_out.join()
    th_err.join()
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:4]))} failed: {b''.join(err_chunks).decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024, b"".join(out_chunks).decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    ap.add_argument("--data", default=str(HERE / "data"))
    a = ap.parse_args()
    results = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
               "runs": []}
    for s in a.scales:
        print(f"scale {s:g}× …", flush=True)
        r = bench_scale(s, Path(a.data))
        results["runs"].append(r)
        q = ", ".join(f"{k} {v:.2f}" for k, v in r["compute_quarters_seconds"].items())
        print(f"  ingest {r['rows_ingested']:,} rows in {r['ingest_seconds']:.1f} s = {r['ingest_rows_per_second']:,.0f} rows/s, "
              f"peak {r['ingest_peak_rss_mib']:,.0f} MiB")
        print(f"  read floor {r['read_floor_seconds']:.2f} s; compute year {r['compute_year_seconds']:.2f} s "
              f"({r['compute_to_floor_ratio']:.1f}× the floor), peak {r['compute_year_peak_rss_mib']:,.0f} MiB; quarters: {q}")
        if r["core_pandas_seconds"]:
            print(f"  core indicators: getpower {r['core_polars_seconds']:.2f} s, pandas {r['core_pandas_seconds']:.2f} s "
                  f"({r['pandas_to_getpower_ratio']:.1f}× slower)")
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
