"""What the scorecard and province notebooks show, built from the data ``getpower scorecards``
prepared once (``reports/<period>/_data``). Nothing here computes an indicator."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import great_tables as gt
import polars as pl

from getpower import params
from getpower.drilldown import LISTS
from getpower.indicators.reliability import AREAS
from getpower.present import charts
from getpower.present.labels import UNIT_LABELS, fmt_value, for_people, indicator_labels
from getpower.scoring import tier_frame  # noqa: F401 (the notebooks' sc.tier_frame)
from getpower.status import COLOURS, INSUFFICIENT, MET, NOT_MET, with_status

if TYPE_CHECKING:
    from getpower.escalation import Escalation

COLORS = COLOURS  # the one colour map (getpower.status); the old name kept for callers


@dataclass(frozen=True)
class ScorecardData:
    table: pl.DataFrame
    history: pl.DataFrame
    composite: pl.DataFrame
    drill: dict
    quality: pl.DataFrame
    meta: dict
    # 当前预警: the in-flight status of every city on the scorecard's date (None: the data begins
    # after the period)
    warnings: "Escalation | None" = None

    @property
    def period(self) -> str:
        return self.meta["period"]


def load(data_dir: str | Path) -> ScorecardData:
    d = Path(data_dir)
    if not (d / "meta.json").exists():
        raise FileNotFoundError(f"评分卡数据不存在: {d}（请运行 getpower scorecards）")
    drill = {name: pl.read_parquet(d / f"drill_{name}.parquet") for name in LISTS}
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    return ScorecardData(pl.read_parquet(d / "table.parquet"), pl.read_parquet(d / "history.parquet"),
                         pl.read_parquet(d / "composite.parquet"), drill, pl.read_parquet(d / "quality.parquet"),
                         meta, _warnings(d, meta.get("warnings")))


def _warnings(d: Path, w: dict | None):
    import datetime as dt

    from getpower.escalation import Escalation

    if w is None:
        return None
    day = dt.date.fromisoformat
    return Escalation(pl.read_parquet(d / "warnings.parquet"), day(w["as_of"]), day(w["data_from"]), day(w["data_to"]),
                      w["version"], w["near_wd"], tuple(w["cities"]))


def load_or_prepare(store: str | Path, period: str, out_dir: str | Path) -> ScorecardData:
    """The prepared data in ``out_dir/_data`` when it matches the period and the store's current
    data; otherwise prepare it now (an analyst running the notebook alone in JupyterLab)."""
    from getpower.reports import prepare_data
    from getpower.store import Store

    data = Path(out_dir) / "_data"
    meta_path = data / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        st = Store(store)
        if (meta.get("period") == period and "warnings" in meta  # (prepared before 当前预警 was: again)
                and (not st.exists() or meta.get("data_fingerprint") == st.fingerprint)):
            return load(data)
    return load(prepare_data(store, period, out_dir))


def show(chart) -> None:
    """Display a chart as an offline PNG (CJK fonts, no JavaScript)."""
    from IPython.display import Image, display

    display(Image(data=charts.to_png(chart)))


def show_record(rec: dict) -> None:
    """Publish the scorecard's figures as a machine-readable output (tests read it)."""
    from IPython.display import display

    display({"application/vnd.getpower.record+json": rec}, raw=True)


def _status(df: pl.DataFrame) -> pl.DataFrame:
    return with_status(df)


def city_composite(d: ScorecardData, city: str, period: str | None = None) -> dict:
    rows = d.composite.filter((pl.col("city") == city) & (pl.col("period") == (period or d.period)))
    return rows.row(0, named=True) if rows.height else {}


def record(d: ScorecardData, city: str) -> dict:
    """The figures a scorecard states, for tests and audits."""
    t = d.table.filter((pl.col("city") == city) & pl.col("met").is_not_null())
    c = city_composite(d, city)
    return {"city": city, "period": d.period, "composite": c.get("composite"), "rank": c.get("rank"),
            "status": c.get("status"), "coverage": c.get("coverage"), "missing_sources": c.get("missing_sources"),
            "data_through": d.meta.get("data_through"), "data_version": d.meta.get("data_version"),
            "met": int(t["met"].sum()), "not_met": int((~t["met"]).sum()), "rows": d.table.filter(pl.col("city") == city).height}


