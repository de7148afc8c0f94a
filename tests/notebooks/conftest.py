import pytest


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
