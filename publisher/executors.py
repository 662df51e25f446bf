"""Where the parse and validate steps run: local processes (all cores by default) or a Dask cluster.

`xxgk build --executor dask://HOST:PORT` sends the same pure functions to an existing
dask.distributed scheduler; without it, a process pool on this machine runs them.
"""

from __future__ import annotations

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
            def dask_map(fn: Callable, items: Iterable) -> Iterator:
                futures = client.map(fn, list(items), pure=False)
                for future in futures:
                    yield future.result()
            yield dask_map
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
        yield lambda fn, items: pool.map(fn, items, chunksize=1)