def provenance_html(meta: dict) -> str:
    currency = meta.get("currency") or f"数据截至 {meta.get('data_through')}"
    basis = meta.get("target_basis")
    return (f'<p class="gp-currency" style="color:#424242;font-size:13px"><b>{html.escape(str(currency))}</b>'
            + (f'<br><b style="color:#e65100">目标：{html.escape(basis)}</b>' if basis else "") + "</p>"
            f'<p style="color:#757575;font-size:12px">数据指纹 {html.escape(str(meta.get("data_fingerprint")))} · '
            f'参数版本 {html.escape(str(meta.get("params_version")))} · 代码版本 {html.escape(str(meta.get("code_version")))} · '
            f'生成时间 {html.escape(str(meta.get("generated_at")))}<br>'
            "数值由 getpower 按统一的指标定义从本期提取数据计算；目标取自浙发改能源〔2021〕177号（见 params/）。</p>")


def header_html(d: ScorecardData, city: str) -> str:
    from getpower.scoring import shortfall

    c = city_composite(d, city)
    r = record(d, city)
    if c.get("composite") is not None:
        score = f"{c['composite']:.1f}"
    else:  # 数据不足 large, the share covered small: the box keeps its width
        covered = "" if c.get("coverage") is None else f'<small style="font-size:14px">（覆盖 {int(c["coverage"] * 100)} %）</small>'
        score = f"{INSUFFICIENT}{covered}"
    rank = f"第 {c['rank']} 名 / {len(params.cities())}" if c.get("rank") else "不排名"
    short = shortfall(c) if c else ""
    note = (f'<p class="gp-shortfall" style="color:#c62828;font-size:14px">{html.escape(short)}（不排名，列于排名城市之后）</p>'
            if short else "")
    box = "flex:1 1 0;min-width:150px;padding:10px 14px;border:1px solid #e0e0e0;border-radius:8px;white-space:nowrap"
    big = "font-size:28px;font-weight:bold"
    return f"""<div style="font-family:'Noto Sans CJK SC',sans-serif">
<h1 style="margin-bottom:4px">{html.escape(city)} · 获得电力监管评分卡 · {html.escape(d.period)}</h1>
<div style="display:flex;gap:10px;flex-wrap:wrap;margin-top:8px;font-size:14px">
<div style="{box}">综合得分<br><span style="{big}">{score}</span></div>
<div style="{box}">全省排名<br><span style="{big}">{rank}</span></div>
<div style="{box};white-space:normal">梯队：{html.escape(str(c.get('tier_label') or ''))}<br>
<span style="color:#555">期望：{html.escape(str(c.get('expectation') or ''))}</span></div>
<div style="{box}">目标达成<br><span style="color:{COLOURS[MET]};{big}">{r['met']}</span> 达标 ·
<span style="color:{COLOURS[NOT_MET]};{big}">{r['not_met']}</span> 未达标</div>
</div>{note}</div>"""


def indicator_rows(d: ScorecardData, city: str) -> pl.DataFrame:
    """The city's indicator rows as people read them (Chinese labels, formatted values)."""
    labels = indicator_labels()
    t = _status(d.table.filter(pl.col("city") == city))
    rows = []
    for r in t.iter_rows(named=True):
        rows.append({
            "指标": labels.get(r["indicator"], r["indicator"]), "分项": r["segment"],
            "单位": UNIT_LABELS.get(r["unit"], r["unit"]),
            "数值": fmt_value(r["value"], r["unit"]),
            **({"年初至今": fmt_value(r["ytd_value"], r["unit"])} if "ytd_value" in r else {}),
            "目标": fmt_value(r["target"], r["unit"]),
            "状态": r["status"], "达标依据": r.get("met_by") or "—", "差距": fmt_value(r["gap"], r["unit"]),
            "排名": "—" if r["rank"] is None else str(r["rank"]),
            "较上期": "—" if r["change"] is None else ("+" if r["change"] > 0 else "") + fmt_value(r["change"], r["unit"]),
            "样本数": r["n"], "说明": r["reason"] or "",
        })
    return pl.DataFrame(rows)


