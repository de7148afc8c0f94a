"""The notebooks of ``notebooks/`` under nbval (the design card's choice), beside the papermill
tests: each runs top to bottom as an analyst opens it, with its default parameters, in a copy of
the project's layout (``notebooks/`` beside ``data/store`` and ``data/sample``) whose store is the
sample store. ``--nbval-lax``: the notebooks are committed without outputs, so every cell must run
without an error; outputs are not compared."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_under_nbval(name, sample_store, tmp_path):
    pytest.importorskip("nbval")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "store").symlink_to(sample_store, target_is_directory=True)
    (tmp_path / "data" / "sample").symlink_to(Path(sample_store).parent / "extracts", target_is_directory=True)
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / f"{name}.ipynb", tmp_path / "notebooks")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax", "-q",
                        "--nbval-cell-timeout=300", "-o", "addopts=", "-o", "testpaths=", str(tmp_path / "notebooks" / f"{name}.ipynb")],
                       cwd=tmp_path / "notebooks", env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert " passed" in p.stdout and "failed" not in p.stdout
