"""Early warning at scale (#15): the in-flight status on the data's date and mid-way, the
escalation workbook, the backlog over every month end, and the process's peak RSS.

    python benchmarks/early_warning.py STORE        # e.g. the store `make bench` ingests at 1x
"""
from __future__ import annotations

import json
import resource
import sys
import time


def main(store: str) -> dict:
    from getpower.escalation import escalation, workbook
    from getpower.inflight import backlog, data_span, inflight, month_ends
    from getpower.table import load_frames

    frames = load_frames(store)
    span = data_span(frames)
    mid = span[0] + (span[1] - span[0]) / 2
    out = {"span": [span[0].isoformat(), span[1].isoformat()]}
    for name, day in (("inflight_last_day", span[1]), ("inflight_mid", mid)):
        t = time.perf_counter()
        out[f"{name}_rows"] = inflight(frames, day).height
        out[f"{name}_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    out["workbook_kib"] = len(workbook(escalation(store, span[1]))) // 1024
    out["escalation_workbook_s"] = round(time.perf_counter() - t, 2)
    dates = month_ends(span)
    t = time.perf_counter()
    backlog(frames, dates)
    out["backlog_s"], out["backlog_dates"] = round(time.perf_counter() - t, 2), len(dates)
    out["peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