def indicator_gt(d: ScorecardData, city: str, only_targets: bool = False, compact: bool = False) -> gt.GT:
    """The indicator table; ``only_targets``: the rows with a target; ``compact``: the columns a
    summary needs (page 1 of the printed scorecard)."""
    df = indicator_rows(d, city)
    if only_targets:
        df = df.filter(pl.col("目标") != "—")
    if compact:
        df = df.select([c for c in ("指标", "分项", "单位", "数值", "目标", "状态", "差距", "排名", "较上期") if c in df.columns])
    else:  # the appendix: one line a row; the full reasons are in the city page's download
        df = df.with_columns(pl.when(pl.col("说明").str.len_chars() > 18)
                             .then(pl.col("说明").str.slice(0, 17) + "…").otherwise(pl.col("说明")).alias("说明"))
    window = ("年初至今；停电指标为年初至期末" if d.period.endswith("YTD")
              else "停电指标为截至期末的滚动 12 个月" if "Q" in d.period else "停电指标为全年")
    table = gt.GT(df).tab_header(title=f"{city} 指标一览", subtitle=f"{d.period}（{window}）")
    for status, color in COLOURS.items():
        table = table.tab_style(style=[gt.style.text(color=color, weight="bold")],
                                locations=gt.loc.body(columns="状态", rows=pl.col("状态") == status))
    widths = ({"指标": "24%", "分项": "12%"} if compact else
              {"指标": "17%", "分项": "9%", "单位": "5%", "数值": "6%", "年初至今": "6%", "目标": "6%", "状态": "9%",
               "达标依据": "8%", "差距": "6%", "排名": "4%", "较上期": "6%", "样本数": "5%", "说明": "13%"})
    table = table.cols_width({k: v for k, v in widths.items() if k in df.columns})
    return table.opt_stylize(style=1).tab_options(table_font_size="10px" if compact else "9px",
                                                  data_row_padding="1px", table_width="100%")


def handling_chart(table: pl.DataFrame, city: str):
    """Handling days by customer class against the limits (process time for low voltage, utility
    time for high voltage), calendar days."""
    t = _status(table.filter((pl.col("city") == city) & (pl.col("unit") == "calendar_days") & (
        ((pl.col("indicator") == "process_days_mean") & pl.col("segment").is_in(["居民", "低压非居民"]))
        | ((pl.col("indicator") == "utility_days_mean") & pl.col("segment").is_in(["高压单电源", "高压双电源"])))))
    return charts.bars_against_target(t.select("segment", "value", "target", "status"), "segment",
                                      "办电时间（居民、低压非居民：全过程；高压：合计办理时间）", "自然日")


def outage_chart(table: pl.DataFrame, city: str):
    """Outage hours by area type against the targets, the year-on-year change in the labels."""
    t = _status(table.filter((pl.col("city") == city) & (pl.col("indicator") == "outage_hours")
                             & pl.col("segment").is_in(AREAS)))
    yoy = table.filter((pl.col("city") == city) & (pl.col("indicator") == "outage_hours_yoy")).select(
        "segment", pl.col("value").alias("yoy"))
    t = t.join(yoy, on="segment", how="left").with_columns(
        (pl.col("segment") + pl.lit("\n同比 ") + pl.col("yoy").map_elements(lambda v: fmt_value(v, "ratio"), return_dtype=pl.String)
         .fill_null("—")).alias("area"))
    return charts.bars_against_target(t.select("area", "value", "target", "status"), "area",
                                      "用户平均停电时间（滚动 12 个月）与目标", "小时")


def trend_chart(d: ScorecardData, city: str):
    t = d.composite.filter(pl.col("city").is_in([city, params.province()])).select("period", "city", "composite")
    return charts.trend(t.sort("period"), "composite", "综合得分趋势", "综合得分", color="city")


def drill_html(d: ScorecardData, city: str, name: str, cap: int = 10) -> str:
    """One drill-down list, its first ``cap`` rows (the whole list is in the city page's download),
    columns and values in Chinese."""
    df = d.drill[name].filter(pl.col("city") == city)
    title = LISTS[name]
    if df.is_empty():
        return f'<div class="gp-keep"><h3>{title}</h3><p>本期无。</p></div>'
    shown = for_people(df.head(cap).drop("city"))
    note = f"共 {df.height} 条" + (f"，显示前 {cap} 条，完整清单见看板城市页的下载" if df.height > cap else "")
    return (f'<div class="gp-keep"><h3>{title}（{note}）</h3>'
            + gt.GT(shown).tab_options(table_font_size="10px", data_row_padding="1px").as_raw_html() + "</div>")


