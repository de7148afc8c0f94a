from __future__ import annotations

from pathlib import Path

import pytest

APP_HEADER = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def apps_csv(tmp_path):
    def make(rows: list[str], name="applications.csv", header=APP_HEADER, encoding="utf-8"):
        return write_csv(tmp_path / name, "\n".join([header, *rows]) + "\n", encoding)
    return make


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    """The bundled sample data, generated and ingested once for the notebook tests."""
    from getpower import sample
    from getpower.store import Store

    root = tmp_path_factory.mktemp("sample")
    sample.generate(root / "extracts")
    store = Store(root / "store")
    store.ingest([root / "extracts"])
    return store.root
