"""The kernel manager of the dashboard server: preheated kernels started at a pace the machine
can bear (``getpower serve`` gives it to Voila as ``VoilaConfiguration.multi_kernel_manager_class``).

Voila refills a page's pool ``fill_delay`` seconds after each visit takes a kernel from it: twenty
leaders opening their city pages at once made it start twenty new kernels (each importing the
libraries and reading the tables) while the twenty visits were still being drawn, on two cores.
Voila builds its pooling manager on top of this class and starts every kernel through
:meth:`PacedKernelManager.start_kernel`, so the pace is set here:

- a kernel for a pool (``VOILA_PREHEAT=True``) starts only when fewer than ``heating_limit`` pool
  kernels are still preloading, and no kernel handed to a visit has been busy for
  ``refill_quiet`` seconds (the visits of a burst are drawn first), or after ``refill_max_wait``
  seconds whatever the activity (a page open with a busy selection does not stop refills);
- a pool kernel that a visit is already waiting for (Voila took it from the pool before it had
  started) starts at once, as does a visit's own kernel when the pool is empty.

A pool kernel is preloading from its start until it waits for its visit, which it shows by
opening Voila's request-info socket (``voila.utils.wait_for_request``), or for at most
``heat_timeout`` seconds.
"""
from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timezone

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Int, default


class PacedKernelManager(AsyncMappingKernelManager):
    """:class:`AsyncMappingKernelManager` that paces the starts of preheated kernels."""

    heating_limit = Int(config=True, help="Pool kernels preloading at once (default: the cores).")
    refill_quiet = Float(2.0, config=True,
                         help="Seconds without a busy visit kernel before a pool kernel starts.")
    refill_max_wait = Float(60.0, config=True,
                            help="Seconds after which a pool kernel starts whatever the visits do.")
    heat_timeout = Float(120.0, config=True,
                         help="Seconds after which a pool kernel counts as preloaded anyway.")

    @default("heating_limit")
    def _cores(self) -> int:
        return max(1, os.cpu_count() or 1)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._heating: dict[object, float] = {}  # kernel id (or a start's token) → monotonic start

    async def start_kernel(self, *args, **kwargs):
        env = kwargs.get("env") or {}
        if env.get("VOILA_PREHEAT") != "True":  # a visit's own kernel: the pool was empty
            return await super().start_kernel(*args, **kwargs)
        token = object()
        await self._wait_turn(asyncio.current_task())
        self._heating[token] = time.monotonic()  # the slot is taken before the start yields
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        finally:
            started = self._heating.pop(token)
        self._heating[kernel_id] = started
        return kernel_id

    async def _wait_turn(self, task: asyncio.Task | None) -> None:
        waited = time.monotonic()
        while self._in_pool(task):
            self._prune()
            if len(self._heating) < self.heating_limit and (
                    self._quiet() or time.monotonic() - waited > self.refill_max_wait):
                return
            await asyncio.sleep(0.1)
        # taken by a visit before it started (or not from a pool at all): at once

    def _in_pool(self, task) -> bool:
        """Whether the start belongs to a pool entry no visit has taken yet (Voila's pools hold
        the tasks that start their kernels, and a kernel starts in its entry's task)."""
        return task is not None and any(task in pool for pool in getattr(self, "_pools", {}).values())

    def _pooled(self) -> set[str]:
        """Ids of the started kernels still in a pool (preloading or waiting for a visit)."""
        out = set()
        for pool in getattr(self, "_pools", {}).values():
            for entry in pool:
                if entry.done() and not entry.cancelled() and entry.exception() is None:
                    out.add(entry.result().get("kernel_id"))
        return out

    def _prune(self) -> None:
        """Forget the pool kernels that have preloaded: waiting for their visit, taken by one,
        gone, or preloading longer than ``heat_timeout``."""
        from voila.request_info_handler import RequestInfoSocketHandler

        pooled, now = self._pooled(), time.monotonic()
        for kid, started in list(self._heating.items()):
            if not isinstance(kid, str):
                continue  # starting now
            if (kid in RequestInfoSocketHandler._waiters or kid not in self or kid not in pooled
                    or now - started > self.heat_timeout):
                del self._heating[kid]

    def _quiet(self) -> bool:
        """No kernel handed to a visit is busy or has been active within ``refill_quiet`` s."""
        pooled, now = self._pooled(), datetime.now(timezone.utc)  # last_activity is aware UTC
        for kid in self.list_kernel_ids():
            if kid in pooled or kid in self._heating:
                continue
            kernel = self._kernels.get(kid)
            if kernel is None:
                continue
            if getattr(kernel, "execution_state", "idle") == "busy":
                return False
            last = getattr(kernel, "last_activity", None)
            if last is not None and (now - last).total_seconds() < self.refill_quiet:
                return False
        return True
