"""Read one file into a Report, or a Failure that names the file and the problem; never raise."""

from __future__ import annotations

import hashlib
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


def parse_file(path: str) -> Report | Failure:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return Failure(path, f"{path}: cannot read the file ({e.strerror or e})")
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
