"""Where getpower finds its files: the package's own data, and the analyst's workspace.

**Package data.** The default ``params/``, the notebooks and the dashboards (with their page
template) ship inside the package, under ``getpower/_data/`` (in a checkout these are links to the
repository's folders, followed when the wheel is built). They are found with
:mod:`importlib.resources`, so an installed getpower never looks for a repository, and nothing is
ever written there.

**A workspace** is a folder made by ``getpower init DIR``: its marker ``getpower-workspace.yaml``,
``params/`` (a copy of the package defaults, the analyst's to change), ``data/`` (extracts and
the store), ``reports/`` and ``notebooks/`` (the analyst notebooks). A command run in the
workspace or in any folder inside it uses the workspace's ``params/`` and, unless told otherwise,
its ``data/store`` and ``reports/``; the commands it starts (papermill, Voila) are told through
``GETPOWER_WORKSPACE``. Outside a workspace (the repository checkout, where ``make run`` and
``make test`` work) relative paths are taken from the current folder and the params are the
package defaults. ``GETPOWER_PARAMS`` names a params folder that wins over both.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MARKER = "getpower-workspace.yaml"
ENV = "GETPOWER_WORKSPACE"
# notebooks that are templates of `getpower scorecards` (run from the package), not for analysts
SCORECARD_NOTEBOOKS = ("scorecard.ipynb", "province.ipynb")
FOLDERS = ("data", "reports", "notebooks")


class WorkspaceError(ValueError):
    """A workspace that cannot be made or found (one Chinese line)."""


def package_data(name: str) -> Path:
    """A folder of package data (``params``, ``notebooks``, ``dashboards``) as a path on disk.

    >>> (package_data("params") / "cities.yaml").is_file()
    True
    """
    ref = importlib.resources.files("getpower") / "_data" / name
    if not isinstance(ref, Path):  # a zipped install: Voila and papermill need real files
        raise WorkspaceError(f"getpower 的包数据 {name} 不在文件系统上（请以普通方式 pip install，勿从 zip 导入）")
    return ref


@lru_cache(maxsize=64)
def _find(cwd: str, env: str | None) -> Path | None:
    if env:
        root = Path(env)
        return root if (root / MARKER).is_file() else None
    here = Path(cwd)
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def find() -> Path | None:
    """The workspace the current folder is in (``GETPOWER_WORKSPACE`` when set), or None."""
    try:
        cwd = os.getcwd()
    except OSError:  # the current folder was removed
        return None
    return _find(cwd, os.environ.get(ENV) or None)


def params_dir() -> Path:
    """``GETPOWER_PARAMS``, else the workspace's ``params/``, else the package defaults."""
    env = os.environ.get("GETPOWER_PARAMS")
    if env:
        return Path(env)
    root = find()
    if root is not None and (root / "params").is_dir():
        return root / "params"
    return package_data("params")


def default_path(relative: str) -> Path:
    """A default location (``data/store``, ``reports``): inside the workspace when in one, else
    relative to the current folder as given."""
    root = find()
    return root / relative if root is not None else Path(relative)


def user_cache_dir() -> Path:
    """The user's cache folder for getpower (``$XDG_CACHE_HOME/getpower`` or ``~/.cache/getpower``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "getpower"


def analyst_notebooks() -> list[Path]:
    """The notebooks a workspace gets: every packaged notebook but the scorecard templates."""
    return sorted(p for p in package_data("notebooks").glob("*.ipynb") if p.name not in SCORECARD_NOTEBOOKS)


@dataclass(frozen=True)
class InitResult:
    root: Path
    created: tuple[str, ...]
    kept: tuple[str, ...]  # already there: never overwritten


def init(folder: Path | str) -> InitResult:
    """Make ``folder`` a workspace: what is missing is created, what is there is kept as it is
    (``init`` again after an upgrade adds the files new in the package and changes nothing)."""
    from getpower import __version__

    root = Path(folder).resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} 已存在且不是文件夹")
    root.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    kept: list[str] = []

    def copy(src: Path, rel: str) -> None:
        dest = root / rel
        if dest.exists():
            kept.append(rel)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        created.append(rel)

    defaults = package_data("params")
    for src in sorted(p for p in defaults.rglob("*") if p.is_file()):
        copy(src, f"params/{src.relative_to(defaults).as_posix()}")
    for src in analyst_notebooks():
        copy(src, f"notebooks/{src.name}")
    for name in FOLDERS:
        if not (root / name).is_dir():
            (root / name).mkdir()
            created.append(f"{name}/")
    marker = root / MARKER
    if marker.exists():
        kept.append(MARKER)
    else:
        marker.write_text(
            "# getpower 工作区（由 getpower init 创建）。在本文件夹及其子文件夹中运行的命令使用这里的\n"
            "# params/（参数，可修改）、data/store（数据仓库）与 reports/（报告）。\n"
            f"getpower: {__version__}\ncreated: {dt.datetime.now():%Y-%m-%d %H:%M}\n", encoding="utf-8")
        created.append(MARKER)
    _find.cache_clear()
    return InitResult(root, tuple(created), tuple(kept))


def fontawesome_root() -> Path:
    """A Jupyter data folder holding only the dashboards template's Font Awesome, copied once
    from the ``fontawesomefree`` package into the user's cache folder (Tornado serves no link that
    leads outside it). Voila looks for a template's static files in every Jupyter data folder, so
    the page is served offline without writing into an installed package."""
    import fontawesomefree

    src = Path(fontawesomefree.__file__).resolve().parent / "static" / "fontawesomefree"
    tag = hashlib.sha256(str(src).encode()).hexdigest()[:12]  # one per installation of the package
    root = user_cache_dir() / f"voila-fontawesome-{tag}"
    dest = root / "voila" / "templates" / "getpower" / "static" / "fontawesome"
    dest.mkdir(parents=True, exist_ok=True)
    for part in ("css", "webfonts"):
        if (dest / part).is_dir():
            continue
        tmp = dest / f".{part}.{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src / part, tmp)
        try:
            tmp.rename(dest / part)  # whole or not at all: two servers starting at once
        except OSError:  # the other one was first
            shutil.rmtree(tmp, ignore_errors=True)
    return root
