"""Serving the dashboards with standalone Voila, bound to 127.0.0.1, offline.

Sources stripped, tracebacks hidden, a cell timeout, idle kernels culled, a preheated kernel for
the overview only (the other pages read the URL or the user's input). The indicator tables of
every quarter are computed (or found in the store's cache) before the server starts.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "dashboards"
TEMPLATE_ROOT = DASHBOARDS / "_template"
TEMPLATE = "getpower"
NOT_PREHEATED = ["city.ipynb", "intake.ipynb", "ledger.ipynb"]


def install_fontawesome() -> Path:
    """Copy Font Awesome's CSS and web fonts (PyPI package fontawesomefree) into the template's static folder."""
    import fontawesomefree

    src = Path(fontawesomefree.__file__).parent / "static" / "fontawesomefree"
    dest = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE / "static" / "fontawesome"
    for part in ("css", "webfonts"):
        if not (dest / part).exists():
            shutil.copytree(src / part, dest / part)
    return dest


def voila_command(port: int = 8866, token: str | None = None, store: Path | str = "data/store",
                  cell_timeout: int = 120, cull_idle: int = 900) -> tuple[list[str], dict]:
    """The Voila command line and environment (tests start the same server)."""
    install_fontawesome()
    env = dict(os.environ)
    env["GETPOWER_STORE"] = str(Path(store).resolve())
    env["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")]).strip(os.pathsep)
    cmd = [
        sys.executable, "-m", "voila", str(DASHBOARDS),
        "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        f"--template={TEMPLATE}", "--strip_sources=True", "--show_tracebacks=False",
        f"--VoilaExecutor.timeout={cell_timeout}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}", "--MappingKernelManager.cull_interval=60",
        "--preheat_kernel=True", "--pool_size=1",
        f"--VoilaKernelManager.preheat_denylist={NOT_PREHEATED!r}",
        f"--Voila.token={token or ''}",
    ]
    return cmd, env


def serve(port: int = 8866, token: str | None = None, store: Path | str = "data/store") -> int:
    from getpower.present import dashboard

    os.environ["GETPOWER_STORE"] = str(Path(store).resolve())
    print("预计算各季度指标表（按数据指纹缓存）…")
    dashboard.warm(store, progress=lambda p: print(f"  {p}"))
    cmd, env = voila_command(port, token, store)
    print(f"看板: http://127.0.0.1:{port}/voila/render/overview.ipynb （Ctrl+C 停止）")
    import subprocess

    return subprocess.call(cmd, env=env)