# The scorecard printed (Chromium's print to PDF): A4, page 1 the complete summary, headings kept
# with what follows them, the full indicator table and the lists as an appendix.
PRINT_CSS = """<style>
@page { size: A4 portrait; margin: 12mm 10mm; }
@media print {
  body { font-size: 11px; }
  .jp-Cell, .jp-OutputArea, .jp-OutputArea-child { padding: 0 !important; margin: 0 !important; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .gp-keep, tr, img { break-inside: avoid; page-break-inside: avoid; }
  .gp-appendix { break-before: page; page-break-before: always; }
  .gp-charts img { width: 48% !important; }
}
.gp-charts { display: flex; flex-wrap: wrap; gap: 8px; }
.gp-charts img { max-width: 100%; width: 48%; }
.gp-keep td, .gp-keep th { white-space: nowrap; }
.gp-keep td:last-child { white-space: normal; }
</style>"""


def section_html(title: str, body: str, appendix: bool = False) -> str:
    """A heading with its content in one block (never a heading alone at the foot of a page)."""
    cls = "gp-keep gp-appendix" if appendix else "gp-keep"
    return f'<div class="{cls}"><h2>{html.escape(title)}</h2>{body}</div>'


def charts_html(d: ScorecardData, city: str) -> str:
    """The three charts as PNG images side by side (two to a row)."""
    import base64

    imgs = []
    for chart, alt in ((handling_chart(d.table, city), "办电时间"), (outage_chart(d.table, city), "停电时间"),
                       (trend_chart(d, city), "综合得分趋势")):
        data = base64.b64encode(charts.to_png(chart)).decode()
        imgs.append(f'<img alt="{alt}" src="data:image/png;base64,{data}">')
    return '<div class="gp-charts">' + "".join(imgs) + "</div>"


# --- province --------------------------------------------------------------------------------
def ranking_frame(d: ScorecardData) -> pl.DataFrame:
    return d.composite.filter((pl.col("period") == d.period) & pl.col("rank").is_not_null()).sort("rank")


def unranked_frame(d: ScorecardData) -> pl.DataFrame:
    """The cities without enough data for a score this period, in the cities' order."""
    return d.composite.filter((pl.col("period") == d.period) & pl.col("rank").is_null()
                              & pl.col("city").is_in(list(params.cities())))


def ranking_gt(d: ScorecardData) -> gt.GT:
    """The ranked cities, then those without enough data (数据不足, with what they lack)."""
    from getpower.scoring import shortfall

    ranked = [{"排名": str(r["rank"]), "城市": r["city"], "综合得分": f"{r['composite']:.1f}",
               "梯队": r["tier_label"], "期望": r["expectation"], "说明": ""} for r in ranking_frame(d).iter_rows(named=True)]
    unranked = [{"排名": "—", "城市": r["city"], "综合得分": INSUFFICIENT, "梯队": r["tier_label"],
                 "期望": r["expectation"], "说明": shortfall(r)} for r in unranked_frame(d).iter_rows(named=True)]
    df = pl.DataFrame(ranked + unranked, schema={k: pl.String for k in ("排名", "城市", "综合得分", "梯队", "期望", "说明")})
    return (gt.GT(df).tab_header(title=f"11 个地市综合得分排名 · {d.period}",
                                 subtitle="数据不足的城市不排名，列于排名城市之后")
            .cols_width({"排名": "48px", "城市": "64px", "综合得分": "88px", "梯队": "190px", "期望": "210px"})
            .opt_stylize(style=1))


def heatmap_chart(table: pl.DataFrame):
    """Indicator × city met status of the rows that have a target (the 11 cities); the same cells
    as the overview's linked heat map (:func:`getpower.present.heat_view.heat_frame`)."""
    from getpower.present.heat_view import TITLE, heat_frame

    # every label × city cell drawn: a city without the row is 无数据 in the legend's colour, not blank
    return charts.status_heatmap(heat_frame(table).select("label", "city", "status", "value"), TITLE)


def quality_gt(d: ScorecardData) -> gt.GT:
    q = d.quality.select(pl.col("file").alias("文件"), pl.col("kind").alias("类型"), pl.col("rows_read").alias("读取"),
                         pl.col("rows_accepted").alias("接收"), pl.col("rows_quarantined").alias("隔离"),
                         pl.col("reasons").alias("隔离原因"), pl.col("dropped_columns").alias("删除的个人信息列"))
    return gt.GT(q).tab_header(title="数据质量：已导入的提取文件").tab_options(table_font_size="11px")


def province_record(d: ScorecardData) -> dict:
    r = ranking_frame(d)
    return {"period": d.period, "ranking": r["city"].to_list(), "composite": [round(x, 6) for x in r["composite"].to_list()],
            "unranked": unranked_frame(d)["city"].to_list(), "data_through": d.meta.get("data_through"),
            "data_version": d.meta.get("data_version")}
