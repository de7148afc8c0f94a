"""The ``getpower`` command: validate, ingest, sample, compute, run."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from getpower import params
from getpower.access import AccessError, account
from getpower.registry import DeclarationError
from getpower.intake.read import ExtractError
from getpower.serve import ServeError
from getpower.workspace import WorkspaceError

DEFAULT_STORE = Path("data/store")
DEFAULT_SAMPLE = Path("data/sample")


def _cmd_validate(args) -> int:
    from getpower.intake import report
    from getpower.intake.validate import validate_batch

    qdir = Path(args.quarantine_dir)
    if qdir.exists() and not qdir.is_dir():
        raise ExtractError(f"{qdir}: 隔离目录已存在且是一个文件，请换一个目录")
    v = validate_batch(args.paths)
    report.write_quarantine(qdir, v.results)
    print(report.to_json(v.results, v.not_read) if args.json else report.to_text(v.results, qdir, v.not_read))
    for n in v.errors:  # files that should have been read: one line each, and a non-zero exit
        print(f"错误: {n.name}: {n.reason}", file=sys.stderr)
    return 2 if v.errors else 0


def _cmd_ingest(args) -> int:
    from getpower.intake import report
    from getpower.store import Store

    store = Store(args.store)
    res = store.ingest(args.paths, by=account("命令行"), on_wait=lambda: print(  # by: for the audit trail
        f"数据仓库 {store.root} 正被另一个导入使用，等待其完成…", file=sys.stderr, flush=True))
    if args.json:
        import dataclasses
        import json

        data = json.loads(report.to_json(list(res.results), res.not_read))
        for f, o in zip(data["files"], res.outcomes):
            f.update(dataclasses.asdict(o))
        data |= {"version": res.version, "notes": list(res.notes)}
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(ingest_text(store, res))
    for n in res.not_read:  # files that should have been read: one line each, and a non-zero exit
        if n.error:
            print(f"错误: {n.name}: {n.reason}（其余文件已导入）", file=sys.stderr)
    if res.version:
        _warn_calendar_stored(store)
    return 2 if any(n.error for n in res.not_read) else 0


def _warn_calendar_stored(store) -> None:
    """After an ingest: the years of the stored stages and approvals (what working days are
    counted on) that have no holiday schedule, said once, as compute says it."""
    import polars as pl

    from getpower.calendar import unknown_warning, unknown_years

    years: set[int] = set()
    for kind, cols in (("stages", ("started_at", "finished_at")), ("approvals", ("submitted_at", "approved_at"))):
        lf = store.scan(kind)
        if lf is not None:
            row = lf.select(*(f(c).dt.year().alias(f"{c}_{f.__name__}") for c in cols for f in (pl.min, pl.max))).collect().row(0)
            years |= {y for y in row if y is not None}
    missing = unknown_years(range(min(years), max(years) + 1)) if years else []
    if missing:
        print(unknown_warning(missing), file=sys.stderr)


def ingest_text(store, res) -> str:
    """The ingest report: every file's rows accounted for, then what changed in the store."""
    from getpower.contract import KIND_BY_NAME
    from getpower.intake import report

    lines = [report.to_text(list(res.results), res.upload_dir, res.not_read)] if res.results else []
    for r, o in zip(res.results, res.outcomes):
        parts = [f"新增或更新 {o.new}", f"与已存相同 {o.unchanged}"]
        if o.pending:
            parts.append(f"待匹配 {o.pending}（工单尚未导入，暂不计入指标，工单导入后自动接收）")
        if o.superseded:
            parts.append(f"被本次后续文件替换 {o.superseded}")
        if o.held:
            parts.append(f"暂缓 {o.held}（同一工单有环节行被隔离，已存环节保留）")
        lines.append(f"{Path(r.file).name}: 接收 {r.rows_accepted} 行 = " + " + ".join(parts))
    lines += res.notes
    for kind, c in res.changes.items():
        if c.replaced:
            lines.append(f"{KIND_BY_NAME[kind].label}: 替换已存记录 {c.replaced} 条（明细: {res.upload_dir / 'replaced.csv'}）")
        if c.pending_matched:
            lines.append(f"{KIND_BY_NAME[kind].label}: 此前待匹配的 {c.pending_matched} 行已随工单接收")
    if res.version:
        rows = "，".join(f"{k} {v}" for k, v in res.rows_stored.items())
        lines.append(f"数据仓库 {store.root} 已更新到版本 {res.version}: {rows}")
    else:
        lines.append(f"数据仓库 {store.root} 未变化（内容与已存记录相同）")
    return "\n".join(lines)


