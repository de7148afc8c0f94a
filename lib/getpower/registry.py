"""Indicator declarations (params/indicators.yaml) as small immutable values, validated as a whole.

Each declaration says what an indicator is (kind, population, predicates, measure, segments,
units, null reasons); :mod:`getpower.indicators.engine` computes it from that, and
:mod:`getpower.drilldown` lists the records behind any of its cells from the same.
:func:`validate` reports every problem of the file at once (``getpower indicators check``).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache, partial

from getpower import params
from getpower.contract import AREA_TYPE, OUTAGE_CAUSE, OUTAGE_KIND
from getpower.contract import KINDS as EXTRACT_KINDS
from getpower.indicators.inputs import BASE, INPUTS
from getpower.indicators.predicates import PREDICATES
from getpower.indicators.reliability import CUSTOM

KINDS = ("mean", "ratio", "count", "custom")
UNITS = ("calendar_days", "working_days", "hours", "ratio", "count", "stages", "per_customer")
DIRECTIONS = ("lower_is_better", "higher_is_better")
COMMON_KEYS = ("id", "label", "kind", "units", "segments", "null_reasons", "direction", "target", "area",
               "section", "sources")
OPTIONAL_KEYS = ("requires",)
KIND_KEYS = {
    "mean": ("population", "measure", "where", "segment_by", "extra_segments"),
    "ratio": ("population", "numerator", "where", "segment_by", "extra_segments"),
    "count": ("population", "numerator", "where", "segment_by", "extra_segments", "zero_in"),
    "custom": ("function", "args"),
}


class DeclarationError(ValueError):
    """params/indicators.yaml has problems; the message lists every one."""


@dataclass(frozen=True)
class ExtraSegment:
    """A sub-population shown as a segment of its own (not added into 全部)."""

    segment: str
    population: str
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    label: str
    units: tuple[str, ...]
    direction: str  # lower_is_better | higher_is_better
    segments: tuple[str, ...]
    null_reason: str  # a cell without any record
    target: str  # "targets" or "none"
    area: str
    section: int
    sources: tuple[str, ...] = ()  # extract kinds it stands on; the first bounds its dates
    kind: str = "custom"
    population: str | None = None
    where: tuple[str, ...] = ()
    numerator: str | None = None
    measure: tuple[tuple[str, str], ...] = ()  # (unit, column) for a mean
    segment_by: str | None = None
    extra_segments: tuple[ExtraSegment, ...] = ()
    zero_in: str | None = None
    zero_denominator: str | None = None  # a ratio's reason for a zero denominator
    function: str | None = None
    args: tuple[tuple[str, object], ...] = ()
    requires: tuple[str, ...] = ()  # year-dependent parameters: a year without one has null values

    @property
    def source(self) -> str | None:
        return self.sources[0] if self.sources else None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"

    @property
    def kwargs(self) -> dict:
        """A custom function's declared arguments (lists as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.args}

    def populations(self) -> tuple[str, ...]:
        """The named inputs whose records it is computed over (its own, then its extra segments')."""
        if self.population is None:
            return ()
        return (self.population, *(e.population for e in self.extra_segments if e.population != self.population))


def _spec(d: dict, sets: dict) -> IndicatorSpec:
    reasons = d["null_reasons"]
    return IndicatorSpec(
        d["id"], d["label"], tuple(d["units"]), d["direction"], tuple(sets[d["segments"]]), reasons["no_records"],
        d["target"], d["area"], int(d["section"]), tuple(d.get("sources") or ()),
        kind=d["kind"], population=d.get("population"), where=tuple(d.get("where") or ()),
        numerator=d.get("numerator"), measure=tuple((d.get("measure") or {}).items()),
        segment_by=d.get("segment_by"),
        extra_segments=tuple(ExtraSegment(e["segment"], e["population"], tuple(e.get("where") or ()))
                             for e in d.get("extra_segments") or ()),
        zero_in=d.get("zero_in"), zero_denominator=reasons.get("zero_denominator"), function=d.get("function"),
        args=tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in (d.get("args") or {}).items()),
        requires=tuple(d.get("requires") or ()))


