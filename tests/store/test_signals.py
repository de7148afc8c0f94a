"""Ingests stopped by signals at known points, and four ingests at once, as separate processes
(``GETPOWER_FAULT=<step>:<signal>`` makes the ingest send itself the signal at that step)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from getpower.store import Store
from getpower.table import compute

from store_faults import leftovers, tree

APPS = "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)"


def _apps(path, ids, channel="网上国网"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([APPS, *(f"{i},杭州,居民,8,220V,{channel},0" for i in ids)]) + "\n", encoding="utf-8")
    return path


def _ingest(store, path, fault=None, **kw):
    env = {**os.environ, "GETPOWER_FAULT": fault} if fault else {**os.environ}
    env.pop("GETPOWER_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "getpower", "ingest", str(path), "--store", str(store)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _data(root):
    return {k: v for k, v in tree(root).items() if k == "CURRENT" or k.startswith("versions/")}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    s = Store(tmp_path / "store")
    s.ingest([_apps(tmp_path / "u1" / "applications.csv", ["A1", "A2"])])
    return s


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", ["validated", "written", "proved"])
def test_an_interrupt_commits_nothing_says_one_line_and_exits_130(store, tmp_path, step, sig):
    up = _apps(tmp_path / "u2" / "applications.csv", ["A1", "A3"], channel="浙里办")
    before = _data(store.root)
    p = _ingest(store.root, up, f"{step}:{sig}")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines() == ["已中断：本次操作未写入任何内容，数据仓库保持原版本"]
    assert _data(store.root) == before and leftovers(store.root) == []
    assert compute(store.root, "2023Q1").height > 0
    res = store.ingest([up])  # nothing recorded the file as done: it gets in
    assert res.version == "v000002" and sorted(store.read("applications")["app_id"]) == ["A1", "A2", "A3"]


def test_an_interrupt_while_publishing_waits_for_the_version(store, tmp_path):
    up = _apps(tmp_path / "u2" / "applications.csv", ["A3"])
    p = _ingest(store.root, up, "publish:SIGINT")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err  # the signal came after everything was checked: committed whole
    assert Store(store.root).manifest()["name"] == "v000002" and "v000002" in out


@pytest.mark.parametrize("step", ["validated", "written", "proved", "publish"])
def test_a_killed_ingest_leaves_the_previous_version_and_the_next_one_cleans_up(store, tmp_path, step):
    up = _apps(tmp_path / "u2" / "applications.csv", ["A1", "A3"], channel="浙里办")
    before = _data(store.root)
    p = _ingest(store.root, up, f"{step}:SIGKILL")
    p.communicate(timeout=120)
    assert p.returncode == -signal.SIGKILL
    assert (store.root / "CURRENT").read_bytes() == before["CURRENT"]
    assert {k: v for k, v in _data(store.root).items() if k.startswith("versions/v000001")} == \
        {k: v for k, v in before.items() if k.startswith("versions/v000001")}
    assert compute(store.root, "2023Q1").height > 0  # readers see the previous version, whole
    res = store.ingest([up])
    assert res.version == "v000002" and leftovers(store.root) == []
    assert sorted(d.name for d in (store.root / "versions").iterdir()) == ["v000001", "v000002"]
    assert len(list((store.root / "uploads").iterdir())) == 2
    assert dict(store.read("applications").select("app_id", "channel").rows()) == {
        "A1": "浙里办", "A2": "网上国网", "A3": "浙里办"}


def test_an_interrupt_while_a_file_is_read(store, tmp_path):
    up = _apps(tmp_path / "u2" / "applications.csv", [f"B{i}" for i in range(300_000)])
    before = _data(store.root)
    p = _ingest(store.root, up)
    deadline = time.monotonic() + 60
    while not list((store.root / "versions").glob(".tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.01)  # the ingest has begun writing its version
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    # the signal arrives as the file is being read (300 000 rows take seconds to validate and prove)
    assert p.returncode == 130 and len(err.strip().splitlines()) == 1, err
    assert _data(store.root) == before and leftovers(store.root) == []
    assert store.ingest([up]).version == "v000002" and store.read("applications").height == 300_002


def test_four_ingests_at_once_run_one_after_another(store, tmp_path):
    files = [_apps(tmp_path / f"c{i}" / "applications.csv", [f"C{i}-{j}" for j in range(50)]) for i in range(4)]
    procs = [_ingest(store.root, f) for f in files]
    seen = set()
    while any(p.poll() is None for p in procs):  # a reader meanwhile: never blocked, always whole
        s = Store(store.root)
        seen.add(s.manifest()["name"])
        assert s.read("applications").height in (2, 52, 102, 152, 202)
        time.sleep(0.05)
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in outs]
    assert any("正被另一个导入使用，等待" in e for _, e in outs)
    s = Store(store.root)
    assert s.read("applications").height == 202 and s.manifest()["name"] == "v000005"
    assert leftovers(store.root) == [] and compute(store.root, "2023Q1").height > 0