def _cmd_store(args) -> int:
    from getpower import store_history
    from getpower.store import Store, StoreError

    store = Store(args.store)
    if not store.exists() and args.action != "check":
        raise StoreError(f"数据仓库 {store.root} 不存在或没有版本")
    if args.action == "log":
        print(store_history.log_text(store))
        return 0
    if args.action == "rollback":
        name = store_history.rollback(store, args.version, on_wait=lambda: print(
            f"数据仓库 {store.root} 正被另一个导入使用，等待其完成…", file=sys.stderr, flush=True))
        print(f"数据仓库 {store.root} 已回滚到 {args.version} 的数据（新版本 {name}；可再回滚撤销）")
        return 0
    checked, problems = store_history.check(store)
    for line in checked:
        print(line)
    for p in problems:
        print(f"损坏: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"数据仓库 {store.root}: 所有文件可读，校验和一致" if checked else f"数据仓库 {store.root} 没有版本")
    return 0


def _cmd_watch(args) -> int:
    import datetime as dt

    from getpower.lock import Interrupted
    from getpower.watch import WatchOptions, watch

    def log(message: str) -> None:  # one line per event, with the time (systemd's journal, cron's mail)
        print(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {message}", flush=True)

    opts = WatchOptions(store=Path(args.store), reports=None if args.no_scorecards else Path(args.reports),
                        settle=args.settle, max_wait=args.max_wait, pdf=not args.no_pdf, jobs=args.jobs,
                        warm=not args.no_warm, poll=args.poll)
    if not args.once:
        log(f"监测 {args.drop} → 数据仓库 {args.store}（文件静止 {args.settle:g} 秒后读取；Ctrl+C 或 SIGTERM 停止）")
    try:
        outcomes = watch(Path(args.drop), opts, once=args.once, timeout=args.timeout, log=log)
    except (Interrupted, KeyboardInterrupt):
        print("监测已停止：进行中的导入已回滚或已完成；未处理完的批次在下次启动时继续", file=sys.stderr)
        return 130
    failed = sum(len(o.failed) for o in outcomes)
    if args.once:
        log(f"完成: {len(outcomes)} 个批次，新版本 {sum(1 for o in outcomes if o.version)} 个，未读取的文件 {failed} 个")
    return 2 if failed else 0


def _cmd_changes(args) -> int:
    from getpower import changes
    from getpower.store import Store, StoreError

    store = Store(args.store)
    if len(args.versions) > 2:
        raise StoreError(f"最多比较两个版本，给了 {len(args.versions)} 个")
    a, b = (args.versions + [None, None])[:2]
    if a is not None and b is None:  # one version: what it changed from the one before it
        a, b = None, a
    c = changes.compare(store, a, b)
    if args.write:
        changes.write(store, c)
    print(c.to_json() if args.format == "json" else changes.to_html(c) if args.format == "html"
          else changes.to_markdown(c), end="" if args.format == "md" else "\n")
    return 0


def _write_table(table, out: Path) -> None:
    from getpower.store import atomic_write_bytes

    out = Path(out)
    if out.suffix.lower() == ".parquet":
        import io

        buf = io.BytesIO()
        table.write_parquet(buf)
        atomic_write_bytes(out, buf.getvalue())
    elif out.suffix.lower() == ".csv":
        from getpower.spreadsheet import csv_bytes

        atomic_write_bytes(out, csv_bytes(table))
    elif out.suffix.lower() == ".xlsx":  # for people: titles, period, 数据截至, units, target sources
        from getpower.exports import table_workbook

        atomic_write_bytes(out, table_workbook(table))
    else:
        raise ExtractError(f"{out.name}: 输出文件应以 .csv、.xlsx 或 .parquet 结尾")


def _ranking_text(table) -> str:
    """The summary printed after a compute: ranked cities, then those without enough data (with
    what they lack), the province; the met counts; 数据截至 and the data version."""
    from getpower.currency import currency_text
    from getpower.scoring import composite, shortfall

    comp = composite(table)
    lines = [f"综合得分排名（{table['period'][0]}）:"]
    for r in comp.iter_rows(named=True):
        rank = f"{r['rank']:>2}" if r["rank"] is not None else " -"
        if r["composite"] is not None:
            lines.append(f"  {rank}  {r['city']:<3}  {r['composite']:>6.1f}  {r['tier_label'] or ''}")
        else:
            lines.append(f"  {rank}  {r['city']:<3}  {shortfall(r)}")
    met = table.filter(table["met"].is_not_null())
    by_yoy = met.filter(met["met_by"].str.starts_with("同比")).height if "met_by" in met.columns else 0
    lines.append(f"有目标的指标项 {met.height} 个，达标 {int(met['met'].sum())} 个"
                 + (f"（其中 {by_yoy} 个按同比下降达标）" if by_yoy else "")
                 + f"，未达标 {int((~met['met']).sum())} 个")
    from getpower.periods import Period
    from getpower.targets import target_basis

    basis = target_basis(Period.parse(table["period"][0]).year)
    if basis:
        lines.append(f"目标：{basis}")
    lines.append(currency_text(table))
    return "\n".join(lines)


def _warn_calendar(table) -> None:
    """Once per command: the years of the data or the period without a holiday schedule."""
    from getpower.calendar import unknown_warning, unknown_years
    from getpower.periods import Period

    dates = [d for c in ("data_from", "data_to") for d in table[c].drop_nulls().unique().to_list()]
    p = Period.parse(table["period"][0])
    years = {d.year for d in dates} | set(range(p.start.year, p.last_day.year + 1))
    missing = unknown_years(range(min(years), max(years) + 1))
    if missing:
        print(unknown_warning(missing), file=sys.stderr)


def _data_errors(command):
    """No data, or a period outside the data: one Chinese line on stderr, exit 2."""
    import functools

    @functools.wraps(command)
    def run(args) -> int:
        from getpower.currency import DataRangeError

        try:
            return command(args)
        except DataRangeError as exc:
            return _fail(args, str(exc), 2)

    return run


@_data_errors
def _cmd_compute(args) -> int:
    from getpower.table import compute

    table = compute(args.path, args.period, allow_empty=args.allow_empty)
    _warn_calendar(table)
    _write_table(table, Path(args.out))
    print(f"指标表已写入 {args.out}（{table.height} 行）")
    if not args.quiet:
        print(_ranking_text(table))
    return 0


def _latest_quarter(store) -> str:
    import polars as pl

    last = store.scan("stages").select(pl.col("finished_at").max()).collect().item()
    return f"{last.year}Q{(last.month - 1) // 3 + 1}"


@_data_errors
def _cmd_scorecards(args) -> int:
    from getpower.reports import scorecards

    outcomes = scorecards(args.store, args.period, out=args.out, cities=args.cities, jobs=args.jobs,
                          timeout=args.timeout, pdf=not args.no_pdf)
    failed = [o for o in outcomes if not o.ok]
    index = Path(args.out) / args.period / "index.html"
    print(f"评分卡: {len(outcomes) - len(failed)}/{len(outcomes)} 份已生成；目录页 {index}")
    for o in failed:
        print(f"失败: {o.name} — {o.message}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_holidays(args) -> int:
    """Check holiday files (params/holidays/<year>.yaml) for completeness; non-zero if any is not."""
    from getpower.calendar import check_holiday_file
    from getpower.params import params_dir

    paths = [Path(p) for p in args.files] or sorted((params_dir() / "holidays").glob("[0-9][0-9][0-9][0-9].yaml"))
    bad = 0
    for path in paths:
        problems = check_holiday_file(path)
        bad += bool(problems)
        print(f"{path}: " + ("完整" if not problems else "不完整 — " + "；".join(problems)))
    if not paths:
        print("params/holidays/ 中没有年度节假日文件（格式见 params/holidays/README.yaml）")
    return 1 if bad else 0


def _cmd_indicators(args) -> int:
    """Check params/indicators.yaml: every problem, one line each on stderr; non-zero if any."""
    from getpower.registry import validate

    problems = validate()
    for line in problems:
        print(f"错误: {line}", file=sys.stderr)
    if problems:
        return 2
    data = params.load("indicators.yaml")["indicators"]
    kinds = {}
    for d in data:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    print(f"params/indicators.yaml：{len(data)} 个指标声明完整（"
          + "，".join(f"{k} {v} 个" for k, v in kinds.items()) + "）")
    return 0


@_data_errors
def _cmd_warnings(args) -> int:
    """The 督办单 workbook of the open applications and approvals on a date (#15)."""
    import datetime as dt

    import polars as pl

    from getpower.escalation import escalation, valid_cities, workbook
    from getpower.store import atomic_write_bytes

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise ExtractError(f"{out.name}: 输出文件应以 .xlsx 结尾")
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise ExtractError(f"预警日期应写作 YYYY-MM-DD（给的是 {args.as_of}）") from None
    try:
        cities = valid_cities(args.city)
    except ValueError as exc:
        raise ExtractError(str(exc)) from None
    esc = escalation(args.store, as_of, cities)
    atomic_write_bytes(out, workbook(esc))
    print(f"预警督办单已写入 {out}（预警日期 {esc.as_of.isoformat()}，{len(esc.cities)} 个地市，在途 {esc.items.height} 件）")
    for city in esc.cities:
        mine = esc.items.filter(pl.col("city") == city)
        print(f"  {city:<3} 超期 {int((mine['urgency'] == 0).sum()):>4}  临期 {int((mine['urgency'] == 1).sum()):>4}"
              f"  在途 {mine.height:>5}")
    print(esc.currency())
    return 0


def _add_warnings_parser(sub) -> None:
    w = sub.add_parser("warnings", help="在途预警督办单：临期、超期的报装工单与接入工程审批（Excel，按地市分表）")
    w.add_argument("--as-of", default=None, metavar="日期",
                   help="预警日期 YYYY-MM-DD（当日 24 时；默认：数据截至日；超出数据范围则拒绝）")
    w.add_argument("--city", nargs="+", default=None, metavar="城市", help="只列这些城市（默认全部 11 个）")
    w.add_argument("--out", required=True, metavar="文件", help="输出文件（.xlsx）")
    w.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录或提取文件目录")
    w.set_defaults(func=_cmd_warnings)


def _cmd_serve(args) -> int:
    from getpower.serve import Identity, serve

    if args.trusted_header is None and (args.trusted_proxy or args.ip or args.access):
        raise ServeError("--trusted-proxy、--ip、--access 只用于反向代理模式（--trusted-header）")
    identity = Identity() if args.trusted_header is None else Identity(
        header=args.trusted_header, proxies=tuple(args.trusted_proxy), ip=args.ip or "127.0.0.1",
        access_file=Path(args.access) if args.access else None)
    from getpower.serve import parse_pools

    return serve(port=args.port, token=args.token, store=args.store, identity=identity, reports=args.reports,
                 pools=parse_pools(args.pool))


def _cmd_access(args) -> int:
    from getpower import access

    if args.action == "check":
        acc = access.load(args.access)
        by_role: dict[str, list[str]] = {}
        for g in acc.grants.values():
            by_role.setdefault(g.role, []).append(g.user + (f"（{'、'.join(g.cities)}）" if g.cities else ""))
        print(f"{acc.source}: 有效，{len(acc.grants)} 个用户"
              + ("" if acc.grants else "（反向代理模式下所有请求都将被拒绝）"))
        for role, users in by_role.items():
            print(f"  {role}: {'、'.join(sorted(users))}")
        return 0
    from getpower.serve import refused_log_path

    path = refused_log_path(args.store)
    import json

    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines[-args.last:]:
        e = json.loads(line)
        query = f"?{e['query']}" if e.get("query") else ""
        print(f"{e['time']}  {e.get('user') or '（无身份）'}  {e['address']}  {e['path']}{query}  {e['reason']}")
    if not lines:
        print(f"{path}: 没有拒绝访问的记录")
    return 0


@_data_errors
def _cmd_export(args) -> int:
    from getpower.exports import export
    from getpower.store import Store, StoreError

    store = Store(args.store)
    if not store.exists():
        raise StoreError(f"数据仓库 {store.root} 不存在或没有版本（请先运行 getpower ingest）")
    out = export(store.root, args.period, args.out)
    print(f"{args.period} 的工作簿已写入 {out}（说明、综合排名、各领域指标与明细清单）")
    return 0


def _cmd_init(args) -> int:
    from getpower import workspace

    res = workspace.init(args.dir)
    print(f"工作区 {res.root}: 新建 {len(res.created)} 项" + (f"，保留已有 {len(res.kept)} 项（未覆盖）" if res.kept else ""))
    for rel in res.created:
        print(f"  + {rel}")
    print(f"在 {res.root} 中运行的命令使用其 params/、data/store 与 reports/；例如:\n"
          f"  cd {res.root}\n  getpower sample --out data/sample\n  getpower ingest data/sample\n"
          f"  getpower export --period 2023Q4 --out reports/2023Q4.xlsx\n"
          f"  jupyter lab notebooks/")
    return 0


# options whose default is a place in the workspace (data/store, reports …) when run inside one
_WORKSPACE_OPTIONS = ("store", "reports", "sample", "quarantine_dir", "out")


def _workspace_defaults(parser: argparse.ArgumentParser, root: Path) -> None:
    """Inside a workspace, relative default paths of every (sub)command are taken from its root,
    so that `getpower ingest x` in ``notebooks/`` still uses the workspace's store."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _workspace_defaults(sub, root)
        elif (action.dest in _WORKSPACE_OPTIONS and isinstance(action.default, str)
              and not Path(action.default).is_absolute()):
            # relative to the current folder: in the workspace's root the defaults read as before
            action.default = os.path.relpath(root / action.default)


def _cmd_sample(args) -> int:
    from getpower import sample

    paths = sample.generate(args.out, seed=args.seed)
    for kind, p in paths.items():
        print(f"{kind}: {p}")
    return 0


@_data_errors
def _cmd_run(args) -> int:
    """The main job on the bundled sample data (the README's first command)."""
    from getpower import sample
    from getpower.store import Store

    sample_dir = Path(args.sample)
    if not sample_dir.exists() or not any(sample_dir.iterdir()):
        print(f"生成样例数据: {sample_dir}")
        sample.generate(sample_dir)
    store = Store(args.store)
    res = store.ingest([sample_dir])
    if res.version:
        print(ingest_text(store, res))
    else:
        print(f"样例数据已在数据仓库中（{len(res.results)} 个文件，内容未变化）")
    print(f"数据仓库: {store.root}（版本 {store.manifest()['name']}，指纹 {store.fingerprint}）")

    from getpower.table import compute

    period = args.period or _latest_quarter(store)
    table = compute(store.root, period)
    _warn_calendar(table)
    out = Path(args.out) / f"indicators_{period}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_table(table, out)
    print(f"指标表（{period}）已写入 {out}（{table.height} 行）")
    print(_ranking_text(table))
    if args.no_scorecards:
        return 0
    from getpower.reports import scorecards

    print(f"生成 {period} 评分卡（11 个地市与全省，HTML 与 PDF）…")
    outcomes = scorecards(store.root, period, out=args.out, jobs=args.jobs)
    failed = [o for o in outcomes if not o.ok]
    print(f"评分卡已生成: {Path(args.out) / period}/index.html（{len(outcomes) - len(failed)}/{len(outcomes)} 份）")
    for o in failed:
        print(f"失败: {o.name} — {o.message}", file=sys.stderr)
    return 1 if failed else 0


class _Formatter(argparse.HelpFormatter):
    """argparse's help in Chinese, with each option's default shown."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法: " if prefix is None else prefix)

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "默认" not in text:
            text += "（默认: %(default)s）"
        return text


_ARGPARSE_WORDS = (
    ("the following arguments are required: ", "缺少参数: "),
    ("unrecognized arguments: ", "无法识别的参数: "),
    ("invalid choice: ", "无效的选项: "),
    ("invalid int value: ", "不是整数: "),
    ("expected one argument", "需要一个值"),
    ("argument ", "参数 "),
    ("choose from ", "可选: "),
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Chinese: help, section titles and usage errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message):
        for en, zh in _ARGPARSE_WORDS:
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="getpower", description="获得电力 监管分析工作台")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    ini = sub.add_parser("init", help="新建工作区：参数（包内默认值的副本）、data/、reports/、分析笔记本")
    ini.add_argument("dir", help="工作区文件夹（不存在则新建；已有的文件不会被覆盖）")
    ini.set_defaults(func=_cmd_init)

    v = sub.add_parser("validate", help="校验提取文件，输出校验报告")
    v.add_argument("paths", nargs="+", help="文件、文件夹（含子文件夹）、.gz 或 .zip")
    v.add_argument("--json", action="store_true", help="以 JSON 输出（错误也以 JSON 输出）")
    v.add_argument("--quarantine-dir", default="reports/quarantine", help="隔离行 CSV 的输出目录")
    v.set_defaults(func=_cmd_validate)

    i = sub.add_parser("ingest", help="校验并导入数据仓库")
    i.add_argument("paths", nargs="+", help="文件、文件夹（含子文件夹）、.gz 或 .zip")
    i.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    i.add_argument("--json", action="store_true", help="以 JSON 输出（错误也以 JSON 输出）")
    i.set_defaults(func=_cmd_ingest)

    s = sub.add_parser("sample", help="生成样例提取文件")
    s.add_argument("--out", required=True, help="输出目录")
    s.add_argument("--seed", type=int, default=2021, help="随机种子（同一种子生成相同数据）")
    s.set_defaults(func=_cmd_sample)

    c = sub.add_parser("compute", help="计算指标表（§10）")
    c.add_argument("path", help="数据仓库目录或提取文件目录")
    c.add_argument("--period", required=True, help="季度（2023Q4）、年份（2023）或年初至今（2023Q3YTD）")
    c.add_argument("--out", required=True, help="输出文件（.csv 或 .parquet；.xlsx 带标题与说明，供人阅读）")
    c.add_argument("--quiet", action="store_true", help="不打印排名摘要")
    c.add_argument("--allow-empty", action="store_true",
                   help="期间超出数据范围时仍计算（其指标为空并注明原因），默认拒绝")
    c.set_defaults(func=_cmd_compute)

    ex = sub.add_parser("export", help="导出一个期间的工作簿：综合排名、各领域指标（各地市与全省）、明细清单")
    ex.add_argument("--period", required=True, help="季度（2023Q4）、年份（2023）或年初至今（2023Q3YTD）")
    ex.add_argument("--out", required=True, help="输出文件（.xlsx）")
    ex.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    ex.set_defaults(func=_cmd_export)

    h = sub.add_parser("holidays", help="节假日文件：检查 params/holidays/<年>.yaml 是否完整")
    h.add_argument("action", choices=["check"])
    h.add_argument("files", nargs="*", help="默认：params/holidays/ 下的全部年度文件")
    h.set_defaults(func=_cmd_holidays)
    _add_warnings_parser(sub)

    ind = sub.add_parser("indicators", help="指标声明：检查 params/indicators.yaml（一次列出全部问题）")
    ind.add_argument("action", choices=["check"])
    ind.set_defaults(func=_cmd_indicators)

    r = sub.add_parser("run", help="主流程：样例数据 → 数据仓库 → 指标")
    r.add_argument("--sample", default=str(DEFAULT_SAMPLE), help="样例提取文件目录")
    r.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    r.add_argument("--period", default=None, help="默认：数据中最新的季度")
    r.add_argument("--out", default="reports", help="输出目录")
    r.add_argument("--jobs", type=int, default=2, help="并行运行的笔记本数")
    r.add_argument("--no-scorecards", action="store_true", help="只计算指标表，不生成评分卡")

    sc = sub.add_parser("scorecards", help="生成季度评分卡（papermill → HTML、PDF）")
    sc.add_argument("--period", required=True, help="季度（2023Q4）、年份（2023）或年初至今（2023Q3YTD）")
    sc.add_argument("--cities", nargs="+", default=None, help="只生成这些城市（默认全部 11 个）")
    sc.add_argument("--jobs", type=int, default=2, help="并行运行的笔记本数")
    sc.add_argument("--out", default="reports", help="输出目录（默认 reports/）")
    sc.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    sc.add_argument("--timeout", type=int, default=600, help="每个笔记本单元格的超时（秒）")
    sc.add_argument("--no-pdf", action="store_true", help="不生成 PDF")
    sc.set_defaults(func=_cmd_scorecards)

    st = sub.add_parser("store", help="数据仓库的版本：列出、回滚、检查")
    st_sub = st.add_subparsers(dest="action", required=True, title="操作", metavar="操作")
    for action, text in (("log", "列出版本（时间、文件、新增/替换/隔离行数）"), ("check", "检查每个文件可读、校验和一致"),
                         ("rollback", "回滚到某一版本（作为新版本发布，原子操作）")):
        a = st_sub.add_parser(action, help=text)
        if action == "rollback":
            a.add_argument("version", help="版本名，如 v000003")
        a.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
        a.set_defaults(func=_cmd_store)

    ac = sub.add_parser("access", help="看板访问权限：校验权限文件（check），列出被拒绝的访问（refused）")
    ac.add_argument("action", choices=["check", "refused"], help="check：校验并汇总；refused：最近的拒绝记录")
    ac.add_argument("--access", default=None, help="访问权限文件（默认 params/access.yaml）")
    ac.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录（拒绝记录在 audit/refused.jsonl）")
    ac.add_argument("--last", type=int, default=50, help="refused：显示最近多少条（默认 50）")
    ac.set_defaults(func=_cmd_access)

    sv = sub.add_parser("serve", help="启动 Voila 看板（本机模式，或经带组织登录的反向代理）")
    mode = sv.add_mutually_exclusive_group()
    mode.add_argument("--local", action="store_true",
                      help="本机模式（默认）：绑定 127.0.0.1，只接受本机请求，可打开全部页面")
    mode.add_argument("--trusted-header", default=None, metavar="HEADER",
                      help="反向代理模式：已认证的用户名取自此请求头（如 X-Forwarded-User），权限见 --access")
    sv.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDR",
                    help="可信反向代理的地址或网段（可重复；绑定 127.0.0.1 时本机总是可信）")
    sv.add_argument("--ip", default=None, help="绑定地址（默认 127.0.0.1；其他地址须有 --trusted-proxy）")
    sv.add_argument("--access", default=None, help="访问权限文件（默认 params/access.yaml）")
    sv.add_argument("--port", type=int, default=8866, help="端口")
    sv.add_argument("--token", default=None, help="访问令牌（默认无；对外请经带认证的反向代理）")
    sv.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    sv.add_argument("--reports", default="reports", help="评分卡目录（城市页提供其中的 PDF，默认 reports）")
    sv.add_argument("--pool", action="append", default=[], metavar="PAGE=N",
                    help="某页面预热内核的数量（可重复，如 --pool city=12；默认总览、城市 2 个，其他 1 个）")
    sv.set_defaults(func=_cmd_serve)
    r.set_defaults(func=_cmd_run)

    w = sub.add_parser("watch", help="无感监测：监测投放文件夹，新文件自动导入、更新评分卡并报告变化")
    w.add_argument("drop", help="投放文件夹（读取后移到 done/<版本>/，未读取的移到 failed/）")
    w.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    w.add_argument("--reports", default="reports", help="评分卡输出目录")
    w.add_argument("--settle", type=float, default=10.0, help="文件静止多少秒后读取")
    w.add_argument("--max-wait", type=float, default=600.0, help="已静止的文件最多等待仍在写入的文件多少秒")
    w.add_argument("--once", action="store_true", help="处理当前已有的文件后退出（供 cron 使用）")
    w.add_argument("--timeout", type=float, default=None, help="运行多少秒后退出（默认一直运行）")
    w.add_argument("--jobs", type=int, default=2, help="并行运行的评分卡笔记本数")
    w.add_argument("--no-scorecards", action="store_true", help="不重新生成评分卡")
    w.add_argument("--no-pdf", action="store_true", help="评分卡不生成 PDF")
    w.add_argument("--no-warm", action="store_true", help="不预先计算看板的指标表与图")
    w.add_argument("--poll", action="store_true", help="轮询文件夹（网络共享文件夹收不到文件系统通知时使用）")
    w.set_defaults(func=_cmd_watch)

    ch = sub.add_parser("changes", help="两个版本之间的变化：达标状态、排名、数值、超时工单、数据质量")
    ch.add_argument("versions", nargs="*", help="版本 A 与 B（默认当前版本与其上一版本；只给一个：该版本与其上一版本）")
    ch.add_argument("--store", default=str(DEFAULT_STORE), help="数据仓库目录")
    ch.add_argument("--format", choices=["md", "html", "json"], default="md", help="输出格式")
    ch.add_argument("--write", action="store_true", help="同时写入 <数据仓库>/changes/<版本B>.md|html|json")
    ch.set_defaults(func=_cmd_changes)
    return p


def main(argv: list[str] | None = None) -> int:
    from getpower import workspace

    parser = build_parser()
    root = workspace.find()
    if root is None:
        return _main(parser, argv)
    _workspace_defaults(parser, root)
    before = os.environ.get(workspace.ENV)
    os.environ[workspace.ENV] = str(root)  # papermill's and Voila's kernels use it too
    try:
        return _main(parser, argv)
    finally:  # main() called in-process (tests, a notebook) leaves the environment as it was
        if before is None:
            os.environ.pop(workspace.ENV, None)
        else:
            os.environ[workspace.ENV] = before


def _main(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = parser.parse_args(argv)
    from getpower.lock import Interrupted

    try:
        return args.func(args)
    except Interrupted:
        print("已中断：本次操作未写入任何内容，数据仓库保持原版本", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except ExtractError as exc:
        return _fail(args, str(exc), 2)
    except WorkspaceError as exc:
        return _fail(args, str(exc), 2)
    except (AccessError, ServeError, DeclarationError) as exc:  # every problem of the file, one line each
        for line in str(exc).splitlines():
            _fail(args, line, 2)
        return 2
    except Exception as exc:  # one line for users; GETPOWER_DEBUG=1 shows the traceback
        if os.environ.get("GETPOWER_DEBUG"):
            raise
        return _fail(args, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", 1)


def _fail(args, message: str, code: int) -> int:
    """One Chinese line on stderr; with ``--json``, the error as JSON on stdout too."""
    if getattr(args, "json", False):
        import json

        print(json.dumps({"error": message}, ensure_ascii=False))
    print(f"错误: {message}", file=sys.stderr)
    return code
