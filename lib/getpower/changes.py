"""What changed between two store versions (``getpower changes [vA] [vB]``).

Per city and period: indicators whose status changed (达标 ↔ 未达标, and to or from 无数据), rank
moves (the composite ranking and each indicator's), the largest value changes, applications newly
overdue in the latest quarter, and data quality (rows quarantined by the uploads between the two
versions, pending stages before and after). Written by ``getpower watch`` after every new version
to ``<store>/changes/<version>.md`` and ``.json``.

Every quarter the two versions' data span is compared (a change in one month moves rolling
12-month windows, year-to-date values and year-on-year changes of later quarters): the periods
whose indicator table differs are the *affected periods*, whose scorecards are regenerated.
"""
from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from getpower import params
from getpower.periods import Period
from getpower.contract import KIND_BY_NAME
from getpower.currency import extent, overall
from getpower.drilldown import lists
from getpower.present.labels import UNIT_LABELS, fmt_value, indicator_labels
from getpower.scoring import composite
# the vocabulary's home is getpower.status; status and MET_BY_YOY stay importable from here
from getpower.status import JUDGED, MET_BY_YOY, NO_DATA, NOT_MET, status, status_expr  # noqa: F401
from getpower.store import Store, StoreError, atomic_write_bytes, atomic_write_frame, cache_suffix
from getpower.table import cached_record_level, data_version, indicator_table, load_frames

TABLE_KEY = ["period", "city", "indicator", "segment", "unit"]
COMPARED = ["value", "n", "reason", "target", "met", "met_by", "rank"]  # a period is affected when one differs
TOP_VALUES = 10  # value changes shown in the text report (the JSON has TOP_VALUES_JSON)
TOP_VALUES_JSON = 100
TOP_RANKS = 10


@dataclass(frozen=True)
class Flip:
    period: str
    city: str
    indicator: str
    segment: str
    unit: str
    before: str  # 达标 / 达标（同比下降） / 未达标 / 无数据 / 无目标
    after: str
    value_before: float | None
    value_after: float | None


@dataclass(frozen=True)
class RankMove:
    period: str
    city: str
    indicator: str  # "composite" for the composite ranking
    segment: str
    unit: str
    before: int | None  # None: not ranked (no data)
    after: int | None


@dataclass(frozen=True)
class ValueChange:
    period: str
    city: str
    indicator: str
    segment: str
    unit: str
    before: float | None
    after: float | None
    relative: float | None  # |after − before| / |before|; None when before is 0 or missing


@dataclass(frozen=True)
class QualityChange:
    kind: str
    rows_read: int
    rows_quarantined: int
    reasons: dict  # reason → rows, over the uploads between the two versions
    share_before: float | None = None  # the quarantined share of this kind in the upload that made A


@dataclass(frozen=True)
class Changes:
    version_a: str | None
    version_b: str
    data_until_a: str | None  # 数据截至: the flow sources' last date (getpower.currency.overall)
    data_until_b: str | None
    periods: tuple[str, ...]  # the affected periods, oldest first
    flips: tuple[Flip, ...] = ()
    ranks: tuple[RankMove, ...] = ()
    values: tuple[ValueChange, ...] = ()
    overdue: dict = field(default_factory=dict)  # {"period": p, "cities": {city: [app_id, …]}}
    quality: tuple[QualityChange, ...] = ()
    pending_before: int = 0
    pending_after: int = 0
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, default=str)


