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

