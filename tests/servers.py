"""Start the real `xxgk serve` in a subprocess on a free loopback port, for tests that drive it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(out: Path, *options: str):
    """Yield the base URL of `xxgk serve out` and stop it afterwards."""
    port = free_port()
    log_path = out.parent / f"server-{port}.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "publisher.cli", "serve", str(out), "--host", "127.0.0.1",
                                    "--port", str(port), *options], stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError("the server exited:\n" + log_path.read_text())
                try:
                    if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
