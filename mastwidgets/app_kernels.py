"""Voila's pre-heated kernels, checked before one is handed to a visitor.

With ``preheat_kernel``, Voila keeps a kernel that has already run the app's notebook
(imports, widgets) waiting for the next page: the page is ready in about half the
time. Voila 0.5 hands out a pooled kernel without looking at it, so a kernel that
died while it waited (killed, out of memory) or was restarted (a fresh kernel without
the app) would give the next visitor a blank page. This kernel manager, Voila's base
class for its pool (``VoilaConfiguration.multi_kernel_manager_class``), drops such
kernels from the pool just before one is handed out, and starts another (that visitor
waits for a cold kernel, as without the pool).
"""

from __future__ import annotations

import contextlib
import logging

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

log = logging.getLogger(__name__)


class CheckedPoolKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager; Voila's pool subclass of it checks its kernels."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._restarted: set[str] = set()  # kernels restarted since started: not the app's

    def __init_subclass__(cls, **kwargs) -> None:
        # Voila makes its pool class as a subclass of this one (at startup): its
        # get_rendered_notebook, which pops a pooled kernel, first drops dead ones.
        super().__init_subclass__(**kwargs)
        handout = cls.__dict__.get("get_rendered_notebook")
        if handout is None:
            return

        async def get_rendered_notebook(self, notebook_name, *args, **kw):
            await self._drop_dead_kernels(notebook_name)
            return await handout(self, notebook_name, *args, **kw)

        get_rendered_notebook.__doc__ = handout.__doc__
        cls.get_rendered_notebook = get_rendered_notebook

    async def start_kernel(self, *args, **kwargs) -> str:
        kernel_id = await super().start_kernel(*args, **kwargs)
        kernel = self.get_kernel(kernel_id)
        for event in ("restart", "dead"):
            kernel.add_restart_callback(lambda: self._restarted.add(kernel_id), event)
        return kernel_id

    async def _drop_dead_kernels(self, notebook_name: str) -> None:
        pool = getattr(self, "_pools", {}).get(notebook_name, [])
        for task in list(pool):
            if not task.done():
                continue  # still heating: it is checked when it is handed out
            try:
                kernel_id = task.result()["kernel_id"]
            except Exception:  # noqa: BLE001 - a kernel that failed to start
                pool.remove(task)
                continue
            kept = kernel_id in self and kernel_id not in self._restarted
            if kept and await self.get_kernel(kernel_id).is_alive():
                continue
            log.warning("pre-heated kernel %s died while it waited: replaced", kernel_id)
            pool.remove(task)
            with contextlib.suppress(Exception):
                await self.shutdown_kernel(kernel_id, now=True)
        if not pool:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)
