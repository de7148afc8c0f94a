"""Quarterly scorecards: compute once, run the notebooks with papermill in parallel, export
self-contained HTML (no remote resource) and PDF (Debian's Chromium, offline), and an index page.

Layout of ``<out>/<period>/``: ``_data/`` (what the notebooks read), ``<city>.ipynb|html|pdf``,
``全省.ipynb|html|pdf`` and ``index.html``.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from getpower import __version__, params
from getpower.periods import Period
from getpower.targets import target_basis

from getpower.workspace import package_data

NOTEBOOKS = package_data("notebooks")  # the scorecard templates ship with the package
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HISTORY_QUARTERS = 4
# the parameters cell of each notebook (tests check them with papermill.inspect_notebook)
SCORECARD_PARAMETERS = {"city": "str", "period": "str", "store": "str", "out_dir": "str"}
PROVINCE_PARAMETERS = {"period": "str", "store": "str", "out_dir": "str"}


def code_version() -> str:
    """The package version and, in a git checkout, the commit."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{__version__}+{rev}" if rev else __version__


def history_periods(period: Period, n: int = HISTORY_QUARTERS) -> list[Period]:
    """The period and the ``n − 1`` before it (quarters, or years for a year), oldest first."""
    out = [period]
    for _ in range(n - 1):
        out.append(out[-1].previous())
    return out[::-1]


def prepare_data(store: Path | str, period: Period | str, out_dir: Path | str) -> Path:
    """Compute everything the scorecard notebooks show, once, into ``out_dir/_data``."""
    from getpower import drilldown
    from getpower.scoring import composite
    from getpower.store import Store, atomic_write_frame
    from getpower.table import cached_compute

    period = period if isinstance(period, Period) else Period.parse(period)
    store = Store(store)
    if not store.exists():
        raise FileNotFoundError(f"数据仓库不存在或为空: {store.root}（请先运行 getpower ingest）")
    data = Path(out_dir) / "_data"
    data.mkdir(parents=True, exist_ok=True)

    from getpower.calendar import CalendarError
    from getpower.currency import DataRangeError

    tables = {}
    for p in history_periods(period):
        if p.label == period.label:  # the period itself: outside the data is the user's error
            tables[p.label] = cached_compute(store.root, p)
            continue
        try:
            tables[p.label] = cached_compute(store.root, p)
        except (DataRangeError, CalendarError):  # an earlier period before the data: no history for it
            continue
    table = tables[period.label]
    prev = tables.get(period.previous().label)
    if prev is not None:
        table = table.join(prev.select("city", "indicator", "segment", "unit", pl.col("value").alias("prev_value")),
                           on=["city", "indicator", "segment", "unit"], how="left")
    else:
        table = table.with_columns(pl.lit(None, pl.Float64).alias("prev_value"))
    table = table.with_columns((pl.col("value") - pl.col("prev_value")).alias("change"))
    if period.is_quarter:  # a quarterly scorecard shows the year to date beside the quarter (indicators.md)
        ytd = cached_compute(store.root, period.ytd())
        table = table.join(ytd.select("city", "indicator", "segment", "unit", pl.col("value").alias("ytd_value")),
                           on=["city", "indicator", "segment", "unit"], how="left")
    atomic_write_frame(data / "table.parquet", table)
    history = pl.concat(list(tables.values()))
    atomic_write_frame(data / "history.parquet", history)
    atomic_write_frame(data / "composite.parquet", pl.concat([composite(t) for t in tables.values()]))
    for name, frame in drilldown.cached_lists(store.root, period.label).items():
        atomic_write_frame(data / f"drill_{name}.parquet", frame)
    atomic_write_frame(data / "quality.parquet", quality_frame(store.root))
    # 当前预警 of every city at once (the in-flight status of one date takes seconds at province
    # scale: once here, not once per report)
    from getpower.present.warnings_view import scorecard_escalation

    esc = scorecard_escalation(store.root, period.last_day)
    if esc is not None:
        atomic_write_frame(data / "warnings.parquet", esc.items)
    else:
        (data / "warnings.parquet").unlink(missing_ok=True)
    warned = None if esc is None else {"as_of": esc.as_of.isoformat(), "data_from": esc.data_from.isoformat(),
                                       "data_to": esc.data_to.isoformat(), "version": esc.version,
                                       "near_wd": esc.near_wd, "cities": list(esc.cities)}
    from getpower.currency import currency_text, data_through

    through = data_through(tables[period.label])
    meta = {"period": period.label, "data_fingerprint": store.fingerprint, "params_version": params.version(),
            "code_version": code_version(), "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
            "store_version": store.manifest().get("name"),
            "data_through": through.isoformat() if through else None,
            "data_version": tables[period.label]["data_version"].drop_nulls().first(),
            "currency": currency_text(tables[period.label]),
            "target_basis": target_basis(period.year), "warnings": warned}
    (data / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return data


def quality_frame(store_root: Path | str) -> pl.DataFrame:
    """One row per ingested file: kind, rows read / accepted / quarantined, reasons, dropped columns."""
    rows = []
    for rep in sorted(Path(store_root, "uploads").glob("*/report.json")):
        data = json.loads(rep.read_text(encoding="utf-8"))
        for f in data["files"]:
            rows.append({"upload": rep.parent.name, "file": Path(f["file"]).name, "kind": f["kind"],
                         "rows_read": f["rows_read"], "rows_accepted": f["rows_accepted"],
                         "rows_quarantined": f["rows_quarantined"],
                         "reasons": "；".join(f"{k} {v}" for k, v in f["reasons"].items()),
                         "dropped_columns": "、".join(f["dropped_columns"])})
    schema = {"upload": pl.String, "file": pl.String, "kind": pl.String, "rows_read": pl.Int64,
              "rows_accepted": pl.Int64, "rows_quarantined": pl.Int64, "reasons": pl.String,
              "dropped_columns": pl.String}
    return pl.DataFrame(rows, schema=schema)


# --- running and exporting ------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    name: str  # city or 全省
    notebook: Path
    parameters: dict
    out_dir: Path

    @property
    def ipynb(self) -> Path:
        return self.out_dir / f"{self.name}.ipynb"


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    message: str = ""
    # seconds spent: "kernel" (starting one, the first notebook of a worker only), "execute",
    # "html", "pdf" (docs/benchmarks.md)
    seconds: tuple[tuple[str, float], ...] = ()


def execute_notebook(source: Path, target: Path, parameters: dict, cwd: Path, timeout: int | None = None) -> None:
    """papermill on one notebook, its kernel spoken to over local (IPC) sockets in a private
    folder: no TCP port is opened, and nothing travels in plain text."""
    import tempfile

    import papermill as pm
    from jupyter_client.manager import AsyncKernelManager

    with tempfile.TemporaryDirectory(prefix="getpower-kernel-") as sockets:
        class LocalKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs):
                super().__init__(transport="ipc", ip=str(Path(sockets) / "kernel"), **kwargs)

        pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name="python3",
                            execution_timeout=timeout, progress_bar=False, cwd=str(cwd), log_output=False,
                            kernel_manager_class=LocalKernelManager)


