"""§3 online service and §4 zero investment / low-voltage access, hand-computed."""
from literal_frames import frames, values


def _done(app_id, day="2023-10-10"):
    return [(app_id, "申请受理", f"{day} 09:00", f"{day} 10:00", None), (app_id, "装表接电", f"{day} 11:00", f"{day} 15:00", None)]


def test_online_application_rate_by_acceptance_date():
    fr = frames(
        applications=[{"app_id": "A1", "channel": "网上国网"}, {"app_id": "A2", "channel": "营业厅"},
                      {"app_id": "A3", "channel": "浙里办"}, {"app_id": "A4", "channel": "微信", "status": "已撤销"},
                      {"app_id": "A5", "channel": "营业厅"}],
        stages=[*_done("A1"), *_done("A2"), ("A3", "申请受理", "2023-12-30 09:00", None, None), *_done("A4"),
                *_done("A5", "2023-09-30")],  # A5 received in Q3
    )
    got = values(fr, "2023Q4", "online_application_rate")
    assert got[("杭州", "全部")] == (0.75, 4, None)  # A1, A3, A4 online of 4 received (withdrawn still received)
    assert values(fr, "2023Q3", "online_application_rate")[("杭州", "全部")] == (0.0, 1, None)
    assert got[("宁波", "全部")] == (None, 0, "分母为零：期内无受理工单")


def test_online_availability_uses_latest_catalogue_by_period_end():
    items = [("杭州", f"事项{i}", i < 8, "2023-06-30") for i in range(10)] + \
            [("杭州", f"事项{i}", True, "2023-12-31") for i in range(10)] + \
            [("宁波", f"事项{i}", i < 3, "2023-12-31") for i in range(4)]
    fr = frames(service_items=items)
    assert values(fr, "2023Q3", "online_availability_rate")[("杭州", "全部")] == (0.8, 10, None)
    q4 = values(fr, "2023Q4", "online_availability_rate")
    assert q4[("杭州", "全部")] == (1.0, 10, None)
    assert q4[("全省", "全部")] == (round(13 / 14, 6), 14, None)  # pooled items, not a mean of 1.0 and 0.75
    assert values(fr, "2023Q1", "online_availability_rate")[("杭州", "全部")] == (None, 0, "分母为零：无期末前的业务事项目录")


ZI = frames(
    applications=[
        {"app_id": "Z1", "customer_investment_yuan": 0},  # 居民, eligible, zero
        {"app_id": "Z2", "customer_investment_yuan": 500},  # 居民, eligible, violation
        {"app_id": "Z3", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 160, "supply_voltage_kv": 0.38},
        {"app_id": "Z4", "customer_class": "低压非居民", "small_micro": True, "capacity_kw": 200,
         "supply_voltage_kv": 0.38, "customer_investment_yuan": 1000},  # above 160 kW: not eligible
        {"app_id": "Z5", "customer_class": "低压非居民", "small_micro": False, "capacity_kw": 50,
         "supply_voltage_kv": 0.38, "customer_investment_yuan": 300},  # not small/micro: not eligible
        {"app_id": "Z6", "customer_class": "高压单电源", "capacity_kw": 150, "supply_voltage_kv": 10,
         "customer_investment_yuan": 9000},  # ≤ 160 kW connected at 10 kV
    ],
    stages=[s for a in ("Z1", "Z2", "Z3", "Z4", "Z5", "Z6") for s in _done(a)],
)


def test_zero_investment_coverage_and_violations():
    cov = values(ZI, "2023Q4", "zero_investment_coverage")
    assert cov[("杭州", "全部")] == (round(2 / 3, 6), 3, None)
    assert cov[("杭州", "居民")] == (0.5, 2, None)
    assert cov[("杭州", "低压非居民")] == (1.0, 1, None)
    vio = values(ZI, "2023Q4", "zero_investment_violations")
    assert vio[("杭州", "全部")] == (1.0, 3, None)
    assert vio[("杭州", "低压非居民")] == (0.0, 1, None)


def test_lv_access_rate():
    # non-residential ≤ 160 kW: Z3 (0.38 kV), Z5 (0.38 kV), Z6 (10 kV) → 2 / 3
    assert values(ZI, "2023Q4", "lv_access_rate")[("杭州", "全部")] == (round(2 / 3, 6), 3, None)
