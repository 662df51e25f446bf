"""Readers: turn a file of any supported kind into a Document of pieces in reading order."""

from __future__ import annotations

from pathlib import Path

from ..model import ReportError
from . import docx, html, pdf, text
from .document import Document, Piece

__all__ = ["Document", "Piece", "extract", "sniff"]

MAX_BYTES = 200 * 1024 * 1024


def sniff(path: str, data: bytes) -> str:
    """The kind of file from its bytes first, its name second: 'pdf', 'docx', 'html' or 'text'."""
    head = data[:2048].lstrip()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or path.lower().endswith(".docx"):
            return "docx"
        raise ReportError(f"{path}: a ZIP archive that is not a Word .docx file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReportError(f"{path}: an old binary Word .doc file; save it as .docx")
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in data[:200000].lower() \
            or b"<body" in lowered or b"<p" in lowered[:200] or b"<!--" in lowered[:10]:
        return "html"
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm", ".shtml", ".xhtml"):
        return "html"
    return "text"


def extract(path: str, data: bytes | None = None) -> Document:
    """Read a file into a Document; raise ReportError naming the file and the problem."""
    if data is None:
        try:
            size = Path(path).stat().st_size
            if size > MAX_BYTES:
                raise ReportError(f"{path}: {size} bytes is larger than any report ({MAX_BYTES} bytes at most)")
            data = Path(path).read_bytes()
        except OSError as e:
            raise ReportError(f"{path}: cannot read the file ({e.strerror or e})") from e
    if not data.strip():
        raise ReportError(f"{path}: the file is empty")
    kind = sniff(path, data)
    if kind == "text" and _binary(data):
        raise ReportError(f"{path}: binary data, not a report (not text, HTML, PDF or DOCX)")
    reader = {"pdf": pdf.read, "docx": docx.read, "html": html.read, "text": text.read}[kind]
    try:
        return reader(path, data)
    except UnicodeDecodeError as e:
        raise ReportError(f"{path}: cannot decode the text ({e.reason})") from e


def _binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(b < 9 or 13 < b < 32 for b in sample)
    return control > len(sample) * 0.05
