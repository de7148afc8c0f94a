"""In-flight status (在途预警, issue #15): every application and access-works approval still open on
a date, where it stands against its limits, and how urgent it is.

Everything is counted as the indicators count it (indicators.md §1, §6; :mod:`getpower.calendar`):
the start day is not counted; working days are the official calendar with make-up days (调休);
an application is open on ``as_of`` when its 申请受理 stage has started by then, it is not
withdrawn (已撤销: never warned, whatever it was on the date) and its last stage (装表接电 /
竣工装表接电) has not finished by then — the population of ``open_overdue``, and an application
that is 超期 here on a quarter's last day is one that ``open_overdue`` counts (a 三零 one: in its
三零 segment; tested). An
application without a 申请受理 record has no start to age from and is not listed, as the
indicators do not count it.

For each open application:

- **current stage**: the stage open on the date (started by then, not finished by then; the
  latest started when the record holds more than one). When none is open the application is
  between stages (the customer's own works, or waiting: ``params/warnings.yaml``
  ``between_stages``), aged from the last stage's finish, without a stage limit.
- **time in stage** and **in total** (``process_*``: from 申请受理; ``utility_*``: the utility's time
  so far, the spans of its stage records up to the date), in calendar and working days.
- **stage limit**: annex 1's limit of that stage for the class (calendar days,
  ``thresholds.yaml: stage_limits_days``; high voltage only); **class limit**: the year's limit of
  the class from the targets (the year of ``as_of``), judged on the measure the targets name
  (process time for 居民 / 低压非居民, utility time for high voltage), as ``within_limit_rate``;
  a 三零 application (低压小微企业 with 零投资, the indicators' 三零 segment) against the year's 三零
  limit instead (working days of process time; ``measure`` 全过程办电时间（三零）).
- **time left** to each limit, in calendar and working days, and the **due date** (到期日: the
  last day within the limit). For a limit in calendar days the due date is ``as_of + left``
  calendar days; for one in working days it is the working day on which the limit is used up.
- **status** for the stage and for the whole: 超期 (past the limit), 临期 (not past it, and at most
  ``near_due_working_days`` working days left, ``params/warnings.yaml``), 正常; 无时限 where no
  limit applies; null (with ``reason``) when working days cannot be counted (a year without a
  holiday schedule).

Access-works approvals (接入工程审批) still pending on the date are listed the same way: one
stage, owned by the approving authority, against the year's approval limit of their voltage
class; projects 免于审批 have no procedure and are never warned (as ``approval_days_mean`` leaves
them out).

Nothing personal is read or returned: ids, city, district, class and dates only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from getpower import params
from getpower.calendar import calendar_days, known_span, known_years, unknown_reason, unknown_years, \
    workday_table, working_days
from getpower.contract import LAST_STAGES

NORMAL, NEAR, OVER, NO_LIMIT = "正常", "临期", "超期", "无时限"
STATUSES = (OVER, NEAR, NORMAL, NO_LIMIT)  # most urgent first
APPLICATION, APPROVAL = "报装工单", "接入工程审批"
MEASURES = {"process": "全过程办电时间", "utility": "合计办理时间", "approval": "审批时间"}
SANLING, SANLING_MARK = "三零", "（三零）"  # a 三零 application's limit: the measure named with this mark
COLUMNS = {
    "kind": pl.String, "city": pl.String, "district": pl.String, "id": pl.String, "class": pl.String,
    "important": pl.Boolean, "started_at": pl.Datetime("us"),
    "stage": pl.String, "owner": pl.String, "stage_started_at": pl.Datetime("us"),
    "stage_cd": pl.Int64, "stage_wd": pl.Int64,
    "process_cd": pl.Int64, "process_wd": pl.Int64, "utility_cd": pl.Int64, "utility_wd": pl.Int64,
    "stage_limit": pl.Int64, "stage_limit_unit": pl.String, "stage_due": pl.Date,
    "stage_left_cd": pl.Int64, "stage_left_wd": pl.Int64, "stage_status": pl.String,
    "measure": pl.String, "limit": pl.Int64, "limit_unit": pl.String, "elapsed": pl.Int64, "due": pl.Date,
    "left_cd": pl.Int64, "left_wd": pl.Int64, "status": pl.String,
    "urgency": pl.Int64, "reason": pl.String, "as_of": pl.Datetime("us"),
}


@dataclass(frozen=True)
class WarningRules:
    """``params/warnings.yaml`` as one small value."""

    near_due_wd: int
    stage_owners: tuple[tuple[str, str], ...]
    between_label: str
    between_owner: str
    approval_label: str
    approval_owner: str

    @classmethod
    def load(cls) -> "WarningRules":
        w = params.load("warnings.yaml")
        return cls(near_due_wd=int(w["near_due_working_days"]["value"]),
                   stage_owners=tuple(w["stage_owners"]["by_stage"].items()),
                   between_label=w["between_stages"]["label"], between_owner=w["between_stages"]["owner"],
                   approval_label=w["approval"]["label"], approval_owner=w["approval"]["owner"])


def as_of_timestamp(day: dt.date | dt.datetime) -> dt.datetime:
    """A date stands for the end of that day (everything recorded that day counts)."""
    if isinstance(day, dt.datetime):
        return day
    return dt.datetime.combine(day, dt.time(23, 59, 59))


# --- working-day arithmetic on the indicators' calendar ---------------------------------------------
@dataclass(frozen=True)
class _Days:
    """Cumulative working days by date (:func:`getpower.calendar.workday_table`): a date's count,
    and the working day on which a count is reached. Null outside the known years."""

    first: dt.date
    cum: pl.Series

    @classmethod
    def around(cls, as_of: dt.datetime) -> "_Days | None":
        # limits reach at most a few months past the date: the next year is enough
        span = known_span(min(known_years()), as_of.year + 1)
        if span is None:
            return None
        t = workday_table(*span)
        return cls(t["date"][0], t["cum_workdays"].cast(pl.Int64))

    def at(self, day: pl.Expr) -> pl.Expr:
        idx = (day - pl.lit(self.first)).dt.total_days()
        ok = (idx >= 0) & (idx < len(self.cum))
        return pl.when(ok).then(pl.lit(self.cum).gather(idx.clip(0, len(self.cum) - 1))).otherwise(None)

    def day_of(self, count: pl.Expr) -> pl.Expr:
        """The working day whose cumulative count is ``count`` (the first date reaching it)."""
        idx = pl.lit(self.cum).search_sorted(count, side="left").cast(pl.Int64)
        ok = idx < len(self.cum)
        found = pl.lit(self.cum).gather(idx.clip(0, len(self.cum) - 1)) == count
        return pl.when(ok & found).then(pl.lit(self.first) + pl.duration(days=idx)).otherwise(None)


def _judge(lf: pl.LazyFrame, out: str, limit: str, unit: str, elapsed_cd: str, elapsed_wd: str,
           as_of: dt.datetime, days: _Days | None, near: int) -> pl.LazyFrame:
    """Add ``{out}due``, ``{out}left_cd``, ``{out}left_wd`` and ``{out}status`` for a limit."""
    today = as_of.date()
    lim = pl.col(limit).floor().cast(pl.Int64)  # integer day counts: within 7.5 days = within 7
    cal = pl.col(unit) == "calendar_days"
    left_cd_cal = lim - pl.col(elapsed_cd)
    left_wd_wd = lim - pl.col(elapsed_wd)
    if days is None:
        due_wd, cum_today = pl.lit(None, pl.Date), pl.lit(None, pl.Int64)
    else:
        cum_today = days.at(pl.lit(today))
        due_wd = pl.when(left_wd_wd == 0).then(pl.lit(today)).otherwise(days.day_of(cum_today + left_wd_wd))
    due = pl.when(cal).then(pl.lit(today) + pl.duration(days=left_cd_cal)).otherwise(due_wd)
    lf = lf.with_columns(due.cast(pl.Date).alias(f"{out}due"))
    left_cd = pl.when(cal).then(left_cd_cal).otherwise((pl.col(f"{out}due") - pl.lit(today)).dt.total_days())
    if days is None:
        left_wd = pl.when(cal).then(None).otherwise(left_wd_wd)
    else:
        left_wd = pl.when(cal).then(days.at(pl.col(f"{out}due")) - cum_today).otherwise(left_wd_wd)
    lf = lf.with_columns(left_cd.cast(pl.Int64).alias(f"{out}left_cd"), left_wd.cast(pl.Int64).alias(f"{out}left_wd"))
    over = pl.when(cal).then(pl.col(f"{out}left_cd") < 0).otherwise(pl.col(f"{out}left_wd") < 0)
    status = (pl.when(pl.col(limit).is_null()).then(pl.lit(NO_LIMIT))
              .when(over).then(pl.lit(OVER))
              .when(pl.col(f"{out}left_wd") <= near).then(pl.lit(NEAR))
              .when(pl.col(f"{out}left_wd").is_not_null()).then(pl.lit(NORMAL))
              .otherwise(None))
    return lf.with_columns(status.alias(f"{out}status"))


def _stage_limits() -> pl.LazyFrame:
    """Annex 1's stage limits by stage and class, in calendar days (the table's ``stage_limit``)."""
    from getpower.indicators.inputs import stage_limits  # the one reading of thresholds.yaml

    return stage_limits()


def _finish(lf: pl.LazyFrame, as_of: dt.datetime) -> pl.LazyFrame:
    rank = {s: i for i, s in enumerate(STATUSES)}
    worst = pl.min_horizontal(pl.col("stage_status").replace_strict(rank, default=9, return_dtype=pl.Int64),
                              pl.col("status").replace_strict(rank, default=9, return_dtype=pl.Int64))
    missing = unknown_years([as_of.year, as_of.year + 1])
    reason = pl.when(pl.col("status").is_null() | pl.col("stage_status").is_null()).then(
        pl.lit(unknown_reason(missing) if missing else "工作日无法计算"))
    lf = lf.with_columns(worst.alias("urgency"), reason.alias("reason"), pl.lit(as_of).alias("as_of"))
    return lf.select(pl.col(c).cast(t) if c in lf.collect_schema() else pl.lit(None, t).alias(c)
                     for c, t in COLUMNS.items())


def _applications(applications: pl.LazyFrame, stages: pl.LazyFrame, as_of: dt.datetime, limits, rules: WarningRules,
                  years: tuple[int, int], days: _Days | None) -> pl.LazyFrame:
    from getpower.indicators.inputs import measured_against_limit

    end = pl.lit(as_of)
    st = stages.filter(pl.col("started_at") <= end).with_columns(
        (pl.col("finished_at").is_null() | (pl.col("finished_at") > end)).alias("_open"),
        pl.min_horizontal(pl.col("finished_at").fill_null(end), end).alias("_until"))
    st = st.with_columns(calendar_days(pl.col("started_at"), pl.col("_until")).alias("_cd"),
                         working_days(pl.col("started_at"), pl.col("_until"), years).alias("_wd"))
    per_app = st.group_by("app_id").agg(
        pl.col("started_at").filter(pl.col("stage") == "申请受理").min().alias("started_at"),
        pl.col("finished_at").filter(pl.col("stage").is_in(list(LAST_STAGES)) & ~pl.col("_open")).max().alias("_done"),
        pl.col("_cd").sum().alias("utility_cd"),
        # a span that cannot be counted in working days makes the sum unknown, not smaller
        pl.when(pl.col("_wd").is_null().any()).then(None).otherwise(pl.col("_wd").sum()).alias("utility_wd"),
        pl.col("finished_at").filter(~pl.col("_open")).max().alias("_last_finish"),
    )
    # the open stage (the latest started when several are): from the few open records only — a
    # sort within every application's group cost 90 % of the time at a province-year's scale
    current = (st.filter(pl.col("_open")).sort("started_at", "stage").group_by("app_id")
               .agg(pl.col("stage").last().cast(pl.String).alias("_open_stage"),
                    pl.col("started_at").last().alias("_open_since")))
    per_app = per_app.join(current, on="app_id", how="left")
    withdrawn = (pl.col("status") == "已撤销").fill_null(False)
    lf = (applications.filter(~withdrawn).join(per_app, on="app_id", how="inner")
          .filter(pl.col("started_at").is_not_null() & pl.col("_done").is_null()))
    between = pl.col("_open_stage").is_null()
    owners = dict(rules.stage_owners)
    lf = lf.with_columns(
        pl.lit(APPLICATION).alias("kind"), pl.col("app_id").alias("id"), pl.col("customer_class").alias("class"),
        pl.when(between).then(pl.lit(rules.between_label)).otherwise(pl.col("_open_stage").cast(pl.String)).alias("stage"),
        pl.when(between).then(pl.col("_last_finish")).otherwise(pl.col("_open_since")).alias("stage_started_at"),
    ).with_columns(
        pl.col("stage").replace_strict(owners, default=rules.between_owner, return_dtype=pl.String).alias("owner"),
        calendar_days(pl.col("stage_started_at"), end).alias("stage_cd"),
        working_days(pl.col("stage_started_at"), end, years).alias("stage_wd"),
        calendar_days(pl.col("started_at"), end).alias("process_cd"),
        working_days(pl.col("started_at"), end, years).alias("process_wd"),
    )
    lf = lf.join(_stage_limits().with_columns(pl.col("stage").cast(pl.String), pl.col("customer_class").cast(pl.String)),
                 on=["stage", "customer_class"], how="left").with_columns(
        pl.when(pl.col("stage_limit").is_not_null()).then(pl.lit("calendar_days")).alias("stage_limit_unit"))
    lf = measured_against_limit(lf, limits)
    key = {cls: m for cls, (m, _u, _l) in limits.by_class.items()}
    lf = lf.with_columns(pl.col("customer_class").cast(pl.String).replace_strict(key, default=None, return_dtype=pl.String)
                         .alias("_measure"), pl.col("customer_class").cast(pl.String).alias("_limit_of"))
    lf = _judge(lf, "stage_", "stage_limit", "stage_limit_unit", "stage_cd", "stage_wd", as_of, days, rules.near_due_wd)
    # the whole is judged on the measure's own day counts (elapsed is in the limit's unit)
    lf = lf.with_columns(
        pl.when(pl.col("_measure") == "utility").then(pl.col("utility_cd")).otherwise(pl.col("process_cd")).alias("_e_cd"),
        pl.when(pl.col("_measure") == "utility").then(pl.col("utility_wd")).otherwise(pl.col("process_wd")).alias("_e_wd"))
    lf = _judge(lf, "", "limit", "limit_unit", "_e_cd", "_e_wd", as_of, days, rules.near_due_wd)
    lf = _sanling_limit(lf, limits, lambda f: _judge(f, "_s_", "_s_limit", "_s_limit_unit", "_s_e_cd", "_s_e_wd",
                                                     as_of, days, rules.near_due_wd))
    return lf.with_columns(
        (pl.col("_measure").replace_strict(MEASURES, default=None, return_dtype=pl.String)
         + pl.when(pl.col("_limit_of") == SANLING).then(pl.lit(SANLING_MARK)).otherwise(pl.lit(""))).alias("measure"),
        pl.col("limited_value").cast(pl.Int64).alias("elapsed"))


def _sanling_limit(lf: pl.LazyFrame, limits, judge) -> pl.LazyFrame:
    """A 三零 application (低压小微企业 with 零投资: the predicate of ``within_limit_rate``'s and
    ``open_overdue``'s 三零 segment) is bound by two promises: its class's limit and the year's 三零
    limit (ledger 6–7, the targets' 低压小微（三零） row). It is judged as a whole against the one
    due first: the warning comes before the earlier deadline, and every application an
    ``open_overdue`` cell counts (its class's cells or the 三零 one) is 超期 on the list.

    Parameters
    ----------
    lf : pl.LazyFrame
        Open applications judged against their class's ``limit`` (``due``, ``left_cd``,
        ``left_wd``, ``status``), with ``limit_unit``, ``limited_value``, ``_measure`` (process /
        utility), ``_limit_of`` (whose limit it is) and the measures' day counts
        (``process_cd`` …).
    limits : Limits
        The year's limits (:class:`getpower.indicators.inputs.Limits`); a year without a 三零
        limit leaves every row as it was.
    judge : callable
        Adds ``_s_due``, ``_s_left_cd``, ``_s_left_wd`` and ``_s_status`` for the limit in
        ``_s_limit`` / ``_s_limit_unit`` on the days in ``_s_e_cd`` / ``_s_e_wd``.

    Returns
    -------
    pl.LazyFrame
        The same rows and columns; where the 三零 limit is due first (or the class has none), its
        limit, unit, elapsed days, due date, days left and status, and ``_limit_of`` = 三零.
    """
    from getpower.indicators.predicates import sanling
    from getpower.indicators.rules import Rules

    if limits.sanling is None:
        return lf
    measure, unit, lim = limits.sanling
    day = "cd" if unit == "calendar_days" else "wd"
    lf = judge(lf.with_columns(pl.lit(lim).alias("_s_limit"), pl.lit(unit).alias("_s_limit_unit"),
                               pl.col(f"{measure}_cd").alias("_s_e_cd"), pl.col(f"{measure}_wd").alias("_s_e_wd")))
    first = sanling(Rules.for_year(limits.year)) & pl.col("_s_due").is_not_null() & (
        pl.col("limit").is_null() | pl.col("due").is_null() | (pl.col("_s_due") < pl.col("due")))
    replaced = {"limit": pl.lit(lim), "limit_unit": pl.lit(unit),
                "limited_value": pl.col(f"{measure}_{day}").cast(pl.Float64), "_measure": pl.lit(measure),
                "_limit_of": pl.lit(SANLING), "due": pl.col("_s_due"), "left_cd": pl.col("_s_left_cd"),
                "left_wd": pl.col("_s_left_wd"), "status": pl.col("_s_status")}
    return (lf.with_columns(first.fill_null(False).alias("_s_first"))
            .with_columns(pl.when(pl.col("_s_first")).then(v).otherwise(pl.col(k)).alias(k) for k, v in replaced.items())
            .drop("_s_first", "_s_limit", "_s_limit_unit", "_s_e_cd", "_s_e_wd", "_s_due", "_s_left_cd",
                  "_s_left_wd", "_s_status"))


def _approvals(approvals: pl.LazyFrame, as_of: dt.datetime, rules: WarningRules, years: tuple[int, int],
               days: _Days | None) -> pl.LazyFrame:
    from getpower.indicators.inputs import approval_limits
    from getpower.indicators.rules import Rules
    from getpower.periods import Period

    end = pl.lit(as_of)
    exempt = list(Rules.for_year(as_of.year).approval_no_procedure_modes)
    lf = approvals.filter((pl.col("submitted_at") <= end) & ~pl.col("mode").is_in(exempt)
                          & (pl.col("approved_at").is_null() | (pl.col("approved_at") > end)))
    lf = lf.join(approval_limits(Period.parse(str(as_of.year))), on="voltage_class", how="left").with_columns(
        pl.lit(APPROVAL).alias("kind"), pl.col("project_id").alias("id"), pl.col("voltage_class").alias("class"),
        pl.col("submitted_at").alias("started_at"), pl.lit(rules.approval_label).alias("stage"),
        pl.lit(rules.approval_owner).alias("owner"), pl.col("submitted_at").alias("stage_started_at"),
        calendar_days(pl.col("submitted_at"), end).alias("stage_cd"),
        working_days(pl.col("submitted_at"), end, years).alias("stage_wd"),
        pl.when(pl.col("limit").is_not_null()).then(pl.lit(MEASURES["approval"])).alias("measure"),
    ).with_columns(
        pl.col("stage_cd").alias("process_cd"), pl.col("stage_wd").alias("process_wd"),
        pl.col("limit").alias("stage_limit"), pl.col("limit_unit").alias("stage_limit_unit"),
        pl.when(pl.col("limit_unit") == "working_days").then(pl.col("stage_wd")).otherwise(pl.col("stage_cd")).alias("elapsed"),
    )
    # one stage: the stage is the whole, judged once
    lf = _judge(lf, "", "limit", "limit_unit", "stage_cd", "stage_wd", as_of, days, rules.near_due_wd)
    return lf.with_columns(pl.col(c).alias(f"stage_{c}") for c in ("due", "left_cd", "left_wd", "status"))


def inflight(frames: dict[str, pl.LazyFrame], as_of: dt.date | dt.datetime, *,
             rules: WarningRules | None = None) -> pl.DataFrame:
    """Every application and access-works approval open on ``as_of`` (a date: the end of that
    day), with its current stage, times, limits, time left and status (see the module's
    docstring), most urgent first: 超期 before 临期 before 正常 (the worse of stage and whole),
    then least time left (working days; the furthest overdue first).

    ``frames``: the extract kinds by name (:func:`getpower.table.load_frames`); only
    ``applications``, ``stages`` and ``approvals`` are read. Columns: :data:`COLUMNS`."""
    return by_urgency(inflight_plan(frames, as_of, rules=rules)).collect()


def by_urgency(items: pl.DataFrame | pl.LazyFrame):
    """Rows of :func:`inflight` in order of urgency, the one order of every list (督办单, the
    预警督办 page, the scorecards' 当前预警): 超期 before 临期 before 正常 (the worse of stage and
    whole, ``urgency``), then least time left in working days (the furthest overdue first), then
    in calendar days, then city and id.

    Parameters
    ----------
    items : pl.DataFrame or pl.LazyFrame
        Rows with :data:`COLUMNS`.

    Returns
    -------
    pl.DataFrame or pl.LazyFrame
        The same rows, ordered (nulls last).
    """
    return items.sort(pl.col("urgency"), pl.min_horizontal(pl.col("stage_left_wd"), pl.col("left_wd")),
                      pl.min_horizontal(pl.col("stage_left_cd"), pl.col("left_cd")), "city", "id", nulls_last=True)


def inflight_plan(frames: dict[str, pl.LazyFrame], as_of: dt.date | dt.datetime, *,
                  rules: WarningRules | None = None) -> pl.LazyFrame:
    """:func:`inflight` as a lazy plan, unordered (many dates are then computed in one go)."""
    from getpower.indicators.inputs import Limits

    as_of = as_of_timestamp(as_of)
    rules = rules or WarningRules.load()
    # the calendar as the indicators use it: every known year up to the date's
    years = (min(min(known_years()), as_of.year), as_of.year + 1)
    days = _Days.around(as_of)
    apps = _applications(frames["applications"], frames["stages"], as_of, Limits.for_year(as_of.year), rules,
                         years, days)
    approvals = _approvals(frames["approvals"], as_of, rules, years, days)
    return pl.concat([_finish(apps, as_of), _finish(approvals, as_of)])


def month_ends(span: tuple[dt.date, dt.date]) -> list[dt.date]:
    """Every month end from the first month of ``span`` to its last date (which ends the list
    when it is not a month end itself: the data's date)."""
    first, last = span
    out, m = [], first.replace(day=1)
    while True:
        nxt = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        if end >= last:
            out.append(last)
            return out
        out.append(end)
        m = nxt


BACKLOG_STATUSES = (OVER, NEAR, NORMAL, NO_LIMIT, "无法判断")


def backlog(frames: dict[str, pl.LazyFrame], dates: list[dt.date], kind: str = APPLICATION) -> pl.DataFrame:
    """Open items of ``kind`` by city and status at each date (the trend of the backlog): columns
    ``date``, ``city`` (and the province 全省, pooled), ``status`` (the worse of stage and whole,
    :data:`BACKLOG_STATUSES`) and ``n``; every date × city × status present, 0 included."""
    rank = {i: s for i, s in enumerate(STATUSES)}
    # the three sources read once into memory, then one small query per date: faster than one
    # collect_all of every date's plan (10 month ends of the sample: 0.3 s against 1.4 s, measured
    # in one run on the shared machine under load; all 69: about 4 s against 54 s)
    mem = dict(zip(("applications", "stages", "approvals"),
                   (f.lazy() for f in pl.collect_all([frames[k] for k in ("applications", "stages", "approvals")]))))
    parts = [inflight_plan(mem, d).filter(pl.col("kind") == kind)
             .select(pl.lit(d).alias("date"), pl.col("city").cast(pl.String),
                     pl.col("urgency").replace_strict(rank, default=BACKLOG_STATUSES[-1], return_dtype=pl.String)
                     .alias("status")).collect()
             for d in dates]
    rows = pl.concat(parts) if parts else pl.DataFrame(schema={"date": pl.Date, "city": pl.String, "status": pl.String})
    rows = pl.concat([rows, rows.with_columns(pl.lit(params.province()).alias("city"))])
    counted = rows.group_by("date", "city", "status").agg(pl.len().cast(pl.Int64).alias("n"))
    grid = (pl.DataFrame({"date": dates}, schema={"date": pl.Date})
            .join(pl.DataFrame({"city": [*params.cities(), params.province()]}), how="cross")
            .join(pl.DataFrame({"status": list(BACKLOG_STATUSES)}), how="cross"))
    return grid.join(counted, on=["date", "city", "status"], how="left").with_columns(pl.col("n").fill_null(0))


def data_span(frames: dict[str, pl.LazyFrame]) -> tuple[dt.date, dt.date] | None:
    """The first and last date of what the status stands on (applications with their stages, and
    approvals; :func:`getpower.currency.extent`): the last is the data's date, 数据截至. None
    without a row of either."""
    from getpower.currency import extent, ranges

    rs = {k: r for k, r in ranges(extent(frames)).items() if k in ("applications", "approvals")}
    if not rs:
        return None
    return min(r.first for r in rs.values()), max(r.last for r in rs.values())


def check_as_of(span: tuple[dt.date, dt.date] | None, as_of: dt.date) -> None:
    """Refuse a date beyond the data (:class:`~getpower.currency.DataRangeError`): after its last
    date nothing says what was still open, and before its first nothing was."""
    from getpower.currency import DataRangeError

    if span is None:
        raise DataRangeError("没有报装工单或接入工程审批数据（请先导入提取文件）")
    if as_of > span[1]:
        raise DataRangeError(f"预警日期 {as_of.isoformat()} 超出数据范围（数据截至 {span[1].isoformat()}）")
    if as_of < span[0]:
        raise DataRangeError(f"预警日期 {as_of.isoformat()} 超出数据范围（数据始于 {span[0].isoformat()}）")
