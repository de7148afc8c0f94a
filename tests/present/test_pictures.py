"""Dashboard pictures: drawn once per data version and period, then read from the store's cache."""
import pytest

from getpower.present import dashboard as db
from getpower.table import cache_key


@pytest.mark.parametrize(
    "name, draw, keys",
    [
        ("overview", lambda store: db.overview_pictures("2023Q4", store), {"tiles", "trend"}),
        ("city-宁波", lambda store: db.city_pictures("宁波", "2023Q4", store), {"handling", "outage"}),
    ],
)
def test_pictures_drawn_once_then_read(sample_store, monkeypatch, name, draw, keys):
    cached = sample_store / "cache" / f"{name}_{cache_key(sample_store, '2023Q4')}.json"
    cached.unlink(missing_ok=True)
    first = draw(sample_store)
    assert set(first) == keys and all(v.startswith("<img") for v in first.values())
    assert cached.exists()

    def no_drawing(*_args, **_kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(db, "png_html", no_drawing)
    assert draw(sample_store) == first


def test_a_damaged_picture_cache_is_drawn_again(sample_store):
    cached = sample_store / "cache" / f"city-丽水_{cache_key(sample_store, '2023Q4')}.json"
    first = db.city_pictures("丽水", "2023Q4", sample_store)
    cached.write_text('{"handling": "<img', encoding="utf-8")  # cut short (a full disk, a copy stopped)
    assert db.city_pictures("丽水", "2023Q4", sample_store) == first