def _joined(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    cols = [*TABLE_KEY, *COMPARED]

    def side(t):  # met_by: tables before #12 have none
        t = t if "met_by" in t.columns else t.with_columns(pl.lit(None, pl.String).alias("met_by"))
        return t.select(cols)

    return (side(a).join(side(b), on=TABLE_KEY, how="full", coalesce=True, suffix="_b", nulls_equal=True)
            .rename({c: f"{c}_a" for c in COMPARED})
            .with_columns(status_expr("_a").alias("status_a"), status_expr("_b").alias("status_b")))


def affected_periods(a: pl.DataFrame, b: pl.DataFrame) -> list[str]:
    """The periods whose rows differ in value, n, reason, target, met or rank (oldest first)."""
    j = _joined(a, b)
    differs = pl.any_horizontal([pl.col(f"{c}_a").ne_missing(pl.col(f"{c}_b")) for c in COMPARED])
    found = set(j.filter(differs)["period"].to_list())
    return sorted(found, key=lambda p: Period.parse(p).start)


def compare_tables(a: pl.DataFrame, b: pl.DataFrame) -> tuple[list[Flip], list[RankMove], list[ValueChange]]:
    """Status changes, indicator rank moves and value changes between two indicator tables (one
    or more periods each, the columns of :data:`getpower.table.COLUMNS`)."""
    j = _joined(a, b)
    main = [*params.cities(), params.province()]
    order = {c: i for i, c in enumerate(main)}
    flips_f = j.filter((pl.col("status_a") != pl.col("status_b"))
                       & (pl.col("status_a").is_in(list(JUDGED)) | pl.col("status_b").is_in(list(JUDGED))))
    # 达标 → 未达标 first (what a supervisor acts on), then by period and city
    flips_f = flips_f.sort(pl.col("status_b") != NOT_MET, "period", pl.col("city").replace_strict(order, default=99),
                           "indicator", "segment")
    flips = [Flip(r["period"], r["city"], r["indicator"], r["segment"], r["unit"], r["status_a"], r["status_b"],
                  r["value_a"], r["value_b"]) for r in flips_f.iter_rows(named=True)]
    ranks_f = j.filter(pl.col("rank_a").ne_missing(pl.col("rank_b")))
    ranks_f = ranks_f.sort((pl.col("rank_b").fill_null(99) - pl.col("rank_a").fill_null(99)).abs(), descending=True,
                           maintain_order=True)
    ranks = [RankMove(r["period"], r["city"], r["indicator"], r["segment"], r["unit"], r["rank_a"], r["rank_b"])
             for r in ranks_f.iter_rows(named=True)]
    vals_f = (j.filter(pl.col("value_a").ne_missing(pl.col("value_b")))
              .with_columns(pl.when(pl.col("value_a").is_not_null() & (pl.col("value_a") != 0))
                            .then((pl.col("value_b") - pl.col("value_a")).abs() / pl.col("value_a").abs())
                            .alias("relative"))
              # the largest relative changes first; a value appearing or vanishing (no relative) before them
              .sort(pl.col("relative").is_not_null(), pl.col("relative"), descending=[False, True],
                    nulls_last=True, maintain_order=True))
    values = [ValueChange(r["period"], r["city"], r["indicator"], r["segment"], r["unit"], r["value_a"], r["value_b"],
                          r["relative"]) for r in vals_f.iter_rows(named=True)]
    return flips, ranks, values


def composite_moves(a: pl.DataFrame, b: pl.DataFrame) -> list[RankMove]:
    """Moves in the composite ranking of the 11 cities, per period present in both tables."""

    out = []
    for period in sorted(set(b["period"].to_list()), key=lambda p: Period.parse(p).start):
        ca = composite(a.filter(pl.col("period") == period)) if a.height else None
        cb = composite(b.filter(pl.col("period") == period))
        before = dict(ca.select("city", "rank").rows()) if ca is not None else {}
        for city, rank in cb.select("city", "rank").rows():
            if city in params.cities() and before.get(city) != rank:
                out.append(RankMove(period, city, "composite", "", "", before.get(city), rank))
    return out


# --- versions ------------------------------------------------------------------------------------
def version_store(store: Store, version: str) -> Store:
    folder = store.root / "versions" / version
    if not (folder / "manifest.json").exists():
        kept = ", ".join(sorted(d.name for d in (store.root / "versions").glob("v*"))) or "无"
        raise StoreError(f"版本 {version} 不在数据仓库中（已清理或从未存在）；可比较的版本: {kept}")
    return Store(store.root, folder)


@dataclass(frozen=True)
class _Version:
    """One kept version opened for comparing: its frames, record-level cache and extent."""

    store: Store
    name: str
    frames: dict
    records: tuple
    ext: pl.DataFrame

    @classmethod
    def open(cls, store: Store, version: str) -> "_Version":
        pinned = version_store(store, version)
        frames = load_frames(pinned)
        records = cached_record_level(pinned, frames, prune=False)
        return cls(pinned, version, frames, records, extent(frames, *(f.lazy() for f in records)))

    @property
    def span(self):
        """The flow sources' dates together (:func:`getpower.currency.overall`), or None."""

        return overall(self.ext)

    def quarters(self) -> list[Period]:
        """Every quarter the data's span touches, oldest first."""
        span = self.span
        if span is None:
            return []
        out, p = [], Period.quarter_of(span.first.year, (span.first.month - 1) // 3 + 1)
        while p.start.date() <= span.last:
            out.append(p)
            p = Period.quarter_of(p.year + (p.quarter == 4), p.quarter % 4 + 1)
        return out

    def table(self, period: Period) -> pl.DataFrame:
        """The period's indicator table, cached like ``table.cached_compute`` and with the same
        content (the data version in every row): the current version's tables are the ones the
        dashboards and scorecards read. A period outside the data raises DataRangeError."""

        cached = self.store.root / "cache" / f"indicators_{period.label}_{cache_suffix(self.store.fingerprint)}.parquet"
        if cached.exists():
            try:
                return pl.read_parquet(cached)
            except Exception:  # damaged: computed again
                pass
        table = indicator_table(self.frames, period, self.records, version=data_version(self.store), ext=self.ext)
        try:
            atomic_write_frame(cached, table)
        except OSError:  # a read-only store: computed, not kept
            pass
        return table


def version_table(store: Store, version: str, period: Period) -> pl.DataFrame:
    """The indicator table of one kept version and period (see :meth:`_Version.table`)."""
    return _Version.open(store, version).table(period)


def _overdue(v: "_Version", period: Period) -> dict[str, set[str]]:
    try:
        lst = lists(v.frames, period, v.records)["open_overdue"]
    except Exception:  # a period outside the version's calendar years: nothing overdue in it
        return {}
    out: dict[str, set[str]] = {}
    for city, app in lst.select("city", "app_id").rows():
        out.setdefault(city, set()).add(app)
    return out


def _quality(store: Store, version_a: str | None, version_b: str) -> list[QualityChange]:
    """Rows quarantined, per kind and reason, by the uploads that made the versions after A up to B."""
    history = Store(store.root, store.root / "versions" / version_b).manifest().get("history", [])
    uploads = [e.get("upload") for e in history if e.get("action") == "ingest" and e.get("version")
               and (version_a is None or e["version"] > version_a) and e["version"] <= version_b]
    read: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    reasons: dict[str, dict[str, int]] = {}
    for up in uploads:
        rep = store.root / "uploads" / str(up) / "report.json"
        if not rep.exists():
            continue
        for f in json.loads(rep.read_text(encoding="utf-8")).get("files", []):
            k = f.get("kind") or "?"
            read[k] = read.get(k, 0) + int(f.get("rows_read", 0))
            quarantined[k] = quarantined.get(k, 0) + int(f.get("rows_quarantined", 0))
            for reason, n in (f.get("reasons") or {}).items():
                reasons.setdefault(k, {})[reason] = reasons.get(k, {}).get(reason, 0) + int(n)
    return [QualityChange(k, read[k], quarantined[k], dict(sorted(reasons.get(k, {}).items(), key=lambda x: -x[1])))
            for k in read]


def quality(store: Store, version_a: str | None, version_b: str) -> list[QualityChange]:
    """:func:`_quality` of the uploads from A to B, each kind with its quarantined share in the
    upload that made A (the previous import), when A was made by an import of that kind."""
    now = _quality(store, version_a, version_b)
    if version_a is None:
        return now
    try:
        before = {q.kind: q for q in _quality(store, previous_version(store, version_a), version_a)}
    except StoreError:  # A's history is no longer readable: no comparison
        before = {}
    return [QualityChange(q.kind, q.rows_read, q.rows_quarantined, q.reasons,
                          before[q.kind].rows_quarantined / before[q.kind].rows_read
                          if q.kind in before and before[q.kind].rows_read else None) for q in now]


def previous_version(store: Store, version: str) -> str | None:
    """The version before ``version`` in the history (None for the first)."""
    history = version_store(store, version).manifest().get("history", [])
    names = [e["version"] for e in history if e.get("version")]
    i = names.index(version) if version in names else len(names)
    return names[i - 1] if i > 0 else None


def compare(store: Store | Path | str, version_a: str | None = None, version_b: str | None = None) -> Changes:
    """What changed from ``version_a`` to ``version_b`` (default: the current version and the one
    before it). ``version_a`` None with a first version: everything is new."""
    store = store if isinstance(store, Store) else Store(store)
    if not store.exists():
        raise StoreError(f"数据仓库 {store.root} 不存在或没有版本")
    version_b = version_b or store.manifest()["name"]
    if version_a is None:
        version_a = previous_version(store, version_b)
    vb = _Version.open(store, version_b)
    va = _Version.open(store, version_a) if version_a else None
    quarters = {p.label: p for p in [*vb.quarters(), *(va.quarters() if va else [])]}
    ordered = sorted(quarters.values(), key=lambda p: p.start)

    def tables(v):
        out = []
        for p in ordered:
            try:
                out.append(v.table(p))
            except Exception:  # a quarter outside this version's data: no table for it
                continue
        return pl.concat(out, how="diagonal_relaxed") if out else pl.DataFrame(schema=_schema())

    tb = tables(vb)
    ta = tables(va) if va else pl.DataFrame(schema=_schema())
    periods = affected_periods(ta, tb)
    flips, ranks, values, comp = [], [], [], []
    if version_a:  # a first version has nothing to compare with: every period is new, nothing flips
        flips, ranks, values = compare_tables(ta, tb)
        comp = composite_moves(ta.filter(pl.col("period").is_in(periods)), tb.filter(pl.col("period").is_in(periods)))
    overdue = {}
    if ordered:
        latest = ordered[-1]
        new = _overdue(vb, latest)
        old = _overdue(va, latest) if va else {}
        fresh = {c: sorted(ids - old.get(c, set())) for c, ids in new.items() if ids - old.get(c, set())}
        overdue = {"period": latest.label, "cities": fresh}
    until_a = va.span.last if va and va.span else None
    until_b = vb.span.last if vb.span else None
    return Changes(version_a, version_b, str(until_a) if until_a else None, str(until_b) if until_b else None,
                   tuple(periods), tuple(flips), tuple([*comp, *ranks]), tuple(values[:TOP_VALUES_JSON]), overdue,
                   tuple(quality(store, version_a, version_b)),
                   int(va.store.manifest().get("pending", 0) or 0) if va else 0,
                   int(vb.store.manifest().get("pending", 0) or 0),
                   dt.datetime.now().isoformat(timespec="seconds"))


def _schema() -> dict:
    return {"city": pl.String, "period": pl.String, "indicator": pl.String, "segment": pl.String,
            "unit": pl.String, "value": pl.Float64, "n": pl.Int64, "reason": pl.String, "target": pl.Float64,
            "met": pl.Boolean, "met_by": pl.String, "gap": pl.Float64, "score": pl.Float64, "rank": pl.Int64, "target_source": pl.String}


# --- the report ----------------------------------------------------------------------------------
def _label(ind: str, segment: str, unit: str = "") -> str:
    """``process_days_mean, 居民, working_days`` → ``全过程办电时间（平均）（居民，工作日）``."""

    name = "综合得分排名" if ind == "composite" else indicator_labels().get(ind, ind)
    # the unit is named where an indicator has two (calendar and working days)
    two = unit in ("calendar_days", "working_days")
    parts = [p for p in ((segment if segment != "全部" else ""), UNIT_LABELS.get(unit, "") if two else "") if p]
    return f"{name}（{'，'.join(parts)}）" if parts else name


def _fmt(v, unit: str) -> str:
    return fmt_value(v, unit)


def to_markdown(c: Changes) -> str:
    """The change report as short Chinese Markdown."""

    lines = [f"# 数据更新：{c.version_a or '（无）'} → {c.version_b}", "",
             f"数据截至 {c.data_until_b or NO_DATA}（此前 {c.data_until_a or NO_DATA}）；生成于 {c.created_at}", ""]
    lines.append("受影响的期间：" + ("、".join(c.periods) if c.periods else "无（指标未变化）"))
    lines += ["", "## 达标状态变化", ""]
    if c.flips:
        lines += ["| 期间 | 地市 | 指标 | 原状态 | 新状态 | 原值 | 新值 |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {f.period} | {f.city} | {_label(f.indicator, f.segment, f.unit)} | {f.before} | {f.after} | "
                  f"{_fmt(f.value_before, f.unit)} | {_fmt(f.value_after, f.unit)} |" for f in c.flips]
    else:
        lines.append("无")
    lines += ["", "## 排名变化", ""]
    comp = [r for r in c.ranks if r.indicator == "composite"]
    other = [r for r in c.ranks if r.indicator != "composite"][:TOP_RANKS]
    if comp or other:
        lines += ["| 期间 | 地市 | 排名 | 原名次 | 新名次 |", "|---|---|---|---|---|"]
        lines += [f"| {r.period} | {r.city} | {_label(r.indicator, r.segment, r.unit)} | {r.before or '无'} | {r.after or '无'} |"
                  for r in [*comp, *other]]
        rest = len([r for r in c.ranks if r.indicator != "composite"]) - len(other)
        if rest > 0:
            lines.append(f"\n另有 {rest} 项单项指标名次变化（见 JSON）")
    else:
        lines.append("无")
    lines += ["", "## 变化最大的数值", ""]
    if c.values:
        lines += ["| 期间 | 地市 | 指标 | 原值 | 新值 | 相对变化 |", "|---|---|---|---|---|---|"]
        lines += [f"| {v.period} | {v.city} | {_label(v.indicator, v.segment, v.unit)} | {_fmt(v.before, v.unit)} | "
                  f"{_fmt(v.after, v.unit)} | {'—' if v.relative is None else f'{v.relative:.1%}'} |"
                  for v in c.values[:TOP_VALUES]]
    else:
        lines.append("无")
    lines += ["", f"## 新增在途超时工单（{c.overdue.get('period', '—')}）", ""]
    cities = c.overdue.get("cities") or {}
    lines += [f"- {city}：{len(ids)} 件（{'、'.join(ids[:10])}{' 等' if len(ids) > 10 else ''}）"
              for city, ids in cities.items()] or ["无"]
    lines += ["", "## 数据质量", ""]
    for q in c.quality:
        label = KIND_BY_NAME[q.kind].label if q.kind in KIND_BY_NAME else q.kind
        why = "；".join(f"{k} {v}" for k, v in list(q.reasons.items())[:5])
        share = f"{q.rows_quarantined / q.rows_read:.1%}" if q.rows_read else "—"
        prev = f"，上次导入 {q.share_before:.1%}" if q.share_before is not None else ""
        lines.append(f"- {label}：读取 {q.rows_read} 行，隔离 {q.rows_quarantined} 行（{share}{prev}）"
                     + (f"：{why}" if why else ""))
    if not c.quality:
        lines.append("- 本次无新导入（回滚或比较的版本之间没有上传）")
    lines.append(f"- 待匹配环节：{c.pending_before} → {c.pending_after} 行")
    return "\n".join(lines) + "\n"


def to_html(c: Changes) -> str:
    """The Markdown report as a self-contained page (tables and lists; no remote resource)."""
    out, table = [], []

    def flush():
        if table:
            rows = [r for r in table if not set(r.replace("|", "").strip()) <= {"-"}]
            cells = [[html.escape(x.strip()) for x in r.strip().strip("|").split("|")] for r in rows]
            head = "".join(f"<th>{x}</th>" for x in cells[0])
            body = "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>" for r in cells[1:])
            out.append(f"<table><tr>{head}</tr>{body}</table>")
            table.clear()

    for line in to_markdown(c).splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>数据更新</title><style>'
            'body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}table{border-collapse:collapse}'
            'td,th{border:1px solid #ddd;padding:.3em .6em}</style></head><body>' + "\n".join(out) + "</body></html>")


