"""The core indicators as DuckDB SQL straight over the raw Parquet extracts: what a data engineer
would write instead of getpower (no validation, no quarantine, calendar days only). The same two
indicators as :mod:`pandas_peer`: mean process days by city and customer class, and outage hours
by city and area type, for one calendar year. Benchmarks only (installed apart from getpower's
environment: ``benchmarks/peers.txt``); the library never imports duckdb.

    python benchmarks/duckdb_peer.py EXTRACTS_FOLDER YEAR
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PROCESS_DAYS = """
WITH accept AS (
    SELECT app_id, min(started_at) AS accepted_at FROM read_parquet($stages) WHERE stage = '申请受理' GROUP BY app_id
), done AS (
    SELECT app_id, max(finished_at) AS done_at FROM read_parquet($stages)
    WHERE stage IN ('装表接电', '竣工装表接电') GROUP BY app_id
)
SELECT a.city, a.customer_class,
       avg(date_diff('day', CAST(c.accepted_at AS DATE), CAST(d.done_at AS DATE))) AS mean_days, count(*) AS n
FROM read_parquet($apps) a JOIN done d USING (app_id) LEFT JOIN accept c USING (app_id)
WHERE a.status <> '已撤销' AND year(d.done_at) = $year
GROUP BY ALL ORDER BY ALL
"""

OUTAGE_HOURS = """
WITH ev AS (
    SELECT city, area_type,
           greatest(0, epoch(least(restored_at, make_timestamp($year + 1, 1, 1, 0, 0, 0))
                             - greatest(started_at, make_timestamp($year, 1, 1, 0, 0, 0))) / 3600.0) AS hours,
           customers_affected
    FROM read_parquet($outages)
    WHERE restored_at - started_at >= INTERVAL 3 MINUTE
), ch AS (
    SELECT city, area_type, sum(hours * customers_affected) AS ch FROM ev GROUP BY ALL
), base AS (
    SELECT city, area_type, arg_max(customers, as_of) AS customers FROM read_parquet($customers)
    WHERE as_of <= make_date($year, 12, 31) GROUP BY ALL
)
SELECT city, area_type, ch / customers AS outage_hours FROM ch JOIN base USING (city, area_type) ORDER BY ALL
"""


def core(folder: Path | str, year: int) -> dict:
    import duckdb

    folder = Path(folder)
    con = duckdb.connect()
    files = {k: str(folder / f"{k}.parquet") for k in ("stages", "applications", "outages", "customer_base")}
    t = time.perf_counter()
    days = con.execute(PROCESS_DAYS, {"stages": files["stages"], "apps": files["applications"], "year": year}).fetchall()
    hours = con.execute(OUTAGE_HOURS, {"outages": files["outages"], "customers": files["customer_base"],
                                       "year": year}).fetchall()
    return {"seconds": time.perf_counter() - t, "process_days_rows": len(days), "outage_rows": len(hours)}


if __name__ == "__main__":
    print(json.dumps(core(sys.argv[1], int(sys.argv[2]))))
