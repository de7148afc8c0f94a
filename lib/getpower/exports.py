"""Tables written for people, with their context: the indicator table and the drill-down lists
as a colleague reads them (Chinese headers, the province's city order with 全省 last, statuses in
the one vocabulary, ratios as percentages), each with a title, the period, 数据截至 and the data
version, units and where the targets come from; and the period's workbook (``getpower export``).

Everything is written by :mod:`getpower.spreadsheet` (no formula cells, text neutralised).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from getpower import params
from getpower.periods import Period
from getpower.spreadsheet import Context, Table, report_csv_bytes, workbook_bytes
from getpower.status import status_expr

UNITS_TEXT = "时间为自然日或工作日、停电时间为小时（见“单位”列）；比率以百分数表示"


def city_order() -> list[str]:
    """The 11 cities in the province's order (``params/cities.yaml``), then 全省.

    >>> city_order()[0], city_order()[-1], len(city_order())
    ('杭州', '全省', 12)
    """
    return [*params.cities(), params.province()]


def city_rank(column: str = "city") -> pl.Expr:
    """A sort key: the city's place in :func:`city_order` (any other value after them)."""
    order = {c: i for i, c in enumerate(city_order())}
    return pl.col(column).cast(pl.String).replace_strict(order, default=len(order), return_dtype=pl.Int32)


def period_text(label: str) -> str:
    """``2023Q4`` → ``2023Q4（2023-10-01 至 2023-12-31）``.

    >>> period_text("2023Q3YTD")
    '2023Q3YTD（2023-01-01 至 2023-09-30）'
    """
    p = Period.parse(label)
    return f"{p.label}（{p.start:%Y-%m-%d} 至 {p.last_day:%Y-%m-%d}）"


def targets_text(year: int) -> str:
    """Where a year's targets come from, for the line above a table."""
    from getpower.targets import target_basis

    plan = params.load("exports.yaml")["plan"]
    basis = target_basis(year)
    rows = "各行目标的出处见“目标来源”列（annex：方案附件；ledger：重点任务台账序号；§：方案正文）"
    return f"{basis}；{plan}；{rows}" if basis else f"{plan}；{rows}"


def context(table: pl.DataFrame, title: str, units: str | None = UNITS_TEXT, targets: bool = True,
            notes: tuple[str, ...] = ()) -> Context:
    """The context of a table computed from ``table`` (an indicator table of one period)."""
    from getpower.currency import currency_text

    label = table["period"][0]
    return Context(title=title, period=period_text(label), currency=currency_text(table), units=units,
                   targets=targets_text(Period.parse(label).year) if targets else None, notes=notes)


def _order(table: pl.DataFrame) -> pl.DataFrame:
    """Rows in the province's city order (全省 last), indicators as declared, segments as declared."""
    from getpower.registry import declared

    specs = declared()
    inds = {s.id: i for i, s in enumerate(specs)}
    segs = {s: i for spec in specs for i, s in enumerate(spec.segments) if s}
    return table.sort(city_rank(),
                      pl.col("indicator").replace_strict(inds, default=len(inds), return_dtype=pl.Int32),
                      pl.col("segment").replace_strict(segs, default=len(segs), return_dtype=pl.Int32),
                      "unit", maintain_order=True)


def indicator_frame(table: pl.DataFrame, city_column: bool = True) -> pl.DataFrame:
    """The indicator table as people read it, with ``_pct`` marking the ratio rows."""
    from getpower.present.labels import UNIT_LABELS, indicator_labels

    labels = indicator_labels()
    cols = [pl.col("city").cast(pl.String).alias("地市")] if city_column else []
    cols += [
        pl.col("indicator").replace_strict(labels, default=pl.col("indicator")).alias("指标"),
        pl.col("segment").alias("分项"),
        pl.col("unit").replace_strict(UNIT_LABELS, default=pl.col("unit")).alias("单位"),
        pl.col("value").alias("数值"), pl.col("target").alias("目标"),
        status_expr().alias("状态"), pl.col("met_by").fill_null("—").alias("达标依据"),
        pl.col("gap").alias("差距"), pl.col("score").alias("得分"), pl.col("rank").alias("排名"),
        pl.col("n").alias("样本数"), pl.col("target_source").alias("目标来源"), pl.col("reason").alias("说明"),
        (pl.col("unit") == "ratio").alias("_pct"),
    ]
    return _order(table).select(cols)


def indicator_table(table: pl.DataFrame, title: str, name: str = "指标") -> Table:
    """The indicator table (or some of its rows) for people, as one sheet or CSV."""
    return Table(name, indicator_frame(table), context(table, title), percent=("数值", "目标", "差距"),
                 percent_rows="_pct")


def column_labels() -> dict[str, str]:
    """Chinese headers of record-level columns: ``params/exports.yaml``, else the data contract's
    first Chinese header (``申请容量(kW)``)."""
    from getpower.contract import KINDS

    out: dict[str, str] = {}
    for kind in KINDS:
        for c in kind.columns:
            out.setdefault(c.name, c.aliases[0])
    return out | params.load("exports.yaml")["columns"]