@params.derived
@lru_cache(maxsize=None)
def declared() -> tuple[IndicatorSpec, ...]:
    """Every declared indicator, in the file's order; a file with problems raises
    :class:`DeclarationError` naming all of them."""
    data = params.load("indicators.yaml")
    problems = validate(data)
    if problems:
        raise DeclarationError("params/indicators.yaml 有 {} 处问题：\n".format(len(problems)) + "\n".join(problems))
    return tuple(_spec(d, data["segment_sets"]) for d in data["indicators"])


def spec(indicator_id: str) -> IndicatorSpec:
    return next(s for s in declared() if s.id == indicator_id)


def functions() -> dict:
    """Every declared id → a function of the inputs (a dict, completed on demand) that computes it."""
    from getpower.indicators.engine import compute  # the engine reads declarations: imported here, not above

    return {s.id: partial(compute, s) for s in declared()}


def validate(data: dict | None = None) -> list[str]:
    """Every problem of the declarations (``data``: the parsed file; by default params/indicators.yaml),
    one line each, in Chinese; empty when there is none."""
    data = params.load("indicators.yaml") if data is None else data
    out: list[str] = []
    sets = data.get("segment_sets") or {}
    for key in ("segment_sets", "indicators", "area_types", "area_aggregates"):
        if key not in data:
            out.append(f"缺少顶层项 {key}")
    areas = set(params.load("scoring.yaml")["weights"]) | {"none"}
    kinds = {k.name for k in EXTRACT_KINDS}
    thresholds = params.load("thresholds.yaml")
    names = set(INPUTS) | set(BASE)

    def known_input(name, where, what="输入"):
        if name not in names:
            out.append(f"{where}：未知的{what} {name}（lib/getpower/indicators/inputs.py）")

    def known_predicates(preds, where):
        for p in preds or ():
            if p not in PREDICATES:
                out.append(f"{where}：未知的谓词 {p}（lib/getpower/indicators/predicates.py）")
            else:
                for arg in inspect.signature(PREDICATES[p]).parameters:
                    known_input(arg, f"{where}：谓词 {p} 的参数")

    seen, used_functions = set(), set()
    for i, d in enumerate(data.get("indicators") or [], 1):
        ident = d.get("id") or f"第 {i} 项"
        if ident in seen:
            out.append(f"{ident}：id 重复")
        seen.add(ident)
        kind = d.get("kind")
        for key in COMMON_KEYS:
            if key not in d:
                out.append(f"{ident}：缺少 {key}")
        if kind not in KINDS:
            out.append(f"{ident}：kind 应为 {'、'.join(KINDS)} 之一，而非 {kind}")
            continue
        for key in set(d) - set(COMMON_KEYS) - set(OPTIONAL_KEYS) - set(KIND_KEYS[kind]):
            out.append(f"{ident}：{kind} 指标不认识的项 {key}")
        units = d.get("units") or []
        if not units or set(units) - set(UNITS):
            out.append(f"{ident}：单位 {units} 不在 {'、'.join(UNITS)} 之中")
        if d.get("direction") not in DIRECTIONS:
            out.append(f"{ident}：direction 应为 {' 或 '.join(DIRECTIONS)}")
        if d.get("target") not in ("targets", "none"):
            out.append(f"{ident}：target 应为 targets 或 none")
        if d.get("area") not in areas:
            out.append(f"{ident}：area {d.get('area')} 不在 scoring.yaml 的 weights 之中")
        if set(d.get("sources") or []) - kinds or not d.get("sources"):
            out.append(f"{ident}：sources {d.get('sources')} 应为提取文件类别（{'、'.join(sorted(kinds))}）")
        for name in d.get("requires") or []:
            if "by_year" not in (thresholds.get(name) or {}):
                out.append(f"{ident}：requires 中的 {name} 不是 params/thresholds.yaml 中按年的参数（by_year）")
        segs = sets.get(d.get("segments"))
        if segs is None:
            out.append(f"{ident}：未知的分项集 {d.get('segments')}（segment_sets）")
            segs = []
        reasons = d.get("null_reasons") or {}
        if not reasons.get("no_records"):
            out.append(f"{ident}：null_reasons 缺少 no_records（无记录时的原因）")
        if kind == "custom":
            fn = CUSTOM.get(d.get("function"))
            if fn is None:
                out.append(f"{ident}：未知的自定义函数 {d.get('function')}（lib/getpower/indicators/reliability.py）")
                continue
            used_functions.add(d["function"])
            sig = inspect.signature(fn).parameters
            keyword = {n for n, p in sig.items() if p.kind is p.KEYWORD_ONLY}
            args = d.get("args") or {}
            for k in set(args) - keyword:
                out.append(f"{ident}：函数 {d['function']} 没有参数 {k}")
            # values the data contract accepts (intake maps every spelling to these)
            for k, allowed in (("kinds", OUTAGE_KIND), ("exclude_causes", OUTAGE_CAUSE)):
                for v in set(args.get(k) or []) - set(allowed):
                    out.append(f"{ident}：{k} 中的 {v} 不是数据约定中的取值（{'、'.join(allowed)}）")
            for n, p in sig.items():
                if p.kind is not p.KEYWORD_ONLY:
                    known_input(n, f"{ident}：函数 {d['function']} 的参数")
            continue
        known_input(d.get("population"), ident, "人群输入")
        known_predicates(d.get("where"), ident)
        if kind == "mean":
            measure = d.get("measure") or {}
            if set(measure) != set(units):
                out.append(f"{ident}：measure 的单位 {sorted(measure)} 与 units {sorted(units)} 不一致")
        else:
            if d.get("numerator") is None:
                out.append(f"{ident}：{kind} 指标缺少 numerator")
            else:
                known_predicates([d["numerator"]], ident)
            if units != [kind]:
                out.append(f"{ident}：{kind} 指标的单位应为 [{kind}]")
        if kind == "ratio" and not reasons.get("zero_denominator"):
            out.append(f"{ident}：ratio 指标的 null_reasons 缺少 zero_denominator（分母为零的原因）")
        extra = [e.get("segment") for e in d.get("extra_segments") or []]
        if len(segs) > 1 + len(extra) and not d.get("segment_by"):
            out.append(f"{ident}：分项集 {d.get('segments')} 有多个分项，却未声明 segment_by")
        for e in d.get("extra_segments") or []:
            if e.get("segment") not in segs:
                out.append(f"{ident}：附加分项 {e.get('segment')} 不在分项集 {d.get('segments')} 中")
            known_input(e.get("population"), f"{ident}：附加分项 {e.get('segment')}", "人群输入")
            known_predicates(e.get("where"), f"{ident}：附加分项 {e.get('segment')}")
        if d.get("zero_in") is not None:
            known_input(d["zero_in"], ident)
    for name in sorted(set(CUSTOM) - used_functions):
        out.append(f"自定义函数 {name} 没有指标声明使用")
    areas_declared = list(data.get("area_types") or [])
    if set(areas_declared) != set(AREA_TYPE):
        out.append(f"area_types 应为数据约定中的区域类型（{'、'.join(AREA_TYPE)}）")
    aggregates = data.get("area_aggregates") or {}
    for name, members in aggregates.items():
        for m in set(members) - set(areas_declared):
            out.append(f"area_aggregates：{name} 的成员 {m} 不在 area_types 中")
    if "area_type" in sets and list(sets["area_type"]) != [*areas_declared, *aggregates]:
        out.append("segment_sets.area_type 应为 area_types 加 area_aggregates 的名称")
    return out
