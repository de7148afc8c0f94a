"""Chinese labels and number formatting for people."""
from __future__ import annotations

from getpower.registry import declared

UNIT_LABELS = {
    "calendar_days": "自然日", "working_days": "工作日", "hours": "小时", "ratio": "%",
    "count": "件", "stages": "个环节", "per_customer": "次/户",
}


def indicator_labels() -> dict[str, str]:
    return {s.id: s.label for s in declared()}


def fmt_value(value, unit: str) -> str:
    """``0.9731, "ratio"`` → ``97.3%``; ``8.88, "calendar_days"`` → ``8.88``; null → ``—``.

    >>> fmt_value(0.97312, "ratio"), fmt_value(8.8812, "calendar_days"), fmt_value(None, "hours"), fmt_value(3.0, "count")
    ('97.3%', '8.88', '—', '3')
    """
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"



# columns of the drill-down lists and ledger views that no extract names (the others take the
# contract's first alias, the column's name in the extracts)
COLUMN_LABELS = {
    "city": "地市", "unit": "单位", "stage_count": "环节数", "allowed": "允许环节数", "important": "重要客户",
    "backfill": "后补流程", "burst": "集中录入", "pre_acceptance": "受理前办理", "repeated": "重复申请",
    "completed_at": "办结时间", "accepted_at": "受理时间", "days": "已用时长", "limit": "时限",
    "limit_unit": "时限单位", "item_no": "序号", "category": "分类", "task": "任务", "deadline": "完成时限",
    "deadline_text": "完成时间", "status": "完成情况", "responsible": "责任单位", "due": "已到期",
    "overdue": "逾期", "reported_at": "报送时间",
}
VALUE_LABELS = {"calendar_days": "自然日", "working_days": "工作日"}


def _contract_labels() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Column name → its Chinese name, and enum column → code → Chinese value, from the contract."""
    from getpower.contract import KINDS

    names, enums = {}, {}
    for kind in KINDS:
        for c in kind.columns:
            names.setdefault(c.name, c.aliases[0])
            if c.enum:
                enums.setdefault(c.name, {code: zh for zh, code in c.enum.items()})
    return names, enums


def for_people(df):
    """A frame as people read it: Chinese column names, enum codes as their Chinese values,
    True/False as 是/否, times without seconds' fractions. For pages, downloads and scorecards.

    >>> import polars as pl
    >>> for_people(pl.DataFrame({"app_id": ["A1"], "customer_class": ["resident"], "backfill": [True],
    ...                          "limit_unit": ["working_days"]})).row(0, named=True)
    {'工单编号': 'A1', '客户类别': '居民', '后补流程': '是', '时限单位': '工作日'}
    """
    import polars as pl

    names, enums = _contract_labels()
    exprs = []
    for col, dtype in df.schema.items():
        e = pl.col(col)
        if dtype == pl.Boolean:
            e = pl.when(e).then(pl.lit("是")).when(e.not_()).then(pl.lit("否")).otherwise(pl.lit("—"))
        elif col in enums and dtype == pl.String:
            e = e.replace(enums[col])
        elif col == "limit_unit":
            e = e.replace(VALUE_LABELS)
        elif isinstance(dtype, pl.Datetime):
            e = e.dt.strftime("%Y-%m-%d %H:%M")
        exprs.append(e.alias(COLUMN_LABELS.get(col) or names.get(col, col)))
    return df.select(exprs)
