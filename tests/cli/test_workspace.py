"""getpower init and the workspace every command uses inside it (in-process; the installed
wheel is tested in tests/install)."""

import pytest

from getpower import params, workspace
from getpower.cli import main


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("GETPOWER_PARAMS", raising=False)
    monkeypatch.delenv(workspace.ENV, raising=False)
    assert main(["init", str(tmp_path / "ws")]) == 0
    return tmp_path / "ws"


def test_init_copies_the_defaults_and_makes_the_folders(ws):
    defaults = workspace.package_data("params")
    copied = sorted(p.relative_to(ws / "params").as_posix() for p in (ws / "params").rglob("*.yaml"))
    assert copied == sorted(p.relative_to(defaults).as_posix() for p in defaults.rglob("*.yaml"))
    assert (ws / "params" / "targets" / "2023.yaml").read_bytes() == (defaults / "targets" / "2023.yaml").read_bytes()
    assert sorted(p.name for p in (ws / "notebooks").iterdir()) == [p.name for p in workspace.analyst_notebooks()]
    assert not (ws / "notebooks" / "scorecard.ipynb").exists()  # a template of getpower scorecards
    assert all((ws / d).is_dir() for d in ("data", "reports")) and (ws / workspace.MARKER).is_file()


def test_init_again_overwrites_nothing(ws, capsys):
    (ws / "params" / "cities.yaml").write_text("# changed by the analyst\n", encoding="utf-8")
    (ws / "notebooks" / "handling_time.ipynb").unlink()
    capsys.readouterr()
    assert main(["init", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "新建 1 项" in out and "+ notebooks/handling_time.ipynb" in out
    assert (ws / "params" / "cities.yaml").read_text(encoding="utf-8") == "# changed by the analyst\n"


def test_init_on_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["init", str(tmp_path / "f")]) == 2
    assert capsys.readouterr().err.strip() == f"错误: {tmp_path / 'f'} 已存在且不是文件夹"


@pytest.mark.parametrize("where, env_params, expected", [
    ("ws", None, "ws/params"),                 # the workspace's own params
    ("ws/notebooks", None, "ws/params"),       # from any folder inside it
    ("elsewhere", None, "package"),            # outside: the package defaults
    ("ws", "mine", "mine"),                    # GETPOWER_PARAMS wins over both
])
def test_params_folder(ws, monkeypatch, where, env_params, expected):
    (ws.parent / "elsewhere").mkdir(exist_ok=True)
    monkeypatch.chdir(ws.parent / where)
    if env_params:
        monkeypatch.setenv("GETPOWER_PARAMS", str(ws.parent / env_params))
    want = workspace.package_data("params") if expected == "package" else ws.parent / expected
    assert params.params_dir() == want


def test_commands_inside_use_the_workspace_store(ws, monkeypatch, capsys):
    """`getpower store check` from notebooks/ looks at the workspace's data/store, and the command
    leaves GETPOWER_WORKSPACE as it found it."""
    monkeypatch.chdir(ws / "notebooks")
    main(["store", "check"])
    assert "数据仓库 ../data/store " in capsys.readouterr().out
    import os

    assert workspace.ENV not in os.environ
    monkeypatch.chdir(ws.parent)
    main(["store", "check"])
    assert "数据仓库 data/store " in capsys.readouterr().out  # outside: relative to the current folder, as before
