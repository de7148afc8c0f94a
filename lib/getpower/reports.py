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
import queue
import re
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


# What a kernel imports and draws once before its first report (while the data is prepared):
# the modules the scorecard notebooks use and vl-convert's first chart (its engine's start-up).
WARM_UP = ("from IPython.display import HTML, display\n"
           "from getpower.present import charts, scorecard, warnings_view\n"
           "charts.warm_up()")


# Run before each report in a kept kernel: ``%reset -f`` (the previous report's names, output
# cache and history gone), without the two full garbage collections it makes, which take
# 0.1–0.2 s each in a kernel holding polars, altair and great_tables (py-spy: more than drawing
# the charts); Python's own collector still runs as usual.
RESET = """def _getpower_reset(gc=__import__("gc")):
    collect, gc.collect = gc.collect, lambda *args, **kwargs: 0
    try:
        get_ipython().run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
_getpower_reset()"""


class KernelPool:
    """Kernels kept from one notebook to the next, one per worker thread: a quarter's 12 reports
    start ``jobs`` kernels (and import polars, altair, great_tables … once each) instead of 12.
    :meth:`warm` starts the thread's kernel and runs :data:`WARM_UP` in it, so that a worker can
    do it while the data is still being prepared. Each notebook runs after ``%reset -f`` (:data:`RESET`:
    nothing of the previous report's namespace is left; imported modules stay, which is the point); a
    kernel whose notebook failed is shut down and the worker's next notebook gets a new one.
    Kernels speak over local (IPC) sockets in a private folder, as :func:`execute_notebook`'s do.
    ``cpu_seconds``: the CPU time of the kernels shut down so far (for the benchmarks)."""

    def __init__(self) -> None:
        self._sockets = tempfile.TemporaryDirectory(prefix="getpower-kernel-")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list = []
        self.cpu_seconds = 0.0

    def warm(self, cwd: Path, timeout: int | None = None) -> float:
        """Start this thread's kernel in ``cwd`` (when it has none) and run :data:`WARM_UP` in it;
        the seconds it took. A failure here is left for the first notebook to report."""
        import nbformat
        from nbclient import NotebookClient

        km, kept = self._manager()
        if kept and km.has_kernel:
            return 0.0
        t = time.perf_counter()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WARM_UP)])
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute()
        except Exception:
            self.discard()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        return time.perf_counter() - t

    def run(self, job: Job, timeout: int | None) -> dict[str, float]:
        """Execute ``job``'s notebook into ``job.ipynb`` (with its outputs, also when it fails).
        Returns the seconds spent starting a kernel (0 when one was kept) and executing."""
        import nbformat
        from nbclient import NotebookClient
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        km, _ = self._manager()
        started = 0.0
        nb = parameterize_notebook(load_notebook_node(str(job.notebook)), job.parameters,
                                   kernel_name="python3", language="python")
        nb.cells.insert(0, nbformat.v4.new_code_cell(RESET, metadata={"tags": []}))
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False,
                                resources={"metadata": {"path": str(job.out_dir)}})
        t = time.perf_counter()
        try:
            if not km.has_kernel:  # started here, timed on its own
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
            self._stop(km)

    def _stop(self, km) -> None:
        cpu = process_tree_cpu(getattr(km.provisioner, "pid", None) if km.has_kernel else None)
        _shutdown(km)
        with self._lock:
            self.cpu_seconds += cpu

    def close(self) -> None:
        for km in self._all:
            self._stop(km)
        self._sockets.cleanup()