def list_table(frame: pl.DataFrame, table: pl.DataFrame, title: str, name: str) -> Table:
    """A drill-down list (records, never personal data) for people, in the city order."""
    from getpower.present.labels import UNIT_LABELS

    labels = column_labels()
    if "city" in frame.columns:
        frame = frame.sort(city_rank(), maintain_order=True)
    if "limit_unit" in frame.columns:  # calendar_days → 自然日
        frame = frame.with_columns(pl.col("limit_unit").replace_strict(UNIT_LABELS, default=pl.col("limit_unit")))
    shown = frame.rename({c: labels.get(c, c) for c in frame.columns})
    units = "申请容量为 kW、客户投资为元；已用时间与时限的单位见“时限单位”列；时间为 年-月-日 时:分"
    return Table(name, shown, context(table, title, units=units, targets=False,
                                      notes=(f"共 {frame.height} 条记录",)))


def download_table(frame: pl.DataFrame, table: pl.DataFrame, title: str, name: str) -> Table:
    """A dashboard download: the city's indicator rows as the page shows them (``指标`` …, ratio
    rows where ``单位`` is %, in percentage points), or a drill-down list."""
    if "指标" in frame.columns and "单位" in frame.columns:
        percent = ("数值", "目标", "差距", "较上期")
        pct = pl.col("单位") == "%"
        # the page shows ratios in percentage points (dashboard.display_rows); the writer formats fractions
        back = [pl.when(pct).then(pl.col(c) / 100).otherwise(pl.col(c)).alias(c) for c in percent]
        return Table(name, frame.with_columns(*back, pct.alias("_pct")), context(table, title),
                     percent=percent, percent_rows="_pct")
    return list_table(frame, table, title, name)


def ranking_table(table: pl.DataFrame, title: str) -> Table:
    """The composite score and rank of every city (unranked ones with what they lack)."""
    from getpower.scoring import composite, shortfall

    comp = composite(table)
    frame = comp.with_columns(pl.struct(pl.all()).map_elements(
        lambda r: shortfall(r) if r["composite"] is None else "", return_dtype=pl.String).alias("说明")).sort(
        pl.col("rank").is_null(), "rank", city_rank())
    shown = frame.select(pl.col("rank").alias("排名"), pl.col("city").cast(pl.String).alias("地市"),
                         pl.col("composite").round(1).alias("综合得分"), pl.col("tier_label").alias("梯队"),
                         pl.col("expectation").alias("期望"), "说明")
    return Table("综合排名", shown, context(table, title, units="综合得分为 0–100 分（params/scoring.yaml）"))


def workbook_tables(store, period: str) -> list[Table]:
    """Everything for a period: a contents sheet, the ranking, one sheet per area (every city,
    全省 last) and one per drill-down list."""
    from getpower.drilldown import LISTS, cached_lists
    from getpower.registry import declared
    from getpower.table import cached_compute

    table = cached_compute(store, period)
    sections = {s.id: s.section for s in declared()}
    tables = [ranking_table(table, f"获得电力 综合得分排名 · {period}")]
    for sheet in params.load("exports.yaml")["sheets"]:
        ids = [i for i, sec in sections.items() if sec in sheet["sections"]]
        rows = table.filter(pl.col("indicator").is_in(ids))
        if rows.height:
            tables.append(indicator_table(rows, f"获得电力 {sheet['name']} · {period} · 各地市与全省", sheet["name"]))
    for name, frame in cached_lists(store, period).items():
        tables.append(list_table(frame, table, f"获得电力 {LISTS[name]} · {period}", LISTS[name]))
    contents = pl.DataFrame({"工作表": [t.name for t in tables],
                             "内容": [t.context.title for t in tables],
                             "行数": [t.frame.height for t in tables]})
    cover = Table("说明", contents, context(
        table, f"获得电力 监管数据 · {period}",
        notes=("每个工作表顶部注明标题、期间、数据截至与数据版本、单位与目标来源；"
               "状态：达标 / 未达标 / 无数据 / 无目标；无数据不计为达标，也不参与排名",)))
    return [cover, *tables]


def export(store, period: str, out: Path | str) -> Path:
    """Write the period's workbook (``.xlsx``) atomically; returns its path."""
    from getpower.store import atomic_write_bytes

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        from getpower.intake.read import ExtractError

        raise ExtractError(f"{out.name}: 导出文件应以 .xlsx 结尾")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, workbook_bytes(workbook_tables(store, period)))
    return out


def table_workbook(table: pl.DataFrame) -> bytes:
    """``compute --out x.xlsx``: the ranking and the whole indicator table, with their context."""
    label = table["period"][0]
    return workbook_bytes([ranking_table(table, f"获得电力 综合得分排名 · {label}"),
                           indicator_table(table, f"获得电力 指标表 · {label} · 各地市与全省", "指标表")])
