"""getpower.kernels: a pool kernel starts when the visits' kernels are quiet, a few at a time; one
a visit already waits for starts at once."""
import asyncio
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from getpower.kernels import PacedKernelManager


def kernel(state: str, seconds_ago: float):
    return SimpleNamespace(execution_state=state, last_activity=datetime.now(timezone.utc) - timedelta(seconds=seconds_ago))


def done(kernel_id: str):
    """A pool entry whose kernel has started."""
    f = asyncio.get_running_loop().create_future()
    f.set_result({"kernel_id": kernel_id})
    return f


@pytest.fixture
def manager():
    m = PacedKernelManager(refill_quiet=5.0, refill_max_wait=60.0, heating_limit=1)  # margins for a loaded machine
    m._pools = {"city.ipynb": []}
    return m


async def start(m, pooled: bool):
    """A start in a task of its own, in the pool like Voila's entries when ``pooled``."""
    task = asyncio.create_task(_turn(m))
    if pooled:
        m._pools["city.ipynb"].append(task)
    await asyncio.sleep(0.25)
    return task


async def _turn(m):  # Voila starts a pool kernel in its pool entry's task
    await m._wait_turn(asyncio.current_task())


@pytest.mark.parametrize("visit, pooled, starts", [
    (("busy", 0), True, False),      # a visit being drawn: the refill waits
    (("idle", 0.2), True, False),    # active within refill_quiet: waits
    (("idle", 9), True, True),       # quiet: the refill starts
    (("busy", 0), False, True),      # a visit waits for this very kernel: at once
    (None, True, True),              # no visits (the server starting): at once
])
def test_when_a_pool_kernel_starts(manager, visit, pooled, starts):
    async def run():
        if visit is not None:
            manager._kernels["v1"] = kernel(*visit)  # now: not when the module was collected
        task = await start(manager, pooled)
        assert task.done() == starts
        task.cancel()
    asyncio.run(run())


def test_a_refill_starts_once_the_visits_are_quiet_and_one_preloads_at_a_time(manager):
    async def run():
        manager._kernels["v1"] = kernel("busy", 0)
        task = await start(manager, pooled=True)
        assert not task.done()
        manager._kernels["v1"] = kernel("idle", 9)  # drawn, nothing since
        await asyncio.sleep(0.25)
        assert task.done()
        # a kernel still preloading (in its pool, not yet waiting for a visit) holds the only slot
        manager._kernels["p1"] = kernel("busy", 0)
        manager._pools["city.ipynb"] = [done("p1")]
        manager._heating["p1"] = 0.0
        manager.heat_timeout = 1e9
        second = await start(manager, pooled=True)
        assert not second.done()
        manager._pools["city.ipynb"].remove(second)  # then a visit takes it: at once
        await asyncio.sleep(0.25)
        assert second.done()
    asyncio.run(run())


def test_a_refill_waits_at_most_refill_max_wait(manager):
    async def run():
        manager.refill_max_wait = 0.3
        manager._kernels["v1"] = kernel("busy", 0)  # a page kept busy
        task = await start(manager, pooled=True)
        await asyncio.sleep(0.3)
        assert task.done()
    asyncio.run(run())
