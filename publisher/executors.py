"""Where the parse and validate steps run: local processes (all cores by default) or a Dask cluster.

`xxgk build --executor dask://HOST:PORT` sends the same pure functions to an existing
dask.distributed scheduler; without it, a process pool on this machine runs them.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

Mapper = Callable[[Callable, Iterable], Iterator]


@contextlib.contextmanager
def executor(spec: str | None = None, jobs: int | None = None) -> Iterator[Mapper]:
    """Yield `map(fn, items)`, which returns results in the order of the items."""
    if spec and spec.startswith("dask://"):
        try:
            from distributed import Client
        except ImportError as e:  # an optional extra
            raise RuntimeError("--executor dask:// needs dask.distributed: pip install 'xxgk[dask]'") from e
        client = Client("tcp://" + spec.removeprefix("dask://"), set_as_default=False)
        try:
            window = 4 * max(1, len(client.scheduler_info().get("workers", {})))
            yield lambda fn, items: _windowed(lambda item: client.submit(fn, item, pure=False), items, window)
        finally:
            client.close()
        return
    if spec not in (None, "", "local"):
        raise ValueError(f"unknown executor {spec!r}: use 'local' or dask://HOST:PORT")
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        yield map
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield lambda fn, items: _windowed(lambda item: pool.submit(fn, item), items, 4 * jobs)


def _windowed(submit: Callable, items: Iterable, window: int) -> Iterator:
    """Results in the order of the items, taking the next item only as a result is handed back
    (`Executor.map` and `Client.map` read every item first, which would hold a whole corpus of
    reports in memory); `submit(item)` returns a future."""
    pending: collections.deque = collections.deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
