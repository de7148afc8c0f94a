"""``getpower store log | rollback | check``: every change listed, any kept version restored as a
new version, every damaged file named."""
import subprocess
import sys

import pytest

from getpower.store import Store, StoreError, kind_files
from getpower.store_history import check, log, rollback
from getpower.table import compute

APPS = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"


def _apps(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([APPS, *rows]) + "\n", encoding="utf-8")
    return path


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "getpower", *args], capture_output=True, text=True)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    s = Store(tmp_path / "store")
    s.ingest([_apps(tmp_path / "1" / "applications.csv", ["A1,杭州,居民,8,220V,网上国网,0", "A2,上海,居民,8,220V,微信,0"])])
    s.ingest([_apps(tmp_path / "2" / "applications.csv", ["A1,杭州,居民,8,220V,浙里办,0", "A3,宁波,居民,8,220V,微信,0"])])
    return s


def _channels(s):
    return dict(s.read("applications").select("app_id", "channel").rows())


def test_log_lists_every_version(store):
    lines = log(store)
    assert [(x.version, x.current, x.kept) for x in lines] == [("v000001", False, True), ("v000002", True, True)]
    assert lines[0].text == "导入 1 个文件（applications.csv）：新增或更新 1 行，替换已存 0 行，相同 0 行，隔离 1 行，待匹配 0 行"
    assert lines[1].text == "导入 1 个文件（applications.csv）：新增或更新 2 行，替换已存 1 行，相同 0 行，隔离 0 行，待匹配 0 行"
    p = _cli("store", "log", "--store", str(store.root))
    assert p.returncode == 0 and p.stdout.splitlines()[1].startswith("* v000002")


def test_rollback_is_a_new_version_and_can_be_undone(store):
    assert rollback(store, "v000001") == "v000003"
    assert _channels(store) == {"A1": "网上国网"}
    assert [x.text for x in log(store)][-1] == "回滚到 v000001"
    assert compute(store.root, "2023Q1").height > 0
    p = _cli("store", "rollback", "v000002", "--store", str(store.root))
    assert p.returncode == 0, p.stderr
    assert _channels(Store(store.root)) == {"A1": "浙里办", "A3": "微信"}
    assert Store(store.root).manifest()["name"] == "v000004"


@pytest.mark.parametrize("target, message", [("v000009", "不在数据仓库中"), ("v000002", "已是当前版本"),
                                             ("../x", "不在数据仓库中")])
def test_rollback_refuses_what_it_cannot_do(store, target, message):
    with pytest.raises(StoreError, match=message):
        rollback(store, target)
    assert store.manifest()["name"] == "v000002"


def test_a_pruned_version_is_listed_but_not_kept(store, tmp_path, monkeypatch):
    monkeypatch.setattr("getpower.store.keep_versions", lambda: 1)
    store.ingest([_apps(tmp_path / "3" / "applications.csv", ["A4,温州,居民,8,220V,微信,0"])])
    assert [(x.version, x.kept) for x in log(store)] == [("v000001", False), ("v000002", False), ("v000003", True)]
    with pytest.raises(StoreError, match="可回滚的版本: v000003"):
        rollback(store, "v000001")


def test_check_names_the_broken_file_and_a_rollback_gets_past_it(store):
    assert check(store) == (["v000001: 完好", "v000002（当前）: 完好"], [])
    broken = kind_files(store.current, "applications")[0]  # one partition's file
    data = bytearray(broken.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the middle: the footer still reads
    broken.unlink()  # the file is a hard link shared with v000001: change this one only
    broken.write_bytes(bytes(data))
    checked, problems = check(store)
    assert problems == [f"{broken}: 校验和不符（文件已被改动或损坏）"]
    p = _cli("store", "check", "--store", str(store.root))
    assert p.returncode == 1 and str(broken) in p.stderr
    assert rollback(store, "v000001") == "v000003"  # past the broken version
    assert compute(store.root, "2023Q1").height > 0
    with pytest.raises(StoreError, match=r"版本 v000002 已损坏，不能回滚到它: .*applications/year=.*\.parquet: 校验和不符"):
        rollback(store, "v000002")
    assert store.manifest()["name"] == "v000003"


def test_a_store_interrupted_before_its_first_version_is_empty_not_damaged(tmp_path):
    """A first import stopped (Ctrl-C) before it published leaves the store's folders, no version:
    nothing is damaged. A missing CURRENT beside published versions is."""
    empty = Store(tmp_path / "empty")
    (empty.root / "versions").mkdir(parents=True)
    (empty.root / "uploads").mkdir()
    assert check(empty) == ([], [])
    p = _cli("store", "check", "--store", str(empty.root))
    assert p.returncode == 0 and "没有版本" in p.stdout
    (empty.root / "versions" / "v000001").mkdir()
    assert check(empty) == ([], [f"{empty.root / 'CURRENT'}: 缺失"])


def test_a_damaged_current_pointer_is_named_and_a_rollback_repairs_it(store, tmp_path):
    (store.root / "CURRENT").write_text("garbage", encoding="utf-8")
    with pytest.raises(StoreError, match="manifest.json: 无法读取"):
        compute(store.root, "2023Q1")
    with pytest.raises(StoreError, match="无法读取"):  # an ingest does not guess, and deletes nothing
        store.ingest([_apps(tmp_path / "3" / "applications.csv", ["A4,温州,居民,8,220V,微信,0"])])
    assert sorted(d.name for d in (store.root / "versions").iterdir()) == ["v000001", "v000002"]
    assert rollback(store, "v000002") == "v000003"
    assert _channels(store) == {"A1": "浙里办", "A3": "微信"} and compute(store.root, "2023Q1").height > 0


def test_a_rollback_that_fails_leaves_the_current_version(store, monkeypatch):
    from store_faults import leftovers

    before = store.manifest()

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("getpower.store_history.atomic_write_bytes", full)  # CURRENT cannot be written
    with pytest.raises(OSError):
        rollback(store, "v000001")
    assert store.manifest() == before and leftovers(store.root) == []
    assert sorted(d.name for d in (store.root / "versions").iterdir()) == ["v000001", "v000002"]


def test_log_names_who_imported(store, tmp_path):
    store.ingest([_apps(tmp_path / "3" / "applications.csv", ["A4,温州,居民,8,220V,微信,0"])], by="张三（数据管理）")
    last = log(store)[-1]
    assert last.version == "v000003" and last.text.startswith("张三（数据管理） 导入 1 个文件")
    assert store.manifest()["history"][-1]["by"] == "张三（数据管理）"
