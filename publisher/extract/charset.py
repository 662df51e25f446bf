"""Decode bytes whose charset may be declared, wrong or missing (UTF-8, GBK, GB18030, ...)."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# GB2312 and GBK pages routinely hold characters only GB18030 has; it is their superset.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def decode(data: bytes, html: bool = False) -> tuple[str, str]:
    """Return (text, encoding). Raises UnicodeDecodeError when no charset makes sense of it."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc), enc
    if html:
        m = _META.search(data[:4096])
        if m:
            enc = _WIDEN.get(m.group(1).decode("ascii").lower(), m.group(1).decode("ascii").lower())
            try:
                return data.decode(enc), enc
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration: detect instead
    # Chinese government pages that are not UTF-8 are nearly always GB-family
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:
            if e.end >= len(data) and e.start >= len(data) - 3:  # a file cut off inside its last character
                try:
                    return data[:e.start].decode(enc), enc
                except UnicodeDecodeError:
                    pass
    best = from_bytes(data).best()
    if best is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no text encoding fits these bytes")
    return str(best), best.encoding