def process_tree_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a live process and its descendants; 0 when unknown (no
    psutil, no such process). Chromium's and a kernel's processes are not reaped by this one,
    so ``getrusage`` does not see them."""
    if pid is None:
        return 0.0
    try:
        import psutil

        root = psutil.Process(pid)
        return _cpu_of((root, *root.children(recursive=True)))
    except Exception:
        return 0.0


def _cpu_of(procs, keep=lambda proc: True) -> float:
    """CPU seconds (user + system, with their reaped children) of the processes ``keep`` accepts;
    one gone meanwhile counts nothing."""
    import psutil

    total = 0.0
    for proc in procs:
        try:
            if keep(proc):
                c = proc.cpu_times()
                total += c.user + c.system + c.children_user + c.children_system
        except psutil.Error:
            pass
    return total


def _shutdown(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone
        pass


_EXPORTERS = threading.local()


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)
_OUTPUT_DIV = re.compile(r'(<div class="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")(?![^>]*\btabindex=)')


_CHAR_REF = re.compile(r"&#(?:x([0-9a-fA-F]+)|([0-9]+));")


def _char(m: re.Match) -> str:
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    # a character beyond ASCII means nothing to HTML: written as itself (the Markdown renderer
    # writes 当前预警 as &#24403;&#21069;…); < & " and the like stay references
    return chr(code) if 0x7F < code < 0x110000 and not 0xD800 <= code <= 0xDFFF else m.group(0)


def _accessible(page: str) -> str:
    """What nbconvert's HTMLExporter's last pass changes: a text for images without one,
    outputs reachable with the keyboard (``tabindex``), and characters written as themselves
    rather than as numeric references (headings stay searchable in the file)."""
    page = _OUTPUT_DIV.sub(r'\1 tabindex="0"', _IMG_WITHOUT_ALT.sub('<img alt="图表"', page))
    return _CHAR_REF.sub(_char, page)


def _html_exporter():
    """One HTMLExporter per thread, kept (building one loads its templates: about 0.15 s)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class Exporter(HTMLExporter):
            """nbconvert's HTMLExporter (7.x) without its last pass, BeautifulSoup's pure-Python
            parser over the whole page (about 95 % of an export's CPU: 0.14 s a report) only to
            add alt texts and tabindexes: :func:`_accessible` adds them by pattern."""

            def from_notebook_node(self, nb, resources=None, **kw):
                info = nb.metadata.get("language_info", {})
                lexer = info.get("pygments_lexer", info.get("name", None))
                resources = self._init_resources(resources)
                self.register_filter("highlight_code", self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
                return _accessible(page), resources

        exporter = Exporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
        for trait in ("mathjax_url", "require_js_url", "mermaid_js_url", "mermaid_layout_elk_js_url",
                      "jquery_url", "widget_renderer_url", "jupyter_widgets_base_url"):
            if exporter.has_trait(trait):
                setattr(exporter, trait, "")
        _EXPORTERS.html = exporter
    return exporter


def export_html(ipynb: Path) -> Path:
    """Executed notebook → HTML without code, with no remote resource."""
    import nbformat

    from getpower.present.offline import strip_remote

    with warnings.catch_warnings():  # the machine-readable record output has no HTML form: fine
        warnings.simplefilter("ignore", UserWarning)
        body, _ = _html_exporter().from_notebook_node(nbformat.read(ipynb, as_version=4))
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
    offline: every request but the files themselves and ``data:`` is refused), ``tabs`` pages
    printing at once, each page kept from one file to the next (a new page starts a renderer:
    about 0.3 s of CPU). The browser runs in a thread of its own, started at once: reports are
    printed (:meth:`submit`) while others are still being executed. Without Playwright or a
    browser it can launch, :func:`export_pdf` (a Chromium process per file, a second or more
    each to start)."""

    def __init__(self, tabs: int = 2, timeout: int = 120) -> None:
        self.timeout = timeout
        self.cpu_seconds = 0.0  # Chromium's and Playwright's, measured at close (benchmarks)
        self.seconds: dict[str, float] = {}  # the seconds each file took to print, by name
        self._tabs = max(1, tabs)
        self._loop = self._started = None
        self._fallback = ThreadPoolExecutor(max_workers=self._tabs, thread_name_prefix="getpower-pdf")
        exe = chromium()
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            exe = None
        if exe is None:
            return
        import asyncio

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="getpower-chromium", daemon=True)
        self._thread.start()
        self._started = asyncio.run_coroutine_threadsafe(self._start(exe), self._loop)

    async def _start(self, exe: str) -> bool:
        import asyncio

        from playwright.async_api import async_playwright

        async def offline(route) -> None:
            if route.request.url.startswith(("file:", "data:")):
                await route.continue_()
            else:
                await route.abort()

        self._pw = self._browser = None
        try:
            self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS[1:])
            self._context = await self._browser.new_context()
            await self._context.route("**/*", offline)
            self._pages = asyncio.Queue()
            for _ in range(self._tabs):
                self._pages.put_nowait(await self._context.new_page())
            return True
        except Exception:  # no usable browser this way: one process per file
            await self._stop()
            return False

    def submit(self, html_path: Path):
        """Print ``html_path`` to the PDF beside it; a future of the PDF's path."""
        if self._loop is None:
            return self._fallback.submit(export_pdf, html_path, self.timeout)
        import asyncio

        return asyncio.run_coroutine_threadsafe(self._print(html_path), self._loop)

    async def _print(self, html_path: Path) -> Path:
        import asyncio

        if not await asyncio.wrap_future(self._started):
            return await asyncio.get_running_loop().run_in_executor(self._fallback, export_pdf, html_path, self.timeout)
        pdf = html_path.with_suffix(".pdf")
        tmp = pdf.with_name(f".{pdf.name}.tmp")
        page = await self._pages.get()
        t = time.perf_counter()
        try:
            await page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=self.timeout * 1000)
            await asyncio.wait_for(page.pdf(path=str(tmp)), self.timeout)
        except BaseException:
            try:  # a page in an unknown state: a new one for the next file
                await page.close()
                page = await self._context.new_page()
            except Exception:
                pass
            raise
        finally:
            self._pages.put_nowait(page)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium 未能生成 PDF: {pdf.name}")
        os.replace(tmp, pdf)
        self.seconds[html_path.stem] = time.perf_counter() - t
        return pdf

    async def _stop(self) -> None:
        self.cpu_seconds = _children_cpu(("node", "chromium", "chrome"))
        for closing in (self._browser, self._pw):
            try:
                if closing is not None:
                    await (closing.close() if closing is self._browser else closing.stop())
            except Exception:
                pass
        self._pw = self._browser = None

    def close(self) -> None:
        if self._loop is not None:
            import asyncio

            try:
                if self._started.result():
                    asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)
            except Exception:
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = None
        self._fallback.shutdown(wait=True)