def run_notebook(job: Job, timeout: int) -> None:
    execute_notebook(job.notebook, job.ipynb, job.parameters, job.out_dir, timeout)


class KernelPool:
    """Kernels kept from one notebook to the next, one per worker thread: a quarter's 12 reports
    start ``jobs`` kernels (and import polars, altair, great_tables … once each) instead of 12.
    Each notebook runs after ``%reset -f`` (nothing of the previous report's namespace is left;
    imported modules stay, which is the point); a kernel whose notebook failed is shut down and
    the worker's next notebook gets a new one. Kernels speak over local (IPC) sockets in a private
    folder, as :func:`execute_notebook`'s do."""

    def __init__(self) -> None:
        self._sockets = tempfile.TemporaryDirectory(prefix="getpower-kernel-")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list = []

    def run(self, job: Job, timeout: int | None) -> dict[str, float]:
        """Execute ``job``'s notebook into ``job.ipynb`` (with its outputs, also when it fails).
        Returns the seconds spent starting a kernel (0 when one was kept) and executing."""
        import nbformat
        from nbclient import NotebookClient
        from papermill.parameterize import parameterize_notebook

        km, kept = self._manager()
        started = 0.0
        from papermill.iorw import load_notebook_node

        nb = parameterize_notebook(load_notebook_node(str(job.notebook)), job.parameters,
                                   kernel_name="python3", language="python")
        nb.cells.insert(0, nbformat.v4.new_code_cell("%reset -f", metadata={"tags": []}))
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False,
                                resources={"metadata": {"path": str(job.out_dir)}})
        t = time.perf_counter()
        try:
            if not kept:  # started here, timed on its own
                with client.setup_kernel():
                    pass
                started = time.perf_counter() - t
                t = time.perf_counter()
            client.execute()
        except BaseException:
            self.discard()
            raise
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
            del nb.cells[0]
            nbformat.write(nb, job.ipynb)
        return {"kernel": started, "execute": time.perf_counter() - t}

    def _manager(self):
        km = getattr(self._local, "km", None)
        if km is not None:
            return km, True
        from jupyter_client.manager import AsyncKernelManager

        with self._lock:
            ip = str(Path(self._sockets.name) / f"kernel-{len(self._all)}")
            km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=ip)
            self._all.append(km)
        self._local.km = km
        return km, False

    def discard(self) -> None:
        """Shut down this worker's kernel (after a failure: its state is not trusted)."""
        km = getattr(self._local, "km", None)
        self._local.km = None
        if km is not None:
            _shutdown(km)

    def close(self) -> None:
        for km in self._all:
            _shutdown(km)
        self._sockets.cleanup()


