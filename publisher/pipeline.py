"""Read one file into a Report, or a Failure that names the file and the problem; never raise."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .extract import extract
from .extract import sniff as _sniff
from .model import Provenance, Report, ReportError
from .parse import parse

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "text": "text/plain",
}


@dataclass(frozen=True)
class Failure:
    source: str
    error: str


class _TooSlow(BaseException):  # not an Exception: no reader may swallow it
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Stop a parse that runs past its time (SIGALRM; only in a process's main thread)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_file(path: str, time_limit: float | None = None) -> Report | Failure:
    """Read one file; a file that takes longer than `time_limit` seconds is a Failure."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return Failure(path, f"{path}: cannot read the file ({e.strerror or e})")
    try:
        with _time_limit(time_limit):
            return _parse_bytes(path, data)
    except _TooSlow:
        return Failure(path, f"{path}: took longer than {time_limit:g} s to read; given up")


def _parse_bytes(path: str, data: bytes) -> Report | Failure:
    try:
        doc = extract(path, data)
        source = Provenance(path, hashlib.sha256(data).hexdigest(), MEDIA_TYPES[_sniff(path, data)], len(data))
        report = parse(doc, source)
        report.parsed_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    except ReportError as e:
        return Failure(path, str(e))
    except Exception as e:  # a reader bug must not lose the other reports
        return Failure(path, f"{path}: could not be read ({type(e).__name__}: {e})")
    if not report.cells:
        why = report.warnings[0] if report.warnings else "no table of the annual-report format found"
        return Failure(path, f"{path}: not an annual report of the national format ({why})")
    return report