def _children_cpu(names: tuple[str, ...]) -> float:
    """CPU seconds of this process's live descendants whose name starts with one of ``names``
    (with their own descendants)."""
    try:
        import psutil

        # with the renderers it closed (reaped)
        return _cpu_of(psutil.Process().children(recursive=True), lambda proc: proc.name().startswith(names))
    except Exception:
        return 0.0


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


def _worker(todo: queue.Queue, ready: threading.Event, done: queue.Queue, kernels: KernelPool, cwd: Path,
            timeout: int) -> None:
    """One worker: its kernel started and warmed while the data is prepared, then reports taken
    from ``todo`` until none is left (each outcome put in ``done``)."""
    try:
        warmed = kernels.warm(cwd, timeout)
    except Exception:  # the first report starts a kernel and says what fails
        warmed = 0.0
    ready.wait()
    first = True
    while True:
        try:
            job = todo.get_nowait()
        except queue.Empty:
            return
        o = _one(job, timeout, kernels)
        if first and warmed:  # the kernel's start, timed with the first report it made
            o = Outcome(o.name, o.ok, o.message, (("kernel", warmed), *((k, v) for k, v in o.seconds if k != "kernel")))
        first = False
        done.put(o)


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
               progress=print, stats: dict | None = None) -> list[Outcome]:
    """Generate the period's city scorecards and the province report. Returns one outcome per report.

    Everything starts at once: ``jobs`` kernels start and import what the notebooks use, and
    Chromium starts, while the data is prepared (:func:`prepare_data`); then each worker executes
    reports one after the other, and each report's PDF is printed (two tabs) as soon as its HTML
    is written. ``stats``, when given, receives the run's wall seconds by phase and the CPU
    seconds of this process, the kernels and Chromium (``benchmarks/run.py``)."""
    t0 = time.perf_counter()
    p = Period.parse(period)
    unknown = [c for c in (cities or []) if c not in params.cities()]
    if unknown:
        raise ValueError(f"未知城市: {'、'.join(unknown)}")
    cities = list(cities) if cities else list(params.cities())
    out_dir = Path(out).resolve() / p.label
    out_dir.mkdir(parents=True, exist_ok=True)
    common = {"period": p.label, "store": str(Path(store).resolve()), "out_dir": str(out_dir.resolve())}
    todo = [Job(c, NOTEBOOKS / "scorecard.ipynb", {"city": c, **common}, out_dir) for c in cities]
    if province:
        todo.append(Job(params.province(), NOTEBOOKS / "province.ipynb", common, out_dir))
    queued: queue.Queue = queue.Queue()
    done: queue.Queue = queue.Queue()
    ready = threading.Event()
    kernels = KernelPool()
    workers = [threading.Thread(target=_worker, args=(queued, ready, done, kernels, out_dir, timeout), daemon=True,
                                name=f"getpower-report-{i}") for i in range(max(1, min(jobs, len(todo))))]
    for w in workers:
        w.start()
    printer = PdfPrinter(tabs=2) if pdf else None
    phases: dict[str, float] = {}
    outcomes: list[Outcome] = []
    try:
        try:
            t = time.perf_counter()
            data = prepare_data(store, p, out_dir)
            phases["prepared_at"] = time.perf_counter() - t0
            for j in todo:
                queued.put(j)
        finally:
            ready.set()  # the workers go on (or, when preparing failed, find nothing to do)
        meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
        printing: dict = {}
        for i in range(1, len(todo) + 1):
            o = done.get()
            if o.ok and printer is not None:
                printing[printer.submit(out_dir / f"{o.name}.html")] = o
            else:
                outcomes.append(o)
                progress(f"[{len(outcomes)}/{len(todo)}] {o.name}: {'完成' if o.ok else '失败 — ' + o.message}")
        phases["executed_at"] = time.perf_counter() - t0  # the last report's HTML written
        for fut in as_completed(printing):
            o = printing[fut]
            try:
                fut.result()
                o = Outcome(o.name, True, seconds=(*o.seconds, ("pdf", printer.seconds.get(o.name, 0.0))))
            except Exception as exc:
                o = _failed(o.name, exc, dict(o.seconds))
            outcomes.append(o)
            progress(f"[{len(outcomes)}/{len(todo)}] {o.name}: {'完成' if o.ok else '失败 — ' + o.message}")
        phases["printed_at"] = time.perf_counter() - t0
    finally:
        while True:  # stopped early (an error, Ctrl-C): the workers finish the report they are on, no more
            try:
                queued.get_nowait()
            except queue.Empty:
                break
        for w in workers:
            w.join()
        kernels.close()
        if printer is not None:
            printer.close()
    order = {j.name: i for i, j in enumerate(todo)}
    outcomes.sort(key=lambda o: order[o.name])
    write_index(out_dir, p.label, outcomes, meta)
    if stats is not None:
        import resource

        own = resource.getrusage(resource.RUSAGE_SELF)
        stats.update({"seconds": time.perf_counter() - t0, "phases": phases,
                      "cpu": {"main": own.ru_utime + own.ru_stime, "kernels": kernels.cpu_seconds,
                              "chromium": printer.cpu_seconds if printer is not None else 0.0}})
    return outcomes