def _shutdown(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone
        pass


def export_html(ipynb: Path) -> Path:
    """Executed notebook → HTML without code, with no remote resource."""
    import nbformat
    from nbconvert import HTMLExporter

    from getpower.present.offline import strip_remote

    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    for trait in ("mathjax_url", "require_js_url", "mermaid_js_url", "mermaid_layout_elk_js_url",
                  "jquery_url", "widget_renderer_url", "jupyter_widgets_base_url"):
        if exporter.has_trait(trait):
            setattr(exporter, trait, "")
    with warnings.catch_warnings():  # the machine-readable record output has no HTML form: fine
        warnings.simplefilter("ignore", UserWarning)
        body, _ = exporter.from_notebook_node(nbformat.read(ipynb, as_version=4))
    out = ipynb.with_suffix(".html")
    from getpower.store import atomic_write_bytes

    atomic_write_bytes(out, strip_remote(body).encode("utf-8"))
    return out


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class PdfPrinter:
    """HTML → PDF for many files with one headless Chromium (Playwright driving Debian's Chromium,
    offline: every request but the file itself and ``data:`` is refused); without Playwright,
    :func:`export_pdf` (a Chromium process per file, a second or more each to start)."""

    def __init__(self) -> None:
        self._pw = self._browser = None
        exe = chromium()
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            return
        if exe is None:
            return
        try:
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS[1:])
        except Exception:  # no usable browser this way: one process per file
            self.close()

    def print(self, html_path: Path, timeout: int = 120) -> Path:
        if self._browser is None:
            return export_pdf(html_path, timeout)
        pdf = html_path.with_suffix(".pdf")
        tmp = pdf.with_name(f".{pdf.name}.tmp")
        page = self._browser.new_page()
        try:
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())
            page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=timeout * 1000)
            page.pdf(path=str(tmp))
        finally:
            page.close()
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium 未能生成 PDF: {pdf.name}")
        os.replace(tmp, pdf)
        return pdf

    def close(self) -> None:
        for closing in (self._browser, self._pw):
            try:
                if closing is not None:
                    closing.close() if closing is self._browser else closing.stop()
            except Exception:
                pass
        self._pw = self._browser = None


