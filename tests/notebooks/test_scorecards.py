"""Scorecards for real: papermill runs the notebooks, nbconvert exports HTML, Chromium prints PDFs."""
import json
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import polars as pl
import pytest

from getpower import reports
from getpower.present.offline import find_remote
from getpower.scoring import composite
from getpower.table import cached_compute

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
RECORD = "application/vnd.getpower.record+json"


def recorded(ipynb: Path) -> dict:
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if RECORD in out.get("data", {}):
                return out["data"][RECORD]
    raise AssertionError(f"no record in {ipynb}")


@pytest.mark.parametrize("name, declared", [("scorecard", reports.SCORECARD_PARAMETERS),
                                            ("province", reports.PROVINCE_PARAMETERS)])
def test_parameters_cell_matches_declaration(name, declared):
    found = pm.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert {k: v["inferred_type_name"] for k, v in found.items()} == declared
    assert all(v["help"] for v in found.values())  # every parameter is commented


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


@pytest.fixture(scope="module")
def generated(sample_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    outcomes = reports.scorecards(sample_store, "2023Q4", out=out, cities=["杭州", "丽水"], jobs=2)
    return out / "2023Q4", outcomes


def test_scorecards_generated(generated):
    folder, outcomes = generated
    assert [(o.name, o.ok) for o in outcomes] == [("杭州", True), ("丽水", True), ("全省", True)], outcomes
    for name in ("杭州", "丽水", "全省"):
        html = (folder / f"{name}.html").read_text(encoding="utf-8")
        assert find_remote(html) == [], name
        assert "获得电力" in html and "数据指纹" in html and "参数版本" in html and "代码版本" in html
        assert "import getpower" not in html and "sc.load_or_prepare" not in html  # no code shown
        assert "数据截至 " in html and "数据版本 v" in html
        pdf = folder / f"{name}.pdf"
        if reports.chromium():
            assert pdf.exists() and pdf.stat().st_size > 10_000 and pdf.read_bytes().startswith(b"%PDF")
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "杭州.html" in index and "全省.pdf" in index and find_remote(index) == []


def test_recorded_values_match_the_indicator_table(generated, sample_store):
    folder, _ = generated
    table = cached_compute(sample_store, "2023Q4")
    comp = {r["city"]: r for r in composite(table).iter_rows(named=True)}
    for city in ("杭州", "丽水"):
        rec = recorded(folder / f"{city}.ipynb")
        rows = table.filter((pl.col("city") == city) & pl.col("met").is_not_null())
        assert rec["composite"] == pytest.approx(comp[city]["composite"])
        assert rec["rank"] == comp[city]["rank"]
        assert (rec["met"], rec["not_met"]) == (int(rows["met"].sum()), int((~rows["met"]).sum()))
    prov = recorded(folder / "全省.ipynb")
    ranked = sorted((r for r in comp.values() if r["rank"]), key=lambda r: r["rank"])
    assert prov["ranking"] == [r["city"] for r in ranked]
    html = (folder / "杭州.html").read_text(encoding="utf-8")
    assert f"{comp['杭州']['composite']:.1f}" in html and "达标依据" in html
    assert "年初至今" in html  # the quarter's scorecard shows the year to date beside it
    assert rec["data_through"] and rec["data_version"].startswith("v")


def test_a_failing_city_fails_alone(sample_store, tmp_path, monkeypatch):
    nbdir = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, nbdir)
    nb = nbformat.read(nbdir / "scorecard.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('if city == "丽水":\n    raise RuntimeError("故意失败")'))
    nbformat.write(nb, nbdir / "scorecard.ipynb")
    monkeypatch.setattr(reports, "NOTEBOOKS", nbdir)
    monkeypatch.chdir(tmp_path)  # a relative --out, as a user types it
    from getpower.cli import main

    code = main(["scorecards", "--period", "2023Q4", "--cities", "杭州", "丽水", "--no-pdf", "--store", str(sample_store),
                 "--out", "out"])
    assert code == 1
    folder = tmp_path / "out" / "2023Q4"
    assert (folder / "杭州.html").exists() and not (folder / "丽水.html").exists()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "失败" in index and "故意失败" in index


def test_year_to_date_scorecard(sample_store, tmp_path):
    outcomes = reports.scorecards(sample_store, "2023Q3YTD", out=tmp_path, cities=["宁波"], jobs=2, pdf=False)
    assert [(o.name, o.ok) for o in outcomes] == [("宁波", True), ("全省", True)], outcomes
    html = (tmp_path / "2023Q3YTD" / "宁波.html").read_text(encoding="utf-8")
    assert "2023Q3YTD" in html and "年初至今" in html and "数据截至 " in html
    rec = recorded(tmp_path / "2023Q3YTD" / "宁波.ipynb")
    comp = {r["city"]: r for r in composite(cached_compute(sample_store, "2023Q3YTD")).iter_rows(named=True)}
    assert rec["period"] == "2023Q3YTD" and rec["composite"] == pytest.approx(comp["宁波"]["composite"])


def test_scorecard_current_warnings(generated, sample_store):
    """当前预警 (#15): the city's open items at the period's end by class and status, and its five
    most overdue items (applications and approvals), as the library lists them."""
    import datetime as dt

    from getpower.escalation import escalation, top_overdue

    folder, _ = generated
    html = (folder / "杭州.html").read_text(encoding="utf-8")
    assert "当前预警" in html and "预警日期 2023-12-31（期末）" in html
    esc = escalation(sample_store, dt.date(2023, 12, 31), ["杭州"])
    top = top_overdue(esc.items)
    assert all(i in html for i in top["id"]) if top.height else "期末无超期的报装工单或接入工程审批" in html
    assert f"<td>合计</td><td>{int((esc.items['urgency'] == 0).sum())}</td>" in html
    province = (folder / "全省.html").read_text(encoding="utf-8")
    every = escalation(sample_store, dt.date(2023, 12, 31))
    assert "当前预警" in province and f"<td>全省合计</td><td>{int((every.items['urgency'] == 0).sum())}</td>" in province


def test_current_warnings_prepared_once_for_every_city(generated, sample_store):
    """The in-flight status is computed once for the quarter (in ``_data``), not once per report:
    the prepared rows are the library's, whole, and a city's section is cut from them."""
    import datetime as dt

    from getpower.escalation import escalation
    from getpower.present import scorecard as sc
    from getpower.present import warnings_view as wv

    folder, _ = generated
    d = sc.load(folder / "_data")
    every = escalation(sample_store, dt.date(2023, 12, 31))
    assert d.warnings.as_of == every.as_of and d.warnings.cities == every.cities
    assert d.warnings.items.equals(every.items)
    assert wv.warnings_html(d.warnings, "杭州") == wv.current_warnings_html(sample_store, "杭州", dt.date(2023, 12, 31))
    assert "无在途预警" in wv.warnings_html(None, "杭州")


def test_a_missing_store_fails_at_once_and_leaves_no_kernel(tmp_path):
    """The kernels start while the data is prepared: preparing that fails stops them too."""
    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with pytest.raises(FileNotFoundError, match="数据仓库不存在"):
        reports.scorecards(tmp_path / "no-store", "2023Q4", out=tmp_path / "out", cities=["宁波"], pdf=False)
    assert {p.pid for p in psutil.Process().children(recursive=True)} - before == set()


def test_without_playwright_each_pdf_is_a_chromium_process(monkeypatch, tmp_path):
    """No Playwright (or no browser it can drive): :func:`reports.export_pdf` per file, through
    the same ``submit``; a failing file fails alone."""
    import builtins

    real_import = builtins.__import__

    def no_playwright(name, *args, **kwargs):
        if name.startswith("playwright"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    printed = []

    def export_pdf(path, timeout):
        printed.append(path.name)
        if path.name == "b.html":
            raise RuntimeError("坏")
        return path.with_suffix(".pdf")

    monkeypatch.setattr(builtins, "__import__", no_playwright)
    monkeypatch.setattr(reports, "chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(reports, "export_pdf", export_pdf)
    printer = reports.PdfPrinter(tabs=2)
    try:
        ok, bad = printer.submit(tmp_path / "a.html"), printer.submit(tmp_path / "b.html")
        assert ok.result() == tmp_path / "a.pdf"
        with pytest.raises(RuntimeError, match="坏"):
            bad.result()
    finally:
        printer.close()
    assert sorted(printed) == ["a.html", "b.html"]


def test_a_kept_kernel_keeps_nothing_of_the_previous_report(tmp_path):
    """Reports run one after the other in a kernel kept between them: the next one finds none of
    the previous one's names or outputs, and gc.collect works again after the reset."""
    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("leak = 41\nleak + 1")]), first)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import gc\nprint(sorted(k for k in ('leak', '_1', '_getpower_reset') if k in globals()), len(Out), gc.collect.__name__)")]),
        second)
    kernels = reports.KernelPool()
    try:
        kernels.warm(tmp_path, timeout=120)
        for name, nb in (("a", first), ("b", second)):
            kernels.run(reports.Job(name, nb, {}, tmp_path), timeout=120)
    finally:
        kernels.close()
    out = nbformat.read(tmp_path / "b.ipynb", as_version=4).cells[-1].outputs
    assert [o.get("text") for o in out] == ["[] 0 collect\n"]
    assert nbformat.read(tmp_path / "a.ipynb", as_version=4).cells[-1].outputs[0]["data"]["text/plain"] == "42"