def write(store: Store | Path | str, c: Changes) -> Path:
    """``<store>/changes/<vB>.md``, ``.html`` and ``.json``; returns the Markdown file."""
    root = store.root if isinstance(store, Store) else Path(store)
    folder = root / "changes"
    atomic_write_bytes(folder / f"{c.version_b}.json", c.to_json().encode("utf-8"))
    atomic_write_bytes(folder / f"{c.version_b}.html", to_html(c).encode("utf-8"))
    md = folder / f"{c.version_b}.md"
    atomic_write_bytes(md, to_markdown(c).encode("utf-8"))
    return md


def latest(store: Store | Path | str) -> dict | None:
    """The latest change report written (its JSON as a dict, with ``markdown`` and ``html`` text),
    or None: what a dashboard shows as 最近更新."""
    root = store.root if isinstance(store, Store) else Path(store)
    found = sorted((root / "changes").glob("v*.json")) if (root / "changes").exists() else []
    if not found:
        return None
    data = json.loads(found[-1].read_text(encoding="utf-8"))
    for ext, key in ((".md", "markdown"), (".html", "html")):
        f = found[-1].with_suffix(ext)
        data[key] = f.read_text(encoding="utf-8") if f.exists() else None
    return data


def recent_html(store: Store | Path | str, flips_shown: int = 5) -> str | None:
    """最近更新, for a page (the overview): the latest change report in a few lines (version, 数据截至,
    affected periods, the first status changes), or None when no report was written yet."""
    data = latest(store)
    if data is None:
        return None
    esc = html.escape
    flips = data.get("flips", [])
    items = "".join(f"<li>{esc(f['period'])} {esc(f['city'])} {esc(_label(f['indicator'], f['segment'], f['unit']))}："
                    f"{esc(f['before'])} → {esc(f['after'])}</li>" for f in flips[:flips_shown])
    more = f"<li>另有 {len(flips) - flips_shown} 项</li>" if len(flips) > flips_shown else ""
    periods = "、".join(data.get("periods") or []) or "无"
    st = store if isinstance(store, Store) else Store(store)
    current = st.manifest().get("name") if st.exists() else None
    # a version made without the watcher (an import on the intake page) has no report: said so
    stale = (f"（当前版本 {esc(current)} 尚无变化报告：getpower changes --write）"
             if current and current != data["version_b"] else "")
    return (f'<div class="gp-recent"><b>最近更新</b> {esc(str(data.get("version_a") or "（无）"))} → '
            f'{esc(data["version_b"])}（{esc(data.get("created_at", ""))}）：数据截至 {esc(str(data.get("data_until_b")))}；'
            f"受影响期间 {esc(periods)}；达标状态变化 {len(flips)} 项{stale}"
            + (f"<ul>{items}{more}</ul>" if items else "") + "</div>")
