"""Charts as altair specifications, drawn offline to PNG by vl-convert with CJK fonts (no CDN, no JavaScript).

Every builder takes tidy polars frames that the library computed and only draws them.
"""
from __future__ import annotations

from functools import lru_cache

import altair as alt
import polars as pl

from getpower.status import COLOURS

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
MET_COLORS = alt.Scale(domain=list(COLOURS), range=list(COLOURS.values()))  # the one map (getpower.status)


def _config(chart: alt.Chart) -> alt.Chart:
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(labelFont=FONT, titleFont=FONT)


def to_png(chart: alt.Chart, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    _register_fonts()
    return vlc.vegalite_to_png(_config(chart).to_dict(), scale=scale)


def warm_up() -> None:
    """Register the fonts and draw one small chart: vl-convert starts its engine on the first
    chart of a process (about 0.3 s), which a scorecard kernel does before its first report."""
    to_png(alt.Chart(pl.DataFrame({"x": ["甲"], "y": [1]})).mark_bar().encode(x="x:N", y="y:Q"), scale=1.0)


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    import os

    import vl_convert as vlc

    for d in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto"):
        if os.path.isdir(d):
            vlc.register_font_directory(d)


def bars_against_target(df: pl.DataFrame, category: str, title: str, unit_label: str) -> alt.Chart:
    """Bars of ``value`` by ``category`` with the ``target`` as a tick; colour by ``status``."""
    base = alt.Chart(df).encode(x=alt.X(f"{category}:N", title=None, sort=None,
                                        axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, '\\n')")))
    bars = base.mark_bar(size=28).encode(
        y=alt.Y("value:Q", title=unit_label),
        color=alt.Color("status:N", scale=MET_COLORS, title="状态"),
        tooltip=[category, "value", "target", "status"],
    )
    ticks = base.mark_tick(color="#212121", thickness=2, size=40).encode(y="target:Q")
    return (bars + ticks).properties(title=title, width=360, height=220)


def trend(df: pl.DataFrame, y: str, title: str, y_title: str, color: str | None = None) -> alt.Chart:
    enc = {"x": alt.X("period:N", title=None, sort=None), "y": alt.Y(f"{y}:Q", title=y_title)}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    return alt.Chart(df).mark_line(point=True).encode(**enc).properties(title=title, width=420, height=220)


def status_heatmap(df: pl.DataFrame, title: str) -> alt.Chart:
    """Indicator (rows) × city (columns) coloured by met status; ``df`` has label, city, status."""
    return alt.Chart(df).mark_rect(stroke="white").encode(
        x=alt.X("city:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, orient="top")),
        # labels whole (Vega-Lite cuts them at 180 px: 高压单电源 and 高压双电源 looked the same)
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=0)),
        color=alt.Color("status:N", scale=MET_COLORS, title="状态"),
        tooltip=["label", "city", "status", "value"],
    ).properties(title=title, width=520)


def ranking_bars(df: pl.DataFrame, title: str) -> alt.Chart:
    """Horizontal bars of the composite score by city, best first; ``df`` has city, composite, tier_label."""
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("city:N", sort=None, title=None),
        x=alt.X("composite:Q", title="综合得分", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("tier_label:N", title="梯队"),
        tooltip=["city", "composite", "rank", "tier_label"],
    ).properties(title=title, width=420, height=300)