@pytest.mark.parametrize("page, expected", [
    ('<img src="data:image/png;base64,AA">', '<img alt="图表" src="data:image/png;base64,AA">'),
    ('<img alt="办电时间" src="x.png">', '<img alt="办电时间" src="x.png">'),
    ('<div class="jp-RenderedHTMLCommon jp-OutputArea-output " data-mime-type="text/html">',
     '<div class="jp-RenderedHTMLCommon jp-OutputArea-output " tabindex="0" data-mime-type="text/html">'),
    ('<div class="jp-OutputArea-output" tabindex="1">', '<div class="jp-OutputArea-output" tabindex="1">'),
    ('<div class="jp-OutputArea-child">', '<div class="jp-OutputArea-child">'),
    ('<h2 id="x">&#24403;&#21069;&#x9884;&#35686; &#215; &lt;&#60;&#38;&amp;&#34;</h2>', '<h2 id="x">当前预警 × &lt;&#60;&#38;&amp;&#34;</h2>'),
])
def test_html_keeps_what_nbconvert_adds_for_accessibility(page, expected):
    assert reports._accessible(page) == expected


def test_html_export_matches_nbconvert_but_for_serialisation():
    """The kept exporter skips nbconvert's BeautifulSoup pass: the same text, images with alt
    texts and outputs with tabindexes where nbconvert puts them."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Image>"}),
        nbformat.v4.new_output("display_data", {"text/html": "<p>达标 <img alt='图' src='data:,'></p>"}),
        nbformat.v4.new_output("stream", name="stdout", text="完成\n")])])
    ours = BeautifulSoup(reports._html_exporter().from_notebook_node(nb)[0], "html.parser")
    theirs = BeautifulSoup(HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                        exclude_output_prompt=True, embed_images=True).from_notebook_node(nb)[0],
                           "html.parser")
    marks = lambda soup: [(t.name, t.get("tabindex"), bool(t.get("alt"))) for t in soup.find_all(["div", "img"])  # noqa: E731
                          if t.get("tabindex") or t.name == "img"]
    assert marks(ours) == marks(theirs) and len(marks(ours)) == 5
    assert ours.get_text() == theirs.get_text()


def test_markdown_headings_are_written_as_characters(generated):
    folder, _ = generated
    assert '<h2 id="%E5%BD%93%E5%89%8D%E9%A2%84%E8%AD%A6">当前预警<a' in (folder / "全省.html").read_text(encoding="utf-8")
