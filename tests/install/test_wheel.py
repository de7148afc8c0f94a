"""An analyst with only the wheel: build it, install it (not editable) into a fresh virtual
environment, make a workspace and run sample, ingest, compute, export and serve there.

The new environment gets its dependencies from the one running the tests (a ``.pth`` line naming
its site-packages, which hold getpower only as an editable link that a ``.pth`` line does not
activate; ``JUPYTER_PATH`` naming their data files) and getpower from the wheel alone: the test checks that the getpower it runs is the
installed copy, that nothing is read from the checkout and nothing is written into the install.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import site
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "lib", "params", "notebooks", "dashboards")


def _run(cmd, cwd, env, timeout=300):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{cmd}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return p.stdout


def _files(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")
            if "__pycache__" not in p.parts}


def _stop_group(pgid: int) -> None:
    """SIGTERM to the server's process group, SIGKILL to whatever is left after 15 s."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.3)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, getpower script, environment) of a fresh venv with the wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "static", "*.egg-info")
    for name in SOURCES:
        s = REPO / name
        if s.is_dir():
            shutil.copytree(s, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(s, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(src)], tmp, None)
    wheel, = (tmp / "dist").glob("getpower-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, None)
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        tmp, None).strip())
    (purelib / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
          str(wheel)], tmp, None)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GETPOWER_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env |= {"XDG_CACHE_HOME": str(tmp / "cache"), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            # the dependencies' data files (Voila's templates and scripts, the kernel spec) are
            # installed beside them, outside site-packages
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    return python, venv / "bin" / "getpower", env, purelib / "getpower"


@pytest.fixture(scope="module")
def workspace(installed, tmp_path_factory):
    python, getpower, env, _ = installed
    ws = tmp_path_factory.mktemp("analyst") / "工作区"
    out = _run([str(getpower), "init", str(ws)], ws.parent, env)
    assert "工作区" in out
    return ws


def test_the_installed_copy_runs(installed, tmp_path):
    python, _, env, package = installed
    where = _run([str(python), "-c", "import getpower, getpower.params as p; print(getpower.__file__); "
                  "print(p.params_dir())"], tmp_path, env).splitlines()
    assert Path(where[0]).is_relative_to(package) and not Path(where[0]).is_relative_to(REPO)
    assert Path(where[1]) == package / "_data" / "params" and not (package / "_data" / "params").is_symlink()
    for name in ("params/cities.yaml", "params/targets/2023.yaml", "notebooks/scorecard.ipynb",
                 "dashboards/overview.ipynb", "dashboards/_template/voila/templates/getpower/conf.json"):
        assert (package / "_data" / name).is_file(), name


def test_init_makes_a_workspace(workspace, installed):
    python, getpower, env, package = installed
    assert {p.name for p in workspace.iterdir()} >= {"params", "data", "reports", "notebooks",
                                                     "getpower-workspace.yaml"}
    assert (workspace / "params" / "cities.yaml").read_bytes() == (package / "_data/params/cities.yaml").read_bytes()
    notebooks = {p.name for p in (workspace / "notebooks").glob("*.ipynb")}
    assert "handling_time.ipynb" in notebooks and "scorecard.ipynb" not in notebooks
    # the workspace's params are the ones used, from any folder inside it
    found = _run([str(python), "-c", "import getpower.params as p; print(p.params_dir())"], workspace / "notebooks", env)
    assert Path(found.strip()) == workspace / "params"
    again = _run([str(getpower), "init", str(workspace)], workspace, env)
    assert "新建 0 项" in again  # nothing overwritten


def test_sample_ingest_compute_serve_in_the_workspace(workspace, installed):
    python, getpower, env, package = installed
    before = _files(package)
    _run([str(getpower), "sample", "--out", "data/sample"], workspace, env)
    out = _run([str(getpower), "ingest", "../data/sample"], workspace / "notebooks", env)  # default store: the workspace's
    assert "已更新到版本 v000001" in out and (workspace / "data" / "store" / "CURRENT").exists()
    out = _run([str(getpower), "compute", "data/store", "--period", "2023Q4", "--out", "reports/t.csv"], workspace, env)
    assert "数据截至" in out and (workspace / "reports" / "t.csv").stat().st_size > 10_000
    _run([str(getpower), "export", "--period", "2023Q4", "--out", "reports/2023Q4.xlsx"], workspace, env)
    assert (workspace / "reports" / "2023Q4.xlsx").read_bytes()[:2] == b"PK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(workspace.parent / "serve.log", "w")
    # its own process group: Voila (a child of getpower serve) and its kernels are stopped with it
    proc = subprocess.Popen([str(getpower), "serve", "--port", str(port)], cwd=workspace / "reports", env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240  # the first start computes every quarter's table and pictures
        while True:
            try:
                urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=2)
                break
            except Exception:
                assert proc.poll() is None, (workspace.parent / "serve.log").read_text()[-3000:]
                assert time.time() < deadline, "Voila did not start"
                time.sleep(1)
        css = urllib.request.urlopen(f"{base}/voila/templates/getpower/static/fontawesome/css/all.min.css",
                                     timeout=30).read()
        assert b"Font Awesome" in css
        page = urllib.request.urlopen(f"{base}/voila/render/overview.ipynb", timeout=180).read().decode()
        outputs = [json.loads(o) for o in re.findall(
            r'<script type="application/vnd.voila.cell-output\+json">(.*?)</script>', page, re.S)]
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
        assert "获得电力 监管总览" in html and "cdn.jsdelivr" not in page
    finally:
        _stop_group(proc.pid)
        proc.wait(timeout=20)
        log.close()
    assert (workspace / "data" / "store" / "cache").is_dir()  # the store used is the workspace's
    assert _files(package) == before  # nothing written into the install
