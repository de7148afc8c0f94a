"""Deterministic, realistic sample extracts for the 11 cities, 2021 to the end of 2026Q3.

The sample tells a story a supervisor would recognise: 杭州 and 宁波 ahead, 舟山 close behind,
衢州 and 丽水 trailing; handling times and outage hours improving year on year through the plan
(2021–2023), then consolidating (2024–2026: small gains, 丽水's rural outages still flat); a few
cities missing a few targets; and a handful of broken rows so the quarantine shows. The extracts
are taken at the end of 2026Q3 (:data:`END_OF_DATA`): nothing starts after it, and what is under
way then is open.
Formats vary as real exports do: GBK CSV, UTF-8 CSV with BOM, XLSX with date cells, Parquet.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from getpower import params

YEARS = (2021, 2022, 2023, 2024, 2025, 2026)
END_OF_DATA = datetime(2026, 9, 30, 23, 59)  # the last complete quarter when the extracts were taken
# city → (applications per year, quality factor: < 1 is better than average)
CITY_PROFILE = {
    "杭州": (1500, 0.70), "宁波": (1300, 0.75), "温州": (1100, 1.00), "嘉兴": (700, 0.90),
    "湖州": (500, 0.95), "绍兴": (800, 0.92), "金华": (900, 1.05), "衢州": (350, 1.22),
    "舟山": (250, 0.82), "台州": (900, 1.05), "丽水": (350, 1.28),
}
YEAR_FACTOR = {2021: 1.0, 2022: 0.88, 2023: 0.78, 2024: 0.76, 2025: 0.75, 2026: 0.74}
# outage hours relative to 2021; 丽水's rural areas do not improve
RELIABILITY_FACTOR = {2021: 1.0, 2022: 0.86, 2023: 0.76, 2024: 0.74, 2025: 0.72, 2026: 0.71}
LAGGARD_FACTOR = {2021: 1.0, 2022: 1.02, 2023: 0.99, 2024: 1.0, 2025: 0.98, 2026: 0.99}


def days_in_data(year: int) -> int:
    """Days of ``year`` the extracts cover (365 before the last year)."""
    return min(365, (END_OF_DATA.date() - date(year, 1, 1)).days + 1)
CLASS_MIX = (("居民", 0.55), ("低压非居民", 0.35), ("高压单电源", 0.08), ("高压双电源", 0.02))
AREAS = ("市中心区", "市区", "城镇", "农村")
ONLINE = ("网上国网", "浙里办", "浙江政务服务网", "微信", "支付宝")
OFFLINE = ("营业厅", "95598", "客户经理上门")
# outage hours per customer-year by area for an average city in 2021
SAIDI_BASE = {"市中心区": 1.9, "市区": 4.6, "城镇": 8.0, "农村": 14.5}
# customers (thousands) by area for a city of profile volume 1000
CUSTOMERS_BASE = {"市中心区": 90, "市区": 260, "城镇": 330, "农村": 300}


def _pick(rng: random.Random, weighted) -> str:
    x, acc = rng.random(), 0.0
    for value, w in weighted:
        acc += w
        if x < acc:
            return value
    return weighted[-1][0]


def _ts(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def days(self, mean: float, spread: float = 0.35) -> float:
        """A positive duration in days, log-normal around ``mean``."""
        return max(0.02, self.rng.lognormvariate(math.log(max(mean, 0.05)), spread))

    # ---- applications and stages -----------------------------------------------------------
    def applications(self):
        rng = self.rng
        apps, stages = [], []
        seq = 0
        end_of_data = END_OF_DATA
        for year in YEARS:
            yf = YEAR_FACTOR[year]
            span_days = days_in_data(year)
            for city, (volume, q) in CITY_PROFILE.items():
                online_share = min(0.97, 0.55 + 0.25 / q + 0.06 * (year - 2021))
                for _ in range(volume * span_days // 365):
                    seq += 1
                    app_id = f"ZJ{year}{seq:07d}"
                    cls = _pick(rng, CLASS_MIX)
                    important = cls == "高压双电源" and rng.random() < 0.4 or cls == "高压单电源" and rng.random() < 0.04
                    small_micro = cls == "低压非居民" and rng.random() < 0.7
                    if cls == "居民":
                        cap, volt = rng.choice((4, 6, 8, 10, 12, 16, 20)), "220V"
                    elif cls == "低压非居民":
                        cap = rng.choice((10, 20, 30, 50, 80, 100, 125, 160, 200))
                        volt = "380V" if cap <= 160 or rng.random() < 0.3 else "10kV"
                        if cap <= 160 and rng.random() < 0.015 * q:
                            volt = "10kV"  # ledger 32 violation
                    else:
                        cap, volt = rng.choice((250, 400, 630, 800, 1250, 2000, 3150, 5000)), rng.choice(("10kV", "10kV", "20kV"))
                    eligible = cls == "居民" or (small_micro and cap <= 160)
                    if eligible:
                        invest = 0 if rng.random() > 0.012 * q * (2.2 - yf) else rng.choice((800, 1500, 3200))
                    elif cls == "低压非居民":
                        invest = rng.choice((0, 0, 2000, 5000, 12000))
                    else:
                        invest = rng.choice((50000, 120000, 300000, 800000))
                    channel = rng.choice(ONLINE) if rng.random() < online_share else rng.choice(OFFLINE)
                    start = datetime(year, 1, 1, 8) + timedelta(days=rng.randrange(span_days), minutes=rng.randrange(600))
                    chain = self._stage_chain(cls, important, q * yf, year)
                    recs, t = [], start
                    withdrawn = rng.random() < 0.015
                    for i, (stage, span, gap) in enumerate(chain):
                        t = t + timedelta(days=gap)
                        if t > end_of_data:  # not begun when the extracts were taken
                            break
                        fin = t + timedelta(days=span)
                        if withdrawn and i == len(chain) - 1:
                            break
                        if fin > end_of_data:
                            recs.append((stage, t, None))
                            break
                        recs.append((stage, t, fin))
                        t = fin
                    last_done = bool(recs) and recs[-1][0] in ("装表接电", "竣工装表接电") and recs[-1][2] is not None
                    status = "已撤销" if withdrawn else ("已归档" if last_done else "在途")
                    if not withdrawn and rng.random() < 0.05:
                        status = None  # left blank in the export: derived from the stages
                    backfill = rng.random() < 0.012 * q
                    burst = rng.random() < 0.006 * q
                    for stage, s, f in recs:
                        if f is None:
                            rec = None
                        elif burst:
                            rec = recs[-1][2] + timedelta(minutes=rng.randrange(1, 8)) if recs[-1][2] else None
                        elif backfill:
                            rec = f + timedelta(days=rng.randint(2, 9))
                        else:
                            rec = f + timedelta(minutes=rng.randrange(1, 90))
                        stages.append({"app_id": app_id, "stage": stage, "started_at": _ts(s),
                                       "finished_at": _ts(f) if f else None, "recorded_at": _ts(rec) if rec else None})
                    if rng.random() < 0.006 * q and len(recs) >= 2:  # work begun before acceptance
                        s0 = recs[0][1] - timedelta(days=rng.randint(2, 6))
                        stages.append({"app_id": app_id, "stage": "供电方案答复" if cls.startswith("高压") else "装表接电",
                                       "started_at": _ts(s0), "finished_at": _ts(s0 + timedelta(hours=5)),
                                       "recorded_at": _ts(s0 + timedelta(hours=6))})
                    apps.append({
                        "app_id": app_id, "city": rng.choice((city, city + "市")), "district": None,
                        "area_type": rng.choice(AREAS), "customer_class": cls,
                        "important": "是" if important else "否", "small_micro": "是" if small_micro else "否",
                        "capacity_kw": cap, "supply_voltage": volt, "channel": channel,
                        "customer_investment_yuan": invest, "status": status,
                        "name": f"客户{seq}", "phone": f"13{rng.randrange(10**8, 10**9)}",
                    })
        return apps, stages

    def _stage_chain(self, cls: str, important: bool, f: float, year: int):
        """(stage, span in days, gap before it in days) for one application."""
        rng, d = self.rng, self.days
        if cls in ("居民", "低压非居民"):
            total = (4.2 if cls == "居民" else 8.5) * f
            chain = [("申请受理", d(0.3), 0), ("装表接电", d(total * 0.55), d(total * 0.35))]
            if rng.random() < 0.02 * f:  # an extra stage: non-compliant count
                chain.insert(1, ("供电方案答复", d(2), d(1)))
        elif important:
            chain = [("申请受理", d(0.5), 0), ("供电方案答复", d(20 * f), 0), ("设计审查", d(3 * f), d(15)),
                     ("中间检查", d(2.5 * f), d(25)), ("竣工检验", d(3 * f), d(20)), ("装表接电", d(3 * f), d(2))]
        else:
            chain = [("申请受理", d(0.5), 0), ("供电方案答复", d(15 * f), 0), ("竣工检验", d(3 * f), d(35)),
                     ("装表接电", d(3 * f), d(1))]
            if year >= 2022 and rng.random() < 0.25:
                chain = chain[:2] + [("竣工装表接电", d(4 * f), d(35))]
        if rng.random() < 0.02 * f and len(chain) > 2:  # a stage gone through twice (重走流程)
            chain.insert(2, (chain[1][0], d(5 * f), d(2)))
        return chain

    # ---- reliability ---------------------------------------------------------------------------
    def reliability(self):
        rng = self.rng
        tiers = params.city_tiers()
        base, events = [], []
        seq = 0
        for city, (volume, q) in CITY_PROFILE.items():
            scale = volume / 1000
            for area in AREAS:
                cust0 = int(CUSTOMERS_BASE[area] * 1000 * scale * (0.8 + 0.4 * rng.random()))
                for year in YEARS:
                    for qtr in range(1, 5):
                        as_of = date(year, 3 * qtr, 30 if qtr in (2, 3) else 31)
                        if as_of > END_OF_DATA.date():
                            break
                        growth = 1 + 0.02 * ((year - 2021) * 4 + qtr - 1) / 4
                        base.append({"city": city, "area_type": area, "as_of": as_of.isoformat(),
                                     "customers": int(cust0 * growth)})
                    lead = 0.62 if tiers[city] == "lead" else 1.0
                    yf = RELIABILITY_FACTOR[year]
                    if city == "丽水" and area == "农村":
                        yf = LAGGARD_FACTOR[year]  # a laggard: no improvement
                    saidi = SAIDI_BASE[area] * lead * (0.75 + 0.35 * q) * yf
                    span_days = days_in_data(year)
                    want = saidi * cust0 * (1 + 0.02 * (year - 2021)) * span_days / 365
                    got = 0.0
                    while got < want:
                        seq += 1
                        kind = "预安排" if rng.random() < 0.45 else "故障"
                        hours = max(0.03, rng.lognormvariate(math.log(3.2 if kind == "预安排" else 1.8), 0.6))
                        if rng.random() < 0.02:
                            hours = rng.choice((1, 2)) / 60  # shorter than the 3-minute minimum
                        size = {"市中心区": 900, "市区": 1800, "城镇": 3000, "农村": 3600}[area]
                        cust = max(1, int(size * scale ** 0.5 * rng.uniform(0.3, 1.7)))
                        start = datetime(year, 1, 1) + timedelta(minutes=rng.randrange(span_days * 24 * 60))
                        cause = "内部"
                        x = rng.random()
                        if x < 0.08:
                            cause = "外部影响"
                        elif year == 2021 and start.month in (9, 10) and x < 0.3:
                            cause = "系统电源不足限电"
                        events.append({"event_id": f"TD{seq:08d}", "city": city, "district": None,
                                       "area_type": area, "kind": kind, "cause": cause,
                                       "started_at": start.replace(second=0),
                                       "restored_at": (start + timedelta(hours=hours)).replace(second=0, microsecond=0),
                                       "customers_affected": cust})
                        got += hours * cust
        return base, events

    # ---- approvals, catalogue, ledger -------------------------------------------------------------
    def approvals(self):
        rng = self.rng
        rows, seq = [], 0
        for year in YEARS:
            for city, (volume, q) in CITY_PROFILE.items():
                for _ in range(volume * days_in_data(year) // 365 // 8):
                    seq += 1
                    vc = _pick(rng, (("低压", 0.5), ("10kV", 0.38), ("20kV", 0.06), ("35kV及以上", 0.06)))
                    length = rng.randrange(30, 450) if vc == "低压" else rng.randrange(200, 6000)
                    if vc == "低压" and length <= 200:
                        mode = "行政许可" if rng.random() < 0.04 * q else rng.choice(("告知承诺", "备案", "免于审批"))
                    elif vc in ("10kV", "20kV") and year >= 2023 and rng.random() < 0.5:
                        mode = rng.choice(("告知承诺", "备案"))
                    else:
                        mode = rng.choice(("行政许可", "并联审批"))
                    sub = datetime(year, 1, 1, 9) + timedelta(days=rng.randrange(min(358, days_in_data(year))),
                                                              minutes=rng.randrange(480))
                    mean = {"低压": 3.0, "10kV": 5.5, "20kV": 6.0, "35kV及以上": 15.0}[vc] * q * YEAR_FACTOR[year]
                    days = 0 if mode == "免于审批" else self.days(mean, 0.4)
                    appr = None if rng.random() < 0.03 else sub + timedelta(days=days)
                    if appr is not None and appr > END_OF_DATA:
                        appr = None  # still under way when the extracts were taken
                    rows.append({"project_id": f"GC{year}{seq:06d}", "city": city, "voltage_class": vc,
                                 "line_length_m": length, "mode": mode, "submitted_at": sub,
                                 "approved_at": appr.replace(microsecond=0) if appr else None})
        return rows

    def service_items(self):
        rng = self.rng
        items = [f"{w}" for w in ("低压居民新装", "低压非居民新装", "高压新装", "增容", "减容", "暂停", "暂停恢复",
                                  "过户", "更名", "销户", "改类", "迁址", "移表", "分布式光伏并网", "充电桩报装",
                                  "临时用电", "电费发票", "峰谷电价变更", "计量装置校验", "用电信息查询")]
        rows = []
        for city, (_, q) in CITY_PROFILE.items():
            for as_of, base in (("2021-06-30", 0.8), ("2021-12-31", 1.0), ("2022-12-31", 1.0), ("2023-12-31", 1.0),
                                ("2024-12-31", 1.0), ("2025-12-31", 1.0), ("2026-06-30", 1.0)):
                offline_n = 0
                if base < 1:
                    offline_n = int(len(items) * (1 - base) * q)
                elif as_of == "2021-12-31" and q > 1.2:
                    offline_n = 1  # 丽水 misses 100 % at end-2021
                offline = set(rng.sample(items, offline_n))
                for it in items:
                    rows.append({"city": city, "item": it, "online": "否" if it in offline else "是", "as_of": as_of})
        return rows

    def ledger_status(self, tasks):
        rng = self.rng
        rows = []
        units = [params.province(), *CITY_PROFILE]
        for report in (date(2021, 6, 30), date(2021, 12, 31), date(2022, 6, 30), date(2022, 12, 31),
                       date(2023, 6, 30), date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31),
                       date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30)):
            for t in tasks:
                for unit in units:
                    q = CITY_PROFILE.get(unit, (0, 0.9))[1]
                    due = date.fromisoformat(t["deadline"]) if t["deadline"] != "ongoing" else None
                    if due is not None and due <= report:
                        status = "已完成" if rng.random() > 0.06 * q else "推进中"
                    elif due is not None:
                        status = rng.choice(("推进中", "推进中", "未启动", "已完成"))
                    else:
                        status = "推进中" if rng.random() < 0.7 else "已完成"
                    rows.append({"item_no": t["item_no"], "unit": unit, "status": status,
                                 "reported_at": report.isoformat(), "evidence": None})
        return rows


def _rename(rows: list[dict], headers: dict[str, str]) -> pl.DataFrame:
    df = pl.DataFrame(rows, infer_schema_length=None)
    return df.rename({k: v for k, v in headers.items() if k in df.columns})


def generate(out: Path | str, seed: int = 2021) -> dict[str, Path]:
    """Write the sample extracts into ``out``; returns kind → file path. Deterministic in ``seed``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    apps, stages = g.applications()
    base, events = g.reliability()
    approvals = g.approvals()
    items = g.service_items()
    ledger = g.ledger_status(params.load("ledger.yaml")["tasks"])

    # a few broken rows, as real exports have
    apps.append(dict(apps[10]))  # duplicate id
    apps.append(dict(apps[11], app_id="ZJ20219999991", city="上海"))  # unknown city
    apps.append(dict(apps[12], app_id="ZJ20219999992", capacity_kw="约50"))  # unreadable number
    stages.append({"app_id": "ZJ20219999999", "stage": "申请受理", "started_at": "2021-03-01 09:00:00",
                   "finished_at": "2021-03-01 10:00:00", "recorded_at": None})  # orphan
    stages.append(dict(stages[5], started_at="2022-05-10 10:00:00", finished_at="2022-05-09 10:00:00"))
    stages.append({"app_id": "ZJ20219999991", "stage": "申请受理", "started_at": "2021-06-01 09:00:00",
                   "finished_at": "2021-06-01 11:00:00", "recorded_at": None})  # its application is quarantined
    bad_start = datetime(2022, 7, 1, 10)
    events.append(dict(events[3], event_id="TD99999991", started_at=bad_start, restored_at=bad_start - timedelta(hours=1)))
    events.append(dict(events[4], event_id="TD99999992", customers_affected=0))
    events.append(dict(events[5]))  # duplicate event id

    paths = {}
    a = _rename(apps, {"app_id": "工单编号", "city": "供电单位", "district": "区县", "area_type": "区域类型",
                       "customer_class": "客户类别", "important": "高危及重要用户", "small_micro": "小微企业",
                       "capacity_kw": "申请容量（kW）", "supply_voltage": "供电电压等级", "channel": "申请渠道",
                       "customer_investment_yuan": "客户投资(元)", "status": "工单状态",
                       "name": "户名", "phone": "联系电话"})
    paths["applications"] = out / "报装工单.csv"
    paths["applications"].write_bytes(a.with_columns(pl.all().cast(pl.String)).write_csv().encode("gb18030"))

    s = _rename(stages, {"app_id": "工单编号", "stage": "环节名称", "started_at": "环节开始时间",
                         "finished_at": "环节结束时间", "recorded_at": "录入时间"})
    paths["stages"] = out / "环节记录.csv"
    s.write_csv(paths["stages"], include_bom=True)

    e = _rename(events, {"event_id": "停电事件编号", "city": "地市", "district": "区县", "area_type": "区域类型",
                         "kind": "停电性质", "cause": "停电原因", "started_at": "停电开始时间",
                         "restored_at": "恢复送电时间", "customers_affected": "停电用户数"})
    paths["outages"] = out / "停电事件.csv"
    e.with_columns(pl.col("停电开始时间", "恢复送电时间").dt.strftime("%Y/%m/%d %H:%M")).write_csv(paths["outages"])

    paths["customer_base"] = out / "用户数.csv"
    _rename(base, {"city": "地市", "area_type": "区域类型", "as_of": "统计日期", "customers": "用户总数"}).write_csv(
        paths["customer_base"])

    ap = _rename(approvals, {"project_id": "项目编号", "city": "地市", "voltage_class": "电压等级",
                             "line_length_m": "线路长度(米)", "mode": "办理方式", "submitted_at": "申请时间",
                             "approved_at": "办结时间"})
    paths["approvals"] = out / "接入工程审批.xlsx"
    ap.write_excel(paths["approvals"], worksheet="接入工程审批", dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm"})

    paths["service_items"] = out / "service_items.parquet"
    pl.DataFrame(items).write_parquet(paths["service_items"])

    paths["ledger_status"] = out / "台账进展.csv"
    _rename(ledger, {"item_no": "序号", "unit": "责任单位", "status": "完成情况", "reported_at": "报送日期",
                     "evidence": "佐证材料"}).write_csv(paths["ledger_status"])
    return paths
