"""Literal extracts for the store's tests: the headers of applications and stages, and a writer."""
from __future__ import annotations

APPS = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"
STAGES = "工单编号,环节名称,环节开始时间,环节结束时间"


def write_csv(path, header: str, rows: list[str]):
    """``header`` and ``rows`` (CSV lines) written as a UTF-8 file at ``path``; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path