def export_pdf(html_path: Path, timeout: int = 120) -> Path:
    """HTML → PDF with headless Chromium (offline: no network flags)."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("未找到 Chromium（Debian 软件包 chromium），无法生成 PDF")
    pdf = html_path.with_suffix(".pdf")
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    profile = html_path.parent / f".chromium-{os.getpid()}-{html_path.stem}"
    cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
           f"--print-to-pdf={tmp}", html_path.resolve().as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise RuntimeError(f"Chromium 未能生成 PDF: {pdf.name}")
    os.replace(tmp, pdf)
    return pdf


def _failed(name: str, exc: Exception, seconds: dict) -> Outcome:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return Outcome(name, False, f"{type(exc).__name__}: {lines[-1] if lines else ''}"[:300], tuple(seconds.items()))


def _one(job: Job, timeout: int, kernels: KernelPool) -> Outcome:
    """A notebook executed in a kept kernel and exported to HTML (the PDF comes after)."""
    seconds: dict[str, float] = {}
    try:
        seconds |= kernels.run(job, timeout)
        t = time.perf_counter()
        export_html(job.ipynb)
        seconds["html"] = time.perf_counter() - t
        return Outcome(job.name, True, seconds=tuple(seconds.items()))
    except Exception as exc:  # one failing report does not stop the others
        return _failed(job.name, exc, seconds)


def write_index(out_dir: Path, period: str, outcomes: list[Outcome], meta: dict) -> Path:
    rows = []
    for o in outcomes:
        if o.ok:
            rows.append(f'<tr><td>{html.escape(o.name)}</td><td><a href="{html.escape(o.name)}.html">HTML</a></td>'
                        f'<td><a href="{html.escape(o.name)}.pdf">PDF</a></td><td>已生成</td></tr>')
        else:
            rows.append(f"<tr><td>{html.escape(o.name)}</td><td></td><td></td>"
                        f"<td class=err>失败: {html.escape(o.message)}</td></tr>")
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>获得电力 监管评分卡 {period}</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em;color:#212121}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ddd;padding:.4em .8em}}.err{{color:#c62828}}footer{{color:#757575;font-size:.85em;margin-top:2em}}</style>
</head><body><h1>获得电力 监管评分卡 · {period}</h1>
<table><tr><th>报告</th><th>网页</th><th>PDF</th><th>状态</th></tr>{''.join(rows)}</table>
<footer>{html.escape(str(meta.get('currency') or ''))}<br>数据指纹 {meta.get('data_fingerprint')} · 参数版本 {meta.get('params_version')} ·
代码版本 {meta.get('code_version')} · 生成时间 {meta.get('generated_at')}</footer></body></html>"""
    from getpower.store import atomic_write_bytes

    path = out_dir / "index.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    return path


def scorecards(store: Path | str, period: str, out: Path | str = "reports", cities: list[str] | None = None,
               jobs: int = 2, timeout: int = 600, pdf: bool = True, province: bool = True,
               progress=print) -> list[Outcome]:
    """Generate the period's city scorecards and the province report. Returns one outcome per report."""
    p = Period.parse(period)
    out_dir = Path(out).resolve() / p.label
    out_dir.mkdir(parents=True, exist_ok=True)
    data = prepare_data(store, p, out_dir)
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    unknown = [c for c in (cities or []) if c not in params.cities()]
    if unknown:
        raise ValueError(f"未知城市: {'、'.join(unknown)}")
    cities = list(cities) if cities else list(params.cities())
    common = {"period": p.label, "store": str(Path(store).resolve()), "out_dir": str(out_dir.resolve())}
    todo = [Job(c, NOTEBOOKS / "scorecard.ipynb", {"city": c, **common}, out_dir) for c in cities]
    if province:
        todo.append(Job(params.province(), NOTEBOOKS / "province.ipynb", common, out_dir))
    outcomes: list[Outcome] = []
    kernels = KernelPool()
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(_one, j, timeout, kernels): j for j in todo}
            for i, fut in enumerate(as_completed(futures), start=1):
                o = fut.result()
                outcomes.append(o)
                if not o.ok or not pdf:
                    progress(f"[{i}/{len(todo)}] {o.name}: {'完成' if o.ok else '失败 — ' + o.message}")
    finally:
        kernels.close()
    if pdf:  # one browser prints every report
        printer = PdfPrinter()
        try:
            done = [o for o in outcomes if o.ok]
            for i, o in enumerate(done, start=1):
                t = time.perf_counter()
                try:
                    printer.print(out_dir / f"{o.name}.html")
                    o2 = Outcome(o.name, True, seconds=(*o.seconds, ("pdf", time.perf_counter() - t)))
                except Exception as exc:
                    o2 = _failed(o.name, exc, dict(o.seconds))
                outcomes[outcomes.index(o)] = o2
                progress(f"[{i}/{len(done)}] {o.name}: {'完成' if o2.ok else '失败 — ' + o2.message}")
        finally:
            printer.close()
    order = {j.name: i for i, j in enumerate(todo)}
    outcomes.sort(key=lambda o: order[o.name])
    write_index(out_dir, p.label, outcomes, meta)
    return outcomes

