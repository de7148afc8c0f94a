"""One application's timeline (issue #15, drill-through): its stage records on the calendar,
each against its annex-1 limit, the days off and make-up working days around them, and the
integrity flags the indicators raise on it (后补流程, 集中录入, 重走流程, 体外循环).

Everything is the indicators' own computation applied to one application: spans from
:func:`getpower.indicators.inputs.stage_spans`, the flags from
:func:`getpower.indicators.inputs.application_records`, the stage limits of the indicator table,
the status from :func:`getpower.inflight.inflight`. Ids, classes and dates only: no personal data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from getpower.calendar import calendar_days, known_span, known_years, workday_table, working_days
from getpower.inflight import as_of_timestamp, inflight

FLAGS = {"backfill": "后补流程", "burst": "集中录入", "repeated": "重走流程", "pre_acceptance": "体外循环"}
DAY_KINDS = ("节假日", "周末", "调休上班")  # the days drawn: days off, and weekends worked


@dataclass(frozen=True)
class Timeline:
    """What :func:`timeline` returns (see there)."""

    app: dict
    stages: pl.DataFrame
    flags: tuple[str, ...]
    days: pl.DataFrame
    status: dict | None
    as_of: dt.datetime


def timeline(frames: dict[str, pl.LazyFrame], app_id: str, as_of: dt.date | dt.datetime) -> Timeline:
    """The application ``app_id`` as its records stood on ``as_of`` (stages started later are not
    shown; one open then ends at ``as_of``).

    - ``app``: city, district, class, important, the extract's status.
    - ``stages``: one row per stage record, in order: ``stage``, ``label`` (a stage gone through
      again is numbered: 装表接电（第 2 次）), ``started_at``, ``finished_at``, ``until`` (its finish,
      or ``as_of`` while open), ``open``, ``span_cd`` / ``span_wd`` (so far, while open),
      ``stage_limit`` (annex 1, calendar days), ``due`` (start date + limit), ``state`` (按时 /
      超时 / 进行中 / 进行中（已超时） / 无时限), ``recorded_at`` and the stage's own marks
      (``backfilled``: recorded more than ``backfill_days`` after its finish; ``before_acceptance``:
      it started before 申请受理; ``again``: a repeat of a stage).
    - ``flags``: the integrity flags the indicators raise on the application (Chinese labels).
    - ``days``: the days off (节假日 / 周末) and make-up working days (调休上班) of the span shown.
    - ``status``: its row of :func:`~getpower.inflight.inflight` when it is open on ``as_of``.

    An unknown id raises ``KeyError`` with a Chinese message."""
    from getpower.indicators.inputs import stage_limits
    from getpower.indicators.records import application_records, stage_spans, threshold

    as_of = as_of_timestamp(as_of)
    mine = pl.col("app_id") == app_id
    app = frames["applications"].filter(mine).collect()
    if app.is_empty():
        raise KeyError(f"没有编号为 {app_id} 的报装工单")
    years = (min(min(known_years()), as_of.year), as_of.year + 1)
    st = (frames["stages"].filter(mine & (pl.col("started_at") <= as_of))
          .with_columns(pl.when(pl.col("finished_at") <= as_of).then(pl.col("finished_at")).alias("finished_at")))
    recs = application_records(app.lazy(), stage_spans(st, years), years).collect().row(0, named=True)
    cls = app["customer_class"][0]
    backfill = dt.timedelta(days=float(threshold("backfill_days")))
    until = pl.coalesce(pl.col("finished_at"), pl.lit(as_of))
    stages = (st.sort("started_at", "stage").with_columns(
        pl.col("finished_at").is_null().alias("open"), until.alias("until"),
        pl.lit(cls).alias("customer_class"),
        (pl.int_range(1, pl.len() + 1).over("stage")).alias("_nth"))
        .with_columns(calendar_days(pl.col("started_at"), pl.col("until")).alias("span_cd"),
                      working_days(pl.col("started_at"), pl.col("until"), years).alias("span_wd"))
        .join(stage_limits().with_columns(pl.col("stage").cast(pl.String), pl.col("customer_class").cast(pl.String)),
              on=["stage", "customer_class"], how="left")
        .with_columns(
            pl.when(pl.col("_nth") > 1).then(pl.col("stage") + "（第 " + pl.col("_nth").cast(pl.String) + " 次）")
            .otherwise(pl.col("stage")).alias("label"),
            (pl.col("started_at").dt.date() + pl.duration(days=pl.col("stage_limit").floor().cast(pl.Int64))).alias("due"),
            ((pl.col("recorded_at") - pl.col("finished_at")) > backfill).fill_null(False).alias("backfilled"),
            (pl.col("started_at") < pl.lit(recs["accepted_at"])).fill_null(False).alias("before_acceptance"),
            (pl.col("_nth") > 1).alias("again"))
        .with_columns(
            pl.when(pl.col("stage_limit").is_null()).then(pl.lit("无时限"))
            .when(pl.col("open") & (pl.col("span_cd") > pl.col("stage_limit"))).then(pl.lit("进行中（已超时）"))
            .when(pl.col("open")).then(pl.lit("进行中"))
            .when(pl.col("span_cd") > pl.col("stage_limit")).then(pl.lit("超时"))
            .otherwise(pl.lit("按时")).alias("state"))
        .sort("started_at", "_nth")
        .select("stage", "label", "started_at", "finished_at", "until", "open", "span_cd", "span_wd", "stage_limit",
                "due", "state", "recorded_at", "backfilled", "before_acceptance", "again")
        .collect())
    flags = tuple(label for key, label in FLAGS.items() if recs.get(key))
    days = _days(stages, as_of)
    open_row = inflight({"applications": app.lazy(), "stages": frames["stages"].filter(mine),
                         "approvals": frames["approvals"].clear()}, as_of)
    info = {k: app[k][0] for k in ("app_id", "city", "district", "customer_class", "important", "status")}
    return Timeline(info, stages, flags, days, open_row.row(0, named=True) if open_row.height else None, as_of)


def _days(stages: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """The days off and make-up working days from the first stage's start to the last one's end
    (or due date), a day either side; none for years the calendar does not know."""
    schema = {"date": pl.Date, "kind": pl.String}
    if stages.is_empty():
        return pl.DataFrame(schema=schema)
    lo = stages["started_at"].min().date() - dt.timedelta(days=1)
    hi = max(stages["until"].max().date(), stages["due"].drop_nulls().max() or lo) + dt.timedelta(days=1)
    span = known_span(lo.year, hi.year)
    if span is None:
        return pl.DataFrame(schema=schema)
    t = workday_table(*span).filter(pl.col("date").is_between(lo, hi))
    weekend = pl.col("date").dt.weekday() >= 6
    kind = (pl.when(~pl.col("workday") & weekend).then(pl.lit("周末"))
            .when(~pl.col("workday")).then(pl.lit("节假日"))
            .when(weekend).then(pl.lit("调休上班")))
    return t.select("date", kind.alias("kind")).filter(pl.col("kind").is_not_null())
